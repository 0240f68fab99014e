"""Open the store, and write it atomically.

A build writes a temporary file beside the store and renames it over the store only
once complete, so an interrupted or failed build leaves the previous store intact.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from critmin.errors import StoreError
from critmin.store.schema import DDL, SCHEMA_VERSION

if TYPE_CHECKING:
    import duckdb

TMP_MARK = ".tmp-"


def connect(path: Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the store at ``path``; a clear error if it is missing or incompatible."""
    import duckdb

    path = Path(path)
    if not path.is_file():
        raise StoreError(f"no store at {path}: run 'critmin data fetch' then 'critmin data build'")
    try:
        con = duckdb.connect(str(path), read_only=read_only)
        con.execute("set enable_progress_bar = false")
        rows = con.execute("select value from meta where key = 'schema_version'").fetchall()
        row = rows[0] if rows else None
    except duckdb.Error as exc:
        raise StoreError(f"store {path} cannot be read ({exc}); rebuild it with "
                         "'critmin data build'") from exc
    if row is None or row[0] != SCHEMA_VERSION:
        con.close()
        raise StoreError(f"store {path} has schema {row and row[0]}, this critmin needs "
                         f"{SCHEMA_VERSION}: run 'critmin data build'")
    return con


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Delete temporary files of builds that were killed; return what was removed.

    A temporary file whose building process is still alive is left alone.
    """
    path = Path(path)
    removed = []
    for tmp in path.parent.glob(path.name + TMP_MARK + "*"):
        pid = tmp.name.rsplit(TMP_MARK, 1)[1].split(".")[0]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue
        tmp.unlink(missing_ok=True)
        removed.append(tmp)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def atomic_store(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a new, empty store that replaces ``path`` on success.

    On any exception (including KeyboardInterrupt) the temporary file is deleted and
    ``path`` is left as it was.
    """
    import duckdb

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    tmp = path.with_name(f"{path.name}{TMP_MARK}{os.getpid()}")
    con = duckdb.connect(str(tmp))
    try:
        con.execute(DDL)
        con.execute("insert into meta values ('schema_version', ?)", [SCHEMA_VERSION])
        yield con
        con.execute("checkpoint")
        con.close()
        os.replace(tmp, path)
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
        raise
