"""``critmin shock``, ``critmin scenario list|run`` and ``critmin uncertainty``: parse the
options into a request of :mod:`critmin.service.shocks`, call it, render the response
(plus charts when asked)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from critmin.views.app import FormatOpt, LangOpt, app, open_store, user_errors
from critmin.views.output import Format, emit, records_of, render

scenario_app = typer.Typer(help="Export-control and geopolitical scenarios (YAML files; "
                           "a library ships with the 2023–2025 cases).", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")

TABLE_COLUMNS = ["importer", "commodity", "stage", "imports_t", "direct_loss_t",
                 "resourced_t", "shortfall_t", "shortfall_share"]
"""What the terminal table of ``shock`` / ``scenario run`` shows (CSV and JSON: every
column of :data:`critmin.service.shocks.IMPACT_COLUMNS` at full precision)."""
DETAIL_COLUMNS = ["direct_loss_share", "consumption_share", "second_order_loss_t",
                  "import_hhi_before", "import_hhi_after", "import_governance_before",
                  "import_governance_after"]
"""The rest, shown with ``--full`` as one details table per importer."""
MC_COLUMNS = ["importer", "commodity", "stage", "shortfall_t", "shortfall_q05",
              "shortfall_q50", "shortfall_q95"]
MC_PARTS = {"direct": "chart_direct_loss", "resourced": "chart_resourced",
            "shortfall": "chart_shortfall"}
"""The quantities an uncertainty run draws, with the string key of their name."""
ImporterOpt = Annotated[list[str] | None, typer.Option(
    "--importer", "-i", help="Importer (ISO3, name or group such as EU27); repeatable. "
    "Default: every importer that loses supply.")]
YearOpt = Annotated[int | None, typer.Option(
    "--year", help="Trade year (default: the latest year with both trade and "
    "production, as every command).")]
RedirectOpt = Annotated[float | None, typer.Option(
    help="ω: share of their shipments to importers that lost nothing which exporters "
    "outside the cut may redirect (default 0.2).")]
SpareOpt = Annotated[float | None, typer.Option(
    help="κ: spare capacity of exporters outside the cut, as a share of their "
    "production (default 0).")]
FullOpt = Annotated[bool, typer.Option(help="Table: also a details table per importer "
                                            "(loss shares, second-order loss, import HHI "
                                            "and governance before/after).")]
ChartOpt = Annotated[Path | None, typer.Option(help="Shortfall chart (.html/.png/.svg).")]
McFullOpt = Annotated[bool, typer.Option(
    "--full", help="With --scenario, table: also direct loss and re-sourced supply with "
    "their quantiles.")]


def _lines(lines: list[str]) -> None:
    """Print lines of text under a table (wrapped to the terminal; no markup)."""
    from rich.console import Console

    from critmin.views.output import say

    console = Console()
    for line in lines:
        say(line, console)


def _table(frame: Any, columns: list[str], title: str) -> None:
    """``columns`` of ``frame`` as a table for people (emit: the current language,
    significant figures, fitted to the terminal)."""
    emit(records_of(frame[columns]), Format.table, columns, title=title)


def _without_empty_stages(frame: Any) -> Any:
    """The rows to show: a commodity stage with no figures for any importer (no trade in
    its codes, say) is left out — the reason is stated once under the table — unless
    nothing else would be left."""
    empty = frame.groupby(["commodity", "stage"])["missing"].transform(
        lambda m: bool((m != "").all()))
    return frame[~empty] if (~empty).any() else frame


def _details(frame: Any, lang: str) -> None:
    """With ``--full``: per importer, the columns the main table leaves out, one line
    per commodity stage and figure (so it fits any width)."""
    import pandas as pd

    from critmin.views.i18n import text

    columns = ["commodity", "stage", "shock_detail", "shock_detail_value"]
    for importer, part in frame[frame["missing"] == ""].groupby("importer", sort=False):
        long = pd.DataFrame(
            [(r["commodity"], r["stage"], text(c, lang), r[c])
             for r in part.to_dict("records") for c in DETAIL_COLUMNS], columns=columns)
        _table(long, columns, text("shock_details_title", lang).format(importer=importer))


def _impacts_out(response: Any, fmt: Format, full: bool, chart: Path | None,
                 lang: str) -> None:
    """Print a shock/scenario response — a table with the assumptions and caveats under
    it, or CSV/JSON (every column, full precision; JSON with the assumptions) — and
    write its shortfall chart."""
    from critmin.views import shock_text

    if fmt is not Format.table:
        render(response, fmt)
    else:
        a, frame = response.assumptions, response.frame
        _table(_without_empty_stages(frame), TABLE_COLUMNS,
               shock_text.title(a, response.command, lang))
        _lines(shock_text.missing_lines(list(frame["missing"]), lang)
               + shock_text.second_order_lines(list(frame["second_order_missing"]), lang)
               + shock_text.assumption_lines(a, lang))
        if full:
            _details(frame, lang)
    if chart is not None:
        from critmin.views.charts import shortfall_figure, write_figure

        impacts = response.frame.rename(columns={"commodity": "commodity_id"})
        fig = shortfall_figure(impacts, response.assumptions, lang,
                               command=response.command)
        typer.echo(f"chart: {write_figure(fig, chart)}", err=True)


def _radar_out(request: Any, con: Any, folder: Path, lang: str, assumptions: Any) -> None:
    """Before/after radars of the six indicators (import window: the shock year)."""
    from critmin.service.shocks import shock_radar
    from critmin.views.charts import radar_figure, write_figure
    from critmin.views.shock_text import scenario_name

    before, after, names, commodities, _ = shock_radar(request, con)
    suffix = " · " + scenario_name(assumptions, "shock", lang)
    for name in names:
        for cid in commodities:
            fig = radar_figure(before, name, cid, lang, after=after, title_suffix=suffix,
                               trace_keys=("shock_before", "shock_after"))
            path = write_figure(fig, folder / f"shock_radar_{name}_{cid}_{lang}.html")
            typer.echo(f"radar: {path}", err=True)


@app.command("shock")
@user_errors
def shock_cmd(
    exporter: Annotated[str, typer.Option(help="Restricting exporter (ISO3, name or group).")],
    commodity: Annotated[str, typer.Option("--commodity", "-c", help="Commodity.")],
    cut: Annotated[float, typer.Option(help="Share of exports withheld (0–1); a licence "
                                            "regime with approval rate a is 1 − a.")],
    stage: Annotated[list[str] | None, typer.Option(
        help="mining and/or refining (default both).")] = None,
    importer: ImporterOpt = None, year: YearOpt = None,
    target: Annotated[list[str] | None, typer.Option(
        help="Only these importers are restricted (default: all).")] = None,
    redirect_share: RedirectOpt = None, spare_capacity: SpareOpt = None,
    full: FullOpt = False, chart: ChartOpt = None,
    radar: Annotated[Path | None, typer.Option(
        help="Folder for before/after radars of the six indicators (one --importer).")
    ] = None,
    lang: LangOpt = None, fmt: FormatOpt = None,
) -> None:
    """What happens if EXPORTER restricts exports of a commodity: direct loss, re-sourcing
    from other exporters (HiGHS LP, shared max–min among importers that lost supply),
    residual shortfall, second-order loss through refiners, post-shock import HHI and
    governance. Example: critmin shock --exporter CHN --commodity graphite --cut 0.75 -i JPN
    """
    from critmin.service.shocks import ShockRequest, shock

    request = ShockRequest(exporter=exporter, commodity=commodity, cut=cut, stages=stage,
                           importers=importer, year=year, targets=target,
                           redirect_share=redirect_share, spare_capacity=spare_capacity)
    with open_store() as con:
        response = shock(request, con)
        if radar is not None:
            _radar_out(request, con, radar, lang, response.assumptions)
    _impacts_out(response, fmt, full, chart, lang)


@scenario_app.command("list")
@user_errors
def scenario_list(lang: LangOpt = None, fmt: FormatOpt = None) -> None:
    """The shipped scenarios with their date and source (names in the --lang language;
    CSV and JSON: English and Japanese names, source, blocs)."""
    from critmin.service.shocks import ScenarioListRequest
    from critmin.service.shocks import scenario_list as list_scenarios
    from critmin.views.i18n import text

    response = list_scenarios(ScenarioListRequest())
    if fmt is not Format.table:
        render(response, fmt)
        return
    frame = response.frame
    if lang == "ja":
        frame = frame.assign(name=frame["name_ja"].where(frame["name_ja"] != "",
                                                         frame["name"]))
    _table(frame, ["id", "date", "name", "shocks"], text("shock_list_title", lang))


@scenario_app.command("run")
@user_errors
def scenario_run(
    scenario: Annotated[str, typer.Argument(help="A library id (see 'critmin scenario "
                                                 "list') or a YAML file.")],
    importer: ImporterOpt = None, year: YearOpt = None, full: FullOpt = False,
    chart: ChartOpt = None, lang: LangOpt = None, fmt: FormatOpt = None,
) -> None:
    """Run a scenario file: every shock, bloc cut and demand change at once. Example:
    critmin scenario run cn_graphite_2023 -i JPN -i EU27 -f json
    """
    from critmin.service.shocks import ScenarioRunRequest
    from critmin.service.shocks import scenario_run as run

    with open_store() as con:
        response = run(ScenarioRunRequest(scenario=scenario, importers=importer, year=year),
                       con)
    _impacts_out(response, fmt, full, chart, lang)


def _bands_chart(response: Any, con: Any, chart: Path, lang: str) -> None:
    """The scenario's shortfall chart with the Monte Carlo 5–95 % bands."""
    from critmin.service.shocks import ScenarioRunRequest, scenario_run
    from critmin.views.charts import shortfall_figure, write_figure

    request = response.request
    impacts = scenario_run(ScenarioRunRequest(
        scenario=request["scenario"], importers=[request["importer"]], year=response.year),
        con).frame.rename(columns={"commodity": "commodity_id"})
    bands = response.frame.rename(columns={"shortfall_q05": "q05", "shortfall_q50": "q50",
                                           "shortfall_q95": "q95"})[
        ["importer", "commodity_id", "stage", "q05", "q50", "q95"]]
    fig = shortfall_figure(impacts, response.assumptions, lang, bands=bands,
                           draws=response.draws)
    typer.echo(f"chart: {write_figure(fig, chart)}", err=True)


