"""TerraHub's S3 endpoint judged by real clients: boto3, the aws CLI, rclone, GDAL and s3fs."""
import filecmp
import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import boto3
import pytest
import requests
from boto3.s3.transfer import TransferConfig

from conftest import TESTDATA

RASTER = TESTDATA / "rasters" / "RGB.byte.tif"


@pytest.fixture(scope="module")
def user(hub):
    return hub.make_user("s3client")


@pytest.fixture(scope="module")
def s3(hub, user):
    return hub.s3_client(user)


def client_env(hub, user) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    host = hub.s3_url.removeprefix("http://")
    env.update(
        AWS_ACCESS_KEY_ID=user["access_key_id"],
        AWS_SECRET_ACCESS_KEY=user["secret_access_key"],
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=hub.s3_url,
        AWS_S3_ENDPOINT=host,
        AWS_VIRTUAL_HOSTING="FALSE",
        AWS_HTTPS="NO",
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
    )
    return env


def run(cmd, env, cwd=None):
    r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"{cmd[0]} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    return r.stdout


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_boto3_multipart_upload_download_paginate_presign(hub, s3, user, tmp_path):
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(21 * 1024 * 1024))
    cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024, max_concurrency=4)
    s3.upload_file(str(src), "s3client", "dir/big file.bin", Config=cfg)
    head = s3.head_object(Bucket="s3client", Key="dir/big file.bin")
    assert head["ContentLength"] == src.stat().st_size
    assert head["ETag"].endswith('-5"')
    dst = tmp_path / "back.bin"
    s3.download_file("s3client", "dir/big file.bin", str(dst), Config=cfg)
    assert md5(dst) == md5(src)

    for i in range(25):
        s3.put_object(Bucket="s3client", Key=f"many/{i:03d}+x.txt", Body=f"n{i}".encode())
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket="s3client", Prefix="many/", PaginationConfig={"PageSize": 7}):
        keys += [o["Key"] for o in page.get("Contents", [])]
    assert keys == [f"many/{i:03d}+x.txt" for i in range(25)]
    v1 = []
    for page in s3.get_paginator("list_objects").paginate(Bucket="s3client", Prefix="many/", PaginationConfig={"PageSize": 10}):
        v1 += [o["Key"] for o in page.get("Contents", [])]
    assert v1 == keys

    # boto3's default presigned URL (Signature Version 2 query auth), then a SigV4 one.
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "s3client", "Key": "many/003+x.txt"}, ExpiresIn=300)
    r = requests.get(url, timeout=30)
    assert r.status_code == 200 and r.text == "n3"
    r = requests.get(url, headers={"Range": "bytes=1-"}, timeout=30)
    assert r.status_code == 206 and r.text == "3"
    v4 = hub.s3_client(user, signature_version="s3v4")
    url4 = v4.generate_presigned_url("get_object", Params={"Bucket": "s3client", "Key": "many/004+x.txt"}, ExpiresIn=300)
    assert "X-Amz-Signature=" in url4
    assert requests.get(url4, timeout=30).text == "n4"
    assert requests.get(url4.replace("004", "005"), timeout=30).status_code == 403


def test_boto3_errors_are_s3_errors(hub, s3):
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="s3client", Key="does-not-exist")
    assert e.value.response["Error"]["Code"] == "NoSuchKey"
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket="admin", Key="x", Body=b"x")
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    bad = boto3.client(
        "s3", endpoint_url=hub.s3_url, aws_access_key_id="NOPE", aws_secret_access_key="x", region_name="us-east-1"
    )
    with pytest.raises(ClientError) as e:
        bad.list_buckets()
    assert e.value.response["Error"]["Code"] == "InvalidAccessKeyId"


def test_aws_cli_cp_sync_ls(hub, user, tmp_path):
    env = client_env(hub, user)
    aws = [str(Path(os.sys.executable).parent / "aws"), "--endpoint-url", hub.s3_url]
    src = tmp_path / "tree"
    (src / "sub dir").mkdir(parents=True)
    (src / "a.txt").write_text("alpha")
    (src / "sub dir" / "b+c.bin").write_bytes(os.urandom(9 * 1024 * 1024))
    run(aws + ["s3", "cp", str(src / "a.txt"), "s3://s3client/cli/single.txt"], env)
    run(aws + ["s3", "sync", str(src), "s3://s3client/cli/tree"], env)
    listing = run(aws + ["s3", "ls", "--recursive", "s3://s3client/cli/"], env)
    assert "cli/single.txt" in listing and "cli/tree/sub dir/b+c.bin" in listing and "cli/tree/a.txt" in listing
    back = tmp_path / "back"
    run(aws + ["s3", "sync", "s3://s3client/cli/tree", str(back)], env)
    assert filecmp.cmpfiles(src, back, ["a.txt", "sub dir/b+c.bin"], shallow=False)[0] == ["a.txt", "sub dir/b+c.bin"]
    run(aws + ["s3", "cp", "s3://s3client/cli/single.txt", str(tmp_path / "one.txt")], env)
    assert (tmp_path / "one.txt").read_text() == "alpha"


