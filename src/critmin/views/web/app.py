"""The FastAPI application: the JSON API (:mod:`.api`), the pages (:mod:`.pages`), the
static files served from the package (htmx, Plotly.js, CSS: no CDN), and the safety
layer (:mod:`.security`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).with_name("static")


def create_app(store: Path | None = None, token: str | None = None) -> FastAPI:
    """The app over the store at ``store`` (default: :func:`critmin.config.store_path`),
    refusing requests without ``token`` when one is given."""
    from critmin import __version__
    from critmin.views.web import api, pages

    app = FastAPI(title="critmin", version=__version__,
                  description="Critical-mineral supply-risk intelligence (ja/en).")
    app.state.store = store
    app.state.token = token
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
