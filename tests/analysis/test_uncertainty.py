"""Monte Carlo: deterministic centre equals the methods, same quantiles whatever the
number of Dask workers, closed-form re-sourcing equals the HiGHS LP."""

from __future__ import annotations

import contextlib
import socket
import warnings

import numpy as np
import pandas as pd
import pytest

from critmin.analysis import uncertainty as u
from critmin.analysis.scenarios import Scenario, Shock
from critmin.analysis.shocks import run_scenario
from tests.analysis.test_shocks import data


def test_hhi_block_by_hand_and_mean_preserving():
    rows = pd.DataFrame({"c": ["a", "a", "a"], "iso3": ["X", "Y", None],
                         "quantity": [60.0, 20.0, 20.0]})
    block = u.hhi_block(rows, ["a"], "c", 0.1)
    assert block.draw(None)[0, 0] == pytest.approx(0.36 + 0.04)
    z = np.random.default_rng(0).standard_normal((20000, 3))
    q = block.q * np.exp(block.sigma * z - block.sigma ** 2 / 2)
    assert q.mean(axis=0) == pytest.approx(block.q, rel=0.01)


def test_closed_form_resourcing_matches_the_lp():
    sc = Scenario("t", "t", (Shock(("CHN",), "graphite", "mining", 0.5),))
    d = data()
    model = u.shock_model(d, sc, {"JPN": {"JPN"}, "KOR": {"KOR"}})
    base = u.shock_chunk(model, 1, None)
    lp = run_scenario(d, sc, {"JPN": {"JPN"}, "KOR": {"KOR"}})
    lp = lp[lp["stage"] == "mining"]
    assert base["resourced"][0] == pytest.approx(lp["resourced_t"].to_numpy())
    assert base["shortfall"][0] == pytest.approx(lp["shortfall_t"].to_numpy())


@pytest.mark.parametrize("omega", [0.0, 0.2, 0.5, 1.0])
@pytest.mark.parametrize("kappa", [0.0, 0.1, 0.5])
def test_centre_is_the_lp_for_the_scenarios_own_omega_and_kappa(omega, kappa):
    sc = Scenario("t", "t", (Shock(("CHN",), "graphite", "mining", 0.5),),
                  redirect_share=omega, spare_capacity=kappa)
    importers = {"JPN": {"JPN"}, "KOR": {"KOR"}, "ALL": {"JPN", "KOR"}}
    model = u.shock_model(data(), sc, importers)
    base = u.shock_chunk(model, 1, None)
    lp = run_scenario(data(), sc, importers)
    lp = lp[lp["stage"] == "mining"]
    for key, col in (("direct", "direct_loss_t"), ("resourced", "resourced_t"),
                     ("shortfall", "shortfall_t")):
        assert base[key][0] == pytest.approx(lp[col].to_numpy(), abs=1e-6), key


def test_centre_is_the_lp_when_a_group_member_cuts_and_exporters_differ_by_stage():
    from tests.analysis.test_shocks import FLOWS

    # FRA (an EU member) cuts refined graphite only; it still re-sources ore
    flows = pd.concat([FLOWS, pd.DataFrame([
        ("FRA", "DEU", "graphite", "refining", 30.0), ("FRA", "JPN", "graphite", "refining", 10.0),
        ("BRA", "JPN", "graphite", "refining", 10.0), ("FRA", "BRA", "graphite", "mining", 80.0),
        ("BRA", "ITA", "graphite", "refining", 40.0)], columns=FLOWS.columns)])
    sc = Scenario("t", "t", (Shock(("CHN",), "graphite", "mining", 0.5),
                             Shock(("FRA",), "graphite", "refining", 1.0)),
                  redirect_share=0.3, spare_capacity=0.2)
    importers = {"JPN": {"JPN"}, "EU": {"DEU", "FRA", "ITA"}}
    model = u.shock_model(data(flows), sc, importers)
    base = u.shock_chunk(model, 1, None)
    lp = run_scenario(data(flows), sc, importers)
    lp = model.rows.merge(lp, on=["importer", "commodity_id", "stage"])
    for key, col in (("direct", "direct_loss_t"), ("resourced", "resourced_t"),
                     ("shortfall", "shortfall_t")):
        assert base[key][0] == pytest.approx(lp[col].to_numpy(), abs=1e-6), key


