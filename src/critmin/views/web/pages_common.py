"""What every page shares: the language prefix and its cookie, query parameters, the
templates and their context, HTML tables of response rows, figures as JSON, the
``.json`` / ``.csv`` / ``.xlsx`` twins of a page, and user errors shown, not raised.

A page's twin is one of its *parts*: a service response (its JSON is the response's
:meth:`~critmin.service.base.Response.json_text`, which ``--format json`` prints) and the
rows of the table it shows (its CSV is the CLI's: :func:`critmin.views.output.localised`
headers in the page's language, written by :func:`critmin.indicators.relational.csv_text`).
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from critmin.catalog.langs import LANGS
from critmin.errors import CritminError, FileProblemsError
from critmin.views.i18n import label, text

LANG_COOKIE = "critmin_lang"
"""The cookie that remembers the reader's language (``/`` redirects to it)."""
FORMATS = {"json": "application/json",
           "csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
"""The twins of a page: ``<page>.json``, ``<page>.csv``, ``<page>.xlsx``."""
NAV = ("overview", "whatif", "shock", "demand", "exposure", "signals", "data")
"""The pages in the navigation bar, in order (their names: ``web_nav_<page>``)."""
CARRIED = ("importer", "year")
"""Query parameters every navigation link keeps (OWID style: the reader's context)."""
COUNTRY_COLUMNS = ("partner", "iso3", "top_country", "origin_top_country",
                   "supplier_country", "origin", "exporter")
"""Columns of ISO3 codes, shown with the country's name."""
OTHER_COUNTRIES = "(other countries)"
"""The producers' remainder as the explain rows name it (counted, never ranked)."""
USER_ERRORS = (CritminError, ValidationError)

templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


def page_lang(lang: str) -> str:
    """The language of a page's prefix (404 for any other prefix)."""
    if lang not in LANGS:
        raise HTTPException(status_code=404, detail=f"no page under /{lang}/: use /ja/ or /en/")
    return lang


def twin_format(fmt: str) -> str:
    """The twin's format (404 for any other suffix)."""
    if fmt not in FORMATS:
        raise HTTPException(status_code=404, detail=f".{fmt}: use .json, .csv or .xlsx")
    return fmt


class Params:
    """Query or form parameters of a page: an empty field counts as absent, and a
    number that is not one is a user error naming the field."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self._data.get(name)
        value = value.strip() if isinstance(value, str) else None
        return value or default

    def integer(self, name: str, default: int | None = None) -> int | None:
        return self._parsed(name, default, int, "whole_number")

    def number(self, name: str, default: float | None = None) -> float | None:
        return self._parsed(name, default, float, "number")

    def _parsed(self, name: str, default: Any, kind: Callable[[str], Any], rule: str) -> Any:
        """The field as ``kind`` (``default`` when absent); a user error otherwise."""
        from critmin.errors import NumberError

        value = self.text(name)
        try:
            return default if value is None else kind(value)
        except ValueError:
            raise NumberError(name, value, rule=rule) from None

    def flag(self, name: str) -> bool:
        return (self.text(name) or "").lower() in ("1", "on", "true", "yes")

    def names(self, name: str) -> list[str]:
        """A comma-separated list (``importer=JPN,KOR``), empty when absent."""
        return [v.strip() for v in (self.text(name) or "").split(",") if v.strip()]


def query_of(request: Request, **changes: Any) -> str:
    """The request's query string with ``changes`` (None removes a parameter)."""
    params = {k: v for k, v in request.query_params.items() if k != "part"}
    params.update({k: v for k, v in changes.items()})
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


# ---------------------------------------------------------------- twins


@dataclass
class Part:
    """One table of a page: the service response behind it (and its JSON), its rows and
    the name its files take."""

    response: Any
    json: str
    rows: Callable[[], pd.DataFrame]
    name: str


def response_rows(response: Any) -> pd.DataFrame:
    """The rows of a tabular response in its column order."""
    return response.frame[response.columns]


def run(request: Request, name: str, service_request: Any) -> tuple[Any, str]:
    """(response, its JSON) of command ``name`` (:func:`critmin.service.registry.
    commands`): checked against what the web may do (library scenarios and example BOMs
    only, bounded Monte Carlo: :func:`.api.check_web`) and answered from the results
    cached per store version (:func:`.api.cached_answer`). The response is shared with
    later requests: read it, never change it."""
    from critmin.views.web.api import cached_answer, check_web
    from critmin.views.web.deps import holder

    check_web(name, service_request)
    return cached_answer(name, service_request, holder(request))


def command_part(request: Request, name: str, service_request: Any, file: str,
                 rows: Callable[[Any], pd.DataFrame] = response_rows) -> Part:
    """The part answering ``service_request`` with command ``name``; ``rows`` gives its
    table from the response (default: the response's own rows)."""
    response, json_text = run(request, name, service_request)
    return Part(response, json_text, lambda: rows(response), file)


def twin_response(part: Part, fmt: str, lang: str) -> Response:
    """A part as JSON (the response's own), CSV or an Excel workbook in ``lang``."""
    from critmin.views.output import localised

    if fmt == "json":
        return Response(part.json, media_type=FORMATS["json"])
    frame = localised(part.rows(), lang)
    body = csv_bytes(frame) if fmt == "csv" else xlsx_bytes(frame, part.name)
    return Response(body, media_type=FORMATS[fmt], headers={
        "content-disposition": f'attachment; filename="{part.name}_{lang}.{fmt}"'})


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as the CLI writes CSV (full precision, empty for missing)."""
    from critmin.indicators.relational import csv_text

    return csv_text(frame).encode("utf-8")


def xlsx_bytes(frame: pd.DataFrame, sheet: str) -> bytes:
    """``frame`` as a one-sheet workbook (:func:`critmin.views.excel.write_book`)."""
    from critmin.views.excel import write_book

    with tempfile.TemporaryDirectory(prefix="critmin-web-") as folder:
        path = Path(folder) / "table.xlsx"
        write_book(path, {sheet: frame})
        return path.read_bytes()


def twin(request: Request, lang: str, fmt: str,
         parts: Mapping[str, Callable[[], Part]]) -> Response:
    """The twin of a page: the part named by ``?part=`` (default: the first)."""
    lang, fmt = page_lang(lang), twin_format(fmt)
    name = request.query_params.get("part") or next(iter(parts))
    try:
        if name not in parts:
            from critmin.errors import UnknownNameError

            raise UnknownNameError("part", name, list(parts))
        return twin_response(parts[name](), fmt, lang)
    except USER_ERRORS as exc:
        return error_response(request, lang, exc, fmt)


def download_links(request: Request, lang: str, page: str, part: str,
                   formats: tuple[str, ...] = ("csv", "xlsx", "json")) -> list[dict[str, str]]:
    """Links to a part's twins: ``/{lang}/{page}.{fmt}?<query>&part=<part>``."""
    query = query_of(request, part=part)
    return [{"url": f"/{lang}/{page}.{fmt}?{query}", "name": text(f"web_download_{fmt}", lang),
             "fmt": fmt} for fmt in formats]


# ---------------------------------------------------------------- rendering


def nav(lang: str, current: str, request: Request) -> list[dict[str, Any]]:
    """The navigation links, each keeping the importer and year of the request."""
    keep = urlencode({k: v for k, v in request.query_params.items()
                      if k in CARRIED and v})
    suffix = f"?{keep}" if keep else ""
    return [{"name": text(f"web_nav_{p}", lang), "current": p == current,
             "url": f"/{lang}/{'' if p == 'overview' else p}{suffix}"} for p in NAV]


def base_context(request: Request, lang: str, page: str) -> dict[str, Any]:
    """What the layout needs: language, its switcher, navigation, store and method."""
    from critmin.service.base import METHOD_VERSION
    from critmin.views.tables import header
    from critmin.views.web.deps import holder

    rest = request.url.path[len(lang) + 1:] or "/"
    query = f"?{request.url.query}" if request.url.query else ""
    return {"lang": lang, "page": page, "t": lambda key: text(key, lang),
            "label": lambda kind, ident: label(kind, ident, lang),
            "h": lambda column: header(column, lang), "colon": "：" if lang == "ja" else ": ",
            "cap": lambda words: words[:1].upper() + words[1:],
            "switch": [{"lang": code, "name": text("web_lang_name", code),
                        "url": f"/{code}{rest}{query}", "current": code == lang}
                       for code in LANGS],
            "nav": nav(lang, page, request), "method_version": METHOD_VERSION,
            "built_at": getattr(holder(request), "built_at", None) or ""}


def render(request: Request, template: str, lang: str, page: str, status: int = 200,
           **context: Any) -> HTMLResponse:
    """A template rendered in ``lang``; the language is remembered in a cookie."""
    response = templates.TemplateResponse(
        request, template, {**base_context(request, lang, page), **context},
        status_code=status)
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


def is_htmx(request: Request) -> bool:
    """Whether htmx asked (it swaps a part of the page: render only that part)."""
    return request.headers.get("hx-request") == "true"


def user_message(exc: Exception, lang: str = "en") -> str:
    """One message for a user error (an invalid request: each field and its problem; an
    unknown name in ``lang``)."""
    from critmin.views.app import validation_message
    from critmin.views.errors import error_message

    if isinstance(exc, ValidationError):
        return validation_message(exc, lang)
    return error_message(exc, lang)


def error_response(request: Request, lang: str, exc: Exception, fmt: str = "html",
                   page: str = "") -> Response:
    """A user error: JSON ``{"error", "choices"}`` (422) for a twin; for a page, the
    page's layout with the message (422), or only the message where htmx swaps it in
    (200, so htmx swaps it)."""
    choices = list(getattr(exc, "suggestions", None) or getattr(exc, "choices", None) or [])
    if fmt != "html":   # a machine twin: the message as the API gives it
        return JSONResponse({"error": user_message(exc), "choices": choices},
                            status_code=422)
    from critmin.views.errors import problem_rows

    message = user_message(exc, lang)
    rows = problem_rows(exc, lang) if isinstance(exc, FileProblemsError) else []
    if rows:   # the problems in the table only, not listed again above it
        message = message.splitlines()[0]
    context = {"message": message, "problems": [
        {"row": "" if row is None else str(row), "column": column, "message": said}
        for row, column, said in rows]}
    if is_htmx(request):
        return render(request, "_error.html", lang, page, **context)
    return render(request, "error.html", lang, page, status=422,
                  title=text("web_error_title", lang), **context)


def form_page(request: Request, lang: str, page: str, params: Params, result: Any,
              context: Callable[[], dict[str, Any]]) -> Response:
    """A page with a form and its result: the result part alone
    (``_<page>_result.html``) where htmx swaps it in, else the whole page
    (``<page>.html``, titled ``web_title_<page>``) with the form's ``params`` and
    ``context()`` (its choices: called only for the whole page)."""
    if is_htmx(request):
        return render(request, f"_{page}_result.html", lang, page, result=result)
    return render(request, f"{page}.html", lang, page, title=text(f"web_title_{page}", lang),
                  params=params, result=result, **context())


def answer(request: Request, lang: str, page: str, build: Callable[[], Response]
           ) -> Response:
    """``build()``, or the page's error view for a user error. A GET page is kept in the
    results' cache by its address, language, htmx part and store version (a page
    depends on nothing else), so a page asked again is not drawn again."""
    from critmin.views.web.api import CACHE

    page_lang(lang)
    key = page_key(request, lang) if request.method == "GET" else None
    hit = CACHE.get(key) if key is not None else None
    if hit is not None:
        response: Response = HTMLResponse(hit[1])
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
        return response
    try:
        response = build()
    except USER_ERRORS as exc:
        return error_response(request, lang, exc, "html", page)
    if key is not None and response.status_code == 200 and isinstance(response,
                                                                       HTMLResponse):
        CACHE.put(key, (None, bytes(response.body).decode("utf-8")))
    return response


def page_key(request: Request, lang: str) -> tuple[Any, ...]:
    """The cache key of a GET page."""
    from critmin.views.web.deps import holder

    return ("page", request.url.path, tuple(sorted(request.query_params.multi_items())),
            lang, request.headers.get("hx-request"), holder(request).version())


# ---------------------------------------------------------------- tables and figures


@dataclass
class TableView:
    """An HTML table of response rows: headers and cells in the page's language."""

    ident: str
    heads: list[str]
    numeric: list[bool]
    rows: list[list[dict[str, Any]]]
    downloads: list[dict[str, str]] = field(default_factory=list)


def country(iso3: str, lang: str) -> str:
    """A country by name with its code ("China (CHN)", "中国（CHN）")."""
    from critmin.views.report import country_name

    if iso3 == OTHER_COUNTRIES:
        return text("web_other_countries", lang)
    name = country_name(iso3, lang)
    if not iso3 or name == iso3:
        return iso3
    return f"{name}（{iso3}）" if lang == "ja" else f"{name} ({iso3})"


def cell_view(value: Any, column: str, lang: str, shown: Callable[[Any], str] | None = None,
              href: Callable[[Any], str] | None = None,
              cls: Callable[[Any], str] | None = None) -> dict[str, Any]:
    """One cell: its text in ``lang``, its sort key (numbers), link and class."""
    from critmin.views.tables import cell

    if hasattr(value, "item") and not isinstance(value, (str, list, dict)):
        value = value.item()
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    missing = value is None or value is pd.NA or value is pd.NaT or (
        isinstance(value, float) and math.isnan(value))
    if missing:
        words = ""
    elif shown is not None:
        words = shown(value)
    elif column in COUNTRY_COLUMNS and isinstance(value, str):
        words = country(value, lang)
    else:
        words = cell(value, column, lang)
    kind = "na" if missing and number else ("num" if number else (
        "country" if column in COUNTRY_COLUMNS else ""))
    return {"text": words, "sort": "" if missing else (repr(value) if number else None),
            "cls": cls(value) if cls is not None else kind,
            "href": href(value) if href is not None and not missing else None}


def table_view(frame: pd.DataFrame, lang: str, ident: str, columns: list[str] | None = None,
               heads: Mapping[str, str] | None = None,
               shown: Mapping[str, Callable[[Any], str]] | None = None,
               links: Mapping[str, Callable[[Any], str]] | None = None,
               classes: Mapping[str, Callable[[Any], str]] | None = None) -> TableView:
    """``frame``'s ``columns`` as a :class:`TableView`: headers by column name
    (:func:`critmin.views.tables.header`, or ``heads``), cells by
    :func:`critmin.views.tables.cell` (or ``shown``), ``links`` and CSS ``classes`` by
    column."""
    from critmin.views.tables import header

    cols = columns or [str(c) for c in frame.columns]
    heads, shown, links, classes = heads or {}, shown or {}, links or {}, classes or {}
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(
        frame[c]) for c in cols]
    rows = [[cell_view(v, c, lang, shown.get(c), links.get(c), classes.get(c))
             for v, c in zip(r, cols, strict=True)] for r in frame[cols].itertuples(index=False)]
    return TableView(ident, [heads.get(c) or header(c, lang) for c in cols], numeric, rows)


