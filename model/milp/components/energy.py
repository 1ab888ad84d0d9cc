"""Energy: what the campuses' power costs and emits.

Annual mode (default): facility MW x load factor x 8,760 h at the state's price plus a carbon
price, discounted over the horizon. Hourly mode (``[energy] enabled``): representative hours,
grid import, on-site assets and flexible load, in model/components/dispatch.py. Both define the
totals the rest of the model uses: ``energy_cost_musd_per_year_total``, ``co2_t_per_year_total``
and ``energy_opex_pv_musd_total``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyomo.environ as pyo

from model.core.units import HOURS_PER_YEAR, USD_PER_MUSD, annuity_factor
from model.milp.components.dispatch import add_dispatch

if TYPE_CHECKING:
    from model.milp.model_data import ModelData


def add_energy(m: pyo.ConcreteModel, data: ModelData) -> None:
    costs = data.costs
    hours = costs["load_factor"] * HOURS_PER_YEAR
    # Mutable so that sweeps over the carbon price re-solve without rebuilding.
    m.carbon_price_usd_per_tco2 = pyo.Param(initialize=costs["carbon_price_usd_per_tco2"], mutable=True)
    m.annuity_years = pyo.Param(initialize=annuity_factor(costs["discount_rate"], costs["horizon_years"]))
    m.energy_mwh_per_year = pyo.Expression(m.SITES, rule=lambda m, s: hours * m.facility_mw[s])
    # On-site cooling water at the evaporative WUE (L/kWh of IT = m3/MWh); water rules may add dry cooling.
    wue = float(data.cooling.loc["evaporative", "wue_l_per_kwh_it"])
    m.water_m3_per_year = pyo.Expression(m.SITES, rule=lambda m, s: wue * hours * m.it_mw[s])
    if data.energy is not None:
        add_dispatch(m, data)
    else:
        m.energy_cost_musd_per_year = pyo.Expression(
            m.SITES,
            rule=lambda m, s: m.energy_mwh_per_year[s]
            * (data.price_usd_per_mwh[s] + m.carbon_price_usd_per_tco2 * data.co2_t_per_mwh[s])
            / USD_PER_MUSD,
        )
        m.co2_t_per_year = pyo.Expression(
            m.SITES, rule=lambda m, s: data.co2_t_per_mwh[s] * m.energy_mwh_per_year[s]
        )
        m.energy_opex_pv_musd = pyo.Expression(m.SITES, rule=lambda m, s: m.annuity_years * m.energy_cost_musd_per_year[s])
        m.energy_cost_musd_per_year_total = pyo.Expression(expr=sum(m.energy_cost_musd_per_year[s] for s in m.SITES))
        m.co2_t_per_year_total = pyo.Expression(expr=sum(m.co2_t_per_year[s] for s in m.SITES))
    m.energy_opex_pv_musd_total = pyo.Expression(expr=m.annuity_years * m.energy_cost_musd_per_year_total)
