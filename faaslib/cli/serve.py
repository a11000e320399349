"""`faaslib serve MODULE:APP`: the app's HTTP routes on a uvicorn server, and its sources
running, until Ctrl-C.

The server runs `app.asgi` with ASGI lifespan on, so the app starts (sources, provisioned
instances, workers) before the first request and stops after the last: Ctrl-C (or SIGTERM)
stops taking connections, lets requests in flight finish, then stops the app.
"""

from __future__ import annotations

import argparse
from typing import Any

from faaslib.cli.errors import ExitStatus, UsageError
from faaslib.cli.inputs import add_app_argument, load_app

__all__ = ["add_parser"]


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "serve",
        help="serve an app's HTTP routes (uvicorn) and run its sources until Ctrl-C",
        description="Serve the HTTP routes of the App MODULE:APP (app.asgi) with uvicorn, and "
        "run its event sources, until Ctrl-C; then finish the requests in flight and stop the "
        "app cleanly. Needs uvicorn: pip install 'faaslib[http]'.",
        epilog="exit status: 0 once stopped; 1 if the server or the app could not start (the "
        "port is taken, the HTTP API is misconfigured...); 2 for a usage error",
    )
    add_app_argument(parser)
    parser.add_argument(
        "--host", default="127.0.0.1", help="the address to bind (default: 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=3000, help="the port to bind (default: 3000)")
    parser.add_argument(
        "--log-level",
        choices=["critical", "error", "warning", "info", "debug", "trace"],
        default="info",
        help="uvicorn's log level (default: info)",
    )
    parser.set_defaults(run=run, prog=parser.prog)


def run(args: argparse.Namespace) -> int:
    app = load_app(args.app)
    try:
        import uvicorn
    except ImportError:
        raise UsageError(
            "serving needs uvicorn, which is not installed: pip install 'faaslib[http]'"
        ) from None
    config = uvicorn.Config(
        app.asgi, host=args.host, port=args.port, lifespan="on", log_level=args.log_level
    )
    server = uvicorn.Server(config)
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn raises Ctrl-C again once it has shut down cleanly
        pass
    except SystemExit:  # uvicorn's own status when it cannot start; ours is 1, as documented
        return 1
    return ExitStatus.OK if server.started else 1
