"""The event notifications of an in-app bucket: S3's configurations, key filters and overlap
rule, and the delivery of each event in the shape Lambda receives it.

A configuration names S3 event types (`s3:ObjectCreated:*`, `s3:ObjectRemoved:Delete`, ...) and
an optional prefix and suffix. As on S3, the filters are matched against the key as the event
carries it, URL-encoded (`photos/a+b%3D1.jpg` for `photos/a b=1.jpg`), so a filter spells special
characters percent-encoded and a space as '+'; a filter with a character that cannot appear in
an encoded key is refused with the spelling that would match. Two configurations that share an
event type may not both match a key: S3 refuses them, and so does `subscribe`.
"""

from __future__ import annotations

import base64
import inspect
import re
import secrets
import urllib.parse
import uuid
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

import msgspec

from faaslib.errors import ConfigurationError
from faaslib.events import _fake
from faaslib.events._base import dump
from faaslib.events.s3 import S3Event, build_s3, encode_key

__all__ = [
    "EVENT_TYPES",
    "Deliver",
    "InvalidNotificationConfiguration",
    "NotificationConfiguration",
    "Notifications",
    "UndeliveredNotification",
]

Deliver = Callable[[dict[str, Any]], object]
"""What a configuration calls with each event: `deliver({"Records": [record]})`, synchronously."""

# Every event type a configuration may name, as S3's API lists them (the `Events` of a
# TopicConfiguration, https://docs.aws.amazon.com/AmazonS3/latest/API/API_TopicConfiguration.html).
# This bucket emits ObjectCreated:Put, ObjectCreated:Copy, ObjectCreated:CompleteMultipartUpload
# and ObjectRemoved:Delete; the others are accepted, and never occur.
EVENT_TYPES: tuple[str, ...] = (
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectRestore:*",
    "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed",
    "s3:ObjectRestore:Delete",
    "s3:ReducedRedundancyLostObject",
    "s3:Replication:*",
    "s3:Replication:OperationFailedReplication",
    "s3:Replication:OperationNotTracked",
    "s3:Replication:OperationMissedThreshold",
    "s3:Replication:OperationReplicatedAfterThreshold",
    "s3:LifecycleTransition",
    "s3:IntelligentTiering",
    "s3:ObjectAcl:Put",
    "s3:LifecycleExpiration:*",
    "s3:LifecycleExpiration:Delete",
    "s3:LifecycleExpiration:DeleteMarkerCreated",
    "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put",
    "s3:ObjectTagging:Delete",
)
MAXIMUM_FILTER_LENGTH = 1_024  # characters, as S3's FilterRule allows

# What a URL-encoded key is made of: the characters `encode_key` leaves as they are, '%' of an
# escape and '+' for a space.
_ENCODED = re.compile(r"[A-Za-z0-9_.~/%+-]*")
_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})|%[0-9A-Fa-f]{2}")


class InvalidNotificationConfiguration(ConfigurationError):
    """A notification configuration S3 would refuse: an unknown event type, a bad filter, an id
    in use, or an overlap with another configuration. `code` is S3's error code."""

    code = "InvalidArgument"

    def __init__(self, bucket_name: str, message: str) -> None:
        super().__init__(f"bucket {bucket_name!r}: {message}")
        self.bucket_name = bucket_name


class NotificationConfiguration(msgspec.Struct, frozen=True, kw_only=True):
    """One notification configuration of a bucket, as `Bucket.subscribe` made it: its `id` (the
    event's `s3.configurationId`), the S3 event types it takes, and its key filters, spelt as
    S3 matches them (URL-encoded; empty for none)."""

    id: str
    events: tuple[str, ...]
    prefix: str = ""
    suffix: str = ""


class UndeliveredNotification(msgspec.Struct, frozen=True, kw_only=True):
    """An event whose `deliver` raised: the configuration it was for, the whole event as it was
    built, and the error, so that it can be delivered again."""

    configuration_id: str
    event: dict[str, Any]
    error: str


class _Subscription:
    """A configuration, its `deliver`, and the concrete event types it takes."""

    __slots__ = ("configuration", "deliver", "types")

    def __init__(
        self, configuration: NotificationConfiguration, deliver: Deliver, types: frozenset[str]
    ) -> None:
        self.configuration = configuration
        self.deliver = deliver
        self.types = types


