"""Scenario files: export-control shocks, blocs and demand changes (YAML).

A scenario is a list of shocks — an exporter (ISO3 or catalog group) restricting exports
of a commodity stage to all or selected importers by a fraction ``cut`` (or
``1 − approval_rate`` under licensing) for ``duration_years`` — plus optional blocs
(cross-bloc trade cut by ``cut``, re-sourcing only inside a bloc or from non-aligned
countries), demand changes (a fraction per commodity, e.g. −0.2) and re-sourcing
parameters (``resourcing``: the redirectable share ω and spare capacity κ of
methods.md §11, and optionally the ranges the Monte Carlo draws them from) and caveats
(``caveats`` and ``caveats_ja``: what the result must be read with, in English and
Japanese, one Japanese text per English one). The shipped library
(``analysis/data/scenarios``) cites a source and date and states its caveats in both
languages for every case. Errors name the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from critmin.catalog.tables import parse_yaml, read_parameter_text
from critmin.errors import CritminError, ParameterError, UnknownNameError, UnknownSpecError

STAGES = ("mining", "refining")
DEFAULT_REDIRECT_SHARE = 0.2
"""ω: the share of other exporters' shipments to unaffected importers that can be
redirected [C] (methods.md §11)."""
DEFAULT_SPARE_CAPACITY = 0.0
"""κ: spare capacity as a share of production [C] (methods.md §11)."""
CUT_SPREAD = 0.15
"""The Monte Carlo range of a cut without ``cut_range``: cut ± 0.15, clipped to 0–1."""


def default_range(value: float) -> tuple[float, float]:
    """The Monte Carlo range of a re-sourcing setting without an explicit range:
    ``[x/2, min(1, 3x/2)]`` (ω = 0.2 → [0.1, 0.3]; κ = 0 → fixed at 0) [C]."""
    return (value * 0.5, min(1.0, value * 1.5))


@dataclass(frozen=True)
class Shock:
    """``exporters`` cut exports of ``commodity_id`` at ``stage`` to ``importers`` (None:
    every importer but themselves) by ``cut`` (0–1) for ``duration_years``."""

    exporters: tuple[str, ...]
    commodity_id: str
    stage: str
    cut: float
    importers: tuple[str, ...] | None = None
    duration_years: float = 1.0
    cut_range: tuple[float, float] | None = None   # for Monte Carlo (default ± 0.15)
    note: str = ""

    def cut_bounds(self) -> tuple[float, float]:
        """The Monte Carlo range of the cut: ``cut_range``, else cut ± CUT_SPREAD
        clipped to 0–1."""
        if self.cut_range is not None:
            return self.cut_range
        return (max(0.0, self.cut - CUT_SPREAD), min(1.0, self.cut + CUT_SPREAD))


@dataclass(frozen=True)
class Scenario:
    """A named set of shocks, blocs and demand changes."""

    scenario_id: str
    name: str
    shocks: tuple[Shock, ...]
    name_ja: str = ""
    date: str = ""
    source: str = ""
    year: int | None = None
    blocs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    bloc_cut: float = 0.0
    demand: dict[str, float] = field(default_factory=dict)
    redirect_share: float = DEFAULT_REDIRECT_SHARE
    spare_capacity: float = DEFAULT_SPARE_CAPACITY
    redirect_share_range: tuple[float, float] | None = None
    spare_capacity_range: tuple[float, float] | None = None
    caveats: tuple[str, ...] = ()
    caveats_ja: tuple[str, ...] = ()

    def caveat_texts(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(English, Japanese) caveats: the file's ``caveats`` (in Japanese its
        ``caveats_ja``, else the English texts), then each shock ``note`` not already
        among them, as written, each once."""
        ja = self.caveats_ja or self.caveats
        notes = tuple(dict.fromkeys(s.note for s in self.shocks
                                    if s.note and s.note not in self.caveats))
        return self.caveats + notes, ja + notes

    def redirect_bounds(self) -> tuple[float, float]:
        """The Monte Carlo range of ω (:func:`default_range` unless given)."""
        return self.redirect_share_range or default_range(self.redirect_share)

    def spare_bounds(self) -> tuple[float, float]:
        """The Monte Carlo range of κ (:func:`default_range` unless given)."""
        return self.spare_capacity_range or default_range(self.spare_capacity)


