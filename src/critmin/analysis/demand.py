"""Demand forecasts by decomposition (METI FY2020 study, seed 001 §2.1 and Appendix 3).

methods.md §13 [S]: demand of a mineral splits into

    D(t)  = D1(t) + D2(t) + D3(t)
    D1(t) = Σ_k N_k(t) · u_k(t)                new uses: deployment × intensity
    D2(t) = Σ_r s_r · D(t0) · I_r(t) / I_r(t0)  uses that regulation reduces (share s_r of
                                               base demand, driven by an index I_r)
    D3(t) = D3(t0) · (1 + g)^(t − t0)          the other existing uses at their CAGR g
    D3(t0) = D(t0) − D1(t0) − D2(t0)           (must not be negative)
    CAGR a→b = (D(b) / D(a))^(1/(b − a)) − 1

A region's demand (Japan, the study's JOGMEC figures) is its share of world demand on a
like-for-like basis times the world path, so it never exceeds the world's; :func:`forecast`
checks that invariant and D1, D2, D3 ≥ 0 for every year (docs/demand.md "Regional demand").

Paths (deployment N, intensity u, index I) are given at a few years and interpolated
linearly (flat outside). Parameters live in YAML files (``analysis/data/demand``) with a
source for every number; scenarios extend the reference with multipliers. Everything is
vectorised over parameter samples (axis 0) and years (axis 1) so that sensitivity and
Sobol analysis evaluate thousands of parameter sets at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from critmin.catalog.tables import read_table
from critmin.errors import CritminError, UnknownSpecError

UNIT_FACTORS = {"kg": 1e-3, "t": 1.0, "g": 1e-6}  # to tonnes
SURGE_YEAR = 2030
SURGE_NEW_USE_GROWTH = 3.0   # D1(T) / D1(t0) ≥ 3 …
SURGE_NEW_USE_SHARE = 0.05   # … and D1(T) / D(T) ≥ 5 %  [C]
TOLERANCE = 1e-9             # relative slack of the invariant checks (rounding only)


@dataclass(frozen=True)
class Path_:
    """A path given at some years (linear interpolation, flat outside)."""

    years: np.ndarray
    values: np.ndarray

    def at(self, years: np.ndarray) -> np.ndarray:
        return np.interp(years, self.years, self.values)


@dataclass(frozen=True)
class NewUse:
    technology: str
    intensity: Path_          # t of mineral per deployment unit
    source: str


@dataclass(frozen=True)
class Regulated:
    driver: str               # an index path among the technologies
    share: float              # share of base demand in t0
    source: str


@dataclass(frozen=True)
class MineralParams:
    mineral: str
    unit: str
    base_year: int
    base_demand: float
    japan_demand: float | None  # the study's (JOGMEC) figure, as reported
    japan_share: float | None   # Japan's share of world demand on the same basis (0–1)
    new_uses: tuple[NewUse, ...]
    regulated: tuple[Regulated, ...]
    other_cagr: float
    other_source: str
    calibrated: bool = False


@dataclass(frozen=True)
class DemandScenario:
    scenario_id: str
    name: str
    name_ja: str
    base_year: int
    technologies: dict[str, Path_]
    technology_units: dict[str, str]
    minerals: dict[str, MineralParams]
    notes: str = ""
    linked_shock: str = ""
    sources: dict[str, str] = field(default_factory=dict)


def study_table() -> dict[str, dict[str, str]]:
    """The study's demand table (catalog ``demand_reference``) by commodity id."""
    return {r["commodity_id"]: r for r in read_table("demand_reference")}


def library() -> dict[str, Any]:
    """{scenario id: resource} of the shipped demand scenarios."""
    folder = resources.files("critmin.analysis").joinpath("data", "demand")
    return {p.name.removesuffix(".yaml"): p for p in folder.iterdir()
            if p.name.endswith(".yaml")}


def _fail(label: str, where: str, message: str) -> CritminError:
    return CritminError(f"{label}: {where}: {message}")


