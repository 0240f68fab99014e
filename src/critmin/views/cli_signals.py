"""``critmin signals`` (the watch list of an importer's early-warning signals by tier)
and ``critmin signals backtest`` (the rules over history as if in real time, scored on
documented episodes): options → request (:mod:`critmin.service.signals`) → response →
output."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from critmin.views.app import FormatOpt, LangOpt, app, open_store, user_errors
from critmin.views.i18n import label, text
from critmin.views.output import Format, emit, records_of, render, say
from critmin.views.tables import year_span

signals_app = typer.Typer(
    help="Early-warning signals: a watch list by tier (immediate, medium-term, watch) with "
    "response protocols, and a backtest on documented episodes. Without a sub-command: "
    "the watch list.", invoke_without_command=True)
app.add_typer(signals_app, name="signals")

TIERS = ("immediate", "medium_term", "watch")
WATCH_COLUMNS = ["date", "mineral", "rule", "periods", "explanation"]
EPISODE_COLUMNS = ["name", "mineral", "date", "fired", "first_signal", "lead_months", "rule",
                   "tier", "first_immediate", "lead_months_immediate"]
ALARM_COLUMNS = ["tier", "commodity_years", "alarmed_years", "false_alarm_rate",
                 "window_chance"]


class TierName(StrEnum):
    """Signal tiers."""

    immediate = "immediate"
    medium_term = "medium_term"
    watch = "watch"


ImporterOpt = Annotated[str, typer.Option(
    "--importer", "-i", help="Importer: ISO3, English or Japanese name, or group (EU27).")]


@signals_app.callback()
@user_errors
def signals_cmd(
    ctx: typer.Context, importer: ImporterOpt = "JPN",
    year: Annotated[str | None, typer.Option(
        help="Year(s) the signals refer to: YYYY, YYYY-YYYY, YYYY,YYYY or all (default: "
        "the default year).")] = None,
    tier: Annotated[list[TierName] | None, typer.Option(
        help="Show only this tier (repeatable).")] = None,
    mineral: Annotated[list[str] | None, typer.Option(
        "--mineral", "-m", help="Mineral (id, name or Japanese name); repeatable.")] = None,
    register: Annotated[Path | None, typer.Option(
        help="A register (CSV or YAML) of signals entered by people: date, commodity, "
        "country, source, tier, text.")] = None,
    all_periods: Annotated[bool, typer.Option(
        "--all-periods", help="Every period with a signal, not only the latest of each "
        "rule and series.")] = False,
    lang: LangOpt = None, fmt: FormatOpt = None,
) -> None:
    """The importer's early-warning signals of the year, grouped by tier, each with the
    numbers behind it and the response protocol (who acts, what, within how many days).
    Example: critmin signals -i JPN --year 2025 --tier immediate
    """
    if ctx.invoked_subcommand is not None:
        return
    from critmin.service.signals import SignalsRequest, signals

    request = SignalsRequest(
        importer=importer, year=year, tiers=[t.value for t in tier] if tier else None,
        commodities=mineral or None, register_file=None if register is None else str(register),
        lang=lang, all_periods=all_periods)
    with open_store() as con:
        response = signals(request, con)
    if fmt is not Format.table:
        render(response, fmt)
        return
    _watch_list(records_of(response.frame), response, lang)
    _later(response, lang)


def _later(response: Any, lang: str) -> None:
    """A line on the signals of the years after the default year, if any."""
    from rich.console import Console

    from critmin.views.signal_notes import later_summary

    later = later_summary(response, lang)
    if later is not None:
        n, span, detail = later
        say(text("signal_later", lang).format(n=n, years=span, detail=detail,
                                              arg=span.replace("–", "-")), Console())


def _watch_list(rows: list[dict[str, Any]], response: Any, lang: str) -> None:
    """One table per tier (strongest first), its response protocols under it."""
    years = response.years
    span = text("signal_all_years", lang) if years is None else year_span(years[0], years[-1])
    if not rows:
        typer.echo(text("signal_none", lang).format(
            importer=_country(response.importer, lang), years=span))
        return
    for tier in TIERS:
        mine = [r for r in rows if r["tier"] == tier]
        if not mine:
            continue
        title = text("signal_watch_title", lang).format(
            tier=text(f"signal_tier_{tier}", lang), importer=_country(response.importer, lang),
            years=span, n=len(mine))
        emit([_watch_row(r, lang) for r in mine], Format.table, WATCH_COLUMNS, title=title,
             note=_protocols(mine, lang))


def _country(importer: str, lang: str) -> str:
    """An importer's name in ``lang`` (a group keeps its id)."""
    from critmin.catalog.countries import country_table

    t = country_table()
    hit = t.loc[t["iso3"] == importer, f"name_{lang}"]
    return str(hit.iloc[0]) if len(hit) else importer


