"""The context object a handler receives, shaped as the AWS Python runtime builds it.

Attribute names, types and quirks follow `awslambdaric/lambda_context.py`, so code written
against the real runtime runs unchanged: `memory_limit_in_mb` is a `str` there, and so it is here;
`identity` is always present; `client_context` is `None` unless the caller sent one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faaslib.clock import Clock
from faaslib.invoke import request_id_text

__all__ = ["Client", "ClientContext", "CognitoIdentity", "Context"]


class CognitoIdentity:
    """The caller's Amazon Cognito identity; both ids are `None` for an ordinary invoke."""

    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, identity_id: str | None = None, pool_id: str | None = None) -> None:
        self.cognito_identity_id = identity_id
        self.cognito_identity_pool_id = pool_id

    def __repr__(self) -> str:
        return (
            f"CognitoIdentity(cognito_identity_id={self.cognito_identity_id!r}, "
            f"cognito_identity_pool_id={self.cognito_identity_pool_id!r})"
        )


class Client:
    """The mobile client that made the call, from the `client` part of the client context."""

    __slots__ = (
        "app_package_name",
        "app_title",
        "app_version_code",
        "app_version_name",
        "installation_id",
    )

    def __init__(self, client: Mapping[str, Any]) -> None:
        self.installation_id = client.get("installation_id")
        self.app_title = client.get("app_title")
        self.app_version_name = client.get("app_version_name")
        self.app_version_code = client.get("app_version_code")
        self.app_package_name = client.get("app_package_name")


class ClientContext:
    """What the caller passed as `client_context`: `client`, `custom` and `env`."""

    __slots__ = ("client", "custom", "env")

    def __init__(self, data: Mapping[str, Any]) -> None:
        client = data.get("client")
        self.client = Client(client) if isinstance(client, Mapping) else None
        self.custom = data.get("custom")
        self.env = data.get("env")


class Context:
    """The Lambda context of one invocation.

    `get_remaining_time_in_millis()` counts down on the app's clock, so under a
    `faaslib.testing.FakeClock` it moves only when the test advances time.
    """

    __slots__ = (
        "_clock",
        "_deadline",
        "_identity",
        "_request_id",
        "client_context",
        "function_name",
        "function_version",
        "invoked_function_arn",
        "log_group_name",
        "log_stream_name",
        "memory_limit_in_mb",
        "tenant_id",
    )

    def __init__(  # the invoke path passes these by position: it is a little faster
        self,
        function_name: str,
        function_version: str,
        invoked_function_arn: str,
        memory_limit_in_mb: str,
        aws_request_id: str | int,
        log_group_name: str,
        log_stream_name: str,
        clock: Clock,
        deadline: float,
        client_context: ClientContext | None = None,
        identity: CognitoIdentity | None = None,
    ) -> None:
        self.function_name = function_name
        self.function_version = function_version
        self.invoked_function_arn = invoked_function_arn
        self.memory_limit_in_mb = memory_limit_in_mb
        self._request_id = aws_request_id  # or its number, written out when first read
        self.log_group_name = log_group_name
        self.log_stream_name = log_stream_name
        self._identity = identity  # made when first read: most handlers never do
        self.client_context = client_context
        self.tenant_id: str | None = None
        self._clock = clock
        self._deadline = deadline

    @property
    def identity(self) -> CognitoIdentity:
        """The caller's Amazon Cognito identity (both ids None for an ordinary invoke)."""
        identity = self._identity
        if identity is None:
            identity = self._identity = CognitoIdentity()
        return identity

    @identity.setter
    def identity(self, identity: CognitoIdentity) -> None:
        self._identity = identity

    @property
    def aws_request_id(self) -> str:
        """The invocation's request id, a UUID."""
        value = self._request_id
        if isinstance(value, int):
            value = self._request_id = request_id_text(value)
        return value

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the invocation times out, never below 0."""
        # Rounded to the microsecond first, so float noise (10 - 9.9) does not lose a millisecond.
        remaining = int(round((self._deadline - self._clock.monotonic()) * 1000, 3))
        return remaining if remaining > 0 else 0

    def log(self, message: str) -> None:
        """Write `message` to the invocation's log, as the runtime's `context.log` does."""
        print(message, end="" if message.endswith("\n") else "\n")

    def __repr__(self) -> str:
        return (
            f"Context(function_name={self.function_name!r}, "
            f"aws_request_id={self.aws_request_id!r}, "
            f"invoked_function_arn={self.invoked_function_arn!r})"
        )
