"""How critmin compares with the published figures the project holds (``critmin validate``).

Three families of checks, each a tidy frame with one row per check (:data:`COLUMNS`):

- ``usgs-nir``: USGS MCS 2025 net import reliance of the USA as printed (the store's
  ``salient`` rows ``*NIR*``) against critmin's ``import_reliance`` for importer USA, for
  the stage each USGS item measures (``catalog/data/usgs_nir_forms.csv``). A number agrees
  within 10 points; "E" agrees with critmin's net exporter; ">x" / "<x" agree when
  critmin satisfies the bound. Items whose form differs are shown, never counted.
- ``seeds``: the shares and totals the seed documents cite
  (``catalog/data/published_figures.csv``) against critmin's production shares (the
  preferred production source, :mod:`critmin.indicators.inputs`).
- ``geopolrisk-py``: every cell of the committed geopolrisk-py 2.0.1 sample (package data)
  against critmin's compat mode, within 1e-9 (relative); NaN positions must match.

Each row that does not agree, or could not be compared, carries its reasons as codes with
fields (``reasons``); :func:`explain` renders them in English or Japanese
(``analysis/data/validate_reasons.csv``).
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from critmin.catalog import reasons as vocabulary
from critmin.errors import CritminError

FAMILIES = ("usgs-nir", "seeds", "geopolrisk-py")
COLUMNS = ["family", "check", "commodity_id", "stage", "iso3", "year", "published",
           "published_text", "critmin", "difference", "agrees", "status", "rule",
           "tolerance", "explanation", "source"]
#: agreement targets (share of compared checks) where the project set one
TARGETS: dict[str, float | None] = {"usgs-nir": 0.90, "seeds": None, "geopolrisk-py": 1.0}
NIR_TOLERANCE = 0.10
PARITY_TOLERANCE = 1e-9
PARITY_SAMPLE = "geopolrisk_py_2.0.1_sample.csv"
PARITY_COLUMNS = {"GeoPolRisk Score": "score",
                  "GeoPolRisk Characterization Factor [eq. Kg-Cu/Kg]": "cf", "HHI": "hhi",
                  "Import Risk": "import_risk", "Price": "price"}
USA: dict[str, list[tuple[str, int | None, int | None]]] = {"USA": [("USA", None, None)]}
Reason = tuple[str, dict[str, Any]]


class MissingImportError(CritminError):
    """The store lacks an official release a check family needs."""


# --- data files ----------------------------------------------------------------------


def _csv(package: str, name: str) -> list[dict[str, str]]:
    text = resources.files(package).joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


@cache
def nir_forms() -> pd.DataFrame:
    """The USGS NIR item → critmin stage mapping (``usgs_nir_forms.csv``), with
    ``form_matches`` as bool."""
    frame = pd.DataFrame(_csv("critmin.catalog", "usgs_nir_forms.csv"))
    frame["form_matches"] = frame["form_matches"].str.lower().eq("true")
    return frame


@cache
def published_figures() -> pd.DataFrame:
    """The figures the seeds cite (``published_figures.csv``); value, tolerance numeric."""
    frame = pd.DataFrame(_csv("critmin.catalog", "published_figures.csv"))
    frame["year"] = frame["year"].astype(int)
    frame[["value", "tolerance"]] = frame[["value", "tolerance"]].astype(float)
    return frame


def parity_sample_path() -> Path:
    """The committed geopolrisk-py 2.0.1 sample (package data of :mod:`critmin.methods`)."""
    return Path(str(resources.files("critmin.methods").joinpath("data", PARITY_SAMPLE)))


@cache
def _templates() -> dict[str, dict[str, str]]:
    return {r["code"]: {"en": r["en"], "ja": r["ja"]}
            for r in _csv("critmin.analysis", "validate_reasons.csv")}


def explain(reasons: list[Reason], lang: str = "en") -> str:
    """The reasons of one check as text in ``lang`` ("en" or "ja"), joined by "; ".

    Stage fields are translated; a ``reason`` field (a missing reason written by the
    indicator engine, a :class:`critmin.catalog.reasons.Phrase`) is rendered by its code."""
    if lang not in ("en", "ja"):
        raise CritminError(f"unknown language {lang!r}; choose one of en, ja")
    parts = []
    for code, fields in reasons:
        values = dict(fields)
        if lang == "ja":
            if "stage" in values:
                values["stage"] = vocabulary.STAGE_NAMES.get(
                    str(values["stage"]), {}).get("ja", values["stage"])
            if isinstance(values.get("reason"), vocabulary.Phrase):
                values["reason"] = values["reason"].render("ja")
        parts.append(_templates()[code][lang].format(**values))
    return vocabulary.REASON_SEPARATOR[lang].join(parts)


# --- agreement rules -------------------------------------------------------------------


def parse_published(text: Any, value: Any, flag: Any) -> tuple[str, float]:
    """The kind of a printed USGS NIR and its value as a share (0–1).

    Kinds: ``number``, ``E`` (net exporter), ``>`` / ``<`` (bounds), ``W`` (withheld),
    ``NA`` (not available) and ``text`` (anything else printed)."""
    flag = "" if flag is None or (isinstance(flag, float) and np.isnan(flag)) else str(flag)
    text = "" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text)
    number = float(value) / 100 if value is not None and not pd.isna(value) else np.nan
    if flag == "net_exporter" or text.strip() == "E":
        return "E", 0.0
    if flag == "lower_bound" or text.strip().startswith(">"):
        return ">", number
    if flag == "upper_bound" or text.strip().startswith("<"):
        return "<", number
    if flag == "withheld" or text.strip() == "W":
        return "W", np.nan
    if flag == "not_available" or text.strip() in ("NA", ""):
        return "NA", np.nan
    if not np.isnan(number) and not flag:
        return "number", number
    return "text", number


def nir_agreement(kind: str, published: float, critmin: float, net_exporter: bool,
                  lower: float = np.nan, upper: float = np.nan,
                  tolerance: float = NIR_TOLERANCE) -> tuple[bool | None, float]:
    """Whether critmin's NIR agrees with a printed USGS figure, and the difference.

    ``critmin`` may be NaN with bounds ``lower``/``upper`` (then the interval is used).
    The same 10 points [C] hold for every printed form: a number agrees when
    ``|critmin − published| ≤ tolerance`` (or the interval comes within the tolerance);
    "E" (net exporter: NIR 0) when critmin is a net exporter or ≤ tolerance; ">x" when
    critmin (or its upper bound) ≥ x − tolerance, "<x" when critmin (or its lower
    bound) ≤ x + tolerance. Returns
    ``(None, NaN)`` when there is nothing to compare; the difference is critmin −
    published (numbers, E) or the signed distance to the bound (0 when satisfied)."""
    has_value = not np.isnan(critmin)
    lo = critmin if has_value else lower
    hi = critmin if has_value else upper
    if np.isnan(lo) and np.isnan(hi) or kind not in ("number", "E", ">", "<"):
        return None, np.nan
    lo = -np.inf if np.isnan(lo) else lo
    hi = np.inf if np.isnan(hi) else hi
    eps = 1e-12
    if kind == "number":
        if published < lo:
            diff = lo - published
        elif published > hi:
            diff = hi - published
        else:
            diff = 0.0 if not has_value else critmin - published
        return bool(abs(diff) <= tolerance + eps), float(diff)
    if kind == "E":
        if not has_value:
            return bool(lo <= tolerance + eps), float(lo)
        return bool(net_exporter or critmin <= tolerance + eps), float(critmin)
    if kind == ">":
        diff = min(hi - published, 0.0)
        return bool(hi >= published - tolerance - eps), float(diff)
    diff = max(lo - published, 0.0)
    return bool(lo <= published + tolerance + eps), float(diff)


def _rule(kind: str) -> tuple[str, float]:
    return {"number": (f"|Δ| ≤ {NIR_TOLERANCE:.2f}", NIR_TOLERANCE),
            "E": (f"critmin net exporter or ≤ {NIR_TOLERANCE:.2f}", NIR_TOLERANCE),
            ">": (f"critmin ≥ bound − {NIR_TOLERANCE:.2f}", NIR_TOLERANCE),
            "<": (f"critmin ≤ bound + {NIR_TOLERANCE:.2f}", NIR_TOLERANCE)}.get(
                kind, ("", np.nan))


# --- family 1: USGS net import reliance ---------------------------------------------


def _stage_codes() -> dict[tuple[str, str], list[str]]:
    from critmin.catalog.tables import read_table

    out: dict[tuple[str, str], list[str]] = {}
    for r in read_table("commodity_stages"):
        if r["hs6"]:
            out.setdefault((r["commodity_id"], r["stage"]), []).append(r["hs6"])
    return out


def _nir_rows(con: Any, commodity_ids: list[str]) -> pd.DataFrame:
    """critmin's ``import_reliance`` rows of importer USA (every year), text as str."""
    from critmin.indicators.engine import compute_indicators

    ind = compute_indicators(con, USA, commodity_ids, None)
    rows = ind[(ind["indicator"] == "import_reliance") & (ind["importer"] == "USA")]
    rows = rows.astype({c: object for c in rows.columns
                        if isinstance(rows[c].dtype, pd.CategoricalDtype)})
    return rows.reset_index(drop=True)


