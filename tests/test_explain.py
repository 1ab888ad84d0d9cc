"""Explaining the answer: the ranking, runner-ups and near ties in every run, `siting rank`, and the
end-of-run printout that names the sites (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from model.cli import app
from tests.conftest import solve_tiny, tiny_scenario, tiny_sites

runner = CliRunner()
# The tiny instance's numbers are legacy headroom (conftest.py); zonal rankings: tests/test_zonal_outputs.py.
LEGACY = {"model": "legacy"}
DE = """
name = "de"
[candidates]
states = ["DE"]
[budget]
equity_usd = 2e9
[solver]
threads = 1
mip_gap = 0.0
"""


def test_identical_runner_up_is_a_near_tie() -> None:
    # S1 and S2 are the same site (6 MW, same costs); max_sites = 1 lets one be built, so the
    # other is a runner-up at no distance from the built campus: a near tie by construction.
    sc = tiny_scenario(policies=[{"type": "max_sites", "count": 1}], supply=LEGACY)
    out = solve_tiny(sc, tiny_sites(headroom_mw=[6.0, 6.0, 0.0], state=["XA", "XB", "XC"]))
    ups = out.summary["runner_ups"]
    assert out.summary["near_tie"] is True
    built = set(out.sites.index)
    assert len(built) == 1 and ups[0]["site_id"] in {"S1", "S2"} - built
    # The two have the same single-campus $ per PFLOPS in the ranking; the gap is measured against
    # the budget's marginal $ per PFLOPS, which a binding max_sites pushes up (so it is negative).
    ranked = out.ranking.set_index(out.ranking.index.astype(str))
    assert ranked.loc["S1", "usd_per_pflops"] == pytest.approx(ranked.loc["S2", "usd_per_pflops"])
    assert ups[0]["gap_share"] <= 0.0


def test_distant_runner_up_is_no_near_tie() -> None:
    # Now S2 has 1 MW of headroom and campuses are capped at 6 MW: its best campus is one A block
    # (100 PFLOPS) for $5M fixed + $10M = $150,000 per PFLOPS. The margin is the budget dual: S1 is
    # full (6 MW), so one more dollar buys PFLOPS only by swapping a B block (2 MW, $15M, 160) for two
    # A blocks (2 MW, $20M, 200): 40 PFLOPS for $5M, i.e. $125,000 per PFLOPS. S2 is 20 % above it.
    sc = tiny_scenario(policies=[{"type": "max_sites", "count": 1}], supply=LEGACY)
    out = solve_tiny(sc, tiny_sites(headroom_mw=[6.0, 1.0, 0.0]), max_campus_mw=6.0)
    assert out.summary["near_tie"] is False
    s2 = next(u for u in out.summary["runner_ups"] if u["site_id"] == "S2")
    assert s2["usd_per_pflops"] == pytest.approx(150_000.0)
    assert s2["gap_share"] == pytest.approx(0.2)


def test_run_names_sites_and_ranks_every_candidate(tmp_path: Path) -> None:
    scenario = tmp_path / "de.toml"
    scenario.write_text(DE)
    result = runner.invoke(app, ["run", str(scenario)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "de"
    sites = gpd.read_file(out / "sites.gpkg")
    assert "sites built" in result.output
    for name in sites["county_name"]:
        assert name in result.output
    assert "objective" not in result.output  # max_compute: it would repeat the compute row
    summary = json.loads((out / "summary.json").read_text())
    assert {"runner_ups", "near_tie", "marginal_values"} <= summary.keys()
    ranked = pd.read_csv(out / "rank.csv", dtype={"site_id": str})
    assert len(ranked) == 3  # Delaware's three counties
    assert set(ranked.loc[ranked["built"], "site_id"]) == set(sites["site_id"])
    # Built rows also say what the optimum built there (it may differ from the best single campus).
    built_mw = ranked.set_index("site_id").loc[sites["site_id"], "built_facility_mw"].to_numpy()
    assert built_mw == pytest.approx(sites["facility_mw"].to_numpy(), abs=1e-3)
    assert ranked.loc[~ranked["built"], "built_facility_mw"].isna().all()
    # The binding budget's marginal value is reported in plain units.
    assert any(v["rule"] == "budget" and v["value_per_unit"] > 0 for v in summary["marginal_values"])
    # Zonal supply (the default): the ranking says where each campus would get its power, as the run does.
    assert summary["supply_model"] == "zonal"
    assert {"zone", "spare_firm_mw_zone", "substation_kv", "substation_km", "connection_cost_usd", "time_to_power_years",
            "new_generation_mw", "new_generation_firm_mw"} <= set(ranked.columns)
    assert "headroom_mw" not in ranked.columns and "upgrade_tier" not in ranked.columns
    by_site = ranked.set_index("site_id")
    for col in ("zone", "time_to_power_years", "spare_firm_mw_zone"):
        assert by_site.loc[sites["site_id"], col].tolist() == sites[col].tolist()
    # Each ranked campus is priced with its own connection: substation + spur, within the option's MW.
    has = ranked.loc[ranked["rank"].notna()]
    assert (has["connection_cost_usd"] > 0).all() and (has["facility_mw"] <= has["connection_mw"] + 1e-6).all()
    assert (has["connection_cost_usd"] == has["capex_interconnect_usd"]).all()
    report = (out / "report.html").read_text(encoding="utf-8")
    assert '<h2 id="supply">Supply</h2>' in report and "Each site's connection" in report
    for zone in sites["zone"]:
        assert f"<td>{zone}</td>" in report


def test_rank_command(tmp_path: Path) -> None:
    scenario = tmp_path / "de.toml"
    scenario.write_text(DE)
    result = runner.invoke(app, ["rank", str(scenario), "--top", "2"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "de-rank"
    ranked = pd.read_csv(out / "rank.csv")
    layer = gpd.read_file(out / "rank.gpkg")
    assert len(ranked) == len(layer) == 3
    assert ranked["rank"].tolist() == sorted(ranked["rank"].tolist())
    assert ranked["built"].sum() >= 1
    quick = runner.invoke(app, ["rank", str(scenario), "--no-solve", "--out", str(tmp_path / "quick")])
    assert quick.exit_code == 0, quick.output
    assert not pd.read_csv(tmp_path / "quick" / "rank.csv")["built"].any()
    # The same error contract as every command.
    assert runner.invoke(app, ["rank", str(tmp_path / "missing.toml")]).exit_code == 2


def test_summary_keys_are_the_typed_schema() -> None:
    # summary.json has exactly the keys RunSummary declares, whatever the mode or status.
    from model.results.tables import RunSummary

    required = RunSummary.__required_keys__
    optional = RunSummary.__optional_keys__
    solved = solve_tiny(tiny_scenario(supply=LEGACY)).summary
    assert required <= solved.keys() <= required | optional
    assert {"marginal_values", "runner_ups", "near_tie"} <= solved.keys()
    infeasible = solve_tiny(
        tiny_scenario(policies=[{"type": "min_sites", "count": 3}], supply=LEGACY), tiny_sites(land_available_acres=[1e6, 1e6, 0.0]),
        min_campus_mw=1.0,
    ).summary
    assert infeasible["status"] == "infeasible" and required <= infeasible.keys() <= required | optional
    assert "emissions_tco2" not in solved and solved["objective_unit"] == "PFLOPS"
