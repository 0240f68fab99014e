"""Look-through: the origin of a tier-1 supplier country's material (methods.md §14).

A company buys a part's material from a supplier in country s. Where that material
comes from is looked through to s's own supply of the commodity's *material stage* in
year y — refined products when the store has trade in their HS codes that year, else
ores and concentrates (:func:`material_stages`):

    w_s,j = f_j→s          s's imports from partner j (trade tonnes of the stage's HS codes)
    w_s,s = p_s / τ        s's own production of the stage, where the store has it (the
                           canonical basis put on the trade basis by the stage's trade
                           factor τ, as GeoPolRisk's p + F, methods.md §5)
    o_s,j = w_s,j / Σ_k w_s,k                                 origin mix of s, Σ_j o_s,j = 1

When s's own production is not known (the store has no production of the stage that
year, the source withholds it or leaves it in an "other countries" remainder, or it is
on a basis that does not convert to the trade's), the mix covers s's imports only and
carries the reason; s with neither imports nor own production has no mix (reason). One
level only: the origin of s's own refinery feed is not followed (``shock``'s second
order does that for losses, §11).

The company's origin mix of a commodity weighs each supplier country's mix by that
country's share σ_s of the commodity's mass in the bill of materials:

    ω_j = Σ_s σ_s · o_s,j     coverage c = Σ_{s with a mix} σ_s   (ω sums to c, not 1)
    top origin j* = argmax_j ω_j, its share ω_j* (of the whole mass) and risk g_j*
    origin risk GR° = Σ_j ω_j · g_j / c   (g: WGI risk 0–1, missing 0.5, as §4)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from critmin.catalog.reasons import (
    has_codes,
    join_phrases,
    reason,
    reason_array,
    trade_gap,
)
from critmin.indicators.governance import MISSING_GOVERNANCE_RISK

STAGES = ("refining", "mining")
"""Stages a company's material is looked through at, in order of preference."""
MIX_COLUMNS = ["supplier_country", "commodity_id", "origin", "origin_t", "origin_share",
               "origin_kind"]
SUPPLIER_COLUMNS = ["supplier_country", "commodity_id", "material_stage", "year",
                    "imports_t", "own_production_t", "own_share", "origin_top_country",
                    "origin_top_share", "mix_covers", "missing"]
COVERAGE = ("imports_and_own_production", "imports_only", "none")
"""What a supplier country's origin mix covers (``mix_covers``)."""


@dataclass(frozen=True)
class LookThrough:
    """The origin mixes of supplier countries in one year.

    ``stages``: commodity → material stage; ``mix``: :data:`MIX_COLUMNS` (one row per
    supplier country × commodity × origin); ``suppliers``: :data:`SUPPLIER_COLUMNS` (one
    row per supplier country × commodity, with the top origin and the reason where the
    mix is partial or missing)."""

    year: int
    stages: dict[str, str]
    mix: pd.DataFrame
    suppliers: pd.DataFrame


def material_stages(traded: set[tuple[str, str]] | frozenset[tuple[str, str]],
                    commodity_ids: list[str]) -> dict[str, str]:
    """The stage each commodity is bought at: refining where ``traded`` (the (commodity,
    stage) pairs with trade in the year) has it, else mining where it has that; with
    neither, the first stage the catalog gives HS codes (refining, else mining), whose
    trade gap :func:`critmin.catalog.reasons.trade_gap` then names."""
    out = {}
    for c in commodity_ids:
        have = [s for s in STAGES if (c, s) in traded]
        coded = [s for s in STAGES if has_codes(c, s)]
        out[c] = (have or coded or list(STAGES))[0]
    return out


def own_supply(own: pd.DataFrame, stages: dict[str, str], year: int) -> pd.DataFrame:
    """Each country's own production of its commodities' material stage on the stage's
    trade basis: ``supplier_country, commodity_id, own_production_t, own_missing``.

    ``own``: :func:`critmin.store.read.own_production_of` rows. Known (status 0, or a
    remainder bound whose ends agree): ``domestic / trade_factor`` (0 needs no factor);
    missing with the reason otherwise — no production of the stage in the store
    (``production_unknown``), withheld or bounded (``own_production_unknown``), or on a
    basis that does not convert (``own_production_other_basis``)."""
    f = own[own["stage"].to_numpy() == own["commodity_id"].map(stages).to_numpy()]
    rows = []
    for r in f.itertuples(index=False):
        value, why = _own_value(r, year)
        rows.append((r.iso3, r.commodity_id, value, why))
    return pd.DataFrame(rows, columns=["supplier_country", "commodity_id",
                                       "own_production_t", "own_missing"])


