r"""Capital cost per site in a model year (:func:`add_capex`, in the year's block) and the one-period
budget (:func:`add_budget`, on the root model of a snapshot): equity + debt, optionally with energy opex.

Reads the energy block's on-site assets (``capex_energy_musd``, hourly mode: ``data.energy`` set) and
the supply block's new generation (``new_gen_cost_pv_musd``, zonal mode: ``data.supply`` set).

Provides: per year block ``capex_<part>_musd`` per site (site, shell, land, gpu, interconnect),
``capex_musd``, ``total_capex_musd``, ``total_opex_pv_musd``, ``total_cost_musd`` (the min-cost
objective); on the root of a snapshot with a budget, the mutable ``budget_musd`` and the ``budget`` row.
:func:`cost_coefficients` states total capex (and cost) as arrays for the budget row and the min-cost
objective.

Math (snapshot): :math:`\sum_s capex_s + \sum_{z,t} c^{gen}_{t} x_{z,t} \; [+ A \cdot opex] \le B`,
with :math:`A` the annuity factor over the energy horizon.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pyomo.environ as pyo

from model.core.rules import register_rule
from model.core.units import HOURS_PER_YEAR, USD_PER_MUSD
from model.milp.components.siting import facility_terms
from model.milp.model_data import (
    LinearRows,
    Segments,
    by_index,
    linear_sum,
    members,
    members_by_first,
    named_sum,
    register_linear,
    rule_from,
    scaled,
    term,
)

if TYPE_CHECKING:
    from model.milp.model_data import ModelData, YearModel


def _plus(a: Any, b: Any) -> Any:
    """``a + b`` where either may be the 0 an empty ``sum`` gives."""
    if isinstance(a, int) and a == 0:
        return b
    if isinstance(b, int) and b == 0:
        return a
    return a + b


def add_capex(m: pyo.Block, data: ModelData) -> None:
    """Per-site capex parts and the year's totals (if everything online this year were bought now)."""
    costs = data.costs
    sets = data.sets
    sites = sets.SITES
    n_g = len(sets.GPUS)
    fixed_musd = costs.site_fixed_usd / USD_PER_MUSD
    # Shell and fit-out are priced per MW of IT (critical) load, the industry's convention.
    shell_musd_per_mw = costs.shell_usd_per_mw / USD_PER_MUSD
    tiers_at, options_at = sets.TIERS_AT, sets.CONNECTIONS_AT

    other = data.facility_capex_factor  # tax credits on buildings, 1.0 by default
    build = dict(zip(sites, members(m.build)))
    m.capex_site_musd = pyo.Expression(m.SITES, rule=rule_from({s: term(other[s] * fixed_musd, build[s]) for s in sites}))
    it_mw, facility = by_index(m.it_mw, sites), by_index(m.facility_mw, sites)
    m.capex_shell_musd = pyo.Expression(
        m.SITES, rule=rule_from({s: scaled(other[s] * shell_musd_per_mw, it_mw[s]) for s in sites})
    )
    # Land, plus any per-MW penalty a policy charges (e.g. years waiting for power).
    m.capex_land_musd = pyo.Expression(
        m.SITES,
        rule=rule_from(
            {s: scaled(data.land_cost_musd_per_mw[s] + data.capex_adder_musd_per_mw[s], facility[s]) for s in sites}
        ),
    )
    blocks = members(m.blocks)
    price = [data.block_price_musd[g] for g in sets.GPUS]
    m.capex_gpu_musd = pyo.Expression(
        m.SITES,
        rule=rule_from({
            s: linear_sum([data.gpu_price_factor[s] * p for p in price], blocks[i * n_g : (i + 1) * n_g])
            for i, s in enumerate(sites)
        }),
    )
    # Zonal supply: the chosen connection's substation and spur line instead of an upgrade tier.
    conn_cost = data.supply.connection_cost_musd if data.supply is not None else {}
    upgrades = members_by_first(m.upgrade, sets.SITES_TIERS)
    connects = members_by_first(m.connect, sets.SITES_CONNECTIONS) if data.supply is not None else {}
    m.capex_interconnect_musd = pyo.Expression(
        m.SITES,
        rule=rule_from({
            s: _plus(
                linear_sum([data.tier_cost_musd[t] for t in tiers_at[s]], upgrades.get(s, [])),
                linear_sum([conn_cost[s, c] for c in options_at[s]], connects.get(s, [])),
            )
            for s in sites
        }),
    )
    # On-site energy assets (hourly mode): annualised capital and fixed O&M, as a PV over the horizon.
    energy_assets = m.capex_energy_musd if data.energy is not None else None
    parts = [m.capex_site_musd, m.capex_shell_musd, m.capex_land_musd, m.capex_gpu_musd, m.capex_interconnect_musd]
    if energy_assets is not None:
        parts.append(energy_assets)
    per_site = zip(*(p.values() for p in parts))  # every part is indexed by SITES, in SITES order
    m.capex_musd = pyo.Expression(m.SITES, rule=rule_from({s: named_sum(list(ps)) for s, ps in zip(sites, per_site)}))
    # Zonal supply: new generation's annualised capex + FOM over the horizon, a zone-level capex.
    new_gen = [m.new_gen_cost_pv_musd] if data.supply is not None else []
    m.total_capex_musd = pyo.Expression(expr=named_sum(list(m.capex_musd.values()) + new_gen))
    m.total_opex_pv_musd = pyo.Expression(expr=m.energy_opex_pv_musd_total)
    m.total_cost_musd = pyo.Expression(expr=m.total_capex_musd + m.total_opex_pv_musd)


