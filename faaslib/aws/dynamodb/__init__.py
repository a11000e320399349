"""DynamoDB's JSON protocol in front of the app's tables (`app.table(...)`): what boto3 sends as
`X-Amz-Target: DynamoDB_20120810.<Operation>`.

Each operation is translated into calls of the Python API (`Table.get_item`, `put_item`,
`delete_item`, `items`), so an item put with boto3 changes the table, and its stream feeds
`@app.on_table` functions, exactly as `await app.table(name).put_item(...)` does. DynamoDB's
expression language (conditions, updates, projections, key conditions, filters) is parsed by
`expressions.py` and run by `evaluation.py`, here in front of the table.
"""

from faaslib.aws.dynamodb.service import DynamoDBService

__all__ = ["DynamoDBService"]
