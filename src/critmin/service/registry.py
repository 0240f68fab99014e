"""Every command of the request layer: name → (request model, response model, function).

Each ``critmin.service.<module>`` declares ``COMMANDS``; :func:`commands` gathers them and
:func:`write_schemas` writes one JSON Schema per command (request and response) into
``docs/schemas/``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

MODULES = ("catalog", "data", "indicators", "assess", "shocks", "demand", "exposure",
           "validate", "economics", "signals")

Command = tuple[type, type, Callable[..., Any]]


def commands() -> dict[str, Command]:
    """``{command name: (Request, Response, function)}`` over every service module."""
    out: dict[str, Command] = {}
    for name in MODULES:
        out.update(importlib.import_module(f"critmin.service.{name}").COMMANDS)
    return out


def write_schemas(folder: Path) -> list[Path]:
    """Write ``<command>.request.json`` and ``<command>.response.json`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (req, resp, _) in sorted(commands().items()):
        for part, model in (("request", req), ("response", resp)):
            stem = "_".join(w.strip("-") for w in name.split())
            path = folder / f"{stem}.{part}.json"
            path.write_text(json.dumps(model.model_json_schema(), ensure_ascii=False,
                                       indent=1) + "\n", encoding="utf-8")
            written.append(path)
    return written


if __name__ == "__main__":  # python -m critmin.service.registry [folder]
    import sys

    for p in write_schemas(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schemas")):
        print(p)
