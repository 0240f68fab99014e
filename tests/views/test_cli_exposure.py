"""``critmin exposure``: --save NAME, --list, the deprecated flags, and three concurrent
``--save`` runs on one store that all finish."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from critmin.views.cli import app

runner = CliRunner()
MOTOR = ["exposure", "--bom", "example:ev_traction_motor", "-i", "JPN"]


@pytest.fixture()
def own_home(store_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``$CRITMIN_HOME`` with its own writable copy of the session store."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(store_file, home / "critmin.duckdb")
    monkeypatch.setenv("CRITMIN_HOME", str(home))
    return home


def _listed() -> dict[str, dict]:
    result = runner.invoke(app, ["exposure", "--list", "-f", "json"])
    assert result.exit_code == 0, result.output
    return {r["name"]: r for r in json.loads(result.stdout)["rows"]}


def test_saves_only_with_save(own_home):
    result = runner.invoke(app, [*MOTOR, "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert "saved BOM" not in result.output and _listed() == {}
    empty = runner.invoke(app, ["exposure", "--list"])
    assert empty.exit_code == 0 and "no saved BOMs" in empty.output
    result = runner.invoke(app, [*MOTOR, "--save", "motor", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert "saved BOM 'motor': 16 rows" in result.stderr
    assert json.loads(result.stdout)["stored_rows"] == 16
    assert _listed()["motor"]["rows"] == 16
    table = runner.invoke(app, ["exposure", "--list"])
    assert table.exit_code == 0 and "motor" in table.output and "saved_at" in table.output


def test_deprecated_flags(own_home):
    assert runner.invoke(app, [*MOTOR, "--no-store", "-f", "csv"]).exit_code == 0
    assert _listed() == {}
    result = runner.invoke(app, [*MOTOR, "--name", "old", "-f", "csv"])
    assert result.exit_code == 0 and "deprecated" in result.stderr
    result = runner.invoke(app, [*MOTOR, "--store", "-f", "csv"])
    assert result.exit_code == 0 and "deprecated" in result.stderr
    assert sorted(_listed()) == ["ev_traction_motor", "old"]


def test_bom_or_list_required(own_home):
    result = runner.invoke(app, ["exposure", "-i", "JPN"])
    assert result.exit_code == 2 and "--bom" in result.output and "--list" in result.output


def test_three_concurrent_saves_all_finish(own_home):
    """Issue 17 acceptance: three ``exposure --save`` processes started together on one
    store all exit 0 (the later ones wait for the lock, saying so) and all three BOMs are
    saved."""
    env = {**os.environ, "CRITMIN_HOME": str(own_home), "CRITMIN_LOCK_WAIT": "60"}
    start = time.monotonic()
    procs = [subprocess.Popen([sys.executable, "-m", "critmin", *MOTOR, "--save", f"motor{n}",
                               "-f", "csv"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for n in (1, 2, 3)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    seconds = time.monotonic() - start
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    for n, err in enumerate(errors, 1):
        assert f"saved BOM 'motor{n}': 16 rows" in err
        assert "Traceback" not in err and "data build" not in err
    waits = [e for e in errors if "store busy: PID" in e]
    assert all("(critmin exposure) holds it, waiting… (up to 60 s)" in e for e in waits)
    listed = _listed()
    assert {n: listed[n]["rows"] for n in listed} == {"motor1": 16, "motor2": 16,
                                                      "motor3": 16}
    assert seconds < 60
