"""The second-stage cleanup (model/workflows/cleanup.py) on hand-solved tiny instances: what it removes,
what that costs, when it keeps the original, and that it leaves the model as built."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from model.inputs.roadmap import check_roadmap
from model.milp.build import build_model
from model.milp.model_data import SitingModel
from model.solve.highs import SolveResult, solve_model
from model.workflows.cleanup import MIN_GPU_IT_MW, MIN_GPU_SHARE, clean_solution, gpu_fragments
from tests.conftest import solve_tiny, tiny_inputs, tiny_scenario, tiny_sites
from tests.test_pathway import ROADMAP, free_sites, pathway_inputs, pathway_scenario
from tests.test_supply import tiny_supply, zonal_inputs, zonal_scenario

# One campus, S1, with 202 MW of headroom (S2 and S3 excluded), campus cap 1,000 MW. $1,515M: $5M fixed
# leaves $1,510M. GPU "B" (2 MW, $15M, 160 PFLOPS) gives the most PFLOPS per $, so: 100 B ($1,500M) and
# one A (1 MW, $10M, 100 PFLOPS) with the last $10M = 16,100 PFLOPS on 201 MW (99 B + 2 A: 16,040;
# 100 B alone: 16,000). The A block is 1 MW of 201: 0.5 % of the campus' IT, below the 1 % share.
# Without it the plan is 100 B = 16,000 PFLOPS: 100 / 16,100 = 0.621 % worse.
ONE_CAMPUS = {"exclude": {"type": "exclude", "counties": ["00002", "00003"]}}
COST_OF_A = 100.0 / 16_100.0


def one_campus(gap: float, **raw: Any) -> tuple[Any, Any]:
    sc = tiny_scenario(budget={"equity_usd": 1515e6}, solver={"mip_gap": gap, "threads": 1},
                       policies=[ONE_CAMPUS["exclude"]], **raw)
    return sc, tiny_inputs(sc, tiny_sites(headroom_mw=[202.0, 0.0, 0.0]), max_campus_mw=1000.0)


def optimum(sm: SitingModel, gap_solved: float = 0.0) -> SolveResult:
    """The exact optimum (gap 0), so the cleanup starts from the hand-derived plan whatever gap it allows."""
    sc = sm.data.inputs.scenario
    return solve_model(sm.m, sc.solver.model_copy(update={"mip_gap": gap_solved}))


def blocks(sm: SitingModel) -> dict[tuple[str, str], float]:
    return {k: float(v.value) for k, v in sm.final.m.blocks.items() if v.value}


def test_stray_gpu_type_is_removed_within_the_gap() -> None:
    sc, inputs = one_campus(0.01)
    sm = build_model(inputs)
    result = optimum(sm)
    assert result.objective == pytest.approx(16_100.0)
    assert blocks(sm) == {("S1", "A"): 1.0, ("S1", "B"): 100.0}
    (frag,) = gpu_fragments(sm.final)
    assert (frag.where, frag.what, frag.amount, frag.it_mw) == ("S1", "A", 1.0, 1.0)
    assert frag.it_mw < MIN_GPU_SHARE * 201.0 and frag.it_mw >= MIN_GPU_IT_MW  # removed by the share, not the size
    cleaned = clean_solution(sm, result)
    rec = cleaned.record
    assert rec["status"] == "cleaned"
    assert rec["removed"] == [{"kind": "gpu", "where": "S1", "name": "One, XA", "what": "A", "amount": 1.0, "unit": "blocks", "it_mw": 1.0}]
    assert rec["objective_before"] == pytest.approx(16_100.0)
    assert rec["objective_after"] == pytest.approx(16_000.0)
    assert rec["relative_cost"] == pytest.approx(COST_OF_A)
    assert cleaned.result.objective == pytest.approx(16_000.0)
    assert blocks(sm) == {("S1", "B"): 100.0}  # the model holds the cleaned plan
    # The original solve's bound (16,100, proved at gap 0) against the cleaned plan: 100 / 16,000.
    assert cleaned.result.mip_gap == pytest.approx(100.0 / 16_000.0)


def test_fragment_is_kept_when_removing_it_costs_more_than_the_gap() -> None:
    sc, inputs = one_campus(0.005)  # 0.621 % > 0.5 %
    sm = build_model(inputs)
    bounds_before = {k: (v.lb, v.ub) for k, v in sm.final.m.blocks.items()}
    build_before = {k: (v.lb, v.ub) for k, v in sm.final.m.build.items()}
    result = optimum(sm)
    cleaned = clean_solution(sm, result)
    rec = cleaned.record
    assert rec["status"] == "kept_original"
    assert rec["attempts"][0]["relative_cost"] == pytest.approx(COST_OF_A)
    assert [(f["where"], f["what"]) for f in rec["fragments_left"]] == [("S1", "A")]
    assert cleaned.result is result
    assert blocks(sm) == {("S1", "A"): 1.0, ("S1", "B"): 100.0}  # the original plan is back
    # Every bound as built, so a cached model re-solves the scenario unchanged.
    assert {k: (v.lb, v.ub) for k, v in sm.final.m.blocks.items()} == bounds_before
    assert {k: (v.lb, v.ub) for k, v in sm.final.m.build.items()} == build_before
    assert optimum(sm).objective == pytest.approx(16_100.0)


def two_campuses(gap: float) -> SitingModel:
    # GPU "B" only (2 MW, $15M, 160 PFLOPS). S1 holds 150 B in its 300 MW ($2,250M + $5M); S2 (2 MW) one more B
    # for its $5M + $15M: $2,275M buys 24,160 PFLOPS. S2 is 160 / 24,160 = 0.662 % of the plan (a small campus,
    # under 5 %, and under a 1 % gap): without it S1's 150 B give 24,000.
    sc = tiny_scenario(gpus={"types": ["B"]}, budget={"equity_usd": 2275e6}, solver={"mip_gap": gap, "threads": 1},
                       policies=[{"type": "exclude", "counties": ["00003"]}])
    return build_model(tiny_inputs(sc, tiny_sites(headroom_mw=[300.0, 2.0, 0.0]), max_campus_mw=1000.0))


def test_small_campus_stays_when_removing_it_costs_more_than_the_gap() -> None:
    sm = two_campuses(0.005)  # 0.662 % > 0.5 %
    result = optimum(sm)
    rec = clean_solution(sm, result).record
    assert rec["status"] == "nothing_to_clean" and rec["sites_near_gap"] == []
    (attempt,) = rec["attempts"]  # S2 only: S1 is 99 % of the plan
    assert attempt["removing"] == "campus Two, XB"
    assert attempt["relative_cost"] == pytest.approx(160 / 24_160)
    assert blocks(sm) == {("S1", "B"): 150.0, ("S2", "B"): 1.0}


def test_campus_within_the_gap_is_removed() -> None:
    sm = two_campuses(0.01)
    result = optimum(sm)
    assert result.objective == pytest.approx(24_160.0)
    assert blocks(sm) == {("S1", "B"): 150.0, ("S2", "B"): 1.0}
    rec = clean_solution(sm, result).record
    assert rec["sites_near_gap"] == [{"site_id": "S2", "name": "Two, XB", "share": round(160 / 24_160, 6), "facility_mw": 2.0, "it_mw": 2.0}]
    assert rec["status"] == "cleaned"
    assert rec["removed"] == [{"kind": "campus", "where": "S2", "name": "Two, XB", "what": "campus", "amount": 2.0, "unit": "MW facility",
                              "it_mw": 2.0}]
    assert rec["objective_after"] == pytest.approx(24_000.0)
    assert rec["relative_cost"] == pytest.approx(160 / 24_160)
    assert {s: v.value for s, v in sm.final.m.build.items()} == {"S1": 1.0, "S2": 0.0}


def test_sub_mw_plant_is_removed_only_within_the_gap() -> None:
    # tests/test_supply.py's one-site zone Z1, here with 9.8 MW of spare firm capacity. $107.5M: $5M site,
    # $2M connection, 10 A blocks ($100M, 10 MW) need 0.2 firm MW more than the zone has: 0.4 MW of gas CT
    # (credit 0.5) at $1M/MW -- 1,000 PFLOPS (the last $0.1M may buy up to 0.5 MW). Without the plant only
    # 9 blocks fit the 9.8 MW: 900 PFLOPS, 10 % worse: kept at a 1 % gap, removed at 15 %.
    supply = tiny_supply()
    supply = replace(supply, zones=supply.zones.assign(spare_firm_mw=[9.8, 0.0]))
    for gap, status in ((0.15, "cleaned"), (0.01, "kept_original")):
        sc = zonal_scenario(objective={"sense": "max_compute"}, budget={"equity_usd": 107.5e6}, solver={"mip_gap": gap, "threads": 1})
        sm = build_model(zonal_inputs(supply, sc))
        result = optimum(sm)
        assert result.objective == pytest.approx(1000.0)
        rec = clean_solution(sm, result).record
        assert rec["status"] == status
        (plant,) = rec["removed"] if status == "cleaned" else rec["fragments_left"]
        assert (plant["kind"], plant["where"], plant["what"]) == ("plant", "Z1", "gas_ct")
        assert 0.4 - 1e-6 <= plant["amount"] <= 0.5 + 1e-6
        assert rec["attempts"][0]["relative_cost"] == pytest.approx(0.1)
        assert float(sm.final.m.new_gen_mw["Z1", "gas_ct"].value) == (0.0 if status == "cleaned" else pytest.approx(plant["amount"]))


def test_every_model_year_is_cleaned() -> None:
    # The one-campus instance over 2026-2027 (no rental revenue, no discounting, 5-year GPU life): the $1,515M
    # buys 100 B + 1 A in 2026, online both years: 32,200 PFLOPS-years. The A block is a fragment in each year
    # block; without it 32,000 (the same 0.621 %).
    road = check_roadmap(ROADMAP.reset_index().assign(rental_usd_per_gpu_hour=0.0), "roadmap")
    sc = pathway_scenario({"years": [2026, 2027]}, gpus={"types": ["A", "B"]}, budget={"equity_usd": 1515e6},
                          solver={"mip_gap": 0.01, "threads": 1})
    sm = build_model(pathway_inputs(sc, free_sites([0.0], [202.0]), roadmap=road, max_campus_mw=1000.0))
    result = optimum(sm)
    assert result.objective == pytest.approx(32_200.0)
    rec = clean_solution(sm, result).record
    assert rec["status"] == "cleaned"
    assert [(f["year"], f["where"], f["what"]) for f in rec["removed"]] == [(2026, "S1", "A"), (2027, "S1", "A")]
    assert rec["objective_after"] == pytest.approx(32_000.0)
    assert rec["relative_cost"] == pytest.approx(COST_OF_A)
    assert {k: float(v.value) for k, v in sm.m.install.items() if v.value} == {("S1", "B", 2026): 100.0}


def test_the_engine_writes_the_cleaned_plan_and_its_record() -> None:
    # Through the run engine at a 1 % gap: whatever plan HiGHS stops at, the written one has no stray type
    # (the checker re-verifies it in solve_tiny) and is within 1 % of the 16,100 optimum.
    sc, inputs = one_campus(0.01)
    out = solve_tiny(sc, inputs.sites, max_campus_mw=1000.0)
    s = out.summary
    assert s["cleanup"]["status"] in ("cleaned", "nothing_to_clean")
    assert s["objective"] >= 0.99 * 16_100.0 - 1e-6
    row = out.sites.loc["S1"]
    it_a = row["blocks_A"] * 1.0
    assert it_a == 0 or (it_a >= MIN_GPU_IT_MW and it_a >= MIN_GPU_SHARE * row["it_mw"])
    assert s["seconds"]["cleanup"] >= 0.0
    assert s["objective"] == pytest.approx(s["compute_pflops"])


def test_tiny_optimum_has_nothing_to_clean() -> None:
    # conftest's hand-derived optimum (S2: 1 B + 4 A, 560 PFLOPS): both types are >= 1 MW and >= 1 % of 6 MW.
    s = solve_tiny().summary
    assert s["cleanup"]["status"] == "nothing_to_clean"
    assert s["objective"] == pytest.approx(560.0)


def test_printout_says_what_was_kept_and_why() -> None:
    from model.cli import _cleanup_text

    sc, inputs = one_campus(0.005)
    sm = build_model(inputs)
    text = _cleanup_text(clean_solution(sm, optimum(sm)).record)
    assert text == "kept 1 fragment(s) (A x1 blocks at One, XA): removing them costs 0.6211%, more than the 0.50% gap"
    sc, inputs = one_campus(0.01)
    sm = build_model(inputs)
    text = _cleanup_text(clean_solution(sm, optimum(sm)).record)
    assert text == "removed A x1 blocks at One, XA; costs 0.6211% of the objective (within the 1.00% gap)"
