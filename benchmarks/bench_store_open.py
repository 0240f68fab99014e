"""A script's successive calls, each opening the store: with and without the kept instance.

On the store in ``$CRITMIN_HOME``: ``--calls`` calls of a service function in one
process, each in its own ``with connect(store) as con:`` (as a script or a notebook
cell does), a little apart (``--gap`` seconds, within the keep time); the median call,
once with ``$CRITMIN_STORE_KEEP`` at its default (the store's DuckDB instance kept
between calls, :mod:`critmin.store.io`) and once with ``CRITMIN_STORE_KEEP=0`` (a new
instance per call), each in a new Python process, alternated ``--repeat`` times.

- ``countries``: the country list (a light call: the store's opening dominates);
- ``indicators``: every indicator of one importer and commodity (kept reads after the
  first call).

    python benchmarks/bench_store_open.py [--repeat 3] [--calls 30] [--gap 0.05]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

CALLS = ("countries", "indicators")

ONE_RUN = """
import json, statistics, sys, time
from critmin.config import store_path
from critmin.service.catalog import CountriesRequest, countries
from critmin.service.indicators import IndicatorsRequest, indicators
from critmin.store.io import connect

calls, gap = int(sys.argv[1]), float(sys.argv[2])
asks = {"countries": lambda con: countries(CountriesRequest(), con),
        "indicators": lambda con: indicators(IndicatorsRequest(
            importers=["JPN"], commodities=["cobalt"]), con)}
out = {}
for name, ask in asks.items():
    times = []
    for _ in range(calls + 1):   # the first call opens the store cold: not counted
        time.sleep(gap)
        start = time.perf_counter()
        with connect(store_path()) as con:
            ask(con)
        times.append(time.perf_counter() - start)
    out[name] = statistics.median(times[1:])
print(json.dumps(out))
"""


def one_run(keep: str | None, calls: int, gap: float) -> dict[str, float]:
    """Median seconds per call of each of :data:`CALLS`, in a new process."""
    env = {k: v for k, v in os.environ.items() if k != "CRITMIN_STORE_KEEP"}
    if keep is not None:
        env["CRITMIN_STORE_KEEP"] = keep
    return json.loads(subprocess.run([sys.executable, "-c", ONE_RUN, str(calls), str(gap)],
                                     check=True, capture_output=True, text=True,
                                     env=env).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--gap", type=float, default=0.05)
    opts = parser.parse_args()
    kept, fresh = [], []
    for _ in range(opts.repeat):
        kept.append(one_run(None, opts.calls, opts.gap))
        fresh.append(one_run("0", opts.calls, opts.gap))
    res = {}
    for name in CALLS:
        k = statistics.median(r[name] for r in kept)
        f = statistics.median(r[name] for r in fresh)
        res[name] = {"kept_ms": 1e3 * k, "new_instance_ms": 1e3 * f, "ratio": k / f}
    print(f"cores {os.cpu_count()}; {opts.calls} calls per run, {opts.gap:g} s apart; "
          f"median of {opts.repeat} runs each")
    print(f"{'call':<12} {'kept ms':>9} {'new ms':>9} {'ratio':>7}")
    for name, v in res.items():
        print(f"{name:<12} {v['kept_ms']:9.1f} {v['new_instance_ms']:9.1f} {v['ratio']:7.2f}")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
