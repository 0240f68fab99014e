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
year, one column per item whose name ends in a unit code (``_t``, ``_pct``, ``_dlb``…);
the release's ``*_meta.xml`` states each column's unit and is preferred to the code
(``maps/usgs_salient_units.csv`` corrects the few that are wrong in both). All cells go to
``salient`` with the printed text and unit; price columns also go to ``price``. Files
covering several commodities (platinum-group metals) attach each item to its own metal
through ``maps/usgs_salient_items.csv``.
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
from critmin.sources.units import PRICE_UNITS, harmonise_units, normalise_unit
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
    data["_printed"] = data[fmt.unit].str.strip()
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
            "value": cells["value"], "marker": _withheld_by_note(
                cells["flag"], part[fmt.reserve_notes if measure == "reserves"
                                    else fmt.production_notes]),
            "unit": part["_reserves_unit"] if measure == "reserves" else part["_unit"],
            "unit_printed": part["_printed"],
            # reserves printed for a whole group (all PGMs on the palladium row) measure
            # the group, not the commodity: content "group:PGM", convertible to nothing
            "content": part["content_code"].where(
                ~(part["usgs_commodity"].str.startswith("Platinum-Group")
                  & (measure == "reserves")), "group:PGM"),
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
    # a withheld producer stays a row without a quantity: its figure exists but is not
    # published (never zero, never absent: the country is a producer)
    withheld = missing & (cells["marker"] == "withheld") & (cells["kind"] == "country") & (
        cells["measure"] != "capacity")
    report.add("withheld producers kept as rows without a quantity", int(withheld.sum()),
               "; ".join(sorted({f"{r.commodity_id} {r.measure} {r.label.strip()}"
                                 for r in cells[withheld].itertuples()})))
    cells = cells[~missing | withheld].copy()
    bounds = cells["marker"].isin(["lower_bound", "upper_bound"])
    report.add("bounded values stored at the bound and flagged", int(bounds.sum()),
               "; ".join(f"{r.commodity_id} {r.measure} {r.marker}"
                         for r in cells[bounds].itertuples()))
    cells["quantity"], cells["unit"] = harmonise_units(cells["value"], cells["unit"])
    cells["flag"] = join_flags(cells["marker"], cells["estimated"], cells["qualifier"],
                               cells["group_total"],
                               cells["kind"].where(cells["kind"] == "remainder"))
    return Extract(source, report, _world_tables(cells, report), seen)


def _union_of_flags(group: np.ndarray, flags: pd.Series, n_groups: int) -> list[str | None]:
    """Per group (numbered 0..n_groups-1 as ``group`` numbers the rows): its rows' flags
    (each ``;``-separated) as one sorted ``;``-separated set, None if there are none. One
    loop over the rows rather than a Python call per group through pandas: the MCS 2025
    import takes 0.55 s instead of 0.68 s."""
    sets: list[set[str]] = [set() for _ in range(n_groups)]
    for g, value in zip(group.tolist(), flags.tolist(), strict=True):
        if isinstance(value, str):
            sets[g].update(value.split(";"))
    return [";".join(sorted(x)) or None for x in sets]


def _world_tables(cells: pd.DataFrame, report: Report) -> dict[str, pd.DataFrame]:
    keys = ["measure", "commodity_id", "stage", "iso3", "year", "unit", "content",
            "unit_printed"]
    world = cells[cells["kind"] == "world"]
    rest = cells[cells["kind"] != "world"]
    groups = rest.groupby(keys, dropna=False)
    agg = groups.agg(quantity=("quantity", "sum"), valued=("quantity", "count"),
                     n=("quantity", "size")).reset_index()
    agg.loc[agg["valued"] == 0, "quantity"] = np.nan  # all missing: missing, not 0
    agg["flag"] = _union_of_flags(groups.ngroup().to_numpy(), rest["flag"], len(agg))
    report.add("country-years summed over several series (e.g. ilmenite + rutile)",
               int((agg["n"] > 1).sum()))
    tables = {}
    cols = ["quantity", "unit", "flag", "content", "unit_printed"]
    for measure in ("production", "capacity"):
        tables[measure] = agg[agg["measure"] == measure][
            ["commodity_id", "stage", "iso3", "year", *cols]]
    tables["reserves"] = agg[agg["measure"] == "reserves"][
        ["commodity_id", "iso3", "year", *cols]]
    # one world total per measure/commodity/stage/year: a combined row ("... and ...")
    # where the source prints one, else the sum of the series' totals
    totals = []
    for key, grp in world.groupby(["measure", "commodity_id", "stage", "year", "unit",
                                   "content", "unit_printed"]):
        combined = grp[grp["label"].str.contains(r"\band\b")]
        quantity = combined["quantity"].iloc[0] if len(combined) else grp["quantity"].sum()
        flags = sorted({x for v in grp["flag"].dropna() for x in v.split(";")})
        totals.append((*key, quantity, ";".join(flags) or None))
    tables["world_total"] = pd.DataFrame(totals, columns=[
        "measure", "commodity_id", "stage", "year", "unit", "content", "unit_printed",
        "quantity", "flag"])[["measure", "commodity_id", "stage", "year", "quantity", "unit",
                              "flag", "content", "unit_printed"]]
    return tables


