"""The web console: a page of the running app beside your editor (`app.console`,
`faaslib serve --console`): its functions, invocations live with their logs, metrics charts,
services, costs, and actions, served by the app itself (docs/console.md)."""

from faaslib.console.console import Console

__all__ = ["Console"]
