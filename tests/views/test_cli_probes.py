"""Probes (issue 17): the bad inputs a tired user types and the faults a machine throws,
across every command. Each asserts the exit status (2: a user error, 1: a fault, 130:
interrupted), one message naming the problem, no traceback, and an unchanged store
(sha256 of a copy of the imported session store before and after).

Read-only ``CRITMIN_HOME``: chmod when not root; as root (where chmod does not stop
writes) a read-only bind mount in a private mount namespace (``unshare -m``), else the
probe skips with an ``optional:`` reason.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from critmin.sources import bundle
from critmin.views.cli import app

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
HEADER = ("product,part,commodity,mass_per_unit,mass_unit,units_per_year,supplier,"
          "supplier_country,share\n")

# (id, arguments ({f}: the probe files' folder), exit status, words the message names)
PROBES: list[tuple[str, list[str], int, str]] = [
    ("mineral-typo", ["commodities", "cobolt"], 2, "unknown mineral 'cobolt'; closest valid "
     "choices: cobalt"),
    ("country-typo", ["countries", "Atlantis"], 2, "unknown country 'Atlantis'"),
    ("group-typo", ["countries", "--group", "NOPE"], 2, "unknown country group 'NOPE'"),
    ("ind-mineral", ["indicators", "-i", "JPN", "-c", "cobolt", "--year", "2022"], 2,
     "closest valid choices: cobalt"),
    ("ind-country", ["indicators", "-i", "Atlantis", "-c", "cobalt", "--year", "2022"], 2,
     "unknown country 'Atlantis'"),
    ("ind-reversed-years", ["indicators", "-i", "JPN", "-c", "cobalt", "--year",
                            "2023-2018"], 2, "year range '2023-2018' is reversed"),
    ("ind-year-text", ["indicators", "-i", "JPN", "-c", "cobalt", "--year", "abc"], 2,
     "unknown year 'abc'; valid: YYYY, YYYY-YYYY"),
    ("ind-year-comma", ["indicators", "-i", "JPN", "-c", "cobalt", "--year", ","], 2,
     "unknown year ','"),
    ("ind-year-huge-range", ["indicators", "-i", "JPN", "-c", "cobalt", "--year",
                             "1-999999999"], 2, "years 1800–2200"),
    ("ind-year-old", ["indicators", "-i", "JPN", "-c", "cobalt", "--year", "1850"], 2,
     "unknown year '1850'; valid: 1995–"),
    ("ind-stage", ["indicators", "-i", "JPN", "-c", "cobalt", "--year", "2022", "--stage",
                   "smelting"], 2, "unknown stage 'smelting'"),
    ("ind-basis", ["indicators", "-i", "JPN", "-c", "cobalt", "--year", "2022", "--basis",
                   "nosuch"], 2, "unknown basis 'nosuch'"),
    ("ind-explain-two", ["indicators", "-i", "JPN", "-i", "KOR", "-c", "cobalt", "--year",
                         "2022", "--explain"], 2, "--explain needs exactly one --importer"),
    ("gpr-reversed-years", ["geopolrisk", "-i", "JPN", "-c", "cobalt", "--year",
                            "2023-2018"], 2, "is reversed"),
    ("gpr-future-year", ["geopolrisk", "-i", "JPN", "-c", "cobalt", "--year", "2030"], 2,
     "unknown year '2030'"),
    ("gpr-lang", ["geopolrisk", "-i", "JPN", "-c", "cobalt", "--lang", "fr"], 2,
     "unknown language 'fr'"),
    ("gpr-missing-wgi", ["geopolrisk", "-i", "JPN", "-c", "cobalt", "--year", "2022",
                         "--missing-wgi", "high"], 2, "--missing-wgi 'high'"),
    ("gpr-compat", ["geopolrisk", "-i", "JPN", "-c", "cobalt", "--compat", "nosuch"], 2,
     "unknown compat mode 'nosuch'"),
    ("assess-year", ["assess", "-i", "JPN", "--year", "1990"], 2, "unknown year '1990'"),
    ("assess-set", ["assess", "-i", "JPN", "--set", "seed99"], 2,
     "unknown commodity set 'seed99'"),
    ("whatif-mine", ["whatif", "-i", "JPN", "-c", "rare_earths", "--mine", "AUS:abc"], 2,
     "--mine 'AUS:abc'"),
    ("whatif-offtake", ["whatif", "-i", "JPN", "-c", "rare_earths", "--mine", "AUS:20000",
                        "--offtake", "1.5"], 2, "offtake must be within 0–1"),
    ("whatif-bad-yaml", ["whatif", "-i", "JPN", "-c", "rare_earths", "--levers",
                         "{f}/bad.yaml"], 2, "bad.yaml line 3: not valid YAML"),
    ("whatif-yaml-list", ["whatif", "-i", "JPN", "-c", "rare_earths", "--levers",
                          "{f}/list.yaml"], 2, "is a mapping of fields"),
    ("report-lang", ["report", "-i", "JPN", "--lang", "fr"], 2, "unknown language 'fr'"),
    ("report-levers", ["report", "-i", "JPN", "--levers", "nosuch"], 2,
     "lever file nosuch not found"),
    ("demo-year", ["demo", "--year", "1900"], 2, "unknown year '1900'"),
    ("demo-prefer", ["demo", "--prefer", "nosuchsource"], 2,
     "unknown source prefix 'nosuchsource'"),
    ("shock-cut-high", ["shock", "--exporter", "CHN", "-c", "graphite", "--cut", "1.5",
                        "-i", "JPN"], 2, "--cut must be within 0–1 (got 1.5)"),
    ("shock-cut-negative", ["shock", "--exporter", "CHN", "-c", "graphite", "--cut",
                            "-0.1", "-i", "JPN"], 2, "--cut must be within 0–1"),
    ("shock-exporter", ["shock", "--exporter", "XXX", "-c", "graphite", "--cut", "0.5",
                        "-i", "JPN"], 2, "unknown country 'XXX'"),
    ("shock-chart-suffix", ["shock", "--exporter", "CHN", "-c", "graphite", "--cut", "0.5",
                            "-i", "JPN", "--chart", "{f}/out.pdf"], 2,
     "use .html, .png or .svg"),
    ("scenario-unknown", ["scenario", "run", "nosuchcase"], 2,
     "'nosuchcase' is neither a file nor a library scenario"),
    ("scenario-bad-yaml", ["scenario", "run", "{f}/bad.yaml"], 2,
     "line 3: not valid YAML"),
    ("scenario-oversized", ["scenario", "run", "{f}/big.yaml"], 2,
     "limited to 1,000,000 bytes"),
    ("scenario-missing-file", ["scenario", "run", "{f}/missing.yaml"], 2,
     "neither a file nor a library scenario"),
    ("scenario-list-yaml", ["scenario", "run", "{f}/list.yaml"], 2,
     "a scenario is a mapping"),
    ("scenario-importer", ["scenario", "run", "cn_graphite_2023", "-i", "Atlantis"], 2,
     "unknown country 'Atlantis'"),
    ("mc-chunk-0", ["uncertainty", "-i", "JPN", "--chunk", "0"], 2,
     "--chunk must be at least 1"),
    ("mc-draws-negative", ["uncertainty", "-i", "JPN", "--draws", "-5"], 2,
     "--draws must be within 1–"),
    ("mc-draws-0", ["uncertainty", "-i", "JPN", "--draws", "0"], 2, "--draws must be within"),
    ("mc-draws-huge", ["uncertainty", "-i", "JPN", "--draws", "100000000"], 2,
     "--draws must be within"),
    ("mc-year-range", ["uncertainty", "-i", "JPN", "--year", "2023-2018"], 2,
     "Invalid value for '--year'"),
    ("mc-scenario", ["uncertainty", "-i", "JPN", "--scenario", "nosuch"], 2,
     "'nosuch' is neither a file nor a library scenario"),
    ("demand-scenario", ["demand", "--scenario", "nosuch", "-m", "cobalt"], 2,
     "demand scenario 'nosuch'"),
    ("demand-to", ["demand", "-m", "cobalt", "--to", "1900"], 2, "--to must be within"),
    ("demand-every", ["demand", "-m", "cobalt", "--every", "0"], 2,
     "--every must be at least 1"),
    ("demand-mineral", ["demand", "-m", "unobtainium"], 2, "unknown mineral 'unobtainium'"),
    ("sensitivity-year", ["demand", "sensitivity", "-m", "cobalt", "--year", "1800"], 2,
     "--year must be within"),
    ("bom-missing", ["exposure", "--bom", "{f}/missing.csv"], 2, "missing.csv not found"),
    ("bom-empty", ["exposure", "--bom", "{f}/empty.csv"], 2, "the file is empty"),
    ("bom-columns", ["exposure", "--bom", "{f}/wrongcols.csv"], 2, "columns: missing product"),
    ("bom-country", ["exposure", "--bom", "{f}/badcountry.csv"], 2,
     "row 2: supplier_country: unknown country 'Atlantis'"),
    ("bom-utf8-bom-share", ["exposure", "--bom", "{f}/bomshare.csv"], 2,
     "row 2: share: shares of cobalt"),
    ("bom-open-quote", ["exposure", "--bom", "{f}/quote.csv"], 2, "EOF inside string"),
    ("bom-binary", ["exposure", "--bom", "{f}/garbage.csv"], 2,
     "not text in a known encoding"),
    ("bom-oversized", ["exposure", "--bom", "{f}/big.csv"], 2, "over the limit"),
    ("bom-example", ["exposure", "--bom", "example:nosuch"], 2, "no example BOM 'nosuch'"),
    ("bom-price-shock", ["exposure", "--bom", "example:ev_traction_motor", "--price-shock",
                         "cobalt=abc"], 2, "--price-shock 'cobalt=abc'"),
    ("bom-year", ["exposure", "--bom", "example:ev_traction_motor", "--year", "1900"], 2,
     "unknown year '1900'"),
    ("bom-save-empty", ["exposure", "--bom", "example:ev_traction_motor", "--save", ""], 2,
     "--save: give the name"),
    ("validate-lang", ["validate", "--lang", "fr"], 2, "unknown language 'fr'"),
    ("import-source", ["data", "import", "nosuchsource", "{f}/empty.csv"], 2,
     "unknown import source 'nosuchsource'"),
    ("import-missing", ["data", "import", "usgs-mcs", "{f}/missing"], 2, "missing not found"),
    ("import-wgi-folder", ["data", "import", "wgi", "{f}"], 2, "is a folder, not a file"),
    ("bom-folder", ["exposure", "--bom", "{f}"], 2, "is a folder, not a file"),
    ("bom-device", ["exposure", "--bom", "/dev/null"], 2,
     "BOM file /dev/null is not a regular file"),
    ("import-wgi-csv", ["data", "import", "wgi", "{f}/wrongcols.csv"], 2,
     "cannot be read as an Excel workbook"),
    ("import-table-kind", ["data", "import", "table", "{f}/wrongcols.csv", "--table",
                           "nosuch"], 2, "unknown store table 'nosuch'"),
    ("import-table-columns", ["data", "import", "table", "{f}/wrongcols.csv", "--table",
                              "production"], 2, "columns: missing commodity, stage"),
    ("import-table-oversized", ["data", "import", "table", "{f}/big.csv", "--table",
                                "production"], 2, "is over the limit of"),
    ("import-table-binary", ["data", "import", "table", "{f}/garbage.csv", "--table",
                             "production"], 2, "not text in a known encoding"),
    ("build-bad-wheel", ["data", "build", "--wheel", "{f}/empty.csv"], 2, "is corrupt"),
    ("status-format", ["data", "status", "--format", "xml"], 2,
     "Invalid value for '--format'"),
    # faults: paths that cannot be written
    ("report-out-proc", ["report", "-i", "JPN", "--out", "/proc/x"], 1,
     "cannot create or open /proc/x"),
    ("report-out-file", ["report", "-i", "JPN", "--out", "{f}/afile/sub"], 1,
     "a file stands where a folder is expected"),
    ("assess-chart-proc", ["assess", "-i", "JPN", "--year", "2023", "--chart", "/proc/x"], 1,
     "cannot create or open /proc/x"),
    ("shock-chart-proc", ["shock", "--exporter", "CHN", "-c", "graphite", "--cut", "0.5",
                          "-i", "JPN", "--chart", "/proc/x/out.html"], 1,
     "cannot create or open /proc/x"),
    ("demand-chart-proc", ["demand", "-m", "cobalt", "--chart", "/proc/x"], 1,
     "cannot create or open /proc/x"),
    ("bom-report-proc", ["exposure", "--bom", "example:ev_traction_motor", "--report",
                         "/proc/x"], 1, "cannot create or open /proc/x"),
]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _stamp(path: Path) -> tuple[int, int, int, int]:
    """(inode, size, mtime, ctime) in ns: any write to the file or swap of it changes
    one (the kernel sets ctime on every change; no process can set it back)."""
    st = path.stat()
    return st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _unchanged(path: Path, stamp: tuple[int, int, int, int], digest: str) -> bool:
    """Whether ``path`` still holds the bytes of sha256 ``digest``: its stamp unchanged
    proves it without reading 50 MB after each probe; else the bytes are compared."""
    return _stamp(path) == stamp or _sha256(path) == digest


@pytest.fixture(scope="module")
def probe_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bad files of the probes (the oversized ones sparse)."""
    f = tmp_path_factory.mktemp("probe-files")
    (f / "bad.yaml").write_text("scenario:\n  name: [unclosed\n")
    (f / "list.yaml").write_text("- a\n- b\n")
    (f / "empty.csv").write_bytes(b"")
    (f / "wrongcols.csv").write_text("a,b\n1,2\n")
    (f / "badcountry.csv").write_text(HEADER + "m,p,cobalt,1,kg,10,s,Atlantis,1\n")
    (f / "bomshare.csv").write_bytes(b"\xef\xbb\xbf" + (HEADER + "m,p,cobalt,1,kg,10,s,JPN,"
                                                        "1.5\n").encode())
    (f / "quote.csv").write_text(HEADER + '"m,p,cobalt\n')
    (f / "garbage.csv").write_bytes(bytes([0x41, 0x42, 0x43, 0x2C, 0xE8, 0x24]) * 300)
    (f / "afile").write_text("a file, not a folder\n")
    for name, size in (("big.yaml", 2_000_000), ("big.csv", 250 * 2**20)):
        with open(f / name, "wb") as out:
            out.truncate(size)
    return f


