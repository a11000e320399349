"""The corpus projects whose functions queues, streams, buckets, topics and rules invoke, as
their templates declare them: read from each template by hand (Globals merged by SAM's rules)."""

from __future__ import annotations

from .model import ANY, S3, Function, Http, Project, Queue, Res, Rule, Sns, Sqs, Stream

PROJECTS = (
    Project(
        "api-sqs-lambda-python",
        (
            Function(
                "SQSLambdaFunction",
                "index.handler",
                "python3.14",
                name="SQSLambdaFunction",
                memory=512,
                timeout=30,
                description="Lambda to be invoked by the SQS Queue",
                # CodeUri is src/index.zip, which the project lacks: faaslib runs src/index.py
                triggers=(Sqs(Res("MySqsQueue", "MySqsQueue"), batch_size=10),),
            ),
        ),
        template="template.yml",
        maybe_unsupported=("MyHttpApi", "MyHttpApiAccessLogs"),
        queues=(Queue(Res("MySqsQueue", "MySqsQueue")),),
    ),
    Project(
        "apigw-dynamodb-kinesis-lambda",
        (
            Function(
                "LambdaConsumer",
                "lambda_function.lambda_handler",
                "python3.14",
                name="LambdaConsumer",
                triggers=(Stream(Res("KinesisStream"), shards=1, batch_size=10),),
            ),
        ),
        unsupported=("CommentMethodPost",),  # API Gateway → DynamoDB PutItem (type AWS)
        maybe_unsupported=("Api", "CommentsResource", "ApiDeployment"),
    ),
    Project(
        "apigw-http-api-fifo-sqs-lambda-sns-sam",
        (
            Function(
                "MyLambdaFunction",
                "app.lambda_handler",
                "python3.14",
                name="ServerlessLand_Function",
                environment={"TOPIC_ARN": "arn:aws:sns:{region}:{account}:ServerlessLandSNSTopic"},
                triggers=(Sqs(Res("MySQSQueue", "ServerlessLandSQS.fifo")),),
            ),
        ),
        maybe_unsupported=("MyAPI",),
        queues=(
            Queue(
                Res("MyDeadLetterQueueForSQS", "ServerlessLandSQSDlq.fifo"),
                fifo=True,
                content_based_deduplication=True,
                visibility_timeout=300,
            ),
            Queue(
                Res("MySQSQueue", "ServerlessLandSQS.fifo"),
                fifo=True,
                content_based_deduplication=True,
                visibility_timeout=300,
                dead_letter="MyDeadLetterQueueForSQS",
                max_receive_count=5,
            ),
        ),
    ),
    Project(
        "apigw-kinesis-lambda",
        (
            Function(
                "LambdaConsumer",
                "lambda_function.lambda_handler",
                "python3.14",
                name="LambdaConsumer",
                triggers=(Stream(Res("KinesisStream"), shards=1, batch_size=100),),
            ),
        ),
        unsupported=("recordMethodPost", "recordsMethodPost"),  # → Kinesis PutRecord(s)
        maybe_unsupported=("Api", "streams", "streamName", "record", "records", "ApiDeployment"),
    ),
    Project(
        "apigw-kinesis-lambda-ddb",
        (
            Function(
                "GatewayAuthorizerFunction",
                "index.lambda_handler",
                "python3.14",
                name="GatewayAuthorizerFunction",
                description="Lambda to be invoked by API Gateway for authorization",
            ),
            Function(
                "KinesisHandlerFunction",
                "index.lambda_handler",
                "python3.14",
                name="KinesisHandlerFunction",
                description="Lambda to consumer from kinesis data stream",
                dead_letter=Res("DeadLetterQueue", "LambdaDeadLetterQueue"),
                triggers=(Stream(Res("KinesisStream", "GatewayEventsStream"), batch_size=10),),
            ),
        ),
        unsupported=("BasicAuthUsername", "BasicAuthPassword"),
        maybe_unsupported=("RestApi", "RestApiGatewayAccessLogs"),
        queues=(Queue(Res("DeadLetterQueue", "LambdaDeadLetterQueue")),),
    ),
    Project(
        "apigw-lambda-dynamodb-kinesis-lambda",
        (
            Function(
                "LambdaProducerFunction",
                "apiHandler.lambda_handler",
                "python3.14",
                name="LambdaProducerFunction",
                triggers=(Http("POST", "/"),),
            ),
            Function(
                "LambdaConsumerFunction",
                "messageHandler.lambda_handler",
                "python3.14",
                name="LambdaConsumerFunction",
                triggers=(Stream(Res("KinesisStream", "testDataStream"), batch_size=100),),
            ),
        ),
    ),
    Project(
        "apigw-sqs-lambda-ddb",
        (
            Function(
                "SqsHandlerFunction",
                "index.lambda_handler",
                "python3.14",
                name="SQSHandlerFunction",
                description="Lambda to be invoked by the SQS Queue",
                triggers=(Sqs(Res("BufferingQueue", "BufferingQueue"), batch_size=10),),
            ),
            Function(
                "GatewayAuthorizerFunction",
                "index.lambda_handler",
                "python3.14",
                name="GatewayAuthorizerFunction",
                description="Lambda to be invoked by API Gateway for authorization",
            ),
        ),
        unsupported=("BasicAuthUsername", "BasicAuthPassword"),
        maybe_unsupported=("HttpApi", "ApiGatewayAccessLogs"),
        queues=(
            Queue(
                Res("BufferingQueue", "BufferingQueue"),
                dead_letter="DeadLetterQueue",
                max_receive_count=5,
            ),
            Queue(Res("DeadLetterQueue", "DeadLetterQueue")),
        ),
    ),
    Project(
        "eventbridge-pipes-sqs-lambda-api-destination",
        (
            # the enrichment step of an AWS::Pipes::Pipe (SQS → this → an API destination)
            Function(
                "EnrichmentLambdaFunction",
                "enrichment.lambda_handler",
                "python3.14",
                name="{stack}-Enrichment-lambda",
                timeout=15,
                architecture="arm64",
            ),
            Function(
                "Function",
                "lambdaToDynamoDB.lambda_handler",
                "python3.14",
                name="{stack}-lambdaToDynamoDB",
                memory=3008,
                timeout=30,
                architecture="arm64",
                environment={
                    "TABLE_NAME": "OrderTable",
                    "TABLE_ARN": "arn:aws:dynamodb:{region}:{account}:table/OrderTable",
                },
                triggers=(Http("POST", "/"),),
            ),
        ),
        unsupported=("TargetApiDestination", "TargetConnection", "SqsToLambdaToApiDestination"),
        maybe_unsupported=("EnrichmentLogGroup", "FunctionLogGroup"),
        queues=(
            Queue(
                Res("SourceQueue", "{stack}-source-queue"),
                dead_letter="SourceQueueDLQ",
                max_receive_count=5,
            ),
            Queue(Res("SourceQueueDLQ", "{stack}-DLQ")),
        ),
    ),
    Project(
        "eventbridge-sns-lambda",
        (
            Function(
                "LambdaFunction",
                "app.lambda_handler",
                "python3.14",
                name="LambdaFunction",
                triggers=(Sns(Res("SNSTopic")),),
            ),
        ),
    ),
    Project(
        "lambda-kinesis-lambda",
        (
            Function(
                "ProducerFunction",
                "producer-function.lambda_handler",
                "python3.14",
                environment={"KINESIS_STREAM": "testDataStream"},
            ),
            Function(
                "ConsumerFunction",
                "consumer-function.lambda_handler",
                "python3.14",
                triggers=(Stream(Res("KinesisStream", "testDataStream"), batch_size=100),),
            ),
        ),
    ),
    Project(
        "s3-lambda-bedrock-aoss",
        (
            Function(
                "IndexCreationLambdaFunction",
                "index_creation.lambda_handler",
                "python3.14",
                timeout=120,
            ),
            Function(
                "DocumentIngestionLambdaFunction",
                "document_ingestion.lambda_handler",
                "python3.14",
                timeout=120,
                environment={
                    "AOS_HOST": ANY,
                    "BEDROCK_MODEL_REGION": "us-west-2",
                    "AOSS_INDEX_NAME": "example-index",
                },
                triggers=(Rule("default"),),
            ),
        ),
        unsupported=("LambdaInvokeIndexCreation", "ExampleCollection"),
        maybe_unsupported=(
            "DependenciesLibrary",
            "EncryptionPolicy",
            "SecurityPolicy",
            "AccessPolicy",
        ),
    ),
    Project(
        "s3-lambda-mediaconvert",
        (
            Function(
                "LambdaFunction",
                "index.handler",
                "python3.14",
                timeout=120,
                environment={"MediaConvertRole": ANY, "DestinationBucket": "{bucket:VideoOutput}"},
                triggers=(S3(Res("VideoInput")),),
            ),
        ),
    ),
    Project(
        "s3-lambda-polly-sam",
        (
            Function(
                "TextToSpeechFunction",
                "app.lambda_handler",
                "python3.14",
                timeout=120,
                triggers=(S3(Res("InputBucket", "texttospeechinputbucket")),),
            ),
        ),
    ),
    Project(
        "s3-lambda-ses-sam",
        (
            Function(
                "SendEmailLambdaFunction",
                "app.lambda_handler",
                "python3.14",
                environment={
                    "S3_BUCKET": "{stack}-{account}-{region}",
                    "SENDER_EMAIL": "sender@example.com",
                    "RECIPIENT_EMAIL": "recipient@example.com",
                },
                triggers=(S3(Res("MyBucket", "{stack}-{account}-{region}")),),
            ),
        ),
        parameters={
            "SenderEmailId": "sender@example.com",
            "RecipientEmailId": "recipient@example.com",
        },
        unsupported=("SESEmailSender",),
    ),
    Project(
        "s3-lambda-transcribe-sam",
        (
            Function(
                "SpeechToTextFunction",
                "app.lambda_handler",
                "python3.14",
                memory=256,
                timeout=60,
                environment={"OUTPUT_BUCKET": "speech2text-output-bucket"},
                triggers=(S3(Res("InputBucket", "speech2text-input-bucket")),),
            ),
        ),
    ),
    Project(
        "ses-s3-lambda-sam",
        (
            Function(
                "EmailProcessingLambdaFunction",
                "app.lambda_handler",
                "python3.14",
                triggers=(S3(Res("EmailBucket", "example.com-email-bucket")),),
            ),
        ),
        parameters={"DomainName": "example.com", "ResourceRecords": "abc,def,ghi"},
        unsupported=(
            "EmailIdentity",
            "EmailReceiptRuleSet",
            "EmailReceiptRule",
            "EmailIdentityCNAMERecord1",
            "EmailIdentityCNAMERecord2",
            "EmailIdentityCNAMERecord3",
            "Route53MXRecord",
        ),
        maybe_unsupported=("EmailBucketPolicy",),
    ),
    Project(
        "sns-sqs-lambda-xray",
        (
            Function(
                "ProducerFunction",
                "app.lambda_handler",
                "python3.14",
                timeout=5,
                description="Producer function",
                environment={"SNS_TOPIC": "{topic_arn:SourceSnsTopic}"},
            ),
            Function(
                "ConsumerFunction",
                "app.lambda_handler",
                "python3.14",
                timeout=5,
                description="Consumer function",
                environment={"POWERTOOLS_SERVICE_NAME": "ConsumerTracer"},
                triggers=(Sqs(Res("SourceSqsQueue"), batch_size=10),),
            ),
        ),
        maybe_unsupported=("SharedLibLayer",),
        queues=(Queue(Res("SourceSqsQueue")),),
    ),
    Project(
        "sqs-lambda-tenant-isolation-sam-py",
        (
            Function(
                "TenantIsolatedFunction",
                "index.handler",
                "python3.12",
                name="tenant-isolated-processor",
                timeout=120,
            ),
            Function(
                "SQSProcessorFunction",
                "index.handler",
                "python3.12",
                name="sqs-processor",
                timeout=60,
                environment={"TENANT_ISOLATED_FUNCTION_NAME": "tenant-isolated-processor"},
                triggers=(Sqs(Res("ProcessingQueue", "tenant-isolation-queue"), batch_size=10),),
            ),
        ),
        template="template.yml",
        queues=(
            Queue(Res("DeadLetterQueue", "tenant-isolation-dlq"), retention=1_209_600),
            Queue(
                Res("ProcessingQueue", "tenant-isolation-queue"),
                visibility_timeout=300,
                dead_letter="DeadLetterQueue",
                max_receive_count=3,
            ),
        ),
    ),
)
