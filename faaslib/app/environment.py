"""Functions' environment variables in the process's `os.environ`."""

from __future__ import annotations

import os

__all__ = ["Environment"]


class Environment:
    """Writes to `os.environ`, while the app runs, the variables on which all functions that set
    them agree, and restores the host's values when it stops.

    Each invocation sees its own function's `environment` whatever is written here (its
    instance's variables come first, see `faaslib.executor.variables`); the process-wide values
    are for code that runs outside an invocation's context, such as a thread a handler starts.
    """

    _environment: dict[str, str | None]
    _saved_environment: dict[str, str | None] | None

    def _apply_environment(self) -> None:
        saved = self._saved_environment if self._saved_environment is not None else {}
        for key, value in self._environment.items():
            if value is None:  # functions differ: the host's value, if any, stays
                if key in saved:
                    _put(key, saved.pop(key))
                continue
            if key not in saved:
                saved[key] = os.environ.get(key)
            os.environ[key] = value
        self._saved_environment = saved

    def _restore_environment(self) -> None:
        for key, value in (self._saved_environment or {}).items():
            _put(key, value)
        self._saved_environment = None


def _put(key: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = value
