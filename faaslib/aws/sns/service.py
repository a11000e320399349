"""`SnsService`: SNS's operations, each translated into the call the Python API makes on the
app's topics (`app.topic`, `Topic.publish`, `Topic.subscribe`, `app.subscribe`, ...), with SNS's
requests, answers and errors."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from faaslib.aws.protocol import AwsRequest, AwsResponse
from faaslib.aws.sns import wire
from faaslib.aws.sns.wire import Entries, invalid, required
from faaslib.errors import ConfigurationError
from faaslib.sources.topic import Topic
from faaslib.sources.topic.filter_policy import InvalidFilterPolicy
from faaslib.sources.topic.messages import (
    Notification,
    PublishBatchEntry,
    Subscription,
    TopicError,
)

if TYPE_CHECKING:
    from faaslib.app import App

__all__ = ["SnsService"]

Operation = Callable[[dict[str, str]], Awaitable[dict[str, Any]]]

PAGE_SIZE = 100  # ListTopics and ListSubscriptions answer 100 a page
_TOPIC_ATTRIBUTES = {"FifoTopic", "ContentBasedDeduplication"}
_SUBSCRIPTION_ATTRIBUTES = ("FilterPolicy", "FilterPolicyScope", "RawMessageDelivery")


class SnsService:
    """SNS's query protocol for `app`'s topics: `SnsService(app)`, served by `app.aws`.

    Topics, subscriptions, filter policies and delivery are the topics' own; this class only
    translates. A function subscribes by its ARN (each message is an Event invocation with
    SNS's event), a queue by its ARN (`app.subscribe`). What faaslib's topics do not have
    (deleting a topic, tags, policies, data protection, SMS, platform endpoints, HTTP and email
    subscriptions) answers an error naming it.
    """

    name = "sns"

    def __init__(self, app: App) -> None:
        self.app = app
        self._operations: dict[str, Operation] = {
            "CreateTopic": self._create_topic,
            "ListTopics": self._list_topics,
            "GetTopicAttributes": self._get_topic_attributes,
            "Publish": self._publish,
            "PublishBatch": self._publish_batch,
            "Subscribe": self._subscribe,
            "ListSubscriptions": self._list_subscriptions,
            "ListSubscriptionsByTopic": self._list_subscriptions_by_topic,
            "GetSubscriptionAttributes": self._get_subscription_attributes,
            "SetSubscriptionAttributes": self._set_subscription_attributes,
            "Unsubscribe": self._unsubscribe,
        }

    async def handle(self, request: AwsRequest) -> AwsResponse:
        """The answer to one SNS request (query protocol)."""
        operation = self._operations.get(request.operation or "")
        if request.protocol != "query" or operation is None:
            raise invalid(
                f"faaslib does not emulate the SNS operation {request.operation!r} (it serves: "
                f"{', '.join(sorted(self._operations))})",
                "UnsupportedOperation",
            )
        try:
            result = await operation(request.form())
        except TopicError as error:
            raise invalid(
                str(error), error.code, 404 if error.code == "NotFound" else 400
            ) from None
        except (ConfigurationError, InvalidFilterPolicy) as error:
            raise invalid(f"Invalid parameter: {error}") from None
        return wire.response(request.operation or "", result, request.request_id)

    # -- finding topics and subscriptions -----------------------------------------------------

    def _topic(self, arn: str) -> Topic:
        parts = arn.split(":")
        config = self.app.config
        topic = None
        if len(parts) == 6 and parts[:5] == ["arn", "aws", "sns", config.region, config.account_id]:
            topic = self.app.topics.get(parts[5])
        if topic is None:
            raise invalid(f"Topic does not exist: {arn} (faaslib app topics)", "NotFound", 404)
        return topic

    def _subscription(self, arn: str) -> tuple[Topic, Subscription]:
        for topic in self.app.topics.values():
            for subscription in topic.subscriptions:
                if subscription.arn == arn:
                    return topic, subscription
        raise invalid(f"Subscription does not exist: {arn}", "NotFound", 404)

    # -- topics -------------------------------------------------------------------------------

    async def _create_topic(self, form: dict[str, str]) -> dict[str, Any]:
        name = required(form, "Name")
        if wire.indexed(form, "Tags.member"):
            raise invalid("Invalid parameter: Tags Reason: faaslib's topics have no tags")
        attributes = wire.map_of(form, "Attributes")
        unknown = sorted(set(attributes) - _TOPIC_ATTRIBUTES)
        if unknown:
            raise invalid(
                f"Invalid parameter: Attributes Reason: faaslib's topics take only "
                f"{', '.join(sorted(_TOPIC_ATTRIBUTES))}, not {', '.join(unknown)}"
            )
        options = {
            "fifo": _boolean(attributes, "FifoTopic"),
            "content_based_deduplication": _boolean(attributes, "ContentBasedDeduplication"),
        }
        if name.endswith(".fifo") != options["fifo"]:
            raise invalid(
                "Invalid parameter: Topic Name Reason: Fifo Topic names must end with .fifo "
                "and Non-fifo topic names must not end with .fifo"
            )
        existing = self.app.topics.get(name)
        if existing is not None:
            held = {
                "fifo": existing.fifo,
                "content_based_deduplication": existing.content_based_deduplication,
            }
            if held != options:
                raise invalid(
                    "Invalid parameter: Attributes Reason: Topic already exists with different "
                    "attributes"
                )
            return {"TopicArn": existing.arn}
        return {"TopicArn": self.app.topic(name, **options).arn}

    async def _list_topics(self, form: dict[str, str]) -> dict[str, Any]:
        arns = sorted(topic.arn for topic in self.app.topics.values())
        page, token = _page(arns, form.get("NextToken"))
        return {"Topics": [{"TopicArn": arn} for arn in page], "NextToken": token}

    async def _get_topic_attributes(self, form: dict[str, str]) -> dict[str, Any]:
        topic = self._topic(required(form, "TopicArn"))
        subscriptions = len(topic.subscriptions)
        values = Entries(
            TopicArn=topic.arn,
            Owner=topic.account,
            DisplayName="",
            SubscriptionsConfirmed=str(subscriptions),
            SubscriptionsPending="0",
            SubscriptionsDeleted="0",
        )
        if topic.fifo:
            values["FifoTopic"] = "true"
            values["ContentBasedDeduplication"] = _text(topic.content_based_deduplication)
        return {"Attributes": values}

    # -- publishing ---------------------------------------------------------------------------

    async def _publish(self, form: dict[str, str]) -> dict[str, Any]:
        if form.get("PhoneNumber"):
            raise invalid("Invalid parameter: PhoneNumber Reason: faaslib does not send SMS")
        arn = form.get("TopicArn") or form.get("TargetArn")
        if not arn:
            raise invalid(
                "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter"
            )
        topic = self._topic(arn)
        _check_structure(form)
        result = await topic.publish(
            required(form, "Message"),
            subject=form.get("Subject"),
            attributes=wire.message_attributes(form, "MessageAttributes") or None,
            group_id=form.get("MessageGroupId"),
            deduplication_id=form.get("MessageDeduplicationId"),
        )
        return {"MessageId": result.message_id, "SequenceNumber": result.sequence_number}

    async def _publish_batch(self, form: dict[str, str]) -> dict[str, Any]:
        topic = self._topic(required(form, "TopicArn"))
        entries = []
        for number, fields in enumerate(wire.indexed(form, "PublishBatchRequestEntries.member")):
            _check_structure(fields)
            prefix = f"PublishBatchRequestEntries.member.{number + 1}.MessageAttributes"
            entries.append(
                PublishBatchEntry(
                    id=fields.get("Id", ""),
                    message=fields.get("Message", ""),
                    subject=fields.get("Subject"),
                    attributes=wire.message_attributes(_nested(form, prefix), "MessageAttributes")
                    or None,
                    group_id=fields.get("MessageGroupId"),
                    deduplication_id=fields.get("MessageDeduplicationId"),
                )
            )
        result = await topic.publish_batch(entries)
        return {
            "Successful": [
                {
                    "Id": entry_id,
                    "MessageId": published.message_id,
                    "SequenceNumber": published.sequence_number,
                }
                for entry_id, published in result.successful.items()
            ],
            "Failed": [
                {
                    "Id": entry_id,
                    "Code": failure.code,
                    "Message": failure.message,
                    "SenderFault": failure.sender_fault,
                }
                for entry_id, failure in result.failed.items()
            ],
        }

    # -- subscriptions ------------------------------------------------------------------------

    async def _subscribe(self, form: dict[str, str]) -> dict[str, Any]:
        topic = self._topic(required(form, "TopicArn"))
        protocol = required(form, "Protocol")
        endpoint = required(form, "Endpoint")
        settings = _subscription_settings(wire.map_of(form, "Attributes"), {})
        for existing in topic.subscriptions:  # SNS answers a repeated Subscribe with the same
            if existing.protocol == protocol and existing.endpoint == endpoint:
                if settings != _settings_of(existing):
                    raise invalid(
                        "Invalid parameter: Attributes Reason: Subscription already exists with "
                        "different attributes"
                    )
                return {"SubscriptionArn": existing.arn}
        if protocol == "lambda":
            name = self._function_name(endpoint)
            invoke = self.app.invoke

            async def deliver(notification: Notification) -> None:
                await invoke(name, notification.lambda_event(), invocation_type="Event")

            subscription = topic.subscribe(
                deliver, protocol="lambda", endpoint=endpoint, **settings
            )
        elif protocol == "sqs":
            queue = next((q for q in self.app.queues.values() if q.arn == endpoint), None)
            if queue is None:
                raise invalid(
                    f"Invalid parameter: SQS endpoint ARN {endpoint!r} names no queue of the app"
                )
            self.app.subscribe(topic.name, queue.name, **settings)
            subscription = topic.subscriptions[-1]
        else:
            raise invalid(
                f"Invalid parameter: Protocol Reason: faaslib's topics deliver to 'lambda' and "
                f"'sqs' subscriptions, not {protocol!r}"
            )
        return {"SubscriptionArn": subscription.arn}

    def _function_name(self, arn: str) -> str:
        config = self.app.config
        prefix = f"arn:aws:lambda:{config.region}:{config.account_id}:function:"
        name = arn.removeprefix(prefix).removesuffix(":$LATEST")
        if not arn.startswith(prefix) or name not in self.app.functions:
            raise invalid(
                f"Invalid parameter: Lambda endpoint ARN {arn!r} names no function of the app"
            )
        return name

    async def _list_subscriptions(self, form: dict[str, str]) -> dict[str, Any]:
        return _listed(
            [s for topic in self.app.topics.values() for s in topic.subscriptions],
            form.get("NextToken"),
        )

    async def _list_subscriptions_by_topic(self, form: dict[str, str]) -> dict[str, Any]:
        topic = self._topic(required(form, "TopicArn"))
        return _listed(topic.subscriptions, form.get("NextToken"))

    async def _get_subscription_attributes(self, form: dict[str, str]) -> dict[str, Any]:
        topic, subscription = self._subscription(required(form, "SubscriptionArn"))
        values = Entries(
            SubscriptionArn=subscription.arn,
            TopicArn=topic.arn,
            Protocol=subscription.protocol,
            Endpoint=subscription.endpoint,
            Owner=topic.account,
            PendingConfirmation="false",
            ConfirmationWasAuthenticated="true",
            RawMessageDelivery=_text(subscription.raw_message_delivery),
        )
        if subscription.filter_policy is not None:
            values["FilterPolicy"] = _policy_text(subscription.filter_policy)
            values["FilterPolicyScope"] = subscription.filter_policy_scope
        return {"Attributes": values}

    async def _set_subscription_attributes(self, form: dict[str, str]) -> dict[str, Any]:
        topic, subscription = self._subscription(required(form, "SubscriptionArn"))
        name = required(form, "AttributeName")
        settings = _subscription_settings(
            {name: form.get("AttributeValue", "")}, _settings_of(subscription)
        )
        topic.update_subscription(subscription, **settings)
        return {}

    async def _unsubscribe(self, form: dict[str, str]) -> dict[str, Any]:
        topic, subscription = self._subscription(required(form, "SubscriptionArn"))
        topic.unsubscribe(subscription)
        return {}


def _boolean(attributes: Mapping[str, str], name: str) -> bool:
    value = attributes.get(name, "false").lower()
    if value not in ("true", "false"):
        raise invalid(f"Invalid parameter: Attributes Reason: {name} must be true or false")
    return value == "true"


def _text(value: bool) -> str:
    return "true" if value else "false"


def _check_structure(fields: Mapping[str, str]) -> None:
    if fields.get("MessageStructure"):
        raise invalid(
            "Invalid parameter: MessageStructure Reason: faaslib's topics send one message to "
            "every protocol (no MessageStructure=json)"
        )


def _nested(form: Mapping[str, str], prefix: str) -> dict[str, str]:
    """A batch entry's message attributes, renamed as a single publish's."""
    return {
        "MessageAttributes" + key[len(prefix) :]: value
        for key, value in form.items()
        if key.startswith(prefix + ".")
    }


def _settings_of(subscription: Subscription) -> dict[str, Any]:
    return {
        "filter_policy": subscription.filter_policy,
        "filter_policy_scope": subscription.filter_policy_scope,
        "raw_message_delivery": subscription.raw_message_delivery,
    }


def _subscription_settings(
    attributes: Mapping[str, str], current: Mapping[str, Any]
) -> dict[str, Any]:
    """The keyword arguments of `Topic.subscribe` for SNS's subscription attributes."""
    unknown = sorted(set(attributes) - set(_SUBSCRIPTION_ATTRIBUTES))
    if unknown:
        raise invalid(
            f"Invalid parameter: AttributeName Reason: faaslib's subscriptions take only "
            f"{', '.join(_SUBSCRIPTION_ATTRIBUTES)}, not {', '.join(unknown)}"
        )
    settings = {
        "filter_policy": current.get("filter_policy"),
        "filter_policy_scope": current.get("filter_policy_scope", "MessageAttributes"),
        "raw_message_delivery": current.get("raw_message_delivery", False),
    }
    if "FilterPolicy" in attributes:  # an empty policy removes it, as on SNS
        settings["filter_policy"] = attributes["FilterPolicy"] or None
    if "FilterPolicyScope" in attributes:
        settings["filter_policy_scope"] = attributes["FilterPolicyScope"]
    if "RawMessageDelivery" in attributes:
        settings["raw_message_delivery"] = _boolean(attributes, "RawMessageDelivery")
    if isinstance(settings["filter_policy"], str):
        settings["filter_policy"] = _compact(settings["filter_policy"])
    return settings


def _compact(policy: str) -> str:
    """A policy's text as one line, so that the same policy compares equal however spaced."""
    try:
        return json.dumps(json.loads(policy), separators=(",", ":"))
    except ValueError:
        return policy  # the topic refuses it, with its reason


def _policy_text(policy: Mapping[str, Any] | str) -> str:
    return policy if isinstance(policy, str) else json.dumps(policy, separators=(",", ":"))


def _listed(subscriptions: Iterable[Subscription], token: str | None) -> dict[str, Any]:
    by_arn = {subscription.arn: subscription for subscription in subscriptions}
    page, next_token = _page(sorted(by_arn), token)
    return {
        "Subscriptions": [
            {
                "SubscriptionArn": arn,
                "Owner": arn.split(":")[4],
                "Protocol": by_arn[arn].protocol,
                "Endpoint": by_arn[arn].endpoint,
                "TopicArn": by_arn[arn].topic_arn,
            }
            for arn in page
        ],
        "NextToken": next_token,
    }


def _page(arns: list[str], token: str | None) -> tuple[list[str], str | None]:
    """One page of sorted ARNs after the one `token` names, and the next page's token."""
    after = ""
    if token is not None:
        try:
            after = base64.urlsafe_b64decode(token.encode()).decode()
        except (binascii.Error, ValueError):
            raise invalid(f"Invalid parameter: NextToken {token!r} is not valid") from None
    remaining = [arn for arn in arns if arn > after]
    page = remaining[:PAGE_SIZE]
    next_token = None
    if len(remaining) > PAGE_SIZE:
        next_token = base64.urlsafe_b64encode(page[-1].encode()).decode()
    return page, next_token
