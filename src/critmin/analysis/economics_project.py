"""Three-layer evaluation of a mine or refinery project (methods.md §16, §19; seed 000
scene 2).

Financial layer: a cash-flow model per year t = 0 … T−1 (t = 0 undiscounted),

    R_t   = P_t · Q_t · π                           revenue (price × output × payable)
    OPEX_t = o · Q_t + F · [Q_t > 0]                variable and fixed operating cost
    ROY_t = ρ · R_t                                 royalty on revenue
    D_t   = Σ CAPEX / n  for n years from the first year with output (straight line)
    TAX_t = τ · max(R_t − OPEX_t − ROY_t − D_t, 0)  (no loss carried forward [C])
    CF_t  = R_t − OPEX_t − ROY_t − TAX_t − CAPEX_t  (+ salvage in the last year)
    NPV(r) = Σ_t CF_t / (1 + r)^t,  IRR: NPV(IRR) = 0,  payback: the first time the
    cumulative CF turns ≥ 0, interpolated within the year

with numpy-financial (``npv``, ``irr``; BSD licence) — or a plain ``cash_flows`` list and
``discount_rate``. IRR is missing when the flows never change sign; with several sign
changes numpy-financial returns the root nearest 0.

ESG layer: criteria (tailings, water, emissions, community) each a score in [0, 1]
(1 = best) given directly or from a value between a ``good`` and a ``bad`` anchor the
user states, ``s = clip((bad − v) / (bad − good), 0, 1)``; ``E = Σ w_k s_k / Σ w_k`` over
the criteria given (weights default equal [C]); the project passes the ESG gate when
every criterion scores ≥ ``gate`` (default 0: no gate [C]).

Geopolitical layer: the host's governance risk g_host (0–1, 1 = worst; methods.md §4)
and Δ = the change the project (as lever ① or ② of the what-if, methods.md §10) makes
to the importer's concentration and import-governance axes (1–4), Σ of their deltas:

    geo = ½ · (1 − g_host) + ½ · clip(½ − Δ / (2·Δ_ref), 0, 1),  Δ_ref = 0.1  [C]

(Δ = −0.1 or lower scores 1, no change ½, +0.1 or higher 0). Risk-adjusted discounting
``r_adj = r + β·g_host`` gives ``npv_risk_adjusted`` (β from the file, default 0).

Financial score ``fin = clip(½ + ½ · NPV / PV(outlays), 0, 1)`` (PV of capex, or of the
negative flows of a plain list): NPV = 0 scores ½, NPV ≥ PV(outlays) scores 1.
Combined score = Σ W_l · score_l / Σ W_l over the layers with a score, W = (financial 0.4,
ESG 0.3, geopolitical 0.3) by default [C], set per project file.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from critmin.analysis.economics import (
    Strict,
    TaggedSource,
    read_parameter_file,
    resolved_at,
    validated,
)

GEO_HOST_WEIGHT = 0.5
"""Weight of the host's governance in the geopolitical score [C]."""
GEO_DELTA_REF = 0.1
"""Axis change (sum over axes 1–4) that scores 0 or 1 in the geopolitical layer [C]."""
ESG_CRITERIA = ("tailings", "water", "emissions", "community")
LAYERS = ("financial", "esg", "geopolitical")
CASH_FLOW_COLUMNS = ["project", "year", "t", "output_t", "price", "revenue", "opex",
                     "royalty", "depreciation", "tax", "capex", "cash_flow",
                     "cumulative_cash_flow"]


class CashFlowModel(Strict):
    """The cash-flow model; lists run by year from ``start_year`` (the last value is
    carried to the end of the horizon), money in USD."""

    start_year: int = Field(ge=1900, le=2200)
    years: int = Field(ge=1, le=100, description="Horizon T (years, t = 0 … T−1).")
    capex: list[float]
    output_t: float | list[float]
    price: float | list[float] = Field(description="USD per t of product.")
    payable: float = Field(1.0, gt=0, le=1)
    opex_per_t: float = Field(0.0, ge=0)
    fixed_opex: float = Field(0.0, ge=0)
    royalty_rate: float = Field(0.0, ge=0, lt=1)
    tax_rate: float = Field(0.0, ge=0, lt=1)
    depreciation_years: int = Field(10, ge=1)
    salvage: float = 0.0
    discount_rate: float = Field(ge=0, lt=1, description="Real discount rate, 0 ≤ r < 1.")
    source: TaggedSource

    @field_validator("capex", "output_t", "price")
    @classmethod
    def _not_negative(cls, v: float | list[float]) -> float | list[float]:
        if any(x < 0 for x in (v if isinstance(v, list) else [v])):
            raise ValueError("values are not negative")
        if isinstance(v, list) and not v:
            raise ValueError("give at least one value")
        return v

    @model_validator(mode="after")
    def _fits(self) -> CashFlowModel:
        for name in ("capex", "output_t", "price"):
            v = getattr(self, name)
            if isinstance(v, list) and len(v) > self.years:
                raise ValueError(f"{name} has {len(v)} values for a horizon of "
                                 f"{self.years} years")
        return self


