"""The signals page: the importer's early-warning watch list grouped by tier, with the
response protocol of each signal, and the backtest on documented episodes with the
false-alarm rates (``critmin signals``, ``critmin signals backtest``; docs/signals.md).

Twins: ``critmin signals -i IMPORTER`` (default), ``critmin signals backtest``
(``part=backtest``), the false-alarm rates (``part=false_alarms``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import Response

from critmin.views.i18n import text
from critmin.views.web.pages_common import (
    Params,
    answer,
    command_part,
    download_links,
    render,
    table_view,
    twin,
)

router = APIRouter()
TIERS = ("immediate", "medium_term", "watch")
WATCH_COLUMNS = ["date", "commodity_id", "rule", "partner", "value", "tier_threshold",
                 "explanation", "responder", "response", "respond_within_days", "published_on"]
EPISODE_COLUMNS = ["name", "commodity_id", "date", "fired", "first_signal", "lead_months",
                   "tier", "first_immediate", "lead_months_immediate"]


def signal_parts(request: Request, lang: str) -> dict[str, Any]:
    """``signals`` (default), ``signals backtest`` and its false-alarm rates."""
    from critmin.service.signals import BacktestRequest, SignalsRequest

    p = Params(request.query_params)
    watch = SignalsRequest(importer=p.text("importer", "JPN"), year=p.text("year"),
                           lang=lang)
    backtest = BacktestRequest(importer=p.text("importer", "JPN"), lang=lang)
    return {"watch": lambda: command_part(request, "signals", watch, "signals"),
            "backtest": lambda: command_part(request, "signals backtest", backtest,
                                             "signals_backtest"),
            "false_alarms": lambda: command_part(
                request, "signals backtest", backtest, "false_alarms",
                lambda r: pd.DataFrame(r.model_dump()["false_alarms"]))}


def rule_name(rule: str, lang: str) -> str:
    """A signal rule by its name (``signal_rule_<rule>``)."""
    return text(f"signal_rule_{rule}", lang)


def signal_tables(request: Request, lang: str) -> dict[str, Any]:
    """One table per tier (with its downloads), the backtest and the false alarms."""
    parts = signal_parts(request, lang)
    watch = parts["watch"]()
    frame = watch.rows()
    tiers = []
    for tier in TIERS:
        rows = frame[frame["tier"] == tier]
        view = table_view(rows, lang, f"signals-{tier}", columns=WATCH_COLUMNS,
                          heads={"published_on": text("web_signal_published", lang),
                                 "commodity_id": text("commodity", lang)},
                          shown={"rule": lambda r: rule_name(r, lang)})
        tiers.append({"tier": tier, "name": text(f"signal_tier_{tier}", lang),
                      "count": len(rows), "table": view})
    tiers[-1]["table"].downloads = download_links(request, lang, "signals", "watch")
    episodes = table_view(parts["backtest"]().rows(), lang, "episodes-table",
                          columns=EPISODE_COLUMNS,
                          heads={"commodity_id": text("commodity", lang)},
                          shown={"tier": lambda x: text(f"signal_tier_{x}", lang)})
    episodes.downloads = download_links(request, lang, "signals", "backtest")
    alarms = table_view(parts["false_alarms"]().rows(), lang, "false-alarms-table",
                        heads={"alarmed": text("alarmed_years", lang),
                               "rate": text("false_alarm_rate", lang)},
                        shown={"tier": lambda x: text(f"signal_tier_{x}", lang),
                               "rule": lambda r: rule_name(r, lang) if r != "all"
                               else text("signal_all_rules", lang)})
    alarms.downloads = download_links(request, lang, "signals", "false_alarms")
    return {"watch": watch.response, "tiers": tiers, "episodes": episodes,
            "false_alarms": alarms, "later": later_note(watch.response, lang)}


def later_note(response: Any, lang: str) -> dict[str, str] | None:
    """The signals of the years after the default year: their counts and a link."""
    from critmin.views.signal_notes import later_summary

    later = later_summary(response, lang)
    if later is None:
        return None
    n, span, detail = later
    query = urlencode({"importer": response.importer, "year": span.replace("–", "-")})
    return {"text": text("web_signals_later", lang).format(n=n, years=span, detail=detail),
            "href": f"/{lang}/signals?{query}"}


@router.get("/{lang}/signals.{fmt}")
def signals_twin(request: Request, lang: str, fmt: str) -> Response:
    """``critmin signals`` (default), ``signals backtest``, its false-alarm rates."""
    return twin(request, lang, fmt, signal_parts(request, lang))


@router.get("/{lang}/signals")
def signals_page(request: Request, lang: str) -> Response:
    """The early-warning watch list and the backtest."""
    return answer(request, lang, "signals", lambda: render(
        request, "signals.html", lang, "signals", title=text("web_title_signals", lang),
        plots=False, **signal_tables(request, lang)))
