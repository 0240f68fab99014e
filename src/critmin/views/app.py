"""The Typer application, shared options and error handling of the ``critmin`` CLI."""

from __future__ import annotations

import functools
from collections.abc import Callable
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
    add_completion=False,
)
data_app = typer.Typer(
    help="Fetch the open-data bundle, build the DuckDB store and inspect it.",
    no_args_is_help=True,
)
app.add_typer(data_app, name="data")

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def _err(message: str) -> None:
    from rich.console import Console

    Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False)


def user_errors(func: F) -> F:
    """Turn :class:`CritminError` into a one-line message and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CritminError as exc:
            _err(str(exc))
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def open_store(read_only: bool = True) -> Any:
    from critmin.config import store_path
    from critmin.store.io import connect

    return connect(store_path(), read_only=read_only)
