"""Monte Carlo uncertainty of the six indicators, GeoPolRisk and shock impacts
(methods.md §12), run on Dask.

Uncertain inputs and their distributions [C]:

- WGI: ``W^(n) ~ Normal(estimate, se)`` per country, year and dimension (the release's
  published standard errors), independent; risk ``clip((2.5 − W̄)/5, 0, 1)`` per draw.
- Production and reserves: ``q^(n) = q·exp(σ·z − σ²/2)`` (mean-preserving lognormal),
  σ = 0.05 for reported figures, 0.15 for estimated ones, remainders and reserves.
- Shocks: the cut uniform on the shock's ``cut_range`` (default cut ± 0.15, clipped);
  the scenario's redirectable share ω and spare capacity κ uniform on their ranges
  (``resourcing: redirect_share_range / spare_capacity_range``, default [x/2, 3x/2]
  clipped to 1: ω = 0.2 → [0.1, 0.3], κ = 0 → 0).

Draws are an array axis. One root seed (recorded) is split with NumPy's SeedSequence
into one child per fixed-size chunk, so the result is the same whatever the number of
workers. Chunks run on a Dask cluster: a LocalCluster by default, any scheduler by
address. Outputs: 5/50/95 % quantiles beside the deterministic value, the probability
that a commodity's type changes and that its GeoPolRisk rank changes (missing, with the
reason, for a commodity without any GeoPolRisk score — never 0).

Memory: up to :data:`EXACT_MAX_DRAWS` draws every draw is gathered and the quantiles are
exact (:func:`run_chunks`); beyond, :func:`run_summary` groups the same chunks (same child
seeds) into tasks that each return a :class:`Summary` of fixed size — a histogram sketch
(:mod:`critmin.analysis.sketch`) of every output column plus change counts — merged by the
client as they finish, so memory does not grow with the draws.

Re-sourcing in the draws uses the closed form of the LP of :mod:`critmin.analysis.shocks`
when every exporter may serve every importer (no blocs): the max–min share is
``t = min(1, ΣK/ΣL)`` for all importers. The draws use the shock model of
:func:`critmin.analysis.shocks.run_scenario` (same restricted flows, restricting exporters,
ω and κ), so the centre — the scenario's own settings — equals ``critmin scenario run``
(tested against HiGHS on the real store).
"""

from __future__ import annotations

import itertools
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from critmin.analysis.sketch import BINS, HistogramSketch
from critmin.analysis.typology import (
    TYPES,
    TypologyThresholds,
    byproduct_fractions,
    demand_surge_flags,
    type_codes,
)
from critmin.catalog.reasons import join_phrases
from critmin.errors import CritminError
from critmin.indicators.governance import (
    MISSING_GOVERNANCE_RISK,
    risk_from_estimate,
    store_country_risk,
    store_dimensions,
)

SIGMA_REPORTED = 0.05
SIGMA_ESTIMATED = 0.15
DEFAULT_SEED = 20231201
CHUNK = 500
QUANTILES = (0.05, 0.5, 0.95)
EXACT_MAX_DRAWS = 20_000   # up to this many draws: exact quantiles from every draw
TASK_DRAWS = 20_000        # streaming path: draws per Dask task (several chunks)
SHOCK_KEYS = ("direct", "resourced", "shortfall")


@dataclass(frozen=True)
class HHIBlock:
    """Quantities grouped into cells; ``draw`` gives HHI per cell and draw:
    :func:`critmin.indicators.concentration.hhi` (methods.md §2) over a draw axis, as a
    matrix product, the "other countries" remainder counted in the total but not
    squared (its centre equals the methods' value, tested)."""

    q: np.ndarray          # (R,)
    sigma: np.ndarray      # (R,)
    named: np.ndarray      # (R,) bool: a country (False: "other countries" remainder)
    member: np.ndarray     # (R, G) 0/1

    def draw(self, z: np.ndarray | None) -> np.ndarray:
        q = self.q[None, :] if z is None else self.q * np.exp(self.sigma * z
                                                               - self.sigma ** 2 / 2)
        tot = q @ self.member
        s2 = (q ** 2 * self.named) @ self.member
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(tot > 0, s2 / tot ** 2, np.nan)


@dataclass(frozen=True)
class GovernanceBlock:
    """``G = Σ f·g / den`` per cell with g from WGI rows (``est + se·z``) averaged per
    key (country, year) by ``avg`` (rows × keys)."""

    flows: np.ndarray      # (keys, cells)
    fixed: np.ndarray      # (cells,) numerator part of partners without WGI (imputed g)
    den: np.ndarray        # (cells,)
    avg: np.ndarray        # (rows, keys)

    def draw(self, wgi: np.ndarray) -> np.ndarray:
        risk = risk_from_estimate(wgi @ self.avg)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.den > 0, (risk @ self.flows + self.fixed) / self.den, np.nan)


@dataclass(frozen=True)
class IndicatorModel:
    """Arrays for the indicator ensemble of one importer and year."""

    importer: str
    commodities: tuple[str, ...]
    wgi_est: np.ndarray
    wgi_se: np.ndarray
    production: HHIBlock          # axis 1, cells = commodities
    reserves: HHIBlock            # axis 2, cells = commodities
    governance: GovernanceBlock   # axes 3–4, cells = 2 × commodities (mining, refining)
    fixed_axes: np.ndarray        # axes 5–6 (2, commodities)
    gpr_cells: tuple[tuple[str, str], ...]
    gpr_hhi: HHIBlock
    gpr_risk: GovernanceBlock
    byproduct: np.ndarray
    demand_surge: np.ndarray
    thresholds: TypologyThresholds
    # why a value is missing, by (commodity_id, stage or "", indicator)
    reasons: dict[tuple[str, str, str], str] = field(default_factory=dict)


