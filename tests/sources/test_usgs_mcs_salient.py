"""USGS MCS salient statistics: units from the meta XML, PGM prices on their own metal."""

from pathlib import Path

import pandas as pd
import pytest

from critmin.sources.usgs_mcs import (
    read_salient,
    salient_item_map,
    salient_unit_corrections,
    salient_units,
)

MAPS = Path(__file__).resolve().parents[2] / "src" / "critmin" / "sources" / "maps"


@pytest.fixture(scope="module")
def extract(shared_data):
    files = sorted((shared_data / "usgs_mcs2025" / "salient_commodity").glob("*_salient.csv"))
    return read_salient(files, "test", "2025")


def _cell(frame, usgs_commodity, item, year):
    row = frame[(frame["usgs_commodity"] == usgs_commodity) & (frame["item"] == item)
                & (frame["year"] == year)]
    assert len(row) == 1, (usgs_commodity, item, year)
    return row.iloc[0]


def test_mica_sheet_prices_are_dollars_per_kilogram(extract):
    cell = _cell(extract.tables["salient"], "Mica", "Price_Sheet-Splittings_dt", 2020)
    assert (cell["value"], cell["unit"], cell["unit_printed"]) == (
        1.57, "USD/kg", "dollars per kilogram")  # value as printed (column code said $/t)
    price = extract.tables["price"]
    row = price[price["series"] == "usgs:Mica:Price_Sheet-Splittings_dt"]
    assert set(row["unit"]) == {"USD/kg"} and row["value"].max() < 10


def test_manganese_price_per_metric_ton_unit(extract):
    cell = _cell(extract.tables["salient"], "Manganese", "Price_CN_CIF_dt", 2020)
    # printed 4.58 $/mtu; 1 mtu = 1 % of a tonne = 10 kg Mn → 458 $/t of contained Mn
    assert cell["text"] == "4.58"
    assert cell["unit_printed"] == "dollars per metric ton unit"
    assert (cell["unit"], round(cell["value"], 6)) == ("USD/t", 458.0)


def test_tungsten_price_per_mtu_of_wo3(extract):
    cell = _cell(extract.tables["salient"], "Tungsten", "Price_WO3_dt", 2020)
    assert cell["unit"] == "USD/t"
    assert cell["value"] == pytest.approx(100 * float(cell["text"]))


def test_no_net_import_reliance_in_carats(extract):
    salient = extract.tables["salient"]
    nir = salient[salient["item"].str.contains("NIR")]
    assert "ct" not in set(nir["unit"]) and "carats" not in set(nir["unit_printed"])
    assert set(nir["unit"]) == {"%"}
    for commodity in ("Germanium", "Nickel", "Scandium", "Tungsten"):  # columns "NIR_ct"
        assert set(nir[nir["usgs_commodity"] == commodity]["unit"]) == {"%"}


def test_asbestos_nir_corrected_by_the_map(extract):
    assert salient_unit_corrections()[("mcs2025-asbes_salient.csv", "NIR_pct")] == "percent"
    cell = _cell(extract.tables["salient"], "Asbestos", "NIR_pct", 2020)
    assert cell["unit"] == "%"


def test_every_pgm_price_on_its_own_metal(extract):
    price = extract.tables["price"]
    pgm = price[price["series"].str.startswith("usgs:Platinum-Group Metals:")]
    owner = pgm.groupby("series")["commodity_id"].agg(lambda s: set(s.fillna("NULL")))
    assert owner["usgs:Platinum-Group Metals:Price_Palladium_dto"] == {"palladium"}
    assert owner["usgs:Platinum-Group Metals:Price_Platinum_dto"] == {"platinum"}
    assert owner["usgs:Platinum-Group Metals:Price_Rhodium_dto"] == {"rhodium"}
    assert owner["usgs:Platinum-Group Metals:Price_Iridium_dto"] == {"NULL"}
    assert owner["usgs:Platinum-Group Metals:Price_Ruthenium_dto"] == {"NULL"}
    assert set(pgm["unit"]) == {"USD/troy oz"}
    report = {r[0]: r[1:] for r in extract.report.rows}
    n, detail = report["annual price values of metals not in the catalog (kept without a "
                       "commodity)"]
    assert "Price_Iridium_dto" in detail and "Price_Ruthenium_dto" in detail and n >= 10


def test_every_price_row_has_its_printed_unit(extract):
    price = extract.tables["price"]
    assert price["unit_printed"].notna().all()
    assert set(price["unit"]) <= {"USD/t", "USD/kg", "USD/troy oz", "USD/ct"}


def test_meta_unit_by_label_then_position_then_code():
    meta = [("DataSource", None), ("Commodity", None), ("Year", None),
            ("USprod_Flake_Sold_t", "metric tons"),
            ("Price_Sheet_Block_dkg", "dollars per kilogram"),
            ("NIR_pct", None), ("Price_dt", None)]
    cols = ["DataSource", "Commodity", "Year", "USprod_Flake_t", "Price_Sheet-Block_dt",
            "NIR_ct", "Price_dt"]
    got = salient_units("x.csv", cols, meta)
    assert got["Price_Sheet-Block_dt"] == ("dollars per kilogram", "meta XML")  # position
    assert got["NIR_ct"] == ("percent", "meta XML label code")
    assert got["Price_dt"] == ("dollars per metric ton", "meta XML label code")
    # a position of another kind (price vs NIR) is not taken
    shifted = salient_units("x.csv", ["DataSource", "Commodity", "Year", "NIR_x_pct"],
                            [("DataSource", None), ("Commodity", None), ("Year", None),
                             ("Price_dkg", "dollars per kilogram")])
    assert shifted["NIR_x_pct"] == ("percent", "column-name code")


def test_maps_are_sourced_data():
    for name in ("usgs_salient_items.csv", "usgs_salient_units.csv"):
        text = [x for x in (MAPS / name).read_text(encoding="utf-8").splitlines()
                if not x.startswith("#")]
        frame = pd.DataFrame([r.split(",") for r in text[1:2]], columns=None)
        assert "source" in text[0].split(",") and "note" in text[0].split(","), name
        assert len(frame) == 1
    items = salient_item_map()["Platinum-Group Metals"]
    assert items["Price_Palladium_dto"] == "palladium" and items["Price_Iridium_dto"] is None
