"""Hourly energy co-optimisation on a one-site instance solved by hand.

One representative "day" of two hours, each standing for 4,380 h of the year. The campus is one
A block: 1 MW of IT at PUE 1 and load factor 1, so its load is 1 MW in both hours. Grid price
$50/MWh x price factor (h0: 0.2 -> $10, h1: 1.8 -> $90), CO2 and carbon price zero. Horizon 1 year at
0 % discount, so a PV is one year's cost and an asset's annual cost is capex / life (+ O&M).
Asset costs (per MW or MWh, per year): solar $50k (capex $500/kW over 10 years), battery power
$10k ($100/kW / 10), battery energy $20k ($200/kWh / 10), round trip 100 %.
Capex of the campus: $5M site + $10M block = $15M (min_cost for 1 MW of IT).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from model.check import check_dispatch
from model.inputs.energy_data import EnergyData
from tests.conftest import solve_tiny, tiny_scenario, tiny_sites

HOURS = pd.MultiIndex.from_tuples([(1, 0), (1, 1)], names=["day", "hour"])
ENERGY_COSTS = {
    "solar_capex_usd_per_kw_ac": 500.0,
    "solar_fom_usd_per_kw_ac_yr": 0.0,
    "solar_life_years": 10.0,
    "wind_capex_usd_per_kw": 10_000.0,
    "wind_fom_usd_per_kw_yr": 0.0,
    "wind_life_years": 10.0,
    "battery_power_capex_usd_per_kw": 100.0,
    "battery_energy_capex_usd_per_kwh": 200.0,
    "battery_fom_share_of_capex_per_yr": 0.0,
    "battery_round_trip_efficiency": 1.0,
    "battery_life_years": 10.0,
    "gas_capex_usd_per_kw": 10_000.0,
    "gas_fom_usd_per_kw_yr": 0.0,
    "gas_vom_usd_per_mwh": 0.0,
    "gas_heat_rate_mmbtu_per_mwh": 10.0,
    "gas_fuel_usd_per_mmbtu": 100.0,
    "gas_co2_kg_per_mmbtu": 53.06,
    "gas_life_years": 10.0,
    "curtailment_cost_usd_per_mwh": 1000.0,
    "max_flexible_share": 0.0,
    "max_curtailment_share_of_annual_energy": 0.0,
}


def energy(solar_cf=(1.0, 0.0), price_factor=(0.2, 1.8), clean=0.0, **cost_overrides: float) -> EnergyData:
    frame = lambda values: pd.DataFrame({"XA": list(values)}, index=HOURS)  # noqa: E731
    return EnergyData(
        weights=pd.Series([4380.0, 4380.0], index=HOURS),
        solar_cf=frame(solar_cf),
        wind_cf=frame((0.0, 0.0)),
        price_factor=frame(price_factor),
        co2_factor=frame((1.0, 1.0)),
        zones=pd.DataFrame(
            {"grid_clean_share": [clean], "solar_land_acres_per_mw": [1.0], "wind_land_acres_per_mw": [1.0]},
            index=pd.Index(["XA"], name="state"),
        ),
        costs=ENERGY_COSTS | cost_overrides,
    )


def solve_energy(
    onsite: list[str], data: EnergyData, policies: list[dict] | None = None, solver: dict | None = None, **energy_cfg: object
):
    sc = tiny_scenario(
        **({"solver": solver} if solver is not None else {}),
        objective={"sense": "min_cost", "target_it_mw": 1.0},
        budget=None,
        gpus={"types": ["A"]},
        costs={"horizon_years": 1.0, "discount_rate": 0.0},
        energy={"enabled": True, "onsite": onsite, **energy_cfg},
        policies=[{"type": "exclude", "counties": ["00002", "00003"]}] + (policies or []),
    )
    sites = tiny_sites(co2_kg_per_mwh=[0.0, 0.0, 0.0], headroom_mw=[10.0, 6.0, 0.0])
    out = solve_tiny(sc, sites, energy=data)
    assert out.summary["status"] == "optimal"
    assert check_dispatch(out.dispatch) == []
    return out


def test_grid_only() -> None:
    # No on-site assets: 4,380 MWh at $10 + 4,380 MWh at $90 = $438,000 a year.
    out = solve_energy([], energy())
    assert out.summary["objective"] == pytest.approx(1e6 * (15 + 0.438))
    assert out.summary["energy_mwh_by_source"]["grid_import"] == pytest.approx(8760.0)


def test_battery_shifts_cheap_energy() -> None:
    # A 1 MW / 1 MWh battery charges at $10 and serves the $90 hour: grid bill 2 MW x 4,380 h x $10 =
    # $87,600, battery $30,000 a year; saving $320,400 against grid only. Larger is useless (load is 1 MW).
    out = solve_energy(["battery"], energy())
    site = out.sites.loc["S1"]
    assert site["battery_mw"] == pytest.approx(1.0) and site["battery_mwh"] == pytest.approx(1.0)
    assert out.summary["objective"] == pytest.approx(1e6 * (15 + 0.0876 + 0.03))
    assert out.summary["energy_mwh_by_source"]["battery_discharge"] == pytest.approx(4380.0)
    # Per site: 8,760 MWh from the grid (all bought at $10), 4,380 of it delivered through the battery.
    assert site["grid_mwh_per_year"] == pytest.approx(8760.0)
    assert site["battery_discharge_mwh_per_year"] == pytest.approx(4380.0)


def test_solar_surplus_is_stored() -> None:
    # Flat price $50 (factors 1, 1). Solar only (cf 1 in h0): 1 MW covers h0's load and saves $219,000
    # for $50,000; more would only spill. With a battery: 2 MW of solar, 1 MW / 1 MWh battery carries the
    # surplus into h1; no grid at all. Cost $100k + $30k = $130k a year vs $269k (1 MW solar + grid h1).
    flat = energy(price_factor=(1.0, 1.0))
    solar_only = solve_energy(["solar"], flat)
    assert solar_only.sites.loc["S1", "solar_mw"] == pytest.approx(1.0)
    assert solar_only.summary["energy_mwh_by_source"]["spilled"] == pytest.approx(0.0, abs=1e-6)
    assert solar_only.summary["objective"] == pytest.approx(1e6 * (15 + 0.05 + 0.219))
    both = solve_energy(["solar", "battery"], flat)
    assert both.sites.loc["S1", "solar_mw"] == pytest.approx(2.0)
    assert both.summary["energy_mwh_by_source"]["grid_import"] == pytest.approx(0.0, abs=1e-6)
    assert both.summary["objective"] == pytest.approx(1e6 * (15 + 0.13))


def test_clean_share_binds() -> None:
    # Solar is made dear ($3,000/kW -> $300k/MW-yr, above the $219k of grid energy 1 MW displaces) so
    # nobody builds it unprompted; the grid is 0 % clean.
    # An annual clean share of 50 % needs 4,380 MWh of solar: exactly 1 MW (cf 1 in h0).
    dear = energy(price_factor=(1.0, 1.0), solar_capex_usd_per_kw_ac=3000.0)
    assert solve_energy(["solar"], dear).sites.loc["S1", "solar_mw"] == pytest.approx(0.0, abs=1e-6)
    out = solve_energy(["solar"], dear, [{"type": "clean_energy_share", "share": 0.5}])
    assert out.sites.loc["S1", "solar_mw"] == pytest.approx(1.0)


def test_hourly_clean_share_needs_storage() -> None:
    # 24x7: each hour at least 50 % clean. h1 has no sun, so a battery must carry 0.5 MWh: solar 1 MW
    # (0.5 MW to load, 0.5 MW to the battery in h0), battery 0.5 MW / 0.5 MWh.
    dear = energy(price_factor=(1.0, 1.0), solar_capex_usd_per_kw_ac=3000.0)
    out = solve_energy(["solar", "battery"], dear, [{"type": "hourly_clean_share", "share": 0.5}])
    site = out.sites.loc["S1"]
    assert site["solar_mw"] == pytest.approx(1.0)
    assert site["battery_mwh"] == pytest.approx(0.5)


def test_flexible_load_raises_hostable_mw() -> None:
    # Max compute with a $130M budget at a site with 10 MW of firm headroom. Inflexible: $5M + 10 A blocks
    # = $105M fills the 10 MW; the 10 MW tier ($20M) would leave money for only 10 blocks too.
    # 25 % flexible with a 25 % non-firm uplift: facility <= 1.25 x 10 = 12.5 MW (and 0.75 x facility <= 10):
    # 12 whole blocks for $125M. The peak hour (h1, the dearer) curtails to the firm 10 MW.
    def run(**cfg: object) -> dict:
        sc = tiny_scenario(
            budget={"equity_usd": 130e6},
            gpus={"types": ["A"]},
            costs={"horizon_years": 1.0, "discount_rate": 0.0},
            energy={"enabled": True, "onsite": [], "peak_hour_share": 0.5, **cfg},
            policies=[{"type": "exclude", "counties": ["00002", "00003"]}],
        )
        data = energy(max_curtailment_share_of_annual_energy=0.2)
        return solve_tiny(sc, tiny_sites(headroom_mw=[10.0, 6.0, 0.0]), energy=data)

    rigid = run(flexible_share=0.0)
    flexible = run(flexible_share=0.25, nonfirm_uplift=0.25)
    assert rigid.summary["facility_mw"] == pytest.approx(10.0)
    assert flexible.summary["facility_mw"] == pytest.approx(12.0)
    assert check_dispatch(flexible.dispatch) == []
    # At peak the campus fits its firm 10 MW: at least 2 of its 12 MW curtailed. (Max compute leaves the
    # split degenerate: curtailing more is free here, so the exact import is not asserted.)
    peak = flexible.dispatch.query("hour == 1").iloc[0]
    assert peak["grid_import_mw"] <= 10.0 + 1e-6
    assert peak["grid_import_mw"] + peak["curtail_mw"] == pytest.approx(12.0)


def test_energy_needs_hourly_mode_for_clean_rules() -> None:
    from model.core.errors import ScenarioError

    # Refused when the scenario is validated, before any data is loaded or model built.
    with pytest.raises(ScenarioError, match="'clean_energy_share' needs hourly energy: add \\[energy\\] enabled = true"):
        tiny_scenario(policies=[{"type": "clean_energy_share", "share": 0.5}])


def two_zone_energy(**energy_args: Any) -> EnergyData:
    """As :func:`energy` with a second zone XB (same weather and prices) so that S2 can be built too."""
    one = energy(**energy_args)
    both = lambda frame: frame.assign(XB=frame["XA"])  # noqa: E731
    zones = pd.concat([one.zones, one.zones.rename(index={"XA": "XB"})])
    return EnergyData(weights=one.weights, solar_cf=both(one.solar_cf), wind_cf=both(one.wind_cf),
                      price_factor=both(one.price_factor), co2_factor=both(one.co2_factor), zones=zones, costs=one.costs)


def test_seed_starts_from_the_annual_answer() -> None:
    # The annual model (S1, grid at the flat $50: $438k a year) sites the campus; with S1 fixed, the
    # hourly model adds the 1 MW / 1 MWh battery of test_battery_shifts_cheap_energy: 15 + 0.1176.
    seeded = solve_energy(["battery"], energy())
    assert seeded.summary["seed"] == {
        "objective": pytest.approx(1e6 * (15 + 0.0876 + 0.03)),
        "annual_model_objective": pytest.approx(1e6 * (15 + 0.438)),
        "sites_built": 1,
        "method": "rounded",
    }
    assert seeded.summary["objective"] == pytest.approx(1e6 * (15 + 0.0876 + 0.03))
    assert seeded.summary["seconds"]["seed"] > 0
    plain = solve_energy(["battery"], energy(), solver={"seed_incumbent": False, "mip_gap": 0.0, "threads": 1})
    assert "seed" not in plain.summary and "seed" not in plain.summary["seconds"]
    assert plain.summary["objective"] == pytest.approx(seeded.summary["objective"])


def test_seed_falls_back_to_the_mip_when_rounding_down_breaks_a_campus_minimum() -> None:
    # A 1 MW target and a 1.5 MW campus minimum: the annual model builds S1 with 2 blocks of A. At S1 the
    # hourly LP with blocks relaxed takes 1.5 blocks (the cheapest way to the minimum); rounded down, 1 block
    # is below the minimum, so the seed solves the MIP at S1: 2 blocks, $5M + $20M + 2 MW x 8,760 h x $50.
    sc = tiny_scenario(
        objective={"sense": "min_cost", "target_it_mw": 1.0},
        budget=None,
        gpus={"types": ["A"]},
        costs={"horizon_years": 1.0, "discount_rate": 0.0, "min_campus_mw": 1.5},
        energy={"enabled": True, "onsite": []},
        policies=[{"type": "exclude", "counties": ["00002", "00003"]}],
    )
    out = solve_tiny(sc, tiny_sites(co2_kg_per_mwh=[0.0, 0.0, 0.0], headroom_mw=[10.0, 6.0, 0.0]),
                     energy=energy(price_factor=(1.0, 1.0)))
    assert out.summary["seed"]["method"] == "fixed_sites"
    assert out.summary["seed"]["objective"] == pytest.approx(25e6 + 2 * 8760 * 50.0)
    assert out.summary["objective"] == pytest.approx(25e6 + 2 * 8760 * 50.0)
    assert out.sites.loc["S1", "gpus"] == 20  # 2 blocks of 10 GPUs


def test_seed_that_breaks_an_hourly_rule_is_dropped() -> None:
    # Flat prices. S2 (zone XB) is cheaper on the annual model ($40 vs $50/MWh) but has land for the campus only, so
    # it cannot host the solar a 50 % hourly clean share needs (the annual model does not see that rule).
    # The fixed solve at S2 is infeasible: no seed, and the full solve builds S1 with 1 MW of solar and
    # 0.5 MW / 0.5 MWh of battery (test_hourly_clean_share_needs_storage).
    sc = tiny_scenario(
        objective={"sense": "min_cost", "target_it_mw": 1.0},
        budget=None,
        gpus={"types": ["A"]},
        costs={"horizon_years": 1.0, "discount_rate": 0.0},
        energy={"enabled": True, "onsite": ["solar", "battery"]},
        policies=[{"type": "exclude", "counties": ["00003"]}, {"type": "hourly_clean_share", "share": 0.5}],
    )
    sites = tiny_sites(co2_kg_per_mwh=[0.0, 0.0, 0.0], headroom_mw=[10.0, 6.0, 0.0], price_usd_per_mwh=[50.0, 40.0, 50.0],
                       land_available_acres=[1e6, 1.0, 1e6])
    out = solve_tiny(sc, sites, energy=two_zone_energy(price_factor=(1.0, 1.0), solar_capex_usd_per_kw_ac=3000.0))
    assert out.summary["status"] == "optimal"
    assert "seed" not in out.summary and out.summary["seconds"]["seed"] > 0
    assert list(out.sites.index) == ["S1"]
    assert out.sites.loc["S1", "solar_mw"] == pytest.approx(1.0)
    assert out.sites.loc["S1", "battery_mwh"] == pytest.approx(0.5)


def test_lp_solver_auto_is_interior_point_only_in_hourly_mode() -> None:
    from model.milp.build import build_model
    from model.solve.highs import lp_solver_setting
    from tests.conftest import tiny_inputs

    hourly_sc = tiny_scenario(energy={"enabled": True, "onsite": []})
    hourly = build_model(tiny_inputs(hourly_sc, tiny_sites().iloc[:1], energy=energy()))  # S1, zone XA
    annual_sc = tiny_scenario()
    annual = build_model(tiny_inputs(annual_sc))
    assert hourly.hourly and not annual.hourly  # the build says whether it made a dispatch block
    assert lp_solver_setting(hourly_sc.solver, hourly.hourly) == "ipm"
    assert lp_solver_setting(annual_sc.solver, annual.hourly) == "choose"
    assert lp_solver_setting(hourly_sc.solver.model_copy(update={"lp_solver": "simplex"}), hourly.hourly) == "simplex"


def test_zone_price_comes_from_the_built_site_not_the_first_one() -> None:
    # Two candidates of zone XA with different county prices: S1 ($100/MWh, no headroom, so only
    # reachable through the $20M tier) and S2 ($50/MWh, 6 MW). The cheapest 1 MW campus is at S2:
    # its bill is 1 MW x (4,380 h x $10 + 4,380 h x $90) = $438,000 a year, the PV of one year.
    # Before the fix the zone's price came from its first site (S1), doubling the bill.
    sc = tiny_scenario(
        objective={"sense": "min_cost", "target_it_mw": 1.0},
        budget=None,
        gpus={"types": ["A"]},
        costs={"horizon_years": 1.0, "discount_rate": 0.0},
        energy={"enabled": True, "onsite": ["solar"]},
        policies=[{"type": "exclude", "counties": ["00003"]}],
    )
    sites = tiny_sites(
        state=["XA", "XA", "XA"], co2_kg_per_mwh=[0.0, 0.0, 0.0], headroom_mw=[0.0, 6.0, 0.0], price_usd_per_mwh=[100.0, 50.0, 50.0]
    )
    out = solve_tiny(sc, sites, energy=energy(solar_cf=(0.0, 0.0)))
    assert out.summary["status"] == "optimal"
    assert list(out.sites.index) == ["S2"]
    assert out.summary["energy_opex_pv_usd"] == pytest.approx(438_000.0)
    assert out.sites.loc["S2", "energy_cost_usd_per_year"] == pytest.approx(438_000.0)


def test_dearer_site_of_a_zone_pays_its_own_price() -> None:
    # The same zone, but only S1 ($100/MWh, 6 MW) can host the campus: the zone's reference rate is
    # S2's $50, and S1 pays the $50 difference on its load: 1 MW x 8,760 h x $100 x the mean price
    # factor 1.0 = $876,000 a year.
    sc = tiny_scenario(
        objective={"sense": "min_cost", "target_it_mw": 1.0},
        budget=None,
        gpus={"types": ["A"]},
        costs={"horizon_years": 1.0, "discount_rate": 0.0},
        energy={"enabled": True, "onsite": ["solar"]},
        policies=[{"type": "exclude", "counties": ["00003"]}, {"type": "max_share_per_state", "share": 1.0}],
    )
    sites = tiny_sites(
        state=["XA", "XA", "XA"], co2_kg_per_mwh=[0.0, 0.0, 0.0], headroom_mw=[6.0, 0.0, 0.0],
        land_available_acres=[1e6, 0.0, 1e6], price_usd_per_mwh=[100.0, 50.0, 50.0],
    )
    out = solve_tiny(sc, sites, energy=energy(solar_cf=(0.0, 0.0)))
    assert out.summary["status"] == "optimal"
    assert list(out.sites.index) == ["S1"]
    assert out.summary["energy_opex_pv_usd"] == pytest.approx(876_000.0)


def test_hourly_mode_has_no_headroom_row_only_the_firm_and_nonfirm_pair() -> None:
    """The power block decides from the data (hourly energy on) not to add the row dispatch replaces."""
    import pyomo.environ as pyo

    from model.milp.build import build_model
    from tests.conftest import tiny_inputs

    sc = tiny_scenario(
        objective={"sense": "min_cost", "target_it_mw": 1.0}, budget=None, gpus={"types": ["A"]},
        energy={"enabled": True, "onsite": ["solar", "battery"]},
        policies=[{"type": "exclude", "counties": ["00002", "00003"]}],
    )
    m = build_model(tiny_inputs(sc, tiny_sites(headroom_mw=[10.0, 6.0, 0.0]), energy=energy())).final.m
    assert m.find_component("headroom") is None
    assert list(m.grid_firm) == list(m.SITES_GRID_LIMITED) and len(m.grid_firm) > 0
    assert all(c.active for c in m.component_objects(pyo.Constraint))


def test_blocks_keep_annual_energy_and_scale_the_battery() -> None:
    from model.inputs.energy_data import in_blocks

    # One day of 24 h: solar 1 in hours 0-11, 0 after; in 6-hour blocks the means are 1, 1, 0, 0 and
    # each block stands for 6 x 365 h; the weighted sums (annual MWh per MW) are unchanged: 12 x 365.
    idx = pd.MultiIndex.from_product([[7], range(24)], names=["day", "hour"])
    weights = pd.Series(365.0, index=idx)
    solar = pd.DataFrame({"XA": [1.0] * 12 + [0.0] * 12}, index=idx)
    w, blocks = in_blocks(weights, {"solar_cf": solar}, 6)
    assert w.tolist() == [6 * 365.0] * 4 and float(w.sum()) == 8760.0
    assert blocks["solar_cf"]["XA"].tolist() == [1.0, 1.0, 0.0, 0.0]
    assert float((blocks["solar_cf"]["XA"] * w).sum()) == pytest.approx(12 * 365.0)
    with pytest.raises(ValueError, match="does not divide a day"):
        in_blocks(weights, {"solar_cf": solar}, 5)


def test_battery_in_two_hour_blocks() -> None:
    # test_battery_shifts_cheap_energy with each of the two steps lasting 2 h (weights unchanged, each
    # step still stands for 4,380 h of the year): serving 1 MW through a 2-h step needs 2 MWh, so the
    # battery is 1 MW / 2 MWh at $10k + 2 x $20k a year; the grid bill is unchanged, 2 MW (load +
    # charge) x 4,380 h x $10 = $87,600, nothing bought at $90.
    data = energy()
    data = EnergyData(**{**data.__dict__, "hours_per_period": 2.0})
    out = solve_energy(["battery"], data, solver={"seed_incumbent": False, "mip_gap": 0.0, "threads": 1})
    assert out.summary["objective"] == pytest.approx(1e6 * 15 + 87_600 + 10_000 + 40_000)
    assert out.sites.iloc[0]["battery_mwh"] == pytest.approx(2.0)


def test_hours_per_period_must_divide_a_day() -> None:
    from model.config import scenario_from_dict
    from model.core.errors import ScenarioError

    with pytest.raises(ScenarioError, match="energy.hours_per_period"):
        scenario_from_dict({"name": "x", "budget": {"equity_usd": 1e9}, "energy": {"enabled": True, "hours_per_period": 5}}, "x.toml")


def test_large_annual_model_is_seeded_from_its_own_quick_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    # A one-period annual model from ANNUAL_SEED_SITES candidates on is seeded by a quick solve of itself and
    # the blocks rounded at its sites (here lowered to 1 so the tiny instance qualifies). tests/test_supply.py's
    # zone without spare firm MW: 10 MW of campus needs 20 MW of gas CT; $5M site + 10 blocks x $10M + $2M
    # connection + 20 MW x $1M = $127M.
    import model.solve.seed as seed_module
    from model.workflows.engine import solve_scenario
    from tests.test_supply import tiny_supply, zonal_inputs, zonal_scenario

    monkeypatch.setattr(seed_module, "ANNUAL_SEED_SITES", 1)
    runs = {}
    for seeded in (True, False):
        inputs = zonal_inputs(tiny_supply(), zonal_scenario(solver={"mip_gap": 0.0, "seed_incumbent": seeded}))
        runs[seeded] = solve_scenario(inputs.scenario, inputs).summary
    assert runs[True]["seed"] == {"objective": pytest.approx(127e6), "annual_model_objective": pytest.approx(127e6),
                                  "sites_built": 1, "method": "rounded"}
    assert "seed" not in runs[False]
    assert runs[True]["objective"] == pytest.approx(127e6, rel=1e-9) == runs[False]["objective"]
