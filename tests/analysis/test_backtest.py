"""The backtest runs in real time: no signal uses data published after its date (a
planted late-published spike changes nothing before it is public), and episodes are
scored by when their first signal was seen."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from critmin.analysis import backtest as bt
from critmin.analysis.signal_inputs import PRICE_COLUMNS, SignalInputs, as_of

EMPTY = {
    "flows": ["commodity_id", "stage", "year", "partner", "quantity_t", "value_kusd",
              "source_ids", "seen"],
    "production": ["commodity_id", "stage", "year", "hhi", "source_ids", "seen"],
    "governance": ["iso3", "year", "estimate", "std_error", "source_id", "seen"],
    "events": ["date", "iso3", "commodity_id", "measure", "detail", "source", "source_id",
               "seen"],
}


def series(n: int = 84, spike_at: int | None = None) -> pd.DataFrame:
    """A monthly nickel price from 2014-01, log price alternating ±0.02 (so that σ > 0),
    ×1.5 at month ``spike_at``; each month public on the 5th of the next."""
    t = 2014 * 12 + np.arange(n)
    x = 0.02 * (-1.0) ** np.arange(n)
    if spike_at is not None:
        x[spike_at] += math.log(1.5)
    seen = (t - 1970 * 12 + 1).astype("datetime64[M]").astype("datetime64[D]") + 4
    return pd.DataFrame({
        "key": "pinksheet:Nickel", "kind": "market_monthly", "commodity_id": "nickel",
        "stage": None, "hs6": None, "t": t, "year": t // 12, "month": t % 12 + 1,
        "period": [f"{y}-{m:02d}" for y, m in zip(t // 12, t % 12 + 1, strict=True)],
        "value": 100 * np.exp(x), "unit": "USD/t", "source_ids": "wb-pinksheet-monthly",
        "seen": seen.astype("datetime64[s]")})[PRICE_COLUMNS]


def inputs(prices: pd.DataFrame) -> SignalInputs:
    return SignalInputs(importer="JPN", prices=prices,
                        **{k: pd.DataFrame(columns=c) for k, c in EMPTY.items()})


def test_as_of_keeps_only_what_was_public() -> None:
    inp = inputs(series())
    vis = as_of(inp, "2016-03-05")
    assert vis.prices["period"].iloc[-1] == "2016-02"  # February is out on 5 March
    assert (vis.prices["seen"] <= np.datetime64("2016-03-05")).all()
    assert as_of(inp, "2016-03-04").prices["period"].iloc[-1] == "2016-01"


def test_as_of_hides_every_input_published_later() -> None:
    """Not only prices: trade, production, governance and events published after the
    date are invisible too (each frame has its publication date ``seen``)."""
    early, late = np.datetime64("2019-06-01", "s"), np.datetime64("2021-06-01", "s")
    frames = {
        "flows": pd.DataFrame({"commodity_id": "nickel", "stage": "mining",
                               "year": [2017, 2019], "partner": "IDN",
                               "quantity_t": 1.0, "value_kusd": 1.0,
                               "source_ids": "baci-bundle", "seen": [early, late]}),
        "production": pd.DataFrame({"commodity_id": "nickel", "stage": "mining",
                                    "year": [2017, 2019], "hhi": 0.3,
                                    "source_ids": "wmd-bundle", "seen": [early, late]}),
        "governance": pd.DataFrame({"iso3": "IDN", "year": [2017, 2019], "estimate": 0.1,
                                    "std_error": 0.2, "source_id": "wgi-release",
                                    "seen": [early, late]}),
        "events": pd.DataFrame({"date": pd.to_datetime(["2019-01-01", "2021-01-01"]),
                                "iso3": "IDN", "commodity_id": "nickel",
                                "measure": "export_ban", "detail": "", "source": "",
                                "source_id": "critmin-catalog", "seen": [early, late]}),
    }
    inp = SignalInputs(importer="JPN", prices=series(), **frames)
    vis = as_of(inp, "2020-01-01")
    for name in frames:
        got = getattr(vis, name)
        assert len(got) == 1 and (got["seen"] == early).all(), name
    assert all(len(getattr(as_of(inp, "2022-01-01"), name)) == 2 for name in frames)


def test_a_late_published_spike_leaks_into_no_earlier_signal() -> None:
    """Month 60 (2019-01) is missing until a spike for it is published in 2030: a backtest
    to 2020 must give the same rows as without it (a rule that read unpublished rows would
    see the spike in its windows and change)."""
    base = series().drop(index=60)
    late = series(spike_at=60).iloc[[60]].assign(seen=np.datetime64("2030-01-01", "s"))
    with_late = pd.concat([base, late], ignore_index=True)
    a = bt.run(inputs(base), "2016-01-01", "2020-12-31")
    b = bt.run(inputs(with_late), "2016-01-01", "2020-12-31")
    assert len(a.rows) > 0
    pd.testing.assert_frame_equal(a.rows, b.rows)
    # once published, the spike counts (its own row is then new)
    c = bt.run(inputs(with_late), "2016-01-01", "2030-12-31")
    assert (c.rows["date"] == "2019-01").any()


def test_every_row_is_reported_when_its_data_are_public() -> None:
    run = bt.run(inputs(series(spike_at=70)), "2016-01-01", "2020-12-31")
    assert (run.rows["seen"] <= run.rows["as_of"]).all()
    spike = run.signals[(run.signals["date"] == "2019-11") &
                        (run.signals["rule"] == "price_spike")]
    assert spike["seen"].tolist() == [np.datetime64("2019-12-05")]
    assert spike["tier"].tolist() == ["immediate"]


def test_episode_lead_and_false_alarms() -> None:
    run = bt.run(inputs(series(spike_at=70)), "2016-01-01", "2020-12-31")
    eps = pd.DataFrame({"episode": ["test"], "commodity_id": ["nickel"],
                        "date": pd.to_datetime(["2020-03-15"]).astype("datetime64[s]")})
    score = bt.score_episodes(run, eps).iloc[0]
    assert score["fired"] and score["first_signal"] == "2019-12-05"
    assert score["lead_months"] == 3  # December 2019 → March 2020
    assert score["first_immediate"] == "2019-12-05"
    fa = bt.false_alarms(run, eps).set_index(["rule", "tier"])
    # 2017–2018 are evaluated (the first z needs 36 months: January 2017) and outside
    # the episode's window (2019-03 … 2021-03)
    assert fa.loc[("all", "watch"), "commodity_years"] == 2
    assert fa.loc[("all", "immediate"), "alarmed"] == 0
    far = eps.assign(date=pd.to_datetime(["2016-06-01"]).astype("datetime64[s]"))
    assert not bt.score_episodes(run, far).iloc[0]["fired"]


def test_price_rows_are_those_of_the_as_of_loop_by_definition() -> None:
    """Each price row reported is the rule evaluated on exactly the rows public at its
    ``as_of`` date (here by brute force, date by date): for a series published in
    period order (evaluated in one pass) and one with a month published late (in the
    loop)."""
    from critmin.analysis.signals import rule_frames

    in_order = series(spike_at=70)
    late = series(spike_at=66).assign(key="pinksheet:Cobalt", commodity_id="cobalt")
    late.loc[60, "seen"] = np.datetime64("2020-06-01", "s")
    inp = inputs(pd.concat([in_order, late], ignore_index=True))
    got = bt.run(inp, "2016-01-01", "2020-12-31").rows
    assert bt._Prices(inp.prices).in_order.sum() == len(in_order)
    want, prev = [], np.datetime64("2015-12-31T23:59:59")
    for d in bt.release_dates(inp, "2016-01-01", "2020-12-31"):
        frames = rule_frames(as_of(inp, d), lambda f, _r, p=prev: f["seen"].to_numpy() > p,
                             bt.PRICE_RULES)
        want += [f.assign(rule=r, as_of=d) for r, f in frames.items() if len(f)]
        prev = d
    want = pd.concat(want, ignore_index=True)
    want = want[np.isfinite(want["value"].astype(float))]
    key = ["rule", "key", "period", "as_of"]
    left = got.rename(columns={"series": "key", "date": "period"}).set_index(key).sort_index()
    right = want.set_index(key).sort_index()
    assert left.index.equals(right.index) and len(left) > 100
    assert (left.index.get_level_values("key") == "pinksheet:Cobalt").any()
    np.testing.assert_array_equal(left["value"].to_numpy(float), right["value"].to_numpy(float))
    assert left["tier"].fillna("-").tolist() == right["tier"].fillna("-").tolist()
