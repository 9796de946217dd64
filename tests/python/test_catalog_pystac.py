"""pystac-client, the client notebooks use, against TerraHub's STAC API: searches checked against answers
computed here by brute force over the NAIP ndjson (with shapely, an independent geometry engine), paging
through more than 1,000 results, collections, access, and returned documents validated by pystac with the
STAC schemas TerraHub ships."""
import json
import re
from datetime import datetime, timezone

import pystac
import pystac.stac_io
import pytest
import requests
import shapely.affinity
import shapely.geometry
from pystac_client import Client

from catalog_hub import NAIP_ITEMS, naip_hub
from conftest import ROOT

NAIP = [json.loads(line) for line in NAIP_ITEMS.read_text().splitlines() if line]
GENERATED = 1234


def generated_item(i: int) -> dict:
    x, y = -120 + (i % 50) * 0.1, 35 + (i // 50) * 0.1
    ring = [[x, y], [x + 0.1, y], [x + 0.1, y + 0.1], [x, y + 0.1], [x, y]]
    return {
        "type": "Feature", "stac_version": "1.0.0", "id": f"g{i:05d}",
        "geometry": {"type": "Polygon", "coordinates": [ring]}, "bbox": [x, y, x + 0.1, y + 0.1],
        "properties": {"datetime": f"2020-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z", "eo:cloud_cover": i % 100},
        "links": [], "assets": {},
    }


@pytest.fixture(scope="module")
def stac():
    with naip_hub("terrahub-pystac-") as c:
        gen = {**c.naip, "id": "gen", "title": "generated", "stac_extensions": [], "item_assets": None}
        gen = {k: v for k, v in gen.items() if v is not None and k not in ("assets", "summaries")}
        r = requests.post(f"{c.api}/collections", json=gen, headers=c.auth, timeout=60)
        assert r.status_code == 201, r.text
        lines = "\n".join(json.dumps(generated_item(i)) for i in range(GENERATED))
        r = requests.post(f"{c.api}/collections/gen/ingest", data=lines, headers=c.ndjson, timeout=300)
        assert r.json()["committed"] == GENERATED, r.text
        yield c.hub, Client.open(c.api + "/")


def ids(items) -> list[str]:
    return sorted(i.id for i in items)


def brute(pred) -> list[str]:
    return sorted(i["id"] for i in NAIP if pred(i))


def test_collections(stac):
    _, client = stac
    assert sorted(c.id for c in client.get_collections()) == ["gen", "naip"]
    naip = client.get_collection("naip")
    assert naip.title and naip.extent.spatial.bboxes


def test_search_bbox_and_intersects_match_shapely(stac):
    _, client = stac
    for box in ([-86.0, 30.9, -85.9, 31.0], [-88.2, 30.2, -87.5, 31.1], [-90, 30, -80, 35]):
        want = brute(lambda i: shapely.geometry.shape(i["geometry"]).intersects(shapely.geometry.box(*box)))
        got = ids(client.search(collections=["naip"], bbox=box, limit=200).items())
        assert got == want, box
    tri = {"type": "Polygon", "coordinates": [[[-86.5, 30.5], [-85.5, 30.6], [-86.0, 31.5], [-86.5, 30.5]]]}
    want = brute(lambda i: shapely.geometry.shape(i["geometry"]).intersects(shapely.geometry.shape(tri)))
    assert want and ids(client.search(collections=["naip"], intersects=tri, limit=200).items()) == want


def gen_shape(i: int):
    return shapely.geometry.shape(generated_item(i)["geometry"])


def test_full_spatial_functions_match_shapely(stac):
    """s_touches, s_overlaps, s_crosses, s_within, s_contains, s_equals: the same answers as shapely (GEOS,
    the engine behind PostGIS) computes over the same items, on the generated grid of adjacent squares (which
    touch along shared edges) and on the real, slightly overlapping NAIP footprints."""
    hub, client = stac
    conformance = requests.get(hub.url + "/api/stac/v1/conformance", timeout=60).json()["conformsTo"]
    assert "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions" in conformance
    GEN = [generated_item(i) for i in range(GENERATED)]
    shapes = {"gen": {g["id"]: shapely.geometry.shape(g["geometry"]) for g in GEN},
              "naip": {i["id"]: shapely.geometry.shape(i["geometry"]) for i in NAIP}}
    naip0 = NAIP[500]
    ring = naip0["geometry"]["coordinates"][0]
    (x0, y0), (x1, y1) = ring[0][:2], ring[1][:2]
    # A triangle on one edge of a NAIP footprint, pointing away from it: it touches that item.
    cx, cy = shapely.geometry.shape(naip0["geometry"]).centroid.coords[0]
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    tri = {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y1], [2 * mx - cx, 2 * my - cy], [x0, y0]]]}
    minx, miny, maxx, maxy = shapely.geometry.shape(naip0["geometry"]).bounds
    across = {"type": "LineString", "coordinates": [[minx - 0.2, (miny + maxy) / 2], [maxx + 0.2, (miny + maxy) / 2]]}
    cases = [
        ("gen", "s_touches", generated_item(260)["geometry"], "touches"),
        ("gen", "s_overlaps", shapely.geometry.mapping(shapely.affinity.translate(gen_shape(260), 0.05, 0.05)), "overlaps"),
        ("gen", "s_crosses", {"type": "LineString", "coordinates": [[-119.55, 36.05], [-118.95, 36.62]]}, "crosses"),
        ("gen", "s_within", shapely.geometry.mapping(shapely.geometry.box(-119.5, 36.0, -119.2, 36.3)), "within"),
        ("gen", "s_contains", {"type": "Point", "coordinates": [-119.45, 36.05]}, "contains"),
        ("gen", "s_equals", generated_item(77)["geometry"], "equals"),
        ("naip", "s_touches", tri, "touches"),
        ("naip", "s_overlaps", naip0["geometry"], "overlaps"),
        ("naip", "s_crosses", across, "crosses"),
    ]
    for collection, op, geom, method in cases:
        q = shapely.geometry.shape(geom)
        want = sorted(k for k, v in shapes[collection].items() if getattr(v, method)(q))
        got = ids(client.search(collections=[collection], filter_lang="cql2-json", limit=500,
                                filter={"op": op, "args": [{"property": "geometry"}, geom]}).items())
        assert want and got == want, (collection, op)
    # CQL2 text, with the literal first (s_within(literal, geometry) is s_contains(geometry, literal)).
    text = "S_WITHIN(POINT(-119.45 36.05), geometry)"
    assert ids(client.search(collections=["gen"], filter=text, filter_lang="cql2-text").items()) == \
        sorted(k for k, v in shapes["gen"].items() if v.contains(shapely.geometry.Point(-119.45, 36.05)))
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    r = requests.post(hub.url + "/api/stac/v1/search", timeout=60,
                      json={"filter": {"op": "s_touches", "args": [{"property": "geometry"}, bowtie]}})
    assert r.status_code == 400 and "not a valid geometry" in r.json()["description"], r.text