def _indicator(ident: str, lang: str) -> str:
    """An uncertainty indicator's name: an axis of the six, else an interface string."""
    from critmin.views.i18n import label, text

    try:
        return label("axis", ident, lang)
    except KeyError:
        try:
            return text(ident, lang)
        except KeyError:
            return ident


def _mc_details(frame: Any, importer: str, lang: str) -> None:
    """With ``--full``: direct loss, re-sourced supply and shortfall with their
    quantiles, one line each per commodity stage."""
    import pandas as pd

    from critmin.views.i18n import text

    columns = ["commodity", "stage", "shock_detail", "shock_detail_value", "q05", "q50",
               "q95"]
    rows = [(r["commodity"], r["stage"], text(MC_PARTS[part], lang), r[f"{part}_t"],
             r[f"{part}_q05"], r[f"{part}_q50"], r[f"{part}_q95"])
            for r in frame[frame["missing"] == ""].to_dict("records") for part in MC_PARTS]
    _table(pd.DataFrame(rows, columns=columns), columns,
           text("shock_details_title", lang).format(importer=importer))


def _uncertainty_out(response: Any, fmt: Format, full: bool, lang: str) -> None:
    """Print an uncertainty response: CSV/JSON in full; a table of the quantiles with,
    for a scenario, its assumptions, Monte Carlo ranges and caveats under it."""
    from critmin.views import shock_text
    from critmin.views.i18n import text

    if fmt is not Format.table:
        render(response, fmt)
        return
    frame = response.frame.rename(columns={"commodity_id": "commodity"})
    scenario = response.mode == "scenario"
    what = shock_text.scenario_name(response.assumptions, response.command, lang) \
        if scenario else response.importer
    key = "shock_uncertainty_title" if scenario else "shock_uncertainty_indicators_title"
    title = text(key, lang).format(what=what, year=response.year, draws=response.draws,
                                   seed=response.seed)
    if not scenario:
        frame = frame.assign(indicator=[_indicator(v, lang) for v in frame["indicator"]])
        stage = ["stage"] if (frame["stage"].fillna("") != "").any() else []
        _table(frame, ["commodity", *stage, "indicator", "value", "q05", "q50", "q95",
                       "missing"], title)
        return
    _table(frame, MC_COLUMNS, title)
    _lines(shock_text.missing_lines(list(frame["missing"]), lang)
           + shock_text.assumption_lines(response.assumptions, lang, monte_carlo=True))
    if full:
        _mc_details(frame, response.importer, lang)


