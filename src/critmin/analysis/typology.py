"""Typology (類型化) of the METI study and its policy packages (methods.md §9).

The study (seed 001 ch. 3.1) sorts minerals into six types by their radar signature and
names a package of measures per type; it gives no thresholds, so the rules are project
choices [C], applied to the raw indicator values (HHI, G) in this order — first match wins:

    U  = HHI_prod ≥ θ_H  or  HHI_res ≥ θ_H  or  G_conc ≥ θ_G     (upstream risk)
    S  = G_ref ≥ θ_G                                               (smelting risk)
    R1 D                         → demand_surge
    R2 b ≥ θ_bp and U            → byproduct_smelting if S, else byproduct_recycling
    R3 U and S                   → mine_and_smelter_oligopoly
    R4 U                         → mine_oligopoly
    R5 S                         → smelter_oligopoly
    R6 otherwise                 → none (monitor)

θ_H = 0.25 (US DoJ/FTC 2010 "highly concentrated", 2 500 points), θ_G = 0.5 (the risk of
a WGI estimate of 0, the world mid-point), θ_bp = 0.5 (most primary supply is a
by-product). D is the demand-surge flag, derived from the reference demand forecast
(:func:`demand_surge_flags`); b the catalog's by-product fraction. A
missing indicator counts as not over its threshold and is named in the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from critmin.catalog import tables


def type_ids() -> tuple[str, ...]:
    """The type ids in the study's order: the catalog table ``criticality_types`` sorted
    by its ``order`` column (never by row position)."""
    rows = tables.read_table("criticality_types")
    return tuple(r["type_id"] for r in sorted(rows, key=lambda r: int(r["order"])))


def type_names(lang: str) -> dict[str, str]:
    """The name of each type in ``lang`` (``ja`` or ``en``), by type id."""
    return {r["type_id"]: r[f"name_{lang}"] for r in tables.read_table("criticality_types")}


TYPES = type_ids()
"""The type ids in the study's order (:func:`type_ids` when the module was loaded)."""
RULE_OF_TYPE = {"demand_surge": "R1", "byproduct_smelting": "R2",
                "byproduct_recycling": "R2", "mine_and_smelter_oligopoly": "R3",
                "mine_oligopoly": "R4", "smelter_oligopoly": "R5", "none": "R6"}
"""The rule that assigns each type (by type id)."""
SURGE_REASON = ("demand surge in the reference forecast (new-use demand ≥ 3× by 2030 and "
                "≥ 5 % of demand)",
                "基準需要予測で需要急増（新規用途需要が2030年までに3倍以上、需要の5 %以上）")
"""The reason of rule R1 (English, Japanese)."""
RAW_LABELS = {
    "production_concentration": ("production HHI", "生産HHI"),
    "reserve_concentration": ("reserve HHI", "埋蔵HHI"),
    "import_governance_concentrate": ("concentrate import governance", "輸入ガバナンス（精鉱）"),
    "import_governance_refined": ("refined import governance", "輸入ガバナンス（製錬品）"),
}


@dataclass(frozen=True)
class TypologyThresholds:
    """Thresholds of the typology rules (project choices [C], methods.md §9)."""

    hhi: float = 0.25                # θ_H on the 0–1 HHI (axes 1–2)
    governance: float = 0.5          # θ_G on G (axes 3–4)
    byproduct: float = 0.5           # θ_bp on the by-product fraction b
    near: float = 0.05               # a deciding margin below this is flagged
    byproduct_requires_upstream_risk: bool = True


def byproduct_fractions() -> pd.Series:
    """By-product fraction b per commodity (catalog ``byproduct_fraction``)."""
    rows = tables.read_table("byproduct_fraction")
    return pd.Series({r["commodity_id"]: float(r["byproduct_fraction"]) for r in rows},
                     name="byproduct_fraction", dtype=float)


def demand_surge_flags(scenario: str = "reference") -> pd.Series:
    """Demand-surge flag D per commodity, derived from the demand forecast
    (:func:`critmin.analysis.demand.surge_flags`: new-use demand at least triples by 2030
    and is ≥ 5 % of demand then); commodities without a forecast are False. The study's
    own list (catalog ``demand_surge``) is the check of this rule."""
    from critmin.analysis.demand import read_scenario, surge_flags

    return pd.Series(surge_flags(read_scenario(scenario)), name="demand_surge", dtype=bool)


