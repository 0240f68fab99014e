"""The assessment report (HTML + Excel) in both languages, checked in headless Chromium:
the workbook's layout and sheets (same columns in ja and en), the methods and glossary
section, no id in the Japanese report's visible text, no id ending an English reason."""

from __future__ import annotations

import html
import re
import string
from html.parser import HTMLParser

import openpyxl
import pytest
from typer.testing import CliRunner

from critmin.catalog.langs import LANGS
from critmin.methods.meti6 import axis_ids
from critmin.sources.values import read_excel
from critmin.views.cli import app
from critmin.views.excel import display_width
from critmin.views.i18n import all_labels, label, reason, text
from critmin.views.report_methods import LEVEL_CLASSES, glossary, glossary_keys
from tests.conftest import screens

runner = CliRunner()
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
"""A snake_case id (``rare_earths``, ``mine_oligopoly``); none may be shown in the ja
report (no column is exempt: source ids are written with hyphens)."""


def test_every_label_exists_in_both_languages():
    for key, names in all_labels().items():
        for lang in LANGS:
            assert names[lang].strip(), f"{key} has no {lang} label"
    jp = {k: v for k, v in all_labels().items() if k[0] in ("axis", "type", "measure", "level")}
    assert all(v["ja"] != v["en"] for v in jp.values())


@pytest.fixture(scope="module")
def reports(tmp_path_factory, imported_store):
    import os

    home = tmp_path_factory.mktemp("home")
    (home / "critmin.duckdb").symlink_to(imported_store)
    out = tmp_path_factory.mktemp("reports")
    old = os.environ.get("CRITMIN_HOME")
    os.environ["CRITMIN_HOME"] = str(home)
    try:
        paths = {}
        for lang in LANGS:
            result = runner.invoke(app, ["report", "-i", "JPN", "--year", "2023", "--lang", lang,
                                         "--set", "seed13", "--levers", "example",
                                         "--out", str(out)])
            assert result.exit_code == 0, result.output
            paths[lang] = out / f"report_JPN_2023_{lang}"
    finally:
        if old is None:
            os.environ.pop("CRITMIN_HOME")
        else:
            os.environ["CRITMIN_HOME"] = old
    return paths


def test_workbook_has_the_report_tables(reports):
    sheets = read_excel(reports["en"].with_suffix(".xlsx"), sheet_name=None)
    assert list(sheets) == ["Summary", "Radar charts", "Indicators",
                            "Types and policy packages", "Data gaps", "Policy what-if",
                            "Lever", "Estimates", "Sources", "Metadata"]
    assert len(sheets["Summary"]) == 13
    ja = read_excel(reports["ja"].with_suffix(".xlsx"), sheet_name=None)
    assert "概要" in ja and "鉱種" in ja["概要"].columns
    # every column header of the Japanese workbook is Japanese (or an id/ISO code)
    for name, frame in ja.items():
        for col in frame.columns:
            assert not str(col).isascii() or str(col) in ("ID",), (name, col)


def test_japanese_reasons_are_all_translated(reports):
    gaps = read_excel(reports["ja"].with_suffix(".xlsx"), sheet_name="データの欠落")
    assert len(gaps) > 0
    assert all(not str(r).isascii() for r in gaps["欠測"])
    with pytest.raises(KeyError):
        reason("an unknown reason", "ja")


