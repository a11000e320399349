"""The key structure of a typed event, to check a built event against a real sample.

Two events have the same structure when they set the same fields, at the same paths, down the
Structs; the keys of free-form maps (headers, attributes) are the event's own data and do not
count, only that the map is there and the structure of its values. A DynamoDB AttributeValue is
a value (its S/N/M... says the item's data type), so its inside does not count either.
"""

from __future__ import annotations

from typing import Any

import msgspec

from faaslib import events
from faaslib.events import UNSET
from faaslib.events.streams import AttributeValue
from tests.events import corpus


def shape(value: Any, path: str = "$") -> frozenset[str]:
    """Every path the event sets: `$.Records[].s3.bucket.name`, `$.headers{}`, ..."""
    paths: set[str] = set()
    if isinstance(value, AttributeValue):
        return frozenset()
    if isinstance(value, msgspec.Struct):
        names = dict(zip(value.__struct_fields__, value.__struct_encode_fields__, strict=True))
        for field, name in names.items():
            child = getattr(value, field)
            if child is not UNSET:
                paths.add(f"{path}.{name}")
                paths |= shape(child, f"{path}.{name}")
    elif isinstance(value, list):
        for item in value:
            paths |= shape(item, f"{path}[]")
    elif isinstance(value, dict):
        paths.add(f"{path}{{}}")
        for item in value.values():
            paths |= shape(item, f"{path}{{}}")
    return frozenset(paths)


def typed_samples(family: str) -> list[msgspec.Struct]:
    """Every sample of `family` as the Struct `parse` recognises; an AppSync batch (a list) gives
    each of its events."""
    typed: list[msgspec.Struct] = []
    for _, raw in corpus.samples(family):
        typed.extend(events.parse(item) for item in (raw if isinstance(raw, list) else [raw]))
    return typed


def matching_sample(built: msgspec.Struct, samples: list[msgspec.Struct]) -> bool:
    """Whether some sample of the same type has the structure of `built`."""
    wanted = shape(built)
    return any(type(sample) is type(built) and shape(sample) == wanted for sample in samples)


def assert_shaped_like(built: events.AWSEvent, path: str) -> None:
    """That `built` comes back whole through JSON and `parse`, which recognises it as its own
    Struct, and that it has the structure of the corpus sample at `path`, of the same Struct."""
    again = events.parse(msgspec.json.encode(built))
    assert type(again) is type(built)
    assert again == built
    sample = events.parse(corpus.load(path))
    assert type(sample) is type(built)
    assert shape(built) == shape(sample), sorted(shape(built) ^ shape(sample))
