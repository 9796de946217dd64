"""The STAC API with its catalog in PostgreSQL (catalog.driver postgres), judged by the same real clients as
the default driver: every test of test_catalog_pystac.py (pystac-client, answers checked with shapely and
brute force, paging past 1,000 results, private collections, schema validation) and test_catalog_validator.py
(stac-api-validator, all its classes including transaction) runs again here.

The tests that run on those modules' own hubs (fixtures `stac` and `stac_hub`) are collected here too; while
this module runs, the `start_hub` of catalog_hub.py (which both fixtures use) is wrapped to start TerraHub on a
fresh PostgreSQL schema, dropped after.
PostgreSQL comes from TH_TEST_POSTGRES_URL (scripts/test-all.sh exports it) or scripts/postgres.sh.
"""
import inspect
import os
import secrets
import subprocess

import pytest

import catalog_hub
import test_catalog_pystac
import test_catalog_validator
from conftest import ROOT


def reuse(module, fixture: str) -> None:
    """Collects here the tests of `module` that run on its module-scoped `fixture` (and that fixture); tests
    on the session-wide `hub` stay there, since rerunning them would meet their own earlier writes."""
    globals()[fixture] = getattr(module, fixture)
    for name, fn in vars(module).items():
        if name.startswith("test_") and fixture in inspect.signature(fn).parameters:
            globals()[name] = fn


reuse(test_catalog_pystac, "stac")
reuse(test_catalog_validator, "stac_hub")


def postgres_url() -> str | None:
    url = os.environ.get("TH_TEST_POSTGRES_URL")
    if url:
        return url
    r = subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh")], capture_output=True, text=True, timeout=600)
    return r.stdout.strip().splitlines()[-1] if r.returncode == 0 and r.stdout.strip() else None


@pytest.fixture(scope="module", autouse=True)
def catalog_in_postgres():
    url = postgres_url()
    if not url:
        pytest.skip("no PostgreSQL: set TH_TEST_POSTGRES_URL or let scripts/postgres.sh run")
    schemas = []

    def wrap(start_hub):
        def start(data_dir, extra_env=None):
            schema = f"terrahub_pytest_{secrets.token_hex(6)}"
            schemas.append(schema)
            env = {
                "TERRAHUB_CATALOG_DRIVER": "postgres",
                "TERRAHUB_CATALOG_POSTGRES_URL": url,
                "TERRAHUB_CATALOG_POSTGRES_SCHEMA": schema,
                **(extra_env or {}),
            }
            return start_hub(data_dir, env)

        return start

    modules = [catalog_hub]
    originals = [m.start_hub for m in modules]
    for m, original in zip(modules, originals):
        m.start_hub = wrap(original)
    try:
        yield
    finally:
        for m, original in zip(modules, originals):
            m.start_hub = original
        for schema in schemas:
            subprocess.run(["psql", url, "-qc", f"drop schema if exists {schema} cascade"], check=False)