def library_dir() -> Any:
    """The shipped scenario library."""
    return resources.files("critmin.analysis").joinpath("data", "scenarios")


def library() -> dict[str, Any]:
    """{scenario id: resource} of the shipped scenarios."""
    return {p.name.removesuffix(".yaml"): p for p in library_dir().iterdir()
            if p.name.endswith(".yaml")}


def read_scenario_text(spec: str) -> tuple[str, str]:
    """(YAML text, label) of a library id or a file path."""
    lib = library()
    if spec in lib:
        return lib[spec].read_text(encoding="utf-8"), f"library:{spec}"
    path = Path(spec)
    if not path.is_file():
        raise UnknownSpecError("scenario", spec, sorted(lib), "a library scenario")
    return read_parameter_text(path, spec, "scenario"), str(path)


def parse_scenario(text: str, label: str = "scenario", resolve_commodity: Any = None,
                   resolve_country: Any = None) -> Scenario:
    """A :class:`Scenario` from YAML ``text``; every error names ``label`` and the line."""
    doc = parse_yaml(text, label, with_lines=True)
    if not isinstance(doc, dict):
        raise ParameterError(label, 1, "scenario_mapping")

    def fail(node: dict[str, Any], code: str, cause: CritminError | None = None,
             **values: object) -> ParameterError:
        return ParameterError(label, node.get("__line__", "?"), code, cause, **values)

    _check_keys(doc, {"id", "name", "name_ja", "date", "source", "year", "shocks",
                      "blocs", "demand", "resourcing", "description", "caveats",
                      "caveats_ja"}, "scenario", fail)
    for key in ("id", "name"):
        if not doc.get(key):
            raise fail(doc, "required", key=key)
    commodity = resolve_commodity or (lambda s: s)
    country = resolve_country or (lambda s: s)
    shocks = []
    for raw in doc.get("shocks") or []:
        if not isinstance(raw, dict):
            raise fail(doc, "shock_mapping")
        shocks += _shocks(raw, fail, commodity, country)
    blocs: dict[str, tuple[str, ...]] = {}
    bloc_cut = 0.0
    if doc.get("blocs"):
        b = doc["blocs"]
        if not isinstance(b, dict) or "members" not in b:
            raise fail(doc, "blocs")
        bloc_cut = _fraction(b, "cut", fail)
        for name, members in b["members"].items():
            if name == "__line__":
                continue
            blocs[str(name)] = tuple(_countries(members, b, fail, country))
    demand = {}
    for name, change in (doc.get("demand") or {}).items():
        if name == "__line__":
            continue
        if not isinstance(change, int | float) or not -1.0 <= change <= 1.0:
            raise fail(doc["demand"], "demand_change", name=name)
        demand[_resolve(commodity, name, doc["demand"], fail)] = float(change)
    res = _resourcing(doc, fail)
    if not shocks and not blocs:
        raise fail(doc, "nothing")
    year = doc.get("year")
    if year is not None and not isinstance(year, int):
        raise fail(doc, "integer", key="year")
    return Scenario(
        scenario_id=str(doc["id"]), name=str(doc["name"]), shocks=tuple(shocks),
        name_ja=str(doc.get("name_ja", "")), date=str(doc.get("date", "")),
        source=str(doc.get("source", "")), year=year, blocs=blocs, bloc_cut=bloc_cut,
        demand=demand, **res, **_caveats(doc, fail))


def _texts(doc: dict[str, Any], key: str, fail: Any) -> tuple[str, ...]:
    value = doc.get(key) or []
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) and v.strip() for v in items):
        raise fail(doc, "texts", key=key)
    return tuple(v.strip() for v in items)


def _caveats(doc: dict[str, Any], fail: Any) -> dict[str, tuple[str, ...]]:
    """``caveats`` and ``caveats_ja``: as many Japanese texts as English ones (a file
    may give none in Japanese: the English ones are then shown in both languages)."""
    en, ja = _texts(doc, "caveats", fail), _texts(doc, "caveats_ja", fail)
    if ja and len(ja) != len(en):
        raise fail(doc, "caveats_ja", en=len(en), ja=len(ja))
    return {"caveats": en, "caveats_ja": ja}


