"""The web app (``siting serve``, model/app/) through FastAPI's TestClient: the form is the scenario schema
and reports each validation error on its field, paths from the browser stay below the served folder,
everything rendered is escaped, the server listens on loopback unless told otherwise, output folders
follow the CLI's rules, and two submissions at once never share or interleave a run. The slow tests run
real solves through the queue (a Wyoming scenario of a few seconds; a national one, cancelled)."""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from model.app import create_app
from model.app.forms import FIELDS, field_specs
from model.app.jobs import read_progress
from model.app.safety import PathRefused, resolve_under
from model.cli import app as cli_app
from model.config import MAX_THREADS, ScenarioError, load_scenario
from model.results.outputs import MARKER, mark_complete
from tests.conftest import REPO

# A scenario of a few seconds: 23 Wyoming counties, $2bn, one thread (model solved in 2.6 s on 2 loaded cores).
WY_TOML = """\
name = "wy"
description = "Wyoming, $2bn"
[candidates]
states = ["WY"]
[gpus]
types = ["H100_SXM", "H200", "B200", "GB200_NVL72", "MI300X"]
[objective]
sense = "max_compute"
[budget]
equity_usd = 2e9
[solver]
time_limit_s = 120
mip_gap = 0.01
threads = 1
"""
XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
BASE_URL = "http://127.0.0.1"


def fake_run(root: Path, rel: str, summary: dict[str, Any], sites: list[dict[str, Any]] | None = None) -> Path:
    """A run folder as the tool writes one (summary.json, sites.csv, its marker), without solving."""
    folder = root / rel
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text(json.dumps(summary))
    if sites:
        with (folder / "sites.csv").open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(sites[0]))
            writer.writeheader()
            writer.writerows(sites)
    mark_complete(folder, "run")
    return folder


@pytest.fixture
def served(tmp_path: Path) -> Path:
    root = tmp_path / "served"
    root.mkdir()
    shutil.copy(REPO / "runs" / "base.toml", root / "base.toml")
    (root / "wy.toml").write_text(WY_TOML)
    return root


def sleeper(_scenario: Path, _out: Path) -> list[str]:
    # A stand-in for `siting run` where a test checks the queue, not the model: it runs a moment, writes nothing.
    return [sys.executable, "-c", "import time; time.sleep(0.3)"]


@pytest.fixture
def client(served: Path) -> Iterator[TestClient]:
    app = create_app(served, command=sleeper)
    with TestClient(app, base_url=BASE_URL) as c:
        yield c


def token(c: TestClient) -> str:
    found = re.search(r'name="token" value="([^"]+)"', c.get("/new?base=wy.toml").text)
    assert found
    return found.group(1)


def wy_form(c: TestClient, **changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "token": token(c), "base": "wy.toml", "name": "wy-app", "description": "from the test",
        "objective.sense": "max_compute", "budget.equity_usd": "2e9", "budget.debt_usd": "0",
        "candidates.states": ["WY"], "gpus.types": ["H100_SXM", "H200", "B200", "GB200_NVL72", "MI300X"],
        "solver.time_limit_s": "120", "solver.mip_gap": "0.01", "solver.threads": "1", "policies": "",
    }
    form.update(changes)
    return form


def errors(text: str) -> dict[str, str]:
    """Error lists of the form page by element id (err-f-<field> for fields, err-top for the rest)."""
    return {m.group(1): html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(2))).strip())
            for m in re.finditer(r'<ul class="errors" id="([^"]+)">(.*?)</ul>', text, re.S)}


def wait_done(c: TestClient, job_id: int, timeout_s: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        info = c.get(f"/api/jobs/{job_id}").json()
        if not info["active"]:
            return info
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} still active after {timeout_s} s")


# --- the form ------------------------------------------------------------------------------------

