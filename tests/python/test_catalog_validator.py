"""stac-api-validator (PyPI) judges TerraHub's STAC API for every conformance class it can check, including
transaction.

The validator fetches JSON schemas from the network, which these machines do not reach; the schemas are
served to it from the copies TerraHub ships (src/catalog/schemas), plus small stand-ins for the GeoJSON
and PROJJSON schemas they reference. Asset hrefs (public cloud URLs) are not opened.

Its transaction class PUTs and PATCHes an item that declares the eo extension v1.0.0 with "eo:cloud_cover"
as a string ("3.14", "12.4"), which that schema (type number; our copy is the official v1.0.0 file) forbids,
and expects it stored as sent. So this hub runs with catalog.validateExtensions false (core schema and
geometry still checked), as stac-fastapi-pgstac does by default; the default refusal is tested in
src/catalog/validate.extensions.test.ts and below. Its first request DELETEs the test item "if it exists"
and wants 204; TerraHub answers 404 for a missing item (the extension allows 404 or 204), so the item is
created first.
"""
import json
import re
from pathlib import Path

import pytest
import requests

from catalog_hub import NAIP_COLLECTION, naip_hub
from conftest import ROOT

SCHEMAS = ROOT / "src" / "catalog" / "schemas"
GEOMETRY_TYPES = ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"]


def offline_schema_map(stub_dir: Path) -> dict:
    """Remote schema URL -> local file, for every schema the validator may ask for."""
    m = {}
    for f in (SCHEMAS / "stac-spec-v1.0.0").rglob("*.json"):
        rel = f.relative_to(SCHEMAS / "stac-spec-v1.0.0").as_posix()
        m[f"https://schemas.stacspec.org/v1.0.0/{rel}"] = str(f)
    for f in (SCHEMAS / "extensions").rglob("schema.json"):
        name, version = f.parent.parent.name, f.parent.name
        m[f"https://stac-extensions.github.io/{name}/{version}/schema.json"] = str(f)
    draft7 = "http://json-schema.org/draft-07/schema#"
    stubs = {
        "https://geojson.org/schema/Geometry.json": {
            "$schema": draft7, "type": "object", "required": ["type"],
            "properties": {"type": {"enum": GEOMETRY_TYPES}}},
        "https://geojson.org/schema/Feature.json": {
            "$schema": draft7, "type": "object", "required": ["type", "properties", "geometry"],
            "properties": {"type": {"const": "Feature"}}},
    }
    for v in ["v0.2", "v0.4", "v0.5", "v0.6", "v0.7"]:
        stubs[f"https://proj.org/schemas/{v}/projjson.schema.json"] = {"$schema": draft7, "type": "object"}
    for i, (url, schema) in enumerate(stubs.items()):
        p = stub_dir / f"stub{i}.json"
        p.write_text(json.dumps(schema))
        m[url] = str(p)
    return m


# The id the validator's transaction class writes (its own item, with a footprint of its own).
VALIDATOR_ITEM = {
    "type": "Feature", "stac_version": "1.0.0", "id": "S2A_47XNF_20230423_0_L2A",
    "geometry": {"type": "Point", "coordinates": [100, 77]}, "bbox": [100, 77, 100, 77],
    "properties": {"datetime": "2023-04-23T06:47:03.048000Z"}, "links": [], "assets": {},
}


@pytest.fixture(scope="module")
def stac_hub():
    with naip_hub("terrahub-stacval-", {"TERRAHUB_CATALOG_VALIDATE_EXTENSIONS": "false"}) as c:
        txn = {**c.naip, "id": "txn-test", "title": "transaction tests"}
        assert requests.post(f"{c.api}/collections", json=txn, headers=c.auth, timeout=60).status_code == 201
        r = requests.post(f"{c.api}/collections/txn-test/items", json=VALIDATOR_ITEM, headers=c.auth, timeout=60)
        assert r.status_code == 201, r.text
        yield c.hub, c.tmp


