"""The company exposure report: one HTML file (tables, the three matrices, the look-through
origin mix, actions, price sensitivity) and an Excel workbook of the same tables, ja or
en; and the wording shared with the terminal tables of ``critmin exposure``.

Thin: every number comes from the response of :func:`critmin.service.exposure.exposure`;
ids (quadrants, types, measures, levels, actions, stages) are worded here by key.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd

from critmin.catalog.tables import read_table
from critmin.views.charts import figure_div, plotly_js
from critmin.views.i18n import label, text
from critmin.views.output import atomic_write
from critmin.views.report import CSS, html_table, write_book

EXPOSURE_COLUMNS = ["commodity_id", "mass_t", "value", "supplier_hhi", "top_country",
                    "top_share", "top_risk", "quadrant", "origin_top_country",
                    "origin_top_share", "origin_top_risk", "origin_quadrant",
                    "governance_risk", "company_geopolrisk", "exposure", "resilience",
                    "importance", "non_substitutability", "cube_cell", "type"]
"""The report's summary columns: each quadrant right after the two values placing it."""
MIX_MIN_SHARE = 0.02
"""Origins below this share of a supplier country's supply are summed as "other" in
tables (JSON keeps every origin)."""
MIX_MAX_ROWS = 8


def pct(x: Any) -> str:
    """A share as a percentage (2 significant figures under 10 %); "" when missing."""
    if x is None or x != x:
        return ""
    v = 100.0 * float(x)
    return f"{v:.0f}%" if abs(v) >= 10 else f"{v:.2g}%"


def stage_name(stage: str, lang: str) -> str:
    """A stage id in ``lang`` (mining → 採掘)."""
    from critmin.catalog.reasons import STAGE_NAMES

    return STAGE_NAMES.get(stage, {}).get(lang, stage)


def action_name(action: dict[str, Any], lang: str) -> str:
    """A recommended move's name and strength in ``lang``."""
    names = {r["action_id"]: r for r in read_table("company_actions")}
    left, right = ("（", "）") if lang == "ja" else (" (", ")")
    return (names[action["action"]][f"name_{lang}"] + left
            + text(f"strength_{action['strength']}", lang) + right)


def action_reason(action: dict[str, Any], lang: str) -> str:
    """Why a move is recommended, worded in ``lang`` from its ids and figures (types,
    measures and levels by their catalog names): never an id inside the text."""
    if action.get("measure"):
        return text("exposure_action_measure", lang).format(
            type=label("type", action["type"], lang),
            measure=label("measure", action["measure"], lang),
            level=label("level", action["level"], lang))
    if action.get("basis") is None:  # a response written before the reason's fields
        return action["reason_ja" if lang == "ja" else "reason"]
    key = "exposure_action_origin" if action["basis"] == "origin" else \
        "exposure_action_supplier"
    return text(key, lang).format(
        country=action["country"], share=pct(action["share"]),
        share_threshold=pct(action["share_threshold"]), risk=f"{action['risk']:.2f}",
        risk_threshold=f"{action['risk_threshold']:g}")


def mix_text(mix: list[dict[str, Any]] | None) -> str:
    """An origin mix as "COD 39%, FIN 11%, …" (origins from :data:`MIX_MIN_SHARE`)."""
    shown = [m for m in (mix or []) if m["share"] >= MIX_MIN_SHARE][:MIX_MAX_ROWS]
    more = len(mix or []) > len(shown)
    return ", ".join(f"{m['country']} {pct(m['share'])}" for m in shown) + (", …" if more
                                                                           else "")


