"""Charts of the early-warning backtest: each episode's price or unit-value series with
its signals, marked when they were published, and the episode's date (Plotly, ja/en)."""

from __future__ import annotations

from typing import Any

from critmin.views.i18n import label, text

TIER_COLOURS = {"watch": "#f2b701", "medium_term": "#e57300", "immediate": "#c0392b"}
FONT = {"family": "Noto Sans CJK JP, Noto Sans JP, sans-serif"}


def episode_figure(series: dict[str, Any], name: str, lang: str = "ja") -> Any:
    """The series of one episode (:class:`critmin.service.signals.EpisodeSeries` as a
    dict), a marker per signal at its publication date (colour: tier) and a dashed line
    at the episode's date."""
    import plotly.graph_objects as go

    fig = go.Figure()
    if series["points"]:
        x, y = zip(*series["points"], strict=True)
        fig.add_trace(go.Scatter(x=list(x), y=list(y), mode="lines", showlegend=False,
                                 name=series["key"], line={"color": "#34495e"}))
    for tier, colour in TIER_COLOURS.items():
        marks = [m for m in series["marks"] if m[2] == tier and m[1] is not None]
        if marks:
            fig.add_trace(go.Scatter(
                x=[m[0] for m in marks], y=[m[1] for m in marks], mode="markers",
                marker={"color": colour, "size": 9},
                name=f"{text('signal_chart_published', lang)}: "
                     f"{text(f'signal_tier_{tier}', lang)}",
                text=[text(f"signal_rule_{m[3]}", lang) for m in marks]))
    fig.add_vline(x=series["date"], line={"dash": "dash", "color": "#7f7f7f"})
    fig.add_annotation(x=series["date"], y=1, yref="paper", showarrow=False, yanchor="bottom",
                       text=text("signal_chart_episode", lang))
    what = label("commodity", series["commodity_id"], lang)
    sub = (text(f"signal_chart_kind_{series['kind']}", lang).format(
        hs6=str(series["key"]).rsplit(":", 1)[-1]) if series["key"]
        else text("signal_chart_no_series", lang))
    fig.update_layout(title=text("signal_chart_title", lang).format(episode=name,
                                                                    series=f"{what} ({sub})"),
                      yaxis_title=f"{text('signal_chart_axis', lang)} ({series['unit'] or ''})",
                      width=820, height=440, font=FONT, legend={"orientation": "h"})
    return fig
