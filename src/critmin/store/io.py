"""Open the store, wait for it while another process holds it, and write it atomically.

A build writes a temporary file beside the store and renames it over the store only
once complete, so an interrupted or failed build leaves the previous store intact.

Concurrency (DuckDB's model, https://duckdb.org/docs/current/connect/concurrency): any
number of processes may hold the store read-only at once; a read-write connection
excludes every other process, readers included. :func:`connect` therefore waits for a
lock held by another process — a bounded wait, ``$CRITMIN_LOCK_WAIT`` seconds (default
60), announced once on stderr with the process that holds the store — and then fails
with :class:`StoreBusyError` (never with advice to rebuild: a rebuild needs the same
lock). A writer records its command in ``<store>.lock-info`` so that others can name it.

A reader's DuckDB instance is kept open for :func:`keep_seconds` after its last
:func:`connect` (:data:`DEFAULT_KEEP_SECONDS`, ``$CRITMIN_STORE_KEEP``): starting an
instance costs 12–17 ms (DuckDB registers its functions), a connect to a kept one
0.02 ms. Meanwhile this process still holds the store as a reader. A writer in this
process (:func:`connect` read-write, a build) lets it go first; a store swapped in by a
build (a new file at the path) is opened afresh.
"""

from __future__ import annotations

import atexit
import os
import random
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from critmin.config import apply_duckdb_settings
from critmin.errors import StoreError
from critmin.store.schema import DDL, SCHEMA_VERSION

if TYPE_CHECKING:
    import duckdb

T = TypeVar("T")

TMP_MARK = ".tmp-"
LOCK_WAIT_ENV = "CRITMIN_LOCK_WAIT"
DEFAULT_LOCK_WAIT = 60.0
KEEP_ENV = "CRITMIN_STORE_KEEP"
DEFAULT_KEEP_SECONDS = 1.0
"""Seconds a read-only store's DuckDB instance stays open after the last :func:`connect`
[C]: a script's or a notebook's successive calls and a test's steps come within it and
reuse the instance (0.02 ms instead of 12–17 ms each); a writer in another process waits
(announced) at most this long after this process's last read. 0 turns keeping off.
(``critmin serve`` holds its own connection while it runs: views/web/deps.py.)"""
LOCK_INFO_SUFFIX = ".lock-info"
_LOCK_PID = re.compile(r"Conflicting lock is held in (.*?) \(PID (\d+)\)")


class StoreBusyError(StoreError):
    """Another process held the store for longer than the bounded wait."""


def lock_wait() -> float:
    """Seconds to wait for a store held by another process (``$CRITMIN_LOCK_WAIT``)."""
    return _seconds(LOCK_WAIT_ENV, DEFAULT_LOCK_WAIT, "to wait for a busy store", "60")


