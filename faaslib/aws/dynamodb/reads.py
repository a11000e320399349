"""DynamoDB's reads of many items: Query and Scan (key conditions, filters, projections, pages
by `Limit` and `ExclusiveStartKey` / `LastEvaluatedKey`, both directions), over the items of the
app's `Table`."""

from __future__ import annotations

from typing import Any

from faaslib.aws.dynamodb.evaluation import holds, sort_key
from faaslib.aws.dynamodb.expressions import (
    Comparison,
    Expressions,
    Function,
    Logical,
    Value,
    invalid,
    parse_condition,
)
from faaslib.aws.dynamodb.values import check_item, typed_item
from faaslib.aws.dynamodb.writes import projected, refuse_legacy
from faaslib.sources.table import Table

__all__ = ["read_many"]

Typed = dict[str, Any]
Item = dict[str, Typed]


def read_many(table: Table, params: dict[str, Any], *, query: bool) -> dict[str, Any]:
    """A Query's (`query=True`) or a Scan's answer."""
    refuse_legacy(params)
    operation = "Query" if query else "Scan"
    for unserved in ("IndexName", "Segment", "TotalSegments"):
        if params.get(unserved) is not None:
            raise invalid(f"faaslib's tables do not serve {unserved} in {operation}")
    expressions = Expressions(
        params.get("ExpressionAttributeNames"), params.get("ExpressionAttributeValues")
    )
    if expressions.values:
        check_item(dict(expressions.values), "ExpressionAttributeValues")
    key_condition = None
    if query:
        text = params.get("KeyConditionExpression")
        if text is None:
            raise invalid(
                "Either the KeyConditions or KeyConditionExpression parameter must be specified "
                "in the request."
            )
        key_condition = parse_condition(text, expressions, "KeyConditionExpression")
        _check_key_condition(key_condition, table.key_schema)
    filter_ = None
    if params.get("FilterExpression") is not None:
        filter_ = parse_condition(params["FilterExpression"], expressions, "FilterExpression")
    select = params.get("Select") or "ALL_ATTRIBUTES"
    if select not in ("ALL_ATTRIBUTES", "COUNT", "SPECIFIC_ATTRIBUTES"):
        raise invalid(f"Select={select!r} is not served (no secondary indexes)")
    probe: Item = {}
    projected(probe, params, expressions)  # parses the projection, so its placeholders count
    expressions.check_all_used()
    limit = params.get("Limit")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise invalid(f"Limit={limit!r} must be a whole number of at least 1")

    items = [item for item in map(typed_item, table.items()) if item is not None]
    if key_condition is not None:
        items = [item for item in items if holds(key_condition, item)]
    forward = params.get("ScanIndexForward", True) is not False or not query
    items.sort(key=lambda item: _position(item, table.key_schema), reverse=not forward)
    start = params.get("ExclusiveStartKey")
    if start is not None:
        start_key = check_item(start, "ExclusiveStartKey")
        if set(start_key) != set(table.key_schema):
            raise invalid(
                "The provided starting key is invalid: The provided key element does not match "
                "the schema"
            )
        after = _position(start_key, table.key_schema)
        positions = [(_position(item, table.key_schema), item) for item in items]
        items = [item for at, item in positions if (at > after if forward else at < after)]
    page = items if limit is None else items[:limit]
    matched = [item for item in page if filter_ is None or holds(filter_, item)]
    answer: dict[str, Any] = {"Count": len(matched), "ScannedCount": len(page)}
    if select != "COUNT":
        answer["Items"] = [projected(item, params, expressions) for item in matched]
    if limit is not None and len(items) > limit:
        answer["LastEvaluatedKey"] = {name: page[-1][name] for name in table.key_schema}
    return answer


def _position(item: Item, key_schema: tuple[str, ...]) -> tuple[Any, ...]:
    """Where an item sorts: by partition key, then sort key (each by type, then value)."""
    position: list[Any] = []
    for name in key_schema:
        value = item[name]
        kind = next(iter(value))
        position += [kind, sort_key(value)]
    return tuple(position)


def _check_key_condition(condition: Any, key_schema: tuple[str, ...]) -> None:
    """DynamoDB's shape of a key condition: `pk = :v`, and optionally AND one condition on
    the sort key (a comparison other than <>, BETWEEN or begins_with)."""
    parts = list(condition.operands) if isinstance(condition, Logical) else [condition]
    if isinstance(condition, Logical) and condition.operator != "AND":
        raise invalid(f"Invalid operator used in KeyConditionExpression: {condition.operator}")
    partition_found = False
    sort_found = False
    for part in parts:
        target = _key_target(part)
        if target == key_schema[0] and isinstance(part, Comparison) and part.operator == "=":
            if partition_found:
                raise invalid("KeyConditionExpressions must only contain one condition per key")
            partition_found = True
        elif len(key_schema) == 2 and target == key_schema[1] and not sort_found:
            sort_found = True
        else:
            raise invalid(
                "Query key condition not supported: a key condition is `partition key = :value` "
                f"and optionally AND one condition on the sort key {key_schema[1:]}"
            )
    if not partition_found:
        raise invalid("Query condition missed key schema element: " + key_schema[0])


def _key_target(part: Any) -> str | None:
    """The key attribute a part of a key condition constrains, if it has the shape of one."""
    if isinstance(part, Comparison) and part.operator in ("=", "<", "<=", ">", ">=", "BETWEEN"):
        first, *rest = part.operands
    elif isinstance(part, Function) and part.name == "begins_with":
        first, *rest = part.arguments
    else:
        return None
    if not isinstance(first, tuple) or len(first) != 1 or not isinstance(first[0], str):
        return None
    if not all(isinstance(other, Value) for other in rest):
        return None
    return first[0]
