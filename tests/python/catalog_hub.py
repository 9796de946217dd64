"""The STAC setup that the catalog's real-client modules share (test_catalog_pystac.py,
test_catalog_validator.py, and test_catalog_postgres.py, which reruns both on PostgreSQL): a TerraHub of
its own in a temporary directory, with the real NAIP collection and its 1,000 items written through the
STAC API (a collection POST and the streaming ndjson ingest).

test_catalog_postgres.py replaces `start_hub` here to start that TerraHub on a fresh PostgreSQL schema.
"""
import contextlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import requests

from conftest import TESTDATA, Hub, start_hub, stop_hub

NAIP_COLLECTION = TESTDATA / "stac" / "naip-collection.json"
NAIP_ITEMS = TESTDATA / "stac" / "naip-items.ndjson"


@dataclass
class CatalogHub:
    hub: Hub
    api: str
    auth: dict
    tmp: Path
    naip: dict

    @property
    def ndjson(self) -> dict:
        """Headers of an authorized ndjson ingest."""
        return {**self.auth, "Content-Type": "application/x-ndjson"}


@contextlib.contextmanager
def naip_hub(prefix: str, extra_env: dict | None = None):
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    hub = start_hub(tmp / "data", extra_env)
    try:
        c = CatalogHub(hub, hub.url + "/api/stac/v1", {"Authorization": f"Bearer {hub.admin_token}"}, tmp,
                       json.loads(NAIP_COLLECTION.read_text()))
        r = requests.post(f"{c.api}/collections", json=c.naip, headers=c.auth, timeout=60)
        assert r.status_code == 201, r.text
        r = requests.post(f"{c.api}/collections/naip/ingest", data=NAIP_ITEMS.read_bytes(), headers=c.ndjson,
                          timeout=300)
        assert r.json() == {"committed": 1000, "batches": 1}, r.text
        yield c
    finally:
        stop_hub(hub)
        shutil.rmtree(tmp, ignore_errors=True)