@app.command("uncertainty")
@user_errors
def uncertainty_cmd(
    importer: Annotated[str, typer.Option("--importer", "-i", help="The importer.")] = "JPN",
    draws: Annotated[int, typer.Option(help="Monte Carlo draws.")] = 10_000,
    seed: Annotated[int | None, typer.Option(help="Root seed (recorded in the output).")
                    ] = None,
    year: YearOpt = None,
    scenario: Annotated[str | None, typer.Option(
        help="A scenario (library id or YAML): uncertainty of its shortfall instead of "
        "the indicators.")] = None,
    workers: Annotated[int, typer.Option(help="Dask worker processes (1: this process).")] = 2,
    scheduler: Annotated[str | None, typer.Option(
        help="Address of a running Dask scheduler (e.g. tcp://10.0.0.5:8786) instead of a "
        "local cluster.")] = None,
    chunk: Annotated[int, typer.Option(help="Draws per task (fixes the seeds; results do "
                                            "not depend on the number of workers).")] = 500,
    chart: Annotated[Path | None, typer.Option(
        help="With --scenario: shortfall chart with 5–95 % bands (.html/.png/.svg).")] = None,
    max_memory: Annotated[int, typer.Option(
        help="Refuse a run whose estimated peak memory (main process and local workers) "
        "exceeds this many MiB.")] = 1024,
    full: McFullOpt = False, lang: LangOpt = None, fmt: FormatOpt = None,
) -> None:
    """Monte Carlo over WGI (published standard errors), production and reserves
    (lognormal), shock cuts and re-sourcing (the scenario's ω and κ): 5/50/95 % quantiles
    of the six indicators and GeoPolRisk (or, with --scenario, of the shortfall; its
    centre is the 'scenario run' result), and the probability that each commodity's type
    or GeoPolRisk rank changes. Runs on Dask. Example:
    critmin uncertainty -i JPN --draws 10000 --seed 1

    Up to 20,000 draws the quantiles are exact; beyond, each Dask task returns a
    fixed-size histogram summary, so memory does not grow with the draws. A progress bar
    with the time left is shown on stderr when it is a terminal; Ctrl-C stops the Dask
    cluster and exits 130.
    """
    from critmin.service.shocks import UncertaintyRequest

    request = UncertaintyRequest(importer=importer, draws=draws, seed=seed, year=year,
                                 scenario=scenario, workers=workers, scheduler=scheduler,
                                 chunk=chunk, max_memory_mb=max_memory)
    _uncertainty_out(_uncertainty_run(request, chart, lang), fmt, full, lang)


def _uncertainty_run(request: Any, chart: Path | None, lang: str) -> Any:
    """The uncertainty response, with a progress bar over the draws on stderr (only
    when stderr is a terminal; never on stdout), and the scenario's shortfall chart with
    bands when asked."""
    from critmin.service.shocks import uncertainty

    with open_store() as con, _draws_bar(request.draws) as advance:
        response = uncertainty(request, con, progress=advance)
        if chart is not None and request.scenario is not None:
            _bands_chart(response, con, chart, lang)
    return response


@contextmanager
def _draws_bar(draws: int) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar of the draws done, with the time left, on stderr."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    with Progress(TextColumn("Monte Carlo"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("draws ·"), TimeElapsedColumn(), TextColumn("· left"),
                  TimeRemainingColumn(), console=console, transient=True,
                  disable=not console.is_terminal) as bar:
        task = bar.add_task("draws", total=draws)
        yield lambda done: bar.update(task, completed=done)