class Offtake(Strict):
    """The share of the project's output an importer takes."""

    importer: str = "JPN"
    share: float = Field(ge=0, le=1)


class Criterion(Strict):
    """An ESG criterion: a score in [0, 1], or a value with its good and bad anchors."""

    score: float | None = Field(None, ge=0, le=1)
    value: float | None = None
    good: float | None = None
    bad: float | None = None
    unit: str = ""
    source: TaggedSource

    @model_validator(mode="after")
    def _form(self) -> Criterion:
        anchored = None not in (self.value, self.good, self.bad)
        if (self.score is None) == (not anchored):
            raise ValueError("give either 'score' or 'value' with 'good' and 'bad'")
        if anchored and self.good == self.bad:
            raise ValueError("'good' and 'bad' must differ")
        return self

    def scored(self) -> float:
        """The score (value mapped linearly between the anchors, clipped to [0, 1])."""
        if self.score is not None:
            return self.score
        return float(np.clip((self.bad - self.value) / (self.bad - self.good), 0.0, 1.0))


class Esg(Strict):
    """The ESG layer's inputs."""

    tailings: Criterion | None = None
    water: Criterion | None = None
    emissions: Criterion | None = None
    community: Criterion | None = None
    weights: dict[Literal["tailings", "water", "emissions", "community"], float] = {}
    gate: float = Field(0.0, ge=0, le=1)

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        if any(w < 0 for w in v.values()):
            raise ValueError("weights are not negative")
        return v


class Weights(Strict):
    """Weights of the three layers in the combined score."""

    financial: float = Field(0.4, ge=0)
    esg: float = Field(0.3, ge=0)
    geopolitical: float = Field(0.3, ge=0)


class Project(Strict):
    """A project file (``analysis/data/projects``)."""

    id: str
    name: str
    name_ja: str
    commodity: str
    country: str
    stage: Literal["mine", "smelter"] = "mine"
    capacity_t: float = Field(gt=0, description="Output at full rate (t/yr): the "
                                                "what-if lever's added supply.")
    reserves_t: float = Field(0.0, ge=0)
    kappa: float = Field(1.0, gt=0)
    offtake: Offtake | None = None
    cash_flow_model: CashFlowModel | None = None
    cash_flows: list[float] | None = None
    discount_rate: float | None = Field(None, ge=0, lt=1)
    start_year: int | None = Field(None, ge=1900, le=2200,
                                   description="Calendar year of t = 0 of plain cash flows.")
    esg: Esg | None = None
    weights: Weights = Weights()
    risk_premium: float = Field(0.0, ge=0)
    source: TaggedSource
    notes: str = ""

    @model_validator(mode="after")
    def _one_financial_form(self) -> Project:
        plain = self.cash_flows is not None or self.discount_rate is not None
        if (self.cash_flow_model is None) == (not plain):
            raise ValueError("give either 'cash_flow_model' or 'cash_flows' with "
                             "'discount_rate'")
        if plain and (self.cash_flows is None or self.discount_rate is None or
                      len(self.cash_flows) < 2):
            raise ValueError("'cash_flows' (at least two years) and 'discount_rate' go "
                             "together")
        return self

    @property
    def rate(self) -> float:
        return self.cash_flow_model.discount_rate if self.cash_flow_model else \
            float(self.discount_rate)


def read_project(spec: str) -> Project:
    """A project from a shipped id (``analysis/data/projects``) or a YAML file."""
    from critmin.catalog.commodities import resolve_commodity
    from critmin.catalog.countries import resolve_country, resolve_place

    def importer(name: str) -> str:   # a country or a group (EU27)
        return resolve_place(name)[1]

    doc, lines, label = read_parameter_file(spec, "project", "projects")
    project = validated(Project, doc, lines, label)
    resolved_at(resolve_commodity, project.commodity, lines, label, "commodity")
    resolved_at(resolve_country, project.country, lines, label, "country")
    if project.offtake is not None:
        resolved_at(importer, project.offtake.importer, lines, label, "offtake", "importer")
    return project


def carried(value: float | list[float], n: int) -> np.ndarray:
    """``value`` as ``n`` yearly values: a number repeated, a list with its last value
    carried to the end."""
    v = np.atleast_1d(np.asarray(value, float))
    return np.concatenate([v, np.full(n - len(v), v[-1])])[:n]


