"""``critmin shock``, ``critmin scenario list|run`` and ``critmin uncertainty``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from critmin.errors import CritminError
from critmin.views.app import FormatOpt, app, open_store, user_errors
from critmin.views.output import Format, emit

scenario_app = typer.Typer(help="Export-control and geopolitical scenarios (YAML files; "
                           "a library ships with the 2023–2025 cases).", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")

SHOCK_COLUMNS = ["importer", "commodity", "stage", "year", "imports_t", "direct_loss_t",
                 "direct_loss_share", "resourced_t", "shortfall_t", "shortfall_share"]
EXTRA_COLUMNS = ["consumption_share", "second_order_loss_t", "import_hhi_before",
                 "import_hhi_after", "import_governance_before", "import_governance_after",
                 "missing"]
ImporterOpt = Annotated[list[str] | None, typer.Option(
    "--importer", "-i", help="Importer (ISO3, name or group such as EU27); repeatable. "
    "Default: every importer that loses supply.")]
YearOpt = Annotated[int | None, typer.Option(
    "--year", help="Trade year (default: the latest with trade data).")]
RedirectOpt = Annotated[float | None, typer.Option(
    help="Share of other exporters' shipments that can be redirected (ω, default 0.2).")]
SpareOpt = Annotated[float | None, typer.Option(
    help="Spare capacity as a share of production (κ, default 0).")]


def _resolve_country_or_group(name: str) -> str:
    from critmin.catalog.countries import group_ids, resolve_country

    ids = {g.upper(): g for g in group_ids()}
    return ids.get(name.upper()) or resolve_country(name)


def _members(data: Any, names: list[str] | None) -> dict[str, set[str]] | None:
    from critmin.analysis.shocks import expand

    if not names:
        return None
    return {n: expand([n], data.groups) for n in (_resolve_country_or_group(x) for x in names)}


def _trade_year(con: Any, year: int | None) -> int:
    from critmin.errors import UnknownNameError
    from critmin.store.read import years as store_years

    years = store_years(con, "trade_stage")
    if year is None:
        return int(years[-1])
    if year not in years:
        raise UnknownNameError("year", str(year), [str(y) for y in years],
                               valid=f"{years[0]}–{years[-1]} (years with trade)")
    return year


def _emit_impacts(out: Any, fmt: Format, title: str, full: bool) -> None:
    from critmin.views.output import records_of

    frame = out.rename(columns={"commodity_id": "commodity"})
    cols = SHOCK_COLUMNS + (EXTRA_COLUMNS if full or fmt is not Format.table else ["missing"])
    frame = frame[cols].copy()
    for c in cols:
        if frame[c].dtype.kind == "f":
            frame[c] = frame[c].round(6)
    emit(records_of(frame), fmt, cols, title=title)


def _run(scenario: Any, importer: list[str] | None, year: int | None, fmt: Format,
         full: bool, chart: Path | None, radar: Path | None = None, lang: str = "ja"
         ) -> Any:
    from critmin.analysis.shocks import run_scenario, shock_data

    commodities = sorted({s.commodity_id for s in scenario.shocks} | set(scenario.demand))
    with open_store() as con:
        yr = _trade_year(con, year or scenario.year)
        if scenario.blocs:
            from critmin.store.read import traded_commodities

            commodities = commodities or traded_commodities(con, yr)
        data = shock_data(con, commodities, yr)
        out = run_scenario(data, scenario, _members(data, importer))
        if radar is not None:
            _shock_radar(con, data, scenario, importer, commodities, radar, lang)
    _emit_impacts(out, fmt, f"{scenario.name} — trade year {yr}", full)
    if chart is not None:
        from critmin.views.charts import shortfall_figure, write_figure

        path = write_figure(shortfall_figure(out, scenario.name), chart)
        typer.echo(f"chart: {path}", err=True)
    return out


def _shock_radar(con: Any, data: Any, scenario: Any, importer: list[str] | None,
                 commodities: list[str], folder: Path, lang: str) -> None:
    """Before/after radars of the six indicators (import window: the shock year)."""
    from critmin.analysis.shocks import shock_flows, shocked_meti6_inputs
    from critmin.indicators.importers import importer_members
    from critmin.methods.meti6 import Meti6Options, meti6_inputs, meti6_values
    from critmin.views.charts import radar_figure, write_figure

    if not importer or len(importer) != 1:
        raise CritminError("--radar needs exactly one --importer")
    opts = Meti6Options(import_window=1)
    members = importer_members(con, [_resolve_country_or_group(importer[0])])
    inp = meti6_inputs(con, members, data.year, commodities, opts)
    flows, resourced = shock_flows(data, scenario)
    before = meti6_values(inp, opts)
    after = meti6_values(shocked_meti6_inputs(inp, flows, resourced), opts)
    for name in members:
        for cid in commodities:
            fig = radar_figure(before, name, cid, lang, after=after,
                               title_suffix=f" · {scenario.name}")
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
    full: Annotated[bool, typer.Option(help="Table: also second-order loss and "
                                            "post-shock indicators.")] = False,
    chart: Annotated[Path | None, typer.Option(help="Shortfall chart (.html/.png/.svg).")
                     ] = None,
    radar: Annotated[Path | None, typer.Option(
        help="Folder for before/after radars of the six indicators (one --importer).")
    ] = None,
    lang: Annotated[str, typer.Option(help="Radar labels: ja or en.")] = "ja",
    fmt: FormatOpt = Format.table,
) -> None:
    """What happens if EXPORTER restricts exports of a commodity: direct loss, re-sourcing
    from other exporters (HiGHS LP, shared max–min among importers that lost supply),
    residual shortfall, second-order loss through refiners, post-shock import HHI and
    governance. Example: critmin shock --exporter CHN --commodity graphite --cut 0.75 -i JPN
    """
    from critmin.analysis.shocks import DEFAULT_REDIRECT_SHARE, single_shock
    from critmin.catalog.commodities import resolve_commodity

    if not 0.0 <= cut <= 1.0:
        raise CritminError(f"--cut must be within 0–1 (got {cut})")
    stages = tuple(stage or ("mining", "refining"))
    for s in stages:
        if s not in ("mining", "refining"):
            raise CritminError(f"unknown stage {s!r}; valid: mining, refining")
    for name, v in (("--redirect-share", redirect_share), ("--spare-capacity", spare_capacity)):
        if v is not None and not 0.0 <= v <= 1.0:
            raise CritminError(f"{name} must be within 0–1 (got {v})")
    scenario = single_shock(
        _resolve_country_or_group(exporter), resolve_commodity(commodity), cut, stages,
        tuple(_resolve_country_or_group(t) for t in target) if target else None,
        DEFAULT_REDIRECT_SHARE if redirect_share is None else redirect_share,
        spare_capacity or 0.0)
    _run(scenario, importer, year, fmt, full, chart, radar, lang)


@scenario_app.command("list")
@user_errors
def scenario_list(fmt: FormatOpt = Format.table) -> None:
    """The shipped scenarios with their date and source."""
    from critmin.analysis.scenarios import library, parse_scenario

    rows = []
    for sid, res in sorted(library().items()):
        sc = parse_scenario(res.read_text(encoding="utf-8"), f"library:{sid}")
        rows.append({"id": sid, "name": sc.name, "name_ja": sc.name_ja, "date": sc.date,
                     "shocks": len(sc.shocks), "blocs": ", ".join(sc.blocs),
                     "source": sc.source})
    emit(rows, fmt, ["id", "date", "name", "shocks", "blocs", "source"]
         if fmt is Format.table else None)


@scenario_app.command("run")
@user_errors
def scenario_run(
    scenario: Annotated[str, typer.Argument(help="A library id (see 'critmin scenario "
                                                 "list') or a YAML file.")],
    importer: ImporterOpt = None, year: YearOpt = None,
    full: Annotated[bool, typer.Option(help="Table: also second-order loss and "
                                            "post-shock indicators.")] = False,
    chart: Annotated[Path | None, typer.Option(help="Shortfall chart (.html/.png/.svg).")
                     ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Run a scenario file: every shock, bloc cut and demand change at once. Example:
    critmin scenario run cn_graphite_2023 -i JPN -i EU27 -f json
    """
    from critmin.analysis.scenarios import parse_scenario, read_scenario_text
    from critmin.catalog.commodities import resolve_commodity

    text, label = read_scenario_text(scenario)
    sc = parse_scenario(text, label, resolve_commodity, _resolve_country_or_group)
    _run(sc, importer, year, fmt, full, chart)


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
    fmt: FormatOpt = Format.table,
) -> None:
    """Monte Carlo over WGI (published standard errors), production and reserves
    (lognormal), shock cuts and re-sourcing: 5/50/95 % quantiles of the six indicators
    and GeoPolRisk (or, with --scenario, of the shortfall), and the probability that each
    commodity's type or GeoPolRisk rank changes. Runs on Dask. Example:
    critmin uncertainty -i JPN --draws 10000 --seed 1
    """
    from rich.progress import Progress

    from critmin.analysis import uncertainty as u
    from critmin.views.output import records_of

    if draws < 1 or draws > 10_000_000:
        raise CritminError("--draws must be within 1–10,000,000")
    if workers < 1:
        raise CritminError("--workers must be at least 1")
    root = u.DEFAULT_SEED if seed is None else seed
    n_chunks = -(-draws // chunk)
    with open_store() as con:
        if scenario is None:
            from critmin.analysis.assessment import check_year
            from critmin.catalog.commodities import commodity_ids

            yr = check_year(con, year)
            name = _resolve_country_or_group(importer)
            model = u.indicator_model(con, name, yr, commodity_ids())
            fn, summarise = u.indicator_chunk, u.summarise_indicators
        else:
            from critmin.analysis.scenarios import parse_scenario, read_scenario_text
            from critmin.analysis.shocks import shock_data
            from critmin.catalog.commodities import resolve_commodity

            text, label = read_scenario_text(scenario)
            sc = parse_scenario(text, label, resolve_commodity, _resolve_country_or_group)
            yr = _trade_year(con, year or sc.year)
            data = shock_data(con, sorted({s.commodity_id for s in sc.shocks}), yr)
            model = u.shock_model(data, sc, _members(data, [importer]))
            fn, summarise = u.shock_chunk, u.summarise_shock
    with Progress(transient=True) as bar:
        task = bar.add_task(f"{draws:,} draws on Dask", total=n_chunks)
        result = u.run_chunks(fn, model, draws, root, chunk, workers, scheduler,
                              progress=lambda done: bar.update(task, completed=done))
    if scenario is None:
        quant, changes = summarise(model, result)
        tidy = pd_concat_changes(quant, changes)
        title = f"{importer} {yr}: {draws:,} draws, seed {root}"
        emit(records_of(tidy.assign(year=yr, draws=draws, seed=root)), fmt,
             ["importer", "commodity_id", "stage", "indicator", "value", "q05", "q50", "q95",
              "missing"] if fmt is Format.table else None, title=title)
        return
    table = summarise(model, result).assign(year=yr, draws=draws, seed=root)
    emit(records_of(table.round(6)), fmt, title=f"{sc.name}: {draws:,} draws, seed {root}")
    if chart is not None:
        from critmin.analysis.shocks import run_scenario
        from critmin.views.charts import shortfall_figure, write_figure

        impacts = run_scenario(data, sc, _members(data, [importer]))
        bands = table.rename(columns={"shortfall_q05": "q05", "shortfall_q50": "q50",
                                      "shortfall_q95": "q95"})[
            ["importer", "commodity_id", "stage", "q05", "q50", "q95"]]
        path = write_figure(shortfall_figure(impacts, sc.name, bands), chart)
        typer.echo(f"chart: {path}", err=True)


def pd_concat_changes(quant: Any, changes: Any) -> Any:
    """Quantile rows plus one row per commodity for each change probability."""
    import pandas as pd

    extra = []
    for col in ("type_change_probability", "rank_change_probability"):
        extra.append(pd.DataFrame({"importer": changes["importer"],
                                   "commodity_id": changes["commodity_id"], "stage": "",
                                   "indicator": col, "value": changes[col]}))
    out = pd.concat([quant, *extra], ignore_index=True)
    if "missing" in out:
        out["missing"] = out["missing"].fillna("")
    for c in ("value", "q05", "q50", "q95"):
        out[c] = out[c].astype(float).round(6)
    return out
