"""`faaslib tune MODULE:APP FUNCTION`: power tuning from the command line (`App.tune`): the
function run at each memory size, a table of durations and costs, the recommendation and why,
and the tuning chart in the terminal (and in a file with `--chart`)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

from faaslib.cli.errors import EXIT_STATUSES, ExitStatus, UsageError, describe, unexpected_errors_as
from faaslib.cli.inputs import add_app_argument, add_function_argument, app_from

if TYPE_CHECKING:
    from faaslib import App
    from faaslib.tuning import TuneResult

__all__ = ["add_parser"]

DESCRIPTION = """\
Run FUNCTION of the App MODULE:APP at each --memory size, -n warm invocations each (after one
cold start per size), and print a row per size: duration p50/p90/p99, mean billed duration, cost
per million invocations, and whether the durations were measured under Lambda's CPU share (a
process instance in a cgroup) or modelled from the host's CPU time. Then the recommendation
under --strategy, as AWS Lambda Power Tuning picks it, and the chart. The app's own bill is
not touched. Progress goes to stderr."""


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "tune",
        help="run a function at each memory size and recommend one (power tuning)",
        description=DESCRIPTION,
        epilog=EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_app_argument(parser)
    add_function_argument(parser)
    parser.add_argument(
        "--memory",
        default="128,256,512,1024,1769,3008",
        metavar="MB,MB,...",
        help="the memory sizes to tune, comma-separated (default: 128,256,512,1024,1769,3008)",
    )
    parser.add_argument(
        "--payload",
        action="append",
        metavar="JSON|@FILE",
        help="an event, as JSON text or @file.json; repeat for several, used in turn (default: {})",
    )
    parser.add_argument(
        "-n",
        "--invocations",
        type=int,
        default=50,
        help="warm invocations per memory size (default: 50)",
    )
    parser.add_argument(
        "--strategy",
        choices=["cost", "speed", "balanced"],
        default="cost",
        help="what to optimise (default: cost)",
    )
    parser.add_argument(
        "--balanced-weight",
        type=float,
        default=0.5,
        help="balanced strategy: the weight of cost, 0 to 1 (default: 0.5)",
    )
    parser.add_argument("--cold", action="store_true", help="report each size's init (cold start)")
    parser.add_argument(
        "--arch",
        default="x86_64",
        metavar="ARCH[,ARCH]",
        help="architectures to price: x86_64, arm64 or x86_64,arm64 (default: x86_64)",
    )
    parser.add_argument(
        "--chart", metavar="FILE", help="write the tuning chart: tune.svg, tune.html or tune.png"
    )
    parser.add_argument(
        "--show-output",
        action="store_true",
        help="show what the handlers print, on stderr (hidden by default)",
    )
    parser.set_defaults(run=run, prog=parser.prog)


def run(args: argparse.Namespace) -> int:
    import anyio

    memory = _integers("--memory", args.memory)
    architectures = [part.strip() for part in args.arch.split(",") if part.strip()]
    payloads = [_payload(text) for text in args.payload or ["{}"]]
    app = app_from(args)
    out, err = sys.stdout, sys.stderr
    with contextlib.ExitStack() as stack:  # the handlers' output must not mix with the table
        if args.show_output:
            stack.enter_context(contextlib.redirect_stdout(err))
        else:
            nowhere = stack.enter_context(open(os.devnull, "w", errors="backslashreplace"))
            stack.enter_context(contextlib.redirect_stdout(nowhere))
        result = anyio.run(_tune, app, args, memory, architectures, payloads, err)
    _print(result, args, out)
    return ExitStatus.OK


async def _tune(
    app: App,
    args: argparse.Namespace,
    memory: list[int],
    architectures: list[str],
    payloads: list[bytes],
    err: TextIO,
) -> TuneResult:
    from faaslib.cli.progress import Progress

    bar: Progress | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = Progress(total, err)
        bar.update()

    try:
        return await app.tune(
            args.function,
            payloads,
            memory=memory,
            invocations=args.invocations,
            strategy=args.strategy,
            cold=args.cold,
            architectures=architectures,
            progress=progress,
            balanced_weight=args.balanced_weight,
        )
    finally:
        if bar is not None:
            bar.finish()


def _print(result: TuneResult, args: argparse.Namespace, out: TextIO) -> None:
    print(f"Power tuning of {result.function!r}: {args.invocations} invocations per size", file=out)
    print(result.table(), file=out)
    print(file=out)
    print(f"Recommended ({result.strategy}): {result.recommended} MB", end="", file=out)
    if len({row.architecture for row in result.rows}) > 1:
        print(f" on {result.recommended_architecture}", end="", file=out)
    print(f". {result.why}", file=out)
    print(f"Method: {result.method}.", file=out)
    print(f"CPU: {result.cpu_model}.", file=out)
    for note in result.notes:
        print(f"Note: {note}.", file=out)
    print(file=out)
    with unexpected_errors_as(ExitStatus.INTERNAL_ERROR, "drawing the chart"):
        print(result.chart(format="text"), file=out)
    if args.chart is not None:
        try:
            result.chart(args.chart)
        except OSError as error:
            raise UsageError(f"--chart {args.chart}: {error.strerror}") from None
        except ValueError as error:  # a suffix naming no format, PNG without the extra
            raise UsageError(f"--chart {args.chart}: {describe(error)}") from None
        print(f"Chart written to {args.chart}", file=out)


def _integers(option: str, text: str) -> list[int]:
    values = []
    for part in text.split(","):
        try:
            values.append(int(part.strip()))
        except ValueError:
            raise UsageError(
                f"{option} {text!r}: {part.strip()!r} is not a whole number of MB"
            ) from None
    return values


def _payload(text: str) -> bytes:
    """`--payload`: JSON text, or `@file` whose bytes are the event."""
    if not text.startswith("@"):
        return os.fsencode(text)
    path = text[1:]
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError as error:
        raise UsageError(f"--payload @{path}: {error.strerror}") from None
