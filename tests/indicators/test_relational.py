import numpy as np
import pandas as pd

from critmin.indicators.relational import categorical, run_sql, take_rows


def test_take_rows_expands_codes_without_losing_values():
    table = pd.DataFrame({"importer": ["JPN", "EU27", None], "n": [1, 2, 3]})
    out = pd.DataFrame(take_rows(table, np.array([2, 0, 0, 1])))
    assert out["importer"].dtype == "category"
    assert out["importer"].tolist()[1:] == ["JPN", "JPN", "EU27"]
    assert pd.isna(out["importer"].iloc[0])
    assert out["n"].tolist() == [3, 1, 1, 2]


def test_categoricals_of_different_texts_stack():
    a, b = categorical(["x", "y"]), categorical([None, "z"])
    both = pd.api.types.union_categoricals([a, b])
    assert [v if isinstance(v, str) else None for v in both] == ["x", "y", None, "z"]


def test_run_sql_over_frames():
    out = run_sql("select sum(q) as s from f where k = 'a'",
                  f=pd.DataFrame({"k": ["a", "a", "b"], "q": [1.0, 2.0, 4.0]}))
    assert out["s"].iloc[0] == 3.0
