"""The web pages end to end in a real browser: Debian's Chromium driven by Playwright
against the app ``critmin serve`` serves (uvicorn in a thread, a free loopback port, the
test store with the official releases). Every page in both languages draws its charts
with no console error and no id left in its Japanese text; the reader changes importer
and commodity, runs a what-if and a shock, uploads an example BOM, sorts, filters and
downloads a table.

Screenshots (full-page PNG, ~0.2 s of Chromium's CPU each) are taken only when
``$CRITMIN_SCREENS`` names a folder to keep them in (tests/conftest.py ``screens``; ``make
screens``). One server and one browser (tests/conftest.py ``browser``) for the session, a
new page per test; one xdist worker runs the module (tests/conftest.py ``BROWSER_TESTS``).
"""

from __future__ import annotations

import csv
import io
import re
import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import screens

REPO = Path(__file__).resolve().parents[2]
BOMS = REPO / "src" / "critmin" / "analysis" / "data" / "bom"
PAGES = [("overview", "overview", "/"), ("commodity", "commodity", "/commodity/cobalt"),
         ("whatif", "whatif", "/whatif"), ("shock", "shock", "/shock"),
         ("demand", "demand", "/demand"),
         ("exposure", "exposure", "/exposure?bom=example:ev_traction_motor"),
         ("data", "data", "/data"), ("signals", "signals", "/signals"),
         ("whatif_levers", "whatif", "/whatif?commodity=cobalt&saving=0.2&recycling=0.3"),
         ("shock_bands", "shock", "/shock?scenario=cn_heavy_rare_earths_2025&importer=JPN"
          "&bands=1&draws=200"),
         ("exposure_shock", "exposure", "/exposure?bom=example:li_ion_battery_pack"
          "&shock=library&scenario=cn_graphite_2023")]
"""(screenshot name, page, path): every page, and the pages of a result."""
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
"""An id such as ``rare_earths`` or ``import_governance``: never in Japanese text."""
SHOWN_TEXT = """() => {
  const main = document.querySelector('main');
  let shown = main.innerText;
  for (const c of main.querySelectorAll('code')) { shown = shown.replace(c.innerText, ''); }
  return shown;
}"""
"""The text a reader sees in ``main``, less ``<code>`` (file names, hashes)."""


@pytest.fixture(scope="session")
def server(imported_store: Path, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[str, Path]]:
    """The app ``critmin serve`` serves on loopback (same hosts, no token, same uvicorn
    options), over a home linking the test store, on uvicorn in a thread of this
    process on a free loopback port: (its address, the home). In this process, the
    pages share the read cache with the tests that ran before them on this worker rather
    than computing them in a fresh interpreter; ``critmin serve`` itself, as a process,
    is tested in tests/views/test_cli_serve.py."""
    import threading

    import uvicorn

    from critmin.views.cli_serve import LOOPBACK_HOSTS, UVICORN_OPTIONS
    from critmin.views.web.app import create_app

    home = tmp_path_factory.mktemp("web-home")
    (home / "critmin.duckdb").symlink_to(imported_store)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(store=home / "critmin.duckdb", hosts=LOOPBACK_HOSTS),
                            **UVICORN_OPTIONS)
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, kwargs={"sockets": [listener]},
                              name="critmin-serve", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        wait_until_up(base, thread)
        yield base, home
    finally:
        served.should_exit = True
        thread.join(timeout=20)
        listener.close()


def wait_until_up(base: str, thread: Any, seconds: float = 30) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not thread.is_alive():
            pytest.fail("the server's thread ended before it answered")
        try:
            with urllib.request.urlopen(f"{base}/static/app.js", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"the server did not answer in {seconds} s")


