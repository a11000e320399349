"""What durable executions use, as Lambda bills it beside compute.

The pricing page ([PP], https://aws.amazon.com/lambda/pricing/) bills durable functions for
three things: durable operations at $8.00 per million, data written at $0.25 per GB, and data
retained at $0.15 per GB-month.

- A durable operation is counted for each execution started and for each operation update a
  checkpoint carries (a step's start and its end are two; a wait, a callback or a chained
  invoke's start is one; the EXECUTION update that ends an execution is one). The pricing page
  names "steps, waits, callbacks and invokes" as the operations; an update is the unit the
  service checkpoints and so the unit it can count.
- Data written is the bytes of the payloads checkpointed: an execution's input, and each
  update's `Payload` and `Error`.
- Data retained is what was written, kept for the execution's retention period
  (`retention_days`, 1 to 90, default 14) after it ends: GB * days / 30 GB-months, billed when
  it is written.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from faaslib.durable.execution import Execution
from faaslib.stores.values import Values

__all__ = [
    "PRICE_PER_GB_MONTH_RETAINED",
    "PRICE_PER_GB_WRITTEN",
    "PRICE_PER_OPERATION",
    "DurableTotals",
    "DurableUsage",
]

PRICE_PER_OPERATION = Decimal("8.00") / 1_000_000  # [PP]
PRICE_PER_GB_WRITTEN = Decimal("0.25")  # [PP]
PRICE_PER_GB_MONTH_RETAINED = Decimal("0.15")  # [PP]
NAMESPACE = "durable-usage"
BYTES_PER_GB = 1024**3
DAYS_PER_MONTH = 30


class DurableTotals(msgspec.Struct, kw_only=True):
    """One function's durable usage and what it costs (dollars, exact)."""

    executions: int = 0
    operations: int = 0
    written_bytes: int = 0
    retained_byte_days: int = 0

    @property
    def operations_cost(self) -> Decimal:
        return self.operations * PRICE_PER_OPERATION

    @property
    def written_cost(self) -> Decimal:
        return Decimal(self.written_bytes) / BYTES_PER_GB * PRICE_PER_GB_WRITTEN

    @property
    def retained_cost(self) -> Decimal:
        gb_months = Decimal(self.retained_byte_days) / BYTES_PER_GB / DAYS_PER_MONTH
        return gb_months * PRICE_PER_GB_MONTH_RETAINED

    @property
    def cost(self) -> Decimal:
        return self.operations_cost + self.written_cost + self.retained_cost


class DurableUsage:
    """Durable usage by function, counted as executions start and checkpoint.

    With a durable store (`keep_in`), each count is also added to the store's totals (one
    atomic `Values.add` a change), and the totals kept there are read back when the app starts:
    the bill of durable executions outlives the process, as compute's does.
    """

    def __init__(self) -> None:
        self.by_function: dict[str, DurableTotals] = {}
        self._values: Values | None = None

    def keep_in(self, values: Values, functions: list[str]) -> None:
        """Keep the totals in `values` from now on, starting from those kept for `functions`."""
        if self._values is not None:
            return
        self._values = values
        for function in functions:
            kept = values.get(NAMESPACE, function)
            if isinstance(kept, dict):
                self.by_function[function] = msgspec.convert(kept, DurableTotals)

    def _add(self, function: str, **amounts: int) -> None:
        totals = self.by_function.get(function)
        if totals is None:
            totals = self.by_function[function] = DurableTotals()
        for field, amount in amounts.items():
            setattr(totals, field, getattr(totals, field) + amount)
        if self._values is not None:
            self._values.add(NAMESPACE, function, amounts)

    def started(self, execution: Execution) -> None:
        written = len(execution.input.encode())
        self._add(
            execution.function,
            executions=1,
            operations=1,
            written_bytes=written,
            retained_byte_days=written * execution.retention_days,
        )

    def checkpointed(self, execution: Execution, operations: int, written: int) -> None:
        self._add(
            execution.function,
            operations=operations,
            written_bytes=written,
            retained_byte_days=written * execution.retention_days,
        )

    def reset(self) -> None:
        """Start counting afresh (`app.costs.reset()`), in the store too."""
        if self._values is not None:
            for function in self.by_function:
                self._values.put(NAMESPACE, function, msgspec.to_builtins(DurableTotals()))
        self.by_function.clear()
