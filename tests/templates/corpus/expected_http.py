"""The corpus projects whose functions API Gateway invokes (Api, HttpApi), as their templates
declare them: read from each template.yaml by hand (Globals merged by SAM's rules: a function's
own property wins, Environment variables merge key by key)."""

from __future__ import annotations

from .model import ANY, Function, Http, Project, Queue, Res

PROJECTS = (
    Project(
        "amplify_cognito_apigateway_lambda_envvariables",
        (
            Function(
                "myFunction",
                "app.lambda_handler",
                "python3.14",
                environment={
                    "cognito_region": "{region}",
                    "user_pools_id": ANY,  # a Cognito user pool's Ref: not emulated
                    "user_pools_web_client_id": ANY,
                },
                triggers=(Http("GET", "/lambdaExample"),),
            ),
        ),
        unsupported=("rUserPool", "rAmplifyCognitoClient", "rAmplifyApp", "rAmplifyBranch"),
    ),
    Project(
        "apigw-caching-sam",
        (
            Function(
                "CachedFunction", "app.lambda_handler", "python3.14", triggers=(Http("ANY", "/"),)
            ),
        ),
    ),
    Project(
        "apigw-cloudwatch",
        (
            Function(
                "MyLambdaFunction",
                "app.lambda_handler",
                "python3.14",
                triggers=(Http("GET", "/"),),
            ),
        ),
        maybe_unsupported=("MyLogGroup",),
    ),
    Project(
        "apigw-custom-resource-policy",
        (
            Function(
                "HelloWorldFunction",
                "app.lambda_handler",
                "python3.14",
                architecture="arm64",
                triggers=(Http("GET", "/"),),
            ),
        ),
    ),
    Project(
        "apigw-data-validation",
        (
            Function(
                "ProcessFunction",
                "app.lambda_handler",
                "python3.14",
                architecture="arm64",
                triggers=(Http("POST", "/vehicle"),),
            ),
        ),
    ),
    Project(
        "apigw-edge-custom-domain",
        (
            Function("SSMGetFunction", "GetSSMCertificate.handler", "python3.14"),
            Function(
                "SampleLambda",
                "app.handler",
                "python3.14",
                name="dev-sample-api",  # !Sub ${Env}-${ApiName}, the parameters' defaults
                architecture="arm64",
                triggers=(Http("GET", "/hello"),),
            ),
        ),
        unsupported=("GetSSMParameters",),
    ),
    Project(
        "apigw-lambda-bedrock-sam",
        (
            Function(
                "ContentGenerationLambdaFunction",
                "bedrock_integration.lambda_handler",
                "python3.14",
                memory=256,
                timeout=5,
                architecture="arm64",
                triggers=(Http("POST", "/generate_content"),),
            ),
        ),
    ),
    Project(
        "apigw-lambda-dsql",
        (
            Function(
                "UsersFunction",
                "app.lambda_handler",
                "python3.14",
                architecture="arm64",
                environment={"REGION": "{region}", "cluster_endpoint": ANY},
                triggers=(Http("GET", "/users"),),  # on SAM's implicit ServerlessRestApi
            ),
        ),
        unsupported=("DSQL",),
    ),
    Project(
        "apigw-lambda-efs-sam",
        (
            Function(
                "HelloEfsFunction",
                "app.lambda_handler",
                "python3.14",
                timeout=15,
                triggers=(Http("ANY", None, "2.0"),),  # HttpApi event with no path: $default
            ),
        ),
        unsupported=(
            "EfsLambdaVpc",
            "EfsLambdaSecurityGroup",
            "EfsLambdaSubnetA",
            "EfsLambdaSubnetB",
            "EfsFileSystem",
            "MountTargetA",
            "MountTargetB",
            "AccessPoint",
        ),
    ),
    Project(
        "apigw-lambda-healthscribe-sam",
        (
            Function(
                "ClinicalNotesGenerationLambdaFunction",
                "healthscribe_integration.lambda_handler",
                "python3.14",
                timeout=60,
                architecture="arm64",
                environment={
                    "BUCKET_NAME": "transcribe-notes-{account}-{region}",
                    "TRANSCRIBE_SERVICE_ROLE": ANY,  # an IAM role's ARN
                },
                triggers=(Http("POST", "/generate_clinical_notes"),),
            ),
        ),
    ),
    Project(
        "apigw-lambda-opensearch-serverless-nextgen",
        tuple(
            Function(
                logical_id,
                handler,
                "python3.14",
                memory=256,
                timeout=timeout,
                architecture="arm64",
                description=description,
                environment={
                    "POWERTOOLS_SERVICE_NAME": "opensearch-nextgen",
                    "POWERTOOLS_METRICS_NAMESPACE": "opensearch-nextgen",
                    **environment,
                },
                triggers=triggers,
            )
            for logical_id, handler, timeout, description, environment, triggers in (
                (
                    "SetupPipelineFunction",
                    "app.lambda_handler",
                    300,
                    "Creates ML model, ingest pipeline, and search pipeline at deploy time",
                    {"POWERTOOLS_SERVICE_NAME": "opensearch-nextgen-setup"},
                    (),
                ),
                (
                    "SearchFunction",
                    "app.handler",
                    29,
                    "Performs semantic, lexical, and hybrid search (neural queries via "
                    "OpenSearch ML)",
                    {
                        "COLLECTION_ENDPOINT": ANY,
                        "COLLECTION_NAME": "semantic-search",
                        "INDEX_NAME": "documents",
                        "MODEL_ID": ANY,
                    },
                    (Http("POST", "/search"),),
                ),
                (
                    "IndexFunction",
                    "app.handler",
                    120,
                    "Indexes documents with text (embeddings generated by OpenSearch ML)",
                    {
                        "COLLECTION_ENDPOINT": ANY,
                        "COLLECTION_NAME": "semantic-search",
                        "INDEX_NAME": "documents",
                        "INGEST_PIPELINE": ANY,
                    },
                    (Http("POST", "/index"),),
                ),
                (
                    "DeleteFunction",
                    "app.handler",
                    29,
                    "Deletes documents by ID from the index",
                    {
                        "COLLECTION_ENDPOINT": ANY,
                        "COLLECTION_NAME": "semantic-search",
                        "INDEX_NAME": "documents",
                    },
                    (Http("DELETE", "/documents"),),
                ),
            )
        ),
        parameters={"DeploymentRoleName": "deployer"},  # no Default
        unsupported=("CollectionGroup", "Collection", "VectorIndex", "SetupSearchPipeline"),
        maybe_unsupported=(
            "ApiAccessLogGroup",
            "OpenSearchClientLayer",
            "EncryptionPolicy",
            "NetworkPolicy",
            "DataAccessPolicy",
            "SetupPipelineFunctionLogGroup",
            "SearchFunctionLogGroup",
            "IndexFunctionLogGroup",
            "DeleteFunctionLogGroup",
        ),
    ),
    Project(
        "apigw-lambda-pinpoint",
        (
            Function(
                "PinpointFunction",
                "lambda_function.lambda_handler",
                "python3.14",
                memory=3008,
                timeout=30,
                description="Stack {stack} Function PinpointFunction",
                environment={"PINPOINT_APP_ID": "pinpoint-app-1"},
                triggers=(Http("POST", "/send_message"),),
            ),
        ),
        parameters={"PinpointAppId": "pinpoint-app-1"},
    ),
    Project(
        "apigw-lambda-ses",
        (
            Function(
                "EmailSESLambda",
                "email-lambda.lambda_handler",
                "python3.14",
                name="email-lambda",
                description="Python Email Lambda",
                environment={"SES_CONFIG_SET_NAME": ANY},
                triggers=(Http("GET", "/"),),
            ),
        ),
        unsupported=("SESConfigSet",),
    ),
    Project(
        "apigw-lambda-sns-monitoring-sam",
        (
            Function(
                "lambdaFunction",
                "code.lambda_handler",
                "python3.14",
                name="LambdaFunctionName",
                description="Example Lambda function",
                environment={"TOPIC_ARN": "{topic_arn:MySnsTopic}", "API_URL": ANY},
                triggers=(Http("GET", "/"),),
            ),
        ),
        unsupported=("ApiGateway5XXErrorAlarm", "ApiGatewayCanary"),
    ),
    Project(
        "apigw-lambda-sns-sms",
        (
            Function(
                "SNSFunction",
                "lambda_function.lambda_handler",
                "python3.14",
                memory=3008,
                timeout=30,
                description="Stack {stack} Function SNSFunction",
                triggers=(Http("POST", "/send_message"),),
            ),
        ),
    ),
    Project(
        "apigw-lambda-tenant-isolation",
        (
            Function(
                "CounterStandardFunction",
                "lambda_function.lambda_handler",
                "python3.14",
                name="{stack}-counter-standard",
                timeout=30,
                description="Lambda function without tenant isolation for counter demonstration",
                environment={"LOG_LEVEL": "INFO"},
                triggers=(Http("GET", "/standard"),),  # raw AWS::ApiGateway::Method, AWS_PROXY
            ),
            Function(
                "CounterIsolatedFunction",
                "lambda_function.lambda_handler",
                "python3.14",
                name="{stack}-counter-isolated",
                timeout=30,
                description="Lambda function with tenant isolation enabled for counter "
                "demonstration",
                environment={"LOG_LEVEL": "INFO"},
                triggers=(Http("GET", "/isolated"),),
            ),
        ),
        maybe_unsupported=(
            "ApiGateway",
            "StandardResource",
            "StandardMethod",
            "IsolatedResource",
            "IsolatedMethod",
            "CounterStandardLogGroup",
            "CounterIsolatedLogGroup",
            "RequestValidator",
            "ErrorModel",
            "StandardOptionsMethod",
            "IsolatedOptionsMethod",
            "ApiGatewayDeployment",
            "ApiGatewayStage",
        ),
    ),
    Project(
        "apigw-lambda-translate",
        (
            Function(
                "ApiFunction",
                "index.lambda_handler",
                "python3.14",
                name="lambda-translate",
                triggers=(Http("POST", "/"),),
            ),
        ),
    ),
    Project(
        "apigw-mappingtemplate-lambda",
        (
            Function(
                "APIFunction",
                "lambda_function4.lambda_handler",
                "python3.14",
                triggers=(Http("ANY", "/"),),
            ),
        ),
    ),
    Project(
        "apigw-rest-api-lambda-python-response-streaming",
        (
            Function(
                "StreamingFunction",
                "run.sh",  # the Lambda Web Adapter's wrapper runs the app, not a Python handler
                "python3.14",
                timeout=60,
                architecture="arm64",
                environment={
                    "AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap",
                    "PORT": "8080",
                    "AWS_LWA_INVOKE_MODE": "RESPONSE_STREAM",
                },
                triggers=(Http("POST", "/story"),),
            ),
        ),
    ),
    Project(
        "apigw-rest-api-lambda-vpc-sqs",
        (
            Function(
                "LambdaToSQS",
                "src/handler.lambda_handler",
                "python3.14",
                name="LambdaToSQS",
                timeout=30,
                environment={"SQSqueueName": "{queue_url:FirstSqsQueue}"},
                triggers=(Http("POST", "/sendmessage"),),
            ),
        ),
        template="template.yml",
        parameters={
            "Subnets": "subnet-0a1b2c3d,subnet-4e5f6a7b",
            "LambdaSecurityGroupId": "sg-0a1b",
        },
        queues=(Queue(Res("FirstSqsQueue")),),
    ),
    Project(
        "apigw-route53-failover",
        (
            Function(
                "HelloWorldFunction",
                "app.lambda_handler",
                "python3.14",
                architecture="arm64",
                triggers=(Http("GET", "/"),),
            ),
        ),
        parameters={
            "DomainName": "api.example.com",
            "ZoneId": "Z0123456789",
            "CertArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
            "Priority": "PRIMARY",
        },
        unsupported=("CustomDomain", "RestApiMapping", "HealthCheck", "FailoverRecord"),
    ),
    Project(
        "apigw-throttle-sam",
        (
            Function(
                "ThrottlingGetFunction",
                "app.lambda_handler",
                "python3.14",
                architecture="arm64",
                triggers=(Http("GET", "/"),),
            ),
            Function(
                "ThrottlingPostFunction",
                "app.lambda_handler",
                "python3.14",
                architecture="arm64",
                triggers=(Http("POST", "/"),),
            ),
        ),
        unsupported=("ApplicationResourceGroup", "ApplicationInsightsMonitoring"),
    ),
    Project(
        "apigw-usage-plans",
        (
            Function(
                "UsagePlanFunction",
                "app.lambda_handler",
                "python3.14",
                memory=256,
                timeout=45,
                triggers=(Http("GET", "/plantest/"), Http("POST", "/plantest/")),
            ),
        ),
        unsupported=("UsagePlan", "UsagePlanApiKey", "UsagePlanLinkKey"),
    ),
    Project(
        "dynamic-bedrock-svls-sam",
        (
            Function(
                "ApiFunction",
                "lambda_function.lambda_handler",
                "python3.14",
                timeout=90,
                triggers=tuple(
                    Http("POST", path)
                    for path in (
                        "/image",
                        "/text/model_ai21_j2grande",
                        "/text/model_ai21_j2jumbo",
                        "/text/model_anthropic_claudeinstant",
                        "/text/model_anthropic_claudev2",
                    )
                ),
            ),
        ),
    ),
    Project(
        "waf-apigw-rest",
        (
            Function(
                "MyLambdaFunction",
                "app.lambda_handler",
                "python3.14",
                triggers=(Http("GET", "/"),),
            ),
        ),
        unsupported=("MyWAFACL", "MyWAFAssociation"),
    ),
)
