"""A tuning run: the arguments checked, each memory size run on its bench, rows priced, a pick.

Each row is priced as the ledger prices an invocation (`FunctionLedger.charge`: the request
price plus the first-tier GB-second price times the billed milliseconds, ephemeral storage
over 512 MB included, no free tier), from the app's own `PriceCatalog`.
"""

from __future__ import annotations

import contextlib
import os
import platform
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from faaslib.billing.bill import EXACT
from faaslib.billing.ledger import FunctionLedger
from faaslib.errors import ConfigurationError
from faaslib.executor.record import billed_ms
from faaslib.invoke import encode_request
from faaslib.tuning.bench import Bench, Samples
from faaslib.tuning.cpu_limit import cpu_limit_mechanism, describe_mechanism
from faaslib.tuning.model import MAX_MEMORY_MB, MIN_MEMORY_MB
from faaslib.tuning.result import TuneResult, TuneRow
from faaslib.tuning.strategies import STRATEGIES, Strategy, explain, pick

if TYPE_CHECKING:
    from faaslib.app import App
    from faaslib.executor.function import Function

__all__ = ["DEFAULT_MEMORY", "cpu_model", "host_architecture", "tune"]

DEFAULT_MEMORY = (128, 256, 512, 1024, 1769, 3008)
ARCHITECTURES = ("x86_64", "arm64")
MILLION = Decimal(1_000_000)

Progress = Callable[[int, int], object]


async def tune(
    app: App,
    name: str,
    payloads: Sequence[Any],
    *,
    memory: Sequence[int] = DEFAULT_MEMORY,
    invocations: int = 50,
    strategy: Strategy = "cost",
    cold: bool = False,
    architectures: Sequence[str] = ("x86_64",),
    progress: Progress | None = None,
    balanced_weight: float = 0.5,
) -> TuneResult:
    """Run function `name` of `app` at each memory size and recommend one (`App.tune`)."""
    function = app._function(name)
    name = function.name
    owner = f"function {name!r}"
    sizes = _memory_sizes(owner, memory)
    kinds = _architectures(owner, architectures)
    _check_count(owner, invocations)
    if strategy not in STRATEGIES:
        raise ConfigurationError(
            f"{owner}: strategy={strategy!r} is not one of {', '.join(STRATEGIES)}"
        )
    if isinstance(balanced_weight, bool) or not isinstance(balanced_weight, int | float):
        raise ConfigurationError(f"{owner}: balanced_weight={balanced_weight!r} must be a number")
    if not 0.0 <= balanced_weight <= 1.0:
        raise ConfigurationError(
            f"{owner}: balanced_weight={balanced_weight!r} must be between 0 and 1"
        )
    if not isinstance(cold, bool):
        raise ConfigurationError(f"{owner}: cold={cold!r} must be True or False")
    requests = _requests(owner, name, payloads)
    mechanism = cpu_limit_mechanism() if function.process is not None else "in-process"
    total = len(kinds) * len(sizes) * (invocations + 1)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    host = host_architecture()
    # Every size's bench is open at once and the invocations go round them in turn: a change
    # in the host's load while the run lasts falls on every size alike, not on the last ones.
    async with contextlib.AsyncExitStack() as stack:
        benches = [
            await stack.enter_async_context(Bench(app, function, size, architecture, mechanism))
            for architecture in kinds
            for size in sizes
        ]
        for bench in benches:
            await bench.start(requests[0])
            tick()
        for number in range(invocations):
            for bench in benches:
                await bench.run(requests[number % len(requests)])
                tick()
    readings = [reading for bench in benches for reading in bench.readings]
    inits = [reading for bench in benches if (reading := bench.init_reading()) is not None]
    rows = [
        _row(
            app,
            function,
            bench.memory,
            bench.architecture,
            bench.samples(readings, inits),
            invocations,
            cold,
            foreign=bench.architecture != host,
        )
        for bench in benches
    ]
    best = pick(rows, strategy, balanced_weight)
    return TuneResult(
        function=name,
        rows=tuple(rows),
        strategy=strategy,
        recommended=best.memory,
        recommended_architecture=best.architecture,
        why=explain(rows, best, strategy, balanced_weight),
        method=_method(mechanism),
        cpu_model=cpu_model(),
        notes=_notes(kinds, host, mechanism),
    )


def _row(
    app: App,
    function: Function,
    memory: int,
    architecture: str,
    samples: Samples,
    invocations: int,
    cold: bool,
    foreign: bool,
) -> TuneRow:
    """A size's row; `foreign`: its architecture is not the host's, so its durations are the
    host's CPU's, modelled whatever the method."""
    ledger = FunctionLedger(
        function.name,
        architecture,  # type: ignore[arg-type]  # checked: x86_64 or arm64
        memory,
        function.config.ephemeral_storage,
        app._prices,
    )
    kept = _trimmed(samples.billed_ms)
    # the charge is linear in billed ms: the mean of the charges is the charge of the mean
    charges = sum((ledger.charge(billed, False) for billed in kept), Decimal(0))
    per_invocation = EXACT.divide(charges, Decimal(len(kept)))
    durations = samples.durations_ms
    init_ms = samples.init_ms if cold else None
    init_cost = None
    if init_ms is not None:  # what the init adds to a cold start's bill: its billed duration
        init_cost = EXACT.subtract(
            ledger.charge(billed_ms(init_ms), False), ledger.charge(0, False)
        )
    return TuneRow(
        memory=memory,
        architecture=architecture,
        duration_p50_ms=_percentile(durations, 50),
        duration_p90_ms=_percentile(durations, 90),
        duration_p99_ms=_percentile(durations, 99),
        billed_ms=sum(kept) / len(kept),
        cost_per_invocation=per_invocation,
        cost_per_million=EXACT.multiply(per_invocation, MILLION),
        kind="modelled" if foreign else samples.kind,  # type: ignore[arg-type]
        invocations=invocations,
        init_ms=init_ms,
        init_cost=init_cost,
    )


