"""Handlers' own AWS SDK calls, carried to their app's `app.aws` in process.

On Lambda a handler's `boto3.client("s3")` reaches AWS; under faaslib it reaches the app that
runs the handler, with no code change and no socket. botocore lets an extension answer a request
before it is sent (its `before-send` event, which moto uses the same way); faaslib adds one
handler to every botocore session. It answers only inside an invocation of an app that routes
its calls (`App(route_aws_calls=True)`, the default) while the app runs; a call from an
invocation still running after its app stopped is refused (it was meant for the app, not for
AWS); anywhere else the request goes out as botocore would send it.

A sync handler runs in a worker thread: its call is carried into the app's event loop and waits
there for the answer. An async handler runs on that loop, so a blocking boto3 call from it could
never be answered: it raises, saying to make the call from a thread
(`await anyio.to_thread.run_sync(...)`), where it is carried like a sync handler's.
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any

import anyio.from_thread
import anyio.lowlevel

from faaslib.aws.inprocess import answer
from faaslib.executor.variables import running

if TYPE_CHECKING:
    from faaslib.app import App

__all__ = ["AwsRoute"]


class AwsRoute:
    """Where the AWS calls of an app's handlers go while the app runs: its `app.aws`."""

    def __init__(self, app: App) -> None:
        self._app = app
        self._token: anyio.lowlevel.EventLoopToken | None = None
        self._loop_thread: int | None = None
        self._stopped = False  # the app ran and stopped: its late invocations are refused
        if "botocore" in sys.modules:  # sessions made from now on carry the hook
            install()

    def start(self) -> None:
        """Route calls from now on (the app has started, in this event loop)."""
        install()
        self._token = anyio.lowlevel.current_token()
        self._loop_thread = threading.get_ident()
        self._stopped = False

    def stop(self) -> None:
        self._token = None
        self._stopped = True

    def answer(self, request: Any) -> Any:
        """The app's answer to a handler's botocore `request`, or None to let it go out."""
        token = self._token
        if token is None:
            if self._stopped:  # a handler the app left running as it stopped: never out
                raise RuntimeError(
                    f"App {self._app.name!r} has stopped, so the AWS SDK call "
                    f"({request.method} {request.url}) of one of its invocations, still running "
                    "after it, has nothing to answer it; it is not sent to AWS either "
                    "(App(route_aws_calls=False) sends the handlers' calls out)"
                )
            return None  # the app has not run: nothing in process to answer
        if threading.get_ident() == self._loop_thread:
            raise RuntimeError(
                f"an async handler of App {self._app.name!r} made a blocking AWS SDK call "
                f"({request.method} {request.url}), which would stop the event loop that must "
                "answer it: make the call in a thread (await anyio.to_thread.run_sync(...)) or "
                "with an async SDK"
            )
        return answer(
            request,
            lambda call, arguments: anyio.from_thread.run(call, *arguments, token=token),
            self._app.aws,
        )


def _before_send(request: Any, **kwargs: Any) -> Any:
    """botocore's `before-send` handler: answered by the invocation's app, if it routes."""
    variables = running.get()
    route = None if variables is None else variables.route
    return None if route is None else route.answer(request)


_installed = False


def install() -> None:
    """Add the handler to every botocore session made from now on, and to boto3's default
    session if it exists already. Once per process; nothing if botocore is not installed."""
    global _installed
    if _installed:
        return
    try:
        import botocore.handlers
    except ImportError:
        return
    _installed = True
    botocore.handlers.BUILTIN_HANDLERS.append(("before-send", _before_send))
    boto3 = sys.modules.get("boto3")
    default = getattr(boto3, "DEFAULT_SESSION", None)
    if default is not None:
        default.events.register("before-send", _before_send)