def _text(row: pd.Series | None, column: str) -> str:
    """A text cell of an engine row ('' when absent, missing or the column does not exist)."""
    if row is None or column not in row.index or pd.isna(row[column]):
        return ""
    value = row[column]
    return value if isinstance(value, str) else str(value)   # a reason keeps its code


def latest_common_year(salient: pd.DataFrame, nir: pd.DataFrame) -> int:
    """The latest year with both a printed USGS figure and a critmin NIR row."""
    printed = set(salient.loc[salient["text"].notna(), "year"].astype(int))
    ours = set(nir["year"].astype(int))
    common = sorted(printed & ours)
    if not common:
        raise CritminError("no year has both USGS net import reliance and critmin's "
                           "import reliance for the USA")
    return common[-1]


def usgs_nir_checks(con: Any, year: int | None = None) -> pd.DataFrame:
    """One row per mapped USGS NIR item (``usgs_nir_forms.csv``) for ``year`` (default:
    the latest year both have; :func:`latest_common_year`)."""
    from critmin.indicators.inputs import preferred_production, production_rows
    from critmin.store.read import salient_rows, traded_codes

    salient = salient_rows(con, "%NIR%")
    if salient.empty:
        raise MissingImportError(
            "the store has no USGS MCS salient statistics (net import reliance): run "
            "'critmin data import usgs-mcs FOLDER' with the release folder "
            "(e.g. ../shared/data/usgs_mcs2025)")
    forms = nir_forms()
    staged = forms[forms["stage"] != ""]
    commodity_ids = sorted(set(staged["commodity_id"]))
    nir = _nir_rows(con, commodity_ids)
    yr = latest_common_year(salient, nir) if year is None else int(year)
    if yr not in set(salient["year"].astype(int)):
        years = sorted(set(salient["year"].astype(int)))
        raise CritminError(f"USGS net import reliance has no year {yr}; "
                           f"valid: {years[0]}–{years[-1]}")
    printed = salient[salient["year"] == yr].set_index(["usgs_commodity", "item"])
    ours = nir[nir["year"] == yr].set_index(["commodity_id", "stage"])
    world = preferred_production(production_rows(con, commodity_ids, [yr]))
    produced = set(zip(world["commodity_id"], world["stage"], strict=True))
    us = world[world["iso3"] == "USA"]
    us_produced = set(zip(us["commodity_id"], us["stage"], strict=True))
    codes = _stage_codes()
    traded = traded_codes(con, yr)
    has_bounds = {"lower", "upper"} <= set(nir.columns)
    rows = []
    for f in forms.itertuples(index=False):
        key = (f.usgs_commodity, f.item)
        p = printed.loc[key] if key in printed.index else None
        text = None if p is None else p["text"]
        kind, pub = ("NA", np.nan) if p is None else parse_published(p["text"], p["value"],
                                                                   p["flag"])
        cs = (f.commodity_id, f.stage)
        c = ours.loc[cs] if f.stage and cs in ours.index else None
        value = np.nan if c is None else float(c["value"])
        detail = _text(c, "detail")
        lower = float(c["lower"]) if has_bounds and c is not None and pd.notna(c["lower"]) \
            else np.nan
        upper = float(c["upper"]) if has_bounds and c is not None and pd.notna(c["upper"]) \
            else np.nan
        net_exp = "net exporter" in detail
        # a value with a range (own production partly unknown): the range is compared
        point = np.nan if lower < upper else value
        agrees, diff = nir_agreement(kind, pub, point, net_exp, lower, upper)
        reasons: list[Reason] = []
        status = "agree" if agrees else "disagree"
        if not f.stage:
            status, reasons = "not_comparable", [("no_stage", {})]
        elif not f.form_matches:
            status, reasons = "form_differs", [("form_differs",
                                                {"note": f.note, "stage": f.stage})]
        elif kind in ("W", "NA", "text"):
            status = "not_comparable"
            reasons = [("usgs_withheld" if kind == "W" else "usgs_not_available",
                        {"text": text if text is not None else "NA"})]
        elif agrees is None:
            status = "not_comparable"
            if c is not None:
                reasons = [("critmin_missing", {"reason": _text(c, "missing") or detail
                                                or "no value"})]
            elif cs not in codes:
                reasons = [("no_hs_code", {"stage": f.stage})]
            elif not set(codes[cs]) & traded:
                reasons = [("no_stage_trade", {"year": yr, "codes": ", ".join(codes[cs])})]
            elif cs not in produced:
                reasons = [("no_world_production", {"stage": f.stage, "year": yr})]
            else:
                reasons = [("no_us_trade", {"stage": f.stage, "year": yr})]
        if status == "disagree":
            if net_exp and kind != "E":
                reasons.append(("critmin_net_exporter", {}))
            if kind == "E" and not net_exp:
                reasons.append(("usgs_net_exporter", {}))
            if cs not in us_produced:
                reasons.append(("no_us_production", {"stage": f.stage, "year": yr}))
            reasons += [(code, {}) for code in f.usgs_includes.split(";") if code]
            stage_codes = codes.get(cs, [])
            absent = [c for c in stage_codes if c not in traded]
            reasons.append(("gross_weight", {"codes": ", ".join(
                c for c in stage_codes if c in traded)}))
            if absent:
                reasons.append(("no_trade_codes", {"year": yr, "codes": ", ".join(absent)}))
        rule, tol = _rule(kind)
        rows.append({
            "family": "usgs-nir", "check": f"{f.usgs_commodity}: {f.item}",
            "commodity_id": f.commodity_id, "stage": f.stage, "iso3": "USA", "year": yr,
            "published": pub, "published_text": text, "critmin": value,
            "difference": diff, "agrees": agrees if status in ("agree", "disagree") else None,
            "status": status, "rule": rule, "tolerance": tol, "reasons": reasons,
            "source": f"{'' if p is None else p['source_id']} {f.item} {yr}; {f.source}"})
    return _frame(rows)


