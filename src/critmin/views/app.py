"""The Typer application, shared options and error handling of the ``critmin`` CLI.

Every command is wrapped by :func:`user_errors`: a user error
(:class:`~critmin.errors.CritminError`, an invalid request) exits with status 2 and one
message; a fault (unwritable path, read-only ``CRITMIN_HOME``, full disk, a store I/O
error, a bug) exits with status 1 and one message; Ctrl-C exits with status 130; a
closed pipe (``critmin … | head``) exits quietly with status 141, as ``cat`` would. The
traceback is shown only with ``critmin --debug`` or ``CRITMIN_DEBUG=1``.
"""

from __future__ import annotations

import errno
import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from critmin.errors import CritminError
from critmin.views.output import Format

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    help="critmin: critical-mineral supply-risk intelligence from open data.\n\n"
    "Start with 'critmin data fetch' and 'critmin data build', then 'critmin demo'. "
    "Minerals and countries are accepted as id, ISO3, English or Japanese name "
    "(e.g. 'レアアース', '日本').",
    no_args_is_help=True,
)
data_app = typer.Typer(
    help="Fetch the open-data bundle, build the DuckDB store and inspect it.",
    no_args_is_help=True,
)
app.add_typer(data_app, name="data")

EXIT_USER, EXIT_FAULT, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 2, 1, 130, 141
_state: dict[str, Any] = {"debug": False, "lang": None, "root_lang": None}


def _resolve_format(value: Format | None) -> Format:
    """The format asked for; without one, a table on a terminal and CSV when standard
    output is a pipe or a file (full precision for the program reading it)."""
    import sys

    if value is not None:
        return value
    return Format.table if sys.stdout.isatty() else Format.csv


FormatOpt = Annotated[Format | None, typer.Option(
    "--format", "-f", callback=_resolve_format, show_default=False, envvar="CRITMIN_FORMAT",
    help="table, csv or json (default: CRITMIN_FORMAT, else a table on a terminal and CSV "
    "when piped; CSV and JSON keep full precision).")]


def locale_lang() -> str:
    """The default language: ``CRITMIN_LANG`` if set, else ``ja`` when the locale
    (``LC_ALL``, ``LC_MESSAGES``, ``LANG``) is Japanese, else ``en``."""
    from critmin.catalog.langs import check_lang

    if os.environ.get("CRITMIN_LANG"):
        return check_lang(os.environ["CRITMIN_LANG"])
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(var):
            return "ja" if os.environ[var].lower().startswith("ja") else "en"
    return "en"


def _set_lang(value: str | None) -> str:
    from critmin.catalog.langs import check_lang

    try:
        lang = check_lang(value) if value else _state.get("root_lang") or locale_lang()
    except CritminError as exc:
        raise typer.BadParameter(str(exc)) from None
    _state["lang"] = lang
    return lang


def current_lang() -> str:
    """The language of this command (its ``--lang``, else :func:`locale_lang`)."""
    return _state["lang"] or locale_lang()


LangOpt = Annotated[str | None, typer.Option(
    "--lang", callback=_set_lang, show_default=False,
    help="Language of labels, names, reasons, headers and charts: ja or en (default: "
    "CRITMIN_LANG, else the locale).")]


def _version(value: bool) -> None:
    if value:
        from critmin import METHOD_VERSION, __version__

        typer.echo(f"critmin {__version__} (methods: {METHOD_VERSION})")
        raise typer.Exit()


@app.callback()
def _global_options(debug: Annotated[bool, typer.Option(
        "--debug", envvar="CRITMIN_DEBUG",
        help="Show the full traceback of a fault (also: CRITMIN_DEBUG=1).")] = False,
        version: Annotated[bool, typer.Option(
            "--version", callback=_version, is_eager=True,
            help="Print the version and exit.")] = False,
        lang: Annotated[str | None, typer.Option(
            "--lang", show_default=False,
            help="Language of every command's output and of --help: ja or en.")] = None
        ) -> None:
    _state["debug"] = debug
    _state["root_lang"] = None if lang is None else _set_lang(lang)


def debugging() -> bool:
    """Whether faults show their traceback (``--debug`` or ``CRITMIN_DEBUG=1``)."""
    return _state["debug"] or os.environ.get("CRITMIN_DEBUG", "") not in ("", "0")


def _lang_or_en() -> str:
    try:
        return current_lang()
    except CritminError:
        return "en"


def _err(message: str | BaseException) -> None:
    """One error line on stderr, in the command's language (an unknown name in Japanese
    too: :func:`critmin.views.errors.error_message`)."""
    from rich.console import Console
    from rich.markup import escape

    from critmin.views.errors import error_message, error_prefix

    lang = _lang_or_en()
    if isinstance(message, BaseException):
        message = error_message(message, lang)
    Console(stderr=True).print(f"[bold red]{error_prefix(lang)}[/]{escape(message)}",
                               highlight=False, soft_wrap=True)


