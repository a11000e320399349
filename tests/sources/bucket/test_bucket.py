"""The in-app S3 bucket: S3's semantics for put, get, head, delete, copy and list, its limits,
and event notifications shaped as Lambda receives S3's, filtered, refused when they overlap,
and never lost to a failing consumer."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from datetime import datetime, timezone
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import faaslib.sources.bucket.checks as bucket_checks
from faaslib import ConfigurationError, events
from faaslib.events import S3Event
from faaslib.events.s3 import S3Object
from faaslib.sources.bucket import (
    Bucket,
    BucketError,
    EntityTooLarge,
    InvalidBucketName,
    InvalidNotificationConfiguration,
    KeyTooLong,
    MetadataTooLarge,
    NoSuchKey,
    ObjectInfo,
)
from faaslib.testing import FakeClock
from tests.events.corpus import needs_corpus
from tests.events.structure import assert_shaped_like

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("each_store")]

EVENTS_OF_EACH_KIND = ("s3:ObjectCreated:*", "s3:ObjectRemoved:*")


def record(event: dict[str, Any]) -> dict[str, Any]:
    [only] = event["Records"]
    assert isinstance(only, dict)
    return only


def listening(bucket: Bucket, **options: Any) -> list[dict[str, Any]]:
    """Subscribe a list to `bucket`; the events it receives."""
    received: list[dict[str, Any]] = []
    bucket.subscribe(received.append, **options)
    return received


# -- put, get, head, delete --------------------------------------------------------------------


async def test_a_put_object_comes_back_with_its_body_md5_etag_and_metadata(
    clock: FakeClock,
) -> None:
    bucket = Bucket("media", clock)
    await clock.advance(1.75)
    info = await bucket.put(
        "photos/cat.jpg",
        b"meow",
        content_type="image/jpeg",
        metadata={"Author": "Tom", "x-Camera": "Nikon"},
    )
    assert info == ObjectInfo(
        key="photos/cat.jpg",
        size=4,
        etag='"' + hashlib.md5(b"meow").hexdigest() + '"',
        last_modified=datetime(2026, 1, 1, 0, 0, 1, tzinfo=timezone.utc),  # to the second
        content_type="image/jpeg",
        metadata={"author": "Tom", "x-camera": "Nikon"},
        version_id=None,
    )
    stored = await bucket.get("photos/cat.jpg")
    assert stored.body == b"meow"
    assert await bucket.head("photos/cat.jpg") == info
    assert (stored.key, stored.etag, stored.metadata) == (info.key, info.etag, info.metadata)
    assert bucket.arn == "arn:aws:s3:::media"
    assert (len(bucket), "photos/cat.jpg" in bucket, "photos" in bucket) == (1, True, False)


async def test_the_etag_is_the_quoted_md5_as_s3_documents_it(clock: FakeClock) -> None:
    info = await Bucket("media", clock).put("k", "The quick brown fox jumps over the lazy dog")
    assert info.etag == '"9e107d9d372bb6826bd81d3542a419d6"'


@pytest.mark.parametrize(
    ("body", "stored", "content_type"),
    [
        (b"\x00\xff", b"\x00\xff", "binary/octet-stream"),
        (bytearray(b"ab"), b"ab", "binary/octet-stream"),
        ("héllo", "héllo".encode(), "text/plain; charset=utf-8"),
        ({"id": 1, "tags": ["a"]}, b'{"id":1,"tags":["a"]}', "application/json"),
        (None, b"null", "application/json"),
    ],
)
async def test_bodies_are_stored_as_bytes_utf8_or_json(
    clock: FakeClock, body: Any, stored: bytes, content_type: str
) -> None:
    bucket = Bucket("media", clock)
    info = await bucket.put("k", body)
    got = await bucket.get("k")
    assert (got.body, info.content_type, info.size) == (stored, content_type, len(stored))
    if content_type == "application/json":
        assert got.json() == body
    if content_type.startswith("text/"):
        assert got.text() == body


async def test_a_put_replaces_the_object_and_its_metadata(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    await bucket.put("k", b"one", metadata={"a": "1"}, content_type="text/csv")
    await clock.advance(5)
    info = await bucket.put("k", b"two")
    assert (info.metadata, info.content_type) == ({}, "binary/octet-stream")
    assert info.last_modified == datetime(2026, 1, 1, 0, 0, 5, tzinfo=timezone.utc)
    assert (await bucket.get("k")).body == b"two"
    assert bucket.keys() == ["k"]


async def test_a_missing_key_is_s3s_no_such_key_and_a_key_error(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    for operation in (bucket.get, bucket.head):
        with pytest.raises(NoSuchKey, match=r"^bucket 'media': key='nope': The specified key"):
            await operation("nope")
    with pytest.raises(KeyError) as raised:
        await bucket.get("nope")
    assert isinstance(raised.value, BucketError)
    assert raised.value.code == "NoSuchKey"


async def test_delete_says_whether_there_was_an_object(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    await bucket.put("k", b"x")
    assert await bucket.delete("k") is True
    assert await bucket.delete("k") is False
    assert "k" not in bucket
    assert bucket.keys() == []
    with pytest.raises(NoSuchKey):
        await bucket.get("k")
    assert (bucket.counters.deletes, bucket.counters.deletes_of_missing_keys) == (1, 1)


async def test_what_a_caller_gets_back_cannot_change_the_stored_object(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    info = await bucket.put("k", b"x", metadata={"a": "1"})
    info.metadata["a"] = "changed"
    (await bucket.head("k")).metadata["b"] = "added"
    (await bucket.list()).contents[0].metadata.clear()
    assert (await bucket.get("k")).metadata == {"a": "1"}


async def test_the_counters_count_each_operation(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    await bucket.put("a", b"1")
    await bucket.copy("a", "b")
    await bucket.get("a")
    await bucket.head("a")
    await bucket.list()
    await bucket.delete("a")
    await bucket.delete("missing")
    assert bucket.metrics() == {
        "NumberOfObjects": 1,
        "BucketSizeBytes": 1,
        "PutRequests": 2,  # a copy is a PUT request
        "GetRequests": 1,
        "HeadRequests": 1,
        "DeleteRequests": 2,
        "ListRequests": 1,
        "NotificationsDelivered": 0,
        "NotificationsFailed": 0,
    }
    assert (bucket.counters.puts, bucket.counters.copies) == (1, 1)
    assert (bucket.counters.deletes, bucket.counters.deletes_of_missing_keys) == (1, 1)


# -- S3's limits -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["abc", "my-bucket.logs", "a" * 63, "123", "1.2.3", "xn-a", "bucket-s3alias2"],
)
def test_names_within_s3s_rules_are_accepted(clock: FakeClock, name: str) -> None:
    assert Bucket(name, clock).name == name


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("ab", "be 3 to 63 characters long (it has 2)"),
        ("a" * 64, "be 3 to 63 characters long (it has 64)"),
        ("My-Bucket", "have only lower-case letters, digits, '.' and '-' (it has 'M')"),
        ("my_bucket", "(it has '_')"),
        ("-bucket", "begin and end with a letter or a digit"),
        ("bucket.", "begin and end with a letter or a digit"),
        ("my..bucket", "not have two periods in a row"),
        ("192.168.5.4", "not be formatted as an IP address"),
        ("xn--bucket", "not start with 'xn--'"),
        ("sthree-bucket", "not start with 'sthree-'"),
        ("amzn-s3-demo-bucket", "not start with 'amzn-s3-demo-'"),
        ("bucket-s3alias", "not end with '-s3alias'"),
        ("bucket--ol-s3", "not end with '--ol-s3'"),
        ("bucket.mrap", "not end with '.mrap'"),
        ("bucket--x-s3", "not end with '--x-s3'"),
        ("bucket--table-s3", "not end with '--table-s3'"),
    ],
)
def test_names_against_s3s_rules_are_refused_naming_the_rule(
    clock: FakeClock, name: str, rule: str
) -> None:
    with pytest.raises(InvalidBucketName, match=f"^bucket {name!r}: the name must") as raised:
        Bucket(name, clock)
    assert rule in str(raised.value)
    assert isinstance(raised.value, ConfigurationError)


async def test_a_key_may_have_1024_bytes_of_utf8_and_no_more(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    await bucket.put("k" * 1024, b"")
    await bucket.put("é" * 512, b"")  # 512 characters, 1,024 bytes
    for key, size in (("k" * 1025, "1,025"), ("é" * 513, "1,026")):
        with pytest.raises(KeyTooLong, match=f"^bucket 'media': key is {size} bytes, over S3's"):
            await bucket.put(key, b"")
    assert len(bucket) == 2


@pytest.mark.parametrize(
    ("key", "problem"),
    [("", "key is empty"), (7, "key=7 is a int, not a str"), ("a\ud800", "not valid Unicode")],
)
async def test_a_key_that_is_not_s3_text_is_refused(
    clock: FakeClock, key: Any, problem: str
) -> None:
    bucket = Bucket("media", clock)
    for operation in (bucket.put(key, b""), bucket.delete(key), bucket.get(key)):
        with pytest.raises(BucketError, match=problem):
            await operation


async def test_user_metadata_may_have_2_kb_and_no_more(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    await bucket.put("k", b"", metadata={"name": "v" * (2048 - 4)})
    with pytest.raises(MetadataTooLarge, match=r"metadata is 2,049 bytes .* limit of 2,048") as e:
        await bucket.put("other", b"", metadata={"name": "é" * 1022 + "v"})
    assert e.value.code == "MetadataTooLarge"
    assert bucket.keys() == ["k"]


@pytest.mark.parametrize(
    ("metadata", "problem"),
    [
        ({"has space": "v"}, "the name 'has space' is not an HTTP header name"),
        ({"": "v"}, "the name '' is not an HTTP header name"),
        ({"a": "line\nbreak"}, r"metadata\['a'\]='line\\nbreak' is not a header value"),
        ({"a": 1}, r"metadata\['a'\]=1 is not a header value"),
        ({"Color": "red", "color": "blue"}, "two names are 'color' once lower-cased"),
        (["a"], "is not a mapping"),
    ],
)
async def test_metadata_s3_cannot_carry_is_refused(
    clock: FakeClock, metadata: Any, problem: str
) -> None:
    with pytest.raises(BucketError, match=problem):
        await Bucket("media", clock).put("k", b"", metadata=metadata)


async def test_a_body_over_the_single_put_limit_is_refused_and_not_stored(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert bucket_checks.MAXIMUM_SINGLE_PUT_BYTES == 5 * 1024**3  # S3's 5 GB
    monkeypatch.setattr(bucket_checks, "MAXIMUM_SINGLE_PUT_BYTES", 10)  # not 5 GB of memory
    bucket = Bucket("media", clock)
    received = listening(bucket)
    await bucket.put("small", b"0123456789")
    with pytest.raises(EntityTooLarge, match="'big' is 11 bytes, over S3's limit of 10 bytes"):
        await bucket.put("big", b"0123456789A")
    assert (bucket.keys(), len(received)) == (["small"], 1)


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"content_type": ""}, "content_type='' is not a header value"),
        ({"content_type": "text/plain\r\nX: y"}, "is not a header value"),
    ],
)
async def test_bad_content_types_and_bodies_are_refused(
    clock: FakeClock, options: dict[str, Any], problem: str
) -> None:
    with pytest.raises(BucketError, match=problem):
        await Bucket("media", clock).put("k", b"", **options)


async def test_a_body_that_is_not_json_is_refused_naming_its_type(clock: FakeClock) -> None:
    with pytest.raises(BucketError, match="the body of 'k', a object, is not bytes, str or"):
        await Bucket("media", clock).put("k", object())


# -- copy --------------------------------------------------------------------------------------


async def test_a_copy_keeps_the_body_etag_and_metadata_by_default(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    original = await bucket.put("a", b"data", content_type="text/csv", metadata={"k": "v"})
    await clock.advance(3)
    copied = await bucket.copy("a", "b")
    assert (copied.key, copied.etag, copied.size) == ("b", original.etag, 4)
    assert (copied.content_type, copied.metadata) == ("text/csv", {"k": "v"})
    assert copied.last_modified > original.last_modified
    assert (await bucket.get("b")).body == b"data"
    assert bucket.keys() == ["a", "b"]


async def test_a_copy_with_metadata_or_content_type_replaces_both(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    await bucket.put("a", b"data", content_type="text/csv", metadata={"k": "v"})
    replaced = await bucket.copy("a", "b", metadata={"New": "1"})
    assert (replaced.content_type, replaced.metadata) == ("binary/octet-stream", {"new": "1"})
    typed = await bucket.copy("a", "c", content_type="text/plain")
    assert (typed.content_type, typed.metadata) == ("text/plain", {})


async def test_copying_an_object_onto_itself_needs_new_metadata_as_on_s3(
    clock: FakeClock,
) -> None:
    bucket = Bucket("media", clock)
    await bucket.put("a", b"data", metadata={"k": "v"})
    with pytest.raises(BucketError, match="This copy request is illegal") as raised:
        await bucket.copy("a", "a")
    assert raised.value.code == "InvalidRequest"
    assert (await bucket.copy("a", "a", metadata={"k": "w"})).metadata == {"k": "w"}


async def test_a_copy_from_another_bucket_and_from_a_missing_key(clock: FakeClock) -> None:
    source, target = Bucket("source", clock), Bucket("target", clock)
    await source.put("a", b"data")
    assert (await target.copy("a", "b", source=source)).etag == (await source.head("a")).etag
    assert (target.keys(), source.keys()) == (["b"], ["a"])
    with pytest.raises(NoSuchKey, match=r"^bucket 'source': source_key='nope'"):
        await target.copy("nope", "b", source=source)
    with pytest.raises(BucketError, match="source='source' is not a Bucket"):
        await target.copy("a", "b", source="source")  # type: ignore[arg-type]


# -- list --------------------------------------------------------------------------------------


async def test_keys_are_listed_in_utf8_binary_order(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    keys = ["b", "B", "a/b", "a-b", "é", "\ue000", "😀", "a"]
    for key in keys:
        await bucket.put(key, b"")
    expected = sorted(keys, key=str.encode)  # '\ue000' sorts before '😀' in UTF-8, not UTF-16
    assert [info.key for info in (await bucket.list()).contents] == expected
    assert bucket.keys() == expected


async def test_a_delimiter_groups_keys_into_common_prefixes(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    for key in ["photos/2024/a.jpg", "photos/2024/b.jpg", "photos/2025/c.jpg", "photos/x.jpg"]:
        await bucket.put(key, b"")
    await bucket.put("readme", b"")
    top = await bucket.list(delimiter="/")
    assert ([info.key for info in top.contents], top.common_prefixes) == (["readme"], ["photos/"])
    inner = await bucket.list("photos/", delimiter="/")
    assert [info.key for info in inner.contents] == ["photos/x.jpg"]
    assert inner.common_prefixes == ["photos/2024/", "photos/2025/"]
    assert (inner.key_count, inner.is_truncated, inner.next_continuation_token) == (3, False, None)
    assert [info.key for info in (await bucket.list("photos/2024")).contents] == [
        "photos/2024/a.jpg",
        "photos/2024/b.jpg",
    ]


async def test_start_after_and_max_keys_page_through_the_keys(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    for key in ["a", "b/1", "b/2", "c", "d"]:
        await bucket.put(key, b"")
    after = await bucket.list(start_after="b/1")
    assert [info.key for info in after.contents] == ["b/2", "c", "d"]
    first = await bucket.list(delimiter="/", max_keys=2)
    assert ([i.key for i in first.contents], first.common_prefixes) == (["a"], ["b/"])
    assert first.is_truncated
    assert first.key_count == 2
    second = await bucket.list(
        delimiter="/", max_keys=2, continuation_token=first.next_continuation_token
    )
    assert [info.key for info in second.contents] == ["c", "d"]
    assert not second.is_truncated
    assert (await bucket.list(max_keys=0)).is_truncated


async def test_a_listing_never_returns_more_than_1000_keys(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    for number in range(1001):
        await bucket.put(f"{number:04}", b"")
    page = await bucket.list(max_keys=5000)
    assert (page.key_count, page.is_truncated) == (1000, True)
    rest = await bucket.list(continuation_token=page.next_continuation_token)
    assert [info.key for info in rest.contents] == ["1000"]


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"max_keys": -1}, "max_keys=-1 is not a whole number >= 0"),
        ({"max_keys": True}, "max_keys=True is not"),
        ({"continuation_token": "garbage"}, "The continuation token provided is incorrect"),
        ({"continuation_token": base64.b64encode(b'["x","y"]').decode()}, "is incorrect"),
        ({"prefix": 1}, "prefix=1 is not a str"),
        ({"delimiter": 1}, "delimiter=1 is not a str"),
    ],
)
async def test_bad_listing_arguments_are_refused(
    clock: FakeClock, options: dict[str, Any], problem: str
) -> None:
    with pytest.raises(BucketError, match=problem):
        await Bucket("media", clock).list(**options)


# Keys that share prefixes and delimiters often, and any short text of characters of 1 to 4
# bytes of UTF-8 ('\ue000' and '😀' order differently in UTF-8 and UTF-16).
KEYS = st.one_of(
    st.sampled_from(["a", "a/", "a/1", "a/2", "a/é/1", "a-1", "a-/1", "é", "é/1", "😀/a", "b"]),
    st.text(alphabet="a/-é\ue000😀", min_size=1, max_size=4),
)


def model_items(
    objects: dict[str, bytes], prefix: str, delimiter: str | None, start_after: str
) -> list[tuple[str, str]]:
    """What ListObjectsV2 lists, computed the plain way: every key in UTF-8 byte order, rolled
    up by the delimiter, one item per common prefix."""
    items: list[tuple[str, str]] = []
    for key in sorted(objects, key=str.encode):
        if not key.startswith(prefix) or key.encode() <= start_after.encode():
            continue
        rest = key[len(prefix) :]
        if delimiter and delimiter in rest:
            common = prefix + rest[: rest.index(delimiter) + len(delimiter)]
            if ("prefix", common) not in items:
                items.append(("prefix", common))
        else:
            items.append(("key", key))
    return items


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    # (put, key): mostly puts, so that keys accumulate and share prefixes
    operations=st.lists(
        st.tuples(st.sampled_from([True, True, False]), KEYS), min_size=2, max_size=25
    ),
    prefix=st.sampled_from(["", "a", "a/", "é", "a-"]),
    delimiter=st.sampled_from([None, "/", "/", "-", "/a", "é"]),
    max_keys=st.integers(0, 6),
    data=st.data(),
)
def test_list_agrees_with_a_sorted_dict_model(
    backend: str,
    operations: list[tuple[bool, str]],
    prefix: str,
    delimiter: str | None,
    max_keys: int,
    data: st.DataObject,
) -> None:
    """Random puts and deletes, then a listing and a walk through every page: the same items as
    the model, in its order, and a page is truncated exactly when the model has more."""
    written = [key for _, key in operations]
    start_after = data.draw(
        st.one_of(st.just(""), KEYS, *([st.sampled_from(written)] if written else [])),
        label="start_after",
    )

    async def scenario() -> None:
        # A bucket of its own for each example: on a file store, one name is one bucket.
        bucket = Bucket(f"media-{uuid.uuid4().hex[:12]}", FakeClock())
        model: dict[str, bytes] = {}
        for is_put, key in operations:
            if is_put:
                await bucket.put(key, key.encode())
                model[key] = key.encode()
            else:
                assert await bucket.delete(key) is (model.pop(key, None) is not None)
        assert bucket.keys() == sorted(model, key=str.encode)
        expected = model_items(model, prefix, delimiter, start_after)
        options: dict[str, Any] = {"delimiter": delimiter, "start_after": start_after}
        page = await bucket.list(prefix, max_keys=max_keys, **options)
        assert listed(page) == expected[:max_keys]
        assert page.is_truncated is (len(expected) > max_keys)
        walked, token = listed(page), page.next_continuation_token
        while token is not None and max_keys and len(walked) <= len(expected):
            page = await bucket.list(prefix, max_keys=max_keys, continuation_token=token, **options)
            walked += listed(page)
            token = page.next_continuation_token
        if max_keys:
            assert walked == expected
        for info in (await bucket.list(prefix, **options)).contents:
            assert info.size == len(model[info.key])

    anyio.run(scenario, backend=backend)


def listed(page: Any) -> list[tuple[str, str]]:
    """A page's items in order: its keys and common prefixes, merged as S3 orders them."""
    items = [("key", info.key) for info in page.contents]
    items += [("prefix", common) for common in page.common_prefixes]
    return sorted(items, key=lambda item: item[1].encode())


