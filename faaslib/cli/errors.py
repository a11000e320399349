"""The command's exit statuses, and the error that means the command line itself was wrong."""

from __future__ import annotations

import enum

__all__ = ["EXIT_STATUSES", "ExitStatus", "UsageError"]


class ExitStatus(enum.IntEnum):
    """What `faaslib` exits with; scripts can tell a failing handler from a throttle."""

    OK = 0
    FUNCTION_ERROR = 1  # the handler failed: Lambda's `FunctionError: Unhandled`
    USAGE = 2  # bad arguments, or MODULE:APP cannot be loaded (argparse's own status)
    REFUSED = 3  # Lambda refused the invocation: not found (404), bad payload (400), too big (413)
    THROTTLED = 4  # no concurrency left: Lambda's 429 TooManyRequests
    INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT
    PIPE_CLOSED = 141  # stdout's reader went away (`| head`), as shells report SIGPIPE


EXIT_STATUSES = """\
exit status:
  0    success (an Event or DryRun invocation: accepted)
  1    the function failed (Lambda's FunctionError: Unhandled; the error object is printed)
  2    usage error: bad arguments, or MODULE:APP cannot be loaded
  3    Lambda refused the invocation: no such function (404), payload not JSON (400),
       payload too large (413)
  4    throttled: no concurrency left (429 TooManyRequests)
  130  interrupted (Ctrl-C)"""


class UsageError(ValueError):
    """The command line asks for something that cannot be done: a MODULE:APP that names no
    App, an event file that is not there, an option a builder refuses. Exits with status 2."""
