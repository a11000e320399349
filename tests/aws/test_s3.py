"""S3 through `app.aws` with real boto3: buckets, objects (metadata, ETags, checksums, ranges),
listings with their pagination, deletes, copies, multipart uploads, S3's errors as botocore
raises them, virtual-hosted requests, and the `@app.on_object` functions a put triggers, down
to a handler that reads its upload and writes a thumbnail with plain `boto3.client("s3")`."""

from __future__ import annotations

import base64
import datetime
import hashlib
import io
import zlib
from collections.abc import Callable, Iterator
from queue import SimpleQueue
from typing import Any

import boto3
import httpx
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError

from faaslib import App
from tests.http.server import Served

pytestmark = pytest.mark.usefixtures("each_store")

Client = Any


@pytest.fixture
def deliveries() -> SimpleQueue[tuple[str, str]]:
    """(function, key) for every notification the app's `on_object` functions were given."""
    return SimpleQueue()


@pytest.fixture
def app(deliveries: SimpleQueue[tuple[str, str]]) -> App:
    app = App(name="aws")

    @app.on_object("uploads")
    def make_thumbnail(event: dict[str, Any], context: object) -> None:
        s3 = boto3.client("s3")  # AWS_ENDPOINT_URL points it at the served app
        for record in event["Records"]:
            key = record["s3"]["object"]["key"]
            original = s3.get_object(Bucket="uploads", Key=key)["Body"].read()
            s3.put_object(Bucket="thumbnails", Key=key, Body=original[:4])
            deliveries.put(("make_thumbnail", key))

    @app.on_object("thumbnails")
    def index_thumbnail(event: dict[str, Any], context: object) -> None:
        for record in event["Records"]:
            deliveries.put(("index_thumbnail", record["s3"]["object"]["key"]))

    @app.on_object("photos", suffix=".jpg")
    def see_photo(event: dict[str, Any], context: object) -> None:
        for record in event["Records"]:
            deliveries.put((record["eventName"], record["s3"]["object"]["key"]))

    return app


@pytest.fixture
def s3(aws_client: Callable[..., Any]) -> Client:
    return aws_client("s3")


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


# -- buckets ------------------------------------------------------------------------------------


def test_create_bucket_then_list_and_head_it(s3: Client) -> None:
    s3.create_bucket(Bucket="media")
    s3.create_bucket(Bucket="media")  # us-east-1 answers its owner 200 again
    names = [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]
    assert names == ["media", "photos", "thumbnails", "uploads"]
    assert s3.head_bucket(Bucket="media")["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_list_buckets_filters_by_prefix_and_paginates(s3: Client) -> None:
    for name in ("media-1", "media-2", "media-3"):
        s3.create_bucket(Bucket=name)
    first = s3.list_buckets(Prefix="media-", MaxBuckets=2)
    assert [bucket["Name"] for bucket in first["Buckets"]] == ["media-1", "media-2"]
    token = first["ContinuationToken"]
    rest = s3.list_buckets(Prefix="media-", MaxBuckets=2, ContinuationToken=token)
    assert [bucket["Name"] for bucket in rest["Buckets"]] == ["media-3"]
    assert "ContinuationToken" not in rest


def test_create_bucket_again_outside_us_east_1_is_already_owned_by_you(
    aws_client: Callable[..., Any],
) -> None:
    s3 = aws_client("s3", region_name="eu-west-1")
    configuration = {"LocationConstraint": "eu-west-1"}
    s3.create_bucket(Bucket="media", CreateBucketConfiguration=configuration)
    with pytest.raises(ClientError) as raised:
        s3.create_bucket(Bucket="media", CreateBucketConfiguration=configuration)
    assert error_of(raised) == ("BucketAlreadyOwnedByYou", 409)


def test_an_invalid_bucket_name_is_refused(s3: Client, served: Served) -> None:
    # botocore checks names itself, so the request goes out by hand.
    answer = httpx.put(served.url + "/Bad_Name", headers=signed_for_s3())
    assert answer.status_code == 400
    assert b"<Code>InvalidBucketName</Code>" in answer.content


def test_a_missing_bucket_is_no_such_bucket(s3: Client) -> None:
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket="missing", Key="a", Body=b"x")
    assert error_of(raised) == ("NoSuchBucket", 404)
    with pytest.raises(ClientError) as raised:
        s3.head_bucket(Bucket="missing")
    assert error_of(raised) == ("404", 404)  # a HEAD's error has no body: botocore reads status


# -- objects --------------------------------------------------------------------------------------


