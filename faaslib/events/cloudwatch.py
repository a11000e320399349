"""Amazon CloudWatch invoking a function directly: an alarm's Lambda action when the alarm changes
state, and a dashboard's custom widget asking the function to draw itself.

CloudWatch *Logs* subscriptions are elsewhere (`faaslib.events.streams.CloudWatchLogsEvent`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset

__all__ = [
    "CloudWatchAlarmConfiguration",
    "CloudWatchAlarmData",
    "CloudWatchAlarmEvent",
    "CloudWatchAlarmMetric",
    "CloudWatchAlarmState",
    "CloudWatchDashboardEvent",
    "CloudWatchMetric",
    "CloudWatchMetricStat",
    "CloudWatchWidgetContext",
    "CloudWatchWidgetForms",
    "CloudWatchWidgetTimeRange",
    "CloudWatchWidgetTimezone",
    "CloudWatchWidgetZoom",
    "build_cloudwatch_alarm",
    "build_cloudwatch_dashboard",
    "detect",
]

# Alarms


class CloudWatchAlarmState(AWSEvent, rename="camel"):
    """One state of an alarm (`OK`, `ALARM` or `INSUFFICIENT_DATA`): why, and since when.

    `reasonData` is JSON in a string: the evaluated datapoints and threshold for a metric alarm,
    the triggering child alarms for a composite one."""

    value: str | Unset = UNSET
    reason: str | Unset = UNSET
    reason_data: str | Unset = UNSET
    timestamp: str | Unset = UNSET
    actions_suppressed_by: str | Unset = UNSET
    actions_suppressed_reason: str | Unset = UNSET

    def reason_json(self) -> Any:
        """`reasonData` decoded from JSON, or None if the state has none."""
        if isinstance(self.reason_data, Unset):
            return None
        return msgspec.json.decode(self.reason_data)


class CloudWatchMetric(AWSEvent):
    """A metric by namespace, name and dimensions (name → value)."""

    namespace: str | Unset = UNSET
    name: str | Unset = UNSET
    dimensions: dict[str, str] | Unset = UNSET


class CloudWatchMetricStat(AWSEvent):
    """A metric with the statistic and period (seconds) the alarm evaluates it at."""

    metric: CloudWatchMetric | Unset = UNSET
    period: int | Unset = UNSET
    stat: str | Unset = UNSET
    unit: str | Unset = UNSET


class CloudWatchAlarmMetric(AWSEvent, rename="camel"):
    """One query of a metric alarm: a metric (`metricStat`) or a metric-math `expression` over
    the others' ids; `returnData` marks the one the alarm compares with its threshold."""

    id: str | Unset = UNSET
    expression: str | Unset = UNSET
    label: str | Unset = UNSET
    metric_stat: CloudWatchMetricStat | Unset = UNSET
    return_data: bool | Unset = UNSET


class CloudWatchAlarmConfiguration(AWSEvent, rename="camel"):
    """How the alarm is set up: `metrics` for a metric alarm; `alarmRule` and the optional
    actions suppressor (its wait and extension periods in seconds) for a composite alarm."""

    description: str | Unset = UNSET
    metrics: list[CloudWatchAlarmMetric] | Unset = UNSET
    alarm_rule: str | Unset = UNSET
    actions_suppressor: str | Unset = UNSET
    actions_suppressor_wait_period: int | Unset = UNSET
    actions_suppressor_extension_period: int | Unset = UNSET


class CloudWatchAlarmData(AWSEvent, rename="camel"):
    """The alarm's name, its new and previous states, and its configuration."""

    alarm_name: str | Unset = UNSET
    state: CloudWatchAlarmState | Unset = UNSET
    previous_state: CloudWatchAlarmState | Unset = UNSET
    configuration: CloudWatchAlarmConfiguration | Unset = UNSET


class CloudWatchAlarmEvent(AWSEvent, rename="camel"):
    """A metric or composite alarm changing state, as its Lambda action invokes a function
    (source `aws.cloudwatch`; times are ISO 8601 with a `+0000` offset)."""

    source: str | Unset = UNSET
    alarm_arn: str | Unset = UNSET
    account_id: str | Unset = UNSET
    time: str | Unset = UNSET
    region: str | Unset = UNSET
    alarm_data: CloudWatchAlarmData | Unset = UNSET


# Dashboard custom widgets


class CloudWatchWidgetTimezone(AWSEvent, rename="camel"):
    """The time zone the dashboard shows: `UTC` or `Local`, and its offset."""

    label: str | Unset = UNSET
    offset_iso: str | Unset = msgspec.field(default=UNSET, name="offsetISO")
    offset_in_minutes: int | Unset = UNSET


class CloudWatchWidgetZoom(AWSEvent):
    """The part of the time range the user zoomed into, in epoch milliseconds."""

    start: int | Unset = UNSET
    end: int | Unset = UNSET


