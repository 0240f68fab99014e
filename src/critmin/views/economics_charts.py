"""Charts of the economics commands (Plotly, ja/en): recycled against primary cost, the
tornado of the switching price, scrap from in-use stocks and projects side by side.
Every number comes from the response; these functions only draw."""

from __future__ import annotations

from typing import Any

from critmin.views.charts import FONT
from critmin.views.i18n import label, text
from critmin.views.tables import number

PAID, NOT_PAID, RECYCLED, PRIMARY = "#2ca02c", "#d62728", "#1f77b4", "#7f7f7f"


def _name(response: Any, lang: str) -> str:
    return response.name_ja if lang == "ja" else response.name


def switching_figure(response: Any, lang: str) -> Any:
    """Left: cost of the product against the primary price — buying primary costs the
    price (the diagonal), recycling costs P* whatever the price — with the years of the
    market history on the diagonal, green where recycling paid. Right: the prices by
    year against P*."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    unit, p = response.price_unit, response.switching_price
    hist = [h for h in response.history if h.price_basis == "market"] or response.history
    top = max([h.price for h in hist] + [p, 0.0]) * 1.3 or 1.0
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12)
    fig.add_trace(go.Scatter(x=[0, top], y=[0, top], mode="lines", name=text(
        "eco_chart_primary", lang), line={"color": PRIMARY}), 1, 1)
    fig.add_trace(go.Scatter(x=[0, top], y=[p, p], mode="lines", name=text(
        "eco_chart_recycled", lang), line={"color": RECYCLED, "dash": "dash"}), 1, 1)
    for paid in (True, False):
        pts = [h for h in hist if h.pays is paid]
        key = "eco_chart_paid" if paid else "eco_chart_not_paid"
        fig.add_trace(go.Scatter(
            x=[h.price for h in pts], y=[h.price for h in pts], mode="markers+text",
            text=[str(h.year) for h in pts], textposition="top left", name=text(key, lang),
            marker={"color": PAID if paid else NOT_PAID, "size": 8}), 1, 1)
    fig.add_trace(go.Scatter(x=[h.year for h in hist], y=[h.price for h in hist],
                             mode="lines+markers", showlegend=False,
                             line={"color": PRIMARY}), 1, 2)
    fig.add_hline(y=p, line={"color": RECYCLED, "dash": "dash"}, row=1, col=2)
    axis = text("eco_chart_price_axis", lang).format(unit=unit)
    fig.update_xaxes(title_text=axis, row=1, col=1)
    fig.update_yaxes(title_text=text("eco_chart_cost_axis", lang).format(unit=unit),
                     row=1, col=1)
    fig.update_yaxes(title_text=axis, row=1, col=2)
    fig.update_layout(title=text("eco_chart_title", lang).format(
        name=_name(response, lang), price=number(p, digits=4), unit=unit), font=FONT, width=1100,
        height=520)
    return fig


def tornado_figure(response: Any, lang: str) -> Any:
    """Horizontal bars from P* at each parameter's low value to P* at its high value,
    largest swing on top, the base P* as a line."""
    import plotly.graph_objects as go

    rows = list(reversed(response.frame.to_dict("records")))
    names = [text(f"param_{r['parameter']}", lang) for r in rows]
    lo = [min(r["switching_low"], r["switching_high"]) for r in rows]
    hi = [max(r["switching_low"], r["switching_high"]) for r in rows]
    fig = go.Figure(go.Bar(y=names, x=[h - v for v, h in zip(lo, hi, strict=True)],
                           base=lo, orientation="h", marker={"color": RECYCLED},
                           name=text("eco_chart_tornado", lang)))
    fig.add_vline(x=response.switching_price, line={"color": PRIMARY, "dash": "dash"})
    fig.update_layout(title=text("eco_title_tornado", lang).format(
        unit=response.price_unit), xaxis_title=text("switching_price", lang), font=FONT,
        width=800, height=120 + 40 * len(rows), margin={"l": 200})
    return fig


def supply_figure(response: Any, names: dict[str, str], scenario: str, lang: str) -> Any:
    """Scrap recovered by product (stacked areas) and its share of demand (line, right
    axis)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for pid, name in names.items():
        rows = [r for r in response.by_product if r.product == pid]
        fig.add_trace(go.Scatter(x=[r.year for r in rows], y=[r.recovered_t for r in rows],
                                 name=name, stackgroup="scrap", mode="lines"))
    tot = response.frame
    fig.add_trace(go.Scatter(x=tot["year"], y=tot["share_of_demand"], yaxis="y2",
                             name=text("share_of_demand", lang), line={"color": "black"}))
    fig.update_layout(
        title=text("eco_title_supply", lang).format(
            commodity=label("commodity", response.commodity, lang), unit=response.unit,
            scenario=scenario),
        yaxis={"title": text("eco_chart_supply_axis", lang).format(unit=response.unit)},
        yaxis2={"title": text("eco_chart_share_axis", lang), "overlaying": "y",
                "side": "right", "tickformat": ".0%", "rangemode": "tozero"},
        font=FONT, width=900, height=500, legend={"x": 1.08})
    return fig


def project_figure(response: Any, names: dict[str, str], lang: str) -> Any:
    """Left: the three layer scores and the combined score per project; right: the
    cumulative cash flow of each project."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=(
        text("eco_chart_scores", lang), text("eco_chart_cumulative", lang)))
    rows = response.frame.to_dict("records")
    x = [names[r["project"]] for r in rows]
    for key, col in (("financial_score", "eco_layer_financial"), ("esg_score", "eco_layer_esg"),
                     ("geo_score", "eco_layer_geopolitical"),
                     ("combined_score", "combined_score")):
        fig.add_trace(go.Bar(x=x, y=[r[key] for r in rows], name=text(col, lang)), 1, 1)
    for pid, name in names.items():
        flows = [c for c in response.cash_flows if c.project == pid]
        fig.add_trace(go.Scatter(x=[c.t for c in flows], name=name, mode="lines",
                                 y=[c.cumulative_cash_flow / 1e6 for c in flows]), 1, 2)
    fig.update_yaxes(range=[0, 1], row=1, col=1)
    fig.update_xaxes(title_text=text("eco_chart_years_from_start", lang), row=1, col=2)
    fig.update_layout(barmode="group", font=FONT, width=1100, height=500,
                      title=text("eco_title_projects", lang).format(year=response.year))
    return fig
