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

SHOCK_COLUMNS = ["importer", "commodity", "stage", "year", "imports_t", "direct_loss_t",
                 "direct_loss_share", "resourced_t", "shortfall_t", "shortfall_share"]
TABLE_DECIMALS = 6
ImporterOpt = Annotated[list[str] | None, typer.Option(
    "--importer", "-i", help="Importer (ISO3, name or group such as EU27); repeatable. "
    "Default: every importer that loses supply.")]
YearOpt = Annotated[int | None, typer.Option(
    "--year", help="Trade year (default: the latest with trade data).")]
RedirectOpt = Annotated[float | None, typer.Option(
    help="Share of other exporters' shipments that can be redirected (ω, default 0.2).")]
SpareOpt = Annotated[float | None, typer.Option(
    help="Spare capacity as a share of production (κ, default 0).")]
FullOpt = Annotated[bool, typer.Option(help="Table: also second-order loss and post-shock "
                                            "indicators.")]
ChartOpt = Annotated[Path | None, typer.Option(help="Shortfall chart (.html/.png/.svg).")]


def _show(response: Any, fmt: Format, title: str, columns: list[str]) -> None:
    """JSON and CSV at full precision; the table shows ``columns`` rounded for display."""
    if fmt is not Format.table:
        render(response, fmt)
        return
    frame = response.frame[columns].round(TABLE_DECIMALS)
    emit(records_of(frame), fmt, columns, title=title)


def _impacts_out(response: Any, fmt: Format, full: bool, chart: Path | None) -> None:
    """Print a shock/scenario response and write its shortfall chart."""
    from critmin.service.shocks import IMPACT_COLUMNS

    cols = IMPACT_COLUMNS if full else [*SHOCK_COLUMNS, "missing"]
    _show(response, fmt, f"{response.scenario_name} — trade year {response.year}", cols)
    if chart is not None:
        from critmin.views.charts import shortfall_figure, write_figure

        impacts = response.frame.rename(columns={"commodity": "commodity_id"})
        path = write_figure(shortfall_figure(impacts, response.scenario_name), chart)
        typer.echo(f"chart: {path}", err=True)


def _radar_out(request: Any, con: Any, folder: Path, lang: str) -> None:
    """Before/after radars of the six indicators (import window: the shock year)."""
    from critmin.service.shocks import shock_radar
    from critmin.views.charts import radar_figure, write_figure

    before, after, names, commodities, title = shock_radar(request, con)
    for name in names:
        for cid in commodities:
            fig = radar_figure(before, name, cid, lang, after=after,
                               title_suffix=f" · {title}")
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
    from critmin.service.common import check_lang
    from critmin.service.shocks import ShockRequest, shock

    request = ShockRequest(exporter=exporter, commodity=commodity, cut=cut, stages=stage,
                           importers=importer, year=year, targets=target,
                           redirect_share=redirect_share, spare_capacity=spare_capacity)
    with open_store() as con:
        response = shock(request, con)
        if radar is not None:
            _radar_out(request, con, radar, check_lang(lang))
    _impacts_out(response, fmt, full, chart)


@scenario_app.command("list")
@user_errors
def scenario_list(lang: LangOpt = None, fmt: FormatOpt = None) -> None:
    """The shipped scenarios with their date and source."""
    from critmin.service.shocks import ScenarioListRequest
    from critmin.service.shocks import scenario_list as list_scenarios

    response = list_scenarios(ScenarioListRequest())
    _show(response, fmt, "scenarios", ["id", "date", "name", "shocks", "blocs", "source"])


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
    _impacts_out(response, fmt, full, chart)


def _bands_chart(response: Any, con: Any, chart: Path) -> None:
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
    path = write_figure(shortfall_figure(impacts, response.scenario_name, bands), chart)
    typer.echo(f"chart: {path}", err=True)


def _uncertainty_out(response: Any, fmt: Format) -> None:
    """Print an uncertainty response (the table without the run's constant columns)."""
    what = response.importer if response.mode == "indicators" else response.scenario_name
    title = f"{what} {response.year}: {response.draws:,} draws, seed {response.seed}"
    columns = [c for c in response.columns if c not in ("year", "draws", "seed")] \
        if response.mode == "indicators" else response.columns
    _show(response, fmt, title, columns)


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
    workers: Annotated[int, typer.Option(help="Local Dask worker processes.")] = 2,
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
    lang: LangOpt = None, fmt: FormatOpt = None,
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
    _uncertainty_out(_uncertainty_run(request, chart), fmt)


def _uncertainty_run(request: Any, chart: Path | None) -> Any:
    """The uncertainty response, with a progress bar over the draws on stderr (only
    when stderr is a terminal; never on stdout), and the scenario's shortfall chart with
    bands when asked."""
    from critmin.service.shocks import uncertainty

    with open_store() as con, _draws_bar(request.draws) as advance:
        response = uncertainty(request, con, progress=advance)
        if chart is not None and request.scenario is not None:
            _bands_chart(response, con, chart)
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
