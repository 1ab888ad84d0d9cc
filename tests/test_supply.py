"""Zonal supply ([supply] model = "zonal", docs/supply_model.md): firm balance per zone, imports within
the NARIS share, new generation, connection cost by distance and class, time to power."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from model.check import check_solution
from model.config import Scenario
from model.inputs.datasets import load_connection_classes, load_county_substations
from model.inputs.load import SitingData, load_inputs
from model.inputs.supply import SupplyData, attach_zone_facts, connection_options
from model.milp.build import build_model
from model.workflows.engine import RunOutcome, solve_scenario
from tests.conftest import tiny_scenario, tiny_sites

# Tiny two-zone instance, every number round (GPU "A" of conftest: 1 MW IT per block, $10M, 100 PFLOPS;
# PUE 1, $5M fixed per site, no land or shell cost). Discount rate 0 and a 1-year horizon make the
# annuity 1 and a 1-year life's capital recovery factor 1, so new generation costs capex x MW.
# Only gas CT may be built: $1,000/kW (= $1M/MW), no FOM, capacity credit 0.5 -> $2M per firm MW.
# Its energy costs 10 MMBtu/MWh x $3 fuel > the $0 grid price, so it never runs (energy 0).
# One connection option per site: 100 MW for $2M.
ONE_YEAR = {"horizon_years": 1.0, "discount_rate": 0.0}


def tiny_supply(z2_spare_mw: float = 0.0, z2_to_z1_mw: float = 0.0, import_share: float = 0.25) -> SupplyData:
    zones = pd.DataFrame({"spare_firm_mw": [0.0, z2_spare_mw], "state": ["XA", "XB"]}, index=pd.Index(["Z1", "Z2"], name="zone"))
    gen = pd.DataFrame(
        {
            "capex_usd_per_kw": [1000.0], "fom_usd_per_kw_yr": [0.0], "vom_usd_per_mwh": [0.0],
            "heat_rate_mmbtu_per_mwh": [10.0], "life_years": [1.0], "capacity_credit": [0.5], "max_energy_share": [0.9],
        },
        index=pd.Index(["gas_ct"], name="type"),
    )
    return SupplyData(
        zones=zones,
        transfers=pd.DataFrame({"from_zone": ["Z2"], "to_zone": ["Z1"], "mw": [z2_to_z1_mw]}),
        generation=gen,
        energy_share=pd.DataFrame({"gas_ct": [0.9, 0.9]}, index=zones.index),
        connections=pd.DataFrame(
            {"site_id": ["S1"], "option": ["kv138"], "voltage_class": [2], "class_kv": [138.0], "km": [0.0],
             "mw": [100.0], "cost_usd": [2e6]}
        ),
        spare_share=1.0,
        import_share=import_share,
        gas_fuel_usd_per_mmbtu=3.0,
        gas_co2_kg_per_mmbtu=53.06,
    )


def zonal_scenario(**raw: object) -> Scenario:
    return tiny_scenario(
        **({"objective": {"sense": "min_cost", "target_it_mw": 10.0}, "budget": None, "supply": {"model": "zonal"},
            "gpus": {"types": ["A"]}} | raw)
    )


def zonal_inputs(supply: SupplyData, scenario: Scenario | None = None, **costs: float) -> SitingData:
    sites = tiny_sites(price_usd_per_mwh=[0.0] * 3, co2_kg_per_mwh=[0.0] * 3).iloc[:1].assign(zone=["Z1"])
    return _inputs(sites, supply, scenario, **costs)


def _inputs(sites: pd.DataFrame, supply: SupplyData, scenario: Scenario | None, **costs: float) -> SitingData:
    from model.inputs.load import inputs_from_frames
    from tests.conftest import TINY_COSTS, TINY_GPUS, TINY_TIERS

    sc = scenario or zonal_scenario()
    return inputs_from_frames(sites, TINY_GPUS, TINY_TIERS, TINY_COSTS | ONE_YEAR | costs, sc, supply=supply)


def solve_checked(inputs: SitingData) -> RunOutcome:
    out = solve_scenario(inputs.scenario, inputs)
    assert out.summary["status"] == "optimal"
    assert out.sites is not None
    assert check_solution(inputs, out.sites, out.summary) == []
    return out


def test_campus_must_buy_new_generation_when_its_zone_has_no_spare() -> None:
    # Z1 has no spare firm MW and no interface: 10 MW of campus needs 10 / 0.5 = 20 MW of gas CT.
    # Cost = $5M site + 10 blocks x $10M + $2M connection + 20 MW x $1M = $127M (grid energy is free).
    out = solve_checked(zonal_inputs(tiny_supply()))
    s = out.summary
    assert s["objective"] == pytest.approx(127e6, rel=1e-9)  # USD
    assert s["new_generation_mw_by_type"] == {"gas_ct": pytest.approx(20.0)}
    assert s["new_generation_capex_usd"] == pytest.approx(20e6)
    assert s["facility_mw_by_zone"] == {"Z1": pytest.approx(10.0)}
    row = out.sites.loc["S1"]
    assert row["zone"] == "Z1" and row["connection_cost_usd"] == pytest.approx(2e6)
    assert row["spare_firm_mw_zone"] == 0.0 and row["substation_kv"] == 138.0


def test_import_within_the_naris_share_is_cheaper_than_building() -> None:
    # Z2 has 100 MW spare; the Z2->Z1 interface is 40 MW, a quarter of it (10 MW) for new load: the
    # campus imports all 10 MW and builds nothing: $5M + $100M + $2M = $107M.
    out = solve_checked(zonal_inputs(tiny_supply(z2_spare_mw=100.0, z2_to_z1_mw=40.0)))
    assert out.summary["objective"] == pytest.approx(107e6, rel=1e-9)
    assert out.summary["new_generation_mw_by_type"] == {}
    assert out.summary["zone_imports"] == [{"from_zone": "Z2", "to_zone": "Z1", "mw": pytest.approx(10.0)}]


def test_import_limited_by_the_interface_share_and_the_exporters_spare() -> None:
    # Interface 20 MW x 0.25 = 5 MW: import 5, build 5 / 0.5 = 10 MW of gas ($10M): $117M.
    out = solve_checked(zonal_inputs(tiny_supply(z2_spare_mw=100.0, z2_to_z1_mw=20.0)))
    assert out.summary["objective"] == pytest.approx(117e6, rel=1e-9)
    assert out.summary["new_generation_mw_by_type"] == {"gas_ct": pytest.approx(10.0)}
    # The exporter's own spare bounds it too: Z2 has 2 MW spare -> import 2, build 16 MW: $123M.
    out = solve_checked(zonal_inputs(tiny_supply(z2_spare_mw=2.0, z2_to_z1_mw=400.0)))
    assert out.summary["objective"] == pytest.approx(123e6, rel=1e-9)


def test_checker_catches_a_zone_short_of_firm_supply() -> None:
    inputs = zonal_inputs(tiny_supply())
    out = solve_checked(inputs)
    tampered = dict(out.summary, new_generation=[dict(out.summary["new_generation"][0], new_mw=10.0)])
    problems = check_solution(inputs, out.sites, tampered)
    assert any("zone Z1" in p and "short 5.0 MW" in p for p in problems)


def test_connection_cost_by_distance_and_class() -> None:
    classes = pd.DataFrame(
        {"class_kv": [138.0, 230.0, 345.0], "spur_usd_per_km": [1e6, 1.5e6, 2e6], "substation_usd": [20e6, 40e6, 70e6],
         "deliverable_mw": [250.0, 600.0, 1200.0]},
        index=pd.Index([2, 4, 5], name="voltage_class"),
    )
    sites = pd.DataFrame(index=pd.Index(["A"], name="site_id"))
    km = pd.DataFrame({"km_class_2": [10.0], "km_class_4": [100.0], "km_class_5": [30.0]}, index=sites.index)
    opts = connection_options(sites, classes, km).set_index("option")
    # 138 kV: $20M + 10 km x $1M = $30M for 250 MW; 345 kV: $70M + 30 km x $2M = $130M for 1,200 MW.
    assert opts.at["kv138", "cost_usd"] == pytest.approx(30e6)
    assert opts.at["kv345", "cost_usd"] == pytest.approx(130e6)
    # 230 kV ($40M + 100 km x $1.5M = $190M for 600 MW) is dominated by 345 kV and dropped.
    assert "kv230" not in opts.index
    # The shipped tables: county 01001 at 230 kV = substation + CPI-inflated CERF $/km x km.
    cls, cs = load_connection_classes(), load_county_substations()
    real = connection_options(pd.DataFrame(index=pd.Index(["01001"])), cls, cs.loc[["01001"]])
    if "kv230" in set(real["option"]):
        got = real.set_index("option").at["kv230", "cost_usd"]
        assert got == pytest.approx(cls.at[4, "substation_usd"] + cls.at[4, "spur_usd_per_km"] * cs.at["01001", "km_class_4"])
    assert cls.at[4, "spur_usd_per_km"] == pytest.approx(863_000 * 304.702 / 237.017, rel=1e-6)


def test_campus_picks_the_connection_its_size_needs() -> None:
    # A 300 MW campus cannot use the 250 MW 138 kV option: it pays the $130M 345 kV one.
    supply = tiny_supply(z2_spare_mw=0.0)
    classes = pd.DataFrame(
        {"class_kv": [138.0, 345.0], "spur_usd_per_km": [1e6, 2e6], "substation_usd": [20e6, 70e6], "deliverable_mw": [250.0, 1200.0]},
        index=pd.Index([2, 5], name="voltage_class"),
    )
    km = pd.DataFrame({"km_class_2": [10.0], "km_class_5": [30.0]}, index=pd.Index(["S1"], name="site_id"))
    supply = SupplyData(**{**supply.__dict__, "connections": connection_options(km, classes, km),
                           "zones": supply.zones.assign(spare_firm_mw=[1000.0, 0.0])})
    out = solve_checked(zonal_inputs(supply, zonal_scenario(objective={"sense": "min_cost", "target_it_mw": 300.0}),
                                     max_campus_mw=1000.0))
    row = out.sites.loc["S1"]
    assert row["substation_kv"] == 345.0 and row["substation_km"] == 30.0
    assert row["connection_cost_usd"] == pytest.approx(130e6)


def test_time_to_power_from_a_synthetic_table_drives_the_policy() -> None:
    sites = tiny_sites()
    county_zone = pd.DataFrame({"zone": ["Z1", "Z1", "Z2"]}, index=pd.Index(["00001", "00002", "00003"], name="county_fips"))
    ttp = pd.DataFrame({"median_years": [2.5, 6.0, 3.5]}, index=county_zone.index)
    zones = tiny_supply().zones
    out = attach_zone_facts(sites, county_zone, zones, ttp)
    assert out["time_to_power_years"].tolist() == [2.5, 6.0, 3.5]
    assert out["queue_years"].tolist() == [2.5, 6.0, 3.5]  # the time_to_power policy reads it
    # With a 3-year deadline only S1 (2.5 y) stays: its own state queue (3.0 y) no longer counts.
    from model.milp.index_sets import excluded_mask

    sc = zonal_scenario(policies=[{"type": "time_to_power", "max_years": 3.0}])
    supply = tiny_supply()
    supply = SupplyData(**{**supply.__dict__, "connections": pd.concat(
        [supply.connections.assign(site_id=s) for s in ("S1", "S2", "S3")], ignore_index=True)})
    inputs = _inputs(out, supply, sc)
    assert excluded_mask(inputs.sites, inputs).tolist() == [False, True, True]


def test_zonal_frames_without_supply_data_use_the_default_tables() -> None:
    # Frames with real county FIPS get their zones and connections from data/; made-up FIPS are refused.
    from model.core.errors import InputDataError

    with pytest.raises(InputDataError, match="no zone for county '00001'.*model = 'legacy'"):
        _inputs(tiny_sites(), None, zonal_scenario())  # type: ignore[arg-type]
    real = tiny_sites(county_fips=["51107", "53007", "48453"], state=["VA", "WA", "TX"])
    inputs = _inputs(real, None, zonal_scenario())  # type: ignore[arg-type]
    assert inputs.supply is not None
    assert inputs.sites["zone"].tolist() == ["p99", "p1", "p64"]  # data/county_zone.csv


# Hourly mode at zones: the one-zone instance above with two representative hours of 4,380 h each
# (tests/test_energy.py's energy(): flat price factor 1 here), no on-site assets, no flexible load.
# The firm row is the same (10 MW firm need -> 20 MW of gas CT at $1M/MW); the new CT is now dispatched.
def hourly_zonal(supply: SupplyData, grid_usd_per_mwh: float) -> RunOutcome:
    from model.inputs.load import inputs_from_frames
    from tests.conftest import TINY_COSTS, TINY_GPUS, TINY_TIERS
    from tests.test_energy import energy

    sc = zonal_scenario(energy={"enabled": True, "onsite": [], "flexible_share": 0.0})
    sites = tiny_sites(price_usd_per_mwh=[grid_usd_per_mwh] * 3, co2_kg_per_mwh=[0.0] * 3).iloc[:1].assign(zone=["Z1"])
    inputs = inputs_from_frames(sites, TINY_GPUS, TINY_TIERS, TINY_COSTS | ONE_YEAR, sc, supply=supply,
                                energy=energy(price_factor=(1.0, 1.0)))
    out = solve_scenario(sc, inputs)
    assert out.summary["status"] == "optimal" and out.sites is not None
    gen = pd.DataFrame(out.summary["new_generation"])
    imports = pd.DataFrame(out.summary["zone_imports"], columns=["from_zone", "to_zone", "mw"])
    assert check_solution(inputs, out.sites, out.summary, out.dispatch, gen if len(gen) else None, imports) == []
    return out


def test_hourly_zonal_new_gas_runs_when_cheaper_than_the_grid() -> None:
    # Grid $0/MWh: the CT ($30/MWh = 10 MMBtu x $3) stands idle; cost as in annual mode, $127M.
    idle = hourly_zonal(tiny_supply(), 0.0)
    assert idle.summary["objective"] == pytest.approx(127e6, rel=1e-9)
    assert idle.summary["new_generation_mw_by_type"] == {"gas_ct": pytest.approx(20.0)}
    assert idle.dispatch["new_gas_mw"].abs().max() == pytest.approx(0.0, abs=1e-6)
    # Grid $50/MWh: the CT serves the whole 10 MW in both hours (87,600 MWh, within 0.9 x 8,760 x 20 MW):
    # $127M + 87,600 MWh x $30 = $129.628M, no grid energy bought; CO2 0.5306 t/MWh x 87,600 = 46,480.56 t.
    run = hourly_zonal(tiny_supply(), 50.0)
    s = run.summary
    assert s["objective"] == pytest.approx(127e6 + 87_600 * 30.0, rel=1e-9)
    assert run.dispatch["new_gas_mw"].tolist() == pytest.approx([10.0, 10.0])
    assert run.dispatch["grid_import_mw"].tolist() == pytest.approx([0.0, 0.0], abs=1e-6)
    assert s["new_generation_co2_t_per_year"] == pytest.approx(46_481.0, abs=1.0)
    assert s["new_generation"][0]["energy_mwh_per_year"] == pytest.approx(87_600.0)
    # The CT's $2.628M of fuel is in the energy PV (the zone's dispatch cost), not a second part beside it: the
    # report's cost parts add up to the total ($129.628M), as in annual mode.
    from model.results.figures import Figures

    assert s["new_generation_energy_cost_pv_usd"] is None
    assert s["energy_opex_pv_usd"] == pytest.approx(87_600 * 30.0)
    assert sum(v for _, v in Figures.from_summary(s).cost_parts()) == pytest.approx(s["total_cost_usd"]) == pytest.approx(129.628e6)


def test_hourly_zonal_import_instead_of_building() -> None:
    # 10 MW of the Z2->Z1 interface's quarter covers the firm need: $107M and grid energy at $0.
    out = hourly_zonal(tiny_supply(z2_spare_mw=100.0, z2_to_z1_mw=40.0), 0.0)
    assert out.summary["objective"] == pytest.approx(107e6, rel=1e-9)
    assert out.summary["new_generation_mw_by_type"] == {}
    assert out.dispatch["grid_import_mw"].tolist() == pytest.approx([10.0, 10.0])


def test_hourly_zonal_flexible_load_lowers_the_firm_need() -> None:
    # A 20 % flexible share: firm need 0.8 x 10 = 8 MW -> 16 MW of CT ($16M), and 20 % may be curtailed
    # in any hour at most 0 % of annual energy (the cap in ENERGY_COSTS): $5M + $100M + $2M + $16M = $123M.
    from model.inputs.load import inputs_from_frames
    from tests.conftest import TINY_COSTS, TINY_GPUS, TINY_TIERS
    from tests.test_energy import energy

    sc = zonal_scenario(energy={"enabled": True, "onsite": [], "flexible_share": 0.2, "nonfirm_uplift": 0.0})
    sites = tiny_sites(price_usd_per_mwh=[0.0] * 3, co2_kg_per_mwh=[0.0] * 3).iloc[:1].assign(zone=["Z1"])
    inputs = inputs_from_frames(sites, TINY_GPUS, TINY_TIERS, TINY_COSTS | ONE_YEAR, sc, supply=tiny_supply(),
                                energy=energy(price_factor=(1.0, 1.0)))
    out = solve_scenario(sc, inputs)
    assert out.summary["objective"] == pytest.approx(123e6, rel=1e-9)
    assert out.summary["new_generation_mw_by_type"] == {"gas_ct": pytest.approx(16.0)}
    gen = pd.DataFrame(out.summary["new_generation"])
    assert check_solution(inputs, out.sites, out.summary, out.dispatch, gen, pd.DataFrame(columns=["from_zone", "to_zone", "mw"])) == []


def test_default_dataset_builds_a_zonal_model() -> None:
    sc = tiny_scenario(supply={"model": "zonal"}, candidates={"states": ["VA", "MD"]}, gpus={"types": ["B200"]},
                       budget={"equity_usd": 10e9})
    inputs = load_inputs(sc)
    assert inputs.supply is not None and inputs.sites["zone"].str.fullmatch(r"p\d+").all()
    sm = build_model(inputs)
    assert not sm.data.sets.SITES_TIERS and len(sm.data.sets.SITES_CONNECTIONS) >= len(sm.data.sets.SITES)
    assert set(sm.data.sets.INTERFACES) and set(inputs.sites["zone"]) <= set(sm.data.sets.ZONES)


def test_time_to_power_deadline_rules_out_slow_new_generation() -> None:
    # The no-spare zone must build: gas CT takes 1.5 years to build (its
    # estimate in data/time_to_power.csv), so a 1-year deadline leaves no way to supply the campus (infeasible); 2 years allows it.
    supply = tiny_supply()
    supply = SupplyData(**{**supply.__dict__, "generation": supply.generation.assign(construction_years=[1.5])})
    quick = solve_scenario(*_pair(supply, 2.0))
    assert quick.summary["status"] == "optimal" and quick.summary["new_generation_mw_by_type"] == {"gas_ct": pytest.approx(20.0)}
    slow = solve_scenario(*_pair(supply, 1.0))
    assert slow.summary["status"] == "infeasible"
    # The checker flags a CT built under the 1-year deadline.
    inputs = _pair(supply, 1.0)[1]
    problems = check_solution(inputs, quick.sites, quick.summary)
    assert any("gas_ct takes 1.5 years" in p for p in problems)


def _pair(supply: SupplyData, max_years: float) -> tuple[Scenario, SitingData]:
    sc = zonal_scenario(policies=[{"type": "time_to_power", "max_years": max_years}])
    sites = tiny_sites(price_usd_per_mwh=[0.0] * 3, co2_kg_per_mwh=[0.0] * 3, queue_years=[0.5] * 3).iloc[:1].assign(zone=["Z1"])
    inputs = _inputs(sites, supply, sc)
    return sc, inputs


def test_annual_co2_total_counts_new_gas_net_of_the_grid_it_displaces() -> None:
    # Grid $50/MWh and 0.4 t/MWh, and Z1's marginal energy at the same $50/MWh and 0.4 t/MWh (what new energy
    # displaces): the CT ($30/MWh) serves all 87,600 MWh (within 0.9 x 8,760 x 20 MW).
    # Sites table: grid CO2 0.4 x 87,600 = 35,040 t; new gas 0.5306 - 0.4 = +0.1306 t/MWh -> +11,440.56 t;
    # summary total = 46,480.56 t, the CT's own emissions (the campus burns only gas).
    sites = tiny_sites(price_usd_per_mwh=[50.0] * 3, co2_kg_per_mwh=[400.0] * 3).iloc[:1].assign(zone=["Z1"])
    supply = replace(tiny_supply(), marginal_usd_per_mwh_by_year=pd.DataFrame({2026: [50.0, 50.0]}, index=["Z1", "Z2"]),
                     marginal_co2_kg_per_mwh=pd.Series([400.0, 400.0], index=["Z1", "Z2"]))
    out = solve_checked(_inputs(sites, supply, None))
    s = out.summary
    assert float(out.sites["co2_t_per_year"].sum()) == pytest.approx(35_040.0)
    assert s["new_generation_co2_t_per_year"] == pytest.approx(11_441.0, abs=1.0)
    assert s["co2_t_per_year"] == pytest.approx(46_481.0, abs=1.0)
    assert s["objective"] == pytest.approx(127e6 + 87_600 * 30.0, rel=1e-9)
