"""The assessment report: one self-contained HTML file and an Excel workbook of the same
tables (summary, radar charts, types and packages, what-if, data gaps, estimates,
sources, metadata), ja or en, with the same columns in both languages.

Thin: every number comes from the response of :func:`critmin.service.assess.report`
(assessment, types, packages, what-if, sources, metadata); this module only lays them
out (the workbook through :mod:`critmin.views.excel`, the methods and glossary section
through :mod:`critmin.views.report_methods`) and writes them to the paths the response
names. Ids never reach the reader: types, measures, levels, axes, commodities, stages
and reasons are shown by their labels in the report's language.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from critmin.catalog.reasons import series_name
from critmin.methods.meti6 import axis_ids
from critmin.views import excel
from critmin.views.charts import figure_div, plotly_js, radar_figure
from critmin.views.i18n import label, reason, text
from critmin.views.output import atomic_write

CSS = """
body{font-family:'Noto Sans CJK JP','Noto Sans JP',system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:1.5em}h2{border-bottom:2px solid #1f77b4;padding-bottom:4px;margin-top:2em}
h3{margin-top:1.4em}table{border-collapse:collapse;font-size:.9em;margin:8px 0}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f2f5f9}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.na{color:#999;text-align:center}.grid{display:flex;flex-wrap:wrap;gap:8px}
.radar{border:1px solid #ddd}.focus{background:#ffe3e0}.where_conditions_fit{background:#fff6d6}
.not_suitable{background:#eee;color:#777}.monitor{background:#eef}.small{color:#666;font-size:.85em}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:6px 10px}
dl.glossary dt{font-weight:bold;margin-top:.6em}dl.glossary dd{margin-left:1.5em}
"""

SHEETS = {"summary": "summary", "radar": "radar_charts", "indicators": "indicators",
          "packages": "types_and_packages", "data_gaps": "data_gaps", "whatif": "whatif",
          "levers": "lever", "estimates": "report_estimates", "sources": "sources",
          "metadata": "report_metadata"}
"""Workbook sheets in order → the strings key of their name."""
LEVER_MEASURE = {"mine": "mine_investment", "smelter": "smelter_investment",
                 "saving": "saving_substitution", "recycling": "recycling_technology"}
VALUE_COLUMNS = ["importer", "commodity_id", "year", "axis", "value", "raw", "basis",
                 "missing", "detail", "source_ids"]
TYPE_COLUMNS = ["importer", "commodity_id", "type", "rule", "type_reason", "type_reason_ja",
                "min_margin", "near_threshold", "policy_scope"]
PERCENT = "0%"


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
    metadata: dict[str, Any] = field(default_factory=dict)
    method_version: str = ""
    store_built_at: str = ""
    scenario: str = ""

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
            {"min_margin": float, "near_threshold": bool}).fillna({"policy_scope": ""}),
        packages=pd.DataFrame(response.packages, columns=[
            "type", "measure_id", "level", "level_class", "certainty"]),
        sources=pd.DataFrame(response.sources),
        store_note=f"store built {response.store_built_at or '?'}",
        deltas=None if w is None else pd.DataFrame(w.deltas).astype(
            {"before": float, "after": float, "delta": float}),
        after=None if w is None else _values(w.after_values),
        levers=None if w is None else pd.DataFrame(w.levers),
        metadata=response.metadata.model_dump(), method_version=response.method_version,
        store_built_at=response.store_built_at or "", scenario="" if w is None else w.scenario)


# ------------------------------------------------------------ texts in the report's language


@cache
def _countries() -> dict[str, dict[str, str]]:
    from critmin.catalog.countries import country_table

    return {r.iso3: {"en": r.name_en, "ja": r.name_ja}
            for r in country_table().itertuples(index=False)}


def country_name(iso3: str, lang: str) -> str:
    """A country's name in ``lang`` (the code itself when critmin knows no such code)."""
    return _countries().get(iso3, {}).get(lang, iso3)



def type_reason(row: Any, lang: str) -> str:
    """Why a commodity has its type, in ``lang`` (both texts end in the type's name)."""
    return row.type_reason_ja if lang == "ja" else row.type_reason


def source_list(ids: str, lang: str) -> str:
    """A ``;``-separated list of source ids with ``trade`` and price series named."""
    parts = [p.strip() for p in ids.split(";") if p.strip()]
    return "; ".join(text("report_source_trade", lang) if p == "trade"
                     else series_name(p, lang) for p in parts)


# ------------------------------------------------------------ tables


def _summary_table(r: ReportFrames, lang: str) -> pd.DataFrame:
    summary = r.types.merge(r.wide(), on=["importer", "commodity_id"], how="left")
    shares = {(e["commodity_id"]): e["share"] for e in r.metadata.get("estimates", [])
              if e["year"] == r.year}
    out = pd.DataFrame({text("importer", lang): summary["importer"],
                        text("commodity", lang): [label("commodity", c, lang)
                                                  for c in summary["commodity_id"]]})
    for ax in axis_ids():
        out[label("axis", ax, lang)] = summary[ax]
    out[text("type", lang)] = [label("type", x, lang) for x in summary["type"]]
    out[text("near_threshold", lang)] = summary["near_threshold"].astype(bool)
    out[text("type_reason", lang)] = [type_reason(t, lang)
                                      for t in summary.itertuples(index=False)]
    out[text("report_estimated_share", lang)] = [
        float(shares.get(c, 0.0)) for c in summary["commodity_id"]]
    return out


def _labelled_values(r: ReportFrames, lang: str) -> pd.DataFrame:
    v = r.values
    return pd.DataFrame({
        text("importer", lang): v["importer"],
        text("commodity", lang): [label("commodity", c, lang) for c in v["commodity_id"]],
        text("year", lang): v["year"],
        text("axis", lang): [label("axis", x, lang) for x in v["axis"]],
        text("value", lang): v["value"], text("raw", lang): v["raw"],
        text("basis", lang): [reason(b, lang) for b in v["basis"]],
        text("missing", lang): [reason(m, lang) for m in v["missing"]],
        text("detail", lang): [reason(d, lang) for d in v["detail"]],
        text("sources", lang): [source_list(s, lang) for s in v["source_ids"]]})


def _indicator_tables(r: ReportFrames, lang: str) -> dict[str, pd.DataFrame]:
    v = _labelled_values(r, lang)
    gaps = v[v[text("missing", lang)] != ""][[
        text("importer", lang), text("commodity", lang), text("axis", lang),
        text("missing", lang)]]
    return {"indicators": v, "data_gaps": gaps.reset_index(drop=True)}


def _level_text(level: str, certainty: str, lang: str) -> str:
    return label("level", level, lang) + (" *" if certainty == "uncertain" else "")


def scope_text(scope: str, lang: str) -> str:
    """Why a commodity gets no package ("" when it is in the scope of policy advice)."""
    return f"† {label('scope', scope, lang)}" if scope else ""


def _packages_table(r: ReportFrames, lang: str) -> pd.DataFrame:
    """One row per importer × commodity: its type and its package (measure × level);
    a commodity outside the scope of policy advice gets none, and the reason."""
    cells = {(p.type, p.measure_id): _level_text(p.level, p.certainty, lang)
             for p in r.packages.itertuples(index=False)}
    t = r.types
    out = pd.DataFrame({
        text("importer", lang): t["importer"],
        text("commodity", lang): [label("commodity", c, lang) for c in t["commodity_id"]],
        text("type", lang): [label("type", x, lang) for x in t["type"]],
        text("near_threshold", lang): t["near_threshold"].astype(bool)})
    for m in dict.fromkeys(r.packages["measure_id"]):
        out[label("measure", m, lang)] = [cells.get((x, m), "") if not scope else ""
                                          for x, scope in zip(t["type"], t["policy_scope"],
                                                              strict=True)]
    out[text("report_policy_scope", lang)] = [scope_text(s, lang) for s in t["policy_scope"]]
    return out


def _lever_parameters(parameters: dict[str, Any], lang: str) -> str:
    return ", ".join(f"{text('param_' + k, lang)} "
                     f"{country_name(v, lang) if k in ('country', 'importer') else v}"
                     for k, v in parameters.items())


def _whatif_tables(r: ReportFrames, lang: str) -> dict[str, pd.DataFrame]:
    if r.deltas is None or r.levers is None:
        return {}
    d, lv = r.deltas, r.levers
    whatif = pd.DataFrame({
        text("importer", lang): d["importer"],
        text("commodity", lang): [label("commodity", c, lang) for c in d["commodity_id"]],
        text("axis", lang): [label("axis", x, lang) for x in d["axis"]],
        text("before", lang): d["before"], text("after", lang): d["after"],
        text("delta", lang): d["delta"],
        text("rise_reason", lang): [reason(x, lang) if isinstance(x, str) and x else ""
                                    for x in d.get("rise_reason", [""] * len(d))]})
    levers = pd.DataFrame({
        text("lever", lang): [label("measure", LEVER_MEASURE[k], lang) for k in lv["lever"]],
        text("commodity", lang): [label("commodity", c, lang) for c in lv["commodity_id"]],
        text("parameters", lang): [_lever_parameters(p, lang) for p in lv["parameters"]],
        text("source", lang): lv["source_ja" if lang == "ja" else "source"]})
    return {"whatif": whatif, "levers": levers}


def _sources_table(r: ReportFrames, lang: str) -> pd.DataFrame:
    cols = [c for c in ("source_id", "name", "publisher", "version", "licence")
            if c in r.sources.columns]
    return r.sources[cols].rename(columns={c: text(c, lang) for c in cols})


def report_tables(r: ReportFrames, lang: str) -> dict[str, pd.DataFrame]:
    """The report's tables with labels in ``lang`` (the workbook's sheets, less the
    radar charts), the same columns in every language."""
    from critmin.views.report_methods import estimates_table, metadata_table

    tables = {"summary": _summary_table(r, lang), **_indicator_tables(r, lang),
              "packages": _packages_table(r, lang)}
    tables = {k: tables[k] for k in ("summary", "indicators", "packages", "data_gaps")}
    tables.update(_whatif_tables(r, lang))
    tables["estimates"] = estimates_table(r, lang)
    tables["sources"] = _sources_table(r, lang)
    tables["metadata"] = metadata_table(r, lang)
    return tables


def _axis_rows(values: pd.DataFrame) -> dict[tuple[str, str], list[float]]:
    w = values.pivot(index=["importer", "commodity_id"], columns="axis", values="value")
    w = w.reindex(columns=list(axis_ids()))
    return {key: [float(x) for x in row] for key, row in zip(w.index, w.to_numpy(),
                                                             strict=True)}


def radar_sheet(r: ReportFrames, lang: str) -> excel.RadarSheet:
    """The workbook's radar charts: one per importer × commodity (in the report's order)
    over the six axes, with the what-if's "after" series where the levers changed one."""
    before = _axis_rows(r.values)
    after = {} if r.after is None else _axis_rows(r.after)
    changed = set() if r.deltas is None else set(map(tuple, r.deltas.loc[
        r.deltas["delta"].abs() > 1e-12, ["importer", "commodity_id"]].to_numpy()))
    rows: list[list[Any]] = []
    charts: list[tuple[str, list[int]]] = []
    for key in zip(r.types["importer"], r.types["commodity_id"], strict=True):
        name = label("commodity", key[1], lang)
        who = f"{name} — {key[0]}" if len(r.importers) > 1 else name
        rows.append([who, *before[key]])
        series = [len(rows) - 1]
        if key in changed and key in after:
            rows.append([f"{who} ({text('after', lang)})", *after[key]])
            series.append(len(rows) - 1)
        charts.append((who, series))
    head = [text("commodity", lang), *(label("axis", a, lang) for a in axis_ids())]
    return excel.RadarSheet(pd.DataFrame(rows, columns=head).astype(
        {h: float for h in head[1:]}), charts)


# ------------------------------------------------------------ HTML


def _cell(value: Any, fmt: str | None = None) -> str:
    if isinstance(value, bool):
        return f"<td>{'✓' if value else ''}</td>"
    if isinstance(value, float):
        if pd.isna(value):
            return '<td class="na">—</td>'
        shown = f"{value:.0%}" if fmt == PERCENT else f"{value:.3f}"
        return f'<td class="num">{shown}</td>'
    return f"<td>{html.escape('' if value is None else str(value))}</td>"


def html_table(frame: pd.DataFrame, drop: tuple[str, ...] = (),
               formats: dict[str, str] | None = None) -> str:
    """A plain HTML table (NaN shown as —; ``formats``: column → ``0%`` for percents)."""
    cols = [c for c in frame.columns if c not in drop]
    fmts = [(formats or {}).get(str(c)) for c in cols]
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    body = "".join("<tr>" + "".join(_cell(v, f) for v, f in zip(row, fmts, strict=True))
                   + "</tr>" for row in frame[cols].itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _package_row(r: Any, measures: list[str], levels: dict[tuple[str, str], tuple[str, ...]],
                 lang: str) -> str:
    cells = [f"<td class='monitor' colspan='{len(measures)}'>"
             f"{html.escape(scope_text(r.policy_scope, lang))}</td>"] if r.policy_scope else []
    for m in measures if not r.policy_scope else []:
        lv, cls, cert = levels[(r.type, m)]
        mark = " *" if cert == "uncertain" else ""
        cells.append(f'<td class="{cls}">{html.escape(label("level", lv, lang))}{mark}</td>')
    near = f" <span class='small'>({text('near_threshold', lang)})</span>" \
        if r.near_threshold else ""
    return (f"<tr><td>{html.escape(label('commodity', r.commodity_id, lang))}</td>"
            f"<td>{html.escape(label('type', r.type, lang))}{near}</td>"
            f"<td class='small'>{html.escape(type_reason(r, lang))}</td>" + "".join(cells)
            + "</tr>")


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
    from critmin.views.report_methods import estimates_note, methods_section, report_title

    lang, title = r.lang, report_title(r, r.lang)
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='small'>{html.escape(text('generated', lang))} "
        f"{datetime.now(UTC).isoformat(timespec='seconds')} · "
        f"{html.escape(text('report_md_store_built', lang))} {html.escape(r.store_built_at)}"
        f" · {html.escape(r.method_version)}</p>",
        estimates_note(r, lang), f"<p>{html.escape(text('scale_note', lang))}</p>",
        f"<h2>{text('summary', lang)}</h2>", html_table(tables["summary"], formats={
            text("report_estimated_share", lang): PERCENT}),
        f"<h2>{text('radar_charts', lang)}</h2>", _radar_grid(r, lang),
        f"<h2>{text('types_and_packages', lang)}</h2>", _package_table(r, lang),
        f"<h2>{text('whatif', lang)}</h2>", *_whatif_section(r, tables, lang),
        f"<h2>{text('data_gaps', lang)}</h2>", html_table(tables["data_gaps"]),
        methods_section(r, tables, lang),
        f"<p class='small'>{html.escape(text('method_note', lang))}</p>"]
    return (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title>"
            f"<style>{CSS}</style><script>{plotly_js()}</script></head>"
            f"<body>{''.join(parts)}</body></html>")


def workbook_sheets(r: ReportFrames, tables: dict[str, pd.DataFrame], lang: str
                    ) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """(sheet name → frame or radar sheet, in :data:`SHEETS` order; number formats)."""
    content: dict[str, Any] = {**tables, "radar": radar_sheet(r, lang)}
    sheets = {text(key, lang): content[name] for name, key in SHEETS.items()
              if name in content}
    share = text("report_estimated_share", lang)
    formats = {text("summary", lang): {share: PERCENT},
               text("report_estimates", lang): {text("report_share", lang): PERCENT}}
    return sheets, formats


def write_report(response: Any) -> dict[str, Path]:
    """Write the report of ``response`` (:class:`critmin.service.assess.ReportResponse`)
    to the paths it names (``files``: html and xlsx); returns them."""
    r = report_frames(response)
    tables = report_tables(r, r.lang)
    paths = {kind: Path(p) for kind, p in response.files.items()}
    sheets, formats = workbook_sheets(r, tables, r.lang)
    with atomic_write(paths["html"]) as page, atomic_write(paths["xlsx"]) as book:
        page.write_text(_html_page(r, tables), encoding="utf-8")
        excel.write_book(book, sheets, formats)
    return paths


def write_book(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """An Excel workbook, one sheet per frame, laid out by :func:`critmin.views.excel.
    write_book` (frozen, filtered header; fitted widths; number formats; ✓ booleans)."""
    excel.write_book(path, sheets)
