"""The JSON API under ``/api``: one endpoint per command of the request layer, built from
:func:`critmin.service.registry.commands`, so the API, the pages and the CLI answer from
the same request and response models.

For a command ``assess`` (``scenario run``, ``demand sensitivity``, ``exposure --list``,
``indicators --explain`` …: spaces and ``--`` become ``/``):

- ``GET /api/assess?importer=JPN&year=2023``: the request's simple fields as query
  parameters (OWID style; a list field by its singular name, repeated:
  ``?importer=JPN&importer=KOR``);
- ``POST /api/assess`` with the request model as JSON body (every field, e.g. the
  what-if's ``levers``).

The answer is exactly the response model's JSON (:meth:`~critmin.service.base.Response.
json_text`, what ``--format json`` prints), so ``/api/<command>`` equals the CLI's
``-f json`` for the same request. Results are cached per request and store version
(:class:`ResultCache`); work runs in a thread, off the event loop. Errors are
``{"error": message, "choices": [...]}`` (a BOM's problems also as ``problems``: row,
column, message) with 422 for invalid input, 404 for an unknown path, 413 for a body over
the limit, 503 when the store is missing or busy, 500 (short message, no traceback) for a
fault. What the web runs and what not, and the web's bounds, are in :data:`SERVED`,
:data:`EXCLUDED`, :func:`check_web` and ``docs/web.md``.
"""

from __future__ import annotations

import inspect
import logging
import re
import threading
import types
import typing
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Body, FastAPI, File, Query, UploadFile
from fastapi import Request as HttpRequest
from fastapi import Response as HttpResponse
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from critmin.errors import CritminError

log = logging.getLogger("critmin.web")

DESCRIPTION = (
    "Critical-mineral supply-risk intelligence (ja/en). Every endpoint answers with the "
    "JSON of the command's response model — the same as `critmin <command> -f json`. "
    "GET takes the request's simple fields as query parameters (a list field by its "
    "singular name, repeated); POST takes the request model as JSON. Errors: "
    '{"error": message, "choices": [...]} with 422 (invalid input), 404, 413, 503.')

router = APIRouter(prefix="/api")

SERVED = frozenset({
    "choices", "commodities", "countries", "demo", "data status", "data sources",
    "indicators", "indicators --explain", "geopolrisk", "geopolrisk --compat", "assess",
    "assess --explain", "whatif", "shock", "scenario run", "scenario list", "uncertainty",
    "demand", "demand sensitivity", "demand scenarios", "exposure", "exposure shock",
    "exposure --list", "signals", "signals backtest"})
"""The commands the web runs: each reviewed for the web (no file path, bounded work:
:func:`check_web`) and checked against the CLI (``tests/views/test_web_api.py``). A new
command of the registry is not served until it is added here."""

EXCLUDED = {
    "data fetch": "downloads the bundle: run it with the CLI",
    "data build": "writes a new store: run it with the CLI",
    "data import": "reads files on the server and writes the store: use the CLI",
    "report": "writes files on the server: the pages offer the report as a download",
    "validate": "a slow batch check against releases on the server's disk: use the CLI",
}
"""Commands the web does not run, and why (any other command not in :data:`SERVED`:
"not reviewed for the web yet")."""

SINGULAR = {"importers": "importer", "commodities": "commodity", "years": "year",
            "stages": "stage", "targets": "target", "minerals": "mineral",
            "names": "name", "indicators": "indicator", "kinds": "kind", "tiers": "tier",
            "episodes": "episode"}
"""Query name of a list field (OWID style: ``?importer=JPN&importer=KOR``), unless the
request has a field of that name already."""

GET_EXCLUDED = {"save"}
"""Fields only a POST may set (GET has no side effects)."""

FORCED = {"assess --explain": {"explain": True}}
"""Fields a route fixes (``/api/assess/explain`` is ``assess --explain``)."""

