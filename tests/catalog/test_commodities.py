import pytest

from critmin.catalog.commodities import commodity_ids, meti13_ids, resolve_commodity, stages_of
from critmin.catalog.tables import STAGES, read_table
from critmin.errors import UnknownNameError

REQUIRED = ["phosphorus", "fluorspar", "magnesium", "antimony", "vanadium", "cobalt",
            "tungsten", "tantalum", "indium", "gallium", "palladium", "graphite",
            "rare_earths", "lithium", "nickel", "copper", "manganese", "germanium", "niobium",
            "titanium", "platinum", "aluminium", "zinc", "tin", "molybdenum", "chromium"]


def test_catalog_has_the_required_commodities():
    ids = commodity_ids()
    assert len(ids) >= 25 and len(set(ids)) == len(ids)
    assert set(REQUIRED) <= set(ids)
    assert len(meti13_ids()) == 13 and set(meti13_ids()) <= set(REQUIRED[:13])


def test_every_commodity_has_names_stages_and_a_source():
    for row in read_table("commodities"):
        assert row["name_en"] and row["name_ja"] and row["source"], row["commodity_id"]
        assert stages_of(row["commodity_id"]), row["commodity_id"]
    for table in ("commodity_stages", "production_series"):
        for row in read_table(table):
            assert row["stage"] in STAGES and row["source"]
            assert row["commodity_id"] in commodity_ids()


def test_hs6_codes_are_six_digits():
    for row in read_table("commodity_stages"):
        assert row["hs6"] == "" or (len(row["hs6"]) == 6 and row["hs6"].isdigit())


def test_byproduct_hosts_are_catalog_commodities():
    ids = set(commodity_ids())
    hosts = {"gallium": {"aluminium", "zinc"}, "indium": {"zinc"}, "germanium": {"zinc"}}
    for row in read_table("commodities"):
        for host in filter(None, row["byproduct_hosts"].split(";")):
            assert host in ids or host == "coal", (row["commodity_id"], host)
        if row["commodity_id"] in hosts:
            assert hosts[row["commodity_id"]] <= set(row["byproduct_hosts"].split(";"))


@pytest.mark.parametrize("name,expected", [
    ("rare_earths", "rare_earths"), ("レアアース", "rare_earths"), ("REE", "rare_earths"),
    ("Rare Earths", "rare_earths"), ("Ga", "gallium"), ("ガリウム", "gallium"),
    ("黒鉛", "graphite"), ("  COBALT ", "cobalt"), ("ｺﾊﾞﾙﾄ", "cobalt"), ("PGM", "palladium"),
    ("aluminum", "aluminium"),
])
def test_resolve_commodity(name, expected):
    assert resolve_commodity(name) == expected


def test_unknown_mineral_lists_close_choices():
    with pytest.raises(UnknownNameError) as info:
        resolve_commodity("cobolt")
    assert "cobalt" in info.value.suggestions
    assert "unknown mineral 'cobolt'" in str(info.value)


def test_hs6_codes_exist_in_the_hs92_nomenclature(bundle_wheel, tmp_path):
    import sqlite3

    from critmin.sources.bundle import open_bundle

    db = open_bundle(bundle_wheel, tmp_path).members["baci"]
    with sqlite3.connect(db) as con:
        hs92 = {r[0].zfill(6) for r in con.execute(
            "select code from product_codes_HS92_V202401b")}
    codes = {r["hs6"] for r in read_table("commodity_stages") if r["hs6"]}
    assert codes - hs92 == set()


@pytest.mark.parametrize("name", ["magnesium", "Magnesium", "マグネシウム", "Mg",
                                  "magnesium metal", "金属マグネシウム"])
def test_magnesium_is_the_metal(name):
    assert resolve_commodity(name) == "magnesium"


@pytest.mark.parametrize("name", ["magnesite", "Magnesite", "マグネサイト", "magnesia",
                                  "Magnesium compounds", "菱苦土石"])
def test_magnesite_is_the_ore(name):
    assert resolve_commodity(name) == "magnesite"


def test_magnesium_and_magnesite_are_two_commodities():
    """Issue 15 point 6: the metal (METI-13, refining, no mine stage) and its ore."""
    assert "magnesium" in meti13_ids() and "magnesite" not in meti13_ids()
    assert stages_of("magnesium") == ["refining", "scrap"]
    assert stages_of("magnesite") == ["mining"]
    hs = {(r["commodity_id"], r["stage"]): set() for r in read_table("commodity_stages")}
    for r in read_table("commodity_stages"):
        hs[(r["commodity_id"], r["stage"])].add(r["hs6"])
    assert hs[("magnesium", "refining")] == {"810411", "810419"}
    assert hs[("magnesium", "scrap")] == {"810420"}
    assert hs[("magnesite", "mining")] == {"251910"}
    assert ("magnesium", "mining") not in hs
    series = {(r["commodity_id"], r["stage"], r["series"])
              for r in read_table("production_series")}
    assert ("magnesite", "mining", "Magnesite") in series
    assert ("magnesium", "refining", "Magnesium metal") in series
    assert not any(c == "magnesium" and s == "mining" for c, s, _ in series)


def test_usgs_maps_split_magnesium():
    from critmin.sources.usgs_mcs import salient_commodity_map, series_map

    world = series_map().set_index("usgs_commodity")
    assert world.loc["Magnesium Compounds", "commodity_id"] == "magnesite"
    assert world.loc["Magnesium Compounds", "stage"] == "mining"
    assert world.loc["Magnesium metal", "commodity_id"] == "magnesium"
    assert world.loc["Magnesium metal", "stage"] == "refining"
    salient = salient_commodity_map()
    assert salient["Magnesium Compounds"] == "magnesite"
    assert salient["Magnesium Metal"] == "magnesium"


def test_several_minerals_in_one_name_are_named_not_split():
    with pytest.raises(UnknownNameError) as info:
        resolve_commodity("cobalt;黒鉛")
    assert info.value.several == ["cobalt", "黒鉛"]
    assert "it lists several (cobalt, 黒鉛)" in str(info.value)