def add_budget(root: pyo.ConcreteModel, year: YearModel) -> None:
    """The one-period budget row on the root model, over the (only) year's capex (and energy PV)."""
    m, data = year.m, year.data
    budget = data.inputs.scenario.budget
    if budget is None:
        return
    root.budget_musd = pyo.Param(initialize=budget.total_usd / USD_PER_MUSD, mutable=True)
    spend = m.total_cost_musd if budget.include_opex else m.total_capex_musd
    root.budget = pyo.Constraint(expr=spend <= root.budget_musd)
    register_rule(root, "budget", "budget", "USD", USD_PER_MUSD)
    coefficients = cost_coefficients(m, data, budget.include_opex)
    if coefficients is not None:
        variables, cols, values = coefficients

        def refresh() -> tuple[np.ndarray, np.ndarray]:
            return values(), np.array([float(pyo.value(root.budget_musd))])

        vals, rhs = refresh()
        register_linear(
            root,
            LinearRows(
                constraint=root.budget, members=[root.budget], exprs=[root.budget.expr], variables=variables,
                rows=np.zeros(len(cols), dtype=np.int64), cols=cols, vals=vals, senses=np.ones(1, dtype=np.int8),
                rhs=rhs, refresh=refresh,
            ),
        )


def cost_coefficients(
    m: pyo.ConcreteModel, data: ModelData, include_opex: bool
) -> tuple[Segments, np.ndarray, Callable[[], np.ndarray]] | None:
    """Total capex (``include_opex``: total cost) as (variables, columns, values at the current carbon price).

    Each coefficient is computed in the order Pyomo's standard-form compiler accumulates it from the
    named expressions above, so the numbers are identical bit for bit (site: other x fixed; blocks:
    shell x IT, + land x facility, + GPU price; then + annuity x energy cost; new energy: 1e-6 x (cost -
    displaced price) + carbon price / 1e6 x (CO2 - displaced CO2)). None in hourly mode (the dispatch
    block prices energy and on-site assets; the compiler reads those expressions itself).
    """
    if data.energy is not None:
        return None
    costs, sets = data.costs, data.sets
    sites, gpus = sets.SITES, sets.GPUS
    n_s, n_g = len(sites), len(gpus)

    def arr(values: Any, count: int) -> np.ndarray:
        return np.fromiter(values, dtype=float, count=count)

    other = arr((data.facility_capex_factor[s] for s in sites), n_s)
    c_site = other * (costs.site_fixed_usd / USD_PER_MUSD)
    c_shell = other * (costs.shell_usd_per_mw / USD_PER_MUSD)
    c_land = arr((data.land_cost_musd_per_mw[s] + data.capex_adder_musd_per_mw[s] for s in sites), n_s)
    it = arr((data.block_it_mw[g] for g in gpus), n_g)
    gpu = np.outer(arr((data.gpu_price_factor[s] for s in sites), n_s), arr((data.block_price_musd[g] for g in gpus), n_g))
    fac = facility_terms(m, data)  # blocks (site-major) then dry_it_mw
    n_blocks = n_s * n_g
    is_block = fac.col < n_blocks
    dry_col = fac.col[~is_block]
    dry_site = fac.site[~is_block]
    # The facility terms in `fac` are row-major by site; index them by column instead.
    fac_coef = np.empty(sum(map(len, fac.variables)))
    fac_coef[fac.col] = fac.coef
    block_site = np.repeat(np.arange(n_s), n_g)
    capex_blocks = (c_shell[:, None] * it[None, :]).ravel() + c_land[block_site] * fac_coef[:n_blocks]
    capex_blocks = capex_blocks + gpu.ravel()
    capex_dry = c_land[dry_site] * fac_coef[dry_col]

    tiers = [(s, t) for s, t in sets.SITES_TIERS]
    tier_cost = arr((data.tier_cost_musd[t] for _, t in tiers), len(tiers))
    variables = fac.variables + (members(m.build), members(m.upgrade))
    pieces = [capex_blocks, capex_dry, c_site, tier_cost]
    z = data.supply
    if z is not None:
        variables = variables + (members(m.connect), members(m.new_gen_mw))
        pieces.append(arr((z.connection_cost_musd[k] for k in sets.SITES_CONNECTIONS), len(sets.SITES_CONNECTIONS)))
        pieces.append(arr((z.gen_cost_pv_musd_per_mw[k] for k in sets.ZONES_GEN), len(sets.ZONES_GEN)))
    capex = np.concatenate(pieces)
    if not include_opex:
        return variables, np.arange(len(capex)), lambda: capex

    hours = costs.load_factor * HOURS_PER_YEAR
    price = arr((data.price_usd_per_mwh[s] for s in sites), n_s)
    co2 = arr((data.co2_t_per_mwh[s] for s in sites), n_s)
    annuity = float(pyo.value(m.annuity_years))
    energy = []
    if z is not None:
        variables = variables + (members(m.new_gen_mwh),)
        keys = sets.ZONES_GEN_ENERGY
        net_usd = arr((z.gen_usd_per_mwh[k, t] - z.ref_price_usd_per_mwh[k] for k, t in keys), len(keys))
        net_co2 = arr((z.gen_co2_t_per_mwh[t] - z.ref_co2_t_per_mwh[k] for k, t in keys), len(keys))
        energy = [net_usd, net_co2]
    # Energy at scale: the tariff tranche's discount and wheeling on imports (M$ a year per MW), over the horizon.
    extra: list[np.ndarray] = []
    if data.tariff_usd_per_mwh:
        tariff_sites = list(m.TARIFF_SITES)
        variables = variables + (members(m.tariff_mw),)
        # Per element as the tariff block writes it (hours x gap / 1e6), then x annuity as the compiler does.
        extra.append(annuity * arr((hours * (data.tariff_usd_per_mwh[s] - data.price_usd_per_mwh[s]) / USD_PER_MUSD for s in tariff_sites), len(tariff_sites)))
    if z is not None and z.wheeling_usd_per_mwh:
        variables = variables + (members(m.import_mw),)
        extra.append(annuity * arr((hours * z.wheeling_usd_per_mwh.get(k, 0.0) / USD_PER_MUSD for k in sets.INTERFACES), len(sets.INTERFACES)))
    cols = np.arange(sum(map(len, variables)))

    def values() -> np.ndarray:
        cp = float(pyo.value(m.carbon_price_usd_per_tco2))
        per_mw = (hours * (price + cp * co2)) / USD_PER_MUSD  # the compiler's multiplier on facility MW
        opex_blocks = per_mw[block_site] * fac_coef[:n_blocks]
        opex_dry = per_mw[dry_site] * fac_coef[dry_col]
        out = capex.copy()
        out[:n_blocks] = capex_blocks + annuity * opex_blocks
        out[n_blocks : n_blocks + len(dry_col)] = capex_dry + annuity * opex_dry
        if energy:
            net_usd, net_co2 = energy
            new_energy = (1 / USD_PER_MUSD) * net_usd + (cp / USD_PER_MUSD) * net_co2
            out = np.concatenate([out, annuity * new_energy])
        return np.concatenate([out, *extra]) if extra else out

    return variables, cols, values