def assign_types(raw: pd.DataFrame, byproduct: pd.Series | None = None,
                 demand_surge: pd.Series | None = None,
                 thresholds: TypologyThresholds | None = None) -> pd.DataFrame:
    """Type of each row of ``raw`` by rules R1–R6, with the reason in words.

    Parameters
    ----------
    raw : DataFrame
        ``importer, commodity_id`` and the raw values of the first four axes
        (``production_concentration``, ``reserve_concentration``,
        ``import_governance_concentrate``, ``import_governance_refined``: HHI and G on
        0–1; NaN = missing).
    byproduct, demand_surge : Series indexed by commodity_id
        b (0–1) and D; default: the catalog's.

    Returns
    -------
    DataFrame
        ``importer, commodity_id, type, rule, type_reason, type_reason_ja, min_margin,
        near_threshold``. ``min_margin`` is the smallest |value − threshold| among the
        comparisons that decided the type.
    """
    t = thresholds or TypologyThresholds()
    b_all = byproduct_fractions() if byproduct is None else byproduct
    d_all = demand_surge_flags() if demand_surge is None else demand_surge
    x = {a: raw[a].to_numpy(dtype=float) for a in RAW_LABELS}
    th = {"production_concentration": t.hhi, "reserve_concentration": t.hhi,
          "import_governance_concentrate": t.governance,
          "import_governance_refined": t.governance}
    over = {a: np.nan_to_num(x[a], nan=-np.inf) >= th[a] for a in x}
    b = raw["commodity_id"].map(b_all).to_numpy(dtype=float)
    d = raw["commodity_id"].map(d_all).eq(True).to_numpy(dtype=bool)
    codes = type_codes(x["production_concentration"], x["reserve_concentration"],
                       x["import_governance_concentrate"], x["import_governance_refined"],
                       b, d, t)
    ids = type_ids()
    kind = np.asarray(ids, dtype=object)[codes]
    rule = np.asarray([RULE_OF_TYPE[k] for k in ids], dtype=object)[codes]
    used = _deciding_axes(rule, over)
    surge = rule == "R1"
    en = np.where(surge, SURGE_REASON[0], "").astype(object)
    ja = np.where(surge, SURGE_REASON[1], "").astype(object)
    margins = np.full(len(raw), np.inf)
    bp = rule == "R2"
    en[bp] = [f"by-product fraction {v:.2f} ≥ {t.byproduct:g}" for v in b[bp].tolist()]
    ja[bp] = [f"副産物比率 {v:.2f} ≥ {t.byproduct:g}" for v in b[bp].tolist()]
    margins[bp] = np.abs(b[bp] - t.byproduct)
    started = surge | bp     # rows whose reason has a first part already
    listed = rule == "R6"    # R6 lists all four comparisons, with commas
    for a, (label_en, label_ja) in RAW_LABELS.items():
        u = used[a]
        part_en, part_ja = _comparison_texts(x[a][u], over[a][u], th[a], label_en, label_ja)
        en[u] = _joined_parts(en[u], part_en, started[u], np.where(listed[u], ", ", " and "))
        ja[u] = _joined_parts(ja[u], part_ja, started[u], np.where(listed[u], "、", " かつ "))
        started = started | u
        margins = np.where(u & ~np.isnan(x[a]), np.minimum(margins, np.abs(x[a] - th[a])),
                           margins)
    names = {lang: np.asarray([" → " + n[k] for k in ids], dtype=object)[codes]
             for lang, n in (("en", type_names("en")), ("ja", type_names("ja")))}
    out = raw[["importer", "commodity_id"]].copy()
    out["type"] = kind
    out["rule"] = rule
    out["type_reason"] = en + names["en"]
    out["type_reason_ja"] = ja + names["ja"]
    out["min_margin"] = np.where(np.isinf(margins), np.nan, margins)
    out["near_threshold"] = out["min_margin"] < t.near
    return out.reset_index(drop=True)


