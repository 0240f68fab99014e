"""Fill the calibrated other-use CAGRs of the reference demand scenario.

For each mineral marked ``calibrated: true`` in ``analysis/data/demand/reference.yaml``,
prints the other-use CAGR that makes the total CAGR 2019–2050 equal the study's
(catalog ``demand_reference``), so the file can be updated by hand with the values shown.

    python reference/calibrate_demand.py
"""

from __future__ import annotations

from critmin.analysis.demand import calibrate_other_cagr, read_scenario, study_table


def main() -> None:
    sc = read_scenario("reference")
    table = study_table()
    for cid, m in sc.minerals.items():
        if m.calibrated:
            g = calibrate_other_cagr(sc, cid, float(table[cid]["cagr_2019_2050"]))
            print(f"{cid:12} other-use CAGR {g:.5f}")


if __name__ == "__main__":
    main()
