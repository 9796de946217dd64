"""Starts one real TerraHub (`terrahub up`, embedded defaults) for the Python client tests of a session."""
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
TESTDATA = ROOT.parent / "shared" / "testdata"
ADMIN_TOKEN = "th_pytest_admin_token_0123456789abcdefgh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Hub:
    url: str
    s3_url: str
    admin_token: str
    data_dir: Path
    process: subprocess.Popen

    def api(self, method: str, path: str, token: str | None = None, **kw) -> requests.Response:
        headers = kw.pop("headers", {})
        headers.setdefault("Authorization", f"Bearer {token or self.admin_token}")
        return requests.request(method, self.url + path, headers=headers, timeout=60, **kw)

    def make_user(self, name: str, **body) -> dict:
        """Creates a user; returns {name, token, access_key_id, secret_access_key}."""
        r = self.api("POST", f"/hub/api/users/{name}", json=body or None)
        assert r.status_code == 201, r.text
        tok = self.api("POST", f"/hub/api/users/{name}/tokens", json={}).json()["token"]
        creds = self.api("GET", f"/hub/api/users/{name}/credentials").json()
        return {"name": name, "token": tok, **creds}

    def s3_client(self, user: dict, signature_version: str | None = None, **config):
        """A boto3 S3 client of `user` (from make_user) for this hub's S3 endpoint: path-style, no retries (a
        failure shows at once), botocore's default signer unless `signature_version` ("s3v4", "s3") is given."""
        import boto3
        from botocore.config import Config

        kw = {"s3": {"addressing_style": "path"}, "retries": {"max_attempts": 1}, **config}
        if signature_version:
            kw["signature_version"] = signature_version
        return boto3.client(
            "s3",
            endpoint_url=self.s3_url,
            aws_access_key_id=user["access_key_id"],
            aws_secret_access_key=user["secret_access_key"],
            region_name="us-east-1",
            config=Config(**kw),
        )


def start_hub(data_dir: Path, extra_env: dict | None = None) -> Hub:
    port, s3_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TERRAHUB_")}
    # envs: no demo collection (generated in the background at start-up) unless a test asks for it.
    env["TERRAHUB_ENVS_DEMO_DATA"] = "false"
    env["TERRAHUB_ENVS_BUILD_ON_START"] = "false"  # tests that need the Python env build it themselves
    env.update(
        TERRAHUB_ADMIN_TOKEN=ADMIN_TOKEN,
        TERRAHUB_DATA_DIR=str(data_dir),
        TERRAHUB_PORT=str(port),
        TERRAHUB_S3_PORT=str(s3_port),
        TERRAHUB_LOG_LEVEL="warn",
        **(extra_env or {}),
    )
    log = open(data_dir.parent / f"{data_dir.name}.log", "ab")
    proc = subprocess.Popen(
        ["node", str(ROOT / "bin" / "terrahub.js"), "up"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"terrahub up exited with {proc.returncode}; see {log.name}")
        try:
            if requests.get(url + "/hub/health", timeout=1).ok:
                break
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("terrahub up did not become healthy in 60 s")
    return Hub(url, f"http://127.0.0.1:{s3_port}", ADMIN_TOKEN, data_dir, proc)


def stop_hub(hub: Hub) -> None:
    hub.process.terminate()
    try:
        hub.process.wait(20)
    except subprocess.TimeoutExpired:
        hub.process.kill()


@pytest.fixture(scope="session")
def hub():
    tmp = Path(tempfile.mkdtemp(prefix="terrahub-pytest-"))
    h = start_hub(tmp / "data")
    yield h
    stop_hub(h)
    shutil.rmtree(tmp, ignore_errors=True)
