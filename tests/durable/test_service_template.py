"""A SAM template's `DurableConfig` makes a durable function, invoked through boto3 as on
AWS: an Event invoke answers with the execution's ARN, which the durable APIs then read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from faaslib import App
from faaslib.durable import DurableConfig
from faaslib.testing import FakeClock, TestClient

HANDLER = """
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context):
    context.wait(Duration.from_hours(6), name="overnight")
    return context.step(lambda _: event["n"] * 3, name="triple")
"""

TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Triple:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: src/
      Timeout: 30
      DurableConfig:
        ExecutionTimeout: 86400
        RetentionPeriodInDays: 7
"""


def test_a_templates_durable_function_runs_through_boto3(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(HANDLER)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    clock = FakeClock()
    app = App.from_template(tmp_path / "template.yaml", clock=clock, idle_timeout=86_400)
    name = app.template.functions["Triple"].name if app.template else ""
    assert app._functions[name].config.durable == DurableConfig(
        execution_timeout=86_400, retention_days=7
    )
    with TestClient(app) as client:
        lam = client.boto3_session().client("lambda")
        answer = lam.invoke(
            FunctionName="Triple",
            InvocationType="Event",
            Payload=json.dumps({"n": 14}),
            DurableExecutionName="overnight-14",
        )
        assert answer["StatusCode"] == 202
        arn = answer["DurableExecutionArn"]
        assert "/durable-execution/overnight-14/" in arn
        due = client.run(lambda: app.durable.settled(arn))
        assert due == 6 * 3600
        client.advance(due)
        client.run(lambda: app.durable.settled(arn))
        execution = lam.get_durable_execution(DurableExecutionArn=arn)
        events = lam.get_durable_execution_history(
            DurableExecutionArn=arn, IncludeExecutionData=True
        )["Events"]
    assert execution["Status"] == "SUCCEEDED"
    assert execution["Result"] == "42"
    assert [event["EventType"] for event in events][-3:] == [
        "StepSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]


CORPUS = Path(__file__).parents[3] / "shared" / "corpus" / "sam"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
@pytest.mark.anyio
async def test_awss_function_chaining_sample_runs_as_on_lambda() -> None:
    """aws-samples' lambda-durable-function-chaining-sam, unchanged: a durable orchestrator
    chaining three plain functions by ARN, invoked synchronously (its ExecutionTimeout is 900)."""
    app = App.from_template(CORPUS / "lambda-durable-function-chaining-sam" / "template.yaml")
    async with app:
        result = await app.invoke("OrchestratorFunction", {"id": "o-1", "value": 1})
        arn = result.durable_execution_arn
        assert arn is not None
        history = await app.durable.history(arn)
    assert result.function_error is None
    assert result.payload["workflow"] == "completed"
    assert result.payload["output"]["final_value"] == (1 + 10) * 2 + 5  # add, double, add
    assert result.payload["output"]["status"] == "COMPLETED"
    started = [e for e in history if e["EventType"] == "ChainedInvokeStarted"]
    assert [e["Name"] for e in started] == ["step1-add", "step2-transform", "step3-finalize"]
