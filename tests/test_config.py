"""Settings from the environment: the DuckDB thread count every database of the process
takes (the suite itself runs with 1: tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from critmin.config import DUCKDB_THREADS_ENV, apply_duckdb_settings, duckdb_threads
from critmin.errors import StoreError
from critmin.indicators import relational
from critmin.store.io import atomic_store, connect, release


def _threads(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("select current_setting('threads')").fetchone()[0])


@pytest.mark.parametrize(("text", "threads"), [("", None), (" 3 ", 3), ("1", 1)])
def test_threads_read_from_the_environment(monkeypatch, text, threads) -> None:
    monkeypatch.setenv(DUCKDB_THREADS_ENV, text)
    assert duckdb_threads() == threads


@pytest.mark.parametrize("text", ["0", "-1", "two", "1.5", "２"])
def test_a_bad_thread_count_says_what_it_is_for(monkeypatch, text) -> None:
    monkeypatch.setenv(DUCKDB_THREADS_ENV, text)
    with pytest.raises(StoreError, match=r"CRITMIN_DUCKDB_THREADS=.*whole number ≥ 1"):
        duckdb_threads()


def test_unset_keeps_duckdbs_default(monkeypatch) -> None:
    monkeypatch.delenv(DUCKDB_THREADS_ENV)
    with duckdb.connect() as con:
        default = _threads(con)
        apply_duckdb_settings(con)
        assert _threads(con) == default


def test_store_build_and_scratch_take_the_setting(monkeypatch, tmp_path: Path) -> None:
    """Every database critmin opens: a store it builds, a store it reads (the instance it
    keeps for the next read too) and the in-memory one of the formula fragments."""
    monkeypatch.setenv(DUCKDB_THREADS_ENV, "3")
    path = tmp_path / "s.duckdb"
    with atomic_store(path) as con:
        assert _threads(con) == 3
    try:
        with connect(path) as con:
            assert _threads(con) == 3
    finally:
        release(path)
    monkeypatch.setattr(relational, "_MEMORY", [])
    assert _threads(relational.scratch()) == 3


def test_a_bad_setting_leaves_the_store_closed(monkeypatch, tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with atomic_store(path):
        pass
    monkeypatch.setenv(DUCKDB_THREADS_ENV, "0")
    with pytest.raises(StoreError, match="whole number"):
        connect(path, read_only=False)
    with duckdb.connect(str(path)) as con:  # not held: a writer opens it at once
        assert con.execute("select count(*) from meta").fetchone()[0] > 0
