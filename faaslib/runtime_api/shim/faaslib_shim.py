"""The handler a process instance's runtime client calls when Lambda's Python runtime could not
call faaslib's handler as it is: a class (its `__init__` runs here, at import, which is the
instance's init phase, as a module's top level is on Lambda) or an `async def` (run to
completion on this process's own event loop). `_FAASLIB_HANDLER` names the real handler
(`module.Name`).

It is imported by name from its own folder, outside the faaslib package, so that an instance
imports nothing of faaslib.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import os
from collections.abc import Callable
from typing import Any


def _load() -> Callable[[Any, Any], Any]:
    module_name, _, name = os.environ["_FAASLIB_HANDLER"].rpartition(".")
    target = getattr(importlib.import_module(module_name), name)
    if inspect.isclass(target):
        target = target()
    call: Callable[[Any, Any], Any] = target
    if not (inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(type(call).__call__)):
        return call
    loop = asyncio.new_event_loop()

    def run_to_completion(event: Any, context: Any) -> Any:
        return loop.run_until_complete(call(event, context))

    return run_to_completion


handler = _load()