def _sigma(flags: pd.Series) -> np.ndarray:
    text = flags.fillna("").astype(str)
    return np.where(text.str.contains("estimated|remainder"), SIGMA_ESTIMATED,
                    SIGMA_REPORTED)


def hhi_block(rows: pd.DataFrame, cells: list[Any], key: str | list[str],
              sigma: np.ndarray | float) -> HHIBlock:
    """An :class:`HHIBlock` from rows ``key…, iso3, quantity`` for the given cells."""
    keys = rows[key].apply(tuple, axis=1) if isinstance(key, list) else rows[key]
    index = {c: i for i, c in enumerate(cells)}
    pos = keys.map(index)
    ok = pos.notna().to_numpy()
    member = np.zeros((int(ok.sum()), len(cells)))
    member[np.arange(int(ok.sum())), pos[ok].astype(int).to_numpy()] = 1.0
    sig = np.broadcast_to(np.asarray(sigma, dtype=float), (len(rows),))[ok]
    return HHIBlock(rows["quantity"].to_numpy(float)[ok], sig,
                    rows["iso3"].notna().to_numpy()[ok], member)


def governance_block(flows: pd.DataFrame, domestic: pd.DataFrame, cells: list[Any],
                     key: list[str], wgi_keys: pd.DataFrame, wgi_rows: pd.DataFrame,
                     missing: float = MISSING_GOVERNANCE_RISK, valid: np.ndarray | None = None,
                     require_imports: bool = False) -> GovernanceBlock:
    """A :class:`GovernanceBlock`.

    ``flows``: ``partner, year, quantity_t`` plus the ``key`` columns of a cell;
    ``wgi_keys``: ``iso3, year, source_year`` (the WGI year behind each country-year);
    ``wgi_rows``: the governance rows used (``iso3, year, dimension``), in draw order.
    """
    kidx = {(r.iso3, r.year): i for i, r in enumerate(wgi_keys.itertuples(index=False))}
    cidx = {c: i for i, c in enumerate(cells)}
    f = flows[flows["quantity_t"] > 0]
    cell = f[key].apply(tuple, axis=1).map(cidx) if len(f) else pd.Series(dtype=float)
    k = [kidx.get((p, y)) for p, y in zip(f["partner"], f["year"], strict=True)]
    mat = np.zeros((len(kidx), len(cells)))
    fixed = np.zeros(len(cells))
    den = np.zeros(len(cells))
    for ki, ci, q in zip(k, cell, f["quantity_t"], strict=True):
        if ci != ci:  # NaN: not a cell of this block
            continue
        den[int(ci)] += q
        if ki is None:
            fixed[int(ci)] += missing * q
        else:
            mat[ki, int(ci)] += q
    imports = den.copy()
    if len(domestic):
        dcell = domestic[key].apply(tuple, axis=1).map(cidx)
        for ci, q in zip(dcell, domestic["domestic_t"], strict=True):
            if ci == ci:
                den[int(ci)] += q
    if require_imports:  # critmin's GeoPolRisk: no imports → missing, not 0
        den[imports <= 0] = 0.0
    if valid is not None:  # e.g. no trade data for the cell's HS codes → missing
        den[~valid] = 0.0
    # rows → keys: mean over the dimensions of the key's source year
    src = wgi_keys.assign(k=np.arange(len(wgi_keys)))
    rows = wgi_rows.reset_index(drop=True).assign(r=np.arange(len(wgi_rows)))
    link = rows.merge(src, left_on=["iso3", "year"], right_on=["iso3", "source_year"])
    avg = np.zeros((len(rows), len(src)))
    counts = link.groupby("k")["r"].transform("size").to_numpy()
    avg[link["r"].to_numpy(), link["k"].to_numpy()] = 1.0 / counts
    return GovernanceBlock(mat, fixed, den, avg)


