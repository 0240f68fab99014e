"""The assessment report (HTML + Excel) in both languages, checked in headless Chromium."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from critmin.views.cli import app
from critmin.views.i18n import LANGS, all_labels, reason

runner = CliRunner()


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
    sheets = pd.read_excel(reports["en"].with_suffix(".xlsx"), sheet_name=None)
    assert {"Summary", "Indicators", "Types and policy packages", "Data gaps",
            "Policy what-if", "Lever", "Sources"} <= set(sheets)
    assert len(sheets["Summary"]) == 13
    ja = pd.read_excel(reports["ja"].with_suffix(".xlsx"), sheet_name=None)
    assert "概要" in ja and "鉱種" in ja["概要"].columns
    # every column header of the Japanese workbook is Japanese (or an id/ISO code)
    for name, frame in ja.items():
        for col in frame.columns:
            assert not str(col).isascii() or str(col) in ("ID",), (name, col)


def test_japanese_reasons_are_all_translated(reports):
    gaps = pd.read_excel(reports["ja"].with_suffix(".xlsx"), sheet_name="データの欠落")
    assert len(gaps) > 0
    assert all(not str(r).isascii() for r in gaps["欠測"])
    with pytest.raises(KeyError):
        reason("an unknown reason", "ja")


def test_report_opens_with_every_radar_drawn(reports, chromium, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            for lang in LANGS:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
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
                shot = tmp_path / f"report_{lang}.png"
                page.screenshot(path=str(shot), full_page=True)
                assert shot.stat().st_size > 50_000
        finally:
            browser.close()


def test_static_radar_png_and_svg(imported_home, chromium, tmp_path):
    result = runner.invoke(app, ["assess", "-c", "cobalt", "--year", "2023", "--chart",
                                 str(tmp_path), "--chart-format", "svg", "--lang", "en"])
    assert result.exit_code == 0, result.output
    svg = (tmp_path / "radar_JPN_cobalt_en.svg").read_text()
    assert "<svg" in svg and "1. Production" in svg and "6. Scrap" in svg
