"""DynamoDB's writes of one item (PutItem, UpdateItem, DeleteItem, and the same inside
TransactWriteItems and BatchWriteItem): checked and parsed first, then the item is read, the
condition tried, and the new item written through the app's `Table`, whose stream records the
change for `@app.on_table` functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from faaslib.aws.dynamodb.evaluation import apply_update, holds, project
from faaslib.aws.dynamodb.expressions import (
    Expressions,
    Update,
    invalid,
    parse_condition,
    parse_projection,
    parse_update,
)
from faaslib.aws.dynamodb.values import check_item, plain_item, required, typed_item
from faaslib.aws.protocol import AwsError
from faaslib.sources.table import Table

__all__ = ["LEGACY", "Kind", "Write", "condition_failed", "prepare", "projected", "refuse_legacy"]

Kind = Literal["Put", "Update", "Delete", "ConditionCheck"]
Typed = dict[str, Any]
Item = dict[str, Typed]

# Parameters of DynamoDB's legacy API, which faaslib does not serve (the expressions replace
# them: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LegacyConditionalParameters.html).
LEGACY = (
    "Expected",
    "AttributeUpdates",
    "AttributesToGet",
    "ConditionalOperator",
    "KeyConditions",
    "QueryFilter",
    "ScanFilter",
)
_RETURN_VALUES = {
    "Put": ("NONE", "ALL_OLD"),
    "Delete": ("NONE", "ALL_OLD"),
    "Update": ("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"),
    "ConditionCheck": ("NONE",),
}


def refuse_legacy(params: dict[str, Any]) -> None:
    """`ValidationException` naming a legacy parameter the request uses."""
    for name in LEGACY:
        if params.get(name) is not None:
            raise invalid(
                f"faaslib does not serve DynamoDB's legacy parameter {name}; use the expression "
                "parameters (ConditionExpression, UpdateExpression, ProjectionExpression, ...)"
            )


def condition_failed(old: Item | None, params: dict[str, Any]) -> AwsError:
    """DynamoDB's `ConditionalCheckFailedException`, with the item if the request asked."""
    fields = {}
    if params.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and old is not None:
        fields["Item"] = old
    return AwsError(
        "ConditionalCheckFailedException", "The conditional request failed", fields=fields
    )


def projected(item: Item, params: dict[str, Any], expressions: Expressions) -> Item:
    """`item` cut to the request's `ProjectionExpression`, if it has one."""
    text = params.get("ProjectionExpression")
    return item if text is None else project(item, parse_projection(text, expressions))


@dataclass
class Write:
    """One write, checked and parsed: `write.read()`, then `write.holds()`, then
    `write.store()`, all inside the table's `_batch()` so that they are one step."""

    table: Table
    kind: Kind
    params: dict[str, Any]
    key: Item
    item: Item | None
    update: Update | None
    condition: Any
    old: Item | None = None
    new: Item | None = None

    def read(self) -> None:
        """Read the item as it is now."""
        self.old = typed_item(self.table._get_now(plain_item(self.key)))

    def holds(self) -> bool:
        """Whether the write's condition holds of the item read (and if so, what it writes)."""
        if self.condition is not None and not holds(self.condition, self.old or {}):
            return False
        if self.kind == "Put":
            self.new = self.item
        elif self.kind == "Update":
            assert self.update is not None
            self.new = apply_update(self.update, self.old or dict(self.key), self.table.key_schema)
        elif self.kind == "ConditionCheck":
            self.new = self.old
        return True

    def store(self) -> None:
        """Write the new item (or delete it); nothing for a condition check."""
        if self.kind == "ConditionCheck":
            return
        if self.new is None:
            self.table._delete_now(plain_item(self.key))
        else:
            self.table._put_now(plain_item(self.new))

    def returned(self) -> Item | None:
        """The attributes `ReturnValues` asks for."""
        wanted = self.params.get("ReturnValues") or "NONE"
        if wanted == "ALL_OLD":
            return self.old
        if wanted == "ALL_NEW":
            return self.new
        if wanted in ("UPDATED_OLD", "UPDATED_NEW"):
            source = (self.old if wanted == "UPDATED_OLD" else self.new) or {}
            assert self.update is not None
            touched = {path[0] for path, _ in self.update.set} | {
                path[0] for path in self.update.remove
            }
            touched |= {path[0] for path, _ in [*self.update.add, *self.update.delete]}
            return {name: value for name, value in source.items() if name in touched}
        return None


def prepare(table: Table, kind: Kind, params: dict[str, Any]) -> Write:
    """A write of `kind` with `params` (PutItem's, UpdateItem's, ... or a transaction item's),
    its values checked and its expressions parsed."""
    refuse_legacy(params)
    wanted = params.get("ReturnValues") or "NONE"
    if wanted not in _RETURN_VALUES[kind]:
        raise invalid(
            f"ReturnValues={wanted!r} is not one of {', '.join(_RETURN_VALUES[kind])} for {kind}"
        )
    expressions = Expressions(
        params.get("ExpressionAttributeNames"), params.get("ExpressionAttributeValues")
    )
    if expressions.values:
        check_item(dict(expressions.values), "ExpressionAttributeValues")
    item: Item | None = None
    if kind == "Put":
        item = check_item(required(params, "Item", dict), "Item")
        for name in table.key_schema:
            if name not in item:
                raise invalid(
                    f"One or more parameter values were invalid: Missing the key {name} in the item"
                )
        key = {name: item[name] for name in table.key_schema}
    else:
        key = check_item(required(params, "Key", dict), "Key")
        if set(key) != set(table.key_schema):
            raise invalid("The provided key element does not match the schema")
    update = None
    if kind == "Update" and params.get("UpdateExpression") is not None:
        update = parse_update(params["UpdateExpression"], expressions)
    elif kind == "Update":
        update = Update()
    condition = None
    if params.get("ConditionExpression") is not None:
        condition = parse_condition(params["ConditionExpression"], expressions)
    elif kind == "ConditionCheck":
        raise invalid("ConditionCheck needs a ConditionExpression")
    expressions.check_all_used()
    return Write(table, kind, params, key, item, update, condition)