def test_search_datetime(stac):
    _, client = stac
    t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
    lo, hi = t("2019-01-01T00:00:00Z"), t("2020-12-31T23:59:59Z")
    want = brute(lambda i: lo <= t(i["properties"]["datetime"]) <= hi)
    got = ids(client.search(collections=["naip"], datetime="2019-01-01T00:00:00Z/2020-12-31T23:59:59Z", limit=500).items())
    assert want and got == want
    want_open = brute(lambda i: t(i["properties"]["datetime"]) >= t("2022-01-01T00:00:00Z"))
    assert ids(client.search(collections=["naip"], datetime="2022-01-01T00:00:00Z/..", limit=500).items()) == want_open


def test_search_query_filter_sortby_fields(stac):
    _, client = stac
    want = brute(lambda i: i["properties"]["gsd"] <= 0.6 and i["properties"]["naip:state"] == "al")
    q = client.search(collections=["naip"], query={"gsd": {"lte": 0.6}, "naip:state": {"eq": "al"}}, limit=300)
    assert ids(q.items()) == want
    f = client.search(collections=["naip"], filter="gsd <= 0.6 AND \"naip:state\" = 'al'", filter_lang="cql2-text", limit=300)
    assert ids(f.items()) == want
    fj = client.search(
        collections=["naip"], filter_lang="cql2-json", limit=300,
        filter={"op": "and", "args": [{"op": "<=", "args": [{"property": "gsd"}, 0.6]},
                                      {"op": "=", "args": [{"property": "naip:state"}, "al"]}]},
    )
    assert ids(fj.items()) == want
    s = list(client.search(collections=["gen"], sortby=["-eo:cloud_cover", "id"], limit=97).items_as_dicts())
    keys = [(-x["properties"]["eo:cloud_cover"], x["id"]) for x in s]
    assert len(s) == GENERATED and keys == sorted(keys)
    fl = next(client.search(collections=["naip"], fields={"include": ["properties.gsd"], "exclude": ["assets"]}, max_items=1).items_as_dicts())
    assert set(fl["properties"]) == {"gsd"} and "assets" not in fl


