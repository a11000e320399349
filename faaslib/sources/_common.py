"""What a queue and a topic do alike, because SQS and SNS share the rules: they check a
message attribute's name, a batch's entry ids, a batch's entries before any of it is sent, and
the FIFO group and deduplication ids; a FIFO queue or topic remembers the deduplication ids of
the last 5 minutes. And what every event source mapping (queue or stream) does alike: it checks
and compiles its `filter` patterns.

Each service passes its `Service`: the error types it raises and how it words its limits, so a
refusal reads as that service's own ("over the maximum of 10" from SQS, "over SNS's limit of
10" from SNS) and carries its error code.
"""

from __future__ import annotations

import hashlib
import math
import re
import reprlib
from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import msgspec

from faaslib.errors import ConfigurationError
from faaslib.patterns import Pattern, compile_pattern

__all__ = [
    "ATTRIBUTE_NAME",
    "MAX_FILTERS",
    "MAX_FILTER_CHARACTERS",
    "DeduplicationWindow",
    "FilterSpec",
    "Refusal",
    "Service",
    "batch_item_failures",
    "check_batch",
    "check_batch_ids",
    "check_fifo_ids",
    "compile_filters",
    "filtered_keys",
    "shown",
]

# A message attribute's name: letters, digits, '-', '_' and '.' (not first or last, never two in
# a row), at most 256 of them.
ATTRIBUTE_NAME = re.compile(r"(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}")
_BATCH_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
_GROUP_OR_DEDUPLICATION_ID = re.compile(r"[!-~]{1,128}")  # letters, digits and punctuation
_SLACK = 1e-9  # a window a float rounding past the fake clock's time still ends at that time
# An event source mapping's FilterCriteria: "up to five different filters for a single event
# source", each Pattern at most 4,096 characters (CloudFormation's Filter.Pattern); see
# https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html.
MAX_FILTERS = 5
MAX_FILTER_CHARACTERS = 4096

# How an error message shows a value a caller sent: short, whatever it is. A plain repr of a
# deeply nested or self-referencing value recurses without end, and a huge one floods the message.
_SHOWN = reprlib.Repr()
_SHOWN.maxlevel, _SHOWN.maxstring, _SHOWN.maxother = 3, 80, 80


def shown(value: Any) -> str:
    """`value` as an error message shows it: its repr, cut short (deep, self-referencing and
    huge values too, and an object whose repr raises)."""
    if isinstance(value, int) and value.bit_length() > 200:  # beyond what repr may print
        return f"<an int of about {int(value.bit_length() * math.log10(2)) + 1:,} digits>"
    try:
        return _SHOWN.repr(value)
    except Exception:
        return f"<a {type(value).__name__}>"


class Refusal(Protocol):
    """How a service's error is made: from the queue's or topic's name, the message and, if
    not its type's own, the error code (`BatchRejected`, `PublishBatchRejected`, ...)."""

    def __call__(self, name: str, message: str, /, *, code: str | None = None) -> Exception: ...


class _Entry(Protocol):
    @property
    def id(self) -> str: ...


class _Encoded(Protocol):
    @property
    def size(self) -> int: ...


class _Message(Protocol):
    text: str
    group_id: str | None
    deduplication_id: str | None


RejectedT = TypeVar("RejectedT", bound=Exception)
FailureT = TypeVar("FailureT")
EntryT = TypeVar("EntryT", bound=_Entry)
EncodedT = TypeVar("EncodedT", bound=_Encoded)
AnswerT = TypeVar("AnswerT")


@dataclass(frozen=True)
class Service(Generic[RejectedT, FailureT]):
    """How one service (SQS, SNS) refuses what the two check alike, and its batch limits."""

    resource: str  # what a message is sent to, in refusals: "queue", "topic"
    rejected: type[RejectedT]  # one message refused; in a batch, only its entry fails
    batch_rejected: Refusal  # a whole batch refused, none of it sent
    failure: Callable[[RejectedT], FailureT]  # a refused entry, as the batch's result lists it
    missing_code: str | None  # the code of a missing FIFO id; None for `rejected`'s own
    max_entries: int
    max_entries_text: str  # how a refusal names that limit: "the maximum of 10"
    max_payload: int  # bytes, every entry's message and attributes together
    max_payload_text: str  # "the limit of 1,048,576 bytes"

    def reject(self, name: str, message: str, *, code: str | None = None) -> RejectedT:
        """The service's refusal of one message, with `code` (None: its type's own)."""
        # Every service's type takes (name, message, *, code); `type[RejectedT]` cannot say so.
        make: Callable[..., RejectedT] = self.rejected
        return make(name, message, code=code)


