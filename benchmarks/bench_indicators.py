"""Benchmarks of the indicator engine and GeoPolRisk, and against geopolrisk-py 2.0.1.

Measures the real code paths on the store in ``$CRITMIN_HOME`` (medians of repeats):

- GeoPolRisk, every importer × material stage × year in the store (after opening it);
- GeoPolRisk in ``--compat geopolrisk-py`` mode, every reference country × its 53
  materials × every year;
- every indicator for every importer × commodity × stage × year, with peak memory;
- a cold ``critmin geopolrisk`` command for one cell;
- end to end against the reference on identical cells (the first ``--countries`` of
  its country list × its 53 materials × 2018, 2020, 2022, 2024): the reference run in
  its own environment, started in this run (``reference/geopolrisk_py_sample.py`` makes
  that environment), against a cold ``critmin geopolrisk --compat geopolrisk-py``
  command for the same countries and years, timed before and after the reference (the
  median of both sets: the machine's speed drifts). ``--no-reference`` skips it.

    python benchmarks/bench_indicators.py [--repeat 5] [--countries 1] [--no-reference]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The in-process timings measure the computation, not the store's read cache (which would
# answer every repeat after the first from memory): it is off in this process.
os.environ["CRITMIN_READ_CACHE"] = "0"
sys.path.insert(0, str(REPO / "reference"))

REF_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from geopolrisk.assessment.main import gprs_calc
from geopolrisk.assessment.utils import default_rmlist
res = gprs_calc([2018, 2020, 2022, 2024], json.loads(sys.argv[1]), default_rmlist())
print(json.dumps({"cells": len(res), "wall_s": time.perf_counter() - t0}))
"""


def median_time(fn: object, repeat: int) -> tuple[float, object]:
    """(median seconds, last result) of ``repeat`` calls."""
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def cold_runs(args: list[str], repeat: int) -> list[float]:
    """Wall seconds of ``repeat`` cold ``critmin`` commands."""
    exe = Path(sys.executable).with_name("critmin")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([str(exe), *args], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def cold(args: list[str], repeat: int) -> float:
    return statistics.median(cold_runs(args, repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument("--countries", type=int, default=1,
                        help="reference countries in the end-to-end comparison")
    opts = parser.parse_args()

    from critmin.config import store_path
    from critmin.indicators.engine import compute_indicators
    from critmin.indicators.importers import importer_members
    from critmin.methods.geopolrisk import geopolrisk
    from critmin.methods.geopolrisk_compat import geopolrisk_compat, reference_entities
    from critmin.store.io import connect

    res: dict[str, object] = {"cores": os.cpu_count()}
    with connect(store_path()) as con:
        everyone = importer_members(con)
        t, g = median_time(lambda: geopolrisk(con, everyone), opts.repeat)
        res["geopolrisk_all_s"] = t
        res["geopolrisk_cells"] = int(len(g))
        res["geopolrisk_cells_with_score"] = int(g["score"].notna().sum())
        names = [r[0] for r in con.execute("select country from compat_country "
                                           "order by rowid").fetchall()]
        ents = reference_entities(con, names)
        t, c = median_time(lambda: geopolrisk_compat(con, ents), opts.repeat)
        res["compat_all_s"] = t
        res["compat_cells"] = int(len(c))
        t, ind = median_time(lambda: compute_indicators(con, everyone), opts.repeat)
        res["indicators_world_s"] = t
        res["indicator_values"] = int(len(ind))
    res["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    res["cold_geopolrisk_one_cell_s"] = cold(
        ["geopolrisk", "-i", "JPN", "-c", "cobalt", "--year", "2022", "-f", "csv"], opts.repeat)
    sample = ["Japan"] + [n for n in names if n != "Japan"][: opts.countries - 1]
    res["compared_countries"] = len(sample)
    args = ["geopolrisk", "--compat", "geopolrisk-py", "--year", "2018,2020,2022,2024",
            "-f", "csv"]
    for name in sample:
        args += ["-i", name]
    before = cold_runs(args, opts.repeat)
    res["cold_compat_same_cells_s"] = statistics.median(before)
    if not opts.no_reference:
        from geopolrisk_py_sample import ensure_venv

        python = ensure_venv(None)
        with tempfile.TemporaryDirectory() as home:
            start = time.perf_counter()
            out = subprocess.run([str(python), "-c", REF_CHILD, json.dumps(sample)],
                                 check=True,
                                 capture_output=True, text=True,
                                 env={"HOME": home, "PATH": "/usr/bin:/bin"})
            wall = time.perf_counter() - start
        ref = json.loads(out.stdout.strip().splitlines()[-1])
        res["reference_cells"] = ref["cells"]
        res["reference_end_to_end_s"] = wall
        # the machine's speed drifts over the reference's ~15 minutes: time critmin's
        # command again right after it and use the median of both sets of runs
        after = cold_runs(args, opts.repeat)
        res["cold_compat_same_cells_s"] = statistics.median(before + after)
        res["cold_compat_before_after_s"] = [statistics.median(before),
                                             statistics.median(after)]
        res["speedup_end_to_end"] = wall / res["cold_compat_same_cells_s"]
    targets = {"geopolrisk_all_s": 0.1, "indicators_world_s": 0.3,
               "cold_geopolrisk_one_cell_s": 1.5}
    res["target_ratios"] = {k: round(res[k] / v, 3) for k, v in targets.items()}
    if "speedup_end_to_end" in res:
        res["target_ratios"]["speedup_end_to_end"] = round(res["speedup_end_to_end"] / 1000, 3)
    for key, value in res.items():
        print(f"{key:32} {value:.4g}" if isinstance(value, float) else f"{key:32} {value}")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
