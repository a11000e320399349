"""SQS's JSON protocol in front of the app's queues (`app.queue(...)`): what boto3 and every
current AWS SDK send as `X-Amz-Target: AmazonSQS.<Operation>`, and its older query protocol
(form bodies answered in XML, `faaslib.aws.sqs.query`), translated to the same operations.

Each operation is translated into the call the Python API makes (`Queue.send`, `receive`,
`delete`, ...), so a message sent with boto3 reaches `@app.on_queue` functions exactly as one
sent with `await app.queue(name).send(...)`. Queue URLs are SQS's path-style ones on the host
the request came to: `http://<host>/<account id>/<queue name>`.
"""

from faaslib.aws.sqs.service import SqsService

__all__ = ["SqsService"]
