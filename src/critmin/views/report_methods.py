"""The part of the assessment report that explains it: the methods and glossary section
of the HTML page (the six indicators and how each is computed and put on 0–1, the
typology rules and thresholds, the policy packages, how to read a radar, the data
windows, the WGI basis, which figures are estimates, the sources), the workbook's
metadata and estimates sheets, and the title's note on estimates.

Every number comes from the report's response (:class:`critmin.service.assess.
ReportMetadata`); the words come from ``views/data/glossary.csv`` (key, en, ja), whose
``{fields}`` are filled from the response.
"""

from __future__ import annotations

import csv
import html
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from critmin.catalog.langs import check_lang
from critmin.methods.meti6 import axis_ids
from critmin.views.i18n import join_words, label, text

LEVEL_CLASSES = ("focus", "where_conditions_fit", "not_suitable", "monitor")
"""The classes of policy levels, in the order the legend explains them."""


@cache
def _glossary() -> dict[str, dict[str, str]]:
    data = resources.files("critmin.views").joinpath("data", "glossary.csv")
    rows = csv.DictReader(data.read_text(encoding="utf-8").splitlines())
    return {r["key"]: {k: v for k, v in r.items() if k != "key"} for r in rows}


def glossary_keys() -> list[str]:
    """Every key of the glossary (for completeness checks)."""
    return list(_glossary())


def glossary(key: str, lang: str, **values: Any) -> str:
    """The glossary text ``key`` in ``lang`` with its ``{fields}`` filled."""
    return _glossary()[key][check_lang(lang)].format_map(values)


def _years(span: list[int]) -> str:
    return str(span[0]) if span[0] == span[1] else f"{span[0]}–{span[1]}"


