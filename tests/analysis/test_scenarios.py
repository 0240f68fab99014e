"""Scenario files: parsing, line-numbered errors, the shipped library."""

from __future__ import annotations

import pytest

from critmin.analysis.scenarios import library, parse_scenario
from critmin.catalog.commodities import resolve_commodity
from critmin.errors import CritminError

GOOD = """\
id: t
name: test
shocks:
  - exporter: CHN
    commodity: 黒鉛
    stage: [mining, refining]
    approval_rate: 0.25
"""


def test_parse_and_licence_rate():
    sc = parse_scenario(GOOD, "t.yaml", resolve_commodity)
    assert [s.stage for s in sc.shocks] == ["mining", "refining"]
    assert sc.shocks[0].commodity_id == "graphite" and sc.shocks[0].cut == pytest.approx(0.75)
    assert sc.redirect_share == 0.2


@pytest.mark.parametrize("text, line, words", [
    ("id: t\nname: n\nshocks:\n  - exporter: CHN\n    commodity: graphite\n    cut: 1.5\n",
     4, "within 0–1"),
    ("id: t\nname: n\nshocks:\n  - exporter: CHN\n    commodity: graphite\n", 4,
     "either 'cut' or 'approval_rate'"),
    ("id: t\nname: n\nshocks:\n  - exporter: CHN\n    commodity: unobtainium\n    cut: 1\n",
     4, "unknown mineral"),
    ("id: t\nname: n\nshocks:\n  - exporter: CHN\n    commodity: graphite\n    cut: 1\n"
     "    stage: smelting\n", 4, "unknown stage"),
    ("id: t\nname: n\nshockz: []\n", 1, "unknown key"),
    ("id: t\nname: n\nshocks:\n  - exporter: CHN\n   commodity: x\n", 5, "not valid YAML"),
    ("- just a list\n", 1, "a scenario is a mapping"),
])
def test_malformed_files_name_the_line(text, line, words):
    with pytest.raises(CritminError) as err:
        parse_scenario(text, "bad.yaml", resolve_commodity)
    assert f"bad.yaml line {line}" in str(err.value) and words in str(err.value)


def test_library_cites_source_and_date():
    lib = library()
    assert {"cn_gallium_germanium_2023", "cn_graphite_2023", "cn_antimony_2024",
            "cn_five_metals_2025", "cn_heavy_rare_earths_2025", "idn_nickel_ore_2020",
            "idn_bauxite_2023", "bloc_formation", "resource_nationalism_2",
            "substitution_acceleration"} <= set(lib)
    for sid, res in lib.items():
        sc = parse_scenario(res.read_text(encoding="utf-8"), sid, resolve_commodity)
        assert sc.source and sc.date, sid
    ree = parse_scenario(lib["cn_heavy_rare_earths_2025"].read_text(encoding="utf-8"))
    assert ree.shocks[0].cut == pytest.approx(0.75)


def test_resourcing_settings_and_their_monte_carlo_ranges():
    text = GOOD + ("resourcing: {redirect_share: 0.5, spare_capacity: 0.4, "
                   "spare_capacity_range: [0.1, 0.6]}\n")
    sc = parse_scenario(text, "t.yaml", resolve_commodity)
    assert (sc.redirect_share, sc.spare_capacity) == (0.5, 0.4)
    assert sc.redirect_bounds() == (0.25, 0.75) and sc.spare_bounds() == (0.1, 0.6)
    default = parse_scenario(GOOD, "t.yaml", resolve_commodity)
    assert default.redirect_bounds() == pytest.approx((0.1, 0.3))
    assert default.spare_bounds() == (0.0, 0.0)
    assert default.shocks[0].cut_bounds() == pytest.approx((0.6, 0.9))


@pytest.mark.parametrize("resourcing, words", [
    ("{redirect_share: 0.5, redirect_share_range: [0.6, 0.9]}", "around redirect_share"),
    ("{spare_capacity: 2}", "within 0–1"),
    ("{redirect: 0.5}", "unknown resourcing key"),
])
def test_bad_resourcing_names_the_line(resourcing, words):
    with pytest.raises(CritminError, match=words) as err:
        parse_scenario(GOOD + f"resourcing: {resourcing}\n", "bad.yaml", resolve_commodity)
    assert "bad.yaml line" in str(err.value)
