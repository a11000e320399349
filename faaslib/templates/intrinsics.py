"""Evaluating a template's intrinsic functions the way CloudFormation does at deploy time.

A `Scope` holds everything an expression can see: the parameters (defaults plus the deploy's
values), the pseudo parameters (`AWS::Region`, `AWS::StackName`, ...), Mappings, Conditions, the
exports `Fn::ImportValue` reads, and a `Stack` that answers `Ref` and `Fn::GetAtt` for resources
(the loader's part: a queue's Ref is its URL, a function's its name). `scope.evaluate(value,
path)` returns `value` with every intrinsic resolved and every `AWS::NoValue` removed.

Imports: `Fn::ImportValue` reads `imports={"ExportName": value}`; a name the deploy's parameters
give but the template does not declare serves as well, so `--parameter-overrides
SharedVpcId=vpc-1` answers `!ImportValue SharedVpcId` from the command line.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from faaslib.templates.conditions import CONDITION_FUNCTIONS, Conditions
from faaslib.templates.errors import TemplateError, child_path
from faaslib.templates.parameters import resolve_parameters, text_of
from faaslib.templates.value_functions import VALUE_FUNCTIONS, ValueFunction, as_list, as_text

__all__ = ["Scope", "Stack", "TemplateError"]

_URL_SUFFIXES = {
    "aws-cn": "amazonaws.com.cn",
    "aws-iso": "c2s.ic.gov",
    "aws-iso-b": "sc2s.sgov.gov",
}
_SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")


class _NoValue:
    """What `Ref: AWS::NoValue` evaluates to: the enclosing key or list item disappears."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "AWS::NoValue"


_NO_VALUE = _NoValue()


class Stack(Protocol):
    """What a template's resources answer to `Ref` and `Fn::GetAtt`, as CloudFormation
    documents it per resource type; `path` is where in the template the expression sits, for
    the `TemplateError` of an attribute the type does not have."""

    def ref(self, logical_id: str, path: str) -> Any: ...

    def get_att(self, logical_id: str, attribute: str, path: str) -> Any: ...


