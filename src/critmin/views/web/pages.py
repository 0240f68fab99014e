"""The pages under ``/ja/…`` and ``/en/…``, each with its ``.json`` and ``.csv`` twin.

Server-rendered (Jinja2 templates in ``templates/``), htmx for the parts a form
replaces, Plotly.js for the charts; both scripts are served by the app itself
(``/static/htmx.min.js``; ``/static/plotly.min.js`` from the plotly package), so the
pages work without a network. The pages are split by subject:

- :mod:`.pages_overview`: ``/{lang}/`` (every commodity) and ``/{lang}/commodity/{id}``;
- :mod:`.pages_policy`: ``/{lang}/whatif`` and ``/{lang}/shock``;
- :mod:`.pages_demand`: ``/{lang}/demand``;
- :mod:`.pages_exposure`: ``/{lang}/exposure`` (a BOM uploaded or an example);
- :mod:`.pages_data`: ``/{lang}/data`` and the report downloads;
- :mod:`.pages_signals`: ``/{lang}/signals`` (the watch list and the backtest).

``/`` goes to the language the reader chose last (a cookie), else the first of ja/en in
the browser's ``Accept-Language``, else English.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from critmin.catalog.langs import LANGS
from critmin.views.web import (
    pages_data,
    pages_demand,
    pages_exposure,
    pages_overview,
    pages_policy,
    pages_signals,
)
from critmin.views.web.pages_common import LANG_COOKIE, page_lang

router = APIRouter()


def preferred_lang(request: Request) -> str:
    """The cookie's language, else the browser's first of ja/en by quality, else en."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGS:
        return chosen
    ranked = []
    for i, item in enumerate(request.headers.get("accept-language", "").split(",")):
        tag, _, q = item.strip().partition(";q=")
        try:
            quality = float(q) if q else 1.0
        except ValueError:
            quality = 0.0
        ranked.append((-quality, i, tag.strip().lower()[:2]))
    return next((code for _q, _i, code in sorted(ranked) if code in LANGS), "en")


def not_found_page(request: Request, detail: str) -> Response:
    """A 404 for a reader (a browser asking for HTML outside /api and /static): the error
    page in the language of the path's prefix, else the reader's."""
    from critmin.views.i18n import text
    from critmin.views.web.pages_common import render

    first = request.url.path.strip("/").split("/", 1)[0]
    lang = first if first in LANGS else preferred_lang(request)
    message = text("web_not_found", lang).format(path=request.url.path)
    if detail and detail not in ("Not Found", "None"):
        message += f"\n{detail}"
    return render(request, "error.html", lang, "", status=404,
                  title=text("web_error_title", lang), message=message, problems=[])


@router.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    """The overview in the reader's language."""
    return RedirectResponse(f"/{preferred_lang(request)}/", status_code=307)


@router.get("/static/plotly.min.js", include_in_schema=False)
def plotly_js() -> Response:
    """Plotly.js as the plotly package ships it (the version its figures are made for)."""
    from pathlib import Path

    import plotly

    return FileResponse(Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
                        media_type="text/javascript",
                        headers={"cache-control": "public, max-age=86400"})


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    return RedirectResponse("/static/favicon.svg", status_code=308)


for module in (pages_overview, pages_policy, pages_demand, pages_exposure, pages_data,
               pages_signals):
    router.include_router(module.router, include_in_schema=False)


@router.get("/{lang}", include_in_schema=False)
def language_root(lang: str) -> Response:
    """``/ja`` → ``/ja/``."""
    return RedirectResponse(f"/{page_lang(lang)}/", status_code=308)
