"""CloudWatch alarm actions and dashboard custom widgets: the dashboard sample decodes but for the
copies of its params, the builders shape events as AWS does, and the reasons and params read as
JSON."""

from __future__ import annotations

from faaslib import events
from faaslib.events import UNSET
from faaslib.events._base import decode, dump
from faaslib.events.cloudwatch import (
    CloudWatchAlarmConfiguration,
    CloudWatchAlarmData,
    CloudWatchAlarmEvent,
    CloudWatchAlarmMetric,
    CloudWatchAlarmState,
    CloudWatchDashboardEvent,
    CloudWatchMetric,
    CloudWatchMetricStat,
    CloudWatchWidgetContext,
    build_cloudwatch_alarm,
    build_cloudwatch_dashboard,
)
from tests.events.corpus import load, needs_corpus

NOW = 1_708_170_788.431  # 2024-02-17T11:53:08.431Z


def alarm_data(event: CloudWatchAlarmEvent) -> CloudWatchAlarmData:
    assert isinstance(event.alarm_data, CloudWatchAlarmData)
    return event.alarm_data


def state_of(event: CloudWatchAlarmEvent, previous: bool = False) -> CloudWatchAlarmState:
    data = alarm_data(event)
    state = data.previous_state if previous else data.state
    assert isinstance(state, CloudWatchAlarmState)
    return state


@needs_corpus
def test_the_dashboard_sample_round_trips_but_for_the_top_level_copies_of_its_params() -> None:
    raw = load("powertools/cloudWatchDashboardEvent.json")
    event = events.parse(raw)
    assert isinstance(event, CloudWatchDashboardEvent)
    params = raw["widgetContext"]["params"]
    assert dump(event) == {key: value for key, value in raw.items() if key not in params}
    assert {key: raw[key] for key in params} == params == event.params()


def test_a_built_alarm_names_its_region_account_and_states() -> None:
    event = build_cloudwatch_alarm(
        "orders-latency",
        "OK",
        previous_state="ALARM",
        threshold=500.0,
        value=120.0,
        now=NOW,
        region="eu-west-1",
        account="111122223333",
    )
    assert event.alarm_arn == "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:orders-latency"
    assert (event.region, event.account_id) == ("eu-west-1", "111122223333")
    assert event.time == "2024-02-17T11:53:08.431+0000"
    assert alarm_data(event).alarm_name == "orders-latency"
    state, previous = state_of(event), state_of(event, previous=True)
    assert (state.value, previous.value) == ("OK", "ALARM")
    assert state.timestamp == event.time
    assert previous.timestamp == "2024-02-17T11:52:08.431+0000"
    assert state.reason == (
        "Threshold Crossed: 1 out of the last 1 datapoints [120.0 (17/02/24 11:52:00)] was not"
        " greater than the threshold (500.0) (minimum 1 datapoint for ALARM -> OK transition)."
    )
    reason = state.reason_json()
    assert reason["threshold"] == 500.0
    assert reason["recentDatapoints"] == [120.0]
    assert reason["queryDate"] == event.time
    assert previous.reason_json()["recentDatapoints"] == [501.0]


def test_a_built_alarm_with_insufficient_data_has_no_datapoints() -> None:
    state = state_of(build_cloudwatch_alarm("quiet", "INSUFFICIENT_DATA", now=NOW))
    assert state.reason == "Insufficient Data: 1 datapoint was unknown."
    reason = state.reason_json()
    assert reason["recentDatapoints"] == []
    assert reason["evaluatedDatapoints"] == [{"timestamp": "2024-02-17T11:52:00.000+0000"}]


def test_a_built_alarm_carries_the_metrics_it_is_given() -> None:
    cpu = CloudWatchAlarmMetric(
        id="m1",
        metric_stat=CloudWatchMetricStat(
            metric=CloudWatchMetric(
                namespace="AWS/EC2", name="CPUUtilization", dimensions={"InstanceId": "i-0abc"}
            ),
            period=300,
            stat="Average",
            unit="Percent",
        ),
        return_data=True,
    )
    event = build_cloudwatch_alarm("cpu-high", metrics=[cpu], description="CPU above 80%")
    assert alarm_data(event).configuration == CloudWatchAlarmConfiguration(
        description="CPU above 80%", metrics=[cpu]
    )


def test_a_built_composite_alarm_names_its_first_child_as_the_trigger() -> None:
    rule = "ALARM(checkout-errors) OR ALARM(checkout-latency)"
    event = build_cloudwatch_alarm("checkout", alarm_rule=rule, now=NOW, region="eu-west-1")
    assert alarm_data(event).configuration == CloudWatchAlarmConfiguration(alarm_rule=rule)
    child = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-errors"
    state = state_of(event)
    assert state.reason == (
        f"{child} transitioned to ALARM at Saturday 17 February, 2024 11:53:08 UTC"
    )
    stamp = "2024-02-17T11:53:08.431+0000"
    assert state.reason_json() == {
        "triggeringAlarms": [{"arn": child, "state": {"value": "ALARM", "timestamp": stamp}}]
    }


@needs_corpus
def test_reason_json_decodes_the_reason_data_of_a_sample() -> None:
    event = decode(load("powertools/cloudWatchAlarmEventSingleMetric.json"), CloudWatchAlarmEvent)
    reason = state_of(event).reason_json()
    assert reason["threshold"] == 10.0
    assert reason["evaluatedDatapoints"][0]["sampleCount"] == 1.0
    assert CloudWatchAlarmState(value="OK").reason_json() is None


def test_a_built_dashboard_event_carries_its_params_size_and_time_range() -> None:
    event = build_cloudwatch_dashboard(
        "ops",
        {"table": "orders"},
        widget_id="widget-7",
        title="Orders",
        width=400,
        height=200,
        hours=1,
        zoom=(NOW - 600, NOW - 300),
        now=NOW,
        region="eu-west-1",
        account="111122223333",
    )
    assert event.params() == {"table": "orders"}
    assert event.describe is UNSET
    context = event.widget_context
    assert isinstance(context, CloudWatchWidgetContext)
    assert (context.dashboard_name, context.widget_id) == ("ops", "widget-7")
    assert (context.title, context.width, context.height) == ("Orders", 400, 200)
    assert context.domain == "https://eu-west-1.console.aws.amazon.com"
    assert context.account_id == "111122223333"
    assert dump(event)["widgetContext"]["timeRange"] == {
        "mode": "relative",
        "start": 1_708_167_188_431,
        "end": 1_708_170_788_431,
        "relativeStart": 3_600_000,
        "zoom": {"start": 1_708_170_188_431, "end": 1_708_170_488_431},
    }


def test_a_built_dashboard_event_can_ask_for_the_documentation() -> None:
    assert dump(build_cloudwatch_dashboard(describe=True))["describe"] is True


def test_dashboard_params_are_empty_without_a_widget_context() -> None:
    assert CloudWatchDashboardEvent().params() == {}
    assert CloudWatchDashboardEvent(describe=True).params() == {}
