"""Company material exposure: bill of materials → exposure, concentration, matrices and
actions (white paper, seed 000 scene 1 and recommendation 1; methods.md §14).

Per BOM row r (a part's material bought from one supplier):

    m_r   = mass_per_unit · units_per_year · share            (t/yr, unit-converted)
    v_r   = m_r · price                                        (currency/yr; price per kg)
    σ_i,m = Σ_{r: country i, commodity m} m_r / Σ_{r: m} m_r   supplier-country shares
    HHI_m = Σ_i σ_i,m²      GR_m = Σ_i σ_i,m · g_i            (g: WGI risk 0–1, missing 0.5)
                            (indicators.concentration.hhi_by, governance.governance_weighted_by)
    GPR_m = HHI_m(global production) · GR_m                    company GeoPolRisk (§14)

Matrices (thresholds [C], configurable in :class:`ExposureThresholds`):

- risk × share: x = share of the top supplier country (high: more than half), y = that
  country's risk (high: ≥ 0.5); "high share × high risk" is the quadrant to act on;
- exposure × resilience: exposure = mean of (spend share, HHI, GR, upstream volatility
  axis); resilience = mean of (inventory cover days/90, qualified supplier countries/3,
  recycled content, substitutability), each capped to 0–1; split at 0.5;
- importance × risk × substitutability: cost share (≥ 0.1 high), GPR (≥ 0.1 high),
  non-substitutability 1 − substitutability (≥ 0.5 high): eight cells.

Actions for the high-share × high-risk quadrant come from the national assessment's
policy package, translated to company moves (catalog ``company_actions``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from critmin.catalog.tables import read_table
from critmin.errors import CritminError
from critmin.indicators.concentration import hhi_by, shares_within
from critmin.indicators.governance import MISSING_GOVERNANCE_RISK, governance_weighted_by
from critmin.sources.encoding import header_key, read_csv_any
from critmin.store.bom import replace_bom

if TYPE_CHECKING:
    from critmin.indicators.trade import Members

REQUIRED = ["product", "part", "commodity", "mass_per_unit", "mass_unit", "units_per_year",
            "supplier", "supplier_country", "share"]
OPTIONAL = ["price", "inventory_days", "recycled_content", "substitutability"]
#: accepted header spellings → canonical column (after :func:`header_key`: NFKC, spaces as
#: ``_``, lower case); the canonical names themselves always work. Japanese headers as a
#: Japanese procurement sheet names them (製品 product, 部品 part, 鉱種/材料 material…)
SYNONYMS: dict[str, str] = {
    # English variants
    "material": "commodity", "mineral": "commodity", "country": "supplier_country",
    "unit": "mass_unit", "vendor": "supplier",
    # Japanese
    "製品": "product", "製品名": "product", "品名": "product",
    "部品": "part", "部品名": "part", "部材": "part",
    "鉱種": "commodity", "材料": "commodity", "素材": "commodity", "元素": "commodity",
    "鉱物": "commodity", "金属": "commodity", "鉱種/材料": "commodity",
    "量": "mass_per_unit", "数量": "mass_per_unit", "質量": "mass_per_unit",
    "重量": "mass_per_unit", "使用量": "mass_per_unit", "含有量": "mass_per_unit",
    "1台当たり質量": "mass_per_unit", "1台あたり質量": "mass_per_unit",
    "単位": "mass_unit", "質量単位": "mass_unit",
    "生産台数": "units_per_year", "年間生産台数": "units_per_year", "台数": "units_per_year",
    "年間生産量": "units_per_year",
    "サプライヤー": "supplier", "サプライヤ": "supplier", "供給者": "supplier",
    "仕入先": "supplier", "調達先": "supplier", "供給元": "supplier",
    "国": "supplier_country", "供給国": "supplier_country", "調達国": "supplier_country",
    "サプライヤー国": "supplier_country", "国名": "supplier_country",
    "シェア": "share", "比率": "share", "調達比率": "share", "割合": "share",
    "調達シェア": "share",
    "価格": "price", "単価": "price", "価格(usd/kg)": "price",
    "在庫日数": "inventory_days", "在庫": "inventory_days",
    "リサイクル材比率": "recycled_content", "再生材比率": "recycled_content",
    "リサイクル率": "recycled_content", "再生材含有率": "recycled_content",
    "代替可能性": "substitutability", "代替性": "substitutability",
    "代替可能度": "substitutability",
}
MASS_UNITS = {"mg": 1e-9, "g": 1e-6, "kg": 1e-3, "t": 1.0}   # → tonnes
MAX_BYTES = 200_000_000
MAX_ROWS = 2_000_000
MAX_ERRORS_SHOWN = 20


@dataclass(frozen=True)
class ExposureThresholds:
    """Breaks of the three matrices (project choices [C], methods.md §14)."""

    share: float = 0.5             # risk × share: top-country share (high: more than this)
    risk: float = 0.5              # risk × share: that country's governance risk
    exposure: float = 0.5
    resilience: float = 0.5
    importance: float = 0.1        # cost (or mass) share of the BOM
    gpr: float = 0.1               # company GeoPolRisk HHI · GR
    non_substitutability: float = 0.5
    inventory_days_full: float = 90.0
    supplier_countries_full: int = 3


class BomError(CritminError):
    """A BOM that cannot be imported; ``problems`` lists (row, column, message)."""

    def __init__(self, source: str, problems: list[tuple[int | None, str, str]]) -> None:
        self.problems = problems
        shown = "\n".join(f"  row {r}: {c}: {m}" if r is not None else f"  {c}: {m}"
                          for r, c, m in problems[:MAX_ERRORS_SHOWN])
        more = len(problems) - MAX_ERRORS_SHOWN
        super().__init__(f"{source}: {len(problems)} problem(s), nothing imported\n{shown}"
                         + (f"\n  … and {more} more" if more > 0 else ""))


def read_bom_file(path: Path, sheet: str | None = None, max_bytes: int = MAX_BYTES,
                  max_rows: int = MAX_ROWS) -> pd.DataFrame:
    """The raw BOM table of a CSV or Excel file (all columns as text), with limits."""
    if not path.is_file():
        raise CritminError(f"BOM file {path} not found")
    size = path.stat().st_size
    if size == 0:
        raise BomError(str(path), [(None, "file", "the file is empty")])
    if size > max_bytes:
        raise BomError(str(path), [(None, "file", f"{size:,} bytes is over the limit of "
                                    f"{max_bytes:,} bytes")])
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=str, nrows=max_rows + 1)
        elif suffix in (".csv", ".txt"):  # UTF-8 (± BOM), else cp932 (sources.encoding)
            frame, _encoding = read_csv_any(path, "BOM", dtype=str, nrows=max_rows + 1,
                                            keep_default_na=False)
        else:
            raise BomError(str(path), [(None, "file", "use a .csv or .xlsx file")])
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise BomError(str(path), [(None, "file", f"cannot be read: {exc}")]) from None
    if len(frame) > max_rows:
        raise BomError(str(path), [(None, "file", f"more than {max_rows:,} rows")])
    if frame.empty:
        raise BomError(str(path), [(None, "file", "no data rows")])
    return frame


def validate_bom(raw: pd.DataFrame, source: str = "BOM", resolve_commodity: Any = None,
                 resolve_country: Any = None) -> pd.DataFrame:
    """The BOM with ``commodity_id``, ``iso3``, numbers and ``mass_t`` (t/yr), or a
    :class:`BomError` listing every bad row (row numbers as in the file, header = 1)."""
    raw = canonical_columns(raw, source)
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise BomError(source, [(None, "columns", f"missing {', '.join(missing)}; required: "
                                 f"{', '.join(REQUIRED)}; optional: {', '.join(OPTIONAL)} "
                                 "(Japanese headers such as 製品, 部品, 鉱種, 数量, 単位, "
                                 "生産台数, サプライヤー, 国, シェア, 価格 are accepted)")])
    problems: list[tuple[int | None, str, str]] = []
    rows = np.arange(len(raw)) + 2
    out = pd.DataFrame({"row": rows})
    for c in ("product", "part", "supplier"):
        text = raw[c].fillna("").astype(str).str.strip()
        bad = text == ""
        problems += [(int(r), c, "empty") for r in rows[bad.to_numpy()]]
        out[c] = text.to_numpy()
    out["commodity_id"] = _resolve(raw["commodity"], "commodity", resolve_commodity, rows,
                                   problems)
    out["iso3"] = _resolve(raw["supplier_country"], "supplier_country", resolve_country, rows,
                           problems)
    unit = raw["mass_unit"].fillna("").astype(str).str.strip().str.lower()
    bad = ~unit.isin(list(MASS_UNITS))
    problems += [(int(r), "mass_unit", f"{u!r} is not one of {', '.join(MASS_UNITS)}")
                 for r, u in zip(rows[bad.to_numpy()], unit[bad], strict=True)]
    out["mass_unit"] = unit.to_numpy()
    for c, lo, hi, required in (("mass_per_unit", 0.0, None, True),
                                ("units_per_year", 0.0, None, True),
                                ("share", 0.0, 1.0, True), ("price", 0.0, None, False),
                                ("inventory_days", 0.0, None, False),
                                ("recycled_content", 0.0, 1.0, False),
                                ("substitutability", 0.0, 1.0, False)):
        out[c] = _number(raw, c, lo, hi, required, rows, problems)
    # shares of one part's material sum to 1
    key = ["product", "part", "commodity_id"]
    ok = out[out["share"].notna() & out["commodity_id"].notna()]
    tot = ok.groupby(key)["share"].sum()
    off = tot[(tot - 1.0).abs() > 0.01]
    if len(off):
        first = ok.set_index(key).loc[off.index].groupby(level=[0, 1, 2])["row"].min()
        problems += [(int(first[k]), "share", f"shares of {k[2]} in part {k[1]!r} of "
                      f"{k[0]!r} sum to {v:.3f}, not 1") for k, v in off.items()]
    if problems:
        raise BomError(source, sorted(problems, key=lambda p: (p[0] or 0, p[1])))
    out["mass_t"] = (out["mass_per_unit"] * out["mass_unit"].map(MASS_UNITS)
                     * out["units_per_year"] * out["share"])
    out["value"] = out["mass_t"] * 1000.0 * out["price"]
    return out


def canonical_columns(raw: pd.DataFrame, source: str = "BOM") -> pd.DataFrame:
    """``raw`` with its headers as canonical BOM columns (:data:`SYNONYMS`); two headers
    meaning one column are a :class:`BomError`."""
    names = [header_key(c) for c in raw.columns]
    names = [SYNONYMS.get(n, n) for n in names]
    seen: dict[str, object] = {}
    problems: list[tuple[int | None, str, str]] = []
    for original, name in zip(raw.columns, names, strict=True):
        if name in seen:
            problems.append((None, "columns", f"{seen[name]!s} and {original!s} both mean "
                             f"{name}: keep one"))
        seen.setdefault(name, original)
    if problems:
        raise BomError(source, problems)
    return raw.set_axis(names, axis=1)


def _resolve(col: pd.Series, name: str, resolver: Any, rows: np.ndarray,
             problems: list[tuple[int | None, str, str]]) -> np.ndarray:
    """Resolve each distinct name once; unknown names are row problems."""
    text = col.fillna("").astype(str).str.strip()
    mapping: dict[str, str | None] = {}
    messages: dict[str, str] = {}
    for value in text.unique():
        if value == "":
            mapping[value], messages[value] = None, "empty"
            continue
        try:
            mapping[value] = resolver(value) if resolver else value
        except CritminError as exc:
            mapping[value], messages[value] = None, str(exc)
    out = text.map(mapping)
    bad = out.isna().to_numpy()
    problems += [(int(r), name, messages[v]) for r, v in zip(rows[bad], text[bad], strict=True)]
    return out.to_numpy(dtype=object)


def _number(raw: pd.DataFrame, col: str, lo: float, hi: float | None, required: bool,
            rows: np.ndarray, problems: list[tuple[int | None, str, str]]) -> np.ndarray:
    if col not in raw.columns:
        return np.full(len(raw), np.nan)
    text = raw[col].fillna("").astype(str).str.strip().str.replace(",", "", regex=False)
    value = pd.to_numeric(text, errors="coerce")
    empty = text == ""
    bad_text = value.isna() & ~empty
    problems += [(int(r), col, f"{t!r} is not a number")
                 for r, t in zip(rows[bad_text.to_numpy()], text[bad_text], strict=True)]
    if required:
        problems += [(int(r), col, "empty") for r in rows[empty.to_numpy()]]
    out_of = value.notna() & ((value < lo) | ((value > hi) if hi is not None else False))
    limit = f"within {lo:g}–{hi:g}" if hi is not None else f"at least {lo:g}"
    problems += [(int(r), col, f"{v:g} must be {limit}")
                 for r, v in zip(rows[out_of.to_numpy()], value[out_of], strict=True)]
    return value.to_numpy(dtype=float)


BOM_COLUMNS = ["row", "product", "part", "commodity_id", "iso3", "supplier", "mass_per_unit",
               "mass_unit", "units_per_year", "share", "price", "inventory_days",
               "recycled_content", "substitutability", "mass_t"]


def store_bom(con: Any, bom: pd.DataFrame, bom_id: str, source_file: str) -> int:
    """Replace BOM ``bom_id`` in the store in one transaction (all rows or none)."""
    from datetime import UTC, datetime

    frame = bom[BOM_COLUMNS].assign(
        bom_id=bom_id, source_file=source_file,
        imported_at=datetime.now(UTC).isoformat(timespec="seconds"))
    frame = frame[["bom_id", *BOM_COLUMNS, "source_file", "imported_at"]]
    return replace_bom(con, frame, bom_id)


@dataclass(frozen=True)
class Upstream:
    """National context for the company's country: the six axes, type and package of
    each commodity, GeoPolRisk production HHI and country risk."""

    axes: pd.DataFrame         # commodity_id → the six axis values (wide)
    types: pd.DataFrame        # commodity_id, type, type_reason
    packages: pd.DataFrame     # type, measure_id, level, level_class
    production_hhi: pd.Series  # commodity_id → HHI of global (primary) production
    risk: pd.Series            # iso3 → governance risk 0–1
    year: int


def upstream_context(con: Any, importer: str | Members, commodity_ids: list[str],
                     year: int | None = None) -> Upstream:
    """Read the national assessment (six indicators, type, package) once, for
    ``importer``: its members ``{name: [(iso3, joined, left)]}`` (as
    :func:`critmin.service.common.members_by_name` gives) or an ISO3 code / group id, in
    ``year`` (default: the latest assessable year)."""
    from critmin.analysis.assessment import assess, check_year
    from critmin.indicators.governance import country_risk, resolve_dimensions, risk_for_years
    from critmin.indicators.importers import importer_members
    from critmin.indicators.inputs import governance_rows, preferred_governance

    members = importer_members(con, [importer]) if isinstance(importer, str) else importer
    yr = check_year(con, year)
    a = assess(con, members, yr, commodity_ids)
    gov = preferred_governance(governance_rows(con))
    dims = resolve_dimensions(set(gov["dimension"]), "auto")
    risk = risk_for_years(country_risk(gov, dims), [yr]).set_index("iso3")["risk"]
    raw = a.wide("raw").set_index("commodity_id")
    return Upstream(axes=a.wide("value").set_index("commodity_id"),
                    types=a.types.set_index("commodity_id")[["type", "type_reason"]],
                    packages=a.packages, production_hhi=raw["production_concentration"],
                    risk=risk, year=yr)


def exposure_table(bom: pd.DataFrame, up: Upstream, thresholds: ExposureThresholds | None
                   = None) -> pd.DataFrame:
    """One row per commodity: mass, value, supplier-country shares, HHI, governance risk,
    company GeoPolRisk, the three matrices, upstream axes and the recommended actions."""
    t = thresholds or ExposureThresholds()
    by_c = bom.groupby(["commodity_id", "iso3"], as_index=False).agg(
        mass_t=("mass_t", "sum"), value=("value", lambda s: s.sum(min_count=1)))
    by_c["sigma"] = shares_within(by_c["mass_t"], [by_c["commodity_id"]]).fillna(0.0)
    by_c["g"] = by_c["iso3"].map(up.risk)
    by_c["g_missing"] = by_c["g"].isna()
    by_c["g_used"] = by_c["g"].fillna(MISSING_GOVERNANCE_RISK)
    by_c = by_c.sort_values(["commodity_id", "sigma", "iso3"], ascending=[True, False, True])
    out = by_c.groupby("commodity_id").agg(
        mass_t=("mass_t", "sum"), value=("value", lambda s: s.sum(min_count=1)),
        top_country=("iso3", "first"), top_share=("sigma", "first"),
        top_risk=("g_used", "first"), n_countries=("iso3", "nunique")).reset_index()
    # a commodity whose suppliers' mass sums to 0 keeps HHI and risk 0 (no shares)
    key = ["commodity_id"]
    out.insert(3, "supplier_hhi",
               out["commodity_id"].map(hhi_by(by_c, key, "mass_t")).fillna(0.0))
    gr = governance_weighted_by(by_c, key, "mass_t", "g")
    out["governance_risk"] = out["commodity_id"].map(gr).fillna(0.0)
    miss = (by_c["sigma"] * by_c["g_missing"]).groupby(by_c["commodity_id"]).sum()
    out["missing_governance_share"] = out["commodity_id"].map(miss)
    out["production_hhi"] = out["commodity_id"].map(up.production_hhi)
    out["company_geopolrisk"] = out["production_hhi"] * out["governance_risk"]
    # importance: spend share where every row has a price, else mass share
    has_value = out["value"].notna().all()
    weight = out["value"] if has_value else out["mass_t"]
    out["importance"] = weight / weight.sum() if weight.sum() > 0 else np.nan
    out["importance_basis"] = "spend share" if has_value else "mass share (no prices)"
    # resilience inputs (mass-weighted means)
    for col in ("inventory_days", "recycled_content", "substitutability"):
        w = bom[bom[col].notna()]
        mean = (w[col] * w["mass_t"]).groupby(w["commodity_id"]).sum() / w.groupby(
            "commodity_id")["mass_t"].sum()
        out[col] = out["commodity_id"].map(mean)
    vol = up.axes["historical_volatility"] if "historical_volatility" in up.axes else None
    out["upstream_volatility"] = out["commodity_id"].map(vol) if vol is not None else np.nan
    out["exposure"] = pd.concat([out["importance"] / out["importance"].max(),
                                 out["supplier_hhi"], out["governance_risk"],
                                 out["upstream_volatility"]], axis=1).mean(axis=1)
    out["resilience"] = pd.concat([
        (out["inventory_days"] / t.inventory_days_full).clip(0, 1),
        (out["n_countries"] / t.supplier_countries_full).clip(0, 1),
        out["recycled_content"], out["substitutability"]], axis=1).mean(axis=1)
    out["quadrant"] = np.select(
        [(out["top_share"] > t.share) & (out["top_risk"] >= t.risk),
         out["top_share"] > t.share, out["top_risk"] >= t.risk],
        ["high share × high risk", "high share × low risk", "low share × high risk"],
        "low share × low risk")
    out["exposure_resilience"] = np.select(
        [(out["exposure"] >= t.exposure) & (out["resilience"] < t.resilience),
         out["exposure"] >= t.exposure, out["resilience"] < t.resilience],
        ["high exposure × low resilience", "high exposure × high resilience",
         "low exposure × low resilience"], "low exposure × high resilience")
    non_sub = 1.0 - out["substitutability"]
    out["non_substitutability"] = non_sub
    out["cube_cell"] = [
        "/".join(("high" if v >= th else "low") if v == v else "unknown"
                 for v, th in ((i, t.importance), (r, t.gpr), (n, t.non_substitutability)))
        for i, r, n in zip(out["importance"], out["company_geopolrisk"], non_sub, strict=True)]
    upstream = up.axes.drop(columns=["importer"], errors="ignore").add_prefix("upstream_")
    out = out.merge(upstream, left_on="commodity_id", right_index=True, how="left")
    out = out.merge(up.types, left_on="commodity_id", right_index=True, how="left")
    out["actions"] = company_actions(out, up.packages, t)
    return out


def company_actions(table: pd.DataFrame, packages: pd.DataFrame,
                    t: ExposureThresholds) -> list[list[dict[str, str]]]:
    """Recommended moves for each commodity in the high-share × high-risk quadrant: the
    national package's measures at level focus or where-conditions-fit, as company moves
    (catalog ``company_actions``), plus supplier diversification; each with its reason."""
    moves = {r["measure_id"]: r for r in read_table("company_actions")}
    out = []
    for r in table.itertuples(index=False):
        if r.quadrant != "high share × high risk":
            out.append([])
            continue
        acts = [{"action": "diversify_suppliers", "strength": "recommended",
                 "reason": f"top supplier country {r.top_country} {100 * r.top_share:.0f} % "
                           f"> {100 * t.share:.0f} % with governance risk {r.top_risk:.2f} "
                           f"≥ {t.risk:g}",
                 "reason_ja": f"最大供給国 {r.top_country} {100 * r.top_share:.0f} % > "
                              f"{100 * t.share:.0f} %、ガバナンスリスク {r.top_risk:.2f} ≥ "
                              f"{t.risk:g}"}]
        pk = packages[packages["type"] == r.type]
        for p in pk.itertuples(index=False):
            if p.level_class not in ("focus", "where_conditions_fit"):
                continue
            m = moves[p.measure_id]
            strength = "recommended" if p.level_class == "focus" else "consider"
            acts.append({"action": m["action_id"], "strength": strength,
                         "reason": f"national type {r.type}: {p.measure_id} is {p.level}",
                         "reason_ja": f"国の類型 {r.type}：{p.measure_id} は {p.level}"})
        out.append(acts)
    return out


def price_sensitivity(bom: pd.DataFrame, shocks: dict[str, float]) -> pd.DataFrame:
    """Cost change per product (currency/yr and per unit) for relative price shocks
    ``{commodity_id: +0.5}``: ``Δ = Σ_rows mass·price·shock``."""
    if bom["price"].isna().all():
        raise CritminError("the BOM has no prices: add a 'price' column (per kg) for "
                           "price sensitivity")
    f = bom.assign(shock=bom["commodity_id"].map(shocks).fillna(0.0))
    f["delta"] = f["value"].fillna(0.0) * f["shock"]
    units = f.groupby("product")["units_per_year"].max()
    per = f.groupby("product").agg(material_cost=("value", "sum"),
                                   cost_change=("delta", "sum")).reset_index()
    per["cost_change_per_unit"] = per["cost_change"] / per["product"].map(units)
    per["cost_change_share"] = per["cost_change"] / per["material_cost"].where(
        per["material_cost"] > 0)
    return per


def price_shock_by_commodity(bom: pd.DataFrame, shocks: dict[str, float]) -> pd.DataFrame:
    """The same cost change per commodity: ``commodity_id, price_shock, cost_change``
    with ``cost_change = Σ_rows of the commodity mass·price·shock`` (currency/yr; summed
    over products, so the per-product totals of :func:`price_sensitivity` add up to it;
    missing when none of the commodity's rows has a price)."""
    f = bom.assign(price_shock=bom["commodity_id"].map(shocks).fillna(0.0))
    f["cost_change"] = f["value"] * f["price_shock"]
    by = f.groupby("commodity_id")
    # a commodity without any price has no cost change (missing), not 0
    return pd.DataFrame({"price_shock": by["price_shock"].first(),
                         "cost_change": by["cost_change"].sum(min_count=1)}).reset_index()


def examples() -> dict[str, Any]:
    """{example id: resource} of the shipped example BOMs."""
    from importlib import resources

    folder = resources.files("critmin.analysis").joinpath("data", "bom")
    return {p.name.removesuffix(".csv"): p for p in folder.iterdir() if p.name.endswith(".csv")}
