"""``critmin signals`` and ``critmin signals backtest`` through Typer's runner: the watch
list by tier in en and ja (80 columns, no machine ids in Japanese), JSON, a refused
register leaving the store as it was."""

from __future__ import annotations

import hashlib
import json
import re

from typer.testing import CliRunner

from critmin.views.cli import app

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def test_watch_list_en(critmin_home) -> None:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        app, ["signals", "-i", "JPN", "--year", "2024", "--lang", "en"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Japan, 2024" in out and "Explanation" in out
    assert re.search(r"(Immediate response|Medium-term response|Watch): Japan", out)
    assert "within 14 days" in out or "within 90 days" in out or "within 30 days" in out


def test_watch_list_ja_80_columns(critmin_home) -> None:
    result = CliRunner(env={"COLUMNS": "80"}).invoke(
        app, ["signals", "-i", "JPN", "--year", "2024", "--lang", "ja"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "日本、2024" in out and "説明" in out
    assert all(len(line) <= 80 for line in out.splitlines())
    assert not SNAKE.findall(out), SNAKE.findall(out)[:5]


def test_default_year_counts_the_later_signals(critmin_home) -> None:
    """The watch list of the default year ends with the later years' signals counted and
    the option that shows them (the test store has data a year after its default)."""
    for lang, words in (("en", "Later data: "), ("ja", "より新しいデータ：")):
        result = CliRunner(env={"COLUMNS": "200"}).invoke(
            app, ["signals", "-i", "JPN", "--lang", lang])
        assert result.exit_code == 0, result.output
        last = result.stdout.strip().splitlines()[-1]
        assert last.startswith(words) and "critmin signals --year " in last, last


def test_json_and_tier(critmin_home) -> None:
    result = CliRunner().invoke(app, ["signals", "-i", "JPN", "--year", "2024", "--tier",
                                      "medium_term", "-f", "json", "--lang", "en"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["command"] == "signals" and doc["rows"]
    assert {r["tier"] for r in doc["rows"]} == {"medium_term"}
    assert {"tier", "tier_threshold", "explanation", "responder"} <= set(doc["columns"])


def test_refused_register_leaves_the_store_unchanged(critmin_home, tmp_path) -> None:
    store = (critmin_home / "critmin.duckdb").resolve()
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    bad = tmp_path / "bad.csv"
    bad.write_text("date,commodity,country,source,tier,text\n"
                   "2024-01-01,unobtainium,,s,soon,t\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["signals", "--register", str(bad), "--lang", "en"])
    assert result.exit_code == 2
    assert "line 2: unknown mineral 'unobtainium'" in result.output
    assert "line 2: unknown tier 'soon'" in result.output
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before


def test_backtest_table_and_json(critmin_home) -> None:
    runner = CliRunner(env={"COLUMNS": "160"})
    result = runner.invoke(app, ["signals", "backtest", "--episode", "ree_quota_2010",
                                 "--lang", "ja"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "早期警戒シグナルのバックテスト：日本" in out and "レアアース" in out
    assert "誤警報：" in out and "2010-01-31" in out
    result = runner.invoke(app, ["signals", "backtest", "--episode", "ree_quota_2010",
                                 "-f", "json"])
    doc = json.loads(result.stdout)
    assert doc["rows"][0]["first_signal"] == "2010-01-31"
    assert doc["rows"][0]["lead_months"] == 6
    assert {a["tier"] for a in doc["false_alarms"]} == {"watch", "medium_term", "immediate"}
