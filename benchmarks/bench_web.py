"""Load test of ``critmin serve`` on loopback (issue 19 targets, 2 cores).

Starts a real ``critmin serve`` process on a free port over the store in
``$CRITMIN_HOME``, measures its start (launch → first 200 on ``/api/health``), then runs
each scenario with ``--clients`` concurrent asyncio + httpx clients (spread over
``--procs`` client processes) for ``--seconds`` seconds and reports requests/s,
p50/p95/p99 latency and errors:

- ``assess``: ``GET /api/assess?importer=JPN`` (every commodity), the same request over
  and over — after the first, answered from the result cache (target p95 ≤ 100 ms);
- ``whatif``: ``POST /api/whatif``, one mine lever on rare earths, the same body —
  cached after the first (target p95 ≤ 300 ms);
- ``commodity_page``: ``GET /en/commodity/graphite?importer=JPN``, the HTML page (radar,
  series, producers, partners) — drawn once, then from the page cache;
- ``assess_uncached`` / ``whatif_uncached`` / ``commodity_page_uncached``
  (``--uncached``): each request different (a threshold or the lever's tonnage varies),
  so every one is computed: the cost without the cache.

The first (cold) request of each scenario is timed on its own before the load.

    python benchmarks/bench_web.py [--seconds 30] [--clients 20] [--uncached] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

TARGETS_P95_MS = {"assess": 100.0, "whatif": 300.0}
LEVER = {"lever": "mine", "commodity": "rare_earths", "country": "AUS", "added_t": 20000.0,
         "reserves_t": 0.0, "offtake": 0.5, "kappa": 1.0}

Make = Callable[[int], tuple[str, str, dict[str, Any]]]
"""Request number → (method, path, httpx keyword arguments)."""


def scenarios() -> dict[str, Make]:
    def assess(_i: int) -> tuple[str, str, dict[str, Any]]:
        return "GET", "/api/assess", {"params": {"importer": "JPN"}}

    def whatif(_i: int) -> tuple[str, str, dict[str, Any]]:
        return "POST", "/api/whatif", {"json": {"importer": "JPN", "commodities": [
            "rare_earths"], "levers": [LEVER]}}

    def assess_uncached(i: int) -> tuple[str, str, dict[str, Any]]:
        return "GET", "/api/assess", {"params": {"importer": "JPN",
                                                 "theta_hhi": 0.2 + i * 1e-9}}

    def whatif_uncached(i: int) -> tuple[str, str, dict[str, Any]]:
        return "POST", "/api/whatif", {"json": {"importer": "JPN", "commodities": [
            "rare_earths"], "levers": [{**LEVER, "added_t": 20000.0 + i}]}}

    def commodity_page(_i: int) -> tuple[str, str, dict[str, Any]]:
        return "GET", "/en/commodity/graphite", {"params": {"importer": "JPN"}}

    def commodity_page_uncached(i: int) -> tuple[str, str, dict[str, Any]]:
        return "GET", "/en/commodity/graphite", {"params": {
            "importer": "JPN", "theta_hhi": 0.2 + i * 1e-9}}

    return {"assess": assess, "whatif": whatif, "commodity_page": commodity_page,
            "assess_uncached": assess_uncached, "whatif_uncached": whatif_uncached,
            "commodity_page_uncached": commodity_page_uncached}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> tuple[subprocess.Popen, float]:
    """A ``critmin serve`` process and the seconds from its launch to the first 200."""
    exe = Path(sys.executable).with_name("critmin")
    start = time.perf_counter()
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        if proc.poll() is not None:
            raise SystemExit("critmin serve exited; is there a store in $CRITMIN_HOME?")
        try:
            r = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1)
            if r.status_code == 200:
                return proc, time.perf_counter() - start
        except httpx.TransportError:
            pass
        time.sleep(0.01)


async def load(base: str, make: Make, clients: int, seconds: float, first: int = 1
               ) -> tuple[list[float], list[str], float]:
    """``clients`` concurrent loops sending ``make(i)`` for ``seconds``: latencies (ms),
    errors (status ≥ 400 or a transport error) and the wall time."""
    counter, latencies, errors = itertools.count(first), [], []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                method, path, kwargs = make(next(counter))
                t0 = time.perf_counter()
                try:
                    r = await client.request(method, path, **kwargs)
                    if r.status_code >= 400:
                        errors.append(f"{r.status_code} {r.text[:100]}")
                except httpx.HTTPError as exc:
                    errors.append(type(exc).__name__)
                latencies.append((time.perf_counter() - t0) * 1000)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - start
    return latencies, errors, wall


def _load_process(base: str, name: str, clients: int, seconds: float, first: int
                  ) -> tuple[list[float], list[str], float]:
    return asyncio.run(load(base, scenarios()[name], clients, seconds, first))


def spread_load(base: str, name: str, clients: int, seconds: float, procs: int
                ) -> dict[str, Any]:
    """The load from ``procs`` client processes (one Python event loop cannot drive 20
    HTTP clients without becoming the bottleneck itself), merged."""
    from concurrent.futures import ProcessPoolExecutor

    shares = [clients // procs + (k < clients % procs) for k in range(procs)]
    with ProcessPoolExecutor(procs) as pool:
        parts = list(pool.map(_load_process, [base] * procs, [name] * procs, shares,
                              [seconds] * procs, [1 + k * 10**9 for k in range(procs)]))
    latencies = [x for p in parts for x in p[0]]
    errors = [e for p in parts for e in p[1]]
    return summary(latencies, errors, max(p[2] for p in parts))


def summary(latencies: list[float], errors: list[str], wall: float) -> dict[str, Any]:
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {"requests": len(latencies), "rps": len(latencies) / wall, "p50_ms": q[49],
            "p95_ms": q[94], "p99_ms": q[98], "max_ms": max(latencies, default=0.0),
            "errors": len(errors), "first_errors": errors[:3]}


def cold_request(base: str, make: Make) -> float:
    """Milliseconds of the scenario's first request (nothing cached yet)."""
    method, path, kwargs = make(0)
    t0 = time.perf_counter()
    r = httpx.request(method, base + path, timeout=120, **kwargs)
    r.raise_for_status()
    return (time.perf_counter() - t0) * 1000


