import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from critmin.errors import StoreError
from critmin.pipeline.build import build_store
from critmin.store.io import TMP_MARK, atomic_store, connect, remove_stale_temporaries


def _make_store(path, marker):
    with atomic_store(path) as con:
        con.execute("insert into meta values ('marker', ?)", [marker])


def test_failed_write_leaves_previous_store(tmp_path):
    path = tmp_path / "s.duckdb"
    _make_store(path, "first")
    with pytest.raises(RuntimeError), atomic_store(path) as con:
        con.execute("insert into meta values ('marker', 'second')")
        raise RuntimeError("interrupted")
    with connect(path) as con:
        assert con.execute("select value from meta where key='marker'").fetchone()[0] == "first"
    assert not list(tmp_path.glob("*" + TMP_MARK + "*"))


def test_keyboard_interrupt_in_build_keeps_store(tmp_path, bundle_wheel):
    path = tmp_path / "s.duckdb"
    _make_store(path, "first")

    def interrupt(step):
        if step == "write store":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_store(bundle_wheel, path, interrupt)
    with connect(path) as con:
        assert con.execute("select value from meta where key='marker'").fetchone()[0] == "first"


def test_killed_build_process_keeps_previous_store(tmp_path, store_file, bundle_wheel):
    """A real build process killed mid-way: the previous store stays usable."""
    home = tmp_path / "home"
    (home / "bundle").mkdir(parents=True)
    before = home / "critmin.duckdb"
    before.write_bytes(store_file.read_bytes())
    from critmin.sources.bundle import WHEEL_FILE

    (home / "bundle" / WHEEL_FILE).symlink_to(bundle_wheel)
    env = dict(os.environ, CRITMIN_HOME=str(home))
    proc = subprocess.Popen([sys.executable, "-m", "critmin", "data", "build"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not list(home.glob("*" + TMP_MARK + "*")):
        time.sleep(0.05)
    assert list(home.glob("*" + TMP_MARK + "*")), "build never started writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with connect(before) as con:
        assert con.execute("select count(*) from production").fetchone()[0] > 10_000
    assert remove_stale_temporaries(before)  # the killed build's file is cleaned up


def test_connect_errors_name_the_fix(tmp_path):
    with pytest.raises(StoreError, match="critmin data build"):
        connect(tmp_path / "missing.duckdb")
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    with pytest.raises(StoreError, match="critmin data build"):
        connect(other)


def test_fresh_connection_is_ready_for_frames(store_file):
    # the schema check must leave no unfinished result (DuckDB then refuses register)
    import pandas as pd

    with connect(store_file) as con:
        con.register("frame", pd.DataFrame({"a": [1, 2]}))
        assert con.execute("select sum(a) from frame").fetchall() == [(3,)]