def test_collapsed_ranges_draw_the_centre():
    sc = Scenario("t", "t", (Shock(("CHN",), "graphite", "mining", 0.5, cut_range=(0.5, 0.5)),),
                  redirect_share=0.1, spare_capacity=0.3, redirect_share_range=(0.1, 0.1),
                  spare_capacity_range=(0.3, 0.3))
    model = u.shock_model(data(), sc, {"JPN": {"JPN"}})
    base = u.shock_chunk(model, 1, None)
    draws = u.shock_chunk(model, 100, np.random.SeedSequence(2))
    for key in base:
        np.testing.assert_allclose(draws[key], np.broadcast_to(base[key], draws[key].shape))


def test_shock_draws_stay_within_bounds():
    sc = Scenario("t", "t", (Shock(("CHN",), "graphite", "mining", 0.5, cut_range=(0.2, 0.9)),))
    model = u.shock_model(data(), sc, {"JPN": {"JPN"}})
    d = u.shock_chunk(model, 2000, np.random.SeedSequence(3))
    assert (d["direct"] >= 0.2 * 60 - 1e-9).all() and (d["direct"] <= 0.9 * 60 + 1e-9).all()
    assert (d["shortfall"] >= -1e-9).all() and (d["resourced"] <= d["direct"] + 1e-9).all()


@pytest.fixture(scope="module")
def model(imported_store):
    from critmin.store.io import connect

    with connect(imported_store) as con:
        return u.indicator_model(con, "JPN", 2023, ["cobalt", "graphite", "tungsten",
                                                    "rare_earths", "gallium", "nickel"])


def test_centre_equals_the_methods(model, imported_store):
    from critmin.indicators.importers import importer_members
    from critmin.methods.geopolrisk import geopolrisk
    from critmin.methods.meti6 import AXES, meti6_inputs, meti6_values
    from critmin.store.io import connect

    base = u.indicator_chunk(model, 1, None)
    with connect(imported_store) as con:
        members = importer_members(con, ["JPN"])
        v = meti6_values(meti6_inputs(con, members, 2023, list(model.commodities)))
        g = geopolrisk(con, members, list(model.commodities), [2023])
    for ai, axis in enumerate(AXES):
        ref = v[v["axis"] == axis].set_index("commodity_id")["value"].reindex(
            list(model.commodities)).to_numpy(float)
        np.testing.assert_allclose(base["axes"][0, ai], ref, rtol=1e-12, equal_nan=True)
    gs = g.set_index(["commodity_id", "stage"])["score"]
    ref = np.array([gs.get(c, np.nan) for c in model.gpr_cells], float)
    np.testing.assert_allclose(base["score"][0], ref, rtol=1e-12, equal_nan=True)


@pytest.fixture(scope="module")
def catalog_model(imported_store):
    """The model ``critmin uncertainty -i JPN`` draws: every catalog commodity (matrix
    products large enough for the numerical library to split them over threads)."""
    from critmin.catalog.commodities import commodity_ids
    from critmin.store.io import connect

    with connect(imported_store) as con:
        return u.indicator_model(con, "JPN", 2023, commodity_ids())


def test_same_quantiles_in_this_process_and_with_two_dask_workers(catalog_model, monkeypatch):
    """One worker draws the chunks in this process (no cluster started, one thread in
    the numerical libraries as in a Dask worker); two Dask workers draw the same chunks
    with the same seeds: the same draws, to the last bit."""
    import dask

    model = catalog_model

    def no_cluster(*args, **kwargs):
        raise AssertionError("one local worker starts no Dask cluster")

    with monkeypatch.context() as m:
        m.setattr(u, "dask_client", no_cluster)
        stats: dict[str, float] = {}
        one = u.run_chunks(u.indicator_chunk, model, 600, 7, chunk=200, workers=1,
                           stats=stats)
    assert stats["workers"] == 1 and stats["worker_peak_rss_mib"] > 0
    assert u.in_process(1, None) and not u.in_process(1, "tcp://127.0.0.1:8786")
    assert not u.in_process(2, None)
    # the two workers as a user's run starts them: fresh interpreters (Dask's default;
    # the other tests' workers fork from a server, see tests/conftest.py); Dask's default
    # HTTP port taken (as by another run at the same time): no "already in use" warning
    busy = socket.socket()
    with contextlib.suppress(OSError):   # else held by another process: busy all the same
        busy.bind(("", 8787))
        busy.listen()
    with busy, warnings.catch_warnings(record=True) as seen, \
            dask.config.set({"distributed.worker.multiprocessing-method": "spawn"}):
        warnings.simplefilter("always")
        two = u.run_chunks(u.indicator_chunk, model, 600, 7, chunk=200, workers=2)
    assert not [str(w.message) for w in seen if "already in use" in str(w.message)]
    for key in one:
        np.testing.assert_array_equal(one[key], two[key])
    q1, c1 = u.summarise_indicators(model, one)
    q2, c2 = u.summarise_indicators(model, two)
    pd.testing.assert_frame_equal(q1, q2)
    pd.testing.assert_frame_equal(c1, c2)
    assert ((q1["q05"] <= q1["q50"] + 1e-12) & (q1["q50"] <= q1["q95"] + 1e-12)
            | q1["q50"].isna()).all()
    assert c1["type_change_probability"].between(0, 1).all()


