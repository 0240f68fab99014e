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
                 after: pd.DataFrame | None = None, title_suffix: str = "",
                 trace_keys: tuple[str, str] = ("before", "after")) -> Any:
    """Plotly figure for one importer × commodity from tidy assessment ``values``
    (``importer, commodity_id, axis, value``); ``after`` adds the what-if trace;
    ``trace_keys`` are the string keys of the two traces' names (a shock: before and
    after the shock, not a policy)."""
    import plotly.graph_objects as go

    def series(frame: pd.DataFrame) -> list[float | None]:
        v = frame[(frame["importer"] == importer) & (frame["commodity_id"] == commodity_id)]
        v = v.set_index("axis")["value"].reindex(list(AXES))
        return [None if pd.isna(x) else float(x) for x in v]

    r0 = series(values)
    # on a line of its own: a side label stays inside the figure ("6." was cut off)
    missing = f"<br>（{text('missing', lang)}）" if lang == "ja" else \
        f"<br>({text('missing', lang).lower()})"
    theta = [f"{i}. {_wrap(label('axis', a, lang))}" + (missing if r0[i - 1] is None else "")
             for i, a in enumerate(AXES, start=1)]
    fig = go.Figure()
    traces = [("before", r0)] + ([("after", series(after))] if after is not None else [])
    names = dict(zip(("before", "after"), (text(k, lang) for k in trace_keys), strict=True))
    for name, r in traces:
        present = [(v, th) for v, th in zip(r, theta, strict=True) if v is not None]
        rs = [v for v, _ in present]
        ths = [th for _, th in present]
        fig.add_trace(go.Scatterpolar(
            r=rs + rs[:1], theta=ths + ths[:1], name=names[name], fill="toself",
            line={"color": COLOURS[name]}, opacity=0.75,
            hovertemplate="%{theta}: %{r:.3f}<extra>" + names[name] + "</extra>"))
    name = label("commodity", commodity_id, lang)
    fig.update_layout(
        title={"text": f"{name} — {importer}{title_suffix}", "x": 0.5},
        polar={"radialaxis": {"range": [0, 1], "tickvals": [0, 0.2, 0.4, 0.6, 0.8, 1.0]},
               "angularaxis": {"direction": "clockwise", "rotation": 90,
                               "type": "category", "categoryarray": theta}},
        showlegend=after is not None, margin={"l": 120, "r": 120, "t": 70, "b": 70},
        width=600, height=490, font={"family": "Noto Sans CJK JP, Noto Sans JP, sans-serif"})
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


SHORTFALL_COLOURS = {"direct": "#7f7f7f", "resourced": "#2ca02c", "shortfall": "#d62728"}
FONT = {"family": "Noto Sans CJK JP, Noto Sans JP, sans-serif"}


def shortfall_figure(impacts: pd.DataFrame, assumptions: Any, lang: str = "ja",
                     bands: pd.DataFrame | None = None, draws: int | None = None,
                     command: str = "scenario run") -> Any:
    """Bars of direct loss, re-sourced supply and residual shortfall (t) per importer ×
    commodity stage, in ``lang``: title (the scenario's name and trade year), legend,
    axis, commodity and stage names, and under the bars the assumptions the result rests
    on (:func:`critmin.views.shock_text.assumption_lines`: cuts, ω, κ, caveats) and why
    rows have no figures. ``bands`` (``importer, commodity_id, stage, q05, q50, q95`` of
    the shortfall, from ``draws`` Monte Carlo draws) draws the median shortfall with its
    5–95 % interval, and the ranges the draws come from."""
    import plotly.graph_objects as go

    from critmin.views import shock_text

    f = impacts[impacts["missing"] == ""].copy()
    f["cell"] = [_cell(i, c, s, lang) for i, c, s in zip(
        f["importer"], f["commodity_id"], f["stage"], strict=True)]
    fig = go.Figure()
    for part, column in (("direct", "direct_loss_t"), ("resourced", "resourced_t")):
        fig.add_bar(name=text(f"chart_{part}_loss" if part == "direct" else
                              f"chart_{part}", lang), x=f["cell"], y=f[column],
                    marker_color=SHORTFALL_COLOURS[part])
    if bands is not None:
        b = f.merge(bands, on=["importer", "commodity_id", "stage"], how="left")
        err = {"type": "data", "symmetric": False, "array": (b["q95"] - b["q50"]).clip(lower=0),
               "arrayminus": (b["q50"] - b["q05"]).clip(lower=0), "visible": True}
        fig.add_bar(name=text("chart_shortfall_band", lang), x=b["cell"], y=b["q50"],
                    error_y=err, marker_color=SHORTFALL_COLOURS["shortfall"])
        subtitle = text("chart_bands_title", lang).format(draws=draws or 0)
    else:
        fig.add_bar(name=text("chart_shortfall", lang), x=f["cell"], y=f["shortfall_t"],
                    marker_color=SHORTFALL_COLOURS["shortfall"])
        subtitle = ""
    lines = shock_text.missing_lines(list(impacts["missing"]), lang) + \
        shock_text.assumption_lines(assumptions, lang, monte_carlo=bands is not None)
    return _with_caption(fig, shock_text.title(assumptions, command, lang), subtitle, lines,
                         lang, max(760, 140 * len(f) + 120))


