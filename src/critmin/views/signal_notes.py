"""Notes on a watch list that the CLI and the web page both state."""

from __future__ import annotations

from typing import Any

from critmin.views.i18n import join_words, text
from critmin.views.tables import year_span


def later_summary(response: Any, lang: str) -> tuple[int, str, str] | None:
    """The signals of the years after the default year (``signals`` with no ``--year``):
    (how many, their years ``2025–2026``, the count per tier in words); None if none."""
    n = sum(response.later_counts.values())
    if not response.later_years or not n:
        return None
    years = response.later_years
    detail = join_words((f"{text(f'signal_tier_{t}', lang)} {k}"
                         for t, k in response.later_counts.items() if k), lang)
    return n, year_span(years[0], years[-1]), detail
