"""The interface strings and column headers: well-formed files, one definition per key,
both languages filled in."""

from __future__ import annotations

import csv
import string
from importlib import resources

import pytest

from critmin.views import i18n

DATA = resources.files("critmin.views").joinpath("data")
FILES = sorted(e.name for e in DATA.iterdir()
               if e.name.endswith(".csv") and (e.name.startswith("strings")
                                                or e.name == "columns.csv"))


@pytest.mark.parametrize("name", FILES)
def test_rows_have_exactly_the_header_fields(name: str) -> None:
    """A comma in an unquoted field would silently cut a string (it did: '{n:,}')."""
    rows = list(csv.reader(DATA.joinpath(name).read_text(encoding="utf-8").splitlines()))
    width = len(rows[0])
    bad = [(i + 1, r) for i, r in enumerate(rows) if len(r) != width]
    assert not bad, f"{name}: rows with the wrong number of fields {bad[:3]}"
    empty = [r[0] for r in rows[1:] if not r[1].strip() or not r[2].strip()]
    assert not empty, f"{name}: keys without en or ja text {empty}"


@pytest.mark.parametrize("name", FILES)
def test_placeholders_match_between_languages(name: str) -> None:
    fields = string.Formatter()
    for r in csv.DictReader(DATA.joinpath(name).read_text(encoding="utf-8").splitlines()):
        en = {f for _, f, _, _ in fields.parse(r["en"]) if f}
        ja = {f for _, f, _, _ in fields.parse(r["ja"]) if f}
        assert en == ja, f"{name} {r['key']}: en has {en}, ja has {ja}"


def test_every_interface_key_defined_once() -> None:
    i18n._strings.cache_clear()
    assert i18n.text("importer", "ja") == "輸入国"
    assert i18n.text("hidden_columns", "en").startswith("Not shown")


def test_indicator_names_cover_the_engine() -> None:
    from critmin.indicators.engine import INDICATORS

    for ind in INDICATORS:
        assert i18n.label("indicator", ind, "ja") and i18n.label("indicator", ind, "en")


@pytest.mark.parametrize("name", FILES)
def test_no_line_breaks_inside_strings(name: str) -> None:
    """The files are read line by line: a quoted line break would be lost."""
    rows = list(csv.reader(DATA.joinpath(name).read_text(encoding="utf-8").splitlines()))
    lines = DATA.joinpath(name).read_text(encoding="utf-8").splitlines()
    assert len(rows) == len(lines)
