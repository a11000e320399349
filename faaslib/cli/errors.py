"""The command's exit statuses, and the one place where an error becomes a status and a message.

A command works in steps, and an error it did not expect is reported by the step it broke:
reading what the user gave (status 2), Lambda's check of the invocation (3), the invocation
itself (70: faaslib failed, not the handler). Each ends as one line on stderr, never a traceback.
"""

from __future__ import annotations

import contextlib
import enum
import sys
from collections.abc import Iterator

__all__ = [
    "EXIT_STATUSES",
    "CommandFailed",
    "ExitStatus",
    "UsageError",
    "describe",
    "exit_status",
    "unexpected_errors_as",
]

if sys.version_info >= (3, 11):
    from builtins import BaseExceptionGroup as _Group
else:  # pragma: no cover - Python 3.10, where anyio brings the backport
    from exceptiongroup import BaseExceptionGroup as _Group  # type: ignore[import-not-found, unused-ignore]


class ExitStatus(enum.IntEnum):
    """What `faaslib` exits with; scripts can tell a failing handler from a throttle."""

    OK = 0
    FUNCTION_ERROR = 1  # the handler failed: Lambda's `FunctionError: Unhandled`
    USAGE = 2  # bad arguments, or MODULE:APP cannot be loaded (argparse's own status)
    REFUSED = 3  # Lambda refused the invocation: not found (404), bad payload (400), too big (413)
    THROTTLED = 4  # no concurrency left: Lambda's 429 TooManyRequests
    INTERNAL_ERROR = 70  # faaslib itself failed (a bug to report), as sysexits' EX_SOFTWARE
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
  70   faaslib itself failed (a bug: the message names the error)
  130  interrupted (Ctrl-C)"""

# An error message is shown on one line, and a value quoted in it is not shown whole.
MAX_MESSAGE_CHARACTERS = 1000


class UsageError(ValueError):
    """The command line asks for something that cannot be done: a MODULE:APP that names no
    App, an event file that is not there, an option a builder refuses. Exits with status 2."""


class CommandFailed(Exception):
    """A step of a command failed with an error it did not expect; `status` is that step's
    (`unexpected_errors_as`)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@contextlib.contextmanager
def unexpected_errors_as(status: int, step: str) -> Iterator[None]:
    """Turn an error the step inside does not expect into `CommandFailed(status)`, whose
    message names the step and the error; the errors the command reports itself pass through.

        with unexpected_errors_as(ExitStatus.USAGE, "--payload"):
            payload = read_payload(args)
    """
    try:
        yield
    except Exception as error:
        cause = _innermost(error)
        if _is_reported(cause):
            raise cause from None
        raise CommandFailed(f"{step}: {describe(cause)}", status) from error


def exit_status(error: BaseException) -> tuple[int, str | None]:
    """The status for `error` raised out of a command, and the message to print after the
    command's name (None: already printed, or nothing to say)."""
    from faaslib.errors import ConfigurationError, InvocationError, TooManyRequests

    error = _innermost(error)
    if isinstance(error, SystemExit):  # argparse's --help (0) or usage error (2), printed
        if error.code is None or isinstance(error.code, int):
            return int(error.code or 0), None
        return ExitStatus.USAGE, f"error: {_one_line(str(error.code))}"
    if isinstance(error, KeyboardInterrupt):
        return ExitStatus.INTERRUPTED, "interrupted"
    if isinstance(error, BrokenPipeError):  # `faaslib events list | head`: it has what it wanted
        return ExitStatus.PIPE_CLOSED, None
    if isinstance(error, (UsageError, ConfigurationError)):
        return ExitStatus.USAGE, f"error: {_one_line(_text(error))}"
    if isinstance(error, InvocationError):
        status = ExitStatus.THROTTLED if isinstance(error, TooManyRequests) else ExitStatus.REFUSED
        message = _one_line(f"{error.error_code} ({error.status_code}): {_text(error.message)}")
        return status, message
    if isinstance(error, CommandFailed):
        return error.status, f"error: {_one_line(_text(error))}"
    return ExitStatus.INTERNAL_ERROR, f"error: {_one_line(describe(error))} (a bug in faaslib)"


def _innermost(error: BaseException) -> BaseException:
    """The error that says what happened: a task group's first error, unwrapped. Ctrl-C wins,
    as the reason the others were cancelled."""
    while isinstance(error, _Group):
        leaves = list(_leaves(error))
        error = next((leaf for leaf in leaves if isinstance(leaf, KeyboardInterrupt)), leaves[0])
    return error


def describe(error: BaseException) -> str:
    """`Type: message`, for an error whose type is part of the story."""
    text = _text(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _leaves(group: BaseException) -> Iterator[BaseException]:
    if isinstance(group, _Group):
        for member in group.exceptions:
            yield from _leaves(member)
    else:
        yield group


def _is_reported(error: BaseException) -> bool:
    from faaslib.errors import ConfigurationError, InvocationError

    reported = (UsageError, CommandFailed, ConfigurationError, InvocationError, BrokenPipeError)
    return isinstance(error, reported)


def _text(value: object) -> str:
    """`str(value)`, even for an object whose `__str__` raises."""
    try:
        return str(value)
    except Exception:
        return f"<{type(value).__name__} that cannot be shown>"


def _one_line(text: str) -> str:
    text = " ".join(line.strip() for line in text.splitlines())
    if len(text) > MAX_MESSAGE_CHARACTERS:
        text = text[: MAX_MESSAGE_CHARACTERS - 3] + "..."
    return text
