"""The registry of request-layer commands and the JSON Schemas documented in docs/schemas."""

from __future__ import annotations

import json
from pathlib import Path

from critmin.service.base import Request, Response
from critmin.service.registry import commands, write_schemas

DOCS = Path(__file__).resolve().parents[2] / "docs" / "schemas"
CLI_COMMANDS = {"indicators", "geopolrisk", "assess", "whatif", "report", "shock",
                "scenario run", "uncertainty", "demand", "exposure", "data status",
                "commodities", "countries", "validate"}


def test_every_command_has_a_request_and_a_response():
    cmds = commands()
    assert CLI_COMMANDS <= set(cmds)
    for name, (req, resp, fn) in cmds.items():
        assert issubclass(req, Request), name
        assert issubclass(resp, Response), name
        assert callable(fn), name


def test_documented_schemas_are_current(tmp_path: Path):
    written = write_schemas(tmp_path)
    assert {p.name for p in written} == {p.name for p in DOCS.glob("*.json")}, \
        "run: python -m critmin.service.registry docs/schemas"
    for path in written:
        assert json.loads(path.read_text()) == json.loads((DOCS / path.name).read_text()), \
            f"{path.name} is stale: run python -m critmin.service.registry docs/schemas"
