"""Urban-mining economics: the switching price of a scrap stream (methods.md §16, §19).

A scrap stream (NdFeB magnets from hard disks or motors, black mass from NMC or LFP
batteries, PGM from autocatalysts) is a cost model per tonne of *feed* (the scrap as
collected) in a YAML parameter file (``analysis/data/recycling``), every value with its
source and a tag ([S] stated in a source, [U] unverified, [C] project choice):

    c   content: t of the recovered product per t of feed
    y   recovery yield (share of the contained product recovered)
    π   payable share (the share of the primary price the recycled product fetches)
    C_k costs per t of feed: collection, dismantling, processing, refining, logistics
    B   by-product credits per t of feed; S subsidies per t of feed

Recycling pays when the revenue per t of feed, ``P·c·y·π``, covers the net cost, so the
primary price at which it breaks even (the switching price) is, in closed form,

    P* = (Σ_k C_k − B − S) / (c · y · π)          [USD per t of product]

P* ≤ 0: the credits alone cover the costs (recycling pays at any price). The tornado
varies each parameter to its low and high value (the file's, else ± :data:`SPREAD`) with
the others at their base and recomputes P* (vectorised, no loop over prices).

Every parameter file (streams, in-use stocks, projects) is read by
:func:`read_parameter_file` (:func:`critmin.catalog.tables.read_yaml_mapping`) and
checked by :func:`validated`: a bad value is an error naming its file, line and field.
Nothing is written to the store.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, TypeVar

import numpy as np
import pandas as pd
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    FiniteFloat,
    ValidationError,
    field_validator,
)

from critmin.errors import CritminError, UnknownSpecError

SPREAD = 0.25
"""Default tornado range [C]: each parameter without its own low/high is varied by
± 25 % (rates stay within (0, 1])."""
TAG = re.compile(r"\[[SUC](?:\]|:)")
"""A source's tag: ``[S]``, ``[U]``, ``[C]`` or one with a comment (``[U: recalled]``)."""
COSTS = ("collection", "dismantling", "processing", "refining", "logistics")
RATES = ("content", "yield", "payable")
OFFSETS = ("credits", "subsidy")
PARAMETERS = RATES + COSTS + OFFSETS
"""The cost model's parameters, in the order tables show them."""

M = TypeVar("M", bound=BaseModel)


# ------------------------------------------------------------ parameter files


MAX_MONEY = 1e9
"""Largest cost, credit or subsidy a stream file may give, USD per t of feed [C]: far above
any real one (refined gold is ~7e7 USD/t); a larger number is a typing error."""