def check_batch_ids(name: str, ids: list[Any], service: Service[Any, Any]) -> None:
    """Refuse a batch the service refuses whole for its entry ids: none, too many, malformed or
    repeated."""
    refuse = service.batch_rejected
    if not ids:
        raise refuse(name, "the batch has no entries", code="EmptyBatchRequest")
    if len(ids) > service.max_entries:
        raise refuse(
            name,
            f"the batch has {len(ids)} entries, over {service.max_entries_text}",
            code="TooManyEntriesInBatchRequest",
        )
    for entry_id in ids:
        if not isinstance(entry_id, str) or not _BATCH_ID.fullmatch(entry_id):
            raise refuse(
                name,
                f"the entry id {entry_id!r} is not 1 to 80 letters, digits, '-' or '_'",
                code="InvalidBatchEntryId",
            )
    if len(set(ids)) != len(ids):
        repeated = sorted({entry_id for entry_id in ids if ids.count(entry_id) > 1})
        raise refuse(
            name,
            f"the entry ids {repeated} appear more than once",
            code="BatchEntryIdsNotDistinct",
        )


def check_batch(
    name: str,
    batch: Sequence[EntryT],
    service: Service[RejectedT, FailureT],
    *,
    encode: Callable[[EntryT], EncodedT],
    check: Callable[[EntryT, EncodedT], None],
) -> tuple[list[tuple[str, EncodedT]], dict[str, FailureT]]:
    """Check a batch as SQS and SNS do before they send any of it: its ids, then each entry
    `encode`d, the entries' size in all, then each entry `check`ed against what depends on the
    queue or topic.

    Returns the entries to send, in order, with their ids, and the refused ones by id, as the
    service's failures. Raises `service.batch_rejected` for the ids, or when the entries that
    encode carry more than `service.max_payload` bytes together.
    """
    check_batch_ids(name, [entry.id for entry in batch], service)
    encoded: dict[str, EncodedT] = {}
    refused: dict[str, RejectedT] = {}
    for entry in batch:
        try:
            encoded[entry.id] = encode(entry)
        except service.rejected as error:
            refused[entry.id] = error
    total = sum(outgoing.size for outgoing in encoded.values())
    if total > service.max_payload:
        raise service.batch_rejected(
            name,
            f"the batch carries {total:,} bytes in all, over {service.max_payload_text}",
            code="BatchRequestTooLong",
        )
    ready: list[tuple[str, EncodedT]] = []
    failed: dict[str, FailureT] = {}
    for entry in batch:
        if entry.id in refused:
            failed[entry.id] = service.failure(refused[entry.id])
            continue
        try:
            check(entry, encoded[entry.id])
        except service.rejected as error:
            failed[entry.id] = service.failure(error)
        else:
            ready.append((entry.id, encoded[entry.id]))
    return ready, failed


def check_fifo_ids(
    name: str,
    service: Service[Any, Any],
    message: _Message,
    *,
    group_id: Any,
    deduplication_id: Any,
    fifo: bool,
    content_based_deduplication: bool,
) -> None:
    """Check a message's group and deduplication ids as SQS and SNS do, and give them to it:
    each is 1 to 128 letters, digits or punctuation marks; FIFO needs a group id, and a
    deduplication id unless content-based deduplication derives one (the SHA-256 of the
    message's text, not of its attributes); a standard queue or topic takes a group id (for SQS
    fair queues) but no deduplication id."""
    for field, value in (("group_id", group_id), ("deduplication_id", deduplication_id)):
        if value is not None and not (
            isinstance(value, str) and _GROUP_OR_DEDUPLICATION_ID.fullmatch(value)
        ):
            raise service.reject(
                name, f"{field}={value!r} is not 1 to 128 letters, digits or punctuation marks"
            )
    resource = service.resource
    if fifo:
        if group_id is None:
            raise service.reject(
                name, f"group_id is required on a FIFO {resource}", code=service.missing_code
            )
        if deduplication_id is None:
            if not content_based_deduplication:
                raise service.reject(
                    name,
                    f"deduplication_id is required: the {resource} has no "
                    "content_based_deduplication",
                    code=service.missing_code,
                )
            deduplication_id = hashlib.sha256(message.text.encode()).hexdigest()
    elif deduplication_id is not None:
        raise service.reject(
            name, f"deduplication_id is only for FIFO {resource}s; this {resource} is standard"
        )
    message.group_id = group_id
    message.deduplication_id = deduplication_id