def test_put_get_and_head_keep_body_type_metadata_and_etag(s3: Client) -> None:
    body = b"hello, world"
    put = s3.put_object(
        Bucket="photos",
        Key="notes/a b+c.txt",
        Body=body,
        ContentType="text/plain",
        Metadata={"owner": "ada"},
        ContentMD5=base64.b64encode(hashlib.md5(body).digest()).decode(),
    )
    etag = f'"{hashlib.md5(body).hexdigest()}"'
    assert put["ETag"] == etag
    got = s3.get_object(Bucket="photos", Key="notes/a b+c.txt")
    assert got["Body"].read() == body
    assert (got["ContentType"], got["Metadata"], got["ETag"]) == (
        "text/plain",
        {"owner": "ada"},
        etag,
    )
    head = s3.head_object(Bucket="photos", Key="notes/a b+c.txt")
    assert (head["ContentLength"], head["ETag"], head["Metadata"]) == (
        len(body),
        etag,
        {"owner": "ada"},
    )
    assert head["LastModified"] == got["LastModified"]


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA1", "SHA256"])
def test_a_checksum_boto3_sends_is_checked(s3: Client, algorithm: str) -> None:
    s3.put_object(Bucket="photos", Key="sum", Body=b"data", ChecksumAlgorithm=algorithm)
    assert s3.get_object(Bucket="photos", Key="sum")["Body"].read() == b"data"


def test_a_body_that_does_not_match_its_content_md5_is_bad_digest(s3: Client) -> None:
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket="photos", Key="a", Body=b"data", ContentMD5=wrong)
    assert error_of(raised) == ("BadDigest", 400)
    with pytest.raises(ClientError):
        s3.head_object(Bucket="photos", Key="a")


@pytest.mark.parametrize(
    ("asked", "body", "content_range"),
    [
        ("bytes=0-3", b"0123", "bytes 0-3/10"),
        ("bytes=7-", b"789", "bytes 7-9/10"),
        ("bytes=-2", b"89", "bytes 8-9/10"),
        ("bytes=5-100", b"56789", "bytes 5-9/10"),
    ],
)
def test_a_range_answers_206_with_its_content_range(
    s3: Client, asked: str, body: bytes, content_range: str
) -> None:
    s3.put_object(Bucket="photos", Key="digits", Body=b"0123456789")
    got = s3.get_object(Bucket="photos", Key="digits", Range=asked)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert (got["Body"].read(), got["ContentRange"]) == (body, content_range)


def test_a_range_past_the_end_is_invalid_range(s3: Client) -> None:
    s3.put_object(Bucket="photos", Key="digits", Body=b"0123456789")
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket="photos", Key="digits", Range="bytes=10-")
    assert error_of(raised) == ("InvalidRange", 416)


def test_conditional_reads_answer_304_and_412_as_s3_does(s3: Client) -> None:
    etag = s3.put_object(Bucket="photos", Key="c", Body=b"data")["ETag"]
    assert s3.get_object(Bucket="photos", Key="c", IfMatch=etag)["Body"].read() == b"data"
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket="photos", Key="c", IfMatch='"other"')
    assert error_of(raised) == ("PreconditionFailed", 412)
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket="photos", Key="c", IfNoneMatch=etag)
    assert error_of(raised) == ("304", 304)
    with pytest.raises(ClientError) as raised:
        s3.head_object(Bucket="photos", Key="c", IfMatch='"other"')
    assert error_of(raised) == ("412", 412)  # a HEAD's error has no body
    modified = s3.head_object(Bucket="photos", Key="c")["LastModified"]
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket="photos", Key="c", IfModifiedSince=modified)
    assert error_of(raised) == ("304", 304)
    earlier = modified - datetime.timedelta(days=1)
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket="photos", Key="c", IfUnmodifiedSince=earlier)
    assert error_of(raised) == ("PreconditionFailed", 412)
    assert s3.get_object(Bucket="photos", Key="c", IfModifiedSince=earlier)["ETag"] == etag


def test_a_conditional_write_is_not_implemented_rather_than_ignored(s3: Client) -> None:
    s3.put_object(Bucket="photos", Key="c", Body=b"data")
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket="photos", Key="c", Body=b"new", IfNoneMatch="*")
    assert error_of(raised) == ("NotImplemented", 501)
    assert s3.get_object(Bucket="photos", Key="c")["Body"].read() == b"data"


def test_a_missing_key_is_no_such_key_and_404_on_head(s3: Client) -> None:
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket="photos", Key="nothing")
    assert error_of(raised) == ("NoSuchKey", 404)
    with pytest.raises(ClientError) as raised:
        s3.head_object(Bucket="photos", Key="nothing")
    assert error_of(raised) == ("404", 404)