def figure_json(fig: Any) -> str:
    """A Plotly figure as the JSON ``static/app.js`` draws (``data-figure``)."""
    return fig.to_json()


def commodity_choices(lang: str) -> list[dict[str, str]]:
    """Every catalog commodity (id, name in ``lang``), by name."""
    from critmin.service.catalog import CommoditiesRequest, commodities

    ids = commodities(CommoditiesRequest(), None).frame["commodity_id"]
    return sorted(({"id": c, "name": label("commodity", c, lang)} for c in ids),
                  key=lambda c: c["name"])


def form_choices(lang: str) -> dict[str, list[dict[str, str]]]:
    """The choices of a form's commodity and importer fields."""
    return {"commodities": commodity_choices(lang), "countries": country_choices(lang)}


def scenario_choices(frame: pd.DataFrame, lang: str, *extra: str) -> list[dict[str, Any]]:
    """The scenarios of a list (``scenario list``): id, name in ``lang`` (the English one
    where a Japanese one is missing) and the ``extra`` columns."""
    return [{"id": r.id, "name": r.name_ja if lang == "ja" and r.name_ja else r.name,
             **{k: getattr(r, k) for k in extra}} for r in frame.itertuples(index=False)]


def country_choices(lang: str) -> list[dict[str, str]]:
    """Countries and groups for the importer field's suggestions."""
    from critmin.catalog.countries import group_ids
    from critmin.service.catalog import CountriesRequest, countries

    frame = countries(CountriesRequest(), None).frame
    names = frame["name_ja" if lang == "ja" else "name_en"]
    groups = [{"id": g, "name": g} for g in group_ids()]
    return groups + [{"id": i, "name": n} for i, n in zip(frame["iso3"], names, strict=True)]