class Strict(BaseModel):
    """A parameter-file section: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def tagged(source: str) -> str:
    """``source`` if it carries a tag ([S], [U] or [C]), else a validation error."""
    if not TAG.search(source):
        raise ValueError("a source must say how sure it is: add [S] (stated in the cited "
                         "source), [U] (unverified) or [C] (project choice)")
    return source


TaggedSource = Annotated[str, AfterValidator(tagged)]
"""The ``source`` of a parameter-file entry: a text carrying its tag (:func:`tagged`)."""


class Sourced(Strict):
    """A number with its source; ``low``/``high`` bound it for the tornado (finite, with
    ``low ≤ value ≤ high``)."""

    value: FiniteFloat
    low: FiniteFloat | None = None
    high: FiniteFloat | None = None
    unit: str = ""
    source: TaggedSource

    def check_order(self) -> None:
        """``low ≤ value ≤ high`` (a ValueError otherwise)."""
        lo = self.low if self.low is not None else self.value
        hi = self.high if self.high is not None else self.value
        if not lo <= self.value <= hi:
            raise ValueError(f"'low' ≤ 'value' ≤ 'high' is required (got low {lo:g}, value "
                             f"{self.value:g}, high {hi:g})")


def library_folder(*parts: str) -> Any:
    """A folder of shipped parameter files under ``analysis/data``."""
    return resources.files("critmin.analysis").joinpath("data", *parts)


def library(*parts: str) -> dict[str, Any]:
    """``{id: resource}`` of the YAML files in ``analysis/data/<parts>``."""
    folder = library_folder(*parts)
    return {e.name.removesuffix(".yaml"): e for e in sorted(folder.iterdir(),
                                                           key=lambda e: e.name)
            if e.name.endswith(".yaml")}


def read_parameter_file(spec: str, kind: str, *parts: str
                        ) -> tuple[dict[str, Any], dict[tuple, int], str]:
    """(mapping, line of every field, label) of a parameter file: a library id under
    ``analysis/data/<parts>`` or a path, read by
    :func:`critmin.catalog.tables.read_parameter_text` (size limit, encoding) and
    :func:`~critmin.catalog.tables.read_yaml_mapping` (YAML faults)."""
    from critmin.catalog.tables import read_parameter_text, read_yaml_mapping

    lib = library(*parts) if parts else {}
    if spec in lib:
        text, label = lib[spec].read_text(encoding="utf-8"), f"{kind} {spec}"
    elif Path(spec).is_file():
        label = f"{kind} file {spec}"
        text = read_parameter_text(Path(spec), label, kind)
    else:
        raise UnknownSpecError(kind, spec, list(lib), f"a shipped {kind}", "shipped")
    return read_yaml_mapping(text, label, kind), field_lines(text), label


def field_lines(text: str) -> dict[tuple, int]:
    """The line (1-based) of every key and list item of a YAML document, by path
    (``("parameters", "yield", "value")``, ``("cash_flows", 2)``)."""
    import yaml

    out: dict[tuple, int] = {}

    def walk(node: Any, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                here = (*path, key.value)
                out[here] = key.start_mark.line + 1
                walk(value, here)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                out[(*path, i)] = item.start_mark.line + 1
                walk(item, (*path, i))

    try:
        walk(yaml.compose(text, Loader=yaml.SafeLoader), ())
    except yaml.YAMLError:
        pass  # read_yaml_mapping reports it
    return out


def validated(model: type[M], doc: dict[str, Any], lines: dict[tuple, int], label: str
              ) -> M:
    """``doc`` as ``model``; every fault becomes one :class:`CritminError` naming the
    file, the line and the field (``label line 12: parameters.yield.value: …``)."""
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        raise CritminError(validation_text(exc, lines, label)) from None


def validation_text(exc: ValidationError, lines: dict[tuple, int], label: str) -> str:
    """One line per fault: ``label line N: field.path: message`` (a fault of a whole
    section points at the line of the first field its message names in quotes)."""
    parts = []
    for e in exc.errors():
        loc = tuple(e["loc"])
        named = [(*loc, n) for n in re.findall(r"'(\w+)'", e["msg"])]
        line = next((lines[k] for k in named + [loc[:i] for i in range(len(loc), 0, -1)]
                     if k in lines), None)
        field = ".".join(str(p) for p in loc)
        where = f" line {line}" if line else ""
        parts.append(f"{label}{where}: {field + ': ' if field else ''}{e['msg']}")
    return "; ".join(parts)


# ------------------------------------------------------------ scrap streams


class PriceSpec(Strict):
    """Where the primary price of the recovered product comes from in the store."""

    unit: str = Field(description="Unit the prices are shown in (USD/t, USD/kg, "
                                  "USD/troy oz).")
    series: list[str] = Field(default_factory=list,
                              description="Market price series (store ``price``), "
                                          "first with data wins per year.")
    unit_value_hs6: str | None = Field(None, description="HS6 code of the world trade "
                                                         "unit value (proxy).")
    unit_value_factor: Sourced | None = Field(
        None, description="Factor from the unit value (kUSD per t of the HS product) to "
                          "USD per t of product.")
    source: TaggedSource

    @field_validator("unit")
    @classmethod
    def _price_unit(cls, v: str) -> str:
        from critmin.sources.units import convert

        try:
            convert(1.0, "USD/t", v)
        except ValueError:
            raise ValueError(f"'unit' {v!r} is not a price unit critmin converts (e.g. "
                             "USD/t, USD/kg, USD/lb, USD/troy oz)") from None
        return v


class StreamParameters(Strict):
    """The cost model (:data:`PARAMETERS`); costs, credits and subsidy in USD per t of
    feed."""

    content: Sourced
    yield_: Sourced = Field(alias="yield")
    payable: Sourced
    collection: Sourced | None = None
    dismantling: Sourced | None = None
    processing: Sourced | None = None
    refining: Sourced | None = None
    logistics: Sourced | None = None
    credits: Sourced | None = None
    subsidy: Sourced | None = None

    @field_validator("content", "yield_", "payable")
    @classmethod
    def _rate(cls, v: Sourced) -> Sourced:
        for name in ("value", "low", "high"):
            x = getattr(v, name)
            if x is not None and not 0 < x <= 1:
                raise ValueError(f"'{name}' is {x:g}: a content, yield or payable share "
                                 "lies in (0, 1]")
        v.check_order()
        return v

    @field_validator(*COSTS, "credits", "subsidy")
    @classmethod
    def _money(cls, v: Sourced | None) -> Sourced | None:
        for name in ("value", "low", "high"):
            x = None if v is None else getattr(v, name)
            if x is not None and not 0 <= x <= MAX_MONEY:
                raise ValueError(f"'{name}' is {x:g}: costs, credits and subsidies lie "
                                 f"between 0 and {MAX_MONEY:,.0f} USD per t of feed")
        if v is not None:
            v.check_order()
        return v

    def get(self, name: str) -> Sourced | None:
        return getattr(self, "yield_" if name == "yield" else name)


class Stream(Strict):
    """A scrap stream's parameter file."""

    id: str
    name: str
    name_ja: str
    commodity: str
    product: str
    product_ja: str
    feed: str
    feed_ja: str
    price: PriceSpec
    parameters: StreamParameters
    notes: str = ""


