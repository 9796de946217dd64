"""Tests of the terrahub Python client against a real TerraHub (`terrahub up`, started as tests/python does).

Each test runs with the environment variables a user's server gets: computed by TerraHub's own
`userEnvironment` (src/envs/user-env.ts), so these tests also check that contract end to end.
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))

# The hub fixture of tests/python, loaded under its own name (two modules called conftest would clash).
_spec = importlib.util.spec_from_file_location("terrahub_hub_fixture", ROOT / "tests" / "python" / "conftest.py")
hubfix = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hubfix)

import terrahub  # noqa: E402


def user_environment(hub, name: str, token: str, creds: dict) -> dict:
    """The variables TerraHub gives a user's server, from src/envs/user-env.ts itself."""
    arg = json.dumps(
        {
            "publicUrl": hub.url,
            "s3Url": hub.s3_url,
            "user": name,
            "token": token,
            "s3Credentials": {"accessKeyId": creds["access_key_id"], "secretAccessKey": creds["secret_access_key"]},
        }
    )
    script = "import('./src/envs/user-env.ts').then((m) => process.stdout.write(JSON.stringify(m.userEnvironment(JSON.parse(process.argv[1])))))"
    out = subprocess.run(
        ["node", "--import", "tsx", "-e", script, arg], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


ENVS_DATA_DIR = Path(os.environ.get("TERRAHUB_TEST_ENVS_DIR", ROOT / ".terrahub-test-envs"))


def wait_for_demo(hub, timeout: float = 300) -> None:
    """Waits until `terrahub up` has made the 13-item demo collection (in the background, at first start)."""
    import time

    import requests

    deadline = time.time() + timeout
    while time.time() < deadline:
        r = requests.get(f"{hub.url}/api/stac/v1/collections/demo/items?limit=100", timeout=30)
        if r.ok and len(r.json()["features"]) == 13:
            return
        time.sleep(1)
    pytest.fail(f"the demo collection did not appear within {timeout:.0f} s of start-up")


@pytest.fixture(scope="session")
def default_env() -> Path:
    """The default environment, built with `terrahub env build` into .terrahub-test-envs/ (or
    TERRAHUB_TEST_ENVS_DIR); a no-op when up to date, minutes and about 900 MB of downloads the first time."""
    r = subprocess.run(
        ["node", str(ROOT / "bin" / "terrahub.js"), "env", "build", "default", "--data-dir", str(ENVS_DATA_DIR)],
        cwd=ROOT, capture_output=True, text=True, timeout=3600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return Path(r.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def hub():
    tmp = Path(tempfile.mkdtemp(prefix="terrahub-client-pytest-"))
    # The quickstart notebooks need the demo collection, which `terrahub up` makes at its first start.
    h = hubfix.start_hub(tmp / "data", extra_env={"TERRAHUB_ENVS_DEMO_DATA": "true"})
    yield h
    hubfix.stop_hub(h)
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def alice(hub):
    u = hub.make_user("alice")
    u["env"] = user_environment(hub, "alice", u["token"], u)
    return u


@pytest.fixture(scope="session")
def bob(hub):
    u = hub.make_user("bob")
    u["env"] = user_environment(hub, "bob", u["token"], u)
    return u


def _clean_env(monkeypatch):
    for k in list(os.environ):
        if k.startswith(("TERRAHUB_", "AWS_", "FSSPEC_", "GDAL_", "STAC_")):
            monkeypatch.delenv(k, raising=False)


@pytest.fixture
def as_alice(alice, monkeypatch):
    """Runs the test inside alice's server environment."""
    _clean_env(monkeypatch)
    for k, v in alice["env"].items():
        monkeypatch.setenv(k, v)
    terrahub.settings._override.clear()
    terrahub.clear_cache()
    yield alice
    terrahub.settings._override.clear()
    terrahub.clear_cache()


@pytest.fixture
def bare_env(monkeypatch):
    """No TerraHub variables at all (a laptop)."""
    _clean_env(monkeypatch)
    terrahub.settings._override.clear()
    terrahub.clear_cache()
    yield
    terrahub.settings._override.clear()
    terrahub.clear_cache()
