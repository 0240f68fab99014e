"""Company material exposure: bill of materials → exposure, concentration, matrices and
actions (white paper, seed 000 scene 1 and recommendation 1; methods.md §14).

Per BOM row r (a part's material bought from one supplier):

    m_r   = mass_per_unit · units_per_year · share            (t/yr, unit-converted)
    v_r   = m_r · price                                        (currency/yr; price per kg)
    σ_i,m = Σ_{r: country i, commodity m} m_r / Σ_{r: m} m_r   supplier-country shares
    HHI_m = Σ_i σ_i,m²      GR_m = Σ_i σ_i,m · g_i            (g: WGI risk 0–1, missing 0.5)
                            (indicators.concentration.hhi_by, governance.governance_weighted_by)
    GPR_m = HHI_m(global production) · GR_m                    company GeoPolRisk (§14)

Look-through (:mod:`critmin.analysis.lookthrough`): each supplier country's material is
traced to its origin mix (its imports of the material stage by partner plus its own
production), weighted by σ into the company's origin mix ω_j per commodity.

Matrices (thresholds [C], configurable in :class:`ExposureThresholds`):

- risk × share: x = share of the top supplier country (``top_share``, high: more than
  half), y = that country's governance risk (``top_risk``, high: ≥ 0.5); "high share ×
  high risk" is the quadrant to act on. The point is placed by exactly these two columns
  (:data:`RISK_SHARE_AXES`), which every table showing the quadrant shows beside it; GR
  (``governance_risk``, weighted over all supplier countries) is another figure and is
  not an axis. The same matrix on the look-through: x = the top origin country's share of
  the commodity's mass (``origin_top_share``), y = its risk (``origin_top_risk``) →
  ``origin_quadrant``;
- exposure × resilience: exposure = mean of (spend share, HHI, GR, upstream volatility
  axis); resilience = mean of (inventory cover days/90, qualified supplier countries/3,
  recycled content, substitutability), each capped to 0–1; split at 0.5;
- importance × risk × substitutability: cost share (≥ 0.1 high), GPR (≥ 0.1 high),
  non-substitutability 1 − substitutability (≥ 0.5 high): eight cells.

Actions for the high-share × high-risk quadrant come from the national assessment's
policy package, translated to company moves (catalog ``company_actions``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from critmin.catalog.reasons import join_phrases
from critmin.catalog.tables import read_table
from critmin.errors import CritminError
from critmin.indicators.concentration import hhi_by, shares_within
from critmin.indicators.governance import (
    MISSING_GOVERNANCE_RISK,
    governance_weighted_by,
    store_country_risk,
)

if TYPE_CHECKING:
    from critmin.analysis.lookthrough import LookThrough
    from critmin.indicators.trade import Members


@dataclass(frozen=True)
class ExposureThresholds:
    """Breaks of the three matrices (project choices [C], methods.md §14)."""

    share: float = 0.5             # risk × share: top-country share (high: more than this)
    risk: float = 0.5              # risk × share: that country's governance risk
    exposure: float = 0.5
    resilience: float = 0.5
    importance: float = 0.1        # cost (or mass) share of the BOM
    gpr: float = 0.1               # company GeoPolRisk HHI · GR
    non_substitutability: float = 0.5
    inventory_days_full: float = 90.0
    supplier_countries_full: int = 3


@dataclass(frozen=True)
class Upstream:
    """National context for the company's country: the six axes, type and package of
    each commodity, GeoPolRisk production HHI and country risk."""

    axes: pd.DataFrame         # commodity_id → the six axis values (wide)
    types: pd.DataFrame        # commodity_id, type, type_reason
    packages: pd.DataFrame     # type, measure_id, level, level_class
    production_hhi: pd.Series  # commodity_id → HHI of global (primary) production
    risk: pd.Series            # iso3 → governance risk 0–1
    year: int


def upstream_context(con: Any, importer: str | Members, commodity_ids: list[str],
                     year: int | None = None) -> Upstream:
    """Read the national assessment (six indicators, type, package) once, for
    ``importer``: its members ``{name: [(iso3, joined, left)]}`` (as
    :func:`critmin.service.common.members_by_name` gives) or an ISO3 code / group id, in
    ``year`` (default: the latest assessable year)."""
    from critmin.analysis.assessment import assess, check_year
    from critmin.indicators.importers import importer_members

    members = importer_members(con, [importer]) if isinstance(importer, str) else importer
    yr = check_year(con, year)
    a = assess(con, members, yr, commodity_ids)
    risk = store_country_risk(con, [yr]).set_index("iso3")["risk"]
    raw = a.wide("raw").set_index("commodity_id")
    return Upstream(axes=a.wide("value").set_index("commodity_id"),
                    types=a.types.set_index("commodity_id")[["type", "type_reason"]],
                    packages=a.packages, production_hhi=raw["production_concentration"],
                    risk=risk, year=yr)


RISK_SHARE_AXES = {"quadrant": ("top_share", "top_risk"),
                   "origin_quadrant": ("origin_top_share", "origin_top_risk")}
"""The one definition of the risk × share matrix: quadrant column → (x, y) columns. The
quadrant is assigned from these columns and the chart places each commodity by them;
tables show them beside the quadrant (methods.md §14)."""
QUADRANTS = ("high share × high risk", "high share × low risk", "low share × high risk",
             "low share × low risk")
ACT_ON = QUADRANTS[0]


def risk_share_quadrant(share: pd.Series, risk: pd.Series, t: ExposureThresholds
                        ) -> np.ndarray:
    """The risk × share quadrant: share high when ``share > t.share``, risk high when
    ``risk ≥ t.risk``; "unknown" when either is missing (never read as low)."""
    s, r = share.astype(float), risk.astype(float)
    hi_s, hi_r = s > t.share, r >= t.risk
    return np.select([s.isna() | r.isna(), hi_s & hi_r, hi_s, hi_r],
                     ["unknown", *QUADRANTS[:3]], QUADRANTS[3])


def with_origins(out: pd.DataFrame, by_c: pd.DataFrame, risk: pd.Series,
                 look: LookThrough | None, t: ExposureThresholds) -> pd.DataFrame:
    """``out`` with the look-through columns of
    :func:`critmin.analysis.lookthrough.company_origins` and ``origin_quadrant`` (no
    look-through: the columns missing, the quadrant "unknown")."""
    from critmin.analysis.lookthrough import company_origins

    cols = ["origin_top_country", "origin_top_share", "origin_top_risk", "origin_risk",
            "origin_missing_governance_share", "origin_mix", "lookthrough_coverage",
            "lookthrough_missing"]
    if look is None:
        extra = pd.DataFrame({"commodity_id": out["commodity_id"]}).assign(
            **{c: np.nan for c in cols})
        extra["origin_mix"] = [[] for _ in range(len(extra))]
        extra["lookthrough_missing"] = ""
    else:
        extra = company_origins(by_c[["commodity_id", "iso3", "sigma"]], look, risk)
    out = out.merge(extra[["commodity_id", *cols]], on="commodity_id", how="left")
    out["origin_quadrant"] = risk_share_quadrant(out["origin_top_share"],
                                                 out["origin_top_risk"], t)
    out["lookthrough_year"] = look.year if look is not None else np.nan
    return out


def exposure_table(bom: pd.DataFrame, up: Upstream, thresholds: ExposureThresholds | None
                   = None, look: LookThrough | None = None) -> pd.DataFrame:
    """One row per commodity: mass, value, supplier-country shares, HHI, governance risk,
    company GeoPolRisk, the three matrices, the look-through origin mix (``look``, of
    :func:`critmin.analysis.lookthrough.read_lookthrough`), upstream axes and the
    recommended actions."""
    t = thresholds or ExposureThresholds()
    by_c = bom.groupby(["commodity_id", "iso3"], as_index=False).agg(
        mass_t=("mass_t", "sum"), value=("value", lambda s: s.sum(min_count=1)))
    by_c["sigma"] = shares_within(by_c["mass_t"], [by_c["commodity_id"]]).fillna(0.0)
    by_c["g"] = by_c["iso3"].map(up.risk)
    by_c["g_missing"] = by_c["g"].isna()
    by_c["g_used"] = by_c["g"].fillna(MISSING_GOVERNANCE_RISK)
    by_c = by_c.sort_values(["commodity_id", "sigma", "iso3"], ascending=[True, False, True])
    out = by_c.groupby("commodity_id").agg(
        mass_t=("mass_t", "sum"), value=("value", lambda s: s.sum(min_count=1)),
        top_country=("iso3", "first"), top_share=("sigma", "first"),
        top_risk=("g_used", "first"), n_countries=("iso3", "nunique")).reset_index()
    # a commodity whose suppliers' mass sums to 0 keeps HHI and risk 0 (no shares)
    key = ["commodity_id"]
    out.insert(3, "supplier_hhi",
               out["commodity_id"].map(hhi_by(by_c, key, "mass_t")).fillna(0.0))
    gr = governance_weighted_by(by_c, key, "mass_t", "g")
    out["governance_risk"] = out["commodity_id"].map(gr).fillna(0.0)
    miss = (by_c["sigma"] * by_c["g_missing"]).groupby(by_c["commodity_id"]).sum()
    out["missing_governance_share"] = out["commodity_id"].map(miss)
    out["production_hhi"] = out["commodity_id"].map(up.production_hhi)
    out["company_geopolrisk"] = out["production_hhi"] * out["governance_risk"]
    # importance: spend share where every row has a price, else mass share
    has_value = out["value"].notna().all()
    weight = out["value"] if has_value else out["mass_t"]
    out["importance"] = weight / weight.sum() if weight.sum() > 0 else np.nan
    out["importance_basis"] = "spend share" if has_value else "mass share (no prices)"
    # resilience inputs (mass-weighted means)
    for col in ("inventory_days", "recycled_content", "substitutability"):
        w = bom[bom[col].notna()]
        mean = (w[col] * w["mass_t"]).groupby(w["commodity_id"]).sum() / w.groupby(
            "commodity_id")["mass_t"].sum()
        out[col] = out["commodity_id"].map(mean)
    vol = up.axes["historical_volatility"] if "historical_volatility" in up.axes else None
    out["upstream_volatility"] = out["commodity_id"].map(vol) if vol is not None else np.nan
    out["exposure"] = pd.concat([out["importance"] / out["importance"].max(),
                                 out["supplier_hhi"], out["governance_risk"],
                                 out["upstream_volatility"]], axis=1).mean(axis=1)
    out["resilience"] = pd.concat([
        (out["inventory_days"] / t.inventory_days_full).clip(0, 1),
        (out["n_countries"] / t.supplier_countries_full).clip(0, 1),
        out["recycled_content"], out["substitutability"]], axis=1).mean(axis=1)
    out["quadrant"] = risk_share_quadrant(out["top_share"], out["top_risk"], t)
    out = with_origins(out, by_c, up.risk, look, t)
    out["exposure_resilience"] = np.select(
        [(out["exposure"] >= t.exposure) & (out["resilience"] < t.resilience),
         out["exposure"] >= t.exposure, out["resilience"] < t.resilience],
        ["high exposure × low resilience", "high exposure × high resilience",
         "low exposure × low resilience"], "low exposure × high resilience")
    non_sub = 1.0 - out["substitutability"]
    out["non_substitutability"] = non_sub
    out["cube_cell"] = [
        "/".join(("high" if v >= th else "low") if v == v else "unknown"
                 for v, th in ((i, t.importance), (r, t.gpr), (n, t.non_substitutability)))
        for i, r, n in zip(out["importance"], out["company_geopolrisk"], non_sub, strict=True)]
    upstream = up.axes.drop(columns=["importer"], errors="ignore").add_prefix("upstream_")
    out = out.merge(upstream, left_on="commodity_id", right_index=True, how="left")
    out = out.merge(up.types, left_on="commodity_id", right_index=True, how="left")
    out["actions"] = company_actions(out, up.packages, t)
    return out


def company_actions(table: pd.DataFrame, packages: pd.DataFrame,
                    t: ExposureThresholds) -> list[list[dict[str, Any]]]:
    """Recommended moves for each commodity in the high-share × high-risk quadrant, of
    its supplier countries or of its look-through origins (``origin_quadrant``): supplier
    diversification, then — for a commodity in the scope of policy advice (catalog
    ``policy_scope``) — the national package's measures at level focus or
    where-conditions-fit, as company moves (catalog ``company_actions``); each with its
    reason. The reason is given as ids and figures (``country, share, risk, basis`` —
    ``supplier_country`` or ``origin`` —, or ``type, measure, level``) for the views to
    word in a language, and as English and Japanese text (``reason``, ``reason_ja``;
    kept as before, with ids, for existing readers)."""
    moves = {r["measure_id"]: r for r in read_table("company_actions")}
    out_of_scope = {r["commodity_id"] for r in read_table("policy_scope")}
    origin_q = table["origin_quadrant"] if "origin_quadrant" in table else \
        pd.Series("", index=table.index)
    out = []
    for r, oq in zip(table.itertuples(index=False), origin_q, strict=True):
        if r.quadrant == ACT_ON:
            acts = [_diversify(r.top_country, r.top_share, r.top_risk, "supplier_country", t)]
        elif oq == ACT_ON:
            acts = [_diversify(r.origin_top_country, r.origin_top_share, r.origin_top_risk,
                               "origin", t)]
        else:
            out.append([])
            continue
        # the national package applies to commodities in the scope of policy advice
        # (catalog policy_scope; docs/methods.md §9): diversification only for the others
        pk = packages[packages["type"] == r.type] if r.commodity_id not in out_of_scope \
            else packages.iloc[0:0]
        for p in pk.itertuples(index=False):
            if p.level_class not in ("focus", "where_conditions_fit"):
                continue
            m = moves[p.measure_id]
            strength = "recommended" if p.level_class == "focus" else "consider"
            en, ja = (_policy_names(r.type, p.measure_id, p.level, lang)
                      for lang in ("en", "ja"))
            acts.append({"action": m["action_id"], "strength": strength,
                         "reason": "national type “{}”: {} — {}".format(*en),
                         "reason_ja": "国の類型「{}」：{}は「{}」".format(*ja),
                         "type": r.type, "measure": p.measure_id, "level": p.level})
        out.append(acts)
    return out


def _policy_names(type_id: str, measure_id: str, level: str, lang: str
                  ) -> tuple[str, str, str]:
    """The catalog's names of a type, a measure and a level in ``lang`` (never ids in a
    reason's text)."""
    names = _policy_name_table()
    return (names[("criticality_types", type_id, lang)],
            names[("policy_measures", measure_id, lang)],
            names[("policy_levels", level, lang)])