MAX_DRAWS = 2_000
"""Most Monte Carlo draws per web request (``critmin uncertainty`` allows 1,000,000)."""
DEFAULT_DRAWS = 1_000
"""Draws when a web request gives none."""
MAX_WORKERS = 2
MAX_MEMORY_MB = 1_024
MIN_CHUNK = 50
MAX_SOBOL = 4_096
MIN_SPREAD = 1e-9
MAX_BOM_ROWS = 50_000
"""Most rows of an uploaded BOM (its bytes: :data:`.security.MAX_UPLOAD_BYTES`)."""
HEAVY = {"uncertainty": threading.BoundedSemaphore(1)}
"""Commands run one at a time per process (a Dask cluster, or the draws in this process
with the numerical libraries held to one thread)."""
HEAVY_WAIT = 60.0
"""Seconds a heavy request waits for its turn before a 503."""


# ---------------------------------------------------------------- errors


class WebInputError(CritminError):
    """Invalid input to the web API, with the valid choices."""

    def __init__(self, message: str, choices: list[str] | None = None) -> None:
        super().__init__(message)
        self.choices = list(choices or [])


class Busy(Exception):
    """The server is busy with another heavy request (503)."""


def error_body(message: str, choices: list[str] | None = None, **extra: Any
               ) -> dict[str, Any]:
    """The JSON of every error."""
    return {"error": message, "choices": list(choices or []), **extra}


def error_response(status: int, message: str, choices: list[str] | None = None,
                   **extra: Any) -> JSONResponse:
    """An error as JSON with ``status``."""
    return JSONResponse(error_body(message, choices, **extra), status_code=status)


def critmin_error(exc: CritminError) -> JSONResponse:
    """422 for a user error (with the valid choices and a BOM's problems by row); 503
    when the store is missing, damaged or busy (not the request's fault)."""
    from critmin.errors import FileProblemsError, StoreError

    if isinstance(exc, StoreError):
        return error_response(503, str(exc))
    choices = getattr(exc, "choices", None) or getattr(exc, "suggestions", None) or []
    extra = {}
    if isinstance(exc, FileProblemsError):
        extra["problems"] = [{"row": p.row, "column": p.column, "code": p.code,
                              "message": p.message} for p in exc.problems]
    return error_response(422, str(exc), [str(c) for c in choices], **extra)


def validation_error(errors: list[Any]) -> JSONResponse:
    """422 for a request that does not fit the model: each field and what is wrong; the
    allowed values of an enumerated field as choices."""
    parts, choices = [], []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ()) if p not in ("query", "body")]
        parts.append(f"{'.'.join(loc) or 'input'}: {e.get('msg', 'invalid')}")
        expected = (e.get("ctx") or {}).get("expected")
        if isinstance(expected, str):
            choices += re.findall(r"'([^']*)'", expected)
    return error_response(422, "invalid input: " + "; ".join(parts), choices)


