"""Output paths: a command writes only where nothing of the user's can be lost (model/outputs.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
    check_output_file(tmp_path / "new" / "dir" / "m.lp")  # parents are created
    assert (tmp_path / "new" / "dir").is_dir()


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