def test_stac_api_validator_finds_no_errors(stac_hub, monkeypatch):
    hub, tmp = stac_hub
    import stac_validator.utilities as svu
    from stac_api_validator.validations import QueryConfig, validate_api

    schema_map = offline_schema_map(tmp)

    def local(url: str) -> str:
        url = re.sub(r"#$", "", url)
        if url in schema_map:
            return schema_map[url]
        raise AssertionError(f"validator asked for a schema not shipped: {url}")

    monkeypatch.setattr(svu, "_map_extension_url_to_local", local)
    svu.fetch_and_parse_schema.cache_clear()
    # pystac's own validation (run by the validator at the end) reads schemas through its StacIO.
    import pystac.stac_io

    original_read_text = pystac.stac_io.DefaultStacIO.read_text

    def read_text(self, source, *args, **kwargs):
        url = re.sub(r"#$", "", str(source))
        if url in schema_map:
            return Path(schema_map[url]).read_text()
        return original_read_text(self, source, *args, **kwargs)

    monkeypatch.setattr(pystac.stac_io.DefaultStacIO, "read_text", read_text)

    query = QueryConfig(
        # The validator sends these values as strings ("0.6") and compares the answers as numbers.
        query_comparison_field="gsd",
        query_eq_value="0.6",
        query_neq_value="0.3",
        query_lt_value="0.6",
        query_lte_value="0.6",
        query_gt_value="0.3",
        query_gte_value="0.3",
        query_substring_field="naip:state",
        query_starts_with_value="a",
        query_ends_with_value="l",
        query_contains_value="l",
        # The validator checks `in` by set(value) overlap, i.e. by the characters of a string value; "2" keeps
        # that check and the real meaning (value in list) both true for the 2013 items it gets first.
        query_in_field="naip:year",
        query_in_values="2013,2",
    )
    warnings, errors = validate_api(
        root_url=hub.url + "/api/stac/v1/",
        ccs_to_validate=[
            "core", "collections", "features", "item-search", "filter",
            "item-search#sort", "item-search#fields", "item-search#query",
            "features#sort", "features#fields", "features#query", "transaction",
        ],
        collection="naip",
        geometry=json.dumps({"type": "Point", "coordinates": [-85.9, 30.97]}),
        auth_bearer_token=hub.admin_token,
        auth_query_parameter=None,
        fields_nested_property="properties.gsd",
        validate_pagination=True,
        query_config=query,
        transaction_collection="txn-test",
        headers=None,
        open_assets_urls=False,
    )
    report = "\n".join(str(e) for e in errors)
    (tmp.parent / "stac-api-validator-errors.txt").write_text(report)
    assert not list(errors), report
    # It ran the transaction class to its end: its item was written, changed and deleted.
    gone = requests.get(f"{hub.url}/api/stac/v1/collections/txn-test/items/{VALIDATOR_ITEM['id']}", timeout=60)
    assert gone.status_code == 404


def test_default_hub_refuses_the_validators_string_cloud_cover(hub):
    """With the default catalog.validateExtensions, the validator's PUT body is a 400 naming the field."""
    col = json.loads(NAIP_COLLECTION.read_text()) | {"id": "eo-strict"}
    assert hub.api("POST", "/api/stac/v1/collections", json=col).status_code == 201
    assert hub.api("POST", "/api/stac/v1/collections/eo-strict/items", json=VALIDATOR_ITEM).status_code == 201
    put = VALIDATOR_ITEM | {
        "stac_extensions": ["https://stac-extensions.github.io/eo/v1.0.0/schema.json"],
        "properties": {"datetime": "2023-04-23T06:47:03.048000Z", "eo:cloud_cover": "3.14"},
    }
    r = hub.api("PUT", f"/api/stac/v1/collections/eo-strict/items/{put['id']}", json=put)
    assert r.status_code == 400 and r.json()["path"] == '$.properties["eo:cloud_cover"]', r.text