def worded(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The exposure rows with their id values worded in ``lang`` (quadrants, matrices'
    cells, importance basis, actions, origin mix) and the spend column named ``spend``;
    numbers and commodity ids as they are."""
    out = frame.rename(columns={"value": "spend"}).copy()
    for col in ("quadrant", "origin_quadrant", "exposure_resilience", "importance_basis"):
        if col in out:
            out[col] = [text(v, lang) if isinstance(v, str) and v else v for v in out[col]]
    if "cube_cell" in out:
        out["cube_cell"] = ["/".join(text(w, lang) for w in c.split("/"))
                            for c in out["cube_cell"]]
    if "actions" in out:
        out["actions"] = [", ".join(action_name(a, lang) for a in acts)
                          for acts in out["actions"]]
    if "origin_mix" in out:
        out["origin_mix"] = [mix_text(m) for m in out["origin_mix"]]
    return out


def plain(items: list[Any] | None) -> list[dict[str, Any]]:
    """Response entries (models or dicts) as dicts."""
    return [i if isinstance(i, dict) else i.model_dump() for i in items or []]


def lookthrough_frame(entries: list[Any] | None, lang: str) -> pd.DataFrame:
    """The look-through as a long table: per supplier country × commodity its origins
    from :data:`MIX_MIN_SHARE` (at most :data:`MIX_MAX_ROWS`), the rest as "other"."""
    rows = []
    for e in plain(entries):
        head = {"supplier_country": e["supplier_country"], "commodity": e["commodity"],
                "material_stage": stage_name(e["material_stage"], lang)}
        origins = e.get("origins") or []
        shown = [o for o in origins if o["share"] >= MIX_MIN_SHARE][:MIX_MAX_ROWS]
        rows += [{**head, "origin": o["country"], "origin_share": o["share"],
                  "origin_kind": text(f"origin_kind_{o['kind']}", lang)} for o in shown]
        rest = sum(o["share"] for o in origins) - sum(o["share"] for o in shown)
        if rest > 1e-9:
            rows.append({**head, "origin": text("origin_other", lang), "origin_share": rest,
                         "origin_kind": ""})
        if not origins:
            rows.append({**head, "origin": "", "origin_share": None, "origin_kind": ""})
    return pd.DataFrame(rows, columns=["supplier_country", "commodity", "material_stage",
                                       "origin", "origin_share", "origin_kind"])


def missing_notes(reasons: list[str], lang: str) -> list[str]:
    """Each distinct missing-data reason (``"; "``-joined texts split), in ``lang``."""
    from critmin.catalog.reasons import split_phrases
    from critmin.views.i18n import reason

    parts = dict.fromkeys(p for r in reasons for p in split_phrases(r))
    return [text("exposure_missing_note", lang).format(reason=reason(p, lang))
            for p in parts]


def assumptions_text(response: Any, lang: str) -> str:
    """The re-sourcing assumptions of a shock response: ω, κ and the trade year."""
    return text("exposure_assumptions", lang).format(
        omega=f"{response.redirect_share:g}", kappa=f"{response.spare_capacity:g}",
        year=response.year)


def shock_title(response: Any, lang: str) -> str:
    """The title of a shock response: the scenario's name in ``lang`` (a one-exporter
    shock: who cuts what by how much), the BOM and the company's country."""
    from critmin.catalog.commodities import resolve_commodity

    request = response.request
    if request.get("scenario"):
        name = (response.scenario_name_ja if lang == "ja" else None) or \
            response.scenario_name
    else:
        name = text("exposure_one_shock", lang).format(
            exporter=request["exporter"], pct=pct(request["cut"]),
            commodity=label("commodity", resolve_commodity(request["commodity"]), lang))
    return text("exposure_shock_title", lang).format(bom=response.bom_id, scenario=name,
                                                     importer=response.importer)


def lookthrough_notes(entries: list[Any] | None, lang: str) -> list[str]:
    """The look-through's gaps, each once, in ``lang``: a mix of imports only says so
    before its reason (unless the reason says it); a missing mix is "not available"."""
    from critmin.catalog.reasons import code_of, split_phrases
    from critmin.views.i18n import reason

    out: dict[str, None] = {}
    for e in plain(entries):
        for part in split_phrases(e["missing"]):
            if code_of(part) == "own_production_other_basis":   # it says so itself
                out[reason(part, lang)] = None
                continue
            key = "exposure_imports_only_note" if e["mix_covers"] == "imports_only" else \
                "exposure_missing_note"
            out[text(key, lang).format(reason=reason(part, lang))] = None
    return list(out)


