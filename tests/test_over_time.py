"""Rules over time in the one model (every policy takes from_year / until_year / by_year), the ranking
by the objective's economics over the horizon, and the certificate of a screened candidate set. Tiny
instances solved by hand (tests/test_pathway.py's conventions: GPU "A" is 1 MW of IT, $10M and 100 PFLOPS
a block; a site costs $5M; no revenue, energy, O&M or discounting unless a test prices it)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from model.config import scenario_from_dict
from model.core.errors import ScenarioError
from model.inputs.roadmap import check_roadmap
from model.workflows.screening import certify, screen
from tests.test_pathway import ROADMAP, free_sites, online, pathway_inputs, pathway_scenario, solve_tiny_pathway

NO_RENT = check_roadmap(ROADMAP.reset_index().assign(rental_usd_per_gpu_hour=0.0), "roadmap")
# One site, firm from 2026, 10 MW, buildings at $1M per MW: $16M in 2026 opens it with one block (site $5M,
# building $1M, block $10M), $11M a year adds a MW of building and a block. With no money left over in a
# year nothing is built ahead. PFLOPS-years without discounting: 100 x (1 + 2 + 3) = 600.
SPREAD = {"equity_usd_by_year": [16e6, 11e6, 11e6]}
SHELL = {"shell_usd_per_mw": 1e6}


def solve_one_site(policies: list[dict[str, Any]]) -> Any:
    sc = pathway_scenario(SPREAD, budget={"equity_usd": 38e6}, policies=policies)
    return solve_tiny_pathway(sc, free_sites([0.0], [10.0]), roadmap=NO_RENT, **SHELL)


def test_without_rules_the_campus_grows_every_year() -> None:
    out = solve_one_site([])
    assert out.summary["objective"] == pytest.approx(600.0)
    assert online(out, "S1") == {2026: 1.0, 2027: 2.0, 2028: 3.0}


def test_moratorium_from_a_year_on_stops_growth_not_the_campus() -> None:
    # From 2027 no new capacity in XA: whatever is built in 2026 is all there will be, GPUs may still be
    # added inside it. Best: 2 MW of building in 2026 ($5M + $2M, cash $9M carried), 2 blocks in 2027
    # ($20M of $9M + $11M), nothing in 2028 (no room): 100 x (0 + 2 + 2) = 400. (1 MW with a block in
    # 2026 gives 300; 3 MW gives 0 + 1 + 3 = 400 too, but 2 is found; without the moratorium 600.)
    out = solve_one_site([{"type": "moratorium", "states": ["XA"], "from_year": 2027}])
    assert out.summary["objective"] == pytest.approx(400.0)
    cap = out.site_years.set_index("year")["capacity_mw"]
    assert cap[2027] == pytest.approx(cap[2026]) and cap[2028] == pytest.approx(cap[2026])
    # Its marginal value is per year: "moratorium 2027" binds (one more MW there would buy PFLOPS-years).
    assert any(v["rule"].startswith("moratorium") for v in out.summary["marginal_values"])


def test_moratorium_from_the_first_year_is_the_snapshot_rule() -> None:
    sc = pathway_scenario(SPREAD, budget={"equity_usd": 38e6}, policies=[{"type": "moratorium", "states": ["XA"]}])
    from model.workflows.engine import solve_scenario

    out = solve_scenario(sc, pathway_inputs(sc, free_sites([0.0, 0.0], [10.0, 10.0]), roadmap=NO_RENT, **SHELL))
    # S1 (XA) never gets a MW; S2 (XB) takes the same path: 600.
    assert out.summary["objective"] == pytest.approx(600.0)
    assert out.timeline is not None and set(out.timeline.sites["site_id"]) == {"S2"}


def test_exclusion_from_a_year_on_freezes_the_site() -> None:
    out = solve_one_site([{"type": "exclude", "states": ["XA"], "from_year": 2028}])
    # No new building in 2028: 100 x (1 + 2 + 2) = 500 (or 1 + 1 + 3, building 3 MW ahead in 2027: a tie).
    assert out.summary["objective"] == pytest.approx(500.0)
    cap = out.site_years.set_index("year")["capacity_mw"]
    assert cap[2028] == pytest.approx(cap[2027])


def test_carbon_cap_path_by_year() -> None:
    # 1 MW at load factor 1 and 400 kg/MWh emits 3,504 t a year. A cap of 2 x 3,504 t from 2028 holds the
    # campus at 2 MW that year (the blocks bought stay online, so the third is never bought): 500.
    cap = {"type": "carbon_cap", "max_tco2_per_year": 1e9, "by_year": {"2028": {"max_tco2_per_year": 2 * 3504.0}}}
    sc = pathway_scenario(SPREAD, budget={"equity_usd": 38e6}, policies=[cap])
    sites = free_sites([0.0], [10.0]).assign(co2_kg_per_mwh=[400.0])
    out = solve_tiny_pathway(sc, sites, roadmap=NO_RENT, **SHELL)
    assert out.summary["objective"] == pytest.approx(500.0)
    assert online(out, "S1") == {2026: 1.0, 2027: 2.0, 2028: 2.0}
    labels = {v["rule"] for v in out.summary["marginal_values"]}
    assert "carbon_cap 2028" in labels and "carbon_cap 2027" not in labels


@pytest.mark.parametrize(
    "policy, message",
    [
        ({"type": "carbon_cap", "max_tco2_per_year": 1.0, "by_year": {"20x0": {"max_tco2_per_year": 2.0}}}, "not a year"),
        ({"type": "carbon_cap", "max_tco2_per_year": 1.0, "by_year": {"2030": {"max_tco2": 2.0}}}, "unknown field 'max_tco2'"),
        ({"type": "carbon_cap", "max_tco2_per_year": 1.0, "by_year": {"2030": {"max_tco2_per_year": -2.0}}}, "by_year.2030"),
        ({"type": "moratorium", "states": ["VA"], "from_year": 2030, "until_year": 2028}, "before from_year"),
        ({"type": "moratorium", "states": ["VA"], "by_year": {"2030": {"type": "exclude"}}}, "cannot change by year"),
    ],
)
def test_bad_paths_are_one_line_errors(policy: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        scenario_from_dict({"name": "x", "budget": {"equity_usd": 1e9}, "policies": [policy]})


def test_ranking_over_time_prefers_earlier_power() -> None:
    # Two identical sites but for their grid queue (0 and 2 years), no bridge: with rental revenue the one
    # powered in 2026 earns two more years and ranks first; the other is online in 2028.
    from model.results.campus_time import rank_over_time

    sc = pathway_scenario({"objective": "max_npv"}, budget={"equity_usd": 1e9})
    inputs = pathway_inputs(sc, free_sites([2.0, 0.0], [10.0, 10.0]))
    r = rank_over_time(inputs)
    assert r.loc["S2", "rank"] == 1 and r.loc["S1", "rank"] == 2
    assert r.loc["S2", "first_year_online"] == 2026 and r.loc["S1", "first_year_online"] == 2028
    assert r.loc["S1", "time_to_power_years"] == 2.0 and (r["power_route"] == "firm").all()
    assert r.attrs["score_unit"] == "NPV per $ of capex"
    # Same campus and prices: the earlier one's NPV is larger by two years of its margin.
    assert r.loc["S2", "npv_usd"] > r.loc["S1", "npv_usd"] > 0


def test_certificate_readmits_what_beats_the_worst_built_campus() -> None:
    # Zone z1 keeps its best (a, score 0.9); zone z2 its only one (c, 0.2). b (0.5) is left out. If the
    # solution builds c, b beats it: re-admitted, not certified. If it builds a only, b (0.5 < 0.9) cannot help.
    ranking = pd.DataFrame({"score": [0.9, 0.5, 0.2], "capex_at_online_usd": [1e9, 2e9, 1e9]}, index=["a", "b", "c"])
    ranking.attrs["score_unit"] = "NPV per $ of capex"
    cert, better = certify(ranking, ["a", "c"], ["a", "c"], 3, rounds=1, readmitted=0)
    assert not cert.certified and better == ["b"]
    assert cert.threshold_score == 0.2 and cert.largest_excluded_site == "b"
    assert cert.largest_excluded_bound_usd == pytest.approx((0.5 - 0.2) * 2e9)
    cert, better = certify(ranking, ["a", "c"], ["a"], 3, rounds=1, readmitted=0)
    assert cert.certified and better == []


def test_screen_keeps_the_best_per_zone_then_overall() -> None:
    sc = pathway_scenario({"candidates_per_zone": 1, "max_candidates": 2}, budget={"equity_usd": 1e9})
    inputs = pathway_inputs(sc, free_sites([0.0, 0.0, 0.0], [10.0, 10.0, 10.0]))
    ranking = pd.DataFrame({"score": [0.3, 0.9, 0.5]}, index=["S1", "S2", "S3"])
    # States XA, XB, XC are the groups (legacy supply): one each, then the best two overall.
    assert screen(ranking, inputs) == ["S2", "S3"]


def test_hourly_dispatch_in_chosen_years_the_rest_annual() -> None:
    # [energy] over time: the last model year (the default) is dispatched hour by hour, 2026 is annual. One
    # XA site, two representative hours (solar at 1 / 0, price 20 % / 180 % of $50): the hourly year's energy
    # bill is what the dispatch pays, the annual year's the flat price.
    from dataclasses import replace

    from model.milp.build import build_model
    from model.workflows.engine import solve_scenario
    from tests.conftest import tiny_inputs
    from tests.test_energy import energy
    from tests.test_pathway import bridge_costs

    sc = pathway_scenario({"years": [2026, 2027]}, budget={"equity_usd": 40e6},
                          energy={"enabled": True, "onsite": ["solar", "battery"]})
    sites = free_sites([0.0], [10.0]).assign(price_usd_per_mwh=[50.0])
    inputs = replace(tiny_inputs(sc, sites, energy=energy()), roadmap=NO_RENT, gpus=NO_RENT.loc[["A"]],
                     energy_costs=bridge_costs(1000.0))
    sm = build_model(inputs)
    assert sm.at(2026).data.energy is None and sm.at(2027).data.energy is not None and sm.hourly
    assert sm.at(2027).m.component("HOURS") is not None and sm.at(2026).m.component("HOURS") is None
    out = solve_scenario(sc, inputs)
    assert out.summary["status"] == "optimal" and out.dispatch is not None
    assert set(out.dispatch["zone"]) == {"XA"}
    with pytest.raises(ScenarioError, match="energy.years: 2030 is not one of the pathway years"):
        scenario_from_dict({"name": "x", "budget": {"equity_usd": 1e9}, "energy": {"enabled": True, "years": [2030]},
                            "pathway": {"years": [2026, 2027]}})


def test_impossible_phases_and_debt_without_investment_are_refused() -> None:
    # A 3,000 MW phase cannot fit a 100 MW campus: refused before any solve, naming the field.
    from model.workflows.engine import solve_scenario

    sc = pathway_scenario({"phase_mw": 3000.0}, budget={"equity_usd": 40e6})
    with pytest.raises(ScenarioError, match="pathway.phase_mw: 3,000 MW is more than a campus may hold"):
        solve_scenario(sc, pathway_inputs(sc, free_sites([0.0], [10.0]), roadmap=NO_RENT))
    # Debt at 5 % discounted at 8 % would be an NPV of nothing if it could be drawn and handed back: with no
    # revenue and nothing worth building, the best plan builds nothing and its NPV is 0, not positive.
    sc = pathway_scenario({"objective": "max_npv", "discount_rate": 0.08, "interest_rate": 0.05},
                          budget={"equity_usd": 1e6, "debt_usd": 1e9})
    out = solve_tiny_pathway(sc, free_sites([0.0], [10.0]), roadmap=NO_RENT)
    assert out.summary["objective"] == pytest.approx(0.0, abs=1e-3)
    assert out.summary["investor"]["debt_drawn_usd"] == pytest.approx(0.0, abs=1e-3)
