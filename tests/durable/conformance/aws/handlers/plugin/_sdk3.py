"""faaslib's change to run these handlers on SDK 3.0.0 (see ../../../NOTICE.md).

SDK 1.7 took plugin instances in ``durable_execution(plugins=[...])``; 3.0.0 takes factories,
each asked for a plugin per invocation. ``shared(plugin)`` is a factory handing out the one
instance every time, which is what 1.7 did with an instance.
"""

from typing import Any


class shared:  # noqa: N801 - reads as the function it stands for
    def __init__(self, plugin: Any) -> None:
        self.plugin = plugin

    def create_plugin(self, info: Any, /) -> Any:
        return self.plugin