@pytest.fixture(scope="module")
def probe_store(imported_store: Path, tmp_path_factory: pytest.TempPathFactory
                ) -> tuple[Path, str, tuple[int, int, int, int]]:
    """A copy of the imported session store, its sha256 and its stamp."""
    store = tmp_path_factory.mktemp("probe-store") / "critmin.duckdb"
    shutil.copy(imported_store, store)
    digest = _sha256(store)  # hashing takes longer than a tick of the file clock: a
    return store, digest, _stamp(store)  # later write cannot keep the stamp


@pytest.fixture()
def probe_home(probe_store: tuple[Path, str, tuple[int, int, int, int]], tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A ``$CRITMIN_HOME`` linking the store copy; asserts afterwards it is unchanged."""
    store, digest, stamp = probe_store
    home = tmp_path / "home"
    home.mkdir()
    (home / "critmin.duckdb").symlink_to(store)
    monkeypatch.setenv("CRITMIN_HOME", str(home))
    monkeypatch.setenv("CRITMIN_LOCK_WAIT", "2")
    monkeypatch.delenv("CRITMIN_DEBUG", raising=False)
    yield home
    assert _unchanged(store, stamp, digest), "the probe changed the store"


def invoke(args: list[str]) -> Any:
    return runner.invoke(app, args)


def assert_message(result: Any, code: int, words: str) -> str:
    """Exit ``code``, no traceback or escaped exception, and ``words`` in the message."""
    text = result.output
    assert result.exit_code == code, text
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception))
    assert "Traceback" not in text and "─ locals ─" not in text
    flat = " ".join(text.replace("│", " ").split())
    assert " ".join(words.split()) in flat, text
    return flat


@pytest.mark.parametrize(("args", "code", "words"), [p[1:] for p in PROBES],
                         ids=[p[0] for p in PROBES])
def test_probe(args: list[str], code: int, words: str, probe_home: Path,
               probe_files: Path) -> None:
    result = invoke([a.replace("{f}", str(probe_files)) for a in args])
    flat = assert_message(result, code, words)
    assert "rebuild" not in flat
    if code == 2 and "Invalid value" not in flat:
        errors = [ln for ln in result.output.splitlines() if ln.startswith("error:")]
        assert len(errors) == 1, result.output


def test_no_store_says_how_to_make_one(empty_home: Path) -> None:
    assert_message(invoke(["demo"]), 2, "no store at")


def test_corrupt_store_alone_advises_a_rebuild(empty_home: Path) -> None:
    (empty_home / "critmin.duckdb").write_bytes(b"garbage" * 1000)
    flat = assert_message(invoke(["demo"]), 2, "not a valid DuckDB database")
    assert "rebuild it with 'critmin data build'" in flat


def _fail_with(exc: BaseException) -> Any:
    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise exc
    return fail


@pytest.mark.parametrize(("exc", "code", "words"), [
    (KeyboardInterrupt(), 130, "interrupted"),
    (OSError(errno.ENOSPC, "No space left on device", "/data/out.csv"), 1,
     "cannot write /data/out.csv: no space left on device; free some space"),
    (PermissionError(errno.EACCES, "Permission denied", "/data/x"), 1,
     "cannot create or open /data/x: permission denied"),
    (ValueError("boom"), 1, "internal error (ValueError: boom); please report it"),
    (MemoryError(), 1, "out of memory"),
], ids=["ctrl-c", "disk-full", "permission", "bug", "memory"])
def test_faults_are_one_message(exc: BaseException, code: int, words: str,
                                probe_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("critmin.service.catalog.demo", _fail_with(exc))
    flat = assert_message(invoke(["demo"]), code, words)
    assert "rebuild" not in flat


def test_duckdb_errors_are_named_by_cause(probe_home: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import duckdb

    cases = [("IO Error: Could not set lock on file", "store busy"),
             ('IO Error: Cannot open file "x": Read-only file system', "read-only"),
             ("IO Error: Could not read from file: Input/output error", "store error: IO")]
    for text, words in cases:
        monkeypatch.setattr("critmin.service.catalog.demo",
                            _fail_with(duckdb.IOException(text)))
        assert "rebuild" not in assert_message(invoke(["demo"]), 1, words)


def test_invalid_request_is_a_user_error(probe_home: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from critmin.service.catalog import DemoRequest

    monkeypatch.setattr("critmin.service.catalog.DemoRequest",
                        lambda **_kw: DemoRequest.model_validate({"year": "abc"}))
    assert_message(invoke(["demo"]), 2, "invalid input: year:")


@pytest.mark.parametrize("how", ["--debug", "CRITMIN_DEBUG=1"])
def test_debug_shows_the_exception(how: str, probe_home: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["report", "-i", "JPN", "--out", "/proc/x"]
    if how == "--debug":
        args.insert(0, how)
    else:
        monkeypatch.setenv("CRITMIN_DEBUG", "1")
    result = invoke(args)
    assert result.exit_code != 0 and isinstance(result.exception, FileNotFoundError)


def test_disk_full_leaves_no_partial_file(probe_home: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo CSV and the report (HTML + Excel) are whole or absent."""
    import pandas as pd

    def half_then_full(self: Any, path: Any, *args: Any, **kwargs: Any) -> None:
        Path(path).write_text("commodity_id,na")
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_full)
    assert_message(invoke(["demo"]), 1, "no space left on device")
    assert list((probe_home / "reports").iterdir()) == []
    monkeypatch.setattr("openpyxl.workbook.workbook.Workbook.save", _fail_with(
        OSError(errno.ENOSPC, "No space left on device", "book.xlsx")))
    out = probe_home / "out"
    assert_message(invoke(["report", "-i", "JPN", "--out", str(out)]), 1,
                   "no space left on device")
    assert list(out.iterdir()) == []


