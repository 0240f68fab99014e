"""The safety layer of ``critmin serve`` (:mod:`critmin.views.web.security`): the token
on every request (header, query, cookie from ``/login``), the security headers, the body
limit, the host and cross-site checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from critmin.views.web import security
from critmin.views.web.app import create_app

TOKEN = "s3cret-token-for-tests-0123456789"


@pytest.fixture(scope="module")
def locked_app():
    """One app with a token for the module (a fresh client, with no cookie, per test)."""
    return create_app(token=TOKEN)


@pytest.fixture()
def locked(critmin_home: Path, locked_app):
    with TestClient(locked_app) as c:
        yield c


@pytest.fixture()
def open_client(critmin_home: Path, web_app):
    with TestClient(web_app) as c:
        yield c


@pytest.mark.parametrize("path", ["/api/health", "/api/assess", "/api/openapi.json", "/",
                                  "/static/htmx.min.js", "/api/nope"])
def test_without_token_every_path_is_refused(locked, path) -> None:
    r = locked.get(path)
    assert r.status_code == 401
    assert "token" in r.json()["error"] and r.headers["www-authenticate"] == "Bearer"


def test_wrong_token_is_refused(locked) -> None:
    assert locked.get("/api/health", headers={"Authorization": "Bearer nope"}
                      ).status_code == 401
    assert locked.get("/api/health", params={"token": TOKEN[:-1]}).status_code == 401
    assert locked.get("/api/health", cookies={security.COOKIE: "x"}).status_code == 401


def test_token_by_header_query_or_cookie(locked) -> None:
    assert locked.get("/api/health", headers={"Authorization": f"Bearer {TOKEN}"}
                      ).status_code == 200
    assert locked.get("/api/health", params={"token": TOKEN}).status_code == 200
    assert locked.get("/api/health", cookies={security.COOKIE: TOKEN}).status_code == 200


def test_a_token_link_lets_the_page_load_its_assets(locked) -> None:
    """A page opened by a ``?token=`` link sets the cookie (as ``/login`` does), so its
    styles, scripts and htmx requests, which carry no token, are served."""
    assert locked.get("/static/app.js").status_code == 401
    page = locked.get("/en/", params={"token": TOKEN})
    assert page.status_code == 200
    cookie = page.headers["set-cookie"]
    assert f"{security.COOKIE}={TOKEN}" in cookie and "HttpOnly" in cookie
    assert locked.get("/static/app.js").status_code == 200  # the client keeps the cookie
    bearer = locked.get("/api/health", headers={"Authorization": f"Bearer {TOKEN}"})
    assert "set-cookie" not in bearer.headers  # an API client's header sets nothing


def test_a_wrong_token_link_sets_no_cookie(locked) -> None:
    r = locked.get("/en/", params={"token": "wrong-token-0123456789"})
    assert r.status_code == 401 and "set-cookie" not in r.headers


def test_post_and_upload_need_the_token_too(locked) -> None:
    assert locked.post("/api/assess", json={"importers": ["JPN"]}).status_code == 401
    r = locked.post("/api/exposure/upload", files={"file": ("a.csv", b"x", "text/csv")})
    assert r.status_code == 401


def test_login_sets_a_strict_cookie_and_redirects_locally(locked) -> None:
    r = locked.get("/login", params={"token": TOKEN, "next": "/api/health"},
                   follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/api/health"
    cookie = r.headers["set-cookie"]
    assert f"{security.COOKIE}={TOKEN}" in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert locked.get("/api/health").status_code == 200  # the client keeps the cookie


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_login_never_redirects_elsewhere(locked, target) -> None:
    r = locked.get("/login", params={"token": TOKEN, "next": target}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_login_with_a_wrong_token_is_refused(locked) -> None:
    r = locked.get("/login", params={"token": "guess"}, follow_redirects=False)
    assert r.status_code == 401 and "set-cookie" not in r.headers


def test_security_headers_on_every_response(open_client) -> None:
    for r in (open_client.get("/api/health"), open_client.get("/api/nope"),
              open_client.get("/api/assess", params={"importer": "Japn"})):
        assert r.headers["content-security-policy"] == security.CSP
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"


def test_csp_allows_scripts_only_from_the_server() -> None:
    policy = dict(p.strip().split(" ", 1) for p in security.CSP.split(";"))
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert "unsafe-eval" not in security.CSP and "http" not in security.CSP


def test_a_refused_request_carries_the_headers_too(locked) -> None:
    r = locked.get("/api/health")
    assert r.status_code == 401 and r.headers["x-frame-options"] == "DENY"


def test_body_over_the_limit_is_413_by_length(open_client) -> None:
    big = b"{" + b" " * (security.MAX_BODY_BYTES + 10) + b"}"
    r = open_client.post("/api/assess", content=big,
                         headers={"content-type": "application/json"})
    assert r.status_code == 413 and "too large" in r.json()["error"]


def test_body_over_the_limit_is_413_while_streaming(open_client) -> None:
    def chunks():
        for _ in range(security.MAX_BODY_BYTES // 65536 + 2):
            yield b" " * 65536

    r = open_client.post("/api/assess", content=chunks(),
                         headers={"content-type": "application/json"})
    assert r.status_code == 413 and "too large" in r.json()["error"]


def test_cross_site_post_is_refused(open_client) -> None:
    r = open_client.post("/api/exposure", json={"bom": "example:ev_traction_motor"},
                         headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "cross-site" in r.json()["error"]
    r = open_client.post("/api/exposure", json={"bom": "example:ev_traction_motor"},
                         headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    same = open_client.post("/api/choices", json={"kinds": ["axes"]},
                            headers={"Origin": "http://testserver"})
    assert same.status_code == 200


def test_unknown_host_is_refused_on_loopback(critmin_home: Path) -> None:
    """DNS re-binding: a page elsewhere that points its own name at 127.0.0.1."""
    with TestClient(create_app(hosts=("127.0.0.1", "localhost", "::1")),
                    base_url="http://localhost:8765") as c:
        assert c.get("/api/health").status_code == 200
        r = c.get("/api/health", headers={"Host": "evil.example:8765"})
        assert r.status_code == 403 and "host" in r.json()["error"]


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("0.0.0.0", False), ("192.168.1.5", False), ("::", False),
    ("example.com", False)])
def test_is_loopback(host, loopback) -> None:
    assert security.is_loopback(host) is loopback


def test_token_comparison() -> None:
    assert security.token_matches(TOKEN, TOKEN)
    assert not security.token_matches(None, TOKEN)
    assert not security.token_matches("", TOKEN)
    assert not security.token_matches(TOKEN + "x", TOKEN)
