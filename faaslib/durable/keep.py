"""Executions kept in the app's store (`Values`), so that a restart resumes them.

Each execution is one document (namespace `durable`, key its ARN), written whole whenever it
changes and before a checkpoint is answered. Beside them: `active`, the executions not yet
ended (read at start to resume them; changed by `Values.swap`, as processes share it);
`name:{function}:{name}`, an execution by its name; and each function's executions numbered in
the order they started (`count:{function}` and `function:{function}:{n}`), so that a start
writes a few small documents however many executions there are. Which process drives an
execution is `fleet.Fleet`'s. On the memory store nothing is written: the service's own dict is
the store, and it lasts as long as the app object.
"""

from __future__ import annotations

from collections.abc import Callable

from faaslib.durable.execution import Execution
from faaslib.stores import Backend

__all__ = ["Keeper"]

NAMESPACE = "durable"


class Keeper:
    """Reads and writes executions in a store; a no-op on the memory store."""

    __slots__ = ("_store",)

    def __init__(self, store: Backend) -> None:
        self._store = store

    @property
    def is_durable(self) -> bool:
        return self._store.kind != "memory"

    def write(self, execution: Execution) -> None:
        if self.is_durable:
            self._store.values.put(NAMESPACE, execution.arn, execution.to_document())

    def added(self, execution: Execution) -> None:
        """A new execution: written, and listed as active and under its function."""
        if not self.is_durable:
            return
        # In this order, so a process killed between two writes leaves nothing that could be
        # found and never run: the execution, then its place among those to resume, and only
        # then the indexes a start by name looks in (a restart resumes an active execution;
        # one written but never active was never answered, and a start again makes a new one).
        values = self._store.values
        self.write(execution)
        self.make_active(execution)
        function = execution.function
        number = values.add(NAMESPACE, f"count:{function}", {"n": 1})["n"]
        values.put(NAMESPACE, f"function:{function}:{number}", execution.arn)
        values.put(NAMESPACE, f"name:{function}:{execution.name}", execution.arn)

    def make_active(self, execution: Execution) -> None:
        """List `execution` among those a restart resumes (if it is not already)."""
        if self.is_durable:
            arn = execution.arn
            self._change_active(lambda active: active if arn in active else [*active, arn])

    def ended(self, execution: Execution) -> None:
        """An execution ended: written, and no longer active."""
        if not self.is_durable:
            return
        self.write(execution)
        arn = execution.arn
        self._change_active(lambda active: [held for held in active if held != arn])

    def active(self) -> list[str]:
        """The executions not yet ended, as the store has them now."""
        if not self.is_durable:
            return []
        return list(self._store.values.get(NAMESPACE, "active") or [])

    def _change_active(self, change: Callable[[list[str]], list[str]]) -> None:
        """Read the list, change it, and write it unless another process changed it in
        between (then read it again): processes sharing the store each add and remove theirs."""
        values = self._store.values
        while True:
            held = values.get(NAMESPACE, "active")
            active = list(held or [])
            changed = change(active)
            if changed == active or values.swap(NAMESPACE, "active", held, changed):
                return

    def read(self, arn: str) -> Execution | None:
        if not self.is_durable:
            return None
        document = self._store.values.get(NAMESPACE, arn)
        return None if document is None else Execution.from_document(document)

    def of_function(self, function: str) -> list[str]:
        """The ARNs of `function`'s executions, in the order they started."""
        if not self.is_durable:
            return []
        values = self._store.values
        count = int((values.get(NAMESPACE, f"count:{function}") or {}).get("n", 0))
        found = (values.get(NAMESPACE, f"function:{function}:{n}") for n in range(1, count + 1))
        return [arn for arn in found if isinstance(arn, str)]

    def named(self, function: str, name: str) -> str | None:
        """The ARN of `function`'s latest execution named `name`."""
        if not self.is_durable:
            return None
        arn = self._store.values.get(NAMESPACE, f"name:{function}:{name}")
        return arn if isinstance(arn, str) else None
