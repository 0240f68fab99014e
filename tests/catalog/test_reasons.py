"""The vocabulary of missing reasons: rendering, translation and recognition."""

from __future__ import annotations

import re

import pytest

from critmin.catalog import reasons
from critmin.catalog.reasons import (
    REASON_CODES,
    STAGE_LABELS,
    code_of,
    fields_from,
    fields_of,
    reason,
    stage_label,
    translate,
)

REQUIRED = {"no_hs_code", "no_trade_in_store", "no_imports", "production_unknown",
            "withheld", "mixed_basis", "shared_hs_code", "no_consumption",
            "no_production_series", "no_reserves_in_store", "no_country_reserves",
            "no_price_window", "no_eol_rir"}


def _sample(code: str) -> dict[str, str]:
    """Distinct, awkward field values (spaces, parentheses, colons) for ``code``."""
    values = {"stage_label": "refined products", "stage": "refining", "commodity": "cobalt",
              "hs6": "810520, 810590", "years": "2018–2022", "importer": "JPN (group)",
              "others": "gallium, germanium", "what": "production: total",
              "a": "ore (gross weight)", "b": "metal content"}
    return {f: values.get(f, f"<{f} 7>") for f in fields_of(code)}


def test_required_codes_present() -> None:
    assert REQUIRED <= set(REASON_CODES)


@pytest.mark.parametrize("code", REASON_CODES)
def test_round_trip(code: str) -> None:
    fields = _sample(code)
    text = reason(code, **fields)
    assert "{" not in text
    assert code_of(text) == code
    assert fields_from(text) == fields
    ja = translate(text, "ja")
    assert ja != text and re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", ja)
    for name, value in fields.items():
        if name not in ("stage_label", "stage", "commodity", "others", "lever"):
            assert value in ja, (name, value, ja)
    en = translate(text, "en")  # for a reader: commodity ids become names
    assert code_of(en) == code and ("commodity" not in fields or "_" not in en)
    assert reason(code, "ja", **fields) == ja  # by code, no regular expression
    assert reason(code, "en", **fields) == text


def test_stage_and_commodity_translated() -> None:
    text = reason("no_hs_code", stage_label=stage_label("mining"), commodity="lithium")
    assert text == "the catalog has no HS6 code for ores and concentrates of lithium"
    ja = translate(text, "ja")
    assert STAGE_LABELS["mining"]["ja"] in ja and "リチウム" in ja


def test_errors() -> None:
    with pytest.raises(ValueError, match="unknown missing reason"):
        reason("no_such_code")
    with pytest.raises(ValueError, match="missing"):
        reason("no_hs_code", commodity="lithium")
    with pytest.raises(ValueError, match="unexpected"):
        reason("no_eol_rir", commodity="lithium", year=2022)
    with pytest.raises(ValueError):
        stage_label("smelting")
    with pytest.raises(ValueError):
        translate("x", "de")


def test_unknown_text_unchanged() -> None:
    assert translate("some other sentence", "ja") == "some other sentence"
    assert code_of("some other sentence") is None
    assert code_of("") is None and translate("", "ja") == ""


def test_compile_rejects_format_specs() -> None:
    with pytest.raises(ValueError, match="plain name"):
        reasons._compile("x", "share {share:.0f}")


def test_japanese_reasons_read_naturally() -> None:
    """Years carry 年 and countries their Japanese names in Japanese prose; English
    keeps the codes."""
    from critmin.catalog.reasons import reason

    ja = reason("no_imports", "ja", importer="JPN", commodity="cobalt",
                stage_label="ores and concentrates", years="2022–2024")
    assert ja == "2022–2024年に日本によるコバルトの鉱石・精鉱の輸入記録がない"
    assert "by JPN" in reason("no_imports", "en", importer="JPN", commodity="cobalt",
                              stage_label="ores and concentrates", years="2022–2024")
    assert reason("production_unknown", "ja", commodity="gallium", stage="refining",
                  years="2024").startswith("2024年のガリウム")
