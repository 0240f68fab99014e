"""Machine outputs: CSV in Japanese keeps every id and number and adds names; the
format defaults to a table on a terminal and CSV in a pipe."""

from __future__ import annotations

import pandas as pd
import pytest

from critmin.views.output import Format, localised


def test_japanese_csv_translates_headers_and_adds_names_keeping_ids() -> None:
    frame = pd.DataFrame({"commodity": ["cobalt", "rare_earths"], "stage": ["mining", None],
                          "value": [0.5101524962119316, None], "source_ids": ["a", "b"]})
    ja = localised(frame, "ja")
    assert list(ja.columns) == ["鉱種", "鉱種（名称）", "段階", "段階（名称）", "値", "出典ID"]
    assert ja["鉱種"].tolist() == ["cobalt", "rare_earths"]  # the ids, unchanged
    assert ja["鉱種（名称）"].tolist() == ["コバルト", "レアアース"]
    assert ja["値"].iloc[0] == 0.5101524962119316  # full precision
    assert localised(frame, "en") is frame  # English CSV: the ids as headers


def test_format_default_follows_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from critmin.views.app import _resolve_format

    monkeypatch.setattr("sys.stdout", io.StringIO())  # not a terminal
    assert _resolve_format(None) is Format.csv
    assert _resolve_format(Format.json) is Format.json

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdout", Tty())
    assert _resolve_format(None) is Format.table
