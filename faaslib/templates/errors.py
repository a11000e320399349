"""The one error a template raises, pointing at the place in the template that caused it."""

from __future__ import annotations

import re

from faaslib.errors import ConfigurationError

__all__ = ["TemplateError", "child_path"]

_EXPRESSION = re.compile(r"(?:^|\.)(?:Ref|Fn::[A-Za-z0-9]+)(?=$|[.\[])")


class TemplateError(ConfigurationError):
    """A template CloudFormation would refuse, or one faaslib cannot run as written.

    `path` is where in the template the problem sits, the way CloudFormation's own errors point
    at it (`Resources.OrderQueue.Properties.RedrivePolicy.deadLetterTargetArn`, list items as
    `[0]`); it is empty for a file that cannot be read at all. Where the problem sits inside an
    intrinsic function, the message ends with the place in the expression
    (`(at Fn::Join[1][0].Ref)`). The printed error starts with the path, so it alone says where
    to look.
    """

    def __init__(self, path: str, message: str) -> None:
        # A path that runs into an expression ("...deadLetterTargetArn.Fn::GetAtt[0]") keeps the
        # template location in `path` and moves the expression's part into the message.
        found = _EXPRESSION.search(path)
        if found:
            path, expression = path[: found.start()], path[found.start() :].lstrip(".")
            if not _EXPRESSION.fullmatch(expression):  # more than the function the message names
                message = f"{message} (at {expression})"
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message

    def __reduce__(self) -> tuple[type[TemplateError], tuple[str, str]]:
        # Errors cross process boundaries (the CLI's workers); keep both fields on the way.
        return (type(self), (self.path, self.message))


def child_path(path: str, key: str | int) -> str:
    """The path of `key` under `path`: a mapping key joins with a dot, a list index in brackets."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key