def test_form_fields_come_from_the_schema(client: TestClient) -> None:
    page = client.get("/new?base=wy.toml")
    assert page.status_code == 200
    html = page.text
    for path, _, _ in FIELDS:
        assert f'name="{path}"' in html, path
    # choices of a Literal field are the schema's enum; bounds are the schema's
    sense = re.search(r'<select id="f-objective-sense".*?</select>', html, re.S)
    assert sense and re.findall(r'<option value="([^"]+)"', sense.group(0)) == ["max_compute", "min_cost"]
    assert f"≥ 1, ≤ {MAX_THREADS}" in html  # solver.threads: ge=1, le=MAX_THREADS in model/config.py
    assert "≥ 0, &lt; 1" in html  # solver.mip_gap: ge=0, lt=1
    # the starting file's values fill the form
    assert re.search(r'name="budget.equity_usd" value="2e\+09"', html)
    assert re.search(r'<input type="checkbox" name="candidates.states" value="WY" checked>', html)
    assert not re.search(r'value="CA" checked', html)
    specs = {s.path: s for s in field_specs()}
    assert specs["solver.threads"].kind == "int" and specs["budget.include_opex"].kind == "bool"
    assert specs["gpus.types"].default == ["H100_SXM", "H200", "B200", "GB200_NVL72", "MI300X"]  # default_factory


def test_a_scenario_without_budget_shows_an_empty_budget(client: TestClient) -> None:
    # runs/base.toml has no [budget]: its fields are empty (not the schema's debt default of 0)
    html = client.get("/new?base=base.toml").text
    assert 'name="budget.debt_usd" value=""' in html and 'name="budget.equity_usd" value=""' in html


def test_validation_errors_are_shown_per_field(client: TestClient, served: Path) -> None:
    policies = '[[policies]]\ntype = "exclude"\nstates = ["CA"]\n\n[[policies]]\ntype = "no_such_rule"\n'
    form = wy_form(client, name="bad name!", **{
        "budget.equity_usd": "-5", "budget.debt_usd": "lots", "solver.mip_gap": "2", "solver.threads": "1.5",
        "gpus.types": [], "policies": policies,
    })
    page = client.post("/new", data=form)
    assert page.status_code == 422
    found = errors(page.text)
    assert found["err-f-name"] == "String should match pattern '^[A-Za-z0-9][A-Za-z0-9_.-]*$'"
    assert found["err-f-budget-equity_usd"] == "Input should be greater than 0"
    assert found["err-f-budget-debt_usd"] == "not a number: 'lots'"
    assert found["err-f-solver-mip_gap"] == "Input should be less than 1"
    assert found["err-f-solver-threads"] == "Input should be a valid integer, got a number with a fractional part"
    assert found["err-f-gpus-types"].startswith("List should have at least 1 item")
    assert found["err-f-policies"].startswith("policies.1: Input tag 'no_such_rule' found using 'type'")
    assert "err-f-candidates-states" not in found and "err-f-solver-time_limit_s" not in found
    # what the user typed comes back, and nothing was written or queued
    assert 'value="bad name!"' in page.text and "lots" in page.text
    assert not (served / "app-scenarios").exists()
    assert "Nothing queued" in client.get("/queue").text


def test_form_errors_match_the_cli_loader(client: TestClient, tmp_path: Path) -> None:
    # One wrong value: the form's message on its field is the CLI's one-line message for the same file.
    page = client.post("/new", data=wy_form(client, **{"solver.mip_gap": "1.5"}))
    assert errors(page.text) == {"err-f-solver-mip_gap": "Input should be less than 1"}
    bad = tmp_path / "bad.toml"
    bad.write_text(WY_TOML.replace("mip_gap = 0.01", "mip_gap = 1.5"))
    with pytest.raises(ScenarioError, match=r"bad.toml: solver.mip_gap: Input should be less than 1$"):
        load_scenario(bad)


def test_malformed_policies_and_scenario_level_rules(client: TestClient) -> None:
    page = client.post("/new", data=wy_form(client, policies="[[policies]\ntype = 'exclude'"))
    assert errors(page.text)["err-f-policies"].startswith("malformed TOML")
    page = client.post("/new", data=wy_form(client, policies="name = 'x'\n"))
    assert errors(page.text)["err-f-policies"] == "only [[policies]] tables belong here, not 'name'"
    # max_compute with no money: the scenario-level rule of model/config.py, shown at the top
    page = client.post("/new", data=wy_form(client, **{"budget.equity_usd": "", "budget.debt_usd": ""}))
    assert errors(page.text)["err-top"] == "objective max_compute needs a [budget] with equity_usd"
    # min_cost without a target: ObjectiveConfig's rule, shown on the objective group
    page = client.post("/new", data=wy_form(client, **{"objective.sense": "min_cost"}))
    assert "min_cost needs one of target_pflops, target_gpus, target_it_mw" in errors(page.text)["err-group-objective"]


