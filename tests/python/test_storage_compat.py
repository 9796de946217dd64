"""S3 behaviours that Ceph's s3-tests check (docs/storage.md, "Compatibility"), judged by boto3 and raw HTTP:
conditional writes, stored checksums, Content-MD5, Expect headers, GET by partNumber, non-ASCII metadata."""
import base64
import datetime
import hashlib
import socket
from email.header import decode_header
from urllib.parse import urlsplit

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

BUCKET = "s3compat"
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def user(hub):
    return hub.make_user(BUCKET)


@pytest.fixture(scope="module")
def s3(hub, user):
    return hub.s3_client(user)


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


def test_checksums_are_kept_and_returned_with_checksum_mode(s3):
    body = b"A" * 1024
    sha = base64.b64encode(hashlib.sha256(body).digest()).decode()
    r = s3.put_object(Bucket=BUCKET, Key="sum/sha", Body=body, ChecksumAlgorithm="SHA256", ChecksumSHA256=sha)
    assert r["ChecksumSHA256"] == sha
    assert "ChecksumSHA256" not in s3.head_object(Bucket=BUCKET, Key="sum/sha")
    head = s3.head_object(Bucket=BUCKET, Key="sum/sha", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == sha
    assert head["ChecksumType"] == "FULL_OBJECT"
    got = s3.get_object(Bucket=BUCKET, Key="sum/sha", ChecksumMode="ENABLED")
    assert got["ChecksumSHA256"] == sha and got["Body"].read() == body
    # A range is not the object: no checksum with it.
    assert "ChecksumSHA256" not in s3.get_object(Bucket=BUCKET, Key="sum/sha", Range="bytes=0-9", ChecksumMode="ENABLED")
    # CRC64NVME (the value s3-tests knows for 1,024 "A"s).
    r = s3.put_object(Bucket=BUCKET, Key="sum/crc64", Body=body, ChecksumAlgorithm="CRC64NVME", ChecksumCRC64NVME="Qeh8oXvGiSo=")
    assert r["ChecksumCRC64NVME"] == "Qeh8oXvGiSo="
    assert s3.head_object(Bucket=BUCKET, Key="sum/crc64", ChecksumMode="ENABLED")["ChecksumCRC64NVME"] == "Qeh8oXvGiSo="
    bad = dict(Bucket=BUCKET, Key="sum/sha", Body=b"other", ChecksumAlgorithm="SHA256", ChecksumSHA256=sha)
    assert error_of(s3.put_object, **bad) == (400, "BadDigest")
    assert s3.get_object(Bucket=BUCKET, Key="sum/sha")["Body"].read() == body


def test_content_md5_must_be_a_digest(s3):
    for value in ["YWJyYWNhZGFicmE=", "", "not base64 at all"]:
        remove = with_headers(s3, "PutObject", {"Content-MD5": value})
        try:
            assert error_of(s3.put_object, Bucket=BUCKET, Key="md5", Body=b"bar") == (400, "InvalidDigest"), value
        finally:
            remove()
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    remove = with_headers(s3, "PutObject", {"Content-MD5": wrong})
    try:
        assert error_of(s3.put_object, Bucket=BUCKET, Key="md5", Body=b"bar") == (400, "BadDigest")
    finally:
        remove()
    right = base64.b64encode(hashlib.md5(b"bar").digest()).decode()
    remove = with_headers(s3, "PutObject", {"Content-MD5": right})
    try:
        s3.put_object(Bucket=BUCKET, Key="md5", Body=b"bar")
    finally:
        remove()


def test_get_and_head_by_part_number(s3):
    key = "parts/mp"
    sizes = [5 * MIB, MIB + 3]
    data = [bytes([65 + i]) * n for i, n in enumerate(sizes)]
    uid = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    assert error_of(s3.get_object, Bucket=BUCKET, Key=key, PartNumber=1) == (404, "NoSuchKey")
    parts = []
    for n, d in enumerate(data, 1):
        parts.append({"PartNumber": n, "ETag": s3.upload_part(Bucket=BUCKET, Key=key, UploadId=uid, PartNumber=n, Body=d)["ETag"]})
    etag = s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=uid, MultipartUpload={"Parts": parts})["ETag"]
    for n, d in enumerate(data, 1):
        head = s3.head_object(Bucket=BUCKET, Key=key, PartNumber=n)
        assert (head["PartsCount"], head["ContentLength"], head["ETag"]) == (2, len(d), etag)
        got = s3.get_object(Bucket=BUCKET, Key=key, PartNumber=n)
        assert got["PartsCount"] == 2 and got["Body"].read() == d
    assert error_of(s3.get_object, Bucket=BUCKET, Key=key, PartNumber=3) == (400, "InvalidPart")
    s3.put_object(Bucket=BUCKET, Key="parts/simple", Body=b"body")
    got = s3.get_object(Bucket=BUCKET, Key="parts/simple", PartNumber=1)
    assert got["Body"].read() == b"body" and "PartsCount" not in got
    assert error_of(s3.get_object, Bucket=BUCKET, Key="parts/simple", PartNumber=2) == (400, "InvalidPart")