def indicator_model(con: Any, importer: str, year: int, commodity_ids: list[str],
                    thresholds: TypologyThresholds | None = None) -> IndicatorModel:
    """Arrays of the six axes and GeoPolRisk for ``importer`` (a country or group)."""
    from critmin.indicators.importers import importer_members
    from critmin.indicators.inputs import (
        preferred_production,
        production_rows,
        store_governance,
    )
    from critmin.indicators.trade import domestic_production, flows
    from critmin.methods.meti6 import Meti6Options, meti6_inputs, meti6_values

    members = importer_members(con, [importer])
    opts = Meti6Options()
    inp = meti6_inputs(con, members, year, commodity_ids, opts)
    base = meti6_values(inp, opts)
    gov = store_governance(con)
    iyears = sorted(set(inp.flows["year"]) | {year})
    six = store_dimensions(con, opts.dimensions)
    keys6 = store_country_risk(con, iyears, six, opts.min_dimensions)
    keys_pv = store_country_risk(con, [year], ("PV",))
    keys6 = keys6.assign(source_year=keys6["year"] - keys6["lag"])[["iso3", "year",
                                                                     "source_year"]]
    keys_pv = keys_pv.assign(source_year=keys_pv["year"] - keys_pv["lag"])[
        ["iso3", "year", "source_year"]]
    used = pd.concat([keys6, keys_pv])[["iso3", "source_year"]].drop_duplicates().rename(
        columns={"source_year": "year"})
    rows = gov.merge(used, on=["iso3", "year"])
    cs = list(commodity_ids)
    # axis 1: primary-stage production, window summed per country
    stage = pd.Series(inp.primary_stage)
    prod = inp.production[inp.production["stage"] == inp.production["commodity_id"].map(stage)]
    prod = prod.groupby(["commodity_id", "iso3"], dropna=False).agg(
        quantity=("quantity", "sum"), flag=("flag", "first")).reset_index()
    p_block = hhi_block(prod, cs, "commodity_id", _sigma(prod["flag"]))
    res = inp.reserves.groupby(["commodity_id", "iso3"], dropna=False)["quantity"].sum(
    ).reset_index()
    r_block = hhi_block(res, cs, "commodity_id", SIGMA_ESTIMATED)
    gcells = [(c, s) for s in ("mining", "refining") for c in cs]
    traded = np.array([c in inp.traded_stages for c in gcells])
    g_block = governance_block(inp.flows, inp.domestic, gcells, ["commodity_id", "stage"],
                               keys6, rows[rows["dimension"].isin(six)].pipe(_pad, rows),
                               valid=traded)
    fixed = np.vstack([base[base["axis"] == a].set_index("commodity_id")["value"]
                       .reindex(cs).to_numpy(float)
                       for a in ("historical_volatility", "scrap_recycling")])
    # GeoPolRisk: stage-wise production of the year and imports of the year (PV only)
    gp_prod = preferred_production(production_rows(con, cs, [year]))
    gp_cells = sorted({(c, s) for c, s in zip(gp_prod["commodity_id"], gp_prod["stage"],
                                              strict=True)})
    gh = hhi_block(gp_prod, gp_cells, ["commodity_id", "stage"], _sigma(gp_prod["flag"]))
    fl = flows(con, members, "import", cs, [year])
    fl = fl[fl["quantity_t"].notna()].assign(
        partner=lambda d: d["partner"].fillna("code " + d["partner_code"].astype(str)))
    dom = domestic_production(gp_prod, members)
    gr = governance_block(fl, dom, gp_cells, ["commodity_id", "stage"], keys_pv,
                          rows[rows["dimension"] == "PV"].pipe(_pad, rows),
                          require_imports=True)
    b = byproduct_fractions().reindex(cs).to_numpy(float)
    d = demand_surge_flags().reindex(cs).eq(True).to_numpy(bool)
    reasons = {(c, "", a): m for c, a, m in zip(base["commodity_id"], base["axis"],
                                                base["missing"], strict=True) if m}
    reasons.update(_geopolrisk_reasons(con, importer, year, gp_cells, fl))
    reasons.update(_unscored_reasons(cs, gp_cells, inp.primary_stage, year))
    return IndicatorModel(importer, tuple(cs), rows["estimate"].to_numpy(float),
                          rows["std_error"].fillna(0.0).to_numpy(float), p_block, r_block,
                          g_block, fixed, tuple(gp_cells), gh, gr, b, d,
                          thresholds or TypologyThresholds(), reasons)


def _geopolrisk_reasons(con: Any, importer: str, year: int, cells: list[tuple[str, str]],
                        imports: pd.DataFrame) -> dict[tuple[str, str, str], str]:
    """The reason of each GeoPolRisk cell without imports (no HS6 code, shared codes, no
    trade in the store, or no imports by the importer), as ``critmin geopolrisk`` gives
    it; a cell with imports but no score has no production in the store."""
    from critmin.catalog.reasons import reason, trade_gap
    from critmin.store.stages import stage_years_with_trade

    got = imports[imports["quantity_t"] > 0]
    bought = set(zip(got["commodity_id"], got["stage"], strict=True))
    idle = [(c, s) for c, s in cells if (c, s) not in bought]
    found = stage_years_with_trade(con, pd.DataFrame(
        [(c, s, year) for c, s in idle], columns=["commodity_id", "stage", "year"]))
    in_store = set(zip(found["commodity_id"], found["stage"], strict=True))
    out = {}
    for c, s in cells:
        if (c, s) in bought:
            text = reason("production_unknown", commodity=c, stage=s, years=year)
        else:
            text = trade_gap(c, s, year, (c, s) in in_store) or reason(
                "no_imports", stage_label=s, commodity=c, importer=importer,
                years=year)
        out[(c, s, "geopolrisk_score")] = text
    return out


def _unscored_reasons(commodities: list[str], cells: list[tuple[str, str]],
                      primary: dict[str, str], year: int) -> dict[tuple[str, str, str], str]:
    """Why a commodity without any GeoPolRisk cell (no production of any stage in the
    year) has no rank change probability."""
    from critmin.catalog.reasons import reason

    have = {c for c, _ in cells}
    return {(c, "", "rank_change_probability"): reason(
        "production_unknown", commodity=c, stage=primary.get(c, "mining"), years=year)
        for c in commodities if c not in have}


