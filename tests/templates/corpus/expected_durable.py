"""The corpus projects of durable functions (DurableConfig: checkpointed, replayed
executions), as their templates declare them, read from each template by hand."""

from __future__ import annotations

from .model import Function, Http, Project

PROJECTS = (
    Project(
        "lambda-durable-function-chaining-sam",
        (
            *(
                Function(
                    logical_id,
                    "app.lambda_handler",
                    "python3.14",
                    name=name,
                    memory=512,
                    timeout=30,
                )
                for logical_id, name in (
                    ("Step1AddFunction", "step1-add"),
                    ("Step2TransformFunction", "step2-transform"),
                    ("Step3FinalizeFunction", "step3-finalize"),
                )
            ),
            Function(
                "OrchestratorFunction",
                "app.lambda_handler",
                "python3.14",
                name="durable-orchestrator",
                memory=512,
                timeout=900,
                environment={
                    "STEP1_FUNCTION_ARN": "arn:aws:lambda:{region}:{account}:function:"
                    "step1-add:$LATEST",
                    "STEP2_FUNCTION_ARN": "arn:aws:lambda:{region}:{account}:function:"
                    "step2-transform:$LATEST",
                    "STEP3_FUNCTION_ARN": "arn:aws:lambda:{region}:{account}:function:"
                    "step3-finalize:$LATEST",
                },
            ),
        ),
    ),
    Project(
        "lambda-durable-invoke-lambda-sam-python",
        (
            Function(
                "ProcessorFunction", "processor_function.lambda_handler", "python3.14", timeout=30
            ),
            Function(
                "DurableLambdaFunction",
                "durable_lambda_function.lambda_handler",
                "python3.14",
                timeout=600,
                environment={"PROCESSOR_FUNCTION_NAME": "{name:ProcessorFunction}"},
            ),
        ),
    ),
    Project(
        "lambda-durable-parallel-execution-python-sam",
        (Function("MathFunction", "lambda_function.lambda_handler", "python3.14", timeout=10),),
    ),
    Project(
        "lambda-durable-saga-python-sam",
        (
            Function(
                "SagaOrchestratorFunction",
                "orchestrator.lambda_handler",
                "python3.13",
                name="{stack}-orchestrator",
                memory=256,
                timeout=30,
                architecture="arm64",
                description="Durable saga orchestrator with compensating transactions",
                environment={
                    "ORDERS_TABLE": "{stack}-orders",
                    "PAYMENTS_TABLE": "{stack}-payments",
                    "INVENTORY_TABLE": "{stack}-inventory",
                },
            ),
        ),
        maybe_unsupported=("SagaOrchestratorLogGroup",),
    ),
    Project(
        "lambda-durable-webhook-sam-python",
        (
            Function(
                "WebhookValidatorFunction",
                "webhook_validator.lambda_handler",
                "python3.13",
                timeout=10,
                environment={
                    "WEBHOOK_SECRET": "",
                    # Ref of the AutoPublishAlias's alias: its ARN
                    "PROCESSOR_FUNCTION_NAME": "{arn:WebhookProcessorFunction}:live",
                },
                triggers=(Http("POST", "/webhook"),),
            ),
            Function(
                "WebhookProcessorFunction",
                "webhook_processor.lambda_handler",
                "python3.13",
                timeout=120,
                environment={"EVENTS_TABLE_NAME": "{stack}-webhook-events"},
            ),
            Function(
                "StatusQueryFunction",
                "status_query.lambda_handler",
                "python3.13",
                timeout=30,
                environment={"EVENTS_TABLE_NAME": "{stack}-webhook-events"},
                triggers=(Http("GET", "/status/{executionToken}"),),
            ),
        ),
    ),
)