def _exposure_table(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    shown = worded(table[EXPOSURE_COLUMNS], lang)
    shown["type"] = [label("type", x, lang) if isinstance(x, str) else "" for x in shown["type"]]
    names = [label("commodity", c, lang) for c in shown.pop("commodity_id")]
    shown = shown.rename(columns={c: text(c, lang) for c in shown.columns})
    shown.insert(0, text("commodity", lang), names)
    return shown


def _exposure_actions(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame([
        {text("commodity", lang): label("commodity", c, lang),
         text("actions", lang): action_name(a, lang),
         text("type_reason", lang): action_reason(a, lang)}
        for c, acts in zip(table["commodity_id"], table["actions"], strict=True) for a in acts])


def _lookthrough_table(entries: list[Any] | None, lang: str) -> pd.DataFrame:
    frame = lookthrough_frame(entries, lang)
    frame["commodity"] = [label("commodity", c, lang) for c in frame["commodity"]]
    return frame.rename(columns={c: text(c, lang) for c in frame.columns})


def _sensitivity_table(sensitivity: pd.DataFrame, lang: str) -> pd.DataFrame:
    return sensitivity.rename(columns={
        "product": text("product", lang), "material_cost": text("material_cost", lang),
        "cost_change": text("cost_change", lang),
        "cost_change_per_unit": text("cost_change", lang) + " / unit"
        if lang == "en" else "単位あたりコスト変化",
        "cost_change_share": text("cost_change_share", lang)})


def _exposure_page(table: pd.DataFrame, tables: dict[str, pd.DataFrame], notes: list[str],
                   name: str, lang: str) -> str:
    from critmin.views.exposure_charts import exposure_figures

    figs = exposure_figures(table, lang)
    note = "".join(f"<p class='small'>{html.escape(n)}</p>" for n in notes)
    parts = [f"<h1>{html.escape(text('exposure_title', lang))} — {html.escape(name)}</h1>",
             f"<h2>{text('summary', lang)}</h2>", html_table(tables["summary"]),
             f"<p class='small'>{html.escape(text('exposure_quadrant_note', lang))}</p>",
             f"<h2>{text('risk_share', lang)}</h2>", figure_div(figs["risk_share"]),
             f"<h2>{text('exposure_lookthrough_heading', lang)}</h2>",
             html_table(tables["lookthrough"]), note,
             f"<h2>{text('actions', lang)}</h2>", html_table(tables["actions"]),
             f"<h2>{text('exposure_resilience', lang)}</h2>",
             figure_div(figs["exposure_resilience"]),
             f"<h2>{text('importance_risk_subst', lang)}</h2>", figure_div(figs["cube"]),
             figure_div(figs["projections"])]
    if "sensitivity" in tables:
        parts += [f"<h2>{text('price_sensitivity', lang)}</h2>",
                  html_table(tables["sensitivity"])]
    return (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
            f"<title>{html.escape(text('exposure_title', lang))}</title><style>{CSS}</style>"
            f"<script>{plotly_js()}</script></head><body>{''.join(parts)}</body></html>")


def write_exposure_report(table: pd.DataFrame, sensitivity: pd.DataFrame | None,
                          out_dir: Path, name: str, lang: str = "ja",
                          lookthrough: list[Any] | None = None
                          ) -> dict[str, Path]:
    """``exposure_<name>_<lang>.html`` (tables, the three matrices, the look-through) and
    ``.xlsx``."""
    tables = {"summary": _exposure_table(table, lang),
              "lookthrough": _lookthrough_table(lookthrough, lang),
              "actions": _exposure_actions(table, lang)}
    if sensitivity is not None:
        tables["sensitivity"] = _sensitivity_table(sensitivity, lang)
    notes = lookthrough_notes(lookthrough, lang)
    page = _exposure_page(table, tables, notes, name, lang)
    stem = out_dir / f"exposure_{name}_{lang}"
    sheet = {"summary": "summary", "lookthrough": "exposure_lookthrough_heading",
             "actions": "actions", "sensitivity": "price_sensitivity"}
    with atomic_write(stem.with_suffix(".html")) as html_file, \
            atomic_write(stem.with_suffix(".xlsx")) as book:
        html_file.write_text(page, encoding="utf-8")
        write_book(book, {text(sheet[k], lang): v for k, v in tables.items()})
    return {"html": stem.with_suffix(".html"), "xlsx": stem.with_suffix(".xlsx")}


SHOCK_REPORT_COLUMNS = ["bom_row", "product", "part", "commodity", "supplier",
                        "supplier_country", "material_stage", "mass_t", "path",
                        "at_risk_share", "mass_at_risk_t", "residual_shortfall_share",
                        "residual_shortfall_t", "origin_top_country", "origin_top_share",
                        "redirect_share", "spare_capacity", "trade_year", "missing"]


def _shock_tables(response: Any, lang: str) -> dict[str, pd.DataFrame]:
    """The shock response's tables worded in ``lang``: per BOM row (each with ω, κ and
    the trade year beside its shortfall), per commodity, and the look-through."""
    from critmin.views.i18n import reason

    rows = response.frame[SHOCK_REPORT_COLUMNS].copy()
    by_c = pd.DataFrame(plain(response.by_commodity))
    for f in (rows, by_c):
        f["commodity"] = [label("commodity", c, lang) for c in f["commodity"]]
        f["material_stage"] = [stage_name(x, lang) for x in f["material_stage"]]
        f["missing"] = [reason(m, lang) for m in f["missing"]]
    rows["path"] = [text(f"path_{p}", lang) for p in rows["path"]]
    return {"rows": rows.rename(columns=lambda c: text(c, lang)),
            "by_commodity": by_c.rename(columns=lambda c: text(c, lang)),
            "lookthrough": _lookthrough_table(response.lookthrough, lang)}


def write_exposure_shock_report(response: Any, out_dir: Path, lang: str = "ja"
                                ) -> dict[str, Path]:
    """``exposure_<bom>_<scenario>_<lang>.html`` and ``.xlsx``: the mass at risk and the
    shortfall after re-sourcing per BOM row and per commodity, the assumptions (ω, κ,
    trade year) stated under the title and beside every shortfall, and the look-through."""
    tables = _shock_tables(response, lang)
    title = shock_title(response, lang)
    notes = [assumptions_text(response, lang),
             *missing_notes(list(response.frame["missing"]), lang),
             *lookthrough_notes(response.lookthrough, lang)]
    heads = {"rows": text("exposure_shock_heading", lang),
             "by_commodity": text("exposure_shock_by_commodity", lang),
             "lookthrough": text("exposure_lookthrough_heading", lang)}
    parts = [f"<h1>{html.escape(title)}</h1>",
             *(f"<p class='note'>{html.escape(n)}</p>" for n in notes[:1]),
             *(f"<h2>{html.escape(heads[k])}</h2>{html_table(v)}" for k, v in tables.items()),
             *(f"<p class='small'>{html.escape(n)}</p>" for n in notes[1:])]
    page = (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
            f"{''.join(parts)}</body></html>")
    stem = out_dir / f"exposure_{response.bom_id}_{response.scenario_id}_{lang}"
    with atomic_write(stem.with_suffix(".html")) as html_file, \
            atomic_write(stem.with_suffix(".xlsx")) as book:
        html_file.write_text(page, encoding="utf-8")
        write_book(book, {heads[k]: v for k, v in tables.items()})
    return {"html": stem.with_suffix(".html"), "xlsx": stem.with_suffix(".xlsx")}
