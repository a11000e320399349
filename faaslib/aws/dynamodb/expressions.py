"""DynamoDB's expression language, parsed: condition, key condition, filter, projection and
update expressions, into small trees that `evaluation.py` runs against an item.

Names (`#n`) and values (`:v`) are resolved while parsing, from the request's
`ExpressionAttributeNames` and `ExpressionAttributeValues`; what is wrong with an expression
(syntax, an undefined or unused placeholder, a function used where it cannot be) raises
`AwsError("ValidationException", ...)`, as DynamoDB answers, and nothing else.

```pycon
>>> parse_condition("#s = :on AND size(tags) > :n", names, values)
```
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from faaslib.aws.protocol import AwsError

__all__ = [
    "Comparison",
    "Expressions",
    "Function",
    "Logical",
    "Path",
    "Update",
    "Value",
    "parse_condition",
    "parse_projection",
    "parse_update",
]

PathElement = str | int
Path = tuple[PathElement, ...]
COMPARATORS = ("=", "<>", "<", "<=", ">", ">=")
_CONDITION_FUNCTIONS = (
    "attribute_exists",
    "attribute_not_exists",
    "attribute_type",
    "begins_with",
    "contains",
)
_PATH_FUNCTIONS = ("size", "attribute_exists", "attribute_not_exists", "attribute_type")
_KEYWORDS = {"AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE"}
_TOKEN = re.compile(
    r"\s*(?:(?P<name>#[A-Za-z0-9_]+)|(?P<value>:[A-Za-z0-9_]+)|(?P<number>[0-9]+)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<symbol><>|<=|>=|[=<>(),.\[\]+-]))"
)


@dataclass(frozen=True)
class Value:
    """A value of `ExpressionAttributeValues`, in its typed form (`{"S": "x"}`)."""

    typed: dict[str, Any]


@dataclass(frozen=True)
class Function:
    """A function call: `size`, `if_not_exists`, `list_append`, or a condition function."""

    name: str
    arguments: tuple[Operand, ...]


@dataclass(frozen=True)
class Arithmetic:
    """`left + right` or `left - right` in a SET action."""

    operator: str
    left: Operand
    right: Operand


Operand = tuple[PathElement, ...] | Value | Function | Arithmetic


@dataclass(frozen=True)
class Comparison:
    """`left <op> right`, `x BETWEEN low AND high` (op `BETWEEN`), `x IN (...)` (op `IN`)."""

    operator: str
    operands: tuple[Operand, ...]


@dataclass(frozen=True)
class Logical:
    """`AND`, `OR` of two conditions, or `NOT` of one."""

    operator: str
    operands: tuple[Condition, ...]


Condition = Comparison | Logical | Function


@dataclass
class Update:
    """An update expression's actions, by clause."""

    set: list[tuple[Path, Operand]] = field(default_factory=list)
    remove: list[Path] = field(default_factory=list)
    add: list[tuple[Path, Value]] = field(default_factory=list)
    delete: list[tuple[Path, Value]] = field(default_factory=list)


class Expressions:
    """The placeholders of one request, and which of them its expressions used."""

    def __init__(self, names: Any, values: Any) -> None:
        if names is not None and not isinstance(names, dict):
            raise invalid("ExpressionAttributeNames must be a map")
        if values is not None and not isinstance(values, dict):
            raise invalid("ExpressionAttributeValues must be a map")
        self.names: Mapping[str, Any] = names or {}
        self.values: Mapping[str, Any] = values or {}
        self.used_names: set[str] = set()
        self.used_values: set[str] = set()

    def check_all_used(self) -> None:
        """DynamoDB refuses placeholders no expression of the request uses."""
        unused_names = sorted(set(self.names) - self.used_names)
        if unused_names:
            raise invalid(
                "Value provided in ExpressionAttributeNames unused in expressions: "
                f"keys: {{{', '.join(unused_names)}}}"
            )
        unused_values = sorted(set(self.values) - self.used_values)
        if unused_values:
            raise invalid(
                "Value provided in ExpressionAttributeValues unused in expressions: "
                f"keys: {{{', '.join(unused_values)}}}"
            )


def invalid(message: str) -> AwsError:
    """DynamoDB's `ValidationException`."""
    return AwsError("ValidationException", message)


