"""Known optima of the tiny instance (see conftest.py for its numbers), one test per constraint."""

from __future__ import annotations

import pytest

from tests.conftest import solve_tiny, tiny_scenario, tiny_sites


def test_hand_derived_optimum_budget_and_headroom_bind() -> None:
    # Budget $60M. Best single site is S2 (6 MW): $5M fixed leaves $55M; with a = B blocks, b = A blocks,
    # 2a + b <= 6 MW and 15a + 10b <= 55 $M: (a, b) = (1, 4) gives 560 PFLOPS, (0, 5) 500, (2, 2) 520.
    # Two sites (S1 + S2) pay $10M fixed: $50M buys at most 2B + 2A = 520. S1 alone: 4A = 400.
    # An upgrade at S3 costs $25M before any GPU: at most 1B + 2A = 360. So: S2 with 1 B + 4 A, 560 PFLOPS.
    out = solve_tiny()
    s = out.summary
    assert s["status"] == "optimal"
    assert s["objective"] == pytest.approx(560.0)
    assert s["capex_usd"] == pytest.approx(60e6)  # budget binds
    sites = out.sites
    assert list(sites.index) == ["S2"]
    assert sites.loc["S2", "blocks_A"] == 4 and sites.loc["S2", "blocks_B"] == 1
    assert sites.loc["S2", "facility_mw"] == pytest.approx(6.0)  # headroom binds
    assert s["gpus"] == 50


def test_budget_is_monotone() -> None:
    # More money never buys less compute (same instance, increasing budgets).
    values = [solve_tiny(tiny_scenario(budget={"equity_usd": b * 1e6})).summary["objective"] for b in (20, 40, 60, 80, 120)]
    assert values == sorted(values)
    # $20M: S1 or S2 with one A block (5 + 10) -> 100 PFLOPS; a B block (5 + 15) -> 160: B wins.
    assert values[0] == pytest.approx(160.0)


def test_upgrade_tier_binds() -> None:
    # One site with 2 MW headroom; the 10 MW tier for $20M lifts it to 12 MW.
    # Budget $500M is ample: $5M + $20M + 12 A blocks ($120M) = 1,200 PFLOPS; B would give 6 x 160 = 960.
    sites = tiny_sites(headroom_mw=[2.0, 0.0, 0.0])
    out = solve_tiny(tiny_scenario(budget={"equity_usd": 500e6}, policies=[{"type": "exclude", "counties": ["00002", "00003"]}]), sites)
    row = out.sites.loc["S1"]
    assert row["upgrade_tier"] == "T1"
    assert row["facility_mw"] == pytest.approx(12.0)
    assert out.summary["objective"] == pytest.approx(1200.0)
    assert row["capex_interconnect_usd"] == pytest.approx(20e6)


def test_land_binds() -> None:
    # S1 has land for 3 acres at 1 acre/MW, so 3 MW although headroom is 4: 3 A blocks = 300 PFLOPS.
    sites = tiny_sites(land_available_acres=[3.0, 1e6, 1e6])
    out = solve_tiny(tiny_scenario(policies=[{"type": "exclude", "counties": ["00002", "00003"]}]), sites)
    assert out.sites.loc["S1", "facility_mw"] == pytest.approx(3.0)
    assert out.summary["objective"] == pytest.approx(300.0)


def test_min_campus_binds() -> None:
    # Without a floor S1 alone gives 4 A = 400 PFLOPS; a 5 MW minimum campus cannot fit in 4 MW of headroom,
    # and S3's upgrade is excluded, so nothing can be built.
    sc = tiny_scenario(policies=[{"type": "exclude", "counties": ["00002", "00003"]}])
    assert solve_tiny(sc).summary["objective"] == pytest.approx(400.0)
    out = solve_tiny(sc, min_campus_mw=5.0)
    assert out.summary["status"] == "optimal"
    assert out.summary["objective"] == pytest.approx(0.0)
    assert out.summary["sites_built"] == 0


def test_max_campus_binds() -> None:
    # Campus cap 3 MW: S2 can host only 3 MW; best is S1 + S2 ($10M fixed, $50M left, 7 MW):
    # 2 B + 2 A = 520 PFLOPS (B at 80/MW, A at 100/MW; 1 B + 3 A + ... would exceed $50M for more).
    out = solve_tiny(max_campus_mw=3.0)
    assert out.summary["objective"] == pytest.approx(520.0)
    assert out.sites["facility_mw"].max() <= 3.0 + 1e-9


def test_state_cap_binds() -> None:
    # Capping state XB (S2) at 3 MW gives the same geometry as a 3 MW campus cap at S2 with S1 at 4 MW:
    # S1 + S2 with $50M after fixed costs: 2 B + 2 A = 520 PFLOPS (vs 560 uncapped).
    out = solve_tiny(tiny_scenario(policies=[{"type": "state_mw_cap", "caps_mw": {"XB": 3.0}}]))
    assert out.summary["objective"] == pytest.approx(520.0)
    assert out.summary["facility_mw_by_state"]["XB"] <= 3.0 + 1e-9


