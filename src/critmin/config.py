"""Where critmin keeps its data: ``$CRITMIN_HOME`` or a per-user data folder."""

from __future__ import annotations

import os
from pathlib import Path

STORE_FILE = "critmin.duckdb"


def home() -> Path:
    """The data directory: ``$CRITMIN_HOME`` if set, else the per-user data folder."""
    env = os.environ.get("CRITMIN_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("critmin", appauthor=False))


def bundle_dir() -> Path:
    """Folder holding the downloaded open-data wheel."""
    return home() / "bundle"


def store_path() -> Path:
    """Path of the DuckDB store file."""
    return home() / STORE_FILE


def reports_dir() -> Path:
    """Folder for files written by the main job and reports."""
    return home() / "reports"