@cache
def _policy_name_table() -> dict[tuple[str, str, str], str]:
    """(table, id, lang) → name of every type, measure and level (read once)."""
    return {(t, r[k], lang): r[f"name_{lang}"] for t, k in (
        ("criticality_types", "type_id"), ("policy_measures", "measure_id"),
        ("policy_levels", "level")) for r in read_table(t) for lang in ("en", "ja")}


def _diversify(country: str, share: float, risk: float, basis: str,
               t: ExposureThresholds) -> dict[str, Any]:
    """The diversification move and its reason (the top supplier country's, or the top
    origin country's, share and risk against the thresholds)."""
    what, what_ja = (("top supplier country", "最大供給国") if basis == "supplier_country"
                     else ("top origin country (look-through)", "最大原産国（ルックスルー）"))
    return {"action": "diversify_suppliers", "strength": "recommended",
            "reason": f"{what} {country} {100 * share:.0f} % > {100 * t.share:.0f} % "
                      f"with governance risk {risk:.2f} ≥ {t.risk:g}",
            "reason_ja": f"{what_ja} {country} {100 * share:.0f} % > {100 * t.share:.0f} "
                         f"%、ガバナンスリスク {risk:.2f} ≥ {t.risk:g}",
            "basis": basis, "country": country, "share": float(share),
            "risk": float(risk), "share_threshold": t.share, "risk_threshold": t.risk}


