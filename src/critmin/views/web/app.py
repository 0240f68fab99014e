"""The FastAPI application: the JSON API (:mod:`.api`), the pages (:mod:`.pages`), the
static files served from the package (htmx, Plotly.js, CSS: no CDN), and the safety
layer (:mod:`.security`: token, security headers, body limit).

The store is opened once per process, read-only (:class:`.deps.StoreHolder`, on
``app.state.store_holder``). Errors are JSON ``{"error": message, "choices": [...]}``
(:func:`.api.install_error_handlers`): 422 for invalid input, 404 for an unknown path or
resource, 500 — with a short message and no traceback — only for a fault.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).with_name("static")


def create_app(store: Path | None = None, token: str | None = None,
               hosts: tuple[str, ...] | None = None) -> FastAPI:
    """The app over the store at ``store`` (default: :func:`critmin.config.store_path`),
    refusing requests without ``token`` when one is given, and requests for a ``Host``
    not in ``hosts`` (None: any; ``critmin serve`` on loopback: the loopback names)."""
    from critmin import __version__
    from critmin.views.web import api, pages
    from critmin.views.web.deps import StoreHolder
    from critmin.views.web.security import Guard

    holder = StoreHolder(store)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        holder.close()

    app = FastAPI(title="critmin", version=__version__, lifespan=lifespan,
                  description=api.DESCRIPTION, openapi_url="/api/openapi.json",
                  docs_url=None, redoc_url=None)
    app.state.store = store
    app.state.token = token or None
    app.state.store_holder = holder
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    api.install_error_handlers(app)
    app.add_middleware(Guard, token=token or None, hosts=hosts)
    return app