@pytest.mark.skipif(shutil.which("rclone") is None, reason="rclone is installed by scripts/setup-test-env.sh")
def test_rclone_sync_then_check(hub, user, tmp_path):
    env = client_env(hub, user)
    env.update(
        RCLONE_CONFIG="/dev/null",
        RCLONE_CONFIG_TH_TYPE="s3",
        RCLONE_CONFIG_TH_PROVIDER="Other",
        RCLONE_CONFIG_TH_ACCESS_KEY_ID=user["access_key_id"],
        RCLONE_CONFIG_TH_SECRET_ACCESS_KEY=user["secret_access_key"],
        RCLONE_CONFIG_TH_ENDPOINT=hub.s3_url,
        RCLONE_CONFIG_TH_FORCE_PATH_STYLE="true",
    )
    src = tmp_path / "rc"
    (src / "deep" / "er").mkdir(parents=True)
    for i in range(5):
        (src / "deep" / "er" / f"f{i} ü.txt").write_text(f"file {i}" * 100)
    (src / "big.bin").write_bytes(os.urandom(12 * 1024 * 1024))
    run(["rclone", "sync", str(src), "th:s3client/rclone", "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M"], env)
    run(["rclone", "check", str(src), "th:s3client/rclone"], env)
    out = run(["rclone", "lsf", "-R", "th:s3client/rclone"], env)
    assert "deep/er/f3 ü.txt" in out


@pytest.mark.skipif(shutil.which("gdalinfo") is None, reason="gdal-bin is installed by scripts/setup-test-env.sh")
def test_gdal_vsis3_and_vsicurl_on_signed_url(hub, s3, user):
    s3.upload_file(str(RASTER), "s3client", "rasters/RGB byte.tif")
    env = client_env(hub, user)
    env["CPL_VSIL_CURL_ALLOWED_EXTENSIONS"] = ".tif"
    info = run(["gdalinfo", "/vsis3/s3client/rasters/RGB byte.tif"], env)
    assert "Size is 791, 718" in info and "Band 3" in info
    stats = run(["gdalinfo", "-stats", "/vsis3/s3client/rasters/RGB byte.tif"], env)
    assert "STATISTICS_MEAN" in stats
    href = f"{hub.s3_url}/s3client/{quote('rasters/RGB byte.tif')}"
    signed = hub.api("GET", "/api/sas/v1/sign", token=user["token"], params={"href": href}).json()["href"]
    plain = {k: v for k, v in env.items() if not k.startswith("AWS_")}
    info = run(["gdalinfo", f"/vsicurl/{signed}"], plain)
    assert "Size is 791, 718" in info


def test_s3fs_reads_writes_lists(hub, user):
    s3fs = pytest.importorskip("s3fs")
    fs = s3fs.S3FileSystem(
        key=user["access_key_id"],
        secret=user["secret_access_key"],
        client_kwargs={"endpoint_url": hub.s3_url, "region_name": "us-east-1"},
        skip_instance_cache=True,
    )
    with fs.open("s3client/fsspec/hello.txt", "wb") as f:
        f.write(b"hello fsspec")
    assert fs.cat("s3client/fsspec/hello.txt") == b"hello fsspec"
    with fs.open("s3client/fsspec/hello.txt", "rb") as f:
        f.seek(6)
        assert f.read(3) == b"fss"
    assert fs.ls("s3client/fsspec", detail=False) == ["s3client/fsspec/hello.txt"]
    assert fs.exists("s3client/fsspec/hello.txt") and not fs.exists("s3client/fsspec/nope")


def test_usage_shows_in_user_model(hub, user):
    model = hub.api("GET", f"/hub/api/users/{user['name']}", token=user["token"]).json()
    assert model["storage"]["home_bucket"] == "s3client"
    assert model["storage"]["used_bytes"] > 21 * 1024 * 1024
    assert model["storage"]["quota_bytes"] == 100_000_000_000


def test_bucket_policy_with_boto3_shares_a_bucket(hub, s3):
    import json

    from botocore.exceptions import ClientError

    other = hub.make_user("s3reader")
    reader = hub.s3_client(other)
    s3.put_object(Bucket="s3client", Key="shared/readme.txt", Body=b"for readers")
    with pytest.raises(ClientError) as e:
        reader.get_object(Bucket="s3client", Key="shared/readme.txt")
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    s3.put_bucket_policy(Bucket="s3client", Policy=json.dumps({"access": "private", "read": ["user:s3reader"]}))
    assert json.loads(s3.get_bucket_policy(Bucket="s3client")["Policy"])["read"] == ["user:s3reader"]
    assert reader.get_object(Bucket="s3client", Key="shared/readme.txt")["Body"].read() == b"for readers"
    with pytest.raises(ClientError) as e:
        reader.put_object(Bucket="s3client", Key="shared/x", Body=b"x")
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    s3.delete_bucket_policy(Bucket="s3client")
    with pytest.raises(ClientError):
        reader.get_object(Bucket="s3client", Key="shared/readme.txt")
