"""The company exposure report: one HTML file (tables, the three matrices, actions, price
sensitivity) and an Excel workbook of the same tables, ja or en.

Thin: every number comes from the response of :func:`critmin.service.exposure.exposure`.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from critmin.catalog.tables import read_table
from critmin.views.charts import figure_div, plotly_js
from critmin.views.i18n import label, text
from critmin.views.output import atomic_write
from critmin.views.report import CSS, html_table, write_book

EXPOSURE_COLUMNS = ["commodity_id", "mass_t", "value", "supplier_hhi", "top_country",
                    "top_share", "governance_risk", "company_geopolrisk", "quadrant",
                    "exposure", "resilience", "importance", "non_substitutability",
                    "cube_cell", "type"]


def _exposure_table(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    shown = table[EXPOSURE_COLUMNS].copy()
    shown.insert(0, text("commodity", lang), [label("commodity", c, lang)
                                              for c in shown["commodity_id"]])
    shown["type"] = [label("type", x, lang) if isinstance(x, str) else "" for x in shown["type"]]
    shown["quadrant"] = [text(q, lang) for q in shown["quadrant"]]
    shown["cube_cell"] = ["/".join(text(w, lang) for w in c.split("/"))
                          for c in shown["cube_cell"]]
    return shown.drop(columns="commodity_id").rename(columns={
        c: text("spend" if c == "value" else c, lang) for c in EXPOSURE_COLUMNS
        if c != "commodity_id"})


def _exposure_actions(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    names = {r["action_id"]: r for r in read_table("company_actions")}
    strength = {"recommended": ("recommended", "推奨"), "consider": ("consider", "検討")}
    return pd.DataFrame([
        {text("commodity", lang): label("commodity", c, lang),
         text("actions", lang): names[a["action"]][f"name_{lang}"] + " ("
         + strength[a["strength"]][0 if lang == "en" else 1] + ")",
         text("type_reason", lang): a["reason_ja" if lang == "ja" else "reason"]}
        for c, acts in zip(table["commodity_id"], table["actions"], strict=True) for a in acts])


def _sensitivity_table(sensitivity: pd.DataFrame, lang: str) -> pd.DataFrame:
    return sensitivity.rename(columns={
        "product": text("product", lang), "material_cost": text("material_cost", lang),
        "cost_change": text("cost_change", lang),
        "cost_change_per_unit": text("cost_change", lang) + " / unit"
        if lang == "en" else "単位あたりコスト変化",
        "cost_change_share": text("cost_change_share", lang)})


def _exposure_page(table: pd.DataFrame, shown: pd.DataFrame, actions: pd.DataFrame,
                   sensitivity: pd.DataFrame | None, name: str, lang: str) -> str:
    from critmin.views.exposure_charts import exposure_figures

    figs = exposure_figures(table, lang)
    parts = [f"<h1>{html.escape(text('exposure_title', lang))} — {html.escape(name)}</h1>",
             f"<h2>{text('summary', lang)}</h2>", html_table(shown),
             f"<h2>{text('risk_share', lang)}</h2>", figure_div(figs["risk_share"]),
             f"<h2>{text('actions', lang)}</h2>", html_table(actions),
             f"<h2>{text('exposure_resilience', lang)}</h2>",
             figure_div(figs["exposure_resilience"]),
             f"<h2>{text('importance_risk_subst', lang)}</h2>", figure_div(figs["cube"]),
             figure_div(figs["projections"])]
    if sensitivity is not None:
        parts += [f"<h2>{text('price_sensitivity', lang)}</h2>", html_table(sensitivity)]
    return (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
            f"<title>{html.escape(text('exposure_title', lang))}</title><style>{CSS}</style>"
            f"<script>{plotly_js()}</script></head><body>{''.join(parts)}</body></html>")


def write_exposure_report(table: pd.DataFrame, sensitivity: pd.DataFrame | None,
                          out_dir: Path, name: str, lang: str = "ja") -> dict[str, Path]:
    """``exposure_<name>_<lang>.html`` (tables and the three matrices) and ``.xlsx``."""
    shown = _exposure_table(table, lang)
    actions = _exposure_actions(table, lang)
    if sensitivity is not None:
        sensitivity = _sensitivity_table(sensitivity, lang)
    page = _exposure_page(table, shown, actions, sensitivity, name, lang)
    stem = out_dir / f"exposure_{name}_{lang}"
    with atomic_write(stem.with_suffix(".html")) as html_file, \
            atomic_write(stem.with_suffix(".xlsx")) as book:
        html_file.write_text(page, encoding="utf-8")
        sheets = {text("summary", lang): shown, text("actions", lang): actions}
        if sensitivity is not None:
            sheets[text("price_sensitivity", lang)] = sensitivity
        write_book(book, sheets)
    return {"html": stem.with_suffix(".html"), "xlsx": stem.with_suffix(".xlsx")}