@pytest.mark.parametrize("policy", [{"type": "exclude", "counties": ["00002"]}, {"type": "exclude", "states": ["XB"]}])
def test_exclusion_binds(policy: dict) -> None:
    # Without S2: S1 alone 4 A = 400; S3 with its upgrade at most 360; S1 + S3 at most 320. Optimum 400 at S1.
    out = solve_tiny(tiny_scenario(policies=[policy]))
    assert out.summary["objective"] == pytest.approx(400.0)
    assert "S2" not in out.sites.index


def test_min_cost_hits_gpu_target() -> None:
    # 40 GPUs = 4 blocks of 10. One site with 4 A: $5M + $40M = $45M (4 MW fits S1 or S2);
    # 1 B + 3 A: $50M; 4 B: $65M and 8 MW (two sites, +$5M). Optimum $45M, all A.
    sc = tiny_scenario(objective={"sense": "min_cost", "target_gpus": 40}, budget=None)
    out = solve_tiny(sc)
    assert out.summary["objective"] == pytest.approx(45e6)  # USD: capex + energy PV
    assert out.summary["gpus"] == 40
    assert out.summary["gpus_by_type"] == {"A": 40, "B": 0}


def test_min_cost_counts_energy_and_carbon() -> None:
    # Target 2 MW IT. One B block ($15M) + site ($5M) = $20M capex. Energy: 2 MW x 8760 h x $50/MWh
    # = $876,000/yr; with a $100/t carbon price at 0.4 t/MWh: +2 x 8760 x 40 = $700,800/yr.
    # Horizon 1 year at 0% discount: PV = one year. Total = 20 + 0.876 + 0.7008 = 21.5768 $M.
    sc = tiny_scenario(
        objective={"sense": "min_cost", "target_it_mw": 2.0},
        budget=None,
        costs={"horizon_years": 1.0, "carbon_price_usd_per_tco2": 100.0},
    )
    out = solve_tiny(sc)
    assert out.summary["objective"] == pytest.approx(1e6 * (21.5768))
    assert out.summary["co2_t_per_year"] == pytest.approx(2 * 8760 * 0.4)


def test_infeasible_caps_are_diagnosed() -> None:
    # Target 8 MW of IT; physically 20 MW fit (4 + 6 + 10 with S3's upgrade), but state caps allow
    # 2 + 2 + 0 MW. Elastic costs are slack / |bound|: lowering the target by 4 MW costs 4/8 = 0.5,
    # raising XA's and XB's caps by 4 MW in all costs 4/2 = 2.0, so the diagnosis is "target: lower by 4".
    sc = tiny_scenario(
        objective={"sense": "min_cost", "target_it_mw": 8.0},
        budget=None,
        policies=[{"type": "state_mw_cap", "caps_mw": {"XA": 2.0, "XB": 2.0, "XC": 0.0}}],
    )
    out = solve_tiny(sc)
    assert out.summary["status"] == "infeasible"
    assert out.sites is None and out.summary["objective"] is None
    (relax,) = out.summary["diagnosis"]["relaxations"]
    assert relax["rule"] == "target"
    assert relax["relax_by"] == pytest.approx(4.0)
    assert "target: lower by 4.000 MW of IT" in out.summary["diagnosis"]["message"]


def test_infeasible_budget_is_diagnosed() -> None:
    # Target 8 MW of IT under a $20M budget. With the budget fixed, $20M buys at most one site and one
    # B block (2 MW): target slack 6/8 = 0.75. Meeting 8 MW costs at least $70M (two sites, 4 B blocks),
    # i.e. budget slack 50/20 = 2.5, and mixes are dearer per MW. So the target is relaxed by 6 MW.
    sc = tiny_scenario(objective={"sense": "min_cost", "target_it_mw": 8.0}, budget={"equity_usd": 20e6})
    out = solve_tiny(sc)
    assert out.summary["status"] == "infeasible"
    (relax,) = out.summary["diagnosis"]["relaxations"]
    assert relax["rule"] == "target" and relax["relax_by"] == pytest.approx(6.0)


def test_unreachable_target_is_refused_before_solving() -> None:
    from model.core.errors import SitingError

    sc = tiny_scenario(objective={"sense": "min_cost", "target_it_mw": 1000.0}, budget=None)
    with pytest.raises(SitingError, match="target_it_mw: 1,000 MW is more than the 3 candidate sites can host"):
        solve_tiny(sc)


def test_presolve_setting() -> None:
    from model.config import SolverConfig
    from model.solve.highs import PRESOLVE_OFF_ABOVE_COLUMNS, presolve_setting

    assert presolve_setting(SolverConfig(), 1_000) == "on"
    assert presolve_setting(SolverConfig(), PRESOLVE_OFF_ABOVE_COLUMNS + 1) == "off"
    assert presolve_setting(SolverConfig(presolve="on"), 10**6) == "on"
    # Same optimum without presolve (the hand-derived 560 of test_hand_derived_optimum...).
    assert solve_tiny(tiny_scenario(solver={"mip_gap": 0.0, "threads": 1, "presolve": "off"})).summary["objective"] == pytest.approx(560.0)
