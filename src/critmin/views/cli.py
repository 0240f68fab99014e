"""The ``critmin`` command line (Typer + Rich). Thin: every number comes from the
library functions; heavy libraries are imported inside the commands that need them."""

from __future__ import annotations

from critmin.views import (  # noqa: F401 (registration)
    cli_assess,
    cli_catalog,
    cli_data,
    cli_demand,
    cli_economics,
    cli_exposure,
    cli_indicators,
    cli_serve,
    cli_shocks,
    cli_signals,
    cli_validate,
)
from critmin.views.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Console entry point (help in Japanese when the language is: :mod:`help_ja`)."""
    from critmin.views.help_ja import main as run

    run()
