"""Validated configuration of an app and of each function, with Lambda's limits.

Configuration is checked once, when a function is registered, so the invoke path can trust it.
A value Lambda would refuse raises `ConfigurationError` naming the function, the field, the
value and the allowed range.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from faaslib.durable.config import DurableConfig, read_durable_config
from faaslib.errors import ConfigurationError

__all__ = [
    "MAX_ENVIRONMENT_BYTES",
    "MAX_TIMEOUT_SECONDS",
    "STAND_IN_CREDENTIALS",
    "AppConfig",
    "Architecture",
    "FunctionConfig",
    "Isolation",
    "function_arn",
    "validate",
]

Architecture = Literal["x86_64", "arm64"]
# In-process: the host runs the handler (a thread, or its event loop); process: an instance is
# a child process speaking Lambda's Runtime API (faaslib.runtime_api).
Isolation = Literal["in-process", "process"]
# Lambda's runtime identifiers, by family (which of them can run here is the runtime's concern).
RUNTIME_PATTERN = (
    r"^(python3\.\d{1,2}|nodejs\d{1,2}\.x|provided(\.al2|\.al2023)?|java\d{1,2}(\.al2)?"
    r"|dotnet\d{1,2}|ruby\d\.\d{1,2})$"
)
# Where an Event invocation's outcome goes: a function's name (invoked with the record as its
# event), the ARN of a function, queue or topic of the app, or a callable taking the record
# (sync or async).
Destination = str | Callable[[Any], Any]
DESTINATION_ARN_PATTERN = r"^arn:aws:(lambda|sqs|sns|events):[a-z]{2}(-[a-z]+)+-\d+:\d{12}:.+$"

MAX_TIMEOUT_SECONDS = 900
MAX_ENVIRONMENT_BYTES = 4096
FUNCTION_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
_ENVIRONMENT_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# Set by the Lambda runtime itself; Lambda refuses them as function configuration.
RESERVED_ENVIRONMENT_KEYS = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)

# Lambda hands every function its execution role's credentials in these variables. A function
# whose SDK calls stay in the app (`app.aws`, which accepts any signature) gets these stand-ins,
# so that SDKs sign requests on a host with no credentials of its own.
STAND_IN_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "ASIAFAASLIBINSTANCE0",
    "AWS_SECRET_ACCESS_KEY": "faaslib-instance-secret",
    "AWS_SESSION_TOKEN": "faaslib-instance-session",
}

# What each field accepts, in words, for error messages.
ALLOWED = {
    "name": "1 to 64 letters, digits, hyphens or underscores",
    "memory": "128 to 10,240 MB, in whole MB",
    "timeout": f"more than 0 and at most {MAX_TIMEOUT_SECONDS} seconds",
    "ephemeral_storage": "512 to 10,240 MB, in whole MB",
    "environment": f"str keys and values, at most {MAX_ENVIRONMENT_BYTES:,} bytes in total",
    "architecture": "'x86_64' or 'arm64'",
    "runtime": "a Lambda runtime identifier: 'python3.12', 'nodejs20.x', 'provided.al2023'",
    "isolation": "'in-process' or 'process'",
    "description": "at most 256 characters",
    "concurrency": "a whole number of at least 1",
    "region": "a region name such as 'us-east-1'",
    "account_id": "12 digits",
    "idle_timeout": "more than 0 seconds",
    "reserved_concurrency": "None, or a whole number from 0 up to what the account leaves",
    "provisioned_concurrency": "a whole number from 0, at most reserved_concurrency",
    "unreserved_minimum": "None, or a whole number from 0 to concurrency",
    "max_idle_instances": "a whole number of at least 0, per function",
    "scaling_rate": "new instances per scaling_period, at least 1",
    "scaling_period": "seconds, more than 0",
    "ledger_rows": "a whole number of at least 0, per function",
    "maximum_retry_attempts": "0, 1 or 2",
    "maximum_event_age": "60 to 21,600 seconds",
    "on_success": "a function name, a function's, queue's or topic's ARN, or a callable",
    "on_failure": "a function name, a function's, queue's or topic's ARN, or a callable",
    "dead_letter": "a function name, a function's, queue's or topic's ARN, or a callable",
    "shutdown_timeout": "seconds, 0 or more",
    "budget": "None, or dollars more than 0 (a Decimal, int, str or float)",
    "durable": "None, or a DurableConfig: execution_timeout 1 to 31,622,400 seconds, "
    "retention_days 1 to 90 (or a dict of these, or of AWS's ExecutionTimeout and "
    "RetentionPeriodInDays)",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class FunctionConfig(_Strict):
    """A function's configuration, as Lambda's CreateFunction would accept it."""

    name: str = Field(pattern=FUNCTION_NAME_PATTERN)
    memory: int = Field(default=128, ge=128, le=10_240)
    timeout: int | float = Field(default=3, gt=0, le=MAX_TIMEOUT_SECONDS)
    ephemeral_storage: int = Field(default=512, ge=512, le=10_240)
    environment: dict[str, str] = Field(default_factory=dict)
    architecture: Architecture = "x86_64"
    runtime: str | None = Field(default=None, pattern=RUNTIME_PATTERN)  # None: the host's Python
    isolation: Isolation = "in-process"
    description: str = Field(default="", max_length=256)
    reserved_concurrency: int | None = Field(default=None, ge=0)
    provisioned_concurrency: int = Field(default=0, ge=0)
    maximum_retry_attempts: int = Field(default=2, ge=0, le=2)
    maximum_event_age: int | float = Field(default=21_600, ge=60, le=21_600)
    on_success: Destination | None = None
    on_failure: Destination | None = None
    dead_letter: Destination | None = None
    durable: DurableConfig | None = None

    @field_validator("durable", mode="before")
    @classmethod
    def _durable_from_aws_names(cls, value: Any) -> Any:
        return read_durable_config(value)

    @field_validator("on_success", "on_failure", "dead_letter")
    @classmethod
    def _destination_is_a_name_or_callable(cls, value: Destination | None) -> Destination | None:
        if isinstance(value, str) and not (
            re.match(FUNCTION_NAME_PATTERN, value) or re.match(DESTINATION_ARN_PATTERN, value)
        ):
            raise ValueError(f"{value!r} is neither a function name nor an ARN")
        return value

    @model_validator(mode="after")
    def _provisioned_fits_reserved(self) -> FunctionConfig:
        reserved = self.reserved_concurrency
        if reserved is not None and self.provisioned_concurrency > reserved:
            raise ValueError(
                f"provisioned_concurrency={self.provisioned_concurrency} is more than "
                f"reserved_concurrency={reserved}; Lambda can't provision more than is reserved"
            )
        return self

    @field_validator("environment")
    @classmethod
    def _environment_fits(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if not _ENVIRONMENT_KEY.match(key):
                raise ValueError(
                    f"key {key!r} must start with a letter and hold only letters, digits and _"
                )
            if key in RESERVED_ENVIRONMENT_KEYS:
                raise ValueError(f"key {key!r} is reserved by the Lambda runtime")
        for key, text in value.items():  # what os.environ (and Lambda) could not hold
            if "\x00" in text:
                raise ValueError(f"the value of {key!r} holds a NUL character")
            try:
                text.encode()
            except UnicodeEncodeError:
                raise ValueError(
                    f"the value of {key!r} holds a lone surrogate, which UTF-8 cannot encode"
                ) from None
        size = sum(len(k.encode()) + len(v.encode()) for k, v in value.items())
        if size > MAX_ENVIRONMENT_BYTES:
            raise ValueError(f"takes {size:,} bytes, over the limit of {MAX_ENVIRONMENT_BYTES:,}")
        return value


class AppConfig(_Strict):
    """The app's own settings: the account's concurrency, region and identity."""

    name: str = Field(pattern=FUNCTION_NAME_PATTERN)
    concurrency: int = Field(default=1000, ge=1)
    architecture: Architecture = "x86_64"
    region: str = Field(default="us-east-1", pattern=r"^[a-z]{2}(-[a-z]+)+-\d+$")
    account_id: str = Field(default="123456789012", pattern=r"^\d{12}$")
    idle_timeout: int | float = Field(default=600, gt=0)
    unreserved_minimum: int | None = Field(default=None, ge=0)
    max_idle_instances: int = Field(default=1000, ge=0)
    scaling_rate: int = Field(default=1000, ge=1)
    scaling_period: int | float = Field(default=10, gt=0)
    ledger_rows: int = Field(default=0, ge=0)
    budget: Decimal | None = Field(default=None, gt=0)
    shutdown_timeout: int | float = Field(default=30, ge=0)

    @field_validator("budget", mode="before")
    @classmethod
    def _budget_is_exact(cls, value: Any) -> Any:
        # A float budget goes through its shortest repr, so 0.1 means exactly 0.1 dollars.
        if isinstance(value, bool) or not isinstance(value, float | int | str):
            return value
        try:
            return Decimal(repr(value) if isinstance(value, float) else value)
        except decimal.InvalidOperation:
            raise ValueError("is not a number of dollars") from None

    @model_validator(mode="after")
    def _unreserved_minimum_fits(self) -> AppConfig:
        if self.unreserved_minimum is not None and self.unreserved_minimum > self.concurrency:
            raise ValueError(
                f"unreserved_minimum={self.unreserved_minimum} is more than "
                f"concurrency={self.concurrency}"
            )
        return self

    @property
    def minimum_unreserved(self) -> int:
        """How much concurrency must stay unreserved: Lambda keeps 100 of its default 1,000;
        a smaller account keeps a tenth, rounded down, at most 100."""
        if self.unreserved_minimum is not None:
            return self.unreserved_minimum
        return min(100, self.concurrency // 10)


def function_arn(region: str, account_id: str, name: str) -> str:
    """The unqualified ARN of function `name` (with an empty name: the prefix every function
    ARN of that region and account starts with)."""
    return f"arn:aws:lambda:{region}:{account_id}:function:{name}"


def validate(model: type[_Strict], owner: str, values: Mapping[str, Any]) -> Any:
    """Build `model` from `values`, turning pydantic's report into one readable sentence.

    `owner` names what is being configured (`function 'resize'`, `App 'shop'`).
    """
    try:
        return model(**values)
    except pydantic.ValidationError as error:
        raise ConfigurationError(_describe(owner, model, error)) from None


UNITS = {
    "memory": " MB",
    "ephemeral_storage": " MB",
    "timeout": " seconds",
    "idle_timeout": " seconds",
    "maximum_event_age": " seconds",
    "shutdown_timeout": " seconds",
}


def _describe(owner: str, model: type[_Strict], error: pydantic.ValidationError) -> str:
    problems: dict[str, str] = {}
    for item in error.errors():
        if not item["loc"]:  # a check across fields words its own message
            problems[item["msg"]] = str((item.get("ctx") or {}).get("error", item["msg"]))
            continue
        field = str(item["loc"][0])
        if field in problems:  # a union reports once per member; the first says enough
            continue
        value = item.get("input")
        shown = _shorten(repr(value))
        kind = item["type"]
        if kind == "extra_forbidden":
            known = ", ".join(sorted(model.model_fields))
            problems[field] = f"unknown option {field}={shown}; the options are: {known}"
            continue
        context = item.get("ctx") or {}
        unit = UNITS.get(field, "")
        if kind == "greater_than_equal":
            problem = f"is below the minimum of {context['ge']:,}{unit}"
        elif kind == "greater_than":
            problem = f"must be more than {context['gt']:,}{unit}"
        elif kind == "less_than_equal":
            problem = f"is above the maximum of {context['le']:,}{unit}"
        elif kind == "string_pattern_mismatch":
            problem = "is not allowed"
        elif kind == "value_error":
            problem = str(context.get("error", item["msg"]))
        elif kind.endswith("_type") or kind.endswith("_parsing"):
            problem = f"has the wrong type ({type(value).__name__})"
        else:
            problem = item["msg"][:1].lower() + item["msg"][1:]
        allowed = ALLOWED.get(field)
        suffix = f" (allowed: {allowed})" if allowed else ""
        problems[field] = f"{field}={shown} {problem}{suffix}"
    return f"{owner}: " + "; ".join(problems.values())


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