def japan_share(row: dict[str, str]) -> float | None:
    """Japan's share of world demand from a ``demand_reference`` row: ``japan_demand``
    over the world's demand counted the same way (``world_demand_japan_basis``, else
    ``global_demand``); ``None`` without a Japanese figure.

    Raises :class:`CritminError` when the units differ or the share is outside 0–1: a
    country cannot use more than the world, so such a row compares figures that count
    different things (e.g. gross consumption including recycled metal against primary
    production) and needs ``world_demand_japan_basis``."""
    where = f"catalog demand_reference: {row.get('commodity_id', '?')}"
    jd = (row.get("japan_demand") or "").strip()
    if not jd:
        return None
    if (row.get("japan_unit") or row.get("unit")) != row.get("unit"):
        raise CritminError(f"{where}: japan_unit {row.get('japan_unit')!r} differs from "
                           f"unit {row.get('unit')!r}")
    basis = (row.get("world_demand_japan_basis") or "").strip()
    world = float(basis or row["global_demand"])
    column = "world_demand_japan_basis" if basis else "global_demand"
    share = float(jd) / world if world > 0 else float("inf")
    if not 0 <= share <= 1:
        raise CritminError(
            f"{where}: japan_demand {float(jd):g} is above the world demand it is compared "
            f"with ({column} {world:g}): a region cannot use more than the world; if the "
            "two figures count different things (gross consumption with recycled metal vs "
            "primary production), give the world figure on Japan's basis in "
            "world_demand_japan_basis")
    return share


def _path(raw: Any, label: str, where: str, positive: bool = True) -> Path_:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = {2000: raw}
    if not isinstance(raw, dict) or not raw:
        raise _fail(label, where, "a path is a number or a mapping {year: value}")
    try:
        items = sorted((int(y), float(v)) for y, v in raw.items())
    except (TypeError, ValueError):
        raise _fail(label, where, "years must be integers and values numbers") from None
    if positive and any(v < 0 for _, v in items):
        raise _fail(label, where, "values must not be negative")
    return Path_(np.array([y for y, _ in items], float), np.array([v for _, v in items]))


def _unit_factor(unit: str, label: str, where: str) -> float:
    head = str(unit).split("/")[0].strip()
    if head not in UNIT_FACTORS:
        raise _fail(label, where, f"intensity_unit {unit!r}: the mass must be one of "
                    f"{', '.join(UNIT_FACTORS)} per deployment unit (e.g. kg/vehicle)")
    return UNIT_FACTORS[head]


def read_scenario(spec: str) -> DemandScenario:
    """A demand scenario from a library id or a YAML file (``extends`` resolved), read
    by :func:`critmin.catalog.tables.read_yaml_mapping` (size limit, YAML faults)."""
    from critmin.catalog.tables import read_yaml_mapping

    lib = library()
    source: str | Path
    if spec in lib:
        source, label = lib[spec].read_text(encoding="utf-8"), f"library:{spec}"
    else:
        if not Path(spec).is_file():
            raise UnknownSpecError("demand scenario", spec, sorted(lib),
                                   "a library scenario")
        source, label = Path(spec), spec
    doc = read_yaml_mapping(source, label, "demand scenario")
    if "extends" in doc:
        base = read_scenario(str(doc["extends"]))
        return apply_overrides(base, doc, label)
    return parse_parameters(doc, label)