def _withheld_by_note(marker: pd.Series, notes: pd.Series) -> pd.Series:
    """The cell markers, with blank cells whose note says "W …" (e.g. "W for 23-24":
    the U.S. figure is withheld) marked ``withheld``."""
    by_note = notes.fillna("").str.match(r"^\s*W\b") & marker.eq("blank")
    return marker.where(~by_note.to_numpy(), "withheld")


# --- salient statistics -------------------------------------------------------------

#: column-name unit codes → the unit they stand for (printed spelling; fallback only:
#: the meta XML's attrunit is the authority, see :func:`salient_units`)
UNIT_CODES = {
    "t": "metric tons", "kt": "thousand metric tons", "kg": "kilograms", "g": "grams",
    "mmt": "million metric tons", "pct": "percent", "num": "number",
    "dt": "dollars per metric ton", "dkg": "dollars per kilogram",
    "dlb": "dollars per pound", "ctslb": "cents per pound", "dtoz": "dollars per troy ounce",
    "dto": "dollars per troy ounce", "dg": "dollars per gram", "dct": "dollars per carat",
    "dst": "dollars per short ton", "mdol": "million dollars", "mct": "million carats",
    "ct": "carats", "mcm": "million cubic meters", "index": "index",
    "msqft": "million square feet",
}


def _read_map(name: str) -> list[dict[str, str]]:
    text = resources.files("critmin.sources").joinpath("maps", name).read_text(
        encoding="utf-8")
    return list(csv.DictReader(x for x in text.splitlines() if not x.startswith("#")))


@cache
def salient_commodity_map() -> dict[str, str]:
    """USGS salient ``Commodity`` names → catalog commodity ids (whole files)."""
    return {r["usgs_commodity"]: r["commodity_id"] for r in _read_map(
        "usgs_salient_commodities.csv") if r["commodity_id"]}


@cache
def salient_item_map() -> dict[str, dict[str, str | None]]:
    """Per-item commodities of files covering several commodities
    (``maps/usgs_salient_items.csv``): usgs_commodity → item → commodity id or None."""
    out: dict[str, dict[str, str | None]] = {}
    for r in _read_map("usgs_salient_items.csv"):
        out.setdefault(r["usgs_commodity"], {})[r["item"]] = r["commodity_id"] or None
    return out


@cache
def salient_unit_corrections() -> dict[tuple[str, str], str]:
    """(file, item) → printed unit where even the meta XML is wrong
    (``maps/usgs_salient_units.csv``)."""
    return {(r["file"], r["item"]): r["unit_printed"]
            for r in _read_map("usgs_salient_units.csv")}


def read_meta_units(path: Path) -> list[tuple[str, str | None]]:
    """(attribute label, unit) of each column described by a salient ``*_meta.xml``
    (FGDC metadata: ``attr/attrlabl`` and the first non-empty ``attrunit``)."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise CritminError(f"{path.name}: cannot be read as metadata XML ({exc})") from None
    out = []
    for attr in root.iter("attr"):
        units = [u.text.strip() for u in attr.iter("attrunit") if u.text and u.text.strip()]
        out.append(((attr.findtext("attrlabl") or "").strip(), units[0] if units else None))
    return out


def meta_path(csv_path: Path) -> Path | None:
    """The ``*_meta.xml`` beside a salient CSV: same code, else the one whose code begins
    the CSV's ("mcs2025-lithium_salient.csv" → "mcs2025-lithi_meta.xml")."""
    stem = csv_path.name.removesuffix("_salient.csv")
    same = csv_path.with_name(f"{stem}_meta.xml")
    if same.exists():
        return same
    hits = sorted(p for p in csv_path.parent.glob("*_meta.xml")
                  if stem.startswith(p.name.removesuffix("_meta.xml")))
    return hits[-1] if hits else None