def user_errors(func: F) -> F:
    """Turn errors into one message and an exit status: 2 for a user error
    (:class:`CritminError`, an invalid request), 130 for Ctrl-C, 1 for a fault (I/O,
    store, bug; see :func:`fault_message`). ``--debug`` re-raises faults."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except CritminError as exc:
            _err(exc)
            raise typer.Exit(EXIT_USER) from None
        except KeyboardInterrupt:
            if debugging():
                raise
            from critmin.views.i18n import text

            _err(text("fault_interrupted", _lang_or_en()))
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            _quiet_stdout()
            raise typer.Exit(EXIT_BROKEN_PIPE) from None
        except Exception as exc:
            if _is_click(exc) or debugging():
                raise
            user = _is_validation(exc)
            lang = _lang_or_en()
            _err(validation_message(exc, lang) if user else fault_message(exc, lang))
            raise typer.Exit(EXIT_USER if user else EXIT_FAULT) from None

    return wrapper  # type: ignore[return-value]


def _quiet_stdout() -> None:
    """After the reader of a pipe went away (``critmin … | head``): point standard output
    at /dev/null so the interpreter's final flush does not fail again."""
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _is_click(exc: BaseException) -> bool:
    import click

    return isinstance(exc, click.ClickException)


def _is_validation(exc: BaseException) -> bool:
    from pydantic import ValidationError

    return isinstance(exc, ValidationError)


def validation_message(exc: Any, lang: str = "en") -> str:
    """One line for an invalid request: each field and what is wrong with it
    (:func:`critmin.views.errors.validation_text`)."""
    from critmin.views.errors import validation_text

    return validation_text(exc.errors(), lang)


_OS_TEXT = {errno.ENOSPC: "no_space", errno.EDQUOT: "quota", errno.EACCES: "denied",
            errno.EPERM: "not_permitted", errno.EROFS: "read_only_fs",
            errno.ENOENT: "no_such_path", errno.ENOTDIR: "file_not_folder",
            errno.EEXIST: "file_not_folder"}
"""The OS errors named in words (``fault_os_<key>`` of ``strings_errors.csv``)."""
_WRITING = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.ENOTDIR, errno.EEXIST)
_NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EEXIST)


def fault_message(exc: BaseException, lang: str = "en") -> str:
    """One line for a fault in ``lang``: what failed, on which path, and what to do."""
    from critmin.views.i18n import text

    hint = text("fault_debug", lang)
    if isinstance(exc, OSError):
        return _os_message(exc, lang) + hint
    if type(exc).__module__.split(".")[0] in ("duckdb", "_duckdb"):
        return store_fault(str(exc), lang) + hint
    if isinstance(exc, MemoryError):
        return text("fault_memory", lang) + hint
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text("fault_internal", lang).format(kind=type(exc).__name__, first=first)


def _os_message(exc: OSError, lang: str) -> str:
    from critmin.views.i18n import text

    where = exc.filename or ""
    key = _OS_TEXT.get(exc.errno or 0)
    what = text(f"fault_os_{key}", lang) if key else (exc.strerror or str(exc))
    verb = "fault_cannot_write" if exc.errno in _WRITING else "fault_cannot_open"
    said = (text(verb, lang).format(path=where, what=what) if where
            else text("fault_io", lang).format(what=what))
    home = _home_of(where)
    if home is not None and exc.errno in _NOT_WRITABLE:
        return text("fault_home_read_only", lang).format(home=home, said=said)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return text("fault_free_space", lang).format(said=said)
    return said


def _home_of(where: str) -> Path | None:
    """The data folder when ``where`` lies in it, else None."""
    from critmin.config import home

    if not where:
        return None
    folder = home().resolve()
    path = Path(where).resolve()
    return folder if path == folder or folder in path.parents else None


def store_fault(error: str, lang: str = "en") -> str:
    """The message for a DuckDB error, by its cause: the store busy, the folder
    read-only, the disk full, else the error itself."""
    from critmin.views.i18n import text

    low = error.lower()
    first = error.strip().splitlines()[0] if error.strip() else error
    key = ("busy" if "lock" in low else
           "read_only" if "read-only" in low or "permission denied" in low else
           "full" if "no space left" in low else "other")
    return text(f"fault_store_{key}", lang).format(first=first)


def open_store(read_only: bool = True) -> Any:
    from critmin.config import store_path
    from critmin.store.io import connect

    return connect(store_path(), read_only=read_only)
