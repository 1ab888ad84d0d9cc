"""The ``siting`` CLI: a reduced real run end to end, and one-line errors with exit code 2 for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from model.cli import app
from tests.conftest import ZONAL_RUN_FILES

runner = CliRunner()

SUMMARY_KEYS = {"status", "objective", "mip_gap", "compute_pflops", "gpus", "capex_usd", "facility_mw", "sites_built", "seconds", "scenario_sha256"}


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


REDUCED = """
name = "mid-atlantic"
[candidates]
states = ["DE", "MD", "VA"]
[budget]
equity_usd = 10e9
[solver]
mip_gap = 0.001
threads = 1
"""


def test_reduced_real_run_end_to_end(tmp_path: Path) -> None:
    scenario = write(tmp_path / "mid-atlantic.toml", REDUCED)
    result = runner.invoke(app, ["run", str(scenario), "--time-limit", "120"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "mid-atlantic"
    assert {p.name for p in out.iterdir()} == ZONAL_RUN_FILES
    summary = json.loads((out / "summary.json").read_text())
    assert SUMMARY_KEYS <= summary.keys()
    assert set(summary["seconds"]) >= {"load", "build", "solve", "write"}
    assert summary["status"] == "optimal"
    assert summary["mip_gap"] <= 0.001 + 1e-9
    sites = gpd.read_file(out / "sites.gpkg")
    # The spreadsheet tables hold the same rows and columns, geometry replaced by lon/lat.
    flat = pd.read_csv(out / "sites.csv", dtype={"county_fips": str})
    assert list(flat.columns) == ["site_id", "lon", "lat", *[c for c in sites.columns if c not in ("site_id", "geometry")]]
    assert flat["lon"].to_numpy() == pytest.approx(sites.geometry.x.to_numpy(), abs=1e-6)
    assert flat["facility_mw"].to_numpy() == pytest.approx(sites["facility_mw"].to_numpy())
    xlsx = pd.read_excel(out / "sites.xlsx", dtype={"county_fips": str})
    assert xlsx.shape == flat.shape and list(xlsx["county_fips"]) == list(flat["county_fips"])
    assert set(sites["state"]) <= {"DE", "MD", "VA"}
    assert len(sites) == summary["sites_built"] >= 1
    # The budget binds to within one GPU block's price (the most expensive block is < $5M).
    assert 10e9 - 5e6 <= summary["capex_usd"] <= 10e9 + 1
    assert sites["capex_usd"].sum() == pytest.approx(summary["capex_usd"])
    assert sites["facility_mw"].sum() == pytest.approx(summary["facility_mw"], abs=0.01)
    # Every built site respects its grid limit: headroom plus any purchased upgrade.
    assert (sites["facility_mw"] <= sites["headroom_mw"] + sites["upgrade_mw"] + 1e-6).all()
    assert "Built sites" in (out / "map.html").read_text()


def test_validate_ok() -> None:
    result = runner.invoke(app, ["validate", "runs/us-default.toml"])
    assert result.exit_code == 0, result.output
    assert "3,108 candidate sites" in result.output


def test_data_lists_sources() -> None:
    result = runner.invoke(app, ["data"])
    assert result.exit_code == 0, result.output
    assert "county_grid.csv" in result.output and "3,108" in result.output


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("name = 'x'\n[budget\nequity_usd = 1", "malformed TOML"),
        ("name = 'x'\nbogus = 1\n[budget]\nequity_usd = 1e9", "bogus: unknown key"),
        ("name = 'x'\n[budget]\nequity_usd = -5", "budget.equity_usd: Input should be greater than 0"),
        ("name = 'x'\n[budget]\nequity_usd = 0", "budget.equity_usd"),
        ("name = 'x'\n[budget]\nequity_usd = 1e9\n[gpus]\ntypes = ['H900']", "gpus.types: unknown GPU 'H900'"),
        ("name = 'x'\n[budget]\nequity_usd = 1e9\n[[policies]]\ntype = 'teleport'", "policies.0: Input tag 'teleport'"),
        ("extends = 'nowhere.toml'\nname = 'x'", "extends: file not found: nowhere.toml"),
        ("name = 'x'\n[objective]\nsense = 'min_cost'", "min_cost needs one of"),
        ("name = 'x'\n[budget]\nequity_usd = 1e9\n[candidates]\nstates = ['ZZ']", "candidates.states: unknown state 'ZZ'"),
        (
            "name = 'x'\n[budget]\nequity_usd = 1e9\n[candidates]\nstates = ['DE']\n[[policies]]\ntype = 'exclude'\nstates = ['DE']",
            "no candidate sites left",
        ),
    ],
)
def test_bad_input_one_line_exit_2_no_run_dir(tmp_path: Path, text: str, fragment: str) -> None:
    scenario = write(tmp_path / "bad.toml", text)
    result = runner.invoke(app, ["run", str(scenario)])
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert str(scenario) in result.output or "bad.toml" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["bad.toml"]  # no run directory, no temp leftovers


def test_missing_scenario_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "scenario file not found" in result.output


def test_bad_cli_option_value(tmp_path: Path) -> None:
    scenario = write(tmp_path / "s.toml", REDUCED)
    result = runner.invoke(app, ["run", str(scenario), "--gap", "2"])
    assert result.exit_code == 2
    assert "command line: solver.mip_gap: Input should be less than 1" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "mid-atlantic").exists()


def test_infeasible_run_exits_1_with_diagnosis(tmp_path: Path) -> None:
    # 500 MW of IT in DE + MD is physically possible, but the caps allow 0 MW in DE and 50 MW (facility)
    # in MD: at most one 50 MW campus, 50 / PUE_MD of IT. The elastic re-solve relaxes the target
    # (relative cost (500 - 50/PUE)/500 < 1) rather than the caps (the MD cap would need ~10x its bound).
    scenario = write(
        tmp_path / "inf.toml",
        "name = 'inf'\n[candidates]\nstates = ['DE', 'MD']\n[objective]\nsense = 'min_cost'\ntarget_it_mw = 500\n"
        "[[policies]]\ntype = 'state_mw_cap'\ncaps_mw = {DE = 0, MD = 50}\n",
    )
    result = runner.invoke(app, ["run", str(scenario)])
    assert result.exit_code == 1, result.output
    assert "to make it feasible: target: lower by" in result.output
    summary = json.loads((tmp_path / "inf" / "summary.json").read_text())
    assert summary["status"] == "infeasible"
    assert summary["objective"] is None and summary["sites_built"] == 0
    relax = {r["rule"]: r for r in summary["diagnosis"]["relaxations"]}
    assert relax["target"]["unit"] == "MW of IT"
    # About 50 / PUE_MD (1.1-1.45) MW of IT fit under the caps, so the target falls short by 455-465 MW.
    # (Relaxing the MD cap by a few kW would fit one more GPU block; relaxations below 0.01 % of
    # their bound are not reported.)
    assert 455.0 <= relax["target"]["relax_by"] <= 465.0
    assert set(relax) == {"target"}


def test_unreachable_target_is_bad_input(tmp_path: Path) -> None:
    scenario = write(
        tmp_path / "far.toml",
        "name = 'far'\n[candidates]\nstates = ['DE']\n[objective]\nsense = 'min_cost'\ntarget_it_mw = 100000\n",
    )
    result = runner.invoke(app, ["run", str(scenario)])
    assert result.exit_code == 2
    assert "objective.target_it_mw: 100,000 MW is more than the 3 candidate sites can host" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["far.toml"]


def test_export_mps_resolves_to_same_objective(tmp_path: Path) -> None:
    import highspy

    scenario = write(tmp_path / "mid-atlantic.toml", REDUCED)
    mps = tmp_path / "model.mps"
    result = runner.invoke(app, ["export", str(scenario), "--format", "mps", "--out", str(mps)])
    assert result.exit_code == 0, result.output
    run = runner.invoke(app, ["run", str(scenario)])
    assert run.exit_code == 0, run.output
    summary = json.loads((tmp_path / "mid-atlantic" / "summary.json").read_text())
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.readModel(str(mps))
    h.run()
    # The exported model is the one run solved: same sense (max compute) and the same optimum.
    assert h.getLp().sense_ == highspy.ObjSense.kMaximize
    assert h.getInfo().objective_function_value == pytest.approx(summary["objective"], rel=1e-3)


def test_export_rejects_mismatched_suffix(tmp_path: Path) -> None:
    scenario = write(tmp_path / "s.toml", REDUCED)
    result = runner.invoke(app, ["export", str(scenario), "--format", "lp", "--out", str(tmp_path / "m.mps")])
    assert result.exit_code == 2
    assert "--out: file name must end in .lp" in result.output


def test_cflp_cli_hand_solved(tmp_path: Path) -> None:
    # Two sites (capacity 10, fixed 5 / capacity 4, fixed 1), two customers of demand 3.
    # Costs per unit: a->c1 1, a->c2 1, b->c1 2 (b->c2 not allowed). Open a alone: 5 + 3 + 3 = 11.
    # Open b alone: c2 unreachable. Both: 6 + c1 from a (3) or b (6) -> 6 + 3 + 3 = 12. Optimum 11.
    write(tmp_path / "sites.csv", "site,capacity,fixed_cost\na,10,5\nb,4,1\n")
    write(tmp_path / "demand.csv", "customer,demand\nc1,3\nc2,3\n")
    write(tmp_path / "costs.csv", "site,customer,cost_per_unit\na,c1,1\na,c2,1\nb,c1,2\n")
    out = tmp_path / "r.json"
    result = runner.invoke(
        app, ["cflp", "--sites", str(tmp_path / "sites.csv"), "--demand", str(tmp_path / "demand.csv"),
              "--costs", str(tmp_path / "costs.csv"), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    assert payload["status"] == "optimal"
    assert payload["objective"] == pytest.approx(11.0)
    assert payload["open_sites"] == ["a"]


def test_cflp_cli_bad_column(tmp_path: Path) -> None:
    write(tmp_path / "sites.csv", "site,cap,fixed_cost\na,10,5\n")
    write(tmp_path / "demand.csv", "customer,demand\nc1,3\n")
    write(tmp_path / "costs.csv", "site,customer,cost_per_unit\na,c1,1\n")
    result = runner.invoke(
        app, ["cflp", "--sites", str(tmp_path / "sites.csv"), "--demand", str(tmp_path / "demand.csv"),
              "--costs", str(tmp_path / "costs.csv")],
    )
    assert result.exit_code == 2
    assert "sites.csv" in result.output and "capacity" in result.output


def test_time_limit_without_a_solution(tmp_path: Path) -> None:
    # A least-cost target has no trivial feasible point, and 1 ms ends HiGHS in presolve: the run
    # says plainly that it has no solution, exit 1, and writes no sites.
    scenario = write(
        tmp_path / "tl.toml",
        "name = 'tl'\n[candidates]\nstates = ['TX', 'OK']\n[objective]\nsense = 'min_cost'\ntarget_it_mw = 2000\n"
        "[solver]\nmip_gap = 0\nseed_incumbent = false\n",
    )
    result = runner.invoke(app, ["run", str(scenario), "--time-limit", "0.001"])
    summary = json.loads((tmp_path / "tl" / "summary.json").read_text())
    assert summary["status"] == "time_limit_no_solution"
    assert result.exit_code == 1
    assert "no feasible solution was found within the time limit" in result.output
    assert not (tmp_path / "tl" / "sites.gpkg").exists()


def test_status_mapping_of_highs_outcomes() -> None:
    # Each HiGHS model status, with and without a feasible point, maps to one documented status.
    import highspy

    from model.solve.highs import _status

    S, F = highspy.HighsModelStatus, highspy.SolutionStatus

    class Stub:
        def __init__(self, status: object, feasible: bool) -> None:
            self.status, self.feasible = status, feasible

        def getModelStatus(self) -> object:
            return self.status

        def getInfo(self) -> object:
            kind = F.kSolutionStatusFeasible if self.feasible else F.kSolutionStatusNone
            return type("Info", (), {"primal_solution_status": kind})()

    cases = {
        (S.kOptimal, True): "optimal",
        (S.kTimeLimit, True): "time_limit",
        (S.kTimeLimit, False): "time_limit_no_solution",
        (S.kInterrupt, True): "interrupted",
        (S.kInterrupt, False): "interrupted_no_solution",
        (S.kInfeasible, False): "infeasible",
        (S.kUnbounded, False): "unbounded",
        (S.kUnboundedOrInfeasible, False): "infeasible_or_unbounded",
        (S.kSolveError, False): "error",
    }
    for (status, feasible), expected in cases.items():
        assert _status(Stub(status, feasible)) == expected, (status, feasible)


def test_internal_error_is_one_line_exit_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import model.workflows.engine

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(model.workflows.engine, "run_scenario", broken)
    result = runner.invoke(app, ["run", str(write(tmp_path / "s.toml", REDUCED))])
    assert result.exit_code == 3
    assert "internal error: RuntimeError: simulated bug (rerun with --debug" in result.output
    assert "Traceback" not in result.output


def test_energy_run_reports_its_seed(tmp_path: Path) -> None:
    # The CLI names every pipeline step; the hourly mode's "seed" step once had no label and crashed.
    scenario = write(
        tmp_path / "de-energy.toml",
        "name = 'de-energy'\n[candidates]\nstates = ['DE']\n[budget]\nequity_usd = 2e9\n"
        "[energy]\nenabled = true\nrep_days = 8\nonsite = ['solar', 'battery']\n[solver]\nthreads = 1\n",
    )
    result = runner.invoke(app, ["run", str(scenario)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "de-energy"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal" and "seed" in summary["seconds"]
    # HiGHS starts from the seed, so (maximising) it never returns less than the seed's objective.
    assert summary["seed"]["sites_built"] >= 1
    assert summary["objective"] >= summary["seed"]["objective"] - 1e-6
    assert (out / "dispatch.parquet").exists()
