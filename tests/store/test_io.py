import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

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


# --- concurrency: bounded, announced waits for a store another process holds ----------

HOLDER = """
import sys, time
from pathlib import Path

import duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
print("holding", flush=True)
time.sleep(float(sys.argv[3]))
con.close()
"""


def _hold(path, mode, seconds):
    """A process holding ``path`` (``ro``/``rw``) for ``seconds``; returns once it does."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), mode, str(seconds)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding", proc.stderr.read()
    return proc


def _small_store(tmp_path):
    path = tmp_path / "s.duckdb"
    _make_store(path, "first")
    return path


def test_readers_do_not_block_each_other(tmp_path):
    path = _small_store(tmp_path)
    proc = _hold(path, "ro", 30)
    said = []
    try:
        with connect(path, wait=0, notify=said.append) as con:
            assert con.execute("select value from meta where key='marker'").fetchone() == (
                "first",)
    finally:
        proc.kill()
        proc.wait()
    assert said == []


@pytest.mark.parametrize(("holder", "read_only"), [("rw", True), ("rw", False),
                                                   ("ro", False)])
def test_busy_store_fails_after_bounded_wait_naming_the_holder(tmp_path, holder, read_only):
    """A writer excludes everyone, readers exclude a writer: the wait is announced once,
    bounded, and ends in StoreBusyError naming the PID — never advice to rebuild."""
    import time

    from critmin.store.io import StoreBusyError

    path = _small_store(tmp_path)
    proc = _hold(path, holder, 30)
    said = []
    try:
        start = time.monotonic()
        with pytest.raises(StoreBusyError) as err:
            connect(path, read_only=read_only, wait=0.25, notify=said.append)
        waited = time.monotonic() - start
    finally:
        proc.kill()
        proc.wait()
    assert 0.2 <= waited < 5
    message = str(err.value)
    assert f"store busy: PID {proc.pid} (" in message and "gave up after 0.25 s" in message
    assert "build" not in message and "CRITMIN_LOCK_WAIT" in message
    assert len(said) == 1 and said[0].startswith(f"store busy: PID {proc.pid} (")
    assert said[0].endswith(") holds it, waiting… (up to 0.25 s)")


def test_waiting_reader_gets_the_store_when_the_writer_is_done(tmp_path):
    path = _small_store(tmp_path)
    proc = _hold(path, "rw", 0.4)
    said = []
    try:
        with connect(path, wait=20, notify=said.append) as con:
            assert con.execute("select value from meta where key='marker'").fetchall() == [
                ("first",)]
    finally:
        proc.wait()
    assert len(said) == 1 and "waiting… (up to 20 s)" in said[0]


@pytest.mark.parametrize(("env", "read", "default"), [
    ("CRITMIN_LOCK_WAIT", "lock_wait", 60), ("CRITMIN_STORE_KEEP", "keep_seconds", 1.0)])
def test_seconds_from_the_environment(monkeypatch, env, read, default):
    from critmin.store import io

    monkeypatch.delenv(env, raising=False)
    assert getattr(io, read)() == default
    for given, seconds in (("2.5", 2.5), ("0", 0.0)):
        monkeypatch.setenv(env, given)
        assert getattr(io, read)() == seconds
    for bad in ("soon", "-1", "nan"):
        monkeypatch.setenv(env, bad)
        with pytest.raises(StoreError, match=f"{env}=.*a number ≥ 0"):
            getattr(io, read)()


def test_holder_named_by_its_command(tmp_path):
    from critmin.store.io import LOCK_INFO_SUFFIX, command_name, describe_holder

    assert command_name(["/x/.venv/bin/python", "/x/.venv/bin/critmin", "data", "import",
                         "wgi", "f.xlsx"]) == "critmin data import"
    assert command_name(["critmin", "exposure", "--bom", "x"]) == "critmin exposure"
    assert command_name(["critmin", "assess", "JPN"]) == "critmin assess"
    assert command_name(["python", "-c", "pass"]) is None
    path = tmp_path / "s.duckdb"
    message = ('IO Error: Could not set lock on file "s.duckdb": Conflicting lock is held '
               'in /usr/bin/python3 (PID 999999999). See also https://duckdb.org')
    assert describe_holder(path, message) == "PID 999999999 (python3)"
    Path(str(path) + LOCK_INFO_SUFFIX).write_text("999999999\tcritmin data build\n")
    assert describe_holder(path, message) == "PID 999999999 (critmin data build)"
    assert describe_holder(path, "IO Error: Could not set lock") == "another process"


def test_swap_keeps_previous_store_locked_until_new_is_in_place(tmp_path):
    """While a build has the previous store attached, a writer waits; once the new store
    is swapped in, the writer opens the new one (nothing written to the replaced file)."""
    from critmin.store.io import attach_previous

    path = _small_store(tmp_path)
    with atomic_store(path) as con:
        assert attach_previous(con, path)
        con.execute("insert into meta select 'marker', 'second'")
        code = ("import sys; from critmin.store.io import connect, StoreBusyError\n"
                "try:\n connect(sys.argv[1], read_only=False, wait=0.3)\n"
                "except StoreBusyError as e: print(e)")
        out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                             text=True, check=True).stdout
        assert out.startswith(f"store busy: PID {os.getpid()} (")
    with connect(path, read_only=False, wait=1) as con:
        assert con.execute("select value from meta where key='marker'").fetchone() == (
            "second",)


def test_build_gives_up_on_a_held_store_and_leaves_it(tmp_path):
    """A rebuild whose previous store stays held by a writer fails with the busy message
    (not silently without the carried data) and leaves the store as it was."""
    from critmin.store.io import StoreBusyError, attach_previous

    path = _small_store(tmp_path)
    proc = _hold(path, "rw", 30)
    try:
        with pytest.raises(StoreBusyError, match="left the store as it was"), \
                atomic_store(path) as con:
            attach_previous(con, path, wait=0.3, notify=lambda _m: None)
    finally:
        proc.kill()
        proc.wait()
    assert not list(tmp_path.glob("*" + TMP_MARK + "*"))
    with connect(path) as con:
        assert con.execute("select value from meta where key='marker'").fetchone() == (
            "first",)


# --- a read store's instance kept for a moment after the last connect -------------------

OTHER_WRITER = ("import sys; from critmin.store.io import connect, StoreBusyError\n"
                "try:\n"
                " connect(sys.argv[1], read_only=False, wait=float(sys.argv[2])).close()\n"
                " print('wrote')\n"
                "except StoreBusyError as e: print(e)")


def _writer(path, wait):
    """What another process's writer says, waiting at most ``wait`` seconds."""
    return subprocess.run([sys.executable, "-c", OTHER_WRITER, str(path), str(wait)],
                          capture_output=True, text=True, check=True).stdout