def test_metadata_over_2_kb_is_refused(s3: Client) -> None:
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket="photos", Key="a", Body=b"x", Metadata={"big": "x" * 2100})
    assert error_of(raised) == ("MetadataTooLarge", 400)


def test_delete_object_answers_204_whether_or_not_the_key_exists(s3: Client) -> None:
    s3.put_object(Bucket="photos", Key="a", Body=b"x")
    for _ in range(2):
        answer = s3.delete_object(Bucket="photos", Key="a")
        assert answer["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError):
        s3.head_object(Bucket="photos", Key="a")


def test_delete_objects_answers_each_key(s3: Client) -> None:
    for key in ("a", "b"):
        s3.put_object(Bucket="photos", Key=key, Body=b"x")
    objects = [{"Key": "a"}, {"Key": "b"}, {"Key": "never"}, {"Key": "x" * 1100}]
    answer = s3.delete_objects(Bucket="photos", Delete={"Objects": objects})
    assert [d["Key"] for d in answer["Deleted"]] == ["a", "b", "never"]
    assert [e["Code"] for e in answer["Errors"]] == ["KeyTooLongError"]
    assert s3.list_objects_v2(Bucket="photos")["KeyCount"] == 0
    quiet = s3.delete_objects(Bucket="photos", Delete={"Objects": objects[:1], "Quiet": True})
    assert "Deleted" not in quiet


def test_copy_object_keeps_or_replaces_metadata(s3: Client) -> None:
    s3.put_object(
        Bucket="photos", Key="src", Body=b"body", ContentType="text/plain", Metadata={"a": "1"}
    )
    copied = s3.copy_object(
        Bucket="uploads", Key="dst", CopySource={"Bucket": "photos", "Key": "src"}
    )
    assert copied["CopyObjectResult"]["ETag"] == f'"{hashlib.md5(b"body").hexdigest()}"'
    head = s3.head_object(Bucket="uploads", Key="dst")
    assert (head["ContentType"], head["Metadata"]) == ("text/plain", {"a": "1"})
    s3.copy_object(
        Bucket="photos",
        Key="src",
        CopySource="photos/src",
        MetadataDirective="REPLACE",
        Metadata={"b": "2"},
        ContentType="application/json",
    )
    head = s3.head_object(Bucket="photos", Key="src")
    assert (head["ContentType"], head["Metadata"]) == ("application/json", {"b": "2"})


def test_copy_onto_itself_without_replace_and_from_a_missing_key_are_refused(s3: Client) -> None:
    s3.put_object(Bucket="photos", Key="src", Body=b"body")
    with pytest.raises(ClientError) as raised:
        s3.copy_object(Bucket="photos", Key="src", CopySource="photos/src")
    assert error_of(raised) == ("InvalidRequest", 400)
    with pytest.raises(ClientError) as raised:
        s3.copy_object(Bucket="photos", Key="dst", CopySource="photos/none")
    assert error_of(raised) == ("NoSuchKey", 404)
    with pytest.raises(ClientError) as raised:
        s3.copy_object(Bucket="photos", Key="dst", CopySource="nobucket/src")
    assert error_of(raised) == ("NoSuchBucket", 404)


# -- listings -------------------------------------------------------------------------------------


def test_list_objects_v2_groups_by_delimiter_and_filters_by_prefix(s3: Client) -> None:
    for key in ("a/1", "a/2", "b/1", "c", "d/x/1"):
        s3.put_object(Bucket="photos", Key=key, Body=b"x")
    page = s3.list_objects_v2(Bucket="photos", Delimiter="/")
    assert [c["Key"] for c in page["Contents"]] == ["c"]
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["a/", "b/", "d/"]
    assert page["KeyCount"] == 4
    page = s3.list_objects_v2(Bucket="photos", Prefix="a/")
    assert [(c["Key"], c["Size"]) for c in page["Contents"]] == [("a/1", 1), ("a/2", 1)]
    page = s3.list_objects_v2(Bucket="photos", StartAfter="b/1")
    assert [c["Key"] for c in page["Contents"]] == ["c", "d/x/1"]


def test_list_objects_v2_paginates_with_continuation_tokens(s3: Client) -> None:
    keys = [f"k{index:02}" for index in range(7)]
    for key in keys:
        s3.put_object(Bucket="photos", Key=key, Body=b"x")
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket="photos", PaginationConfig={"PageSize": 3}
    )
    listed = [[c["Key"] for c in page["Contents"]] for page in pages]
    assert listed == [keys[0:3], keys[3:6], keys[6:]]
    with pytest.raises(ClientError) as raised:
        s3.list_objects_v2(Bucket="photos", ContinuationToken="not-a-token")
    assert error_of(raised) == ("InvalidArgument", 400)