def _seconds(env: str, default: float, what: str, example: str) -> float:
    """Seconds from ``$env`` (``default`` when unset); anything but a number ≥ 0 is a
    :class:`StoreError` saying what the setting is for."""
    text = os.environ.get(env, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise StoreError(f"{env}={text!r}: give the seconds {what}, a number ≥ 0 "
                         f"(e.g. {example})")
    return value


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def connect(path: Path, read_only: bool = True, wait: float | None = None,
            notify: Callable[[str], None] = _say) -> duckdb.DuckDBPyConnection:
    """Open the store at ``path``; a clear error if it is missing or incompatible.

    If another process holds the store (a writer, or — for a writer — any reader) this
    waits up to ``wait`` seconds (default :func:`lock_wait`), says so once through
    ``notify``, then raises :class:`StoreBusyError` naming the holder. A read-only
    connect keeps the store's DuckDB instance open for :func:`keep_seconds` more (see the
    module text); a read-write one first lets go of this process's kept instance.
    """
    import duckdb

    path = Path(path)
    if not path.is_file():
        raise StoreError(f"no store at {path}: run 'critmin data fetch' then 'critmin data build'")
    if not read_only:
        release(path)
    keep = keep_seconds() if read_only else 0.0
    inode = _inode(path)
    con = open_waiting(path, read_only, wait, notify)
    try:
        con.execute("set enable_progress_bar = false")
        apply_duckdb_settings(con)
        rows = con.execute("select value from meta where key = 'schema_version'").fetchall()
        row = rows[0] if rows else None
    except StoreError:
        con.close()
        raise
    except duckdb.Error as exc:
        con.close()
        raise StoreError(f"store {path} cannot be read ({exc}); if it is damaged, rebuild "
                         "it with 'critmin data build'") from exc
    if row is None or row[0] != SCHEMA_VERSION:
        con.close()
        raise StoreError(f"store {path} has schema {row and row[0]}, this critmin needs "
                         f"{SCHEMA_VERSION}: run 'critmin data build' (imported sources "
                         "and saved BOMs are carried over)")
    if read_only:
        _keep(path, inode, keep)
    else:
        _write_lock_info(path)
    return con


def keep_seconds() -> float:
    """Seconds to keep a read-only store's instance (``$CRITMIN_STORE_KEEP``, default
    :data:`DEFAULT_KEEP_SECONDS`)."""
    return _seconds(KEEP_ENV, DEFAULT_KEEP_SECONDS, "to keep a read store open",
                    "1; 0 turns keeping off")


class _Kept:
    """One kept instance: a connection of its own to it, the file it opened (inode) and
    until when it is kept."""

    __slots__ = ("anchor", "inode", "until")

    def __init__(self, anchor: duckdb.DuckDBPyConnection, inode: int | None, until: float
                 ) -> None:
        self.anchor, self.inode, self.until = anchor, inode, until


_KEPT: dict[str, _Kept] = {}
_KEPT_LOCK = threading.Condition()
_REAPER: list[threading.Thread] = []
_INHERITED: list[_Kept] = []


def _key(path: Path) -> str:
    return os.path.realpath(path)


def _current(path: Path) -> _Kept | None:
    """The kept instance of ``path`` if it is still the file at the path (else let go:
    DuckDB would answer the path with the instance of the file a build replaced)."""
    kept = _KEPT.get(_key(path))
    if kept is not None and kept.inode != _inode(path):
        _drop(_key(path))
        return None
    return kept


def _keep(path: Path, inode: int | None, seconds: float) -> None:
    """Keep the read-only instance of ``path`` (just connected to the file ``inode``) for
    ``seconds`` more: a connection of its own holds it (the caller's may close at once).
    Should the file have been replaced since, the next connect lets it go."""
    import duckdb

    if seconds <= 0:
        return
    with _KEPT_LOCK:
        kept = _current(path)
        until = time.monotonic() + seconds
        if kept is None:
            _KEPT[_key(path)] = _Kept(duckdb.connect(str(path), read_only=True), inode,
                                      until)
        else:
            kept.until = until
        if not _REAPER:
            _REAPER.append(threading.Thread(target=_reap, name="critmin-store-keeper",
                                            daemon=True))
            _REAPER[0].start()
        _KEPT_LOCK.notify()


def _reap() -> None:
    """(The keeper thread) close each kept instance's own connection when its time is up;
    the instance closes with the last connection to it."""
    with _KEPT_LOCK:
        while _KEPT:
            now = time.monotonic()
            for key in [k for k, v in _KEPT.items() if v.until <= now]:
                _drop(key)
            if _KEPT:
                _KEPT_LOCK.wait(min(v.until for v in _KEPT.values()) - now)
        _REAPER.clear()  # under the lock: the next keep starts a new keeper thread


def _drop(key: str) -> None:
    kept = _KEPT.pop(key, None)
    if kept is not None:
        kept.anchor.close()


def release(path: Path) -> None:
    """Let go of the kept instance of the store at ``path`` (before writing it, or to let
    another process's writer in now); its open connections stay usable."""
    with _KEPT_LOCK:
        _drop(_key(Path(path)))


def _forget_in_child() -> None:
    """(After a fork, in the child) the parent's kept instances are not this process's:
    forget them without closing (their threads are not here) but keep them referenced;
    a new lock (the parent's may have been held by a thread that is not here)."""
    global _KEPT_LOCK
    _INHERITED.extend(_KEPT.values())
    _KEPT.clear()
    _REAPER.clear()
    _KEPT_LOCK = threading.Condition()


def _let_go_at_exit() -> None:
    """(At interpreter exit) close the kept instances' connections in this thread and end
    the keeper thread: the interpreter stops a thread that is still running later, and one
    stopped inside DuckDB aborts the process."""
    with _KEPT_LOCK:
        for key in list(_KEPT):
            _drop(key)
        _KEPT_LOCK.notify()
        reaper = _REAPER[0] if _REAPER else None
    if reaper is not None:
        reaper.join(timeout=5)


os.register_at_fork(after_in_child=_forget_in_child)
atexit.register(_let_go_at_exit)


CONTENT_ID = "content_id"
"""The ``meta`` key naming the store's content: a new random id in every transaction
that writes (a build, an import, a saved BOM), so a kept read (:mod:`critmin.store.cache`)
is never answered for a store that changed; a write that fails changes nothing."""


def new_content_id(con: duckdb.DuckDBPyConnection) -> None:
    """Give the store behind ``con`` a new :data:`CONTENT_ID` (inside the transaction
    that writes)."""
    import uuid

    con.execute("insert or replace into meta values (?, ?)", [CONTENT_ID, uuid.uuid4().hex])


def open_waiting(path: Path, read_only: bool = True, wait: float | None = None,
                 notify: Callable[[str], None] = _say) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` with the bounded, announced wait for a lock (see module doc).

    A writer also checks that the file it locked is still the one at ``path`` (a build
    may have swapped a new store in meanwhile) and otherwise opens it again."""
    import duckdb

    def attempt() -> duckdb.DuckDBPyConnection | None:
        before = _inode(path)
        if read_only:
            with _KEPT_LOCK:
                _current(path)  # a kept instance of a file since replaced: let go
        con = duckdb.connect(str(path), read_only=read_only)
        if read_only or before == _inode(path):
            return con
        con.close()  # a build swapped a new store in meanwhile: open that one
        return None

    def unreadable(exc: Exception) -> BaseException:
        return _unreadable(path, exc)

    return _waiting(attempt, path, wait, notify, unreadable,
                    "gave up after {wait:g} s (wait longer with {env}=SECONDS, or try "
                    "again when it is done)")


def _waiting(attempt: Callable[[], T | None], path: Path, wait: float | None,
             notify: Callable[[str], None], not_a_lock: Callable[[Exception], Any],
             give_up: str) -> T:
    """``attempt()`` until it returns a value, waiting (jittered back-off, announced once)
    while another process holds the lock, at most ``wait`` seconds (None:
    :func:`lock_wait`); then :class:`StoreBusyError` naming the holder and ``give_up``
    (a template with ``{wait}`` and ``{env}``). Another DuckDB error gives
    ``not_a_lock(exc)``: raised if it is an exception, else returned."""
    import duckdb

    wait = lock_wait() if wait is None else wait
    deadline = time.monotonic() + wait
    announced = False
    delay = 0.05
    while True:
        try:
            out = attempt()
            if out is not None:
                return out
            continue
        except duckdb.Error as exc:
            if not is_lock_error(exc):
                other = not_a_lock(exc)
                if isinstance(other, BaseException):
                    raise other from exc
                return other
            holder = describe_holder(path, str(exc))
            if time.monotonic() >= deadline:
                raise StoreBusyError(f"store busy: {holder} holds {path}; " + give_up.format(
                    wait=wait, env=LOCK_WAIT_ENV)) from None
            if not announced:
                notify(f"store busy: {holder} holds it, waiting… (up to {wait:g} s)")
                announced = True
        time.sleep(min(delay * (0.5 + random.random()), max(deadline - time.monotonic(), 0)))
        delay = min(delay * 1.5, 0.5)


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def is_lock_error(exc: BaseException) -> bool:
    """Whether a DuckDB error says another process holds the file's lock."""
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def _unreadable(path: Path, exc: BaseException) -> StoreError:
    text = str(exc)
    if "Read-only file system" in text:
        return StoreError(f"store {path} cannot be written: CRITMIN_HOME {path.parent} is "
                          f"read-only ({text}); set CRITMIN_HOME to a writable folder")
    if "Permission denied" in text:
        return StoreError(f"store {path} cannot be opened ({text}): check the permissions "
                          "of the file and of its folder")
    return StoreError(f"store {path} cannot be read ({text}); if it is damaged, rebuild it "
                      "with 'critmin data build'")


def describe_holder(path: Path, message: str) -> str:
    """``"PID 1234 (critmin data import)"`` from DuckDB's lock error ``message``.

    The command comes from the holder's command line (``/proc``), else from the lock-info
    file its writer left beside the store, else from DuckDB's program name."""
    found = _LOCK_PID.search(message)
    if not found:
        return "another process"
    program, pid = found.group(1), int(found.group(2))
    command = _proc_command(pid) or _lock_info_command(path, pid) or Path(program).name
    return f"PID {pid} ({command})"


def command_name(argv: list[str]) -> str | None:
    """``"critmin data import"`` from a critmin command line (None: not critmin)."""
    for i, arg in enumerate(argv):
        if Path(arg).name in ("critmin", "critmin.exe") or arg == "critmin.views.cli":
            words = []
            for word in argv[i + 1:]:
                if word.startswith("-") or len(words) == 2:
                    break
                words.append(word)
            if words[1:] and words[0] not in ("data", "scenario", "demand"):
                words = words[:1]
            return " ".join(["critmin", *words])
    return None


def _proc_command(pid: int) -> str | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return command_name([a.decode(errors="replace") for a in raw.split(b"\0") if a])


def _lock_info_command(path: Path, pid: int) -> str | None:
    try:
        text = Path(str(path) + LOCK_INFO_SUFFIX).read_text(encoding="utf-8")
    except OSError:
        return None
    holder, _, command = text.strip().partition("\t")
    return command or None if holder == str(pid) else None


def _write_lock_info(path: Path) -> None:
    """Record this process and its command beside the store (best effort)."""
    command = command_name(sys.argv) or " ".join(Path(a).name for a in sys.argv[:2])
    try:
        Path(str(path) + LOCK_INFO_SUFFIX).write_text(f"{os.getpid()}\t{command}\n",
                                                     encoding="utf-8")
    except OSError:
        pass


def attach_previous(con: duckdb.DuckDBPyConnection, path: Path, alias: str = "old",
                    wait: float | None = None, notify: Callable[[str], None] = _say) -> bool:
    """Attach the store at ``path`` read-only as ``alias`` (a build reads what it carries
    over from it), waiting for a writer as :func:`connect` does. False: no store there, or
    one that cannot be read at all; :class:`StoreBusyError` if it stays held."""

    path = Path(path)
    if not path.is_file():
        return False
    release(path)

    def attempt() -> bool:
        con.execute(f"attach '{path}' as {alias} (read_only)")
        return True

    return _waiting(attempt, path, wait, notify, lambda exc: False,
                    "the build gave up after {wait:g} s and left the store as it was "
                    "(wait longer with {env}=SECONDS)")


def is_attached(con: duckdb.DuckDBPyConnection, alias: str = "old") -> bool:
    """Whether a database ``alias`` is attached to ``con``."""
    return bool(con.execute("select 1 from duckdb_databases() where database_name = ?",
                            [alias]).fetchall())


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
    ``path`` is left as it was. The swap happens before the connection closes, so a
    previous store attached to it (:func:`attach_previous`, read-only: writers wait)
    stays locked until the new one is in place: nothing written meanwhile is lost.
    """
    import duckdb

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    tmp = path.with_name(f"{path.name}{TMP_MARK}{os.getpid()}")
    con = duckdb.connect(str(tmp))
    swapped = False
    try:
        apply_duckdb_settings(con)
        con.execute(DDL)
        con.execute("insert into meta values ('schema_version', ?)", [SCHEMA_VERSION])
        new_content_id(con)
        yield con
        con.execute("checkpoint")
        os.replace(tmp, path)
        swapped = True
        con.close()
    except BaseException:
        con.close()
        if swapped:
            raise
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
        raise
