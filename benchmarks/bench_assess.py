"""Benchmarks of the six-indicator assessment (issue 6 targets, 2 cores).

Whole commands, cold (a new process each time), on the store in ``$CRITMIN_HOME``;
medians of ``--repeat`` runs and the ratio to each target:

- ``critmin assess`` for every catalog commodity, one importer (JPN) and year: ≤ 2 s;
- the same for every importer at once (``-i all``): ≤ 5 s;
- ``critmin report`` for Japan (HTML + Excel, every radar, the example what-if): ≤ 30 s.

    python benchmarks/bench_assess.py [--repeat 5] [--year 2023]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"assess_one_importer_s": 2.0, "assess_all_importers_s": 5.0,
           "report_japan_s": 30.0}


def cold(args: list[str], repeat: int) -> dict[str, float]:
    """Median, min and max wall time of a ``critmin`` command run in a new process."""
    exe = Path(sys.executable).with_name("critmin")
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([str(exe), *args], check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return {"median_s": statistics.median(samples), "min_s": min(samples),
            "max_s": max(samples), "n": repeat}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--year", default="2023")
    opts = parser.parse_args()
    year = ["--year", opts.year]
    res: dict[str, object] = {"cores": os.cpu_count()}
    runs = {
        "assess_one_importer_s": ["assess", "-i", "JPN", *year, "--set", "all", "-f", "json"],
        "assess_all_importers_s": ["assess", "-i", "all", *year, "--set", "all", "-f", "csv"],
    }
    with tempfile.TemporaryDirectory() as out:
        runs["report_japan_s"] = ["report", "-i", "JPN", *year, "--lang", "ja", "--levers",
                                  "example", "--out", out]
        for key, args in runs.items():
            stats = cold(args, opts.repeat)
            res[key] = stats
            res[key.replace("_s", "_target_ratio")] = stats["median_s"] / TARGETS[key]
    for key, value in res.items():
        shown = f"{value['median_s']:.3f} s (min {value['min_s']:.3f}, max {value['max_s']:.3f})" \
            if isinstance(value, dict) else (f"{value:.3f}" if isinstance(value, float) else value)
        print(f"{key:34} {shown}")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