def type_codes(x1: np.ndarray, x2: np.ndarray, x3: np.ndarray, x4: np.ndarray,
               b: np.ndarray, d: np.ndarray, t: TypologyThresholds) -> np.ndarray:
    """Type codes (indices into :func:`type_ids`, i.e. :data:`TYPES`) by rules R1–R6,
    for arrays of any shape (e.g. draws × commodities); NaN counts as not over its
    threshold. Each rule names its type by id, so the catalog's row order is immaterial."""
    def over(v: np.ndarray, theta: float) -> np.ndarray:
        return np.nan_to_num(np.asarray(v, dtype=float), nan=-np.inf) >= theta

    upstream = over(x1, t.hhi) | over(x2, t.hhi) | over(x3, t.governance)
    smelting = over(x4, t.governance)
    is_bp = over(b, t.byproduct)
    gate = is_bp & upstream if t.byproduct_requires_upstream_risk else is_bp
    d = np.broadcast_to(np.asarray(d, dtype=bool), upstream.shape)
    code = {t: i for i, t in enumerate(type_ids())}
    return np.select([d, gate & smelting, gate, upstream & smelting, upstream, smelting],
                     [code["demand_surge"], code["byproduct_smelting"],
                      code["byproduct_recycling"], code["mine_and_smelter_oligopoly"],
                      code["mine_oligopoly"], code["smelter_oligopoly"]], code["none"])


def _deciding_axes(rule: np.ndarray, over: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per axis, the rows whose rule that comparison decided: none for R1; for R2–R5
    the upstream comparisons that fired and the refined one if it fired (R2 names the
    refined one either way); all four for R6."""
    upstream = ["production_concentration", "reserve_concentration",
                "import_governance_concentrate"]
    refined = "import_governance_refined"
    fired = np.isin(rule, ["R2", "R3", "R4", "R5"])
    used = {a: fired & over[a] for a in upstream}
    used[refined] = fired & (over[refined] | (rule == "R2"))
    return {a: u | (rule == "R6") for a, u in used.items()}


def _comparison_texts(x: np.ndarray, over: np.ndarray, theta: float, label_en: str,
                      label_ja: str) -> tuple[np.ndarray, np.ndarray]:
    """``"<label> 0.31 ≥ 0.25"`` (or ``<``) per value, ``"<label> missing"`` where NaN,
    in English and Japanese."""
    above, below = f" ≥ {theta:g}", f" < {theta:g}"
    tail = np.asarray([f" {v:.2f}{above if o else below}"
                       for v, o in zip(x.tolist(), over.tolist(), strict=True)], dtype=object)
    gap = np.isnan(x)
    en = np.where(gap, f"{label_en} missing", label_en + tail)
    ja = np.where(gap, f"{label_ja} 欠測", label_ja + tail)
    return en.astype(object), ja.astype(object)


def _joined_parts(text: np.ndarray, part: np.ndarray, started: np.ndarray,
                  joiner: np.ndarray) -> np.ndarray:
    """``text + joiner + part`` where ``text`` was started, else ``part``."""
    return np.where(started, text + joiner.astype(object) + part, part)


def policy_scope(commodity_ids: pd.Series | list[str]) -> pd.Series:
    """Why each commodity is outside the scope of policy advice (a code of catalog
    ``policy_scope_reasons``: fuel, construction, gem, banned_use), "" when in scope
    (catalog ``policy_scope``; docs/methods.md §9, scope of policy advice [C])."""
    out = {r["commodity_id"]: r["scope_reason"] for r in tables.read_table("policy_scope")}
    ids = pd.Series(commodity_ids, dtype=object)
    return ids.map(lambda c: out.get(c, "")).rename("policy_scope")


def policy_packages(types: pd.Series) -> pd.DataFrame:
    """The study's package for each type: rows ``type, measure_id, level, level_class,
    certainty`` (catalog ``policy_packages`` and ``policy_levels``, joined by id), the
    types in the order of ``types``, the measures in the ``order`` column of
    ``policy_measures``."""
    levels = {r["level"]: r["class"] for r in tables.read_table("policy_levels")}
    order = {r["measure_id"]: int(r["order"]) for r in tables.read_table("policy_measures")}
    table = pd.DataFrame(tables.read_table("policy_packages"))
    table["level_class"] = table["level"].map(levels)
    table["measure_order"] = table["measure_id"].map(order)
    wanted = pd.DataFrame({"type_id": pd.unique(types)})
    out = wanted.merge(table, on="type_id").sort_values(
        ["type_id", "measure_order"], key=lambda s: s.map(
            {t: i for i, t in enumerate(wanted["type_id"])}) if s.name == "type_id" else s,
        kind="stable")
    return out.rename(columns={"type_id": "type"})[
        ["type", "measure_id", "level", "level_class", "certainty"]].reset_index(drop=True)
