"""Each policy type binds on the tiny instance with a hand-derived change of the optimum.

Tiny instance (conftest.py): A = 1 MW, $10M, 100 PFLOPS; B = 2 MW, $15M, 160 PFLOPS per block.
S1 (XA) 4 MW headroom, water stress 1, queue 3 yr; S2 (XB) 6 MW, stress 4, queue 5 yr;
S3 (XC) 0 MW (+10 MW tier for $20M), stress 2, queue 4 yr. $5M per site, PUE 1, budget $60M.
Unconstrained optimum: S2 with 1 B + 4 A = 560 PFLOPS. Best two-site plan (S1 + S2, $50M of
GPUs): 2 B + 2 A = 520. S1 alone: 4 A = 400.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyomo.environ as pyo
import pytest
from shapely.geometry import box

from model.core.errors import ScenarioError
from tests.conftest import solve_tiny, tiny_inputs, tiny_scenario


def optimum(*policies: dict, **raw: object) -> dict:
    out = solve_tiny(tiny_scenario(policies=list(policies), **raw))
    assert out.summary["status"] == "optimal"
    return out.summary


def test_baseline() -> None:
    assert optimum()["objective"] == pytest.approx(560.0)


def test_moratorium_in_state() -> None:
    # No MW in XB: as without S2, S1 alone gives 400 (S3 with its upgrade at most 360).
    assert optimum({"type": "moratorium", "states": ["XB"]})["objective"] == pytest.approx(400.0)


def test_moratorium_from_polygon_file(tmp_path: Path) -> None:
    # A polygon around S2's point (-99, 40) only.
    gpd.GeoDataFrame(geometry=[box(-99.5, 39.5, -98.5, 40.5)], crs="EPSG:4326").to_file(tmp_path / "zone.gpkg")
    sc = tiny_scenario(policies=[{"type": "moratorium", "file": "zone.gpkg"}])
    sc._origin = str(tmp_path / "scenario.toml")
    (tmp_path / "scenario.toml").write_text("")
    out = solve_tiny(sc)
    assert out.summary["objective"] == pytest.approx(400.0)


def test_max_share_per_state() -> None:
    # Share 0.5 with two sites forces equal MW. With $50M after two fixed costs: 1 B + 1 A (3 MW, $25M,
    # 260) at each = 520; 2 A + 2 A = 400; 4 MW each needs >= $60M. A single site breaks the 50 % rule.
    s = optimum({"type": "max_share_per_state", "share": 0.5})
    assert s["objective"] == pytest.approx(520.0)
    assert s["facility_mw_by_state"] == {"XA": pytest.approx(3.0), "XB": pytest.approx(3.0)}


def test_min_sites() -> None:
    # Two sites at least: the best two-site plan, 520.
    s = optimum({"type": "min_sites", "count": 2})
    assert s["objective"] == pytest.approx(520.0) and s["sites_built"] == 2


def test_max_sites() -> None:
    # With XB capped at 3 MW the optimum uses S1 + S2 (520, see test_tiny_optimum); one site at most:
    # S1 alone 400 beats S2 capped (3 A = 300) and S3 upgraded (1 B + 2 A = 360).
    cap = {"type": "state_mw_cap", "caps_mw": {"XB": 3.0}}
    assert optimum(cap)["objective"] == pytest.approx(520.0)
    assert optimum(cap, {"type": "max_sites", "count": 1})["objective"] == pytest.approx(400.0)


def test_carbon_cap() -> None:
    # 0.4 t/MWh at load factor 1: a cap of 4 MW x 8,760 h x 0.4 = 14,016 t/yr allows 4 MW in all:
    # best 4 MW plan is 4 A at one site = 400.
    s = optimum({"type": "carbon_cap", "max_tco2_per_year": 4 * 8760 * 0.4})
    assert s["objective"] == pytest.approx(400.0)
    assert s["co2_t_per_year"] == pytest.approx(4 * 8760 * 0.4)


def test_carbon_price_enters_energy_cost() -> None:
    # Same numbers as test_min_cost_counts_energy_and_carbon, with the price given as a policy.
    s = optimum(
        {"type": "carbon_price", "usd_per_tco2": 100.0},
        objective={"sense": "min_cost", "target_it_mw": 2.0},
        budget=None,
        costs={"horizon_years": 1.0},
    )
    assert s["objective"] == pytest.approx(1e6 * (20 + 0.876 + 0.7008))


def test_water_cap_makes_dry_cooling_a_decision() -> None:
    # S2 is water-stressed (4 >= 3). Evaporative water is 1.0 m3/MWh of IT, dry 0.05 at +0.08 PUE.
    # Cap 0.05 x 8,760 x 5 = 2,190 m3/yr: S2 can run at most 5 MW of IT, all dry-cooled
    # (IT - 0.95 dry <= 0.25 MW-equivalents; 6 MW would need dry > IT). S2 alone: 5 A = 500.
    # S1 + S2 keep 2 B + 2 A = 520 (2 MW dry at S2), still the optimum.
    out = solve_tiny(tiny_scenario(policies=[{"type": "water_cap", "max_m3_per_year": 0.05 * 8760 * 5}]))
    assert out.summary["objective"] == pytest.approx(520.0)
    sites = out.sites
    s2 = sites.loc["S2"]
    assert s2["dry_cooled_it_mw"] > 0
    assert s2["water_m3_per_year"] <= 0.05 * 8760 * 5 + 1


def test_tax_incentive() -> None:
    # GPUs half price in XA (A $5M, B $7.5M at S1). Two sites, S1 + S2 with $50M: S1 4 A ($20M, 400)
    # + S2 2 B ($30M, 320) = 720. Better: S1 alone with the 10 MW tier ($5M + $20M) and $35M of GPUs
    # over 14 MW: B gives 21.3 PFLOPS/$M, A 20, so 4 B + 1 A ($30M + $5M, 9 MW) = 740.
    s = optimum({"type": "tax_incentive", "states": ["XA"], "gpu_capex_discount_share": 0.5})
    assert s["objective"] == pytest.approx(740.0)
    assert s["capex_usd_by_part"]["interconnect"] == pytest.approx(20e6)


def test_time_to_power_exclude() -> None:
    # Queue limit 4 years drops S2 (5 years): S1 alone, 400.
    assert optimum({"type": "time_to_power", "max_years": 4.0})["objective"] == pytest.approx(400.0)


def test_time_to_power_penalty() -> None:
    # S2 is 1 year late: $1M per MW. S2 alone: 5 A costs $50M + $5M penalty = $55M -> 500; the 560 plan
    # (6 MW) would cost $61M. Two-site plans top out at 480 (S1 2 B + S2 1 B). Optimum 500.
    s = optimum({"type": "time_to_power", "max_years": 4.0, "mode": "penalty", "penalty_usd_per_mw_year": 1e6})
    assert s["objective"] == pytest.approx(500.0)


def test_data_residency() -> None:
    # Half of all PFLOPS in XA (S1): S1 2 B (320) + S2 2 A (200) = 520 with $50M.
    s = optimum({"type": "data_residency", "states": ["XA"], "min_share": 0.5})
    assert s["objective"] == pytest.approx(520.0)


def test_latency() -> None:
    # Users in Kansas cities of 250k+ people: Wichita only. One-way fibre latency (great circle x 1.5
    # at 200 km/ms) from S1/S2/S3 is 2.59/2.21/1.97 ms, so with 2.1 ms only S3 serves it, and S3 must
    # hold half of all compute. S3 needs its $20M tier: alone, $35M of GPUs buy 1 B + 2 A = 360; with
    # S2 as well ($30M left, S2 <= S3) at most 2 B split or 2 B at S3 = 320. Optimum 360.
    out = solve_tiny(
        tiny_scenario(
            policies=[{"type": "latency", "max_ms": 2.1, "share_of_compute": 0.5, "demand_states": ["KS"]}]
        )
    )
    assert out.summary["objective"] == pytest.approx(360.0)
    assert list(out.sites.index) == ["S3"]


def test_unknown_policy_field_is_named() -> None:
    with pytest.raises(ScenarioError, match="policies.0.water_cap.max_litres: unknown key"):
        tiny_scenario(policies=[{"type": "water_cap", "max_m3_per_year": 5, "max_litres": 5}])


def test_unknown_policy_type_lists_the_known_ones() -> None:
    with pytest.raises(ScenarioError, match="'moratorium'"):
        tiny_scenario(policies=[{"type": "renewable_quota", "share": 0.5}])


def test_every_policy_type_is_one_module_with_a_check() -> None:
    # The checker has no per-type branches: a type without its own check would go unverified.
    from model.policies import REGISTRY

    assert len(REGISTRY) == 15
    for kind, module in REGISTRY.items():
        assert callable(getattr(module, "check", None)), f"{kind} has no check()"
        assert hasattr(module, "Params")
        assert set(getattr(module, "SWEEPABLE", ())) <= set(module.Params.model_fields), kind


def test_a_policy_check_catches_a_violation() -> None:
    # Feed the checker a plan that breaks a state cap: the policy's own check must report it.
    from model.check import check_solution

    sc = tiny_scenario(policies=[{"type": "state_mw_cap", "caps_mw": {"XB": 3.0}}])
    out = solve_tiny(sc)
    sites = out.sites.copy()
    problems_ok = check_solution(tiny_inputs(sc), sites, out.summary, out.dispatch)
    assert problems_ok == []
    uncapped = solve_tiny(tiny_scenario())
    problems = check_solution(tiny_inputs(sc), uncapped.sites, uncapped.summary, uncapped.dispatch)
    assert any(p.startswith("state_mw_cap[0]: state XB") for p in problems), problems


def test_blocks_do_not_edit_each_others_rows() -> None:
    """water_cap only adds its cap row: dry cooling is in the siting block's facility MW and the energy
    block's water; nothing is deactivated (tests/test_energy.py checks the hourly headroom)."""
    from model.milp.build import build_model
    from tests.conftest import tiny_inputs

    sm = build_model(tiny_inputs(tiny_scenario(policies=[{"type": "water_cap", "max_m3_per_year": 1e3}])))
    m = sm.final.m
    assert sm.data.sets.SITES_DRY_OPTION == list(m.SITES_DRY_OPTION)
    for s in m.SITES_DRY_OPTION:
        assert "dry_it_mw" in str(m.facility_mw[s].expr) and "dry_it_mw" in str(m.water_m3_per_year[s].expr)
    assert m.find_component("headroom") is not None
    assert all(c.active for c in sm.m.component_objects(pyo.Constraint))