def model_cash_flows(m: CashFlowModel) -> pd.DataFrame:
    """The yearly cash flows of the model (module docstring): ``year, t, output_t,
    price, revenue, opex, royalty, depreciation, tax, capex, cash_flow``."""
    n = m.years
    t = np.arange(n)
    q, p = carried(m.output_t, n), carried(m.price, n)
    capex = np.concatenate([np.asarray(m.capex, float), np.zeros(n - len(m.capex))])
    revenue = p * q * m.payable
    opex = m.opex_per_t * q + m.fixed_opex * (q > 0)
    royalty = m.royalty_rate * revenue
    producing = np.flatnonzero(q > 0)
    first = producing[0] if producing.size else n
    dep = np.where((t >= first) & (t < first + m.depreciation_years),
                   capex.sum() / m.depreciation_years, 0.0)
    tax = m.tax_rate * np.maximum(revenue - opex - royalty - dep, 0.0)
    cf = revenue - opex - royalty - tax - capex
    cf[-1] += m.salvage
    return pd.DataFrame({"year": m.start_year + t, "t": t, "output_t": q, "price": p,
                         "revenue": revenue, "opex": opex, "royalty": royalty,
                         "depreciation": dep, "tax": tax, "capex": capex,
                         "cash_flow": cf})


def plain_cash_flows(flows: list[float], start_year: int | None = None) -> pd.DataFrame:
    """A plain list of cash flows (t = 0 first) as the model's frame (other columns
    missing)."""
    cf = np.asarray(flows, float)
    t = np.arange(len(cf))
    frame = pd.DataFrame({c: np.nan for c in ("output_t", "price", "revenue", "opex",
                                              "royalty", "depreciation", "tax", "capex")},
                         index=t)
    frame.insert(0, "t", t)
    frame.insert(0, "year", t + start_year if start_year is not None else t)
    frame["cash_flow"] = cf
    return frame.reset_index(drop=True)


def npv(rate: float, flows: np.ndarray) -> float:
    """``NPV(r) = Σ_t CF_t / (1 + r)^t``, t = 0 first (numpy-financial)."""
    import numpy_financial as npf

    return float(npf.npv(rate, np.asarray(flows, float)))


def irr(flows: np.ndarray) -> float:
    """IRR (numpy-financial; NaN when the flows never change sign)."""
    import numpy_financial as npf

    cf = np.asarray(flows, float)
    if not ((cf > 0).any() and (cf < 0).any()):
        return float("nan")
    return float(npf.irr(cf))


def payback_years(flows: np.ndarray) -> float:
    """Years until the cumulative cash flow first turns ≥ 0 after being negative,
    interpolated within the year (``t − 1 + (−cum_{t−1}) / CF_t``); 0 when it never is
    negative, NaN when it never turns."""
    cf = np.asarray(flows, float)
    cum = np.cumsum(cf)
    if (cum >= 0).all():
        return 0.0
    after = np.flatnonzero((cum >= 0) & (np.arange(len(cum)) > np.argmax(cum < 0)))
    if not after.size:
        return float("nan")
    t = after[0]
    return float(t - 1 + (-cum[t - 1]) / cf[t])


def present_outlays(rate: float, frame: pd.DataFrame) -> float:
    """PV of the capital outlays: the capex column, else the negative cash flows."""
    out = frame["capex"] if frame["capex"].notna().any() else -frame["cash_flow"].clip(
        upper=0)
    return npv(rate, out.fillna(0.0).to_numpy())


def financial_score(npv_value: float, outlays: float) -> float:
    """``clip(½ + ½ · NPV / PV(outlays), 0, 1)`` (NaN without outlays)."""
    if not outlays > 0:
        return float("nan")
    return float(np.clip(0.5 + 0.5 * npv_value / outlays, 0.0, 1.0))


def esg_scores(esg: Esg | None) -> tuple[float, bool | None, dict[str, float]]:
    """(E, passes the gate, {criterion: score}) over the criteria given; (NaN, None, {})
    without any."""
    if esg is None:
        return float("nan"), None, {}
    scores = {k: getattr(esg, k).scored() for k in ESG_CRITERIA if getattr(esg, k)}
    if not scores:
        return float("nan"), None, {}
    w = np.array([esg.weights.get(k, 1.0) for k in scores])
    s = np.array(list(scores.values()))
    total = float((w * s).sum() / w.sum()) if w.sum() > 0 else float(s.mean())
    return total, bool((s >= esg.gate).all()), scores


def geo_score(host_risk: float, delta: float) -> float:
    """``½·(1 − g_host) + ½·clip(½ − Δ/(2·Δ_ref), 0, 1)``; a missing Δ counts ½
    (no change) and a missing g_host leaves the score missing."""
    if np.isnan(host_risk):
        return float("nan")
    d = 0.0 if np.isnan(delta) else delta
    moved = float(np.clip(0.5 - d / (2 * GEO_DELTA_REF), 0.0, 1.0))
    return GEO_HOST_WEIGHT * (1 - host_risk) + (1 - GEO_HOST_WEIGHT) * moved


def combined_score(scores: dict[str, float], weights: Weights) -> float:
    """``Σ W_l · s_l / Σ W_l`` over the layers with a score (NaN when none has)."""
    w = weights.model_dump()
    have = {k: v for k, v in scores.items() if not np.isnan(v) and w[k] > 0}
    if not have:
        return float("nan")
    return float(sum(w[k] * v for k, v in have.items()) / sum(w[k] for k in have))
