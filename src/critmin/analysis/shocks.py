"""Export-control shocks: direct loss, re-sourcing (HiGHS LP), shortfall, second-order
exposure and post-shock indicators (methods.md §11).

For a commodity stage and year, with ``f_xc`` the trade from exporter x to importer c::

    L_c = Σ_x ρ_xc · f_xc                    direct loss (ρ: the shock's cut on that flow)
    ℓ_c = L_c / F_c  (and / (F_c + p_c) where production is known)
    max Σ y_jc  s.t.  Σ_c y_jc ≤ K_j,  Σ_j y_jc ≤ L_c,  y ≥ 0,  y_jc = 0 on restricted or
                      cross-bloc links                                       (LP 1)
    then, with Σ y fixed at its optimum, max t s.t. Σ_j y_jc ≥ t·L_c        (LP 2, max–min
                      sharing among all importers that lost supply)
    K_j = ω · E_j,other + κ · q_j            redirectable exports (to importers that lost
                                             nothing) and spare capacity [C]: the
                                             scenario's ω (default 0.2) and κ (0)
    S_c = L_c − Σ_j y*_jc                    residual shortfall

Second order (shock on ore/concentrate): a refiner r that loses the share
``φ_r = ρ·f^conc_xr / (F^conc_r + q^mine_r)`` of its feed ships that much less refined
product: ``L2_c = Σ_r φ_r · f^ref_rc`` (upper bound: feed re-sourcing not modelled).
Demand changes scale every flow of the commodity first. Both LPs are solved with HiGHS and
their status is checked. Quantities are trade tonnes (gross weight of the HS codes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from critmin.analysis.scenarios import (
    DEFAULT_REDIRECT_SHARE,
    DEFAULT_SPARE_CAPACITY,
    Scenario,
    Shock,
)
from critmin.catalog.reasons import code_of, reason, trade_gap
from critmin.errors import CritminError
from critmin.store.cache import Memo, memoised

CELL = ["commodity_id", "stage"]


@dataclass(frozen=True)
class ShockData:
    """Trade, production and governance for one year (country level)."""

    year: int
    flows: pd.DataFrame        # exporter, importer, commodity_id, stage, quantity_t
    production: pd.DataFrame   # iso3, commodity_id, stage, quantity
    risk: pd.DataFrame         # iso3, risk
    last_trade_year: dict[tuple[str, str], int]
    groups: dict[str, list[str]]
    memo: Memo | None = field(default=None, compare=False, repr=False)
    """Where :func:`shock_flows` keeps each scenario's flows and re-sourcing: set by
    :func:`shock_data`, whose frames are never changed in place (they are shared through
    the store's read cache); None (data built by hand): computed every time."""


RESIDUE = 1e-9
"""Share of a loss below which what is left after re-sourcing is the LP's rounding, not
a shortfall (the solver's tolerances are ~1e-9)."""


def shock_data(con: Any, commodity_ids: list[str], year: int) -> ShockData:
    """Read one year of trade (mining and refining stages) and production, kept per
    store content (:func:`critmin.store.cache.cached`: every shock of the year shares
    them)."""
    from critmin.indicators.inputs import production_preference
    from critmin.store.cache import cached

    return cached(con, ("shock_data", tuple(commodity_ids), year, production_preference()),
                  lambda: _read_shock_data(con, commodity_ids, year))


def _read_shock_data(con: Any, commodity_ids: list[str], year: int) -> ShockData:
    from critmin.indicators.governance import store_country_risk
    from critmin.indicators.inputs import (
        preferred_production,
        production_rows,
    )
    from critmin.store.read import group_memberships, last_trade_years, stage_flows

    flows = stage_flows(con, commodity_ids, year)
    last = last_trade_years(con, commodity_ids)
    prod = preferred_production(production_rows(con, commodity_ids, [year]))
    prod = prod[prod["iso3"].notna()].groupby(["iso3", "commodity_id", "stage"],
                                               as_index=False)["quantity"].sum()
    risk = store_country_risk(con, [year])[["iso3", "risk"]]
    groups: dict[str, list[str]] = {}
    for gid, iso3, joined, left in group_memberships(con):
        if (joined is None or year >= joined) and (left is None or year < left):
            groups.setdefault(gid, []).append(iso3)
    return ShockData(year, flows, prod, risk, last, groups, memo=Memo())


def expand(names: tuple[str, ...] | list[str], groups: dict[str, list[str]]) -> set[str]:
    """ISO3 codes of ``names`` (catalog group ids expand to their members)."""
    out: set[str] = set()
    for n in names:
        out.update(groups.get(n, [n]))
    return out


def shock_hits(data: ShockData, scenario: Scenario, flows: pd.DataFrame) -> np.ndarray:
    """``(shocks, flows)`` booleans: shock s restricts flow f — the flow is of the shock's
    commodity stage, from one of its exporters (groups expanded) to an importer outside
    them and, for a targeted shock, to one of its importers. The one definition of who
    is cut, used by the LP and the Monte Carlo alike (methods.md §11)."""
    out = np.zeros((len(scenario.shocks), len(flows)), dtype=bool)
    for si, shock in enumerate(scenario.shocks):
        x = expand(shock.exporters, data.groups)
        hit = (flows["commodity_id"].eq(shock.commodity_id) & flows["stage"].eq(shock.stage)
               & flows["exporter"].isin(x) & ~flows["importer"].isin(x)).to_numpy(copy=True)
        if shock.importers is not None:
            hit &= flows["importer"].isin(expand(shock.importers, data.groups)).to_numpy()
        out[si] = hit
    return out


def scaled_flows(data: ShockData, scenario: Scenario) -> pd.DataFrame:
    """The year's flows after the scenario's demand changes (every flow of a commodity
    scaled by ``1 + Δ``)."""
    f = data.flows.copy()
    if scenario.demand:
        scale = f["commodity_id"].map(scenario.demand).fillna(0.0)
        f["quantity_t"] = f["quantity_t"] * (1.0 + scale)
    return f


def flow_cuts(data: ShockData, scenario: Scenario) -> pd.DataFrame:
    """Every flow with its cut ρ (shocks and blocs combined: 1 − Π(1 − ρ_k)) after the
    scenario's demand changes: ``exporter, importer, commodity_id, stage, quantity_t, cut``."""
    f = scaled_flows(data, scenario)
    keep = np.ones(len(f))
    for shock, hit in zip(scenario.shocks, shock_hits(data, scenario, f), strict=True):
        keep *= np.where(hit, 1.0 - shock.cut, 1.0)
    if scenario.blocs and scenario.bloc_cut > 0:
        keep *= np.where(cross_bloc(f["exporter"], f["importer"],
                                    bloc_members(scenario.blocs, data.groups)),
                         1.0 - scenario.bloc_cut, 1.0)
    f["cut"] = 1.0 - keep
    return f


def bloc_members(blocs: dict[str, tuple[str, ...]], groups: dict[str, list[str]]
                 ) -> dict[str, str]:
    """{ISO3: bloc} of the scenario's blocs, catalog group ids (G7, EU27, …) expanded to
    their members; a country listed in two blocs belongs to the first."""
    member: dict[str, str] = {}
    for name, members in blocs.items():
        for iso3 in sorted(expand(members, groups)):
            member.setdefault(iso3, name)
    return member


def cross_bloc(exporter: pd.Series, importer: pd.Series, member: dict[str, str]
               ) -> np.ndarray:
    """True where exporter and importer sit in different blocs (``member``: ISO3 → bloc,
    :func:`bloc_members`; a country in no bloc: never)."""
    a = exporter.map(member)
    b = importer.map(member)
    return (a.notna() & b.notna() & (a != b)).to_numpy()


def quiet_highs() -> Any:
    """A HiGHS instance that prints nothing: HiGHS writes a banner to the process's
    standard output when an instance is made, which would corrupt CSV/JSON output."""
    import os
    import sys

    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


def solve_resourcing(capacity: pd.Series, need: pd.Series,
                     forbidden: set[tuple[str, str]] | None = None) -> pd.DataFrame:
    """Re-sourcing ``y_jc`` by LP 1 (max total) then LP 2 (max–min share), with HiGHS.

    ``capacity``: K_j by exporter; ``need``: L_c by importer (> 0); ``forbidden``:
    (j, c) links that may not carry re-sourced supply. Returns ``exporter, importer,
    resourced_t`` (non-zero rows).
    """
    import highspy

    cap = capacity[capacity > 0]
    need = need[need > 0]
    # j = c is allowed: an exporter that lost supply may keep its own exports at home
    pairs = [(j, c) for j in cap.index for c in need.index
             if forbidden is None or (j, c) not in forbidden]
    if not pairs or cap.sum() <= 0:
        return pd.DataFrame(columns=["exporter", "importer", "resourced_t"])
    jx = {j: i for i, j in enumerate(cap.index)}
    cx = {c: i for i, c in enumerate(need.index)}
    nj, nc, n = len(jx), len(cx), len(pairs)
    rows_j = np.array([jx[j] for j, _ in pairs])
    rows_c = np.array([nj + cx[c] for _, c in pairs])
    inf = highspy.kHighsInf

    def solve(with_t: bool, total: float = 0.0) -> np.ndarray:
        h = quiet_highs()
        lp = highspy.HighsLp()
        ncol = n + (1 if with_t else 0)
        # rows: capacity (nj), need (nc), [fair share (nc), total (1)]
        nrow = nj + nc + ((nc + 1) if with_t else 0)
        lp.num_col_, lp.num_row_ = ncol, nrow
        lp.sense_ = highspy.ObjSense.kMaximize
        cost = np.zeros(ncol) if with_t else np.ones(ncol)
        if with_t:
            cost[-1] = 1.0
        lp.col_cost_ = cost
        lp.col_lower_ = np.zeros(ncol)
        lp.col_upper_ = np.full(ncol, inf)
        if with_t:
            lp.col_upper_[-1] = 1.0
        # LP 2 keeps LP 1's total less a slack above HiGHS's feasibility tolerance
        # (1e-7): relative 1e-9, at least 1e-6 t (a gram), so tiny totals stay feasible
        floor = max(total - max(total * 1e-9, 1e-6), 0.0)
        lower = np.concatenate([np.full(nj + nc, -inf)] +
                               ([np.zeros(nc), [floor]] if with_t else []))
        upper = np.concatenate([cap.to_numpy(float), need.to_numpy(float)] +
                               ([np.full(nc + 1, inf)] if with_t else []))
        lp.row_lower_, lp.row_upper_ = lower, upper
        if with_t:
            fair = nj + nc + (rows_c - nj)
            index = np.stack([rows_j, rows_c, fair, np.full(n, nrow - 1)], axis=1).ravel()
            per = 4
            t_index = nj + nc + np.arange(nc)
            index = np.concatenate([index, t_index])
            value = np.concatenate([np.ones(n * per), -need.to_numpy(float)])
            start = np.concatenate([np.arange(n + 1) * per, [n * per + nc]])
        else:
            index = np.stack([rows_j, rows_c], axis=1).ravel()
            value = np.ones(2 * n)
            start = np.arange(n + 1) * 2
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = start.astype(np.int32)
        lp.a_matrix_.index_ = index.astype(np.int32)
        lp.a_matrix_.value_ = value.astype(float)
        h.passModel(lp)
        h.run()
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise CritminError(f"re-sourcing LP not solved: {h.modelStatusToString(status)}")
        return np.asarray(h.getSolution().col_value)[:n]

    y = solve(False)
    total = float(y.sum())
    if total > 1e-9:
        y = solve(True, total)
    out = pd.DataFrame({"exporter": [j for j, _ in pairs], "importer": [c for _, c in pairs],
                        "resourced_t": y})
    return out[out["resourced_t"] > 1e-9].reset_index(drop=True)


@dataclass(frozen=True)
class ResourcingCell:
    """The re-sourcing problem of one commodity stage (methods.md §11).

    ``need``: L_c by importer (> 0); ``redirectable``: E_j,other, each exporter's
    shipments to importers that lost nothing; ``production``: q_j; ``cutters``: the
    exporters that cut anyone on this stage (they re-source nothing); ``forbidden``:
    (j, c) links that may not carry re-sourced supply (restricted or cross-bloc).
    """

    commodity_id: str
    stage: str
    need: pd.Series
    redirectable: pd.Series
    production: pd.Series
    cutters: frozenset[str]
    forbidden: frozenset[tuple[str, str]]
    bound_for_cutters: pd.Series
    """The part of ``redirectable`` now shipped to the cutters themselves (they lose
    nothing, so their imports count as redirectable), by exporter."""

    def capacity(self, redirect_share: float, spare_capacity: float) -> pd.Series:
        """``K_j = ω · E_j,other + κ · q_j`` of every exporter that is not a cutter."""
        cap = self.redirectable * redirect_share
        if spare_capacity > 0:
            cap = cap.add(spare_capacity * self.production, fill_value=0.0)
        return cap[~cap.index.isin(self.cutters)]


def resourcing_cells(data: ShockData, scenario: Scenario, flows: pd.DataFrame
                     ) -> list[ResourcingCell]:
    """One :class:`ResourcingCell` per commodity stage with a loss in ``flows`` (the
    output of :func:`flow_cuts` with ``loss_t``), in (commodity, stage) order."""
    out = []
    member = bloc_members(scenario.blocs, data.groups)
    for (cid, stage), g in flows[flows["loss_t"] > 0].groupby(CELL):
        cell = flows[(flows["commodity_id"] == cid) & (flows["stage"] == stage)]
        need = cell.groupby("importer")["loss_t"].sum()
        need = need[need > 0]
        free = cell[~cell["importer"].isin(set(need.index))
                    & ~cell["exporter"].str.startswith("code ")]
        q = data.production[(data.production["commodity_id"] == cid) &
                            (data.production["stage"] == stage)].set_index("iso3")["quantity"]
        redirectable = free.groupby("exporter")["quantity_t"].sum()
        cutters = frozenset(g["exporter"])
        to_cutters = free[free["importer"].isin(cutters)].groupby("exporter")[
            "quantity_t"].sum()
        restricted = set(zip(g["exporter"], g["importer"], strict=True))
        if scenario.blocs:
            exporters = redirectable.index.union(q.index)
            restricted |= {(j, c) for j in exporters for c in need.index
                           if member.get(j) and member.get(c) and member[j] != member[c]}
        out.append(ResourcingCell(cid, stage, need, redirectable, q, cutters,
                                  frozenset(restricted), to_cutters))
    return out


def resourcing_pools(data: ShockData, scenario: Scenario) -> pd.DataFrame:
    """Where re-sourced supply can come from, per commodity stage with a loss (methods.md
    §11): ``commodity_id, stage, lost_t`` (Σ L_c), ``redirectable_t`` (ω · Σ E_j,other
    over the exporters that cut no one) and ``bound_for_cutters_t`` (the part of it now
    shipped to the restricting countries themselves) — so a reader sees when a result
    rests on shipments to the restricting country being redirected."""
    f = flow_cuts(data, scenario)
    f["loss_t"] = f["quantity_t"] * f["cut"]
    rows = []
    for cell in resourcing_cells(data, scenario, f):
        rows.append((cell.commodity_id, cell.stage, float(cell.need.sum()),
                     scenario.redirect_share * _outside(cell.redirectable, cell.cutters),
                     scenario.redirect_share * _outside(cell.bound_for_cutters,
                                                        cell.cutters)))
    return pd.DataFrame(rows, columns=[*CELL, "lost_t", "redirectable_t",
                                       "bound_for_cutters_t"])


def _outside(by_exporter: pd.Series, cutters: frozenset[str]) -> float:
    """The total of ``by_exporter`` over the exporters that cut no one."""
    return float(by_exporter[~by_exporter.index.isin(cutters)].sum())


def shock_flows(data: ShockData, scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flow-level results: (flows with ``cut, loss_t``; re-sourcing ``exporter, importer,
    commodity_id, stage, resourced_t``) for every affected commodity stage.

    They do not depend on the importer: data read by :func:`shock_data` keep them in its
    memo (:attr:`ShockData.memo`) for the same inputs — the very objects — and scenario,
    so every importer of a shock (the web page's, the radar's) shares one computation.
    The frames are shared: never assign into them.
    """
    inputs = (data.flows, data.production, data.risk, data.last_trade_year, data.groups)
    return memoised(data.memo, inputs, (data.year, repr(scenario)),
                    lambda: _flows_and_resourcing(data, scenario))


def _flows_and_resourcing(data: ShockData, scenario: Scenario
                          ) -> tuple[pd.DataFrame, pd.DataFrame]:
    f = flow_cuts(data, scenario)
    f["loss_t"] = f["quantity_t"] * f["cut"]
    resourced = []
    for cell in resourcing_cells(data, scenario, f):
        cap = cell.capacity(scenario.redirect_share, scenario.spare_capacity)
        y = solve_resourcing(cap, cell.need, set(cell.forbidden))
        resourced.append(y.assign(commodity_id=cell.commodity_id, stage=cell.stage))
    res = (pd.concat(resourced, ignore_index=True) if resourced else
           pd.DataFrame(columns=["exporter", "importer", "resourced_t", "commodity_id", "stage"]))
    return f, res


def second_order(data: ShockData, flows: pd.DataFrame) -> pd.DataFrame:
    """Refined supply lost through refiners whose ore/concentrate feed was cut:
    ``importer, commodity_id, second_order_loss_t`` (refining stage)."""
    conc = flows[(flows["stage"] == "mining")]
    if conc.empty or not (conc["loss_t"] > 0).any():
        return pd.DataFrame(columns=["importer", "commodity_id", "second_order_loss_t"])
    feed = conc.groupby(["importer", "commodity_id"]).agg(
        feed_t=("quantity_t", "sum"), lost_t=("loss_t", "sum")).reset_index().rename(
        columns={"importer": "refiner"})
    mine = data.production[data.production["stage"] == "mining"].rename(
        columns={"iso3": "refiner", "quantity": "mine_t"})
    feed = feed.merge(mine[["refiner", "commodity_id", "mine_t"]],
                      on=["refiner", "commodity_id"], how="left")
    feed["phi"] = feed["lost_t"] / (feed["feed_t"] + feed["mine_t"].fillna(0.0))
    ref = flows[flows["stage"] == "refining"].merge(
        feed[["refiner", "commodity_id", "phi"]], left_on=["exporter", "commodity_id"],
        right_on=["refiner", "commodity_id"])
    ref["l2"] = ref["phi"] * ref["quantity_t"] * (1.0 - ref["cut"])
    return ref.groupby(["importer", "commodity_id"], as_index=False)["l2"].sum().rename(
        columns={"l2": "second_order_loss_t"})


def imports_of(flows: pd.DataFrame, members: set[str]) -> pd.DataFrame:
    """Rows of ``flows`` into an importer (a member set); a group's intra-group trade is
    left out."""
    into = flows["importer"].isin(members)
    if len(members) > 1:
        into &= ~flows["exporter"].isin(members)
    return flows[into]


def assign_importers(flows: pd.DataFrame, members: dict[str, set[str]]) -> pd.DataFrame:
    """``flows`` with a ``name`` column: one copy of each row per reported importer whose
    members include its importer; a group's intra-group rows are left out."""
    m = pd.DataFrame([(n, i) for n, ms in members.items() for i in ms],
                     columns=["name", "importer"])
    out = flows.merge(m, on="importer")
    intra = out.merge(m.rename(columns={"importer": "exporter"}).assign(intra=True),
                      on=["name", "exporter"], how="left")["intra"].eq(True).to_numpy()
    size = out["name"].map({n: len(ms) for n, ms in members.items()}).to_numpy()
    return out[~(intra & (size > 1))]


def importer_table(flows: pd.DataFrame, resourced: pd.DataFrame, l2: pd.DataFrame,
                   members: dict[str, set[str]]) -> pd.DataFrame:
    """Per importer (country or group: intra-group flows left out) × commodity stage:
    ``imports_t, direct_loss_t, resourced_t, shortfall_t`` and the shares of imports."""
    key = ["name", *CELL]
    f = assign_importers(flows, members)
    out = f.groupby(key).agg(imports_t=("quantity_t", "sum"),
                             direct_loss_t=("loss_t", "sum")).reset_index()
    m = pd.DataFrame([(n, i) for n, ms in members.items() for i in ms],
                     columns=["name", "importer"])
    y = resourced.merge(m, on="importer").groupby(key)["resourced_t"].sum().reset_index()
    s2 = l2.merge(m, on="importer").groupby(["name", "commodity_id"])[
        "second_order_loss_t"].sum().reset_index().assign(stage="refining")
    out = out.merge(y, on=key, how="left").merge(s2, on=key, how="left")
    out = out.rename(columns={"name": "importer"})
    out["resourced_t"] = out["resourced_t"].fillna(0.0)
    out["second_order_loss_t"] = out["second_order_loss_t"].fillna(0.0)
    gap = out["direct_loss_t"] - out["resourced_t"]
    # a loss re-sourced in full leaves rounding residue of the LP (1e-16 t): that is 0
    out["shortfall_t"] = gap.where(gap > RESIDUE * out["direct_loss_t"], 0.0)
    imp = out["imports_t"].where(out["imports_t"] > 0)
    out["direct_loss_share"] = out["direct_loss_t"] / imp
    out["shortfall_share"] = out["shortfall_t"] / imp
    out["second_order_share"] = out["second_order_loss_t"] / imp
    return out


def flows_after(flows: pd.DataFrame, resourced: pd.DataFrame) -> pd.DataFrame:
    """Flows after the shock and re-sourcing: ``exporter, importer, commodity_id, stage,
    quantity_t`` (restricted flows shrink, re-sourced supply is added)."""
    cols = ["exporter", "importer", "commodity_id", "stage", "quantity_t"]
    return pd.concat([
        flows[cols].assign(quantity_t=flows["quantity_t"] - flows["loss_t"]),
        resourced.rename(columns={"resourced_t": "quantity_t"})[cols]], ignore_index=True)


def shocked_meti6_inputs(inp: Any, flows: pd.DataFrame, resourced: pd.DataFrame) -> Any:
    """The assessment inputs of :mod:`critmin.methods.meti6` with the shocked year's
    import flows replaced by the post-shock ones (for the before/after radar)."""
    after = flows_after(flows, resourced)
    cells = set(zip(flows.loc[flows["loss_t"] > 0, "commodity_id"],
                    flows.loc[flows["loss_t"] > 0, "stage"], strict=True))
    members = {n: {iso3 for iso3, _, _ in ms} for n, ms in inp.members.items()}
    a = assign_importers(after, members)
    a = a[np.array([(c, s) in cells for c, s in zip(a["commodity_id"], a["stage"],
                                                    strict=True)], dtype=bool)]
    a = a.assign(importer=a["name"], partner=a["exporter"], year=inp.year)[
        ["importer", "partner", "commodity_id", "stage", "year", "quantity_t"]]
    keep = np.array([(c, s) not in cells or y != inp.year for c, s, y in zip(
        inp.flows["commodity_id"], inp.flows["stage"], inp.flows["year"], strict=True)],
        dtype=bool)
    new = pd.concat([inp.flows[keep], a], ignore_index=True)
    return inp.with_frames(flows=new.groupby(
        ["importer", "partner", "commodity_id", "stage", "year"], as_index=False)[
        "quantity_t"].sum(), scenario="shock")


def post_shock_indicators(flows: pd.DataFrame, resourced: pd.DataFrame, risk: pd.DataFrame,
                          members: dict[str, set[str]]) -> pd.DataFrame:
    """Import HHI ``Σ a_j²`` (:func:`critmin.indicators.concentration.hhi_by`, methods.md
    §2) and governance-weighted import concentration ``Σ a_j g_j``
    (:func:`critmin.indicators.governance.governance_weighted_by`, §4: no domestic
    supply, partners without WGI at ``MISSING_GOVERNANCE_RISK``) of each importer ×
    commodity stage before and after the shock and re-sourcing."""
    from critmin.indicators.concentration import hhi_by
    from critmin.indicators.governance import governance_weighted_by

    names = ["import_hhi_before", "import_hhi_after", "import_governance_before",
             "import_governance_after"]
    cols = ["exporter", "importer", "commodity_id", "stage", "quantity_t"]
    g = risk.set_index("iso3")["risk"]
    key = ["name", *CELL]
    out = []
    for label, frame in (("before", flows[cols]), ("after", flows_after(flows, resourced))):
        f = assign_importers(frame, members).groupby(["name", "exporter", *CELL],
                                                     as_index=False)["quantity_t"].sum()
        f["risk"] = f["exporter"].map(g)
        out += [hhi_by(f, key, "quantity_t").rename(f"import_hhi_{label}"),
                governance_weighted_by(f, key, "quantity_t", "risk").rename(
                    f"import_governance_{label}")]
    both = pd.concat(out, axis=1)
    if both.empty:
        return pd.DataFrame(columns=["importer", *CELL, *names])
    both.index.names = key
    both = both.reset_index().rename(columns={"name": "importer"})
    return both.reindex(columns=["importer", *CELL, *names])


def _consumption(data: ShockData, importers: dict[str, set[str]]) -> pd.DataFrame:
    """Domestic production of each importer per commodity stage, where the store has
    production of that stage (absent producer → 0; no production data → NaN)."""
    p = data.production
    known = p[CELL].drop_duplicates()
    m = pd.DataFrame([(n, i) for n, ms in importers.items() for i in ms],
                     columns=["importer", "iso3"], dtype=object)
    own = p.merge(m, on="iso3").groupby(["importer", *CELL])["quantity"].sum().rename(
        "domestic_t").reset_index()
    grid = pd.DataFrame({"importer": pd.Series(list(importers), dtype=object)}).merge(
        known, how="cross")
    out = grid.merge(own, on=["importer", *CELL], how="left")
    out["domestic_t"] = out["domestic_t"].fillna(0.0)
    return out


def run_scenario(data: ShockData, scenario: Scenario, importers: dict[str, set[str]] | None
                 = None) -> pd.DataFrame:
    """The scenario for the importers (None: every importing country with a loss).

    One row per importer × shocked commodity stage: ``importer, commodity_id, stage,
    year, imports_t, direct_loss_t, direct_loss_share, consumption_share, resourced_t,
    shortfall_t, shortfall_share, second_order_loss_t, import_hhi_before/after,
    import_governance_before/after, missing``. A stage without trade in the store is
    reported missing with the reason and the data to import, never as a loss of 0.
    """
    flows, resourced = shock_flows(data, scenario)
    l2 = second_order(data, flows)
    # an ore/concentrate shock also reports the refined stage (second-order loss)
    cells = sorted({(s.commodity_id, s.stage) for s in scenario.shocks} |
                   {(s.commodity_id, "refining") for s in scenario.shocks
                    if s.stage == "mining"} |
                   ({(c, st) for c, st in flows[CELL].drop_duplicates().itertuples(index=False)}
                    if scenario.blocs else set()))
    if scenario.demand and not scenario.shocks and not scenario.blocs:
        cells = sorted({(c, s) for c in scenario.demand for s in ("mining", "refining")})
    if importers is None:
        lost = flows[flows["loss_t"] > 0]["importer"].unique()
        if not len(lost):
            return nothing_lost(data, scenario, cells)
        importers = {c: {c} for c in sorted(lost)}
    table = importer_table(flows, resourced, l2, importers)
    post = post_shock_indicators(flows, resourced, data.risk, importers)
    grid = pd.DataFrame([(i, c, s) for i in importers for c, s in cells],
                        columns=["importer", *CELL])
    out = grid.merge(table, on=["importer", *CELL], how="left").merge(
        post, on=["importer", *CELL], how="left")
    cons = _consumption(data, importers)
    out = out.merge(cons, on=["importer", *CELL], how="left")
    out["consumption_share"] = out["direct_loss_t"] / (
        out["imports_t"] + out["domestic_t"]).where(out["domestic_t"].notna())
    out["year"] = data.year
    out["missing"] = [missing_reason(data, c, s, imp, i) for c, s, imp, i in zip(
        out["commodity_id"], out["stage"], out["imports_t"], out["importer"], strict=True)]
    gone = out["missing"] != ""
    for col in ("imports_t", "direct_loss_t", "resourced_t", "shortfall_t",
                "second_order_loss_t"):
        out.loc[gone & (out["missing"].map(code_of) != "no_imports"), col] = np.nan
    return unknown_second_order(data, scenario, out)


def unknown_second_order(data: ShockData, scenario: Scenario, out: pd.DataFrame
                         ) -> pd.DataFrame:
    """``out`` with ``second_order_missing``: on the refined rows of a commodity whose
    ore/concentrate is cut, the second-order loss is unknown — missing with the reason —
    when the store has no trade of the ore stage to see which refiners lose feed (it is
    never 0 for want of data)."""
    out["second_order_missing"] = ""
    for commodity_id in {s.commodity_id for s in scenario.shocks if s.stage == "mining"}:
        gap = missing_reason(data, commodity_id, "mining", 1.0, NO_IMPORTER)
        if not gap:
            continue
        rows = (out["commodity_id"] == commodity_id) & (out["stage"] == "refining")
        out.loc[rows, "second_order_loss_t"] = np.nan
        out.loc[rows, "second_order_missing"] = gap
    return out


NO_IMPORTER = "(any)"
"""The importer label of the rows that say why no importer loses supply."""


def nothing_lost(data: ShockData, scenario: Scenario, cells: list[tuple[str, str]]
                 ) -> pd.DataFrame:
    """One row per shocked commodity stage when no importer loses supply, with the
    reason: the stage's trade gap (no HS code, shared code, no trade in the store), or
    that the restricting exporters ship nothing the shock cuts — never an empty table."""
    exporters = ", ".join(sorted({x for s in scenario.shocks for x in s.exporters})) or "—"
    rows = []
    for commodity_id, stage in cells:
        why = missing_reason(data, commodity_id, stage, 1.0, NO_IMPORTER) or reason(
            "no_exports_cut", exporter=exporters, stage_label=stage,
            commodity=commodity_id, years=data.year)
        rows.append({"importer": NO_IMPORTER, "commodity_id": commodity_id, "stage": stage,
                     "year": data.year, "missing": why, "second_order_missing": ""})
    figures = ["imports_t", "direct_loss_t", "direct_loss_share", "consumption_share",
               "resourced_t", "shortfall_t", "shortfall_share", "second_order_loss_t",
               "import_hhi_before", "import_hhi_after", "import_governance_before",
               "import_governance_after", "domestic_t"]
    return pd.DataFrame(rows).reindex(columns=[*rows[0], *figures]) if rows else \
        pd.DataFrame(columns=["importer", *CELL, "year", "missing", "second_order_missing",
                              *figures])


def missing_reason(data: ShockData, commodity_id: str, stage: str, imports: float,
                   importer: str) -> str:
    """Why a shock row has no figures ("" when it has), in the vocabulary of
    ``catalog/data/missing_reasons.csv``: no HS6 code, shared codes, no trade in the
    store (or trade that ends before the year), or no imports by the importer."""
    last = data.last_trade_year.get((commodity_id, stage))
    traded = last is not None and last >= data.year
    gap = trade_gap(commodity_id, stage, data.year, traded,
                    last if last is not None and not traded else None)
    if gap:
        return gap
    if pd.isna(imports) or imports <= 0:
        return reason("no_imports", stage_label=stage, commodity=commodity_id,
                      importer=importer, years=data.year)
    return ""


def single_shock(exporter: str, commodity_id: str, cut: float, stages: tuple[str, ...],
                 importers: tuple[str, ...] | None = None,
                 redirect_share: float = DEFAULT_REDIRECT_SHARE,
                 spare_capacity: float = DEFAULT_SPARE_CAPACITY) -> Scenario:
    """A one-shock scenario (the ``critmin shock`` command)."""
    shocks = tuple(Shock((exporter,), commodity_id, s, cut, importers) for s in stages)
    return Scenario(f"shock-{exporter}-{commodity_id}", f"{exporter} cuts {commodity_id} "
                    f"exports by {cut:.0%}", shocks, redirect_share=redirect_share,
                    spare_capacity=spare_capacity)