def raw_request(url, head: bytes, body: bytes | None):
    """Sends a request head; reads the first answer; sends `body` only after a `100 Continue`."""
    u = urlsplit(url)
    with socket.create_connection((u.hostname, u.port), timeout=30) as s:
        s.sendall(head)
        first = s.recv(65536).decode("latin-1")
        if not first.startswith("HTTP/1.1 100") or body is None:
            return first, None
        s.sendall(body)
        rest = b""
        while b"\r\n\r\n" not in rest:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
        return first, rest.decode("latin-1")


def test_expect_100_continue_comes_after_authorization(hub, user, s3):
    host = urlsplit(hub.s3_url).netloc
    head = f"PUT /{BUCKET}/expect HTTP/1.1\r\nHost: {host}\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"
    first, _ = raw_request(hub.s3_url, head.encode(), b"bar")
    assert first.startswith("HTTP/1.1 403"), first  # anonymous: refused before any body is sent
    req = AWSRequest(method="PUT", url=f"{hub.s3_url}/{BUCKET}/expect", data=b"bar",
                     headers={"Expect": "100-continue", "x-amz-content-sha256": hashlib.sha256(b"bar").hexdigest()})
    SigV4Auth(Credentials(user["access_key_id"], user["secret_access_key"]), "s3", "us-east-1").add_auth(req)
    lines = [f"PUT /{BUCKET}/expect HTTP/1.1", f"Host: {host}", "Content-Length: 3"]
    lines += [f"{k}: {v}" for k, v in req.headers.items() if k.lower() != "host"]
    first, final = raw_request(hub.s3_url, ("\r\n".join(lines) + "\r\n\r\n").encode(), b"bar")
    assert first.startswith("HTTP/1.1 100"), first
    assert final.startswith("HTTP/1.1 200"), final
    assert s3.get_object(Bucket=BUCKET, Key="expect")["Body"].read() == b"bar"


@pytest.mark.parametrize("expect", ["200", ""])
def test_other_expect_values_are_ignored(s3, expect):
    remove = with_headers(s3, "PutObject", {"Expect": expect})
    try:
        s3.put_object(Bucket=BUCKET, Key="expect-other", Body=b"x")
    finally:
        remove()
    assert s3.get_object(Bucket=BUCKET, Key="expect-other")["Body"].read() == b"x"


def test_non_ascii_metadata(hub, s3, user):
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
    # The same with Signature Version 2 (botocore's "s3" signer signs and sends the header as UTF-8 too).
    v2 = hub.s3_client(user, signature_version="s3")
    remove = with_headers(v2, "PutObject", {"x-amz-meta-note": "caf\xe9"})
    try:
        v2.put_object(Bucket=BUCKET, Key="meta/v2", Body=b"x")
    finally:
        remove()
    assert s3.head_object(Bucket=BUCKET, Key="meta/v2")["Metadata"]["note"] == "=?UTF-8?B?Y2Fmw6k=?="
    # Sent RFC 2047-encoded (as S3 asks of clients), it is stored decoded and comes back the same way.
    s3.put_object(Bucket=BUCKET, Key="meta/encoded", Body=b"x", Metadata={"note": "=?UTF-8?Q?caf=C3=A9?=", "plain": "ascii"})
    meta = s3.head_object(Bucket=BUCKET, Key="meta/encoded")["Metadata"]
    assert meta == {"note": "=?UTF-8?B?Y2Fmw6k=?=", "plain": "ascii"}


def test_expires_header_is_kept(s3):
    expires = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    s3.put_object(Bucket=BUCKET, Key="expires", Body=b"x", Expires=expires)
    assert s3.head_object(Bucket=BUCKET, Key="expires")["Expires"] == expires


