"""The assessment report: one self-contained HTML file and an Excel workbook of the same
tables (summary, radar grid, types and packages, what-if, data gaps, sources), ja or en.

Thin: every number comes from :mod:`critmin.analysis.assessment` and
:mod:`critmin.analysis.whatif`; this module only lays them out.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from critmin.analysis.assessment import Assessment
from critmin.catalog.tables import read_table
from critmin.methods.meti6 import AXES
from critmin.views.charts import figure_div, plotly_js, radar_figure
from critmin.views.i18n import label, reason, text

CSS = """
body{font-family:'Noto Sans CJK JP','Noto Sans JP',system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:1.5em}h2{border-bottom:2px solid #1f77b4;padding-bottom:4px;margin-top:2em}
table{border-collapse:collapse;font-size:.9em;margin:8px 0}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f2f5f9}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.na{color:#999;text-align:center}.grid{display:flex;flex-wrap:wrap;gap:8px}
.radar{border:1px solid #ddd}.focus{background:#ffe3e0}.where_conditions_fit{background:#fff6d6}
.not_suitable{background:#eee;color:#777}.monitor{background:#eef}.small{color:#666;font-size:.85em}
"""


SHEETS = {"summary": "summary", "indicators": "indicators", "packages": "types_and_packages",
          "data_gaps": "data_gaps", "whatif": "whatif", "levers": "lever", "sources": "sources"}
LEVER_MEASURE = {"mine": "mine_investment", "smelter": "smelter_investment",
                 "saving": "saving_substitution", "recycling": "recycling_technology"}


@dataclass(frozen=True)
class WhatIfResult:
    """Before/after assessments of a lever set and its description rows."""

    before: Assessment
    after: Assessment
    deltas: pd.DataFrame
    levers: pd.DataFrame  # lever, commodity_id, parameters (dict), source, source_ja


def report_tables(a: Assessment, lang: str, whatif: WhatIfResult | None = None,
                  sources: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The report's tables with labels in ``lang`` (the workbook's sheets)."""
    t = a.types.copy()
    wide = a.wide()
    summary = wide.merge(t, on=["importer", "commodity_id"])
    summary.insert(1, text("commodity", lang),
                   [label("commodity", c, lang) for c in summary["commodity_id"]])
    summary[text("type", lang)] = [label("type", x, lang) for x in summary["type"]]
    summary[text("type_reason", lang)] = summary["type_reason_ja" if lang == "ja"
                                                 else "type_reason"]
    summary = summary.rename(columns={ax: label("axis", ax, lang) for ax in AXES} | {
        "importer": text("importer", lang), "near_threshold": text("near_threshold", lang)})
    summary = summary.drop(columns=["commodity_id", "type", "rule", "type_reason",
                                    "type_reason_ja", "min_margin"])
    v = a.values.copy()
    v[text("commodity", lang)] = [label("commodity", c, lang) for c in v["commodity_id"]]
    v[text("axis", lang)] = [label("axis", x, lang) for x in v["axis"]]
    v["missing"] = [reason(m, lang) for m in v["missing"]]
    keep = ["importer", text("commodity", lang), "year", text("axis", lang), "value", "raw",
            "missing", "detail", "source_ids"] + (["basis"] if lang == "en" else [])
    indicators = v[keep].rename(columns={k: text(k, lang) for k in (
        "importer", "year", "value", "raw", "missing", "detail", "basis")} | {
        "source_ids": text("sources", lang)})
    gaps = v[v["missing"] != ""][["importer", text("commodity", lang), text("axis", lang),
                                  "missing"]].rename(columns={
                                      "importer": text("importer", lang),
                                      "missing": text("missing", lang)})
    pk = a.packages.copy()
    packages = pd.DataFrame({
        text("type", lang): [label("type", x, lang) for x in pk["type"]],
        text("measure", lang): [label("measure", m, lang) for m in pk["measure_id"]],
        text("level", lang): [label("level", lv, lang) + (
            " " + text("certainty_uncertain", lang) if c == "uncertain" else "")
            for lv, c in zip(pk["level"], pk["certainty"], strict=True)]})
    tables = {"summary": summary, "indicators": indicators, "packages": packages,
              "data_gaps": gaps}
    if whatif is not None:
        d = whatif.deltas.copy()
        tables["whatif"] = pd.DataFrame({
            text("importer", lang): d["importer"],
            text("commodity", lang): [label("commodity", c, lang) for c in d["commodity_id"]],
            text("axis", lang): [label("axis", x, lang) for x in d["axis"]],
            text("before", lang): d["before"], text("after", lang): d["after"],
            text("delta", lang): d["delta"]})
        lv = whatif.levers
        tables["levers"] = pd.DataFrame({
            text("lever", lang): [label("measure", LEVER_MEASURE[k], lang) for k in lv["lever"]],
            text("commodity", lang): [label("commodity", c, lang) for c in lv["commodity_id"]],
            text("parameters", lang): [", ".join(f"{text('param_' + k, lang)} {v}"
                                                 for k, v in p.items()) for p in lv["parameters"]],
            text("source", lang): lv["source_ja" if lang == "ja" else "source"]})
    if sources is not None:
        tables["sources"] = sources.rename(columns={c: text(c, lang) for c in sources.columns})
    return tables


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return '<td class="na">—</td>' if pd.isna(value) else f'<td class="num">{value:.3f}</td>'
    if isinstance(value, bool):
        return f"<td>{'✓' if value else ''}</td>"
    return f"<td>{html.escape('' if value is None else str(value))}</td>"


def html_table(frame: pd.DataFrame, drop: tuple[str, ...] = ()) -> str:
    """A plain HTML table (NaN shown as —)."""
    cols = [c for c in frame.columns if c not in drop]
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>"
                   for row in frame[cols].itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _package_table(a: Assessment, lang: str) -> str:
    levels = {(r.type, r.measure_id): (r.level, r.level_class, r.certainty)
              for r in a.packages.itertuples(index=False)}
    measures = list(dict.fromkeys(a.packages["measure_id"]))
    head = (f"<th>{text('commodity', lang)}</th><th>{text('type', lang)}</th>"
            f"<th>{text('type_reason', lang)}</th>" +
            "".join(f"<th>{html.escape(label('measure', m, lang))}</th>" for m in measures))
    rows = []
    reason_col = "type_reason_ja" if lang == "ja" else "type_reason"
    for r in a.types.itertuples(index=False):
        cells = []
        for m in measures:
            lv, cls, cert = levels[(r.type, m)]
            mark = " *" if cert == "uncertain" else ""
            cells.append(f'<td class="{cls}">{html.escape(label("level", lv, lang))}{mark}</td>')
        near = f" <span class='small'>({text('near_threshold', lang)})</span>" \
            if r.near_threshold else ""
        rows.append(f"<tr><td>{html.escape(label('commodity', r.commodity_id, lang))}</td>"
                    f"<td>{html.escape(label('type', r.type, lang))}{near}</td>"
                    f"<td class='small'>{html.escape(getattr(r, reason_col))}</td>"
                    + "".join(cells) + "</tr>")
    return (f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<p class='small'>* {html.escape(text('certainty_uncertain', lang))}</p>")


def write_report(a: Assessment, out_dir: Path, lang: str = "ja",
                 whatif: WhatIfResult | None = None, sources: pd.DataFrame | None = None,
                 store_note: str = "") -> dict[str, Path]:
    """Write ``report_<importer>_<year>_<lang>.html`` and ``.xlsx`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    importers = list(dict.fromkeys(a.types["importer"]))
    stem = f"report_{'_'.join(importers)}_{a.inputs.year}_{lang}"
    tables = report_tables(a, lang, whatif, sources)
    radars = []
    for r in a.types.itertuples(index=False):
        fig = radar_figure(a.values, r.importer, r.commodity_id, lang,
                           title_suffix=f" · {label('type', r.type, lang)}")
        radars.append(f'<div class="radar" data-commodity="{r.commodity_id}">'
                      f"{figure_div(fig)}</div>")
    parts = [
        f"<h1>{html.escape(text('report_title', lang))} — {', '.join(importers)}, "
        f"{a.inputs.year}</h1>",
        f"<p class='small'>{html.escape(text('generated', lang))} "
        f"{datetime.now(UTC).isoformat(timespec='seconds')} · {html.escape(store_note)}</p>",
        f"<p>{html.escape(text('scale_note', lang))}</p>",
        f"<h2>{text('summary', lang)}</h2>", html_table(tables["summary"]),
        f"<h2>{text('radar_charts', lang)}</h2><div class='grid'>{''.join(radars)}</div>",
        f"<h2>{text('types_and_packages', lang)}</h2>", _package_table(a, lang),
        f"<h2>{text('whatif', lang)}</h2>",
    ]
    if whatif is None:
        parts.append(f"<p>{html.escape(text('no_whatif', lang))}</p>")
    else:
        parts.append(html_table(tables["levers"]))
        changed = whatif.deltas[whatif.deltas["delta"].abs() > 1e-12]
        cells = changed[["importer", "commodity_id"]].drop_duplicates()
        overlay = []
        for r in cells.itertuples(index=False):
            fig = radar_figure(whatif.before.values, r.importer, r.commodity_id, lang,
                               after=whatif.after.values)
            overlay.append(f'<div class="radar whatif" data-commodity="{r.commodity_id}">'
                           f"{figure_div(fig)}</div>")
        parts.append(f"<div class='grid'>{''.join(overlay)}</div>")
        shown = tables["whatif"][whatif.deltas["delta"].abs() > 1e-12]
        parts.append(html_table(shown))
    parts += [f"<h2>{text('data_gaps', lang)}</h2>", html_table(tables["data_gaps"])]
    if sources is not None:
        parts += [f"<h2>{text('sources', lang)}</h2>", html_table(tables["sources"])]
    parts.append(f"<p class='small'>{html.escape(text('method_note', lang))}</p>")
    page = (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
            f"<title>{html.escape(text('report_title', lang))} {', '.join(importers)} "
            f"{a.inputs.year}</title><style>{CSS}</style>"
            f"<script>{plotly_js()}</script></head><body>{''.join(parts)}</body></html>")
    html_path = out_dir / f"{stem}.html"
    html_path.write_text(page, encoding="utf-8")
    xlsx_path = out_dir / f"{stem}.xlsx"
    with pd.ExcelWriter(xlsx_path, engine="openpyxl") as xl:
        for name, frame in tables.items():
            frame.to_excel(xl, sheet_name=text(SHEETS[name], lang)[:31], index=False)
    return {"html": html_path, "xlsx": xlsx_path}


EXPOSURE_COLUMNS = ["commodity_id", "mass_t", "value", "supplier_hhi", "top_country",
                    "top_share", "governance_risk", "company_geopolrisk", "quadrant",
                    "exposure", "resilience", "importance", "non_substitutability",
                    "cube_cell", "type"]


def write_exposure_report(table: pd.DataFrame, sensitivity: pd.DataFrame | None,
                          out_dir: Path, name: str, lang: str = "ja") -> dict[str, Path]:
    """``exposure_<name>_<lang>.html`` (tables and the three matrices) and ``.xlsx``."""
    from critmin.views.charts import exposure_figures

    out_dir.mkdir(parents=True, exist_ok=True)
    shown = table[EXPOSURE_COLUMNS].copy()
    shown.insert(0, text("commodity", lang), [label("commodity", c, lang)
                                              for c in shown["commodity_id"]])
    shown["type"] = [label("type", x, lang) if isinstance(x, str) else "" for x in shown["type"]]
    shown["quadrant"] = [text(q, lang) for q in shown["quadrant"]]
    shown["cube_cell"] = ["/".join(text(w, lang) for w in c.split("/"))
                          for c in shown["cube_cell"]]
    shown = shown.drop(columns="commodity_id").rename(columns={
        c: text("spend" if c == "value" else c, lang) for c in EXPOSURE_COLUMNS
        if c != "commodity_id"})
    names = {r["action_id"]: r for r in read_table("company_actions")}
    strength = {"recommended": ("recommended", "推奨"), "consider": ("consider", "検討")}
    actions = pd.DataFrame([
        {text("commodity", lang): label("commodity", c, lang),
         text("actions", lang): names[a["action"]][f"name_{lang}"] + " ("
         + strength[a["strength"]][0 if lang == "en" else 1] + ")",
         text("type_reason", lang): a["reason_ja" if lang == "ja" else "reason"]}
        for c, acts in zip(table["commodity_id"], table["actions"], strict=True) for a in acts])
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
        sensitivity = sensitivity.rename(columns={
            "product": text("product", lang), "material_cost": text("material_cost", lang),
            "cost_change": text("cost_change", lang),
            "cost_change_per_unit": text("cost_change", lang) + " / unit"
            if lang == "en" else "単位あたりコスト変化",
            "cost_change_share": text("cost_change_share", lang)})
        parts += [f"<h2>{text('price_sensitivity', lang)}</h2>", html_table(sensitivity)]
    page = (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
            f"<title>{html.escape(text('exposure_title', lang))}</title><style>{CSS}</style>"
            f"<script>{plotly_js()}</script></head><body>{''.join(parts)}</body></html>")
    stem = out_dir / f"exposure_{name}_{lang}"
    stem.with_suffix(".html").write_text(page, encoding="utf-8")
    with pd.ExcelWriter(stem.with_suffix(".xlsx"), engine="openpyxl") as xl:
        shown.to_excel(xl, sheet_name=text("summary", lang)[:31], index=False)
        actions.to_excel(xl, sheet_name=text("actions", lang)[:31], index=False)
        if sensitivity is not None:
            sensitivity.to_excel(xl, sheet_name=text("price_sensitivity", lang)[:31],
                                 index=False)
    return {"html": stem.with_suffix(".html"), "xlsx": stem.with_suffix(".xlsx")}
