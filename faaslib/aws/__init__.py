"""AWS's wire protocols in front of the app: `app.aws`, served by `faaslib serve --aws`.

Each service is a module that translates its protocol into the calls the Python API makes
(`app.invoke`, `app.queue(...)`, ...); the front door (`asgi.py`) routes requests to them and
writes AWS's errors. The app's state stays where it is: these modules hold none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from faaslib.aws.asgi import AwsApp
from faaslib.aws.protocol import AwsError, AwsRequest, AwsResponse, Service

if TYPE_CHECKING:
    from faaslib.app import App

__all__ = ["AwsApp", "AwsError", "AwsRequest", "AwsResponse", "Service", "services_for"]


def services_for(app: App) -> list[Service]:
    """The services `app.aws` serves, bound to `app`."""
    from faaslib.aws.dynamodb import DynamoDBService
    from faaslib.aws.events import EventsService
    from faaslib.aws.kinesis import KinesisService
    from faaslib.aws.lambda_ import LambdaService
    from faaslib.aws.s3 import S3Service
    from faaslib.aws.sns import SnsService
    from faaslib.aws.sqs import SqsService

    return [
        LambdaService(app),
        SqsService(app),
        KinesisService(app),
        DynamoDBService(app),
        S3Service(app),
        SnsService(app),
        EventsService(app),
    ]