def test_a_valid_form_writes_its_scenario_into_the_apps_folder(client: TestClient, served: Path) -> None:
    form = wy_form(client, name="wy-3bn", **{"budget.equity_usd": "3,000,000,000", "policies": '[[policies]]\ntype = "exclude"\ncounties = ["56021"]\n'})
    page = client.post("/new", data=form, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/jobs/1"
    written = served / "app-scenarios" / "wy-3bn.toml"
    sc = load_scenario(written)  # the CLI's loader reads it back
    assert sc.name == "wy-3bn" and sc.budget is not None and sc.budget.equity_usd == 3e9
    assert sc.candidates.states == ["WY"] and sc.solver.threads == 1 and sc.description == "from the test"
    assert [p.type for p in sc.policies] == ["exclude"] and sc.policies[0].counties == ["56021"]  # type: ignore[attr-defined]
    marker = json.loads((served / "app-scenarios" / MARKER).read_text())
    assert marker["kind"] == "app-scenarios" and marker["files"] == ["wy-3bn.toml"]
    info = wait_done(client, 1)
    assert info["state"] == "done" and info["returncode"] == 0


# --- paths ---------------------------------------------------------------------------------------

def test_resolve_under_refuses_everything_outside(served: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.toml"
    outside.write_text(WY_TOML)
    (served / "link.toml").symlink_to(outside)
    (served / "linkdir").symlink_to(tmp_path)
    (served / "sub").mkdir()
    (served / "sub" / "inner.toml").write_text(WY_TOML)
    (served / "inlink.toml").symlink_to(served / "wy.toml")  # a link that stays inside is fine
    assert resolve_under(served, "sub/inner.toml") == (served / "sub" / "inner.toml").resolve()
    assert resolve_under(served, "inlink.toml") == (served / "wy.toml").resolve()
    for rel in ["../secret.toml", "sub/../../secret.toml", "/etc/passwd", str(outside), "link.toml",
                "linkdir/secret.toml", "sub/./inner.toml", "sub//inner.toml", "..", ".", "", "sub\\inner.toml",
                "wy.toml\0", "C:/x.toml", "missing.toml"]:
        with pytest.raises(PathRefused):
            resolve_under(served, rel)


def test_scenario_paths_from_the_browser_stay_in_the_served_folder(client: TestClient, served: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.toml"
    outside.write_text(WY_TOML.replace('name = "wy"', 'name = "secret"'))
    (served / "link.toml").symlink_to(outside)
    for base in ["../secret.toml", "/etc/passwd", str(outside), "link.toml", "..%2Fsecret.toml", "wy.toml/..", "data.txt"]:
        page = client.get("/new", params={"base": base})
        assert page.status_code == 404, base
        posted = client.post("/new", data=wy_form(client, base=base, name="from-outside"))
        assert posted.status_code == 422, base
        assert "err-top" in errors(posted.text)
    assert not (served / "app-scenarios").exists() and not (served / "from-outside").exists()
    # the scenario list shows the files below the folder, and not the link that leads out
    listed = client.get("/scenarios").text
    assert "wy.toml" in listed and "base.toml" in listed and "link.toml" not in listed


def test_run_files_are_served_only_from_run_folders(client: TestClient, served: Path, tmp_path: Path) -> None:
    run = fake_run(served, "r1", {"scenario": "r1", "status": "optimal", "compute_pflops": 10.0})
    (run / "notes.txt").write_text("the user's own file")  # in the run folder, not written by siting
    elsewhere = fake_run(tmp_path, "outside-run", {"scenario": "outside", "status": "optimal"})
    (served / "outlink").symlink_to(elsewhere)
    (served / "plain.txt").write_text("not a run file")
    assert client.get("/files/r1/summary.json").json()["compute_pflops"] == 10.0
    for url in ["/files/r1/notes.txt", f"/files/r1/{MARKER}", "/files/outlink/summary.json", "/files/plain.txt",
                "/files/wy.toml", "/files/r1/..%2F..%2Fsecret", "/files/%2E%2E/outside-run/summary.json",
                "/files//etc/passwd", "/run/outlink", "/run/r1%2F..%2F..", "/compare?run=r1&run=outlink"]:
        assert client.get(url).status_code == 404, url
    # and what is served cannot script the app: its own sandbox, no network
    report = client.get("/files/r1/summary.json")
    assert report.headers["content-security-policy"].startswith("sandbox allow-scripts")
    assert "default-src 'none'" in report.headers["content-security-policy"]


# --- escaping ------------------------------------------------------------------------------------

def test_every_value_is_escaped(client: TestClient, served: Path) -> None:
    fake_run(
        served, "r-xss",
        {"scenario": XSS, "status": XSS, "compute_pflops": 1.0, "objective_unit": XSS, XSS: XSS, "by": {XSS: XSS}},
        sites=[{"county_name": XSS, "state": "<b>WY</b>", "compute_pflops": 1.0}],
    )
    fake_run(served, "r-plain", {"scenario": "plain", "status": "optimal", "compute_pflops": 2.0})
    (served / "<img src=x onerror=alert(1)>.toml").write_text(WY_TOML)
    pages = {
        "library": client.get("/"),
        "scenarios": client.get("/scenarios"),
        "run": client.get("/run/r-xss"),
        "compare": client.get("/compare", params=[("run", "r-xss"), ("run", "r-plain")]),
        "form": client.post("/new", data=wy_form(client, name=XSS, description=XSS, policies=f"# {XSS}\n[[policies]]\ntype = '{XSS}'\n")),
        "missing": client.get("/new", params={"base": f"{XSS}.toml"}),
    }
    for what, page in pages.items():
        assert XSS not in page.text, what
        assert "<img src=x" not in page.text and "<b>WY</b>" not in page.text, what
    assert ESCAPED in pages["library"].text and ESCAPED in pages["run"].text and ESCAPED in pages["compare"].text
    assert "&lt;img src=x onerror=alert(1)&gt;.toml" in pages["scenarios"].text
    assert f'value="{ESCAPED}"' in pages["form"].text
    # the templates escape on their own: nothing is ever marked safe
    templates = (REPO / "model" / "app" / "templates").glob("*.html")
    assert not any("|safe" in t.read_text() or "autoescape false" in t.read_text() for t in templates)


# --- the server ----------------------------------------------------------------------------------

class _Captured:
    host: str | None = None
    port: int | None = None


@pytest.fixture
def no_serving(monkeypatch: pytest.MonkeyPatch) -> type[_Captured]:
    import uvicorn

    def run(self: uvicorn.Server) -> None:  # record what would be served instead of serving
        _Captured.host, _Captured.port = self.config.host, self.config.port

    _Captured.host = _Captured.port = None
    monkeypatch.setattr(uvicorn.Server, "run", run)
    return _Captured


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_binds_to_loopback_by_default(served: Path, no_serving: type[_Captured]) -> None:
    runner = CliRunner()
    port = _free_port()
    result = runner.invoke(cli_app, ["serve", str(served), "--port", str(port)])
    assert result.exit_code == 0, result.output
    assert no_serving.host == "127.0.0.1" and no_serving.port == port
    refused = runner.invoke(cli_app, ["serve", str(served), "--host", "0.0.0.0", "--port", str(_free_port())])
    assert refused.exit_code == 2 and "--allow-remote" in refused.output and no_serving.port == port
    allowed = runner.invoke(cli_app, ["serve", str(served), "--host", "0.0.0.0", "--port", str(_free_port()), "--allow-remote"])
    assert allowed.exit_code == 0 and "warning" in allowed.output and "no login" in allowed.output
    assert no_serving.host == "0.0.0.0"
    missing = runner.invoke(cli_app, ["serve", str(served / "nope"), "--port", str(_free_port())])
    assert missing.exit_code == 2 and "is not a folder" in missing.output
    with socket.socket() as busy:  # a port in use is a one-line error before anything starts
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = runner.invoke(cli_app, ["serve", str(served), "--port", str(busy.getsockname()[1])])
    assert taken.exit_code == 2 and "is in use" in taken.output


def test_requests_for_other_hosts_and_foreign_posts_are_refused(served: Path) -> None:
    app = create_app(served, command=sleeper)
    with TestClient(app, base_url="http://rebound.example") as other:
        assert other.get("/").status_code == 400  # a DNS-rebinding page cannot read the app
    with TestClient(app, base_url=BASE_URL) as c:
        form = wy_form(c)
        assert c.post("/new", data=form | {"token": "guess"}).status_code == 403
        assert c.post("/new", data=form, headers={"Origin": "http://evil.example"}).status_code == 403
        assert c.post("/jobs/1/cancel", data={"token": "guess"}).status_code == 403
        assert c.get("/").headers["content-security-policy"].startswith("default-src 'self'")
        assert "Nothing queued" in c.get("/queue").text


def test_assets_are_local(client: TestClient) -> None:
    html = client.get("/new?base=wy.toml").text + client.get("/").text
    assert not re.search(r'(src|href)="(https?:)?//', html)  # no CDN, no external link of any kind
    assert client.get("/static/app.css").status_code == 200 and client.get("/static/app.js").status_code == 200


# --- output folders and concurrency --------------------------------------------------------------

def test_output_folders_follow_the_cli_rules(client: TestClient, served: Path) -> None:
    (served / "notes").mkdir()
    (served / "notes" / "mine.txt").write_text("keep me")
    page = client.post("/new", data=wy_form(client, name="notes"))
    assert "was not written by siting" in errors(page.text)["err-f-name"]
    assert (served / "notes" / "mine.txt").read_text() == "keep me" and not (served / "app-scenarios").exists()
    fake_run(served, "done-before", {"scenario": "done-before", "status": "optimal"})
    page = client.post("/new", data=wy_form(client, name="done-before"))
    assert "tick 'replace it'" in errors(page.text)["err-f-name"]
    accepted = client.post("/new", data=wy_form(client, name="done-before", replace="on"), follow_redirects=False)
    assert accepted.status_code == 303
    # the app's own folder is no run folder
    page = client.post("/new", data=wy_form(client, name="app-scenarios"))
    assert "not a 'run' output" in errors(page.text)["err-f-name"]


def test_a_foreign_scenario_folder_is_never_written(client: TestClient, served: Path) -> None:
    (served / "app-scenarios").mkdir()
    (served / "app-scenarios" / "wy-app.toml").write_text("# the user's own file\n")
    page = client.post("/new", data=wy_form(client))
    assert "was not made by siting serve" in errors(page.text)["err-top"]
    assert (served / "app-scenarios" / "wy-app.toml").read_text() == "# the user's own file\n"


def test_two_tabs_submitting_at_once(served: Path) -> None:
    app = create_app(served, command=sleeper)
    queue = app.state.site.queue
    c = TestClient(app, base_url=BASE_URL)  # outside `with`: no lifespan, so the worker waits until started below
    same = wy_form(c, name="same")
    barrier = threading.Barrier(8)
    codes: list[int] = []

    def post(form: dict[str, Any]) -> None:
        barrier.wait()
        codes.append(c.post("/new", data=form, follow_redirects=False).status_code)

    threads = [threading.Thread(target=post, args=(same,)) for _ in range(4)]
    threads += [threading.Thread(target=post, args=(wy_form(c, name=f"other-{i}"),)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # the same name: one accepted, the rest refused; different names: all queued
    assert sorted(codes) == [303] * 5 + [422] * 3
    jobs = sorted(queue.jobs(), key=lambda j: j.id)
    assert sorted(j.name for j in jobs) == ["other-0", "other-1", "other-2", "other-3", "same"]
    assert all(j.state == "queued" for j in jobs)
    queue.start()
    try:
        for job in jobs:
            wait_done(c, job.id)
    finally:
        queue.stop()
    jobs = sorted(queue.jobs(), key=lambda j: j.started_ns or 0)
    # one at a time, in submission order: each job started after the one before it ended
    assert [j.id for j in jobs] == sorted(j.id for j in jobs)
    assert all(b.started_ns >= a.ended_ns for a, b in zip(jobs, jobs[1:]))  # type: ignore[operator]
    assert all(j.state == "done" for j in jobs)
    assert load_scenario(served / "app-scenarios" / "same.toml").name == "same"


def test_cancel_a_queued_job(served: Path) -> None:
    app = create_app(served, command=lambda s, o: [sys.executable, "-c", "import time; time.sleep(60)"])
    # A pytest started in a script's background ignores SIGINT and its children inherit that; `siting serve`
    # (uvicorn) installs its own handler, so its runs start with the default. Do the same here.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    with TestClient(app, base_url=BASE_URL) as c:
        first = c.post("/new", data=wy_form(c, name="first"), follow_redirects=False)
        second = c.post("/new", data=wy_form(c, name="second"), follow_redirects=False)
        assert first.status_code == second.status_code == 303
        tok = token(c)
        assert c.post("/jobs/2/cancel", data={"token": tok}, follow_redirects=False).status_code == 303
        assert c.get("/api/jobs/2").json()["state"] == "cancelled"
        c.post("/jobs/1/cancel", data={"token": tok})
        info = wait_done(c, 1, 60)
        assert info["state"] == "cancelled"  # SIGINT to its process group ended the sleeper
        assert app.state.site.queue.get(2).started is None  # never started
    signal.signal(signal.SIGINT, previous)


# --- figures -------------------------------------------------------------------------------------

# The last rows of a real HiGHS 1.15.1 log (runs/base.toml restricted to WY with a $2bn budget, one thread).
HIGHS_LOG = """\
        Nodes      |    B&B Tree     |            Objective Bounds              |  Dynamic Constraints |       Work      
Src  Proc. InQueue |  Leaves   Expl. | BestBound       BestSol              Gap |   Cuts   InLp Confl. | LpIters     Time

         0       0         0   0.00%   8417337.416     -inf                 inf        0      0      0         0     0.0s
         0       0         0   0.00%   130148.202182   -inf                 inf        0      0      2       157     0.2s
 R       0       0         0   0.00%   130061.886579   126360             2.93%        8      1      2       159     0.4s
 L       0       0         0   0.00%   128906.969176   126839.68          1.63%      137     28    466       212     2.6s
         1       0         1 100.00%   127796.416445   126839.68          0.75%      148     33    466       346     2.6s
"""


def test_progress_is_read_from_the_highs_log(tmp_path: Path) -> None:
    log = tmp_path / "solver.log"
    log.write_text("\n".join(HIGHS_LOG.splitlines()[:5]) + "\n")  # before the first incumbent
    early = read_progress(log)
    assert early.phase == "solving" and early.incumbent is None and early.mip_gap is None and early.dual_bound == pytest.approx(130148.202182)
    log.write_text(HIGHS_LOG)
    p = read_progress(log)
    assert (p.incumbent, p.dual_bound, p.nodes, p.solver_s) == (126839.68, 127796.416445, 1, 2.6)
    assert p.mip_gap == pytest.approx(0.0075)
    log.write_text(HIGHS_LOG + "\nSolving report\n  Status            Optimal\n")
    assert read_progress(log).phase == "writing outputs"
    assert read_progress(tmp_path / "absent.log").phase == "preparing"


def test_compare_renders_headline_series_and_unknown_keys(client: TestClient, served: Path) -> None:
    fake_run(served, "a", {"scenario": "a", "status": "optimal", "objective": 100.0, "objective_unit": "PFLOPS",
                           "compute_pflops": 126839.68, "capex_usd": 2e9, "it_mw_online_by_year": {"2026": 100, "2027": 200},
                           "npv_usd": 1.5e9, "investor": {"irr": 0.12}})
    fake_run(served, "b", {"scenario": "b", "status": "time_limit", "objective": 150.0, "objective_unit": "PFLOPS",
                           "compute_pflops": 190259.52, "capex_usd": 3e9, "it_mw_online_by_year": {"2026": 150, "2028": 300},
                           "npv_usd": 3e9, "investor": {"irr": 0.15}})
    page = client.get("/compare", params=[("run", "a"), ("run", "b")]).text

    def row(key: str) -> list[str]:
        found = re.search(rf'<tr data-key="{re.escape(key)}">(.*?)</tr>', page, re.S)
        assert found, key
        return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)]

    assert row("status") == ["optimal", "time_limit"]
    assert row("compute_pflops") == ["126,840 PFLOPS", "190,260 PFLOPS +50.0%"]
    assert row("capex_usd") == ["$2.00bn", "$3.00bn +50.0%"]
    assert row("it_mw_online_by_year.2026") == ["100 MW", "150 MW +50.0%"]
    assert row("it_mw_online_by_year.2028") == ["–", "300 MW"]
    assert row("npv_usd") == ["$1.50bn", "$3.00bn +100.0%"]  # a key the app does not know, by its unit
    assert row("investor.irr") == ["12.00%", "15.00%"]  # a share: no relative change
    assert client.get("/compare", params={"run": "a"}).status_code == 400


# --- real runs through the queue (slow) -----------------------------------------------------------

@pytest.mark.slow
def test_a_real_run_and_its_result(served: Path) -> None:
    app = create_app(served)
    with TestClient(app, base_url=BASE_URL) as c:
        # two tabs at once: two different runs, queued and run one after the other, neither touching the other
        codes: list[int] = []
        barrier = threading.Barrier(2)

        def post(form: dict[str, Any]) -> None:
            barrier.wait()
            codes.append(c.post("/new", data=form, follow_redirects=False).status_code)

        forms = [wy_form(c, name="wy-2bn"), wy_form(c, name="wy-3bn", **{"budget.equity_usd": "3e9"})]
        threads = [threading.Thread(target=post, args=(f,)) for f in forms]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert codes == [303, 303]
        infos = {j.name: wait_done(c, j.id) for j in app.state.site.queue.jobs()}
        jobs = sorted(app.state.site.queue.jobs(), key=lambda j: j.id)
        assert jobs[1].started_ns >= jobs[0].ended_ns  # type: ignore[operator]
        for name, budget in (("wy-2bn", 2e9), ("wy-3bn", 3e9)):
            info = infos[name]
            assert info["state"] == "done", info
            summary = json.loads((served / name / "summary.json").read_text())
            assert summary["scenario"] == name and summary["status"] == "optimal" and summary["budget_usd"] == budget
            # the progress shown at the end is HiGHS' last row: the incumbent is the objective HiGHS found,
            # which the second stage (cleanup) may then lower by removing fragments
            solved = summary["cleanup"]["objective_before"]
            assert info["incumbent"] == f"{solved:,.0f} PFLOPS"
            assert summary["objective"] <= solved
            assert info["result"] == f"/run/{name}"
            assert not (served / f"{name}.partial").exists()
            page = c.get(info["result"]).text
            assert f'data-key="compute_pflops">{summary["compute_pflops"]:,.0f} PFLOPS<' in page
            assert c.get(f"/files/{name}/summary.json").json() == summary
            assert c.get(f"/files/{name}/report.html").headers["content-type"].startswith("text/html")
        library = c.get("/").text
        assert "/run/wy-2bn" in library and "/run/wy-3bn" in library


@pytest.mark.slow
def test_cancel_a_national_run_keeps_the_incumbent(served: Path) -> None:
    # Cancel once HiGHS has an incumbent, long before it can prove a gap of 0 nationally (as
    # test_interrupt.py does with SIGTERM): the CLI writes the incumbent and exits 130, no .partial left.
    app = create_app(served)
    with TestClient(app, base_url=BASE_URL) as c:
        form = wy_form(c, name="national", **{"candidates.states": [], "budget.equity_usd": "100e9", "solver.mip_gap": "0",
                                              "solver.time_limit_s": "1200"})
        assert c.post("/new", data=form, follow_redirects=False).status_code == 303
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            info = c.get("/api/jobs/1").json()
            if info["incumbent"] != "–" or not info["active"]:
                break
            time.sleep(0.5)
        assert info["active"] and info["phase"] == "solving", info
        c.post("/jobs/1/cancel", data={"token": token(c)})
        info = wait_done(c, 1, 300)
        assert info["state"] == "cancelled" and info["returncode"] == 130
        assert not (served / "national.partial").exists()
        summary = json.loads((served / "national" / "summary.json").read_text())
        assert summary["status"] == "interrupted" and summary["mip_gap"] > 0


def test_pathway_folders_are_runs_too(client: TestClient, served: Path) -> None:
    # Earlier versions wrote a [pathway] scenario's run as a folder of kind 'pathway': still listed and
    # served; `siting run` now writes kind 'run' for every scenario, so the form checks names against that.
    fake_run(served, "plain-run", {"scenario": "plain-run", "status": "optimal"})
    phased = served / "phased"
    phased.mkdir()
    (phased / "summary.json").write_text(json.dumps({"scenario": "phased", "status": "optimal", "it_mw_online_by_year": {"2026": 100}}))
    mark_complete(phased, "pathway")
    assert "/run/phased" in client.get("/").text
    assert client.get("/files/phased/summary.json").json()["scenario"] == "phased"
    page = client.get("/run/phased").text
    assert "it_mw_online_by_year" in page and "100 MW" in page
    shutil.copy(REPO / "runs" / "aip-2035.toml", served / "aip-2035.toml")
    form = wy_form(client, base="aip-2035.toml", name="plain-run", **{"budget.equity_usd": "30e9", "budget.debt_usd": "70e9"})
    assert "tick 'replace it'" in errors(client.post("/new", data=form).text)["err-f-name"]
    form["name"] = "phased"
    assert "not a 'run' output" in errors(client.post("/new", data=form).text)["err-f-name"]