# -- multipart ------------------------------------------------------------------------------------


def test_upload_fileobj_of_17_mb_goes_in_parts_notifies_and_reads_back_whole(
    s3: Client, deliveries: SimpleQueue[tuple[str, str]]
) -> None:
    data = bytes(range(256)) * (17 * 4096)  # 17 MB: three parts of boto3's 8 MB
    s3.upload_fileobj(io.BytesIO(data), "photos", "big.jpg")
    assert deliveries.get(timeout=10) == ("ObjectCreated:CompleteMultipartUpload", "big.jpg")
    head = s3.head_object(Bucket="photos", Key="big.jpg")
    assert head["ContentLength"] == len(data)
    parts = [data[at : at + 8 * 1024**2] for at in range(0, len(data), 8 * 1024**2)]
    digests = b"".join(hashlib.md5(part).digest() for part in parts)
    assert head["ETag"] == f'"{hashlib.md5(digests).hexdigest()}-3"'  # S3's multipart ETag
    assert s3.get_object(Bucket="photos", Key="big.jpg")["Body"].read() == data
    copied = s3.copy_object(Bucket="photos", Key="copy.bin", CopySource="photos/big.jpg")
    assert copied["CopyObjectResult"]["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'


def test_multipart_upload_checks_its_parts_and_can_be_aborted(s3: Client) -> None:
    upload_id = s3.create_multipart_upload(Bucket="photos", Key="m")["UploadId"]
    first = s3.upload_part(Bucket="photos", Key="m", UploadId=upload_id, PartNumber=1, Body=b"ab")
    second = s3.upload_part(Bucket="photos", Key="m", UploadId=upload_id, PartNumber=2, Body=b"c")
    parts = [{"PartNumber": 1, "ETag": first["ETag"]}, {"PartNumber": 2, "ETag": second["ETag"]}]
    with pytest.raises(ClientError) as raised:  # a part before the last under 5 MB
        s3.complete_multipart_upload(
            Bucket="photos", Key="m", UploadId=upload_id, MultipartUpload={"Parts": parts}
        )
    assert error_of(raised) == ("EntityTooSmall", 400)
    wrong = [{"PartNumber": 1, "ETag": '"00000000000000000000000000000000"'}]
    with pytest.raises(ClientError) as raised:
        s3.complete_multipart_upload(
            Bucket="photos", Key="m", UploadId=upload_id, MultipartUpload={"Parts": wrong}
        )
    assert error_of(raised) == ("InvalidPart", 400)
    single = s3.complete_multipart_upload(
        Bucket="photos", Key="m", UploadId=upload_id, MultipartUpload={"Parts": parts[1:]}
    )
    assert single["ETag"] == f'"{hashlib.md5(hashlib.md5(b"c").digest()).hexdigest()}-1"'
    with pytest.raises(ClientError) as raised:  # completed: gone
        s3.abort_multipart_upload(Bucket="photos", Key="m", UploadId=upload_id)
    assert error_of(raised) == ("NoSuchUpload", 404)
    upload_id = s3.create_multipart_upload(Bucket="photos", Key="n")["UploadId"]
    s3.abort_multipart_upload(Bucket="photos", Key="n", UploadId=upload_id)
    with pytest.raises(ClientError) as raised:
        s3.upload_part(Bucket="photos", Key="n", UploadId=upload_id, PartNumber=1, Body=b"x")
    assert error_of(raised) == ("NoSuchUpload", 404)


# -- what is not served -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda s3: s3.delete_bucket(Bucket="photos"),
        lambda s3: s3.get_object_tagging(Bucket="photos", Key="a"),
        lambda s3: s3.list_objects(Bucket="photos"),
        lambda s3: s3.get_bucket_policy(Bucket="photos"),
    ],
)
def test_an_operation_faaslib_does_not_serve_is_not_implemented(
    s3: Client, call: Callable[[Client], Any]
) -> None:
    with pytest.raises(ClientError) as raised:
        call(s3)
    assert error_of(raised) == ("NotImplemented", 501)


# -- virtual-hosted requests ----------------------------------------------------------------------


def signed_for_s3() -> dict[str, str]:
    """An Authorization header naming S3 in its SigV4 scope (app.aws reads the scope and does
    not check signatures)."""
    scope = "Credential=testing/20261207/us-east-1/s3/aws4_request"
    return {"authorization": f"AWS4-HMAC-SHA256 {scope}, SignedHeaders=host, Signature=0"}


