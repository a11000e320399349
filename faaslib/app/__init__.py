"""`App`: where functions are registered, invoked, and given a lifetime."""

from faaslib.app.application import App
from faaslib.app.registry import InstanceCounts

__all__ = ["App", "InstanceCounts"]