def read_stream(spec: str) -> Stream:
    """A stream from a shipped id (``analysis/data/recycling``) or a YAML file."""
    from critmin.catalog.commodities import resolve_commodity

    doc, lines, label = read_parameter_file(spec, "scrap stream", "recycling")
    stream = validated(Stream, doc, lines, label)
    resolved_at(resolve_commodity, stream.commodity, lines, label, "commodity")
    return stream


def resolved_at(resolve: Any, value: str, lines: dict[tuple, int], label: str,
                *path: str) -> str:
    """``resolve(value)`` (a mineral, a country …) of the field at ``path`` of a parameter
    file; an unknown name is an error naming the file, the line and the field."""
    try:
        return resolve(value)
    except CritminError as exc:
        raise CritminError(f"{label} line {lines.get(tuple(path), '?')}: {'.'.join(path)}: "
                           f"{exc}") from None


def base_values(stream: Stream) -> dict[str, float]:
    """``{parameter: base value}`` (a cost the file leaves out is 0)."""
    p = stream.parameters
    return {k: (p.get(k).value if p.get(k) is not None else 0.0) for k in PARAMETERS}


def switching_price(content: Any, recovery: Any, payable: Any, collection: Any = 0.0,
                    dismantling: Any = 0.0, processing: Any = 0.0, refining: Any = 0.0,
                    logistics: Any = 0.0, credits: Any = 0.0, subsidy: Any = 0.0
                    ) -> np.ndarray:
    """The primary price at which recycling breaks even (methods.md §16, §19):

        P* = (C_collect + C_dismantle + C_process + C_refine + C_logistics − B − S)
             / (c · y · π)

    All arguments broadcast (arrays of parameter sets); costs, credits B and subsidy S
    per t of feed, c the product per t of feed, y the recovery yield, π the payable
    share. Returns USD per t of product (≤ 0: pays at any price)."""
    net = (np.asarray(collection, float) + dismantling + processing + refining + logistics
           - credits - subsidy)
    return net / (np.asarray(content, float) * recovery * payable)


def stream_switching_price(values: dict[str, Any]) -> np.ndarray:
    """:func:`switching_price` of ``{parameter: value(s)}`` (:data:`PARAMETERS`)."""
    v = {("recovery" if k == "yield" else k): values[k] for k in PARAMETERS}
    return switching_price(**v)


def bounds(stream: Stream, spread: float = SPREAD) -> dict[str, tuple[float, float]]:
    """``{parameter: (low, high)}`` of the parameters the file gives: its own low/high,
    else the base value ± ``spread`` (rates clipped to (0, 1])."""
    out = {}
    for k in PARAMETERS:
        p = stream.parameters.get(k)
        if p is None:
            continue
        lo = p.low if p.low is not None else p.value * (1 - spread)
        hi = p.high if p.high is not None else p.value * (1 + spread)
        if k in RATES:
            lo, hi = max(lo, 1e-9), min(hi, 1.0)
        out[k] = (lo, hi)
    return out