def _resourcing(doc: dict[str, Any], fail: Any) -> dict[str, Any]:
    """The ``resourcing`` section: ω, κ and their optional Monte Carlo ranges."""
    res = doc.get("resourcing") or {}
    if not isinstance(res, dict):
        raise fail(doc, "resourcing")
    _check_keys(res, {"redirect_share", "spare_capacity", "redirect_share_range",
                      "spare_capacity_range"}, "resourcing", fail)
    out: dict[str, Any] = {
        "redirect_share": _fraction(res, "redirect_share", fail, DEFAULT_REDIRECT_SHARE),
        "spare_capacity": _fraction(res, "spare_capacity", fail, DEFAULT_SPARE_CAPACITY)}
    for key in ("redirect_share", "spare_capacity"):
        rng = res.get(f"{key}_range")
        if rng is not None:
            if (not isinstance(rng, list) or len(rng) != 2
                    or not all(isinstance(v, int | float) for v in rng)
                    or not 0 <= rng[0] <= out[key] <= rng[1] <= 1):
                raise fail(res, "range", key=key)
            out[f"{key}_range"] = (float(rng[0]), float(rng[1]))
    return out


def _resolve(fn: Any, name: Any, node: dict[str, Any], fail: Any) -> str:
    try:
        return fn(str(name))
    except CritminError as exc:
        raise fail(node, "name", exc) from None


def _countries(value: Any, node: dict[str, Any], fail: Any, country: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [_resolve(country, str(item), node, fail) for item in items]


def _fraction(node: dict[str, Any], key: str, fail: Any, default: float | None = None
              ) -> float:
    if key not in node:
        if default is None:
            raise fail(node, "required", key=key)
        return default
    v = node[key]
    if not isinstance(v, int | float) or isinstance(v, bool) or not 0.0 <= v <= 1.0:
        raise fail(node, "fraction", key=key, got=repr(v))
    return float(v)


def _check_keys(node: dict[str, Any], known: set[str], what: str, fail: Any) -> None:
    """A scenario mapping with a key outside ``known`` is an error naming the valid ones."""
    extra = set(node) - known - {"__line__"}
    if extra:
        raise fail(node, "unknown_keys", what=what, keys=", ".join(sorted(extra)),
                   valid=", ".join(sorted(known)))


def _shocks(raw: dict[str, Any], fail: Any, commodity: Any, country: Any) -> list[Shock]:
    _check_keys(raw, {"exporter", "commodity", "stage", "cut", "approval_rate",
                      "importers", "duration_years", "cut_range", "note"}, "shock", fail)
    for key in ("exporter", "commodity"):
        if key not in raw:
            raise fail(raw, "shock_needs", key=key)
    if ("cut" in raw) == ("approval_rate" in raw):
        raise fail(raw, "cut_or_approval")
    cut = _fraction(raw, "cut", fail) if "cut" in raw else 1.0 - _fraction(
        raw, "approval_rate", fail)
    stages = raw.get("stage", list(STAGES))
    stages = stages if isinstance(stages, list) else [stages]
    for s in stages:
        if s not in STAGES:
            raise fail(raw, "name", UnknownNameError("stage", s, STAGES))
    importers = raw.get("importers", "all")
    targets = None if importers == "all" else tuple(_countries(importers, raw, fail, country))
    rng = raw.get("cut_range")
    if rng is not None and (not isinstance(rng, list) or len(rng) != 2 or
                            not 0 <= rng[0] <= cut <= rng[1] <= 1):
        raise fail(raw, "cut_range")
    duration = raw.get("duration_years", 1)
    if not isinstance(duration, int | float) or duration <= 0:
        raise fail(raw, "positive", key="duration_years")
    exporters = tuple(_countries(raw["exporter"], raw, fail, country))
    cid = _resolve(commodity, raw["commodity"], raw, fail)
    return [Shock(exporters=exporters, commodity_id=cid, stage=s, cut=cut,
                  importers=targets, duration_years=float(duration),
                  cut_range=tuple(rng) if rng else None, note=str(raw.get("note", "")))
            for s in stages]
