"""The FastAPI application behind ``siting serve``: pages, the run queue and read-only run files.

Every page is a jinja2 template with autoescaping on (no ``|safe`` on anything read from a file or
typed by a user); CSS and JavaScript are served from this package (no CDN). Requests must name this
server as their Host (a DNS-rebinding page cannot read it) and every POST carries the server's
random form token (another site cannot submit runs through the user's browser). Run files are served
with a sandboxing Content-Security-Policy: a report's scripts run, but in an origin of their own and
with no network.
"""

from __future__ import annotations

import secrets
import socket
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable
from urllib.parse import quote

import jinja2
import uvicorn
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from model.app import forms
from model.app.jobs import Job, RunQueue, cli_command, tail_text
from model.app.library import (
    HEADLINE, LABELS, RunFolder, RunKind, by_year_series, compare_rows, fmt_cell, fmt_value, flatten, list_runs, list_scenarios,
    open_run, raw_scenario, read_sites, run_files, unit_key,
)
from model.app.safety import PathRefused, ScenarioStore, check_host, host_of, is_loopback, relative_name, resolve_under
from model.config import Scenario, load_scenario
from model.core.errors import SitingError
from model.results.outputs import MARKER, check_name, check_output_dir, previous_files

HERE = Path(__file__).resolve().parent
DEFAULT_PORT = 8765
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
# Run files (report.html, map.html) run their inlined scripts in a sandbox of their own origin and may
# fetch nothing: the report cannot reach the app, and a map cannot reach the network.
FILE_CSP = (
    "sandbox allow-scripts allow-popups allow-downloads; default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; frame-src data: blob: about:; frame-ancestors 'self'"
)
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8", ".png": "image/png", ".svg": "image/svg+xml", ".csv": "text/plain; charset=utf-8",
    ".json": "application/json", ".log": "text/plain; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".toml": "text/plain; charset=utf-8", ".md": "text/plain; charset=utf-8",
}
DOWNLOAD_TYPES = {
    ".gpkg": "application/geopackage+sqlite3", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".parquet": "application/vnd.apache.parquet",
}
LOG_LINES = 25


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every template, whatever its name: values are escaped unless marked safe (never)
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = fmt_value
    env.filters["cell"] = fmt_cell
    env.filters["when"] = lambda d: "–" if d is None else d.strftime("%Y-%m-%d %H:%M:%S")
    env.globals.update(labels=LABELS, unit_key=unit_key)
    return env


def _out_message(text: str) -> str:
    """outputs' messages speak of --out and --force (CLI flags); the form's field is the name."""
    text = text.removeprefix("--out: ").split(" (or --force")[0]
    return text.replace("choose another --out", "choose another name")


def objective_unit(scenario: Scenario) -> str:
    """The unit of HiGHS' objective in a run of this scenario (its progress shows it)."""
    if scenario.pathway is not None:
        return "USD" if scenario.pathway.objective in ("max_npv", "min_cost") else ""
    return "USD" if scenario.objective.sense == "min_cost" else "PFLOPS"


