"""A stream event source mapping's settings, checked once, when the mapping is registered, against
CreateEventSourceMapping's limits (https://docs.aws.amazon.com/lambda/latest/api/
API_CreateEventSourceMapping.html, services-kinesis-params.html, services-ddb-params.html)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from faaslib.errors import ConfigurationError
from faaslib.sources.stream.records import StreamError, check_timestamp, out_of_range
from faaslib.sources.stream_mapping.batches import StreamSource

__all__ = ["StreamMappingConfig", "check_config"]

_RANGES = (
    ("batch_size", 1, 10_000),  # Kinesis and DynamoDB Streams alike: "Max 10,000"
    ("maximum_batching_window", 0, 300),  # whole seconds
    ("maximum_retry_attempts", -1, 10_000),  # -1: until the records expire
    ("maximum_record_age", -1, 604_800),  # -1: until the records expire
    ("parallelization_factor", 1, 10),
)
# "The minimum valid value for maximum record age is 60s": values from 0 to 59 are within the
# API's range but refused (AWS::Lambda::EventSourceMapping, MaximumRecordAgeInSeconds).
MIN_RECORD_AGE = 60
_FLAGS = ("bisect_batch_on_function_error", "report_batch_item_failures")


class StreamMappingConfig(msgspec.Struct, frozen=True, kw_only=True):
    """A stream mapping's settings, within Lambda's limits; `starting_position_timestamp` is
    Unix seconds."""

    batch_size: int = 100
    maximum_batching_window: int = 0
    starting_position: str = "LATEST"
    starting_position_timestamp: float | None = None
    bisect_batch_on_function_error: bool = False
    maximum_retry_attempts: int = -1
    maximum_record_age: int = -1
    parallelization_factor: int = 1
    report_batch_item_failures: bool = False


def check_config(
    owner: str, source: StreamSource, settings: Mapping[str, Any]
) -> StreamMappingConfig:
    """The settings as a config, or `ConfigurationError` naming `owner`, the setting and the
    limit."""
    known = set(StreamMappingConfig.__struct_fields__)
    unknown = set(settings) - known
    if unknown:
        raise ConfigurationError(
            f"{owner}: unknown option {', '.join(sorted(unknown))}; the options are "
            f"{', '.join(sorted(known))}"
        )
    values = msgspec.structs.asdict(StreamMappingConfig())
    values.update(settings)
    for field, low, high in _RANGES:
        problem = out_of_range(field, values[field], low, high)
        if problem is not None:
            raise ConfigurationError(f"{owner}: {problem}")
    age = values["maximum_record_age"]
    if -1 < age < MIN_RECORD_AGE:
        raise ConfigurationError(
            f"{owner}: maximum_record_age={age} is below the minimum of {MIN_RECORD_AGE} seconds "
            "(-1 keeps records until the stream drops them)"
        )
    for field in _FLAGS:
        if not isinstance(values[field], bool):
            raise ConfigurationError(f"{owner}: {field}={values[field]!r} is not True or False")
    position = values["starting_position"]
    if position not in source.starting_positions:
        kinesis_only = " (AT_TIMESTAMP is for Kinesis streams only)"
        raise ConfigurationError(
            f"{owner}: starting_position={position!r} is not one of "
            f"{', '.join(source.starting_positions)}"
            f"{kinesis_only if position == 'AT_TIMESTAMP' else ''}"
        )
    timestamp = values["starting_position_timestamp"]
    if position == "AT_TIMESTAMP":
        if timestamp is None:
            raise ConfigurationError(
                f"{owner}: starting_position='AT_TIMESTAMP' needs starting_position_timestamp "
                "(Unix seconds or a datetime)"
            )
        try:
            values["starting_position_timestamp"] = check_timestamp(source.name, timestamp)
        except StreamError:
            raise ConfigurationError(
                f"{owner}: starting_position_timestamp={timestamp!r} is not Unix seconds nor a "
                "datetime with a time zone"
            ) from None
    elif timestamp is not None:
        raise ConfigurationError(
            f"{owner}: starting_position_timestamp is only for starting_position='AT_TIMESTAMP', "
            f"not {position!r}"
        )
    return StreamMappingConfig(**values)
