"""Durability of the fs object store: `kill -9` during a PUT and during a multipart upload, restart, and every
GET returns an old or a new version whole; an interrupted multipart upload can still be completed."""
import hashlib
import os
import time

import pytest
import requests

from conftest import start_hub, stop_hub

MiB = 1024 * 1024


def slow_body(total: int, fill: int, sent: list):
    """Yields `total` bytes of `fill` in 256 KiB chunks, slowly, counting what went out."""
    chunk = bytes([fill]) * (256 * 1024)
    n = 0
    while n < total:
        yield chunk
        n += len(chunk)
        sent[0] = n
        time.sleep(0.02)


def md5(b: bytes) -> str:
    return hashlib.md5(b).hexdigest()


@pytest.mark.parametrize("kill_after_mib", [1, 6, 11])
def test_kill_9_during_put_and_multipart_leaves_whole_versions(tmp_path, kill_after_mib):
    import threading

    data = tmp_path / "data"
    hub = start_hub(data)
    try:
        user = hub.make_user("durable")
        s3 = hub.s3_client(user, signature_version="s3v4")
        old = os.urandom(12 * MiB)
        s3.put_object(Bucket="durable", Key="obj.bin", Body=old)
        s3.put_object(Bucket="durable", Key="mp.bin", Body=old)
        up = s3.create_multipart_upload(Bucket="durable", Key="mp.bin")["UploadId"]
        part1 = s3.upload_part(Bucket="durable", Key="mp.bin", UploadId=up, PartNumber=1, Body=b"\x01" * (5 * MiB))

        put_url = s3.generate_presigned_url("put_object", Params={"Bucket": "durable", "Key": "obj.bin"}, ExpiresIn=600)
        part_url = s3.generate_presigned_url(
            "upload_part", Params={"Bucket": "durable", "Key": "mp.bin", "UploadId": up, "PartNumber": 2}, ExpiresIn=600
        )
        sent_put, sent_part = [0], [0]

        def send(url, body):
            try:
                requests.put(url, data=body, timeout=60)
            except requests.RequestException:
                pass  # the server is killed under it: that is the point

        threads = [
            threading.Thread(target=send, args=(put_url, slow_body(12 * MiB, 2, sent_put))),
            threading.Thread(target=send, args=(part_url, slow_body(12 * MiB, 3, sent_part))),
        ]
        for t in threads:
            t.start()
        deadline = time.time() + 60
        while min(sent_put[0], sent_part[0]) < kill_after_mib * MiB and time.time() < deadline:
            time.sleep(0.01)
        hub.process.kill()  # SIGKILL: no shutdown code runs
        hub.process.wait(20)
        for t in threads:
            t.join(60)
    finally:
        if hub.process.poll() is None:
            stop_hub(hub)

    hub = start_hub(data)
    try:
        s3 = hub.s3_client(user, signature_version="s3v4")
        body = s3.get_object(Bucket="durable", Key="obj.bin")["Body"].read()
        new = b"\x02" * (12 * MiB)
        assert md5(body) in (md5(old), md5(new)), "obj.bin is the old or the new version, whole"
        head = s3.head_object(Bucket="durable", Key="obj.bin")
        assert head["ContentLength"] == len(body) and head["ETag"] == f'"{md5(body)}"'
        assert s3.get_object(Bucket="durable", Key="mp.bin")["Body"].read() == old

        # The interrupted upload is still there and can be finished with part 2 sent again.
        uploads = s3.list_multipart_uploads(Bucket="durable").get("Uploads", [])
        assert [u["UploadId"] for u in uploads] == [up]
        part2 = s3.upload_part(Bucket="durable", Key="mp.bin", UploadId=up, PartNumber=2, Body=b"\x03" * MiB)
        s3.complete_multipart_upload(
            Bucket="durable",
            Key="mp.bin",
            UploadId=up,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part1["ETag"]}, {"PartNumber": 2, "ETag": part2["ETag"]}]},
        )
        assert s3.get_object(Bucket="durable", Key="mp.bin")["Body"].read() == b"\x01" * (5 * MiB) + b"\x03" * MiB
        # Bodies that never finished are removed at start.
        assert list((data / "objects" / "tmp").iterdir()) == []
    finally:
        stop_hub(hub)