def parse_condition(text: Any, expressions: Expressions, kind: str = "ConditionExpression") -> Any:
    """A condition (also a filter or key condition) as a tree of `Comparison`, `Logical` and
    condition `Function`s."""
    parser = _Parser(text, expressions, kind)
    condition = parser.condition()
    parser.end()
    return condition


def parse_projection(text: Any, expressions: Expressions) -> list[Path]:
    """A projection expression's paths."""
    parser = _Parser(text, expressions, "ProjectionExpression")
    paths = [parser.path()]
    while parser.accept(","):
        paths.append(parser.path())
    parser.end()
    return paths


def parse_update(text: Any, expressions: Expressions) -> Update:
    """An update expression's actions."""
    parser = _Parser(text, expressions, "UpdateExpression")
    update = Update()
    seen: set[str] = set()
    while not parser.at_end():
        clause = parser.keyword()
        if clause not in ("SET", "REMOVE", "ADD", "DELETE"):
            raise parser.syntax_error()
        if clause in seen:
            raise parser.error(f'The "{clause}" section can only be used once in an update')
        seen.add(clause)
        while True:
            path = parser.path()
            if clause == "SET":
                parser.expect("=")
                update.set.append((path, parser.set_value()))
            elif clause == "REMOVE":
                update.remove.append(path)
            else:
                value = parser.operand()
                if not isinstance(value, Value):
                    raise parser.error(f"{clause} takes a value (:placeholder) after each path")
                (update.add if clause == "ADD" else update.delete).append((path, value))
            if not parser.accept(","):
                break
    if not seen:
        raise parser.error("The expression is empty")
    paths = [path for path, _ in update.set] + update.remove
    paths += [path for path, _ in update.add] + [path for path, _ in update.delete]
    for index, path in enumerate(paths):
        for other in paths[index + 1 :]:
            shorter = min(len(path), len(other))
            if path[:shorter] == other[:shorter]:
                raise parser.error(
                    "Two document paths overlap with each other; must remove or rewrite one of "
                    f"these paths; path one: {_shown(path)}, path two: {_shown(other)}"
                )
    return update


