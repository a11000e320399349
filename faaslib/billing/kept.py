"""The ledger's totals kept in the app's store, so that a durable app's bill outlives the
process: what each function used in earlier runs (and in the other processes sharing the file)
is added to what it uses now.

Kept as deltas added atomically (`Values.add`): each process adds what its functions used since
it last wrote, at least once a second while the app runs and when it stops, so a killed process
loses at most its last second of charges, and processes sharing a file never overwrite each
other's. Rows (`ledger_rows`) and budgets stay per process.
"""

from __future__ import annotations

from faaslib.billing.ledger import FunctionLedger
from faaslib.stores.values import Values

__all__ = ["KEPT_FIELDS", "KeptTotals"]

NAMESPACE = "ledger"
KEPT_FIELDS = (
    "requests",
    "on_demand_ms",
    "init_ms",
    "provisioned_ms",
    "provisioned_init_ms",
    "provisioned_instance_seconds",
)


class KeptTotals:
    """One function's ledger and its totals in the store."""

    __slots__ = ("_values", "_written", "ledger")

    def __init__(self, ledger: FunctionLedger, values: Values) -> None:
        self.ledger = ledger
        self._values = values
        self._written = dict.fromkeys(KEPT_FIELDS, 0)  # the ledger's counts as last written

    def load(self) -> None:
        """Add what the store holds (earlier runs, other processes) to the ledger."""
        self.write()
        kept = self._values.get(NAMESPACE, self.ledger.name)
        if not isinstance(kept, dict):
            return
        for field in KEPT_FIELDS:
            carried = int(kept.get(field, 0)) - self._written[field]
            setattr(self.ledger, field, getattr(self.ledger, field) + carried)
            self._written[field] += carried

    def write(self) -> None:
        """Add to the store what the ledger counted since the last write."""
        ledger = self.ledger
        deltas = {field: getattr(ledger, field) - self._written[field] for field in KEPT_FIELDS}
        if any(deltas.values()):
            self._values.add(NAMESPACE, ledger.name, deltas)
            for field, delta in deltas.items():
                self._written[field] += delta

    def forget(self) -> None:
        """The ledger was reset (`app.costs.reset()`): so are its totals in the store."""
        self._values.put(NAMESPACE, self.ledger.name, dict.fromkeys(KEPT_FIELDS, 0))
        self._written = dict.fromkeys(KEPT_FIELDS, 0)
