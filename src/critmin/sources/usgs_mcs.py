"""USGS Mineral Commodity Summaries: the world-data release and the salient statistics.

World data (``MCS2025_World_Data.csv``): one row per commodity, country and series
(``TYPE``) with production for two years, plant capacity and reserves. The adapter maps
each (COMMODITY, TYPE) to a catalog commodity and stage through
``maps/usgs_mcs_series.csv``, converts to tonnes of the stated content, keeps "Other
countries" as a remainder (NULL ISO3) and "World total" rows apart, stores lower
bounds (">90000000") flagged, and leaves withheld or blank cells missing.

Another annual edition is a new :class:`WorldFormat` (its column names) in
:data:`FORMATS`; the series map is shared.

Salient statistics (``mcs2025-<code>_salient.csv``): U.S. figures per commodity and
year, one column per item whose name ends in a unit code (``_t``, ``_pct``, ``_dlb``…).
All cells go to ``salient`` with the printed text; price columns also go to ``price``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from critmin.errors import CritminError
from critmin.sources.countries import MAPPED, code_counts, harmonise
from critmin.sources.provenance import Extract, Report, Source
from critmin.sources.units import harmonise_units
from critmin.sources.values import join_flags, parse_cells

PUBLISHER = "U.S. Geological Survey, National Minerals Information Center"
LICENCE = "Public domain (U.S. Government work); attribution requested"


@dataclass(frozen=True)
class WorldFormat:
    """Column names of one annual edition of the world-data file."""

    edition: str
    doi: str
    commodity: str
    country: str
    type: str
    unit: str
    production: dict[int, str]
    capacity: dict[int, str]
    reserves: dict[int, str]
    estimated_years: frozenset[int]
    production_notes: str
    reserve_notes: str


FORMATS = (
    WorldFormat(
        edition="MCS2025", doi="https://doi.org/10.5066/P13XCP3R",
        commodity="COMMODITY", country="COUNTRY", type="TYPE", unit="UNIT_MEAS",
        production={2023: "PROD_2023", 2024: "PROD_EST_ 2024"},
        capacity={2023: "CAP_2023", 2024: "CAP_EST_ 2024"},
        reserves={2024: "RESERVES_2024"}, estimated_years=frozenset({2024}),
        production_notes="PROD_NOTES", reserve_notes="RESERVE_NOTES"),
)


def _columns(fmt: WorldFormat) -> list[str]:
    return [fmt.commodity, fmt.country, fmt.type, fmt.unit, *fmt.production.values(),
            *fmt.capacity.values(), *fmt.reserves.values(), fmt.production_notes,
            fmt.reserve_notes]


def _read_csv(path: Path) -> pd.DataFrame:
    """A USGS CSV: UTF-8 (with or without BOM), else cp1252 as some editions use."""
    _check_complete(path)
    last: Exception | None = None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
        except UnicodeDecodeError as exc:
            last = exc
        except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
            raise CritminError(f"{path.name}: cannot be read as CSV ({exc})") from None
    raise CritminError(f"{path.name}: cannot be read as CSV text ({last})")


def _check_complete(path: Path) -> None:
    """Refuse a CSV cut off mid-row (last line without newline and with too few fields)."""
    with open(path, "rb") as f:
        header = f.readline()
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - 4096))
        tail = f.read()
    if header.startswith(b"PK\x03\x04") or b"\x00" in header:
        raise CritminError(f"{path.name} is not a CSV text file (it is binary, e.g. an Excel "
                           "workbook): expected a USGS MCS CSV")
    if not tail.endswith(b"\n") and size > len(header):
        last = tail.rsplit(b"\n", 1)[-1]
        if last.count(b",") < header.count(b","):
            raise CritminError(f"{path.name} looks truncated: its last line has "
                               f"{last.count(b',') + 1} of {header.count(b',') + 1} fields "
                               "and no line end")


def detect_format(columns: list[str], path: Path) -> WorldFormat:
    """The edition whose columns the file has, or an error naming the expected columns."""
    for fmt in FORMATS:
        if set(_columns(fmt)) <= set(columns):
            return fmt
    expected = "; ".join(f"{f.edition}: {', '.join(_columns(f))}" for f in FORMATS)
    raise CritminError(f"{path.name} is not a USGS MCS world-data file: expected columns "
                       f"{expected}; found {', '.join(columns[:12])}")


@cache
def series_map() -> pd.DataFrame:
    """The (COMMODITY, TYPE) → commodity/stage map of ``maps/usgs_mcs_series.csv``."""
    text = resources.files("critmin.sources").joinpath("maps", "usgs_mcs_series.csv"
                                                       ).read_text(encoding="utf-8")
    rows = list(csv.DictReader(x for x in text.splitlines() if not x.startswith("#")))
    return pd.DataFrame(rows).rename(columns={"note": "series_note"})


def _country_kind(label: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(kind, name without qualifier, qualifier) for each COUNTRY label."""
    clean = label.str.replace("\xa0", " ").str.strip()
    kind = np.where(clean.str.match(r"(?i)^world total"), "world",
                    np.where(clean.str.match(r"(?i)^other countries"), "remainder", "country"))
    qual = clean.str.extract(r"^(.*?)\s*\(([^()]*)\)$")
    keep = clean.isin(_usgs_aliases())
    name = clean.where(keep | qual[0].isna(), qual[0])
    qualifier = qual[1].where(~keep & qual[1].notna(), None)
    return pd.Series(kind, index=label.index), name, qualifier


