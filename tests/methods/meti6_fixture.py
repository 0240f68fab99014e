"""A hand-made rare-earth world with known answers for the six axes and the levers.

Production 2023 (t REO): CHN 240 000, USA 43 000, MMR 38 000, AUS 18 000, other 51 000.
Reserves (Mt): CHN 60, AUS 20, other 20. JPN imports concentrate: CHN 30 000 t (g 0.6),
VNM 15 000 t (g 0.45), AUS 5 000 t (g 0.2); refined: CHN 80 t (g 0.6), MYS 20 t (g 0.4).
σ_ann 0.5 (market); EoL-RIR 0.10.
"""

from __future__ import annotations

import pandas as pd

from critmin.methods.meti6 import Meti6Inputs, Meti6Options

OPTS = Meti6Options(production_window=1, import_window=1)


def rare_earth_inputs(store_has_reserves: bool = True) -> Meti6Inputs:
    prod = pd.DataFrame({
        "commodity_id": "rare_earths", "stage": "mining", "year": 2023,
        "iso3": ["CHN", "USA", "MMR", "AUS", None],
        "quantity": [240_000.0, 43_000.0, 38_000.0, 18_000.0, 51_000.0],
        "source_id": "hand"})
    reserves = pd.DataFrame({"commodity_id": "rare_earths", "iso3": ["CHN", "AUS", None],
                             "year": 2024, "quantity": [60e6, 20e6, 20e6], "source_id": "hand"})
    flows = pd.DataFrame({
        "importer": "JPN", "partner": ["CHN", "VNM", "AUS", "CHN", "MYS"],
        "commodity_id": "rare_earths",
        "stage": ["mining", "mining", "mining", "refining", "refining"], "year": 2023,
        "quantity_t": [30_000.0, 15_000.0, 5_000.0, 80.0, 20.0]})
    risk = pd.DataFrame({"iso3": ["CHN", "VNM", "AUS", "MYS", "JPN"], "year": 2023,
                         "risk": [0.6, 0.45, 0.2, 0.4, 0.25]})
    return Meti6Inputs(
        year=2023, members={"JPN": [("JPN", None, None)]}, commodities=("rare_earths",),
        primary_stage={"rare_earths": "mining"}, production=prod,
        reserves=reserves if store_has_reserves else reserves.iloc[0:0],
        flows=flows,
        domestic=pd.DataFrame(columns=["importer", "commodity_id", "stage", "year",
                                       "domestic_t"]),
        risk=risk,
        volatility=pd.DataFrame({"commodity_id": ["rare_earths"], "sigma": [0.5],
                                 "basis": ["market"], "series": ["hand"], "year": [2023]}),
        recycling=pd.DataFrame({"commodity_id": ["rare_earths"], "eol_rir": [0.10],
                                "year": [2023], "source_id": ["hand"]}),
        hs_stages=frozenset({("rare_earths", "mining"), ("rare_earths", "refining")}),
        traded_stages=frozenset({("rare_earths", "mining"), ("rare_earths", "refining")}),
        store_has_reserves=store_has_reserves)


def axis(values: pd.DataFrame, name: str, column: str = "value") -> float:
    return float(values.loc[values["axis"] == name, column].iloc[0])
