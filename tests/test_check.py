"""The independent checker catches broken solutions (so that its silence on real ones means something)."""

from __future__ import annotations

from model.check import check_solution
from tests.conftest import solve_tiny, tiny_inputs, tiny_scenario


def _solved():
    sc = tiny_scenario()
    inputs = tiny_inputs(sc)
    out = solve_tiny(sc)
    return inputs, out


def test_checker_accepts_the_written_run(tmp_path) -> None:
    # What a user gets, read back from disk (sites.gpkg and summary.json of `siting run`), passes the
    # checker: rounding and type conversion on the way out do not break a single rule.
    import json

    import geopandas as gpd
    from typer.testing import CliRunner

    from model.cli import app
    from model.config import load_scenario
    from model.inputs.load import load_inputs

    scenario = tmp_path / "de.toml"
    scenario.write_text('name = "de"\n[candidates]\nstates = ["DE", "MD"]\n[budget]\nequity_usd = 3e9\n[solver]\nthreads = 1\n')
    assert CliRunner().invoke(app, ["run", str(scenario)]).exit_code == 0
    sites = gpd.read_file(tmp_path / "de" / "sites.gpkg").set_index("site_id")
    summary = json.loads((tmp_path / "de" / "summary.json").read_text())
    assert len(sites) >= 1
    assert check_solution(load_inputs(load_scenario(scenario)), sites, summary) == []


def test_checker_flags_headroom_violation() -> None:
    inputs, out = _solved()
    sites = out.sites.copy()
    sites.loc["S2", "blocks_A"] += 1  # 7 MW on 6 MW of headroom; capex and IT now disagree too
    problems = check_solution(inputs, sites, out.summary)
    assert any("exceeds headroom + upgrade" in p for p in problems)
    assert any("it_mw" in p for p in problems)


def test_checker_flags_budget_and_objective() -> None:
    inputs, out = _solved()
    tight = tiny_inputs(tiny_scenario(budget={"equity_usd": 50e6}))
    problems = check_solution(tight, out.sites, out.summary)
    assert any("exceeds budget" in p for p in problems)
    summary = dict(out.summary, objective=999.0)
    assert any("objective 999.0 != recomputed 560" in p for p in check_solution(inputs, out.sites, summary))


def test_checker_flags_excluded_site() -> None:
    inputs, out = _solved()
    excluded = tiny_inputs(tiny_scenario(policies=[{"type": "exclude", "states": ["XB"]}]))
    assert "S2: built where a policy excludes it" in check_solution(excluded, out.sites, out.summary)


def test_checker_flags_latency_violation() -> None:
    # The unconstrained optimum builds S2 only; S2 is 2.21 ms from Wichita, beyond a 2.1 ms limit.
    inputs, out = _solved()
    rule = {"type": "latency", "max_ms": 2.1, "share_of_compute": 0.5, "demand_states": ["KS"]}
    latency = tiny_inputs(tiny_scenario(policies=[rule]))
    assert check_solution(latency, out.sites, out.summary) == [
        "latency[0]: no built site is within 2.1 ms of any demand point"
    ]
