"""terrahub.sign / sign_inplace against a real TerraHub's SAS API and S3 endpoint."""
from datetime import datetime, timedelta, timezone

import boto3
import pystac
import pytest
import requests

import terrahub
from terrahub import sas

PAYLOAD = b"terrahub signing test payload\n" * 10


@pytest.fixture
def obj(as_alice):
    """An object in alice's private home bucket, uploaded with zero-config boto3."""
    s3 = boto3.client("s3")
    s3.put_object(Bucket="alice", Key="data/scene 1.bin", Body=PAYLOAD)
    return "s3://alice/data/scene 1.bin"


def test_zero_config_boto3_reaches_storage_as_the_user(as_alice):
    s3 = boto3.client("s3")  # no endpoint, no keys: all from the environment
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert "alice" in names


def test_unsigned_url_is_refused_and_signed_url_reads(obj, hub):
    plain = f"{hub.s3_url}/alice/data/scene%201.bin"
    assert requests.get(plain, timeout=30).status_code == 403
    url = terrahub.sign(obj)
    assert url.startswith(hub.s3_url + "/alice/data/scene%201.bin?")
    r = requests.get(url, timeout=30)
    assert r.status_code == 200, r.text
    assert r.content == PAYLOAD
    # An HTTP href on the endpoint signs the same way; a signed one is left alone.
    assert requests.get(terrahub.sign(plain), timeout=30).content == PAYLOAD
    assert terrahub.sign(url) == url


def test_foreign_hrefs_are_left_alone(as_alice):
    for href in ["https://example.com/a.tif", "file:///tmp/x.tif", "relative/path.tif"]:
        assert terrahub.sign(href) == href


def test_one_token_per_bucket_cached_until_shortly_before_expiry(obj, monkeypatch):
    calls = []
    real = sas.get_json

    def counting(settings, path, params=None):
        calls.append(path)
        return real(settings, path, params)

    monkeypatch.setattr(sas, "get_json", counting)
    for i in range(5):
        terrahub.sign(f"s3://alice/data/file{i}.tif")
    assert calls == ["/api/sas/v1/token/alice"]
    # A token with less than RENEW_BEFORE left is renewed before it is used.
    key = next(iter(sas._tokens))
    token, _ = sas._tokens[key]
    sas._tokens[key] = (token, datetime.now(timezone.utc) + timedelta(minutes=1))
    url = terrahub.sign(obj)
    assert calls == ["/api/sas/v1/token/alice", "/api/sas/v1/token/alice"]
    assert requests.get(url, timeout=30).content == PAYLOAD


def _item(href: str) -> pystac.Item:
    item = pystac.Item("i1", {"type": "Point", "coordinates": [0, 0]}, [0, 0, 0, 0], datetime(2024, 1, 1), {})
    item.add_asset("data", pystac.Asset(href))
    item.add_asset("other", pystac.Asset("https://example.com/x.tif"))
    return item


def test_sign_items_collections_assets_and_dicts(obj):
    item = _item(obj)
    signed = terrahub.sign(item)
    assert item.assets["data"].href == obj  # sign() copies
    assert sas.SIGNED_MARKER in signed.assets["data"].href
    assert signed.assets["other"].href == "https://example.com/x.tif"
    assert requests.get(signed.assets["data"].href, timeout=30).content == PAYLOAD

    ic = pystac.ItemCollection([_item(obj), _item(obj)])
    signed_ic = terrahub.sign(ic)
    assert all(sas.SIGNED_MARKER in i.assets["data"].href for i in signed_ic)
    assert all(i.assets["data"].href == obj for i in ic)

    asset = pystac.Asset(obj)
    assert sas.SIGNED_MARKER in terrahub.sign(asset).href

    d = item.to_dict()
    terrahub.sign_inplace(d)
    assert sas.SIGNED_MARKER in d["assets"]["data"]["href"]
    fc = {"type": "FeatureCollection", "features": [item.to_dict()]}
    assert sas.SIGNED_MARKER in terrahub.sign(fc)["features"][0]["assets"]["data"]["href"]

    same = terrahub.sign_inplace(item)
    assert same is item and sas.SIGNED_MARKER in item.assets["data"].href

    with pytest.raises(terrahub.TerraHubClientError):
        terrahub.sign(42)


def test_a_bucket_the_user_may_not_read_is_a_clear_error(as_alice, bob, hub):
    with pytest.raises(terrahub.TerraHubClientError) as e:
        terrahub.sign("s3://bob/anything.tif")
    assert e.value.status == 403
    assert 'you may not read bucket "bob"' in str(e.value)


def test_outside_a_server_configure_is_enough(bare_env, obj_for_bare):
    with pytest.raises(terrahub.TerraHubClientError, match="TERRAHUB_URL is not set"):
        terrahub.sign("s3://alice/x")
    hub, alice, href = obj_for_bare
    terrahub.configure(url=hub.url, token=alice["token"])
    # The S3 endpoint comes from the hub API, as there is no AWS_ENDPOINT_URL here.
    url = terrahub.sign(href)
    assert url.startswith(hub.s3_url + "/alice/")
    assert requests.get(url, timeout=30).content == PAYLOAD


@pytest.fixture
def obj_for_bare(hub, alice):
    s3 = boto3.client(
        "s3",
        endpoint_url=hub.s3_url,
        aws_access_key_id=alice["access_key_id"],
        aws_secret_access_key=alice["secret_access_key"],
        region_name="us-east-1",
    )
    s3.put_object(Bucket="alice", Key="bare.bin", Body=PAYLOAD)
    return hub, alice, "s3://alice/bare.bin"
