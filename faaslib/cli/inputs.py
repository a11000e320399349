"""What the commands take from the user: an app named `MODULE:APP`, and a payload.

An app is found as uvicorn finds one: the current directory goes on `sys.path`, `MODULE` is
imported, and `APP` (dotted attributes allowed) is read from it.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from typing import TYPE_CHECKING, Any

from faaslib.cli.errors import ExitStatus, UsageError, describe, unexpected_errors_as

if TYPE_CHECKING:
    from faaslib import App

__all__ = [
    "CommandParser",
    "add_app_argument",
    "add_payload_arguments",
    "load_app",
    "read_payload",
]


class CommandParser(argparse.ArgumentParser):
    """argparse's parser, with `--option=--` taking the value `--` as Python 3.13's does:
    before it, argparse drops the `--` and hands the command an empty list instead of text."""

    def _get_values(self, action: argparse.Action, arg_strings: list[str]) -> Any:
        if action.nargs is None and arg_strings == ["--"]:
            return self._get_value(action, "--")
        return super()._get_values(action, arg_strings)


def add_app_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "app",
        metavar="MODULE:APP",
        help="the App to use: a module importable from the current directory and the App in "
        "it, e.g. shop.handlers:app",
    )


def load_app(spec: str) -> App:
    """The `faaslib.App` that `spec` (`MODULE:APP`) names; `UsageError` saying what is wrong
    if it names none. A module that fails while importing has its traceback printed first."""
    from faaslib import App

    module_name, colon, attribute = spec.partition(":")
    if not colon or not module_name or not attribute:
        raise UsageError(f"{spec!r} is not MODULE:APP (for example shop.handlers:app)")
    if module_name.startswith("."):
        raise UsageError(f"{spec!r}: MODULE is a relative name; name it from the current directory")
    directory = os.getcwd()
    if directory not in sys.path:
        sys.path.insert(0, directory)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if missing and (module_name == missing or module_name.startswith(missing + ".")):
            raise UsageError(
                f"{spec!r}: no module named {missing!r} (looked in {directory} and sys.path)"
            ) from None
        _print_traceback(error)
        raise UsageError(f"{spec!r}: importing {module_name!r} failed: {error}") from None
    except (Exception, SystemExit) as error:  # the user's module raised (or exited): show where
        _print_traceback(error)
        raise UsageError(f"{spec!r}: importing {module_name!r} raised {describe(error)}") from None
    found: object = module
    for part in attribute.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            apps = [name for name, value in vars(module).items() if isinstance(value, App)]
            hint = f"; its Apps: {', '.join(apps)}" if apps else "; it defines no App"
            raise UsageError(
                f"{spec!r}: module {module_name!r} has no attribute {attribute!r}{hint}"
            ) from None
    if not isinstance(found, App):
        raise UsageError(f"{spec!r} is a {type(found).__name__}, not a faaslib.App")
    return found


def _print_traceback(error: BaseException) -> None:
    """The traceback of an error raised while importing the user's module, from the module's
    own frames down: the loader's and importlib's frames say nothing about what went wrong."""
    machinery = (os.path.dirname(importlib.__file__) + os.sep, "<frozen importlib")
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename != __file__ and not frame.filename.startswith(machinery)
    ]
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)]
    lines += traceback.format_exception_only(type(error), error)
    sys.stderr.write("".join(lines))


def add_payload_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--payload", metavar="JSON", help="the event, as JSON text (default: {})")
    source.add_argument(
        "--event", metavar="FILE", help="the event, from a JSON file ('-' reads stdin)"
    )
    source.add_argument(
        "stdin",
        nargs="?",
        choices=["-"],
        metavar="-",
        help="read the event from stdin (faaslib events generate sqs | faaslib invoke ... -)",
    )


def read_payload(args: argparse.Namespace) -> bytes | None:
    """The payload as bytes, as given; None if none was. Whether it is JSON is Lambda's to
    check (`InvalidRequestContent`), as it is on AWS: `--payload` is passed on as the bytes
    the command line held, so text that is not UTF-8 is Lambda's to refuse too."""
    if args.payload is not None:
        with unexpected_errors_as(ExitStatus.USAGE, "--payload"):
            return _command_line_bytes(str(args.payload))
    if args.stdin == "-" or args.event == "-":
        with unexpected_errors_as(ExitStatus.USAGE, "reading the event from stdin"):
            return sys.stdin.buffer.read()
    if args.event is not None:
        try:
            with open(args.event, "rb") as file:
                return file.read()
        except OSError as error:
            raise UsageError(f"--event {args.event}: {error.strerror}") from None
        except Exception as error:  # a path the OS cannot take: a NUL, a lone surrogate
            raise UsageError(f"--event {args.event!r}: {describe(error)}") from None
    return None


def _command_line_bytes(text: str) -> bytes:
    """The bytes an argument held: Python decodes the command line with `surrogateescape`, so
    bytes that are not UTF-8 come back as they were (`os.fsencode`). A string made in-process
    may hold other lone surrogates: they go as UTF-8 would write them, for Lambda to refuse."""
    try:
        return os.fsencode(text)
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")