class Watched:
    """A page with its console errors and failed requests collected, and the requests
    still in flight (``pending``)."""

    def __init__(self, page: Any, base: str) -> None:
        self.page, self.base, self.errors = page, base, []
        self.pending: set[Any] = set()
        page.on("console", lambda m: self.errors.append(f"console: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("request", lambda r: self.pending.add(r))
        page.on("requestfinished", lambda r: self.pending.discard(r))
        page.on("requestfailed", self._failed)

    def _failed(self, request: Any) -> None:
        self.pending.discard(request)
        self.errors.append(f"request failed: {request.url} {request.failure}")

    def go(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, (path, response)
        self.settle()
        return response

    def settle(self, seconds: float = 20) -> None:
        """The page loaded, every open plot drawn and no request in flight. (Not
        Playwright's "networkidle", which always waits another 500 ms: the pages start no
        request after their load event but the htmx ones the tests trigger, whose result
        the tests wait for; a request still open here fails the test as before.)"""
        self.page.wait_for_load_state("load")
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('.plot[data-figure]')]"
            ".filter(p => !p.closest('details:not([open])'))"
            ".every(p => p.querySelector('.main-svg'))", timeout=seconds * 1000)
        end = time.monotonic() + seconds
        while self.pending:
            assert time.monotonic() < end, [r.url for r in self.pending]
            self.page.wait_for_timeout(10)  # the driver delivers the requests' events

    def shot(self, name: str) -> None:
        """The whole page as ``web_<name>.png`` in the screenshot folder, if one is set."""
        if folder := screens():
            self.page.screenshot(path=str(folder / f"web_{name}.png"), full_page=True)


@pytest.fixture()
def tab(browser: Any, server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
        ) -> Iterator[Watched]:
    base, home = server
    monkeypatch.setenv("CRITMIN_HOME", str(home))   # the served home, as serve's process had
    browser.clear_cookies()
    watched = Watched(browser.new_page(), base)
    yield watched
    watched.page.close()
    assert watched.errors == []


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_page_draws_without_errors(tab, lang) -> None:
    from critmin.views.i18n import text

    for name, page, path in PAGES:
        tab.go(f"/{lang}{path}")
        key = f"web_title_{page}"
        assert tab.page.title().startswith(text(key, lang).split("{")[0]), (name, lang)
        assert tab.page.locator("html").get_attribute("lang") == lang
        shown = tab.page.evaluate(SHOWN_TEXT)
        if lang == "ja":
            assert not SNAKE.findall(shown), (name, sorted(set(SNAKE.findall(shown))))
        tab.shot(f"{name}_{lang}")


def test_change_importer_and_commodity(tab) -> None:
    page = tab.page
    tab.go("/en/")
    page.fill("input[name=importer]", "KOR")
    page.click("form.context button[type=submit]")
    tab.settle()
    assert "importer=KOR" in page.url and "KOR" in page.title()
    page.click("#overview-table a:text-is('Cobalt')")
    tab.settle()
    assert "/en/commodity/cobalt" in page.url and "importer=KOR" in page.url
    page.select_option("select[name=commodity]", "graphite")
    page.click("form.context button[type=submit]")
    tab.settle()
    assert "/en/commodity/graphite" in page.url and page.title().startswith("Graphite")
    page.click(".langs a[data-lang=ja]")
    tab.settle()
    assert "/ja/commodity/graphite" in page.url and "importer=KOR" in page.url
    assert page.title().startswith("黒鉛") and page.locator("#radar .main-svg").count() >= 1
    tab.shot("commodity_graphite_KOR_ja")


def test_overview_table_sorts_and_filters(tab) -> None:
    page = tab.page
    tab.go("/en/?importer=JPN")
    head = page.locator("#overview-table thead th").nth(1)   # ① production concentration
    head.click()
    values = [float(v) for v in page.locator(
        "#overview-table tbody tr td:nth-child(2)").evaluate_all(
        "cells => cells.map(c => c.dataset.sort).filter(v => v !== '')")]
    assert values == sorted(values) and len(values) > 30
    head.click()
    first = float(page.locator("#overview-table tbody tr td:nth-child(2)").first
                  .get_attribute("data-sort"))
    assert first == max(values)
    page.fill("input.table-filter", "cobalt")
    assert page.locator("#overview-table tbody tr:visible").count() == 1
    assert page.inner_text("#overview-table-count") == "1"


def test_run_a_whatif(tab) -> None:
    page = tab.page
    tab.go("/ja/whatif")
    page.select_option("#whatif-commodity", "rare_earths")
    page.fill("input[name=mine_country]", "AUS")
    page.fill("input[name=mine_t]", "20000")
    page.click("#whatif-run")
    page.wait_for_selector("#whatif-result")
    tab.settle()
    assert "mine_t=20000" in page.url  # htmx pushed the page's own address
    traces = page.evaluate("() => document.getElementById('whatif-radar-1').data.length")
    assert traces == 2  # before and after
    assert page.locator("#whatif-table tbody tr").count() == 6
    assert "政策実施前" in page.inner_text("#whatif-result")
    assert "/en/whatif?" in page.get_attribute(".langs a[data-lang=en]", "href")
    tab.shot("whatif_result_ja")


def test_run_a_shock(tab) -> None:
    page = tab.page
    tab.go("/en/shock")
    page.select_option("#shock-scenario", "cn_graphite_2023")
    page.click("#shock-run")
    page.wait_for_selector("#shock-result")
    tab.settle()
    rows = page.locator("#impacts-table tbody tr")
    assert rows.count() >= 1 and "JPN" in rows.first.inner_text()
    assert "Caveat" in page.inner_text("#shock-lines") or "caveat" in page.inner_text(
        "#shock-lines").lower()
    page.check("input[name=mode][value=custom]")
    assert page.locator("fieldset[data-mode-panel=library]").is_hidden()
    page.fill("input[name=exporter]", "CHN")
    page.select_option("fieldset[data-mode-panel=custom] select[name=commodity]", "graphite")
    page.fill("input[name=cut]", "0.5")
    page.click("#shock-run")
    page.wait_for_selector("#shock-result h2:has-text('50')")
    tab.settle()
    assert "China" in page.inner_text("#shock-result h2")
    tab.shot("shock_result_en")


def test_upload_an_example_bom(tab) -> None:
    page = tab.page
    tab.go("/ja/exposure")
    page.set_input_files("#bom-file", str(BOMS / "li_ion_battery_pack.csv"))
    page.click("#bom-run")
    page.wait_for_selector("#exposure-result")
    tab.settle()
    text = page.inner_text("#exposure-result")
    assert "リチウムイオン電池パック" in text and "コバルト" in text
    assert page.locator("#exposure-table tbody tr").count() >= 4
    assert page.locator("#bom-saved").count() == 0  # not saved without the tick
    tab.shot("exposure_upload_ja")


def test_an_oversized_upload_is_refused_in_the_page(tab, tmp_path) -> None:
    """A BOM over the 5 MB limit is refused before it is sent, in the page's language
    (the server would answer 413 JSON, which htmx does not show)."""
    page = tab.page
    tab.go("/ja/exposure")
    big = tmp_path / "big.csv"
    with big.open("wb") as f:
        f.truncate(6 * 1024 * 1024)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    page.set_input_files("#bom-file", str(big))
    message = page.eval_on_selector("#bom-file", "e => e.validationMessage")
    assert message == "ファイルがアップロードの上限（5 MB）を超えています。"
    page.click("#bom-run")
    page.wait_for_timeout(300)
    assert sent == [] and page.locator("#exposure-result").count() == 0


def test_download_a_table(tab, tmp_path) -> None:
    page = tab.page
    tab.go("/en/commodity/cobalt")
    with page.expect_download() as info:
        page.click(".scroll:has(#axes-table) + .downloads a[data-format=csv]")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert info.value.suggested_filename == "cobalt_axes_en.csv"
    assert [r["axis"] for r in rows][:2] == ["production_concentration",
                                             "reserve_concentration"]