def parse_parameters(doc: dict[str, Any], label: str) -> DemandScenario:
    """A full parameter set (the reference format), validated field by field."""
    from critmin.catalog.commodities import resolve_commodity

    for key in ("id", "name", "base_year", "technologies", "minerals"):
        if key not in doc:
            raise _fail(label, key, "required field missing")
    base_year = int(doc["base_year"])
    techs, units = {}, {}
    for name, t in doc["technologies"].items():
        where = f"technologies.{name}"
        if not isinstance(t, dict) or "path" not in t or "source" not in t:
            raise _fail(label, where, "needs 'path', 'unit' and 'source'")
        techs[name] = _path(t["path"], label, f"{where}.path")
        units[name] = str(t.get("unit", ""))
    table = study_table()
    minerals = {}
    for raw_name, m in doc["minerals"].items():
        try:
            cid = resolve_commodity(str(raw_name))
        except CritminError as exc:
            raise _fail(label, f"minerals.{raw_name}", str(exc)) from None
        where = f"minerals.{raw_name}"
        ref = table.get(cid, {})
        base = m.get("base_demand", ref.get("global_demand"))
        if base is None:
            raise _fail(label, f"{where}.base_demand", "required (no study figure for "
                        f"{cid})")
        uses = []
        for i, u in enumerate(m.get("new_uses") or []):
            w = f"{where}.new_uses[{i}]"
            for key in ("technology", "intensity", "intensity_unit", "source"):
                if key not in u:
                    raise _fail(label, f"{w}.{key}", "required field missing")
            if u["technology"] not in techs:
                raise _fail(label, f"{w}.technology", f"unknown technology "
                            f"{u['technology']!r}; defined: {', '.join(techs)}")
            f = _unit_factor(u["intensity_unit"], label, f"{w}.intensity_unit")
            p = _path(u["intensity"], label, f"{w}.intensity")
            uses.append(NewUse(u["technology"], Path_(p.years, p.values * f), str(u["source"])))
        regs = []
        for i, r in enumerate(m.get("regulated") or []):
            w = f"{where}.regulated[{i}]"
            for key in ("driver", "share", "source"):
                if key not in r:
                    raise _fail(label, f"{w}.{key}", "required field missing")
            if r["driver"] not in techs:
                raise _fail(label, f"{w}.driver", f"unknown driver {r['driver']!r}")
            if not 0 <= float(r["share"]) <= 1:
                raise _fail(label, f"{w}.share", "must be within 0–1")
            regs.append(Regulated(r["driver"], float(r["share"]), str(r["source"])))
        other = m.get("other")
        if not isinstance(other, dict) or "cagr" not in other or "source" not in other:
            raise _fail(label, f"{where}.other", "needs 'cagr' and 'source'")
        _check_cagr(other["cagr"], label, f"{where}.other.cagr")
        if float(base) < 0:
            raise _fail(label, f"{where}.base_demand", "must not be negative")
        jd = ref.get("japan_demand")
        minerals[cid] = MineralParams(
            mineral=cid, unit=str(m.get("unit", ref.get("unit", "t"))), base_year=base_year,
            base_demand=float(base), japan_demand=float(jd) if jd else None,
            japan_share=japan_share(ref) if ref else None,
            new_uses=tuple(uses), regulated=tuple(regs), other_cagr=float(other["cagr"]),
            other_source=str(other["source"]), calibrated=bool(other.get("calibrated")))
    scenario = DemandScenario(str(doc["id"]), str(doc["name"]), str(doc.get("name_ja", "")),
                              base_year, techs, units, minerals, str(doc.get("notes", "")))
    _check_base_year(scenario, label)
    return scenario


def _check_cagr(raw: Any, label: str, where: str) -> None:
    try:
        g = float(raw)
    except (TypeError, ValueError):
        raise _fail(label, where, "must be a number") from None
    if not g > -1:
        raise _fail(label, where, "must be above −1 (a CAGR of −100 % or less would make "
                    "other uses zero or negative)")


def _check_base_year(scenario: DemandScenario, label: str) -> None:
    """D3(t0) = D(t0) − D1(t0) − D2(t0) ≥ 0 for every mineral (so D3 ≥ 0 in every year)."""
    for cid in scenario.minerals:
        parts = decompose(scenario, cid, np.array([scenario.base_year]))
        if parts["clipped"][0]:
            raise _fail(label, f"minerals.{cid}", "new and regulated uses exceed the base "
                        "demand in the base year (other uses would be negative)")


