"""The intrinsic functions that compute a value from their arguments alone, once the arguments
themselves are evaluated: Fn::Join, Fn::Select, Fn::Split, Fn::Base64, Fn::GetAZs, Fn::Cidr and
the AWS::LanguageExtensions functions Fn::Length and Fn::ToJsonString.

Each takes its evaluated argument, the path of the expression (for its `TemplateError`) and the
deploy's region, and follows the function's CloudFormation documentation.
"""

from __future__ import annotations

import base64
import ipaddress
import json
from collections.abc import Callable
from typing import Any

from faaslib.templates.errors import TemplateError, child_path
from faaslib.templates.parameters import text_of

__all__ = ["VALUE_FUNCTIONS", "ValueFunction", "as_list", "as_text"]

ValueFunction = Callable[[Any, str, str], Any]


def as_text(value: Any, path: str, function: str) -> str:
    """`value` as the text CloudFormation makes of a scalar, or the error that `function` needs
    text at `path`."""
    try:
        return text_of(value)
    except TypeError:
        raise TemplateError(path, f"{function} needs text here, not {value!r}") from None


def as_list(value: Any, path: str, function: str, *, size: int | None = None) -> list[Any]:
    """`value` if it is a list (of `size` items, when given), or the error naming `function`."""
    if not isinstance(value, list) or (size is not None and len(value) != size):
        shape = f"a list of {size} items" if size is not None else "a list"
        raise TemplateError(path, f"{function} takes {shape}, not {value!r}")
    return value


def join(argument: Any, path: str, region: str) -> str:
    """Fn::Join [delimiter, [values]]: the values, as text, with the delimiter between them."""
    delimiter, values = as_list(argument, path, "Fn::Join", size=2)
    delimiter = as_text(delimiter, child_path(path, 0), "Fn::Join's delimiter")
    values = as_list(values, child_path(path, 1), "Fn::Join")
    return delimiter.join(as_text(value, child_path(path, 1), "Fn::Join") for value in values)


def select(argument: Any, path: str, region: str) -> Any:
    """Fn::Select [index, [values]]: the item at a zero-based index (a number or its text)."""
    index, values = as_list(argument, path, "Fn::Select", size=2)
    index_text = as_text(index, child_path(path, 0), "Fn::Select's index")
    values = as_list(values, child_path(path, 1), "Fn::Select")
    if not (index_text.isascii() and index_text.isdigit()) or int(index_text) >= len(values):
        raise TemplateError(
            child_path(path, 0),
            f"Fn::Select's index {index_text!r} is not within the list's {len(values)} items",
        )
    return values[int(index_text)]


def split(argument: Any, path: str, region: str) -> list[str]:
    """Fn::Split [delimiter, text]: the text cut at every delimiter, empty pieces kept."""
    delimiter, source = as_list(argument, path, "Fn::Split", size=2)
    delimiter = as_text(delimiter, child_path(path, 0), "Fn::Split's delimiter")
    source = as_text(source, child_path(path, 1), "Fn::Split's source")
    if not delimiter:
        raise TemplateError(child_path(path, 0), "Fn::Split's delimiter is empty")
    return source.split(delimiter)


def encode_base64(argument: Any, path: str, region: str) -> str:
    """Fn::Base64: the Base64 of the text's UTF-8 bytes."""
    return base64.b64encode(as_text(argument, path, "Fn::Base64").encode()).decode("ascii")


def availability_zones(argument: Any, path: str, region: str) -> list[str]:
    """Fn::GetAZs region: the region's zones ("" means the deploy's region). Every region has at
    least three; faaslib answers with the first three."""
    named = as_text(argument, path, "Fn::GetAZs") or region
    return [f"{named}{zone}" for zone in "abc"]


def cidr(argument: Any, path: str, region: str) -> list[str]:
    """Fn::Cidr [block, count, host bits]: the first `count` blocks of `host bits` host bits
    each, in address order, cut from `block`."""
    block, count, bits = (
        as_text(each, child_path(path, i), "Fn::Cidr")
        for i, each in enumerate(as_list(argument, path, "Fn::Cidr", size=3))
    )
    try:
        network = ipaddress.ip_network(block, strict=False)
        wanted, host_bits = int(count), int(bits)
        prefix = network.max_prefixlen - host_bits
        if not 1 <= wanted <= 256 or not network.prefixlen <= prefix < network.max_prefixlen:
            raise ValueError(f"cannot cut {wanted} blocks of {host_bits} host bits from {network}")
        subnets = network.subnets(new_prefix=prefix)
        return [str(next(subnets)) for _ in range(wanted)]
    except (ValueError, StopIteration) as error:
        raise TemplateError(
            path, f"Fn::Cidr [{block}, {count}, {bits}]: {error or 'too few addresses'}"
        ) from None


def length(argument: Any, path: str, region: str) -> int:
    """Fn::Length [items]: how many items the list has."""
    return len(as_list(argument, path, "Fn::Length"))


def to_json_string(argument: Any, path: str, region: str) -> str:
    """Fn::ToJsonString: the mapping or list as compact JSON, as CloudFormation writes it."""
    if not isinstance(argument, (dict, list)):
        raise TemplateError(path, f"Fn::ToJsonString takes a mapping or a list, not {argument!r}")
    return json.dumps(argument, separators=(",", ":"), ensure_ascii=False)


VALUE_FUNCTIONS: dict[str, ValueFunction] = {
    "Fn::Join": join,
    "Fn::Select": select,
    "Fn::Split": split,
    "Fn::Base64": encode_base64,
    "Fn::GetAZs": availability_zones,
    "Fn::Cidr": cidr,
    "Fn::Length": length,
    "Fn::ToJsonString": to_json_string,
}
