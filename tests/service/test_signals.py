"""The signals requests on the bundle store: the watch list with protocols and a register,
the backtest of the 2010 rare-earth episode."""

from __future__ import annotations

import pytest

from critmin.errors import CritminError
from critmin.service.signals import (
    SIGNAL_COLUMNS,
    BacktestRequest,
    SignalsRequest,
    SignalsResponse,
    backtest,
    signals,
)


def test_watch_list_with_protocols(store, tmp_path) -> None:
    reg = tmp_path / "r.csv"
    reg.write_text("date,commodity,country,source,tier,text\n"
                   "2024-05-01,graphite,CHN,a report,immediate,a project delay\n",
                   encoding="utf-8")
    r = signals(SignalsRequest(importer="JPN", year="2024", lang="en",
                               register_file=str(reg)), store)
    f = r.frame
    assert r.years == [2024] and list(f.columns) == SIGNAL_COLUMNS
    assert sum(r.counts.values()) == len(f) > 0
    ranks = f["tier"].map({"immediate": 2, "medium_term": 1, "watch": 0}).tolist()
    assert ranks == sorted(ranks, reverse=True)  # strongest tier first
    entered = f[f["rule"] == "register"].iloc[0]
    assert entered["tier"] == "immediate" and entered["explanation"] == "a project delay"
    assert entered["respond_within_days"] == 14 and entered["responder"]
    assert f["response"].notna().all() and f["type"].notna().all()
    assert all(r.tier_threshold is not None for r in r.validate_rows(
        [x for x in r.payload()["rows"] if x["rule"] != "register"]))
    SignalsResponse.model_validate_json(r.json_text())


def test_tier_filter_and_bad_register(store, tmp_path) -> None:
    r = signals(SignalsRequest(importer="JPN", year="2024", tiers=["watch"], lang="ja"), store)
    assert set(r.frame["tier"]) <= {"watch"}
    bad = tmp_path / "bad.csv"
    bad.write_text("date,commodity,country,source,tier,text\n2024-02-30,nickel,,s,watch,t\n",
                   encoding="utf-8")
    with pytest.raises(CritminError, match="line 2: bad date"):
        signals(SignalsRequest(importer="JPN", register_file=str(bad), lang="en"), store)


def test_backtest_of_the_2010_rare_earth_quota_cuts(store) -> None:
    r = backtest(BacktestRequest(episodes=["ree_quota_2010"], lang="en"), store)
    row = r.frame.iloc[0]
    assert row["commodity_id"] == "rare_earths" and bool(row["fired"])
    # the 2008 unit value of HS 284690 (BACI, public from 2010-01-31) is 3σ above 1998–2007
    assert row["first_signal"] == "2010-01-31" and row["lead_months"] == 6
    assert row["tier"] == "immediate" and row["signal_series"].endswith("284690")
    assert "trade unit value to 2008" in row["data_coverage"]
    alarms = {(a.rule, a.tier): a for a in r.false_alarms}
    assert 0 <= alarms[("all", "watch")].rate <= 1
    assert alarms[("all", "immediate")].alarmed <= alarms[("all", "watch")].alarmed
    assert r.series[0].key.endswith("284690") and r.series[0].points
    with pytest.raises(CritminError, match="unknown episode"):
        backtest(BacktestRequest(episodes=["nope"]), store)


def test_a_year_no_series_reaches_is_an_error_naming_the_span(store) -> None:
    """An empty watch list for 1800 would read as "nothing to watch": refused, with the
    years the series cover; the first year of that span is accepted."""
    import re

    with pytest.raises(CritminError, match=r"unknown year '1800'; valid: \d{4}–\d{4}") as e:
        signals(SignalsRequest(importer="JPN", year="1800", lang="en"), store)
    first, last = re.search(r"(\d{4})–(\d{4})", str(e.value)).groups()
    with pytest.raises(CritminError, match=f"unknown year '{int(last) + 1}'"):
        signals(SignalsRequest(importer="JPN", year=f"{last},{int(last) + 1}", lang="en"),
                store)
    signals(SignalsRequest(importer="JPN", year=first, lang="en"), store)


def test_later_signals_are_counted_not_hidden(store, tmp_path) -> None:
    """With the default year, an entry (or data) of a later year is not in the watch list
    but is counted, by tier, with the later years — and shown when they are asked for."""
    from critmin.service.common import default_year

    year = default_year(store) + 1
    reg = tmp_path / "r.csv"
    reg.write_text("date,commodity,country,source,tier,text\n"
                   f"{year}-03-01,graphite,CHN,a report,immediate,a licence delay\n",
                   encoding="utf-8")
    now = signals(SignalsRequest(importer="JPN", lang="en", register_file=str(reg)), store)
    assert "a licence delay" not in set(now.frame["explanation"])
    assert now.later_years and now.later_years[0] == year
    assert now.later_counts["immediate"] >= 1
    asked = signals(SignalsRequest(importer="JPN", lang="en", register_file=str(reg),
                                   year=str(year)), store)
    assert "a licence delay" in set(asked.frame["explanation"])
    assert asked.later_years is None and asked.later_counts == {
        "immediate": 0, "medium_term": 0, "watch": 0}
