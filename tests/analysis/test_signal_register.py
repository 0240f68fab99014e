"""Registers of signals entered by people: accepted whole, or refused with the line of
every fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from critmin.analysis.signal_register import read_register, register_signals
from critmin.errors import CritminError

HEADER = "date,commodity,country,source,tier,text\n"


def test_example_register_is_valid() -> None:
    from importlib import resources

    path = resources.files("critmin.analysis").joinpath("data", "signal_register_example.csv")
    reg = read_register(Path(str(path)))
    assert reg["commodity_id"].tolist() == ["rare_earths", "graphite"]
    assert reg["line"].tolist() == [2, 3] and reg["country"].tolist() == ["CHN", ""]


def test_names_and_japanese_tiers_resolve(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_text(HEADER + "2025-01-02,ニッケル,インドネシア,report,中期対応,delay\n",
                 encoding="utf-8")
    reg = read_register(p)
    assert reg.iloc[0][["commodity_id", "country", "tier"]].tolist() == [
        "nickel", "IDN", "medium_term"]
    sig = register_signals(reg, "JPN", [2025])
    assert sig["rule"].tolist() == ["register"] and sig["partner"].tolist() == ["IDN"]
    assert register_signals(reg, "JPN", [2024]).empty


def test_faulty_register_is_refused_with_line_numbers(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(HEADER + "2025-01-02,nickel,JPN,s,watch,fine\n"
                 "2025-13-01,unobtainium,JPN,s,watch,bad date and mineral\n"
                 "2025-02-01,nickel,Atlantis,s,urgent,bad country and tier\n"
                 "2025-02-01,nickel,,,watch,\n", encoding="utf-8")
    with pytest.raises(CritminError) as err:
        read_register(p)
    msg = str(err.value)
    assert "refused (6 errors)" in msg
    for line, what in ((3, "bad date '2025-13-01'"), (3, "unknown mineral 'unobtainium'"),
                       (4, "unknown country 'Atlantis'"), (4, "unknown tier 'urgent'"),
                       (5, "no source"), (5, "no text")):
        assert f"line {line}: {what}" in msg
    assert "line 2" not in msg


def test_yaml_register_and_missing_columns(tmp_path: Path) -> None:
    y = tmp_path / "r.yaml"
    y.write_text("signals:\n  - date: 2025-03-01\n    commodity: graphite\n    country: CHN\n"
                 "    source: x\n    tier: watch\n    text: ok\n"
                 "  - date: soon\n    commodity: graphite\n    source: x\n    tier: watch\n"
                 "    text: t\n", encoding="utf-8")
    with pytest.raises(CritminError, match=r"line 8: bad date 'soon'"):
        read_register(y)
    c = tmp_path / "c.csv"
    c.write_text("date,commodity,text\n2025-01-01,nickel,x\n", encoding="utf-8")
    with pytest.raises(CritminError, match="line 1: missing columns country, source, tier"):
        read_register(c)