def apply_overrides(base: DemandScenario, doc: dict[str, Any], label: str) -> DemandScenario:
    """A scenario that multiplies the reference's paths: ``deployment: {tech: m}`` and
    ``intensity: {mineral.tech: m}`` where m is a number or a path of multipliers;
    ``other_cagr: {mineral: g}`` replaces a trend."""
    from critmin.catalog.commodities import resolve_commodity

    techs = dict(base.technologies)
    for name, mult in (doc.get("deployment") or {}).items():
        if name not in techs:
            raise _fail(label, f"deployment.{name}", f"unknown technology; defined: "
                        f"{', '.join(techs)}")
        m = _path(mult, label, f"deployment.{name}")
        p = techs[name]
        years = np.union1d(p.years, m.years)
        techs[name] = Path_(years, p.at(years) * m.at(years))
    minerals = dict(base.minerals)
    for key, mult in (doc.get("intensity") or {}).items():
        name, _, tech = str(key).partition(".")
        try:
            cid = resolve_commodity(name)
        except CritminError as exc:
            raise _fail(label, f"intensity.{key}", str(exc)) from None
        if cid not in minerals or tech not in {u.technology for u in minerals[cid].new_uses}:
            raise _fail(label, f"intensity.{key}", "no such new use in the base scenario")
        m = _path(mult, label, f"intensity.{key}")
        uses = []
        for u in minerals[cid].new_uses:
            if u.technology == tech:
                years = np.union1d(u.intensity.years, m.years)
                u = NewUse(tech, Path_(years, u.intensity.at(years) * m.at(years)), u.source)
            uses.append(u)
        minerals[cid] = _replace(minerals[cid], new_uses=tuple(uses))
    for name, g in (doc.get("other_cagr") or {}).items():
        cid = resolve_commodity(str(name))
        if cid not in minerals:
            raise _fail(label, f"other_cagr.{name}", "no such mineral in the base scenario")
        _check_cagr(g, label, f"other_cagr.{name}")
        minerals[cid] = _replace(minerals[cid], other_cagr=float(g), calibrated=False)
    scenario = DemandScenario(str(doc.get("id", "custom")), str(doc.get("name", "custom")),
                              str(doc.get("name_ja", "")), base.base_year, techs,
                              base.technology_units, minerals, str(doc.get("notes", "")),
                              str(doc.get("linked_shock", "")))
    _check_base_year(scenario, label)
    return scenario


def _replace(m: MineralParams, **changes: Any) -> MineralParams:
    from dataclasses import replace

    return replace(m, **changes)


def parameter_names(scenario: DemandScenario, mineral: str) -> list[str]:
    """The multipliers :func:`decompose` accepts for a mineral (sensitivity inputs)."""
    m = scenario.minerals[mineral]
    return ([f"deployment:{u.technology}" for u in m.new_uses]
            + [f"intensity:{u.technology}" for u in m.new_uses]
            + [f"regulated_share:{r.driver}" for r in m.regulated]
            + ["other_cagr", "base_demand"])