def price_sensitivity(bom: pd.DataFrame, shocks: dict[str, float]) -> pd.DataFrame:
    """Cost change per product (currency/yr and per unit) for relative price shocks
    ``{commodity_id: +0.5}``: ``Δ = Σ_rows mass·price·shock``."""
    if bom["price"].isna().all():
        raise CritminError("the BOM has no prices: add a 'price' column (per kg) for "
                           "price sensitivity")
    f = bom.assign(shock=bom["commodity_id"].map(shocks).fillna(0.0))
    f["delta"] = f["value"].fillna(0.0) * f["shock"]
    units = f.groupby("product")["units_per_year"].max()
    per = f.groupby("product").agg(material_cost=("value", "sum"),
                                   cost_change=("delta", "sum")).reset_index()
    per["cost_change_per_unit"] = per["cost_change"] / per["product"].map(units)
    per["cost_change_share"] = per["cost_change"] / per["material_cost"].where(
        per["material_cost"] > 0)
    return per


def price_shock_by_commodity(bom: pd.DataFrame, shocks: dict[str, float]) -> pd.DataFrame:
    """The same cost change per commodity: ``commodity_id, price_shock, cost_change``
    with ``cost_change = Σ_rows of the commodity mass·price·shock`` (currency/yr; summed
    over products, so the per-product totals of :func:`price_sensitivity` add up to it;
    missing when none of the commodity's rows has a price)."""
    f = bom.assign(price_shock=bom["commodity_id"].map(shocks).fillna(0.0))
    f["cost_change"] = f["value"] * f["price_shock"]
    by = f.groupby("commodity_id")
    # a commodity without any price has no cost change (missing), not 0
    return pd.DataFrame({"price_shock": by["price_shock"].first(),
                         "cost_change": by["cost_change"].sum(min_count=1)}).reset_index()


