"""data/build/validate_location.py (docs/validation.md, issue-24 sections): the pure table builders on tiny
frames with hand-derived values, one section on the repo's own utility table, and the IM3 placement
against the committed-load build (skipped without ../shared/data). No solve runs here."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import load_script

REPO = Path(__file__).resolve().parent.parent
BUILD = REPO / "data" / "build"

vl = load_script(BUILD / "validate_location.py", "validate_location")


def test_variant_toml_extends_the_base_and_sets_the_switches(tmp_path: Path) -> None:
    base = REPO / "runs" / "us-snapshot.toml"
    text = vl.variant_toml(base, "off", {"tax": {"sales_tax": False}, "supply": {"firm_power": "queue", "energy_at_scale": False}})
    raw = tomllib.loads(text)
    assert raw == {"extends": str(base), "name": "off", "tax": {"sales_tax": False},
                   "supply": {"firm_power": "queue", "energy_at_scale": False}}
    # The file loads as a scenario with the switches set and everything else from us-snapshot.toml.
    from model.config import load_scenario

    f = tmp_path / "off.toml"
    f.write_text(text)
    sc = load_scenario(f)
    assert (sc.tax.sales_tax, sc.supply.firm_power, sc.supply.energy_at_scale) == (False, "queue", False)
    assert sc.budget is not None and sc.budget.equity_usd == 100e9 and sc.name == "off"
    with pytest.raises(TypeError):
        vl.toml_value([1])


def test_run_specs_name_the_issue_24_switches() -> None:
    specs = {s.name: s for s in vl.RUNS}
    assert not specs["off"].sales_tax and not specs["no_tax"].sales_tax and not specs["pre24"].sales_tax
    assert specs["snapshot"].sales_tax and specs["queue"].sales_tax and specs["no_scale"].sales_tax
    assert specs["off"].overrides == {"tax": {"sales_tax": False}, "supply": {"firm_power": "queue", "energy_at_scale": False}}
    assert specs["pre24"].commit is not None and specs["pre24"].commit.startswith("ba1fa05")


def test_tax_in_capex_takes_the_tax_out_of_tax_inclusive_prices() -> None:
    # GPUs 110 at 10 % hold 10 of tax; construction 103 at 3 % holds 3.
    t = vl.tax_in_capex(pd.Series([110.0, 50.0]), pd.Series([103.0, 0.0]), pd.Series([0.10, 0.0]), pd.Series([0.03, 0.0]))
    assert list(t) == pytest.approx([13.0, 0.0])


def test_site_list_and_answer_row() -> None:
    sites = pd.DataFrame({"county_name": ["Small", "Big"], "state": ["AA", "BB"], "county_fips": ["00001", "00002"],
                          "facility_mw": [50.4, 1999.6]})
    assert vl.site_list(sites) == "Big BB 2,000 MW, Small AA 50 MW"
    assert vl.site_list(pd.DataFrame()) == "none"
    summary = {"compute_pflops": 1000.0, "total_cost_usd": 5e6, "energy_opex_pv_usd": 2e9, "import_wheeling_pv_usd": 0.5e9,
               "mip_gap": 0.0012, "seconds": {"solve": 33.0}}
    row = vl.answer_row("x", summary, sites, 3e9, {"wall_s": 40.0, "peak_rss_kb": 1024**2})
    assert row["$/PFLOPS all-in"] == pytest.approx(5000.0)
    assert (row["energy PV $bn"], row["wheeling PV $bn"], row["tax paid $bn"]) == pytest.approx((2.0, 0.5, 3.0))
    assert row["gap %"] == pytest.approx(0.12) and row["peak RSS GB"] == pytest.approx(1.0) and row["solve s"] == 33.0


def test_spread_stats_by_hand() -> None:
    s = vl.spread_stats(pd.Series([3.0, 1.0, np.nan, 5.0, 2.0, 4.0, np.inf]))
    assert s["n"] == 5 and (s["best"], s["median"], s["worst"]) == (1.0, 3.0, 5.0)
    assert (s["p10"], s["p25"], s["p75"], s["p90"]) == pytest.approx((1.4, 2.0, 4.0, 4.6))  # linear interpolation
    assert s["median_minus_best_pct_of_median"] == pytest.approx(200.0 / 3)
    assert s["median_minus_p10_pct_of_median"] == pytest.approx(160.0 / 3)
    assert s["p75_minus_p25_pct_of_median"] == pytest.approx(200.0 / 3)
    assert s["worst_minus_best_pct_of_best"] == pytest.approx(400.0)


def _rank_row() -> pd.DataFrame:
    # GPUs 110 at 10 % tax, shell 206 and site 103 at 3 %: 100 + 200 + 100 before tax, tax 10 + 6 + 3 = 19.
    return pd.DataFrame({"county_name": ["K"], "state": ["ZZ"], "rank": [7], "facility_mw": [12.0], "compute_pflops": [4.0],
                         "capex_gpu_usd": [110.0], "capex_shell_usd": [206.0], "capex_site_usd": [103.0],
                         "capex_land_usd": [5.0], "capex_interconnect_usd": [7.0], "new_generation_cost_usd": [11.0],
                         "new_generation_energy_pv_usd": [-4.0], "energy_opex_pv_usd": [50.0], "cost_usd": [488.0]},
                        index=pd.Index(["s1"], name="site_id"))


def test_cost_parts_rebuild_cost_usd_and_the_location_share() -> None:
    r = _rank_row()
    parts = vl.cost_parts(r, pd.Series({"s1": 0.10}), pd.Series({"s1": 0.03}))
    p = parts.loc["s1"]
    assert (p["GPUs before tax"], p["shell before tax"], p["site fixed before tax"]) == pytest.approx((100.0, 200.0, 100.0))
    assert (p["sales tax"], p["new generation"], p["energy PV"]) == pytest.approx((19.0, 7.0, 50.0))
    assert parts.sum(axis=1).iloc[0] == pytest.approx(488.0)
    t = vl.parts_table(r, parts, {"it": "s1"}).iloc[0]
    assert t["total $/PFLOPS"] == pytest.approx(122.0) and t["sales tax"] == pytest.approx(4.75)
    assert t["location-dependent %"] == pytest.approx(100.0 * (19 + 5 + 7 + 7 + 50) / 488)
    assert (t["county"], t["rank"]) == ("K ZZ", 7)
    # Without opex in the cost (min-capex rankings) the energy PV part is 0.
    assert vl.cost_parts(r, pd.Series({"s1": 0.0}), pd.Series({"s1": 0.0}), opex_counts=False).loc["s1", "energy PV"] == 0.0


def test_quantile_row_picks_the_ceil_q_n_th_smallest() -> None:
    v = pd.Series([10.0, 9, 8, 7, 6, 5, 4, 3, 2, 1, np.nan], index=list("abcdefghijk"))
    assert vl.quantile_row(v, 0.0) == "j"  # the best
    assert vl.quantile_row(v, 0.10) == "j"  # ceil(1.0) = 1st
    assert vl.quantile_row(v, 0.50) == "f"  # 5th smallest = 5
    assert vl.quantile_row(v, 1.0) == "a"


def test_budget_location_share_by_hand() -> None:
    summary = {"capex_usd_by_part": {"gpu": 60e9, "shell": 30e9, "site": 1e9, "land": 1e9, "interconnect": 2e9},
               "energy_opex_pv_usd": 5e9, "new_generation_cost_pv_usd": 0.5e9, "new_generation_energy_cost_pv_usd": -0.2e9,
               "import_wheeling_pv_usd": 0.7e9}
    b = vl.budget_location_share(summary, tax_usd=3e9)
    assert b["same everywhere"] == pytest.approx(88.0)  # 60 + 30 + 1 less 3 of tax inside them
    assert b["new generation, budget cost"] == pytest.approx(0.5) and b["total"] == pytest.approx(100.0)
    assert b["location-dependent % (net)"] == pytest.approx(12.0)  # 3 + 1 + 2 + 5 + 0.5 - 0.2 + 0.7
    assert b["location-dependent % (gross of the new-generation saving)"] == pytest.approx(12.2)


def test_campus_vs_utility_per_campus_and_per_utility() -> None:
    scale = pd.DataFrame({"utility_id": [1, 1, 2], "utility_name": ["U", "U", "V"], "sales_mwh": [1e7, 1e7, 1e6],
                          "tariff_mw": [100.0, 100.0, 5.0]}, index=pd.Index(["00001", "00002", "00003"], name="county_fips"))
    sites = pd.DataFrame({"county_name": ["A", "B", "C"], "state": ["XX"] * 3, "county_fips": ["00001", "00002", "00003"],
                          "facility_mw": [1000.0, 100.0, 10.0], "energy_mwh_per_year": [7_008_000.0, 700_800.0, 70_080.0],
                          "tariff_mw": [50.0, 0.0, 5.0]})
    per, by = vl.campus_vs_utility(sites, scale, 0.8, flag_share=0.2)
    assert list(per["at tariff GWh/yr"]) == pytest.approx([350.4, 0.0, 35.04])  # 50 MW x 0.8 x 8760
    assert list(per["beyond GWh/yr"]) == pytest.approx([6657.6, 700.8, 35.04])
    assert list(per["campus / sales %"]) == pytest.approx([70.08, 7.008, 7.008])
    assert list(per["above 20 %"]) == [True, False, False]
    u = by.set_index("utility")
    assert u.at["U", "campuses"] == 2 and u.at["U", "campuses / sales %"] == pytest.approx(77.088)
    assert list(by["utility"]) == ["U", "V"] and bool(u.at["U", "above 20 %"]) and not bool(u.at["V", "above 20 %"])


def test_campus_vs_utility_on_chelan_is_the_issue_24_figure() -> None:
    # Issue 24: a 2 GW campus at Chelan would use about 14 TWh a year, 8.6 times Chelan PUD's 2018 sales (1.64 TWh).
    scale = pd.read_csv(REPO / "data" / "county_utility_scale.csv", dtype={"county_fips": str}).set_index("county_fips")
    sites = pd.DataFrame({"county_name": ["Chelan"], "state": ["WA"], "county_fips": ["53007"], "facility_mw": [2000.0],
                          "energy_mwh_per_year": [2000.0 * 0.8 * 8760], "tariff_mw": [0.0]})
    per, _ = vl.campus_vs_utility(sites, scale, 0.8)
    assert per.at[0, "utility"] == "PUD No 1 of Chelan County"
    assert per.at[0, "utility sales GWh/yr (2018)"] == pytest.approx(1635.017)
    assert per.at[0, "campus / sales %"] / 100 == pytest.approx(8.57, abs=0.01)


def test_route_distribution_takes_each_county_s_fastest_variant() -> None:
    routes = pd.DataFrame({
        "county_fips": ["1", "1", "2", "2", "3"], "route": ["new_substation_line", "new_substation_line", "new_substation_line",
                                                          "onsite_gas", "new_substation_line"],
        "first_power_years": [5.0, 2.5, 5.0, 1.5, 2.5], "first_power_years_low": [3.0, 1.5, 3.0, 0.25, 1.5],
        "first_power_years_high": [10.0, 4.0, 10.0, 3.0, 4.0], "max_mw": [2000.0, 600.0, 1200.0, 500.0, 600.0]})
    d = vl.route_distribution(routes).set_index("route")
    assert list(d.index) == ["new_substation_line", "onsite_gas"]
    assert d.at["new_substation_line", "counties"] == 3  # county 1 counted once, at its 2.5-year tap
    assert d.at["new_substation_line", "median y"] == 2.5 and d.at["new_substation_line", "median MW"] == 600.0
    assert d.at["onsite_gas", "median low y"] == 0.25


def test_fastest_by_size_and_ranking_routes() -> None:
    f = {100.0: pd.DataFrame({"time_to_power_years": [1.0, 1.5, np.nan], "power_route": ["existing_substation", "onsite_gas", None]})}
    t = vl.fastest_by_size(f, 3).iloc[0]
    assert (t["counties reaching it"], t["of"], t["median y"]) == (2, 3, 1.25)
    assert t["commonest routes (counties)"] == "existing_substation (1); onsite_gas (1)"
    rank = pd.DataFrame({"power_route": ["onsite_gas", "onsite_gas", "existing_substation", ""],
                         "facility_mw": [100.0, 300.0, 50.0, 0.0], "time_to_power_years": [1.0, 2.0, 1.0, np.nan]})
    r = vl.ranking_routes(rank).set_index("power_route")
    assert list(r.index) == ["onsite_gas", "existing_substation"]
    assert (r.at["onsite_gas", "counties"], r.at["onsite_gas", "median campus MW"], r.at["onsite_gas", "max y"]) == (2, 200.0, 2.0)


def test_evidence_rows_inside_range_and_whole_years() -> None:
    cmp = pd.DataFrame([
        {"case": "a", "status": "actual", "mw": 150.0, "observed_years": 0.91, "route_observed": "existing_substation",
         "same_route_years": (1.0, 0.5, 2.5, 87.5), "fastest": (1.5, "onsite_gas"), "queue_years": 5.0},
        {"case": "b", "status": "planned", "mw": 700.0, "observed_years": 0.08, "route_observed": "onsite_gas",
         "same_route_years": (1.5, 0.25, 3.0, 500.0), "fastest": (2.5, "new_substation_line"), "queue_years": 3.79},
        {"case": "c", "status": "actual", "mw": np.nan, "observed_years": 1.08, "route_observed": "unknown",
         "same_route_years": None, "fastest": None, "queue_years": 3.21},
    ])
    e = vl.evidence_rows(cmp).set_index("case")
    assert list(e["observed inside low-high"]) == ["yes", "no", "-"]
    assert e.at["a", "model waits y (same route)"] == 1.0 and e.at["b", "model waits y (same route)"] == 2.0
    assert math.isnan(e.at["c", "model waits y (same route)"])
    assert e.at["a", "table, same route y (low-high)"] == "1 (0.5-2.5)" and e.at["c", "table, fastest for MW"] == "- (MW unknown)"


def test_built_routes_reads_pathway_and_sites_tables() -> None:
    ps = pd.DataFrame({"site_id": ["9", "8"], "connection": ["station_kv345", "station_kv161"], "sources": ["firm", "firm+bridge"],
                       "first_source": ["firm", "bridge"], "firm_year": [2027, 2028]})
    sites = pd.DataFrame({"site_id": ["8", "9"], "county_name": ["B", "A"], "state": ["MO", "CT"], "facility_mw": [100.0, 300.0],
                          "time_to_power_years": [1.0, 1.0], "first_year_online": [2027, 2027],
                          "facility_mw_2026": [0.0, 0.0], "facility_mw_2027": [87.5, 300.0]})
    b = vl.built_routes(ps, sites)
    assert list(b["campus"]) == ["A CT", "B MO"]  # largest first
    assert b.at[1, "sources"] == "firm+bridge" and b.at[1, "firm year"] == "2028"
    assert b.at[1, "MW by year"] == "2026 0, 2027 88"


def test_rank_percentiles_and_revealed_preference_by_hand() -> None:
    assert list(vl.rank_percentiles(pd.Series([1, 2, 3, 4, np.nan]))[:4]) == pytest.approx([25.0, 50.0, 75.0, 100.0])
    hosted = pd.Series({"a": 10.0, "b": 30.0, "c": 60.0, "d": 0.0, "e": 5.0})
    pct = pd.Series({"a": 5.0, "b": 40.0, "c": 80.0, "d": 1.0, "f": 3.0})
    r = vl.revealed_preference(hosted, pct)
    assert (r["hosting counties"], r["hosting counties ranked"], r["hosting counties not ranked"]) == (4, 3, 1)  # d hosts nothing; e has no rank
    assert r["counties in top decile %"] == pytest.approx(100 / 3) and r["MW in top decile %"] == pytest.approx(10.0)
    assert r["counties in top half %"] == pytest.approx(200 / 3) and r["MW in top half %"] == pytest.approx(40.0)
    assert r["median percentile"] == 40.0
    assert r["MW-weighted median percentile"] == 80.0  # 10 + 30 < half of 100; c brings it past


def test_main_without_runs_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    doc = tmp_path / "validation.md"
    doc.write_text("untouched\n")
    assert vl.main(["--runs", str(tmp_path / "runs"), "--no-solve", "--doc", str(doc), "--shared", str(tmp_path / "absent")]) == 0
    assert "no run directory" in capsys.readouterr().out
    assert doc.read_text() == "untouched\n"


@pytest.mark.shared_data
def test_hosted_mw_matches_the_committed_load_build(shared_data: Path) -> None:
    # The same atlas placement and sq ft -> MW factors as data/zone_committed_load.csv, summed by county
    # instead of by zone: the national facility MW agree.
    mw, n, facts = vl.hosted_mw_by_county(shared_data)
    zones = pd.read_csv(REPO / "data" / "zone_committed_load.csv")
    assert mw.sum() == pytest.approx(zones["facility_mw"].sum(), rel=1e-6)
    assert int(n.sum()) == facts["placed"] == int(zones["n_facilities"].sum())
    assert facts["pue"] == 1.3 and bool((mw.index.str.len() == 5).all())
