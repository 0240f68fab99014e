import shutil
import signal
import subprocess
import sys

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


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit])
def test_interrupted_write_keeps_store(tmp_path, error):
    """Not only exceptions: Ctrl-C or an exit mid-write leaves the previous store too."""
    path = tmp_path / "s.duckdb"
    _make_store(path, "first")
    with pytest.raises(error), atomic_store(path) as con:
        con.execute("insert into meta values ('marker', 'second')")
        raise error
    with connect(path) as con:
        assert con.execute("select value from meta where key='marker'").fetchone()[0] == "first"
    assert not list(tmp_path.glob("*" + TMP_MARK + "*"))


def test_keyboard_interrupt_in_build_keeps_store(tmp_path, bundle_wheel):
    """Interrupted at its first step, a build leaves the store as it was (a full build is
    run by the session fixture and by the rebuild test; the swap itself is tested above)."""
    path = tmp_path / "s.duckdb"
    _make_store(path, "first")
    steps = []

    def interrupt(step):
        steps.append(step)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_store(bundle_wheel, path, interrupt)
    assert steps == ["verify bundle"]
    with connect(path) as con:
        assert con.execute("select value from meta where key='marker'").fetchone()[0] == "first"
    assert not list(tmp_path.glob("*" + TMP_MARK + "*"))


WRITER = """
import sys, time
from pathlib import Path
from critmin.store.io import atomic_store
with atomic_store(Path(sys.argv[1])) as con:
    con.execute("create table filler as select range as n from range(200000)")
    con.execute("checkpoint")
    print("writing", flush=True)
    time.sleep(60)
"""


def test_killed_writer_process_keeps_previous_store(tmp_path, store_file):
    """A process killed (SIGKILL) while it writes a store through ``atomic_store`` — as
    ``critmin data build`` does — leaves the previous store usable, and its temporary
    file is cleaned up by the next writer."""
    before = tmp_path / "critmin.duckdb"
    shutil.copyfile(store_file, before)
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(before)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        assert list(tmp_path.glob("*" + TMP_MARK + "*")), "the writer never started writing"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with connect(before) as con:
        assert con.execute("select count(*) from production").fetchone()[0] > 10_000
    assert remove_stale_temporaries(before)  # the killed writer's file is cleaned up


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