class CloudWatchWidgetTimeRange(AWSEvent, rename="camel"):
    """The dashboard's time range in epoch milliseconds; `relativeStart` (milliseconds before
    now) in `relative` mode."""

    mode: str | Unset = UNSET
    start: int | Unset = UNSET
    end: int | Unset = UNSET
    relative_start: int | Unset = UNSET
    zoom: CloudWatchWidgetZoom | Unset = UNSET


class CloudWatchWidgetForms(AWSEvent):
    """The values of the HTML form fields inside the widget, by field name."""

    all: dict[str, Any] | Unset = UNSET


class CloudWatchWidgetContext(AWSEvent, rename="camel"):
    """Where and how the widget is drawn: dashboard, size in pixels, time range, theme, and the
    widget's configured `params`."""

    dashboard_name: str | Unset = UNSET
    widget_id: str | Unset = UNSET
    domain: str | Unset = UNSET
    account_id: str | Unset = UNSET
    locale: str | Unset = UNSET
    timezone: CloudWatchWidgetTimezone | Unset = UNSET
    period: int | Unset = UNSET
    is_auto_period: bool | Unset = UNSET
    time_range: CloudWatchWidgetTimeRange | Unset = UNSET
    theme: str | Unset = UNSET
    link_charts: bool | Unset = UNSET
    title: str | Unset = UNSET
    forms: CloudWatchWidgetForms | Unset = UNSET
    params: dict[str, Any] | Unset = UNSET
    width: int | Unset = UNSET
    height: int | Unset = UNSET


class CloudWatchDashboardEvent(AWSEvent, rename="camel"):
    """A CloudWatch dashboard's custom widget invoking its function for the HTML (or text) to
    show; `describe` is true when the console asks for the widget's documentation instead.

    CloudWatch also copies each of the widget's params to a top-level key of the event; those
    keys are the user's own, so this Struct reads them from `widgetContext.params` (`params()`)."""

    describe: bool | Unset = UNSET
    widget_context: CloudWatchWidgetContext | Unset = UNSET

    def params(self) -> dict[str, Any]:
        """The widget's configured parameters (empty if it has none)."""
        context = self.widget_context
        if isinstance(context, Unset) or isinstance(context.params, Unset):
            return {}
        return context.params


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """`CloudWatchAlarmEvent` for an alarm action (`alarmArn` and `alarmData`),
    `CloudWatchDashboardEvent` for a custom widget (`widgetContext`), else None."""
    if not isinstance(data, Mapping):
        return None
    if isinstance(data.get("alarmArn"), str) and isinstance(data.get("alarmData"), Mapping):
        return CloudWatchAlarmEvent
    if isinstance(data.get("widgetContext"), Mapping):
        return CloudWatchDashboardEvent
    return None


# Builders


