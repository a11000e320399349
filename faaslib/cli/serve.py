"""`faaslib serve MODULE:APP`: the app's HTTP routes (or, with `--aws`, its AWS endpoints) on a
uvicorn server, and its sources running, until Ctrl-C.

The server runs `app.asgi` with ASGI lifespan on, so the app starts (sources, provisioned
instances, workers) before the first request and stops after the last: Ctrl-C (or SIGTERM)
stops taking connections, lets requests in flight finish, then stops the app. With `--console
[PORT]` the app's web console (faaslib.console) is served too, on a port of its own, by the same
server: one lifespan, one app.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
from typing import Any

from faaslib.cli.errors import (
    CommandFailed,
    ExitStatus,
    UsageError,
    describe,
    unexpected_errors_as,
)
from faaslib.cli.inputs import add_app_argument, app_from

__all__ = ["add_parser"]

MAX_PORT = 65535
# serve's own status when the server or the app cannot start, or the server fails (its epilog)
SERVER_FAILED = 1


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
    parser.add_argument(
        "--port", type=_port, default=3000, help="the port to bind, 0-65535 (default: 3000)"
    )
    parser.add_argument(
        "--aws",
        action="store_true",
        help="serve the app's AWS endpoints (app.aws: boto3 and AWS SDKs, with endpoint_url "
        "pointing here) instead of its HTTP routes",
    )
    parser.add_argument(
        "--console",
        nargs="?",
        const=3001,
        type=_port,
        metavar="PORT",
        help="serve the app's web console too, on PORT (default: 3001) of --console-host",
    )
    parser.add_argument(
        "--console-host",
        default="127.0.0.1",
        metavar="HOST",
        help="the address the console binds (default: 127.0.0.1); any other needs a token",
    )
    parser.add_argument(
        "--console-token",
        default=os.environ.get("FAASLIB_CONSOLE_TOKEN"),
        metavar="TOKEN",
        help="the token every console request must carry (default: $FAASLIB_CONSOLE_TOKEN)",
    )
    parser.add_argument(
        "--store",
        metavar="URL",
        help="with -t: where the app keeps what it accepts, 'memory' (the default) or "
        "'sqlite:///path/to/app.db' (durable: a restart loses nothing)",
    )
    parser.add_argument(
        "--log-level",
        choices=["critical", "error", "warning", "info", "debug", "trace"],
        default="info",
        help="uvicorn's log level (default: info)",
    )
    parser.set_defaults(run=run, prog=parser.prog)


def run(args: argparse.Namespace) -> int:
    app = app_from(args)
    try:
        import uvicorn
    except ImportError:
        raise UsageError(
            "serving needs uvicorn, which is not installed: pip install 'faaslib[http]'"
        ) from None
    _check_can_listen(args.host, args.port)
    served = app.aws if args.aws else app.asgi
    config = uvicorn.Config(
        served, host=args.host, port=args.port, lifespan="on", log_level=args.log_level
    )
    sockets = None
    if args.console is not None:
        config, sockets = _with_console(app, config, args)
    server = uvicorn.Server(config)
    with unexpected_errors_as(SERVER_FAILED, "the server stopped"):
        try:
            server.run(sockets=sockets)
        except KeyboardInterrupt:  # uvicorn raises Ctrl-C again once it has shut down cleanly
            pass
        except SystemExit:  # uvicorn's own status when it cannot start (it said why); ours is 1
            return SERVER_FAILED
    return ExitStatus.OK if server.started else SERVER_FAILED


def _with_console(app: Any, config: Any, args: argparse.Namespace) -> tuple[Any, list[Any]]:
    """The server's config and sockets with the console on its own port (`--console`)."""
    import uvicorn

    from faaslib.console import Console
    from faaslib.console.serving import ServedBeside

    host, port, token = args.console_host, args.console, args.console_token
    if token is None and not _is_loopback(host):
        raise UsageError(
            f"--console-host {host!r} is not a loopback address: a console reachable from "
            "elsewhere needs a token (--console-token, or FAASLIB_CONSOLE_TOKEN)"
        )
    if port and port == args.port:
        raise UsageError(f"--console {port}: the app is served on that port already (--port)")
    _check_can_listen(host, port)
    sockets = [config.bind_socket()]
    console_socket = uvicorn.Config(config.app, host=host, port=port).bind_socket()
    sockets.append(console_socket)
    console_port = console_socket.getsockname()[1]
    served = ServedBeside(config.app, Console(app, token=token), console_port)
    config = uvicorn.Config(served, lifespan="on", log_level=args.log_level)
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    print(f"faaslib console: http://{shown}:{console_port}/", flush=True)
    return config, sockets


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= MAX_PORT:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port (0 to {MAX_PORT})")
    return port


def _check_can_listen(host: str, port: int) -> None:
    """Bind each address `host` names, as uvicorn will, and let go: a port in use or a host
    that names nothing is said in one line before the app starts, rather than after it has."""
    try:
        addresses = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except (OSError, UnicodeError, ValueError) as error:  # a name no resolver knows
        reason = (error.strerror if isinstance(error, OSError) else None) or describe(error)
        raise UsageError(f"--host {host!r}: {reason}") from None
    for family, kind, protocol, _, address in addresses:
        with socket.socket(family, kind, protocol) as probe:
            # as asyncio binds for uvicorn: reusing the address on POSIX, and IPv6 only (the
            # IPv4 address has a socket of its own)
            if os.name == "posix":
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6 and hasattr(socket, "IPPROTO_IPV6"):
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(address)
            except OSError as error:
                raise CommandFailed(
                    f"cannot listen on {_address_text(address)}: {error.strerror or error}",
                    SERVER_FAILED,
                ) from None


def _address_text(address: tuple[Any, ...]) -> str:
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
