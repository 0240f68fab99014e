import pandas as pd

from critmin.sources.countries import harmonise


def test_wmd_names_map_through_pycountry_and_alias_file():
    names = pd.Series(["China", "Congo, D.R.", "Korea, South", "Total", "Taiwan",
                       "French Guiana", "Atlantis"])
    out = harmonise(names, "wmd", by_name=True).set_index("code")
    assert out.loc["China", "iso3"] == "CHN" and out.loc["China", "status"] == "iso"
    assert out.loc["Congo, D.R.", "iso3"] == "COD"
    assert out.loc["Korea, South", "iso3"] == "KOR"
    assert out.loc["Taiwan", "iso3"] == "TWN"
    assert out.loc["French Guiana", "iso3"] == "GUF"
    assert out.loc["Total", "status"] == "aggregate" and out.loc["Total", "iso3"] == ""
    assert out.loc["Atlantis", "status"] == "unmapped"


def test_baci_codes_use_candidates_and_aliases():
    codes = pd.Series(["156", "490", "697", "810", "58"])
    cands = pd.Series(["CHN", "S19", "R20", "SUN", "BEL"])
    out = harmonise(codes, "baci", by_name=False, candidates=cands).set_index("code")
    assert out.loc["156", "iso3"] == "CHN"
    assert out.loc["490", "iso3"] == "TWN"  # Other Asia, nes = Taiwan
    assert out.loc["697", "status"] == "unallocated"
    assert (out.loc["810", "iso3"], out.loc["810", "status"]) == ("SUN", "historic")


def test_wgi_world_bank_codes():
    out = harmonise(pd.Series(["ZAR", "ROM", "KSV", "JPN"]), "wgi", by_name=False)
    assert list(out["iso3"]) == ["COD", "ROU", "XKX", "JPN"]