def _code(label: str) -> str | None:
    """The unit code a column name ends with ("Price_Metal_dkg" → "dkg")."""
    hit = re.search(r"_([A-Za-z]+)(?:\.\d+)?$", label)
    return hit.group(1) if hit else None


def _kind(label: str) -> str:
    low = label.lower()
    return "price" if "price" in low else "nir" if "nir" in low else "other"


def salient_units(file: str, columns: list[str], meta: list[tuple[str, str | None]]
                  ) -> dict[str, tuple[str | None, str]]:
    """Printed unit of each item column and where it came from.

    The column's meta attribute is the one with the same label, else (when the meta
    describes as many columns as the CSV has) the one at the same position if both are
    of the same kind (price, NIR, other). Unit: the correction map, else the meta
    ``attrunit``, else the unit code of the meta label, else that of the column name.
    """
    fixes = salient_unit_corrections()
    labels = {lab: unit for lab, unit in meta}
    by_position = len(meta) == len(columns)
    out = {}
    for i, col in enumerate(columns):
        attr = None
        if col in labels:
            attr = (col, labels[col])
        elif by_position and _kind(meta[i][0]) == _kind(col):
            attr = meta[i]
        if (file, col) in fixes:
            out[col] = (fixes[(file, col)], "correction map")
        elif attr and attr[1]:
            out[col] = (attr[1], "meta XML")
        elif attr and UNIT_CODES.get(_code(attr[0]) or ""):
            out[col] = (UNIT_CODES[_code(attr[0]) or ""], "meta XML label code")
        else:
            out[col] = (UNIT_CODES.get(_code(col) or ""), "column-name code")
    return out