class Notifications:
    """The notification configurations of one bucket, and the events they could not deliver.

    `publish` delivers one event to every configuration that takes it; a `deliver` that raises
    (or returns an awaitable, which would never run) counts as failed and its event is kept in
    `undelivered`. Nothing it raises escapes to the bucket operation that caused the event.
    """

    def __init__(self, bucket_name: str, region: str) -> None:
        self.bucket_name = bucket_name
        self.region = region
        self.undelivered: list[UndeliveredNotification] = []
        self._subscriptions: list[_Subscription] = []

    @property
    def configurations(self) -> list[NotificationConfiguration]:
        """The configurations in the order they were made."""
        return [subscription.configuration for subscription in self._subscriptions]

    def subscribe(
        self,
        deliver: Deliver,
        *,
        events: Iterable[str] | str = ("s3:ObjectCreated:*",),
        prefix: str = "",
        suffix: str = "",
        id: str | None = None,
    ) -> NotificationConfiguration:
        """Add a configuration; see `Bucket.subscribe`."""
        if not callable(deliver):
            self._refuse(f"deliver={deliver!r} is not callable")
        if inspect.iscoroutinefunction(deliver) or inspect.iscoroutinefunction(
            type(deliver).__call__  # an object with an async __call__
        ):
            self._refuse(
                f"deliver={deliver!r} is async; S3 notifications are delivered synchronously, "
                "so pass a plain function (which may start a task of its own)"
            )
        names = self._check_events(events)
        prefix = self._check_filter("prefix", prefix)
        suffix = self._check_filter("suffix", suffix)
        if id is None:
            # The form of the id S3 gives a configuration made without one: a UUID in base64.
            id = base64.b64encode(str(uuid.uuid4()).encode()).decode()
        elif not isinstance(id, str) or not id:
            self._refuse(f"id={id!r} is not a non-empty str")
        if any(s.configuration.id == id for s in self._subscriptions):
            self._refuse(f"a notification configuration with id {id!r} exists already")
        configuration = NotificationConfiguration(id=id, events=names, prefix=prefix, suffix=suffix)
        types = _concrete(names)
        for other in self._subscriptions:
            self._check_overlap(configuration, types, other)
        self._subscriptions.append(_Subscription(configuration, deliver, types))
        return configuration

    def unsubscribe(self, configuration: NotificationConfiguration | str) -> None:
        """Remove a configuration, given as itself or by id; its `deliver` is called no more."""
        if isinstance(configuration, NotificationConfiguration):
            wanted = configuration.id
        elif isinstance(configuration, str):
            wanted = configuration
        else:
            self._refuse(f"{configuration!r} is not a NotificationConfiguration or an id")
        for index, subscription in enumerate(self._subscriptions):
            if subscription.configuration.id == wanted:
                del self._subscriptions[index]
                return
        self._refuse(f"there is no notification configuration with id {wanted!r}")

    def publish(
        self,
        event_name: str,
        key: str,
        *,
        now: float,
        sequencer: str,
        size: int = 0,
        e_tag: str | None = None,
    ) -> tuple[int, int]:
        """Deliver the event `event_name` ("ObjectCreated:Put") of `key` (as written) to every
        configuration that takes it; how many deliveries succeeded and how many failed."""
        if not self._subscriptions:
            return 0, 0
        event_type = "s3:" + event_name
        encoded = encode_key(key)
        matching = [
            subscription
            for subscription in self._subscriptions
            if event_type in subscription.types
            and encoded.startswith(subscription.configuration.prefix)
            and encoded.endswith(subscription.configuration.suffix)
        ]
        if not matching:
            return 0, 0
        # The ids of the request, which every notification of it carries (the overlap rule
        # leaves at most one configuration per event type and key, so there is one).
        request_id = _fake.hex_id(16).upper()
        host_id = _fake.b64(secrets.token_bytes(42))
        delivered = failed = 0
        for subscription in matching:
            built = build_s3(
                self.bucket_name,
                key,
                event_name=event_name,
                size=size,
                e_tag=e_tag,
                configuration_id=subscription.configuration.id,
                now=now,
                region=self.region,
                sequencer=sequencer,
                request_id=request_id,
                host_id=host_id,
            )
            problem = _deliver(subscription.deliver, built)
            if problem is None:
                delivered += 1
                continue
            failed += 1
            self.undelivered.append(
                UndeliveredNotification(
                    configuration_id=subscription.configuration.id,
                    event=dump(built),  # as built: `deliver` may have changed its own copy
                    error=problem,
                )
            )
        return delivered, failed

    def _check_events(self, events: Iterable[str] | str) -> tuple[str, ...]:
        try:
            names = (events,) if isinstance(events, str) else tuple(events)
        except TypeError:
            self._refuse(f"events={events!r} is not a list of S3 event types")
        if not names:
            self._refuse("events is empty; name at least one S3 event type")
        for name in names:
            if name in EVENT_TYPES:
                continue
            hint = ""
            if isinstance(name, str) and f"s3:{name}" in EVENT_TYPES:
                hint = f" (S3 spells it 's3:{name}')"
            self._refuse(
                f"{name!r} is not an S3 event type{hint}; the event types are: "
                + ", ".join(EVENT_TYPES)
            )
        return tuple(dict.fromkeys(names))

    def _check_filter(self, field: str, value: str) -> str:
        if not isinstance(value, str):
            self._refuse(f"{field}={value!r} is not a str")
        if len(value) > MAXIMUM_FILTER_LENGTH:
            self._refuse(
                f"{field} is {len(value):,} characters, over S3's limit of "
                f"{MAXIMUM_FILTER_LENGTH:,}"
            )
        if "*" in value:
            self._refuse(
                f"{field}={value!r}: S3's key filters have no wildcards; a prefix or suffix is "
                "matched as written"
            )
        if not _ENCODED.fullmatch(value):
            # https://repost.aws/knowledge-center/lambda-configure-s3-event-notification: special
            # characters in a filter must be URL-encoded, as the key is matched encoded.
            self._refuse(
                f"{field}={value!r} has characters S3 matches only URL-encoded, as a notification "
                f"carries the key: write {field}={encode_key(value)!r}"
            )
        for escape in _ESCAPE.finditer(value):
            if len(escape.group()) == 1:
                self._refuse(
                    f"{field}={value!r} has a '%' that starts no escape; a '%' of the key is "
                    "written '%25'"
                )
        return _ESCAPE.sub(lambda escape: escape.group().upper(), value)

    def _check_overlap(
        self, new: NotificationConfiguration, types: frozenset[str], other: _Subscription
    ) -> None:
        """S3's rule: two configurations that share an event type may not both match a key,
        that is, have overlapping prefixes and overlapping suffixes (an empty one overlaps any).
        https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html
        """
        shared = types & other.types
        old = other.configuration
        prefixes_overlap = new.prefix.startswith(old.prefix) or old.prefix.startswith(new.prefix)
        suffixes_overlap = new.suffix.endswith(old.suffix) or old.suffix.endswith(new.suffix)
        if not (shared and prefixes_overlap and suffixes_overlap):
            return
        prefix = max(new.prefix, old.prefix, key=len)
        suffix = max(new.suffix, old.suffix, key=len)
        example = repr(urllib.parse.unquote_plus(prefix + suffix)) if prefix or suffix else "any"
        self._refuse(
            "Configurations overlap. Configurations on the same bucket cannot share a common "
            f"event type. Configuration {new.id!r} (prefix {new.prefix!r}, suffix "
            f"{new.suffix!r}) and configuration {old.id!r} (prefix {old.prefix!r}, suffix "
            f"{old.suffix!r}) both take {', '.join(sorted(shared))} for {example} key; give "
            "them prefixes or suffixes that no key can match both of"
        )

    def _refuse(self, message: str) -> NoReturn:
        raise InvalidNotificationConfiguration(self.bucket_name, message)


def _concrete(names: Iterable[str]) -> frozenset[str]:
    """The event types `names` stand for, each wildcard replaced by the types of its family."""
    concrete: set[str] = set()
    for name in names:
        if name.endswith(":*"):
            family = name[:-1]
            concrete.update(
                event_type
                for event_type in EVENT_TYPES
                if event_type.startswith(family) and event_type != name
            )
        else:
            concrete.add(name)
    return frozenset(concrete)


def _deliver(deliver: Deliver, built: S3Event) -> str | None:
    """Call `deliver` with its own copy of the event; what went wrong, or None."""
    try:
        result = deliver(dump(built))
    except Exception as error:  # a consumer's failure is counted, never the bucket's
        return f"{type(error).__name__}: {error}"
    if inspect.isawaitable(result):
        close = getattr(result, "close", None)
        if callable(close):
            close()  # never awaited: close it, so Python does not warn later
        return (
            f"TypeError: deliver returned {type(result).__name__}, an awaitable that nothing "
            "awaits; deliver must be synchronous"
        )
    return None
