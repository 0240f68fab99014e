"""``critmin demand`` (forecast by decomposition), ``critmin demand sensitivity`` and
``critmin demand scenarios``: options → request
(:mod:`critmin.service.demand`) → response → output."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from critmin.errors import CritminError
from critmin.views.app import FormatOpt, LangOpt, app, user_errors
from critmin.views.i18n import text
from critmin.views.output import Format, emit, records_of, render
from critmin.views.tables import cell

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
CountryOpt = Annotated[str | None, typer.Option(
    help="JPN: Japan's demand = its share of world demand (the study's JOGMEC figure over "
    "the world's counted alike) × the world path; never above the world's.")]


@demand_app.callback()
@user_errors
def demand_cmd(
    ctx: typer.Context, scenario: ScenarioOpt = "reference", mineral: MineralOpt = None,
    to: Annotated[int, typer.Option("--to", help="Last year shown (≤ 2100).")] = 2050,
    country: CountryOpt = None,
    every: Annotated[int, typer.Option(help="Table/CSV: show every N-th year.")] = 5,
    chart: Annotated[Path | None, typer.Option(
        help="Folder for stacked-area charts of the three parts (one per mineral).")] = None,
    chart_format: Annotated[str, typer.Option(help="html, png or svg.")] = "html",
    lang: LangOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Demand per mineral and year split into new uses (deployment × intensity), uses
    reduced by regulation and other uses at their trend. Example:
    critmin demand --scenario ev_high_growth -m cobalt -m レアアース --to 2050 -f json
    """
    if ctx.invoked_subcommand is not None:
        return
    from critmin.service.demand import DemandRequest, demand

    if every < 1:
        raise CritminError("--every must be at least 1")
    response = demand(DemandRequest(scenario=scenario, minerals=mineral or None, to=to,
                                    country=country))
    records = records_of(response.frame)
    if chart is not None:
        _charts(records, chart, chart_format, lang)
    if fmt is Format.json:
        render(response, fmt)
        return
    sid = response.request["scenario"] if not records else records[0]["scenario"]
    emit(_year_rows(records, every, to), fmt,
         title=text("title_demand", lang).format(name=cell(sid, "scenario", lang)))


def _charts(records: list[dict[str, Any]], folder: Path, chart_format: str, lang: str
            ) -> None:
    from critmin.views.charts import demand_figure, write_figure

    for r in records:
        path = write_figure(demand_figure(r, lang), folder /
                            f"demand_{r['scenario']}_{r['mineral']}_{lang}.{chart_format}")
        typer.echo(f"chart: {path}", err=True)


def _year_rows(records: list[dict[str, Any]], every: int, to: int) -> list[dict[str, Any]]:
    """Every ``every``-th year (and the last) of each mineral, rounded for reading."""
    rows = []
    for r in records:
        for y, parts in r["series"].items():
            if (y - r["base_year"]) % every == 0 or y == to:
                rows.append({"mineral": r["mineral"], "scenario": r["scenario"],
                             "region": r["region"], "year": y, "unit": r["unit"],
                             **{k: round(v, 1) for k, v in parts.items()},
                             "cagr_2019_2050": round(r["cagr_2019_2050"], 5)})
    return rows


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
    lang: LangOpt = None, fmt: FormatOpt = None,
) -> None:
    """Elasticity of each mineral's demand in the target year to every parameter
    (central differences, h = 1 %) and Sobol indices S1/ST (SALib). Example:
    critmin demand sensitivity -m cobalt --year 2040 -f json
    """
    from critmin.service.demand import DemandSensitivityRequest, sensitivity

    response = sensitivity(DemandSensitivityRequest(
        scenario=scenario, minerals=mineral or None, year=year, sobol=sobol, spread=spread,
        seed=seed))
    if fmt is not Format.table:
        render(response, fmt)
        return
    rows = [{k: round(v, 6 if k == "elasticity" else 4) if isinstance(v, float) else v
             for k, v in r.items()} for r in records_of(response.frame)]
    sid = rows[0]["scenario"] if rows else scenario
    emit(rows, fmt, title=text("title_sensitivity", lang).format(
        year=year, scenario=cell(sid, "scenario", lang)))


@demand_app.command("scenarios")
@user_errors
def scenarios_cmd(lang: LangOpt = None, fmt: FormatOpt = None) -> None:
    """The shipped demand scenarios."""
    from critmin.service.demand import DemandScenariosRequest, scenarios

    render(scenarios(DemandScenariosRequest()), fmt)