def _cell(importer: str, commodity_id: str, stage: str, lang: str) -> str:
    """An x-axis label: importer and commodity, the stage on a second line."""
    from critmin.catalog.reasons import STAGE_NAMES
    from critmin.views.shock_text import commodity

    sep = "・" if lang == "ja" else " · "
    return (f"{importer}{sep}{commodity(commodity_id, lang)}<br>"
            f"{STAGE_NAMES.get(stage, {}).get(lang, stage)}")


def _wrap_text(line: str, cells: int) -> list[str]:
    """``line`` cut into lines of at most ``cells`` terminal cells: at spaces for
    Latin text, between any two characters for Japanese (a Japanese character is
    two cells, as wide as two Latin ones on a chart)."""
    import textwrap

    from rich.cells import cell_len

    if cell_len(line) == len(line):
        return textwrap.wrap(line, cells) or [""]
    out, current = [], ""
    for ch in line:
        if cell_len(current + ch) > cells:
            out.append(current)
            current = ""
        current += ch
    return [*out, current]


def _with_caption(fig: Any, title: str, subtitle: str, lines: list[str], lang: str,
                  width: int) -> Any:
    """``fig`` with its title (and a smaller subtitle), axis title, and ``lines`` as a
    caption under the plot, all wrapped to the figure's width."""
    per_line = max(40, (width - 80) // 7)
    heading = "<br>".join(_wrap_text(title, max(30, (width - 40) // 10)))
    if subtitle:
        heading += f"<br><span style='font-size:13px'>{subtitle}</span>"
    top = 24 * heading.count("<br>") + 60
    wrapped = [w for line in lines for w in _wrap_text(line, per_line)]
    caption = 18 * len(wrapped) + 30
    fig.add_annotation(text="<br>".join(wrapped), xref="paper", yref="paper", x=0,
                       y=0, yshift=-60, xanchor="left", yanchor="top", align="left",
                       showarrow=False, font={"size": 12})
    fig.update_layout(title={"text": heading, "x": 0, "xref": "paper", "xanchor": "left",
                             "yref": "paper", "y": 1, "yanchor": "bottom",
                             "pad": {"b": 40}, "automargin": True},
                      barmode="group", font=FONT, yaxis_title=text("chart_axis_t", lang),
                      xaxis={"tickangle": 0}, width=width, height=400 + top + caption,
                      margin={"l": 80, "r": 40, "t": top, "b": 60 + caption},
                      legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0})
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
    from critmin.views.tables import cell

    name = label("commodity", record["mineral"], lang)
    scenario = cell(record["scenario"], "scenario", lang)
    region = cell(record["region"], "importer", lang)  # a country code, or "world"
    fig.update_layout(
        title=f"{text('demand_title', lang)}: {name} ({scenario}, {region}) — "
              f"{text('cagr', lang)} 2019–2050 {100 * record['cagr_2019_2050']:.1f} %",
        yaxis_title=f"{text('demand_axis', lang)} ({record['unit']})", width=760, height=440,
        font={"family": "Noto Sans CJK JP, Noto Sans JP, sans-serif"})
    return fig