def decompose(scenario: DemandScenario, mineral: str, years: np.ndarray,
              mult: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """D1, D2, D3 and D for ``years``; ``mult`` scales parameters (arrays of samples,
    see :func:`parameter_names`). Returns arrays of shape (samples, years), and
    ``clipped`` (shape (samples,)): the samples whose new and regulated uses exceed the
    base demand in the base year, where D3(t0) is set to 0 instead of going negative
    (loaded scenarios never have one: the readers reject them)."""
    m = scenario.minerals[mineral]
    mult = mult or {}
    n = max([np.size(v) for v in mult.values()] or [1])

    def k(name: str) -> np.ndarray:
        return np.broadcast_to(np.asarray(mult.get(name, 1.0), float), (n,))[:, None]

    t = np.asarray(years, float)[None, :]
    t0 = np.array([[float(scenario.base_year)]])
    base = m.base_demand * k("base_demand")
    d1 = np.zeros((n, t.shape[1]))
    d1_t0 = np.zeros((n, 1))
    for u in m.new_uses:
        path = scenario.technologies[u.technology]
        scale = k(f"deployment:{u.technology}") * k(f"intensity:{u.technology}")
        d1 = d1 + scale * (path.at(t) * u.intensity.at(t))
        d1_t0 = d1_t0 + scale * (path.at(t0) * u.intensity.at(t0))
    d2 = np.zeros((n, t.shape[1]))
    d2_t0 = np.zeros((n, 1))
    for r in m.regulated:
        idx = scenario.technologies[r.driver]
        share = r.share * k(f"regulated_share:{r.driver}")
        d2 = d2 + share * base * idx.at(t) / idx.at(t0)
        d2_t0 = d2_t0 + share * base
    d3_t0 = base - d1_t0 - d2_t0
    clipped = (d3_t0 < -TOLERANCE * np.abs(base))[:, 0]
    d3_t0 = np.maximum(d3_t0, 0.0)
    g = np.maximum(m.other_cagr * k("other_cagr"), -1.0)
    d3 = d3_t0 * (1.0 + g) ** (t - t0)
    return {"new": d1, "regulated": d2, "other": d3, "total": d1 + d2 + d3,
            "clipped": clipped}


def cagr(total: np.ndarray, years: np.ndarray, a: int, b: int) -> np.ndarray:
    """``(D(b)/D(a))^(1/(b − a)) − 1`` along the years axis."""
    ys = list(np.asarray(years, int))
    return (total[..., ys.index(b)] / total[..., ys.index(a)]) ** (1.0 / (b - a)) - 1.0


def forecast(scenario: DemandScenario, minerals: list[str] | None, to_year: int = 2050,
             country: str | None = None) -> list[dict[str, Any]]:
    """One record per mineral: ``mineral, scenario, base_year, base_demand, unit, region,
    share_of_world, cagr_2019_2050, series`` (year → total, new, regulated, other).

    ``country="JPN"``: Japan's share of world demand (the study's JOGMEC figure over the
    world's on the same basis, :func:`japan_share`) times the world path, so Japan keeps
    its share and the world's growth [C]; ``reported_demand`` is the JOGMEC figure as
    printed. Every record is checked by :func:`check_region_invariant`."""
    names = minerals or list(scenario.minerals)
    years = np.arange(scenario.base_year, max(to_year, 2050) + 1)
    out = []
    for cid in names:
        if cid not in scenario.minerals:
            raise CritminError(f"no demand parameters for {cid} in scenario "
                               f"{scenario.scenario_id}; minerals: "
                               f"{', '.join(scenario.minerals)}")
        m = scenario.minerals[cid]
        parts = decompose(scenario, cid, years)
        scale = 1.0
        extra: dict[str, Any] = {}
        if country is not None:
            if country != "JPN" or m.japan_share is None:
                raise CritminError("per-country demand is available for JPN (the study's "
                                   "JOGMEC figures)")
            scale = m.japan_share
            extra = {"reported_demand": m.japan_demand}
        region = {k: parts[k] * scale for k in ("total", "new", "regulated", "other")}
        check_region_invariant(scenario.scenario_id, cid, years, parts, region)
        shown = years <= to_year
        out.append({
            "mineral": cid, "scenario": scenario.scenario_id, "base_year": scenario.base_year,
            "base_demand": m.base_demand * scale, "unit": m.unit,
            "region": country or "world", "share_of_world": scale, **extra,
            "cagr_2019_2050": float(cagr(parts["total"], years, 2019, 2050)[0]),
            "new_use_share_2030": float(parts["new"][0, list(years).index(2030)]
                                        / parts["total"][0, list(years).index(2030)]),
            "series": {int(y): {k: float(region[k][0, i]) for k in
                                ("total", "new", "regulated", "other")}
                       for i, y in enumerate(years) if shown[i]},
        })
    return out


def check_region_invariant(scenario_id: str, mineral: str, years: np.ndarray,
                           world: dict[str, np.ndarray], region: dict[str, np.ndarray]
                           ) -> None:
    """Raise :class:`CritminError` unless, in every year, each part D1, D2, D3 of the
    world and the region is ≥ 0 and the region's demand is ≤ the world's (both as
    returned by :func:`decompose`; the world may be the region itself)."""
    where = f"demand {mineral}, scenario {scenario_id}"
    years = np.asarray(years)
    for name, parts in (("world", world), ("region", region)):
        for k in ("new", "regulated", "other"):
            bad = np.nonzero(parts[k] < -TOLERANCE * np.abs(world["total"]))
            if bad[0].size:
                y = int(years[bad[1][0]])
                raise CritminError(f"{where}: {name} {k}-use demand is negative in {y} "
                                   f"({float(parts[k][bad][0]):g})")
    bad = np.nonzero(region["total"] > world["total"] * (1 + TOLERANCE))
    if bad[0].size:
        i = bad[1][0]
        raise CritminError(f"{where}: the region's demand {float(region['total'][0, i]):g} "
                           f"is above the world's {float(world['total'][0, i]):g} in "
                           f"{int(years[i])}")


def surge_flags(scenario: DemandScenario, year: int = SURGE_YEAR) -> dict[str, bool]:
    """Discontinuous demand increase (需要急増) per mineral [C]: new-use demand at least
    triples from the base year to ``year`` and is at least 5 % of demand then."""
    out = {}
    years = np.array([scenario.base_year, year])
    for cid in scenario.minerals:
        p = decompose(scenario, cid, years)
        d1_0, d1_t, total_t = p["new"][0, 0], p["new"][0, 1], p["total"][0, 1]
        out[cid] = bool(d1_t > 0 and d1_t >= SURGE_NEW_USE_GROWTH * d1_0
                        and d1_t / total_t >= SURGE_NEW_USE_SHARE)
    return out


def calibrate_other_cagr(scenario: DemandScenario, mineral: str, target: float,
                         a: int = 2019, b: int = 2050) -> float:
    """The other-use CAGR g that makes the total CAGR a→b equal ``target`` (bisection);
    ``reference/calibrate_demand.py`` uses it once to fill the reference file, where the
    value is marked ``calibrated: true``."""
    years = np.arange(scenario.base_year, b + 1)
    lo, hi = -0.5, 0.5
    for _ in range(100):
        mid = (lo + hi) / 2
        trial = DemandScenario(**{**scenario.__dict__, "minerals": {
            **scenario.minerals, mineral: _replace(scenario.minerals[mineral],
                                                    other_cagr=mid)}})
        if cagr(decompose(trial, mineral, years)["total"], years, a, b)[0] < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def elasticities(scenario: DemandScenario, mineral: str, year: int, h: float = 0.01
                 ) -> dict[str, float]:
    """``ε_x = [D(x(1+h)) − D(x(1−h))] / (2h·D(x))`` of D(year) for every parameter."""
    names = parameter_names(scenario, mineral)
    years = np.array([year])
    out = {}
    for name in names:
        up = decompose(scenario, mineral, years, {name: np.array([1 + h])})["total"][0, 0]
        dn = decompose(scenario, mineral, years, {name: np.array([1 - h])})["total"][0, 0]
        mid = decompose(scenario, mineral, years)["total"][0, 0]
        out[name] = float((up - dn) / (2 * h * mid))
    return out


def sobol_indices(scenario: DemandScenario, mineral: str, year: int, n_base: int = 1024,
                  spread: float = 0.2, seed: int = 1) -> dict[str, dict[str, float]]:
    """First-order and total Sobol indices (SALib) of D(year) for multipliers of every
    parameter uniform on [1 − spread, 1 + spread]; N·(D + 2) model runs. ``clipped``: the
    share of runs whose new and regulated uses exceeded the base demand in the base year
    (other uses clipped at 0, see :func:`decompose`), e.g. palladium's 84 % regulated
    share × 1.2."""
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    names = parameter_names(scenario, mineral)
    problem = {"num_vars": len(names), "names": names,
               "bounds": [[1 - spread, 1 + spread]] * len(names)}
    x = sample.sample(problem, n_base, calc_second_order=False, seed=seed)
    parts = decompose(scenario, mineral, np.array([year]),
                      {n: x[:, i] for i, n in enumerate(names)})
    y = parts["total"][:, 0]
    res = analyze.analyze(problem, y, calc_second_order=False, seed=seed)
    clipped = float(np.mean(parts["clipped"]))
    return {n: {"S1": float(res["S1"][i]), "S1_conf": float(res["S1_conf"][i]),
                "ST": float(res["ST"][i]), "ST_conf": float(res["ST_conf"][i]),
                "clipped": clipped}
            for i, n in enumerate(names)}