def test_store_held_by_another_process(probe_store: tuple[Path, str, Any], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer elsewhere: a reader says the store is busy — never to rebuild it."""
    home = tmp_path / "busy-home"
    home.mkdir()
    shutil.copy(probe_store[0], home / "critmin.duckdb")
    monkeypatch.setenv("CRITMIN_HOME", str(home))
    monkeypatch.setenv("CRITMIN_LOCK_WAIT", "1")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); sys.stdin.read()", str(home / "critmin.duckdb")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = invoke(["indicators", "-i", "JPN", "-c", "cobalt", "--year", "2022"])
    finally:
        holder.communicate("")
    flat = " ".join(result.output.split())
    assert result.exit_code == 2 and "store busy" in flat and "rebuild" not in flat, flat


# read-only CRITMIN_HOME -------------------------------------------------------------

def _can_mount_read_only(folder: Path) -> bool:
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", 'mount --bind "$1" "$1" && mount -o '
         'remount,bind,ro "$1" && ! touch "$1/.w" 2>/dev/null', "sh", str(folder)],
        capture_output=True, check=False)
    return probe.returncode == 0 and not (folder / ".w").exists()


def run_read_only(home: Path, args: list[str]) -> tuple[int, str]:
    """``critmin ARGS`` with ``home`` read-only: chmod (not root), else a read-only bind
    mount in a private mount namespace (root), else skip."""
    env = {**os.environ, "CRITMIN_HOME": str(home), "CRITMIN_LOCK_WAIT": "1"}
    env.pop("CRITMIN_DEBUG", None)
    cli = [sys.executable, "-m", "critmin", *args]
    if os.geteuid() != 0:
        for p in (home, *[d for d in home.rglob("*") if d.is_dir()]):
            p.chmod(0o555)
        try:
            done = subprocess.run(cli, env=env, capture_output=True, text=True, check=False)
        finally:
            for p in (home, *[d for d in home.rglob("*") if d.is_dir()]):
                p.chmod(0o755)
    elif shutil.which("unshare") and _can_mount_read_only(home):
        done = subprocess.run(
            ["unshare", "-m", "sh", "-c", 'mount --bind "$1" "$1" && mount -o '
             'remount,bind,ro "$1" && shift && exec "$@"', "sh", str(home), *cli],
            env=env, capture_output=True, text=True, check=False)
    else:
        pytest.skip("optional: running as root (chmod does not stop root's writes) and no "
                    "mount namespace (unshare -m) for a read-only bind mount")
    return done.returncode, done.stdout + done.stderr


@pytest.fixture()
def read_only_home(probe_store: tuple[Path, str, Any], bundle_wheel: Path,
                   tmp_path: Path) -> Iterator[Path]:
    home = tmp_path / "ro-home"
    (home / "bundle").mkdir(parents=True)
    (home / "reports").mkdir()
    shutil.copy(probe_store[0], home / "critmin.duckdb")
    (home / "bundle" / bundle.WHEEL_FILE).symlink_to(bundle_wheel)
    digest, stamp = _sha256(home / "critmin.duckdb"), _stamp(home / "critmin.duckdb")
    yield home
    assert _unchanged(home / "critmin.duckdb", stamp, digest)


@pytest.mark.parametrize(("args", "words"), [
    (["demo"], "is read-only"),
    (["report", "-i", "JPN", "--lang", "en"], "is read-only"),
    (["data", "build"], "is read-only"),
    (["exposure", "--bom", "example:ev_traction_motor", "--save", "motor"], "read-only"),
], ids=["demo", "report", "data-build", "exposure-save"])
def test_read_only_home(args: list[str], words: str, read_only_home: Path) -> None:
    code, text = run_read_only(read_only_home, args)
    flat = " ".join(text.split())
    assert code not in (0, 130), text
    assert words in flat and "CRITMIN_HOME" in flat and "Traceback" not in text, text
    assert "rebuild" not in flat and ".tmp-" not in flat  # names the user's file
    leftovers = [p.name for p in read_only_home.rglob("*") if ".tmp-" in p.name]
    assert not leftovers and list((read_only_home / "reports").iterdir()) == []


def test_reader_of_the_pipe_goes_away(critmin_home: Path) -> None:
    """``critmin … | head -c 10``: no traceback, no error message, status 0 or 141."""
    env = dict(os.environ, CRITMIN_HOME=str(critmin_home))
    proc = subprocess.Popen([sys.executable, "-m", "critmin", "indicators", "-f", "json",
                             "--year", "2022"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(10).startswith(b"{")
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait() in (0, 141), err
    assert "Traceback" not in err and "error" not in err.lower(), err


def test_version() -> None:
    from critmin import __version__

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output