def _pad(sub: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with the rows outside ``sub`` marked unusable (kept for draw alignment):
    every block maps the same WGI draw vector, rows it does not use get weight 0."""
    out = rows.copy()
    out.loc[~out.index.isin(sub.index), ["iso3"]] = None
    return out


def indicator_chunk(model: IndicatorModel, n: int, seed: np.random.SeedSequence | None
                    ) -> dict[str, np.ndarray]:
    """``n`` draws (``seed`` None: the deterministic values, n = 1)."""
    rng = None if seed is None else np.random.default_rng(seed)

    def z(size: int) -> np.ndarray | None:
        return None if rng is None else rng.standard_normal((n, size))

    wz = z(len(model.wgi_est))
    wgi = model.wgi_est + (0.0 if wz is None else model.wgi_se * wz)
    wgi = np.broadcast_to(wgi, (n, len(model.wgi_est)))
    x1 = model.production.draw(z(len(model.production.q)))
    x2 = model.reserves.draw(z(len(model.reserves.q)))
    g = model.governance.draw(wgi)
    c = len(model.commodities)
    x3, x4 = g[:, :c], g[:, c:]
    x5 = np.broadcast_to(model.fixed_axes[0], (n, c))
    x6 = np.broadcast_to(model.fixed_axes[1], (n, c))
    codes = type_codes(x1, x2, x3, x4, model.byproduct[None, :], model.demand_surge[None, :],
                       model.thresholds)
    score = model.gpr_hhi.draw(z(len(model.gpr_hhi.q))) * model.gpr_risk.draw(wgi)
    return {"axes": np.stack([x1, x2, x3, x4, x5, x6], axis=1), "types": codes,
            "score": score}


@contextmanager
def dask_client(workers: int = 2, scheduler: str | None = None,
                connect_timeout: str = "10s") -> Iterator[Any]:
    """A Dask client: of a LocalCluster of ``workers`` processes (``scheduler`` None) or
    of the scheduler at that address. Client and cluster are closed on the way out —
    also on Ctrl-C, whose KeyboardInterrupt then goes on up (exit 130)."""
    from dask.distributed import Client, LocalCluster

    cluster = None
    if scheduler is None:
        # no dashboard; the scheduler's own HTTP server (health, metrics) on a free
        # loopback port: on Dask's default 8787 a second run at the same time (another
        # command, the web app) printed "Port 8787 is already in use"
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40,
                               scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout=connect_timeout)
        except OSError as exc:
            raise CritminError(f"cannot reach the Dask scheduler at {scheduler}: {exc}"
                               ) from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def chunk_seeds(draws: int, seed: int, chunk: int
                ) -> tuple[list[int], list[np.random.SeedSequence]]:
    """(draws per chunk, child seed per chunk): depend only on draws, seed and chunk."""
    if draws < 1:
        raise CritminError("the number of draws must be at least 1")
    if chunk < 1:
        raise CritminError("the chunk size must be at least 1")
    sizes = [min(chunk, draws - i) for i in range(0, draws, chunk)]
    return sizes, np.random.SeedSequence(seed).spawn(len(sizes))


def run_chunks(fn: Callable[..., dict[str, np.ndarray]], model: Any, draws: int, seed: int,
               chunk: int = CHUNK, workers: int = 2, scheduler: str | None = None,
               progress: Callable[[int], None] | None = None,
               stats: dict[str, float] | None = None, connect_timeout: str = "10s"
               ) -> dict[str, np.ndarray]:
    """Run ``fn(model, n, child_seed)`` over fixed chunks on Dask and concatenate (the
    exact path: memory grows with the draws, see :func:`run_summary`).

    ``scheduler``: a Dask scheduler address, or None for a LocalCluster of ``workers``
    processes — or, for one worker, this process (:func:`in_process`). The chunking (and
    so every child seed) depends only on ``draws``, ``seed`` and ``chunk``. ``progress``
    receives the draws done; ``stats`` (if given) the workers' peak memory (MiB).
    """
    sizes, children = chunk_seeds(draws, seed, chunk)
    if in_process(workers, scheduler):
        parts, done = [], 0
        with as_a_worker():
            for n, s in zip(sizes, children, strict=True):
                parts.append(fn(model, n, s))
                done += n
                if progress:
                    progress(done)
        _own_stats(stats)
        return {k: np.concatenate([p[k] for p in parts], axis=0) for k in parts[0]}
    from dask.distributed import as_completed

    with dask_client(workers, scheduler, connect_timeout) as client:
        shared = client.scatter(model, broadcast=True)
        futures = [client.submit(fn, shared, n, s, pure=False) for n, s in
                   zip(sizes, children, strict=True)]
        size_of = {f.key: n for f, n in zip(futures, sizes, strict=True)}
        done = 0
        for fut in as_completed(futures):
            done += size_of[fut.key]
            if progress:
                progress(done)
        parts = client.gather(futures)
        _worker_stats(client, stats)
    return {k: np.concatenate([p[k] for p in parts], axis=0) for k in parts[0]}


def in_process(workers: int, scheduler: str | None) -> bool:
    """Whether a run's chunks are drawn in this process, one after another: for one
    local worker (no ``scheduler``). A LocalCluster of one worker process would draw the
    same chunks in the same order, only after starting a scheduler and a process
    (~0.6 s of CPU, more than a few thousand draws take); the results are the same."""
    return scheduler is None and workers <= 1


_ONE_THREAD = threading.Lock()


@contextmanager
def as_a_worker() -> Iterator[None]:
    """Draw as a Dask worker does: with one thread in the numerical libraries (Dask
    starts its workers with ``OMP_NUM_THREADS=1``, ``OPENBLAS_NUM_THREADS=1``, ...). A
    matrix product split over threads rounds in another order, so without this the
    draws made here could differ from a cluster's in the last bit.

    The limit is the process's (threadpoolctl sets it and restores the previous one on
    the way out), so in-process runs take turns: two overlapping would restore each
    other's limit out of order. Other threads' matrix products meanwhile run on one
    thread too (slower, not different: their results do not depend on the timing
    unless they are this model's)."""
    from threadpoolctl import threadpool_limits

    with _ONE_THREAD, threadpool_limits(limits=1):
        yield


def _own_stats(stats: dict[str, float] | None) -> None:
    """:func:`_worker_stats` of a run in this process: the process's peak memory so far
    (its whole life, not the run's alone)."""
    if stats is not None:
        stats["worker_peak_rss_mib"] = _peak_rss_mib()
        stats["workers"] = 1


def _worker_stats(client: Any, stats: dict[str, float] | None) -> None:
    if stats is not None:
        peaks = client.run(_peak_rss_mib)
        stats["worker_peak_rss_mib"] = max(peaks.values())
        stats["workers"] = len(peaks)


def _quantiles(a: np.ndarray) -> np.ndarray:
    """5/50/95 % along the draws axis; an all-missing cell stays NaN (no warning)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanquantile(a, QUANTILES, axis=0)


def _peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- streaming summaries (bounded memory) ------------------------------------------


@dataclass
class Summary:
    """What the draws of some chunks say, in a size fixed by the model (not by the
    draws): a :class:`~critmin.analysis.sketch.HistogramSketch` of every output column
    and event counts (indicators: draws whose type / GeoPolRisk rank differ from the
    deterministic one). Summaries merge by addition."""

    n: int
    sketch: HistogramSketch
    events: dict[str, np.ndarray]

    def merge(self, other: Summary) -> None:
        self.n += other.n
        self.sketch.merge(other.sketch)
        for k, v in other.events.items():
            self.events[k] = self.events[k] + v


def output_columns(model: Any, draws: dict[str, np.ndarray]) -> np.ndarray:
    """(draws × columns) of the quantities whose quantiles are reported: indicators: the
    six axes (axis-major) then the GeoPolRisk cells; shocks: direct, re-sourced and
    shortfall per reported row."""
    if isinstance(model, IndicatorModel):
        a = draws["axes"]
        return np.hstack([a.reshape(a.shape[0], -1), draws["score"]])
    return np.hstack([draws[k] for k in SHOCK_KEYS])


def change_events(model: Any, draws: dict[str, np.ndarray], base: dict[str, np.ndarray]
                  ) -> dict[str, np.ndarray]:
    """Counts of draws whose type or GeoPolRisk rank differs from ``base`` (indicators)."""
    if not isinstance(model, IndicatorModel):
        return {}
    return {"type": (draws["types"] != base["types"][0][None, :]).sum(axis=0),
            "rank": (_ranks(draws["score"]) != _ranks(base["score"])[0][None, :]).sum(
                axis=0)}


def known_bounds(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bound of every output column: indicators on [0, 1]; a shock row's
    tonnes on [0, the flows into the importer (or its members) in the cell]."""
    if isinstance(model, IndicatorModel):
        cols = 6 * len(model.commodities) + len(model.gpr_cells)
        return np.zeros(cols), np.ones(cols)
    onehot = np.eye(model.n_cells)[model.cell_of]
    top = np.maximum(_per_row(model, model.flows[None, :], model.importer_of, onehot),
                     _per_row(model, model.flows[None, :], model.member_of, onehot))[0]
    hi = np.tile(top, len(SHOCK_KEYS))
    return np.zeros(len(hi)), hi


def sketch_ranges(model: Any, pilot: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Histogram range of each column: the pilot draws' [min, max] widened by its
    spread on each side, within the column's known bounds (a constant column: a point)."""
    lo, hi = known_bounds(model)
    v = output_columns(model, pilot)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        vmin, vmax = np.nanmin(v, axis=0), np.nanmax(v, axis=0)
    spread = np.nan_to_num(vmax - vmin)
    a = np.where(np.isnan(vmin), lo, np.maximum(lo, vmin - spread))
    b = np.where(np.isnan(vmax), hi, np.minimum(hi, vmax + spread))
    return a, np.maximum(a, b)


def summary_task(fn: Callable[..., dict[str, np.ndarray]], model: Any, sizes: list[int],
                 seeds: list[np.random.SeedSequence], lo: np.ndarray, hi: np.ndarray,
                 bins: int = BINS) -> Summary:
    """One Dask task: draw the given chunks one after another and summarise them."""
    base = fn(model, 1, None)
    out = Summary(0, HistogramSketch.empty(lo, hi, bins), {})
    for n, s in zip(sizes, seeds, strict=True):
        d = fn(model, n, s)
        out.sketch.add(output_columns(model, d))
        for k, v in change_events(model, d, base).items():
            out.events[k] = out.events.get(k, 0) + v
        out.n += n
    return out


def run_summary(fn: Callable[..., dict[str, np.ndarray]], model: Any, draws: int,
                seed: int, chunk: int = CHUNK, workers: int = 2,
                scheduler: str | None = None,
                progress: Callable[[int], None] | None = None,
                stats: dict[str, float] | None = None, connect_timeout: str = "10s",
                task_draws: int = TASK_DRAWS, bins: int = BINS) -> Summary:
    """The streaming path: the same chunks and child seeds as :func:`run_chunks`, grouped
    into tasks of about ``task_draws`` draws; each task returns a :class:`Summary` (a
    size fixed by the model) and the client merges them as they finish, keeping at most
    two tasks per worker in flight — memory does not grow with the draws. The histogram
    ranges come from the first chunk's draws (see :func:`sketch_ranges`). One local
    worker: the tasks run in this process, one after another (:func:`in_process`)."""
    sizes, children = chunk_seeds(draws, seed, chunk)
    lo, hi = sketch_ranges(model, fn(model, sizes[0], children[0]))
    per = max(1, task_draws // chunk)
    tasks = [(sizes[i:i + per], children[i:i + per]) for i in range(0, len(sizes), per)]
    total: Summary | None = None
    if in_process(workers, scheduler):
        for ss, cs in tasks:
            with as_a_worker():
                part = summary_task(fn, model, ss, cs, lo, hi, bins)
            if total is None:
                total = part
            else:
                total.merge(part)
            if progress:
                progress(total.n)
        _own_stats(stats)
        assert total is not None
        return total
    from dask.distributed import as_completed

    with dask_client(workers, scheduler, connect_timeout) as client:
        shared = client.scatter(model, broadcast=True)
        todo = iter(tasks)
        window = as_completed()
        for ss, cs in itertools.islice(todo, 2 * max(workers, 1)):
            window.add(client.submit(summary_task, fn, shared, ss, cs, lo, hi, bins,
                                     pure=False))
        for fut in window:
            part = fut.result()
            fut.release()
            if total is None:
                total = part
            else:
                total.merge(part)
            nxt = next(todo, None)
            if nxt is not None:
                window.add(client.submit(summary_task, fn, shared, *nxt, lo, hi, bins,
                                         pure=False))
            if progress:
                progress(total.n)
        _worker_stats(client, stats)
    assert total is not None
    return total


def summary_bytes(model: Any, bins: int = BINS) -> int:
    """Size of one :class:`Summary` of ``model``."""
    lo, _ = known_bounds(model)
    return len(lo) * (bins * 4 + 5 * 8) + 2 * 8 * len(lo)


def chunk_bytes(fn: Callable[..., dict[str, np.ndarray]], model: Any, n: int = 50) -> float:
    """Bytes per draw of ``fn``'s outputs (measured on ``n`` draws)."""
    d = fn(model, n, np.random.SeedSequence(0))
    return sum(v.nbytes for v in d.values()) / n


# --- summaries ---------------------------------------------------------------------


@dataclass(frozen=True)
class Quantiles:
    """The 5/50/95 % quantiles of every output column (:func:`output_columns`) and the
    change probabilities (indicators), from all draws (exact) or a :class:`Summary`."""

    q: np.ndarray                    # (3, columns)
    change: dict[str, np.ndarray]    # "type" (C,), "rank" (K,): share of draws


def exact_quantiles(model: Any, draws: dict[str, np.ndarray]) -> Quantiles:
    """:class:`Quantiles` from every draw (NumPy's nanquantile)."""
    base = fn_of(model)(model, 1, None)
    if isinstance(model, IndicatorModel):
        q = np.hstack([_quantiles(draws["axes"]).reshape(3, -1), _quantiles(draws["score"])])
        change = {"type": (draws["types"] != base["types"][0][None, :]).mean(axis=0),
                  "rank": (_ranks(draws["score"]) != _ranks(base["score"])[0][None, :]
                           ).mean(axis=0)}
        return Quantiles(q, change)
    return Quantiles(np.hstack([_quantiles(draws[k]) for k in SHOCK_KEYS]), {})


def summary_quantiles(summary: Summary) -> Quantiles:
    """:class:`Quantiles` from a streaming :class:`Summary`."""
    return Quantiles(summary.sketch.quantiles(QUANTILES),
                     {k: v / summary.n for k, v in summary.events.items()})


def fn_of(model: Any) -> Callable[..., dict[str, np.ndarray]]:
    return indicator_chunk if isinstance(model, IndicatorModel) else shock_chunk


def summarise_indicators(model: IndicatorModel, draws: dict[str, np.ndarray] | Quantiles
                         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(quantiles of each axis and of GeoPolRisk, change probabilities per commodity).

    A commodity's rank change probability is the largest over its GeoPolRisk cells that
    have a score; with none it is missing, with the cells' reasons."""
    from critmin.methods.meti6 import AXES

    res = draws if isinstance(draws, Quantiles) else exact_quantiles(model, draws)
    base = indicator_chunk(model, 1, None)
    c = len(model.commodities)
    qa, qs = res.q[:, :6 * c].reshape(3, 6, c), res.q[:, 6 * c:]
    rows = []
    for ai, axis in enumerate(AXES):
        for ci, cid in enumerate(model.commodities):
            rows.append((model.importer, cid, "", axis, base["axes"][0, ai, ci],
                         *qa[:, ai, ci]))
    for k, (cid, stage) in enumerate(model.gpr_cells):
        rows.append((model.importer, cid, stage, "geopolrisk_score", base["score"][0, k],
                     *qs[:, k]))
    quant = pd.DataFrame(rows, columns=["importer", "commodity_id", "stage", "indicator",
                                        "value", "q05", "q50", "q95"])
    quant["missing"] = [
        model.reasons.get((c, s, i), "") if np.isnan(v) else ""
        for c, s, i, v in zip(quant["commodity_id"], quant["stage"], quant["indicator"],
                              quant["value"], strict=True)]
    probs = pd.DataFrame({"importer": model.importer, "commodity_id": model.commodities,
                          "type": np.asarray(TYPES)[base["types"][0]],
                          "type_change_probability": res.change["type"]})
    return quant, probs.merge(_rank_changes(model, base, res.change["rank"]),
                              on="commodity_id", how="left")


def _rank_changes(model: IndicatorModel, base: dict[str, np.ndarray], change: np.ndarray
                  ) -> pd.DataFrame:
    """Per commodity: best deterministic rank, largest rank change probability over its
    scored cells, and (none scored) the reason instead of a 0 that would read "stable"."""
    cells = pd.DataFrame({"commodity_id": [c for c, _ in model.gpr_cells],
                          "stage": [s for _, s in model.gpr_cells],
                          "geopolrisk_rank": _ranks(base["score"])[0],
                          "scored": ~np.isnan(base["score"][0]),
                          "change": change})
    out = []
    for cid in model.commodities:
        mine = cells[cells["commodity_id"] == cid]
        ok = mine[mine["scored"]]
        why = join_phrases(model.reasons.get((cid, s, "geopolrisk_score"), "")
                           for s in mine["stage"])
        out.append((cid, ok["geopolrisk_rank"].min() if len(ok) else np.nan,
                    ok["change"].max() if len(ok) else np.nan,
                    "" if len(ok) else (why or model.reasons.get(
                        (cid, "", "rank_change_probability"), ""))))
    return pd.DataFrame(out, columns=["commodity_id", "geopolrisk_rank",
                                      "rank_change_probability", "rank_missing"])


def _ranks(score: np.ndarray) -> np.ndarray:
    """Rank 1 = highest score per draw; missing scores rank last (−1 marks them)."""
    s = np.where(np.isnan(score), -np.inf, score)
    order = np.argsort(-s, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(s.shape[0])[:, None]
    ranks[rows, order] = np.arange(1, s.shape[1] + 1)[None, :]
    return np.where(np.isnan(score), -1, ranks)


# --- shock impacts -----------------------------------------------------------------


@dataclass(frozen=True)
class ShockModel:
    """Arrays of a (bloc-free) scenario for the shock ensemble: the model of
    :func:`critmin.analysis.shocks.run_scenario` (same restricted flows, restricting
    exporters, ω and κ) with the LP in closed form."""

    flows: np.ndarray          # (F,) quantity of every flow of the shocked cells
    shock_of: np.ndarray       # (S, F) 1 where shock s cuts flow f
    cut: np.ndarray            # (S,) the scenario's cut
    cut_low: np.ndarray        # (S,)
    cut_high: np.ndarray       # (S,)
    importer_of: np.ndarray    # (F, I) flow → reported importer, intra-group flows left out
    member_of: np.ndarray      # (F, I) flow → reported importer (into any member)
    cell_of: np.ndarray        # (F,) cell index
    redirectable: np.ndarray   # (C,) Σ E_j,other of the exporters that may re-source
    producible: np.ndarray     # (C,) Σ q_j of the exporters that may re-source
    rows: pd.DataFrame         # importer, commodity_id, stage of the reported rows
    row_cell: np.ndarray       # cell index of each reported row
    row_importer: np.ndarray   # importer index of each reported row
    n_cells: int
    redirect: tuple[float, float, float]   # ω: the scenario's value, low, high
    spare: tuple[float, float, float]      # κ: the scenario's value, low, high
    missing: tuple[str, ...] = ()   # per reported row: why it has no figures


def shock_model(data: Any, scenario: Any, importers: dict[str, set[str]]) -> ShockModel:
    """The arrays of :func:`shock_chunk` for a scenario without blocs.

    The restricted flows are :func:`critmin.analysis.shocks.shock_hits`; the importers
    that lost supply, the restricting exporters and the capacities E_j,other and q_j are
    :func:`critmin.analysis.shocks.resourcing_cells` of the scenario (a shock whose cut
    is 0 counts as cutting, since its draws may cut), kept fixed across draws.
    """
    from dataclasses import replace

    from critmin.analysis.shocks import flow_cuts, resourcing_cells, shock_hits

    if scenario.blocs:
        raise CritminError("uncertainty of bloc scenarios is not supported: the draws use "
                           "the closed-form re-sourcing, which holds without blocs")
    cells = sorted({(s.commodity_id, s.stage) for s in scenario.shocks})
    cidx = {c: i for i, c in enumerate(cells)}
    f = flow_cuts(data, scenario)
    keep = np.array([(c, s) in cidx for c, s in zip(f["commodity_id"], f["stage"],
                                                     strict=True)], dtype=bool)
    f = f.loc[keep].reset_index(drop=True)  # a list would select columns when empty
    bounds = np.array([s.cut_bounds() for s in scenario.shocks], dtype=float).reshape(-1, 2)
    # who restricts and who lost supply: the scenario's own sets (a cut of 0: its range)
    active = replace(scenario, shocks=tuple(
        replace(s, cut=s.cut or hi) for s, (_, hi) in zip(scenario.shocks, bounds,
                                                           strict=True)))
    fa = flow_cuts(data, active)
    fa["loss_t"] = fa["quantity_t"] * fa["cut"]
    redirectable, producible = np.zeros(len(cells)), np.zeros(len(cells))
    for cell in resourcing_cells(data, active, fa):
        k = cidx.get((cell.commodity_id, cell.stage))
        if k is not None:
            redirectable[k] = cell.capacity(1.0, 0.0).sum()
            producible[k] = cell.capacity(0.0, 1.0).sum()
    names = list(importers)
    direct, into = _importer_matrices(f, importers)
    rows = pd.DataFrame([(n, c, s) for n in names for c, s in cells],
                        columns=["importer", "commodity_id", "stage"])
    return ShockModel(
        flows=f["quantity_t"].to_numpy(float),
        shock_of=shock_hits(data, scenario, f).astype(float),
        cut=np.array([s.cut for s in scenario.shocks], dtype=float),
        cut_low=bounds[:, 0], cut_high=bounds[:, 1], importer_of=direct, member_of=into,
        cell_of=np.array([cidx[(c, s)] for c, s in zip(f["commodity_id"], f["stage"],
                                                       strict=True)], dtype=int),
        redirectable=redirectable, producible=producible, rows=rows,
        row_cell=np.array([cidx[(c, s)] for c, s in zip(
            rows["commodity_id"], rows["stage"], strict=True)], dtype=int),
        row_importer=np.array([names.index(n) for n in rows["importer"]], dtype=int),
        n_cells=len(cells),
        redirect=(scenario.redirect_share, *scenario.redirect_bounds()),
        spare=(scenario.spare_capacity, *scenario.spare_bounds()),
        missing=tuple(_missing(data, f, importers, rows)))


def _importer_matrices(flows: pd.DataFrame, importers: dict[str, set[str]]
                       ) -> tuple[np.ndarray, np.ndarray]:
    """(flows × importers) 0/1: into the importer with its intra-group trade left out
    (its direct loss), and into any of its members (what it is re-sourced for)."""
    from critmin.analysis.shocks import imports_of

    direct = np.zeros((len(flows), len(importers)))
    into = np.zeros((len(flows), len(importers)))
    for i, members in enumerate(importers.values()):
        direct[flows.index.isin(imports_of(flows, members).index), i] = 1.0
        into[flows["importer"].isin(members).to_numpy(), i] = 1.0
    return direct, into


def _missing(data: Any, flows: pd.DataFrame, importers: dict[str, set[str]],
             rows: pd.DataFrame) -> list[str]:
    """Why each reported row has no figures (as :func:`critmin.analysis.shocks.
    run_scenario` says it)."""
    from critmin.analysis.shocks import imports_of, missing_reason

    out = []
    for n, c, s in rows.itertuples(index=False):
        f = imports_of(flows, importers[n])
        imports = float(f.loc[(f["commodity_id"] == c) & (f["stage"] == s),
                              "quantity_t"].sum())
        out.append(missing_reason(data, c, s, imports, n))
    return out


def shock_chunk(model: ShockModel, n: int, seed: np.random.SeedSequence | None
                ) -> dict[str, np.ndarray]:
    """``n`` draws of direct loss, re-sourced supply and shortfall per reported row
    (``seed`` None: the scenario's own values, n = 1 — equal to the LP's result).

    Per draw: cuts ρ_s ~ U(cut range), ω ~ U(ω range), κ ~ U(κ range); loss
    ``L = f · (1 − Π_s (1 − ρ_s·hit_s))``; per cell ``K = ω·ΣE_other + κ·Σq`` over the
    exporters that may re-source and the max–min share ``t = min(1, K / ΣL)``, which is
    the LP's optimum when every such exporter may serve every importer (no blocs):
    re-sourced ``t · L`` into the importer's members, shortfall ``max(0, direct − that)``
    (methods.md §11–12).
    """
    if seed is None:
        cuts = model.cut[None, :]
        omega = np.array([[model.redirect[0]]])
        kappa = np.array([[model.spare[0]]])
    else:
        rng = np.random.default_rng(seed)
        cuts = rng.uniform(model.cut_low, model.cut_high, size=(n, len(model.cut)))
        omega = rng.uniform(*model.redirect[1:], size=(n, 1))
        kappa = rng.uniform(*model.spare[1:], size=(n, 1))
    keep = np.ones((cuts.shape[0], len(model.flows)))
    for s in range(len(model.cut)):
        keep *= 1.0 - cuts[:, [s]] * model.shock_of[s][None, :]
    loss = model.flows[None, :] * (1.0 - keep)                       # (n, F)
    cell_onehot = np.eye(model.n_cells)[model.cell_of]               # (F, C)
    total_loss = loss @ cell_onehot                                  # (n, C)
    capacity = omega * model.redirectable[None, :] + kappa * model.producible[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(total_loss > 0, np.minimum(1.0, capacity / total_loss), 0.0)
    direct = _per_row(model, loss, model.importer_of, cell_onehot)
    resourced = _per_row(model, loss, model.member_of, cell_onehot) * t[:, model.row_cell]
    return {"direct": direct, "resourced": resourced,
            "shortfall": np.maximum(direct - resourced, 0.0)}


def _per_row(model: ShockModel, loss: np.ndarray, importer_of: np.ndarray,
             cell_onehot: np.ndarray) -> np.ndarray:
    """(draws × reported rows): the loss on the flows of each row's importer and cell."""
    n_imp = importer_of.shape[1]
    both = (importer_of[:, :, None] * cell_onehot[:, None, :]).reshape(
        len(model.flows), n_imp * model.n_cells)
    return (loss @ both).reshape(-1, n_imp, model.n_cells)[:, model.row_importer,
                                                            model.row_cell]


def summarise_shock(model: ShockModel, draws: dict[str, np.ndarray] | Quantiles
                    ) -> pd.DataFrame:
    """Quantiles of direct loss, re-sourced supply and shortfall per importer × stage."""
    res = draws if isinstance(draws, Quantiles) else exact_quantiles(model, draws)
    base = shock_chunk(model, 1, None)
    out = model.rows.copy()
    gone = np.array([m != "" for m in model.missing], dtype=bool)
    r = len(out)
    for i, key in enumerate(SHOCK_KEYS):
        q = res.q[:, i * r:(i + 1) * r]
        out[f"{key}_t"] = np.where(gone, np.nan, base[key][0])
        for name, row in zip(("q05", "q50", "q95"), q, strict=True):
            out[f"{key}_{name}"] = np.where(gone, np.nan, row)
    out["missing"] = list(model.missing)
    return out
