"""Switching price of a scrap stream (methods.md §16): the closed form against a hand
computation, the tornado, the cost breakdown, the price history and bad parameter files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from critmin.analysis import economics as eco
from critmin.errors import CritminError

SIMPLE = """\
id: simple
name: Simple stream
name_ja: 単純な例
commodity: cobalt
product: cobalt
product_ja: コバルト
feed: t of feed
feed_ja: 原料 1 t
price:
  unit: USD/t
  series: []
  source: "test [C]"
parameters:
  content: {value: 0.01, low: 0.005, source: "test [C]"}
  yield: {value: 0.8, source: "test [C]"}
  payable: {value: 0.5, source: "test [C]"}
  collection: {value: 100, source: "test [C]"}
  dismantling: {value: 50, source: "test [C]"}
  processing: {value: 30, source: "test [C]"}
  refining: {value: 20, source: "test [C]"}
  credits: {value: 40, source: "test [C]"}
  subsidy: {value: 10, source: "test [C]"}
"""


def write(tmp_path: Path, text: str, name: str = "stream.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_switching_price_of_a_simple_cost_model(tmp_path: Path) -> None:
    # net cost per t of feed: 100 + 50 + 30 + 20 + 0 − 40 − 10 = 150 USD;
    # product paid per t of feed: 0.01 · 0.8 · 0.5 = 0.004 t → P* = 150 / 0.004 = 37,500
    stream = eco.read_stream(write(tmp_path, SIMPLE))
    assert float(eco.stream_switching_price(eco.base_values(stream))) == pytest.approx(37500)
    assert eco.switching_price(0.01, 0.8, 0.5, 100, 50, 30, 20, 0, 40, 10) == \
        pytest.approx(37500)
    # vectorised: one call for many parameter sets; credits above the costs → P* < 0
    p = eco.switching_price(np.array([0.01, 0.02]), 0.8, 0.5, 100, credits=np.array([0, 200]))
    # (100 − 0) / (0.01·0.8·0.5) = 25,000; (100 − 200) / (0.02·0.8·0.5) = −12,500
    assert p == pytest.approx([25000, -12500])


def test_tornado_and_cost_breakdown(tmp_path: Path) -> None:
    stream = eco.read_stream(write(tmp_path, SIMPLE))
    torn = eco.tornado(stream).set_index("parameter")
    # content: the file's low 0.005 → 150 / (0.005·0.4) = 75,000; high = +25 % (0.0125)
    # → 150 / (0.0125·0.4) = 30,000
    row = torn.loc["content"]
    assert (row["low_value"], row["high_value"]) == pytest.approx((0.005, 0.0125))
    assert (row["switching_low"], row["switching_high"]) == pytest.approx((75000, 30000))
    assert torn.index[0] == "content" and torn["swing"].is_monotonic_decreasing
    # a cost at ± 25 %: collection 75 → 125 moves P* by ± 25 / 0.004 = ± 6,250
    assert torn.loc["collection", "swing"] == pytest.approx(12500)
    # payable capped at 1
    assert torn.loc["payable", "high_value"] == pytest.approx(0.625)
    costs = eco.cost_breakdown(stream)
    assert costs["per_product"].sum() == pytest.approx(37500)
    assert costs.set_index("item").loc["credits", "per_feed"] == -40


def test_paid_years_and_annual_prices() -> None:
    months = [f"2021-{m:02d}" for m in range(1, 13)] + ["2022-01"]
    rows = pd.DataFrame({"series": "pink", "period": months, "value": [1.0] * 12 + [5.0],
                         "unit": "USD/kg"})
    rows = pd.concat([rows, pd.DataFrame({"series": ["usgs", "usgs"],
                                          "period": ["2021", "2022"], "value": [9.0, 3.0],
                                          "unit": "USD/kg"})])
    annual = eco.annual_market_prices(rows, ["pink", "usgs"])
    # 2021: the monthly series (first in order) with all twelve months; 2022: its single
    # month is not a year, so the annual series; USD/kg → USD/t
    assert annual.to_dict("list") == {"year": [2021, 2022], "series": ["pink", "usgs"],
                                      "price": [1000.0, 3000.0]}
    paid = eco.paid_years(annual, 2000.0)
    assert paid["pays"].tolist() == [False, True]
    assert paid["margin"].tolist() == [-1000.0, 1000.0]
    uv = eco.unit_value_prices(pd.DataFrame({"hs6": ["711011"], "year": [2020],
                                             "price": [28.0]}), 1000.0)
    assert uv.to_dict("records") == [{"year": 2020, "series": "uv:711011", "price": 28000.0}]


def test_shipped_streams() -> None:
    ids = list(eco.library("recycling"))
    assert ids == ["black_mass_lfp", "black_mass_nmc", "ndfeb_hdd", "ndfeb_motor",
                   "pgm_autocatalyst"]
    for sid in ids:
        s = eco.read_stream(sid)
        assert float(eco.stream_switching_price(eco.base_values(s))) > 0, sid
        assert all(eco.TAG.search(p.source) for p in (s.parameters.get(k) for k in
                                                    eco.PARAMETERS) if p is not None)


@pytest.mark.parametrize(("change", "line", "field"), [
    ("  yield: {value: 0.8, source: \"test [C]\"}",
     "  yield: {value: 1.5, source: \"test [C]\"}", "parameters.yield"),
    ("  payable: {value: 0.5, source: \"test [C]\"}",
     "  payable: {value: 0.5, source: \"no tag\"}", "parameters.payable.source"),
    ("  refining: {value: 20, source: \"test [C]\"}",
     "  refining: {value: lots, source: \"test [C]\"}", "parameters.refining.value"),
    ("  subsidy: {value: 10, source: \"test [C]\"}",
     "  subsidies: {value: 10, source: \"test [C]\"}", "parameters.subsidies"),
    ("  unit: USD/t", "  unit: bananas", "price.unit"),          # not a price unit
    ("  refining: {value: 20, source: \"test [C]\"}",
     "  refining: {value: .nan, source: \"test [C]\"}", "parameters.refining.value"),
    ("  refining: {value: 20, source: \"test [C]\"}",
     "  refining: {value: 1e308, source: \"test [C]\"}", "parameters.refining"),
    ("  yield: {value: 0.8, source: \"test [C]\"}",
     "  yield: {value: 0.8, low: 0.95, high: 0.9, source: \"test [C]\"}",
     "parameters.yield"),                                          # low above value
])
def test_bad_stream_files_name_line_and_field(tmp_path: Path, change: str, line: str,
                                               field: str) -> None:
    text = SIMPLE.replace(change, line)
    number = text.splitlines().index(line) + 1
    with pytest.raises(CritminError) as err:
        eco.read_stream(write(tmp_path, text))
    message = str(err.value)
    assert f"line {number}: {field}" in message, message
    assert "stream.yaml" in message


def test_bad_yaml_and_missing_fields(tmp_path: Path) -> None:
    with pytest.raises(CritminError, match=r"line 3: not valid YAML"):
        eco.read_stream(write(tmp_path, "id: x\nname: [unclosed\nfoo: bar: baz\n"))
    with pytest.raises(CritminError, match=r"parameters: Field required"):
        eco.read_stream(write(tmp_path, SIMPLE.split("parameters:")[0]))
    with pytest.raises(CritminError, match=r"line 4: commodity: unknown"):
        eco.read_stream(write(tmp_path, SIMPLE.replace("commodity: cobalt",
                                                       "commodity: unobtainium")))
    with pytest.raises(CritminError, match="neither a file nor a shipped"):
        eco.read_stream("no_such_stream")


def test_field_lines() -> None:
    lines = eco.field_lines(textwrap.dedent("""\
        a: 1
        b:
          c: [1, 2]
          d:
            - x: 1
            - x: 2
        """))
    assert lines[("a",)] == 1 and lines[("b", "c")] == 3 and lines[("b", "d", 1)] == 6
    assert lines[("b", "d", 1, "x")] == 6
