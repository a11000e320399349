"""CloudFormation's YAML: YAML 1.1 with the short-form intrinsics, read with PyYAML (the
`templates` extra). Kept apart so JSON templates load without it."""

from __future__ import annotations

from typing import Any

import yaml

from faaslib.templates.errors import TemplateError

__all__ = ["parse"]

# Ref and Condition are the two intrinsics whose long form has no "Fn::" prefix.
_UNPREFIXED = frozenset({"Ref", "Condition"})

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TemplateLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """YAML 1.1 as CloudFormation reads it: short-form intrinsics, timestamps as text, no
    duplicate keys (a second `Properties:` would silently replace the first)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        own_keys = [key for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge"]
        seen: dict[Any, yaml.Node] = {}
        for key_node in own_keys:
            key = self.construct_object(key_node, deep=True)
            if key is None:
                raise _located(key_node, "a mapping key is empty (null)")
            try:
                first = seen.get(key)
            except TypeError:
                raise _located(key_node, f"the mapping key {key!r} is not a scalar") from None
            if first is not None:
                raise _located(
                    key_node,
                    f"the key {key!r} appears twice in one mapping "
                    f"(first at line {first.start_mark.line + 1}); CloudFormation would keep "
                    "only one of them",
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]

    def construct_text_timestamp(self, node: yaml.ScalarNode) -> str:
        return str(self.construct_scalar(node))

    def construct_intrinsic(self, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
        name = tag_suffix if tag_suffix in _UNPREFIXED else f"Fn::{tag_suffix}"
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = self.construct_scalar(node)
            if tag_suffix == "GetAtt":
                # `!GetAtt Queue.Arn` is the list form split at the first dot; the attribute
                # itself may hold dots (`Endpoint.Address`).
                value = str(value).split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = self.construct_sequence(node, deep=True)
        else:
            assert isinstance(node, yaml.MappingNode)
            value = self.construct_mapping(node, deep=True)
        return {name: value}


_TemplateLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _TemplateLoader.construct_text_timestamp
)
_TemplateLoader.add_multi_constructor("!", _TemplateLoader.construct_intrinsic)


def _refuse_tag(loader: _TemplateLoader, node: yaml.Node) -> Any:
    name = node.tag.rsplit(":", 1)[-1]
    raise _located(node, f"CloudFormation does not support the !!{name} tag")


for _unsupported in ("binary", "omap", "pairs", "set"):
    _TemplateLoader.add_constructor(f"tag:yaml.org,2002:{_unsupported}", _refuse_tag)


def _located(node: yaml.Node, problem: str) -> yaml.MarkedYAMLError:
    return yaml.constructor.ConstructorError(None, None, problem, node.start_mark)


def parse(text: str, source: str) -> Any:
    """The YAML document in `text`, intrinsics in their long form; `source` names it in errors."""
    try:
        # A SafeLoader subclass: a template cannot build arbitrary Python objects.
        return yaml.load(text, Loader=_TemplateLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "an unknown line"
        problem = error.problem or error.context or "cannot be read"
        raise TemplateError("", f"{source}, {where}: {problem}") from None
    except yaml.YAMLError as error:
        raise TemplateError("", f"{source} is not valid YAML: {error}") from None
