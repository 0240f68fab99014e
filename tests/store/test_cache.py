"""Prepared reads kept per store content: computed once per store content, never for a
connection that can write, afresh after the file changes, and off on request."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from critmin.store import cache
from critmin.store.io import connect, new_content_id


@pytest.fixture(autouse=True)
def _empty_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts from an empty cache of its own; the results the worker's other
    tests kept are put back after it (clearing them made those tests compute again)."""
    monkeypatch.setattr(cache, "_entries", OrderedDict())
    monkeypatch.setattr(cache, "_kept_bytes", 0)
    monkeypatch.setattr(cache, "_computing", {})


def _counter() -> tuple[list[int], object]:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)
    return calls, compute


def test_read_only_store_is_read_once_per_key(store_copy: Path) -> None:
    calls, compute = _counter()
    with connect(store_copy) as con:
        assert cache.cached(con, "k", compute) == 1
        assert cache.cached(con, "k", compute) == 1       # kept
        assert cache.cached(con, "other", compute) == 2   # another key
    with connect(store_copy) as con:                     # same content, new connection
        assert cache.cached(con, "k", compute) == 1
    assert len(calls) == 2


@pytest.mark.parametrize("why", ["connection can write", "cache off"])
def test_computed_each_time(store_copy: Path, monkeypatch: pytest.MonkeyPatch,
                            why: str) -> None:
    """A connection that can write is never cached; nor is anything with
    ``CRITMIN_READ_CACHE=0``."""
    if why == "cache off":
        monkeypatch.setenv(cache.READ_CACHE_ENV, "0")
    calls, compute = _counter()
    with connect(store_copy, read_only=why != "connection can write") as con:
        assert (cache.store_stamp(con) is None) == (why == "connection can write")
        cache.cached(con, "k", compute)
        cache.cached(con, "k", compute)
    assert len(calls) == 2


def test_copies_of_a_store_share_reads_until_one_is_written(store_copy: Path,
                                                           tmp_path: Path) -> None:
    """The stamp is the content id, not the path: a copy (another home linking or
    copying the store) is answered from the reads of the original, until a write gives
    it content of its own."""
    import shutil

    other = tmp_path / "copy" / "critmin.duckdb"
    other.parent.mkdir()
    shutil.copyfile(store_copy, other)
    calls, compute = _counter()
    with connect(store_copy) as con:
        assert cache.cached(con, "k", compute) == 1
    with connect(other) as con:
        assert cache.cached(con, "k", compute) == 1
    with connect(other, read_only=False) as con:
        new_content_id(con)
    with connect(other) as con:
        assert cache.cached(con, "k", compute) == 2
    with connect(store_copy) as con:
        assert cache.cached(con, "k", compute) == 1
    assert len(calls) == 2


def test_a_changed_store_is_read_afresh(store_copy: Path) -> None:
    calls, compute = _counter()
    with connect(store_copy) as con:
        before = cache.store_stamp(con)
        cache.cached(con, "k", compute)
    with connect(store_copy, read_only=False) as con:   # a write: a new content id
        new_content_id(con)
    with connect(store_copy) as con:
        assert cache.store_stamp(con) != before
        assert cache.cached(con, "k", compute) == 2
    assert len(calls) == 2


def test_a_connection_on_a_replaced_file_keeps_its_own_content(store_copy: Path,
                                                               tmp_path: Path) -> None:
    """A build swaps a new file in while a request still reads the old one: what the
    old connection computes is kept under the old file's content id, so the next
    connection (on the new file) computes afresh."""
    import shutil

    fresh = tmp_path / "fresh.duckdb"
    shutil.copyfile(store_copy, fresh)
    with connect(fresh, read_only=False) as con:  # the new build: its own content id
        new_content_id(con)
    with connect(store_copy) as old:
        shutil.move(fresh, store_copy)            # swapped in (atomic rename)
        assert cache.cached(old, "k", lambda: "old") == "old"
    with connect(store_copy) as new:
        assert cache.cached(new, "k", lambda: "new") == "new"


