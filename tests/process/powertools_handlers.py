"""Powertools for AWS Lambda in a process instance: its Logger and Metrics read the Lambda
environment and print JSON lines, as they do on Lambda."""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger(service="orders")
metrics = Metrics(namespace="Shop", service="orders")


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event, context):
    logger.info("order received", extra={"order": event.get("order")})
    metrics.add_metric(name="Orders", unit=MetricUnit.Count, value=1)
    return {"ok": True}