# -- notifications: their shape ----------------------------------------------------------------


@needs_corpus
async def test_a_put_notification_is_shaped_like_a_real_s3_event(clock: FakeClock) -> None:
    bucket = Bucket("lambda-artifacts", clock, region="us-east-2")
    received = listening(bucket, id="828aa6fc")
    await clock.advance(1.5)
    await bucket.put("b21b84d653bb07b05b1e6b33684dc11b", b"x" * 1305)
    [event] = received
    typed = events.parse(event)
    assert isinstance(typed, S3Event)
    assert events.detect(event) is S3Event
    assert_shaped_like(typed, "powertools/s3Event.json")
    first = record(event)
    assert first["eventVersion"] == "2.1"
    assert first["eventSource"] == "aws:s3"
    assert first["awsRegion"] == "us-east-2"
    assert first["eventTime"] == "2026-01-01T00:00:01.500Z"
    assert first["eventName"] == "ObjectCreated:Put"
    assert first["userIdentity"]["principalId"].startswith("AWS:AIDA")
    assert first["requestParameters"]["sourceIPAddress"]
    assert set(first["responseElements"]) == {"x-amz-request-id", "x-amz-id-2"}
    assert first["s3"]["s3SchemaVersion"] == "1.0"
    assert first["s3"]["configurationId"] == "828aa6fc"
    assert first["s3"]["bucket"]["name"] == "lambda-artifacts"
    assert first["s3"]["bucket"]["arn"] == "arn:aws:s3:::lambda-artifacts"
    assert first["s3"]["object"] == {
        "key": "b21b84d653bb07b05b1e6b33684dc11b",
        "size": 1305,
        "eTag": hashlib.md5(b"x" * 1305).hexdigest(),  # unquoted, unlike the ETag header
        "sequencer": first["s3"]["object"]["sequencer"],
    }


