"""Faults (:func:`critmin.views.app.fault_message`): what failed, on which path and what
to do, in the command's language; every fault key has its words in both languages."""

from __future__ import annotations

import errno

from critmin.views.app import _OS_TEXT, fault_message, store_fault


def test_os_faults_in_both_languages(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CRITMIN_HOME", str(tmp_path / "home"))
    bad = OSError(errno.ENOTDIR, "Not a directory", "/tmp/a.csv/out")
    assert fault_message(bad) == ("cannot write /tmp/a.csv/out: a file stands where a "
                                  "folder is expected (critmin --debug shows the traceback)")
    assert fault_message(bad, "ja") == ("/tmp/a.csv/out に書き込めません：フォルダがあるべき"
                                        "場所にファイルがあります（詳細は critmin --debug で表示）")
    full = OSError(errno.ENOSPC, "No space left on device", "/mnt/x")
    assert fault_message(full, "ja").startswith(
        "/mnt/x に書き込めません：ディスクの空き容量がありません。空き容量を確保するか")
    home = OSError(errno.EACCES, "Permission denied", str(tmp_path / "home" / "reports"))
    assert fault_message(home).startswith(f"CRITMIN_HOME {tmp_path / 'home'} is read-only")
    assert "の空き容量" not in fault_message(home, "ja")
    assert "は読み取り専用です" in fault_message(home, "ja")
    for lang in ("en", "ja"):   # every OS error named has its words
        for code in _OS_TEXT:
            assert fault_message(OSError(code, "x", "/p"), lang)


def test_store_faults_and_bugs_in_japanese() -> None:
    assert store_fault("IO Error: Could not set lock on file", "ja").startswith(
        "データストアは使用中です")
    assert store_fault("Catalog Error: x\nmore") == "store error: Catalog Error: x"
    bug = fault_message(KeyError("k"), "ja")
    assert bug.startswith("内部エラー（KeyError: 'k'）") and "critmin --debug" in bug
    assert fault_message(MemoryError(), "en").startswith("out of memory")