def tornado(stream: Stream, spread: float = SPREAD) -> pd.DataFrame:
    """One row per parameter, largest swing first: ``parameter, base_value, low_value,
    high_value, switching_low, switching_high, swing`` (P* with the parameter at its low and its
    high value, the others at base; swing = |P*_high − P*_low|)."""
    base = base_values(stream)
    b = bounds(stream, spread)
    names = list(b)
    n = len(names)
    grid = {k: np.full(2 * n, base[k]) for k in PARAMETERS}
    for i, k in enumerate(names):
        grid[k][2 * i], grid[k][2 * i + 1] = b[k]
    p = stream_switching_price(grid).reshape(n, 2) if n else np.zeros((0, 2))
    out = pd.DataFrame({"parameter": names, "base_value": [base[k] for k in names],
                        "low_value": [b[k][0] for k in names],
                        "high_value": [b[k][1] for k in names],
                        "switching_low": p[:, 0], "switching_high": p[:, 1]})
    out["swing"] = (out["switching_high"] - out["switching_low"]).abs()
    return out.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def cost_breakdown(stream: Stream) -> pd.DataFrame:
    """Each cost and offset per t of feed and its part of P* (``per_product`` = item /
    (c·y·π), offsets negative): ``item, per_feed, per_product, source``."""
    base = base_values(stream)
    denominator = base["content"] * base["yield"] * base["payable"]
    rows = []
    for k in COSTS + OFFSETS:
        p = stream.parameters.get(k)
        if p is None:
            continue
        sign = -1.0 if k in OFFSETS else 1.0
        rows.append({"item": k, "per_feed": sign * p.value,
                     "per_product": sign * p.value / denominator, "source": p.source})
    return pd.DataFrame(rows, columns=["item", "per_feed", "per_product", "source"])


def paid_years(prices: pd.DataFrame, p_star: float) -> pd.DataFrame:
    """``prices`` (``year, basis, series, price`` in USD/t of product) with
    ``switching_price`` (P*), ``margin = price − P*`` and ``pays = price ≥ P*``: the years
    in which recycling paid at that year's primary price (costs held at the file's)."""
    out = prices.copy()
    out["switching_price"] = p_star
    out["margin"] = out["price"] - p_star
    out["pays"] = out["price"] >= p_star
    return out


MONTHS_FOR_A_YEAR = 12
"""A monthly series gives a year's price only with all twelve months [C] (a partial
current year is left out)."""


def annual_market_prices(rows: pd.DataFrame, series: list[str]) -> pd.DataFrame:
    """``year, series, price`` (USD per t) from price rows (``series, period, value,
    unit``): the mean of a year's months (all twelve, :data:`MONTHS_FOR_A_YEAR`) or its
    annual value, converted to USD/t (pint); per year the first of ``series`` with a
    price wins."""
    from critmin.sources.units import convert

    if rows.empty:
        return pd.DataFrame(columns=["year", "series", "price"])
    f = rows.copy()
    factor = {u: convert(1.0, u, "USD/t") for u in f["unit"].dropna().unique()}
    f["price"] = f["value"] * f["unit"].map(factor)
    f["year"] = f["period"].str[:4].astype(int)
    f["monthly"] = f["period"].str.len() > 4
    g = f.groupby(["series", "year"], as_index=False).agg(
        price=("price", "mean"), n=("price", "size"), monthly=("monthly", "any"))
    g = g[~g["monthly"] | (g["n"] >= MONTHS_FOR_A_YEAR)]
    g["rank"] = g["series"].map({s: i for i, s in enumerate(series)})
    g = g.sort_values(["year", "rank"]).drop_duplicates("year")
    return g[["year", "series", "price"]].reset_index(drop=True)


def unit_value_prices(rows: pd.DataFrame, factor: float) -> pd.DataFrame:
    """``year, series, price`` (USD per t of product) from world trade unit values
    (``hs6, year, price`` in kUSD per t) times ``factor``; series ``uv:<hs6>``."""
    return pd.DataFrame({"year": rows["year"].astype(int),
                         "series": "uv:" + rows["hs6"].astype(str),
                         "price": rows["price"] * factor}).reset_index(drop=True)
