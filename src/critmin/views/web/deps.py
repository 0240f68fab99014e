"""The store for the web app: one read-only DuckDB connection per process, a cursor per
request.

``critmin serve`` opens the store once, read-only (so any number of requests read it
at the same time, and ``critmin data build``, which swaps a new store in atomically, can
run meanwhile). When the file at the store's path changes (a new build swapped in) the
next request opens the new one. Routes take the store as a FastAPI dependency::

    from critmin.views.web.deps import store_connection

    @router.get("/x")
    def x(con = Depends(store_connection)): ...

:func:`store_version` is the key the caches use: the store's path, file identity and
``built_at``, so a cached result never outlives the store it was computed from.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import Request


class StoreHolder:
    """The process-wide read-only connection to the store at ``path`` (opened on first
    use, reopened when the file is replaced)."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._con: Any = None
        self._stamp: tuple[int, int, int] | None = None
        self.built_at: str | None = None

    @property
    def path(self) -> Path:
        """The store file (default: :func:`critmin.config.store_path`, read when asked,
        so ``CRITMIN_HOME`` set after the app was made still counts)."""
        from critmin.config import store_path

        return Path(self._path) if self._path is not None else store_path()

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def connection(self) -> Any:
        """The shared read-only connection (a :class:`~critmin.errors.StoreError` if
        there is no store or it cannot be read)."""
        stamp = self._file_stamp()
        with self._lock:
            if self._con is None or stamp != self._stamp:
                self._open(stamp)
            return self._con

    def _open(self, stamp: tuple[int, int, int] | None) -> None:
        from critmin.store.io import connect
        from critmin.store.read import built_at

        old, self._con = self._con, None
        if old is not None:
            old.close()
        con = connect(self.path, read_only=True, wait=2)
        self._con, self._stamp, self.built_at = con, stamp, built_at(con)

    def cursor(self) -> Any:
        """A new cursor on the shared connection (one per request: a DuckDB cursor is a
        connection of its own to the same database, safe to use in its thread)."""
        return self.connection().cursor()

    def version(self) -> tuple[str, str | None, tuple[int, int, int] | None]:
        """``(path, built_at, file stamp)`` of the open store (opening it if needed)."""
        self.connection()
        return str(self.path), self.built_at, self._stamp

    def close(self) -> None:
        """Close the shared connection (at shutdown)."""
        with self._lock:
            if self._con is not None:
                self._con.close()
            self._con = None


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
    cur = holder(request).cursor()
    try:
        yield cur
    finally:
        cur.close()


def store_version(request: Request) -> tuple[str, str | None, tuple[int, int, int] | None]:
    """FastAPI dependency: the store's identity (path, ``built_at``, file stamp), the key
    under which results are cached."""
    return holder(request).version()
