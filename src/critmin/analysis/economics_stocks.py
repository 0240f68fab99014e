"""Secondary supply from in-use stocks: a dynamic stock model per product (flodym).

methods.md §16 and §19 (the economics of secondary supply) with §13 (demand): for each
product k holding the commodity (t of commodity content per year),

    inflow  I_k(t)  history path H_k (linear between the years given, 0 before the
                    first), after its last year t_h grown with a driver of the demand
                    scenario: I_k(t) = H_k(t_h) · X(t) / X(t_h), X = the scenario's world
                    demand of the commodity (``demand``), its other uses (``other``), one of
                    its new uses N·u (``use:ev`` …), a deployment path of the scenario
                    (``ev``, ``wind_offshore``, ``ice_vehicles`` …) or 1 (``flat``)
    stock   S_k(t)  = Σ_{c ≤ t} I_k(c) · sf_k(t − c)        (flodym ``InflowDrivenDSM``)
    outflow O_k(t)  = Σ_{c ≤ t} I_k(c) · pdf_k(t − c)       (end-of-life, t/yr)
    scrap   R_k(t)  = O_k(t) · collection_k(t) · recovery_k(t)
    share   s(t)    = Σ_k R_k(t) / D(t)                      (D: the scenario's demand)

The lifetime distribution sf/pdf is flodym's (fixed, normal, lognormal, Weibull;
``exponential`` is a Weibull of shape 1), inflows at mid-year (flodym's default), so a
fixed lifetime L gives ``O(t) = I(t − L)`` and an exponential of mean τ with a constant
inflow I from year t0 gives ``O(t) = I·(1 − e^{−(t − t0 + ½)/τ})``. flodym: MIT licence,
https://github.com/pik-piam/flodym (the successor of ODYM).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, PrivateAttr, field_validator, model_validator

from critmin.analysis.economics import (
    Strict,
    TaggedSource,
    read_parameter_file,
    validated,
)
from critmin.errors import CritminError

LIFETIME_MODELS = ("fixed", "normal", "lognormal", "weibull", "exponential")


class Lifetime(Strict):
    """A lifetime distribution (years)."""

    model: Literal["fixed", "normal", "lognormal", "weibull", "exponential"]
    mean: float | None = Field(None, gt=0)
    std: float | None = Field(None, gt=0)
    shape: float | None = Field(None, gt=0)
    scale: float | None = Field(None, gt=0)
    source: TaggedSource

    @model_validator(mode="after")
    def _parameters(self) -> Lifetime:
        need = {"fixed": ("mean",), "exponential": ("mean",), "normal": ("mean", "std"),
                "lognormal": ("mean", "std"), "weibull": ("shape", "scale")}[self.model]
        missing = [n for n in need if getattr(self, n) is None]
        if missing:
            raise ValueError(f"a {self.model} lifetime needs {' and '.join(need)}")
        return self


class Rate(Strict):
    """A rate in [0, 1]: a number or a path ``{year: rate}`` (linear, flat outside)."""

    value: float | dict[int, float]
    source: TaggedSource

    @field_validator("value")
    @classmethod
    def _share(cls, v: float | dict[int, float]) -> float | dict[int, float]:
        values = v.values() if isinstance(v, dict) else [v]
        if not values or any(not 0 <= x <= 1 for x in values):
            raise ValueError("a rate lies in [0, 1]")
        return v

    def at(self, years: np.ndarray) -> np.ndarray:
        return path_at(self.value, years)


class Inflow(Strict):
    """Inflow into use (t of the commodity per year): a history path and a driver."""

    history: dict[int, float]
    after: str = "flat"
    source: TaggedSource

    @field_validator("history")
    @classmethod
    def _history(cls, v: dict[int, float]) -> dict[int, float]:
        if not v or any(x < 0 for x in v.values()):
            raise ValueError("a history is a non-empty mapping {year: t} of t ≥ 0")
        return v


class Product(Strict):
    """A product holding the commodity in use."""

    name: str
    name_ja: str
    inflow: Inflow
    lifetime: Lifetime
    collection: Rate
    recovery: Rate


class StockFile(Strict):
    """An in-use stock file (``analysis/data/recycling/stocks``)."""

    id: str
    commodity: str
    unit: str
    start_year: int = Field(ge=1900, le=2100)
    products: dict[str, Product]
    notes: str = ""
    _label: str = PrivateAttr("")
    _lines: dict[tuple, int] = PrivateAttr(default_factory=dict)

    def where(self, *path: str) -> str:
        """``label line N: a.b.c`` of a field (for an error found after reading)."""
        line = self._lines.get(tuple(path))
        return f"{self._label or self.id}{f' line {line}' if line else ''}: {'.'.join(path)}"

    @field_validator("products")
    @classmethod
    def _some(cls, v: dict[str, Product]) -> dict[str, Product]:
        if not v:
            raise ValueError("at least one product")
        return v


def path_at(value: float | dict[int, float], years: np.ndarray) -> np.ndarray:
    """A number, or a path ``{year: value}`` interpolated linearly (flat outside)."""
    t = np.asarray(years, float)
    if not isinstance(value, dict):
        return np.full(t.shape, float(value))
    items = sorted(value.items())
    return np.interp(t, [y for y, _ in items], [v for _, v in items])


def read_stocks(spec: str) -> StockFile:
    """An in-use stock file: a shipped commodity id (``analysis/data/recycling/stocks``)
    or a YAML file."""
    doc, lines, label = read_parameter_file(spec, "in-use stock", "recycling", "stocks")
    stocks = validated(StockFile, doc, lines, label)
    stocks._label, stocks._lines = label, lines
    return stocks


def inflow_path(inflow: Inflow, years: np.ndarray, drivers: dict[str, np.ndarray]
                ) -> np.ndarray:
    """``I(t)``: the history interpolated (0 before its first year), after its last year
    ``t_h`` the value at t_h times ``X(t) / X(t_h)`` of the driver (``drivers`` holds
    each driver's values at ``years``; ``flat`` keeps the last value)."""
    t = np.asarray(years, float)
    hy = sorted(inflow.history)
    first, last = hy[0], hy[-1]
    out = np.where(t < first, 0.0, path_at(inflow.history, t))
    if inflow.after == "flat":
        return out
    x = drivers[inflow.after]
    at_last = np.interp(last, t, x)
    if not at_last > 0:
        raise CritminError(f"driver {inflow.after!r} is 0 in {last}: cannot scale")
    return np.where(t > last, inflow.history[last] * x / at_last, out)


def lifetime_model(lt: Lifetime, dims: Any) -> Any:
    """The flodym lifetime model of ``lt`` over ``dims``."""
    import flodym as fd

    if lt.model == "fixed":
        return fd.FixedLifetime(dims=dims, mean=lt.mean)
    if lt.model == "normal":
        return fd.NormalLifetime(dims=dims, mean=lt.mean, std=lt.std)
    if lt.model == "lognormal":
        return fd.LogNormalLifetime(dims=dims, mean=lt.mean, std=lt.std)
    if lt.model == "weibull":
        return fd.WeibullLifetime(dims=dims, weibull_shape=lt.shape, weibull_scale=lt.scale)
    return fd.WeibullLifetime(dims=dims, weibull_shape=1.0, weibull_scale=lt.mean)


def dynamic_stock(years: np.ndarray, inflow: np.ndarray, lt: Lifetime
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(stock, outflow) of an inflow-driven dynamic stock (flodym ``InflowDrivenDSM``,
    inflows at mid-year) with lifetime ``lt``, per year of ``years`` (consecutive)."""
    import flodym as fd

    dims = fd.DimensionSet(dim_list=[fd.Dimension(
        name="time", letter="t", items=[int(y) for y in years], dtype=int)])
    dsm = fd.InflowDrivenDSM(dims=dims, inflow=fd.StockArray(dims=dims, values=np.asarray(
        inflow, float).copy()), lifetime_model=lifetime_model(lt, dims), name="in_use")
    dsm.compute()
    return dsm.stock.values.copy(), dsm.outflow.values.copy()


def secondary_supply(stocks: StockFile, years: np.ndarray, drivers: dict[str, np.ndarray]
                     ) -> pd.DataFrame:
    """One row per product and year: ``product, year, inflow_t, stock_t, outflow_t,
    collected_t, recovered_t`` (recovered = scrap available as secondary supply)."""
    frames = []
    for pid, p in stocks.products.items():
        if p.inflow.after != "flat" and p.inflow.after not in drivers:
            raise CritminError(f"{stocks.where('products', pid, 'inflow', 'after')}: "
                               f"driver {p.inflow.after!r} unknown; drivers: flat, "
                               f"{', '.join(sorted(drivers))}")
        inflow = inflow_path(p.inflow, years, drivers)
        stock, outflow = dynamic_stock(years, inflow, p.lifetime)
        collected = outflow * p.collection.at(years)
        frames.append(pd.DataFrame({
            "product": pid, "year": np.asarray(years, int), "inflow_t": inflow,
            "stock_t": stock, "outflow_t": outflow, "collected_t": collected,
            "recovered_t": collected * p.recovery.at(years)}))
    return pd.concat(frames, ignore_index=True)


def totals(by_product: pd.DataFrame, demand: dict[int, float]) -> pd.DataFrame:
    """Per year, the sums over products and ``demand_t`` (the scenario's demand; missing
    outside its years) with ``share_of_demand = recovered_t / demand_t``."""
    cols = ["inflow_t", "stock_t", "outflow_t", "collected_t", "recovered_t"]
    out = by_product.groupby("year", as_index=False)[cols].sum()
    out["demand_t"] = out["year"].map(demand).astype(float)
    out["share_of_demand"] = out["recovered_t"] / out["demand_t"]
    return out


def scenario_drivers(scenario: Any, commodity: str, years: np.ndarray
                     ) -> dict[str, np.ndarray]:
    """``{driver: values at years}`` of the demand scenario (methods.md §13): each
    deployment path N (``ev``, ``wind_offshore`` …); for ``commodity``, its world demand
    D (``demand``), its other uses D3 (``other``) and each new use N·u (``use:ev`` …),
    from :func:`critmin.analysis.demand.decompose`."""
    from critmin.analysis.demand import decompose

    t = np.asarray(years, float)
    out = {name: path.at(t) for name, path in scenario.technologies.items()}
    m = scenario.minerals.get(commodity)
    if m is not None:
        parts = decompose(scenario, commodity, years)
        out["demand"], out["other"] = parts["total"][0], parts["other"][0]
        for u in m.new_uses:
            out[f"use:{u.technology}"] = scenario.technologies[u.technology].at(t) * \
                u.intensity.at(t)
    return out
