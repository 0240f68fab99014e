"""Benchmarks of shocks and uncertainty (issue 7 targets, 2 cores).

Measures the real code paths on the store in ``$CRITMIN_HOME`` (medians of repeats):

- one deterministic shock (CHN cuts graphite by 75 %, both stages) for every importer at
  once, after the store is open: target ≤ 1 s; the same shock for one more importer on
  the year's data already read (median of 5 importers); and the whole cold ``critmin shock``;
- 10,000 Monte Carlo draws of the six indicators and GeoPolRisk for one importer × every
  catalog commodity with 1 worker (drawn in this process, no cluster) and on a Dask
  LocalCluster of 2 workers: target ≤ 10 s; their ratio and the memory peak (this
  process's peak so far for 1 worker; the workers' for 2).

    python benchmarks/bench_shocks.py [--repeat 3] [--draws 10000] [--year 2023]

Issue 17 (bounded memory): ``--scaling 10000,100000,1000000`` instead runs the command
``critmin uncertainty -i JPN --draws N`` once per N and reports its wall time and the peak
memory of its whole process tree (main process plus Dask workers, sampled with psutil
every 0.2 s: the peak of the summed RSS), then checks that the quantiles of the streaming
sketch agree with the exact ones within their Monte Carlo error (``--check-draws``).

    python benchmarks/bench_shocks.py --scaling 10000,100000,1000000 [--year 2022]
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

# The in-process timings measure the computation, not the store's read cache (which would
# answer every repeat after the first from memory): it is off in this process.
os.environ["CRITMIN_READ_CACHE"] = "0"


def timed(fn: object, repeat: int) -> tuple[float, list[float], object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, out


def tree_peak(argv: list[str]) -> dict[str, float]:
    """Run ``argv``; wall time and peak summed RSS (MiB) of it and its descendants."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(proc.pid)
    peak = peak_main = 0.0
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
            rss = [p.memory_info().rss for p in procs if p.is_running()]
        except psutil.Error:
            continue
        peak = max(peak, sum(rss) / 2 ** 20)
        peak_main = max(peak_main, rss[0] / 2 ** 20 if rss else 0.0)
        time.sleep(0.2)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {err}")
    return {"seconds": time.perf_counter() - start, "peak_tree_mib": peak,
            "peak_main_mib": peak_main}


def scaling(draws: list[int], year: int | None) -> dict[str, object]:
    """Time and peak memory of ``critmin uncertainty -i JPN --draws N`` per N."""
    exe = Path(sys.executable).with_name("critmin")
    out: dict[str, object] = {"cores": os.cpu_count()}
    for n in draws:
        argv = [str(exe), "uncertainty", "-i", "JPN", "--draws", str(n), "-f", "csv"]
        out[str(n)] = tree_peak(argv + (["--year", str(year)] if year else []))
    return out


def sketch_check(draws: int, year: int | None) -> dict[str, object]:
    """Streaming-sketch quantiles of ``draws`` draws against the exact ones of the same
    draws, in units of each quantile's Monte Carlo standard error. The error of the
    p-quantile is estimated by batch means: the draws' chunks split into 20 batches,
    the quantile computed per batch, SE = sd(batch quantiles) / √20."""
    import numpy as np

    from critmin.analysis import uncertainty as u
    from critmin.analysis.assessment import check_year
    from critmin.catalog.commodities import commodity_ids
    from critmin.config import store_path
    from critmin.store.io import connect

    with connect(store_path()) as con:
        yr = check_year(con, year)
        model = u.indicator_model(con, "JPN", yr, commodity_ids())
    raw = u.run_chunks(u.indicator_chunk, model, draws, u.DEFAULT_SEED)
    exact = u.exact_quantiles(model, raw).q
    sketch = u.summary_quantiles(u.run_summary(u.indicator_chunk, model, draws,
                                               u.DEFAULT_SEED)).q
    cols = u.output_columns(model, raw)
    batches = np.array_split(cols, 20)
    per = np.stack([u._quantiles(b) for b in batches])       # (20, 3, cols)
    se = np.nanstd(per, axis=0, ddof=1) / np.sqrt(len(batches))
    diff = np.abs(sketch - exact)
    varying = se > 0
    z = np.where(varying, diff / np.where(varying, se, 1.0), 0.0)
    same = ~varying & ~np.isnan(exact)
    return {"draws": draws, "year": yr, "columns": int(cols.shape[1]),
            "quantiles_compared": int(np.sum(~np.isnan(exact))),
            "max_abs_diff": float(np.nanmax(diff)),
            "max_diff_over_mc_se": float(np.nanmax(z[varying])) if varying.any() else 0.0,
            "median_diff_over_mc_se": float(np.nanmedian(z[varying])),
            "constant_columns_equal": bool(np.allclose(sketch[same], exact[same])),
            "within_mc_se": bool(np.nanmax(z[varying]) <= 1.0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--scaling", help="comma-separated draws, e.g. 10000,100000")
    parser.add_argument("--check-draws", type=int, default=10_000)
    opts = parser.parse_args()
    if opts.scaling:
        res = scaling([int(n) for n in opts.scaling.split(",")], None)
        res["sketch_vs_exact"] = sketch_check(opts.check_draws, opts.year)
        print(json.dumps(res, indent=2))
        return

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
        # another importer of the same shock on the year's data (as the web page asks
        # when the importer changes): the flows and re-sourcing come from the data's memo
        data = shock_data(con, ["graphite"], opts.year)
        run_scenario(data, sc, {"JPN": {"JPN"}})
        switch = []
        for iso3 in ("KOR", "USA", "DEU", "IND", "FRA"):
            start = time.perf_counter()
            run_scenario(data, sc, {iso3: {iso3}})
            switch.append(time.perf_counter() - start)
        res["shock_another_importer_s"] = statistics.median(switch)
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
