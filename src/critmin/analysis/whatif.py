"""Policy what-if (政策実施前/後の評価): the study's four levers (methods.md §10).

A lever changes the *data* behind the axes — production, reserves, import flows,
domestic supply, recycling — and the axes are recomputed by
:func:`critmin.methods.meti6.meti6_values`, never scaled. Nothing is written to the store.
Levers apply in the order ① mine, ② smelter, ④ recycling, ③ saving [C].

① :class:`MineInvestment` (country j, ΔQ t/yr, ΔR t, offtake φ, κ):
   ``q'_j = q_j + ΔQ`` in every production-window year with data (axis 1, on the
   commodity's mining stage); ``R'_j = R_j + ΔR`` (axis 2); the importer receives
   ``a = φ·ΔQ·κ`` t/yr of concentrate from j, displacing its other partners pro rata
   (``f'_i = f_i·max(0, 1 − a/F_others)``, the total unchanged while a ≤ F_others), axis 3.
   If j is the importer (or a member), ``p'_c = p_c + φ·ΔQ`` and imports are displaced.
② :class:`SmelterInvestment` (j, ΔQ_r, φ, κ): the same on the refining stage: j's
   refinery output (axis 1 where the commodity's primary stage is refining) and refined
   imports (axis 4).
③ :class:`ResourceSaving` (cut δ): every import flow × (1 − δ) (axes 3–4 move only
   through domestic supply); axis 5 becomes the volatility of the importer's spend,
   ``x5' = x5 · (1 − δ)`` [C] — the market σ itself does not move.
④ :class:`Recycling` (target EoL-RIR r'): axis 6 = 1 − r'; the added secondary supply
   ``ΔS = (r' − r)·(p_ref + F_ref)`` enters the importer's domestic refined supply
   (g = 0) and displaces refined imports pro rata (axes 4).

κ converts contained tonnes to the traded basis (default 1: the HS quantity is taken as
contained; set it to the concentrate grade's inverse for ores).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from critmin.analysis.assessment import Assessment, assess_inputs
from critmin.analysis.typology import TypologyThresholds
from critmin.catalog.reasons import reason
from critmin.errors import CritminError, NumberError, require_file
from critmin.methods.meti6 import Meti6Inputs, Meti6Options


@dataclass(frozen=True)
class MineInvestment:
    """Lever ①: new mine output (and reserves) in ``country`` with an offtake share."""

    commodity_id: str
    country: str
    added_t: float
    reserves_t: float = 0.0
    offtake: float = 0.0
    kappa: float = 1.0
    importer: str | None = None
    order: int = 1


@dataclass(frozen=True)
class SmelterInvestment:
    """Lever ②: new refining output in ``country`` with an offtake share."""

    commodity_id: str
    country: str
    added_t: float
    offtake: float = 0.0
    kappa: float = 1.0
    importer: str | None = None
    order: int = 2


@dataclass(frozen=True)
class Recycling:
    """Lever ④: the end-of-life recycling input rate raised to ``target_rir``."""

    commodity_id: str
    target_rir: float
    order: int = 3


@dataclass(frozen=True)
class ResourceSaving:
    """Lever ③: the importer's demand cut by ``cut`` (0–1), by saving or substitution."""

    commodity_id: str
    cut: float
    order: int = 4


Lever = MineInvestment | SmelterInvestment | Recycling | ResourceSaving


def _check(lever: Lever, inp: Meti6Inputs) -> None:
    if lever.commodity_id not in inp.commodities:
        raise CritminError(f"{lever.commodity_id} is not in this assessment "
                           f"({', '.join(inp.commodities)})")
    named = {"cut": "saving_cut"}   # the saving lever's cut is not an export cut
    for name in ("offtake", "cut", "target_rir"):
        v = getattr(lever, name, None)
        if v is not None and not 0.0 <= v <= 1.0:
            raise NumberError(named.get(name, name), v, low=0, high=1)
    for name in ("added_t", "reserves_t", "offtake", "cut", "target_rir", "kappa"):
        v = getattr(lever, name, None)
        if v is not None and not (isinstance(v, (int, float)) and math.isfinite(v)):
            raise NumberError(named.get(name, name), v, rule="finite")
    for name in ("added_t", "reserves_t"):
        v = getattr(lever, name, None)
        if v is not None and v < 0:
            raise NumberError(name, v, rule="not_negative")
    kappa = getattr(lever, "kappa", None)
    if kappa is not None and kappa <= 0:
        raise NumberError("kappa", kappa, rule="positive")


