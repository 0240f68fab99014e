"""The assessment report: one self-contained HTML file and an Excel workbook of the same
tables (summary, radar grid, types and packages, what-if, data gaps, sources), ja or en.

Thin: every number comes from the response of :func:`critmin.service.assess.report`
(assessment, types, packages, what-if, sources); this module only lays them out and
writes them to the paths the response names.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from critmin.methods.meti6 import axis_ids
from critmin.views.charts import figure_div, plotly_js, radar_figure
from critmin.views.i18n import label, reason, text
from critmin.views.output import atomic_write

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
VALUE_COLUMNS = ["importer", "commodity_id", "year", "axis", "value", "raw", "basis",
                 "missing", "detail", "source_ids"]
TYPE_COLUMNS = ["importer", "commodity_id", "type", "rule", "type_reason", "type_reason_ja",
                "min_margin", "near_threshold"]


@dataclass(frozen=True)
class ReportFrames:
    """The frames of a report response (see :class:`critmin.service.assess.ReportResponse`);
    ``deltas``, ``after`` and ``levers`` are None without a what-if."""

    importers: list[str]
    year: int
    lang: str
    values: pd.DataFrame
    types: pd.DataFrame
    packages: pd.DataFrame
    sources: pd.DataFrame
    store_note: str
    deltas: pd.DataFrame | None = None
    after: pd.DataFrame | None = None
    levers: pd.DataFrame | None = None

    def wide(self) -> pd.DataFrame:
        """One row per importer × commodity, one column per axis value."""
        w = self.values.pivot(index=["importer", "commodity_id"], columns="axis",
                              values="value")
        return w.reindex(columns=list(axis_ids())).reset_index().rename_axis(columns=None)


def _values(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=VALUE_COLUMNS).astype({"value": float, "raw": float})


def report_frames(response: Any) -> ReportFrames:
    """The frames of ``response`` (a :class:`critmin.service.assess.ReportResponse`)."""
    w = response.whatif
    return ReportFrames(
        importers=list(response.importers), year=response.year, lang=response.lang,
        values=_values(response.values),
        types=pd.DataFrame(response.types, columns=TYPE_COLUMNS).astype(
            {"min_margin": float, "near_threshold": bool}),
        packages=pd.DataFrame(response.packages, columns=[
            "type", "measure_id", "level", "level_class", "certainty"]),
        sources=pd.DataFrame(response.sources),
        store_note=f"store built {response.store_built_at or '?'}",
        deltas=None if w is None else pd.DataFrame(w.deltas).astype(
            {"before": float, "after": float, "delta": float}),
        after=None if w is None else _values(w.after_values),
        levers=None if w is None else pd.DataFrame(w.levers))


def _summary_table(r: ReportFrames, lang: str) -> pd.DataFrame:
    summary = r.wide().merge(r.types, on=["importer", "commodity_id"])
    summary.insert(1, text("commodity", lang),
                   [label("commodity", c, lang) for c in summary["commodity_id"]])
    summary[text("type", lang)] = [label("type", x, lang) for x in summary["type"]]
    summary[text("type_reason", lang)] = summary["type_reason_ja" if lang == "ja"
                                                 else "type_reason"]
    summary = summary.rename(columns={ax: label("axis", ax, lang) for ax in axis_ids()} | {
        "importer": text("importer", lang), "near_threshold": text("near_threshold", lang)})
    return summary.drop(columns=["commodity_id", "type", "rule", "type_reason",
                                 "type_reason_ja", "min_margin"])


def _labelled_values(r: ReportFrames, lang: str) -> pd.DataFrame:
    v = r.values.copy()
    v[text("commodity", lang)] = [label("commodity", c, lang) for c in v["commodity_id"]]
    v[text("axis", lang)] = [label("axis", x, lang) for x in v["axis"]]
    v["missing"] = [reason(m, lang) for m in v["missing"]]
    return v


def _indicator_tables(r: ReportFrames, lang: str) -> dict[str, pd.DataFrame]:
    v = _labelled_values(r, lang)
    keep = ["importer", text("commodity", lang), "year", text("axis", lang), "value", "raw",
            "missing", "detail", "source_ids"] + (["basis"] if lang == "en" else [])
    indicators = v[keep].rename(columns={k: text(k, lang) for k in (
        "importer", "year", "value", "raw", "missing", "detail", "basis")} | {
        "source_ids": text("sources", lang)})
    gaps = v[v["missing"] != ""][["importer", text("commodity", lang), text("axis", lang),
                                  "missing"]].rename(columns={
                                      "importer": text("importer", lang),
                                      "missing": text("missing", lang)})
    return {"indicators": indicators, "data_gaps": gaps}


def _packages_table(r: ReportFrames, lang: str) -> pd.DataFrame:
    pk = r.packages
    return pd.DataFrame({
        text("type", lang): [label("type", x, lang) for x in pk["type"]],
        text("measure", lang): [label("measure", m, lang) for m in pk["measure_id"]],
        text("level", lang): [label("level", lv, lang) + (
            " " + text("certainty_uncertain", lang) if c == "uncertain" else "")
            for lv, c in zip(pk["level"], pk["certainty"], strict=True)]})


def _whatif_tables(r: ReportFrames, lang: str) -> dict[str, pd.DataFrame]:
    if r.deltas is None or r.levers is None:
        return {}
    d, lv = r.deltas, r.levers
    whatif = pd.DataFrame({
        text("importer", lang): d["importer"],
        text("commodity", lang): [label("commodity", c, lang) for c in d["commodity_id"]],
        text("axis", lang): [label("axis", x, lang) for x in d["axis"]],
        text("before", lang): d["before"], text("after", lang): d["after"],
        text("delta", lang): d["delta"]})
    levers = pd.DataFrame({
        text("lever", lang): [label("measure", LEVER_MEASURE[k], lang) for k in lv["lever"]],
        text("commodity", lang): [label("commodity", c, lang) for c in lv["commodity_id"]],
        text("parameters", lang): [", ".join(f"{text('param_' + k, lang)} {v}"
                                             for k, v in p.items()) for p in lv["parameters"]],
        text("source", lang): lv["source_ja" if lang == "ja" else "source"]})
    return {"whatif": whatif, "levers": levers}


def report_tables(r: ReportFrames, lang: str) -> dict[str, pd.DataFrame]:
    """The report's tables with labels in ``lang`` (the workbook's sheets)."""
    tables = {"summary": _summary_table(r, lang), **_indicator_tables(r, lang),
              "packages": _packages_table(r, lang)}
    tables = {k: tables[k] for k in ("summary", "indicators", "packages", "data_gaps")}
    tables.update(_whatif_tables(r, lang))
    if len(r.sources.columns):
        tables["sources"] = r.sources.rename(columns={c: text(c, lang)
                                                      for c in r.sources.columns})
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


def _package_row(r: Any, measures: list[str], levels: dict[tuple[str, str], tuple[str, ...]],
                 lang: str) -> str:
    cells = []
    for m in measures:
        lv, cls, cert = levels[(r.type, m)]
        mark = " *" if cert == "uncertain" else ""
        cells.append(f'<td class="{cls}">{html.escape(label("level", lv, lang))}{mark}</td>')
    near = f" <span class='small'>({text('near_threshold', lang)})</span>" \
        if r.near_threshold else ""
    why = r.type_reason_ja if lang == "ja" else r.type_reason
    return (f"<tr><td>{html.escape(label('commodity', r.commodity_id, lang))}</td>"
            f"<td>{html.escape(label('type', r.type, lang))}{near}</td>"
            f"<td class='small'>{html.escape(why)}</td>" + "".join(cells) + "</tr>")


def _package_table(r: ReportFrames, lang: str) -> str:
    levels = {(p.type, p.measure_id): (p.level, p.level_class, p.certainty)
              for p in r.packages.itertuples(index=False)}
    measures = list(dict.fromkeys(r.packages["measure_id"]))
    head = (f"<th>{text('commodity', lang)}</th><th>{text('type', lang)}</th>"
            f"<th>{text('type_reason', lang)}</th>" +
            "".join(f"<th>{html.escape(label('measure', m, lang))}</th>" for m in measures))
    rows = [_package_row(t, measures, levels, lang) for t in r.types.itertuples(index=False)]
    return (f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<p class='small'>* {html.escape(text('certainty_uncertain', lang))}</p>")


def _radar_grid(r: ReportFrames, lang: str) -> str:
    radars = []
    for t in r.types.itertuples(index=False):
        fig = radar_figure(r.values, t.importer, t.commodity_id, lang,
                           title_suffix=f" · {label('type', t.type, lang)}")
        radars.append(f'<div class="radar" data-commodity="{t.commodity_id}">'
                      f"{figure_div(fig)}</div>")
    return f"<div class='grid'>{''.join(radars)}</div>"


def _whatif_section(r: ReportFrames, tables: dict[str, pd.DataFrame], lang: str) -> list[str]:
    if r.deltas is None:
        return [f"<p>{html.escape(text('no_whatif', lang))}</p>"]
    changed = r.deltas["delta"].abs() > 1e-12
    overlay = []
    for c in r.deltas.loc[changed, ["importer", "commodity_id"]].drop_duplicates(
            ).itertuples(index=False):
        fig = radar_figure(r.values, c.importer, c.commodity_id, lang, after=r.after)
        overlay.append(f'<div class="radar whatif" data-commodity="{c.commodity_id}">'
                       f"{figure_div(fig)}</div>")
    return [html_table(tables["levers"]), f"<div class='grid'>{''.join(overlay)}</div>",
            html_table(tables["whatif"][changed])]


def _html_page(r: ReportFrames, tables: dict[str, pd.DataFrame]) -> str:
    lang, who = r.lang, ", ".join(r.importers)
    parts = [
        f"<h1>{html.escape(text('report_title', lang))} — {who}, {r.year}</h1>",
        f"<p class='small'>{html.escape(text('generated', lang))} "
        f"{datetime.now(UTC).isoformat(timespec='seconds')} · {html.escape(r.store_note)}</p>",
        f"<p>{html.escape(text('scale_note', lang))}</p>",
        f"<h2>{text('summary', lang)}</h2>", html_table(tables["summary"]),
        f"<h2>{text('radar_charts', lang)}</h2>", _radar_grid(r, lang),
        f"<h2>{text('types_and_packages', lang)}</h2>", _package_table(r, lang),
        f"<h2>{text('whatif', lang)}</h2>", *_whatif_section(r, tables, lang),
        f"<h2>{text('data_gaps', lang)}</h2>", html_table(tables["data_gaps"])]
    if "sources" in tables:
        parts += [f"<h2>{text('sources', lang)}</h2>", html_table(tables["sources"])]
    parts.append(f"<p class='small'>{html.escape(text('method_note', lang))}</p>")
    return (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
            f"<title>{html.escape(text('report_title', lang))} {who} {r.year}</title>"
            f"<style>{CSS}</style><script>{plotly_js()}</script></head>"
            f"<body>{''.join(parts)}</body></html>")


def write_report(response: Any) -> dict[str, Path]:
    """Write the report of ``response`` (:class:`critmin.service.assess.ReportResponse`)
    to the paths it names (``files``: html and xlsx); returns them."""
    r = report_frames(response)
    tables = report_tables(r, r.lang)
    paths = {kind: Path(p) for kind, p in response.files.items()}
    with atomic_write(paths["html"]) as page, atomic_write(paths["xlsx"]) as book:
        page.write_text(_html_page(r, tables), encoding="utf-8")
        write_book(book, {text(SHEETS[name], r.lang): frame for name, frame in tables.items()})
    return paths


def write_book(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """An Excel workbook, one sheet per frame. Not ``with pd.ExcelWriter``: when a write
    fails (a full disk) its close would raise "at least one sheet must be visible" over
    the real error."""
    xl = pd.ExcelWriter(path, engine="openpyxl")
    for name, frame in sheets.items():
        frame.to_excel(xl, sheet_name=name[:31], index=False)
    xl.close()