def test_read_store_kept_then_let_go(tmp_path, monkeypatch):
    """After a read, this process keeps the store for $CRITMIN_STORE_KEEP seconds (a
    writer elsewhere is told it is busy, naming this process); then, or at release(),
    the writer gets in."""
    import time

    from critmin.store.io import KEEP_ENV, release

    monkeypatch.setenv(KEEP_ENV, "30")
    path = _small_store(tmp_path)
    connect(path).close()
    assert _writer(path, 0.2).startswith(f"store busy: PID {os.getpid()} (")
    release(path)
    assert _writer(path, 0) == "wrote\n"
    monkeypatch.setenv(KEEP_ENV, "0.3")
    connect(path).close()
    time.sleep(0.6)
    assert _writer(path, 0) == "wrote\n"
    monkeypatch.setenv(KEEP_ENV, "0")
    connect(path).close()
    assert _writer(path, 0) == "wrote\n"


def test_kept_store_gives_way_to_a_writer_here_and_to_a_new_file(tmp_path, monkeypatch):
    """A writer in this process gets the store it keeps; a store swapped in at the path (a
    build) is read afresh, not the kept instance of the replaced file."""
    from critmin.store.io import KEEP_ENV, release

    monkeypatch.setenv(KEEP_ENV, "30")
    path = _small_store(tmp_path)
    connect(path).close()
    with connect(path, read_only=False) as con:
        con.execute("update meta set value = 'written' where key = 'marker'")
    with connect(path) as con:
        assert con.execute("select value from meta where key='marker'").fetchone() == (
            "written",)
    _make_store(path, "swapped")
    with connect(path) as con:
        assert con.execute("select value from meta where key='marker'").fetchone() == (
            "swapped",)
    other = tmp_path / "other.duckdb"
    _make_store(other, "other hand")
    os.replace(other, path)   # swapped in by another hand, while this process keeps path
    with connect(path) as con:
        assert con.execute("select value from meta where key='marker'").fetchone() == (
            "other hand",)
    release(path)   # not kept for the 30 s after the test


def test_bad_keep_setting_refused_before_opening(tmp_path, monkeypatch):
    """A bad $CRITMIN_STORE_KEEP is an error before the store is opened: nothing is left
    holding it (a writer elsewhere gets in at once)."""
    path = _small_store(tmp_path)
    monkeypatch.setenv("CRITMIN_STORE_KEEP", "soon")
    with pytest.raises(StoreError, match="CRITMIN_STORE_KEEP"):
        connect(path)
    assert _writer(path, 0) == "wrote\n"


def test_forked_child_forgets_the_parents_kept_store(tmp_path, monkeypatch):
    """A child of fork holds none of the parent's kept instances as its own (it would
    never let them go: the parent's keeper thread is not in it)."""
    from critmin.store import io

    monkeypatch.setenv("CRITMIN_STORE_KEEP", "30")
    path = _small_store(tmp_path)
    connect(path).close()
    assert io._KEPT and io._REAPER
    pid = os.fork()
    if pid == 0:   # the child: no DuckDB call here, only the keeper's state
        os._exit(0 if not io._KEPT and not io._REAPER and io._INHERITED else 1)
    assert os.waitpid(pid, 0)[1] == 0
    io.release(path)


def test_kept_stores_let_go_at_exit(tmp_path, monkeypatch):
    """At interpreter exit the kept instances are closed in the exiting thread and the
    keeper thread ends (a thread the interpreter stops inside DuckDB aborts the process)."""
    from critmin.store import io

    monkeypatch.setenv("CRITMIN_STORE_KEEP", "30")
    path = _small_store(tmp_path)
    connect(path).close()
    reaper = io._REAPER[0]
    io._let_go_at_exit()
    assert not io._KEPT and not reaper.is_alive()
    assert _writer(path, 0) == "wrote\n"
