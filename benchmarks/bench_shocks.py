"""Benchmarks of shocks and uncertainty (issue 7 targets, 2 cores).

Measures the real code paths on the store in ``$CRITMIN_HOME`` (medians of repeats):

- one deterministic shock (CHN cuts graphite by 75 %, both stages) for every importer at
  once, after the store is open: target ≤ 1 s; and the whole cold ``critmin shock``;
- 10,000 Monte Carlo draws of the six indicators and GeoPolRisk for one importer × every
  catalog commodity on a Dask LocalCluster with 1 and with 2 workers: target ≤ 10 s; the
  scaling ratio and the memory peak (main process and workers).

    python benchmarks/bench_shocks.py [--repeat 3] [--draws 10000] [--year 2023]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path


def timed(fn: object, repeat: int) -> tuple[float, list[float], object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--year", type=int, default=2023)
    opts = parser.parse_args()

    from critmin.analysis import uncertainty as u
    from critmin.analysis.shocks import run_scenario, shock_data, single_shock
    from critmin.catalog.commodities import commodity_ids
    from critmin.config import store_path
    from critmin.store.io import connect

    res: dict[str, object] = {"cores": os.cpu_count(), "draws": opts.draws}
    sc = single_shock("CHN", "graphite", 0.75, ("mining", "refining"))
    with connect(store_path()) as con:
        def shock() -> object:
            return run_scenario(shock_data(con, ["graphite"], opts.year), sc, None)

        t, times, out = timed(shock, opts.repeat + 2)
        res["shock_all_importers_s"] = t
        res["shock_all_importers_runs_s"] = times
        res["shock_rows"] = int(len(out))
        start = time.perf_counter()
        model = u.indicator_model(con, "JPN", opts.year, commodity_ids())
        res["indicator_model_build_s"] = time.perf_counter() - start
    exe = Path(sys.executable).with_name("critmin")
    cold = []
    for _ in range(opts.repeat):
        start = time.perf_counter()
        subprocess.run([str(exe), "shock", "--exporter", "CHN", "-c", "graphite", "--cut",
                        "0.75", "--year", str(opts.year), "-f", "csv"], check=True,
                       capture_output=True)
        cold.append(time.perf_counter() - start)
    res["shock_cold_command_s"] = statistics.median(cold)
    for workers in (1, 2):
        stats: dict[str, float] = {}

        def ensemble(w: int = workers, s: dict = stats) -> object:
            draws = u.run_chunks(u.indicator_chunk, model, opts.draws, 1, workers=w, stats=s)
            return u.summarise_indicators(model, draws)

        t, times, _ = timed(ensemble, opts.repeat)
        res[f"mc_{workers}_workers_s"] = t
        res[f"mc_{workers}_workers_runs_s"] = times
        res[f"mc_{workers}_workers_peak_rss_mib"] = stats.get("worker_peak_rss_mib")
    res["mc_scaling_1_to_2"] = res["mc_1_workers_s"] / res["mc_2_workers_s"]
    cold = []
    for _ in range(opts.repeat):
        start = time.perf_counter()
        subprocess.run([str(exe), "uncertainty", "-i", "JPN", "--draws", str(opts.draws),
                        "--year", str(opts.year), "-f", "csv"], check=True,
                       capture_output=True)
        cold.append(time.perf_counter() - start)
    res["mc_cold_command_s"] = statistics.median(cold)
    res["main_peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    res["targets"] = {"shock_all_importers_s": 1.0, "mc_2_workers_s": 10.0}
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
