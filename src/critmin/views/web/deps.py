"""The store for the web app: one read-only DuckDB connection per process, a cursor per
request.

``critmin serve`` opens the store once, read-only (so any number of requests read it
at the same time, and ``critmin data build``, which swaps a new store in atomically, can
run meanwhile). When the file at the store's path changes (a new build swapped in) the
next request opens the new one. Routes take the store as a FastAPI dependency::

    from critmin.views.web.deps import store_connection

    @router.get("/x")
    def x(con = Depends(store_connection)): ...

:func:`store_version` is the key the caches use: the store's path and file identity
(inode, modification time, size), so a cached result never outlives the store it was
computed from (a new build, a saved BOM).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import Request


class StoreHolder:
    """The process-wide read-only connection to the store at ``path`` (opened on first
    use, reopened when the file is replaced) and the gate between readers and the rare
    writer (a BOM saved from the web): requests read through :meth:`reading`; a write
    (:meth:`writing`) waits for them to finish, closes the shared connection (DuckDB
    allows one configuration per file and process) and opens the store writable."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._cond = threading.Condition()
        self._readers = 0
        self._exclusive = False
        self._con: Any = None
        self._stamp: tuple[int, int, int] | None = None
        self.built_at: str | None = None

    @property
    def path(self) -> Path:
        """The store file (default: :func:`critmin.config.store_path`, read when asked,
        so ``CRITMIN_HOME`` set after the app was made still counts)."""
        from critmin.config import store_path

        return Path(self._path) if self._path is not None else store_path()

    def stamp(self) -> tuple[int, int, int] | None:
        """The store file's identity now: (inode, mtime ns, size); None if missing."""
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """A new cursor on the shared connection for one request (a DuckDB cursor is a
        connection of its own to the same database, used by one thread), closed after.
        A :class:`~critmin.errors.StoreError` if there is no store or it cannot be read."""
        with self._cond:
            self._wait_exclusive()
            if self._con is None or self.stamp() != self._stamp:
                self._exclusive = True  # a new store: reopen once the readers are done
                try:
                    self._drain()
                    self._open()
                finally:
                    self._exclusive = False
                    self._cond.notify_all()
            cur = self._con.cursor()
            self._readers += 1
        try:
            yield cur
        finally:
            cur.close()
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[Any]:
        """A writable connection, once no request reads (the shared one is closed
        meanwhile and reopened by the next reader)."""
        from critmin.store.io import connect

        with self._cond:
            self._wait_exclusive()
            self._exclusive = True
            self._drain()
        try:
            con = connect(self.path, read_only=False, wait=5)
            try:
                yield con
            finally:
                con.close()
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()

    def _wait_exclusive(self) -> None:
        while self._exclusive:
            self._cond.wait()

    def _drain(self) -> None:
        """Wait (holding the gate) until no request reads, then close the connection."""
        while self._readers:
            self._cond.wait()
        if self._con is not None:
            self._con.close()
        self._con, self._stamp = None, None

    def _open(self) -> None:
        from critmin.store.io import connect
        from critmin.store.read import built_at

        stamp = self.stamp()
        con = connect(self.path, read_only=True, wait=2)
        self._con, self._stamp, self.built_at = con, stamp, built_at(con)

    def cursor(self) -> Any:
        """A cursor as :meth:`reading` gives, for code that cannot use a ``with`` block:
        it counts as a reader until its ``close()`` (call it, or a save waits)."""
        ctx = self.reading()
        return _Cursor(ctx.__enter__(), ctx)

    def version(self) -> tuple[str, tuple[int, int, int] | None]:
        """``(path, file stamp)``: the key under which results are cached (a new build
        is a new file, a saved BOM a new modification time)."""
        return str(self.path), self.stamp()

    def close(self) -> None:
        """Close the shared connection (at shutdown; to write, use :meth:`writing`,
        which waits for the requests reading)."""
        with self._cond:
            if self._con is not None:
                self._con.close()
            self._con, self._stamp = None, None


class _Cursor:
    """A DuckDB cursor whose ``close()`` also ends its :meth:`StoreHolder.reading`."""

    def __init__(self, cur: Any, ctx: Any) -> None:
        self._cur, self._ctx = cur, ctx

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cur, name)

    def close(self) -> None:
        if self._ctx is not None:
            ctx, self._ctx = self._ctx, None
            ctx.__exit__(None, None, None)


def holder(request: Request) -> StoreHolder:
    """The app's :class:`StoreHolder` (made by :func:`critmin.views.web.app.create_app`;
    made here for an app that did not)."""
    state = request.app.state
    if not isinstance(getattr(state, "store_holder", None), StoreHolder):
        state.store_holder = StoreHolder(getattr(state, "store", None))
    return state.store_holder


def store_connection(request: Request) -> Iterator[Any]:
    """FastAPI dependency: a read-only cursor on the store for this request, closed
    after it."""
    with holder(request).reading() as cur:
        yield cur


def store_version(request: Request) -> tuple[str, tuple[int, int, int] | None]:
    """FastAPI dependency: the store's identity (path, file stamp), the key under which
    results are cached."""
    return holder(request).version()
