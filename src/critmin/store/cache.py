"""Prepared reads kept per store content, for many requests against one store.

A command line call reads the store once, but the web app (and a test session) answers
many requests against the same store: the importer-independent inputs of an assessment
or a shock year (governance risks, preferred production, volatilities, the year's trade
by stage) and the indicator engine's global indicators are the same for all of them.
:func:`cached` keeps such a result under a key and the store's **stamp**: its content
id, read through the connection itself (``meta`` ``content_id``, renewed by every
transaction that writes — a build, an import, a saved BOM:
:func:`critmin.store.io.new_content_id`). A rebuilt or swapped-in store, an import
or a saved BOM is therefore never answered from an older read — not even for a
connection still open on the file a build replaced — while copies of one store (homes
linking or copying it) share their reads.

Only read-only connections are cached: while one is open, DuckDB lets no other process
write the file, and a read-only connection cannot write it itself. A connection that can
write (an import, ``exposure --save``) always computes afresh. ``CRITMIN_READ_CACHE=0``
turns the cache off (:data:`READ_CACHE_ENV`). Values are shared between callers and
must be treated as immutable (frames are filtered and merged into new ones, never
assigned to in place). A request asking a key another is computing waits for that
result (the web app's threads), rather than computing it too.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

READ_CACHE_ENV = "CRITMIN_READ_CACHE"
"""``0`` turns the cache off (every read computes afresh)."""
MAX_ENTRIES = 32
"""Results kept (least recently used dropped first): a year's assessment inputs for all
commodities take ~5 MB, a shock year's trade ~10 MB."""

_entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_computing: dict[tuple[Any, ...], threading.Lock] = {}
_lock = threading.Lock()


def store_stamp(con: Any) -> str | None:
    """The identity of the store content behind ``con``: its content id, read through
    ``con``; None when ``con`` can write, is not a file store or has no content id. (Not
    the file's path: copies of a store hold the same content under the same id until one
    is written, which gives it a new id.)"""
    from critmin.store.io import CONTENT_ID

    rows = con.execute("select path, readonly from duckdb_databases() "
                       "where database_name = current_database()").fetchall()
    if not rows or not rows[0][0] or not rows[0][1]:
        return None
    ids = con.execute("select value from meta where key = ?", [CONTENT_ID]).fetchall()
    return ids[0][0] if ids else None


def cached(con: Any, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` for ``key`` on the store behind ``con``, kept for the next call on
    the same store content (see the module's note); computed afresh when ``con`` can
    write or the cache is off. Callers asking a key being computed wait for it rather
    than computing it again."""
    stamp = store_stamp(con) if os.environ.get(READ_CACHE_ENV, "1") != "0" else None
    if stamp is None:
        return compute()
    full = (stamp, key)
    with _lock:
        if full in _entries:
            _entries.move_to_end(full)
            return _entries[full]
        busy = _computing.setdefault(full, threading.Lock())
    with busy:
        with _lock:
            if full in _entries:      # computed meanwhile by the caller we waited for
                return _entries[full]
        try:
            value = compute()
            with _lock:
                _entries[full] = value
                _entries.move_to_end(full)
                while len(_entries) > MAX_ENTRIES:
                    _entries.popitem(last=False)
        finally:
            with _lock:
                _computing.pop(full, None)
    return value


def clear() -> None:
    """Forget every kept result."""
    with _lock:
        _entries.clear()
