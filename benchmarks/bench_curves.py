"""Costs that must grow with the work and no faster: per function or rule, from 10 to 10,000.

Curves, for N = 10, 100, 1,000 and 10,000 (µs per item):

- registering N functions in an app (`@app.function`), plain and with `reserved_concurrency=1`
  (each such registration checks that the account keeps its unreserved minimum);
- `EventBus.add_rule` with N rules on one bus (one compiled pattern, which a rule only keeps);
- `@app.on_event` registering N functions, each with its rule on one bus (not in `--quick`);
- `async with app:` entered and left with N functions. Its cost is the same at every N (nothing
  in a start or a stop visits a function without provisioned concurrency, a process or a
  destination), so its figures are the whole start+stop in µs, beside an app with no function
  entered and left just before each (the baseline of the same round), and its check is that
  the time over the baseline's stays within ±30% from N=10 to 10,000 (a cost per function
  that stays constant would make it grow 1,000-fold).

Rounds interleave the sizes (10, 100, 1,000, 10,000, then again), so every figure is measured
beside the others under the same load. Each size does the same number of items (1,000 apps of
10 functions, ..., one app of 10,000) and holds as many apps (the others empty), so only the
app's size changes. That matters because of the garbage collector: a full collection scans
everything the process holds, and runs each time a quarter as many objects as it holds have
been kept since the last one. Its cost per object kept is then constant, but paid only once
enough objects are kept: a measurement that kept 100 functions would leave its share to
whatever comes next. The collector's time in each measurement is shown beside it (from
`gc.callbacks`). A curve passes when its figure at the largest N is within ±30% of that at the
smallest (best rounds).

Run alone: `python benchmarks/bench_curves.py [--quick] [--backend trio]`.
"""

from __future__ import annotations

import argparse
import gc
import logging
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anyio

from faaslib import App
from faaslib.logs import PLATFORM_LOGGER_PREFIX
from faaslib.patterns import compile_pattern
from faaslib.sources.bus import EventBus

SIZES = (10, 100, 1_000, 10_000)
PATTERN = compile_pattern({"source": ["shop"], "detail-type": ["Order Placed"]})
TOLERANCE = 0.30

REGISTER = "register a function"
RESERVED = "register a function, reserved_concurrency=1"
ADD_RULE = "EventBus.add_rule"
ON_EVENT = "@app.on_event (a function and its rule)"
START_STOP = "start+stop the app (whole, not per function)"
EMPTY = "  baseline: start+stop an app of no function"


def handler(event: Any, context: Any) -> Any:
    return event


def target(event: dict[str, Any]) -> None:
    """A rule's target."""


class GcClock:
    """Seconds the garbage collector ran, summed from `gc.callbacks` while installed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started


@contextmanager
def collecting() -> Iterator[GcClock]:
    """The collector's time during the block. The heap is collected first, so that the last
    measurement's garbage is not this one's cost (the benchmark's own doing, not the app's)."""
    gc.collect()
    clock = GcClock()
    gc.callbacks.append(clock)
    try:
        yield clock
    finally:
        gc.callbacks.remove(clock)


# One measurement: (seconds per item, the collector's seconds per item).
Sample = tuple[float, float]


def made_apps(copies: int, held: int, concurrency: int = 1_000) -> tuple[list[App], list[App]]:
    """`copies` apps to fill, and as many more empty ones as make `held`: every size holds as
    many apps (37 objects each), so that the collector scans the same heap at every size."""
    apps = [App("curves", concurrency=concurrency) for _ in range(copies)]
    return apps, [App("curves") for _ in range(held - copies)]


def register(n: int, copies: int, held: int, reserved: bool) -> tuple[Sample, list[App]]:
    """`copies` apps of `n` functions each, registered one by one; the apps, to start."""
    options: dict[str, Any] = {"reserved_concurrency": 1} if reserved else {}
    apps, _held = made_apps(copies, held, concurrency=n + 1_000)
    names = [f"f{number}" for number in range(n)]
    with collecting() as collector:
        start = time.perf_counter()
        for app in apps:
            for name in names:
                app.function(name=name, **options)(handler)
        elapsed = time.perf_counter() - start
    items = n * copies
    return (elapsed / items, collector.seconds / items), apps


async def start_stop(apps: list[App], pairs: int = 20) -> tuple[Sample, Sample]:
    """Each app entered and left (at least `pairs` times in all, the apps in turn), each time
    beside an app of no function entered and left just before: the medians of both, in
    seconds per start+stop."""
    empty_times: list[float] = []
    app_times: list[float] = []
    turns = max(pairs, len(apps))
    with collecting() as collector:
        for turn in range(turns):
            app = apps[turn % len(apps)]
            empty = App("curves")
            start = time.perf_counter()
            async with empty:
                pass
            middle = time.perf_counter()
            async with app:
                pass
            empty_times.append(middle - start)
            app_times.append(time.perf_counter() - middle)
    collected = collector.seconds / (2 * turns)
    return (statistics.median(app_times), collected), (statistics.median(empty_times), collected)


def add_rules(n: int, copies: int, repeat: int) -> Sample:
    """`copies` buses of `n` rules each; the best of `repeat` runs (a rule costs ~1 µs). Each
    bus's rules have names of their own, as every size's do."""
    names = [[f"rule-{copy}-{number}" for number in range(n)] for copy in range(copies)]
    best: Sample = (float("inf"), 0.0)
    for _ in range(repeat):
        buses = [EventBus("curves") for _ in range(copies)]
        with collecting() as collector:
            start = time.perf_counter()
            for bus, bus_names in zip(buses, names, strict=True):
                for name in bus_names:
                    bus.add_rule(name, PATTERN, target)
            elapsed = time.perf_counter() - start
        items = n * copies
        best = min(best, (elapsed / items, collector.seconds / items))
    return best


def on_event(n: int, copies: int, held: int) -> Sample:
    apps, _held = made_apps(copies, held)
    patterns = [{"source": [f"source-{number}"]} for number in range(n)]
    names = [f"f{number}" for number in range(n)]
    with collecting() as collector:
        start = time.perf_counter()
        for app in apps:
            for name, pattern in zip(names, patterns, strict=True):
                app.on_event(pattern, name=name)(handler)
        elapsed = time.perf_counter() - start
    items = n * copies
    return elapsed / items, collector.seconds / items


async def one_round(
    sizes: tuple[int, ...], items: int, quick: bool
) -> dict[tuple[str, int], Sample]:
    samples: dict[tuple[str, int], Sample] = {}
    held = max(1, items // sizes[0])
    for n in sizes:
        copies = max(1, items // n)
        samples[REGISTER, n], apps = register(n, copies, held, reserved=False)
        samples[START_STOP, n], samples[EMPTY, n] = await start_stop(apps)
        del apps
        samples[RESERVED, n], apps = register(n, copies, held, reserved=True)
        del apps
        samples[ADD_RULE, n] = add_rules(n, copies, repeat=5)
        if not quick:
            samples[ON_EVENT, n] = on_event(n, copies, held)
    return samples


def warm_up(backend: str, functions: int) -> None:
    """Imports and first calls out of the way before anything is timed, and the functions'
    loggers made (`logging` keeps them for the process): small sizes reuse the names f0, f1...,
    so every size must find its loggers made, or the large ones alone would pay for them."""
    for number in range(functions):
        logging.getLogger(f"{PLATFORM_LOGGER_PREFIX}f{number}")

    async def enter() -> None:
        app = App("warm")
        app.function(name="warm", reserved_concurrency=1)(handler)
        app.on_event({"source": ["warm"]}, name="warm-event")(handler)
        async with app:
            pass

    anyio.run(enter, backend=backend)
    add_rules(10, 1, repeat=1)


def curves(
    sizes: tuple[int, ...] = SIZES,
    items: int = 10_000,
    rounds: int = 3,
    backend: str = "asyncio",
    quick: bool = False,
) -> dict[tuple[str, int], list[Sample]]:
    """Every round's samples, by (curve, N)."""
    warm_up(backend, max(sizes))
    results: dict[tuple[str, int], list[Sample]] = {}
    for _ in range(rounds):
        samples = anyio.run(one_round, sizes, items, quick, backend=backend)
        for key, sample in samples.items():
            results.setdefault(key, []).append(sample)
    return results