def test_items_through_more_than_1000_results(stac):
    _, client = stac
    search = client.search(collections=["gen"], limit=250)
    assert search.matched() == GENERATED
    got = [i.id for i in search.items()]
    assert len(got) == GENERATED and len(set(got)) == GENERATED
    everything = [i.id for i in client.search(limit=1000).items()]
    assert len(everything) == GENERATED + len(NAIP)


def test_private_collections_are_invisible(stac):
    hub, _ = stac
    user = hub.make_user("pystac-owner")
    other = hub.make_user("pystac-other")
    api = hub.url + "/api/stac/v1"
    mine = {"Authorization": f"Bearer {user['token']}"}
    col = {"type": "Collection", "stac_version": "1.0.0", "id": "mine", "description": "private", "license": "CC0-1.0",
           "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]}, "temporal": {"interval": [[None, None]]}}, "links": []}
    assert requests.post(f"{api}/collections", json=col, headers=mine, timeout=60).status_code == 201
    item = generated_item(0) | {"id": "secret-item"}
    assert requests.post(f"{api}/collections/mine/items", json=item, headers=mine, timeout=60).status_code == 201
    as_owner = Client.open(api + "/", headers=mine)
    as_other = Client.open(api + "/", headers={"Authorization": f"Bearer {other['token']}"})
    assert "mine" in [c.id for c in as_owner.get_collections()]
    assert "mine" not in [c.id for c in as_other.get_collections()]
    assert [i.id for i in as_owner.search(ids=["secret-item"]).items()] == ["secret-item"]
    assert list(as_other.search(ids=["secret-item"]).items()) == []


def test_documents_validate_against_the_shipped_schemas(stac, monkeypatch):
    _, client = stac
    schemas = ROOT / "src" / "catalog" / "schemas"
    original = pystac.stac_io.DefaultStacIO.read_text

    def read_text(self, source, *args, **kwargs):
        url = re.sub(r"#$", "", str(source))
        m = re.match(r"https://schemas\.stacspec\.org/v1\.0\.0/(.+)$", url)
        if m:
            return (schemas / "stac-spec-v1.0.0" / m.group(1)).read_text()
        m = re.match(r"https://stac-extensions\.github\.io/([^/]+)/(v[^/]+)/schema\.json$", url)
        if m:
            return (schemas / "extensions" / m.group(1) / m.group(2) / "schema.json").read_text()
        if url.startswith("https://geojson.org/schema/"):
            return json.dumps({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"})
        return original(self, source, *args, **kwargs)

    monkeypatch.setattr(pystac.stac_io.DefaultStacIO, "read_text", read_text)
    for c in client.get_collections():
        c.validate()
    for item in client.search(collections=["naip", "gen"], max_items=40, limit=20).items():
        item.validate()
