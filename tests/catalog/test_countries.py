import pytest

from critmin.catalog.countries import (
    country_table,
    group_ids,
    group_members,
    resolve_country,
    resolve_group,
    resolve_place,
)
from critmin.errors import UnknownNameError


@pytest.mark.parametrize("name,iso3", [
    ("日本", "JPN"), ("JPN", "JPN"), ("jp", "JPN"), ("Japan", "JPN"), ("中国", "CHN"),
    ("韓国", "KOR"), ("South Korea", "KOR"), ("Korea, South", "KOR"), ("台湾", "TWN"),
    ("コンゴ民主共和国", "COD"), ("Congo, D.R.", "COD"), ("DR Congo", "COD"),
    ("アメリカ", "USA"), ("豪州", "AUS"), ("DRコンゴ", "COD"),
    ("United States", "USA"), ("Turkey", "TUR"), ("Türkiye", "TUR"),
    ("ZAR", "COD"), ("Kosovo", "XKX"), ("SUN", "SUN"),
])
def test_resolve_country(name, iso3):
    assert resolve_country(name) == iso3


# the World Bank's names (WGI dataset's countryname, as in WDI) that pycountry lacks: a
# small real extract of wgidataset.xlsx
@pytest.mark.parametrize(("name", "iso3"), [
    ("Bahamas, The", "BHS"), ("Congo, Dem. Rep.", "COD"), ("Egypt, Arab Rep.", "EGY"),
    ("Gambia, The", "GMB"), ("Hong Kong SAR, China", "HKG"), ("Iran, Islamic Rep.", "IRN"),
    ("Jersey, Channel Islands", "JEY"), ("Korea, Dem. Rep.", "PRK"), ("Korea, Rep.", "KOR"),
    ("Lao PDR", "LAO"), ("Macao SAR, China", "MAC"), ("Micronesia, Fed. Sts.", "FSM"),
    ("Netherlands Antilles (former)", "ANT"), ("St. Kitts and Nevis", "KNA"),
    ("St. Lucia", "LCA"), ("St. Vincent and the Grenadines", "VCT"),
    ("São Tomé and Principe", "STP"), ("Taiwan, China", "TWN"), ("Venezuela, RB", "VEN"),
    ("West Bank and Gaza", "PSE"), ("Yemen, Rep.", "YEM"),
])
def test_world_bank_names(name, iso3):
    assert resolve_country(name) == iso3


def test_unknown_country_lists_close_choices():
    with pytest.raises(UnknownNameError) as info:
        resolve_country("Japn")
    assert "Japan" in info.value.suggestions


@pytest.mark.parametrize(("name", "several"), [
    ("JPN,AUS", ["JPN", "AUS"]), ("日本、オーストラリア", ["日本", "オーストラリア"]),
    ("Japan; Korea", ["Japan", "Korea"]), ("JPN AUS", ["JPN", "AUS"]),
    ("Japn,AUS", None),  # a part unknown: the closest choices as usual
])
def test_several_countries_in_one_name_are_named_not_split(name, several):
    """A list typed as one value (``-i JPN,AUS``) is an error that names its parts (each
    is given as a value of its own); a name with a comma stays one name."""
    with pytest.raises(UnknownNameError) as info:
        resolve_country(name)
    assert info.value.several == several
    if several:
        assert str(info.value) == (f"unknown country {name!r}; it lists several "
                                   f"({', '.join(several)}): give one per value (repeat "
                                   "the option where it takes several)")
    else:
        assert "closest valid choices: Japan" in str(info.value)
    assert resolve_country("Congo, D.R.") == "COD"  # known whole: never split


def test_country_table_has_japanese_names():
    table = country_table().set_index("iso3")
    assert table.loc["JPN", "name_ja"] == "日本"
    assert table.loc["TZA", "name_ja"] == "タンザニア"
    assert table.loc["TWN", "name_ja"] == "台湾"
    assert table["iso3"].is_unique if "iso3" in table else table.index.is_unique


def test_english_display_names_read_as_names():
    """pycountry's inverted names ("Congo, The Democratic Republic of the") are shown by
    their short forms (country_names.csv, with sources); both are still accepted."""
    table = country_table().set_index("iso3")
    assert table.loc["COD", "name_en"] == "DR Congo"
    assert table.loc["VGB", "name_en"] == "British Virgin Islands"
    assert not table.loc[table["status"] == "current", "name_en"].str.contains(
        r", (?:The|State|Federated) ").any()
    assert resolve_country("Congo, The Democratic Republic of the") == "COD"


def test_groups():
    assert set(group_ids()) >= {"EU27", "OECD", "G7"}
    assert len(group_members("EU27")) == 27
    assert len(group_members("OECD")) == 38
    assert sorted(group_members("g7")) == ["CAN", "DEU", "FRA", "GBR", "ITA", "JPN", "USA"]
    assert "HRV" not in group_members("EU27", 2010) and "HRV" in group_members("EU27", 2013)
    with pytest.raises(UnknownNameError, match="EU27"):
        group_members("EU28")


def test_a_place_is_a_group_or_a_country():
    """One reading of a group id everywhere (importers, exporters, offtakes, --group):
    case, spaces and punctuation aside; an unknown name suggests the groups too."""
    assert resolve_group(" eu-27 ") == "EU27" and resolve_group("EU") is None
    assert resolve_place("g7") == ("group", "G7")
    assert resolve_place("日本") == ("country", "JPN")
    with pytest.raises(UnknownNameError) as info:
        resolve_place("EU")
    assert "EU27" in info.value.suggestions
    with pytest.raises(UnknownNameError) as info:
        resolve_place("JPN, EU27")
    assert info.value.several == ["JPN", "EU27"]
