"""Tools for testing Lambda handlers with faaslib: a fake clock, and more as they land."""

from faaslib.testing.clock import FakeClock

__all__ = ["FakeClock"]
