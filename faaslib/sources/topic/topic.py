"""An SNS-like topic that lives in the app: standard and FIFO topics with SNS's fan-out,
subscription filter policies, raw message delivery and FIFO deduplication.

Delivery guarantee: **at least once**, as SNS documents for its Lambda and SQS subscribers. A
publish hands the message to every subscription whose filter policy accepts it, in subscription
order, before it returns: each subscription gets it exactly once per accepted publish. What may
still duplicate a message downstream, as on AWS:

- a publisher that retries (after a timeout, say) publishes a new message with a new id on a
  standard topic; only a FIFO topic drops a repeat, within its 5-minute deduplication window;
- a subscribed function runs as an Event invocation, which Lambda retries after a function
  error (twice by default), so a handler may see one notification more than once;
- a subscribed queue delivers at least once in its turn (visibility timeouts).

A FIFO topic delivers only to SQS queues (SNS's rule), in publish order; a publish with a
deduplication id seen in the last 5 minutes (or, with content-based deduplication, the same
message text) is accepted and not delivered. SNS calls FIFO delivery exactly once only for
subscriptions without a filter policy; with one, it is at most once (fifo-message-dedup.html).

Nothing is lost: a subscriber that raises does not stop delivery to the others; its
notification is counted as failed and kept in `Topic.undelivered`. Where this topic is simpler
than SNS, on purpose: it does not retry a failed delivery (SNS retries Lambda and SQS for days,
then uses the subscription's dead-letter queue), it has no `MessageStructure=json` per-protocol
messages, no topic or subscription policies, and deduplicates across the whole topic (SNS's
default `FifoThroughputScope`). Time comes from the topic's `Clock`; a topic belongs to one
event loop and is not thread-safe.
"""

from __future__ import annotations

import inspect
import itertools
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import anyio.lowlevel
import msgspec

from faaslib.clock import Clock
from faaslib.errors import ConfigurationError
from faaslib.events._fake import arn as resource_arn
from faaslib.events.sns import SNSMessage, build_sns
from faaslib.sources._common import DeduplicationWindow, check_batch, check_fifo_ids
from faaslib.sources.topic.checks import (
    DEDUPLICATION_WINDOW,
    RAW_SQS_ATTRIBUTES,
    SNS,
    Outgoing,
    check_subscription,
    check_topic_name,
    encode,
)
from faaslib.sources.topic.filter_policy import FilterPolicy
from faaslib.sources.topic.messages import (
    FilterPolicyScope,
    Notification,
    PublishBatchEntry,
    PublishBatchRejected,
    PublishBatchResult,
    PublishResult,
    Subscription,
    SubscriptionProtocol,
    TopicCounters,
    TopicError,
    UndeliveredNotification,
)

__all__ = ["Topic"]

_FIRST_SEQUENCE_NUMBER = 10_000_000_000_000_000_000
_SEQUENCE_STEP = 4_096  # SNS's sequence numbers grow but are not consecutive


