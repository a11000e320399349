"""`faaslib events list` and `faaslib events generate FAMILY [options]`, as
`sam local generate-event` makes sample events.

A family's options are its builder's parameters (`faaslib.events.build`), read from the
builder's signature, so every builder is on the command line with nothing to keep in step:
`--bucket` and `--key` for `s3`, `--body` for `sqs`, `--method`, `--path` and `--body` for
`apigw-http-v2`.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import math
import re
import sys
from collections.abc import Callable
from typing import Any

from faaslib.cli.errors import ExitStatus, UsageError, describe
from faaslib.cli.inputs import CommandParser

__all__ = ["add_parser"]


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "events",
        help="list event families, or generate a sample event",
        description="Sample AWS events, shaped as AWS sends them, for `faaslib invoke` or tests.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list",
        help="list the event families, with a line on each",
        description="List the event families that `faaslib events generate` makes.",
    )
    listing.set_defaults(run=run_list, prog=listing.prog)
    generate = actions.add_parser(
        "generate",
        help="print a sample event of a family as JSON",
        description="Print a sample event of FAMILY as JSON, with ids, timestamps, ARNs and "
        "checksums filled in as AWS fills them. Each family has its own options: "
        "`faaslib events generate FAMILY --help` lists them.",
        epilog="example: faaslib events generate s3 --bucket uploads --key cat.jpg",
    )
    generate.add_argument(
        "family", metavar="FAMILY", help="an event family (`faaslib events list`)"
    )
    generate.add_argument(
        "options", nargs=argparse.REMAINDER, help="the family's options (FAMILY --help)"
    )
    generate.set_defaults(run=run_generate, prog=generate.prog)


def run_list(args: argparse.Namespace) -> int:
    from faaslib.events import BUILDERS, FAMILIES

    width = max(len(name) for name in BUILDERS)
    for name, builder in BUILDERS.items():
        summary = _summary(FAMILIES[name][0].__doc__) or _summary(builder.__doc__)
        print(f"{name.ljust(width)}  {summary}")
    return ExitStatus.OK


def run_generate(args: argparse.Namespace) -> int:
    from faaslib.events import BUILDERS, dump

    builder = BUILDERS.get(args.family)
    if builder is None:
        raise UsageError(
            f"no event family {args.family!r}; the families are: {', '.join(BUILDERS)}"
        )
    parser = _family_parser(args.family, builder)
    options = vars(parser.parse_args(args.options))  # --help or a bad option exits here
    values = [*options.pop("_values", []), *(options.pop("_more", None) or [])]
    try:
        text = json.dumps(dump(builder(*values, **options)), indent=2, ensure_ascii=False)
    except (TypeError, ValueError) as error:  # the builder's own words for what it refuses
        raise UsageError(f"{args.family}: {error}") from None
    except Exception as error:  # a value out of any range the builder expected
        raise UsageError(f"{args.family}: {describe(error)}") from None
    sys.stdout.write(text + "\n")
    return ExitStatus.OK


def _family_parser(family: str, builder: Callable[..., Any]) -> argparse.ArgumentParser:
    """A parser for `builder`'s parameters: each one an option named after it, a `*values`
    parameter positional arguments (and a repeatable option in the singular)."""
    parser = CommandParser(
        prog=f"faaslib events generate {family}",
        description=inspect.cleandoc(builder.__doc__ or ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Values of structured options (mappings, lists, bodies) are JSON, or else text.",
    )
    for parameter in inspect.signature(builder).parameters.values():
        annotation = str(parameter.annotation)
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            repeated = _singular(parameter.name)
            parser.add_argument(
                "_values",
                nargs="*",
                type=_json_or_text,
                metavar=repeated.upper(),
                help=f"one per {repeated} ({annotation}; JSON, or else text)",
            )
            parser.add_argument(
                f"--{repeated.replace('_', '-')}",
                dest="_more",
                action="append",
                type=_json_or_text,
                metavar=repeated.upper(),
                help=f"one more {repeated} (repeatable)",
            )
            continue
        if parameter.kind not in (
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            inspect.Parameter.KEYWORD_ONLY,
        ):
            continue
        flag = f"--{parameter.name.replace('_', '-')}"
        shown = "" if parameter.default is inspect.Parameter.empty else parameter.default
        help_text = f"{annotation} (default: {shown!r})"
        members = {part.strip() for part in annotation.split("|")} - {"None"}
        common: dict[str, Any] = {"dest": parameter.name, "default": argparse.SUPPRESS}
        if members == {"bool"}:
            parser.add_argument(
                flag, action=argparse.BooleanOptionalAction, help=help_text, **common
            )
        elif members == {"int"}:
            parser.add_argument(flag, type=int, help=help_text, **common)
        elif members == {"float"}:
            parser.add_argument(flag, type=_finite_float, help=help_text, **common)
        elif members == {"bytes"}:
            parser.add_argument(flag, type=str.encode, help=help_text + "; UTF-8", **common)
        elif members <= {"str", "bytes"}:
            parser.add_argument(flag, help=help_text, **common)
        elif choices := _literal_choices(annotation):
            parser.add_argument(flag, choices=choices, help=help_text, **common)
        else:
            parser.add_argument(
                flag,
                type=_json_or_text,
                metavar="JSON",
                help=help_text + "; JSON, or else text",
                **common,
            )
    return parser


def _json_or_text(value: str) -> Any:
    """A value as JSON if it parses, else as the text it is: `--body hello` sends "hello"."""
    try:
        return json.loads(value)
    except ValueError:
        return value
    except RecursionError:  # JSON, but nested deeper than anything an event holds
        raise argparse.ArgumentTypeError("JSON nested too deep") from None


def _finite_float(value: str) -> float:
    """A number of seconds or a measure: `inf` and `nan` are not one."""
    number = float(value)
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"{value!r} is not a finite number")
    return number


def _literal_choices(annotation: str) -> list[str] | None:
    match = re.fullmatch(r"Literal\[(.*)\](?: \| None)?", annotation)
    if match is None:
        return None
    choices = ast.literal_eval(f"[{match.group(1)}]")
    return [str(choice) for choice in choices]


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s"):
        return name[:-1]
    return name


def _summary(doc: str | None) -> str:
    """A docstring's first sentence, cut before its details if it runs long."""
    paragraph = " ".join((doc or "").strip().split("\n\n")[0].split())
    match = re.match(r"(.+?)\.(\s|$)", paragraph)
    sentence = match.group(1) if match else paragraph
    if len(sentence) > 90:
        sentence = re.split(r"[:;(]", sentence)[0].rstrip(", ")
    return sentence