SHOCK_PATHS = ("direct", "supplier_country", "not_shocked")
"""How a BOM row is hit by a shock (``path``): bought from a restricting exporter (its cut
applies directly), through its supplier country's loss, or not at all (the scenario
does not touch the commodity's material stage)."""
SHOCK_COLUMNS = ["bom_row", "product", "part", "commodity_id", "supplier",
                 "supplier_country", "material_stage", "mass_t", "path", "at_risk_share",
                 "mass_at_risk_t", "residual_shortfall_share", "residual_shortfall_t",
                 "origin_top_country", "origin_top_share", "redirect_share",
                 "spare_capacity", "trade_year", "missing", "second_order_missing"]


def purchase_cuts(data: Any, scenario: Any, purchases: pd.DataFrame) -> np.ndarray:
    """The cut ρ of each purchase (``exporter, importer, commodity_id, stage``) by the
    shock model's own flow cut (:func:`critmin.analysis.shocks.flow_cuts`: the shocks'
    exporters with their groups, targets and cuts, and the bloc cut, combined as
    ``1 − Π_k (1 − ρ_k)``; methods.md §11), the purchases standing for the year's flows."""
    from dataclasses import replace

    from critmin.analysis.shocks import flow_cuts

    if purchases.empty:
        return np.zeros(0)
    flows = purchases[["exporter", "importer", "commodity_id", "stage"]].reset_index(
        drop=True).assign(quantity_t=1.0)
    return flow_cuts(replace(data, flows=flows), scenario)["cut"].to_numpy(dtype=float)