def _usgs_aliases() -> set[str]:
    from critmin.sources.countries import alias_table

    return set(alias_table("usgs"))


def describe_world(path: Path, sha256: str, fmt: WorldFormat) -> Source:
    """Provenance of a world-data file."""
    year = fmt.edition.removeprefix("MCS")
    return Source(f"usgs-mcs{year}-world", f"USGS Mineral Commodity Summaries {year}: world "
                  "production, capacity and reserves", PUBLISHER,
                  f"{fmt.edition} data release", fmt.doi, LICENCE, sha256, path.name)


def read_world(path: Path, sha256: str) -> Extract:
    """Read a world-data CSV into production, capacity, reserves and world totals."""
    path = Path(path)
    raw = _read_csv(path)
    fmt = detect_format(list(raw.columns), path)
    source = describe_world(path, sha256, fmt)
    report = Report(source.source_id)
    report.add("rows read", len(raw))
    raw["_commodity"] = raw[fmt.commodity].str.strip()
    raw["_type"] = raw[fmt.type].str.strip()
    smap = series_map()
    data = raw.merge(smap, left_on=["_commodity", "_type"],
                     right_on=["usgs_commodity", "usgs_type"], how="left")
    unmapped = data["commodity_id"].isna()
    if unmapped.any():
        names = sorted(data.loc[unmapped, "_commodity"].unique())
        report.add("rows of series not in the catalog (kept out)", int(unmapped.sum()),
                   ", ".join(names))
    data = data[~unmapped].copy()

    kind, name, qualifier = _country_kind(data[fmt.country])
    data["_kind"], data["_name"], data["_qualifier"] = kind, name, qualifier
    countries = data[data["_kind"] == "country"]
    codes = harmonise(countries["_name"], "usgs", by_name=True)
    data = data.merge(codes, left_on="_name", right_on="code", how="left")
    data.loc[data["_kind"] != "country", "iso3"] = None
    bad = (data["_kind"] == "country") & ~data["status"].isin(MAPPED)
    if bad.any():
        report.add("rows of unmapped or unallocated countries (kept out)", int(bad.sum()),
                   ", ".join(sorted(data.loc[bad, "_name"].unique())))
    seen = code_counts(data[data["_kind"] == "country"])
    data = data[~bad]
    quals = data["_qualifier"].notna().sum()
    report.add("country labels with a qualifier in parentheses (kept as flag)", int(quals))

    # unit: the series' override, else UNIT_MEAS, else the series' usual unit
    unit = data[fmt.unit].str.strip()
    usual = unit.replace("", np.nan).groupby([data["_commodity"], data["_type"]]).transform(
        lambda s: s.mode().iloc[0] if s.notna().any() else np.nan)
    blank = unit == ""
    report.add("blank UNIT_MEAS filled from the series", int(blank.sum()))
    unit = unit.where(~blank, usual)
    override = data["unit_override"].replace("", np.nan)
    report.add("rows whose printed unit is corrected by the series map",
               int(override.notna().sum()), "; ".join(sorted(
                   data.loc[override.notna(), "_commodity"].unique())))
    data["_unit"] = override.fillna(unit)
    data["_reserves_unit"] = data["reserves_unit"].replace("", np.nan).fillna(data["_unit"])

    long = []
    measures = [("production", y, c) for y, c in fmt.production.items()]
    measures += [("capacity", y, c) for y, c in fmt.capacity.items()]
    measures += [("reserves", y, c) for y, c in fmt.reserves.items()]
    for measure, year, col in measures:
        part = data[data["production" if measure != "reserves" else "reserves"] == "yes"]
        try:
            cells = parse_cells(part[col])
        except ValueError as exc:
            raise CritminError(f"{path.name}, column {col}: {exc}") from None
        frame = pd.DataFrame({
            "measure": measure, "commodity_id": part["commodity_id"], "stage": part["stage"],
            "iso3": part["iso3"], "kind": part["_kind"], "label": part[fmt.country],
            "year": year,
            "value": cells["value"], "marker": cells["flag"],
            "unit": part["_reserves_unit"] if measure == "reserves" else part["_unit"],
            "estimated": "estimated" if (year in fmt.estimated_years
                                         and measure != "reserves") else None,
            "qualifier": part["_qualifier"].map(
                lambda q: f"qualifier:{q}" if isinstance(q, str) else None),
            "group_total": np.where(part["usgs_commodity"].str.startswith("Platinum-Group")
                                    & (measure == "reserves"), "group_total:PGM", None),
            "not_reserve": part[fmt.reserve_notes].str.contains("not a reserve", case=False)
            if measure == "reserves" else False,
        })
        long.append(frame)
    cells = pd.concat(long, ignore_index=True)
    moved = cells["not_reserve"].astype(bool) & cells["value"].notna()
    report.add("reserve cells noted as not a reserve (kept out)", int(moved.sum()))
    cells = cells[~moved]
    missing = cells["value"].isna()
    for marker, n in cells.loc[missing, "marker"].fillna("blank").value_counts().items():
        report.add(f"cells {marker} (missing, not zero)", int(n))
    cells = cells[~missing].copy()
    bounds = cells["marker"].isin(["lower_bound", "upper_bound"])
    report.add("bounded values stored at the bound and flagged", int(bounds.sum()),
               "; ".join(f"{r.commodity_id} {r.measure} {r.marker}"
                         for r in cells[bounds].itertuples()))
    cells["quantity"], cells["unit"] = harmonise_units(cells["value"], cells["unit"])
    cells["flag"] = join_flags(cells["marker"], cells["estimated"], cells["qualifier"],
                               cells["group_total"],
                               cells["kind"].where(cells["kind"] == "remainder"))
    return Extract(source, report, _world_tables(cells, report), seen)


