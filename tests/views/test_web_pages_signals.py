"""The signals page: the watch list by tier and the backtest, in ja and en, with twins
equal to the CLI's JSON; the API never reads a register file named by a request."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from critmin.views.cli import app as cli_app
from critmin.views.web.app import create_app


@pytest.fixture(scope="module")
def client(imported_store: Path, tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("signals-home")
    (home / "critmin.duckdb").symlink_to(imported_store)
    mp = pytest.MonkeyPatch()
    mp.setenv("CRITMIN_HOME", str(home))
    with TestClient(create_app()) as c:
        yield c
    mp.undo()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_page_shows_tiers_and_backtest(client, lang) -> None:
    page = client.get(f"/{lang}/signals?importer=JPN")
    assert page.status_code == 200
    heads = {"ja": ("即時対応", "バックテスト", "誤警報"), "en": ("Immediate", "Backtest",
                                                              "False alarms")}[lang]
    assert all(h in page.text for h in heads), page.text[:2000]
    visible = re.sub(r"<[^>]+>", " ", page.text.split("<main", 1)[1])
    assert "&lt;NA&gt;" not in page.text and "NaT" not in visible  # missing is blank
    if lang == "ja":  # no rule or tier ids in the Japanese text
        assert not re.search(r"\b(price_spike|import_volume_drop|medium_term)\b", visible)
    # the store has prices after the default year: counted, with a link that shows them
    later = re.search(r'id="signals-later"><a href="([^"]+)"', page.text)
    assert later, "no note on the later years' signals"
    shown = client.get(later.group(1).replace("&amp;", "&"))
    assert shown.status_code == 200 and 'id="signals-later"' not in shown.text


def test_json_twins_equal_the_cli(client) -> None:
    # CRITMIN_HOME is the module's home (the test store) for the app and the CLI alike
    import os

    assert Path(os.environ["CRITMIN_HOME"], "critmin.duckdb").resolve().is_file()
    got = client.get("/en/signals.json?importer=JPN").json()
    cli = CliRunner().invoke(cli_app, ["signals", "-i", "JPN", "--lang", "en", "-f", "json"])
    assert cli.exit_code == 0, cli.output
    want = json.loads(cli.stdout)
    assert got["rows"] == want["rows"] and got["counts"] == want["counts"]
    back = client.get("/en/signals.csv?part=backtest").text
    rows = list(csv.DictReader(io.StringIO(back)))
    assert rows and {"episode", "fired", "lead_months"} <= set(rows[0])


def test_api_refuses_a_register_file(client) -> None:
    r = client.get("/api/signals?register_file=/etc/passwd")
    assert r.status_code == 422 and "register_file" in r.json()["error"]
