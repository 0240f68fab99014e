"""The signal inputs from the store (the bundle's trade, production and WGI), each row
dated by its publication."""

from __future__ import annotations

import numpy as np

from critmin.analysis.signal_inputs import as_of, load_inputs


def test_inputs_from_the_store_and_their_dates(store) -> None:
    inp = load_inputs(store, "JPN", [("JPN", None, None)], ["rare_earths", "nickel"])
    uv = inp.prices[inp.prices["key"] == "uv:rare_earths:refining:284690"]
    row = uv[uv["year"] == 2008].iloc[0]
    assert row["kind"] == "unit_value" and str(row["seen"])[:10] == "2010-01-31"  # BACI
    f = inp.flows[(inp.flows["commodity_id"] == "rare_earths") & (inp.flows["year"] == 2010)]
    assert f["partner"].eq("CHN").any() and (f["seen"] == np.datetime64("2012-01-31")).all()
    assert set(inp.production["commodity_id"]) <= {"rare_earths", "nickel"}
    vis = as_of(inp, "2012-01-30")
    assert vis.flows["year"].max() == 2009 and vis.prices["year"].max() == 2009