def _own_value(r: Any, year: int) -> tuple[float, str]:
    fields = {"commodity": r.commodity_id, "stage": r.stage, "years": year}
    status = r.status
    if status is None or pd.isna(status):
        return np.nan, reason("production_unknown", **fields)
    lo, hi = r.domestic_lo, r.domestic_hi
    if int(status) in (1, 2) and not (pd.notna(lo) and pd.notna(hi) and lo == hi):
        return np.nan, reason("own_production_unknown", importer=r.iso3, **fields)
    if int(status) == 5:
        return np.nan, reason("own_production_other_basis", country=r.iso3, **fields)
    if lo == 0:
        return 0.0, ""
    if pd.isna(r.trade_factor):
        return np.nan, reason("own_production_other_basis", country=r.iso3, **fields)
    return float(lo) / float(r.trade_factor), ""


def origin_mix(imports: pd.DataFrame, own: pd.DataFrame) -> pd.DataFrame:
    """The origin mix ``o_s,j = w_s,j / Σ_k w_s,k`` (module docstring): ``imports``
    ``supplier_country, commodity_id, origin, quantity_t`` (f_j→s), ``own``
    ``supplier_country, commodity_id, own_production_t`` (p_s/τ; NaN: unknown, left out).
    Returns :data:`MIX_COLUMNS`, ``origin_kind`` ``import`` or ``own_production``, by
    supplier, commodity and share (largest first); a supplier whose weights sum to 0 has
    no rows."""
    imp = imports[imports["quantity_t"] > 0].groupby(
        ["supplier_country", "commodity_id", "origin"], as_index=False)["quantity_t"].sum()
    imp = imp.rename(columns={"quantity_t": "origin_t"}).assign(origin_kind="import")
    o = own[own["own_production_t"] > 0]
    home = pd.DataFrame({"supplier_country": o["supplier_country"],
                         "commodity_id": o["commodity_id"], "origin": o["supplier_country"],
                         "origin_t": o["own_production_t"], "origin_kind": "own_production"})
    w = pd.concat([imp, home], ignore_index=True) if len(home) else imp
    total = w.groupby(["supplier_country", "commodity_id"])["origin_t"].transform("sum")
    w["origin_share"] = w["origin_t"] / total
    w = w.sort_values(["supplier_country", "commodity_id", "origin_share", "origin"],
                      ascending=[True, True, False, True], kind="stable")
    return w[MIX_COLUMNS].reset_index(drop=True)


def supplier_summary(pairs: pd.DataFrame, mix: pd.DataFrame, imports: pd.DataFrame,
                     own: pd.DataFrame, stages: dict[str, str], gaps: dict[str, str],
                     year: int) -> pd.DataFrame:
    """One row per ``pairs`` (``supplier_country, commodity_id``): :data:`SUPPLIER_COLUMNS`.
    ``gaps``: commodity → the trade gap of its material stage ("" when traded).
    ``missing`` is the stage's trade gap, else ``no_imports`` when the country neither
    imports the stage nor has known own production of it, else the reason its own
    production is unknown (the mix then covers imports only)."""
    key = ["supplier_country", "commodity_id"]
    out = pairs[key].drop_duplicates().reset_index(drop=True)
    out["material_stage"] = out["commodity_id"].map(stages)
    out["year"] = year
    tot = imports.groupby(key)["quantity_t"].sum().rename("imports_t")
    out = out.merge(tot, left_on=key, right_index=True, how="left")
    out["imports_t"] = out["imports_t"].fillna(0.0)
    out = out.merge(own, on=key, how="left")
    out["own_missing"] = out["own_missing"].fillna("")
    top = mix.drop_duplicates(key).set_index(key)[["origin", "origin_share"]].rename(
        columns={"origin": "origin_top_country", "origin_share": "origin_top_share"})
    out = out.merge(top, left_on=key, right_index=True, how="left")
    supply = out["imports_t"] + out["own_production_t"]
    out["own_share"] = (out["own_production_t"] / supply).where(supply > 0)
    gap = out["commodity_id"].map(gaps).fillna("")
    has_mix = out["origin_top_country"].notna() & (gap == "")
    out["mix_covers"] = np.select(
        [has_mix & out["own_production_t"].notna(), has_mix], list(COVERAGE[:2]),
        COVERAGE[2])
    no_imports = reason_array(
        "no_imports", stage_label=out["material_stage"].to_numpy(object),
        commodity=out["commodity_id"].to_numpy(object),
        importer=out["supplier_country"].to_numpy(object), years=year)
    out["missing"] = np.where(gap != "", gap, np.where(
        ~has_mix, no_imports, out["own_missing"]))
    for c in ("imports_t", "own_production_t", "own_share"):
        out.loc[gap != "", c] = np.nan
    return out[SUPPLIER_COLUMNS]


