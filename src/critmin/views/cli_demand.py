"""``critmin demand`` (forecast by decomposition), ``critmin demand sensitivity`` and
``critmin demand scenarios``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from critmin.errors import CritminError
from critmin.views.app import FormatOpt, app, user_errors
from critmin.views.output import Format, emit

demand_app = typer.Typer(
    help="Demand forecasts by decomposition (new uses, regulated uses, other uses), "
    "scenarios and sensitivity. Without a sub-command: the forecast.",
    invoke_without_command=True)
app.add_typer(demand_app, name="demand")

ScenarioOpt = Annotated[str, typer.Option(
    help="Library id (see 'critmin demand scenarios') or a YAML parameter file.")]
MineralOpt = Annotated[list[str] | None, typer.Option(
    "--mineral", "-m", help="Mineral (id, name or Japanese name); repeatable. Default: all "
    "with parameters.")]


def _minerals(names: list[str] | None) -> list[str] | None:
    from critmin.catalog.commodities import resolve_commodity

    return [resolve_commodity(n) for n in names] if names else None


@demand_app.callback()
@user_errors
def demand_cmd(
    ctx: typer.Context, scenario: ScenarioOpt = "reference", mineral: MineralOpt = None,
    to: Annotated[int, typer.Option("--to", help="Last year shown (≤ 2100).")] = 2050,
    country: Annotated[str | None, typer.Option(
        help="JPN: Japan's demand = its share of world demand (the study's JOGMEC "
        "figure over the world's counted alike) × the world path; never above the "
        "world's.")] = None,
    every: Annotated[int, typer.Option(help="Table/CSV: show every N-th year.")] = 5,
    chart: Annotated[Path | None, typer.Option(
        help="Folder for stacked-area charts of the three parts (one per mineral).")] = None,
    chart_format: Annotated[str, typer.Option(help="html, png or svg.")] = "html",
    lang: Annotated[str, typer.Option(help="Chart labels: ja or en.")] = "ja",
    fmt: FormatOpt = Format.table,
) -> None:
    """Demand per mineral and year split into new uses (deployment × intensity), uses
    reduced by regulation and other uses at their trend. Example:
    critmin demand --scenario ev_high_growth -m cobalt -m レアアース --to 2050 -f json
    """
    if ctx.invoked_subcommand is not None:
        return
    from critmin.analysis.demand import forecast, read_scenario
    from critmin.views.i18n import check_lang

    check_lang(lang)
    if not 2019 <= to <= 2100:
        raise CritminError("--to must be within 2019–2100")
    if every < 1:
        raise CritminError("--every must be at least 1")
    sc = read_scenario(scenario)
    records = forecast(sc, _minerals(mineral), to,
                       None if country is None else _country(country))
    if chart is not None:
        from critmin.views.charts import demand_figure, write_figure

        for r in records:
            path = write_figure(demand_figure(r, lang), chart /
                                f"demand_{sc.scenario_id}_{r['mineral']}_{lang}.{chart_format}")
            typer.echo(f"chart: {path}", err=True)
    if fmt is Format.json:
        emit(records, fmt)
        return
    rows = []
    for r in records:
        for y, parts in r["series"].items():
            if (y - r["base_year"]) % every == 0 or y == to:
                rows.append({"mineral": r["mineral"], "scenario": r["scenario"],
                             "region": r["region"], "year": y, "unit": r["unit"],
                             **{k: round(v, 1) for k, v in parts.items()},
                             "cagr_2019_2050": round(r["cagr_2019_2050"], 5)})
    emit(rows, fmt, title=f"demand, scenario {sc.scenario_id} ({sc.name})")


def _country(name: str) -> str:
    from critmin.catalog.countries import resolve_country

    return resolve_country(name)


@demand_app.command("sensitivity")
@user_errors
def sensitivity_cmd(
    scenario: ScenarioOpt = "reference", mineral: MineralOpt = None,
    year: Annotated[int, typer.Option(help="Target year.")] = 2050,
    sobol: Annotated[int, typer.Option(
        help="Sobol base samples N (0: elasticities only); N·(D+2) model runs.")] = 1024,
    spread: Annotated[float, typer.Option(
        help="Sobol: each multiplier uniform on [1 − spread, 1 + spread].")] = 0.2,
    seed: Annotated[int, typer.Option(help="Sobol sampling seed.")] = 1,
    fmt: FormatOpt = Format.table,
) -> None:
    """Elasticity of each mineral's demand in the target year to every parameter
    (central differences, h = 1 %) and Sobol indices S1/ST (SALib). Example:
    critmin demand sensitivity -m cobalt --year 2040 -f json
    """
    from critmin.analysis.demand import elasticities, read_scenario, sobol_indices

    if not 2019 <= year <= 2100:
        raise CritminError("--year must be within 2019–2100")
    if sobol and (sobol & (sobol - 1)):
        raise CritminError("--sobol must be a power of two (e.g. 512, 1024) or 0")
    if not 0 < spread < 1:
        raise CritminError("--spread must be within 0–1")
    sc = read_scenario(scenario)
    rows: list[dict[str, Any]] = []
    for cid in _minerals(mineral) or list(sc.minerals):
        if cid not in sc.minerals:
            raise CritminError(f"no demand parameters for {cid}; minerals: "
                               f"{', '.join(sc.minerals)}")
        eps = elasticities(sc, cid, year)
        idx = sobol_indices(sc, cid, year, sobol, spread, seed) if sobol else {}
        for name, e in eps.items():
            row = {"mineral": cid, "scenario": sc.scenario_id, "year": year,
                   "parameter": name, "elasticity": round(e, 6)}
            if idx:
                row.update({k: round(v, 4) for k, v in idx[name].items()})
            rows.append(row)
    emit(rows, fmt, title=f"sensitivity of demand in {year}, scenario {sc.scenario_id}")


@demand_app.command("scenarios")
@user_errors
def scenarios_cmd(fmt: FormatOpt = Format.table) -> None:
    """The shipped demand scenarios."""
    from critmin.analysis.demand import library, read_scenario

    rows = []
    for sid in sorted(library()):
        sc = read_scenario(sid)
        rows.append({"id": sid, "name": sc.name, "name_ja": sc.name_ja,
                     "minerals": len(sc.minerals), "linked_shock": sc.linked_shock,
                     "notes": sc.notes})
    emit(rows, fmt)
