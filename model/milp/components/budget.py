"""Capital cost per site and the budget (equity + debt) it must fit in, optionally with energy opex.

Reads the energy block's on-site assets (``capex_energy_musd``, hourly mode: ``data.energy`` set) and
the supply block's new generation (``new_gen_cost_pv_musd``, zonal mode: ``data.supply`` set).

Provides: ``capex_<part>_musd`` per site (site, shell, land, gpu, interconnect), ``capex_musd``,
``total_capex_musd``, ``total_opex_pv_musd``, ``total_cost_musd`` (the min-cost objective) and, with a
budget, the mutable ``budget_musd`` and the ``budget`` row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyomo.environ as pyo

from model.core.rules import register_rule
from model.core.units import USD_PER_MUSD

if TYPE_CHECKING:
    from model.milp.model_data import ModelData


def add_budget(m: pyo.ConcreteModel, data: ModelData) -> None:
    costs = data.costs
    fixed_musd = costs.site_fixed_usd / USD_PER_MUSD
    # Shell and fit-out are priced per MW of IT (critical) load, the industry's convention.
    shell_musd_per_mw = costs.shell_usd_per_mw / USD_PER_MUSD
    tiers_at, options_at = data.sets.TIERS_AT, data.sets.CONNECTIONS_AT

    other = data.facility_capex_factor  # tax credits on buildings, 1.0 by default
    m.capex_site_musd = pyo.Expression(m.SITES, rule=lambda m, s: other[s] * fixed_musd * m.build[s])
    m.capex_shell_musd = pyo.Expression(m.SITES, rule=lambda m, s: other[s] * shell_musd_per_mw * m.it_mw[s])
    # Land, plus any per-MW penalty a policy charges (e.g. years waiting for power).
    m.capex_land_musd = pyo.Expression(
        m.SITES,
        rule=lambda m, s: (data.land_cost_musd_per_mw[s] + data.capex_adder_musd_per_mw[s]) * m.facility_mw[s],
    )
    m.capex_gpu_musd = pyo.Expression(
        m.SITES,
        rule=lambda m, s: sum(data.gpu_price_factor[s] * data.block_price_musd[g] * m.blocks[s, g] for g in m.GPUS),
    )
    # Zonal supply: the chosen connection's substation and spur line instead of an upgrade tier.
    conn_cost = data.supply.connection_cost_musd if data.supply is not None else {}
    m.capex_interconnect_musd = pyo.Expression(
        m.SITES,
        rule=lambda m, s: sum(data.tier_cost_musd[t] * m.upgrade[s, t] for t in tiers_at[s])
        + sum(conn_cost[s, c] * m.connect[s, c] for c in options_at[s]),
    )
    # On-site energy assets (hourly mode): annualised capital and fixed O&M, as a PV over the horizon.
    energy_assets = m.capex_energy_musd if data.energy is not None else None
    m.capex_musd = pyo.Expression(
        m.SITES,
        rule=lambda m, s: m.capex_site_musd[s]
        + m.capex_shell_musd[s]
        + m.capex_land_musd[s]
        + m.capex_gpu_musd[s]
        + m.capex_interconnect_musd[s]
        + (energy_assets[s] if energy_assets is not None else 0.0),
    )
    # Zonal supply: new generation's annualised capex + FOM over the horizon, a zone-level capex.
    new_gen = m.new_gen_cost_pv_musd if data.supply is not None else None
    m.total_capex_musd = pyo.Expression(
        expr=sum(m.capex_musd[s] for s in m.SITES) + (new_gen if new_gen is not None else 0.0)
    )
    m.total_opex_pv_musd = pyo.Expression(expr=m.energy_opex_pv_musd_total)
    m.total_cost_musd = pyo.Expression(expr=m.total_capex_musd + m.total_opex_pv_musd)

    budget = data.inputs.scenario.budget
    if budget is None:
        return
    m.budget_musd = pyo.Param(initialize=budget.total_usd / USD_PER_MUSD, mutable=True)
    spend = m.total_cost_musd if budget.include_opex else m.total_capex_musd
    m.budget = pyo.Constraint(expr=spend <= m.budget_musd)
    register_rule(m, "budget", "budget", "USD", USD_PER_MUSD)
