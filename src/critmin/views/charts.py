"""Radar charts of the six-indicator assessment (Plotly): interactive HTML, PNG or SVG.

One chart per importer × commodity, six axes in the study's order, labels in Japanese or
English, an optional "after" trace over the "before" one for a what-if. A missing axis
is left out of the polygon (its neighbours are joined) and marked "(欠測)/(missing)" on its
label — never drawn as 0.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from critmin.errors import CritminError
from critmin.methods.meti6 import AXES
from critmin.views.i18n import label, text

COLOURS = {"before": "#1f77b4", "after": "#d62728"}


def radar_figure(values: pd.DataFrame, importer: str, commodity_id: str, lang: str = "ja",
                 after: pd.DataFrame | None = None, title_suffix: str = "") -> Any:
    """Plotly figure for one importer × commodity from tidy assessment ``values``
    (``importer, commodity_id, axis, value``); ``after`` adds the what-if trace."""
    import plotly.graph_objects as go

    def series(frame: pd.DataFrame) -> list[float | None]:
        v = frame[(frame["importer"] == importer) & (frame["commodity_id"] == commodity_id)]
        v = v.set_index("axis")["value"].reindex(list(AXES))
        return [None if pd.isna(x) else float(x) for x in v]

    r0 = series(values)
    missing = f"（{text('missing', lang)}）" if lang == "ja" else \
        f" ({text('missing', lang).lower()})"
    theta = [f"{i}. {_wrap(label('axis', a, lang))}" + (missing if r0[i - 1] is None else "")
             for i, a in enumerate(AXES, start=1)]
    fig = go.Figure()
    traces = [("before", r0)] + ([("after", series(after))] if after is not None else [])
    for name, r in traces:
        present = [(v, th) for v, th in zip(r, theta, strict=True) if v is not None]
        rs = [v for v, _ in present]
        ths = [th for _, th in present]
        fig.add_trace(go.Scatterpolar(
            r=rs + rs[:1], theta=ths + ths[:1], name=text(name, lang), fill="toself",
            line={"color": COLOURS[name]}, opacity=0.75,
            hovertemplate="%{theta}: %{r:.3f}<extra>" + text(name, lang) + "</extra>"))
    name = label("commodity", commodity_id, lang)
    fig.update_layout(
        title={"text": f"{name} — {importer}{title_suffix}", "x": 0.5},
        polar={"radialaxis": {"range": [0, 1], "tickvals": [0, 0.2, 0.4, 0.6, 0.8, 1.0]},
               "angularaxis": {"direction": "clockwise", "rotation": 90,
                               "type": "category", "categoryarray": theta}},
        showlegend=after is not None, margin={"l": 120, "r": 120, "t": 70, "b": 40},
        width=600, height=460, font={"family": "Noto Sans CJK JP, Noto Sans JP, sans-serif"})
    return fig


def _wrap(name: str, width: int = 9) -> str:
    """Break a long axis name (before its bracket, else in the middle) so labels stay
    inside the figure."""
    if "（" in name or " (" in name:
        return name.replace("（", "<br>（").replace(" (", "<br>(")
    if len(name) <= width:
        return name
    if " " in name:
        return name.replace(" ", "<br>", 1)
    return name[: len(name) // 2] + "<br>" + name[len(name) // 2:]


def write_figure(fig: Any, path: Path) -> Path:
    """Write ``fig`` as HTML (self-contained), PNG or SVG, chosen by the file suffix."""
    from critmin.views.output import atomic_write

    suffix = path.suffix.lower()
    if suffix not in (".html", ".png", ".svg"):
        raise CritminError(f"chart file {path.name}: use .html, .png or .svg")
    if suffix != ".html":
        browser_for_static_images()
    with atomic_write(path) as tmp:
        if suffix == ".html":
            fig.write_html(tmp, include_plotlyjs=True, full_html=True)
        else:
            fig.write_image(tmp)
    return path


def browser_for_static_images() -> str:
    """Path of the Chromium that Kaleido drives for PNG/SVG (``BROWSER_PATH``)."""
    found = os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which(
        "chromium-browser") or shutil.which("google-chrome")
    if not found:
        raise CritminError("PNG/SVG charts need Chromium (Debian: apt-get install chromium) "
                           "or set BROWSER_PATH; HTML charts need nothing")
    os.environ["BROWSER_PATH"] = found
    return found


def plotly_js() -> str:
    """The plotly.js bundle, to inline once in a self-contained report."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def figure_div(fig: Any) -> str:
    """An HTML ``div`` of ``fig`` that uses a plotly.js already on the page."""
    return fig.to_html(full_html=False, include_plotlyjs=False,
                       config={"displaylogo": False, "responsive": True})


def shortfall_figure(impacts: pd.DataFrame, title: str,
                     bands: pd.DataFrame | None = None) -> Any:
    """Bars of direct loss, re-sourced supply and residual shortfall (t) per importer ×
    commodity stage; ``bands`` (``importer, commodity_id, stage, q05, q50, q95`` of the
    shortfall) adds the Monte Carlo 5–95 % interval on the shortfall bar."""
    import plotly.graph_objects as go

    f = impacts[impacts["missing"] == ""].copy()
    f["cell"] = f["importer"] + " · " + f["commodity_id"] + " (" + f["stage"] + ")"
    fig = go.Figure()
    fig.add_bar(name="direct loss", x=f["cell"], y=f["direct_loss_t"])
    fig.add_bar(name="re-sourced", x=f["cell"], y=f["resourced_t"])
    err = None
    if bands is not None:
        b = f.merge(bands, on=["importer", "commodity_id", "stage"], how="left")
        err = {"type": "data", "symmetric": False, "array": (b["q95"] - b["q50"]).clip(lower=0),
               "arrayminus": (b["q50"] - b["q05"]).clip(lower=0), "visible": True}
        fig.add_bar(name="shortfall (median, 5–95 %)", x=b["cell"], y=b["q50"], error_y=err)
    else:
        fig.add_bar(name="shortfall", x=f["cell"], y=f["shortfall_t"])
    fig.update_layout(title=title, barmode="group", yaxis_title="t (trade weight)",
                      height=480, width=max(600, 90 * len(f)))
    return fig


def demand_figure(record: dict[str, Any], lang: str = "ja") -> Any:
    """Stacked areas of the three demand parts of one :func:`critmin.analysis.demand.
    forecast` record (new uses, regulated uses, other uses)."""
    import plotly.graph_objects as go

    years = sorted(record["series"])
    fig = go.Figure()
    for part, colour in (("other", "#7f7f7f"), ("regulated", "#ff7f0e"), ("new", "#2ca02c")):
        fig.add_trace(go.Scatter(
            x=years, y=[record["series"][y][part] for y in years], stackgroup="one",
            name=text(f"demand_{part}", lang), line={"color": colour}))
    name = label("commodity", record["mineral"], lang)
    fig.update_layout(
        title=f"{text('demand_title', lang)}: {name} ({record['scenario']}, "
              f"{record['region']}) — CAGR 2019–2050 {100 * record['cagr_2019_2050']:.1f} %",
        yaxis_title=f"{text('demand_axis', lang)} ({record['unit']})", width=760, height=440,
        font={"family": "Noto Sans CJK JP, Noto Sans JP, sans-serif"})
    return fig