def test_upload_part_copy_range_must_lie_within_the_source(s3):
    s3.put_object(Bucket=BUCKET, Key="copy/src", Body=b"12345")
    uid = s3.create_multipart_upload(Bucket=BUCKET, Key="copy/dest")["UploadId"]
    src = {"Bucket": BUCKET, "Key": "copy/src"}
    args = dict(Bucket=BUCKET, Key="copy/dest", UploadId=uid, CopySource=src, PartNumber=1)
    assert error_of(s3.upload_part_copy, CopySourceRange="bytes=0-21", **args) == (416, "InvalidRange")
    s3.upload_part_copy(CopySourceRange="bytes=1-3", **args)
    s3.abort_multipart_upload(Bucket=BUCKET, Key="copy/dest", UploadId=uid)


def test_multipart_composite_checksum(s3):
    key = "sum/multipart"
    parts_data = [b"A" * (5 * MIB), b"B" * 1024]
    part_sums = [base64.b64encode(hashlib.sha256(d).digest()).decode() for d in parts_data]
    composite = base64.b64encode(hashlib.sha256(b"".join(base64.b64decode(x) for x in part_sums)).digest()).decode() + "-2"
    created = s3.create_multipart_upload(Bucket=BUCKET, Key=key, ChecksumAlgorithm="SHA256", ChecksumType="COMPOSITE")
    assert created["ChecksumAlgorithm"] == "SHA256"
    uid = created["UploadId"]
    parts = []
    for n, (d, sha) in enumerate(zip(parts_data, part_sums), 1):
        r = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=uid, PartNumber=n, Body=d, ChecksumAlgorithm="SHA256", ChecksumSHA256=sha)
        assert r["ChecksumSHA256"] == sha
        parts.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumSHA256": sha})
    listed = s3.list_parts(Bucket=BUCKET, Key=key, UploadId=uid)["Parts"]
    assert [p["ChecksumSHA256"] for p in listed] == part_sums
    complete = dict(Bucket=BUCKET, Key=key, UploadId=uid, MultipartUpload={"Parts": parts})
    assert error_of(s3.complete_multipart_upload, ChecksumSHA256="bad", **complete) == (400, "BadDigest")
    done = s3.complete_multipart_upload(ChecksumSHA256=composite, **complete)
    assert (done["ChecksumSHA256"], done["ChecksumType"]) == (composite, "COMPOSITE")
    again = s3.complete_multipart_upload(ChecksumSHA256=composite, **complete)  # a retry: the same answer
    assert (again["ETag"], again["ChecksumSHA256"]) == (done["ETag"], composite)
    assert "ChecksumSHA256" not in s3.head_object(Bucket=BUCKET, Key=key)
    head = s3.head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
    assert (head["ChecksumSHA256"], head["ChecksumType"]) == (composite, "COMPOSITE")
    # Without a checksum algorithm the upload's object has none, and nothing is asked of its parts.
    uid = s3.create_multipart_upload(Bucket=BUCKET, Key=key + "2")["UploadId"]
    r = s3.upload_part(Bucket=BUCKET, Key=key + "2", UploadId=uid, PartNumber=1, Body=b"x")
    s3.complete_multipart_upload(Bucket=BUCKET, Key=key + "2", UploadId=uid, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": r["ETag"]}]})
    assert "ChecksumSHA256" not in s3.head_object(Bucket=BUCKET, Key=key + "2", ChecksumMode="ENABLED")


def test_object_acls_beyond_the_buckets_are_refused(s3):
    # Neutral canned ACLs (what rclone and the aws CLI may send) are accepted; objects follow their bucket.
    for acl in ["private", "bucket-owner-full-control"]:
        s3.put_object(Bucket=BUCKET, Key="acl/ok", Body=b"x", ACL=acl)
    for call, args in [
        (s3.put_object, dict(Bucket=BUCKET, Key="acl/public", Body=b"x", ACL="public-read")),
        (s3.copy_object, dict(Bucket=BUCKET, Key="acl/public", CopySource={"Bucket": BUCKET, "Key": "acl/ok"}, ACL="public-read")),
        (s3.create_multipart_upload, dict(Bucket=BUCKET, Key="acl/public", ACL="authenticated-read")),
        (s3.put_object, dict(Bucket=BUCKET, Key="acl/public", Body=b"x", GrantRead='uri="http://acs.amazonaws.com/groups/global/AllUsers"')),
    ]:
        assert error_of(call, **args) == (501, "NotImplemented")
    assert error_of(s3.head_object, Bucket=BUCKET, Key="acl/public") == (404, "404")
    # In a public-read bucket, public-read says what the bucket says: accepted.
    s3.create_bucket(Bucket="s3compat-public", ACL="public-read")
    s3.put_object(Bucket="s3compat-public", Key="foo", Body=b"x", ACL="public-read")
    assert requests.get(f"{s3.meta.endpoint_url}/s3compat-public/foo", timeout=30).content == b"x"