class Scope:
    """Everything a template's expressions can see during one deploy.

    Construction validates the parameters (`parameters` are the deploy's values, as text; list
    types comma-separated) and evaluates every condition, so a template CloudFormation would
    refuse fails here with a `TemplateError` naming the path.

    ```python
    from faaslib.templates.intrinsics import Scope
    from faaslib.templates.loading import parse_template

    class Names:  # the Stack: what each resource's Ref and GetAtt give
        def ref(self, logical_id, path):
            return f"orders-{logical_id}"

        def get_att(self, logical_id, attribute, path):
            return f"arn:aws:sqs:us-east-1:123456789012:orders-{logical_id}"

    template = parse_template('''
    Parameters:
      Stage: {Type: String, Default: dev}
    Conditions:
      IsProd: !Equals [!Ref Stage, prod]
    Resources:
      Queue: {Type: AWS::SQS::Queue}
    ''')
    scope = Scope(template, stack=Names(), parameters={"Stage": "prod"}, stack_name="orders",
                  region="us-east-1", account_id="123456789012")
    assert scope.evaluate({"Name": {"Fn::Sub": "${AWS::StackName}-${Stage}"},
                           "Dlq": {"Fn::GetAtt": ["Queue", "Arn"]},
                           "Batch": {"Fn::If": ["IsProd", 10, {"Ref": "AWS::NoValue"}]}},
                          "Resources.Fn.Properties") == {
        "Name": "orders-prod",
        "Dlq": "arn:aws:sqs:us-east-1:123456789012:orders-Queue",
        "Batch": 10,
    }
    ```
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        stack: Stack,
        parameters: Mapping[str, str],
        stack_name: str,
        region: str,
        account_id: str,
        partition: str = "aws",
        imports: Mapping[str, str] | None = None,
    ) -> None:
        self.template = template
        self.stack_name = stack_name
        self.region = region
        self.account_id = account_id
        self.partition = partition
        self._stack = stack
        resources = template.get("Resources")
        if not isinstance(resources, dict) or not resources:
            raise TemplateError(
                "Resources", "a template needs a Resources mapping with at least one resource"
            )
        self._resources: dict[str, Any] = resources
        declared = template.get("Parameters")
        resolved = resolve_parameters(declared, parameters)
        self.parameters: Mapping[str, Any] = resolved.values
        self.no_echo = resolved.no_echo
        for name in self.parameters:
            if name in resources:
                raise TemplateError(
                    child_path("Parameters", name),
                    f"{name!r} names both a parameter and a resource",
                )
        self.imports: dict[str, str] = {
            name: value for name, value in parameters.items() if name not in self.parameters
        }
        self.imports.update(imports or {})
        mappings = template.get("Mappings", {})
        if not isinstance(mappings, dict):
            raise TemplateError("Mappings", "Mappings must be a mapping of maps")
        self._mappings: dict[str, Any] = mappings
        self._pseudo: dict[str, Any] = {
            "AWS::AccountId": account_id,
            "AWS::NotificationARNs": [],
            "AWS::NoValue": _NO_VALUE,
            "AWS::Partition": partition,
            "AWS::Region": region,
            "AWS::StackId": (
                f"arn:{partition}:cloudformation:{region}:{account_id}:stack/{stack_name}/"
                f"{uuid.uuid5(uuid.NAMESPACE_URL, f'{account_id}/{region}/{stack_name}')}"
            ),
            "AWS::StackName": stack_name,
            "AWS::URLSuffix": _URL_SUFFIXES.get(partition, "amazonaws.com"),
        }
        self._functions: dict[str, Callable[[Any, str], Any]] = {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::If": self._if,
            "Fn::FindInMap": self._find_in_map,
            "Fn::ImportValue": self._import_value,
        }
        # The rest compute from their evaluated arguments alone.
        for name, compute in VALUE_FUNCTIONS.items():
            self._functions[name] = self._computing(compute)
        # While conditions are decided no resource exists yet: Ref and GetAtt of one is an error.
        self._deciding_conditions = True
        self._conditions = Conditions(template.get("Conditions"), self._evaluate)
        self._deciding_conditions = False

    def evaluate(self, value: Any, path: str) -> Any:
        """`value` with every intrinsic function resolved; keys and list items that evaluate to
        `AWS::NoValue` are dropped, and a `value` that is itself `AWS::NoValue` gives None.
        `path` is where `value` sits in the template, for the errors."""
        result = self._evaluate(value, path)
        return None if result is _NO_VALUE else result

    def condition(self, name: str, path: str) -> bool:
        """Whether the template's condition `name` holds in this deploy."""
        return self._conditions.value(name, path)

    def is_created(self, logical_id: str) -> bool:
        """Whether resource `logical_id` exists in this deploy: it has no `Condition`, or its
        condition holds."""
        resource = self._resources.get(logical_id)
        if not isinstance(resource, dict) or "Condition" not in resource:
            return resource is not None
        return self.condition(resource["Condition"], f"Resources.{logical_id}.Condition")

    def _evaluate(self, value: Any, path: str) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, argument),) = value.items()
                function = self._functions.get(key)
                if function is not None:
                    return function(argument, child_path(path, key))
                if key in CONDITION_FUNCTIONS - {"Condition"}:
                    raise TemplateError(
                        child_path(path, key),
                        f"{key} belongs in the Conditions section; use Fn::If with a condition's "
                        "name here",
                    )
                if isinstance(key, str) and key.startswith("Fn::"):
                    raise TemplateError(
                        child_path(path, key),
                        f"{key} is not an intrinsic function faaslib evaluates",
                    )
            evaluated = {}
            for key, item in value.items():
                result = self._evaluate(item, child_path(path, str(key)))
                if result is not _NO_VALUE:
                    evaluated[key] = result
            return evaluated
        if isinstance(value, list):
            items = (self._evaluate(item, child_path(path, i)) for i, item in enumerate(value))
            return [item for item in items if item is not _NO_VALUE]
        return value

    def _computing(self, compute: ValueFunction) -> Callable[[Any, str], Any]:
        def evaluate_then_compute(argument: Any, path: str) -> Any:
            return compute(self._evaluate(argument, path), path, self.region)

        return evaluate_then_compute

    def _resource(self, logical_id: Any, path: str, function: str) -> str:
        if not isinstance(logical_id, str) or logical_id not in self._resources:
            raise TemplateError(path, f"{function} names {logical_id!r}, which is not a resource")
        if self._deciding_conditions:
            raise TemplateError(
                path, f"a condition cannot use {function} of a resource ({logical_id})"
            )
        if not self.is_created(logical_id):
            condition = self._resources[logical_id]["Condition"]
            raise TemplateError(
                path, f"{function} names {logical_id}, which condition {condition} leaves out"
            )
        return logical_id

    def _ref(self, name: Any, path: str) -> Any:
        if isinstance(name, str):
            # Lists are copied: the caller owns what evaluate returns.
            for known in (self._pseudo, self.parameters):
                if name in known:
                    value = known[name]
                    return list(value) if isinstance(value, list) else value
            if name in self._resources:
                return self._stack.ref(self._resource(name, path, "Ref"), path)
        raise TemplateError(
            path, f"Ref names {name!r}: no parameter, pseudo parameter or resource has that name"
        )

    def _get_att(self, argument: Any, path: str) -> Any:
        if isinstance(argument, str) and "." in argument:
            argument = argument.split(".", 1)
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(path, f"Fn::GetAtt takes [LogicalId, Attribute], not {argument!r}")
        attribute = self._evaluate(argument[1], child_path(path, 1))
        if not isinstance(attribute, str):
            raise TemplateError(
                child_path(path, 1), f"an attribute name must be text, not {attribute!r}"
            )
        return self._stack.get_att(self._resource(argument[0], path, "Fn::GetAtt"), attribute, path)

    def _sub(self, argument: Any, path: str) -> str:
        if isinstance(argument, str):
            text, variables = argument, {}
        elif isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
            text, variables = argument[0], argument[1]
            if not isinstance(variables, dict):
                raise TemplateError(child_path(path, 1), "Fn::Sub's variables must be a mapping")
            variables = {
                name: self._evaluate(value, child_path(child_path(path, 1), name))
                for name, value in variables.items()
            }
        else:
            raise TemplateError(
                path, f"Fn::Sub takes a string or [string, {{variables}}], not {argument!r}"
            )

        def substitute(match: re.Match[str]) -> str:
            inner = match.group(1)
            if inner.startswith("!"):
                return "${" + inner[1:] + "}"
            name = inner.strip()
            if name in variables:
                value = variables[name]
            else:
                try:
                    value = self._get_att(name, path) if "." in name else self._ref(name, path)
                except TemplateError as error:
                    raise TemplateError(path, f"${{{name}}}: {error.message}") from None
            return as_text(value, path, f"Fn::Sub's ${{{name}}}")

        return _SUB_VARIABLE.sub(substitute, text)

    def _if(self, argument: Any, path: str) -> Any:
        name, when_true, when_false = as_list(argument, path, "Fn::If", size=3)
        if self._conditions.value(name, child_path(path, 0)):
            return self._evaluate(when_true, child_path(path, 1))
        return self._evaluate(when_false, child_path(path, 2))

    def _find_in_map(self, argument: Any, path: str) -> Any:
        has_default = (
            isinstance(argument, list)
            and len(argument) == 4
            and isinstance(argument[3], dict)
            and list(argument[3]) == ["DefaultValue"]
        )
        if not isinstance(argument, list) or not (len(argument) == 3 or has_default):
            raise TemplateError(
                path,
                "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey] and, optionally, "
                f"{{DefaultValue: ...}}, not {argument!r}",
            )
        keys = [
            as_text(self._evaluate(key, child_path(path, i)), child_path(path, i), "Fn::FindInMap")
            for i, key in enumerate(argument[:3])
        ]
        found: Any = self._mappings
        for depth, key in enumerate(keys):
            if isinstance(found, dict):
                # Keys are text to CloudFormation: a YAML key of 2024 is found as "2024".
                found = {_key_text(each): value for each, value in found.items()}
            if not isinstance(found, dict) or key not in found:
                if has_default:
                    default = argument[3]["DefaultValue"]
                    return self._evaluate(default, child_path(child_path(path, 3), "DefaultValue"))
                where = "Mappings" + "".join(f".{each}" for each in keys[:depth])
                raise TemplateError(child_path(path, depth), f"{where} has no key {key!r}")
            found = found[key]
        return copy.deepcopy(found)

    def _import_value(self, argument: Any, path: str) -> str:
        name = as_text(self._evaluate(argument, path), path, "Fn::ImportValue")
        if name not in self.imports:
            raise TemplateError(
                path,
                f"Fn::ImportValue reads the export {name!r}, another stack's output; give its "
                f"value as imports={{{name!r}: ...}} (or --parameter-overrides {name}=...)",
            )
        return self.imports[name]


def _key_text(key: Any) -> Any:
    try:
        return text_of(key)
    except TypeError:
        return key
