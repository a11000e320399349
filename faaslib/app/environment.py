"""Functions' environment variables in the process's `os.environ`."""

from __future__ import annotations

import os

__all__ = ["Environment"]


class Environment:
    """Writes the functions' variables to `os.environ` while the app runs, and restores the
    host's values when it stops."""

    _environment: dict[str, tuple[str, str]]
    _saved_environment: dict[str, str | None] | None

    def _apply_environment(self) -> None:
        saved = self._saved_environment if self._saved_environment is not None else {}
        for key, (value, _) in self._environment.items():
            if key not in saved:
                saved[key] = os.environ.get(key)
            os.environ[key] = value
        self._saved_environment = saved

    def _restore_environment(self) -> None:
        for key, value in (self._saved_environment or {}).items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_environment = None
