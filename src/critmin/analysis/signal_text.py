"""The explanation of each early-warning signal in English or Japanese, with the numbers
behind it (templates: ``analysis/data/signal_texts.csv``; methods.md §18)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from critmin.analysis.signal_config import CONDITION, rule_thresholds, text


def names_of(lang: str) -> dict[str, Any]:
    """Names in ``lang``: ``{"commodity": {id: name}, "country": {iso3: name},
    "stage": {stage: name}, "lang": lang}``."""
    from critmin.catalog.countries import country_table
    from critmin.catalog.reasons import STAGE_NAMES
    from critmin.catalog.tables import read_table

    countries = country_table()
    return {"lang": lang,
            "commodity": {r["commodity_id"]: r[f"name_{lang}"]
                          for r in read_table("commodities")},
            "country": dict(zip(countries["iso3"], countries[f"name_{lang}"], strict=True)),
            "stage": {s: v[lang] for s, v in STAGE_NAMES.items()}}


def num(x: Any, digits: int = 3) -> str:
    """``x`` to ``digits`` significant figures, thousands separated ("–" if missing)."""
    if x is None or not isinstance(x, (int, float, np.number)) or not math.isfinite(x):
        return "–"
    if x == 0:
        return "0"
    mag = math.floor(math.log10(abs(x)))
    return f"{round(x):,}" if mag >= digits - 1 else f"{x:,.{digits - 1 - mag}f}"


def pct(x: float, signed: bool = False) -> str:
    """A fraction as a percentage with one decimal (``0.452`` → ``45.2%``)."""
    return f"{x * 100:{'+' if signed else ''}.1f}%" if np.isfinite(x) else "–"


def when(period: Any, lang: str) -> str:
    """A period (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``) as a reader in ``lang`` writes it
    (Japanese: ``2022年3月``)."""
    parts = str(period).split("-")
    if lang != "ja" or not all(p.isdigit() for p in parts):
        return str(period)
    return "".join(f"{int(v)}{u}" for v, u in zip(parts, ("年", "月", "日"), strict=False))


def _name(names: dict[str, Any], kind: str, ident: Any) -> str:
    if ident is None or (isinstance(ident, float) and math.isnan(ident)):
        return "–"
    return names[kind].get(str(ident), str(ident))


def series_label(row: dict[str, Any], names: dict[str, Any]) -> str:
    """The series of a price row in words (market monthly or annual, unit value)."""
    return text(f"series_{row['kind']}", names["lang"], hs6=row.get("hs6"),
                commodity=_name(names, "commodity", row["commodity_id"]))


def _condition_value(rule: str, tier: str) -> float:
    t = rule_thresholds(rule)
    cond = t.loc[t["tier"] == tier, "condition"].iloc[0]
    return float(CONDITION.match(cond).group(3)) if cond else float("nan")


def _common(row: dict[str, Any], importer: str, names: dict[str, Any]) -> dict[str, Any]:
    return {"importer": names["country"].get(importer, importer),
            "commodity": _name(names, "commodity", row.get("commodity_id")),
            "stage": _name(names, "stage", row.get("stage")),
            "partner": _name(names, "country", row.get("partner", row.get("iso3"))),
            "threshold": num(row["threshold"])}


def explain(rule: str, row: dict[str, Any], importer: str, lang: str,
            names: dict[str, Any]) -> str:
    """The explanation of one evaluated row of ``rule`` in ``lang``."""
    f = _common(row, importer, names)
    monthly = row.get("kind") == "market_monthly"
    if rule in ("price_spike", "volatility_regime", "structural_break"):
        f |= {"series": series_label(row, names), "date": when(row["period"], lang)}
    if rule == "price_spike":
        f |= {"price": num(row["price"]), "unit": row["unit"], "z": f"{row['value']:+.2f}",
              "window": row["window"],
              "periods": text("period_month" if monthly else "period_year", lang),
              "mean": num(row["mean"])}
    elif rule == "volatility_regime":
        f |= {"ratio": f"{row['value']:.2f}", "short": pct(row["short"]),
              "long": pct(row["long"])}
    elif rule == "structural_break":
        f |= {"break_date": when(row["break_period"], lang), "before": pct(row["before"], True),
              "after": pct(row["after"], True), "value": f"{row['value']:.1f}",
              "per": text("per_month" if monthly else "per_year", lang)}
    elif rule == "top_supplier_share":
        f |= {"year": row["year"], "prev": pct(row["prev"]), "share": pct(row["share"]),
              "delta": f"{row['value'] * 100:+.1f}",
              "threshold": f"{row['threshold'] * 100:.0f}"}
    elif rule == "production_concentration":
        f |= {"year": row["year"], "prev": f"{row['prev'] * 1e4:,.0f}",
              "hhi": f"{row['hhi'] * 1e4:,.0f}", "delta": f"{row['value'] * 1e4:+,.0f}",
              "threshold": f"{row['threshold'] * 1e4:,.0f}",
              "band": f"{_condition_value(rule, row['tier']) * 1e4:,.0f}"}
    elif rule == "governance":
        f |= {"share": pct(row["share"]), "year": int(row["year"]),
              "prev_year": int(row["prev_year"]), "est": f"{row['estimate']:+.2f}",
              "prev_est": f"{row['prev_est']:+.2f}", "value": f"{row['value']:.2f}",
              "se_sum": f"{row['prev_se'] + row['std_error']:.2f}"}
    elif rule == "import_volume_drop":
        f |= {"year": row["year"], "prev": num(row["prev"]), "qty": num(row["qty"]),
              "change": pct(math.expm1(row["change"]), True), "z": f"{row['value']:+.2f}"}
    else:
        return _event(row, f, lang, names)
    return text(rule, lang, **f)


def _event(row: dict[str, Any], f: dict[str, Any], lang: str, names: dict[str, Any]) -> str:
    measure = row.get("measure") or "other"
    key = f"measure_{measure}" if f"measure_{measure}" in _measures() else "measure_other"
    f |= {"measure": text(key, lang),
          "date": when(pd.Timestamp(row["date"]).strftime("%Y-%m-%d"), lang),
          "share": pct(row["value"])}
    known = row["value"] is not None and np.isfinite(row["value"])
    if known:   # the share covers the stages with trade in the store, in one year
        sep = "・" if lang == "ja" else ", "
        f |= {"stages": sep.join(_name(names, "stage", s)
                                 for s in str(row.get("trade_stages") or "").split(",") if s),
              "trade_year": int(row["trade_year"])}
    return text("export_control" if known else "export_control_unknown", lang, **f)


def _measures() -> set[str]:
    from critmin.analysis.signal_config import texts

    return {k for k in texts() if k.startswith("measure_")}