def _watch_row(r: dict[str, Any], lang: str) -> dict[str, Any]:
    return {"date": r["date"], "mineral": r["commodity_id"],
            "rule": text(f"signal_rule_{r['rule']}", lang), "periods": r["periods"],
            "explanation": r["explanation"]}


def _protocols(rows: list[dict[str, Any]], lang: str) -> str:
    """The response protocol of each type among ``rows`` (one line each)."""
    seen: dict[str, dict[str, Any]] = {}
    for r in rows:
        seen.setdefault(r["type"], r)
    return "\n".join(text("signal_protocol_line", lang).format(
        type=label("type", t, lang), who=r["responder"], days=r["respond_within_days"],
        action=r["response"]) for t, r in seen.items())


@signals_app.command("backtest")
@user_errors
def backtest_cmd(
    importer: ImporterOpt = "JPN",
    episode: Annotated[list[str] | None, typer.Option(
        help="Episode id (repeatable; default: all): the backtest then runs on their "
        "commodities only.")] = None,
    start: Annotated[int, typer.Option("--from", help="First year of the backtest.")] = 2000,
    end: Annotated[int | None, typer.Option(
        "--to", help="Last year (default: the latest data).")] = None,
    chart: Annotated[Path | None, typer.Option(
        help="Folder for a chart of each episode: its signals on its price or unit-value "
        "series.")] = None,
    chart_format: Annotated[str, typer.Option(help="html, png or svg.")] = "html",
    lang: LangOpt = None, fmt: FormatOpt = None,
) -> None:
    """The data rules run over history as if in real time (each date sees only the data
    published by then), for the documented episodes: fired or not, when the first signal
    was seen and the lead in months; and the false-alarm rate over the commodity-years
    without an episode. Example: critmin signals backtest -f json
    """
    from critmin.service.signals import BacktestRequest, backtest

    request = BacktestRequest(importer=importer, episodes=episode or None, start=start,
                              end=end, lang=lang)
    with open_store() as con:
        response = backtest(request, con)
    if chart is not None:
        _charts(response, chart, chart_format, lang)
    if fmt is not Format.table:
        render(response, fmt)
        return
    _backtest_tables(response, lang)


def _charts(response: Any, folder: Path, chart_format: str, lang: str) -> None:
    from critmin.views.charts import write_figure
    from critmin.views.signal_charts import episode_figure

    names = dict(zip(response.frame["episode"], response.frame["name"], strict=True))
    for s in response.series:
        path = folder / f"signals_{s.episode}_{s.commodity_id}_{lang}.{chart_format}"
        write_figure(episode_figure(s.model_dump(), names[s.episode], lang), path)
        typer.echo(f"chart: {path}", err=True)


def _backtest_tables(response: Any, lang: str) -> None:
    rows = [{**r, "mineral": r["commodity_id"],
             "rule": text(f"signal_rule_{r['rule']}", lang) if r["rule"] else None,
             "tier": text(f"signal_tier_{r['tier']}", lang) if r["tier"] else None}
            for r in records_of(response.frame)]
    emit(rows, Format.table, EPISODE_COLUMNS, title=text("signal_backtest_title", lang).format(
        importer=_country(response.importer, lang), start=response.start[:4],
        end=response.end[:4]),
        note=text("signal_backtest_note", lang).format(
            lead=response.lead_window_months, lag=response.lag_window_months))
    alarms = [{"tier": text(f"signal_tier_{a.tier}", lang),
               "commodity_years": a.commodity_years, "alarmed_years": a.alarmed,
               "false_alarm_rate": a.rate, "window_chance": a.window_chance}
              for a in response.false_alarms if a.rule == "all"]
    emit(alarms, Format.table, ALARM_COLUMNS, title=text("signal_false_alarm_title", lang),
         note=text("signal_thresholds_note", lang))
