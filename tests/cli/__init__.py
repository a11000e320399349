"""Tests of the `faaslib` command, run as a user runs it: `python -m faaslib ...` in a
subprocess, from the directory of the example apps (tests/cli/apps)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

APPS = Path(__file__).resolve().parent / "apps"


def faaslib(
    *args: str, stdin: str | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    """Run `faaslib ARGS` in tests/cli/apps; the result has returncode, stdout and stderr."""
    return subprocess.run(
        [sys.executable, "-m", "faaslib", *args],
        cwd=APPS,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def faaslib_bytes(
    *args: str | bytes, stdin: bytes | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[bytes]:
    """`faaslib` with arguments and output as bytes: for what is not UTF-8 on the way in, and
    to see exactly what was written on the way out, through pipes."""
    return subprocess.run(
        [sys.executable, "-m", "faaslib", *args],
        cwd=APPS,
        input=stdin,
        capture_output=True,
        timeout=timeout,
    )
