"""Parity with geopolrisk-py 2.0.1 on the committed sample of its own results.

The sample (package data: src/critmin/methods/data/geopolrisk_py_2.0.1_sample.csv,
so that `critmin validate` has it too) was written by
reference/geopolrisk_py_sample.py running the reference in its own environment:
9 countries and its EU region × its 53 materials × 2018, 2020, 2022, 2024; New Zealand,
Singapore and Tunisia have cells the reference leaves NaN (a partner's "nan" WGI entry).
"""

import numpy as np
import pandas as pd
import pytest

from critmin.analysis.validate import parity_sample_path
from critmin.methods.geopolrisk_compat import (
    geopolrisk_compat,
    reference_entities,
    reference_materials,
)

SAMPLE = parity_sample_path()
COLUMNS = {"GeoPolRisk Score": "score", "GeoPolRisk Characterization Factor [eq. Kg-Cu/Kg]":
           "cf", "HHI": "hhi", "Import Risk": "import_risk", "Price": "price"}


@pytest.fixture(scope="module")
def compared(store_file):
    from critmin.store.io import connect

    ref = pd.read_csv(SAMPLE).rename(columns=COLUMNS | {
        "Country [Economic Entity]": "importer", "Raw Material": "material", "Year": "year"})
    with connect(store_file) as con:
        ours = geopolrisk_compat(con, reference_entities(con, sorted(ref["importer"].unique())),
                                 years=sorted(ref["year"].unique().tolist()))
        materials = reference_materials(con)
    return ref, ours.merge(ref, on=["importer", "material", "year"], suffixes=("", "_ref")), \
        materials


def test_sample_covers_importers_region_materials_years(compared):
    ref, _both, materials = compared
    assert len(materials) == 53
    assert {"Japan", "EU", "USA"} <= set(ref["importer"])
    assert set(ref["material"]) == set(materials)
    assert len(ref) >= 10 * 53 * 4 * 0.9
    assert ref["score"].isna().any()  # the reference's NaN cells are compared too


def test_every_reference_cell_matches_to_1e9(compared):
    ref, both, _ = compared
    assert len(both) == len(ref)
    for col in COLUMNS.values():
        a, b = both[col].to_numpy(float), both[f"{col}_ref"].to_numpy(float)
        same_nan = np.isnan(a) == np.isnan(b)
        assert same_nan.all(), both.loc[~same_nan, ["importer", "material", "year", col,
                                                    f"{col}_ref"]]
        ok = np.isnan(b) | (np.abs(a - b) <= 1e-9 * np.maximum(np.abs(a), np.abs(b)))
        assert ok.all(), both.loc[~ok, ["importer", "material", "year", col, f"{col}_ref"]]
