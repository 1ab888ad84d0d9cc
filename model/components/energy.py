"""Energy: annual MWh at the site's load factor, its cost at the local price plus a carbon price,
discounted over the horizon to a present value."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyomo.environ as pyo

from model.units import HOURS_PER_YEAR, USD_PER_MUSD, annuity_factor

if TYPE_CHECKING:
    from model.build import ModelData


def add_energy(m: pyo.ConcreteModel, data: ModelData) -> None:
    costs = data.costs
    hours = costs["load_factor"] * HOURS_PER_YEAR
    # Mutable so that sweeps over the carbon price re-solve without rebuilding.
    m.carbon_price_usd_per_tco2 = pyo.Param(initialize=costs["carbon_price_usd_per_tco2"], mutable=True)
    m.annuity_years = pyo.Param(initialize=annuity_factor(costs["discount_rate"], costs["horizon_years"]))
    m.energy_mwh_per_year = pyo.Expression(m.SITES, rule=lambda m, s: hours * m.facility_mw[s])
    m.energy_cost_musd_per_year = pyo.Expression(
        m.SITES,
        rule=lambda m, s: m.energy_mwh_per_year[s]
        * (data.price_usd_per_mwh[s] + m.carbon_price_usd_per_tco2 * data.co2_t_per_mwh[s])
        / USD_PER_MUSD,
    )
    m.energy_opex_pv_musd = pyo.Expression(
        m.SITES, rule=lambda m, s: m.annuity_years * m.energy_cost_musd_per_year[s]
    )
    m.co2_t_per_year = pyo.Expression(m.SITES, rule=lambda m, s: data.co2_t_per_mwh[s] * m.energy_mwh_per_year[s])
    # On-site cooling water at the evaporative WUE (L/kWh of IT = m3/MWh); water rules may add dry cooling.
    wue = float(data.cooling.loc["evaporative", "wue_l_per_kwh_it"])
    m.water_m3_per_year = pyo.Expression(m.SITES, rule=lambda m, s: wue * hours * m.it_mw[s])
