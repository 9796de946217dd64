"""The quickstarts the way a user runs them: a real `terrahub up` whose hub starts the user's JupyterLab from
the built default environment; every code cell of every quickstart runs in a kernel of that server, over
the hub's proxied Jupyter API and kernel WebSocket; and the Dask dashboard of notebook 4 answers through
the hub at the link the notebook prints.
"""
import json
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import requests
import websocket

from conftest import ROOT, hubfix, wait_for_demo
from test_quickstart_notebooks import NOTEBOOKS

PROFILES = [{"name": "Default", "description": "the built default environment", "environment": "default"}]


@pytest.fixture(scope="module")
def env_hub(default_env):
    tmp = Path(tempfile.mkdtemp(prefix="terrahub-nbhub-"))
    data = tmp / "data"
    (data / "envs").mkdir(parents=True)
    # The hub starts servers from <dataDir>/envs/<environment>: point it at the environment built once.
    (data / "envs" / "default").symlink_to(default_env, target_is_directory=True)
    h = hubfix.start_hub(
        data,
        {
            "TERRAHUB_ENVS_DEMO_DATA": "true",
            "TERRAHUB_HUB_UNIX_USERS": "off",
            "TERRAHUB_HUB_PROFILES": json.dumps(PROFILES),
            "TERRAHUB_HUB_START_TIMEOUT": "300s",
        },
    )
    yield h
    hubfix.stop_hub(h)
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def dave_server(env_hub):
    wait_for_demo(env_hub)
    dave = env_hub.make_user("dave")
    tok = dave["token"]
    r = env_hub.api("POST", "/hub/api/users/dave/server", token=tok, json={"profile": "Default"})
    assert r.status_code in (201, 202), r.text
    deadline = time.time() + 300
    while time.time() < deadline:
        model = env_hub.api("GET", "/hub/api/users/dave", token=tok).json()
        server = model.get("servers", {}).get("")
        if server and server.get("ready"):
            break
        assert model.get("pending") or server, f"the server stopped: {model}"
        time.sleep(1)
    else:
        pytest.fail("dave's server did not become ready in 300 s")
    yield dave
    env_hub.api("DELETE", "/hub/api/users/dave/server", token=tok)


class Kernel:
    """A kernel of the user's server, driven over the proxied WebSocket (Jupyter messaging protocol 5.3)."""

    def __init__(self, hub, user: str, token: str):
        self.base = f"{hub.url}/user/{user}"
        self.headers = {"Authorization": f"token {token}"}
        r = requests.post(f"{self.base}/api/kernels", json={"name": "python3"}, headers=self.headers, timeout=60)
        assert r.status_code == 201, r.text
        self.id = r.json()["id"]
        ws_url = self.base.replace("http://", "ws://") + f"/api/kernels/{self.id}/channels"
        self.ws = websocket.create_connection(ws_url, header=[f"Authorization: token {token}"], timeout=600)

    def run(self, code: str) -> str:
        """Executes `code`; returns its stream output; raises with the traceback on an error."""
        msg_id = uuid.uuid4().hex
        self.ws.send(
            json.dumps(
                {
                    "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test", "session": "t", "version": "5.3"},
                    "parent_header": {},
                    "metadata": {},
                    "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
                    "channel": "shell",
                }
            )
        )
        out, error = [], None
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            t = msg["msg_type"]
            if t == "stream":
                out.append(msg["content"]["text"])
            elif t == "error":
                error = f"{msg['content']['ename']}: {msg['content']['evalue']}"
            elif t == "execute_reply":
                if msg["content"]["status"] != "ok" and not error:
                    error = msg["content"].get("evalue", "error")
            elif t == "status" and msg["content"]["execution_state"] == "idle" and msg["channel"] == "iopub":
                break
        if error:
            raise AssertionError(f"cell failed: {error}\n--- cell ---\n{code}")
        return "".join(out)

    def close(self):
        self.ws.close()
        requests.delete(f"{self.base}/api/kernels/{self.id}", headers=self.headers, timeout=60)


def code_cells(notebook: Path) -> list[str]:
    nb = json.loads(notebook.read_text())
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("notebook", NOTEBOOKS[:3], ids=[n.stem for n in NOTEBOOKS[:3]])
def test_quickstart_runs_in_a_server_started_by_the_hub(notebook, env_hub, dave_server):
    k = Kernel(env_hub, "dave", dave_server["token"])
    try:
        # The kernel is the hub's: TerraHub's variables are there, with dave's own token.
        assert k.run("import os; print(os.environ['TERRAHUB_USER'], os.environ['STAC_URL'])").split() == [
            "dave",
            f"{env_hub.url}/api/stac/v1",
        ]
        with pytest.raises(AssertionError, match="ZeroDivisionError"):
            k.run("1 / 0")  # a failing cell is seen as one
        k.run("import matplotlib; matplotlib.use('Agg')")
        for code in code_cells(notebook):
            k.run(code)
    finally:
        k.close()


def test_dask_quickstart_and_its_dashboard_through_the_hub(env_hub, dave_server):
    notebook = next(n for n in NOTEBOOKS if n.stem.startswith("04"))
    cells = code_cells(notebook)
    k = Kernel(env_hub, "dave", dave_server["token"])
    try:
        for code in cells[:-1]:
            k.run(code)
        link = k.run("print(client.dashboard_link)").strip()
        assert link.startswith(f"{env_hub.url}/user/dave/proxy/"), link
        r = requests.get(link, headers={"Authorization": f"token {dave_server['token']}"}, timeout=60)
        assert r.status_code == 200, r.text[:500]
        assert "Dask" in r.text
        k.run(cells[-1])
    finally:
        k.close()
