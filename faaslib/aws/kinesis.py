"""Kinesis's JSON protocol in front of the app's streams (`app.stream(...)`): what boto3 sends as
`X-Amz-Target: Kinesis_20131202.<Operation>`.

Each operation is translated into the call the Python API makes (`Stream.put_record`,
`iterator`, `get_records`, ...), so a record put with boto3 reaches `@app.on_stream` functions
exactly as one put with `await app.stream(name).put_record(...)`. A shard iterator is the
stream's own `ShardIterator`, written as URL-safe base64 of its JSON: it names its stream, so
GetRecords needs nothing else.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from faaslib.aws.protocol import AwsError, AwsRequest, AwsResponse, json_response
from faaslib.errors import ConfigurationError
from faaslib.sources.stream import Stream
from faaslib.sources.stream.records import PutRecordsEntry, Shard, ShardIterator, StreamError

if TYPE_CHECKING:
    from faaslib.app import App

__all__ = ["KinesisService"]

Operation = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]

_CONTENT_TYPE = "application/x-amz-json-1.1"
_LIST_STREAMS_LIMIT = 100  # ListStreams's default and largest page
_LIST_SHARDS_LIMIT = 1000  # ListShards's default page (it allows up to 10,000)
_SUMMARY_FIELDS = (
    "StreamName",
    "StreamARN",
    "StreamStatus",
    "StreamModeDetails",
    "StreamCreationTimestamp",
)


class KinesisService:
    """Kinesis's JSON protocol for `app`'s streams: `KinesisService(app)`, served by `app.aws`.

    Shards, sequence numbers, iterators and retention are the streams' own; this class only
    translates. What the streams do not have (resharding, deleting a stream, retention
    changes, consumers and enhanced fan-out, tags, encryption, on-demand mode) answers
    `UnknownOperationException` or `InvalidArgumentException` naming it.
    """

    name = "kinesis"

    def __init__(self, app: App) -> None:
        self.app = app
        self._operations: dict[str, Operation] = {
            "CreateStream": self._create_stream,
            "DescribeStream": self._describe_stream,
            "DescribeStreamSummary": self._describe_stream_summary,
            "ListStreams": self._list_streams,
            "ListShards": self._list_shards,
            "PutRecord": self._put_record,
            "PutRecords": self._put_records,
            "GetShardIterator": self._get_shard_iterator,
            "GetRecords": self._get_records,
        }

    async def handle(self, request: AwsRequest) -> AwsResponse:
        """The answer to one Kinesis request (JSON protocol)."""
        operation = self._operations.get(request.operation or "")
        if request.protocol != "json" or operation is None:
            raise AwsError(
                "UnknownOperationException",
                f"faaslib does not emulate the Kinesis operation {request.operation!r} (it "
                f"serves: {', '.join(sorted(self._operations))})",
            )
        try:
            answer = await operation(request.json())
        except StreamError as error:
            raise AwsError(error.code, str(error)) from None
        return json_response(answer, content_type=_CONTENT_TYPE)

    # -- streams ------------------------------------------------------------------------------

    def _stream(self, params: Mapping[str, Any]) -> Stream:
        """The stream `StreamName` or `StreamARN` names (`ResourceNotFoundException` if none)."""
        name = params.get("StreamName")
        arn = params.get("StreamARN")
        if name is None and arn is None:
            raise _invalid("Either StreamName or StreamARN must be given.")
        if name is None:
            prefix = f"arn:aws:kinesis:{self.app.config.region}:{self.app.config.account_id}:"
            name = str(arn).removeprefix(prefix).removeprefix("stream/")
        stream = self.app.streams.get(str(name))
        if stream is None or (arn is not None and stream.arn != arn):
            raise AwsError(
                "ResourceNotFoundException",
                f"Stream {name} under account {self.app.config.account_id} not found.",
            )
        return stream

    async def _create_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        name = _required(params, "StreamName", str)
        details = params.get("StreamModeDetails") or {}
        mode = details.get("StreamMode") if isinstance(details, dict) else details
        if mode not in (None, "PROVISIONED") or "ShardCount" not in params:
            raise _invalid(
                "faaslib's streams are provisioned: give ShardCount (on-demand mode is not offered)"
            )
        for unsupported in ("Tags", "WarmThroughputMiBps", "MaxRecordSizeInKiB"):
            if params.get(unsupported):
                raise _invalid(f"faaslib's streams have no {unsupported}.")
        if name in self.app.streams:
            raise AwsError(
                "ResourceInUseException",
                f"Stream {name} under account {self.app.config.account_id} already exists.",
            )
        try:
            self.app.stream(name, shards=params["ShardCount"])
        except ConfigurationError as error:
            raise _invalid(str(error)) from None
        return {}

    def _summary(self, stream: Stream) -> dict[str, Any]:
        return {
            "StreamName": stream.name,
            "StreamARN": stream.arn,
            "StreamStatus": "ACTIVE",
            "StreamModeDetails": {"StreamMode": "PROVISIONED"},
            "RetentionPeriodHours": stream.retention_hours,
            "StreamCreationTimestamp": stream.created_at,
            "EnhancedMonitoring": [{"ShardLevelMetrics": []}],
            "EncryptionType": "NONE",
        }

    async def _describe_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._stream(params)
        limit = _integer(params, "Limit", 1, 10_000) or 100
        shards = _shards_after(stream, params.get("ExclusiveStartShardId"))
        description = self._summary(stream)
        description["Shards"] = [_shard(shard) for shard in shards[:limit]]
        description["HasMoreShards"] = len(shards) > limit
        return {"StreamDescription": description}

    async def _describe_stream_summary(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._stream(params)
        summary = self._summary(stream)
        summary["OpenShardCount"] = len(stream.shards)
        summary["ConsumerCount"] = 0
        return {"StreamDescriptionSummary": summary}

    async def _list_streams(self, params: dict[str, Any]) -> dict[str, Any]:
        limit = _integer(params, "Limit", 1, 10_000) or _LIST_STREAMS_LIMIT
        after = params.get("ExclusiveStartStreamName")
        token = params.get("NextToken")
        if token is not None:
            after = _read_token(token)
        names = sorted(name for name in self.app.streams if after is None or name > after)
        page = names[:limit]
        answer: dict[str, Any] = {
            "StreamNames": page,
            "HasMoreStreams": len(names) > limit,
            "StreamSummaries": [
                {key: summary[key] for key in _SUMMARY_FIELDS}
                for summary in (self._summary(self.app.streams[name]) for name in page)
            ],
        }
        if len(names) > limit:
            answer["NextToken"] = _write_token(page[-1])
        return answer

    async def _list_shards(self, params: dict[str, Any]) -> dict[str, Any]:
        token = params.get("NextToken")
        if token is not None:
            if "StreamName" in params or "StreamARN" in params:
                raise _invalid("NextToken and StreamName/StreamARN cannot both be given.")
            name, _, after_id = _read_token(token).partition("/")
            after: Any = after_id
            stream = self._stream({"StreamName": name})
        else:
            stream = self._stream(params)
            after = params.get("ExclusiveStartShardId")
        if params.get("ShardFilter"):
            raise _invalid("faaslib does not filter shards (ShardFilter); list them all.")
        limit = _integer(params, "MaxResults", 1, 10_000) or _LIST_SHARDS_LIMIT
        shards = _shards_after(stream, after)
        answer: dict[str, Any] = {"Shards": [_shard(shard) for shard in shards[:limit]]}
        if len(shards) > limit:
            answer["NextToken"] = _write_token(f"{stream.name}/{shards[limit - 1].shard_id}")
        return answer

    # -- records ------------------------------------------------------------------------------

    async def _put_record(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._stream(params)
        data = _blob(params.get("Data"), "Data")
        partition_key = _required(params, "PartitionKey", str)
        put = await stream.put_record(
            data, partition_key, explicit_hash_key=params.get("ExplicitHashKey")
        )
        return {
            "ShardId": put.shard_id,
            "SequenceNumber": put.sequence_number,
            "EncryptionType": "NONE",
        }

    async def _put_records(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._stream(params)
        records = params.get("Records")
        if not isinstance(records, list):
            raise _invalid("Records must be a list of 1 to 500 records.")
        entries = []
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                raise _invalid(f"Records[{index}] is not a record.")
            entries.append(
                PutRecordsEntry(
                    data=_blob(record.get("Data"), f"Records[{index}].Data"),
                    partition_key=_required(record, "PartitionKey", str),
                    explicit_hash_key=record.get("ExplicitHashKey"),
                )
            )
        result = await stream.put_records(entries)
        return {
            "FailedRecordCount": result.failed_record_count,
            "Records": [
                {"SequenceNumber": put.sequence_number, "ShardId": put.shard_id}
                for put in result.records
            ],
            "EncryptionType": "NONE",
        }

    async def _get_shard_iterator(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._stream(params)
        iterator = stream.iterator(
            _required(params, "ShardId", str),
            _required(params, "ShardIteratorType", str),
            timestamp=params.get("Timestamp"),
            sequence_number=params.get("StartingSequenceNumber"),
        )
        return {"ShardIterator": _write_iterator(iterator)}

    async def _get_records(self, params: dict[str, Any]) -> dict[str, Any]:
        iterator = _read_iterator(_required(params, "ShardIterator", str))
        stream = next(
            (each for each in self.app.streams.values() if each.arn == iterator.stream_arn), None
        )
        if stream is None:
            raise AwsError(
                "ResourceNotFoundException",
                f"The shard iterator names stream {iterator.stream_arn}, which does not exist.",
            )
        result = stream.get_records(iterator, _integer(params, "Limit", 1, 10_000) or 10_000)
        return {
            "Records": [
                {
                    "SequenceNumber": record.sequence_number,
                    "ApproximateArrivalTimestamp": record.approximate_arrival_timestamp,
                    "Data": base64.b64encode(record.data).decode(),
                    "PartitionKey": record.partition_key,
                }
                for record in result.records
            ],
            "NextShardIterator": _write_iterator(result.next_iterator),
            "MillisBehindLatest": result.millis_behind_latest,
        }


def _shard(shard: Shard) -> dict[str, Any]:
    return {
        "ShardId": shard.shard_id,
        "HashKeyRange": {
            "StartingHashKey": str(shard.starting_hash_key),
            "EndingHashKey": str(shard.ending_hash_key),
        },
        "SequenceNumberRange": {"StartingSequenceNumber": shard.starting_sequence_number},
    }


def _shards_after(stream: Stream, after: Any) -> list[Shard]:
    if after is None:
        return list(stream.shards)
    return [shard for shard in stream.shards if shard.shard_id > str(after)]


def _invalid(message: str) -> AwsError:
    return AwsError("InvalidArgumentException", message)


def _required(params: Mapping[str, Any], field: str, kind: type) -> Any:
    value = params.get(field)
    if not isinstance(value, kind):
        raise AwsError("ValidationException", f"1 validation error detected: {field} is required")
    return value


def _integer(params: Mapping[str, Any], field: str, low: int, high: int) -> int | None:
    value = params.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise AwsError(
            "ValidationException",
            f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
            f"constraint: Member must be between {low} and {high}",
        )
    return value


def _blob(value: Any, field: str) -> bytes:
    if not isinstance(value, str):
        raise AwsError("ValidationException", f"1 validation error detected: {field} is required")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise AwsError("SerializationException", f"{field} is not base64.") from None


def _write_token(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def _read_token(token: Any) -> str:
    try:
        return base64.urlsafe_b64decode(str(token).encode()).decode()
    except (binascii.Error, ValueError):
        raise _invalid(f"NextToken {token!r} is not one faaslib gave out.") from None


def _write_iterator(iterator: ShardIterator) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(iterator)).decode()


def _read_iterator(text: str) -> ShardIterator:
    try:
        return msgspec.json.decode(base64.urlsafe_b64decode(text.encode()), type=ShardIterator)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise _invalid(
            f"Invalid ShardIterator: {text[:64]!r} is not one faaslib gave out."
        ) from None
