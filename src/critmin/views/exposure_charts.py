"""The company exposure matrices (Plotly): risk × share, exposure × resilience and the
importance × risk × substitutability cube with its projections."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from critmin.views.i18n import label, text


def exposure_figures(table: pd.DataFrame, lang: str = "ja", share: float = 0.5,
                     risk: float = 0.5, exposure: float = 0.5, resilience: float = 0.5
                     ) -> dict[str, Any]:
    """The three company matrices: risk × share, exposure × resilience and the
    importance × risk × substitutability cube (3-D) with its three 2-D projections."""
    names = [label("commodity", c, lang) for c in table["commodity_id"]]
    cube, proj = _exposure_cube(table, names, lang)
    return {"risk_share": _risk_share(table, names, lang, share, risk),
            "exposure_resilience": _exposure_resilience(table, names, lang, exposure,
                                                        resilience),
            "cube": cube, "projections": proj}


def _risk_share(table: pd.DataFrame, names: list[str], lang: str, share: float,
                risk: float) -> Any:
    """Each commodity placed by exactly the columns the analysis assigns its quadrant
    from (:data:`critmin.analysis.exposure.RISK_SHARE_AXES`): its top supplier country
    (circle) and, where there is a look-through, its top origin country (diamond), joined
    by a dotted line; red where the quadrant is high share × high risk."""
    import plotly.graph_objects as go

    from critmin.analysis.exposure import ACT_ON, RISK_SHARE_AXES

    rs = go.Figure()
    for (quadrant, (x, y)), symbol, key in zip(
            RISK_SHARE_AXES.items(), ("circle", "diamond"),
            ("exposure_chart_supplier", "exposure_chart_origin"), strict=True):
        if quadrant not in table or table[x].isna().all():
            continue
        hot = table[quadrant] == ACT_ON
        rs.add_trace(go.Scatter(
            x=table[x], y=table[y], mode="markers+text", text=names, name=text(key, lang),
            textposition="top center", marker={"size": 14, "symbol": symbol,
                                               "color": np.where(hot, "#d62728", "#1f77b4")}))
    _links(rs, table)
    rs.add_shape(type="rect", x0=share, x1=1.02, y0=risk, y1=1.02, fillcolor="#d62728",
                 opacity=0.08, line_width=0)
    rs.add_vline(x=share, line_dash="dash")
    rs.add_hline(y=risk, line_dash="dash")
    rs.add_annotation(x=1.0, y=1.0, text=text("high_high", lang), showarrow=False,
                      xanchor="right", yanchor="top")
    rs.update_layout(title=text("risk_share", lang),
                     xaxis_title=text("exposure_chart_x", lang),
                     yaxis_title=text("exposure_chart_y", lang), xaxis_range=[0, 1.05],
                     yaxis_range=[0, 1.05], width=640, height=520)
    return rs


def _links(fig: Any, table: pd.DataFrame) -> None:
    """Dotted lines from each commodity's supplier point to its origin point."""
    import plotly.graph_objects as go

    from critmin.analysis.exposure import RISK_SHARE_AXES

    (x0, y0), (x1, y1) = RISK_SHARE_AXES["quadrant"], RISK_SHARE_AXES["origin_quadrant"]
    if x1 not in table:
        return
    for r in table[[x0, y0, x1, y1]].itertuples(index=False):
        if pd.notna(r[2]) and pd.notna(r[3]):
            fig.add_trace(go.Scatter(x=[r[0], r[2]], y=[r[1], r[3]], mode="lines",
                                     showlegend=False, hoverinfo="skip",
                                     line={"dash": "dot", "color": "#999", "width": 1}))


def _exposure_resilience(table: pd.DataFrame, names: list[str], lang: str,
                         exposure: float, resilience: float) -> Any:
    import plotly.graph_objects as go

    er = go.Figure(go.Scatter(x=table["resilience"], y=table["exposure"],
                              mode="markers+text", text=names, textposition="top center",
                              marker={"size": 14}))
    er.add_vline(x=resilience, line_dash="dash")
    er.add_hline(y=exposure, line_dash="dash")
    er.update_layout(title=text("exposure_resilience", lang),
                     xaxis_title=text("resilience", lang), yaxis_title=text("exposure", lang),
                     xaxis_range=[0, 1.05], yaxis_range=[0, 1.05], width=640, height=520)
    return er


def _exposure_cube(table: pd.DataFrame, names: list[str], lang: str) -> tuple[Any, Any]:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    axes = [(c, text(c, lang)) for c in ("importance", "company_geopolrisk",
                                         "non_substitutability")]
    cube = go.Figure(go.Scatter3d(
        x=table[axes[0][0]], y=table[axes[1][0]], z=table[axes[2][0]],
        mode="markers+text", text=names, marker={"size": 6}))
    cube.update_layout(title=text("importance_risk_subst", lang), width=700, height=560,
                       scene={"xaxis_title": axes[0][1], "yaxis_title": axes[1][1],
                              "zaxis_title": axes[2][1]})
    proj = make_subplots(rows=1, cols=3)
    for i, (a, b) in enumerate(((0, 1), (0, 2), (1, 2)), start=1):
        proj.add_trace(go.Scatter(x=table[axes[a][0]], y=table[axes[b][0]],
                                  mode="markers+text", text=names, showlegend=False,
                                  textposition="top center"), row=1, col=i)
        proj.update_xaxes(title_text=axes[a][1], row=1, col=i)
        proj.update_yaxes(title_text=axes[b][1], row=1, col=i)
    proj.update_layout(title=text("importance_risk_subst", lang), width=1200, height=420)
    return cube, proj
