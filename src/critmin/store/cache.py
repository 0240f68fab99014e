"""Prepared reads kept per store content, for many requests against one store.

A command line call reads the store once, but the web app (and a test session) answers
many requests against the same store: the importer-independent inputs of an assessment
or a shock year (governance risks, preferred production, volatilities, the year's trade
by stage) are the same for all of them. :func:`cached` keeps such a result under a key
and the store's **stamp** — its path, inode, size and modification time, and those of
its write-ahead log — so a rebuilt store, an import or a saved BOM (each changes the
file) is never answered from an older read.

Only read-only connections are cached: while one is open, DuckDB lets no other process
write the file, and a read-only connection cannot write it itself. A connection that can
write (an import, ``exposure --save``) always computes afresh. ``CRITMIN_READ_CACHE=0``
turns the cache off (:data:`READ_CACHE_ENV`). Values are shared between callers and
must be treated as immutable (frames are filtered and merged into new ones, never
assigned to in place).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

READ_CACHE_ENV = "CRITMIN_READ_CACHE"
"""``0`` turns the cache off (every read computes afresh)."""
MAX_ENTRIES = 32
"""Results kept (least recently used dropped first): a year's assessment inputs for all
commodities take ~5 MB, a shock year's trade ~10 MB."""

_entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_lock = threading.Lock()


def store_stamp(con: Any) -> tuple[Any, ...] | None:
    """The identity of the store content behind ``con``: ``(path, inode, size, mtime,
    WAL size, WAL mtime)``; None when ``con`` can write or is not a file store."""
    rows = con.execute("select path, readonly from duckdb_databases() "
                       "where database_name = current_database()").fetchall()
    if not rows or not rows[0][0] or not rows[0][1]:
        return None
    row = rows[0]
    path = Path(row[0])
    try:
        st = path.stat()
    except OSError:
        return None
    wal = Path(f"{path}.wal")
    wst = wal.stat() if wal.exists() else None
    return (str(path), st.st_ino, st.st_size, st.st_mtime_ns,
            wst.st_size if wst else None, wst.st_mtime_ns if wst else None)


def cached(con: Any, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` for ``key`` on the store behind ``con``, kept for the next call on
    the same store content (see the module's note); computed afresh when ``con`` can
    write or the cache is off."""
    stamp = store_stamp(con) if os.environ.get(READ_CACHE_ENV, "1") != "0" else None
    if stamp is None:
        return compute()
    full = (stamp, key)
    with _lock:
        if full in _entries:
            _entries.move_to_end(full)
            return _entries[full]
    value = compute()
    with _lock:
        _entries[full] = value
        _entries.move_to_end(full)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    """Forget every kept result."""
    with _lock:
        _entries.clear()