class _Parser:
    def __init__(self, text: Any, expressions: Expressions, kind: str) -> None:
        if not isinstance(text, str):
            raise invalid(f"{kind} must be a string")
        self.kind = kind
        self.expressions = expressions
        self.tokens: list[tuple[str, str]] = []
        position = 0
        text = text.rstrip()
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                bad = text[position:].strip()[:1]
                raise invalid(f"Invalid {kind}: Syntax error; token: {bad!r}, near: {text!r}")
            kind_of = match.lastgroup
            assert kind_of is not None
            self.tokens.append((kind_of, match.group(kind_of)))
            position = match.end()
        if not self.tokens:
            raise invalid(f"Invalid {kind}: The expression can not be empty;")
        self.index = 0

    # -- tokens ---------------------------------------------------------------------------------

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def at_end(self) -> bool:
        return self.index >= len(self.tokens)

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise self.error("Syntax error; token: <EOF>")
        self.index += 1
        return token

    def accept(self, symbol: str) -> bool:
        token = self.peek()
        if token is not None and token[1] == symbol and token[0] == "symbol":
            self.index += 1
            return True
        return False

    def accept_keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "word" and token[1].upper() == word:
            self.index += 1
            return True
        return False

    def expect(self, symbol: str) -> None:
        if not self.accept(symbol):
            raise self.syntax_error()

    def keyword(self) -> str:
        kind, text = self.take()
        if kind != "word" or text.upper() not in _KEYWORDS:
            self.index -= 1
            raise self.syntax_error()
        return text.upper()

    def end(self) -> None:
        if not self.at_end():
            raise self.syntax_error()

    def error(self, message: str) -> AwsError:
        return invalid(f"Invalid {self.kind}: {message}")

    def syntax_error(self) -> AwsError:
        token = self.peek()
        return self.error(f"Syntax error; token: {token[1] if token else '<EOF>'!r}")

    # -- grammar --------------------------------------------------------------------------------

    def condition(self) -> Condition:
        left = self.conjunction()
        while self.accept_keyword("OR"):
            left = Logical("OR", (left, self.conjunction()))
        return left

    def conjunction(self) -> Condition:
        left = self.negation()
        while self.accept_keyword("AND"):
            left = Logical("AND", (left, self.negation()))
        return left

    def negation(self) -> Condition:
        if self.accept_keyword("NOT"):
            return Logical("NOT", (self.negation(),))
        if self.accept("("):
            inner = self.condition()
            self.expect(")")
            return inner
        left = self.operand()
        if isinstance(left, Function) and left.name in _CONDITION_FUNCTIONS:
            return left
        if self.accept_keyword("BETWEEN"):
            low = self.operand()
            if not self.accept_keyword("AND"):
                raise self.syntax_error()
            return Comparison("BETWEEN", (left, low, self.operand()))
        if self.accept_keyword("IN"):
            self.expect("(")
            choices = [self.operand()]
            while self.accept(","):
                choices.append(self.operand())
            self.expect(")")
            if len(choices) > 100:
                raise self.error("The IN operator takes at most 100 operands")
            return Comparison("IN", (left, *choices))
        token = self.peek()
        if token is None or token[0] != "symbol" or token[1] not in COMPARATORS:
            raise self.syntax_error()
        self.index += 1
        return Comparison(token[1], (left, self.operand()))

    def operand(self) -> Operand:
        token = self.peek()
        if token is None:
            raise self.syntax_error()
        kind, text = token
        if kind == "value":
            self.index += 1
            return self.value(text)
        if (
            kind == "word"
            and self.index + 1 < len(self.tokens)
            and self.tokens[self.index + 1]
            == (
                "symbol",
                "(",
            )
        ):
            return self.function()
        return self.path()

    def value(self, placeholder: str) -> Value:
        typed = self.expressions.values.get(placeholder)
        if typed is None:
            raise self.error(
                "An expression attribute value used in expression is not defined; attribute "
                f"value: {placeholder}"
            )
        if not isinstance(typed, dict) or len(typed) != 1:
            raise invalid(f"ExpressionAttributeValues contains an invalid value for {placeholder}")
        self.expressions.used_values.add(placeholder)
        return Value(typed)

    def function(self) -> Function:
        name = self.take()[1]
        self.expect("(")
        arguments: list[Operand] = []
        if not self.accept(")"):
            arguments.append(self.set_value() if name != "size" else self.operand())
            while self.accept(","):
                arguments.append(self.set_value())
            self.expect(")")
        arity = {"size": 1, "attribute_exists": 1, "attribute_not_exists": 1}.get(name, 2)
        known = (*_CONDITION_FUNCTIONS, "size", "if_not_exists", "list_append")
        if name not in known:
            raise self.error(f"Invalid function name; function: {name}")
        if len(arguments) != arity:
            raise self.error(f"Incorrect number of operands for operator or function: {name}")
        if name in _PATH_FUNCTIONS and not isinstance(arguments[0], tuple):
            raise self.error(f"Operator or function requires a document path; {name}")
        if name in ("begins_with", "contains") and not (
            isinstance(arguments[0], tuple | Value) and isinstance(arguments[1], tuple | Value)
        ):
            raise self.error(f"Incorrect operand type for operator or function; {name}")
        return Function(name, tuple(arguments))

    def set_value(self) -> Operand:
        left = self.operand()
        token = self.peek()
        if token is not None and token[0] == "symbol" and token[1] in "+-":
            self.index += 1
            return Arithmetic(token[1], left, self.operand())
        return left

    def path(self) -> Path:
        elements: list[PathElement] = [self.name()]
        while True:
            if self.accept("."):
                elements.append(self.name())
            elif self.accept("["):
                kind, text = self.take()
                if kind != "number":
                    raise self.syntax_error()
                self.expect("]")
                elements.append(int(text))
            else:
                return tuple(elements)

    def name(self) -> str:
        kind, text = self.take()
        if kind == "name":
            resolved = self.expressions.names.get(text)
            if not isinstance(resolved, str):
                raise self.error(
                    "An expression attribute name used in the document path is not defined; "
                    f"attribute name: {text}"
                )
            self.expressions.used_names.add(text)
            return resolved
        if kind == "word" and text.upper() not in _KEYWORDS:
            return text
        self.index -= 1
        if kind == "word":
            raise self.error(f"Attribute name is a reserved keyword; reserved keyword: {text}")
        raise self.syntax_error()


def _shown(path: Path) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)[1:]
