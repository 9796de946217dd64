"""The quickstart notebooks (src/envs/quickstart) run to the end, cell by cell, in the built default
environment (nbclient, a real ipykernel), as a user of a real TerraHub with the demo data, with exactly the
environment variables TerraHub gives a user's server.

The default environment is built first (the `default_env` fixture of conftest.py).
"""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, user_environment, wait_for_demo

NOTEBOOKS = sorted((ROOT / "src" / "envs" / "quickstart").glob("*.ipynb"))

RUNNER = r"""
import sys, nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
src, out, cwd = sys.argv[1:4]
nb = nbformat.read(src, as_version=4)
client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": cwd}})
try:
    client.execute()
finally:
    nbformat.write(nb, out)
"""


@pytest.fixture(scope="module")
def demo_ready(hub):
    wait_for_demo(hub)


@pytest.fixture(scope="module")
def carol(hub):
    u = hub.make_user("carol")
    u["env"] = user_environment(hub, "carol", u["token"], u)
    return u


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_quickstart_notebook_runs(notebook, default_env, demo_ready, carol, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TERRAHUB_", "AWS_", "GDAL_", "DASK_", "FSSPEC_"))}
    env.update(carol["env"])
    env.update(HOME=str(home), PATH=f"{default_env / 'bin'}:{env.get('PATH', '')}", MPLBACKEND="Agg")
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    out = tmp_path / notebook.name
    r = subprocess.run(
        [str(default_env / "bin" / "python"), "-c", RUNNER, str(notebook), str(out), str(home)],
        env=env, capture_output=True, text=True, timeout=900,
    )
    if r.returncode != 0:
        keep = ROOT / ".terrahub-test-envs" / "failed-notebooks"
        keep.mkdir(parents=True, exist_ok=True)
        if out.exists():
            shutil.copy(out, keep / notebook.name)
        pytest.fail(f"{notebook.name} failed:\n{r.stderr[-4000:]}")
    done = json.loads(out.read_text())
    code_cells = [c for c in done["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] for c in code_cells), "every code cell ran"
    assert not any(o.get("output_type") == "error" for c in code_cells for o in c["outputs"])