def _num(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _names(ids: list[str], lang: str) -> str:
    return ("、" if lang == "ja" else "; ").join(label("commodity", c, lang) for c in ids)


def fill_values(r: Any, lang: str) -> dict[str, str]:
    """The fields of the glossary's texts, from the report's metadata."""
    m = r.metadata
    o, w, t = m["options"], m["windows"], m["thresholds"]
    knots = ", ".join(f"({_num(a)}, {b:.3g})" for a, b in m["hhi_knots"])
    rule = glossary(f"gl_hhi_{o['hhi_mapping']}", lang, knots=knots)
    missing_g = o["missing_governance"]
    return {
        "year": str(r.year), "production_years": _years(w["production"]),
        "imports_years": _years(w["imports"]), "volatility_window": str(o["volatility_window"]),
        "reserves_gap": str(o["reserves_max_gap"]), "recycling_gap": str(o["recycling_max_gap"]),
        "sigma_ref": _num(o["sigma_ref"]), "hhi_rule": rule,
        "missing_g": _num(missing_g), "theta_hhi": _num(t["theta_hhi"]),
        "theta_g": _num(t["theta_g"]), "theta_bp": _num(t["theta_bp"]),
        "near": _num(t["near"]), "majority": f"{m['estimated_majority']:.0%}",
        "wgi_dimensions": join_words(
            (f"{glossary('gl_wgi_' + d, lang)}" + (f"（{d}）" if lang == "ja" else f" ({d})")
             for d in m["wgi_dimensions"]), lang)}


def report_title(r: Any, lang: str) -> str:
    """The report's title; says so when the year's production is largely estimated."""
    from critmin.views.report import country_name

    who = ", ".join(country_name(i, lang) for i in r.importers)
    note = glossary("gl_title_estimates", lang, year=r.year) \
        if r.metadata["estimated_commodities"] else ""
    return text("report_heading", lang).format(title=text("report_title", lang), who=who,
                                               year=r.year) + note


def _source_names(r: Any, ids: list[str]) -> str:
    versions = dict(zip(r.sources.get("source_id", []), r.sources.get("version", []),
                        strict=True))
    return "; ".join(f"{s} ({versions[s]})" if s in versions else s for s in ids)


def estimates_note(r: Any, lang: str) -> str:
    """A note under the title naming the commodities whose year's production is largely
    estimated, and the sources of those estimates (empty when none is)."""
    m = r.metadata
    names = m["estimated_commodities"]
    if not names:
        return ""
    sources = sorted({e["source_id"] for e in m["estimates"] if e["year"] == r.year
                      and e["commodity_id"] in names})
    return "<p class='note'>" + html.escape(glossary(
        "gl_estimates_note", lang, names=_names(names, lang), year=r.year,
        majority=f"{m['estimated_majority']:.0%}", sources=_source_names(r, sources),
        section=glossary("gl_methods", lang) + " › " + glossary("gl_estimates", lang))) \
        + "</p>"


def _axes_part(values: dict[str, str], lang: str) -> list[str]:
    rows = "".join(
        f"<tr><td>{i}. {html.escape(label('axis', a, lang))}</td>"
        f"<td>{html.escape(glossary('gl_q_' + a, lang, **values))}</td>"
        f"<td>{html.escape(glossary('gl_s_' + a, lang, **values))}</td></tr>"
        for i, a in enumerate(axis_ids(), start=1))
    head = (f"<tr><th>{text('axis', lang)}</th><th>{glossary('gl_col_quantity', lang)}</th>"
            f"<th>{glossary('gl_col_scale', lang)}</th></tr>")
    return [f"<h3 id='glossary-axes'>{glossary('gl_axes', lang)}</h3>",
            f"<p>{html.escape(glossary('gl_axes_intro', lang))}</p>",
            f"<table class='glossary'><thead>{head}</thead><tbody>{rows}</tbody></table>"]


def _typology_part(r: Any, values: dict[str, str], lang: str) -> list[str]:
    rows = "".join(
        f"<tr><td>{t['rule']}</td><td>{html.escape(label('type', t['type'], lang))}</td>"
        f"<td>{html.escape(glossary('gl_cond_' + t['type'], lang))}</td>"
        f"<td>{html.escape(t['signature_ja' if lang == 'ja' else 'signature_en'])}</td></tr>"
        for t in r.metadata["type_rules"])
    head = "".join(f"<th>{h}</th>" for h in (
        glossary("gl_col_rule", lang), text("type", lang), glossary("gl_col_condition", lang),
        glossary("gl_col_definition", lang)))
    return [f"<h3 id='glossary-typology'>{glossary('gl_typology', lang)}</h3>",
            f"<p>{html.escape(glossary('gl_typology_intro', lang))}</p>",
            f"<p>{html.escape(glossary('gl_thresholds', lang, **values))}</p>",
            f"<table class='glossary'><thead><tr>{head}</tr></thead>"
            f"<tbody>{rows}</tbody></table>"]


def _packages_part(r: Any, lang: str) -> list[str]:
    levels = r.packages.drop_duplicates("level")
    items = []
    for cls in LEVEL_CLASSES:
        names = [label("level", lv, lang) for lv in levels.loc[levels["level_class"] == cls,
                                                             "level"]]
        if names:
            items.append(f"<dt class='{cls}'>{html.escape(' / '.join(names))}</dt>"
                         f"<dd>{html.escape(glossary('gl_class_' + cls, lang))}</dd>")
    return [f"<h3 id='glossary-packages'>{glossary('gl_packages', lang)}</h3>",
            f"<p>{html.escape(glossary('gl_packages_intro', lang))}</p>",
            f"<dl class='glossary'>{''.join(items)}</dl>",
            f"<p class='small'>* {html.escape(text('certainty_uncertain', lang))}</p>",
            f"<p>{html.escape(glossary('gl_scope', lang))}</p>",
            f"<h3 id='glossary-radar'>{glossary('gl_radar', lang)}</h3>",
            f"<p>{html.escape(glossary('gl_radar_text', lang))}</p>"]


def _wgi_data(r: Any, lang: str) -> list[tuple[int, str]]:
    """(import year, the WGI values used for it: years, sources, countries)."""
    out = []
    for w in r.metadata["wgi_years"]:
        carried = glossary("gl_wgi_carried", lang) if w["data_years"] != [w["year"]] else ""
        out.append((w["year"], glossary(
            "gl_wgi_data", lang, data_years=", ".join(str(y) for y in w["data_years"]),
            carried=carried, sources=_source_names(r, w["source_ids"]),
            countries=w["countries"])))
    return out


def _wgi_items(r: Any, lang: str) -> list[str]:
    return [glossary("gl_wgi_year", lang, year=y, data=d) for y, d in _wgi_data(r, lang)]


def _estimate_items(r: Any, values: dict[str, str], lang: str) -> list[str]:
    m = r.metadata
    now = [e for e in m["estimates"] if e["year"] == r.year]
    if not m["estimates"]:
        return [glossary("gl_estimates_none", lang)]
    out = [glossary("gl_estimates_text", lang, **values)]
    if m["estimated_commodities"]:
        out.append(glossary("gl_estimates_major", lang, **values,
                            names=_names(m["estimated_commodities"], lang)))
    for source in sorted({e["source_id"] for e in now}):
        count = len({e["commodity_id"] for e in now if e["source_id"] == source})
        out.append(glossary("gl_estimates_source", lang, source=_source_names(r, [source]),
                            year=r.year, count=count))
    return out


def _data_part(r: Any, values: dict[str, str], lang: str) -> list[str]:
    wgi = [glossary("gl_wgi", lang, **values), *_wgi_items(r, lang)]
    return [f"<h3 id='glossary-data'>{glossary('gl_data', lang)}</h3>",
            f"<p>{html.escape(glossary('gl_windows', lang, **values))}</p>",
            "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in wgi) + "</ul>",
            f"<h3 id='glossary-estimates'>{glossary('gl_estimates', lang)}</h3>",
            "<ul>" + "".join(f"<li>{html.escape(x)}</li>"
                             for x in _estimate_items(r, values, lang)) + "</ul>"]


def methods_section(r: Any, tables: dict[str, pd.DataFrame], lang: str) -> str:
    """The HTML section that explains the report (methods, glossary, data, sources)."""
    from critmin.views.report import html_table

    values = fill_values(r, lang)
    parts = [f"<section id='methods'><h2>{glossary('gl_methods', lang)}</h2>",
             *_axes_part(values, lang), *_typology_part(r, values, lang),
             *_packages_part(r, lang), *_data_part(r, values, lang),
             f"<h3 id='glossary-sources'>{glossary('gl_sources', lang)}</h3>",
             f"<p>{html.escape(glossary('gl_sources_intro', lang))}</p>",
             html_table(tables["sources"]), "</section>"]
    return "".join(parts)


def estimates_table(r: Any, lang: str) -> pd.DataFrame:
    """Every production figure behind indicator 1 its source marks as an estimate."""
    e = pd.DataFrame(r.metadata["estimates"], columns=[
        "commodity_id", "stage", "year", "source_id", "flag", "share"])
    return pd.DataFrame({
        text("commodity", lang): [label("commodity", c, lang) for c in e["commodity_id"]],
        text("report_stage", lang): [text(f"report_stage_{s}", lang) for s in e["stage"]],
        text("year", lang): e["year"].astype("Int64"),
        text("source", lang): e["source_id"],
        text("report_flag", lang): ["; ".join(text(f"report_flag_{k}", lang)
                                              for k in flags.split("; ") if k)
                                    for flags in e["flag"]],
        text("report_share", lang): e["share"].astype(float)})


def _metadata_rows(r: Any, lang: str) -> list[tuple[str, str]]:
    m, v = r.metadata, fill_values(r, lang)
    o = m["options"]
    rows = [(text("importer", lang), ", ".join(r.importers)), (text("year", lang), str(r.year)),
            (text("report_md_generated", lang),
             datetime.now(UTC).isoformat(timespec="seconds")),
            (text("report_md_store_built", lang), r.store_built_at),
            (text("report_md_method_version", lang), r.method_version),
            (text("report_md_scenario", lang), r.scenario or text("report_md_none", lang)),
            (text("report_md_hhi_mapping", lang), v["hhi_rule"]),
            (text("report_md_sigma_ref", lang), v["sigma_ref"]),
            (text("report_md_window_production", lang), v["production_years"]),
            (text("report_md_window_imports", lang), v["imports_years"]),
            (text("report_md_window_volatility", lang), text("report_md_years_to", lang).format(
                n=o["volatility_window"], year=r.year)),
            (text("report_md_reserves_gap", lang), v["reserves_gap"]),
            (text("report_md_recycling_gap", lang), v["recycling_gap"]),
            (text("report_md_wgi_dimensions", lang), v["wgi_dimensions"]),
            (text("report_md_missing_g", lang), v["missing_g"])]
    rows += [(text("report_md_wgi_year", lang).format(year=y), data)
             for y, data in _wgi_data(r, lang)]
    rows += [(text(f"report_md_{k}", lang), v[k])
             for k in ("theta_hhi", "theta_g", "theta_bp", "near")]
    rows.append((text("report_md_estimated", lang).format(year=r.year, majority=v["majority"]),
                 _names(m["estimated_commodities"], lang) or text("report_md_none", lang)))
    return rows


def metadata_table(r: Any, lang: str) -> pd.DataFrame:
    """The workbook's metadata sheet: how the report was made (item, value), then one
    row per source with its version."""
    rows = _metadata_rows(r, lang)
    for s in r.sources.to_dict("records"):
        rows.append((text("report_md_source", lang).format(id=s["source_id"]),
                     f"{s.get('name', '')} — {s.get('version', '')}"))
    return pd.DataFrame(rows, columns=[text("report_item", lang), text("report_content", lang)])
