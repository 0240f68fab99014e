"""The web pages of ``critmin serve`` (:mod:`critmin.views.web.pages`): every page in
Japanese and English answers 200 with its title; each page's ``.json`` twin is what
``critmin … -f json`` prints for the same request, its ``.csv`` twin parses (headers in
the page's language) and its ``.xlsx`` twin opens; ``/`` follows the reader's language;
user errors are shown (422), never a server error; an uploaded BOM is validated row by
row and not kept."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from critmin.views.cli import app as cli_app
from critmin.views.i18n import text
from critmin.views.web.app import create_app

runner = CliRunner()
BOMS = Path(__file__).resolve().parents[2] / "src" / "critmin" / "analysis" / "data" / "bom"
WHATIF = "importer=JPN&commodity=rare_earths&mine_country=AUS&mine_t=20000&offtake=0.5"
SHOCK = "mode=custom&exporter=CHN&commodity=graphite&cut=0.75&importer=JPN&year=2022"

# (page URL without the language, strings key of its title)
PAGES = [
    ("/", "web_title_overview"),
    ("/overview?importer=DEU&year=2022&x=reserve_concentration", "web_title_overview"),
    ("/commodity/cobalt?importer=JPN", "web_title_commodity"),
    ("/commodity/レアアース?importer=EU27&year=2022", "web_title_commodity"),
    ("/whatif", "web_title_whatif"),
    (f"/whatif?{WHATIF}", "web_title_whatif"),
    ("/shock", "web_title_shock"),
    ("/shock?scenario=cn_graphite_2023&importer=JPN", "web_title_shock"),
    (f"/shock?{SHOCK}", "web_title_shock"),
    ("/demand", "web_title_demand"),
    ("/demand?scenario=ev_high_growth&mineral=cobalt&country=JPN", "web_title_demand"),
    ("/exposure", "web_title_exposure"),
    ("/exposure?bom=example:ev_traction_motor", "web_title_exposure"),
    ("/exposure?bom=example:li_ion_battery_pack&shock=custom&exporter=CHN&commodity=cobalt"
     "&cut=0.75", "web_title_exposure"),
    ("/data", "web_title_data"),
]

# (page twin URL without the language, the same request on the command line)
TWINS = [
    ("/overview.json?importer=JPN", "assess -i JPN"),
    ("/overview.json?importer=DEU&year=2022&set=seed13", "assess -i DEU --year 2022 --set seed13"),
    ("/commodity/cobalt.json?importer=JPN&year=2022",
     "assess -i JPN -c cobalt --year 2022 --explain"),
    ("/commodity/cobalt.json?importer=JPN&year=2022&part=assess",
     "assess -i JPN -c cobalt --year 2022"),
    ("/commodity/graphite.json?importer=JPN&part=indicators", "indicators -i JPN -c graphite"),
    ("/commodity/graphite.json?importer=JPN&year=2022&part=partners",
     "indicators -i JPN -c graphite --year 2022 --explain"),
    (f"/whatif.json?{WHATIF}&recycling=0.2",
     "whatif -i JPN -c rare_earths --mine AUS:20000 --offtake 0.5 --recycling 0.2"),
    ("/whatif.json?importer=JPN&commodity=cobalt&smelter_country=CAN&smelter_t=5000"
     "&saving=0.1&year=2022",
     "whatif -i JPN -c cobalt --smelter CAN:5000 --saving 0.1 --year 2022"),
    ("/shock.json?scenario=cn_graphite_2023&importer=JPN,EU27",
     "scenario run cn_graphite_2023 -i JPN -i EU27"),
    (f"/shock.json?{SHOCK}&stage=mining&omega=0.3",
     "shock --exporter CHN --commodity graphite --cut 0.75 -i JPN --year 2022 "
     "--stage mining --redirect-share 0.3"),
    ("/shock.json?scenario=cn_graphite_2023&importer=JPN&bands=1&draws=200&seed=3"
     "&part=bands", "uncertainty -i JPN --scenario cn_graphite_2023 --draws 200 --seed 3 "
     "--workers 1"),
    ("/shock.json?part=scenarios", "scenario list"),
    ("/demand.json?scenario=ev_high_growth&mineral=cobalt&to=2040",
     "demand --scenario ev_high_growth -m cobalt --to 2040"),
    ("/demand.json", "demand -m graphite"),
    ("/demand.json?mineral=gallium&sens_year=2040&part=sensitivity",
     "demand sensitivity -m gallium --year 2040"),
    ("/demand.json?part=scenarios", "demand scenarios"),
    ("/exposure.json?bom=example:ev_traction_motor&importer=JPN",
     "exposure --bom example:ev_traction_motor -i JPN"),
    ("/exposure.json?bom=example:li_ion_battery_pack&shock=library&scenario=cn_graphite_2023",
     "exposure --bom example:li_ion_battery_pack --scenario cn_graphite_2023"),
    ("/data.json", "data status"),
    ("/data.json?part=sources", "data sources"),
    ("/data.json?part=coverage", "commodities"),
]


@pytest.fixture()
def client(critmin_home: Path, web_app):
    with TestClient(web_app) as c:
        yield c


def cli_json(args: str) -> Any:
    result = runner.invoke(cli_app, [*shlex.split(args), "-f", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def same(got: Any, want: Any, where: str = "") -> None:
    """Equal JSON; floats to 1e-12 relative (DuckDB adds a few sums in parallel, so two
    CLI runs may differ in the last digit), everything else exactly."""
    if isinstance(want, float) and isinstance(got, float):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-15), where
    elif isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), where
        for k in want:
            same(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            same(g, w, f"{where}[{i}]")
    else:
        assert got == want, where


def title_of(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, re.S)
    assert found, page[:500]
    return found.group(1)


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize(("path", "key"), PAGES, ids=[p for p, _ in PAGES])
def test_every_page_answers_with_its_title(client, lang, path, key) -> None:
    r = client.get(f"/{lang}{path}")
    assert r.status_code == 200, r.text[:2000]
    assert r.headers["content-type"].startswith("text/html")
    assert f'<html lang="{lang}">' in r.text
    head = text(key, lang).split("{")[0]
    assert title_of(r.text).startswith(head) and title_of(r.text).endswith("· critmin")
    assert r.cookies.get("critmin_lang") == lang
    assert "<script>" not in r.text and " onclick=" not in r.text  # CSP: script-src 'self'


def test_titles_name_the_request(client) -> None:
    assert title_of(client.get("/en/?importer=DEU&year=2022").text).startswith(
        "Overview: every mineral for DEU in 2022")
    assert title_of(client.get("/ja/commodity/cobalt?year=2022").text).startswith(
        "コバルト：JPNのクリティカリティ（2022年）")


@pytest.mark.parametrize(("path", "cli"), TWINS, ids=[t[1] for t in TWINS])
def test_json_twin_equals_cli_json(client, path, cli) -> None:
    expected = cli_json(cli)
    for lang in ("ja", "en"):  # the data do not depend on the page's language
        r = client.get(f"/{lang}{path}")
        assert r.status_code == 200, r.text[:2000]
        assert r.headers["content-type"].startswith("application/json")
        same(r.json(), expected)


def test_json_twin_is_the_cli_output_byte_for_byte(client) -> None:
    result = runner.invoke(cli_app, ["assess", "-i", "JPN", "-c", "cobalt", "--year", "2022",
                                     "--explain", "-f", "json"])
    assert client.get("/en/commodity/cobalt.json?year=2022").text == result.stdout


CSV_TWINS = ["/overview.csv?importer=JPN", "/commodity/cobalt.csv",
             "/commodity/cobalt.csv?part=partners", "/commodity/cobalt.csv?part=producers",
             "/commodity/cobalt.csv?part=indicators", f"/whatif.csv?{WHATIF}",
             "/shock.csv?scenario=cn_graphite_2023", "/demand.csv",
             "/demand.csv?part=sensitivity", "/exposure.csv?bom=example:power_module",
             "/exposure.csv?bom=example:power_module&part=lookthrough", "/data.csv",
             "/data.csv?part=coverage"]


@pytest.mark.parametrize("path", CSV_TWINS)
def test_csv_twin_parses(client, path) -> None:
    en, ja = (client.get(f"/{lang}{path}") for lang in ("en", "ja"))
    for r in (en, ja):
        assert r.status_code == 200, r.text[:1000]
        assert r.headers["content-type"].startswith("text/csv")
        assert "attachment" in r.headers["content-disposition"]
    rows_en = list(csv.reader(io.StringIO(en.text)))
    rows_ja = list(csv.reader(io.StringIO(ja.text)))
    assert len(rows_en) > 1 and len(rows_en) == len(rows_ja)
    assert all(len(row) == len(rows_en[0]) for row in rows_en)
    assert re.fullmatch(r"[a-z0-9_]+", rows_en[0][0]), rows_en[0]  # English: column ids
    assert any(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", h) for h in rows_ja[0])


def test_csv_twin_holds_the_numbers_of_the_json(client) -> None:
    data = client.get("/en/overview.json?importer=JPN&year=2022").json()
    rows = list(csv.DictReader(io.StringIO(client.get(
        "/en/overview.csv?importer=JPN&year=2022").text)))
    assert [r["commodity"] for r in rows] == [r["commodity"] for r in data["rows"]]
    cobalt = next(r for r in data["rows"] if r["commodity"] == "cobalt")
    shown = next(r for r in rows if r["commodity"] == "cobalt")
    assert float(shown["production_concentration"]) == pytest.approx(
        cobalt["indicators"]["production_concentration"], rel=1e-12)


def test_xlsx_twin_opens(client) -> None:
    from openpyxl import load_workbook

    r = client.get("/ja/data.xlsx?part=coverage")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet.max_row > 60 and sheet.cell(1, 1).value == "鉱種"


def test_root_goes_to_the_readers_language(client) -> None:
    def target(**headers: str) -> str:
        r = client.get("/", headers=headers, follow_redirects=False)
        assert r.status_code == 307
        return r.headers["location"]

    client.cookies.clear()
    assert target(**{"accept-language": "ja-JP,ja;q=0.9,en;q=0.8"}) == "/ja/"
    assert target(**{"accept-language": "fr-FR,en;q=0.5,ja;q=0.7"}) == "/ja/"
    assert target(**{"accept-language": "de"}) == "/en/"
    client.get("/en/data")  # the page remembers its language
    assert target(**{"accept-language": "ja"}) == "/en/"
    assert client.get("/ja", follow_redirects=False).headers["location"] == "/ja/"


def test_language_switcher_keeps_the_page_and_query(client) -> None:
    page = client.get("/en/commodity/cobalt?importer=KOR&year=2022").text
    assert 'href="/ja/commodity/cobalt?importer=KOR&amp;year=2022"' in page
    assert 'href="/ja/whatif?importer=KOR&amp;year=2022"' in client.get(
        "/ja/whatif?importer=KOR&year=2022").text  # the navigation keeps the context


def test_user_errors_are_shown_not_raised(client) -> None:
    r = client.get("/en/commodity/unobtainium")
    assert r.status_code == 422 and "unknown" in r.text and "<html" in r.text
    r = client.get("/ja/commodity/cobolt.json")
    assert r.status_code == 422 and "cobalt" in r.json()["choices"]
    assert r.json()["error"].startswith("unknown mineral 'cobolt'")  # machines: one text
    r = client.get("/ja/commodity/cobolt")  # a Japanese page says it in Japanese
    assert r.status_code == 422 and "鉱種「cobolt」は不明です。近い候補：cobalt" in r.text
    r = client.get("/ja/shock?mode=custom&exporter=CHN&commodity=graphite&cut=abc")
    assert r.status_code == 422
    assert "輸出削減率（cut）は数値で指定してください（入力：abc）" in r.text
    r = client.get("/ja/shock?mode=custom&exporter=CHN&commodity=graphite&cut=2")
    assert "輸出削減率（--cut）は 0–1 の範囲で指定してください（入力：2.0）" in r.text
    r = client.get("/en/overview?year=soon")
    assert r.status_code == 422 and "year" in r.text
    assert client.get("/en/whatif.json").status_code == 422  # no lever: the CLI's message
    assert client.get("/fr/").status_code == 404
    assert client.get("/en/data.pdf").status_code == 404
    r = client.get("/en/shock.json?scenario=cn_graphite_2023&bands=1&draws=50000&part=bands")
    assert r.status_code == 422 and "2,000" in r.json()["error"]


@pytest.mark.parametrize("path", ["/shock?scenario=/etc/passwd", "/demand?scenario=/etc/passwd",
                                  "/exposure?bom=/etc/passwd",
                                  "/exposure.json?bom=../../../etc/passwd"])
def test_no_file_named_in_a_url_is_read(client, path) -> None:
    """Scenarios come from the library and BOMs are examples or uploads: a path in a
    parameter is refused, with the valid choices."""
    r = client.get(f"/en{path}")
    assert r.status_code == 422 and "root:" not in r.text
    assert "library" in r.text or "example:NAME" in r.text


def test_htmx_gets_the_result_alone(client) -> None:
    r = client.get(f"/en/whatif?{WHATIF}", headers={"HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.text
    assert 'id="whatif-result"' in r.text and "data-figure" in r.text
    r = client.get("/en/commodity/unobtainium", headers={"HX-Request": "true"})
    assert r.status_code == 200 and 'class="error"' in r.text  # htmx swaps it in


def test_uploaded_bom_is_assessed_and_not_kept(client, tmp_path, monkeypatch) -> None:
    import tempfile

    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    data = (BOMS / "power_module.csv").read_bytes()
    r = client.post("/ja/exposure", files={"bom_file": ("my module.csv", data, "text/csv")},
                    data={"importer": "JPN"})
    assert r.status_code == 200, r.text[:2000]
    assert 'id="exposure-result"' in r.text and "my_module" in r.text
    assert "ガリウム" in r.text and "data-figure" in r.text
    assert list(spool.iterdir()) == []  # the upload's folder is gone
    saved = client.get("/en/exposure.json?bom=example:power_module").json()
    assert saved["stored_rows"] is None


def test_bad_bom_lists_its_problems_by_row(client) -> None:
    bad = (b"product,part,commodity,mass_per_unit,mass_unit,units_per_year,supplier,"
           b"supplier_country,share\nA,p1,unobtainium,1,kg,10,S,JPN,1\n"
           b"A,p2,cobalt,1,stone,10,S,Atlantis,0.5\n")
    r = client.post("/en/exposure", files={"bom_file": ("bad.csv", bad, "text/csv")},
                    data={"importer": "JPN"}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and 'class="error"' in r.text
    cells = re.findall(r"<tr><td class=\"num\">(\d+)</td><td>([^<]*)</td>", r.text)
    assert ("2", "Commodity") in cells and ("3", "Mass unit") in cells
    assert "critmin-bom-" not in r.text and "/tmp" not in r.text  # no server path shown
    assert "bad.csv" in r.text
    r = client.post("/ja/exposure", files={"bom_file": ("bad.csv", bad, "text/csv")},
                    data={"importer": "JPN"}, headers={"HX-Request": "true"})
    assert "bad.csv：4 件の問題があり、何も取り込んでいません" in r.text
    assert "「stone」は mg, g, kg, t のいずれでもありません" in r.text   # worded in Japanese
    assert r.text.count("のいずれでもありません") == 1   # in the table, not listed twice
    assert "is not one of" not in r.text
    r = client.post("/en/exposure", files={"bom_file": ("bom.pdf", b"x", "application/pdf")})
    assert r.status_code == 422 and "use a .csv, .tsv, .txt, .xlsx, .xlsm file" in r.text
    r = client.post("/ja/exposure", files={"bom_file": ("bom.pdf", b"x", "application/pdf")})
    assert r.status_code == 422 and "のいずれかのファイルを指定してください" in r.text


def test_a_page_asked_again_comes_from_the_cache(client) -> None:
    """The same page (address, language, htmx part, store) is drawn once; asked by htmx
    or in the other language it is another entry."""
    from critmin.views.web.api import CACHE

    first = client.get("/en/commodity/graphite?importer=KOR")
    hits = CACHE.hits
    again = client.get("/en/commodity/graphite?importer=KOR")
    assert again.status_code == 200 and again.text == first.text
    assert CACHE.hits == hits + 1 and again.cookies.get("critmin_lang") == "en"
    misses = CACHE.misses
    client.get("/en/commodity/graphite?importer=KOR", headers={"HX-Request": "true"})
    ja = client.get("/ja/commodity/graphite?importer=KOR")
    assert CACHE.misses >= misses + 2 and '<html lang="ja">' in ja.text


def test_the_commodity_picker_redirects_within_the_commodity_pages(client) -> None:
    r = client.get("/en/commodity", params={"commodity": "cobalt", "importer": "KOR"},
                   follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/en/commodity/cobalt?importer=KOR"
    r = client.get("/en/commodity", params={"commodity": "../../api/health"},
                   follow_redirects=False)
    assert r.headers["location"] == "/en/commodity/..%2F..%2Fapi%2Fhealth"  # one segment
    r = client.get("/ja/commodity", params={"commodity": "コバルト"}, follow_redirects=False)
    assert r.headers["location"] == "/ja/commodity/%E3%82%B3%E3%83%90%E3%83%AB%E3%83%88"
    assert client.get(r.headers["location"]).status_code == 200
    r = client.get("/en/commodity", follow_redirects=False)
    assert r.headers["location"] == "/en/"  # no stray '?'


def test_a_browser_gets_an_html_404_in_its_language(client) -> None:
    """An unknown page is the error page (HTML, the path's or the reader's language); the
    API and machine clients keep their JSON 404."""
    html = {"accept": "text/html,application/xhtml+xml"}
    r = client.get("/ja/nope", headers=html)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="ja">' in r.text and "/ja/nope というページはありません。" in r.text
    r = client.get("/en/report.pdf", headers=html)
    assert r.status_code == 404 and "report.html or report.xlsx" in r.text
    r = client.get("/xx/", headers={**html, "accept-language": "en"})
    assert r.status_code == 404 and '<html lang="en">' in r.text
    assert client.get("/ja/nope").headers["content-type"] == "application/json"
    r = client.get("/api/nope", headers=html)
    assert r.status_code == 404 and "/api/assess" in r.json()["choices"]


def test_scripts_come_from_the_app(client) -> None:
    page = client.get("/en/commodity/cobalt").text
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts == ["/static/htmx.min.js", "/static/plotly.min.js", "/static/app.js"]
    for src in scripts:
        r = client.get(src)
        assert r.status_code == 200 and len(r.content) > 1000
    assert client.get("/static/plotly.min.js").headers["content-type"].startswith(
        "text/javascript")
    assert "Zero-Clause BSD" in client.get("/static/htmx.LICENSE.txt").text


def test_report_download(client) -> None:
    r = client.get("/ja/report.html?importer=JPN&year=2022")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "report_JPN_2022_ja.html" in r.headers["content-disposition"]
    assert "<html lang='ja'>" in r.text
    r = client.get("/en/report.xlsx?importer=JPN&year=2022")
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_upload_is_saved_only_when_ticked(critmin_home, store_copy) -> None:
    data = (BOMS / "power_module.csv").read_bytes()
    with TestClient(create_app(store=store_copy)) as c:
        c.post("/en/exposure", files={"bom_file": ("module.csv", data, "text/csv")})
        assert c.get("/en/exposure.json?part=saved").json()["rows"] == []
        r = c.post("/en/exposure", files={"bom_file": ("module.csv", data, "text/csv")},
                   data={"save": "1", "save_name": "gan2025"})
        assert r.status_code == 200, r.text[:300]
        assert re.search(r"saved BOM .{1,6}gan2025.{1,6}: 8 rows", r.text), r.text[-3000:]
        saved = c.get("/en/exposure.json?part=saved").json()["rows"]
        assert [(s["name"], s["rows"]) for s in saved] == [("gan2025", 8)]
        assert "gan2025" in c.get("/ja/exposure").text  # the page lists it
