"""The safety layer of ``critmin serve``: the access token, the security headers and the
request-body limit, as one ASGI middleware (:class:`Guard`).

- **Token.** When the server has a token (``--token`` or ``CRITMIN_TOKEN``; required for
  any address other than loopback), every request must carry it, in one of three ways:
  the header ``Authorization: Bearer <token>`` (API clients), the query parameter
  ``?token=<token>`` (a link), or the cookie :data:`COOKIE` that ``/login?token=<token>``
  sets (a browser: open ``/login?token=…`` once; it redirects to ``next`` or ``/``).
  Anything else is refused with 401 and a JSON message. Tokens are compared in constant
  time.
- **Headers** on every response: :data:`CSP` (scripts and styles from the server only —
  htmx and Plotly.js are served from ``/static``; no inline script), ``nosniff``,
  ``X-Frame-Options: DENY``, ``Referrer-Policy: no-referrer`` (a ``?token=`` never leaks
  through a link).
- **Body limit.** A request body over :data:`MAX_BODY_BYTES` is refused with 413 (by its
  ``Content-Length``, or while it streams in).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs, urlencode

from starlette.exceptions import HTTPException

log = logging.getLogger("critmin.web")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
"""The Content-Security-Policy of every response. Scripts only from the server itself
(``/static``: htmx, Plotly.js, the app's own JS) — no inline ``<script>``, no ``eval``,
no CDN. Inline *styles* are allowed because Plotly.js and htmx set style attributes and
insert ``<style>`` rules; images may be ``data:``/``blob:`` (Plotly's PNG export)."""

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
"""Added to every response (a header the app set itself is kept)."""

COOKIE = "critmin_token"
"""The cookie ``/login?token=…`` sets (HttpOnly, SameSite=Strict)."""

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
"""Largest BOM upload (bytes)."""
MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 64 * 1024
"""Largest request body: an upload plus its multipart envelope."""

LOOPBACK = ("127.0.0.1", "::1", "localhost")
"""Addresses served without a token."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (``127.0.0.0/8``, ``::1``, localhost)."""
    import ipaddress

    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def token_matches(given: str | None, token: str) -> bool:
    """Constant-time comparison of a presented token with the server's."""
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def presented_token(scope: Scope) -> str | None:
    """The token a request carries: the ``Authorization: Bearer`` header, else the
    ``token`` query parameter, else the :data:`COOKIE` cookie (None: none)."""
    headers = _headers(scope)
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("token"):
        return query["token"][0]
    from http.cookies import CookieError, SimpleCookie

    try:
        jar = SimpleCookie(headers.get("cookie", ""))
    except CookieError:
        return None
    return jar[COOKIE].value if COOKIE in jar else None


def _query_token(scope: Scope) -> bool:
    """Whether the request presents its token as the ``token`` query parameter (no
    ``Authorization`` header)."""
    if _headers(scope).get("authorization", "")[:7].lower() == "bearer ":
        return False
    return bool(parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token"))


def token_cookie(token: str) -> tuple[bytes, bytes]:
    """The ``Set-Cookie`` header that carries the token for a browser (HttpOnly,
    SameSite=Strict)."""
    return (b"set-cookie",
            f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict".encode("latin-1"))


def safe_next(target: str | None) -> str:
    """A local path to go to after ``/login`` (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


class BodyTooLarge(HTTPException):
    """A request body over the limit (raised while it streams in; an HTTP 413, so the
    app's form parser passes it on as it is)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large(limit))


class Guard:
    """ASGI middleware: host and origin checks, the token, ``/login``, security headers,
    the body limit, and a short JSON 500 (no traceback) for a fault.

    ``hosts``: the ``Host`` names served (None: any) — on loopback, the loopback names,
    so a web page elsewhere cannot reach the server by re-binding its own name to
    127.0.0.1. A POST whose ``Origin`` is another site is refused (403)."""

    def __init__(self, app: Any, token: str | None = None,
                 max_body: int = MAX_BODY_BYTES, hosts: tuple[str, ...] | None = None
                 ) -> None:
        self.app, self.token, self.max_body = app, token or None, max_body
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(send)
        refusal = self._refusal(scope)
        if refusal is not None:
            await json_response(send, 403, refusal)
            return
        if scope["path"] == "/login":
            await self._login(scope, send)
            return
        if self.token and not token_matches(presented_token(scope), self.token):
            await json_response(send, 401, "a valid access token is required: header "
                                "'Authorization: Bearer TOKEN', ?token=TOKEN, or open "
                                "/login?token=TOKEN once in the browser",
                                [(b"www-authenticate", b"Bearer")])
            return
        if _declared_length(scope) > self.max_body:
            await json_response(send, 413, too_large(self.max_body))
            return
        if self.token and _query_token(scope):
            send = self._with_cookie(send)
        await self._guarded(scope, receive, send)

    def _with_cookie(self, send: Send) -> Send:
        """``send`` setting the :data:`COOKIE` cookie: a page opened by a ``?token=``
        link then loads its styles, scripts and later requests with the cookie, as after
        ``/login``."""
        cookie = token_cookie(self.token or "")

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), cookie]}
            await send(message)
        return sending

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app, stopping a body that grows over the limit while it streams."""
        seen, started = 0, False

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise BodyTooLarge(self.max_body)
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting, tracking)
        except BodyTooLarge:
            if started:
                raise
            await json_response(send, 413, too_large(self.max_body))
        except Exception as exc:  # a fault: logged with its traceback, answered short
            log.exception("fault on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await json_response(send, 500, fault_text(exc))

    def _refusal(self, scope: Scope) -> str | None:
        """Why a request is refused before it runs (an unknown host, a cross-site POST),
        or None."""
        headers = _headers(scope)
        host = headers.get("host", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if self.hosts is not None and name.strip("[]") not in self.hosts:
            return f"host {host!r} is not served here"
        if scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            return None
        origin = headers.get("origin")
        if origin and origin != "null" and origin.split("://", 1)[-1] != host:
            return f"cross-site request from {origin} refused"
        if headers.get("sec-fetch-site") == "cross-site":
            return "cross-site request refused"
        return None

    async def _login(self, scope: Scope, send: Send) -> None:
        """``/login?token=…[&next=/path]``: set the cookie and go on (303), or 401."""
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = (query.get("token") or [None])[0]
        if self.token and not token_matches(given, self.token):
            await json_response(send, 401, "wrong or missing token: /login?token=TOKEN")
            return
        where = safe_next((query.get("next") or [None])[0])
        headers = [(b"location", where.encode("latin-1", "replace"))]
        if self.token:
            headers.append(token_cookie(self.token))
        await send({"type": "http.response.start", "status": 303, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


def fault_text(exc: BaseException) -> str:
    """The short message of a fault: its kind only (the details and the traceback are
    in the server's log, never in a response)."""
    return f"internal error ({type(exc).__name__}); the server's log has the details"


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1")
            for k, v in scope.get("headers", [])}


def too_large(limit: int) -> str:
    """The message of a refused body."""
    return (f"request body too large: the limit is {limit:,} bytes (BOM uploads: at most "
            f"{MAX_UPLOAD_BYTES:,} bytes)")


def _declared_length(scope: Scope) -> int:
    for k, v in scope.get("headers", []):
        if k.lower() == b"content-length":
            try:
                return int(v)
            except ValueError:
                return 0
    return 0


def _with_headers(send: Send) -> Send:
    """``send`` adding :data:`SECURITY_HEADERS` to the response start."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            have = {k.lower() for k, _ in headers}
            headers += [(k, v) for k, v in SECURITY_HEADERS if k not in have]
            message["headers"] = headers
        await send(message)

    return sending


async def json_response(send: Send, status: int, message: str,
                        headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Send ``{"error": message, "choices": []}`` with ``status``."""
    body = json.dumps({"error": message, "choices": []}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


def login_url(token: str, next_path: str = "/") -> str:
    """The URL path that signs a browser in: ``/login?token=…&next=…``."""
    return "/login?" + urlencode({"token": token, "next": safe_next(next_path)})
