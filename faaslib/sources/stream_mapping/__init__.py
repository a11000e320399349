"""Lambda's event source mapping for streams, in one room: how records become batches
(`batches`), how each shard is read in order (`lanes`), what happens to a batch that keeps
failing (`failures`), the mapping's settings (`settings`) and the mapping itself (`mapping`).

It has a package of its own, not a place inside `faaslib.sources.stream`, because it serves two
services alike, a Kinesis-like `Stream` and a DynamoDB-like `Table`'s stream, and sends what
fails to a queue or topic found in the app's registry: it stands above them all, so every
import points one way, down to the services.
"""

from faaslib.sources.stream_mapping.failures import StreamMappingCounters, UndeliveredFailure
from faaslib.sources.stream_mapping.mapping import StreamMapping
from faaslib.sources.stream_mapping.settings import StreamMappingConfig

__all__ = ["StreamMapping", "StreamMappingConfig", "StreamMappingCounters", "UndeliveredFailure"]