def shock_exposure(bom: pd.DataFrame, stages: dict[str, str], impacts: pd.DataFrame,
                   company: str, cuts: np.ndarray) -> pd.DataFrame:
    """Mass at risk and shortfall after re-sourcing of every BOM row under a shock
    (methods.md §14, with the shock model of §11). Per row r (mass m_r, supplier
    country s, commodity stage k = ``stages[commodity]``):

        direct (ρ_r = cut of the purchase s → company country c > 0, :func:`purchase_cuts`):
            a_r = ρ_r                     b_r = ρ_r · (1 − Y_c / L_c)
        through the supplier country (k shocked, s not restricted towards c):
            a_r = ℓ_s + ℓ2_s              b_r = S_s / F_s + ℓ2_s
        not shocked: a_r = b_r = 0
        mass at risk = m_r · a_r    residual shortfall = m_r · b_r    (a, b capped at 1)

    ``impacts``: :func:`critmin.analysis.shocks.run_scenario` rows of the supplier
    countries and of ``company`` (c): ℓ = ``direct_loss_share``, S/F =
    ``shortfall_share``, ℓ2 = ``second_order_share`` (refined supply lost through
    refiners whose ore was cut, an upper bound), Y_c/L_c = c's re-sourced share of its
    loss (0 when c loses nothing in the year's trade: no re-sourcing modelled). Rows
    whose figures the shock model cannot give (a stage without trade, a supplier country
    without imports of the stage) are missing with its reason, never 0; an unknown ℓ2
    (the ore stage has no trade) is left out of a and b and named in
    ``second_order_missing``. ``cuts``: ρ of
    each BOM row's purchase."""
    key = ["importer", "commodity_id", "stage"]
    imp = impacts.drop_duplicates(key).set_index(key)
    shocked = set(zip(impacts["commodity_id"], impacts["stage"], strict=True))
    out = bom[["row", "product", "part", "commodity_id", "supplier", "iso3",
               "mass_t"]].rename(columns={"iso3": "supplier_country", "row": "bom_row"}
                                 ).reset_index(drop=True)
    out.insert(6, "material_stage", out["commodity_id"].map(stages))
    cells = list(zip(out["commodity_id"], out["material_stage"], strict=True))
    own = _impact_rows(imp, out["supplier_country"], cells)
    firm = _impact_rows(imp, pd.Series(company, index=out.index), cells)
    direct = np.asarray(cuts, dtype=float) > 0
    hit = np.array([c in shocked for c in cells], dtype=bool)
    out["path"] = np.select([direct, hit], list(SHOCK_PATHS[:2]), SHOCK_PATHS[2])
    second = pd.to_numeric(own["second_order_share"], errors="coerce").fillna(0.0)
    loss = pd.to_numeric(firm["direct_loss_t"], errors="coerce")
    resourced = pd.to_numeric(firm["resourced_t"], errors="coerce")
    # the company country's re-sourced share of its loss (0 where it loses nothing)
    kept = (1.0 - (resourced / loss.where(loss > 0)).fillna(0.0)).clip(0, 1)
    out["at_risk_share"] = np.select(
        [direct, hit], [cuts, own["direct_loss_share"] + second], 0.0)
    out["residual_shortfall_share"] = np.select(
        [direct, hit], [cuts * kept.where(firm["missing"] == ""),
                        own["shortfall_share"] + second], 0.0)
    for c in ("at_risk_share", "residual_shortfall_share"):
        out[c] = out[c].clip(upper=1.0)
    gone = hit & ~direct & (own["missing"] != "")
    out.loc[gone, ["at_risk_share", "residual_shortfall_share"]] = np.nan
    # a supplier country's loss through refiners whose ore was cut is unknown when the
    # store has no trade of the ore stage: the shares leave it out and say so (never 0)
    out["second_order_missing"] = np.where(hit & ~direct & ~gone,
                                           own["second_order_missing"], "")
    out["missing"] = np.where(gone, own["missing"], np.where(
        direct & (firm["missing"] != ""), firm["missing"], ""))
    out["mass_at_risk_t"] = out["mass_t"] * out["at_risk_share"]
    out["residual_shortfall_t"] = out["mass_t"] * out["residual_shortfall_share"]
    return out


