"""What an EventBridge rule's target gets: the whole event, or what its `Input`,
`InputPath` or `InputTransformer` makes of it, as EventBridge documents them
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html).

`Input` is constant JSON; `InputPath` selects a part of the event (`$`, `$.detail`,
`$.detail.items`); `InputTransformer` fills an `InputTemplate`'s `<name>` placeholders with
the parts its `InputPathsMap` selects: inside a JSON string a value is inserted as text,
outside as JSON, and a result that is not JSON is delivered as a string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from faaslib.sources import RuleTarget
from faaslib.templates.errors import TemplateError

__all__ = ["shaped", "shaping"]

_PATH = re.compile(r"^\$(\.[A-Za-z0-9_\-]+)*$")
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")

Shape = Callable[[dict[str, Any]], Any]


def shaping(target: Mapping[str, Any], path: str) -> Shape | None:
    """How target `target` (a Targets item, or SAM's event properties) shapes the event, or
    None for the whole event."""
    if target.get("Input") is not None:
        text = target["Input"]
        try:
            value = json.loads(text) if isinstance(text, str) else text
        except json.JSONDecodeError:
            raise TemplateError(f"{path}.Input", f"{text!r:.60} is not JSON") from None
        return lambda event: value
    if target.get("InputPath") is not None:
        selector = _selector(target["InputPath"], f"{path}.InputPath")
        return selector
    transformer = target.get("InputTransformer")
    if isinstance(transformer, Mapping):
        return _transformer(transformer, f"{path}.InputTransformer")
    return None


def shaped(target: RuleTarget, shape: Shape) -> RuleTarget:
    """`target`, delivering what `shape` makes of each event."""
    deliver = target.deliver
    return RuleTarget(id=target.id, arn=target.arn, deliver=lambda event: deliver(shape(event)))


def _selector(text: Any, path: str) -> Shape:
    if not isinstance(text, str) or not _PATH.match(text):
        raise TemplateError(path, f"{text!r:.60} is not a JSON path faaslib reads ($.a.b)")
    keys = [key for key in text.split(".")[1:]]

    def select(event: dict[str, Any]) -> Any:
        value: Any = event
        for key in keys:
            value = value.get(key) if isinstance(value, Mapping) else None
        return value

    return select


def _transformer(transformer: Mapping[str, Any], path: str) -> Shape:
    paths = transformer.get("InputPathsMap") or {}
    if not isinstance(paths, Mapping):
        raise TemplateError(f"{path}.InputPathsMap", "must map names to JSON paths")
    selectors = {
        name: _selector(value, f"{path}.InputPathsMap.{name}") for name, value in paths.items()
    }
    template = transformer.get("InputTemplate")
    if not isinstance(template, str):
        raise TemplateError(f"{path}.InputTemplate", "is required (text)")

    def fill(event: dict[str, Any]) -> Any:
        parts: list[str] = []
        in_text = False
        position = 0
        while position < len(template):
            found = _PLACEHOLDER.match(template, position)
            if found is not None and found.group(1) in selectors:
                value = selectors[found.group(1)](event)
                if in_text:  # inside a JSON string: the value as text, escaped
                    text = value if isinstance(value, str) else json.dumps(value)
                    parts.append(json.dumps(text)[1:-1])
                else:
                    parts.append(json.dumps(value))
                position = found.end()
                continue
            character = template[position]
            if character == '"' and (position == 0 or template[position - 1] != "\\"):
                in_text = not in_text
            parts.append(character)
            position += 1
        text = "".join(parts)
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text

    return fill
