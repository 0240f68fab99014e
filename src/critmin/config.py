"""Settings from the environment: where critmin keeps its data (``$CRITMIN_HOME`` or a
per-user data folder) and how many threads its DuckDB databases use."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

STORE_FILE = "critmin.duckdb"
DUCKDB_THREADS_ENV = "CRITMIN_DUCKDB_THREADS"
"""Threads each DuckDB database of the process may use (unset: DuckDB's default, one per
core). [C] A process that already runs beside others on every core gains nothing from
DuckDB's own threads: the test suite, one pytest-xdist worker per core, sets 1 (README:
paired runs on 2 cores, median 98.2 s against 101.4 s with the default)."""


def home() -> Path:
    """The data directory: ``$CRITMIN_HOME`` if set, else the per-user data folder."""
    env = os.environ.get("CRITMIN_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("critmin", appauthor=False))


def bundle_dir() -> Path:
    """Folder holding the downloaded open-data wheel."""
    return home() / "bundle"


def store_path() -> Path:
    """Path of the DuckDB store file."""
    return home() / STORE_FILE


def reports_dir() -> Path:
    """Folder for files written by the main job and reports."""
    return home() / "reports"


def duckdb_threads() -> int | None:
    """``$CRITMIN_DUCKDB_THREADS`` as a whole number ≥ 1, or None when it is unset (DuckDB's
    default); anything else is a :class:`~critmin.errors.StoreError` saying what it is for."""
    from critmin.errors import StoreError

    text = os.environ.get(DUCKDB_THREADS_ENV, "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and int(text) >= 1):
        raise StoreError(f"{DUCKDB_THREADS_ENV}={text!r}: give the threads DuckDB may use, "
                         "a whole number ≥ 1 (e.g. 1), or leave it unset for one per core")
    return int(text)


def apply_duckdb_settings(con: Any) -> None:
    """Give the DuckDB database behind ``con`` the process's settings
    (:func:`duckdb_threads`). They hold for the whole database, every connection to it
    (a setting, not a connect option: connects to one file with different options fail)."""
    threads = duckdb_threads()
    if threads is not None:
        con.execute(f"set threads = {threads}")
