"""Benchmark of the company-exposure analysis (issue 9 target: a 100,000-row BOM, import
and full exposure analysis ≤ 3 s on 2 cores).

Generates a BOM of ``--rows`` rows (products × parts × materials × suppliers drawn from the
catalog's commodities and countries, names in English, Japanese and ISO3), writes it as CSV,
then times the whole cold command ``critmin exposure --bom FILE`` (read, validate, store in
one transaction, national context, exposure table, matrices) and, in-process, each step.
Medians of ``--repeat`` runs.

    python benchmarks/bench_exposure.py [--rows 100000] [--repeat 3]
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

import numpy as np
import pandas as pd


def generate(rows: int, path: Path, seed: int = 1) -> None:
    """A synthetic BOM: 4 suppliers per part material with shares summing to 1."""
    from critmin.catalog.tables import read_table

    rng = np.random.default_rng(seed)
    commodities = [r for r in read_table("commodities") if r["meti13"] == "true"] + [
        r for r in read_table("commodities") if r["commodity_id"] in
        ("copper", "nickel", "lithium", "aluminium", "iron", "tin", "silver")]
    names = [c[k] for c in commodities for k in ("commodity_id", "name_en", "name_ja")]
    countries = ["CHN", "JPN", "KOR", "USA", "DEU", "AUS", "Chile", "中国", "Viet Nam", "IDN"]
    groups = rows // 4
    product = rng.integers(0, 200, groups)
    part = rng.integers(0, 50, groups)
    material = rng.integers(0, len(names), groups)
    shares = rng.dirichlet(np.ones(4), groups).round(4)
    shares[:, -1] = 1.0 - shares[:, :-1].sum(axis=1)
    frame = pd.DataFrame({
        "product": np.repeat([f"product {p}" for p in product], 4),
        "part": np.repeat([f"part {q}-{i}" for i, q in enumerate(part)], 4),
        "commodity": np.repeat([names[m] for m in material], 4),
        "mass_per_unit": np.repeat(rng.uniform(0.001, 20, groups).round(4), 4),
        "mass_unit": "kg",
        "units_per_year": np.repeat(rng.integers(1_000, 500_000, groups), 4),
        "supplier": [f"supplier {i}" for i in range(groups * 4)],
        "supplier_country": rng.choice(countries, groups * 4),
        "share": shares.ravel(),
        "price": np.repeat(rng.uniform(1, 500, groups).round(2), 4),
        "inventory_days": rng.integers(0, 120, groups * 4),
        "recycled_content": rng.uniform(0, 0.5, groups * 4).round(3),
        "substitutability": rng.uniform(0, 1, groups * 4).round(3),
    })
    frame.to_csv(path, index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()

    from critmin.analysis.exposure import (
        exposure_table,
        read_bom_file,
        upstream_context,
        validate_bom,
    )
    from critmin.catalog.commodities import resolve_commodity
    from critmin.catalog.countries import resolve_country
    from critmin.config import store_path
    from critmin.store.io import connect

    res: dict[str, object] = {"cores": os.cpu_count(), "rows": opts.rows}
    exe = Path(sys.executable).with_name("critmin")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bom.csv"
        generate(opts.rows, path)
        res["file_mib"] = path.stat().st_size / 2**20
        steps: dict[str, list[float]] = {"read": [], "validate": [], "national_context": [],
                                         "exposure_table": []}
        for _ in range(opts.repeat):
            t0 = time.perf_counter()
            raw = read_bom_file(path)
            t1 = time.perf_counter()
            bom = validate_bom(raw, str(path), resolve_commodity, resolve_country)
            t2 = time.perf_counter()
            with connect(store_path()) as con:
                up = upstream_context(con, "JPN", sorted(bom["commodity_id"].unique()))
            t3 = time.perf_counter()
            exposure_table(bom, up)
            t4 = time.perf_counter()
            for k, v in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                steps[k].append(v)
        res["in_process_s"] = {k: statistics.median(v) for k, v in steps.items()}
        cold = []
        for _ in range(opts.repeat):
            start = time.perf_counter()
            subprocess.run([str(exe), "exposure", "--bom", str(path), "--name", "bench",
                            "-f", "csv"], check=True, capture_output=True)
            cold.append(time.perf_counter() - start)
        res["cold_command_s"] = statistics.median(cold)
        res["cold_command_runs_s"] = cold
        res["target_s"] = 3.0
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