def test_unreachable_scheduler_is_a_clear_error(model):
    from critmin.errors import CritminError

    with pytest.raises(CritminError, match="cannot reach the Dask scheduler"):
        u.run_chunks(u.indicator_chunk, model, 10, 1, scheduler="tcp://127.0.0.1:9",
                     connect_timeout="0.2s")


def test_streaming_summary_matches_the_exact_draws(model):
    """The same chunks and seeds summarised per task: change probabilities identical,
    quantiles within a bin of the exact ones, missing cells missing."""
    raw = u.run_chunks(u.indicator_chunk, model, 1200, 7, chunk=200, workers=1)
    exact = u.exact_quantiles(model, raw)
    summary = u.run_summary(u.indicator_chunk, model, 1200, 7, chunk=200, workers=2,
                            task_draws=400)
    assert summary.n == 1200
    got = u.summary_quantiles(summary)
    for k in exact.change:
        np.testing.assert_array_equal(got.change[k], exact.change[k])
    lo, hi = summary.sketch.lo, summary.sketch.hi
    np.testing.assert_array_equal(np.isnan(got.q), np.isnan(exact.q))
    ok = ~np.isnan(exact.q)
    assert (np.abs(got.q - exact.q)[ok] <= np.broadcast_to((hi - lo) / summary.sketch.bins,
                                                           got.q.shape)[ok] + 1e-12).all()
    q1, c1 = u.summarise_indicators(model, raw)
    q2, c2 = u.summarise_indicators(model, got)
    pd.testing.assert_frame_equal(c1, c2)
    assert list(q1["missing"]) == list(q2["missing"])


def test_summary_size_does_not_grow_with_draws(model):
    small = u.run_summary(u.indicator_chunk, model, 400, 1, chunk=200, workers=1)
    large = u.run_summary(u.indicator_chunk, model, 2000, 1, chunk=200, workers=1)
    assert small.sketch.nbytes == large.sketch.nbytes
    assert {k: v.shape for k, v in small.events.items()} == {
        k: v.shape for k, v in large.events.items()}


def test_rank_change_is_missing_with_the_reason_where_geopolrisk_is_missing(model):
    from critmin.catalog.reasons import code_of, split_phrases

    raw = u.run_chunks(u.indicator_chunk, model, 200, 3, chunk=100, workers=1)
    quant, changes = u.summarise_indicators(model, raw)
    scored = set(quant.loc[(quant["indicator"] == "geopolrisk_score")
                           & quant["value"].notna(), "commodity_id"])
    for row in changes.itertuples():
        if row.commodity_id in scored:
            assert 0.0 <= row.rank_change_probability <= 1.0 and row.rank_missing == ""
        else:
            assert np.isnan(row.rank_change_probability), row
            assert row.rank_missing and all(code_of(p) for p in split_phrases(row.rank_missing))
    assert set(changes["commodity_id"]) - scored, "the store leaves some GeoPolRisk missing"


def test_in_process_runs_take_turns_with_the_thread_limit():
    """The one-thread limit of an in-process run is the process's: two runs in threads
    take turns, each drawing on one thread, and the process's limit is restored after."""
    import threading

    from threadpoolctl import threadpool_info

    def threads() -> list[int]:
        return [i["num_threads"] for i in threadpool_info()]

    before, inside, order = threads(), [], []
    entered = threading.Event()

    def run(name: str, hold: float) -> None:
        with u.as_a_worker():
            entered.set()
            order.append(f"{name} in")
            inside.append(threads())
            threading.Event().wait(hold)
            order.append(f"{name} out")

    first = threading.Thread(target=run, args=("a", 0.2))
    first.start()
    entered.wait(5)
    second = threading.Thread(target=run, args=("b", 0.0))
    second.start()
    first.join(5)
    second.join(5)
    assert order == ["a in", "a out", "b in", "b out"]
    assert all(n == 1 for t in inside for n in t)
    assert threads() == before
