"""data/build/validate_supply.py (docs/validation.md): the pure functions on small hand-checkable frames,
and one check against ../shared/data (skipped when it is absent). No national solve runs here."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import load_script

REPO = Path(__file__).resolve().parent.parent
BUILD = REPO / "data" / "build"


vs = load_script(BUILD / "validate_supply.py", "validate_supply")


def test_error_stats_common_keys_and_missing() -> None:
    model = pd.Series({"A": 1.0, "B": 2.5, "C": 3.0, "E": 8.0})
    source = pd.Series({"A": 1.0, "B": 2.0, "D": 4.0, "E": 10.0})
    s = vs.error_stats(model, source)
    assert s["n"] == 3  # A, B, E
    assert s["max_abs"] == pytest.approx(2.0) and s["max_key"] == "E"
    assert s["median_abs"] == pytest.approx(0.5)
    assert s["max_pct"] == pytest.approx(25.0)  # B: 0.5 / 2.0
    assert s["median_pct"] == pytest.approx(20.0)  # A 0, E 20, B 25
    assert s["missing"] == ["C"]
    with pytest.raises(ValueError):
        vs.error_stats(pd.Series({"X": 1.0}), pd.Series({"Y": 1.0}))


def test_spare_summary_offsets_deficits_in_net_only() -> None:
    zones = pd.DataFrame({"zone": ["a", "b", "c"], "accredited_mw": [230.0, 100.0, 0.0],
                          "peak_mw": [100.0, 100.0, 0.0], "reserve_margin": [0.15, 0.15, 0.15],
                          "spare_firm_mw": [115.0, 0.0, 0.0]})
    s = vs.spare_summary(zones)
    assert s["spare_mw"] == pytest.approx(115.0) and s["zones_with_spare"] == 1 and s["zones"] == 3
    assert s["net_mw"] == pytest.approx(115.0 - 15.0)  # b is 15 MW short of 115
    # Committed data-center load counts against the zones' surplus (spare_firm_mw already nets it).
    c = vs.spare_summary(zones.assign(committed_dc_mw=[15.0, 5.0, 0.0], spare_firm_mw=[100.0, 0.0, 0.0]))
    assert c["committed_mw"] == pytest.approx(20.0) and c["net_mw"] == pytest.approx(100.0 - 20.0)


def test_region_zones_and_inbound_limits() -> None:
    mem = pd.DataFrame({"ba": ["p1", "p2", "p3", "c1"], "transreg": ["PJM", "PJM", "MISO", "PJM"],
                        "country": ["USA", "USA", "USA", "CAN"]})
    assert vs.region_zones(mem, "PJM") == ["p1", "p2"]
    t = pd.DataFrame({"from_zone": ["p3", "p3", "p1", "p2"], "to_zone": ["p1", "p2", "p2", "p3"],
                      "mw": [10.0, 5.0, 100.0, 7.0]})
    assert vs.inbound_limit_mw(t, ["p1", "p2"]) == pytest.approx(15.0)  # internal p1->p2 and exports excluded


def test_max_hosting_is_limited_by_interfaces_shares_and_upstream_spare() -> None:
    # R (in the region, spare 10) is fed by X (spare 100) over 40 MW; Y (spare 50) feeds X over 100 MW.
    spare = pd.Series({"R": 10.0, "X": 100.0, "Y": 50.0})
    t = pd.DataFrame({"from_zone": ["X", "Y"], "to_zone": ["R", "X"], "mw": [40.0, 100.0]})
    full = vs.max_hosting_mw(spare, t, ["R"], 1.0, 1.0)
    assert full["total_mw"] == pytest.approx(10.0 + 40.0)  # the X->R interface binds
    half_imports = vs.max_hosting_mw(spare, t, ["R"], 1.0, 0.5)
    assert half_imports["total_mw"] == pytest.approx(10.0 + 20.0)
    # Upstream spare binds once the interface is wide: X's share 5 + Y's share 2.5 relayed through X.
    wide = t.assign(mw=[1000.0, 1000.0])
    small = vs.max_hosting_mw(spare * 0.1, wide, ["R"], 1.0, 1.0)
    assert small["total_mw"] == pytest.approx(1.0 + 10.0 + 5.0)
    shared = vs.max_hosting_mw(spare, wide, ["R"], 0.5, 1.0)
    assert shared["total_mw"] == pytest.approx(0.5 * 160.0)
    # Two region zones: the load is counted once, wherever it sits.
    two = vs.max_hosting_mw(spare, wide, ["R", "X"], 1.0, 1.0)
    assert two["total_mw"] == pytest.approx(160.0)
    with pytest.raises(ValueError):
        vs.max_hosting_mw(spare, t, ["Q"], 1.0, 1.0)


def test_ttp_vs_reference() -> None:
    ttp = pd.DataFrame({"region": ["A", "B", "p1", "non-ISO"], "level": ["iso", "iso", "zone", "default"],
                        "median_years": [3.0, 6.0, 2.0, 5.0], "p25_years": [2.0, 5.5, 1.0, None],
                        "p75_years": [5.0, 8.0, 3.0, None], "n_projects": [10, 20, 5, 0]})
    out = vs.ttp_vs_reference(ttp, 5.0)
    assert list(out["region"]) == ["A", "B"]
    assert list(out["minus_reference_years"]) == pytest.approx([-2.0, 1.0])
    assert list(out["minus_reference_pct"]) == pytest.approx([-40.0, 20.0])
    assert list(out["reference_in_p25_p75"]) == [True, False]


def test_weighted_median_and_rate_spread() -> None:
    rate = pd.Series({"a": 100.0, "b": 500.0, "c": 900.0})
    gen = pd.Series({"a": 1.0, "b": 1.0, "c": 10.0})
    assert vs.weighted_median(rate, gen) == 900.0
    assert vs.weighted_median(rate, pd.Series({"a": 1.0, "b": 1.0, "c": 1.0})) == 500.0
    s = vs.rate_spread(rate, gen)
    assert (s["min"], s["max"], s["median"], s["n"]) == (100.0, 900.0, 500.0, 3)
    assert s["weighted_mean"] == pytest.approx((100 + 500 + 9000) / 12)


def test_replace_blocks_keeps_text_and_refuses_missing_markers() -> None:
    doc = ("intro\n<!-- BEGIN gen:a -->\nold a\n<!-- END gen:a -->\nmiddle\n"
           "<!-- BEGIN gen:b -->\nold b\n<!-- END gen:b -->\nend\n")
    out = vs.replace_blocks(doc, {"a": "new a\nline 2\n"})
    assert out == ("intro\n<!-- BEGIN gen:a -->\nnew a\nline 2\n<!-- END gen:a -->\nmiddle\n"
                   "<!-- BEGIN gen:b -->\nold b\n<!-- END gen:b -->\nend\n")
    assert vs.replace_blocks(out, {"a": "new a\nline 2"}) == out  # idempotent
    with pytest.raises(KeyError):
        vs.replace_blocks(doc, {"c": "x"})


def test_answer_from_orders_sites_and_drops_zero_generation() -> None:
    summary = {"supply_model": "zonal", "status": "optimal", "compute_pflops": 123.0, "mip_gap": 0.001,
               "facility_mw": 30.0, "new_generation_mw_by_type": {"gas_cc": 12.5, "solar": 0.0}, "seconds": {"solve": 1},
               "import_wheeling_pv_usd": 7.0}
    sites = pd.DataFrame({"county_name": ["Small", "Big"], "state": ["AA", "BB"], "county_fips": ["00001", "00002"],
                          "facility_mw": [10.0, 20.0], "zone": ["p1", "p2"]})
    a = vs.answer_from(summary, sites, 2.0)
    assert [s["county"] for s in a["sites"]] == ["Big", "Small"]
    assert a["sites"][0]["zone"] == "p2" and a["sites"][0]["facility_mw"] == 20.0
    assert a["new_generation_mw"] == {"gas_cc": 12.5}
    assert a["compute_pflops"] == 123.0 and a["marginal_values"] == [] and a["wall_seconds"] == 2.0
    assert a["import_wheeling_pv_usd"] == 7.0


@pytest.mark.parametrize("mode", ["legacy", "zonal"])
def test_national_scenario_sets_supply_model_explicitly(mode: str) -> None:
    sc = vs.national_scenario(mode, threads=1)
    assert sc.supply.model == mode and sc.solver.threads == 1
    assert sc.name == "us-snapshot" and sc.budget.equity_usd == 100e9 and sc.budget.include_opex


def test_main_without_shared_data_exits_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    doc = tmp_path / "validation.md"
    doc.write_text("untouched\n")
    assert vs.main(["--shared", str(tmp_path / "absent"), "--doc", str(doc), "--no-solve"]) == 0
    assert "nothing checked" in capsys.readouterr().out
    assert doc.read_text() == "untouched\n"


@pytest.mark.shared_data
def test_checks_against_shared_data(shared_data: Path) -> None:
    pytest.importorskip("openpyxl")
    blocks, v = vs.compute(shared_data)
    zones = pd.read_csv(REPO / "data" / "zone_supply.csv")
    # National spare is the column sum; PJM's zones by membership agree with zone_supply's own transreg.
    assert v["spare"]["spare_mw"] == pytest.approx(zones["spare_firm_mw"].sum())
    assert len(v["pjm"]["zones"]) == 22
    assert v["pjm"]["spare_mw"] == pytest.approx(zones.loc[zones["transreg"] == "PJM", "spare_firm_mw"].sum())
    # The LP maximum lies between PJM's own spare and its spare plus every inbound limit.
    assert v["pjm"]["spare_mw"] <= v["pjm"]["lp_full_mw"] <= v["pjm"]["spare_mw"] + v["pjm"]["inbound_mw"]
    assert v["pjm"]["lp_mw"] <= v["pjm"]["lp_full_mw"]
    # Prices: every state in the EIA 2023 file reproduced; Wyoming the one filled row, marked estimate.
    assert v["price_co2"]["price"]["n"] == 48 and v["price_co2"]["price"]["max_abs"] < 0.005
    assert v["price_co2"]["price"]["missing"] == ["WY"]
    assert v["price_co2"]["filled"]["WY"].startswith("Estimate")
    # CO2: eGRID state rates to the 0.01 kg/MWh the table is rounded to.
    assert v["price_co2"]["co2"]["n"] == 49 and v["price_co2"]["co2"]["max_abs"] <= 0.005 + 1e-9
    # eGRID's state and subregion tables give the same national rate (823.1 lb/MWh = 373.4 kg/MWh).
    assert v["price_co2"]["national_state"] == pytest.approx(373.4, abs=0.1)
    assert v["price_co2"]["national_subregion"] == pytest.approx(v["price_co2"]["national_state"], abs=0.05)
    # The four PUDs' own EIA-861 2018 prices are the figures quoted in issue 14.
    for row in v["price_co2"]["pud"]:
        assert row["EIA-861 2018 file $/MWh"] == pytest.approx(row["issue 2018 $/MWh"], abs=0.05)
    # Time to power: six ISO rows, compared with LBNL's 5 years.
    assert sorted(v["ttp"]["iso"]["region"]) == list(vs.ISO_REGIONS)
    assert set(blocks) >= {"summary", "spare", "pjm", "price_co2", "co2_spread", "pud", "ttp"}


def test_fixed_siting_lp_on_the_tiny_instance() -> None:
    # Hand-derived (tests/conftest.py): S2 alone (6 MW headroom, $55M after its $5M fixed cost) with
    # 4 A + 1 B blocks = 560 PFLOPS beats every other plan. With the siting fixed, the LP
    # max 100a + 160b s.t. 10a + 15b <= 55 ($M), a + 2b <= 6 (MW) has both rows binding at (4, 1); the
    # duals solve 10 y1 + y2 = 100, 15 y1 + 2 y2 = 160: y1 = 8 PFLOPS per $M, y2 = 20 PFLOPS per MW.
    from tests.conftest import tiny_inputs, tiny_scenario

    sc = tiny_scenario()
    a = vs.solve_with_diagnostics(sc, tiny_inputs(sc))
    assert a["compute_pflops"] == pytest.approx(560.0)
    assert [s["county"] for s in a["sites"]] == ["Two"]
    budget = next(v for v in a["marginal_values"] if v["rule"] == "budget")
    assert budget["value_per_unit"] == pytest.approx(8e-6)  # PFLOPS per $
    lp = a["lp"]
    assert lp["lp_objective"] == pytest.approx(560.0)
    (site,) = lp["sites"]
    assert site["site"] == "S2" and site["lp_facility_mw"] == pytest.approx(6.0)
    head = [r for r in site["limits"] if r["row"] == "headroom"]
    assert len(head) == 1 and head[0]["pflops_per_unit"] == pytest.approx(20.0)
    assert head[0]["usd_per_unit"] == pytest.approx(20.0 / 8e-6)  # $2.5M of budget per MW of headroom
    assert lp["zones"] == []  # legacy supply: no zone rows


def _gen_costs() -> pd.DataFrame:
    return pd.DataFrame({"type": ["gas_cc", "solar"], "heat_rate_mmbtu_per_mwh": [6.349, None],
                         "vom_usd_per_mwh": [2.31, 0.0], "max_energy_share": [0.9, None]}).set_index("type")


def test_new_gas_economics_by_hand() -> None:
    answer = {
        "sites": [{"county": "K", "zone": "z1", "facility_mw": 125.0, "price_usd_per_mwh": 63.5,
                   "energy_mwh_per_year": 125.0 * 0.8 * 8760}],
        "new_generation": [{"zone": "z1", "type": "gas_cc", "new_mw": 100.0, "firm_mw": 74.0,
                            "energy_mwh_per_year": 100.0 * 0.9 * 8760, "cost_pv_usd": 61.86e6},
                           {"zone": "z1", "type": "solar", "new_mw": 0.0, "firm_mw": 0.0,
                            "energy_mwh_per_year": 0.0, "cost_pv_usd": 0.0}],
        "gas_fuel_usd_per_mmbtu": 3.7, "annuity_years": 3.993,
    }
    eco = vs.new_gas_economics(answer, _gen_costs())
    assert list(eco["type"]) == ["gas_cc"]  # zero-MW rows dropped
    r = eco.iloc[0]
    e_cost = 3.7 * 6.349 + 2.31  # 25.8013 $/MWh
    assert r["new energy $/MWh"] == pytest.approx(e_cost)
    assert r["energy share of campus"] == pytest.approx(0.9 / 0.8 * 100 / 125)  # = 0.9
    assert r["saving PV $M"] == pytest.approx(788_400 * (63.5 - e_cost) * 3.993 / 1e6)
    assert r["net $M"] == pytest.approx(r["saving PV $M"] - 61.86)
    cap = 61.86e6 / 788_400  # $78.46 of budget per MWh/yr of gas energy
    assert r["budget $ per MWh/yr"] == pytest.approx(cap)
    assert r["break-even grid $/MWh"] == pytest.approx(e_cost + cap / 3.993)


def test_budget_use_sums_parts_and_differences() -> None:
    a = {"capex_usd_by_part": {"gpu": 60e9, "shell": 30e9, "site": 1e9, "land": 0.0, "interconnect": 0.0},
         "energy_opex_pv_usd": 9e9}
    b = {"capex_usd_by_part": {"gpu": 62e9, "shell": 30e9, "site": 1e9, "land": 0.0, "interconnect": 0.5e9},
         "energy_opex_pv_usd": 9e9, "new_generation_cost_pv_usd": 1.5e9, "new_generation_energy_cost_pv_usd": -4e9}
    df = vs.budget_use({"old": a, "new": b}).set_index("$bn")
    assert df.loc["total", "old"] == pytest.approx(100.0) and df.loc["total", "new"] == pytest.approx(100.0)
    assert df.loc["GPUs", "new − old"] == pytest.approx(2.0)
    assert df.loc["new generation energy PV, net of displaced grid", "new − old"] == pytest.approx(-4.0)
    # Energy at scale: wheeling on firm imports is part of the budget.
    c = dict(b, import_wheeling_pv_usd=0.25e9, energy_opex_pv_usd=8.75e9)
    w = vs.budget_use({"old": a, "new": c}).set_index("$bn")
    assert w.loc["import wheeling PV", "new"] == pytest.approx(0.25) and w.loc["total", "new"] == pytest.approx(100.0)


def test_connection_costs_substation_plus_spur() -> None:
    km = pd.DataFrame({"county_fips": ["00001"], "km_class_5": [10.0], "km_class_6": [2.0]})
    classes = pd.DataFrame({"voltage_class": [5, 6], "class_kv": [345.0, 500.0], "substation_usd": [70e6, 120e6],
                            "spur_usd_per_km": [1.774087e6, 1.874361e6], "deliverable_mw": [1200.0, 2000.0]})
    out = vs.connection_costs(["00001"], km, classes).iloc[0]
    assert out["km to 500 kV"] == 2.0
    assert out["345 kV cost $M (1,200 MW)"] == pytest.approx(70 + 17.74087)
    assert out["500 kV cost $M (2,000 MW)"] == pytest.approx(120 + 3.748722)


def test_co2_use_adds_new_generation_net_of_displaced() -> None:
    df = vs.co2_use({"old": {"co2_t_per_year": 3e6},
                     "new": {"co2_t_per_year": 2e6, "new_generation_co2_t_per_year": 4.5e6}}).set_index("MtCO2/yr")
    assert df.loc["total", "old"] == pytest.approx(3.0) and df.loc["total", "new"] == pytest.approx(6.5)
    assert df.loc["total", "new − old"] == pytest.approx(3.5)
