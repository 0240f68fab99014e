import pandas as pd

from critmin.indicators.inputs import (
    choose_sources,
    governance_rows,
    preferred_governance,
    preferred_production,
    source_rank,
)


def _rows():
    return pd.DataFrame({
        "commodity_id": ["x"] * 5, "stage": "mining", "year": [2023, 2023, 2023, 2022, 2023],
        "iso3": ["A", "B", "A", "A", "A"], "quantity": [1.0, 2.0, 3.0, 4.0, 5.0],
        "source_id": ["wmd-bundle", "wmd-bundle", "usgs-mcs2025-world", "wmd-bundle",
                      "usgs-mcs2026-world"]})


def test_rank_by_prefix():
    ranks = source_rank(pd.Series(["usgs-mcs2025-world", "wmd-bundle", "user-x"]),
                        ("usgs-mcs", "wmd"))
    assert list(ranks) == [0, 1, 2]


def test_one_source_per_total_newest_edition_first():
    out = preferred_production(_rows(), ("usgs-mcs", "wmd"))
    assert set(out.loc[out.year == 2023, "source_id"]) == {"usgs-mcs2026-world"}
    assert set(out.loc[out.year == 2022, "source_id"]) == {"wmd-bundle"}  # fills the gap
    choice = choose_sources(_rows(), ["commodity_id", "stage", "year"], ("usgs-mcs", "wmd"))
    alts = choice.loc[choice.year == 2023, "alternatives"].iloc[0]
    assert alts == ["usgs-mcs2025-world", "wmd-bundle"]


def test_preference_reversed():
    choice = choose_sources(_rows(), ["commodity_id", "stage", "year"], ("wmd", "usgs-mcs"))
    assert set(choice["source_id"]) == {"wmd-bundle"}


def test_release_governance_preferred_bundle_fills_2024(imported_store):
    from critmin.store.io import connect

    with connect(imported_store) as con:
        gov = preferred_governance(governance_rows(con))
    src = gov.groupby(["dimension", "year"])["source_id"].first()
    assert src[("PV", 2023)] == "wgi-release" and src[("PV", 2024)] == "wgi-bundle"
    assert src[("GE", 2023)] == "wgi-release"
    assert not gov.duplicated(["iso3", "year", "dimension"]).any()
