"""The requirements faaslib does not pass yet, each with what it does differently (diagnosed from
the run: event type, field, value). test_conformance.py marks them `xfail(strict=True)`, so a fix
turns the entry into an XPASS failure and this list must shrink with it."""

from __future__ import annotations

__all__ = ["NOT_YET"]

NOT_YET: dict[str, str] = {}
