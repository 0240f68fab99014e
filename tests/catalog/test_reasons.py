"""The vocabulary of missing reasons: rendering by code, joining, arrays."""

from __future__ import annotations

import pickle
import re

import numpy as np
import pytest

from critmin.catalog.reasons import (
    REASON_CODES,
    STAGE_LABELS,
    Phrase,
    code_of,
    fields_of,
    join_phrases,
    note_array,
    reason,
    reason_array,
    split_phrases,
    stage_label,
)

REQUIRED = {"no_hs_code", "no_trade_in_store", "no_imports", "production_unknown",
            "withheld", "mixed_basis_reliance", "mixed_basis_own_production",
            "shared_hs_code", "no_consumption",
            "no_production_series", "no_reserves_in_store", "no_country_reserves",
            "no_price_window", "no_eol_rir"}


def _sample(code: str) -> dict[str, str]:
    """Distinct, awkward field values (spaces, parentheses, colons) for ``code``."""
    values = {"stage_label": "refining", "stage": "refining", "commodity": "cobalt",
              "hs6": "810520, 810590", "years": "2018–2022", "importer": "JPN (group)",
              "others": "gallium, germanium", "what": "production: total",
              "a": "ore (gross weight)", "b": "metal content"}
    return {f: values.get(f, f"<{f} 7>") for f in fields_of(code)}


def test_required_codes_present() -> None:
    assert REQUIRED <= set(REASON_CODES)


@pytest.mark.parametrize("code", REASON_CODES)
def test_every_reason_carries_its_code_and_renders_by_it(code: str) -> None:
    fields = _sample(code)
    text = reason(code, **fields)
    assert isinstance(text, Phrase) and "{" not in text
    assert code_of(text) == code and text.fields == fields
    ja = text.render("ja")
    assert not isinstance(ja, Phrase) and "{" not in ja
    assert ja != text and re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", ja)
    for name, value in fields.items():
        if name not in ("stage_label", "stage", "commodity", "others", "lever"):
            assert value in ja, (name, value, ja)
    en = text.render("en")  # for a reader: commodity ids become names
    assert "commodity" not in fields or "_" not in en


def test_stage_and_commodity_translated() -> None:
    text = reason("no_hs_code", stage_label="mining", commodity="rare_earths")
    assert text == "the catalog has no HS6 code for ores and concentrates of rare_earths"
    assert text.render("en") == ("the catalog has no HS6 code for ores and concentrates "
                                 "of rare earths")
    ja = text.render("ja")
    assert STAGE_LABELS["mining"]["ja"] in ja and "レアアース" in ja
    shared = reason("shared_hs_code", hs6="811292", others="germanium, indium",
                    commodity="gallium")
    assert "ゲルマニウム、インジウム" in shared.render("ja")


def test_errors() -> None:
    with pytest.raises(ValueError, match="unknown missing reason"):
        reason("no_such_code")
    with pytest.raises(ValueError, match="missing"):
        reason("no_hs_code", commodity="lithium")
    with pytest.raises(ValueError, match="unexpected"):
        reason("no_eol_rir", commodity="lithium", year=2022)
    with pytest.raises(ValueError):
        stage_label("smelting")
    with pytest.raises(ValueError, match="unknown language"):
        reason("no_eol_rir", commodity="lithium").render("de")
    with pytest.raises(TypeError, match="not a phrase"):
        join_phrases(["some other sentence"])
    with pytest.raises(TypeError, match="not a phrase"):
        split_phrases("some other sentence")
    assert code_of("some other sentence") is None and code_of("") is None


def test_joined_reasons_keep_their_parts() -> None:
    a = reason("no_eol_rir", commodity="lithium")
    b = reason("no_production_series", commodity="cobalt")
    assert join_phrases([]) == "" and join_phrases(["", None]) == ""
    assert join_phrases(["", a, a]) is a
    both = join_phrases([a, "", b, a])
    assert both == f"{a}; {b}" and code_of(both) is None
    assert split_phrases(both) == [a, b] and split_phrases(a) == [a] and split_phrases("") == []
    assert both.render("ja") == f"{a.render('ja')}；{b.render('ja')}"
    assert join_phrases([both, b]) == both   # flattened, each once
    again = pickle.loads(pickle.dumps(both))
    assert again == both and again.render("ja") == both.render("ja")


def test_reason_array_gives_one_reason_per_distinct_text() -> None:
    out = reason_array("no_imports", stage_label="mining",
                       commodity=np.array(["cobalt", "lithium", "cobalt"]), importer="JPN",
                       years=np.array([2022, 2023, 2022]))
    assert list(out) == [reason("no_imports", stage_label="mining",
                                commodity=c, importer="JPN", years=y)
                         for c, y in [("cobalt", 2022), ("lithium", 2023), ("cobalt", 2022)]]
    assert out[0] is out[2] and out[1].fields["years"] == "2023"
    assert out[1].render("ja") == "2023年に日本によるリチウムの鉱石・精鉱の輸入記録がない"
    assert len(reason_array("no_eol_rir", commodity=np.array([], dtype=object))) == 0


def test_japanese_reasons_read_naturally() -> None:
    """Years carry 年 and countries their Japanese names in Japanese prose; English
    keeps the codes."""
    no_imports = reason("no_imports", importer="JPN", commodity="cobalt",
                        stage_label="mining", years="2022–2024")
    assert no_imports.render("ja") == "2022–2024年に日本によるコバルトの鉱石・精鉱の輸入記録がない"
    assert "by JPN" in no_imports and "by JPN" in no_imports.render("en")
    assert reason("production_unknown", commodity="gallium", stage="refining",
                  years="2024").render("ja").startswith("2024年のガリウム")


def test_one_text_from_different_fields_keeps_each_phrases_fields() -> None:
    made = note_array("detail_top", country=np.array(["A 1", "A"]),
                      pct=np.array(["2", "1 2"]), years="2020")
    assert made[0] == made[1] == "top A 1 2 %; 2020"
    assert [m.fields["country"] for m in made] == ["A 1", "A"]


def test_grid_reasons_per_cell_in_any_order() -> None:
    """Cells of a grid (rows × importers) in row order, in column order and shuffled with
    a repeat: each cell its own reason with its fields, as :func:`reason` makes it one by
    one; the phrases keep code and fields through pickling."""
    from critmin.catalog.reasons import grid_reasons

    rows = {"commodity": np.array(["cobalt", "lithium"], dtype=object),
            "stage_label": np.array(["mining", "mining"], dtype=object),
            "years": np.array([2022, 2023], dtype=object)}
    importers = ("importer", np.array(["JPN", "EU27", "KOR"], dtype=object))
    for row_ix, col_ix in ((np.array([0, 0, 1, 1]), np.array([0, 2, 1, 2])),
                           (np.array([0, 1, 0, 1]), np.array([0, 0, 2, 2])),  # by column
                           (np.array([1, 0, 1, 0]), np.array([2, 2, 1, 2]))):
        out = grid_reasons("no_imports", rows, importers, row_ix, col_ix)
        want = [reason("no_imports", commodity=rows["commodity"][r], stage_label="mining",
                       years=rows["years"][r], importer=importers[1][c])
                for r, c in zip(row_ix, col_ix, strict=True)]
        assert list(out) == want
        assert [code_of(p) for p in out] == ["no_imports"] * 4
        assert [p.fields for p in out] == [w.fields for w in want]
        again = pickle.loads(pickle.dumps(out[1]))
        assert again == out[1] and again.fields == out[1].fields
        assert again.render("ja") == want[1].render("ja")
