"""What a tuning run found: a row per memory size (and architecture), and the pick."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import msgspec

if TYPE_CHECKING:
    from faaslib.charts import Chart

__all__ = ["TuneResult", "TuneRow"]

Kind = Literal["measured", "modelled"]


class TuneRow(msgspec.Struct, frozen=True, kw_only=True):
    """One memory size on one architecture: how long the function took, what Lambda bills.

    Durations are the warm invocations' (`invocations` at each size; the first invocation of
    each size starts its instance and is not counted). A measured row's are its own size's; a
    modelled row's are the model at its size of every modelled invocation of the run, as what
    the host measures does not depend on the size the function is told (so sizes differ by
    Lambda's share, not by the host's noise between them). `billed_ms` is the mean billed
    duration of an invocation, trimmed as Power Tuning trims it (the top and bottom 20% left
    out); `cost_per_invocation` is the request price plus the GB-second price times that
    (first-tier prices of the app's `PriceCatalog`, no free tier), as the ledger prices an
    invocation; `cost_per_million` is a million of them. With `cold=True`,
    `init_ms` is the init duration of the memory size's fresh instance and `init_cost` what
    that init adds to its cold start's bill. `kind` says whether the durations were measured
    under Lambda's CPU share (`"measured"`) or computed from the host's measurements with the
    model of `faaslib.tuning.model` (`"modelled"`).
    """

    memory: int
    architecture: str
    duration_p50_ms: float
    duration_p90_ms: float
    duration_p99_ms: float
    billed_ms: float
    cost_per_invocation: Decimal
    cost_per_million: Decimal
    kind: Kind
    invocations: int
    init_ms: float | None = None
    init_cost: Decimal | None = None


class TuneResult(msgspec.Struct, frozen=True, kw_only=True):
    """The rows of a tuning run (by architecture, then memory), the recommended memory and
    architecture under `strategy`, and why, in one sentence with the figures.

    `method` says how durations were obtained ("cgroup v1 cpu quota", or "modelled: CPU time
    scaled by the share", with what was measured); `cpu_model` names the host's CPU and
    platform, as the durations are that CPU's; `notes` holds what else the reader must know
    (arm64 rows on an x86 host, say).
    """

    function: str
    rows: tuple[TuneRow, ...]
    strategy: str
    recommended: int
    recommended_architecture: str
    why: str
    method: str
    cpu_model: str
    notes: tuple[str, ...] = ()

    @property
    def recommended_row(self) -> TuneRow:
        """The row of the recommended memory size and architecture."""
        return next(
            row
            for row in self.rows
            if row.memory == self.recommended and row.architecture == self.recommended_architecture
        )

    def table(self) -> str:
        """The rows as a plain-text table, the recommended one flagged with `*`."""
        with_init = any(row.init_ms is not None for row in self.rows)
        header = ["memory", "arch", "p50 ms", "p90 ms", "p99 ms", "billed ms", "$ per 1M"]
        header += ["init ms", "kind"] if with_init else ["kind"]
        lines = [header]
        best = self.recommended_row
        for row in self.rows:
            cells = [
                f"{row.memory} MB" + (" *" if row is best else ""),
                row.architecture,
                f"{row.duration_p50_ms:.1f}",
                f"{row.duration_p90_ms:.1f}",
                f"{row.duration_p99_ms:.1f}",
                f"{row.billed_ms:.1f}",
                f"{row.cost_per_million:.4f}",
            ]
            if with_init:
                cells.append("-" if row.init_ms is None else f"{row.init_ms:.1f}")
            cells.append(row.kind)
            lines.append(cells)
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        text_columns = (0, 1, len(header) - 1)  # left-aligned; the figures right-aligned
        return "\n".join(
            "  ".join(
                cell.ljust(width) if i in text_columns else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(line, widths, strict=True))
            ).rstrip()
            for line in lines
        )

    def to_chart(self) -> Chart:
        """The tuning chart as Power Tuning draws it: memory sizes along x, duration (p50) on
        the left axis, cost per invocation on the right, the recommendation marked; a pair of
        series per architecture when both were tuned."""
        from faaslib.charts import Chart, Mark, Series

        architectures = list(dict.fromkeys(row.architecture for row in self.rows))
        memories = sorted({row.memory for row in self.rows})
        categories = [f"{memory} MB" for memory in memories]
        series = []
        for architecture in architectures:
            rows = [row for row in self.rows if row.architecture == architecture]
            suffix = f" ({architecture})" if len(architectures) > 1 else ""
            series.append(
                Series(
                    f"duration p50{suffix}",
                    points=[(memories.index(row.memory), row.duration_p50_ms) for row in rows],
                    axis="left",
                    unit="ms",
                )
            )
            series.append(
                Series(
                    f"cost per invocation{suffix}",
                    points=[
                        (memories.index(row.memory), float(row.cost_per_invocation)) for row in rows
                    ],
                    axis="right",
                    unit="$",
                )
            )
        best = memories.index(self.recommended)
        label = f"{self.strategy}: {self.recommended} MB"
        if len(architectures) > 1:
            label += f" {self.recommended_architecture}"
        return Chart(
            f"Power tuning of {self.function!r}",
            "memory",
            "duration p50 (ms)",
            series=series,
            y2_label="cost per invocation ($)",
            categories=categories,
            marks=[Mark(best, label)],
            kind="line",
        )

    def chart(self, path: str | Path | None = None, format: str | None = None) -> str | bytes:
        """Render the tuning chart (`faaslib.charts.render`): `.svg` and `.html` without
        extras, `.png` with `faaslib[charts]`, `format="text"` for a terminal. Written to
        `path` when given; returns the content."""
        from faaslib.charts import render

        return render(self.to_chart(), path=path, format=format)
