"""The ledger's totals kept in the app's store, so that a durable app's bill outlives the
process and processes sharing a store (a SQLite file, a Redis prefix) share one bill.

Kept as deltas added atomically (`Values.add_many`): each process adds what its functions used
since it last wrote, at least once a second while the app runs and when it stops, so a killed
process loses at most its last second of charges, and processes sharing a store never overwrite
each other's. The same call returns the store's totals, and what the others added meanwhile is
carried into this process's ledgers: `app.costs` shows the fleet's bill, a second late at most
for the other processes' part. What was carried is remembered, so this process's own part stays
known (`Costs.this_process()`). Rows (`ledger_rows`) and budgets stay per process.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from faaslib.billing.ledger import FunctionLedger
from faaslib.stores.values import Values

__all__ = ["KEPT_FIELDS", "KeptTotals", "forget_totals", "sync_totals"]

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
    """One function's ledger, in step with its totals in the store.

    After each sync the ledger holds the store's totals; `_synced` is what it held then, so
    what it counted since is `ledger - _synced`, and `carried` is what came from elsewhere
    (other processes, earlier runs)."""

    __slots__ = ("_synced", "carried", "ledger")

    def __init__(self, ledger: FunctionLedger) -> None:
        self.ledger = ledger
        self._synced = dict.fromkeys(KEPT_FIELDS, 0)
        self.carried = dict.fromkeys(KEPT_FIELDS, 0)

    def deltas(self) -> dict[str, int]:
        """What the ledger counted since the last sync (only the fields that changed)."""
        ledger, synced = self.ledger, self._synced
        changed = {field: getattr(ledger, field) - synced[field] for field in KEPT_FIELDS}
        return {field: delta for field, delta in changed.items() if delta}

    def carry(self, kept: dict[str, int], sent: dict[str, int]) -> None:
        """The store holds `kept` after this process added `sent`: add to the ledger what it
        lacks (what the others added since the last sync)."""
        ledger = self.ledger
        for field in KEPT_FIELDS:
            mine = self._synced[field] + sent.get(field, 0)
            carried = int(kept.get(field, 0)) - mine
            if carried:
                setattr(ledger, field, getattr(ledger, field) + carried)
                self.carried[field] += carried
            self._synced[field] = mine + carried

    def own(self) -> FunctionLedger:
        """The ledger as this process alone counted it (what it carried taken out)."""
        own = copy.copy(self.ledger)
        for field, carried in self.carried.items():
            setattr(own, field, getattr(own, field) - carried)
        return own

    def forget(self) -> None:
        """The ledger was reset (`app.costs.reset()`): so is what it carried."""
        self._synced = dict.fromkeys(KEPT_FIELDS, 0)
        self.carried = dict.fromkeys(KEPT_FIELDS, 0)


def sync_totals(values: Values, kept: Iterable[KeptTotals]) -> None:
    """Add every ledger's counts since its last sync to the store and carry in the others'
    (one `add_many`: one transaction, or one round trip to Redis)."""
    by_name = {totals.ledger.name: totals for totals in kept}
    sent = {name: totals.deltas() for name, totals in by_name.items()}
    documents = values.add_many(NAMESPACE, sent)
    for name, totals in by_name.items():
        totals.carry(documents.get(name, {}), sent[name])


def forget_totals(values: Values, kept: Iterable[KeptTotals]) -> None:
    """A reset of the bill: the store's totals go back to zero with the ledgers'."""
    for totals in kept:
        values.put(NAMESPACE, totals.ledger.name, dict.fromkeys(KEPT_FIELDS, 0))
        totals.forget()
