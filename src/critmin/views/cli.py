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


def reflowed(doc: str) -> str:
    """A docstring's paragraphs each on one line (a ``\\b`` block as written), so that
    Rich wraps them to the terminal: Typer 0.29 keeps a help text's line breaks in rich
    mode, so at 80 columns each source line ended a row, half empty."""
    paragraphs = doc.strip().split("\n\n")
    return "\n\n".join(p if p.startswith("\b") else " ".join(p.split()) for p in paragraphs)


def _reflow_help(group: Any) -> None:
    """Each command's help (:func:`reflowed`) and its summary in its group's command list
    (the first paragraph; the list kept the line breaks too, fastapi/typer#1844: the
    guard of ``_make_command_help`` is inverted), for the commands of ``group`` (a
    Typer) and its sub-groups, and the groups' own help."""
    for info in group.registered_commands:
        text = info.help or inspect.getdoc(info.callback) or ""
        info.help = reflowed(text)
        if info.short_help is None:
            info.short_help = info.help.split("\n\n")[0]
    for sub in group.registered_groups:
        if sub.typer_instance.info.help:
            sub.typer_instance.info.help = reflowed(sub.typer_instance.info.help)
        _reflow_help(sub.typer_instance)


_reflow_help(app)


def main() -> None:
    """Console entry point (help in Japanese when the language is: :mod:`help_ja`)."""
    from critmin.views.help_ja import main as run

    run()
