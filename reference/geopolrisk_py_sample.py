"""Run the reference implementation, geopolrisk-py 2.0.1, on a sample of cells.

Creates its own virtual environment (``.cache/geopolrisk-py-venv``), installs
``geopolrisk-py==2.0.1`` from the package index (or ``--wheel PATH``), runs its
``gprs_calc`` for several importers, the EU region, all 53 materials and several years,
and writes every result with full float precision to
``src/critmin/methods/data/geopolrisk_py_2.0.1_sample.csv`` (committed package data; the
parity test and ``critmin validate`` compare critmin's ``--compat geopolrisk-py`` mode
against it) and timings to
``tests/data/geopolrisk_py_2.0.1_timing.json``.

The reference writes into ``~/Documents/geopolrisk``; it runs here with ``HOME`` set to a
temporary folder. critmin itself never imports it.

    python reference/geopolrisk_py_sample.py [--wheel PATH]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV = REPO / ".cache" / "geopolrisk-py-venv"
OUT = REPO / "src" / "critmin" / "methods" / "data" / "geopolrisk_py_2.0.1_sample.csv"
TIMING = REPO / "tests" / "data" / "geopolrisk_py_2.0.1_timing.json"
COUNTRIES = ["Japan", "Germany", "USA", "China", "India", "Rep. of Korea", "EU",
             # cells the reference leaves NaN (a "nan" WGI entry of a partner)
             "New Zealand", "Singapore", "Tunisia"]
YEARS = [2018, 2020, 2022, 2024]

CHILD = r"""
import json, sys, time
start = time.perf_counter()
from geopolrisk.assessment.main import gprs_calc
from geopolrisk.assessment.utils import default_rmlist
loaded = time.perf_counter()
materials = default_rmlist()
years, countries = json.loads(sys.argv[1]), json.loads(sys.argv[2])
out, timing = sys.argv[3], sys.argv[4]
frames = []
t0 = time.perf_counter()
for country in countries:          # one call per importer: gprs_calc stops at its first error
    frames.append(gprs_calc(years, [country], materials))
elapsed = time.perf_counter() - t0
import pandas as pd
res = pd.concat(frames, ignore_index=True)
res.to_csv(out, index=False, float_format="%.17g")
cells = len(res)
json.dump({"reference": "geopolrisk-py 2.0.1", "import_and_load_s": loaded - start,
           "calc_s": elapsed, "cells": cells, "s_per_cell": elapsed / max(cells, 1)},
          open(timing, "w"), indent=2)
print(f"{cells} cells; load {loaded - start:.1f} s; {elapsed / max(cells, 1) * 1000:.1f} ms/cell")
"""


def ensure_venv(wheel: str | None) -> Path:
    """The reference's own environment, created on first use."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                        wheel or "geopolrisk-py==2.0.1"], check=True)
    return python


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help="a local copy of the geopolrisk-py 2.0.1 wheel")
    opts = parser.parse_args()
    python = ensure_venv(opts.wheel)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        subprocess.run([str(python), "-c", CHILD, json.dumps(YEARS), json.dumps(COUNTRIES),
                        str(OUT), str(TIMING)], check=True,
                       env={"HOME": home, "PATH": "/usr/bin:/bin"})
    print(f"wrote {OUT} and {TIMING}")


if __name__ == "__main__":
    main()
