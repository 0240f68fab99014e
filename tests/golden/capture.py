"""Write the golden JSON of every command in ``commands.txt`` (run by hand, not by pytest).

Usage: ``CRITMIN_HOME=<home with an imported store> python tests/golden/capture.py``.
The golden files record what the commands printed before the request layer took over;
``tests/views/test_golden.py`` checks that the responses still say the same.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

from typer.testing import CliRunner

HERE = Path(__file__).resolve().parent


def commands() -> list[tuple[str, list[str]]]:
    """(name, argv) of each golden command."""
    out = []
    for line in (HERE / "commands.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, args = line.split("\t")
            out.append((name, [*shlex.split(args), "--format", "json"]))
    return out


def main() -> None:
    from critmin.views.cli import app

    runner = CliRunner()
    for name, argv in commands():
        result = runner.invoke(app, argv, catch_exceptions=False)
        if result.exit_code != 0:
            sys.exit(f"{name}: exit {result.exit_code}\n{result.output}")
        data = json.loads(result.stdout)
        (HERE / f"{name}.json").write_text(
            json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(name, len(result.stdout))


if __name__ == "__main__":
    main()
