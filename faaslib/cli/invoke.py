"""`faaslib invoke MODULE:APP FUNCTION`: one invocation, as `aws lambda invoke` makes it.

The response payload goes to stdout, alone, so it pipes into `jq`; everything else goes to
stderr: what the handler prints (as `sam local invoke` shows function logs), its error's
traceback, the REPORT line, and with `--log-type Tail` the log tail Lambda would return.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import sys
from typing import TYPE_CHECKING, Any, TextIO

from faaslib.cli.errors import EXIT_STATUSES, ExitStatus, unexpected_errors_as
from faaslib.cli.inputs import (
    add_app_argument,
    add_code_arguments,
    add_function_argument,
    add_payload_arguments,
    app_from,
    read_payload,
)

if TYPE_CHECKING:
    from faaslib import App

__all__ = ["add_parser"]

DESCRIPTION = """\
Invoke FUNCTION of the App MODULE:APP (or of a template, -t; or the function whose code
--code gives) once, with Lambda's Invoke semantics, and print the response payload (JSON) to
stdout. The handler's output, its error, the REPORT line and (with
--log-type Tail) the log tail go to stderr. The app runs for the invocation: its sources start,
and an Event invocation runs before the command exits."""


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "invoke",
        help="invoke a function once and print its response",
        description=DESCRIPTION,
        epilog=EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_app_argument(parser)
    add_function_argument(parser)
    add_code_arguments(parser)
    add_payload_arguments(parser)
    parser.add_argument(
        "--type",
        dest="invocation_type",
        choices=["RequestResponse", "Event", "DryRun"],
        default="RequestResponse",
        help="RequestResponse waits for the response (default); Event queues the invocation "
        "(202) with retries and destinations; DryRun only checks it (204)",
    )
    parser.add_argument(
        "--log-type",
        choices=["None", "Tail"],
        default="None",
        help="Tail: print the last 4 KB of the invocation's log, as Lambda's LogResult, in place "
        "of the handler's live output (RequestResponse only)",
    )
    parser.set_defaults(run=run, prog=parser.prog)


def run(args: argparse.Namespace) -> int:
    import anyio

    app = app_from(args)
    payload = read_payload(args)
    return anyio.run(_invoke, app, args, payload)


async def _invoke(app: App, args: argparse.Namespace, payload: bytes | None) -> int:
    name = args.function
    # What Lambda refuses (an InvocationError: 3, or 4 when throttled) is reported by `main`.
    # Lambda's checks come first, as a DryRun makes them, so that an error faaslib did not
    # expect is told apart: before the handler runs, the invocation was refused.
    with unexpected_errors_as(ExitStatus.REFUSED, f"function {name!r}: the invocation is refused"):
        await app.invoke(name, payload, invocation_type="DryRun")
    with unexpected_errors_as(
        ExitStatus.INTERNAL_ERROR, f"function {name!r}: faaslib could not complete the invocation"
    ):
        return await _run(app, args, payload)


async def _run(app: App, args: argparse.Namespace, payload: bytes | None) -> int:
    out, err = sys.stdout, sys.stderr
    # LogType "applies to synchronously invoked functions only"
    # (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html).
    tail = args.log_type == "Tail" and args.invocation_type == "RequestResponse"
    # The handler's own output must not mix with the payload on stdout; with a tail, it is in
    # the tail, so it is not shown twice.
    with contextlib.ExitStack() as stack:
        if tail:
            stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
            stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
        else:
            stack.enter_context(contextlib.redirect_stdout(err))
            stack.enter_context(_PlatformLines(app, args.function, err))
        async with app:
            result = await app.invoke(
                args.function,
                payload,
                invocation_type=args.invocation_type,
                log_type="Tail" if tail else "None",
            )
            if result.status_code == 202:  # queued: it runs before the app stops
                print(
                    f"Event invocation accepted (StatusCode 202), RequestId: {result.request_id}",
                    file=err,
                )
            elif result.status_code == 204:
                print("DryRun: the invocation would run (StatusCode 204)", file=err)
    if result.status_code != 200:
        return ExitStatus.OK
    if result.log_tail is not None:
        err.write(result.log_tail if result.log_tail.endswith("\n") else result.log_tail + "\n")
    raw = result.raw_payload or b"null"
    out.write(raw.decode("utf-8", errors="replace") + "\n")
    out.flush()
    if result.function_error is not None:
        details = result.payload if isinstance(result.payload, dict) else {}
        print(
            f"function {args.function!r} failed ({result.function_error}): "
            f"{details.get('errorType', 'Error')}: {details.get('errorMessage', '')}",
            file=err,
        )
        return ExitStatus.FUNCTION_ERROR
    return ExitStatus.OK


class _PlatformLines(logging.Handler):
    """Writes what Lambda logs for the function (its error's traceback, the REPORT line, a
    timeout) to `stream`; START and END lines say nothing the REPORT line does not."""

    def __init__(self, app: App, function: str, stream: TextIO) -> None:
        super().__init__(logging.INFO)
        from faaslib.logs import PLATFORM_LOGGER_PREFIX

        self.app = app
        self.stream = stream
        self.logger = logging.getLogger(PLATFORM_LOGGER_PREFIX + function)
        self._saved = (self.logger.level, self.logger.propagate, app.platform_logs)

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        if not line.startswith(("START ", "END ")):
            self.stream.write(line + "\n")

    def __enter__(self) -> _PlatformLines:
        self.logger.addHandler(self)
        self.logger.setLevel(logging.INFO)
        self.app.platform_logs = True
        self.logger.propagate = False  # a root handler the app configured would repeat them
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.logger.removeHandler(self)
        self.logger.setLevel(self._saved[0])
        self.logger.propagate = self._saved[1]
        self.app.platform_logs = self._saved[2]
