"""The corpus projects whose functions something other than SAM's events invokes (a WebSocket
API, AppSync, a Transfer Family workflow, a custom resource, EventBridge Scheduler, another
function), as their templates declare them: read from each template by hand."""

from __future__ import annotations

from .model import ANY, Function, Project, Schedule

FSX = "eventbridge-lambda-fsx-openzfs-cross-account-region-periodic-replication"

PROJECTS = (
    Project(
        "apigw-websocket-ack-connect-route",
        (
            # $connect and $disconnect of an AWS::ApiGatewayV2 WebSocket API invoke these.
            Function(
                "OnConnectLambdaFunction",
                "lambda_function.lambda_handler",
                "python3.14",
                name="{stack}-onconnect-function",
                memory=256,
                timeout=15,
            ),
            Function(
                "PostLambdaFunction",
                "lambda_function_postToConnection.lambda_handler",
                "python3.14",
                name="WebsocketPostToConnectionId",
                memory=256,
                timeout=15,
            ),
            Function(
                "OnDisconnectLambdaFunction",
                "ondisconnect.lambda_handler",
                "python3.14",
                name="{stack}-ondisconnect-function",
                memory=256,
                timeout=15,
            ),
        ),
        template="template.yml",
        unsupported=(
            "WebSocketApi",
            "OnConnectIntegration",
            "OnConnectRoute",
            "OnDisconnectIntegration",
            "OnDisconnectRoute",
        ),
        maybe_unsupported=("Deployment", "Stage"),
    ),
    Project(
        "appsync-lambda-sfn-sam",
        (
            Function(
                "SamStepFunctionFunction",
                "app.lambda_handler",
                "python3.14",
                environment={"STATE_MACHINE_ARN": ANY},  # a Step Functions state machine
                not_runnable="src/lambda",  # CodeUri names a folder the project lacks
            ),
        ),
        unsupported=(
            "SamStepFunctionStateMachine",
            "SamStepFunctionsApi",
            "SamStepFunctionsApiKey",
            "SamStepFunctionsApiSchema",
            "SamStepFunctionDataSource",
            "CreateAddStepFunctionsResolver",
        ),
    ),
    Project(
        "awstransfer-lambda-sam",
        (
            Function(
                "CustomWorkflowLambda",
                "workflow-lambda.lambda_handler",
                "python3.14",
                name="{stack}-custom-workflow-step-lambda-function",
                timeout=300,
                description="Custom Workflow Step Lambda Function",
            ),
        ),
        unsupported=("CustomWorkflow", "TransferServer", "TransferServerUser"),
    ),
    Project(
        FSX,
        (
            Function(
                "SnapshotLambda",
                "PeriodicReplication.lambda_handler",
                "python3.14",
                name="{stack}-Lambda",
                timeout=900,
                environment={
                    "SRC_VOLUME_ID": "fsvol-0123abcd",
                    "SNS_TOPIC_ARN": "arn:aws:sns:{region}:{account}:{stack}-notification",
                    "SUCCESS_NOTIFICATION": "Yes",
                    "SNAPSHOT_NAME": "fsx_scheduled_snapshot",
                    "SNAPSHOT_TAG_VALUE": "{stack}_fsvol-0123abcd",
                    "SNAPSHOT_RETAIN_DAYS": "7",
                    "DEST_LAMBDA_ARN": "arn:aws:lambda:eu-west-1:210987654321:function:"
                    "CopySnapshotAndUpdateVolumeLambda-replica",
                    "DEST_IAM_ROLE": "arn:aws:iam::210987654321:role/CrossAcctIAMRole-replica",
                    "DEST_LAMBDA_REGION": "eu-west-1",
                },
                # an AWS::Scheduler::Schedule (what SAM's ScheduleV2 makes) targets it
                triggers=(Schedule("cron(0 0/6 * * ? *)"),),
            ),
        ),
        template="source-template.yaml",
        stack_name="fsx-replication",  # the folder (73 characters) would make names too long
        parameters={
            "SourceVolumeID": "fsvol-0123abcd",
            "Email": "ops@example.com",
            "DestinationAWSAcctId": "210987654321",
            "DestinationRegion": "eu-west-1",
            "TargetStackName": "replica",
        },
    ),
    Project(
        FSX,
        (
            Function(
                "CopySnapshotAndUpdateVolumeLambda",
                "CopySnapshotAndUpdateVolume.lambda_handler",
                "python3.14",
                name="CopySnapshotAndUpdateVolumeLambda-{stack}",
                timeout=600,
                description="Lambda function that will make CopySnapshotAndUpdateVolume API call.",
                environment={
                    "DEST_VOLUME_ID": "fsvol-0456cdef",
                    "OPTIONS": "DELETE_INTERMEDIATE_SNAPSHOTS",
                    "COPY_STRATEGY": "INCREMENTAL_COPY",
                },
            ),
        ),
        template="destination-template.yaml",
        stack_name="fsx-replication",  # the folder (73 characters) would make names too long
        parameters={
            "TargetVolumeID": "fsvol-0456cdef",
            "Options": "DELETE_INTERMEDIATE_SNAPSHOTS",
            "SourceAWSAcctId": "123456789012",
        },
    ),
    Project(
        "lambda-comprehend-language-sam",
        (
            Function(
                "DetectLanguageLambdaFunction", "index.lambda_handler", "python3.14", timeout=60
            ),
        ),
    ),
    Project(
        "lambda-kendra-bedrock",
        (
            Function(
                "DataSourceSyncLambda",
                "dataSourceSyncLambda.lambda_handler",
                "python3.14",
                memory=1024,
                timeout=900,
                description="Stack {stack} Function DataSourceSyncLambda",
                environment={"INDEX_ID": ANY, "DS_ID": ANY},
            ),
            Function(
                "InvokeBedrockLambda",
                "invokeBedrockLambda.lambda_handler",
                "python3.14",
                memory=3008,
                timeout=120,
                description="Stack {stack} Function InvokeBedrockLambda",
                environment={"INDEX_ID": ANY, "MODEL_ID": "anthropic.claude-instant-v1"},
            ),
        ),
        parameters={"S3DSBucketName": "kendra-documents"},
        unsupported=("KendraIndex", "KendraDS", "DataSourceSync"),
    ),
)