def test_a_virtual_hosted_request_names_its_bucket_in_the_host(s3: Client, served: Served) -> None:
    # `photos.localhost` does not resolve here, so the request goes to 127.0.0.1 with that Host.
    host = {"host": f"photos.localhost:{served.port}", **signed_for_s3()}
    put = httpx.put(served.url + "/dir/cat.txt", content=b"meow", headers=host)
    assert put.status_code == 200
    assert s3.get_object(Bucket="photos", Key="dir/cat.txt")["Body"].read() == b"meow"
    got = httpx.get(served.url + "/dir/cat.txt", headers=host)
    assert (got.status_code, got.content) == (200, b"meow")
    listed = httpx.get(served.url + "/?list-type=2", headers=host)
    assert b"<Key>dir/cat.txt</Key>" in listed.content


def test_a_virtual_addressing_client_builds_urls_the_service_reads(served: Served) -> None:
    s3 = boto3.client(
        "s3",
        endpoint_url=f"http://localhost:{served.port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(s3={"addressing_style": "virtual"}, retries={"max_attempts": 1}),
    )
    hosts: list[str] = []
    s3.meta.events.register("before-send.s3", send_to_served(served, hosts))
    s3.put_object(Bucket="photos", Key="v.txt", Body=b"virtual")
    assert s3.get_object(Bucket="photos", Key="v.txt")["Body"].read() == b"virtual"
    assert hosts == [f"photos.localhost:{served.port}"] * 2


def send_to_served(served: Served, hosts: list[str]) -> Callable[..., Any]:
    """A `before-send` hook that sends boto3's request for `photos.localhost` (which does not
    resolve here) to the served app on 127.0.0.1, its Host header as boto3 made it."""

    def send(request: Any, **_: Any) -> AWSResponse:
        url = httpx.URL(request.url)
        hosts.append(f"{url.host}:{url.port}")
        answer = httpx.request(
            request.method,
            url.copy_with(host="127.0.0.1"),
            headers={**dict(request.headers), "host": f"{url.host}:{url.port}"},
            content=request.body or b"",
        )
        return AWSResponse(str(url), answer.status_code, answer.headers, _Raw(answer.content))

    return send


class _Raw(io.BytesIO):
    """A body as botocore reads one from urllib3."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.getvalue()


# -- triggers -------------------------------------------------------------------------------------


def test_a_put_triggers_the_on_object_function_of_its_suffix(
    s3: Client, deliveries: SimpleQueue[tuple[str, str]]
) -> None:
    s3.put_object(Bucket="photos", Key="skip.png", Body=b"x")
    s3.put_object(Bucket="photos", Key="cat.jpg", Body=b"x")
    assert deliveries.get(timeout=10) == ("ObjectCreated:Put", "cat.jpg")
    assert deliveries.empty()


def test_an_upload_is_thumbnailed_by_a_handler_using_boto3_and_the_thumbnail_triggers_another(
    s3: Client,
    served: Served,
    deliveries: SimpleQueue[tuple[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", served.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    s3.put_object(Bucket="uploads", Key="photo.jpg", Body=b"JPEG-original-bytes")
    seen = {deliveries.get(timeout=20), deliveries.get(timeout=20)}
    assert seen == {("make_thumbnail", "photo.jpg"), ("index_thumbnail", "photo.jpg")}
    thumbnail = s3.get_object(Bucket="thumbnails", Key="photo.jpg")["Body"].read()
    assert thumbnail == b"JPEG"


def test_a_body_that_does_not_match_its_checksum_is_bad_digest(s3: Client) -> None:
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket="photos", Key="a", Body=b"data", ChecksumCRC32="AAAAAA==")
    assert error_of(raised) == ("BadDigest", 400)


def test_an_aws_chunked_body_is_unframed_and_its_trailing_checksum_checked(
    s3: Client, served: Served
) -> None:
    # What SDKs send over HTTPS (a streaming body with its checksum in a trailer).
    checksum = base64.b64encode(zlib.crc32(b"hello world").to_bytes(4, "big")).decode()
    headers = {**signed_for_s3(), "content-encoding": "aws-chunked"}
    for crc, status in ((checksum, 200), ("AAAAAA==", 400)):
        body = f"6\r\nhello \r\n5\r\nworld\r\n0\r\nx-amz-checksum-crc32:{crc}\r\n\r\n".encode()
        answer = httpx.put(served.url + "/photos/chunked", content=body, headers=headers)
        assert answer.status_code == status
    assert s3.get_object(Bucket="photos", Key="chunked")["Body"].read() == b"hello world"
