"""S3's PutBucketNotificationConfiguration and GetBucketNotificationConfiguration: a bucket's
Lambda function configurations, bound to the app's functions with `app.notify_function`.

Put replaces the configurations Put set before, as S3 does; the bindings the app's code makes
(`@app.on_object`) are the app's, not the bucket's API configuration: Put keeps them, and
Get does not list them. A configuration that overlaps one of them is refused all the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from faaslib.aws.protocol import AwsError, AwsRequest, AwsResponse
from faaslib.aws.s3 import wire
from faaslib.config import function_arn
from faaslib.errors import ConfigurationError
from faaslib.sources.bucket.notifications import Notifications

if TYPE_CHECKING:
    from faaslib.app import App
    from faaslib.sources.bucket import Bucket
    from faaslib.sources.decorators import ObjectNotification

__all__ = ["NotificationOperations"]


class _Wanted:
    """One LambdaFunctionConfiguration of a Put: the function's ARN and name, and the rest."""

    __slots__ = ("arn", "events", "function", "id", "prefix", "suffix")

    def __init__(self, arn: str, function: str, id: str | None, events: list[str]) -> None:
        self.arn, self.function, self.id, self.events = arn, function, id, events
        self.prefix = self.suffix = ""


class NotificationOperations:
    """The notification configurations Put set on each bucket, by bucket name."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._set: dict[str, list[tuple[str, ObjectNotification]]] = {}

    def get(self, request: AwsRequest, bucket: Bucket) -> AwsResponse:
        inner = [_configuration_xml(arn, made) for arn, made in self._set.get(bucket.name, [])]
        return wire.xml_response("NotificationConfiguration", inner, request)

    def put(self, request: AwsRequest, bucket: Bucket) -> AwsResponse:
        root = wire.parse_xml(request.body) if request.body.strip() else Element("x")
        for kind in ("TopicConfiguration", "QueueConfiguration", "EventBridgeConfiguration"):
            if root.find(kind) is not None:
                raise AwsError(
                    "NotImplemented",
                    f"faaslib's buckets notify functions only; {kind} is not served "
                    "(CloudFunctionConfiguration is)",
                    501,
                    sender_fault=False,
                )
        wanted = [self._wanted(node) for node in root.findall("CloudFunctionConfiguration")]
        previous = self._set.pop(bucket.name, [])
        kept = [
            configuration
            for configuration in bucket.configurations
            if all(configuration is not made.configuration for _, made in previous)
        ]
        # Checked on a scratch copy first (S3's overlap and id rules, against each other and
        # the app's own bindings), so that a refused Put leaves the bucket as it was.
        scratch = Notifications(bucket.name, bucket.region)
        try:
            for configuration in kept:
                scratch.subscribe(
                    _ignore,
                    events=configuration.events,
                    prefix=configuration.prefix,
                    suffix=configuration.suffix,
                    id=configuration.id,
                )
            for one in wanted:
                scratch.subscribe(
                    _ignore, events=one.events, prefix=one.prefix, suffix=one.suffix, id=one.id
                )
        except ConfigurationError as error:
            self._set[bucket.name] = previous
            raise AwsError("InvalidArgument", str(error)) from None
        for _, made in previous:
            made.remove()
        self._set[bucket.name] = [
            (
                one.arn,
                self.app.notify_function(
                    bucket.name,
                    one.function,
                    events=one.events,
                    prefix=one.prefix,
                    suffix=one.suffix,
                    id=one.id,
                ),
            )
            for one in wanted
        ]
        return AwsResponse(200, [("x-amz-request-id", request.request_id)])

    def _wanted(self, node: Element) -> _Wanted:
        arn = (node.findtext("CloudFunction") or "").strip()
        config = self.app.config
        prefix = function_arn(config.region, config.account_id, "")
        function = arn.removeprefix(prefix)
        if not arn.startswith(prefix) or function not in self.app.functions:
            raise AwsError(
                "InvalidArgument",
                "Unable to validate the following destination configurations: "
                f"{arn!r} is not the ARN of a function of the app",
            )
        events = [(event.text or "").strip() for event in node.findall("Event")]
        one = _Wanted(arn, function, (node.findtext("Id") or "").strip() or None, events)
        for rule in node.findall("Filter/S3Key/FilterRule"):
            name = (rule.findtext("Name") or "").strip().lower()
            if name not in ("prefix", "suffix") or getattr(one, name):
                raise AwsError(
                    "InvalidArgument",
                    f"FilterRule name {rule.findtext('Name')!r}: a filter has at most one "
                    "'prefix' and one 'suffix' rule",
                )
            setattr(one, name, rule.findtext("Value") or "")
        return one


def _ignore(event: object) -> None:
    return None


def _configuration_xml(arn: str, made: ObjectNotification) -> str:
    configuration = made.configuration
    rules = [
        f"<FilterRule>{wire.element('Name', name)}{wire.element('Value', value)}</FilterRule>"
        for name, value in (("Prefix", configuration.prefix), ("Suffix", configuration.suffix))
        if value
    ]
    found = "".join(rules)
    return (
        f"<CloudFunctionConfiguration>{wire.element('Id', configuration.id)}"
        f"{wire.element('CloudFunction', arn)}"
        + "".join(wire.element("Event", event) for event in configuration.events)
        + (f"<Filter><S3Key>{found}</S3Key></Filter>" if found else "")
        + "</CloudFunctionConfiguration>"
    )
