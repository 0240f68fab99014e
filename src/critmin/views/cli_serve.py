"""``critmin serve``: the web app and the JSON API (:mod:`critmin.views.web`) on uvicorn.

Loopback (127.0.0.1) by default, with no token; any other address needs an access token
(``--token`` or ``CRITMIN_TOKEN``) and the command refuses to start without one (exit 2).
FastAPI and uvicorn are imported only here, so the other commands start as fast as
before.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from critmin.errors import CritminError
from critmin.views.app import app, user_errors

HostOpt = Annotated[str, typer.Option(
    help="Address to listen on. Loopback (127.0.0.1, ::1, localhost) needs no token; any "
    "other address (e.g. 0.0.0.0) requires --token or CRITMIN_TOKEN.")]
PortOpt = Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")]
TokenOpt = Annotated[str | None, typer.Option(
    envvar="CRITMIN_TOKEN", show_default=False,
    help="Access token every request must carry (header 'Authorization: Bearer TOKEN', "
    "?token=TOKEN, or the cookie set by opening /login?token=TOKEN). Required off "
    "loopback; at least 16 characters.")]

MIN_TOKEN = 16
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
UVICORN_OPTIONS: dict[str, Any] = {"log_level": "warning", "access_log": False,
                                   "server_header": False}
"""How ``critmin serve`` runs uvicorn: warnings only, no access log, no ``Server`` header
(the browser tests serve the app with the same options)."""


@app.command("serve")
@user_errors
def serve(host: HostOpt = "127.0.0.1", port: PortOpt = 8765, token: TokenOpt = None) -> None:
    """The web app (pages in Japanese and English) and the JSON API (under /api, described
    at /api/openapi.json) over the store, read-only. Example: critmin serve --port 8765,
    then open http://127.0.0.1:8765/ja/"""
    from critmin.views.web.security import is_loopback

    token = check_token(host, token)
    hosts = (*LOOPBACK_HOSTS, host) if is_loopback(host) else None
    run(host, port, token, hosts)


def check_token(host: str, token: str | None) -> str | None:
    """The token to require: refused (a user error) when the address is not loopback
    and there is none, or when it is shorter than :data:`MIN_TOKEN`."""
    from critmin.views.web.security import is_loopback

    token = token.strip() if token else None
    if not token and not is_loopback(host):
        raise CritminError(f"serving on {host} (not loopback) needs an access token: "
                           "--token TOKEN or CRITMIN_TOKEN (e.g. from "
                           "'python -c \"import secrets; print(secrets.token_urlsafe())\"')")
    if token and len(token) < MIN_TOKEN:
        raise CritminError(f"the access token is too short: at least {MIN_TOKEN} "
                           "characters")
    return token


def run(host: str, port: int, token: str | None, hosts: tuple[str, ...] | None) -> None:
    """Start uvicorn on :func:`critmin.views.web.app.create_app` (one process; requests
    run in its thread pool)."""
    import uvicorn

    from critmin.views.web.app import create_app

    where = f"[{host}]" if ":" in host else host
    typer.echo(f"critmin serve: http://{where}:{port}/  (API: /api, OpenAPI: "
               f"/api/openapi.json{'; token required' if token else ''}; Ctrl-C stops)",
               err=True)
    uvicorn.run(create_app(token=token, hosts=hosts), host=host, port=port,
                **UVICORN_OPTIONS)