@needs_corpus
async def test_a_delete_notification_has_no_size_or_etag_like_s3s(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    received = listening(bucket, events=["s3:ObjectRemoved:*"])
    await bucket.put("k", b"x")
    await bucket.delete("k")
    [event] = received
    assert record(event)["eventName"] == "ObjectRemoved:Delete"
    assert set(record(event)["s3"]["object"]) == {"key", "sequencer"}
    assert_shaped_like(events.parse(event, type=S3Event), "powertools/s3EventDeleteObject.json")


async def test_keys_are_url_encoded_in_the_event_as_s3_encodes_them(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    received = listening(bucket)
    await bucket.put("photos/red flower=1+é.jpg", b"")
    key = record(received[0])["s3"]["object"]["key"]
    assert key == "photos/red+flower%3D1%2B%C3%A9.jpg"
    assert S3Object(key=key).decoded_key == "photos/red flower=1+é.jpg"


async def test_each_change_has_s3s_event_name(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    received = listening(bucket, events=EVENTS_OF_EACH_KIND)
    await bucket.put("a", b"1")
    await bucket.copy("a", "b")
    await bucket.delete("a")
    await bucket.delete("never-there")  # S3 answers 204 and notifies all the same
    names = [(record(e)["eventName"], record(e)["s3"]["object"]["key"]) for e in received]
    assert names == [
        ("ObjectCreated:Put", "a"),
        ("ObjectCreated:Copy", "b"),
        ("ObjectRemoved:Delete", "a"),
        ("ObjectRemoved:Delete", "never-there"),
    ]


async def test_sequencers_grow_with_each_change_of_a_key(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    received = listening(bucket, events=EVENTS_OF_EACH_KIND)
    await bucket.put("k", b"1")
    await bucket.put("k", b"2")  # the clock has not moved
    await clock.advance(0.001)
    await bucket.copy("k", "k", metadata={})
    await bucket.delete("k")
    sequencers = [record(event)["s3"]["object"]["sequencer"] for event in received]
    assert all(len(s) == 18 and int(s, 16) >= 0 and s == s.upper() for s in sequencers)
    assert sequencers == sorted(sequencers)
    assert len(set(sequencers)) == 4


async def test_each_request_has_its_own_request_and_host_ids(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    received = listening(bucket)
    await bucket.put("a", b"")
    await bucket.put("a", b"")
    first, second = (record(event)["responseElements"] for event in received)
    assert re.fullmatch(r"[0-9A-F]{16}", first["x-amz-request-id"])
    assert len(base64.b64decode(first["x-amz-id-2"])) == 42
    assert first["x-amz-request-id"] != second["x-amz-request-id"]
    assert first["x-amz-id-2"] != second["x-amz-id-2"]


# -- notifications: which configurations take an event -----------------------------------------


@pytest.mark.parametrize(
    ("configured", "wanted"),
    [
        (["s3:ObjectCreated:*"], ["Put", "Copy"]),
        (["s3:ObjectCreated:Put"], ["Put"]),
        (["s3:ObjectCreated:Copy"], ["Copy"]),
        (["s3:ObjectCreated:Post", "s3:ObjectCreated:CompleteMultipartUpload"], []),
        (["s3:ObjectRemoved:*"], ["Delete"]),
        (["s3:ObjectRemoved:Delete"], ["Delete"]),
        (["s3:ObjectRemoved:DeleteMarkerCreated"], []),
        ("s3:ObjectRemoved:*", ["Delete"]),
        (["s3:ObjectCreated:Put", "s3:ObjectRemoved:Delete"], ["Put", "Delete"]),
    ],
)
async def test_a_configuration_takes_the_event_types_it_names(
    clock: FakeClock, configured: Any, wanted: list[str]
) -> None:
    bucket = Bucket("media", clock)
    received = listening(bucket, events=configured)
    await bucket.put("a", b"")
    await bucket.copy("a", "b")
    await bucket.delete("b")
    assert [record(event)["eventName"].split(":")[1] for event in received] == wanted


@pytest.mark.parametrize(
    ("prefix", "suffix", "key", "is_notified"),
    [
        ("images/", "", "images/cat.jpg", True),
        ("images/", "", "logs/cat.jpg", False),
        ("", ".jpg", "images/cat.jpg", True),
        ("", ".jpg", "images/cat.JPG", False),  # case-sensitive
        ("images/", ".jpg", "images/cat.png", False),
        ("images/", ".jpg", "images/.jpg", True),
        ("my+folder/", "", "my folder/a", True),  # matched URL-encoded, as S3 does
        ("test%3Dabc/", "", "test=abc/a", True),
        ("test%3dabc/", "", "test=abc/a", True),  # the escape's case does not matter
        ("caf%C3%A9/", "", "café/a", True),
    ],
)
async def test_prefix_and_suffix_filter_the_key_as_s3_matches_it(
    clock: FakeClock, prefix: str, suffix: str, key: str, is_notified: bool
) -> None:
    bucket = Bucket("media", clock)
    received = listening(bucket, prefix=prefix, suffix=suffix)
    await bucket.put(key, b"")
    assert len(received) == int(is_notified)


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"events": ["s3:ObjectCreated"]}, r"'s3:ObjectCreated' is not an S3 event type; .*"),
        (
            {"events": ["ObjectCreated:Put"]},
            r"'ObjectCreated:Put' is not an S3 event type \(S3 spells it 's3:ObjectCreated:Put'\)",
        ),
        ({"events": []}, "events is empty"),
        ({"events": None}, "events=None is not a list of S3 event types"),
        ({"prefix": "my folder/"}, r"write prefix='my\+folder/'"),
        ({"suffix": "=.csv"}, r"write suffix='%3D.csv'"),
        ({"suffix": "*.jpg"}, "S3's key filters have no wildcards"),
        ({"prefix": "100%/"}, "a '%' that starts no escape"),
        ({"prefix": "p" * 1025}, "prefix is 1,025 characters, over S3's limit of 1,024"),
        ({"prefix": None}, "prefix=None is not a str"),
        ({"id": ""}, "id='' is not a non-empty str"),
    ],
)
def test_a_configuration_s3_would_refuse_is_refused(
    clock: FakeClock, options: dict[str, Any], problem: str
) -> None:
    bucket = Bucket("media", clock)
    with pytest.raises(InvalidNotificationConfiguration, match=problem) as raised:
        bucket.subscribe(print, **options)
    assert str(raised.value).startswith("bucket 'media': ")
    assert bucket.configurations == []


def test_an_unknown_event_type_is_refused_with_the_list_of_s3s(clock: FakeClock) -> None:
    with pytest.raises(ConfigurationError) as raised:
        Bucket("media", clock).subscribe(print, events=["s3:ObjectDeleted"])
    for name in ("s3:ObjectCreated:*", "s3:ObjectRemoved:DeleteMarkerCreated", "s3:ObjectAcl:Put"):
        assert name in str(raised.value)


# The examples of S3's documentation, and a few more: (events, prefix, suffix) of two
# configurations, and whether they overlap.
OVERLAPS = [
    ((["s3:ObjectCreated:*"], "", ""), (["s3:ObjectCreated:*"], "images", ""), True),
    ((["s3:ObjectCreated:*"], "", "jpg"), (["s3:ObjectCreated:Put"], "", "pg"), True),
    ((["s3:ObjectCreated:*"], "images", "jpg"), (["s3:ObjectCreated:Put"], "", "jpg"), True),
    ((["s3:ObjectCreated:Put"], "images/", ""), (["s3:ObjectCreated:Put"], "logs/", ""), False),
    ((["s3:ObjectCreated:Put"], "", ".jpg"), (["s3:ObjectCreated:Put"], "", ".png"), False),
    (
        (["s3:ObjectCreated:Put"], "images", ".jpg"),
        (["s3:ObjectCreated:Put"], "images", ".png"),
        False,
    ),
    ((["s3:ObjectCreated:Put"], "image/", ""), (["s3:ObjectRemoved:*"], "image/", ""), False),
    ((["s3:ObjectCreated:Put"], "a", ""), (["s3:ObjectCreated:Copy"], "a", ""), False),
    ((["s3:ObjectRemoved:*"], "a/", ""), (["s3:ObjectRemoved:Delete"], "a/b", ".txt"), True),
    ((["s3:ObjectCreated:Put"], "a/", ".txt"), (["s3:ObjectCreated:*"], "b/", ".txt"), False),
]


@pytest.mark.parametrize(("first", "second", "overlaps"), OVERLAPS)
def test_configurations_that_could_both_match_a_key_for_one_event_type_are_refused(
    clock: FakeClock,
    first: tuple[list[str], str, str],
    second: tuple[list[str], str, str],
    overlaps: bool,
) -> None:
    bucket = Bucket("media", clock)
    events_1, prefix_1, suffix_1 = first
    events_2, prefix_2, suffix_2 = second
    bucket.subscribe(print, events=events_1, prefix=prefix_1, suffix=suffix_1, id="one")
    if not overlaps:
        bucket.subscribe(print, events=events_2, prefix=prefix_2, suffix=suffix_2, id="two")
        assert [c.id for c in bucket.configurations] == ["one", "two"]
        return
    with pytest.raises(InvalidNotificationConfiguration) as raised:
        bucket.subscribe(print, events=events_2, prefix=prefix_2, suffix=suffix_2, id="two")
    message = str(raised.value)
    assert message.startswith(
        "bucket 'media': Configurations overlap. Configurations on the same bucket cannot share "
        "a common event type."
    )
    assert "configuration 'two'" in message.lower()
    assert "configuration 'one'" in message
    assert raised.value.code == "InvalidArgument"
    assert [c.id for c in bucket.configurations] == ["one"]


FILTERS = st.text(alphabet="ab.", max_size=3)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@settings(max_examples=80, deadline=None)
@given(
    first=st.tuples(FILTERS, FILTERS),
    second=st.tuples(FILTERS, FILTERS),
    keys=st.lists(st.text(alphabet="ab.", min_size=1, max_size=7), max_size=8),
)
def test_accepted_configurations_never_both_take_a_key_and_refused_ones_would(
    backend: str, first: tuple[str, str], second: tuple[str, str], keys: list[str]
) -> None:
    """The overlap rule against the matcher: two configurations of one event type are refused
    exactly when some key would be notified to both."""

    async def scenario() -> None:
        bucket = Bucket("media", FakeClock())
        one = listening(bucket, prefix=first[0], suffix=first[1])
        two: list[dict[str, Any]] = []
        try:
            bucket.subscribe(two.append, prefix=second[0], suffix=second[1])
        except InvalidNotificationConfiguration:
            # The refusal is right: a key made of the longer prefix and the longer suffix
            # matches both.
            witness = max(first[0], second[0], key=len) + max(first[1], second[1], key=len)
            assert witness.startswith(first[0])
            assert witness.startswith(second[0])
            assert witness.endswith(first[1])
            assert witness.endswith(second[1])
            return
        for key in keys:
            before = (len(one), len(two))
            await bucket.put(key, b"")
            assert (len(one) - before[0]) + (len(two) - before[1]) <= 1

    anyio.run(scenario, backend=backend)


def test_ids_are_unique_and_made_up_as_s3_makes_them(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    made_up = bucket.subscribe(print, prefix="a/")
    uuid.UUID(base64.b64decode(made_up.id).decode())  # a UUID in base64
    bucket.subscribe(print, prefix="b/", id="mine")
    with pytest.raises(InvalidNotificationConfiguration, match="with id 'mine' exists already"):
        bucket.subscribe(print, prefix="c/", id="mine")


async def test_an_unsubscribed_configuration_is_notified_no_more(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    first = listening(bucket, prefix="a/", id="first")
    second = listening(bucket, prefix="b/", id="second")
    bucket.unsubscribe(bucket.configurations[0])
    bucket.unsubscribe("second")
    await bucket.put("a/x", b"")
    await bucket.put("b/x", b"")
    assert (first, second, bucket.configurations) == ([], [], [])
    with pytest.raises(InvalidNotificationConfiguration, match="no notification configuration"):
        bucket.unsubscribe("second")
    with pytest.raises(InvalidNotificationConfiguration, match="42 is not a Notification"):
        bucket.unsubscribe(42)  # type: ignore[arg-type]
    listening(bucket, id="again")  # its filters no longer overlap anything


# -- notifications: a failing consumer -----------------------------------------------------------


async def test_a_failing_deliver_loses_nothing_and_is_counted(clock: FakeClock) -> None:
    bucket = Bucket("media", clock)
    seen: list[dict[str, Any]] = []

    def fail(event: dict[str, Any]) -> None:
        seen.append(event)
        event["Records"].clear()  # spoils its own copy, then fails
        raise RuntimeError("downstream is down")

    bucket.subscribe(fail, events=EVENTS_OF_EACH_KIND, prefix="a/", id="failing")
    working = listening(bucket, prefix="b/", id="working")
    info = await bucket.put("a/1", b"kept")
    await bucket.put("b/1", b"")
    assert (await bucket.get("a/1")).body == b"kept"
    assert info.key == "a/1"
    assert bucket.counters.notifications_failed == 1
    assert bucket.counters.notifications_delivered == 1
    [undelivered] = bucket.undelivered
    assert undelivered.configuration_id == "failing"
    assert undelivered.error == "RuntimeError: downstream is down"
    assert record(undelivered.event)["s3"]["object"]["key"] == "a/1"  # whole, as built
    assert (
        events.parse(undelivered.event, type=S3Event).records[0].event_name == "ObjectCreated:Put"
    )
    assert len(seen) == 1
    assert len(working) == 1
    await bucket.delete("a/1")  # the bucket goes on working
    assert bucket.counters.notifications_failed == 2
    assert "a/1" not in bucket


def test_an_async_deliver_is_refused_as_s3_delivers_synchronously(clock: FakeClock) -> None:
    async def deliver(event: dict[str, Any]) -> None: ...

    class Deliverer:
        async def __call__(self, event: dict[str, Any]) -> None: ...

    bucket = Bucket("media", clock)
    for target in (deliver, Deliverer()):
        with pytest.raises(InvalidNotificationConfiguration, match="is async"):
            bucket.subscribe(target)
    with pytest.raises(InvalidNotificationConfiguration, match="is not callable"):
        bucket.subscribe("print")  # type: ignore[arg-type]


async def test_a_deliver_that_returns_an_awaitable_counts_as_failed(clock: FakeClock) -> None:
    async def handle(event: dict[str, Any]) -> None: ...

    bucket = Bucket("media", clock)
    bucket.subscribe(lambda event: handle(event))
    await bucket.put("k", b"")
    assert bucket.counters.notifications_failed == 1
    assert "an awaitable that nothing awaits" in bucket.undelivered[0].error


async def test_put_parts_joins_them_with_s3s_multipart_etag_and_notifies(
    clock: FakeClock,
) -> None:
    bucket = Bucket("media", clock)
    seen: list[dict[str, Any]] = []
    bucket.subscribe(seen.append)
    parts = [b"a" * 10, b"b" * 3]
    info = await bucket.put_parts("big", parts, content_type="text/plain", metadata={"k": "v"})
    digests = hashlib.md5(hashlib.md5(parts[0]).digest() + hashlib.md5(parts[1]).digest())
    assert info.etag == f'"{digests.hexdigest()}-2"'
    assert (await bucket.get("big")).body == b"a" * 10 + b"b" * 3
    record = seen[0]["Records"][0]
    assert record["eventName"] == "ObjectCreated:CompleteMultipartUpload"
    assert record["s3"]["object"]["eTag"] == f"{digests.hexdigest()}-2"
    copied = await bucket.copy("big", "copy")  # written in one piece: the MD5 again
    assert copied.etag == f'"{hashlib.md5(b"a" * 10 + b"b" * 3).hexdigest()}"'
    with pytest.raises(BucketError, match="an upload has 1 to 10000"):
        await bucket.put_parts("none", [])
