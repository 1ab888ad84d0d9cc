"""Ranking every candidate by its best single campus, on the tiny instance (numbers in conftest.py)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from model.milp.build import build_model
from model.results.rank import near_tie, rank_candidates, runner_ups
from model.results.tables import sites_table
from model.solve.duals import marginal_values
from model.solve.highs import solve_model
from tests.conftest import solve_tiny, tiny_inputs, tiny_scenario, tiny_sites

EXCLUDE_S2_S3 = [{"type": "exclude", "counties": ["00002", "00003"]}]


def test_tiny_ranking_by_hand() -> None:
    # Budget $60M, $5M fixed, $20M tier T1 (+10 MW). A: 1 MW, $10M, 100 PFLOPS/block; B: 2 MW, $15M, 160.
    # S1 (4 MW): A 4 blocks $45M / 400 = 112,500; B 2 blocks $35M / 320 = 109,375 $/PFLOPS (best, headroom).
    # S2 (6 MW): A budget-capped at (60 - 5) / 10 = 5 blocks, $55M / 500 = 110,000; B 3 blocks $50M / 480
    #   = 104,166.7 (best; headroom and budget both allow 3, headroom reported first).
    # S3 (0 MW): only with T1: A (60 - 25) / 10 = 3 blocks $55M / 300; B 35 / 15 = 2 blocks $55M / 320 = 171,875.
    r = rank_candidates(tiny_inputs())
    assert list(r["rank"]) == [2, 1, 3]
    assert r["usd_per_pflops"].tolist() == pytest.approx([109_375.0, 50e6 / 480, 171_875.0])
    assert list(r["gpu"]) == ["B", "B", "B"]
    assert list(r["binding_limit"]) == ["headroom", "headroom", "budget"]
    assert list(r["upgrade_tier"]) == ["", "", "T1"]
    s3 = r.loc["S3"]
    assert (s3["gpus_B"], s3["gpus_A"], s3["facility_mw"]) == (20, 0, pytest.approx(4.0))
    assert s3["capex_interconnect_usd"] == pytest.approx(20e6) and s3["capex_usd"] == pytest.approx(55e6)
    assert not r["built"].any() and r["gap_share"].isna().all()  # no solution given: no margin


def test_every_cost_part_by_hand() -> None:
    # S1 with PUE 1.25, shell $1M per MW of IT, land $1,000/acre at 1 acre/MW, one year of energy at
    # $50/MWh (load factor 1, discount 0: PV = 8,760 h x $50 = $438,000 per facility MW), budget incl. opex.
    # A: floor(4 MW / 1.25) = 3 blocks = 3.75 MW, 3 MW IT: 5M fixed + 3M shell + 3,750 land + 30M GPUs
    #   + 1,642,500 energy = $39,646,250 for 300 PFLOPS = 132,154.17 $/PFLOPS (best; headroom binds).
    # B: 1 block (2.5 MW): $23,097,500 / 160 = 144,359; A with T1 (14 MW, 11 blocks): $152,036,250 / 1,100
    #   = 138,215; B with T1 (5 blocks): $115,487,500 / 800 = 144,359.
    sites = tiny_sites(pue=[1.25, 1.0, 1.0], land_value_usd_per_acre=[1000.0, 0.0, 0.0])
    sc = tiny_scenario(budget={"equity_usd": 1e9, "include_opex": True}, policies=EXCLUDE_S2_S3)
    row = rank_candidates(tiny_inputs(sc, sites, shell_usd_per_mw=1e6, horizon_years=1.0)).loc["S1"]
    assert (row["gpu"], row["blocks"], row["gpus_A"]) == ("A", 3, 30)
    assert row["facility_mw"] == pytest.approx(3.75) and row["it_mw"] == pytest.approx(3.0)
    parts = {p: row[f"capex_{p}_usd"] for p in ("site", "shell", "land", "gpu", "interconnect")}
    assert parts == pytest.approx({"site": 5e6, "shell": 3e6, "land": 3750.0, "gpu": 30e6, "interconnect": 0.0})
    assert row["capex_usd"] == pytest.approx(38_003_750.0)
    assert row["energy_opex_pv_usd"] == pytest.approx(1_642_500.0)
    assert row["usd_per_pflops"] == pytest.approx(39_646_250.0 / 300)
    assert row["binding_limit"] == "headroom"
    # Without include_opex the energy PV is reported but not counted: $38,003,750 / 300.
    sc = tiny_scenario(budget={"equity_usd": 1e9}, policies=EXCLUDE_S2_S3)
    row = rank_candidates(tiny_inputs(sc, sites, shell_usd_per_mw=1e6, horizon_years=1.0)).loc["S1"]
    assert row["energy_opex_pv_usd"] == pytest.approx(1_642_500.0)
    assert row["usd_per_pflops"] == pytest.approx(38_003_750.0 / 300)


def test_excluded_and_policy_limits() -> None:
    r = rank_candidates(tiny_inputs(tiny_scenario(policies=[{"type": "exclude", "counties": ["00003"]}])))
    assert r.loc["S3", "binding_limit"] == "excluded"
    assert pd.isna(r.loc["S3", "rank"]) and math.isnan(r.loc["S3", "usd_per_pflops"])
    assert r.loc["S3", "facility_mw"] == 0.0 and r.loc["S3", "capex_usd"] == 0.0
    assert list(r.loc[["S1", "S2"], "rank"]) == [2, 1]
    # time_to_power (exclude mode): S2's 5 queue years exceed 4.5.
    r = rank_candidates(tiny_inputs(tiny_scenario(policies=[{"type": "time_to_power", "max_years": 4.5}])))
    assert r.loc["S2", "binding_limit"] == "time_to_power" and pd.isna(r.loc["S2", "rank"])
    r = rank_candidates(tiny_inputs(tiny_scenario(policies=[{"type": "moratorium", "states": ["XA"]}])))
    assert r.loc["S1", "binding_limit"] == "moratorium" and pd.isna(r.loc["S1", "rank"])
    # XB capped at 3 MW: S2 holds 3 A blocks ($35M / 300 = 116,667) rather than 1 B ($20M / 160 = 125,000).
    r = rank_candidates(tiny_inputs(tiny_scenario(policies=[{"type": "state_mw_cap", "caps_mw": {"XB": 3.0}}])))
    s2 = r.loc["S2"]
    assert (s2["binding_limit"], s2["gpu"], s2["facility_mw"]) == ("state_mw_cap:XB", "A", pytest.approx(3.0))
    assert s2["usd_per_pflops"] == pytest.approx(35e6 / 300)
    # Land: 3 acres at S1 -> 3 MW: 3 A blocks ($35M / 300 = 116,667) beat 1 B block ($20M / 160 = 125,000).
    sites = tiny_sites(land_available_acres=[3.0, 1e6, 1e6])
    s1 = rank_candidates(tiny_inputs(tiny_scenario(), sites)).loc["S1"]
    assert (s1["binding_limit"], s1["gpu"], s1["blocks"]) == ("land", "A", 3)
    # Minimum campus 5 MW: S1's 4 MW of headroom is too little, so it needs T1 (14 MW); the $35M left after
    # fixed and tier costs buys 2 B = 4 MW or 3 A = 3 MW, both < 5 MW: no campus, and money is what stops it.
    # S3 (0 MW) likewise; S2 (6 MW) hosts 3 B (6 MW) without a tier.
    s1 = rank_candidates(tiny_inputs(tiny_scenario(), min_campus_mw=5.0)).loc["S1"]
    assert pd.isna(s1["rank"]) and s1["binding_limit"] == "budget"
    # With money to spare but 3 acres (3 MW) of land, no tier helps: land is what forbids a 5 MW campus.
    sites = tiny_sites(land_available_acres=[3.0, 1e6, 1e6])
    r = rank_candidates(tiny_inputs(tiny_scenario(budget={"equity_usd": 1e9}), sites, min_campus_mw=5.0))
    assert pd.isna(r.loc["S1", "rank"]) and r.loc["S1", "binding_limit"] == "land"
    # S2: T1 would allow 16 MW (8 B: $145M / 1,280 = 113,281) but 3 B in 6 MW are cheaper (104,167).
    assert r.loc["S2", "binding_limit"] == "headroom" and r.loc["S2", "facility_mw"] == pytest.approx(6.0)
    # S3 has no headroom: its campus is all tier, and the tier's 10 MW is what stops it
    # (10 A: $125M / 1,000 or 5 B: $100M / 800, both 125,000 $/PFLOPS).
    s3 = r.loc["S3"]
    assert (s3["binding_limit"], s3["facility_mw"], s3["usd_per_pflops"]) == ("upgrade tier", 10.0, pytest.approx(125e3))


@pytest.mark.parametrize(
    ("scenario", "costs"),
    [
        (tiny_scenario(), {}),  # S2 alone
        (tiny_scenario(), {"max_campus_mw": 3.0}),  # S1 + S2
        (tiny_scenario(policies=[{"type": "state_mw_cap", "caps_mw": {"XB": 3.0}}]), {}),  # S1 + S2
    ],
)
def test_optimum_built_sites_rank_best(scenario, costs) -> None:
    out = solve_tiny(scenario, **costs)
    r = rank_candidates(tiny_inputs(scenario, **costs), out.sites)
    built = sorted(r.loc[r["built"], "rank"].astype(int))
    assert built == list(range(1, len(out.sites) + 1))
    assert set(r.index[r["built"]]) == set(out.sites.index)


def test_gap_against_worst_built_site_and_budget_dual() -> None:
    sc = tiny_scenario()
    inputs = tiny_inputs(sc)
    sm = build_model(inputs)
    solve_model(sm.m, sc.solver)
    sites = sites_table(sm.final)
    # Without duals: the optimum's only site S2 spends $60M on 560 PFLOPS = 107,142.9 $/PFLOPS;
    # S1's 109,375 is 2,232.1 above it (2.08 %), S3's 171,875 is 64,732.1 above (60.4 %).
    r = rank_candidates(inputs, sites)
    assert r.attrs["marginal_usd_per_pflops"] == pytest.approx(60e6 / 560)
    assert r.loc["S1", "gap_usd_per_pflops"] == pytest.approx(109_375 - 60e6 / 560)
    assert r.loc["S1", "gap_share"] == pytest.approx(109_375 / (60e6 / 560) - 1)
    assert math.isnan(r.loc["S2", "gap_share"])  # built
    # With the budget dual (8 PFLOPS per $M, see test_compare): 125,000 $/PFLOPS, S1 12.5 % below.
    r = rank_candidates(inputs, sites, marginal_values(sm))
    assert r.attrs["marginal_source"] == "dual"
    assert r.attrs["marginal_usd_per_pflops"] == pytest.approx(125_000.0)
    assert r.loc["S1", "gap_share"] == pytest.approx(-0.125)
    ups = runner_ups(r, n=5)
    assert [u["site_id"] for u in ups] == ["S1", "S3"]
    assert ups[0]["gap_share"] == pytest.approx(-0.125)


def test_runner_up_within_gap_is_a_near_tie() -> None:
    # S1 made a near copy of S2 (6 MW) but for land: v $/acre x 6 acres on S2's campus (3 B, $50M, 480 PFLOPS).
    # Against S2's ranked 104,166.7 $/PFLOPS (built ids only, no costs): v = 25,000 adds $150,000 = 0.3 %;
    # v = 100,000 adds $600,000 = 1.2 %.
    def ups(land_usd_per_acre: float) -> list[dict]:
        sites = tiny_sites(headroom_mw=[6.0, 6.0, 0.0], land_value_usd_per_acre=[land_usd_per_acre, 0.0, 0.0])
        r = rank_candidates(tiny_inputs(tiny_scenario(), sites), solution_sites=["S2"])
        return runner_ups(r, n=1)

    close, far = ups(25_000.0), ups(100_000.0)
    assert close[0]["site_id"] == far[0]["site_id"] == "S1"
    assert close[0]["gap_share"] == pytest.approx(0.003)
    assert far[0]["gap_share"] == pytest.approx(0.012)
    assert near_tie(close, mip_gap=0.0)  # within the 0.5 % floor
    assert not near_tie(close, mip_gap=0.0, floor_share=0.001)
    assert not near_tie(far, mip_gap=0.01)
    assert near_tie(far, mip_gap=0.02)
    assert not near_tie([], mip_gap=0.5)
    assert not near_tie([{"gap_share": None}], mip_gap=0.5)


def test_multi_year_runner_ups_carry_their_score_and_its_gap() -> None:
    # The over-time ranking's score and gap_score travel with the runner-up, so the CLI can print absolute
    # scores: with a worst built campus at -0.337 NPV per $, "-0.072 is 79 % above it" reads as nonsense.
    from model.workflows.engine import mark_solution

    ranking = pd.DataFrame(
        {"state": "XA", "county_fips": ["1", "2"], "county_name": ["a", "b"], "rank": [1, 2], "gpu": "A",
         "facility_mw": 10.0, "compute_pflops": 100.0, "usd_per_pflops": 1.0, "binding_limit": "land",
         "score": [-0.337, -0.072]},
        index=pd.Index(["S1", "S2"], name="site_id"),
    )
    marked = mark_solution(ranking, pd.DataFrame({"facility_mw": [10.0]}, index=["S1"]))
    (up,) = runner_ups(marked)
    assert up["site_id"] == "S2" and up["score"] == pytest.approx(-0.072)
    assert up["gap_score"] == pytest.approx(-0.337 + 0.072)  # the worst built campus' score less its own
    assert up["gap_share"] == pytest.approx((-0.337 + 0.072) / 0.337)