# --- family 2: figures cited by the seeds -------------------------------------------


def _fmt(measure: str, value: float) -> str:
    return f"{value:.3f}" if measure == "share" else f"{value:,.0f} t"


def seed_checks(con: Any, figures: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per cited figure (:func:`published_figures`): a country's share of world
    production of the stage (absolute tolerance) or the world total (relative)."""
    from critmin.indicators.concentration import producer_shares
    from critmin.indicators.inputs import preferred_production, production_rows

    figures = published_figures() if figures is None else figures
    all_rows = production_rows(con, sorted(set(figures["commodity_id"])))
    shares_all = producer_shares(all_rows, by=("source_id",))
    shares = producer_shares(preferred_production(all_rows))

    def measure_of(frame: pd.DataFrame, f: Any, per_source: bool) -> pd.Series:
        """Per year (and source) the figure's measure in ``frame``."""
        sel = frame[(frame["commodity_id"] == f.commodity_id) & (frame["stage"] == f.stage)]
        keys = ["year"] + (["source_id"] if per_source else [])
        if f.measure == "world_total_t":
            return sel.groupby(keys)["total"].first()
        named = sel[sel["iso3"] == f.iso3].groupby(keys)["share"].sum()
        totals = sel.groupby(keys)["total"].first()
        return named.reindex(totals.index, fill_value=0.0)

    def compare(value: float, f: Any) -> tuple[bool, float]:
        diff = value - f.value
        scale = abs(f.value) if f.measure == "world_total_t" else 1.0
        return bool(abs(diff) <= f.tolerance * scale + 1e-12), float(diff)

    rows = []
    for f in figures.itertuples(index=False):
        ours = measure_of(shares, f, False)
        by_source = measure_of(shares_all, f, True)
        used = shares[(shares["commodity_id"] == f.commodity_id) & (shares["stage"] == f.stage)
                      & (shares["year"] == f.year)]["source_id"]
        reasons: list[Reason] = []
        if f.year in ours.index:
            value = float(ours.loc[f.year])
            agrees, diff = compare(value, f)
            status = "agree" if agrees else "disagree"
            if not agrees:
                reasons.append(("source_used", {"source": used.iloc[0]}))
                others = by_source.loc[f.year] if f.year in by_source.index else pd.Series()
                for sid, v in others.items():
                    if sid != used.iloc[0]:
                        reasons.append(("other_source", {"source": sid,
                                                          "value": _fmt(f.measure, v)}))
                good = [int(y) for y, v in ours.items() if compare(float(v), f)[0]]
                reasons.append(("agrees_in", {"years": ", ".join(map(str, good))}) if good
                               else ("no_agreeing_year", {}))
        else:
            value, diff, agrees, status = np.nan, np.nan, None, "not_comparable"
            reasons.append(("no_production", {"stage": f.stage, "year": f.year}))
        rule = (f"|Δ| ≤ {f.tolerance:.2f}" if f.measure == "share"
                else f"|Δ| ≤ {f.tolerance:.0%} of published")
        rows.append({
            "family": "seeds", "check": f.figure_id, "commodity_id": f.commodity_id,
            "stage": f.stage, "iso3": f.iso3 or None, "year": f.year, "published": f.value,
            "published_text": f.quote, "critmin": value, "difference": diff,
            "agrees": agrees, "status": status, "rule": rule, "tolerance": f.tolerance,
            "reasons": reasons, "source": f"{f.source}"
            + (f"; critmin: {used.iloc[0]}" if len(used) else "")})
    return _frame(rows)


# --- family 3: parity with geopolrisk-py ---------------------------------------------


def geopolrisk_checks(con: Any, sample: Path | None = None) -> pd.DataFrame:
    """One row per cell and measure of the geopolrisk-py 2.0.1 sample: agree when
    ``|a − b| ≤ 1e-9 · max(|a|, |b|)`` or both are NaN."""
    from critmin.methods.geopolrisk_compat import geopolrisk_compat, reference_entities

    ref = pd.read_csv(sample or parity_sample_path()).rename(columns=PARITY_COLUMNS | {
        "Country [Economic Entity]": "importer", "Raw Material": "material", "Year": "year"})
    ours = geopolrisk_compat(con, reference_entities(con, sorted(ref["importer"].unique())),
                             years=sorted(ref["year"].unique().tolist()))
    both = ref.merge(ours, on=["importer", "material", "year"], how="left",
                     suffixes=("_ref", ""), indicator=True)
    parts = []
    for col in PARITY_COLUMNS.values():
        a = both[col].to_numpy(float)
        b = both[f"{col}_ref"].to_numpy(float)
        found = (both["_merge"] == "both").to_numpy()
        nan_a, nan_b = np.isnan(a), np.isnan(b)
        diff = a - b
        close = np.abs(diff) <= PARITY_TOLERANCE * np.maximum(np.abs(a), np.abs(b))
        agrees = found & ((nan_a & nan_b) | (~nan_a & ~nan_b & close))
        reasons: list[list[Reason]] = [
            [] if ok else [("no_cell", {})] if not fd else [("nan_mismatch", {})]
            if na != nb else [] for ok, fd, na, nb in zip(agrees, found, nan_a, nan_b,
                                                          strict=True)]
        parts.append(pd.DataFrame({
            "family": "geopolrisk-py",
            "check": both["importer"] + " / " + both["material"] + " / " + col,
            "commodity_id": both["material"], "stage": None, "iso3": both["importer"],
            "year": both["year"].astype(int), "published": b, "published_text": None,
            "critmin": a, "difference": diff, "agrees": agrees,
            "status": np.where(agrees, "agree", "disagree"),
            "rule": f"|Δ| ≤ {PARITY_TOLERANCE:g}·max(|a|,|b|); NaN = NaN",
            "tolerance": PARITY_TOLERANCE, "reasons": reasons,
            "source": f"geopolrisk-py 2.0.1 sample ({PARITY_SAMPLE}), column {col}"}))
    return _frame(parts)


# --- all together ----------------------------------------------------------------------


def _frame(rows: list[dict[str, Any]] | list[pd.DataFrame]) -> pd.DataFrame:
    frame = (pd.concat(rows, ignore_index=True) if rows and isinstance(rows[0], pd.DataFrame)
             else pd.DataFrame(rows))
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS + ["reasons"])
    frame["agrees"] = frame["agrees"].astype(object).where(frame["agrees"].notna(), None)
    frame["explanation"] = [explain(r, "en") for r in frame["reasons"]]
    return frame[COLUMNS + ["reasons"]]