def test_production_preference_is_part_of_the_assessment_key(
        store_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from critmin.methods.meti6 import meti6_inputs
    from critmin.service.common import members_by_name, resolve_importers

    with connect(store_file) as con:
        members = members_by_name(resolve_importers(con, ["JPN"]))
        default = meti6_inputs(con, members, 2022, ["cobalt"]).production
        assert meti6_inputs(con, members, 2022, ["cobalt"]).production is default  # kept
        monkeypatch.setenv("CRITMIN_PRODUCTION_PREFERENCE", "wmd")
        assert meti6_inputs(con, members, 2022, ["cobalt"]).production is not default


def test_least_recently_used_is_dropped_beyond_the_byte_budget(
        store_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Four arrays of 800 bytes in a budget of 2,500: the fourth drops the least recently
    used (the second, after the first was asked again); a value over the budget is
    computed but not kept."""
    monkeypatch.setattr(cache, "MAX_BYTES", 2500)
    calls: list[str] = []

    def array(name: str, n: int = 100):
        def compute() -> np.ndarray:
            calls.append(name)
            return np.zeros(n)      # 8 bytes each
        return compute
    with connect(store_copy) as con:
        for name in ("a", "b", "c"):
            cache.cached(con, name, array(name))
        cache.cached(con, "a", array("a"))             # kept: now the most recent
        cache.cached(con, "d", array("d"))             # 3,200 bytes: "b" goes
        cache.cached(con, "b", array("b"))             # computed again ("c" goes)
        cache.cached(con, "a", array("a"))             # still kept
        cache.cached(con, "big", array("big", 400))    # 3,200 > 2,500: not kept
        cache.cached(con, "big", array("big", 400))
    assert calls == ["a", "b", "c", "d", "b", "big", "big"]


def test_value_bytes_counts_arrays_once() -> None:
    """Frame columns and index, arrays, dataclass fields and containers (hand-counted);
    an array reached twice counts once."""
    import dataclasses
    import sys

    frame = pd.DataFrame({"x": np.zeros(10), "n": np.arange(10, dtype=np.int32)})
    assert cache.value_bytes(frame) == 80 + 40 + frame.index.memory_usage()
    arr = np.zeros(50)

    @dataclasses.dataclass
    class Pair:
        a: np.ndarray
        b: np.ndarray
    assert cache.value_bytes(Pair(arr, arr)) == 400
    assert cache.value_bytes((arr, arr)) == sys.getsizeof((arr, arr)) + 400


def test_assessment_is_the_same_from_the_cache(store_file: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The kept inputs give the same assessment as a fresh read, importer after
    importer (the year's shared inputs are not changed by one importer's run)."""
    from critmin.service.assess import AssessRequest, assess

    def run() -> list[str]:
        with connect(store_file) as con:
            return [assess(AssessRequest(importers=[i], year=2022), con).json_text()
                    for i in ("JPN", "KOR", "JPN")]
    cached_runs = run()
    monkeypatch.setenv(cache.READ_CACHE_ENV, "0")
    assert run() == cached_runs and cached_runs[0] == cached_runs[2]


def test_an_assessment_is_kept_per_question(store_file: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """An assessment is kept under everything it depends on besides the store: the same
    question gets the same object; another order of commodities, year, thresholds or
    production preference is another question. The report and the exposure's upstream
    context read the kept one without changing it (equal to a fresh one after them)."""
    from critmin.analysis.assessment import assess
    from critmin.analysis.exposure import upstream_context
    from critmin.analysis.typology import TypologyThresholds
    from critmin.service.assess import ReportRequest, report
    from critmin.service.common import members_by_name, resolve_importers

    ids = ["cobalt", "graphite", "lithium", "rare_earths", "tungsten"]  # the example levers'
    with connect(store_file) as con:
        members = members_by_name(resolve_importers(con, ["JPN"]))
        a = assess(con, members, 2022, ids)
        assert assess(con, members, 2022, list(ids)) is a
        assert assess(con, members, 2022, ids[::-1]) is not a
        assert assess(con, members, 2021, ids) is not a
        assert assess(con, members, 2022, ids, thresholds=TypologyThresholds(hhi=0.3)) is not a
        report(ReportRequest(year=2022, commodities=ids, lever_file="example"), con)
        upstream_context(con, members, ids, 2022)
        with monkeypatch.context() as m:
            m.setenv("CRITMIN_PRODUCTION_PREFERENCE", "wmd")
            assert assess(con, members, 2022, ids) is not a
        assert assess(con, members, 2022, ids) is a
        monkeypatch.setenv(cache.READ_CACHE_ENV, "0")
        fresh = assess(con, members, 2022, ids)
    assert fresh is not a
    for name in ("values", "types", "packages"):
        pd.testing.assert_frame_equal(getattr(fresh, name), getattr(a, name))


def test_a_key_being_computed_is_waited_for(store_copy: Path) -> None:
    """Two threads (the web app's) asking one key at once: computed once, both answered."""
    import threading
    import time

    calls: list[int] = []

    def slow() -> str:
        calls.append(1)
        time.sleep(0.3)
        return "value"

    answers: list[str] = []
    with connect(store_copy) as con:
        def ask() -> None:
            cur = con.cursor()
            answers.append(cache.cached(cur, "slow", slow))
            cur.close()
        threads = [threading.Thread(target=ask) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert answers == ["value", "value"] and len(calls) == 1


def test_reads_independent_of_the_commodities_are_shared(
        store_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The volatilities and the country risks do not depend on the commodities asked
    about: kept once per store content (not per assessment of a commodity subset), and
    equal to a fresh read. Years are a set: the order asked in does not matter."""
    from critmin.indicators.governance import store_country_risk
    from critmin.indicators.volatility import (
        market_volatility,
        store_volatilities,
        unit_value_volatility,
    )
    from critmin.methods.meti6 import meti6_inputs
    from critmin.service.common import members_by_name, resolve_importers

    with connect(store_file) as con:
        members = members_by_name(resolve_importers(con, ["JPN"]))
        meti6_inputs(con, members, 2022, ["cobalt"])
        vol = store_volatilities(con, 10)
        risk = store_country_risk(con, [2021, 2022], "auto")
        meti6_inputs(con, members, 2022, ["graphite"])
        assert store_volatilities(con, 10) is vol
        assert store_country_risk(con, [2022, 2021], "auto") is risk
        assert store_country_risk(con, [2022], "auto") is not risk
        monkeypatch.setenv(cache.READ_CACHE_ENV, "0")
        pd.testing.assert_frame_equal(vol[0], market_volatility(con, 10))
        pd.testing.assert_frame_equal(vol[1], unit_value_volatility(con, 10))
        pd.testing.assert_frame_equal(risk, store_country_risk(con, [2021, 2022], "auto"))
