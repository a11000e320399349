"""What a person can do from the console, each through the app's public API and nothing else:
invoke a function, send a message, put an object, redrive a dead-letter queue, change a
function's concurrency, run power tuning.

Each action takes the page's JSON form and answers JSON; what the app refuses (an unknown
function, a message SQS would not take, a limit) comes back as the app's own message.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from faaslib.console.live import InvocationFeed, console_invocation, shorten
from faaslib.payloads import PayloadError, from_document, to_document

if TYPE_CHECKING:
    from faaslib.app import App
    from faaslib.sources.queue import Message, Queue
    from faaslib.tuning import TuneResult

__all__ = ["ActionError", "build_event", "invoke", "put_object", "redrive", "send_message"]

# The most messages one redrive moves: a person clicking "redrive" on a queue of millions
# gets them in rounds, each answered with what it moved.
REDRIVE_LIMIT = 10_000


class ActionError(ValueError):
    """A form the console cannot act on; the message names the field and what was wrong."""


# What a field of each type is called in an error (the page's words, not Python's).
_KINDS = {int: "a whole number", str: "text", list: "a list", dict: "an object"}


def field(form: dict[str, Any], name: str, kind: type, default: Any = ...) -> Any:
    """`form[name]`, checked to be a `kind`."""
    value = form.get(name, default)
    if value is ...:
        raise ActionError(f"the field {name!r} is missing")
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        wanted = _KINDS.get(kind, kind.__name__)
        raise ActionError(f"the field {name!r} must be {wanted}, not {value!r:.80}")
    return value


def _event_document(form: dict[str, Any]) -> bytes:
    """The event as the page gives it: JSON text (checked, so a typo is named here)."""
    text = field(form, "event", str, "{}")
    try:
        return to_document(from_document(text or "{}"))
    except PayloadError as error:
        raise ActionError(f"the event is not JSON: {error}") from None


async def invoke(
    app: App, form: dict[str, Any], feed: InvocationFeed | None = None
) -> dict[str, Any]:
    """Invoke `function` with `event` (JSON text) as `invocation_type` (RequestResponse or
    Event); `feed` marks the invocation as the console's and keeps its event."""
    name = field(form, "function", str)
    invocation_type = field(form, "invocation_type", str, "RequestResponse")
    document = _event_document(form)
    token = console_invocation.set(document)
    if feed is not None:
        feed.sending(1)
    try:
        result = await app.invoke(name, document, invocation_type=invocation_type)
    finally:
        console_invocation.reset(token)
        if feed is not None:
            feed.sending(-1)
    if feed is not None and result.status_code == 202:  # it runs later, in the app's task
        feed.queued(result.request_id, document)
    raw = result.raw_payload
    return {
        "request_id": result.request_id,
        "status": result.status_code,
        "error": result.function_error,
        "duration_ms": round(result.duration_ms, 3),
        "billed_ms": result.billed_duration_ms,
        "response": None if raw is None else shorten(raw.decode("utf-8", "replace")),
    }


def build_event(family: str) -> dict[str, Any]:
    """A sample event of `family`, as `faaslib events generate FAMILY` prints it."""
    from faaslib.events import BUILDERS, dump

    builder = BUILDERS.get(family)
    if builder is None:
        raise ActionError(f"no event family {family!r}; the families are: {', '.join(BUILDERS)}")
    return {"family": family, "event": dump(builder())}


async def send_message(app: App, form: dict[str, Any]) -> dict[str, Any]:
    """Send `body` (text) to queue `queue` (`group_id` for a FIFO queue)."""
    queue = _queue(app, field(form, "queue", str))
    body = field(form, "body", str)
    group_id = field(form, "group_id", str, None) if form.get("group_id") else None
    options: dict[str, Any] = {}
    if queue.fifo:
        options = {"group_id": group_id or "console"}
        if not queue.content_based_deduplication:
            options["deduplication_id"] = base64.urlsafe_b64encode(
                to_document([body, app.clock.now()])
            ).decode()[:128]
    sent = await queue.send(body, **options)
    return {"queue": queue.name, "message_id": sent.message_id}


async def put_object(app: App, form: dict[str, Any]) -> dict[str, Any]:
    """Put `body` (text) under `key` in bucket `bucket`; its notifications fire as usual."""
    name = field(form, "bucket", str)
    bucket = app.buckets.get(name)
    if bucket is None:
        raise ActionError(f"App {app.name!r} has no bucket {name!r}")
    key = field(form, "key", str)
    info = await bucket.put(key, field(form, "body", str))
    return {"bucket": name, "key": key, "etag": info.etag}


