"""What the commands take from the user: an app named `MODULE:APP` (or a SAM or
CloudFormation template, `-t template.yaml`), and a payload.

An app is found as uvicorn finds one: the current directory goes on `sys.path`, `MODULE` is
imported, and `APP` (dotted attributes allowed) is read from it. A template is loaded as
`App.from_template` loads it, with `--parameter-overrides` spelt as SAM CLI spells them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
import warnings
from typing import TYPE_CHECKING, Any

from faaslib.cli.errors import ExitStatus, UsageError, describe, unexpected_errors_as

if TYPE_CHECKING:
    from faaslib import App

__all__ = [
    "CommandParser",
    "add_app_argument",
    "add_code_arguments",
    "add_function_argument",
    "add_payload_arguments",
    "app_from",
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


def add_function_argument(parser: argparse.ArgumentParser) -> None:
    """The FUNCTION a command runs (optional: an app of one function needs none)."""
    parser.add_argument(
        "function",
        metavar="FUNCTION",
        nargs="?",
        help="the function's name (with -t: its logical id, or its name)",
    )


def add_app_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "app",
        metavar="MODULE:APP",
        nargs="?",
        help="the App to use: a module importable from the current directory and the App in "
        "it, e.g. shop.handlers:app (or -t TEMPLATE instead)",
    )
    template = parser.add_argument_group("a SAM or CloudFormation template instead of MODULE:APP")
    template.add_argument(
        "-t",
        "--template",
        metavar="FILE",
        help="the template of a SAM or CloudFormation project (template.yaml, a CDK "
        "*.template.json); functions are named by logical id or physical name",
    )
    template.add_argument(
        "--parameter-overrides",
        nargs="+",
        metavar="KEY=VALUE",
        default=[],
        help="the template's parameters, as SAM CLI takes them: Key=Value pairs, or "
        "ParameterKey=Key,ParameterValue=Value",
    )
    template.add_argument(
        "--stack-name",
        help="the stack name generated names start with (default: the template's folder name)",
    )


def add_code_arguments(parser: argparse.ArgumentParser) -> None:
    """`--code FOLDER --handler H [--runtime R]`: one function given as Lambda takes code."""
    code = parser.add_argument_group("a function's code instead of MODULE:APP")
    code.add_argument(
        "--code",
        metavar="FOLDER",
        help="the function's code: a folder or a .zip (its task root); FUNCTION names it "
        f"(default {CODE_FUNCTION_NAME!r})",
    )
    code.add_argument("--handler", help="Lambda's Handler: app.handler, index.handler, ...")
    code.add_argument(
        "--runtime",
        help="Lambda's runtime: python3.12, nodejs20.x, provided.al2023, ... (default: the "
        "host's Python, in-process; other runtimes run in a process instance)",
    )
    code.add_argument(
        "--layer", action="append", default=[], metavar="PATH", help="a layer (folder or .zip)"
    )
    code.add_argument("--memory", type=int, help="MB (default 128)")
    code.add_argument("--timeout", type=float, help="seconds (default 3)")
    code.add_argument(
        "--isolation",
        choices=["in-process", "process"],
        help="where a Python function runs (default in-process; process: AWS's runtime client "
        "in a process of its own)",
    )


CODE_FUNCTION_NAME = "function"


def code_app(args: argparse.Namespace) -> App:
    """An App of the one function `--code` gives, named FUNCTION."""
    from faaslib import App

    if args.handler is None:
        raise UsageError("--code needs --handler (Lambda's Handler, e.g. app.handler)")
    options = {
        key: value
        for key, value in (
            ("memory", args.memory),
            ("timeout", args.timeout),
            ("isolation", args.isolation),
        )
        if value is not None
    }
    app = App(name=CODE_FUNCTION_NAME if args.function is None else args.function)
    app.add_function(
        args.function or CODE_FUNCTION_NAME,
        handler=args.handler,
        code=args.code,
        runtime=args.runtime,
        layers=args.layer,
        **options,
    )
    args.function = args.function or CODE_FUNCTION_NAME
    return app


def app_from(args: argparse.Namespace) -> App:
    """The App the command line names: `MODULE:APP`, the template `-t` names, or the function
    `--code` gives. With a template or code, a command's FUNCTION comes first (`faaslib
    invoke -t template.yaml Fn`)."""
    function = getattr(args, "function", "")
    code = getattr(args, "code", None)
    if code is not None:
        if args.template is not None:
            raise UsageError("give -t TEMPLATE or --code FOLDER, not both")
        given = [v for v in (args.app, function, args.stdin) if v is not None]
        if len(given) > 2 or (len(given) == 2 and given[1] != "-"):
            raise UsageError(f"{given[0]!r}: give MODULE:APP or --code FOLDER, not both")
        if len(given) == 2 or given == ["-"]:
            if args.payload is not None or args.event is not None:
                raise UsageError("read the event from one place: --payload, --event or -")
            args.stdin = "-"
        args.app = None
        args.function = given[0] if given and given[0] != "-" else None
        return code_app(args)
    if getattr(args, "handler", None) is not None or getattr(args, "runtime", None) is not None:
        raise UsageError("--handler and --runtime go with --code FOLDER")
    store = getattr(args, "store", None)
    if args.template is None:
        if args.parameter_overrides or args.stack_name is not None:
            raise UsageError("--parameter-overrides and --stack-name go with -t TEMPLATE")
        if store is not None:
            raise UsageError(
                "--store goes with -t TEMPLATE (an App made in Python names its own: "
                "App(store=...))"
            )
        if args.app is None:
            raise UsageError("give the App as MODULE:APP, or a template with -t TEMPLATE")
        if function is None:
            raise UsageError("give the FUNCTION to use")
        return load_app(args.app)
    if function != "":  # a command that takes FUNCTION: the positionals shift by one
        given = [v for v in (args.app, function, getattr(args, "stdin", None)) if v is not None]
        if len(given) > 2 or (len(given) == 2 and given[1] != "-"):
            raise UsageError(f"{given[0]!r}: give MODULE:APP or -t TEMPLATE, not both")
        if not given:
            raise UsageError("give the FUNCTION to use (its logical id or name)")
        if len(given) == 2:
            if args.payload is not None or args.event is not None:
                raise UsageError("read the event from one place: --payload, --event or -")
            args.stdin = "-"
        args.app, args.function = None, given[0]
    elif args.app is not None:
        raise UsageError(f"{args.app!r}: give MODULE:APP or -t TEMPLATE, not both")
    prog = getattr(args, "prog", "faaslib")
    app = load_template_app(
        args.template, args.parameter_overrides, args.stack_name, prog, store or "memory"
    )
    named = getattr(args, "function", None)
    if named is not None and app.template is not None and named in app.template.functions:
        args.function = app.template.functions[named].name  # what logs and reports show
    return app


def load_template_app(
    path: str,
    overrides: list[str],
    stack_name: str | None,
    prog: str = "faaslib",
    store: str = "memory",
) -> App:
    """The App template `path` makes; what it does not emulate is said once on stderr."""
    from faaslib import App
    from faaslib.templates import parse_parameter_overrides

    if not os.path.isfile(path):
        raise UsageError(f"-t {path}: no such file")
    parameters = parse_parameter_overrides(overrides) if overrides else {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app = App.from_template(path, parameters=parameters, stack_name=stack_name, store=store)
    for warning in caught:
        print(f"{prog}: warning: {warning.message}", file=sys.stderr)
    return app


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
        "-e", "--event", metavar="FILE", help="the event, from a JSON file ('-' reads stdin)"
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
