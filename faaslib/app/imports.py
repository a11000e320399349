"""Handlers given as code, the way Lambda takes them: a code folder and `Handler: module.function`.

Lambda imports the handler's module when an instance starts: that import is the init phase, and
what goes wrong in it is the runtime's fault, reported at invoke time (`Runtime.ImportModuleError`,
`Runtime.UserCodeSyntaxError`, `Runtime.HandlerNotFound`), never when the function is created.
In-process, faaslib does the same on a function's first cold start, with the function's own
environment visible in `os.environ` (its first instance's variables), and keeps the module, as one
process keeps it: later instances reuse it, so module globals are shared (process instances
import per instance).

Two projects loaded into one app often have modules of the same name (`app.py`, `utils.py`). The
first to be imported keeps the plain names in `sys.modules`; a later folder's modules of taken
names are imported with those names hidden, then kept under private names, so each handler sees
its own folder's code.
"""

from __future__ import annotations

import importlib
import itertools
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from faaslib.errors import ConfigurationError
from faaslib.executor.handlers import HandlerSpec, is_async_handler
from faaslib.marshal import RuntimeFault

__all__ = ["CodeHandler", "python_paths"]

_IMPORT_LOCK = threading.Lock()  # sys.modules and sys.path are the process's
_PRIVATE = itertools.count(1)


class CodeHandler:
    """Creates an instance's handler from code: calling it imports `handler`'s module from
    `task_root` (once) and returns the handler function. It runs as the init phase does, in a
    worker thread under the init limit."""

    def __init__(self, function: str, handler: str, task_root: Path, paths: Sequence[Path]) -> None:
        module, separator, attribute = handler.rpartition(".")
        if not separator or not module or not attribute:
            raise ConfigurationError(
                f"function {function!r}: handler={handler!r} must name a module and its function, "
                "as Lambda's Handler does: 'app.lambda_handler' or 'package/module.handler'"
            )
        self.function = function
        self.handler = handler
        self.module = module.replace("/", ".")
        self.attribute = attribute
        self.task_root = task_root
        self.paths = tuple(paths)  # the task root, then the layers' python folders
        self._loaded: Callable[..., Any] | None = None
        # How the executor runs it: a sync handler in a worker thread until the import shows
        # an `async def` one (known before the first call, which follows the first init).
        self.spec = HandlerSpec(self, is_class=True, is_async=False, name=handler)

    def __call__(self) -> Callable[..., Any]:
        loaded = self._loaded
        if loaded is None:
            with _IMPORT_LOCK:
                loaded = self._loaded
                if loaded is None:
                    loaded = self._loaded = self._load()
        return loaded

    def _load(self) -> Callable[..., Any]:
        if self.module.split(".")[0] in sys.builtin_module_names:
            raise RuntimeFault(
                "Runtime.BuiltInModuleConflict",
                f"Cannot use built-in module {self.module} as a handler module",
            )
        module = _import(self.module, self.task_root, self.paths)
        try:
            found = getattr(module, self.attribute)
        except AttributeError:
            raise RuntimeFault(
                "Runtime.HandlerNotFound",
                f"Handler '{self.attribute}' missing on module '{self.module}'",
            ) from None
        if not callable(found):
            raise RuntimeFault(
                "Runtime.HandlerNotFound",
                f"Handler '{self.attribute}' on module '{self.module}' is not callable",
            )
        self.spec.is_async = is_async_handler(found)
        return found  # type: ignore[no-any-return]


def python_paths(task_root: Path, layers: Sequence[Path]) -> list[Path]:
    """Where a Python function's imports are found, in Lambda's order: the task root, then each
    layer's `python/` and `python/lib/pythonX.Y/site-packages` folders (as /opt)."""
    paths = [task_root]
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for layer in layers:
        for folder in (layer / "python", layer / "python" / "lib" / version / "site-packages"):
            if folder.is_dir():
                paths.append(folder)
    return paths


def _import(name: str, task_root: Path, paths: Sequence[Path]) -> ModuleType:
    """Module `name` from `task_root`, its sibling modules resolved there first."""
    roots = [str(path) for path in paths]
    # In one assignment: another thread importing meanwhile never finds a root missing.
    sys.path[:] = [*roots, *(entry for entry in sys.path if entry not in roots)]
    existing = sys.modules.get(name)
    if existing is not None and _is_under(existing, task_root):
        return existing
    provided = _top_level_names(task_root)
    # A copy first (one step for the interpreter): other threads import meanwhile, outside
    # this lock, and iterating the live dict would fail as it grows.
    hidden = {
        key: module
        for key, module in list(sys.modules.items())
        if key.split(".")[0] in provided and not _is_under(module, task_root)
    }
    for key in hidden:
        del sys.modules[key]
    importlib.invalidate_caches()
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise RuntimeFault(
            "Runtime.ImportModuleError", f"Unable to import module '{name}': {error}"
        ) from None
    except SyntaxError as error:
        raise RuntimeFault(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{name}': {error}"
        ) from None
    finally:
        if hidden:  # the earlier folder keeps the plain names; this one's go private
            prefix = f"_faaslib_code_{next(_PRIVATE)}."
            for key in [k for k in list(sys.modules) if k.split(".")[0] in provided]:
                module = sys.modules[key]
                if _is_under(module, task_root):
                    sys.modules[prefix + key] = sys.modules.pop(key)
            sys.modules.update(hidden)


def _top_level_names(folder: Path) -> set[str]:
    names: set[str] = set()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return names
    for entry in entries:
        if entry.is_dir():
            names.add(entry.name)
        elif entry.name.endswith(".py"):
            names.add(entry.name[:-3])
    return names


def _is_under(module: ModuleType, folder: Path) -> bool:
    location = getattr(module, "__file__", None)
    if location is None:
        paths = list(getattr(module, "__path__", ()) or ())
        location = paths[0] if paths else None
    if location is None:
        return False
    try:
        return Path(location).resolve().is_relative_to(folder.resolve())
    except OSError:
        return False