class DeduplicationWindow(Generic[AnswerT]):
    """The deduplication ids a FIFO queue or topic accepted in the last `seconds`, each with
    what it answered then, so that a repeat gets the same answer and is not sent again. An id
    is forgotten when its window ends: a repeat does not extend it."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._answers: dict[str, tuple[float, AnswerT]] = {}  # id -> (forgotten at, answer)
        self._order: deque[tuple[float, str]] = deque()  # the ids in the order they are forgotten

    def answer(self, key: str, now: float) -> AnswerT | None:
        """What was answered to `key` within the window ending at `now`, or None."""
        while self._order and self._order[0][0] <= now + _SLACK:
            expires, forgotten = self._order.popleft()
            if self._answers.get(forgotten, (None,))[0] == expires:
                del self._answers[forgotten]
        seen = self._answers.get(key)
        return None if seen is None else seen[1]

    def remember(self, key: str, now: float, answer: AnswerT) -> None:
        """Give `answer` to every repeat of `key` until the window starting at `now` ends."""
        expires = now + self._seconds
        self._answers[key] = (expires, answer)
        self._order.append((expires, key))


FilterSpec = Mapping[str, Any] | str | Sequence[Mapping[str, Any] | str] | None


def compile_filters(
    owner: str,
    filter: FilterSpec,
    *,
    mapping: str,
    keys: Collection[str],
    data_keys: Collection[str] = (),
) -> list[Pattern]:
    """Check and compile an event source mapping's `filter` (one pattern or a list of 1 to 5)
    as CreateEventSourceMapping does: each pattern at most 4,096 characters, in EventBridge's
    language, naming at its top level (and in its `$or` branches) only the `keys` the source's
    records have. A pattern for one of the `data_keys` (a stream's `data` or `dynamodb`) must
    be an object of the data's fields: Lambda refuses a non-JSON filter on stream data.

    `mapping` names the kind of mapping in refusals ("an SQS event source mapping").
    """
    if filter is None:
        return []
    patterns = [filter] if isinstance(filter, Mapping | str) else list(filter)
    if not 1 <= len(patterns) <= MAX_FILTERS:
        raise ConfigurationError(
            f"{owner}: filter has {len(patterns)} patterns; an event source mapping takes 1 to "
            f"{MAX_FILTERS}"
        )
    compiled = []
    for number, pattern in enumerate(patterns, 1):
        where = f"{owner}: filter pattern {number}"
        text = pattern if isinstance(pattern, str) else msgspec.json.encode(pattern).decode()
        if len(text) > MAX_FILTER_CHARACTERS:
            raise ConfigurationError(
                f"{where} is {len(text):,} characters, over the limit of {MAX_FILTER_CHARACTERS:,}"
            )
        try:
            compiled_pattern = compile_pattern(
                pattern, owner=where, max_length=MAX_FILTER_CHARACTERS
            )
        except ValueError as error:
            raise ConfigurationError(str(error)) from None
        named = set(filtered_keys(compiled_pattern))
        unknown = named - set(keys)
        if unknown:
            allowed = sorted(keys)
            shown = (
                f"the {allowed[0]} key" if len(allowed) == 1 else "the keys " + ", ".join(allowed)
            )
            raise ConfigurationError(
                f"{where} filters on {', '.join(sorted(unknown))}; {mapping} filters only on "
                f"{shown}"
            )
        for branch in _branches(compiled_pattern.source):
            for key in set(data_keys) & set(branch):
                if not isinstance(branch[key], dict):
                    raise ConfigurationError(
                        f"{where}: {key} must be matched with an object of the data's fields, "
                        f'such as {{"{key}": {{"field": ["value"]}}}}; Lambda refuses a filter on '
                        f"{key} that is not JSON"
                    )
        compiled.append(compiled_pattern)
    return compiled


def filtered_keys(pattern: Pattern) -> Iterator[str]:
    """The top-level keys a compiled pattern matches on, in every `$or` branch too."""
    for branch in _branches(pattern.source):
        yield from (key for key in branch if key != "$or")


def _branches(source: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The pattern's top object and, recursively, each object of its `$or` lists."""
    yield source
    alternatives = source.get("$or")
    if isinstance(alternatives, list):
        for alternative in alternatives:
            if isinstance(alternative, Mapping):
                yield from _branches(alternative)


def batch_item_failures(
    answer: Any, ids: set[str], id_name: str, item_name: str
) -> tuple[str | None, set[str]]:
    """Read a partial batch response as Lambda reads it for queues and streams alike: (why it
    fails the whole batch, or None; the identifiers it reports failed). An empty or null answer
    or list is a complete success; a malformed one, an empty or null identifier, or one not in
    the batch fails the whole batch (with-sqs.html and with-kinesis.html, "Success and failure
    conditions"). `id_name` and `item_name` word the reason: "message id" of a "message"."""
    if answer is None:
        return None, set()
    if not isinstance(answer, dict):
        return f"the answer is {type(answer).__name__}, not an object", set()
    items = answer.get("batchItemFailures")
    if items is None:
        return None, set()
    if not isinstance(items, list):
        return "batchItemFailures is not a list", set()
    failed: set[str] = set()
    for item in items:
        if not isinstance(item, dict) or "itemIdentifier" not in item:
            return f"{item!r} has no itemIdentifier", set()
        identifier = item["itemIdentifier"]
        if not isinstance(identifier, str) or not identifier:
            return f"itemIdentifier {identifier!r} is not a {id_name}", set()
        if identifier not in ids:
            return (
                f"itemIdentifier {identifier!r} is not the {id_name} of a {item_name} in the batch",
                set(),
            )
        failed.add(identifier)
    return None, failed