def read_lookthrough(con: Any, pairs: pd.DataFrame, year: int) -> LookThrough:
    """The origin mixes of ``pairs`` (``supplier_country, commodity_id``) in ``year``
    from the store: each supplier country's imports of the material stage by partner
    (:func:`critmin.store.read.stage_flows`) and its own production
    (:func:`critmin.store.read.own_production_of`)."""
    from critmin.store.read import last_trade_years, own_production_of, stage_flows

    commodities = sorted(pairs["commodity_id"].unique())
    suppliers = sorted(pairs["supplier_country"].unique())
    flows = stage_flows(con, commodities, year)
    pairs_traded = flows[["commodity_id", "stage"]].drop_duplicates()
    traded = set(zip(pairs_traded["commodity_id"].tolist(), pairs_traded["stage"].tolist(),
                     strict=True))
    stages = material_stages(traded, commodities)
    last = last_trade_years(con, commodities)
    gaps = {c: _gap(c, st, year, traded, last) for c, st in stages.items()}
    f = flows[flows["importer"].isin(suppliers)
              & (flows["stage"].to_numpy() == flows["commodity_id"].map(stages).to_numpy())]
    imports = pd.DataFrame({"supplier_country": f["importer"],
                            "commodity_id": f["commodity_id"], "origin": f["exporter"],
                            "quantity_t": f["quantity_t"]})
    imports = imports.merge(pairs[["supplier_country", "commodity_id"]].drop_duplicates())
    own = own_supply(own_production_of(con, suppliers, commodities, year), stages, year)
    own = own.merge(pairs[["supplier_country", "commodity_id"]].drop_duplicates())
    mix = origin_mix(imports, own)
    mix = mix[mix["commodity_id"].map(gaps) == ""].reset_index(drop=True)
    return LookThrough(year, stages, mix,
                       supplier_summary(pairs, mix, imports, own, stages, gaps, year))


def _gap(commodity_id: str, stage: str, year: int, traded: set[tuple[str, str]],
         last: dict[tuple[str, str], int]) -> str:
    if (commodity_id, stage) in traded:
        return ""
    before = last.get((commodity_id, stage))
    return trade_gap(commodity_id, stage, year, False,
                     before if before is not None and before < year else None)


def company_origins(shares: pd.DataFrame, look: LookThrough, risk: pd.Series
                    ) -> pd.DataFrame:
    """The company's origin mix per commodity (module docstring): ``shares`` holds
    ``commodity_id, iso3, sigma`` (σ_s, the supplier countries' mass shares), ``risk``
    the governance risk by ISO3. Returns ``commodity_id, origin_top_country,
    origin_top_share, origin_top_risk, origin_risk, origin_missing_governance_share``
    (the share of the looked-through mass whose origin has no WGI, risk 0.5),
    ``origin_mix`` (``[{country, share}]`` by share, largest first, ω_j of the whole
    mass), ``lookthrough_coverage`` (c) and
    ``lookthrough_missing`` (the reasons of the supplier countries whose mix is partial
    or missing, "; "-joined)."""
    s = shares.rename(columns={"iso3": "supplier_country"})
    w = s.merge(look.mix, on=["supplier_country", "commodity_id"])
    w["omega"] = w["sigma"] * w["origin_share"]
    by = w.groupby(["commodity_id", "origin"], as_index=False)["omega"].sum()
    by = by.sort_values(["commodity_id", "omega", "origin"], ascending=[True, False, True],
                        kind="stable")
    by["g_missing"] = by["origin"].map(risk).isna()
    by["g"] = by["origin"].map(risk).astype(float).fillna(MISSING_GOVERNANCE_RISK)
    cov = s.merge(look.suppliers[look.suppliers["mix_covers"] != COVERAGE[2]][
        ["supplier_country", "commodity_id"]]).groupby("commodity_id")["sigma"].sum()
    out = pd.DataFrame({"commodity_id": sorted(s["commodity_id"].unique())})
    first = by.drop_duplicates("commodity_id").set_index("commodity_id")
    out["origin_top_country"] = out["commodity_id"].map(first["origin"])
    out["origin_top_share"] = out["commodity_id"].map(first["omega"])
    out["origin_top_risk"] = out["commodity_id"].map(first["g"])
    out["lookthrough_coverage"] = out["commodity_id"].map(cov).fillna(0.0)
    gw = (by["omega"] * by["g"]).groupby(by["commodity_id"]).sum()
    out["origin_risk"] = (out["commodity_id"].map(gw) / out["lookthrough_coverage"]).where(
        out["lookthrough_coverage"] > 0)
    gm = (by["omega"] * by["g_missing"]).groupby(by["commodity_id"]).sum()
    out["origin_missing_governance_share"] = (
        out["commodity_id"].map(gm) / out["lookthrough_coverage"]).where(
        out["lookthrough_coverage"] > 0)
    mixes = {c: [{"country": o, "share": float(v)} for o, v in zip(
        g["origin"], g["omega"], strict=True)] for c, g in by.groupby("commodity_id")}
    out["origin_mix"] = [mixes.get(c, []) for c in out["commodity_id"]]
    why = s.merge(look.suppliers[["supplier_country", "commodity_id", "missing"]])
    why = why[why["missing"] != ""].groupby("commodity_id")["missing"].agg(
        join_phrases)
    out["lookthrough_missing"] = out["commodity_id"].map(why).fillna("")
    return out
