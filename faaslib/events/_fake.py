"""The realistic details builders fill in: ids, timestamps, ARNs and checksums shaped as AWS
shapes them, so code that parses an ARN or checks an MD5 works on a built event as on a real one.

Builders take `now` (Unix seconds) so a source driven by a fake clock stamps its events with the
clock's time; without it they use the wall clock.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import uuid
from datetime import datetime, timezone

__all__ = [
    "ACCOUNT",
    "REGION",
    "arn",
    "b64",
    "clf_time",
    "epoch_ms",
    "hex_id",
    "iso_time",
    "md5_hex",
    "openssl_time",
    "random_text",
    "request_id",
    "seconds",
    "trace_id",
]

ACCOUNT = "123456789012"  # the account id AWS's own documentation uses
REGION = "us-east-1"
# English month names whatever the locale, which `%b` would follow.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def seconds(now: float | None) -> float:
    """`now`, or the wall clock's time if None."""
    return time.time() if now is None else now


def request_id() -> str:
    """A request or message id: a random UUID, as AWS formats them."""
    return str(uuid.uuid4())


def hex_id(length: int) -> str:
    """`length` random lowercase hex digits (trace ids, sequencers, shard iterators...)."""
    return secrets.token_hex((length + 1) // 2)[:length]


def random_text(length: int, alphabet: str) -> str:
    """`length` characters drawn at random from `alphabet`, for the ids a service spells in its
    own alphabet (user pool ids, SES message ids, IAM key ids...)."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


def iso_time(now: float | None = None, *, millis: bool = True) -> str:
    """`2026-11-23T09:30:00.000Z`: ISO 8601 in UTC, with milliseconds unless told otherwise."""
    moment = datetime.fromtimestamp(seconds(now), tz=timezone.utc)
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def clf_time(now: float | None = None) -> str:
    """`12/Mar/2020:19:03:58 +0000`: the access-log time API Gateway puts in request contexts."""
    moment = datetime.fromtimestamp(seconds(now), tz=timezone.utc)
    return f"{moment.day:02d}/{_MONTHS[moment.month - 1]}/{moment.year}:{moment:%H:%M:%S} +0000"


def openssl_time(now: float | None = None) -> str:
    """`Aug  5 09:36:04 2021 GMT`: a certificate's validity dates, as OpenSSL prints them."""
    moment = datetime.fromtimestamp(seconds(now), tz=timezone.utc)
    return f"{_MONTHS[moment.month - 1]} {moment.day:2d} {moment:%H:%M:%S} {moment.year} GMT"


def trace_id(now: float | None = None) -> str:
    """`Root=1-5e6a8b7e-...`: an X-Ray trace header as AWS's proxies add it, stamped `now`."""
    return f"Root=1-{int(seconds(now)):08x}-{hex_id(24)}"


def epoch_ms(now: float | None = None) -> int:
    """Milliseconds since the Unix epoch, as SQS and API Gateway stamp events."""
    return int(seconds(now) * 1000)


def arn(
    service: str,
    resource: str,
    *,
    region: str = REGION,
    account: str = ACCOUNT,
    partition: str = "aws",
) -> str:
    """`arn:aws:sqs:us-east-1:123456789012:orders`. Pass `region=""`/`account=""` for the
    services whose ARNs leave them out (S3 buckets)."""
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


def md5_hex(data: bytes | str) -> str:
    """The MD5 digest in hex, as SQS's `md5OfBody` and S3's single-part `eTag` carry it."""
    return hashlib.md5(data.encode() if isinstance(data, str) else data).hexdigest()


def b64(data: bytes | str) -> str:
    """Base64 text of `data` (UTF-8 for text), as Kinesis data and binary HTTP bodies travel."""
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()