def validate(con: Any, families: tuple[str, ...] = FAMILIES, year: int | None = None
             ) -> pd.DataFrame:
    """Every check of ``families`` (``year``: the USGS comparison year, default the
    latest both have)."""
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        raise CritminError(f"unknown check family {unknown[0]!r}; valid: {', '.join(FAMILIES)}")
    run = {"usgs-nir": lambda: usgs_nir_checks(con, year), "seeds": lambda: seed_checks(con),
           "geopolrisk-py": lambda: geopolrisk_checks(con)}
    return pd.concat([run[f]() for f in families], ignore_index=True)


def summarise(checks: pd.DataFrame) -> pd.DataFrame:
    """Per family: checks, compared (agree or disagree), agreeing, share, the target and
    whether it is met, not compared (form differs or no figure), the largest |difference|
    among compared checks and the years."""
    out = []
    for family in [f for f in FAMILIES if f in set(checks["family"])]:
        sel = checks[checks["family"] == family]
        compared = sel["status"].isin(["agree", "disagree"])
        agree = int((sel["status"] == "agree").sum())
        n = int(compared.sum())
        share = agree / n if n else np.nan
        target = TARGETS[family]
        years = sorted(set(sel["year"].dropna().astype(int)))
        diffs = sel.loc[compared, "difference"].abs()
        out.append({"family": family, "years": ", ".join(map(str, years)),
                    "checks": len(sel), "compared": n, "agree": agree,
                    "share": round(share, 4) if n else None, "target": target,
                    "meets_target": None if target is None or not n else bool(share >= target),
                    "not_compared": int((~compared).sum()),
                    "max_abs_difference": float(diffs.max()) if diffs.notna().any() else None})
    return pd.DataFrame(out)