class _Visible(HTMLParser):
    """The text a reader sees: every text node outside <script>, <style> and <title>."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style", "title")

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style", "title")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Visible()
    parser.feed(page)
    return " ".join(parser.parts)


@pytest.fixture(scope="module")
def books(reports):
    return {lang: openpyxl.load_workbook(reports[lang].with_suffix(".xlsx")) for lang in LANGS}


@pytest.fixture(scope="module")
def pages(reports):
    return {lang: reports[lang].with_suffix(".html").read_text(encoding="utf-8")
            for lang in LANGS}


def _header(ws) -> list[str]:
    return [c.value for c in ws[1]]


def _keys(value: str, lang: str) -> set[tuple[str, str]]:
    """The label keys whose text in ``lang`` is ``value`` (a header may be several)."""
    return {k for k, names in all_labels().items() if names[lang] == value}


def test_same_sheets_and_columns_in_both_languages(books):
    ja, en = books["ja"], books["en"]
    assert len(ja.sheetnames) == len(en.sheetnames) == 10
    for ws_ja, ws_en in zip(ja.worksheets, en.worksheets, strict=True):
        assert _keys(ws_ja.title, "ja") & _keys(ws_en.title, "en"), ws_en.title
        head_ja, head_en = _header(ws_ja), _header(ws_en)
        assert len(head_ja) == len(head_en), ws_en.title
        for h_ja, h_en in zip(head_ja, head_en, strict=True):
            assert _keys(h_ja, "ja") & _keys(h_en, "en"), (ws_en.title, h_ja, h_en)
        assert ws_ja.max_row == ws_en.max_row, ws_en.title
    assert text("basis", "ja") in _header(ja[text("indicators", "ja")])


def test_every_sheet_has_a_frozen_filtered_header_and_fitted_widths(books):
    for book in books.values():
        for ws in book.worksheets:
            assert ws.freeze_panes == "A2", ws.title
            assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}" \
                f"{ws.max_row}", ws.title
            assert all(c.font.b for c in ws[1])
            for c in ws[1]:
                width = ws.column_dimensions[c.column_letter].width
                assert min(60, display_width(c.value)) <= width <= 60, (ws.title, c.value)
    ws = books["ja"][text("summary", "ja")]
    col = _header(ws).index(text("type", "ja")) + 1
    widest = max(display_width(ws.cell(r, col).value) for r in range(2, ws.max_row + 1))
    assert ws.column_dimensions[ws.cell(1, col).column_letter].width == widest + 3


def test_number_formats_and_check_marks(books):
    for lang, book in books.items():
        for ws in book.worksheets:
            for row in ws.iter_rows(min_row=2):
                assert not any(isinstance(c.value, bool) for c in row), ws.title
        ws = book[text("summary", lang)]
        head = _header(ws)
        for ax in axis_ids():
            cells = [ws.cell(r, head.index(label("axis", ax, lang)) + 1)
                     for r in range(2, ws.max_row + 1)]
            assert all(c.number_format == "0.000" for c in cells if c.value is not None)
        share = [ws.cell(r, head.index(text("report_estimated_share", lang)) + 1)
                 for r in range(2, ws.max_row + 1)]
        assert all(c.number_format == "0%" and 0 <= c.value <= 1 for c in share)
        near = [ws.cell(r, head.index(text("near_threshold", lang)) + 1).value
                for r in range(2, ws.max_row + 1)]
        assert set(near) <= {"✓", None} and "✓" in near
        ws = book[text("whatif", lang)]
        assert ws.cell(2, 4).number_format == "0.000" and ws.cell(2, 3).number_format == "General"


def test_policy_package_sheet(books):
    for lang, book in books.items():
        ws = book[text("types_and_packages", lang)]
        head = _header(ws)
        measures = [label("measure", m, lang) for m in ("mine_investment", "smelter_investment",
                                                        "stockpiling", "saving_substitution",
                                                        "recycling_technology")]
        assert head == [text("importer", lang), text("commodity", lang), text("type", lang),
                        text("near_threshold", lang), *measures,
                        text("report_policy_scope", lang)]
        assert ws.max_row == 14
        levels = {n[lang] for k, n in all_labels().items() if k[0] == "level"}
        for row in ws.iter_rows(min_row=2, min_col=5, max_col=9, values_only=True):
            assert all(v.removesuffix(" *") in levels for v in row), row
        types = {n[lang] for k, n in all_labels().items() if k[0] == "type"}
        assert {v for (v,) in ws.iter_rows(min_row=2, min_col=3, max_col=3,
                                           values_only=True)} <= types


def test_radar_charts_sheet(books):
    for lang, book in books.items():
        ws = book[text("radar_charts", lang)]
        assert _header(ws) == [text("commodity", lang), *(label("axis", a, lang)
                                                          for a in axis_ids())]
        assert len(ws._charts) == 13
        two = 0
        for chart in ws._charts:
            assert chart.series[0].cat.strRef.f.endswith("!$B$1:$G$1")  # the six axes
            assert chart.y_axis.scaling.min == 0 and chart.y_axis.scaling.max == 1
            two += len(chart.series) == 2
        assert two >= 3 and ws.max_row == 1 + 13 + two  # the what-if's "after" rows
        # a missing axis is a blank cell, never 0: as many blanks as missing values
        gaps = book[text("data_gaps", lang)].max_row - 1
        rows = [r for r in ws.iter_rows(min_row=2, min_col=1, values_only=True)
                if not str(r[0]).endswith(f"({text('after', lang)})")]
        assert sum(v is None for r in rows for v in r[1:]) == gaps


def test_metadata_and_estimates_sheets(books):
    for lang, book in books.items():
        meta = dict(book[text("report_metadata", lang)].iter_rows(min_row=2, values_only=True))
        assert meta[text("year", lang)] == "2023"
        assert meta[text("report_md_window_production", lang)] == "2019–2023"
        assert meta[text("report_md_window_imports", lang)] == "2021–2023"
        assert meta[text("report_md_method_version", lang)].startswith("critmin ")
        assert meta[text("report_md_store_built", lang)][:2] == "20"
        assert meta[text("report_md_scenario", lang)] == "example"
        assert meta[text("report_md_theta_hhi", lang)] == "0.25"
        assert all(f"({d})" in meta[text("report_md_wgi_dimensions", lang)].replace(
            "（", "(").replace("）", ")") for d in ("VA", "PV", "GE", "RQ", "RL", "CC"))
        wgi = [k for k in meta if k == text("report_md_wgi_year", lang).format(year=2023)]
        assert wgi and "wgi-release" in meta[wgi[0]]
        sources = book[text("sources", lang)].max_row - 1
        assert sum(str(k).startswith(text("report_md_source", lang).format(id=""))
                   for k in meta) == sources
        est = book[text("report_estimates", lang)]
        assert est.max_row > 1 and all(0 < v <= 1 for (v,) in est.iter_rows(
            min_row=2, min_col=6, values_only=True))


def test_no_id_in_the_japanese_report(books, pages):
    for ws in books["ja"].worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                assert not (isinstance(v, str) and SNAKE.search(v)), (ws.title, v)
    shown = visible_text(pages["ja"])
    assert SNAKE.findall(shown) == []
    assert "評価手法と用語の解説" in shown and "レーダーチャートの見方" in shown


def test_english_reasons_name_types_and_commodities(books, pages):
    types = {k[1] for k in all_labels() if k[0] == "type"}
    ws = books["en"]["Summary"]
    col = _header(ws).index("Reason") + 1
    reasons = [ws.cell(r, col).value for r in range(2, ws.max_row + 1)]
    assert all(not r.endswith(tuple(types)) for r in reasons)
    assert all(" → " in r and r.rsplit(" → ", 1)[1] in {label("type", t, "en") for t in types}
               for r in reasons)
    for ws in books["en"].worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                assert not (isinstance(v, str) and SNAKE.search(v)), (ws.title, v)
    assert SNAKE.findall(visible_text(pages["en"])) == []


def test_methods_section_states_the_data(pages, books):
    for lang, page in pages.items():
        shown = visible_text(page)
        assert "id='methods'" in page
        assert "2019–2023" in shown and "2021–2023" in shown  # windows
        assert "θ_H = 0.25" in shown and "σ_ref = 1" in shown
        for ax in axis_ids():
            assert label("axis", ax, lang) in shown
        assert "wgi-release" in shown and "update covering" in shown  # id and version
        est = dict(books[lang][text("report_metadata", lang)].iter_rows(
            min_row=2, values_only=True))
        named = est[text("report_md_estimated", lang).format(year=2023, majority="50%")]
        title = html.unescape(re.search(r"<h1>(.*?)</h1>", page).group(1))
        note = glossary("gl_title_estimates", lang, year=2023)
        assert (named != text("report_md_none", lang)) == title.endswith(note)
        assert (named != text("report_md_none", lang)) == ("class='note'" in page)


def test_glossary_has_both_languages_with_the_same_fields():
    from critmin.views.report_methods import _glossary

    fields = string.Formatter()
    for key, names in _glossary().items():
        assert set(names) == {"en", "ja"} and names["en"].strip() and names["ja"].strip(), key
        got = [{f for _, f, _, _ in fields.parse(names[lang]) if f} for lang in LANGS]
        assert got[0] == got[1], key
    keys = set(glossary_keys())
    assert {f"gl_{p}_{a}" for a in axis_ids() for p in ("q", "s")} <= keys
    assert {f"gl_class_{c}" for c in LEVEL_CLASSES} <= keys
    assert {f"gl_cond_{k[1]}" for k in all_labels() if k[0] == "type"} <= keys


def test_report_opens_with_every_radar_drawn(reports, browser):
    for lang in LANGS:
        page = browser.new_page()
        try:
            page.set_viewport_size({"width": 1400, "height": 1000})
            page.goto(reports[lang].with_suffix(".html").as_uri())
            page.wait_for_function(
                "document.querySelectorAll('.radar').length > 0 && "
                "[...document.querySelectorAll('.radar')].every("
                "d => d.querySelector('.scatterlayer path'))", timeout=30_000)
            radars = page.eval_on_selector_all(".radar", "els => els.length")
            overlays = page.eval_on_selector_all(".radar.whatif", "els => els.length")
            assert radars == 13 + overlays and overlays >= 3
            # six axis labels on every radar
            labels = page.eval_on_selector_all(
                ".radar:not(.whatif)", "els => els.map(e => "
                "e.querySelectorAll('.angularaxistick text').length)")
            assert all(n == 6 for n in labels)
            # painted, not only in the DOM: a drawn radar is ~46 kB of PNG, a blank box 1.4 kB
            assert len(page.locator(".radar").first.screenshot()) > 20_000
            methods = page.query_selector("#methods")
            assert methods is not None and methods.is_visible()
            if folder := screens():
                page.screenshot(path=str(folder / f"report_{lang}.png"), full_page=True)
                methods.screenshot(path=str(folder / f"methods_{lang}.png"))
            if lang == "ja":
                assert SNAKE.findall(page.inner_text("body")) == []
        finally:
            page.close()


def test_static_radar_png_and_svg(imported_home, chromium, tmp_path):
    result = runner.invoke(app, ["assess", "-c", "cobalt", "--year", "2023", "--chart",
                                 str(tmp_path), "--chart-format", "svg", "--lang", "en"])
    assert result.exit_code == 0, result.output
    svg = (tmp_path / "radar_JPN_cobalt_en.svg").read_text()
    assert "<svg" in svg and "1. Production" in svg and "6. Scrap" in svg


def test_no_package_outside_the_scope_of_policy_advice(imported_store, tmp_path):
    from critmin.service.assess import ReportRequest, report
    from critmin.store.io import connect
    from critmin.views.report import _package_table, report_frames, report_tables

    with connect(imported_store, read_only=True) as con:
        response = report(ReportRequest(commodities=["asbestos", "cobalt"], year=2023,
                                        lang="ja", out=str(tmp_path)), con)
    r = report_frames(response)
    table = report_tables(r, "ja")["packages"].set_index("鉱種")
    measure = label("measure", "mine_investment", "ja")
    assert table.loc["石綿", measure] == "" and table.loc["コバルト", measure] != ""
    assert table.loc["石綿", "政策提言の対象外"] == "† " + label("scope", "banned_use", "ja")
    assert table.loc["コバルト", "政策提言の対象外"] == ""
    assert "colspan='5'>† 日本では使用が禁止されている" in _package_table(r, "ja")


def test_missing_reasons_name_every_commodity():
    from critmin.catalog.reasons import reason as make

    shared = make("shared_hs_code", hs6="261590", others="rare_earths, tantalum",
                  commodity="niobium")
    assert reason(shared, "en") == (
        "HS 261590 is shared with other commodities (rare earths, tantalum): its trade is "
        "not niobium's alone")
    ja = reason(shared, "ja")
    assert "レアアース、タンタル" in ja and "ニオブ" in ja and not SNAKE.search(ja)
    gap = make("no_eol_rir", commodity="rare_earths")
    assert "rare_earths" not in reason(gap, "en")
    assert reason("", "ja") == ""
    with pytest.raises(KeyError, match="lost its code"):
        reason(str(gap), "ja")      # a reason read back from its text is refused