async def redrive(app: App, form: dict[str, Any]) -> dict[str, Any]:
    """Move the messages of dead-letter queue `queue` back to the queues they came from, as
    SQS's redrive (StartMessageMoveTask) does: each is sent again to its source queue (kept in
    `DeadLetterQueueSourceArn`), then deleted from the dead-letter queue."""
    dead_letters = _queue(app, field(form, "queue", str))
    sources = {q.arn: q for q in app.queues.values() if q.dead_letter_queue is dead_letters}
    if not sources:
        raise ActionError(
            f"queue {dead_letters.name!r} is no queue's dead-letter queue, so there is nowhere "
            "to redrive its messages to"
        )
    moved = 0
    while moved < REDRIVE_LIMIT:
        messages = await dead_letters.receive(10, visibility_timeout=30)
        if not messages:
            break
        for message in messages:
            source = sources.get(message.attributes.get("DeadLetterQueueSourceArn", ""))
            if source is None:  # from a queue no longer naming it: the first that does
                source = next(iter(sources.values()))
            await _send_again(source, message)
            await dead_letters.delete(message.receipt_handle)
            moved += 1
    return {
        "queue": dead_letters.name,
        "moved": moved,
        "to": sorted(q.name for q in sources.values()),
    }


async def _send_again(queue: Queue, message: Message) -> None:
    attributes: dict[str, str | int | float | bytes] = {}
    for name, attribute in message.message_attributes.items():
        kind = attribute.data_type if isinstance(attribute.data_type, str) else "String"
        if kind.startswith("Binary") and isinstance(attribute.binary_value, str):
            attributes[name] = base64.b64decode(attribute.binary_value)
        elif isinstance(attribute.string_value, str):
            text = attribute.string_value
            attributes[name] = (
                float(text)
                if kind.startswith("Number") and "." in text
                else (int(text) if kind.startswith("Number") else text)
            )
    options: dict[str, Any] = {}
    if queue.fifo:
        options["group_id"] = message.attributes.get("MessageGroupId", "console")
        if not queue.content_based_deduplication:
            options["deduplication_id"] = f"redrive-{message.message_id}"[:128]
    await queue.send(message.body, attributes=attributes or None, **options)


async def set_concurrency(app: App, form: dict[str, Any]) -> dict[str, Any]:
    """Change function `function`'s reserved concurrency (`reserved_concurrency`: a number, or
    null to remove it) and its provisioned concurrency, as the app's API does; each only if
    the form has it."""
    name = field(form, "function", str)
    config = app.function_configuration(name)
    provisioned: int | None = None
    if "provisioned_concurrency" in form:
        provisioned = field(form, "provisioned_concurrency", int)
    reserved = config.reserved_concurrency
    if "reserved_concurrency" in form:
        reserved = form["reserved_concurrency"]
        if reserved is not None:
            reserved = field(form, "reserved_concurrency", int)
    if provisioned is not None and reserved is not None and reserved < provisioned:
        raise ActionError(  # refused before either changes
            f"function {name!r}: provisioned_concurrency={provisioned} is more than "
            f"reserved_concurrency={reserved}; Lambda can't provision more than is reserved"
        )
    # The reserved may not go below the provisioned: lowering it under that, the provisioned
    # changes first.
    lowering = reserved is not None and reserved < config.provisioned_concurrency
    if provisioned is not None and lowering:
        await app.set_provisioned_concurrency(name, provisioned)
    await app.set_reserved_concurrency(name, reserved)
    if provisioned is not None and not lowering:
        await app.set_provisioned_concurrency(name, provisioned)
    config = app.function_configuration(name)
    return {
        "function": name,
        "reserved_concurrency": config.reserved_concurrency,
        "provisioned_concurrency": config.provisioned_concurrency,
    }


async def tune(app: App, form: dict[str, Any]) -> TuneResult:
    """Run power tuning of `function` (`memory` sizes, `invocations` each) with `event`."""
    name = field(form, "function", str)
    memory = field(form, "memory", list, [128, 256, 512, 1024])
    if not memory or not all(isinstance(size, int) for size in memory):
        raise ActionError(f"the field 'memory' must be a list of sizes in MB, not {memory!r:.80}")
    invocations = field(form, "invocations", int, 10)
    event = from_document(_event_document(form))
    return await app.tune(name, [event], memory=memory, invocations=invocations)


def _queue(app: App, name: str) -> Queue:
    queue = app.queues.get(name)
    if queue is None:
        raise ActionError(f"App {app.name!r} has no queue {name!r}")
    return queue