def displace(flows: pd.DataFrame, domestic: pd.DataFrame, members: dict, commodity_id: str,
             stage: str, country: str | None, added_t: float | pd.Series
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Give importers ``added_t`` t/yr (a number, or a Series by importer) on one
    commodity stage, from ``country`` (None: the importer's own secondary supply).

    For an importer that does not contain ``country``, a flow from ``country`` is added
    in each year it has imports or domestic supply of the stage, and its other partners
    shrink pro rata by the added amount (not below 0). For an importer that contains
    ``country``, or when ``country`` is None, the amount is domestic supply (g = 0) and
    all partners shrink by it. Returns the new (flows, domestic).
    """
    sel = (flows["commodity_id"] == commodity_id) & (flows["stage"] == stage)
    cells = pd.concat([
        flows.loc[sel, ["importer", "year"]],
        domestic.loc[(domestic["commodity_id"] == commodity_id) &
                     (domestic["stage"] == stage), ["importer", "year"]]]).drop_duplicates()
    inside = cells["importer"].map(lambda imp: country is None or any(
        iso3 == country for iso3, _, _ in members.get(imp, []))).astype(bool)
    added = (cells["importer"].map(added_t).fillna(0.0) if isinstance(added_t, pd.Series)
             else pd.Series(float(added_t), index=cells.index))
    cells = cells.assign(inside=inside.to_numpy(), added=added.to_numpy(dtype=float))
    cells = cells[cells["added"] > 0]
    if cells.empty:
        return flows, domestic
    f = flows.copy()
    part = f.loc[sel].merge(cells, on=["importer", "year"], how="left")
    others = part["inside"].fillna(False).to_numpy(bool) | (part["partner"] != country).to_numpy()
    total_others = part["quantity_t"].where(others, 0.0).groupby(
        [part["importer"], part["year"]]).transform("sum")
    factor = np.clip(1.0 - part["added"].fillna(0.0) / total_others.where(total_others > 0),
                     0.0, 1.0).fillna(1.0)
    f.loc[sel, "quantity_t"] = np.where(others, part["quantity_t"] * factor,
                                        part["quantity_t"]).astype(float)
    new_rows = cells[~cells["inside"]].assign(partner=country, commodity_id=commodity_id,
                                              stage=stage, quantity_t=cells["added"])
    f = pd.concat([f, new_rows[f.columns]], ignore_index=True)
    f = f.groupby(["importer", "partner", "commodity_id", "stage", "year"], as_index=False
                  )["quantity_t"].sum()
    own = cells[cells["inside"]].assign(commodity_id=commodity_id, stage=stage,
                                        domestic_t=cells["added"])
    d = pd.concat([domestic, own[domestic.columns]], ignore_index=True).groupby(
        ["importer", "commodity_id", "stage", "year"], as_index=False)["domestic_t"].sum()
    return f, d


def _add_production(inp: Meti6Inputs, commodity_id: str, stage: str, country: str,
                    added_t: float) -> pd.DataFrame:
    """Production plus ``added_t`` for ``country`` in each window year with data.

    A mine lever needs mine production to add to; a smelter lever on a stage without
    production rows (refinery output not in the store) changes the refined imports only,
    unless refining is the commodity's axis-1 stage.
    """
    prod = inp.production
    sel = prod[(prod["commodity_id"] == commodity_id) & (prod["stage"] == stage)]
    if sel.empty:
        if stage == "mining" or inp.primary_stage.get(commodity_id) == stage:
            primary = inp.primary_stage.get(commodity_id, "none")
            raise CritminError(
                f"no {stage} production of {commodity_id} in the store for the window "
                f"(its production axis uses the {primary} stage): the lever has nothing to "
                "add to" + ("; use the smelter lever" if primary == "refining" else ""))
        if (commodity_id, stage) not in inp.hs_stages:
            raise CritminError(f"{commodity_id} has neither {stage} production nor {stage} "
                               "HS codes: the lever changes nothing")
        return prod
    years = sel.drop_duplicates("year")[["year", "source_id"]]
    rows = years.assign(commodity_id=commodity_id, stage=stage, iso3=country,
                        quantity=float(added_t), source_id="what-if")
    return pd.concat([prod, rows.reindex(columns=prod.columns)], ignore_index=True)


def _offtaker(inp: Meti6Inputs, importer: str | None) -> str:
    """The importer that takes a lever's offtake (the only one, or the one named)."""
    if importer is None:
        if len(inp.members) != 1:
            raise CritminError("several importers are assessed: name the one that takes the "
                               f"offtake ({', '.join(inp.members)})")
        return next(iter(inp.members))
    if importer not in inp.members:
        raise CritminError(f"offtake importer {importer} is not assessed "
                           f"({', '.join(inp.members)})")
    return importer


def apply_lever(inp: Meti6Inputs, lever: Lever) -> Meti6Inputs:
    """The inputs after one lever (see the module docstring for each model)."""
    _check(lever, inp)
    c = lever.commodity_id
    if isinstance(lever, MineInvestment | SmelterInvestment):
        stage = "mining" if isinstance(lever, MineInvestment) else "refining"
        prod = _add_production(inp, c, stage, lever.country, lever.added_t)
        taker = _offtaker(inp, lever.importer)
        flows, domestic = displace(inp.flows, inp.domestic, inp.members, c, stage,
                                   lever.country, pd.Series(
                                       {taker: lever.offtake * lever.added_t * lever.kappa}))
        reserves = inp.reserves
        if isinstance(lever, MineInvestment) and lever.reserves_t:
            ryear = reserves.loc[reserves["commodity_id"] == c, "year"]
            if ryear.empty:
                raise CritminError(f"no reserves of {c} in the store to add to")
            row = pd.DataFrame({"commodity_id": [c], "iso3": [lever.country],
                                "year": [int(ryear.iloc[0])],
                                "quantity": [float(lever.reserves_t)], "source_id": ["what-if"]})
            reserves = pd.concat([reserves, row], ignore_index=True)
        return inp.with_frames(production=prod, flows=flows, domestic=domestic,
                               reserves=reserves)
    if isinstance(lever, ResourceSaving):
        flows = inp.flows.copy()
        sel = flows["commodity_id"] == c
        flows.loc[sel, "quantity_t"] = flows.loc[sel, "quantity_t"] * (1.0 - lever.cut)
        factor = dict(inp.spend_factor)
        factor[c] = factor.get(c, 1.0) * (1.0 - lever.cut)
        return inp.with_frames(flows=flows, spend_factor=factor)
    rec = inp.recycling
    current = rec.loc[rec["commodity_id"] == c, "eol_rir"]
    if current.empty:
        raise CritminError(f"no EoL-RIR for {c} in the store: the recycling lever needs one")
    r0 = float(current.iloc[0])
    rec = rec.copy()
    rec.loc[rec["commodity_id"] == c, ["eol_rir", "source_id"]] = [lever.target_rir, "what-if"]
    # ΔS per importer = (r' − r) × its mean yearly refined supply (imports + domestic)
    refined = inp.flows[(inp.flows["commodity_id"] == c) & (inp.flows["stage"] == "refining")]
    own = inp.domestic[(inp.domestic["commodity_id"] == c) & (inp.domestic["stage"] == "refining")]
    supply = pd.concat([refined[["importer", "year", "quantity_t"]],
                        own.rename(columns={"domestic_t": "quantity_t"})[
                            ["importer", "year", "quantity_t"]]])
    per_year = supply.groupby(["importer", "year"])["quantity_t"].sum().groupby("importer").mean()
    delta = max(0.0, lever.target_rir - r0) * per_year
    flows, domestic = displace(inp.flows, inp.domestic, inp.members, c, "refining", None, delta)
    return inp.with_frames(recycling=rec, flows=flows, domestic=domestic)


def whatif(inp: Meti6Inputs, levers: list[Lever], opts: Meti6Options | None = None,
           thresholds: TypologyThresholds | None = None, scenario: str = "what-if",
           before: Assessment | None = None) -> tuple[Assessment, Assessment, pd.DataFrame]:
    """Before and after assessments and a table of ``importer, commodity_id, axis,
    before, after, delta`` (after − before) and ``rise_reason`` (why an axis the levers
    raise rises: :func:`rise_reasons`). ``before``: the assessment of ``inp`` with the
    same options and thresholds when the caller has it already (e.g. the kept one of
    :func:`critmin.analysis.assessment.assess`), else it is made here."""
    if before is None:
        before = assess_inputs(inp, opts, thresholds)
    elif before.inputs is not inp:
        raise ValueError("whatif: 'before' is the assessment of other inputs than 'inp'")
    changed = inp
    for lever in sorted(levers, key=lambda lv: lv.order):
        changed = apply_lever(changed, lever)
    after = assess_inputs(changed.with_frames(scenario=scenario), opts, thresholds)
    key = ["importer", "commodity_id", "axis"]
    both = before.values[key + ["value"]].rename(columns={"value": "before"}).merge(
        after.values[key + ["value"]].rename(columns={"value": "after"}), on=key)
    both["delta"] = both["after"] - both["before"]
    both["rise_reason"] = rise_reasons(before.inputs, after.inputs, levers, both)
    return before, after, both


RISE_TOLERANCE = 1e-9
"""A what-if delta above this is a rise that gets an explanation (below: rounding)."""
_LEVER_MEASURE = {MineInvestment: "mine_investment", SmelterInvestment: "smelter_investment",
                  Recycling: "recycling_technology", ResourceSaving: "saving_substitution"}
_SUPPLY_AXES = {"import_governance_concentrate": ("mining", MineInvestment),
                "import_governance_refined": ("refining", SmelterInvestment),
                "production_concentration": (None, MineInvestment | SmelterInvestment),
                "reserve_concentration": ("mining", MineInvestment)}


def _share(frame: pd.DataFrame, mask: pd.Series, who: pd.Series, country: str,
           column: str) -> float:
    """``country``'s share of ``column`` over the rows of ``mask`` (``who`` names the
    supplier of each row)."""
    total = frame.loc[mask, column].sum()
    return float(frame.loc[mask & (who == country), column].sum() / total) if total else 0.0


def _supply_share(inp: Meti6Inputs, importer: str, c: str, stage: str, country: str
                  ) -> float:
    """``country``'s share of the importer's supply of a stage (imports by partner plus
    domestic supply, over the import window)."""
    f = inp.flows[["importer", "commodity_id", "stage", "partner", "quantity_t"]]
    d = inp.domestic.rename(columns={"domestic_t": "quantity_t"}).assign(partner=importer)
    both = pd.concat([f, d[f.columns]], ignore_index=True)
    mask = ((both["importer"] == importer) & (both["commodity_id"] == c)
            & (both["stage"] == stage))
    return _share(both, mask, both["partner"], country, "quantity_t")


def _country_risk(inp: Meti6Inputs, country: str) -> float | None:
    r = inp.risk.loc[inp.risk["iso3"] == country, "risk"]
    return float(r.mean()) if len(r) else None


def rise_reasons(before: Meti6Inputs, after: Meti6Inputs, levers: list[Lever],
                 deltas: pd.DataFrame) -> pd.Series:
    """Why each axis a lever set raises rises (reason texts of the vocabulary, "" where
    the axis does not rise): the lever's country takes a larger share of the importer's
    supply (import governance), of world production or of reserves; else the levers
    are named. Shares are over the windows the axes use (docs/methods.md §10)."""
    out = []
    for row in deltas.itertuples(index=False):
        if not (row.delta == row.delta and row.delta > RISE_TOLERANCE):
            out.append("")
            continue
        mine = [lv for lv in levers if lv.commodity_id == row.commodity_id]
        _, kinds = _SUPPLY_AXES.get(row.axis, (None, ()))
        hit = [lv for lv in mine if kinds and isinstance(lv, kinds)]
        out.append(_rise_reason(before, after, row, hit[0]) if hit else reason(
            "whatif_raises_axis", levers=",".join(dict.fromkeys(
                _LEVER_MEASURE[type(lv)] for lv in mine))))
    return pd.Series(out, index=deltas.index, dtype=object)


def _rise_reason(before: Meti6Inputs, after: Meti6Inputs, row: Any,
                 lv: MineInvestment | SmelterInvestment) -> str:
    """The reason for one axis that the supply lever ``lv`` raises."""
    c, stage = lv.commodity_id, "mining" if isinstance(lv, MineInvestment) else "refining"
    if row.axis.startswith("import_governance"):
        risk = _country_risk(after, lv.country)
        shares = [_supply_share(inp, row.importer, c, stage, lv.country)
                  for inp in (before, after)]
        return reason("whatif_raises_import_governance", lever=_LEVER_MEASURE[type(lv)],
                      importer=row.importer, country=lv.country,
                      risk="n/a" if risk is None else f"{risk:.2f}",
                      stage_label=stage, commodity=c,
                      before=f"{shares[0]:.0%}", after=f"{shares[1]:.0%}")
    reserves = row.axis == "reserve_concentration"
    shares = []
    for inp in (before, after):
        f = inp.reserves if reserves else inp.production
        mask = (f["commodity_id"] == c) & (True if reserves else f["stage"] == stage)
        shares.append(f"{_share(f, mask, f['iso3'], lv.country, 'quantity'):.0%}")
    fields = {"lever": _LEVER_MEASURE[type(lv)], "country": lv.country, "commodity": c,
              "before": shares[0], "after": shares[1]}
    if reserves:
        return reason("whatif_raises_reserve_concentration", **fields)
    return reason("whatif_raises_production_concentration", stage=stage, **fields)


LEVER_KINDS: dict[str, type] = {"mine": MineInvestment, "smelter": SmelterInvestment,
                                "recycling": Recycling, "saving": ResourceSaving}


def levers_from_records(records: list[dict], resolve_commodity: Any = None,
                        resolve_country: Any = None) -> list[Lever]:
    """Levers from plain records (a lever file): ``{"lever": "mine" | "smelter" |
    "recycling" | "saving", "commodity": …, …}``; other keys are the lever's fields
    (``country, added_t, reserves_t, offtake, kappa, importer, target_rir, cut``) plus
    an optional ``source`` note. Names go through the given resolvers."""
    out: list[Lever] = []
    for i, rec in enumerate(records, start=1):
        rec = dict(rec)
        kind = rec.pop("lever", None)
        if kind not in LEVER_KINDS:
            raise CritminError(f"lever {i}: 'lever' must be one of "
                               f"{', '.join(LEVER_KINDS)} (got {kind!r})")
        cls = LEVER_KINDS[kind]
        rec.pop("source", None)
        rec.pop("source_ja", None)
        commodity = rec.pop("commodity", None)
        if commodity is None:
            raise CritminError(f"lever {i}: 'commodity' is required")
        rec["commodity_id"] = resolve_commodity(commodity) if resolve_commodity else commodity
        if "country" in rec and resolve_country:
            rec["country"] = resolve_country(str(rec["country"]))
        fields = {f for f in cls.__dataclass_fields__ if f != "order"}
        unknown = set(rec) - fields
        if unknown:
            raise CritminError(f"lever {i} ({kind}): unknown field(s) {', '.join(sorted(unknown))}"
                               f"; valid: {', '.join(sorted(fields))}")
        try:
            out.append(cls(**rec))
        except TypeError as exc:
            raise CritminError(f"lever {i} ({kind}): {exc}") from None
    return out


def read_lever_file(spec: str) -> tuple[list[dict[str, Any]], str]:
    """Lever records and scenario name of a lever file — a YAML mapping ``{name, levers:
    [{lever, commodity, …}, …]}`` read by :func:`critmin.catalog.tables.read_yaml_mapping`
    — or of the shipped illustrative set when ``spec`` is ``"example"``."""
    from importlib import resources
    from pathlib import Path

    from critmin.catalog.tables import read_yaml_mapping

    if spec == "example":
        source: str | Path = resources.files("critmin.analysis").joinpath(
            "data", "whatif_example.yaml").read_text(encoding="utf-8")
    else:
        source = require_file(spec, "lever", " (or give 'example')")
    doc = read_yaml_mapping(source, f"lever file {spec}", "lever")
    if not isinstance(doc.get("levers"), list):
        raise CritminError(f"lever file {spec}: expected a mapping with a 'levers' list")
    return list(doc["levers"]), str(doc.get("name", "what-if"))


LEVER_NOTES = ("lever", "commodity", "source", "source_ja")
"""Keys of a lever record that are not the lever's parameters."""


def lever_table(records: list[dict[str, Any]], levers: list[Lever]) -> pd.DataFrame:
    """One row per lever record: ``lever`` (its kind), ``commodity_id`` (resolved, from
    ``levers``, the same order), ``parameters`` (the other fields), ``source`` and
    ``source_ja`` (the record's notes; ``source_ja`` defaults to ``source``)."""
    return pd.DataFrame({
        "lever": [r["lever"] for r in records],
        "commodity_id": [lv.commodity_id for lv in levers],
        "parameters": [{k: v for k, v in r.items() if k not in LEVER_NOTES}
                       for r in records],
        "source": [r.get("source", "") for r in records],
        "source_ja": [r.get("source_ja", r.get("source", "")) for r in records]})