def _impact_rows(imp: pd.DataFrame, who: pd.Series, cells: list[tuple[str, str]]
                 ) -> pd.DataFrame:
    """The ``run_scenario`` figures of importer ``who[i]`` in ``cells[i]`` per BOM row
    (absent: NaN figures, no reason — the cell is not shocked)."""
    cols = ["direct_loss_t", "direct_loss_share", "resourced_t", "shortfall_share",
            "second_order_share", "missing", "second_order_missing"]
    index = pd.MultiIndex.from_tuples([(w, c, s) for w, (c, s) in zip(who, cells,
                                                                        strict=True)])
    got = imp.reindex(index)[cols].reset_index(drop=True)
    for col in ("missing", "second_order_missing"):
        got[col] = got[col].fillna("").astype(str)
    return got.set_axis(who.index)


def _whole_sum(values: pd.Series) -> float:
    """The sum of ``values`` — missing if any is missing (a total that leaves rows out
    silently would understate the shortfall)."""
    return float("nan") if values.isna().any() else float(values.sum())


def shock_by_commodity(rows: pd.DataFrame) -> pd.DataFrame:
    """Per commodity: ``commodity_id, material_stage, mass_t``, ``mass_at_risk_t``
    summed over the rows with figures, ``unassessed_t`` the mass of rows without (their
    reasons in ``missing``, "; "-joined), ``residual_shortfall_t`` over the rows with a
    mass at risk (missing if one of them has no shortfall), and the assumptions."""
    f = rows.assign(unassessed_t=rows["mass_t"].where(rows["at_risk_share"].isna(), 0.0))
    f["residual_shortfall_t"] = f["residual_shortfall_t"].where(
        f["at_risk_share"].notna(), 0.0)
    by = f.groupby(["commodity_id", "material_stage"], sort=True)
    out = by.agg(mass_t=("mass_t", "sum"),
                 mass_at_risk_t=("mass_at_risk_t", lambda s: s.sum(min_count=1)),
                 residual_shortfall_t=("residual_shortfall_t", _whole_sum),
                 unassessed_t=("unassessed_t", "sum"),
                 redirect_share=("redirect_share", "first"),
                 spare_capacity=("spare_capacity", "first"),
                 trade_year=("trade_year", "first"),
                 missing=("missing", join_phrases))
    return out.reset_index()
