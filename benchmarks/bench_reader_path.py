"""A web reader's path in one process: what a page costs when the pages before it ran.

On the store in ``$CRITMIN_HOME`` (the real service functions, as the web app calls
them): ``assess`` for an importer, then its ``report`` with the example levers, an
``exposure`` of an example BOM and a ``whatif`` — each step timed, in a new Python
process per repeat (so every repeat starts with an empty read cache); medians over
``--repeat`` runs. The report after the assessment reads the kept assessment
(``critmin.store.cache``) instead of making it again.

    python benchmarks/bench_reader_path.py [--repeat 5] [--importer JPN]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

STEPS = ("assess", "report", "exposure", "whatif")

ONE_RUN = """
import json, sys, tempfile, time
from critmin.config import store_path
from critmin.service.assess import (AssessRequest, ReportRequest, WhatIfRequest, assess,
                                    report, whatif)
from critmin.service.exposure import ExposureRequest, exposure
from critmin.store.io import connect

importer = sys.argv[1]
times = {}
with connect(store_path()) as con, tempfile.TemporaryDirectory() as out:
    for name, call in [
            ("assess", lambda: assess(AssessRequest(importers=[importer]), con)),
            ("report", lambda: report(ReportRequest(importers=[importer],
                                                    lever_file="example", out=out), con)),
            ("exposure", lambda: exposure(ExposureRequest(
                bom="example:ev_traction_motor", importer=importer), con)),
            ("whatif", lambda: whatif(WhatIfRequest(importer=importer,
                                                    lever_file="example"), con))]:
        start = time.perf_counter()
        call()
        times[name] = time.perf_counter() - start
print(json.dumps(times))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--importer", default="JPN")
    opts = parser.parse_args()
    runs = [json.loads(subprocess.run([sys.executable, "-c", ONE_RUN, opts.importer],
                                      check=True, capture_output=True, text=True).stdout)
            for _ in range(opts.repeat)]
    res = {step: {"median_s": statistics.median(r[step] for r in runs),
                  "min_s": min(r[step] for r in runs), "max_s": max(r[step] for r in runs),
                  "n": opts.repeat} for step in STEPS}
    for step, v in res.items():
        print(f"{step:10} {v['median_s']:.3f} s (min {v['min_s']:.3f}, max {v['max_s']:.3f})")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