class SitingApp:
    """The served folder, its scenario store, the run queue and the pages over them."""

    def __init__(self, root: Path, queue: RunQueue, token: str) -> None:
        self.root = root.resolve()
        self.queue = queue
        self.token = token
        self.store = ScenarioStore(self.root)
        self.env = _templates()

    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        active = [j for j in self.queue.jobs() if j.active]
        html = self.env.get_template(name).render(
            request=request, root=str(self.root), token=self.token, active_jobs=active, **context
        )
        return HTMLResponse(html, status_code=status)

    # --- scenarios and the form ------------------------------------------------------------------

    def gpu_choices(self, raw: dict[str, Any]) -> tuple[str, ...]:
        """The GPU catalog's types (data/gpu_catalog.csv), plus any the starting scenario names."""
        from model.inputs.datasets import load_gpu_catalog

        try:
            catalog = list(load_gpu_catalog().index)
        except (SitingError, OSError):
            catalog = []
        named = raw.get("gpus", {}).get("types", []) if isinstance(raw.get("gpus"), dict) else []
        return tuple(dict.fromkeys([*catalog, *(str(t) for t in named if isinstance(t, str))]))

    def base_file(self, rel: str) -> Path:
        path = resolve_under(self.root, rel, "scenario")
        if not path.is_file() or path.suffix != ".toml":
            raise PathRefused("scenario: not a .toml file below the served folder")
        return path

    def form_context(self, base_rel: str, raw: dict[str, Any], values: dict[str, Any] | None,
                     errors: dict[str, list[str]], replace: bool = False) -> dict[str, Any]:
        specs = forms.field_specs(self.gpu_choices(raw))
        return {
            "base": base_rel, "specs": specs, "groups": forms.GROUPS, "values": values or forms.form_values(raw, specs),
            "errors": errors, "other": forms.other_settings(raw, specs), "replace": replace, "top": forms.TOP, "policies_key": forms.POLICIES,
        }

    def submit(self, base_rel: str, data: dict[str, Any], replace: bool) -> tuple[Job | None, dict[str, Any]]:
        """Validate a submitted form and queue its run, or return the form again with its errors."""
        try:
            base = self.base_file(base_rel)
            base_raw = raw_scenario(base)
        except SitingError as err:
            return None, {"base": base_rel, "errors": {forms.TOP: [forms.clean_message(str(err))]}, "raw": {}, "values": None}
        specs = forms.field_specs(self.gpu_choices(base_raw))
        result = forms.apply_form(base_raw, data, specs)
        forms.rebase_paths(result.raw, base.parent, self.store.folder)
        scenario = forms.validate(result, specs)
        failed = {"base": base_rel, "errors": result.errors, "raw": base_raw, "values": result.values}
        if scenario is None:
            return None, failed
        kind: RunKind = "run"  # what `siting run` writes, one-year or over several years
        with self.queue.lock:  # two tabs: check, write and queue as one step
            out_dir = self.root / scenario.name
            try:
                check_name(scenario.name, "name")
                check_output_dir(out_dir, kind)  # the CLI's own rule, before anything is written
            except SitingError as err:
                result.add("name", _out_message(str(err)))
                return None, failed
            if out_dir.is_dir() and previous_files(out_dir, kind) and not replace:
                result.add("name", f"a run named '{scenario.name}' is in the library; tick 'replace it' or choose another name")
            busy = self.queue.active_for(out_dir)
            if busy is not None:
                result.add("name", f"a run named '{scenario.name}' is {busy.state} (job {busy.id}); wait for it or choose another name")
            try:
                self.store.check(scenario.name)
            except SitingError as err:
                result.add(forms.TOP, str(err))
            if result.errors:
                return None, failed
            try:
                path = self.store.write(scenario.name, forms.scenario_toml(result.raw, base_rel))
                load_scenario(path)  # the file reads back through the CLI's loader exactly
                job = self.queue.add_locked(scenario.name, path, out_dir, objective_unit(scenario))
            except SitingError as err:
                result.add(forms.TOP, str(err))
                return None, failed
        return job, {}

    # --- runs ------------------------------------------------------------------------------------

    def run_folder(self, rel: str) -> RunFolder:
        run = open_run(self.root, resolve_under(self.root, rel, "run"))
        if run is None:
            raise PathRefused("run: not a run folder")
        return run

    def run_file(self, rel: str) -> tuple[Path, str]:
        """A file the tool wrote in a run folder below the served folder (the marker lists it)."""
        path = resolve_under(self.root, rel, "file")
        if not path.is_file():
            raise PathRefused("file: not a file")
        folder = path.parent
        while folder.is_relative_to(self.root):
            found = run_files(folder)
            if found is not None:
                listed = found[1]
                name = path.relative_to(folder).as_posix()
                if name in listed and name != MARKER:
                    return path, name
                break
            if folder == self.root:
                break
            folder = folder.parent
        raise PathRefused("file: not a file siting wrote in a run folder")

    def job_json(self, job: Job) -> dict[str, Any]:
        progress = job.progress()
        unit = job.objective_unit
        log = tail_text(job.log if job.active else job.out_dir / "solver.log", 8 << 10).splitlines()[-LOG_LINES:]
        result = None
        if not job.active and open_run(self.root, job.out_dir) is not None:
            result = "/run/" + quote(relative_name(self.root, job.out_dir))
        return {
            "id": job.id, "name": job.name, "state": job.state, "active": job.active, "phase": progress.phase,
            "incumbent": fmt_value(progress.incumbent, unit=unit), "dual_bound": fmt_value(progress.dual_bound, unit=unit),
            "mip_gap": "–" if progress.mip_gap is None else f"{progress.mip_gap:.2%}",
            "nodes": "–" if progress.nodes is None else f"{progress.nodes:,}",
            "solver_s": "–" if progress.solver_s is None else f"{progress.solver_s:,.1f} s",
            "log": "\n".join(log), "result": result, "returncode": job.returncode,
        }