def http_error(request: HttpRequest, exc: HTTPException) -> JSONResponse:
    """404 (unknown path: the API's index as choices), 405, 413 … as JSON."""
    path = request.url.path
    if (exc.status_code == 404 and not path.startswith(("/api", "/static"))
            and "text/html" in request.headers.get("accept", "")):
        from critmin.views.web.pages import not_found_page

        return not_found_page(request, str(exc.detail))  # type: ignore[return-value]
    if exc.status_code == 404:
        choices = [r for r in api_paths() if request.url.path.startswith("/api")]
        detail = exc.detail if exc.detail not in (None, "Not Found") else None
        return error_response(404, detail or f"not found: {request.url.path}", choices)
    return JSONResponse(error_body(str(exc.detail)), status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


def install_error_handlers(app: FastAPI) -> None:
    """The JSON error handlers (faults: :class:`.security.Guard` answers 500)."""
    from pydantic import ValidationError

    async def on_critmin(_r: HttpRequest, exc: Exception) -> JSONResponse:
        return critmin_error(exc)  # type: ignore[arg-type]

    async def on_validation(_r: HttpRequest, exc: Exception) -> JSONResponse:
        return validation_error(list(exc.errors()))  # type: ignore[attr-defined]

    async def on_http(r: HttpRequest, exc: Exception) -> JSONResponse:
        return http_error(r, exc)  # type: ignore[arg-type]

    async def on_busy(_r: HttpRequest, exc: Exception) -> JSONResponse:
        return error_response(503, str(exc))

    app.add_exception_handler(CritminError, on_critmin)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(ValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(Busy, on_busy)


# ---------------------------------------------------------------- requests


def route(name: str) -> str:
    """The path of a command: ``scenario run`` → ``/scenario/run``,
    ``exposure --list`` → ``/exposure/list``."""
    return "/" + "/".join(w.strip("-") for w in name.split())


def _members(annotation: Any) -> list[Any]:
    """The types of a union without None (``[annotation]`` for a plain type)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def _scalar(t: Any) -> bool:
    return t in (str, int, float, bool) or typing.get_origin(t) is Literal


def query_type(annotation: Any) -> Any | None:
    """The query-parameter type of a request field (a scalar, a ``Literal`` or a list of
    them; a union of scalars as ``str``; a list of integers as text, so years may be
    given as the CLI takes them: ``2022``, ``2018-2023``, ``2018,2020``), or None for a
    field only a JSON body carries (a path, a list of records)."""
    members = _members(annotation)
    if len(members) > 1:
        return str if all(_scalar(t) for t in members) else None
    (t,) = members
    if _scalar(t):
        return t
    if typing.get_origin(t) is list and _scalar(typing.get_args(t)[0]):
        return list[str] if typing.get_args(t)[0] is int else t  # years: '2018-2023'
    return None


def web_name(model: type, field: str) -> str:
    """The query name of ``field`` (:data:`SINGULAR`)."""
    name = SINGULAR.get(field, field)
    return name if name == field or name not in model.model_fields else field


def query_parameters(model: type, skip: set[str] | None = None) -> list[inspect.Parameter]:
    """One keyword parameter per simple field of ``model``, for FastAPI to read from the
    query string (documented in OpenAPI with the field's description)."""
    out = []
    for name, f in model.model_fields.items():
        t = query_type(f.annotation)
        if t is None or name in (skip or set()):
            continue
        alias = web_name(model, name)
        doc = f.description or ""
        if not f.is_required():
            doc = f"{doc} (default: {f.default!r})".strip()
        default = Query(... if f.is_required() else None, alias=alias if alias != name
                        else None, description=doc)
        out.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                     annotation=t if f.is_required() else t | None))
    return out


def build(name: str, model: type, given: dict[str, Any]) -> Any:
    """The request of ``name`` from the given fields (None: not given, the model's
    default), with the route's :data:`FORCED` fields; a union of number and text read
    as a number when it is one."""
    fields = {k: _number(model, k, v) for k, v in given.items() if v is not None}
    fields.update(FORCED.get(name, {}))
    if name == "uncertainty":
        fields.setdefault("draws", DEFAULT_DRAWS)
    return model(**fields)


def _number(model: type, field: str, value: Any) -> Any:
    """A query value as the model takes it: a number for a number-or-text field; the one
    text of a list field with its own parser (years: ``'2018-2023'``)."""
    f = model.model_fields.get(field)
    members = _members(f.annotation) if f is not None else []
    if isinstance(value, list) and len(value) == 1 and f is not None and f.metadata:
        return value[0]
    if isinstance(value, str) and float in members and str in members:
        try:
            return float(value)
        except ValueError:
            return value
    return value


# ---------------------------------------------------------------- the web's bounds


def check_web(name: str, request: Any, upload: bool = False) -> None:
    """Refuse what the web must not do: read a file named by the request (scenarios
    and lever sets only from the shipped library, BOMs only ``example:NAME`` or an
    upload), reach another server (no Dask scheduler), run unbounded work (draws,
    workers, memory, Sobol samples), or pass a seed the random generator refuses."""
    fields = type(request).model_fields
    if "scenario" in fields and request.scenario is not None:
        _in_library(name, request.scenario)
    if "lever_file" in fields and request.lever_file not in (None, "example"):
        raise WebInputError("lever_file: the web takes the shipped set 'example' or the "
                            "levers themselves (POST 'levers')", ["example"])
    if "bom" in fields and not upload:
        _example_bom(request.bom)
    if "save" in fields and request.save is not None:
        _save_name(request.save)
    if "register_file" in fields and request.register_file is not None:
        raise WebInputError("register_file: the web does not read files on the server; "
                            "run 'critmin signals --register FILE' with the CLI")
    if "seed" in fields and request.seed is not None and not 0 <= request.seed < 2**63:
        raise WebInputError(f"seed: a whole number from 0 to 2**63 − 1 (got {request.seed})")
    if name == "uncertainty":
        _bounded_uncertainty(request)
    if name == "demand sensitivity":
        _bounded_sensitivity(request)
    if name in ("indicators", "geopolrisk") and not request.importers:
        raise WebInputError(f"importer: the web answers {name} for named importers (every "
                            "importer is some 700,000 values: run 'critmin "
                            f"{name} -f csv' with the CLI)")


def _bounded_sensitivity(request: Any) -> None:
    if request.sobol > MAX_SOBOL:
        raise WebInputError(f"sobol: at most {MAX_SOBOL:,} base samples on the web "
                            f"(got {request.sobol:,}); the CLI runs more")
    if 0 < request.spread < MIN_SPREAD:  # 1 − s == 1 + s in floating point: no interval
        raise WebInputError(f"spread: at least {MIN_SPREAD:g} (got {request.spread:g})")


def _in_library(name: str, scenario: str) -> None:
    if name.startswith("demand"):
        from critmin.analysis.demand import library
    else:
        from critmin.analysis.scenarios import library
    ids = sorted(library())
    if scenario not in ids:
        raise WebInputError(f"unknown scenario {scenario!r}: the web runs the shipped "
                            "library (scenario files: use the CLI)", ids)


def _example_bom(bom: str) -> None:
    from critmin.analysis.bom import examples

    ids = sorted(f"example:{e}" for e in examples())
    if bom not in ids:
        raise WebInputError(f"bom {bom!r}: give example:NAME, or upload the file "
                            "(POST multipart to /api/exposure/upload)", ids)


def _save_name(save: str) -> None:
    if not re.fullmatch(r"[\w.\-]{1,64}", save):
        raise WebInputError(f"save {save!r}: a name of 1–64 letters, digits, '_', '-' or "
                            "'.'")


def _bounded_uncertainty(request: Any) -> None:
    problems = []
    if request.draws > MAX_DRAWS:
        problems.append(f"draws at most {MAX_DRAWS:,} (got {request.draws:,})")
    if request.workers > MAX_WORKERS:
        problems.append(f"workers at most {MAX_WORKERS}")
    if request.scheduler is not None:
        problems.append("no scheduler address (the server runs its own workers)")
    if request.max_memory_mb > MAX_MEMORY_MB:
        problems.append(f"max_memory_mb at most {MAX_MEMORY_MB:,}")
    if request.chunk < MIN_CHUNK:
        problems.append(f"chunk at least {MIN_CHUNK}")
    if problems:
        raise WebInputError("uncertainty on the web: " + "; ".join(problems) + " (the CLI "
                            "runs larger jobs)")


# ---------------------------------------------------------------- running, caching


class ResultCache:
    """Responses and their JSON by (command, request JSON, store version): least
    recently used first out, at most ``entries`` and about ``max_bytes`` of JSON."""

    def __init__(self, entries: int = 256, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.entries, self.max_bytes = entries, max_bytes
        self._data: OrderedDict[Any, tuple[Any, str]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Any) -> tuple[Any, str] | None:
        with self._lock:
            hit = self._data.get(key)
            if hit is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return hit

    def put(self, key: Any, value: tuple[Any, str]) -> None:
        size = len(value[1])
        if size > self.max_bytes // 8:  # one huge answer would flush the rest
            return
        with self._lock:
            old = self._data.pop(key, None)
            self._bytes += size - (len(old[1]) if old else 0)
            self._data[key] = value
            while len(self._data) > self.entries or self._bytes > self.max_bytes:
                _, (_, text) = self._data.popitem(last=False)
                self._bytes -= len(text)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._bytes = 0


CACHE = ResultCache()
"""The process's result cache (the pages use it too: :func:`cached_answer`)."""


def cache_key(name: str, request: Any, holder: Any) -> Any:
    """The key of a result: the command, its request as JSON, the store's version."""
    return name, request.model_dump_json(), holder.version()


def compute(name: str, request: Any, holder: Any) -> Any:
    """Run command ``name`` on a read-only cursor (a writable connection when the
    request saves), one at a time for :data:`HEAVY` commands."""
    from critmin.service.registry import commands

    func = commands()[name][2]
    gate = HEAVY.get(name)
    if gate is not None and not gate.acquire(timeout=HEAVY_WAIT):
        raise Busy(f"the server is busy with another {name} run; try again shortly")
    try:
        if getattr(request, "save", None) is not None:
            with holder.writing() as con:
                return func(request, con)
        with holder.reading() as con:
            return func(request, con)
    finally:
        if gate is not None:
            gate.release()


def cached_answer(name: str, request: Any, holder: Any) -> tuple[Any, str]:
    """(response, its JSON) of ``request``, from :data:`CACHE` when the same request was
    answered on the same store (a request that saves is never cached). Blocking: call
    it in a thread."""
    saves = getattr(request, "save", None) is not None
    key = None if saves else cache_key(name, request, holder)
    hit = CACHE.get(key) if key is not None else None
    if hit is not None:
        return hit
    response = compute(name, request, holder)
    out = (response, response.json_text())
    if key is not None:
        CACHE.put(key, out)
    return out


async def respond(name: str, request: Any, http: HttpRequest) -> HttpResponse:
    """The JSON answer of ``request`` (cache hits on the event loop, work in a thread)."""
    from critmin.views.web.deps import holder

    check_web(name, request)
    store = holder(http)
    if getattr(request, "save", None) is None:
        hit = CACHE.get(cache_key(name, request, store))
        if hit is not None:
            return json_text_response(hit[1])
    _, text = await run_in_threadpool(cached_answer, name, request, store)
    return json_text_response(text)


def json_text_response(text: str) -> HttpResponse:
    return HttpResponse(content=text.encode(), media_type="application/json")


# ---------------------------------------------------------------- endpoints


def _typed(response: type) -> type:
    """The response model with ``rows`` typed by its row model (for OpenAPI)."""
    from critmin.service.base import TableResponse

    if not (isinstance(response, type) and issubclass(response, TableResponse)):
        return response
    return _TYPED.setdefault(response, type(response.__name__, (response,), {
        "__annotations__": {"rows": list[response.Row]}, "__module__": response.__module__}))


_TYPED: dict[type, type] = {}


def _endpoint(func: Callable[..., Any], params: list[inspect.Parameter]) -> Callable[..., Any]:
    """``func(http, **params)`` with the signature FastAPI reads."""
    http = inspect.Parameter("http", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                             annotation=HttpRequest)
    func.__signature__ = inspect.Signature([http, *params])  # type: ignore[attr-defined]
    return func


def add_get(name: str, model: type, response: type,
            extra: tuple[list[inspect.Parameter], Callable[..., dict[str, Any]]] | None = None
            ) -> None:
    """``GET /api/<name>``: the request from the query string."""
    params = query_parameters(model, GET_EXCLUDED | set(FORCED.get(name, {})))
    more, convert = extra or ([], None)

    known = sorted({p.default.alias or p.name for p in params + more} | {"token"})
    taken = set(known)

    async def get(http: HttpRequest, **given: Any) -> HttpResponse:
        unknown = sorted(set(http.query_params) - taken)
        post_only = [u for u in unknown if u in GET_EXCLUDED]
        if post_only:
            raise WebInputError(f"{', '.join(post_only)}: only POST /api{route(name)} may "
                                "set it (a GET stores nothing)", known)
        if unknown:
            raise WebInputError(f"unknown query parameter(s) {', '.join(unknown)} for "
                                f"/api{route(name)}", known)
        if convert is not None:
            given = convert(given)
        return await respond(name, build(name, model, given), http)

    router.add_api_route(route(name), _endpoint(get, params + more), methods=["GET"],
                         response_model=_typed(response), name=f"get {name}",
                         summary=f"critmin {name}", tags=[name.split()[0]],
                         description=model.__doc__ or "", response_class=HttpResponse)


def add_post(name: str, model: type, response: type) -> None:
    """``POST /api/<name>``: the request model as JSON body."""
    body = inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=model,
                             default=Body(...))

    async def post(http: HttpRequest, body: Any) -> HttpResponse:
        request = body
        if FORCED.get(name):
            request = model(**{**body.model_dump(exclude_unset=True), **FORCED[name]})
        return await respond(name, request, http)

    router.add_api_route(route(name), _endpoint(post, [body]), methods=["POST"],
                         response_model=_typed(response), name=f"post {name}",
                         summary=f"critmin {name} (request as JSON)",
                         tags=[name.split()[0]], response_class=HttpResponse)


def whatif_levers() -> tuple[list[inspect.Parameter], Callable[..., dict[str, Any]]]:
    """The CLI's lever options as query parameters of ``GET /api/whatif`` (one
    commodity: ``?commodity=rare_earths&mine=AUS:20000&offtake=0.5``)."""
    from critmin.service.assess import lever_records

    kinds = {"mine": (str, "① mine: COUNTRY:T_PER_YEAR[:RESERVES_T]"),
             "smelter": (str, "② smelter: COUNTRY:T_PER_YEAR"),
             "offtake": (float, "share of the new output the importer takes (default 0.5)"),
             "kappa": (float, "traded t per contained t (default 1)"),
             "saving": (float, "③ demand cut, 0–1"),
             "recycling": (float, "④ target end-of-life recycling input rate, 0–1")}
    params = [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, annotation=t | None,
                                default=Query(None, description=d))
              for k, (t, d) in kinds.items()]

    def convert(given: dict[str, Any]) -> dict[str, Any]:
        lv = {k: given.pop(k) for k in kinds}
        lv = {k: v for k, v in lv.items() if v is not None}
        records = lever_records(given.get("commodities"), **lv)
        return {**given, "levers": records} if records else given

    return params, convert


