"""The dashboard: a FastAPI app with HTML pages and a JSON API over the results store.

Pages: ``/`` scenarios, ``/run`` a form to run one with changed inputs, ``/jobs/{id}``
the progress of a run, ``/runs`` the history, ``/runs/{id}`` the results dashboard
(interactive charts, plotly.js served from this server), ``/runs/{id}/report.html``
the self-contained report, ``/compare?ids=…`` runs side by side.

API (OpenAPI description at ``/openapi.json``, browsable at ``/docs``):
``GET /api/scenarios``, ``POST /api/runs`` (202 with a job), ``GET /api/runs``,
``GET /api/runs/{id}``, ``GET /api/runs/{id}/tables/{name}``, ``GET /api/jobs/{id}``,
``GET /api/compare?ids=…``.

Safety: inputs only through :class:`~trunkline.web.cases.RunRequest` and the scenario
schema; run ids and table names are checked against the store before use (no request
value becomes a path); request bodies over ``max_body`` bytes are refused (413); more
than ``max_jobs`` running jobs (plus ``queue_size`` waiting) are refused (429); only
the hosts in ``allowed_hosts`` are served (loopback names by default); errors are
answered in plain words (``{"error": "..."}`` for the API).
"""

from __future__ import annotations

import functools
import json
import math
import re
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Final, TypeVar, cast

import pandas as pd
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from trunkline import __version__
from trunkline.errors import TrunklineError
from trunkline.report.html import (
    ReportData,
    headline_rows,
    plotly_js_path,
    render_html,
    report_data_from_store,
)
from trunkline.store import Store
from trunkline.web.cases import Case, RunRequest, line_scenarios, prepare, run_case
from trunkline.web.jobs import JobLimitError, JobManager, Progress
from trunkline.web.pages import APP_CSS, APP_JS, NAV, environment

__all__ = ["LOOPBACK_HOSTS", "MAX_BODY", "create_app"]

#: Largest request body accepted [bytes].
MAX_BODY: Final = 64 * 1024
#: Host names served by default (loopback only: a DNS-rebinding page cannot reach us).
LOOPBACK_HOSTS: Final = ("127.0.0.1", "localhost", "::1", "[::1]", "testserver")
_RUN_ID: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MAX_COMPARE: Final = 8
_MAX_ROWS: Final = 20_000
_CACHE_S: Final = 5.0
_CSP: Final = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
               "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
_REPORT_CSP: Final = ("default-src 'none'; script-src 'unsafe-inline'; "
                      "style-src 'unsafe-inline'; img-src data:")

Runner = Callable[[Case, Store, Progress, Callable[[Callable[[], str]], str]], str]
T = TypeVar("T")


class _BodyLimit:
    """ASGI middleware: refuse request bodies over ``limit`` bytes with 413."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: MutableMapping[str, Any],
                       receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
                       send: Callable[[MutableMapping[str, Any]], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.limit
            except ValueError:
                too_big = True
            if too_big:
                await self._refuse(send)
                return
            await self.app(scope, receive, send)
            return
        if scope.get("method") in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        # no Content-Length (chunked): read the body up to the limit, then replay it
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.limit:
                await self._refuse(send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> MutableMapping[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Callable[[MutableMapping[str, Any]], Awaitable[None]]
                      ) -> None:
        body = json.dumps({"error": f"the request is too large: at most {self.limit // 1024} "
                                    "KiB are accepted"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _jsonable(obj: Any) -> Any:
    """Plain JSON values: NaN/inf → None, timestamps and other objects → text."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, bool) or obj is None or isinstance(obj, str | int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if hasattr(obj, "item"):  # numpy scalars
        return _jsonable(obj.item())
    return str(obj)


def _plain_validation(errors: Iterable[Any]) -> str:
    """Pydantic / FastAPI validation errors in plain words, one per line."""
    lines = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header"):
            loc = loc[1:]
        where = ".".join(loc) or "request"
        msg = str(err.get("msg", "invalid value"))
        if err.get("type") == "extra_forbidden":
            msg = "is not an input of a run"
        elif err.get("type") == "missing":
            msg = "is required"
        lines.append(f"{where}: {msg}")
    return "\n".join(lines) or "the request is not valid"


