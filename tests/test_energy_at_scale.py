"""Energy at scale in the model ([supply] energy_at_scale, docs/supply_data.md section 8): the county price only
on the utility's tariff MW (where it is the cheaper), the price beyond the tariff on the rest, wheeling on firm
imports between transmission providers. Hand-derived optima on the two-zone instance of test_supply.py."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from model.check import check_solution
from model.inputs.energy_scale import EnergyScale
from model.inputs.load import SitingData
from model.workflows.engine import RunOutcome, solve_scenario
from tests.test_supply import ONE_YEAR, solve_checked, tiny_supply, zonal_inputs, zonal_scenario

HOURS = 8760.0  # load factor 1 (conftest TINY_COSTS); annuity 1 (discount 0, 1-year horizon)
BASE_USD = 5e6 + 10 * 10e6 + 2e6  # site fixed + 10 blocks of GPU "A" + the one connection (test_supply.py)


def scale(beyond_usd_per_mwh: float, tariff_mw: float, wheeling_usd_per_mwh: float = 0.0,
          transreg: tuple[str, str] = ("SOCO", "TVA")) -> EnergyScale:
    """Site S1 in zone Z1, served by utility 7 with ``tariff_mw``; the same beyond-tariff price in both zones."""
    years = [2026]
    by_site = pd.DataFrame({2026: [beyond_usd_per_mwh]}, index=pd.Index(["S1"], name="site_id"))
    return EnergyScale(
        sites=pd.DataFrame({"county_fips": ["00001"], "zone": ["Z1"], "utility_id": [7], "utility_name": ["U"],
                            "tariff_mw": [tariff_mw], "texas_tdu": [False]}, index=by_site.index),
        energy_usd_per_mwh=by_site, delivery_usd_per_mwh=by_site * 0.0, beyond_tariff_usd_per_mwh=by_site,
        zone_energy_usd_per_mwh=pd.DataFrame({y: [beyond_usd_per_mwh] * 2 for y in years}, index=["Z1", "Z2"]),
        zone_transreg=pd.Series(list(transreg), index=["Z1", "Z2"]),
        min_demand_share=0.8, min_contract_years=10.0, wheeling_usd_per_mwh=wheeling_usd_per_mwh,
        wheeling_within_rto_usd_per_mwh=0.0, delivery_load_factor=0.8,
    )


def at_scale(county_usd_per_mwh: float, energy_scale: EnergyScale, **supply: float) -> SitingData:
    inputs = zonal_inputs(tiny_supply(**supply))
    sites = inputs.sites.assign(price_usd_per_mwh=[county_usd_per_mwh])
    z = inputs.supply
    assert z is not None
    if not supply:  # a zone with room for the campus: no import, no new generation
        z = replace(z, zones=z.zones.assign(spare_firm_mw=[100.0, 0.0]))
    return replace(inputs, sites=sites, supply=z, energy_scale=energy_scale)


def test_county_price_only_on_the_utilitys_tariff_mw() -> None:
    # County $20 < beyond $50; the utility sells 4 MW at its tariff: 4 MW x $20 + 6 MW x $50 = $380 an hour.
    out = solve_checked(at_scale(20.0, scale(50.0, tariff_mw=4.0)))
    assert out.summary["objective"] == pytest.approx(BASE_USD + HOURS * (4 * 20.0 + 6 * 50.0), rel=1e-9)
    row = out.sites.loc["S1"]
    assert row["tariff_mw"] == pytest.approx(4.0)
    assert row["price_usd_per_mwh"] == 50.0 and row["tariff_price_usd_per_mwh"] == 20.0
    assert row["energy_opex_pv_usd"] == pytest.approx(HOURS * 380.0, rel=1e-9)


def test_no_tariff_tranche_where_the_county_price_is_dearer() -> None:
    # County $60 > beyond $50: every MWh at $50 (the tariff is never the better buy).
    out = solve_checked(at_scale(60.0, scale(50.0, tariff_mw=4.0)))
    assert out.summary["objective"] == pytest.approx(BASE_USD + HOURS * 10 * 50.0, rel=1e-9)
    assert out.sites.loc["S1", "tariff_mw"] == 0.0


def test_checker_catches_tariff_mw_above_the_utilitys() -> None:
    inputs = at_scale(20.0, scale(50.0, tariff_mw=4.0))
    out = solve_checked(inputs)
    tampered = out.sites.assign(tariff_mw=[5.0])
    problems = check_solution(inputs, tampered, out.summary)
    assert any("utility 7" in p and "above its 4.0 MW" in p for p in problems)


@pytest.mark.parametrize(
    ("wheeling", "transreg", "expected_usd", "imports"),
    [
        # Z2 -> Z1 carries 10 MW (a quarter of 40 MW); two transmission providers: 10 MW x 8,760 h x $100 = $8.76M
        # of wheeling, below the $20M of 20 MW of gas CT (credit 0.5) it saves: import.
        (100.0, ("SOCO", "TVA"), BASE_USD + HOURS * 10 * 50.0 + HOURS * 10 * 100.0, 10.0),
        # $300/MWh of wheeling ($26.28M) is dearer than the gas: build 20 MW, import nothing.
        (300.0, ("SOCO", "TVA"), BASE_USD + HOURS * 10 * 50.0 + 20e6, 0.0),
        # Both zones in one RTO: no point-to-point charge, the import is free again.
        (300.0, ("PJM", "PJM"), BASE_USD + HOURS * 10 * 50.0, 10.0),
    ],
)
def test_wheeling_prices_firm_imports(wheeling: float, transreg: tuple[str, str], expected_usd: float, imports: float) -> None:
    inputs = at_scale(50.0, scale(50.0, tariff_mw=0.0, wheeling_usd_per_mwh=wheeling, transreg=transreg),
                      z2_spare_mw=100.0, z2_to_z1_mw=40.0)
    out = solve_checked(inputs)
    assert out.summary["objective"] == pytest.approx(expected_usd, rel=1e-9)
    assert sum(f["mw"] for f in out.summary["zone_imports"]) == pytest.approx(imports, abs=1e-6)
    paid = HOURS * imports * (wheeling if transreg[0] != transreg[1] else 0.0)
    assert out.summary["import_wheeling_pv_usd"] == pytest.approx(paid, abs=1.0)


def test_without_energy_at_scale_every_mwh_at_the_county_price() -> None:
    # The same site with no scale data: 10 MW x $20 (the basis before issue 24).
    inputs = at_scale(20.0, scale(50.0, tariff_mw=4.0))
    out = solve_scenario(inputs.scenario, replace(inputs, energy_scale=None))
    assert out.summary["objective"] == pytest.approx(BASE_USD + HOURS * 10 * 20.0, rel=1e-9)


# Hourly mode prices energy at scale as annual mode does (it used the county price on every MWh before):
# the one-zone instance with two representative hours of 4,380 h each at a flat price shape (test_supply.py's
# hourly_zonal), no on-site assets, no flexible load.
def hourly_at_scale(county_usd_per_mwh: float, energy_scale: EnergyScale, onsite: tuple[str, ...] = (), **supply: float) -> RunOutcome:
    from model.inputs.load import inputs_from_frames
    from tests.conftest import TINY_COSTS, TINY_GPUS, TINY_TIERS
    from tests.test_energy import energy

    sc = zonal_scenario(energy={"enabled": True, "onsite": list(onsite), "flexible_share": 0.0})
    annual = at_scale(county_usd_per_mwh, energy_scale, **supply)
    inputs = inputs_from_frames(annual.sites, TINY_GPUS, TINY_TIERS, TINY_COSTS | ONE_YEAR, sc, supply=annual.supply,
                                energy=energy(price_factor=(1.0, 1.0)))
    inputs = replace(inputs, energy_scale=energy_scale)
    out = solve_scenario(sc, inputs)
    assert out.summary["status"] == "optimal" and out.sites is not None
    gen = pd.DataFrame(out.summary["new_generation"], columns=["zone", "type", "new_mw", "energy_mwh_per_year"])
    imports = pd.DataFrame(out.summary["zone_imports"], columns=["from_zone", "to_zone", "mw"])
    assert check_solution(inputs, out.sites, out.summary, out.dispatch, gen, imports) == []
    return out


def test_hourly_mode_buys_the_tariff_tranche_and_pays_the_price_beyond_it() -> None:
    # As the annual test above: 4 MW x $20 + 6 MW x $50 = $380 an hour; the dispatch imports all 10 MW at $50.
    out = hourly_at_scale(20.0, scale(50.0, tariff_mw=4.0))
    assert out.summary["objective"] == pytest.approx(BASE_USD + HOURS * (4 * 20.0 + 6 * 50.0), rel=1e-9)
    row = out.sites.loc["S1"]
    assert row["tariff_mw"] == pytest.approx(4.0)
    assert row["energy_opex_pv_usd"] == pytest.approx(HOURS * 380.0, rel=1e-9)
    assert out.dispatch is not None
    assert out.dispatch["price_usd_per_mwh"].tolist() == pytest.approx([50.0, 50.0])
    assert out.dispatch["grid_import_mw"].tolist() == pytest.approx([10.0, 10.0])


@pytest.mark.parametrize(
    ("wheeling", "expected_usd", "imports"),
    [
        # 10 MW imported from Z2 pay 8,760 h x $100 = $8.76M of wheeling, below the 20 MW of gas CT's $20M less what
        # its $30/MWh energy saves against the $50 grid (87,600 MWh x $20 = $1.752M): import.
        (100.0, BASE_USD + HOURS * 10 * 50.0 + HOURS * 10 * 100.0, 10.0),
        # $300/MWh ($26.28M) is dearer: build the CT ($20M), which then serves the whole load at $30/MWh.
        (300.0, BASE_USD + 20e6 + HOURS * 10 * 30.0, 0.0),
    ],
)
def test_hourly_mode_pays_wheeling_on_firm_imports(wheeling: float, expected_usd: float, imports: float) -> None:
    out = hourly_at_scale(50.0, scale(50.0, tariff_mw=0.0, wheeling_usd_per_mwh=wheeling), z2_spare_mw=100.0, z2_to_z1_mw=40.0)
    assert out.summary["objective"] == pytest.approx(expected_usd, rel=1e-9)
    assert sum(f["mw"] for f in out.summary["zone_imports"]) == pytest.approx(imports, abs=1e-6)
    assert out.summary["import_wheeling_pv_usd"] == pytest.approx(HOURS * imports * wheeling, abs=1.0)


def test_hourly_tariff_tranche_only_on_energy_bought_from_the_grid() -> None:
    # Cheap solar (test_energy.py: $50k per MW-year, output only in hour 0) serves hour 0; the grid serves hour 1:
    # 10 MW x 4,380 h = 43,800 MWh. The utility's 8 tariff MW would be 70,080 MWh at the flat load, so only
    # 43,800 / 8,760 = 5 MW of tranche remain. 10 MW of solar ($0.5M) + 43,800 MWh x $50 - 5 MW x 8,760 h x $30 =
    # $1.376M a year, less than any smaller solar build (no solar: $4.38M - 8 x 8,760 x $30 = $2.2776M).
    # Before the tranche was tied to the grid, the campus kept all 8 MW of discount on energy it never bought.
    out = hourly_at_scale(20.0, scale(50.0, tariff_mw=8.0), onsite=("solar",))
    row = out.sites.loc["S1"]
    assert row["solar_mw"] == pytest.approx(10.0)
    assert row["tariff_mw"] == pytest.approx(5.0)
    assert out.summary["objective"] == pytest.approx(BASE_USD + 0.5e6 + 43_800 * 50.0 - 5 * HOURS * 30.0, rel=1e-9)
    # The checker catches a tranche above the grid energy (hourly_at_scale has checked the solve itself).
    inputs = out.inputs
    assert inputs is not None and inputs.energy_scale is not None
    gen = pd.DataFrame(out.summary["new_generation"], columns=["zone", "type", "new_mw", "energy_mwh_per_year"])
    problems = check_solution(inputs, out.sites.assign(tariff_mw=[6.0]), out.summary, out.dispatch, gen, None)
    assert any("tariff tranche 52,560 MWh above the 43,800 MWh" in p for p in problems)
