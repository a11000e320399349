"""`faaslib cost MODULE:APP FUNCTION`: run a function N times and print what it would cost on
Lambda (`app.costs.report()`), from the durations the run measured; `--chart` draws it too."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections import deque
from typing import TYPE_CHECKING, Any, TextIO

from faaslib.cli.errors import EXIT_STATUSES, ExitStatus, UsageError, unexpected_errors_as
from faaslib.cli.inputs import (
    add_app_argument,
    add_function_argument,
    add_payload_arguments,
    app_from,
    read_payload,
)
from faaslib.cli.progress import Progress

if TYPE_CHECKING:
    from faaslib import App

__all__ = ["add_parser"]

DESCRIPTION = """\
Invoke FUNCTION of the App MODULE:APP --count times, at most --concurrency at once, and print
the bill Lambda would send for the run: requests, GB-seconds and dollars per function (every
function the run invoked, through triggers and destinations too). Handler errors and throttles
are billed or counted as on Lambda and summed up on stderr; the exit status is 0 once the bill
is printed. Progress goes to stderr. --chart FILE also draws the bill (cost by function, and
the cumulative cost over the run): .svg, .html (self-contained) and .png (needs the charts
extra: pip install 'faaslib[charts]'), and prints it as text after the bill (on stderr with
--json)."""
ROWS_PER_FUNCTION = 100_000  # for --chart: each function's last invocations, kept as rows


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "cost",
        help="run a function N times and print the bill",
        description=DESCRIPTION,
        epilog=EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_app_argument(parser)
    add_function_argument(parser)
    add_payload_arguments(parser)
    parser.add_argument(
        "--count", type=int, default=100, help="how many invocations (default: 100)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=1, help="how many run at once (default: 1)"
    )
    parser.add_argument(
        "--free-tier", action="store_true", help="take the monthly free tier off the bill"
    )
    parser.add_argument("--json", action="store_true", help="print the bill as exact JSON")
    parser.add_argument(
        "--chart",
        metavar="FILE",
        help="draw the bill to FILE: .svg, .html or .png (PNG needs faaslib[charts])",
    )
    parser.add_argument(
        "--show-output",
        action="store_true",
        help="show what the handlers print, on stderr (hidden by default: thousands of "
        "invocations would bury the progress)",
    )
    parser.set_defaults(run=run, prog=parser.prog)


def run(args: argparse.Namespace) -> int:
    import anyio

    for option in ("count", "concurrency"):
        if getattr(args, option) < 1:
            raise UsageError(f"--{option}={getattr(args, option)} must be at least 1")
    if args.chart is not None:
        from faaslib.charts.formats import chart_format

        try:  # a bad file name is told before the run, not after it
            chart_format(args.chart, None)
        except ValueError:
            raise UsageError(
                f"--chart {args.chart}: the file's suffix names no chart format; "
                "use .svg, .html or .png (or .txt for the text rendering)"
            ) from None
    app = app_from(args)
    payload = read_payload(args)
    if args.chart is not None:
        _keep_rows(app)
    out, err = sys.stdout, sys.stderr
    with contextlib.ExitStack() as stack:  # the handlers' output must not mix with the bill
        if args.show_output:
            stack.enter_context(contextlib.redirect_stdout(err))
        else:
            nowhere = stack.enter_context(open(os.devnull, "w", errors="backslashreplace"))
            stack.enter_context(contextlib.redirect_stdout(nowhere))
            stack.enter_context(contextlib.redirect_stderr(nowhere))
        return anyio.run(_check_and_run, app, args, payload, out, err)


async def _check_and_run(
    app: App, args: argparse.Namespace, payload: bytes | None, out: TextIO, err: TextIO
) -> int:
    name = args.function
    # As `faaslib invoke` does: Lambda's checks once, before the run, so that an error faaslib
    # did not expect is told apart from one met while the invocations run.
    with unexpected_errors_as(ExitStatus.REFUSED, f"function {name!r}: the invocation is refused"):
        await app.invoke(name, payload, invocation_type="DryRun")
    with unexpected_errors_as(
        ExitStatus.INTERNAL_ERROR, f"function {name!r}: faaslib could not complete an invocation"
    ):
        return await _run(app, args, payload, out, err)


async def _run(
    app: App, args: argparse.Namespace, payload: bytes | None, out: TextIO, err: TextIO
) -> int:
    import anyio
    import anyio.abc

    from faaslib import InvocationError, TooManyRequests

    progress = Progress(args.count, err)
    counts = {"succeeded": 0, "failed": 0, "throttled": 0}
    remaining = iter(range(args.count))
    refused: list[InvocationError] = []

    async def worker(workers: anyio.abc.TaskGroup) -> None:
        for _ in remaining:  # shared: each invocation is taken by one worker
            try:
                result = await app.invoke(args.function, payload)
            except TooManyRequests:
                counts["throttled"] += 1
            except InvocationError as error:  # the same for every invocation: stop at once
                refused.append(error)
                workers.cancel_scope.cancel()
                return
            else:
                counts["failed" if result.function_error else "succeeded"] += 1
            progress.update()

    async with app, anyio.create_task_group() as workers:
        for _ in range(min(args.concurrency, args.count)):
            workers.start_soon(worker, workers)
    progress.finish()
    if refused:  # reported by `main`, as a refusal of `faaslib invoke` is
        raise refused[0]
    print(
        f"{args.count:,} invocations of {args.function!r}: {counts['succeeded']:,} succeeded, "
        f"{counts['failed']:,} failed, {counts['throttled']:,} throttled",
        file=err,
    )
    if args.json:
        print(json.dumps(app.costs.to_dict(free_tier=args.free_tier), indent=2), file=out)
    else:
        print(app.costs.report(free_tier=args.free_tier), file=out)
    if args.chart is not None:
        app.costs.chart(args.chart, free_tier=args.free_tier)
        chart_out = err if args.json else out
        text = app.costs.chart(format="text", free_tier=args.free_tier)
        print(f"\n{text}", file=chart_out, end="")
        print(f"chart written to {args.chart}", file=err)
    return ExitStatus.OK


def _keep_rows(app: App) -> None:
    """Keep the run's invocations as rows, which the cost over time is drawn from, whether or
    not the app keeps them itself (`App(ledger_rows=N)`)."""
    for name in app.functions:
        ledger = app._function(name).ledger
        if ledger.rows is None:
            ledger.rows = deque(maxlen=ROWS_PER_FUNCTION)