def create_app(store_path: str | Path | None = None, max_jobs: int = 2, *,
               queue_size: int = 0, max_body: int = MAX_BODY,
               allowed_hosts: Iterable[str] | None = LOOPBACK_HOSTS,
               runner: Runner | None = None) -> FastAPI:
    """The dashboard app.

    Args:
        store_path: results store file; None → the default store (see :class:`Store`).
        max_jobs: runs computed at the same time (each in a worker thread).
        queue_size: runs allowed to wait for a worker beyond ``max_jobs``.
        max_body: largest request body [bytes].
        allowed_hosts: Host header values served; None serves any host.
        runner: the function that computes and stores a case (tests replace it).
    """
    store = Store(store_path)
    store_lock = threading.RLock()  # one store operation at a time (DuckDB: one writer)
    jobs = JobManager(max_jobs=max_jobs, queue_size=queue_size)
    env = environment()
    work_fn: Runner = runner or run_case

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.shutdown(wait=False)

    app = FastAPI(title="trunkline dashboard", version=__version__, lifespan=lifespan,
                  description="Run trunkline scenarios, follow the jobs and read the results "
                              "store. Quantities are text with their unit, as in scenario "
                              "files ('45 bcm/yr @ RU', '9.8 MPa').")
    app.state.store = store
    app.state.jobs = jobs
    app.add_middleware(_BodyLimit, limit=max_body)
    if allowed_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))

    # Store reads are cached briefly: a stored run never changes once written (runs are
    # saved atomically), so a record is kept for ``_CACHE_S``; the run list is dropped
    # whenever this app saves a run. Each DuckDB open costs tens of milliseconds.
    cache: dict[tuple[str, ...], tuple[float, Any]] = {}

    def locked(fn: Callable[[], T]) -> T:
        with store_lock:
            out = fn()
            cache.pop(("list",), None)  # a write may have happened
            return out

    def cached(key: tuple[str, ...], fn: Callable[[], T]) -> T:
        now = time.monotonic()
        hit = cache.get(key)
        if hit is not None and now - hit[0] < _CACHE_S:
            return cast(T, hit[1])
        with store_lock:
            hit = cache.get(key)
            if hit is not None and now - hit[0] < _CACHE_S:
                return cast(T, hit[1])
            value = fn()
            if len(cache) > 512:
                cache.clear()
            cache[key] = (time.monotonic(), value)
            return value

    def wants_html(request: Request) -> bool:
        return not request.url.path.startswith("/api/") and request.url.path not in (
            "/openapi.json",)

    def page(name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**ctx), status_code=status)

    def error_response(request: Request, status: int, message: str,
                       heading: str = "Something went wrong") -> Response:
        if wants_html(request):
            return page("error.html", status, heading=heading, message=message)
        return JSONResponse({"error": message}, status_code=status)

    @app.middleware("http")
    async def security_headers(request: Request,
                               call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", _CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    # -- errors in plain words ---------------------------------------------------------
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 422, _plain_validation(exc.errors()),
                              "The inputs are not valid")

    @app.exception_handler(TrunklineError)
    async def _trunkline(request: Request, exc: TrunklineError) -> Response:
        return error_response(request, 422, str(exc), "The inputs are not valid")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = str(exc.detail) if exc.status_code != 404 or exc.detail != "Not Found" \
            else "there is no such page"
        return error_response(request, exc.status_code, message,
                              "Not found" if exc.status_code == 404 else "Error")

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        return error_response(request, 500, "the server failed to answer this request "
                                            f"({type(exc).__name__}); the server log has the "
                                            "details")

    # -- helpers -----------------------------------------------------------------------
    def known_run(run_id: str) -> dict[str, Any]:
        if not _RUN_ID.match(run_id):
            raise StarletteHTTPException(404, f"no run with id {run_id!r}")
        try:
            return dict(cached(("show", run_id), lambda: store.show(run_id)))
        except TrunklineError:
            raise StarletteHTTPException(404, f"no run with id {run_id!r}") from None

    def run_list() -> list[dict[str, Any]]:
        def read() -> pd.DataFrame:
            return store.list()
        df = cached(("list",), read)
        out = []
        for r in df.to_dict(orient="records"):
            r["created"] = str(r.get("created", ""))[:19]
            r["finished"] = str(r.get("finished", ""))[:19]
            out.append(_jsonable(r))
        return out

    def submit(req: RunRequest) -> dict[str, Any]:
        case = prepare(req)

        def work(progress: Progress) -> str:
            return work_fn(case, store, progress, locked)

        try:
            job = jobs.submit(work, req.changed())
        except JobLimitError as exc:
            raise StarletteHTTPException(429, str(exc)) from None
        return job.as_dict()

    def report_data(run_id: str) -> ReportData:
        known_run(run_id)
        return locked(lambda: report_data_from_store(store, run_id))

    # -- static ------------------------------------------------------------------------
    @app.get("/static/app.css", include_in_schema=False)
    def app_css() -> Response:
        return Response(APP_CSS, media_type="text/css",
                        headers={"Cache-Control": "max-age=3600"})

    @app.get("/static/app.js", include_in_schema=False)
    def app_js() -> Response:
        return Response(APP_JS, media_type="text/javascript",
                        headers={"Cache-Control": "max-age=3600"})

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> Response:
        return FileResponse(plotly_js_path(), media_type="text/javascript",
                            headers={"Cache-Control": "max-age=86400"})

    # -- API ---------------------------------------------------------------------------
    @app.get("/api/scenarios", tags=["api"], summary="Built-in trunkline scenarios")
    def api_scenarios() -> list[dict[str, Any]]:
        return line_scenarios()

    @app.post("/api/runs", tags=["api"], status_code=202,
              summary="Start a run (returns a job to follow)",
              responses={413: {"description": "request too large"},
                         422: {"description": "invalid inputs (plain message)"},
                         429: {"description": "too many runs in progress"}})
    def api_start(req: RunRequest) -> dict[str, Any]:
        job = submit(req)
        job["status_url"] = f"/api/jobs/{job['id']}"
        return job

    @app.get("/api/runs", tags=["api"], summary="Runs in the results store, newest first")
    def api_runs() -> list[dict[str, Any]]:
        return run_list()

    @app.get("/api/runs/{run_id}", tags=["api"], summary="One stored run",
             responses={404: {"description": "no such run"}})
    def api_run(run_id: str) -> dict[str, Any]:
        rec = known_run(run_id)
        return dict(_jsonable(rec))

    @app.get("/api/runs/{run_id}/tables/{name}", tags=["api"],
             summary="One output table of a run (records)",
             responses={404: {"description": "no such run or table"}})
    def api_table(run_id: str, name: str) -> dict[str, Any]:
        rec = known_run(run_id)
        if name not in rec.get("tables", {}):
            raise StarletteHTTPException(404, f"run {run_id} has no table {name!r}; it has "
                                              f"{', '.join(rec.get('tables', {}))}")
        df = locked(lambda: store.table(run_id, name))
        return {"run_id": run_id, "name": name, "rows": len(df),
                "truncated": len(df) > _MAX_ROWS,
                "records": _jsonable(df.head(_MAX_ROWS).to_dict(orient="records"))}

    @app.get("/api/jobs/{job_id}", tags=["api"], summary="Status and progress of a job",
             responses={404: {"description": "no such job"}})
    def api_job(job_id: str) -> dict[str, Any]:
        snap = jobs.snapshot(job_id)
        if snap is None:
            raise StarletteHTTPException(404, f"no job with id {job_id!r} (jobs are kept "
                                              "while the server runs)")
        return snap

    @app.get("/api/jobs", tags=["api"], summary="Jobs of this server, newest first")
    def api_jobs() -> list[dict[str, Any]]:
        return jobs.list()

    @app.get("/api/compare", tags=["api"], summary="Summaries of runs side by side")
    def api_compare(ids: list[str] = Query(..., min_length=2,  # noqa: B008
                                           max_length=_MAX_COMPARE)) -> dict[str, Any]:
        recs = {rid: known_run(rid) for rid in dict.fromkeys(ids)}
        keys: list[str] = []
        for rec in recs.values():
            keys += [k for k in rec.get("summary", {}) if k not in keys]
        return {"ids": list(recs),
                "summary": {k: [_jsonable(r.get("summary", {}).get(k)) for r in recs.values()]
                            for k in keys}}

    @app.get("/api/health", tags=["api"], summary="Liveness and job load")
    def api_health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "jobs_active": jobs.active(),
                "max_jobs": max_jobs}

    # -- pages -------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> HTMLResponse:
        return page("scenarios.html", scenarios=line_scenarios(), runs=run_list()[:5])

    @app.get("/run", response_class=HTMLResponse, include_in_schema=False)
    def run_form(scenario: str = "power_of_siberia_2") -> HTMLResponse:
        return page("form.html", scenarios=line_scenarios(), error=None,
                    values={"scenario": scenario})

    @app.post("/run", include_in_schema=False)
    async def run_submit(request: Request) -> Response:
        form = await request.form()
        values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
        data: dict[str, Any] = {}
        for key in ("scenario", "throughput", "maop", "price", "price_case"):
            if values.get(key, "").strip():
                data[key] = values[key]
        for key in ("stations", "month"):
            if values.get(key, "").strip():
                data[key] = values[key]
        if values.get("plan"):
            data["plan"] = True
        rate = values.get("discount_rate_percent", "").strip()
        error: str | None = None
        try:
            if rate:
                try:
                    data["discount_rate"] = float(rate) / 100.0
                except ValueError:
                    raise ValueError(f"discount rate: {rate!r} is not a number of "
                                     "percent, e.g. 10") from None
            req = RunRequest.model_validate(data)
            job = submit(req)
        except ValidationError as exc:
            error = _plain_validation(exc.errors())
        except (TrunklineError, ValueError) as exc:
            error = str(exc)
        except StarletteHTTPException as exc:  # 429: too many runs
            return page("form.html", exc.status_code, scenarios=line_scenarios(),
                        error=str(exc.detail), values=values)
        if error is not None:
            return page("form.html", 422, scenarios=line_scenarios(), error=error,
                        values=values)
        return RedirectResponse(f"/jobs/{job['id']}", status_code=303)

    @app.get("/jobs/{job_id}", response_class=HTMLResponse, include_in_schema=False)
    def job_page(job_id: str) -> HTMLResponse:
        snap = jobs.snapshot(job_id)
        if snap is None:
            raise StarletteHTTPException(404, f"no job with id {job_id!r}")
        return page("job.html", job=snap)

    @app.get("/runs", response_class=HTMLResponse, include_in_schema=False)
    def runs_page() -> HTMLResponse:
        runs = run_list()
        for r in runs:
            rec = known_run(str(r["id"]))
            r["inputs"] = ", ".join(f"{k}={v}" for k, v in rec.get("inputs", {}).items()
                                    if v not in (None, False))
        return page("runs.html", runs=runs)

    @app.get("/runs/{run_id}", response_class=HTMLResponse, include_in_schema=False)
    def run_page(run_id: str) -> HTMLResponse:
        data = report_data(run_id)
        nav = (NAV + '<div style="max-width:1100px;margin:8px auto;padding:0 18px">'
               f'<a class="button" href="/runs/{run_id}/report.html">Download the HTML '
               f'report</a> <a href="/api/runs/{run_id}">JSON</a></div>')
        return HTMLResponse(render_html(data, plotly_url="/static/plotly.min.js",
                                        script_url="/static/app.js",
                                        head='<link rel="stylesheet" href="/static/app.css">',
                                        nav=nav))

    @app.get("/runs/{run_id}/report.html", include_in_schema=False)
    def report_file(run_id: str) -> Response:
        data = report_data(run_id)
        return HTMLResponse(render_html(data), headers={
            "Content-Disposition": f'attachment; filename="trunkline-{run_id}.html"',
            "Content-Security-Policy": _REPORT_CSP})

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    def compare_page(ids: list[str] = Query(default=[])) -> HTMLResponse:  # noqa: B008
        unique = list(dict.fromkeys(ids))
        if len(unique) < 2 or len(unique) > _MAX_COMPARE:
            raise StarletteHTTPException(
                422, f"tick between 2 and {_MAX_COMPARE} runs to compare "
                     f"({len(unique)} given)")
        recs = {rid: known_run(rid) for rid in unique}
        labels: list[str] = []
        values: dict[str, dict[str, str]] = {}
        for rid, rec in recs.items():
            values[rid] = {}
            for label, value in headline_rows(rec.get("summary", {})):
                if label not in labels:
                    labels.append(label)
                values[rid][label] = value
            for k, v in rec.get("inputs", {}).items():
                key = f"input: {k}"
                if key not in labels:
                    labels.insert(0, key)
                values[rid][key] = str(v)
        rows = [(lab, [values[rid].get(lab, "—") for rid in unique]) for lab in labels]
        traces = []
        for rid, rec in recs.items():
            if "profile" in rec.get("tables", {}):
                prof = locked(functools.partial(store.table, rid, "profile"))
                traces.append({"x": [round(float(v) / 1e3, 3) for v in prof["chainage"]],
                               "y": [round(float(v) / 1e6, 5) for v in prof["pressure"]],
                               "type": "scatter", "mode": "lines", "name": rid})
        figure = None
        if traces:
            spec = {"data": traces, "layout": {
                "height": 420, "margin": {"l": 60, "r": 20, "t": 20, "b": 50},
                "xaxis": {"title": {"text": "chainage [km]"}},
                "yaxis": {"title": {"text": "pressure [MPa]"}},
                "legend": {"orientation": "h", "y": -0.2}}}
            figure = json.dumps(spec, allow_nan=False).replace("</", "<\\/")
        return page("compare.html", ids=unique, rows=rows, figure=figure)

    return app
