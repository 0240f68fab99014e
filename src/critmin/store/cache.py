"""Prepared reads kept per store content, for many requests against one store.

A command line call reads the store once, but the web app (and a test session) answers
many requests against the same store: the importer-independent inputs of an assessment
or a shock year (governance risks, preferred production, volatilities, the year's trade
by stage) and the indicator engine's global indicators are the same for all of them,
and pages of one importer show the same assessment.
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
import sys
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

READ_CACHE_ENV = "CRITMIN_READ_CACHE"
"""``0`` turns the cache off (every read computes afresh)."""
MAX_BYTES = 256 * 2**20
"""[C] Size of the kept results (:func:`value_bytes`), least recently used dropped first.
Measured in a test session: a year's assessment inputs or an assessment 0.15 MB
(median) to 1.2 MB, an importer's signal inputs 1.6 MB (5–7 MB with their strings): the
budget keeps a few hundred results — the web app's working set — in a bounded memory.
A count of entries would drop small results for no gain in memory."""

_entries: OrderedDict[tuple[Any, ...], tuple[Any, int]] = OrderedDict()
_kept_bytes = 0
_computing: dict[tuple[Any, ...], threading.Lock] = {}
_lock = threading.Lock()
_stamps: weakref.WeakKeyDictionary[Any, str | None] = weakref.WeakKeyDictionary()


def store_stamp(con: Any) -> str | None:
    """The identity of the store content behind ``con``: its content id, read through
    ``con``; None when ``con`` can write, is not a file store or has no content id. (Not
    the file's path: copies of a store hold the same content under the same id until one
    is written, which gives it a new id.) Read once per connection: what a connection
    sees cannot change while it is open (a read-only one keeps other writers out and
    sees its file even when a build replaces it; one that can write stays None), and two
    queries per cached read cost ~1 ms."""
    try:
        with _lock:
            return _stamps[con]
    except KeyError:
        remember = True
    except TypeError:               # an object no weak reference can point to
        remember = False
    stamp = _read_stamp(con)
    if remember:
        with _lock:
            _stamps[con] = stamp
    return stamp


def _read_stamp(con: Any) -> str | None:
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
            return _entries[full][0]
        busy = _computing.setdefault(full, threading.Lock())
    with busy:
        with _lock:
            if full in _entries:      # computed meanwhile by the caller we waited for
                return _entries[full][0]
        try:
            value = compute()
            _keep(full, value, value_bytes(value))
        finally:
            with _lock:
                _computing.pop(full, None)
    return value


def _keep(full: tuple[Any, ...], value: Any, size: int) -> None:
    """Keep ``value`` of ``size`` bytes, dropping the least recently used results while
    the kept ones exceed :data:`MAX_BYTES` (a value larger than it is not kept)."""
    global _kept_bytes
    if size > MAX_BYTES:
        return
    with _lock:
        if full in _entries:            # kept meanwhile (a clear() between): replaced
            _kept_bytes -= _entries.pop(full)[1]
        _entries[full] = (value, size)
        _kept_bytes += size
        while _kept_bytes > MAX_BYTES:
            _kept_bytes -= _entries.popitem(last=False)[1][1]


def value_bytes(value: Any) -> int:
    """The bytes of a kept result: its frames' columns and indexes and its NumPy arrays
    (an object column counts its pointers — the ids and codes in it are shared strings),
    summed over dataclass fields, tuples, lists, sets and dicts; any other object its
    ``sys.getsizeof``. An object reached twice counts once."""
    import dataclasses

    import numpy as np
    import pandas as pd

    seen: set[int] = set()

    def size(v: Any) -> int:
        if id(v) in seen:
            return 0
        seen.add(id(v))
        if isinstance(v, pd.DataFrame | pd.Series):
            return int(np.sum(v.memory_usage(index=True, deep=False)))
        if isinstance(v, np.ndarray):
            return int(v.nbytes)
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            return sum(size(getattr(v, f.name)) for f in dataclasses.fields(v))
        if isinstance(v, dict):
            return sys.getsizeof(v) + sum(size(k) + size(x) for k, x in v.items())
        if isinstance(v, list | tuple | set | frozenset):
            return sys.getsizeof(v) + sum(size(x) for x in v)
        return sys.getsizeof(v)
    return size(value)


def clear() -> None:
    """Forget every kept result."""
    global _kept_bytes
    with _lock:
        _entries.clear()
        _kept_bytes = 0


class Memo:
    """Results derived from shared inputs (frames handed out by :func:`cached`), kept
    with those inputs (:func:`memoised`): every importer of a year's assessment reuses
    its importer-independent axes (:func:`critmin.methods.meti6.commodity_axes`), every
    importer of a shock its flows and re-sourcing
    (:func:`critmin.analysis.shocks.shock_flows`).

    At most :attr:`KEPT` entries, least recently used dropped first; safe across
    threads. A memo rides on a cached value, whose size :func:`value_bytes` counts when
    it is kept, before the memo fills: :attr:`KEPT` bounds what it adds.
    """

    KEPT = 8

    def __init__(self) -> None:
        self._entries: OrderedDict[Hashable, tuple[tuple[Any, ...], Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        """The result kept for ``key``, if any."""
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            self._entries.move_to_end(key)
            return hit[1]

    def put(self, key: Hashable, inputs: tuple[Any, ...], value: Any) -> None:
        """Keep ``value`` with its ``inputs`` (so that their ids stay theirs)."""
        with self._lock:
            self._entries[key] = (inputs, value)
            while len(self._entries) > self.KEPT:
                self._entries.popitem(last=False)


def memoised(memo: Memo | None, inputs: tuple[Any, ...], params: Hashable,
             compute: Callable[[], T]) -> T:
    """``compute()`` of ``inputs`` and ``params``, kept in ``memo`` (None: computed every
    time). The key holds the ids of the inputs, so only the very same objects hit: each
    entry keeps its inputs, so no other object can take those ids while it is kept, and
    inputs replaced by other objects (a what-if's frames) compute anew."""
    if memo is None:
        return compute()
    key = (tuple(map(id, inputs)), params)
    hit = memo.get(key)
    if hit is None:
        hit = compute()
        memo.put(key, inputs, hit)
    return hit
