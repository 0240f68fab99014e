"""``critmin serve``: refuses a non-loopback address without a token (exit 2, one
message); a real server process answers /api/health within 2 s of its launch, refuses
requests without its token, and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from critmin.views.cli import app
from critmin.views.cli_serve import check_token

runner = CliRunner()
CRITMIN = Path(sys.executable).with_name("critmin")
START_LIMIT_S = 2.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_off_loopback_without_token_refuses_to_start(monkeypatch) -> None:
    monkeypatch.delenv("CRITMIN_TOKEN", raising=False)
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--port", str(free_port())])
    assert result.exit_code == 2
    assert "needs an access token" in result.output and "CRITMIN_TOKEN" in result.output


def test_short_token_refused(monkeypatch) -> None:
    monkeypatch.setenv("CRITMIN_TOKEN", "short")
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "too short" in result.output


def test_check_token() -> None:
    assert check_token("127.0.0.1", None) is None
    assert check_token("::1", "  " + "t" * 20 + " ") == "t" * 20
    assert check_token("0.0.0.0", "t" * 16) == "t" * 16


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([str(CRITMIN), "serve", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_health(port: int, proc: subprocess.Popen, headers: dict[str, str] | None = None,
                 limit: float = 30.0) -> tuple[float, httpx.Response]:
    start = time.perf_counter()
    # one client for the polls: each httpx.get would make its own (an SSL context, ~40 ms
    # of CPU, taken from the server starting on the same 2 cores)
    with httpx.Client(timeout=1) as client:
        while time.perf_counter() - start < limit:
            if proc.poll() is not None:
                pytest.fail(f"critmin serve exited: {proc.stderr.read().decode()}")
            try:
                r = client.get(f"http://127.0.0.1:{port}/api/health", headers=headers)
                return time.perf_counter() - start, r
            except httpx.TransportError:
                time.sleep(0.02)
    pytest.fail("critmin serve did not answer")


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_server_starts_in_under_2_s(critmin_home: Path) -> None:
    """From launch to the first 200 on /api/health: the best of up to three starts,
    stopping at the first under the limit (a start may pay for a cold file cache, or
    share the 2 cores with the other test worker and Chromium: ~1.0 s alone, ~1.05 s
    within the suite, measured)."""
    port, times = free_port(), []
    while len(times) < 3 and (not times or min(times) >= START_LIMIT_S):
        started = time.perf_counter()
        proc = _start(["--port", str(port)], dict(os.environ))
        try:
            _, r = _wait_health(port, proc)
            times.append(time.perf_counter() - started)
            assert r.status_code == 200 and r.json()["store"].startswith(str(critmin_home))
            assert r.json()["built_at"]
        finally:
            _stop(proc)
        assert proc.returncode in (0, -signal.SIGTERM)
    assert min(times) < START_LIMIT_S, times


def test_served_with_token_refuses_without(critmin_home: Path) -> None:
    port, token = free_port(), "t" * 24
    proc = _start(["--port", str(port)], {**os.environ, "CRITMIN_TOKEN": token})
    try:
        _, r = _wait_health(port, proc)
        assert r.status_code == 401
        ok = httpx.get(f"http://127.0.0.1:{port}/api/health",
                       headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
        assessed = httpx.get(f"http://127.0.0.1:{port}/api/assess",
                             params={"importer": "JPN", "commodity": "cobalt",
                                     "token": token}, timeout=30)
        assert assessed.status_code == 200 and assessed.json()["command"] == "assess"
    finally:
        _stop(proc)
