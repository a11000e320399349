"""The `faaslib` command (also `python -m faaslib`): Lambda's everyday tools, without Docker.

    faaslib invoke MODULE:APP FUNCTION [--payload JSON | --event FILE | -]
    faaslib events list | faaslib events generate FAMILY [options]
    faaslib functions MODULE:APP
    faaslib cost MODULE:APP FUNCTION [--count N] [--concurrency C]
    faaslib serve MODULE:APP [--host 127.0.0.1] [--port 3000]

Each command is a module here with `add_parser` and the `run` it sets; what a command needs
beyond argparse it imports when it runs, so `--help` stays quick.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from faaslib.cli import cost, events, functions, invoke, serve
from faaslib.cli.errors import EXIT_STATUSES, ExitStatus, UsageError

__all__ = ["ExitStatus", "UsageError", "main"]

DESCRIPTION = """\
Run AWS Lambda handlers in this process, with Lambda's semantics: invoke a function, generate
sample events, list an app's functions, estimate a run's bill, serve HTTP routes.

MODULE:APP names the App, as uvicorn names an application: a module importable from the
current directory, and the App in it (e.g. shop.handlers:app)."""


def build_parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per module of this package."""
    from faaslib import __version__

    parser = argparse.ArgumentParser(
        prog="faaslib",
        description=DESCRIPTION,
        epilog=EXIT_STATUSES + "\n\n`faaslib COMMAND --help` describes each command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"faaslib {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in (invoke, events, functions, cost, serve):
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default: `sys.argv[1:]`) and return the exit status."""
    from faaslib.errors import ConfigurationError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:  # argparse: --help (0) or a usage error (2), already printed
        return _status(exit.code)
    try:
        return int(args.run(args))
    except SystemExit as exit:  # a command's own parser (events generate FAMILY ...)
        return _status(exit.code)
    except (UsageError, ConfigurationError) as error:
        print(f"{args.prog}: error: {error}", file=sys.stderr)
        return ExitStatus.USAGE
    except KeyboardInterrupt:
        print(f"{args.prog}: interrupted", file=sys.stderr)
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:  # `faaslib events list | head`: the reader has what it wanted
        # Python would complain again flushing stdout at exit; point it at nothing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitStatus.PIPE_CLOSED


def _status(code: object) -> int:
    if code is None:
        return ExitStatus.OK
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)  # sys.exit("message") means status 1 with the message
    return 1