class Topic:
    """An SNS topic: `subscribe` functions or queues, then `publish` to all of them at once.

    ```pycon
    >>> topic = Topic("orders", clock)
    >>> topic.subscribe(lambda notification: seen.append(notification.lambda_event()))
    >>> result = await topic.publish({"id": 1}, attributes={"kind": "new"})
    ```

    Limits are SNS's: a topic name of 1 to 256 letters, digits, `-` and `_` (ending in `.fifo`
    for a FIFO topic); a message of at most 256 KiB with its attributes; a subject of 1 to 100
    characters without line breaks. What SNS refuses raises `PublishRejected` (a ValueError)
    naming the topic, the field and the limit; a bad topic or subscription raises
    `ConfigurationError`.
    """

    def __init__(
        self,
        name: str,
        clock: Clock,
        *,
        fifo: bool = False,
        content_based_deduplication: bool = False,
        region: str = "us-east-1",
        account: str = "123456789012",
    ) -> None:
        check_topic_name(name, fifo)
        if content_based_deduplication and not fifo:
            raise ConfigurationError(
                f"topic {name!r}: content_based_deduplication is only for FIFO topics"
            )
        self.name = name
        self.clock = clock
        self.fifo = fifo
        self.content_based_deduplication = content_based_deduplication
        self.region = region
        self.account = account
        self.arn = resource_arn("sns", name, region=region, account=account)
        self.counters = TopicCounters()
        self.undelivered: list[UndeliveredNotification] = []
        self._subscriptions: dict[str, tuple[Subscription, FilterPolicy | None]] = {}
        self._serials = itertools.count(1)
        self._deduplication = DeduplicationWindow[PublishResult](DEDUPLICATION_WINDOW)

    def __repr__(self) -> str:
        kind = "FIFO" if self.fifo else "standard"
        return f"<Topic {self.name!r} ({kind}): {len(self._subscriptions)} subscriptions>"

    def metrics(self) -> dict[str, Any]:
        """The counters under CloudWatch's SNS metric names (`deduplicated`, which CloudWatch
        does not count, under its own), for the app's metrics."""
        counters = self.counters
        return {
            "NumberOfMessagesPublished": counters.published,
            "NumberOfNotificationsDelivered": counters.delivered,
            "NumberOfNotificationsFilteredOut": counters.filtered_out,
            "NumberOfNotificationsFailed": counters.failed,
            "deduplicated": counters.deduplicated,
        }

    # -- subscriptions ------------------------------------------------------------------------

    @property
    def subscriptions(self) -> list[Subscription]:
        """The topic's subscriptions, in the order they were made (the order of delivery)."""
        return [subscription for subscription, _ in self._subscriptions.values()]

    def subscribe(
        self,
        deliver: Callable[[Notification], Awaitable[None] | None],
        *,
        filter_policy: Mapping[str, Any] | str | None = None,
        filter_policy_scope: FilterPolicyScope = "MessageAttributes",
        raw_message_delivery: bool = False,
        protocol: SubscriptionProtocol = "lambda",
        endpoint: str = "",
    ) -> Subscription:
        """Subscribe `deliver` (a function, or a coroutine function, of a `Notification`).

        `protocol` says what SNS delivers to: a function (`"lambda"`, which receives
        `notification.lambda_event()`) or a queue (`"sqs"`, which receives `sqs_body()`);
        `endpoint` is the function's or queue's ARN, if known. `filter_policy` (SNS's JSON
        language, as a mapping or its text) selects the messages the subscription receives,
        by their attributes or, with `filter_policy_scope="MessageBody"`, by their JSON body.
        `raw_message_delivery` (SQS only) sends the message as published, without SNS's
        envelope. Raises `ConfigurationError` for what SNS refuses (and `InvalidFilterPolicy`
        for a bad policy).
        """
        check_subscription(
            self.name,
            self.fifo,
            deliver=deliver,
            scope=filter_policy_scope,
            raw_message_delivery=raw_message_delivery,
            protocol=protocol,
            endpoint=endpoint,
        )
        arn = f"{self.arn}:{uuid.uuid4()}"
        policy = None
        if filter_policy is not None:
            policy = FilterPolicy(
                filter_policy,
                filter_policy_scope,
                owner=f"topic {self.name!r}: filter_policy",
            )
        subscription = Subscription(
            arn=arn,
            topic_arn=self.arn,
            protocol=protocol,
            endpoint=endpoint,
            deliver=deliver,
            filter_policy=filter_policy,
            filter_policy_scope=filter_policy_scope,
            raw_message_delivery=raw_message_delivery,
        )
        self._subscriptions[arn] = (subscription, policy)
        return subscription

    def update_subscription(
        self,
        subscription: Subscription | str,
        *,
        filter_policy: Mapping[str, Any] | str | None = None,
        filter_policy_scope: FilterPolicyScope = "MessageAttributes",
        raw_message_delivery: bool = False,
    ) -> Subscription:
        """Give a subscription (or the subscription of that ARN) a new filter policy, scope and
        raw message delivery, as SetSubscriptionAttributes does: it keeps its ARN, receiver and
        place in the delivery order. Raises `TopicError` (`NotFound`) for one the topic does
        not have, and what `subscribe` raises for settings SNS refuses."""
        arn = subscription.arn if isinstance(subscription, Subscription) else subscription
        held = self._subscriptions.get(arn)
        if held is None:
            raise TopicError(self.name, f"it has no subscription {arn!r}", code="NotFound")
        current = held[0]
        check_subscription(
            self.name,
            self.fifo,
            deliver=current.deliver,
            scope=filter_policy_scope,
            raw_message_delivery=raw_message_delivery,
            protocol=current.protocol,
            endpoint=current.endpoint,
        )
        policy = None
        if filter_policy is not None:
            policy = FilterPolicy(
                filter_policy, filter_policy_scope, owner=f"topic {self.name!r}: filter_policy"
            )
        updated = msgspec.structs.replace(
            current,
            filter_policy=filter_policy,
            filter_policy_scope=filter_policy_scope,
            raw_message_delivery=raw_message_delivery,
        )
        self._subscriptions[arn] = (updated, policy)
        return updated

    def unsubscribe(self, subscription: Subscription | str) -> None:
        """Remove a subscription (or the subscription of that ARN); it receives nothing more,
        not even from a publish delivering at the time. Raises `TopicError` (`NotFound`) for
        one the topic does not have."""
        arn = subscription.arn if isinstance(subscription, Subscription) else subscription
        if self._subscriptions.pop(arn, None) is None:
            raise TopicError(self.name, f"it has no subscription {arn!r}", code="NotFound")

    # -- publishing ---------------------------------------------------------------------------

    async def publish(
        self,
        message: Any,
        *,
        subject: str | None = None,
        attributes: Mapping[str, str | int | float | bytes | list[Any]] | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
    ) -> PublishResult:
        """Publish `message` (text as is, bytes as UTF-8, any other value as JSON) and deliver
        it to every subscription whose filter policy accepts it.

        `attributes` are message attributes: str is String, int or float Number, bytes Binary
        and a list String.Array. A FIFO topic needs `group_id`, and `deduplication_id` unless
        it has content-based deduplication; a standard topic takes a `group_id` for SQS fair
        queues. Returns the message id (and the sequence number, on a FIFO topic); raises
        `PublishRejected` for anything SNS would refuse.
        """
        outgoing = encode(self.name, message, subject, attributes)
        self._check_ids(outgoing, group_id, deduplication_id)
        result = await self._publish(outgoing)
        await anyio.lowlevel.checkpoint()
        return result

    async def publish_batch(
        self, entries: Iterable[PublishBatchEntry | Mapping[str, Any]]
    ) -> PublishBatchResult:
        """Publish up to 10 messages, each a `PublishBatchEntry` (or a mapping of its fields),
        in order. An entry SNS would refuse fails alone, in `failed`; the batch raises
        `PublishBatchRejected` when it is empty, too long, its ids repeat or are malformed, or
        its messages carry more than 256 KiB in all."""
        try:
            batch = [
                entry if isinstance(entry, PublishBatchEntry) else PublishBatchEntry(**entry)
                for entry in entries
            ]
        except TypeError as error:
            raise PublishBatchRejected(self.name, f"a batch entry is malformed: {error}") from None
        ready, failed = check_batch(
            self.name,
            batch,
            SNS,
            encode=lambda entry: encode(self.name, entry.message, entry.subject, entry.attributes),
            check=lambda entry, outgoing: self._check_ids(
                outgoing, entry.group_id, entry.deduplication_id
            ),
        )
        successful: dict[str, PublishResult] = {}
        for entry_id, outgoing in ready:
            successful[entry_id] = await self._publish(outgoing)
        await anyio.lowlevel.checkpoint()
        return PublishBatchResult(successful=successful, failed=failed)

    def _check_ids(self, outgoing: Outgoing, group_id: Any, deduplication_id: Any) -> None:
        check_fifo_ids(
            self.name,
            SNS,
            outgoing,
            group_id=group_id,
            deduplication_id=deduplication_id,
            fifo=self.fifo,
            content_based_deduplication=self.content_based_deduplication,
        )

    async def _publish(self, outgoing: Outgoing) -> PublishResult:
        """Accept a checked message, or recognise a FIFO repeat, and deliver it."""
        now = self.clock.monotonic()
        key = outgoing.deduplication_id
        if self.fifo and key is not None:
            seen = self._deduplication.answer(key, now)
            if seen is not None:
                self.counters.deduplicated += 1
                return seen
        serial = next(self._serials)
        result = PublishResult(
            message_id=str(uuid.uuid4()),
            sequence_number=(
                str(_FIRST_SEQUENCE_NUMBER + serial * _SEQUENCE_STEP) if self.fifo else None
            ),
        )
        if self.fifo and key is not None:
            self._deduplication.remember(key, now, result)
        self.counters.published += 1
        published_at = self.clock.now()
        for subscription, policy in list(self._subscriptions.values()):
            if subscription.arn not in self._subscriptions:
                continue  # unsubscribed by a subscriber of this very message
            if policy is not None and not policy.matches(outgoing.text, outgoing.attributes):
                self.counters.filtered_out += 1
                continue
            notification = self._notification(subscription, outgoing, result, published_at)
            await self._deliver(subscription, notification)
        return result

    def _notification(
        self,
        subscription: Subscription,
        outgoing: Outgoing,
        result: PublishResult,
        published_at: float,
    ) -> Notification:
        """The message as this subscription receives it; the Lambda record comes from the SNS
        event builder, so a topic and a built event are shaped by the same code."""
        record = build_sns(
            outgoing.text,
            topic=self.name,
            subject=outgoing.subject,
            message_attributes=outgoing.lambda_values,
            now=published_at,
            region=self.region,
            account=self.account,
            message_id=result.message_id,
            subscription_arn=subscription.arn,
        ).records[0]
        sns = record.sns
        assert isinstance(sns, SNSMessage)  # the builder always sets it
        to_queue = subscription.protocol == "sqs"
        # SNS passes the group id to SQS FIFO queues, and from a standard topic to SQS standard
        # queues (fair queues); the deduplication id only to FIFO queues. A FIFO topic's
        # subscription without an endpoint is taken to be a FIFO queue's, the usual case.
        to_fifo_queue = to_queue and (
            subscription.endpoint.endswith(".fifo") if subscription.endpoint else self.fifo
        )
        return Notification(
            message_id=result.message_id,
            topic_arn=self.arn,
            subscription_arn=subscription.arn,
            protocol=subscription.protocol,
            message=outgoing.text,
            subject=outgoing.subject,
            timestamp=str(sns.timestamp),
            attributes=dict(outgoing.attributes),
            raw_message_delivery=subscription.raw_message_delivery,
            signature=str(sns.signature),
            signing_cert_url=str(sns.signing_cert_url),
            unsubscribe_url=str(sns.unsubscribe_url),
            sequence_number=result.sequence_number,
            group_id=(outgoing.group_id if to_fifo_queue or (to_queue and not self.fifo) else None),
            deduplication_id=outgoing.deduplication_id if to_fifo_queue else None,
            lambda_record=record,
        )

    async def _deliver(self, subscription: Subscription, notification: Notification) -> None:
        """Hand `notification` over; a failure is counted and kept, never raised."""
        if notification.raw_message_delivery and len(notification.attributes) > RAW_SQS_ATTRIBUTES:
            # https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html
            self._fail(
                notification,
                "ClientError",
                f"the message has {len(notification.attributes)} message attributes; a raw "
                f"delivery to SQS carries at most {RAW_SQS_ATTRIBUTES}, so SNS discards it",
            )
            return
        try:
            outcome = subscription.deliver(notification)
            if inspect.isawaitable(outcome):
                await outcome
        except Exception as error:
            self._fail(notification, type(error).__name__, str(error))
        else:
            self.counters.delivered += 1

    def _fail(self, notification: Notification, error_type: str, message: str) -> None:
        self.counters.failed += 1
        self.undelivered.append(
            UndeliveredNotification(
                notification=notification,
                error_type=error_type,
                error_message=message,
                failed_at=self.clock.now(),
            )
        )
