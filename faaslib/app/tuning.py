"""`App.tune`: the app's side of power tuning (faaslib.tuning does the work)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from faaslib.tuning import TuneResult

__all__ = ["Tuning"]

KEPT_TUNINGS = 20


class Tuning:
    """Power tuning of the app's functions."""

    @property
    def tunings(self) -> list[TuneResult]:
        """The results of this app's `tune` runs, oldest first (the last 20): what the console's
        costs view charts."""
        kept: list[TuneResult] = self.__dict__.setdefault("_tunings", [])
        return kept

    async def tune(
        self,
        name: str,
        payloads: Sequence[Any],
        *,
        memory: Sequence[int] = (128, 256, 512, 1024, 1769, 3008),
        invocations: int = 50,
        strategy: Literal["cost", "speed", "balanced"] = "cost",
        cold: bool = False,
        architectures: Sequence[str] = ("x86_64",),
        progress: Callable[[int, int], object] | None = None,
        balanced_weight: float = 0.5,
    ) -> TuneResult:
        """Run function `name` at each `memory` size (MB) and recommend one, as AWS Lambda
        Power Tuning does: `invocations` warm invocations per size, with `payloads` (a list,
        used in turn), after one cold start per size (its init reported with `cold=True`).

        `strategy` picks the size: `"cost"` (the cheapest; ties: the lowest memory), `"speed"`
        (the fastest p50; ties: the cheapest), `"balanced"` (Power Tuning's formula, with
        `balanced_weight` on cost). `architectures=("x86_64", "arm64")` adds rows at arm64's
        prices (their durations are the host's). `progress(done, total)` is called after each
        invocation.

        Each size runs on a copy of the function in a separate app: this app's bill, metrics
        and instances never see a tuning invocation. In-process functions are measured on the
        host and their CPU time scaled to Lambda's share (`kind="modelled"`); process instances
        run under a cgroup CPU quota where the host allows it (`kind="measured"`). See the
        docs' "Power tuning".

        ```pycon
        >>> result = await app.tune("resize", [{"key": "a.jpg"}], memory=[128, 512, 1769])
        >>> result.recommended, result.why
        ```
        """
        from faaslib.tuning.tuner import tune

        result = await tune(
            self,  # type: ignore[arg-type]  # the App this mixin is part of
            name,
            payloads,
            memory=memory,
            invocations=invocations,
            strategy=strategy,
            cold=cold,
            architectures=architectures,
            progress=progress,
            balanced_weight=balanced_weight,
        )
        kept = self.tunings
        kept.append(result)
        del kept[:-KEPT_TUNINGS]
        return result
