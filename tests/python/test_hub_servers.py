"""Users' servers through a real `terrahub up`, driven the way JupyterHub scripts drive JupyterHub's REST API:
start (201/202), follow the progress stream, reach the server, then SIGKILL the hub and start it again on the
same data directory: the server is re-adopted and reachable. Stop (204/202)."""
import json
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import requests

from conftest import ROOT, start_hub, stop_hub

JUPYTER = ROOT / ".venv" / "bin" / "jupyter"
HUB_ENV = {"TERRAHUB_HUB_JUPYTER_COMMAND": str(JUPYTER), "TERRAHUB_HUB_UNIX_USERS": "off"}


def wait_ready(hub, name: str, token: str) -> list[dict]:
    """Reads the progress event stream until the ready (or failed) event."""
    events = []
    with requests.get(
        f"{hub.url}/hub/api/users/{name}/server/progress",
        headers={"Authorization": f"token {token}"},
        stream=True,
        timeout=180,
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines(decode_unicode=True):
            if line and line.startswith("data: "):
                events.append(json.loads(line[6:]))
                if events[-1].get("ready") or events[-1].get("failed"):
                    break
    return events


@pytest.fixture()
def own_hub():
    tmp = Path(tempfile.mkdtemp(prefix="terrahub-hubtest-"))
    hubs = []

    def start():
        h = start_hub(tmp / "data", HUB_ENV)
        hubs.append(h)
        return h

    yield start
    for h in hubs:
        if h.process.poll() is None:
            stop_hub(h)
    shutil.rmtree(tmp, ignore_errors=True)


def test_server_lifecycle_survives_a_killed_hub(own_hub):
    hub = own_hub()
    alice = hub.make_user("alice")
    tok = alice["token"]

    r = hub.api("POST", "/hub/api/users/alice/server", token=tok, json={})
    assert r.status_code in (201, 202), r.text
    events = wait_ready(hub, "alice", tok)
    assert events[-1].get("ready") is True, events
    assert [e["progress"] for e in events] == sorted(e["progress"] for e in events)

    model = hub.api("GET", "/hub/api/users/alice", token=tok).json()
    assert model["server"] == "/user/alice/"
    assert model["pending"] is None
    assert model["servers"][""]["ready"] is True
    status = requests.get(f"{hub.url}/user/alice/api/status", headers={"Authorization": f"token {tok}"}, timeout=30)
    assert status.status_code == 200 and "kernels" in status.json()

    # The hub dies without a chance to clean up; its user server keeps running.
    hub.process.kill()
    hub.process.wait(10)
    hub2 = own_hub()
    status = requests.get(f"{hub2.url}/user/alice/api/status", headers={"Authorization": f"token {tok}"}, timeout=30)
    assert status.status_code == 200, status.text
    assert hub2.api("GET", "/hub/api/users/alice", token=tok).json()["server"] == "/user/alice/"

    r = hub2.api("DELETE", "/hub/api/users/alice/server", token=tok)
    assert r.status_code in (202, 204)
    if r.status_code == 202:
        for _ in range(60):
            if hub2.api("GET", "/hub/api/users/alice", token=tok).json()["server"] is None:
                break
            time.sleep(0.5)
    model = hub2.api("GET", "/hub/api/users/alice", token=tok).json()
    assert model["server"] is None
    assert model["last_server_stop"]["reason"] == "stopped by request"
    gone = requests.get(
        f"{hub2.url}/user/alice/api/status",
        headers={"Authorization": f"token {tok}", "Accept": "application/json"},
        timeout=30,
    )
    assert gone.status_code == 503
    assert gone.json()["code"] == "TH_HUB_SERVER_NOT_RUNNING"


def test_unknown_profile_and_other_users_are_refused(own_hub):
    hub = own_hub()
    bob = hub.make_user("bob")
    carol = hub.make_user("carol")
    r = hub.api("POST", "/hub/api/users/bob/server", token=bob["token"], json={"profile": "GPU - Nope"})
    assert r.status_code == 400
    assert r.json()["code"] == "TH_HUB_UNKNOWN_PROFILE"
    r = hub.api("POST", "/hub/api/users/bob/server", token=carol["token"], json={})
    assert r.status_code == 403