def curve_names(results: dict[tuple[str, int], list[Sample]]) -> list[str]:
    return list(dict.fromkeys(curve for curve, _ in results))


def verdicts(
    results: dict[tuple[str, int], list[Sample]], sizes: tuple[int, ...]
) -> list[tuple[str, float, bool]]:
    """(curve, its best figure at the largest N / at the smallest, within ±30%). A start+stop
    is taken over its baseline's (the empty app's, in the same pairs), so that the load moving
    between sizes moves both."""
    answer = []

    def best(curve: str, n: int) -> float:
        figure = min(s for s, _ in results[curve, n])
        return figure / min(s for s, _ in results[EMPTY, n]) if curve == START_STOP else figure

    for curve in curve_names(results):
        if curve == EMPTY:
            continue
        smallest = best(curve, sizes[0])
        largest = best(curve, sizes[-1])
        ratio = largest / smallest if smallest > 0 else float("inf")
        answer.append((curve, ratio, abs(ratio - 1) <= TOLERANCE))
    return answer


def table(results: dict[tuple[str, int], list[Sample]], sizes: tuple[int, ...]) -> list[str]:
    lines = [
        f"{'curve (µs per item)':48} {'N':>7} {'min':>9} {'median':>9} {'of which GC':>12}",
        "-" * 89,
    ]
    for curve in curve_names(results):
        for n in sizes:
            samples = results[curve, n]
            best = min(s for s, _ in samples)
            median = statistics.median(s for s, _ in samples)
            collected = statistics.median(g for _, g in samples)
            lines.append(
                f"{curve if n == sizes[0] else '':48} {n:>7,} {best * 1e6:>9.2f} "
                f"{median * 1e6:>9.2f} {collected * 1e6:>12.2f}"
            )
    lines.append("")
    lines.append(
        f"figure at N={sizes[-1]:,} / at N={sizes[0]:,} (best rounds; start+stop over its "
        "baseline's; within ±30% passes)"
    )
    for curve, ratio, passed in verdicts(results, sizes):
        lines.append(f"  {'PASS' if passed else 'FAIL'}  {curve:48} {ratio:5.2f}x")
    return lines


def curves_section(quick: bool = False, backend: str = "asyncio") -> str:
    """The curves and their checks, as a block of text for `run.py` or the console."""
    rounds = 1 if quick else 3
    items = SIZES[-1]
    results = curves(SIZES, items, rounds, backend, quick)
    head = (
        f"Costs per item from N={SIZES[0]:,} to {SIZES[-1]:,} — Python "
        f"{sys.version.split()[0]}, {backend}, {items:,} items per figure (apps or buses of "
        f"N each), {rounds} round{'s' if rounds > 1 else ''} interleaving the sizes"
    )
    return "\n".join([head, *table(results, SIZES)])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="one round, without @app.on_event (< 20 s)"
    )
    parser.add_argument("--backend", default="asyncio", choices=("asyncio", "trio"))
    arguments = parser.parse_args()
    print(curves_section(arguments.quick, arguments.backend))


if __name__ == "__main__":
    main()