def _security(allowed_hosts: set[str] | None) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    async def middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if allowed_hosts is not None and host_of(request.headers.get("host", "")) not in allowed_hosts:
            return Response("unknown host", status_code=400, media_type="text/plain")
        origin = request.headers.get("origin")
        if request.method == "POST" and origin and origin != "null" and allowed_hosts is not None:
            if host_of(origin.split("://", 1)[-1]) not in allowed_hosts:
                return Response("cross-origin request refused", status_code=403, media_type="text/plain")
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        return response

    return middleware


def create_app(
    folder: Path,
    host: str = "127.0.0.1",
    allow_remote: bool = False,
    command: Callable[[Path, Path], list[str]] = cli_command,
) -> FastAPI:
    """The web app over ``folder``. ``command`` builds the subprocess of a job (the CLI's ``run``)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SitingError(f"FOLDER: {folder} is not a folder (give the folder that holds your scenario files)")
    queue = RunQueue(command)
    site = SitingApp(folder, queue, secrets.token_urlsafe(24))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        queue.start()
        try:
            yield
        finally:
            await run_in_threadpool(queue.stop)

    app = FastAPI(title="dc-siting", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.site = site
    # Loopback: only the names of this machine. Remote (--allow-remote): the user chose to trust the network.
    allowed = None if (allow_remote and not is_loopback(host)) else {"127.0.0.1", "localhost", "::1", host.strip("[]").lower()}
    app.middleware("http")(_security(allowed))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    def refused(err: SitingError) -> HTTPException:
        return HTTPException(status_code=404, detail=forms.clean_message(str(err)))

    def check_token(token: object) -> None:
        if not isinstance(token, str) or not secrets.compare_digest(token, site.token):
            raise HTTPException(status_code=403, detail="the form is stale or came from another site; reload the page")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        return site.page(request, "error.html", status=exc.status_code, message=str(exc.detail))

    @app.get("/", response_class=HTMLResponse)
    def library(request: Request) -> HTMLResponse:
        return site.page(request, "library.html", runs=list_runs(site.root), headline=HEADLINE)

    @app.get("/scenarios", response_class=HTMLResponse)
    def scenarios(request: Request) -> HTMLResponse:
        return site.page(request, "scenarios.html", scenarios=list_scenarios(site.root))

    @app.get("/new", response_class=HTMLResponse)
    def new(request: Request, base: str = "") -> HTMLResponse:
        if not base:
            return site.page(request, "scenarios.html", scenarios=list_scenarios(site.root))
        try:
            raw = raw_scenario(site.base_file(base))
        except SitingError as err:
            raise refused(err) from None
        return site.page(request, "form.html", **site.form_context(base, raw, None, {}))

    @app.post("/new", response_class=HTMLResponse)
    async def submit(request: Request) -> Response:
        form = await request.form()
        check_token(form.get("token"))
        specs = forms.field_specs()
        data: dict[str, Any] = {
            s.path: [str(v) for v in form.getlist(s.path)] if s.kind == "choices" else form.get(s.path) for s in specs
        }
        data[forms.POLICIES] = form.get(forms.POLICIES)
        base = str(form.get("base") or "")
        replace = form.get("replace") == "on"
        job, failed = await run_in_threadpool(site.submit, base, data, replace)
        if job is not None:
            return RedirectResponse(f"/jobs/{job.id}", status_code=303)
        context = site.form_context(failed["base"], failed["raw"], failed["values"], failed["errors"], replace)
        return site.page(request, "form.html", status=422, **context)

    @app.get("/queue", response_class=HTMLResponse)
    def queue_page(request: Request) -> HTMLResponse:
        return site.page(request, "queue.html", jobs=[(j, site.job_json(j)) for j in queue.jobs()])

    def job_or_404(job_id: int) -> Job:
        job = queue.get(job_id)
        if job is None:
            raise HTTPException(status_code=404, detail=f"no job {job_id}")
        return job

    @app.get("/jobs/{job_id}", response_class=HTMLResponse)
    def job_page(request: Request, job_id: int) -> HTMLResponse:
        job = job_or_404(job_id)
        return site.page(request, "job.html", job=job, info=site.job_json(job), scenario=relative_name(site.root, job.scenario))

    @app.get("/api/jobs/{job_id}")
    def job_api(job_id: int) -> JSONResponse:
        return JSONResponse(site.job_json(job_or_404(job_id)))

    @app.post("/jobs/{job_id}/cancel")
    async def cancel(request: Request, job_id: int) -> RedirectResponse:
        form = await request.form()
        check_token(form.get("token"))
        job_or_404(job_id)
        queue.cancel(job_id)
        return RedirectResponse(f"/jobs/{job_id}", status_code=303)

    @app.get("/run/{rel:path}", response_class=HTMLResponse)
    def run_page(request: Request, rel: str) -> HTMLResponse:
        try:
            run = site.run_folder(rel)
        except SitingError as err:
            raise refused(err) from None
        columns, rows = read_sites(run)
        flat = flatten(run.summary)
        tables = {k: v for k, v in run.summary.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)}
        return site.page(
            request, "run.html", run=run, headline=HEADLINE, columns=columns, rows=rows,
            others={k: v for k, v in flat.items() if k not in HEADLINE}, series=by_year_series(run.summary),
            tables={k: (sorted({c for x in v[:20] for c in x})[:12], v[:20]) for k, v in tables.items()},
        )

    @app.get("/files/{rel:path}")
    def files(rel: str) -> Response:
        try:
            path, name = site.run_file(rel)
        except SitingError as err:
            raise refused(err) from None
        suffix = path.suffix.lower()
        headers = {"Content-Security-Policy": FILE_CSP, "Cache-Control": "no-cache"}
        if suffix in MEDIA_TYPES:
            return FileResponse(path, media_type=MEDIA_TYPES[suffix], headers=headers)
        return FileResponse(path, media_type=DOWNLOAD_TYPES.get(suffix, "application/octet-stream"), headers=headers,
                            filename=Path(name).name, content_disposition_type="attachment")

    @app.get("/compare", response_class=HTMLResponse)
    def compare(request: Request) -> HTMLResponse:
        rels = list(dict.fromkeys(request.query_params.getlist("run")))
        if len(rels) < 2:
            raise HTTPException(status_code=400, detail="tick two or more runs in the library to compare them")
        try:
            runs = [site.run_folder(rel) for rel in rels[:12]]
        except SitingError as err:
            raise refused(err) from None
        headline, series, others = compare_rows(runs)
        return site.page(request, "compare.html", runs=runs, headline=headline, series=series, others=others)

    return app


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError:
            return False
    return True


def prepare_server(folder: Path, host: str = "127.0.0.1", port: int = DEFAULT_PORT, allow_remote: bool = False) -> tuple[uvicorn.Server, str | None]:
    """The server for ``siting serve``, checked before it starts, and a warning to print (or None).

    Loopback unless ``allow_remote``: a non-loopback ``host`` without it is a one-line error.
    """
    check_host(host, allow_remote)
    if not 0 < port < 65536:
        raise SitingError(f"--port: must be between 1 and 65535, got {port}")
    app = create_app(folder, host, allow_remote)
    try:
        free = _port_free(host, port)
    except (OSError, UnicodeError) as err:
        raise SitingError(f"--host: cannot listen on {host}: {err}") from None
    if not free:
        raise SitingError(f"--port: {host}:{port} is in use (another siting serve?); choose another --port")
    warning = None
    if not is_loopback(host):
        warning = (f"serving on {host}, not only this machine: anyone who can reach port {port} can run solves "
                   "and read every run folder under the served folder (there is no login)")
    config = uvicorn.Config(app, host=host.strip("[]"), port=port, log_level="warning", access_log=False)
    return uvicorn.Server(config), warning