def run(opts: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    proc, started = start_server(port)
    base = f"http://127.0.0.1:{port}"
    out: dict[str, Any] = {"cores": os.cpu_count(), "clients": opts.clients,
                           "procs": opts.procs, "seconds": opts.seconds,
                           "start_s": started, "scenarios": {}}
    try:
        names = [n for n in scenarios() if (opts.uncached or not n.endswith("_uncached"))
                 and (not opts.only or n in opts.only)]
        for name in names:
            make = scenarios()[name]
            cold = cold_request(base, make)
            res = spread_load(base, name, opts.clients, opts.seconds, opts.procs)
            out["scenarios"][name] = {"cold_ms": cold, **res}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    return out


def table(res: dict[str, Any]) -> str:
    lines = [f"critmin serve: start {res['start_s']:.2f} s; {res['clients']} clients "
             f"({res['procs']} client processes) × {res['seconds']:g} s per scenario; "
             f"{res['cores']} cores",
             f"{'scenario':<17}{'cold ms':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
             f"{'p99 ms':>9}{'errors':>8}  target p95"]
    for name, s in res["scenarios"].items():
        target = TARGETS_P95_MS.get(name)
        verdict = "" if target is None else (
            f"≤ {target:g} ms {'met' if s['p95_ms'] <= target else 'MISSED'}")
        lines.append(f"{name:<17}{s['cold_ms']:>9.0f}{s['rps']:>9.1f}{s['p50_ms']:>9.1f}"
                     f"{s['p95_ms']:>9.1f}{s['p99_ms']:>9.1f}{s['errors']:>8}  {verdict}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--procs", type=int, default=2,
                        help="client processes the clients are spread over")
    parser.add_argument("--uncached", action="store_true",
                        help="also the scenarios where every request is computed")
    parser.add_argument("--only", nargs="*", choices=list(scenarios()),
                        help="run only these scenarios")
    parser.add_argument("--json", action="store_true", help="print JSON, not a table")
    opts = parser.parse_args()
    res = run(opts)
    print(json.dumps(res, indent=1) if opts.json else table(res))


if __name__ == "__main__":
    main()
