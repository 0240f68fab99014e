"""Plotly figures of the web pages that the report has no counterpart for: the risk ×
share matrix of every commodity, indicator time series and the bars of producers and
import partners. Labels in Japanese or English; values exactly as the responses give
them (nothing computed here but which rows to draw)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from critmin.views.i18n import label, text

FONT = {"family": "Noto Sans CJK JP, Noto Sans JP, sans-serif"}
TYPE_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                "#e377c2", "#7f7f7f", "#17becf", "#bcbd22")
SERIES = ("production_hhi", "production_top1_share", "import_hhi", "import_governance")
"""Indicators of the time-series chart (each 0–1)."""
TOP = 10
"""Bars per stage in the producer and partner charts."""


def matrix_figure(points: pd.DataFrame, lang: str, x: str, y: str,
                  thresholds: dict[str, float]) -> Any:
    """Every commodity placed by two of its six axes (``points``: ``commodity``, ``type``
    and one column per axis), one colour per type; the typology's threshold on an axis
    (``thresholds``: axis → θ) drawn as a dashed line."""
    import plotly.graph_objects as go

    fig = go.Figure()
    placed = points.dropna(subset=[x, y])
    for i, (kind, part) in enumerate(placed.groupby("type", sort=True)):
        names = [label("commodity", c, lang) for c in part["commodity"]]
        fig.add_trace(go.Scatter(
            x=part[x], y=part[y], mode="markers+text", text=names, name=label("type", kind, lang),
            textposition="top center", customdata=list(part["commodity"]),
            marker={"size": 11, "color": TYPE_COLOURS[i % len(TYPE_COLOURS)]},
            hovertemplate="%{text}<br>%{x:.3f}, %{y:.3f}<extra>%{fullData.name}</extra>"))
    if x in thresholds:
        fig.add_vline(x=thresholds[x], line_dash="dash", line_color="#888")
    if y in thresholds:
        fig.add_hline(y=thresholds[y], line_dash="dash", line_color="#888")
    fig.update_layout(
        font=FONT, height=600,
        xaxis={"title": label("axis", x, lang), "range": [0, 1.05]},
        yaxis={"title": label("axis", y, lang), "range": [0, 1.05]},
        legend={"title": {"text": text("type", lang)}}, margin={"t": 30})
    return fig


def series_figure(frame: pd.DataFrame, lang: str) -> Any:
    """One line per indicator of :data:`SERIES` × stage over the years (``frame``: the
    rows of an indicators response)."""
    import plotly.graph_objects as go

    from critmin.catalog.reasons import STAGE_NAMES

    f = frame[frame["indicator"].astype(str).isin(SERIES) & frame["value"].notna()]
    fig = go.Figure()
    for (ind, stage), part in f.groupby([f["indicator"].astype(str),
                                         f["stage"].astype(str)], sort=True):
        name = label("indicator", ind, lang)
        shown = STAGE_NAMES.get(stage, {}).get(lang, "")
        fig.add_trace(go.Scatter(x=part["year"], y=part["value"], mode="lines+markers",
                                 name=bracketed(name, shown, lang)))
    fig.update_layout(font=FONT, height=420,
                      yaxis={"range": [0, 1.02], "title": text("value", lang)},
                      xaxis={"title": text("year", lang)}, margin={"t": 30})
    return fig


def without_caption(fig: Any) -> Any:
    """A chart without the title and caption :func:`critmin.views.charts.
    shortfall_figure` draws into it: the page states both as text beside it."""
    fig.layout.annotations = ()
    fig.update_layout(title=None, height=460, margin={"t": 40, "b": 90})
    return fig


def bracketed(name: str, extra: str, lang: str) -> str:
    """``name (extra)``; Japanese brackets in Japanese."""
    if not extra:
        return name
    return f"{name}（{extra}）" if lang == "ja" else f"{name} ({extra})"


def bars_figure(rows: list[dict[str, Any]], where: str, lang: str, title_key: str) -> Any:
    """Horizontal bars of the :data:`TOP` largest shares per stage (``rows``: producer
    or partner rows of an explain response; ``where``: their country column)."""
    import plotly.graph_objects as go

    from critmin.catalog.reasons import STAGE_NAMES
    from critmin.views.tables import header
    from critmin.views.web.pages_common import country

    frame = pd.DataFrame(rows, columns=["stage", where, "share"]).dropna(subset=["share"])
    fig = go.Figure()
    for stage, part in frame.groupby("stage", sort=True):
        top = part.sort_values("share", ascending=False).head(TOP).iloc[::-1]
        fig.add_trace(go.Bar(
            x=top["share"], y=[country(str(c), lang) for c in top[where]], orientation="h",
            name=STAGE_NAMES.get(str(stage), {}).get(lang, str(stage)),
            hovertemplate="%{y}: %{x:.1%}<extra>%{fullData.name}</extra>"))
    fig.update_layout(title=text(title_key, lang), font=FONT, barmode="group",
                      height=max(320, 60 + 26 * min(TOP, max(len(frame), 1)) * max(
                          frame["stage"].nunique(), 1)),
                      xaxis={"tickformat": ".0%", "title": header("share", lang)},
                      margin={"l": 170, "t": 60})
    return fig
