"""terrahub.catalog() and terrahub.storage(), and the zero-setup pystac-client of a TerraHub environment."""
import json
import os
import subprocess
import sys
import uuid

import boto3
import pytest
import requests
import s3fs

import terrahub
from terrahub import sas

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def private_collection(hub, alice):
    """A private collection of alice with one item whose asset is in her private bucket."""
    cid = "alice-private-" + uuid.uuid4().hex[:6]
    h = {"Authorization": f"Bearer {alice['token']}"}
    coll = {
        "type": "Collection",
        "stac_version": "1.0.0",
        "id": cid,
        "description": "alice's own data",
        "license": "CC0-1.0",
        "extent": {"spatial": {"bbox": [[10, 40, 11, 41]]}, "temporal": {"interval": [["2024-01-01T00:00:00Z", None]]}},
        "links": [],
    }
    r = requests.post(f"{hub.url}/api/stac/v1/collections", json=coll, headers=h, timeout=30)
    assert r.status_code == 201, r.text
    item = {
        "type": "Feature",
        "stac_version": "1.0.0",
        "id": "scene-1",
        "collection": cid,
        "geometry": {"type": "Polygon", "coordinates": [[[10, 40], [11, 40], [11, 41], [10, 41], [10, 40]]]},
        "bbox": [10, 40, 11, 41],
        "properties": {"datetime": "2024-05-01T10:00:00Z"},
        "assets": {"data": {"href": "s3://alice/catalog/scene-1.bin", "type": "application/octet-stream"}},
        "links": [],
    }
    r = requests.post(f"{hub.url}/api/stac/v1/collections/{cid}/items", json=item, headers=h, timeout=30)
    assert r.status_code in (200, 201), r.text
    boto3.client(
        "s3",
        endpoint_url=hub.s3_url,
        aws_access_key_id=alice["access_key_id"],
        aws_secret_access_key=alice["secret_access_key"],
        region_name="us-east-1",
    ).put_object(Bucket="alice", Key="catalog/scene-1.bin", Body=b"pixels")
    return cid


def test_catalog_searches_with_the_users_rights_and_signs_hrefs(as_alice, private_collection):
    cat = terrahub.catalog()
    items = list(cat.search(collections=[private_collection]).items())
    assert [i.id for i in items] == ["scene-1"]
    href = items[0].assets["data"].href
    assert sas.SIGNED_MARKER in href
    assert requests.get(href, timeout=30).content == b"pixels"


def test_anonymous_pystac_client_does_not_see_private_collections(as_alice, private_collection):
    import pystac_client

    # A pystac-client given no headers outside a TerraHub environment (no start-up hook) is anonymous.
    ids = [c.id for c in pystac_client.Client.open(os.environ["STAC_URL"]).get_collections()]
    assert private_collection not in ids


def _run_in_env(env: dict, code: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TERRAHUB_", "AWS_"))}
    full.update(env)
    full["PYTHONPATH"] = os.path.join(ROOT, "python")
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=120)


def test_startup_hook_makes_plain_pystac_client_use_the_users_token(alice, private_collection):
    # What terrahub_autoconfig.pth does in a built environment: the hook, then the user's own code.
    code = (
        "import terrahub._autoconfig, os, pystac_client, json\n"
        "c = pystac_client.Client.open(os.environ['STAC_URL'])\n"
        f"print(json.dumps([i.id for i in c.search(collections=['{private_collection}']).items()]))\n"
    )
    r = _run_in_env(alice["env"], code)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1]) == ["scene-1"]
    # Turned off, the same code is anonymous and sees nothing of alice's.
    off = _run_in_env({**alice["env"], "TERRAHUB_AUTOAUTH": "0"}, code)
    assert off.returncode != 0 or json.loads(off.stdout.strip().splitlines()[-1]) == []


def test_startup_hook_never_sends_the_token_elsewhere(alice):
    # Checked on the wrapper directly: only hrefs under TERRAHUB_URL get the header.
    code = (
        "import terrahub._autoconfig as a, os\n"
        "print(a._is_terrahub(os.environ['STAC_URL'] + '/search'), a._is_terrahub('https://planetarycomputer.microsoft.com/api/stac/v1'),"
        " a._is_terrahub(os.environ['TERRAHUB_URL'] + '.evil.com/x'))\n"
    )
    r = _run_in_env(alice["env"], code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "False", "False"]


def test_storage_is_s3fs_with_the_users_keys(as_alice):
    fs = terrahub.storage()
    fs.pipe("alice/fs/hello.txt", b"hello")
    assert fs.cat("alice/fs/hello.txt") == b"hello"
    assert "alice/fs/hello.txt" in fs.ls("alice/fs")
    # Plain s3fs with no arguments works too (endpoint and keys from the environment).
    assert s3fs.S3FileSystem().cat("alice/fs/hello.txt") == b"hello"


def test_storage_fetches_keys_from_the_hub_when_the_environment_lacks_them(bare_env, hub, alice):
    terrahub.configure(url=hub.url, token=alice["token"])
    fs = terrahub.storage(skip_instance_cache=True)
    fs.pipe("alice/fs/from-api.txt", b"api")
    assert fs.cat("alice/fs/from-api.txt") == b"api"