def register() -> None:
    """The endpoints of the commands of :func:`critmin.service.registry.commands` in
    :data:`SERVED`, and the BOM uploads (``/api/health`` and ``/api`` are below)."""
    from critmin.service.registry import commands

    for name, (model, response, _) in commands().items():
        if name not in SERVED:
            continue
        add_get(name, model, response, whatif_levers() if name == "whatif" else None)
        add_post(name, model, response)
    for name in ("exposure", "exposure shock"):
        model, response, _ = commands()[name]
        add_upload(name, model, response)


def api_paths() -> list[str]:
    """Every API path (the index and a 404's choices)."""
    return sorted({f"/api{route(n)}" for n in _served()} | {"/api/health", "/api"})


def _served() -> list[str]:
    from critmin.service.registry import commands

    return [n for n in commands() if n in SERVED]


def not_served() -> dict[str, str]:
    """Every command of the registry the web does not run, with the reason."""
    from critmin.service.registry import commands

    return {n: EXCLUDED.get(n, "not reviewed for the web yet") for n in commands()
            if n not in SERVED}


# ---------------------------------------------------------------- uploads


def add_upload(name: str, model: type, response: type) -> None:
    """``POST /api/<name>/upload``: the BOM as a multipart file (``file``), the other
    fields as query parameters (``save=NAME`` to keep it in the store)."""
    params = query_parameters(model, {"bom"})
    upload = inspect.Parameter("file", inspect.Parameter.KEYWORD_ONLY,
                               annotation=UploadFile, default=File(
                                   ..., description="The BOM: .csv (UTF-8 or cp932) or "
                                   ".xlsx, at most 5 MB and 50,000 rows."))

    async def post(http: HttpRequest, file: UploadFile, **given: Any) -> HttpResponse:
        return await upload_answer(name, model, given, file, http)

    router.add_api_route(route(name) + "/upload", _endpoint(post, [upload, *params]),
                         methods=["POST"], response_model=_typed(response),
                         name=f"upload {name}", summary=f"critmin {name} of an uploaded BOM",
                         tags=[name.split()[0]], response_class=HttpResponse)