def _normalised(printed: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(normalised unit, factor) per printed unit (:func:`normalise_unit`; a unit that
    does not parse gives no unit and factor NaN)."""
    parsed = {}
    for text in printed.dropna().unique():
        try:
            parsed[text] = normalise_unit(text)
        except ValueError:
            parsed[text] = None
    unit = printed.map(lambda t: parsed[t].unit if parsed.get(t) else None)
    factor = printed.map(lambda t: parsed[t].factor if parsed.get(t) else np.nan)
    return unit, factor.astype(float)


def read_salient(files: list[Path], sha256: str, edition: str) -> Extract:
    """Read salient-statistics CSVs into ``salient`` (all cells) and ``price`` rows.

    Units are read once per column (:func:`salient_units`), parsed with pint
    (:func:`critmin.sources.units.normalise_unit`) and stored normalised in ``unit``
    (``value`` converted), with the printed unit in ``unit_printed``; cells whose
    normalised unit is a price per quantity also go to ``price``.
    """
    source = Source(f"usgs-mcs{edition}-salient", f"USGS Mineral Commodity Summaries "
                    f"{edition}: U.S. salient statistics (net import reliance, prices)",
                    PUBLISHER, f"MCS{edition} data release, {len(files)} files",
                    FORMATS[0].doi, LICENCE, sha256,
                    files[0].name if len(files) == 1 else f"{files[0].parent.name}/*")
    report = Report(source.source_id)
    cmap, imap = salient_commodity_map(), salient_item_map()
    frames, how_counts, disagree = [], {}, []
    for path in files:
        raw = _read_csv(path)
        cols = list(raw.columns)
        if len(cols) < 4 or cols[1] != "Commodity" or cols[2] != "Year":
            raise CritminError(f"{path.name} is not a USGS salient-statistics file: expected "
                               f"columns DataSource, Commodity, Year, <items>; found "
                               f"{', '.join(cols[:6])}")
        named = [c for c in cols if not c.startswith("Unnamed") and c.strip()]
        items = named[3:]
        dropped = len(cols) - len(named)
        if dropped:
            report.add("unnamed empty columns skipped", dropped, path.name)
        mpath = meta_path(Path(path))
        meta = read_meta_units(mpath) if mpath else []
        if not mpath:
            report.add("salient files without a meta XML (units from column names)", 1,
                       path.name)
        units = salient_units(path.name, named, meta)
        for col in items:
            printed, how = units[col]
            how_counts[how] = how_counts.get(how, 0) + 1
            code_unit = UNIT_CODES.get(_code(col) or "")
            if how != "column-name code" and printed and code_unit and _differs(
                    printed, code_unit):
                disagree.append(f"{path.name} {col}: {printed} (code: {code_unit})")
        long = raw.melt(id_vars=["Commodity", "Year"], value_vars=items, var_name="item",
                        value_name="text")
        long["file"] = path.name
        long["unit_printed"] = long["item"].map(lambda c, u=units: u[c][0])
        frames.append(long)
    for how, n in sorted(how_counts.items()):
        report.add(f"salient columns with the unit from the {how}", n)
    report.add("columns whose meta XML unit differs from the column-name code (meta used)",
               len(disagree), "; ".join(disagree))
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
    data = data[~blank].copy()
    for flag, n in data["flag"].dropna().value_counts().items():
        report.add(f"cells flagged {flag.replace('_', ' ')}", int(n))
    data["unit"], factor = _normalised(data["unit_printed"])
    bad_unit = data["unit_printed"].notna() & data["unit"].isna()
    report.add("cells whose printed unit does not parse (unit left empty)",
               int(bad_unit.sum()), ", ".join(sorted(data.loc[bad_unit, "unit_printed"]
                                                     .unique())))
    data["value"] = data["value"] * factor.where(data["unit"].notna(), 1.0)
    data["commodity_id"] = _item_commodities(data, cmap, imap, report)
    salient = pd.DataFrame({
        "commodity_id": data["commodity_id"], "usgs_commodity": data["usgs_commodity"],
        "iso3": "USA", "year": data["year"].astype(int), "item": data["item"],
        "value": data["value"], "text": data["text"].str.strip(), "unit": data["unit"],
        "flag": data["flag"], "unit_printed": data["unit_printed"]})
    is_price = data["unit"].isin(PRICE_UNITS)
    prices = data[is_price & data["value"].notna()]
    price = pd.DataFrame({
        "commodity_id": prices["commodity_id"], "period": prices["year"].astype(int).astype(str),
        "value": prices["value"], "unit": prices["unit"], "currency": "USD",
        "basis": "market", "series": "usgs:" + prices["usgs_commodity"] + ":" + prices["item"],
        "flag": prices["flag"], "unit_printed": prices["unit_printed"]})
    report.add("annual price values", len(price))
    no_metal = prices[prices["commodity_id"].isna()]
    report.add("annual price values of metals not in the catalog (kept without a commodity)",
               len(no_metal), ", ".join(sorted(no_metal["item"].unique())))
    return Extract(source, report, {"salient": salient, "price": price})


def _differs(a: str, b: str) -> bool:
    """Whether two printed units normalise differently."""
    try:
        ua, ub = normalise_unit(a), normalise_unit(b)
    except ValueError:
        return a != b
    return (ua.unit, round(ua.factor, 9)) != (ub.unit, round(ub.factor, 9))


def _item_commodities(data: pd.DataFrame, cmap: dict[str, str],
                      imap: dict[str, dict[str, str | None]], report: Report) -> pd.Series:
    """Catalog commodity of each salient cell: the item map for files listed there
    (several commodities), else the file's commodity; None where none fits."""
    by_item = [imap[c].get(i) if c in imap else cmap.get(c)
               for c, i in zip(data["usgs_commodity"], data["item"], strict=True)]
    out = pd.Series(by_item, index=data.index, dtype=object)
    per_item = data["usgs_commodity"].isin(imap)
    report.add("cells attached item by item (files covering several commodities)",
               int(per_item.sum()), ", ".join(sorted(data.loc[per_item, "usgs_commodity"]
                                                     .unique())))
    report.add("rows of commodities not in the catalog (kept without a commodity)",
               int(out.isna().sum()))
    return out


def edition_of(path: Path) -> str:
    """The MCS year in a file or folder name ("mcs2025-cobal_salient.csv" → "2025")."""
    hit = re.search(r"(?i)mcs(\d{4})", str(path))
    if not hit:
        raise CritminError(f"{path}: cannot tell the MCS edition from the file name "
                           "(expected 'mcs<year>' in it)")
    return hit.group(1)

