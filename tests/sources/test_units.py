import pandas as pd
import pytest

from critmin.sources.units import harmonise_units


def test_kg_to_tonnes_and_non_masses_kept():
    values, units = harmonise_units(pd.Series([2500.0, 7.0, 3.0]),
                                    pd.Series(["kg", "metr. t", "ct"]))
    assert list(values) == [2.5, 7.0, 3.0]
    assert list(units) == ["t", "t", "ct"]


def test_unknown_unit_is_refused():
    with pytest.raises(ValueError, match="unknown units"):
        harmonise_units(pd.Series([1.0]), pd.Series(["lb"]))