def _trimmed(billed: Sequence[int]) -> list[int]:
    """The billed durations less the top and bottom 20% (a trimmed mean's), as Power Tuning
    averages them (its `discardTopBottom`, 0.2 by default): one slow outlier on a busy host
    does not move the cost."""
    drop = len(billed) * 20 // 100
    ordered = sorted(billed)
    return ordered[drop : len(ordered) - drop]


def _percentile(values: Sequence[float], percent: int) -> float:
    """The nearest-rank percentile, as CloudWatch's pNN of a few values reads."""
    ordered = sorted(values)
    rank = max(1, -(-percent * len(ordered) // 100))
    return ordered[rank - 1]


def _method(mechanism: str) -> str:
    if mechanism == "in-process":
        return (
            "modelled: CPU time scaled by the share (in-process: the handler thread's CPU "
            "time and wall time)"
        )
    if mechanism == "none":
        return (
            "modelled: CPU time scaled by the share (process instance's CPU time; no writable "
            "cgroup for a CPU quota)"
        )
    return f"{describe_mechanism(mechanism)}: measured under Lambda's CPU share"


def _notes(kinds: Sequence[str], host: str, mechanism: str) -> tuple[str, ...]:
    notes = []
    for architecture in kinds:
        if architecture != host:
            notes.append(
                f"{architecture} rows ran on this {host} host: their durations are its CPU's, "
                f"not Lambda's {'Graviton' if architecture == 'arm64' else 'x86_64'} CPUs', "
                f"priced at {architecture} prices (kind 'modelled')"
            )
    if mechanism == "in-process":
        notes.append(
            "in-process instances share the host's interpreter: init is the class handler's "
            "__init__ only (the module was imported already); isolation='process' measures "
            "a whole runtime's start"
        )
    return tuple(notes)


def host_architecture() -> str:
    """This host's architecture in Lambda's words: `x86_64` or `arm64`."""
    machine = platform.machine().lower()
    return "arm64" if machine in ("arm64", "aarch64") else machine


def cpu_model() -> str:
    """The host's CPU model (from /proc/cpuinfo where there is one), platform and CPU count:
    the durations are this CPU's, not Lambda's."""
    model = None
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Hardware", "Processor", "cpu model"):
                    model = value.strip()
                    break
    except OSError:
        pass
    model = model or platform.processor() or "unknown CPU"
    return f"{model} ({platform.system()} {platform.machine()}, {os.cpu_count()} CPUs)"


# -- arguments -----------------------------------------------------------------------------


def _memory_sizes(owner: str, memory: Sequence[int]) -> list[int]:
    if isinstance(memory, int | str | bytes) or not isinstance(memory, Sequence):
        raise ConfigurationError(
            f"{owner}: memory={memory!r:.80} must be a list of memory sizes in MB"
        )
    if not memory:
        raise ConfigurationError(f"{owner}: memory=[] is empty; give at least one memory size")
    for size in memory:
        if isinstance(size, bool) or not isinstance(size, int):
            raise ConfigurationError(
                f"{owner}: memory size {size!r:.80} must be a whole number of MB"
            )
        if size < MIN_MEMORY_MB:
            raise ConfigurationError(
                f"{owner}: memory={size} is below the minimum of {MIN_MEMORY_MB} MB"
            )
        if size > MAX_MEMORY_MB:
            raise ConfigurationError(
                f"{owner}: memory={size} is above the maximum of {MAX_MEMORY_MB:,} MB"
            )
    return sorted(set(memory))


def _architectures(owner: str, architectures: Sequence[str]) -> list[str]:
    if isinstance(architectures, str):
        architectures = (architectures,)
    chosen = list(dict.fromkeys(architectures))
    if not chosen:
        raise ConfigurationError(f"{owner}: architectures is empty; give x86_64, arm64 or both")
    for architecture in chosen:
        if architecture not in ARCHITECTURES:
            raise ConfigurationError(
                f"{owner}: architecture {architecture!r:.80} is not one of x86_64, arm64"
            )
    return chosen


def _check_count(owner: str, invocations: int) -> None:
    if isinstance(invocations, bool) or not isinstance(invocations, int):
        raise ConfigurationError(f"{owner}: invocations={invocations!r:.80} must be a whole number")
    if invocations < 1:
        raise ConfigurationError(f"{owner}: invocations={invocations} must be at least 1")


def _requests(owner: str, name: str, payloads: Sequence[Any]) -> list[bytes]:
    if isinstance(payloads, str | bytes | dict) or not isinstance(payloads, Sequence):
        raise ConfigurationError(
            f"{owner}: payloads={payloads!r:.80} must be a list of payloads (one payload: "
            "[payload])"
        )
    if not payloads:
        raise ConfigurationError(f"{owner}: payloads=[] is empty; give at least one payload")
    return [encode_request(payload, name) for payload in payloads]
