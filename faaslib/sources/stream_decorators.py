"""The app's stream API: `app.stream/table` and the decorators that bind a function to them
(`on_stream`, `on_table`), as Lambda's Kinesis and DynamoDB Streams event source mappings.

Kept apart from `App` and from the queue-and-topic decorators so each stays about one thing;
`App` takes these methods by inheritance and provides what they use (registration and the
resources).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from faaslib.config import function_arn
from faaslib.sources._common import FilterSpec
from faaslib.sources.base import Trigger
from faaslib.sources.registry import Resources
from faaslib.sources.stream.stream import Stream
from faaslib.sources.stream_mapping.batches import DynamoDBSource, KinesisSource, StreamSource
from faaslib.sources.stream_mapping.failures import resolve_on_failure
from faaslib.sources.stream_mapping.mapping import StreamMapping
from faaslib.sources.table.table import Table

if TYPE_CHECKING:
    from faaslib.config import FunctionConfig
    from faaslib.executor import Function

__all__ = ["StreamSources"]

# A handler, or the name of a function registered already (bound by name).
HandlerT = TypeVar("HandlerT", bound=Callable[..., Any] | str)


class StreamSources:
    """Streams and tables of the app, and the mappings that feed their records to functions."""

    _resources: Resources
    _aliases: dict[tuple[str, str], str]  # (kind, a template's logical id) -> the name

    def _function_for(
        self,
        target: Any,
        function_config: Mapping[str, Any],
        check: Callable[[FunctionConfig], None] | None = None,
    ) -> Function:
        raise NotImplementedError

    def _add_trigger(self, trigger: Trigger) -> None:
        raise NotImplementedError

    # -- resources ----------------------------------------------------------------------------

    @property
    def streams(self) -> Mapping[str, Stream]:
        """The app's streams by name, read-only (`app.stream(name)` declares one)."""
        return MappingProxyType(self._resources.streams)

    @property
    def tables(self) -> Mapping[str, Table]:
        """The app's tables by name, read-only (`app.table(name)` declares one)."""
        return MappingProxyType(self._resources.tables)

    def stream(self, name: str, **options: Any) -> Stream:
        """The app's Kinesis-like stream `name`, declared with `options` the first time it is
        named: `shards` (default 1) and `retention_hours` (24 to 8,760, default 24). Naming it
        again returns the same stream; naming it with other options is an error."""
        return self._resources.stream(self._aliases.get(("stream", name), name), options)

    def table(self, name: str, **options: Any) -> Table:
        """The app's DynamoDB-like table `name`, with its stream, declared with `options` the
        first time it is named: `key_schema` (default `("pk",)`), `stream_view_type` (default
        NEW_AND_OLD_IMAGES) and `shards` of its stream (default 1)."""
        return self._resources.table(self._aliases.get(("table", name), name), options)

    # -- triggers -----------------------------------------------------------------------------

    def on_stream(
        self,
        name: str,
        *,
        batch_size: int = 100,
        maximum_batching_window: int = 0,
        starting_position: str = "LATEST",
        starting_position_timestamp: float | datetime | None = None,
        bisect_batch_on_function_error: bool = False,
        maximum_retry_attempts: int = -1,
        maximum_record_age: int = -1,
        parallelization_factor: int = 1,
        report_batch_item_failures: bool = False,
        on_failure: str | None = None,
        filter: FilterSpec = None,
        **function_config: Any,
    ) -> Callable[[HandlerT], HandlerT]:
        """Register a function that processes batches of stream `name`'s records: a Kinesis
        event source mapping with Lambda's limits and semantics (see
        `faaslib.sources.stream_mapping.mapping`).

        The starting position is fixed now: with LATEST, records put after this call are
        delivered, even before the app runs. `on_failure` names a standard queue or topic of
        the app (by name or ARN) that gets a failure record for each range of records given
        up on. `function_config` takes `App.function`'s options.

        ```pycon
        >>> @app.on_stream("clicks", batch_size=500, bisect_batch_on_function_error=True,
        ...                maximum_retry_attempts=3, on_failure="clicks-failed")
        ... def count(event, context): ...
        ```
        """
        return self._mapping(
            KinesisSource(self.stream(name)),
            function_config,
            on_failure=on_failure,
            filter=filter,
            batch_size=batch_size,
            maximum_batching_window=maximum_batching_window,
            starting_position=starting_position,
            starting_position_timestamp=starting_position_timestamp,
            bisect_batch_on_function_error=bisect_batch_on_function_error,
            maximum_retry_attempts=maximum_retry_attempts,
            maximum_record_age=maximum_record_age,
            parallelization_factor=parallelization_factor,
            report_batch_item_failures=report_batch_item_failures,
        )

    def on_table(
        self,
        name: str,
        *,
        batch_size: int = 100,
        maximum_batching_window: int = 0,
        starting_position: str = "LATEST",
        bisect_batch_on_function_error: bool = False,
        maximum_retry_attempts: int = -1,
        maximum_record_age: int = -1,
        parallelization_factor: int = 1,
        report_batch_item_failures: bool = False,
        on_failure: str | None = None,
        filter: FilterSpec = None,
        **function_config: Any,
    ) -> Callable[[HandlerT], HandlerT]:
        """Register a function that processes batches of table `name`'s stream records
        (INSERT, MODIFY, REMOVE, with keys and images): a DynamoDB Streams event source
        mapping, with `on_stream`'s options except AT_TIMESTAMP, which DynamoDB lacks.
        Failure records carry `DDBStreamBatchInfo` and the table's stream ARN."""
        return self._mapping(
            DynamoDBSource(self.table(name)),
            function_config,
            on_failure=on_failure,
            filter=filter,
            batch_size=batch_size,
            maximum_batching_window=maximum_batching_window,
            starting_position=starting_position,
            bisect_batch_on_function_error=bisect_batch_on_function_error,
            maximum_retry_attempts=maximum_retry_attempts,
            maximum_record_age=maximum_record_age,
            parallelization_factor=parallelization_factor,
            report_batch_item_failures=report_batch_item_failures,
        )

    def _mapping(
        self,
        source: StreamSource,
        function_config: Mapping[str, Any],
        *,
        on_failure: str | None,
        filter: FilterSpec,
        **settings: Any,
    ) -> Callable[[HandlerT], HandlerT]:
        resources = self._resources

        def register(target: HandlerT) -> HandlerT:
            made: list[StreamMapping] = []

            def check(config: FunctionConfig) -> None:  # before the function is registered
                owner = f"function {config.name!r}: on_{source.kind}({source.name!r})"
                made.append(
                    StreamMapping(
                        source,
                        config.name,
                        function_arn=function_arn(resources.region, resources.account, config.name),
                        on_failure=resolve_on_failure(owner, on_failure, resources),
                        filter=filter,
                        backend=resources.backend,
                        **settings,
                    )
                )

            self._function_for(target, function_config, check)
            self._add_trigger(made[0])
            return target

        return register
