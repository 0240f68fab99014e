"""``critmin recycle …`` (switching prices of scrap streams, scrap from in-use stocks) and
``critmin project evaluate`` (NPV/IRR + ESG + geopolitical layers): options → request
(:mod:`critmin.service.economics`) → response → output (methods.md §16)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from critmin.views.app import FormatOpt, LangOpt, app, open_store, user_errors
from critmin.views.i18n import join_words, label, text
from critmin.views.output import Format, emit, records_of, render
from critmin.views.tables import number

recycle_app = typer.Typer(
    help="Urban mining: the primary price at which recycling a scrap stream pays, and "
    "scrap from in-use stocks.", no_args_is_help=True)
project_app = typer.Typer(
    help="Mine and refinery projects: NPV, IRR, payback, ESG and the geopolitical layer.",
    no_args_is_help=True)
app.add_typer(recycle_app, name="recycle")
app.add_typer(project_app, name="project")

ChartOpt = Annotated[Path | None, typer.Option(help="Folder for the charts.")]
ChartFormatOpt = Annotated[str, typer.Option(help="html, png or svg.")]


def _chart(fig: Any, folder: Path, stem: str, chart_format: str) -> None:
    from critmin.views.charts import write_figure

    path = write_figure(fig, folder / f"{stem}.{chart_format}")
    typer.echo(f"chart: {path}", err=True)


def _localised_name(obj: Any, lang: str) -> str:
    get = obj.get if isinstance(obj, dict) else lambda k: getattr(obj, k)
    return get("name_ja") if lang == "ja" else get("name")


# ---------------------------------------------------------------- recycle streams


@recycle_app.command("streams")
@user_errors
def streams_cmd(lang: LangOpt = None, fmt: FormatOpt = None) -> None:
    """The shipped scrap streams (NdFeB magnets, black mass, autocatalysts) and their
    switching prices."""
    from critmin.service.economics import StreamsRequest, streams

    response = streams(StreamsRequest())
    if fmt is not Format.table:
        render(response, fmt)
        return
    rows = [{**r, "name": _localised_name(r, lang)} for r in records_of(response.frame)]
    emit(rows, fmt, ["stream", "name", "commodity", "switching_price", "price_unit"],
         title=text("eco_title_streams", lang))


# ---------------------------------------------------------------- switching price


@recycle_app.command("switching-price")
@user_errors
def switching_price_cmd(
    stream: Annotated[str, typer.Argument(
        help="Stream id (see 'critmin recycle streams') or a YAML parameter file.")],
    spread: Annotated[float, typer.Option(
        help="Tornado: ± this share for parameters without their own low/high.")] = 0.25,
    since: Annotated[int, typer.Option(help="First year of the price history.")] = 2000,
    chart: ChartOpt = None, chart_format: ChartFormatOpt = "html",
    lang: LangOpt = None, fmt: FormatOpt = None,
) -> None:
    """The primary price at which recycling the stream breaks even,
    P* = (collection + dismantling + processing + refining + logistics − credits −
    subsidy) / (content × yield × payable); its sensitivity to each parameter (tornado)
    and the years of the store's price history in which recycling paid. Example:
    critmin recycle switching-price ndfeb_hdd --chart charts
    """
    from critmin.service.economics import SwitchingPriceRequest, switching_price

    with open_store() as con:
        response = switching_price(SwitchingPriceRequest(stream=stream, spread=spread,
                                                         since=since), con)
    if chart is not None:
        _switching_charts(response, chart, chart_format, lang)
    if fmt is not Format.table:
        render(response, fmt)
        return
    _switching_tables(response, lang)


def _switching_charts(response: Any, folder: Path, chart_format: str, lang: str) -> None:
    from critmin.views.economics_charts import switching_figure, tornado_figure

    _chart(switching_figure(response, lang), folder,
           f"switching_{response.stream}_{lang}", chart_format)
    _chart(tornado_figure(response, lang), folder, f"tornado_{response.stream}_{lang}",
           chart_format)


def _switching_title(r: Any, lang: str) -> str:
    ja = lang == "ja"
    if r.pays_at_any_price:
        return text("eco_title_switching_any", lang).format(name=_localised_name(r, lang))
    return text("eco_title_switching", lang).format(
        name=_localised_name(r, lang), price=number(r.switching_price, digits=4), unit=r.price_unit,
        product=r.product_ja if ja else r.product, feed=r.feed_ja if ja else r.feed)


def _any_price(row: dict[str, Any], words: str) -> dict[str, Any]:
    """A tornado row with a switching price ≤ 0 (the credits cover the costs) as
    ``words``; its swing is then no price difference and left empty."""
    out = dict(row)
    for k in ("switching_low", "switching_high"):
        if out[k] <= 0:
            out[k], out["swing"] = words, None
    return out


def _switching_tables(r: Any, lang: str) -> None:
    fmt, unit = Format.table, r.price_unit
    any_price = text("eco_any_price", lang)   # P* ≤ 0: the credits cover the costs
    rows = [_any_price(row, any_price) for row in records_of(r.frame)]
    emit(rows, fmt, list(r.columns), title=_switching_title(r, lang) + "\n"
         + text("eco_title_tornado", lang).format(unit=unit))
    costs = [{**c.model_dump(), "parameter": c.item} for c in r.costs]
    emit(costs, fmt, ["parameter", "per_feed", "per_product"],
         title=text("eco_title_costs", lang).format(unit=unit))
    if not r.history:
        typer.echo(text("eco_no_history", lang).format(since=r.request["since"]))
        return
    paid = (text("eco_paid_years", lang).format(years=", ".join(map(str, r.paid_years)))
            if r.paid_years else text("eco_paid_none", lang))
    emit(_history_rows(r.history), fmt, ["year", "price_market", "price_unit_value",
                                         "switching_price", "pays"],
         title=text("eco_title_history", lang).format(unit=unit, since=r.request["since"]),
         note=f"{paid}\n{text('eco_history_caveat', lang)}")


def _history_rows(history: list[Any]) -> list[dict[str, Any]]:
    """One row per year: the market price and the unit value side by side; ``pays`` on
    the market price where there is one, else on the unit value."""
    by_year: dict[int, dict[str, Any]] = {}
    for h in sorted(history, key=lambda h: h.price_basis != "market"):
        row = by_year.setdefault(h.year, {"year": h.year, "price_market": None,
                                          "price_unit_value": None, "pays": h.pays,
                                          "switching_price": h.switching_price})
        row[f"price_{h.price_basis}"] = h.price
    return [by_year[y] for y in sorted(by_year)]


# ---------------------------------------------------------------- secondary supply


@recycle_app.command("supply")
@user_errors
def supply_cmd(
    commodity: Annotated[str, typer.Option(
        "--commodity", "-c", help="Commodity (id or name) with an in-use stock file: "
        "rare_earths, cobalt, palladium.")],
    scenario: Annotated[str, typer.Option(
        help="Demand scenario: library id (critmin demand scenarios) or a YAML file.")
    ] = "reference",
    to: Annotated[int, typer.Option("--to", help="Last year (≤ 2100).")] = 2050,
    since: Annotated[int | None, typer.Option(
        help="First year shown (default: the scenario's base year).")] = None,
    stocks: Annotated[str | None, typer.Option(
        help="An in-use stock YAML file (default: the shipped one).")] = None,
    every: Annotated[int, typer.Option(help="Table: show every N-th year.")] = 5,
    chart: ChartOpt = None, chart_format: ChartFormatOpt = "html",
    lang: LangOpt = None, fmt: FormatOpt = None,
) -> None:
    """Scrap from in-use stocks: inflow into use by product (grown with the demand
    scenario), lifetime distribution (flodym), end-of-life outflow, collection and
    recovery → scrap available per year and its share of the scenario's demand.
    Example: critmin recycle supply -c cobalt --scenario ev_high_growth
    """
    from critmin.errors import CritminError
    from critmin.service.economics import SupplyRequest, supply

    if every < 1:
        raise CritminError("--every must be at least 1")
    response = supply(SupplyRequest(commodity=commodity, scenario=scenario, to=to,
                                    since=since, stocks=stocks))
    names = {p.product: _localised_name(p, lang) for p in response.products}
    if chart is not None:
        from critmin.views.economics_charts import supply_figure

        _chart(supply_figure(response, names, _scenario_name(response.scenario, lang), lang),
               chart,
               f"supply_{response.commodity}_{response.scenario}_{lang}", chart_format)
    if fmt is not Format.table:
        render(response, fmt)
        return
    _supply_table(response, every, lang)


def _supply_table(r: Any, every: int, lang: str) -> None:
    rows = records_of(r.frame)
    first, last = rows[0]["year"], rows[-1]["year"]
    shown = [x for x in rows if (x["year"] - first) % every == 0 or x["year"] == last]
    cols = ["year", "inflow_t", "stock_t", "outflow_t", "recovered_t", "demand_t",
            "share_of_demand"]
    notes = [text("eco_products", lang).format(items=("、" if lang == "ja" else "; ").join(
        text("eco_product_lifetime", lang).format(name=_localised_name(p, lang),
                                                  lifetime=_lifetime(p.lifetime, lang))
        for p in r.products))]
    if all(x["demand_t"] is None for x in rows):
        notes.append(text("eco_no_demand", lang))
    emit(shown, Format.table, cols, title=text("eco_title_supply", lang).format(
        commodity=label("commodity", r.commodity, lang), unit=r.unit,
        scenario=_scenario_name(r.scenario, lang)), note="\n".join(notes))


def _lifetime(spec: str, lang: str) -> str:
    """``lognormal(mean=6, std=2)`` in words of ``lang``."""
    model, _, args = spec.partition("(")
    params = {k: float(v) for k, v in (a.split("=") for a in args.rstrip(")").split(", ")
                                       if "=" in a)}
    return text(f"eco_lifetime_{model}", lang).format(**params)


def _scenario_name(sid: str, lang: str) -> str:
    from critmin.views.tables import cell

    return cell(sid, "scenario", lang)


# ---------------------------------------------------------------- projects


@project_app.command("evaluate")
@user_errors
def evaluate_cmd(
    files: Annotated[list[str], typer.Argument(
        help="Project YAML files or shipped project ids (ree_separation_aus, "
        "cobalt_mine_cod).")],
    importer: Annotated[str | None, typer.Option(
        help="Importer whose axes an offtake changes (default: each file's).")] = None,
    year: Annotated[int | None, typer.Option(
        help="Assessment year of the what-if (default: the latest).")] = None,
    chart: ChartOpt = None, chart_format: ChartFormatOpt = "html",
    lang: LangOpt = None, fmt: FormatOpt = None,
) -> None:
    """Projects side by side in three layers: NPV, IRR and payback (numpy-financial)
    from a cash-flow model or plain cash flows; an ESG score; the host's governance risk
    and how much the project (a mine or smelter lever of the what-if, with its offtake)
    changes the importer's concentration and import-governance axes; a combined score.
    Example: critmin project evaluate ree_separation_aus cobalt_mine_cod
    """
    from critmin.service.economics import ProjectRequest, evaluate

    with open_store() as con:
        response = evaluate(ProjectRequest(files=files, importer=importer, year=year), con)
    names = {r["project"]: _localised_name(r, lang) for r in records_of(response.frame)}
    if chart is not None:
        from critmin.views.economics_charts import project_figure

        _chart(project_figure(response, names, lang), chart,
               f"projects_{'_'.join(names)}_{lang}"[:120], chart_format)
    if fmt is not Format.table:
        render(response, fmt)
        return
    _project_tables(response, names, lang)


def _project_tables(r: Any, names: dict[str, str], lang: str) -> None:
    rows = [{**x, "name": names[x["project"]], "npv_musd": x["npv"] / 1e6,
             "stage": text(f"eco_stage_{x['stage']}", lang),
             "npv_risk_adjusted_musd": x["npv_risk_adjusted"] / 1e6}
            for x in records_of(r.frame)]
    cols = ["name", "npv_musd", "irr", "payback_years", "esg_score", "geo_delta",
            "combined_score", "financial_score", "geo_score", "host_governance_risk",
            "npv_risk_adjusted_musd", "offtake_share", "host_country", "stage"]
    emit(rows, Format.table, cols, title=text("eco_title_projects", lang).format(
        year=r.year), note=_project_notes(rows, r.weights, lang))
    from critmin.service.economics import AXES_MOVED

    axes = [{**a.model_dump(), "name": names[a.project]} for a in r.axes
            if a.axis in AXES_MOVED]
    emit(axes, Format.table, ["name", "importer", "axis", "before", "after", "delta", "missing"],
         title=text("eco_title_project_axes", lang))


def _project_notes(rows: list[dict[str, Any]], weights: dict[str, Any], lang: str) -> str:
    """The weights of the combined score (once per distinct set) and what is missing."""
    notes = []
    sets: dict[tuple, list[str]] = {}
    for x in rows:
        w = weights[x["project"]]
        sets.setdefault((w["financial"], w["esg"], w["geopolitical"]), []).append(x["name"])
    for (fin, esg, geo), who in sets.items():
        key = "eco_weights_note_all" if len(sets) == 1 else "eco_weights_note"
        notes.append(text(key, lang).format(
            financial=fin, esg=esg, geo=geo, name=join_words(who, lang)))
    for x in rows:
        for key, bad in (("eco_irr_none", x["irr"] is None),
                         ("eco_payback_none", x["payback_years"] is None),
                         ("eco_esg_fail", x["esg_pass"] is False)):
            if bad:
                notes.append(text(key, lang).format(name=x["name"]))
    return "\n".join(notes)