async def upload_answer(name: str, model: type, given: dict[str, Any], file: UploadFile,
                        http: HttpRequest) -> HttpResponse:
    """Write the upload to a fresh temporary folder (never a user-named path), check its
    size and rows, run the command on it and delete it; the response names the upload
    by its file name, not the server's temporary path."""
    import tempfile

    from critmin.views.web.deps import holder

    shown = upload_name(file.filename)
    with tempfile.TemporaryDirectory(prefix="critmin-upload-") as tmp:
        path = Path(tmp) / shown
        await save_upload(file, path)
        request = build(name, model, {**given, "bom": str(path)})
        check_web(name, request, upload=True)
        try:
            response = await run_in_threadpool(_run_upload, name, request, path,
                                               holder(http))
        except CritminError as exc:
            raise renamed(exc, str(path), shown) from None
    fixed = response.model_copy(update={"bom_file": shown, "request": {
        **response.request, "bom": shown}})
    return json_text_response(fixed.json_text())


def upload_name(filename: str | None) -> str:
    """A safe file name for an upload: its base name with every character other than
    letters, digits, ``_ - .`` replaced, and a BOM file's suffix (else the BOM error the
    command gives such a file, :data:`~critmin.analysis.bom.FILE_SUFFIXES`)."""
    from critmin.analysis.bom import FILE_SUFFIXES, file_type_error

    base = Path((filename or "bom.csv").replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in FILE_SUFFIXES:
        raise file_type_error(base)
    stem = re.sub(r"[^\w\-]", "_", stem).strip("._")[:64] or "bom"
    return stem + suffix


async def save_upload(file: UploadFile, path: Path) -> None:
    """Copy the upload to ``path``, refusing (413) one over the size limit."""
    from critmin.views.web.security import MAX_UPLOAD_BYTES

    size = 0
    with path.open("wb") as out:
        while chunk := await file.read(256 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                raise HTTPException(413, f"the BOM upload is over the limit of "
                                    f"{MAX_UPLOAD_BYTES:,} bytes")
            out.write(chunk)


def _run_upload(name: str, request: Any, path: Path, store: Any) -> Any:
    """Check the upload's rows (at most :data:`MAX_BOM_ROWS`), then run the command."""
    from critmin.analysis.bom import read_bom_file
    from critmin.views.web.security import MAX_UPLOAD_BYTES

    try:
        read_bom_file(path, request.sheet, max_bytes=MAX_UPLOAD_BYTES,
                      max_rows=MAX_BOM_ROWS)
    except CritminError:
        raise
    except Exception as exc:  # a damaged file (e.g. not a zip) is bad input, not a fault
        raise WebInputError(f"{path}: the file cannot be read as a BOM "
                            f"({type(exc).__name__}: {exc})") from None
    return compute(name, request, store)


def renamed(exc: CritminError, path: str, shown: str) -> CritminError:
    """``exc`` with the server's temporary path replaced by the upload's name (in the
    message and in a BOM's problems; a BOM's error stays one, so a page words it in its
    language)."""
    from critmin.errors import FileProblemsError

    if isinstance(exc, FileProblemsError):
        return type(exc)(shown, [p._replace(values={
            k: v.replace(path, shown) if isinstance(v, str) else v
            for k, v in p.values.items()}) for p in exc.problems], exc.choices, exc.headers)
    return WebInputError(str(exc).replace(path, shown),
                         getattr(exc, "choices", None) or getattr(exc, "suggestions", None))


# ---------------------------------------------------------------- health, index


@router.get("/health", summary="Server and store status", tags=["server"])
async def health(http: HttpRequest) -> dict[str, Any]:
    """``status``, the critmin version, the store path, when it was built, and whether it
    can be read (``store_error`` if not)."""
    from critmin import __version__
    from critmin.views.web.deps import holder

    store = holder(http)
    out: dict[str, Any] = {"status": "ok", "version": __version__, "store": str(store.path)}
    try:
        await run_in_threadpool(_touch, store)
        out["built_at"] = store.built_at
    except CritminError as exc:
        out["store_error"] = str(exc)
    return out


def _touch(store: Any) -> None:
    with store.reading():
        pass


@router.get("", summary="The API's endpoints", tags=["server"])
async def index() -> dict[str, Any]:
    """Every endpoint path, and the commands the web does not run with the reason."""
    return {"endpoints": api_paths(), "not_served": not_served(),
            "openapi": "/api/openapi.json"}


register()