def build_cloudwatch_alarm(
    alarm_name: str = "my-function-error-rate",
    state: str = "ALARM",
    *,
    previous_state: str = "OK",
    description: str = "Error rate of my-function above 1%",
    metrics: Sequence[CloudWatchAlarmMetric] | None = None,
    threshold: float = 1.0,
    value: float | None = None,
    alarm_rule: str | None = None,
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> CloudWatchAlarmEvent:
    """An alarm's Lambda action firing as the alarm moves from `previous_state` to `state`.

    By default a metric-math alarm on the error rate (percent) of a function; pass `metrics` for
    others. The reasons read as CloudWatch writes them, with the datapoint `value` (above the
    threshold in ALARM, below it otherwise). With `alarm_rule`, a composite alarm instead, its
    first `ALARM(child)` named as the trigger.

    ```pycon
    >>> build_cloudwatch_alarm("errors", "OK").alarm_data.state.value
    'OK'
    ```
    """
    moment = _fake.seconds(now)
    if alarm_rule is None:
        configuration = CloudWatchAlarmConfiguration(
            description=description,
            metrics=list(metrics) if metrics is not None else _error_rate_metrics(),
        )
        new = _metric_state(state, previous_state, value, threshold, moment)
        old = _metric_state(previous_state, state, None, threshold, moment - 60)
    else:
        configuration = CloudWatchAlarmConfiguration(alarm_rule=alarm_rule)
        child = re.search(r"ALARM\(\s*([^)\s]+)\s*\)", alarm_rule)
        child_name = child[1] if child else alarm_name
        child_arn = _fake.arn("cloudwatch", f"alarm:{child_name}", region=region, account=account)
        new = _composite_state(state, child_arn, moment)
        old = _composite_state(previous_state, child_arn, moment - 60)
    return CloudWatchAlarmEvent(
        source="aws.cloudwatch",
        alarm_arn=_fake.arn("cloudwatch", f"alarm:{alarm_name}", region=region, account=account),
        account_id=account,
        time=new.timestamp,
        region=region,
        alarm_data=CloudWatchAlarmData(
            alarm_name=alarm_name, state=new, previous_state=old, configuration=configuration
        ),
    )


def _stamp(moment: float) -> str:
    """CloudWatch's alarm timestamps: `2024-02-17T11:53:08.431+0000`."""
    return _fake.iso_time(moment)[:-1] + "+0000"


def _error_rate_metrics() -> list[CloudWatchAlarmMetric]:
    def lambda_sum(query_id: str, name: str) -> CloudWatchAlarmMetric:
        metric = CloudWatchMetric(
            namespace="AWS/Lambda", name=name, dimensions={"FunctionName": "my-function"}
        )
        stat = CloudWatchMetricStat(metric=metric, period=60, stat="Sum")
        return CloudWatchAlarmMetric(id=query_id, metric_stat=stat, return_data=False)

    rate = CloudWatchAlarmMetric(
        id="e1", expression="100 * m1 / m2", label="Error rate", return_data=True
    )
    return [rate, lambda_sum("m1", "Errors"), lambda_sum("m2", "Invocations")]


def _metric_state(
    state: str, other: str, value: float | None, threshold: float, moment: float
) -> CloudWatchAlarmState:
    datapoint = float(value if value is not None else threshold + (1 if state == "ALARM" else -1))
    period_start = moment - moment % 60 - 60
    start = _stamp(period_start)
    if state == "INSUFFICIENT_DATA":
        reason = "Insufficient Data: 1 datapoint was unknown."
        points: list[float] = []
        evaluated: dict[str, Any] = {"timestamp": start}
    else:
        crossed = "was greater than" if state == "ALARM" else "was not greater than"
        when = datetime.fromtimestamp(period_start, tz=timezone.utc).strftime("%d/%m/%y %H:%M:%S")
        reason = (
            f"Threshold Crossed: 1 out of the last 1 datapoints [{datapoint} ({when})] {crossed}"
            f" the threshold ({threshold}) (minimum 1 datapoint for {other} -> {state} transition)."
        )
        points = [datapoint]
        evaluated = {"timestamp": start, "value": datapoint}
    reason_data = {
        "version": "1.0",
        "queryDate": _stamp(moment),
        "startDate": start,
        "period": 60,
        "recentDatapoints": points,
        "threshold": threshold,
        "evaluatedDatapoints": [evaluated],
    }
    return CloudWatchAlarmState(
        value=state,
        reason=reason,
        reason_data=msgspec.json.encode(reason_data).decode(),
        timestamp=_stamp(moment),
    )


def _composite_state(state: str, child_arn: str, moment: float) -> CloudWatchAlarmState:
    when = datetime.fromtimestamp(moment, tz=timezone.utc).strftime("%A %d %B, %Y %H:%M:%S UTC")
    triggering = {"arn": child_arn, "state": {"value": state, "timestamp": _stamp(moment)}}
    return CloudWatchAlarmState(
        value=state,
        reason=f"{child_arn} transitioned to {state} at {when}",
        reason_data=msgspec.json.encode({"triggeringAlarms": [triggering]}).decode(),
        timestamp=_stamp(moment),
    )


def build_cloudwatch_dashboard(
    dashboard: str = "my-dashboard",
    params: Mapping[str, Any] | None = None,
    *,
    widget_id: str = "widget-1",
    title: str = "My custom widget",
    width: int = 588,
    height: int = 369,
    hours: float = 3,
    zoom: tuple[float, float] | None = None,
    theme: str = "light",
    describe: bool = False,
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> CloudWatchDashboardEvent:
    """A custom widget on `dashboard` asking for its content, showing the last `hours` with
    automatic period; `zoom` (Unix seconds, start and end) narrows the view, by default to the
    whole range. `describe=True` asks for the widget's documentation instead.

    ```pycon
    >>> build_cloudwatch_dashboard(params={"region": "eu-west-1"}).params()
    {'region': 'eu-west-1'}
    ```
    """
    end = _fake.epoch_ms(now)
    span = int(hours * 3_600_000)
    zoom_start, zoom_end = (end - span, end)
    if zoom is not None:
        zoom_start, zoom_end = int(zoom[0] * 1000), int(zoom[1] * 1000)
    context = CloudWatchWidgetContext(
        dashboard_name=dashboard,
        widget_id=widget_id,
        domain=f"https://{region}.console.aws.amazon.com",
        account_id=account,
        locale="en",
        timezone=CloudWatchWidgetTimezone(label="UTC", offset_iso="+00:00", offset_in_minutes=0),
        period=300,
        is_auto_period=True,
        time_range=CloudWatchWidgetTimeRange(
            mode="relative",
            start=end - span,
            end=end,
            relative_start=span,
            zoom=CloudWatchWidgetZoom(start=zoom_start, end=zoom_end),
        ),
        theme=theme,
        link_charts=True,
        title=title,
        forms=CloudWatchWidgetForms(all={}),
        params=dict(params or {}),
        width=width,
        height=height,
    )
    return CloudWatchDashboardEvent(describe=True if describe else UNSET, widget_context=context)


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {
    "cloudwatch-alarm": (CloudWatchAlarmEvent,),
    "cloudwatch-dashboard": (CloudWatchDashboardEvent,),
}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {
    "cloudwatch-alarm": build_cloudwatch_alarm,
    "cloudwatch-dashboard": build_cloudwatch_dashboard,
}
