"""How a Kinesis-like stream's hash-key space is split among its shards and how their records
are numbered: the layout every store of the stream shares (`faaslib.sources.stream.store`)."""

from __future__ import annotations

from faaslib.events.stream_builders import build_kinesis
from faaslib.events.streams import KinesisData
from faaslib.sources.stream.records import HASH_KEY_SPACE, Shard

__all__ = ["SEQUENCE_STEP", "SLACK", "first_sequence_number", "make_shards"]

# Sequence numbers step by 2**32 within a shard, as the events builder numbers a batch.
SEQUENCE_STEP = 2**32
SLACK = 1e-9  # so a time a float rounding past the fake clock's still falls due at it


def make_shards(count: int) -> list[Shard]:
    """`count` shards splitting the hash-key space into equal ranges, as CreateStream does:
    shard i takes from i * 2^128 // count up to where shard i + 1 starts (the AWS CLI's
    describe-stream example shows three shards split so: https://awscli.amazonaws.com/v2/
    documentation/api/latest/reference/kinesis/describe-stream.html)."""
    return [
        Shard(
            shard_id=f"shardId-{index:012d}",
            starting_hash_key=index * HASH_KEY_SPACE // count,
            ending_hash_key=(index + 1) * HASH_KEY_SPACE // count - 1,
            starting_sequence_number=str(first_sequence_number()),
        )
        for index in range(count)
    ]


def first_sequence_number() -> int:
    """A shard's first sequence number, numbered as `faaslib.events` numbers a Kinesis batch
    (56 digits, as Kinesis's are), so stored records and built events look alike. Random: a
    store that outlives the process keeps the one its shard was given."""
    kinesis = build_kinesis(b"", now=0.0).records[0].kinesis
    assert isinstance(kinesis, KinesisData)
    assert isinstance(kinesis.sequence_number, str)
    return int(kinesis.sequence_number)
