"""The test suite's time and where its CPU goes (issue 16's target: under 100 s on 2 cores).

Runs the suite ``--repeat`` times as ``make test`` runs it (``pytest -n 2``, the stores
cached in ``.cache/stores``) and prints, as medians over the runs:

- the wall time pytest reports, and its ratio to the 100 s target;
- the machine's CPU time (user + system, all processes: the workers, their commands
  and Chromium) and idle core-seconds over the run, from ``/proc/stat``. On 2 cores
  the wall time is about (CPU + idle) / 2, so CPU is the number a change has to lower;
  it varies less from hour to hour than the wall time;
- the CPU of each test module in the workers: their own, plus their commands'
  (subprocesses the test waited for), slowest first.

    python benchmarks/bench_suite.py [--repeat 3] [--top 15] [--json out.json]

The per-module figures come from this file loaded as a pytest plugin in each worker
(``-p bench_suite``). A module's figure includes the setup of the session fixtures it
used first, and a child process's CPU counts where it is reaped: a command a test runs
and waits for is its own, but a process that outlives its test (Dask's workers,
Playwright's driver and Chromium) counts wherever Python happens to reap it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 100.0
OUT_ENV = "CRITMIN_BENCH_SUITE_OUT"
"""The folder each worker writes its per-module CPU to (set by :func:`run_once`)."""

WORKER = os.environ.get("PYTEST_XDIST_WORKER")
"""This process's xdist worker id (gw0, gw1), None in the controller and the script."""
_module_cpu: Counter[str] = Counter()


def _cpu_s() -> float:
    """CPU seconds of this process and of the children it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


_started: dict[str, float] = {}


def pytest_runtest_logstart(nodeid: str, location: Any) -> None:
    """(Plugin, in each xdist worker: the controller only relays) the CPU when a test's
    setup starts."""
    if WORKER:
        _started[nodeid] = _cpu_s()


def pytest_runtest_logfinish(nodeid: str, location: Any) -> None:
    """(Plugin) the test's CPU, setup to teardown, added to its module's."""
    if WORKER:
        _module_cpu[nodeid.split("::", 1)[0]] += _cpu_s() - _started.pop(nodeid)


def pytest_sessionfinish(session: Any) -> None:
    folder = os.environ.get(OUT_ENV)
    if folder and WORKER:
        Path(folder, f"{WORKER}.json").write_text(json.dumps(dict(_module_cpu)))


def _machine() -> list[int]:
    """user, nice, system, idle jiffies of the whole machine."""
    with open("/proc/stat") as f:
        return [int(x) for x in f.readline().split()[1:5]]


def run_once() -> dict[str, Any]:
    """One run of the suite: wall, CPU and idle seconds, CPU per test module."""
    tick = os.sysconf("SC_CLK_TCK")
    with tempfile.TemporaryDirectory() as out:
        env = {**os.environ, OUT_ENV: out, "CRITMIN_REQUIRE_DATA": "1",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "benchmarks"),
                                                           os.environ.get("PYTHONPATH")]))}
        env.pop("PYTHONDONTWRITEBYTECODE", None)          # as `make test` runs it
        before, start = _machine(), time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "-q",
                               "-p", "bench_suite"], cwd=REPO, env=env,
                              capture_output=True, text=True)
        elapsed, after = time.perf_counter() - start, _machine()
        if done.returncode != 0:
            sys.exit(f"the suite failed (exit {done.returncode}):\n{done.stdout[-3000:]}")
        modules: Counter[str] = Counter()
        for worker in Path(out).glob("*.json"):
            modules.update(json.loads(worker.read_text()))
    user, nice, system, idle = (b - a for a, b in zip(before, after, strict=True))
    reported = re.search(r" in ([0-9.]+)s", done.stdout.strip().splitlines()[-1])
    return {"wall_s": float(reported.group(1)) if reported else elapsed,
            "cpu_s": (user + nice + system) / tick, "idle_s": idle / tick,
            "modules": dict(modules)}


def _positive(text: str) -> int:
    """A whole number ≥ 1 (argparse type)."""
    if not (text.isascii() and text.isdigit() and int(text) >= 1):
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number ≥ 1")
    return int(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=_positive, default=3,
                        help="runs of the whole suite (~100 s each; default 3)")
    parser.add_argument("--top", type=_positive, default=15,
                        help="test modules to list, slowest first (default 15)")
    parser.add_argument("--json", type=Path, help="also write the runs and medians here")
    args = parser.parse_args()
    runs = []
    for i in range(args.repeat):
        runs.append(run_once())
        r = runs[-1]
        print(f"run {i + 1}/{args.repeat}: {r['wall_s']:.1f} s, CPU {r['cpu_s']:.1f} s, "
              f"idle {r['idle_s']:.1f} s", flush=True)
    median = {k: statistics.median(r[k] for r in runs) for k in ("wall_s", "cpu_s", "idle_s")}
    names = {m for r in runs for m in r["modules"]}
    modules = {m: statistics.median(r["modules"][m] for r in runs if m in r["modules"])
               for m in names}  # (a module a run did not time is not counted as 0 s)
    print(f"\nmedian of {args.repeat} on {os.cpu_count()} cores: {median['wall_s']:.1f} s "
          f"({median['wall_s'] / TARGET_S:.2f} of the {TARGET_S:.0f} s target)\n"
          f"machine: CPU {median['cpu_s']:.1f} s, idle {median['idle_s']:.1f} core-s")
    print(f"CPU in the workers' tests: {sum(modules.values()):.1f} s; the slowest modules:")
    for name, cpu in sorted(modules.items(), key=lambda x: -x[1])[:args.top]:
        print(f"  {cpu:6.1f} s  {name}")
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "median": median,
                                         "modules": modules}, indent=1))


if __name__ == "__main__":
    main()
