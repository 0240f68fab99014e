"""The ``critmin`` command line (Typer + Rich). Thin: every number comes from the
library functions; heavy libraries are imported inside the commands that need them."""

from __future__ import annotations

import inspect
from typing import Any

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


def _one_paragraph_summaries(group: Any) -> None:
    """Each command's summary in its group's command list as one paragraph (the first of
    its help, line breaks as spaces), for the commands of ``group`` (a Typer) and its
    sub-groups. Typer 0.29 keeps a docstring's line breaks in that list in rich mode
    (fastapi/typer#1844, the guard of ``_make_command_help`` is inverted), so at 80
    columns every source line of the docstring started a new row."""
    for info in group.registered_commands:
        if info.short_help is None:
            text = info.help or inspect.getdoc(info.callback) or ""
            info.short_help = " ".join(text.split("\n\n")[0].split())
    for sub in group.registered_groups:
        _one_paragraph_summaries(sub.typer_instance)


_one_paragraph_summaries(app)


def main() -> None:
    """Console entry point (help in Japanese when the language is: :mod:`help_ja`)."""
    from critmin.views.help_ja import main as run

    run()
