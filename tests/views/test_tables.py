"""Terminal tables for people: significant figures, widths, hoisted columns, Japanese
line breaks — hand-checked cases."""

from __future__ import annotations

from rich.cells import cell_len

from critmin.views.tables import (
    cell,
    column_widths,
    common_values,
    fit_columns,
    least_cells,
    number,
    wrap_japanese,
)


def test_numbers_to_three_significant_figures() -> None:
    assert number(60825.16100000001) == "60,825"
    assert number(0.5677988979264287) == "0.568"
    assert number(4.502513) == "4.5"
    assert number(0.00008400) == "8.4e-05"
    assert number(0.0) == "0"
    assert number(2024, "year") == "2024" and number(1264888) == "1,264,888"
    assert number(True) == "✓" and number(False) == ""


def test_ids_become_names_in_the_reader_language() -> None:
    assert cell("rare_earths", "commodity", "ja") == "レアアース"
    assert cell("rare_earths", "commodity", "en") == "Rare earths"
    assert cell("refining", "stage", "ja") == "製錬"
    assert cell(None, "commodity", "ja") == ""


def test_columns_fit_in_order_up_to_the_first_that_does_not() -> None:
    headers = ["Commodity", "Value", "A very long header"]
    columns = [["graphite"], ["0.5"], ["x" * 60]]
    # 1 + (9+3) + (5+3) = 21 cells; the third needs 18 + 3 more but only as a word
    assert fit_columns(headers, columns, 40) == [0, 1]
    assert fit_columns(headers, columns, 100) == [0, 1, 2]


def test_a_japanese_column_is_never_narrower_than_four_characters_of_its_text() -> None:
    """Japanese breaks anywhere, so one character is no least width: a column holding it
    gets 8 cells (or its widest text, if narrower), and fewer columns fit at a width."""
    assert least_cells("Commodity", ["graphite"]) == 9            # English: longest word
    assert least_cells("鉱種", ["アルミニウム"]) == 8                # not 2 (one character)
    assert least_cells("鉱種", ["銅"]) == 4                          # its widest text
    assert least_cells("調達額（通貨/年）", ["2,080,000"]) == 9      # a longer word
    headers = ["鉱種", "最大供給国", "象限"]
    columns = [["アルミニウム"], ["CHN"], ["低シェア×高リスク"]]
    # 1 + (8+3) + (8+3) = 23 cells; the third needs 11 more
    assert fit_columns(headers, columns, 30) == [0, 1]
    assert fit_columns(headers, columns, 34) == [0, 1, 2]


def test_room_is_shared_by_what_each_column_lacks() -> None:
    # 80 cells, least 10 and 10 (+3 borders each, +1): 53 left; lacks 40 and 20 → 2:1
    assert column_widths([10, 10], [50, 30], 80) == [10 + 53 * 40 // 60, 10 + 53 * 20 // 60]
    assert column_widths([10, 10], [12, 15], 80) == [12, 15]


def test_constant_text_columns_are_hoisted_and_empty_ones_dropped() -> None:
    empty, same = common_values(["importer", "value", "note"],
                                [["JPN", "JPN"], ["1", "1"], ["", ""]],
                                [False, True, False])
    assert empty == [2] and same == [0]  # a constant number stays in the table


def test_japanese_breaks_between_characters_not_inside_latin_words() -> None:
    text = "数値なし：2024 の黒鉛の製錬品の HS6 コード（380110）の貿易データがない"
    wrapped = wrap_japanese(text, 20)
    assert all(cell_len(line) <= 20 for line in wrapped.splitlines())
    assert "380110" in wrapped.replace("\n", "")  # the code is never cut
    assert wrapped.replace("\n", "").replace(" ", "") == text.replace(" ", "")
    assert wrap_japanese("plain English words", 5) == "plain English words"


def test_every_build_step_has_japanese(imported_store) -> None:
    """Every step the build and the imports write to ``build_log`` (the bundle and the
    three official releases) is in ``build_steps.csv``, so ``data status --lang ja``
    shows no English step."""
    import duckdb

    from critmin.views.tables import _build_steps, cell

    con = duckdb.connect(str(imported_store), read_only=True)
    steps = [r[0] for r in con.execute("select distinct step from build_log").fetchall()]
    con.close()
    assert len(steps) > 30
    assert [s for s in steps if s not in _build_steps()] == []
    assert cell("cells flagged withheld", "step", "ja") == "フラグ「非公表（W）」のセル"
    assert cell("cells flagged withheld", "step", "en") == "cells flagged withheld"


def test_id_like_values_get_their_names() -> None:
    """Quadrants, bases, cube cells, signal tiers and rules, blocs, families and validate's
    statuses are shown by name in Japanese (a Japanese CSV adds their （名称） column)."""
    from critmin.views.tables import cell

    assert cell("high share × low risk", "quadrant", "ja") == "高シェア×低リスク"
    assert cell("high/low/high", "cube_cell", "ja") == "高/低/高"
    assert cell("immediate", "tier", "ja") == "即時対応"
    assert cell("import_volume_drop", "rule", "ja") == "輸入量の急減"
    assert cell("R3", "rule", "ja") == "R3"              # an assessment's rule stays
    assert cell("west, china", "blocs", "ja") == "西側、中国側"
    assert cell("industrial_mineral", "family", "ja") == "工業用鉱物"
    assert cell("disagree", "status", "ja") == "不一致"
    assert cell("high share × low risk", "quadrant", "en") == "high share × low risk"


def test_shares_are_percentages_for_people() -> None:
    """A ``*_share`` column reads as a percentage in tables (CSV/JSON keep the fraction)."""
    from critmin.views.tables import cell

    assert cell(0.38275, "shortfall_share", "en") == "38.3 %"
    assert cell(0.38275, "shortfall_share", "ja") == "38.3%"
    assert cell(0.85, "top_share", "en") == "85 %"
    assert cell(0.38275, "hhi", "en") == "0.383"


def test_year_span() -> None:
    from critmin.views.tables import year_span

    assert (year_span(2018, 2024), year_span(2023, 2023), year_span(None, None)) == (
        "2018–2024", "2023", "")
