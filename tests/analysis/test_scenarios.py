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
    ("id: t\nname: n\nshockz: []\n", 1, "unknown scenario key(s) shockz"),
    ("id: t\nname: n\nshocks:\n  - exporter: CHN\n   commodity: x\n", 5, "not valid YAML"),
    ("- just a list\n", 1, "a scenario is a mapping"),
])
def test_malformed_files_name_the_line(text, line, words):
    with pytest.raises(CritminError) as err:
        parse_scenario(text, "bad.yaml", resolve_commodity)
    assert f"bad.yaml line {line}" in str(err.value) and words in str(err.value)
    from critmin.views.errors import error_message

    ja = error_message(err.value, "ja")   # said in Japanese, at the same line
    assert ja.startswith(f"bad.yaml の {line} 行目：") and "not valid" not in ja, ja


def test_caveats_in_both_languages_and_shock_notes():
    text = GOOD + ("caveats: [one, two]\ncaveats_ja: [一つ目, 二つ目]\n")
    sc = parse_scenario(text, "t.yaml", resolve_commodity)
    assert sc.caveat_texts() == (("one", "two"), ("一つ目", "二つ目"))
    # a shock's note is a caveat too, as written, once; a single text is a list of one
    noted = GOOD.replace("approval_rate: 0.25", "approval_rate: 0.25\n    note: guess")
    sc = parse_scenario(noted + "caveats: only English\n", "t.yaml", resolve_commodity)
    assert sc.caveat_texts() == (("only English", "guess"), ("only English", "guess"))
    assert parse_scenario(GOOD, "t.yaml", resolve_commodity).caveat_texts() == ((), ())


@pytest.mark.parametrize("extra, words", [
    ("caveats: [one, two]\ncaveats_ja: [一つ]\n", "one Japanese text per caveat \\(2 in"),
    ("caveats: [1]\n", "'caveats' is a text or a list of texts"),
])
def test_bad_caveats_name_the_line(extra, words):
    with pytest.raises(CritminError, match=words) as err:
        parse_scenario(GOOD + extra, "bad.yaml", resolve_commodity)
    assert "bad.yaml line 1" in str(err.value)


def test_library_caveats_in_natural_japanese():
    """Every shipped scenario states its caveats in both languages, one Japanese text
    per English one, with no English words in the Japanese ones (but the source codes,
    HS6 and [C])."""
    import re

    for sid, res in library().items():
        sc = parse_scenario(res.read_text(encoding="utf-8"), sid, resolve_commodity)
        assert sc.caveats and len(sc.caveats_ja) == len(sc.caveats), sid
        assert sc.name_ja, sid
        for ja in sc.caveats_ja:
            assert set(re.findall(r"[A-Za-z_]+", ja)) <= {"seed", "HS", "C"}, (sid, ja)
    ree = parse_scenario(library()["cn_heavy_rare_earths_2025"].read_text(encoding="utf-8"))
    assert any("upper bound" in c for c in ree.caveats)
    assert any("上限値" in c for c in ree.caveats_ja)


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


def test_a_scenario_file_in_shift_jis_or_with_a_bom(tmp_path):
    """A Shift-JIS file was an internal error (UnicodeDecodeError); UTF-8 with the
    byte-order mark Windows editors write is read."""
    from critmin.analysis.scenarios import read_scenario_text

    text = "id: t\nname: 黒鉛の輸出規制\nshocks: []\n"
    sjis = tmp_path / "sjis.yaml"
    sjis.write_bytes(text.encode("cp932"))
    with pytest.raises(CritminError, match="sjis.yaml: not UTF-8 text .*Shift-JIS"):
        read_scenario_text(str(sjis))
    marked = tmp_path / "marked.yaml"
    marked.write_bytes(text.encode("utf-8-sig"))
    assert read_scenario_text(str(marked)) == (text, str(marked))
