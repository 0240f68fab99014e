"""Parameter files (:mod:`critmin.catalog.tables`): read within limits as UTF-8 text, a
path or text said by its type (a one-line file without a final newline was taken for a
path and was "no such file")."""

from __future__ import annotations

from pathlib import Path

import pytest

from critmin.catalog.tables import parse_yaml, read_parameter_text, read_yaml_mapping
from critmin.errors import CritminError


def test_a_path_is_read_and_text_is_parsed(tmp_path: Path) -> None:
    one = tmp_path / "one.yaml"
    one.write_text("id: x", encoding="utf-8")          # one line, no final newline
    assert read_yaml_mapping(one, "f", "project") == {"id": "x"}
    assert read_yaml_mapping("id: y", "f", "project") == {"id": "y"}
    with pytest.raises(CritminError, match="f: no such project file"):
        read_yaml_mapping(tmp_path / "none.yaml", "f", "project")
    with pytest.raises(CritminError, match="f: a project file is a mapping of fields"):
        read_yaml_mapping("- a list", "f", "project")


def test_encodings_and_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from critmin.catalog import tables

    marked = tmp_path / "marked.yaml"
    marked.write_bytes("name: 黒鉛\n".encode("utf-8-sig"))
    assert read_parameter_text(marked, "m", "lever") == "name: 黒鉛\n"
    sjis = tmp_path / "sjis.yaml"
    sjis.write_bytes("name: 黒鉛\n".encode("cp932"))
    with pytest.raises(CritminError, match="s: not UTF-8 text"):
        read_parameter_text(sjis, "s", "lever")
    monkeypatch.setattr(tables, "MAX_YAML_BYTES", 5)
    with pytest.raises(CritminError, match="m: lever files are limited to 5 bytes"):
        read_parameter_text(marked, "m", "lever")


def test_lines_and_syntax_errors() -> None:
    doc = parse_yaml("a: 1\nb:\n  c: 2\n", "t", with_lines=True)
    assert doc == {"a": 1, "b": {"c": 2, "__line__": 3}, "__line__": 1}
    with pytest.raises(CritminError, match="t line 2: not valid YAML"):
        parse_yaml("a: [1\nb: 2\n", "t")