def _world_tables(cells: pd.DataFrame, report: Report) -> dict[str, pd.DataFrame]:
    keys = ["measure", "commodity_id", "stage", "iso3", "year", "unit"]
    world = cells[cells["kind"] == "world"]
    rest = cells[cells["kind"] != "world"]
    agg = (rest.groupby(keys, dropna=False)
           .agg(quantity=("quantity", "sum"), n=("quantity", "size"),
                flag=("flag", lambda f: ";".join(sorted({x for v in f.dropna()
                                                         for x in v.split(";")})) or None))
           .reset_index())
    report.add("country-years summed over several series (e.g. ilmenite + rutile)",
               int((agg["n"] > 1).sum()))
    tables = {}
    for measure in ("production", "capacity"):
        tables[measure] = agg[agg["measure"] == measure][
            ["commodity_id", "stage", "iso3", "year", "quantity", "unit", "flag"]]
    tables["reserves"] = agg[agg["measure"] == "reserves"][
        ["commodity_id", "iso3", "year", "quantity", "unit", "flag"]]
    # one world total per measure/commodity/stage/year: a combined row ("... and ...")
    # where the source prints one, else the sum of the series' totals
    totals = []
    for key, grp in world.groupby(["measure", "commodity_id", "stage", "year", "unit"]):
        combined = grp[grp["label"].str.contains(r"\band\b")]
        quantity = combined["quantity"].iloc[0] if len(combined) else grp["quantity"].sum()
        flags = sorted({x for v in grp["flag"].dropna() for x in v.split(";")})
        totals.append((*key, quantity, ";".join(flags) or None))
    tables["world_total"] = pd.DataFrame(totals, columns=[
        "measure", "commodity_id", "stage", "year", "unit", "quantity", "flag"])[
        ["measure", "commodity_id", "stage", "year", "quantity", "unit", "flag"]]
    return tables


# --- salient statistics -------------------------------------------------------------

UNIT_CODES = {
    "t": "t", "kt": "kt", "kg": "kg", "g": "g", "mmt": "Mt", "pct": "%", "num": "count",
    "dt": "USD/t", "dkg": "USD/kg", "dlb": "USD/lb", "ctslb": "USc/lb", "dtoz": "USD/troy oz",
    "dto": "USD/troy oz", "dg": "USD/g", "dst": "USD/short ton", "mdol": "million USD",
    "mct": "million carats", "ct": "carats", "mcm": "million m3", "index": "index",
    "msqft": "million sq ft",
}
PRICE_UNITS = {"USD/t", "USD/kg", "USD/lb", "USc/lb", "USD/troy oz", "USD/g",
               "USD/short ton"}


