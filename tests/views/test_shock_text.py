"""The assumptions under every shock result, in Japanese and English, by hand."""

from __future__ import annotations

import re

import pytest

from critmin.analysis.scenarios import parse_scenario
from critmin.service.shocks import scenario_assumptions
from critmin.views import shock_text as st

SCENARIO = """\
id: t
name: Test case
name_ja: テストケース
shocks:
  - {exporter: CHN, commodity: rare_earths, stage: refining, approval_rate: 0.25,
     cut_range: [0.5, 0.95]}
  - {exporter: IDN, commodity: nickel, stage: mining, cut: 1, importers: [JPN]}
demand: {rare_earths: -0.15}
caveats: [The loss is an upper bound.]
caveats_ja: [損失は上限値です。]
"""
BLOCS = """\
id: b
name: Blocs
blocs: {cut: 0.8, members: {west: [G7, AUS], east: [CHN]}}
"""


@pytest.fixture(scope="module")
def assumed():
    return scenario_assumptions(parse_scenario(SCENARIO, "t.yaml"), 2024)


def test_percentages_and_ranges():
    assert (st.pct(0.75, "en"), st.pct(0.75, "ja")) == ("75 %", "75%")
    assert (st.pct(0.305, "en"), st.pct(0.3000000000000001, "ja")) == ("30.5 %", "30%")
    assert st.span((0.1, 0.30000000000000004), "en") == "10–30 %"
    assert st.span((0.5, 0.95), "ja") == "50〜95%"
    assert (st.span((0.0, 0.0), "en"), st.span((0.0, 0.0), "ja")) == (
        "fixed at 0 %", "0%で固定")


def test_lines_in_english(assumed):
    assert st.assumption_lines(assumed, "en") == [
        "Assumptions — trade year 2024; restricting: China (CHN), Indonesia (IDN)",
        "Cut: 75 % of Rare earths exports (refined products) from China (CHN) to every "
        "importer withheld",
        "Cut: 100 % of Nickel exports (ores and concentrates) from Indonesia (IDN) to "
        "Japan (JPN) withheld",
        "Demand change before the cuts: Rare earths −15 %",
        "Re-sourcing: exporters outside the cut may redirect ω = 20 % of their shipments "
        "to importers that lost nothing, plus spare capacity κ = 0 % of their production; "
        "every importer that lost supply re-sources the same share of its loss.",
        "Caveat: The loss is an upper bound.",
        st.text("shock_model_note", "en")]


def test_lines_in_japanese_with_the_monte_carlo_ranges(assumed):
    lines = st.assumption_lines(assumed, "ja", monte_carlo=True)
    assert lines[:5] == [
        "前提：貿易年2024年、輸出規制国：中国（CHN）、インドネシア（IDN）",
        "供給途絶：中国（CHN）から全輸入国へのレアアース（製錬品）の輸出の75%を停止",
        "供給途絶：インドネシア（IDN）から日本（JPN）へのニッケル（鉱石・精鉱）の輸出の"
        "100%を停止",
        "需要変化（供給途絶の前に適用）：レアアース−15%",
        "代替調達：規制国以外の輸出国が、供給を失っていない輸入国向け出荷のω=20%を振り"
        "向け、さらに生産量のκ=0%の余剰能力から供給すると仮定。供給を失った輸入国はいずれ"
        "も損失の同じ割合を代替調達。"]
    # nickel's cut 1 ± 0.15 is drawn from 85–100 %
    assert lines[5] == ("モンテカルロ（一様分布で抽出）：削減率50〜95%、85〜100%、"
                        "ω：10〜30%、κ：0%で固定。")
    assert lines[6] == "留意事項：損失は上限値です。"
    for line in lines:  # no ids, no English words but ω, κ, HS, [C] and the doc's path
        words = set(re.findall(r"[A-Za-z_]+", line)) - {"CHN", "IDN", "JPN", "HS", "C",
                                                         "docs", "shocks", "md"}
        assert not words, (line, words)


def test_titles_and_blocs(assumed):
    assert st.title(assumed, "scenario run", "ja") == "テストケース（貿易年2024年）"
    assert st.title(assumed, "scenario run", "en") == "Test case — trade year 2024"
    one = scenario_assumptions(parse_scenario(
        "id: s\nname: x\nshocks:\n  - {exporter: CHN, commodity: graphite, cut: 0.5}\n",
        "s.yaml"), 2022)
    assert st.scenario_name(one, "shock", "ja") == "中国（CHN）による黒鉛の輸出50%削減"
    assert st.scenario_name(one, "shock", "en") == (
        "Graphite (natural) exports from China (CHN) cut by 50 %")
    blocs = scenario_assumptions(parse_scenario(BLOCS, "b.yaml"), 2023)
    assert st.cut_lines(blocs, "ja") == [
        "ブロック化：「G7、オーストラリア」と「中国」の間の貿易の80%を停止（ブロックを"
        "またぐ代替調達なし）"]
    assert st.cut_lines(blocs, "en") == [
        "Blocs: 80 % of trade between (G7, Australia) and (China) withheld; no "
        "re-sourcing across blocs"]
    assert st.assumption_lines(blocs, "en")[0] == (
        "Assumptions — trade year 2023; restricting: G7, Australia (AUS), China (CHN)")


def test_missing_reasons_once_each_in_the_language():
    from critmin.catalog.reasons import reason

    why = reason("no_hs_code", stage_label="mining", commodity="lithium")
    assert st.missing_lines([why, "", why], "en") == [f"No figures: {why}"]
    (ja,) = st.missing_lines([why], "ja")
    assert ja.startswith("数値なし：") and "lithium" not in ja and "リチウム" in ja
