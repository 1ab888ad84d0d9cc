"""Output paths: a command writes only where nothing of the user's can be lost (model/outputs.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from model.cli import app
from model.core.errors import SitingError
from model.results.outputs import MARKER, check_output_dir, check_output_file, output_dir, remove_stale_partials, write_marked

runner = CliRunner()
TINY_RUN = """
name = "{name}"
[candidates]
states = ["DE"]
[budget]
equity_usd = 1e9
[solver]
threads = 1
"""


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _write_run(out: Path, text: str = "new", force: bool = False) -> None:
    with output_dir(out, "run", force=force) as tmp:
        (tmp / "summary.json").write_text(json.dumps({"v": text}))
        (tmp / "solver.log").write_text(text)


def test_fresh_directory_gets_marker_and_files(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "run"
    _write_run(out)
    assert {p.name for p in out.iterdir()} == {"summary.json", "solver.log", MARKER}
    marker = json.loads((out / MARKER).read_text())
    assert marker["kind"] == "run" and marker["files"] == ["solver.log", "summary.json"] and marker["partial"] is False
    assert not list(tmp_path.rglob("*.partial"))


def test_previous_output_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "run"
    _write_run(out, "first")
    _write_run(out, "second")
    assert json.loads((out / "summary.json").read_text()) == {"v": "second"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no .old or .partial left


@pytest.mark.parametrize("existing", ["chapter1.tex", "sub/deck.txt"])
def test_foreign_directory_is_refused_and_untouched(tmp_path: Path, existing: str) -> None:
    out = tmp_path / "thesis"
    (out / existing).parent.mkdir(parents=True)
    (out / existing).write_text("my thesis")
    before = _snapshot(tmp_path)
    with pytest.raises(SitingError, match="was not written by siting"):
        _write_run(out)
    assert _snapshot(tmp_path) == before


def test_force_writes_beside_foreign_files_never_over_them(tmp_path: Path) -> None:
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.tex").write_text("my thesis")
    _write_run(out, "forced", force=True)
    assert (out / "chapter1.tex").read_text() == "my thesis"
    assert json.loads((out / "summary.json").read_text()) == {"v": "forced"}
    # A second forced run replaces only siting's files.
    _write_run(out, "again", force=True)
    assert (out / "chapter1.tex").read_text() == "my thesis"
    assert json.loads((out / "summary.json").read_text()) == {"v": "again"}
    # Without --force the mixed directory is refused, naming the foreign file.
    with pytest.raises(SitingError, match="chapter1.tex"):
        _write_run(out)


def test_force_never_overwrites_a_foreign_file_of_the_same_name(tmp_path: Path) -> None:
    out = tmp_path / "notes"
    out.mkdir()
    (out / "summary.json").write_text("mine")
    with pytest.raises(SitingError, match="summary.json"):
        _write_run(out, force=True)
    assert (out / "summary.json").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"]


def test_user_file_added_to_a_run_directory_survives(tmp_path: Path) -> None:
    out = tmp_path / "run"
    _write_run(out, "first")
    (out / "my-notes.md").write_text("keep")
    with pytest.raises(SitingError, match="my-notes.md"):
        _write_run(out)
    _write_run(out, "second", force=True)
    assert (out / "my-notes.md").read_text() == "keep"
    assert json.loads((out / "summary.json").read_text()) == {"v": "second"}


def test_a_file_at_the_output_path_is_refused(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    with pytest.raises(SitingError, match="is a file"):
        _write_run(notes, force=True)
    assert notes.read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_other_kind_of_output_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "x"
    with output_dir(out, "compare") as tmp:
        (tmp / "compare.csv").write_text("a")
    with pytest.raises(SitingError, match="'compare' output"):
        check_output_dir(out, "run")


def test_failure_inside_leaves_target_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "run"
    _write_run(out, "first")
    with pytest.raises(RuntimeError):
        with output_dir(out, "run") as tmp:
            (tmp / "summary.json").write_text("half")
            raise RuntimeError("solver crashed")
    assert json.loads((out / "summary.json").read_text()) == {"v": "first"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_stale_partial_from_a_killed_run_is_removed(tmp_path: Path) -> None:
    # A child process opens a partial directory and is SIGKILLed inside it.
    code = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from model.results.outputs import output_dir\n"
        f"with output_dir(Path({str(tmp_path / 'killed')!r}), 'run') as tmp:\n"
        "    (tmp / 'solver.log').write_text('half')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=False)
    assert (tmp_path / "killed.partial").is_dir()
    (tmp_path / "user.partial").mkdir()  # a user's folder with a similar name stays
    (tmp_path / "user.partial" / "x").write_text("mine")
    assert remove_stale_partials(tmp_path) == [tmp_path / "killed.partial"]
    assert (tmp_path / "user.partial" / "x").read_text() == "mine"


def test_run_directory_follows_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        _write_run(tmp_path / "run")
    finally:
        os.umask(previous)
    assert (tmp_path / "run").stat().st_mode & 0o777 == 0o755


def test_single_files_need_the_mark_to_be_overwritten(tmp_path: Path) -> None:
    user_file = tmp_path / "m.lp"
    user_file.write_text("my own LP\n")
    with pytest.raises(SitingError, match="not written by siting"):
        check_output_file(user_file)
    ours = tmp_path / "ours.lp"
    write_marked(ours, lambda p: p.write_text("min: x;\n"))
    assert ours.read_text().startswith("\\ written by dc-siting")
    check_output_file(ours)  # ours: may be overwritten
    with pytest.raises(SitingError, match="is a directory"):
        check_output_file(tmp_path)
    # Missing parents: accepted by the check, created only when the file is written.
    check_output_file(tmp_path / "new" / "dir" / "m.lp")
    assert not (tmp_path / "new").exists()
    write_marked(tmp_path / "new" / "dir" / "m.lp", lambda p: p.write_text("min: x;\n"))
    assert (tmp_path / "new" / "dir" / "m.lp").read_text().startswith("\\ written by dc-siting")


# --- through the CLI: refused before any solve, nothing written --------------------------------


def test_cli_run_into_the_scenario_folder_deletes_nothing(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(TINY_RUN.format(name="s"))
    (tmp_path / "data.csv").write_text("a,b\n")
    before = _snapshot(tmp_path)
    for out in (tmp_path, tmp_path / "data.csv", Path(".")):
        result = runner.invoke(app, ["run", str(scenario), "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert "--out" in result.output
    assert _snapshot(tmp_path) == before


def test_cli_scenario_named_like_a_user_folder(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "nova.toml").write_text("x")
    scenario = tmp_path / "p.toml"
    scenario.write_text(TINY_RUN.format(name="policies"))
    result = runner.invoke(app, ["run", str(scenario)])
    assert result.exit_code == 2 and "was not written by siting" in result.output
    assert (tmp_path / "policies" / "nova.toml").read_text() == "x"


def test_cli_compare_refuses_foreign_out_and_reserved_names(tmp_path: Path) -> None:
    a = tmp_path / "a.toml"
    a.write_text(TINY_RUN.format(name="a"))
    b = tmp_path / "b.toml"
    b.write_text(TINY_RUN.format(name="compare.csv"))
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "deck.txt").write_text("slides")
    result = runner.invoke(app, ["compare", str(a), str(b), "--out", str(tmp_path / "c")])
    assert result.exit_code == 2 and "compare.csv" in result.output
    c = tmp_path / "c2.toml"
    c.write_text(TINY_RUN.format(name="c2"))
    result = runner.invoke(app, ["compare", str(a), str(c), "--out", str(reports)])
    assert result.exit_code == 2 and "was not written by siting" in result.output
    assert (reports / "deck.txt").read_text() == "slides"


def test_cli_export_to_a_missing_folder_and_over_a_user_file(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(TINY_RUN.format(name="s"))
    target = tmp_path / "nowhere" / "m.lp"
    result = runner.invoke(app, ["export", str(scenario), "--format", "lp", "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text().startswith("\\ written by dc-siting")
    # Re-exporting over our own file is fine; over a user's file it is refused.
    assert runner.invoke(app, ["export", str(scenario), "--format", "lp", "--out", str(target)]).exit_code == 0
    mine = tmp_path / "mine.lp"
    mine.write_text("mine\n")
    result = runner.invoke(app, ["export", str(scenario), "--format", "lp", "--out", str(mine)])
    assert result.exit_code == 2 and mine.read_text() == "mine\n"
    result = runner.invoke(app, ["export", str(scenario), "--format", "lp", "--out", str(tmp_path)])
    assert result.exit_code == 2


# --- one parent rule for every command (issue 26) ------------------------------------------------


def _unwritable_dir(tmp_path: Path) -> Path:
    """A folder this process cannot write: mode 0o555, or for root (who writes anyway) /sys."""
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    folder = Path("/sys")
    try:
        (folder / ".siting-probe-test").write_bytes(b"")
    except OSError:
        return folder
    (folder / ".siting-probe-test").unlink()
    pytest.skip("no folder this test can make unwritable")


def _cflp_files(tmp_path: Path) -> list[str]:
    (tmp_path / "s.csv").write_text("site,capacity,fixed_cost\na,10,5\n")
    (tmp_path / "d.csv").write_text("customer,demand\nc1,1\n")
    (tmp_path / "c.csv").write_text("site,customer,cost_per_unit\na,c1,1\n")
    return ["--sites", str(tmp_path / "s.csv"), "--demand", str(tmp_path / "d.csv"), "--costs", str(tmp_path / "c.csv")]


# Every command with --out, as (args before --out, kind of output): all check the same way.
def _commands(tmp_path: Path) -> dict[str, list[str]]:
    scenario = tmp_path / "s.toml"
    scenario.write_text(TINY_RUN.format(name="s"))
    other = tmp_path / "t.toml"
    other.write_text(TINY_RUN.format(name="t"))
    risks = tmp_path / "risks.toml"
    risks.write_text('[[scenarios]]\nname = "a"\nprobability = 0.5\n[[scenarios]]\nname = "b"\nprobability = 0.5\ncarbon_price_usd_per_tco2 = 50\n')
    return {
        "run": ["run", str(scenario)],
        "rank": ["rank", str(scenario)],
        "compare": ["compare", str(scenario), str(other)],
        "sweep": ["sweep", str(scenario), "--param", "budget_usd=1e9,2e9", "--workers", "1"],
        "alternatives": ["alternatives", str(scenario), "--n", "1"],
        "robust": ["robust", str(scenario), "--risks", str(risks)],
        "export": ["export", str(scenario), "--format", "lp"],
        "cflp": ["cflp", *_cflp_files(tmp_path)],
    }


@pytest.mark.parametrize("command", ["run", "rank", "compare", "sweep", "alternatives", "robust", "export", "cflp"])
def test_unwritable_out_is_refused_before_any_solve(tmp_path: Path, command: str) -> None:
    args = _commands(tmp_path)[command]
    locked = _unwritable_dir(tmp_path)
    name = "m.lp" if command == "export" else "r.json" if command == "cflp" else "out"
    before = _snapshot(tmp_path)
    for out in (locked / name, locked / "deeper" / "still" / name):
        result = runner.invoke(app, [*args, "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert "--out: cannot write to" in result.output and len(result.output.strip().splitlines()) == 1
        # "solving", "wrote", "written to": none of them, the refusal came first.
        assert "written" not in result.output and "wrote" not in result.output
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("command", ["export", "cflp"])
def test_file_commands_refuse_a_folder_out(tmp_path: Path, command: str) -> None:
    # Used to exit 0, writing a file named like the folder: "--out results/" names a folder.
    args = _commands(tmp_path)[command]
    before = _snapshot(tmp_path)
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "results") + "/"])
    assert result.exit_code == 2 and "names a folder; give a file name inside it" in result.output, result.output
    assert _snapshot(tmp_path) == before and not (tmp_path / "results").exists()


def test_cflp_into_missing_folders_creates_them(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "r.json"
    result = runner.invoke(app, ["cflp", *_cflp_files(tmp_path), "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text())["objective"] == 6.0  # open a (5) + serve 1 unit at 1
    assert sorted(p.name for p in target.parent.iterdir()) == ["r.json"]  # no temporary file left


def test_refused_run_removes_the_folders_it_created(tmp_path: Path) -> None:
    # The scenario is refused after the partial directory exists (the unknown county is found while
    # loading): the nested --out folders made for it go too.
    out = tmp_path / "x" / "y" / "run"
    with pytest.raises(RuntimeError):
        with output_dir(out, "run") as tmp:
            assert tmp.is_dir() and (tmp_path / "x" / "y").is_dir()
            raise RuntimeError("refused after the folders were made")
    assert list(tmp_path.iterdir()) == []


def test_bad_scheduler_leaves_no_sweep_folder(tmp_path: Path) -> None:
    args = _commands(tmp_path)["sweep"]
    out = tmp_path / "deep" / "sweep"
    result = runner.invoke(app, [*args[:-2], "--scheduler", "not-an-address", "--out", str(out)])
    assert result.exit_code == 2 and "--scheduler" in result.output, result.output
    assert not (tmp_path / "deep").exists()


# --- links are written through, never replaced ------------------------------------------------------


def test_symlinked_out_to_a_previous_run_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "runs" / "v1"
    _write_run(real, "first")
    link = tmp_path / "latest"
    link.symlink_to(real, target_is_directory=True)
    _write_run(link, "second")
    assert link.is_symlink() and link.resolve() == real.resolve()  # the link is the user's: kept
    assert json.loads((real / "summary.json").read_text()) == {"v": "second"}
    leftovers = [p.name for p in tmp_path.rglob("*") if "partial" in p.name or ".old-" in p.name]
    assert leftovers == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest", "runs"]


def test_broken_or_foreign_links_are_refused(tmp_path: Path) -> None:
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(SitingError, match="broken symbolic link"):
        _write_run(dangling)
    assert dangling.is_symlink() and not (tmp_path / "nowhere").exists()
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "chapter.tex").write_text("mine")
    (tmp_path / "to-thesis").symlink_to(thesis)
    with pytest.raises(SitingError, match="was not written by siting"):
        _write_run(tmp_path / "to-thesis")
    assert (tmp_path / "to-thesis").is_symlink() and [p.name for p in thesis.iterdir()] == ["chapter.tex"]


def test_a_users_link_inside_a_previous_run_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "run"
    _write_run(out, "first")
    (tmp_path / "elsewhere.json").write_text("mine")
    (out / "summary.json").unlink()
    (out / "summary.json").symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(SitingError, match="symbolic link siting did not make"):
        _write_run(out, "second", force=True)
    assert (out / "summary.json").is_symlink() and (tmp_path / "elsewhere.json").read_text() == "mine"


def test_symlinked_file_out_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "models" / "m.lp"
    write_marked(real, lambda p: p.write_text("min: x;\n"))
    link = tmp_path / "latest.lp"
    link.symlink_to(real)
    write_marked(link, lambda p: p.write_text("min: 2 x;\n"))
    assert link.is_symlink() and real.read_text().endswith("min: 2 x;\n")
    user = tmp_path / "user.lp"
    user.write_text("mine\n")
    (tmp_path / "to-user.lp").symlink_to(user)
    with pytest.raises(SitingError, match="not written by siting"):
        check_output_file(tmp_path / "to-user.lp")


# --- interruptions: no .partial survives ----------------------------------------------------------------


def test_swap_cut_short_is_repaired_by_the_next_run(tmp_path: Path) -> None:
    # A process killed between moving the previous run aside and moving the new one in leaves
    # "<name>.old-<pid>.partial" and a complete "<name>.partial": the next run restores the previous
    # output (nothing the user had is lost) and clears the temporary copy.
    code = (
        "import os, signal\n"
        "from pathlib import Path\n"
        "import model.results.outputs as o\n"
        "out = Path(%r)\n"
        "real_replace = os.replace\n"
        "def replace(src, dst):\n"
        "    real_replace(src, dst)\n"
        "    if '.old-' in str(dst):\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "o.os.replace = replace\n"
        "with o.output_dir(out, 'run') as tmp:\n"
        "    (tmp / 'summary.json').write_text('{\"v\": \"second\"}')\n"
    ) % str(tmp_path / "run")
    _write_run(tmp_path / "run", "first")
    subprocess.run([sys.executable, "-c", code], check=False, cwd=Path(__file__).resolve().parent.parent)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "run" not in names and any(".old-" in n for n in names) and "run.partial" in names, names
    assert set(remove_stale_partials(tmp_path)) == {tmp_path / "run.partial"}
    assert json.loads((tmp_path / "run" / "summary.json").read_text()) == {"v": "first"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_stale_single_file_partials_are_removed(tmp_path: Path) -> None:
    code = (
        "import os, signal\n"
        "from pathlib import Path\n"
        "from model.results.outputs import output_file\n"
        f"with output_file(Path({str(tmp_path / 'r.json')!r})) as tmp:\n"
        "    tmp.write_text('half')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=False, cwd=Path(__file__).resolve().parent.parent)
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(".r.json.partial-"), left
    (tmp_path / ".notes.partial-backup").write_text("a user's file with a similar name")
    assert remove_stale_partials(tmp_path) == [tmp_path / left[0]]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".notes.partial-backup"]


@pytest.mark.slow
def test_sigterm_during_a_sweep_point_leaves_only_finished_points(tmp_path: Path) -> None:
    # Point 000 solves; point 001 blocks inside its .partial (tests/interrupt_helpers.py). SIGTERM
    # then stops the sweep: exit 130, point 000 complete, no .partial, and the folder is the sweep's
    # (a rerun may replace it). The wait below is only a guard against a hang, not a timing assertion.
    scenario = tmp_path / "s.toml"
    scenario.write_text(TINY_RUN.format(name="de"))
    out = tmp_path / "sweep"
    repo = Path(__file__).resolve().parent.parent
    code = "import sys\nif __name__ == '__main__':\n    from tests.interrupt_helpers import drive_sweep\n    sys.exit(drive_sweep(sys.argv[1], sys.argv[2]))\n"
    driver = tmp_path / "drive.py"
    driver.write_text(code)
    env = dict(os.environ, PYTHONPATH=str(repo))
    proc = subprocess.Popen([sys.executable, str(driver), str(scenario), str(out)], cwd=repo, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline and not (out / "de-001.partial").is_dir():
            time.sleep(0.2)
        assert proc.poll() is None and (out / "de-001.partial").is_dir(), "the second point never started"
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "de-000"]
    assert json.loads((out / "de-000" / "summary.json").read_text())["status"] == "optimal"
    assert not [p for p in tmp_path.rglob("*.partial")]
    check_output_dir(out, "sweep")  # the finished point is the sweep's own: a rerun may write here