@cache
def salient_commodity_map() -> dict[str, str]:
    """USGS salient ``Commodity`` names → catalog commodity ids."""
    text = resources.files("critmin.sources").joinpath(
        "maps", "usgs_salient_commodities.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(x for x in text.splitlines() if not x.startswith("#"))
    return {r["usgs_commodity"]: r["commodity_id"] for r in rows}


def read_salient(files: list[Path], sha256: str, edition: str) -> Extract:
    """Read salient-statistics CSVs into ``salient`` (all cells) and ``price`` rows."""
    source = Source(f"usgs-mcs{edition}-salient", f"USGS Mineral Commodity Summaries "
                    f"{edition}: U.S. salient statistics (net import reliance, prices)",
                    PUBLISHER, f"MCS{edition} data release, {len(files)} files",
                    FORMATS[0].doi, LICENCE, sha256,
                    files[0].name if len(files) == 1 else f"{files[0].parent.name}/*")
    report = Report(source.source_id)
    cmap = salient_commodity_map()
    frames = []
    for path in files:
        raw = _read_csv(path)
        cols = list(raw.columns)
        if len(cols) < 4 or cols[1] != "Commodity" or cols[2] != "Year":
            raise CritminError(f"{path.name} is not a USGS salient-statistics file: expected "
                               f"columns DataSource, Commodity, Year, <items>; found "
                               f"{', '.join(cols[:6])}")
        items = [c for c in cols[3:] if not c.startswith("Unnamed") and c.strip()]
        dropped = len(cols) - 3 - len(items)
        if dropped:
            report.add("unnamed empty columns skipped", dropped, path.name)
        long = raw.melt(id_vars=["Commodity", "Year"], value_vars=items, var_name="item",
                        value_name="text")
        long["file"] = path.name
        frames.append(long)
    data = pd.concat(frames, ignore_index=True)
    data["usgs_commodity"] = data["Commodity"].str.strip()
    data["year"] = pd.to_numeric(data["Year"].str.extract(r"(\d{4})")[0], errors="coerce")
    bad_year = data["year"].isna()
    if bad_year.any():
        report.add("rows without a year (kept out)", int(bad_year.sum()))
    data = data[~bad_year]
    cells = parse_cells(data["text"], allow_text=True)
    data["value"], data["flag"] = cells["value"], cells["flag"]
    blank = data["flag"] == "blank"
    report.add("blank cells (missing, not zero)", int(blank.sum()))
    data = data[~blank]
    for flag, n in data["flag"].dropna().value_counts().items():
        report.add(f"cells flagged {flag}", int(n))
    code = data["item"].str.extract(r"_([A-Za-z]+)(?:\.\d+)?$")[0]
    data["unit"] = code.map(UNIT_CODES)
    data["commodity_id"] = data["usgs_commodity"].map(cmap)
    report.add("rows of commodities not in the catalog (kept, commodity_id NULL)",
               int(data["commodity_id"].isna().sum()))
    salient = pd.DataFrame({
        "commodity_id": data["commodity_id"], "usgs_commodity": data["usgs_commodity"],
        "iso3": "USA", "year": data["year"].astype(int), "item": data["item"],
        "value": data["value"], "text": data["text"].str.strip(), "unit": data["unit"],
        "flag": data["flag"]})
    is_price = data["item"].str.startswith("Price") & data["unit"].isin(PRICE_UNITS)
    prices = data[is_price & data["value"].notna()]
    price = pd.DataFrame({
        "commodity_id": prices["commodity_id"], "period": prices["year"].astype(int).astype(str),
        "value": prices["value"], "unit": prices["unit"], "currency": "USD",
        "basis": "market", "series": "usgs:" + prices["usgs_commodity"] + ":" + prices["item"],
        "flag": prices["flag"]})
    report.add("annual price values", len(price))
    return Extract(source, report, {"salient": salient, "price": price})


def edition_of(path: Path) -> str:
    """The MCS year in a file or folder name ("mcs2025-cobal_salient.csv" → "2025")."""
    hit = re.search(r"(?i)mcs(\d{4})", str(path))
    if not hit:
        raise CritminError(f"{path}: cannot tell the MCS edition from the file name "
                           "(expected 'mcs<year>' in it)")
    return hit.group(1)

