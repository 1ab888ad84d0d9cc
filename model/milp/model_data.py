"""The model's data: coefficients keyed by index-set members, computed once with pandas from
:class:`SitingData` (never inside Pyomo rules), and the built model paired with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression, ProductExpression, SumExpression
from pyomo.core.expr.relational_expr import EqualityExpression, InequalityExpression

from model.config import CostAssumptions
from model.core.errors import ScenarioError
from model.core.units import (
    HOURS_PER_YEAR,
    KW_PER_MW,
    TFLOPS_PER_PFLOPS,
    USD_PER_MUSD,
    annuity_factor,
    capital_recovery_factor,
)
from model.inputs.energy_data import EnergyData
from model.inputs.load import SitingData
from model.milp.index_sets import IndexSets, active_sites, build_index_sets, policy_context, site_connections
from model.milp.time_data import BridgeCosts, TimeData, time_data
from model.policies import module_for
from model.policies.base import PolicyContext


@dataclass(frozen=True)
class ModelData:
    """Coefficients keyed by index-set members, computed once with pandas (never inside rules)."""

    inputs: SitingData
    sites: pd.DataFrame
    sets: IndexSets
    costs: CostAssumptions
    context: PolicyContext
    cooling: pd.DataFrame
    energy: EnergyData | None  # hourly inputs (energy mode) or None (annual energy)
    block_it_mw: dict[str, float]
    block_price_musd: dict[str, float]
    block_pflops: dict[str, float]
    block_gpus: dict[str, int]
    blocks_max: dict[tuple[str, str], int]
    pue: dict[str, float]
    headroom_mw: dict[str, float]
    land_mw_max: dict[str, float]
    land_cost_musd_per_mw: dict[str, float]
    price_usd_per_mwh: dict[str, float]
    co2_t_per_mwh: dict[str, float]
    tier_mw: dict[str, float]
    tier_cost_musd: dict[str, float]
    # Per-site factors that policies adjust (tax incentives, time-to-power penalties).
    gpu_price_factor: dict[str, float]
    facility_capex_factor: dict[str, float]
    capex_adder_musd_per_mw: dict[str, float]
    # Dry cooling where a rule offers it (sets.SITES_DRY_OPTION): extra PUE per dry-cooled MW of IT and
    # the water it saves, m3 per year per dry-cooled MW of IT (data/cooling.csv; L/kWh = m3/MWh).
    dry_pue_delta: float = 0.0
    dry_water_saved_m3_per_mw_year: float = 0.0
    supply: ZonalData | None = None  # zonal supply coefficients ([supply] model = "zonal")
    horizon: Horizon | None = None  # the model years (set by model_data; None only in hand-made test data)
    year: int = 0  # the model year these coefficients are for
    integer_blocks: bool = True  # whole GPU blocks (multi-year: pathway.integer_blocks)
    # Energy at scale ([supply] energy_at_scale): price_usd_per_mwh above is then the price beyond the tariff
    # (zone marginal energy + delivery); sites whose county (tariff) price is below it get it on up to their
    # utility's tariff MW, shared by the utility's campuses (group -> cap).
    tariff_usd_per_mwh: dict[str, float] = field(default_factory=dict)
    tariff_group_of: dict[str, str] = field(default_factory=dict)
    tariff_cap_mw: dict[str, float] = field(default_factory=dict)
    time: TimeData | None = None  # multi-year: vintages, phases, routes, residual values (milp/time_data.py)


@dataclass(frozen=True)
class ZonalData:
    """Coefficients of the zonal supply block (docs/supply_model.md), keyed by the zonal index sets."""

    zone_of: dict[str, str]  # site -> ReEDS zone
    spare_mw: dict[str, float]  # zone -> spare firm MW available to new campuses (spare x spare_share)
    interface_max_mw: dict[tuple[str, str], float]  # (from, to) -> import limit for new load
    connection_mw: dict[tuple[str, str], float]  # (site, option) -> MW it can deliver
    connection_cost_musd: dict[tuple[str, str], float]  # (site, option) -> substation + spur
    gen_credit: dict[str, float]  # type -> capacity credit (firm MW per MW)
    gen_capex_musd_per_mw: dict[tuple[str, str], float]  # (zone, type) -> overnight capex, regional multiplier applied
    gen_cost_pv_musd_per_mw: dict[tuple[str, str], float]  # (zone, type) -> capex + FOM x horizon annuity (snapshot budget)
    gen_energy_max_mwh_per_mw: dict[tuple[str, str], float]  # (zone, type) -> annual MWh per MW
    gen_usd_per_mwh: dict[tuple[str, str], float]  # (zone, type) -> fuel at the zone's gas price that year + VOM
    gen_co2_t_per_mwh: dict[str, float]
    ref_price_usd_per_mwh: dict[str, float]  # zone -> the marginal energy cost new energy displaces
    ref_co2_t_per_mwh: dict[str, float]  # zone -> the marginal CO2 it displaces
    gen_construction_years: dict[str, float] = field(default_factory=dict)  # type -> years to build (0 if unknown)
    sites_in: dict[str, list[str]] = field(default_factory=dict)  # zone -> its candidate sites
    # (site, option) -> existing_station | large_connection (by routes: at most one of each); empty: one choice
    connection_group: dict[tuple[str, str], str] = field(default_factory=dict)
    gas_usd_per_mmbtu: dict[str, float] = field(default_factory=dict)  # zone -> delivered gas price that year
    wheeling_usd_per_mwh: dict[tuple[str, str], float] = field(default_factory=dict)  # interface -> per MWh imported


MARGINAL_TYPE = "gas_cc"  # whose variable cost prices the energy a zone's new generation displaces


def zone_gas_usd_per_mmbtu(supply: Any, zones: list[str], year: int) -> dict[str, float]:
    """The zone's delivered gas price in ``year`` (data/zone_gas_price.csv; the national price where the
    table is absent, e.g. hand-made test data; the nearest year held outside its range)."""
    table = supply.gas_usd_per_mmbtu_by_year
    if table is None or table.empty:
        return dict.fromkeys(zones, float(supply.gas_fuel_usd_per_mmbtu))
    col = min(table.columns, key=lambda c: (abs(int(c) - year), int(c)))
    return {z: float(table.at[z, col]) if z in table.index else float(supply.gas_fuel_usd_per_mmbtu) for z in zones}


def _wheeling(inputs: SitingData, interfaces: list[tuple[str, str]]) -> dict[tuple[str, str], float]:
    """Wheeling per MWh of each interface's firm imports (energy at scale), else nothing."""
    scale = inputs.energy_scale
    if scale is None or not interfaces:
        return {}
    a = pd.Series([i for i, _ in interfaces])
    b = pd.Series([j for _, j in interfaces])
    return dict(zip(interfaces, scale.wheeling_usd_per_mwh_between(a, b).tolist()))


def energy_prices(inputs: SitingData, sites: pd.DataFrame, year: int) -> dict[str, Any]:
    """Each site's energy price in ``year`` and, with energy at scale, its tariff tranche: the price beyond the
    tariff (zone marginal energy + delivery) for every MWh, the county (tariff) price on up to the utility's
    tariff MW where it is the cheaper (docs/supply_data.md section 8)."""
    county = sites["price_usd_per_mwh"].astype(float)
    scale = inputs.energy_scale
    if scale is None:
        return {"price_usd_per_mwh": as_dict(county)}
    ids = sites.index
    col = min(scale.beyond_tariff_usd_per_mwh.columns, key=lambda c: (abs(int(c) - year), int(c)))
    beyond = scale.beyond_tariff_usd_per_mwh[col].reindex(ids).astype(float)
    beyond = beyond.fillna(county)  # a candidate outside the table keeps its county price
    facts = scale.sites.reindex(ids)
    cheaper = (county < beyond - 1e-9) & (facts["tariff_mw"].fillna(0.0) > 0)
    uid = facts["utility_id"].fillna(0).astype(int)
    # Campuses of one utility share its tariff MW; a site with no reported utility has its own.
    group = pd.Series(np.where(uid > 0, "u" + uid.astype(str), "s" + ids.astype(str)), index=ids)
    chosen = ids[cheaper.to_numpy()]
    return {
        "price_usd_per_mwh": as_dict(beyond),
        "tariff_usd_per_mwh": as_dict(county.loc[chosen]),
        "tariff_group_of": as_dict(group.loc[chosen]),
        "tariff_cap_mw": facts.loc[chosen].assign(group=group.loc[chosen]).groupby("group")["tariff_mw"].max().astype(float).to_dict(),
    }


def zonal_data(inputs: SitingData, sites: pd.DataFrame, sets: IndexSets, year: int | None = None) -> ZonalData:
    """Per-zone and per-type coefficients of model year ``year`` (the supply's base year by default),
    computed with pandas from :class:`SupplyData`.

    One finance basis (issue 24): new generation counts its overnight capex in full in a snapshot's budget,
    as GPUs, buildings and connections do (multi-year models pay it in its build year and keep its residual
    value), plus its fixed O&M over the horizon; its capex carries the zone's ReEDS capital-cost multiplier.
    Its energy displaces grid energy at the zone's marginal cost (the variable cost of a gas combined
    cycle at the zone's gas price that year) and the marginal CO2 (that plant's), not a retail price."""
    supply = inputs.supply
    assert supply is not None
    costs = inputs.costs
    rate, horizon = costs.discount_rate, costs.horizon_years
    gen = supply.generation
    zones = list(sets.ZONES)
    year = int(year if year is not None else (supply.base_year or 2026))
    kw = KW_PER_MW / USD_PER_MUSD  # $/kW -> M$/MW
    mult = supply.capex_multiplier
    multiplier = {
        (z, t): float(mult.at[z, t]) if mult is not None and not mult.empty and z in mult.index and t in mult.columns else 1.0
        for z in zones for t in gen.index
    }
    capex = {(z, t): kw * float(gen.at[t, "capex_usd_per_kw"]) * multiplier[z, t] for z in zones for t in gen.index}
    fom_pv = {t: kw * float(gen.at[t, "fom_usd_per_kw_yr"]) * annuity_factor(rate, horizon) for t in gen.index}
    gas = zone_gas_usd_per_mmbtu(supply, zones, year)
    heat = gen["heat_rate_mmbtu_per_mwh"].astype(float).to_dict()
    vom = gen["vom_usd_per_mwh"].astype(float).to_dict()
    usd_per_mwh = {(z, t): heat[t] * gas[z] + vom[t] for z in zones for t in gen.index}
    co2 = gen["heat_rate_mmbtu_per_mwh"] * supply.gas_co2_kg_per_mmbtu / 1000.0
    table, marginal_co2 = supply.marginal_usd_per_mwh_by_year, supply.marginal_co2_kg_per_mwh
    marginal = MARGINAL_TYPE if MARGINAL_TYPE in gen.index else None
    if table is not None and not table.empty:
        col = min(table.columns, key=lambda c: (abs(int(c) - year), int(c)))
        ref_price = {z: float(table.at[z, col]) if z in table.index else 0.0 for z in zones}
        ref_co2 = {z: float(marginal_co2.get(z, 0.0)) / 1000.0 for z in zones}
    else:
        ref_price = {z: (usd_per_mwh[z, marginal] if marginal else 0.0) for z in zones}
        ref_co2 = dict.fromkeys(zones, float(co2[marginal]) if marginal else 0.0)
    conn = site_connections(supply.connections, sites)
    keys = list(zip(conn["site_id"].tolist(), conn["option"].tolist()))
    tr = supply.transfers
    # One dict lookup per interface (a MultiIndex lookup per key costs ~0.1 ms).
    limit = dict(zip(zip(tr["from_zone"].tolist(), tr["to_zone"].tolist()), (tr["mw"] * supply.import_share).tolist()))
    zone_of = sites["zone"].astype(str)
    share = supply.energy_share.to_dict(orient="index")  # zone -> type -> share
    spare = supply.zones["spare_firm_mw"]
    by_year = supply.spare_firm_mw_by_year
    if by_year is not None and not by_year.empty and year in by_year.columns:
        spare = by_year[year]
    return ZonalData(
        zone_of=as_dict(zone_of),
        spare_mw=(spare * supply.spare_share).reindex(sets.ZONES).to_dict(),
        interface_max_mw={k: float(limit[k]) for k in sets.INTERFACES},
        connection_mw=dict(zip(keys, conn["mw"].astype(float).tolist())),
        connection_cost_musd=dict(zip(keys, (conn["cost_usd"].astype(float) / USD_PER_MUSD).tolist())),
        connection_group=dict(zip(keys, conn["group"].astype(str).tolist())) if "group" in conn else {},
        gas_usd_per_mmbtu=gas,
        wheeling_usd_per_mwh=_wheeling(inputs, sets.INTERFACES),
        gen_credit=gen["capacity_credit"].astype(float).to_dict(),
        gen_capex_musd_per_mw=capex,
        gen_cost_pv_musd_per_mw={(z, t): capex[z, t] + fom_pv[t] for z, t in capex},
        gen_energy_max_mwh_per_mw={(z, t): float(share[z][t]) * HOURS_PER_YEAR for z, t in sets.ZONES_GEN_ENERGY},
        gen_usd_per_mwh=usd_per_mwh,
        gen_co2_t_per_mwh=co2.to_dict(),
        ref_price_usd_per_mwh=ref_price,
        ref_co2_t_per_mwh=ref_co2,
        sites_in=_members(zone_of),
        gen_construction_years=(
            gen["construction_years"].astype(float) if "construction_years" in gen else pd.Series(0.0, index=gen.index)
        ).to_dict(),
    )


def _time_data(inputs: SitingData, sites: pd.DataFrame, horizon: Horizon, zonal: ZonalData | None, adders: pd.Series) -> TimeData:
    sc = inputs.scenario
    cfg = sc.pathway
    assert cfg is not None
    if inputs.energy_costs is None or inputs.roadmap is None:
        raise ScenarioError(f"{sc.origin}: pathway: the inputs carry no GPU roadmap or energy costs (load them with load_inputs)")
    missing = [g for g in inputs.gpus.index if g not in inputs.roadmap.index]
    if missing:
        raise ScenarioError(f"{sc.origin}: gpus.types: '{missing[0]}' is not in the GPU roadmap")
    # Impossible settings are refused before any solve (an answer that builds nothing is not an answer).
    cap = inputs.costs.max_campus_mw
    if cfg.phase_mw > cap:
        raise ScenarioError(
            f"{sc.origin}: pathway.phase_mw: {cfg.phase_mw:,.0f} MW is more than a campus may hold (costs.max_campus_mw "
            f"{cap:,.0f} MW): no phase could ever be built; lower phase_mw or raise max_campus_mw"
        )
    if cfg.phase_mw > 0 and cfg.phase_mw < inputs.costs.min_campus_mw and cap < inputs.costs.min_campus_mw:
        raise ScenarioError(f"{sc.origin}: pathway.phase_mw: no number of {cfg.phase_mw:g} MW phases fits the campus size range")
    gpus = inputs.roadmap.loc[inputs.gpus.index]
    if (gpus["first_year"] > horizon.last).all():
        first = gpus.index[0]
        raise ScenarioError(
            f"{sc.origin}: gpus.types: no type is available by {horizon.last} (first_year of '{first}' is {int(gpus.at[first, 'first_year'])})"
        )
    supply = inputs.supply
    zones = supply.zones if supply is not None else None
    return time_data(
        cfg, inputs.costs, sites, gpus, horizon.years, horizon.horizon_end,
        land_usd_per_facility_mw(sites, inputs.costs) + adders,
        BridgeCosts.from_energy_costs(inputs.energy_costs),
        supply.generation if supply is not None else None,
        zonal.gen_construction_years if zonal is not None else {},
        zones["peak_mw"].astype(float).to_dict() if zones is not None and "peak_mw" in zones else {},
        sc.objective.target_it_mw,
        supply,
    )


def _tax_factor(rates: pd.DataFrame | None, sites: list[str], year: int) -> dict[str, float]:
    """1 + the tax rate of each site in ``year`` (1 where untaxed)."""
    if rates is None or year not in rates.columns:
        return dict.fromkeys(sites, 1.0)
    column = rates[year].reindex(sites).fillna(0.0).astype(float)
    return dict(zip(sites, (1.0 + column).tolist()))


def data_for_year(data: ModelData, year: int) -> ModelData:
    """``data`` as seen from model year ``year``: the GPU prices of that year's vintage (what the year
    block's capex parts report) and no blocks of a type before its first year."""
    t = data.time
    if t is None:
        return replace(data, year=year)
    price = {g: t.price_musd.get((g, year), p) for g, p in data.block_price_musd.items()}
    available = {g for g, v in t.vintages if v <= year}
    blocks_max = {k: (n if k[1] in available else 0) for k, n in data.blocks_max.items()}
    # The year's tax in place of the first year's (policies' factors multiply, so they carry over).
    inputs, first = data.inputs, data.horizon.first if data.horizon is not None else year
    sites = data.sets.SITES
    gpu = _rescale(data.gpu_price_factor, _tax_factor(inputs.tax_equipment, sites, first), _tax_factor(inputs.tax_equipment, sites, year))
    other = _rescale(data.facility_capex_factor, _tax_factor(inputs.tax_construction, sites, first),
                     _tax_factor(inputs.tax_construction, sites, year))
    supply = zonal_data(inputs, data.sites, data.sets, year) if data.supply is not None else None
    return replace(data, year=year, block_price_musd=price, blocks_max=blocks_max, gpu_price_factor=gpu, facility_capex_factor=other,
                   supply=supply, **energy_prices(inputs, data.sites, year),
                   energy=data.energy if data.energy is not None and year in hourly_years(data) else None)


def _rescale(factor: dict[str, float], old: dict[str, float], new: dict[str, float]) -> dict[str, float]:
    return {s: f * new[s] / old[s] for s, f in factor.items()}


def hourly_years(data: ModelData) -> list[int]:
    """Model years with hourly dispatch: ``[energy] years`` (default the last model year) in a multi-year
    horizon, the only year of a snapshot; none without ``[energy]``."""
    if data.energy is None or data.horizon is None:
        return []
    chosen = data.inputs.scenario.energy.years
    return list(chosen) if chosen is not None else [data.horizon.last]


def land_usd_per_facility_mw(sites: pd.DataFrame, costs: CostAssumptions) -> pd.Series:
    """The campus' land per facility MW at each candidate: the one definition of a site's per-MW cost besides
    the building (``costs.shell_usd_per_mw`` per MW of IT, x the site's capex factor) and its per-MW adders
    (``ModelData.capex_adder_musd_per_mw``, after policies). The snapshot's capex, the multi-year build cost
    (model.milp.time_data) and the single-campus ranking (model.results.rank) all take it from here."""
    return sites["land_value_usd_per_acre"].astype(float) * costs.acres_per_mw


def as_dict(series: pd.Series) -> dict:
    """``series.to_dict()`` without pandas' per-item path (slow on Arrow-string indexes): same keys and values."""
    return dict(zip(series.index.tolist(), series.tolist()))


def _members(key_of: pd.Series) -> dict[str, list[str]]:
    """key -> the index labels with that value, in index order, keys sorted (as groupby gives them)."""
    out: dict[str, list[str]] = {}
    for label, key in zip(key_of.index.tolist(), key_of.tolist()):
        out.setdefault(key, []).append(label)
    return dict(sorted(out.items()))


SNAPSHOT_YEAR = 2026  # the calendar year a one-period (snapshot) scenario stands for


@dataclass(frozen=True)
class Horizon:
    """The model years and how money and compute are weighted over them (one model, the period in every set).

    A model year stands for ``length_years[y]`` calendar years (until the next model year; the last one
    as long as the step before it). Capex falls at the start of a calendar year, flows at its end.
    ``snapshot``: the one-period question (no ``[pathway]``): one model year that stands for the
    energy horizon (``costs.horizon_years``, possibly fractional), money counted against one budget.
    """

    years: list[int]
    length_years: dict[int, float]
    discount_rate: float
    snapshot: bool

    @property
    def first(self) -> int:
        return self.years[0]

    @property
    def last(self) -> int:
        return self.years[-1]

    @property
    def horizon_end(self) -> float:
        """The instant the horizon ends (the first calendar year after it; whole for multi-year horizons)."""
        end = self.last + self.length_years[self.last]
        return int(end) if float(end).is_integer() else end

    @property
    def calendar(self) -> list[int]:
        """Every calendar year of the horizon (whole years; a snapshot's fractional tail is in ``weight``)."""
        return [c for y in self.years for c in range(y, y + int(math.ceil(self.length_years[y] - 1e-9)))]

    @property
    def period_of(self) -> dict[int, int]:
        return {c: y for y in self.years for c in range(y, y + int(math.ceil(self.length_years[y] - 1e-9)))}

    def df_start(self, calendar_year: float) -> float:
        """Discount factor at the start of a calendar year (the first year's start is 1)."""
        return (1.0 + self.discount_rate) ** -(calendar_year - self.first)

    def df_end(self, calendar_year: float) -> float:
        return (1.0 + self.discount_rate) ** -(calendar_year - self.first + 1)

    def weight(self, year: int) -> float:
        """PV at the horizon start of 1 per calendar year at the end of each year model year ``year``
        stands for: the annuity factor over its length, discounted to its start."""
        return self.df_start(year) * annuity_factor(self.discount_rate, self.length_years[year])

    @property
    def previous(self) -> dict[int, int | None]:
        return {y: (self.years[i - 1] if i else None) for i, y in enumerate(self.years)}

    @property
    def before(self) -> dict[int, int]:
        """The model year before each year but the first (``previous`` without the first year's None)."""
        return dict(zip(self.years[1:], self.years[:-1]))


def horizon_of(inputs: SitingData) -> Horizon:
    """The scenario's horizon: ``[pathway] years`` (multi-year), else the one-period snapshot."""
    costs = inputs.costs
    cfg = inputs.scenario.pathway
    if cfg is None:
        return Horizon(years=[SNAPSHOT_YEAR], length_years={SNAPSHOT_YEAR: float(costs.horizon_years)},
                       discount_rate=costs.discount_rate, snapshot=True)
    years = list(cfg.years)
    step = years[-1] - years[-2] if len(years) > 1 else 1
    length = {y: float(b - y) for y, b in zip(years, years[1:])} | {years[-1]: float(step)}
    rate = cfg.discount_rate if cfg.discount_rate is not None else costs.discount_rate
    return Horizon(years=years, length_years=length, discount_rate=rate, snapshot=False)


@dataclass(frozen=True)
class YearModel:
    """One model year of a built model: its block (every per-year component) and that year's data.

    The typed handle results, duals and workflows read instead of looking components up by name on
    the root model; a snapshot has exactly one."""

    m: Any  # the year's pyomo BlockData (m.year[y] of the root model)
    data: ModelData
    year: int


@dataclass(frozen=True)
class SitingModel:
    """A built Pyomo model together with the data it was built from.

    ``m`` is the root model (what the solver gets: the year blocks, the links between years, money
    and the objective); ``years`` the per-year handles in year order."""

    m: pyo.ConcreteModel
    data: ModelData
    years: dict[int, YearModel] = field(default_factory=dict)

    @property
    def horizon(self) -> Horizon:
        assert self.data.horizon is not None  # model_data always sets it; a model is built from model_data
        return self.data.horizon

    @property
    def final(self) -> YearModel:
        """The last model year (a snapshot's only one): the campuses as built at the horizon's end."""
        return self.years[self.horizon.last]

    @property
    def first(self) -> YearModel:
        return self.years[self.horizon.first]

    def at(self, year: int) -> YearModel:
        return self.years[year]

    @property
    def hourly(self) -> bool:
        """Whether some model year has an hourly dispatch block (HiGHS then uses interior point)."""
        return any(ym.data.energy is not None for ym in self.years.values())


def model_data(inputs: SitingData) -> ModelData:
    sites = active_sites(inputs)
    sets = build_index_sets(inputs, sites)
    costs = inputs.costs
    gpus = inputs.gpus
    price_mult = costs.gpu_price_multiplier
    block_it_mw = (gpus["it_kw_per_block"] / KW_PER_MW).to_dict()
    pue = sites["pue"].astype(float)
    # Largest block count the campus cap allows: a tight bound helps HiGHS' presolve.
    facility_mw_per_block = np.outer(pue.to_numpy(), gpus["it_kw_per_block"].to_numpy() / KW_PER_MW)
    blocks_max = np.floor(costs.max_campus_mw / facility_mw_per_block + 1e-9).astype(int)
    blocks_max_map = dict(zip(sets.SITES_GPUS, blocks_max.ravel().tolist()))  # SITES_GPUS is site-major
    land_cost = land_usd_per_facility_mw(sites, costs) / USD_PER_MUSD
    data = ModelData(
        inputs=inputs,
        sites=sites,
        sets=sets,
        costs=costs,
        context=policy_context(inputs),
        cooling=inputs.cooling,
        energy=inputs.energy,
        block_it_mw=block_it_mw,
        block_price_musd=(gpus["price_usd_per_block"] * price_mult / USD_PER_MUSD).to_dict(),
        block_pflops=(gpus["gpus_per_block"] * gpus[inputs.precision_col] / TFLOPS_PER_PFLOPS).to_dict(),
        block_gpus=gpus["gpus_per_block"].astype(int).to_dict(),
        blocks_max=blocks_max_map,
        pue=as_dict(pue),
        # Zonal supply: a site's grid limit is its largest connection option (no tiers); legacy: headroom.
        headroom_mw=as_dict(
            inputs.supply.connections.groupby("site_id")["mw"].max().reindex(sites.index).fillna(0.0)
            if inputs.supply is not None
            else sites["headroom_mw"].astype(float)
        ),
        land_mw_max=as_dict(sites["land_available_acres"] / costs.acres_per_mw),
        land_cost_musd_per_mw=as_dict(land_cost),
        **energy_prices(inputs, sites, horizon_of(inputs).first),
        co2_t_per_mwh=as_dict(sites["co2_kg_per_mwh"] / 1000.0),
        tier_mw={} if inputs.supply is not None else inputs.tiers["added_mw"].astype(float).to_dict(),
        tier_cost_musd={} if inputs.supply is not None else (inputs.tiers["cost_usd"] / USD_PER_MUSD).to_dict(),
        # Sales and use tax of the first model year (data_for_year moves it to each year): on IT equipment,
        # and on construction (site and building; the materials share is in the rate).
        gpu_price_factor=_tax_factor(inputs.tax_equipment, sets.SITES, (h0 := horizon_of(inputs)).first),
        facility_capex_factor=_tax_factor(inputs.tax_construction, sets.SITES, h0.first),
        # A per-site $/MW adjustment from the data, e.g. the bonus for clustering near existing campuses.
        capex_adder_musd_per_mw=as_dict(
            sites["capex_adjust_usd_per_mw"] / USD_PER_MUSD
            if "capex_adjust_usd_per_mw" in sites
            else pd.Series(0.0, index=sites.index)
        ),
        dry_pue_delta=float(inputs.cooling.loc["dry", "pue_delta"]),
        dry_water_saved_m3_per_mw_year=float(
            inputs.cooling.loc["evaporative", "wue_l_per_kwh_it"] - inputs.cooling.loc["dry", "wue_l_per_kwh_it"]
        )
        * (costs.load_factor * HOURS_PER_YEAR),
        supply=(zonal := zonal_data(inputs, sites, sets) if inputs.supply is not None else None),
        horizon=(horizon := horizon_of(inputs)),
        year=horizon.first,
        integer_blocks=horizon.snapshot or bool(inputs.scenario.pathway and inputs.scenario.pathway.integer_blocks),
        time=None,
    )
    for policy in inputs.scenario.policies:
        adjust = getattr(module_for(policy), "adjust", None)
        if adjust is not None:
            data = adjust(data, policy)
    assert data.horizon is not None  # set above; the policies' adjustments keep it
    if not data.horizon.snapshot:
        # Over years the build cost per MW carries the same per-MW adders, after the policies' adjustments.
        adders = pd.Series(data.capex_adder_musd_per_mw, dtype=float).reindex(sites.index).fillna(0.0) * USD_PER_MUSD
        data = replace(data, time=_time_data(inputs, sites, data.horizon, data.supply, adders))
    return data


# --- Pyomo expressions straight from coefficient arrays ------------------------------------------
#
# Pyomo's operators cost ~2 us per `+` or `*` and a national model has ~10^5 terms, so the blocks build
# the expression objects directly: `term` / `linear_sum` / `scaled` / `named_sum` / `le` give exactly
# the objects Python's `sum` and Pyomo's operators would (every value and every row reads as before).
# Each row block also states its rows as arrays (`LinearRows`), which model.solve.highs.to_standard_form
# reads instead of walking the expressions.


def term(c: float, v: Any) -> Any:
    """``c * v`` as Pyomo's operator gives it for a native ``c`` and a variable (``v`` itself for 1)."""
    return v if c == 1 else MonomialTermExpression((c, v))


def linear_sum(coefs: Sequence[float], variables: Sequence[Any]) -> Any:
    """``sum(c * v for c, v in ...)`` as Python's sum gives it: 0, the single term, or a LinearExpression."""
    terms = [v if c == 1 else MonomialTermExpression((c, v)) for c, v in zip(coefs, variables)]
    if len(terms) > 1:
        return LinearExpression(terms)
    return terms[0] if terms else 0


def scaled(c: Any, e: Any) -> Any:
    """``c * e`` for a named expression ``e`` (Pyomo keeps a ProductExpression; 1 returns ``e``)."""
    return ProductExpression((c, e)) if c.__class__ is float and c != 1 else c * e


def named_sum(items: Sequence[Any]) -> Any:
    """``sum(items)`` of named expressions, as Python's sum gives it (the item itself when alone)."""
    if len(items) > 1:
        return SumExpression(list(items))
    return items[0] if items else 0


def le(lhs: Any, rhs: Any) -> InequalityExpression:
    """``lhs <= rhs`` as Pyomo's operator gives it for a variable side (an InequalityExpression)."""
    return InequalityExpression((lhs, rhs), False)


def rule_from(table: dict[Any, Any]) -> Callable[..., Any]:
    """A Pyomo rule returning ``table[index]`` (tuple indices arrive unpacked)."""

    def rule(_m: pyo.ConcreteModel, *index: Any) -> Any:
        return table[index[0] if len(index) == 1 else index]

    return rule


MEMBERS_CACHE = "_var_members"  # block attribute: Var name -> (Var, its members), built once


def by_index(comp: Any, keys: Sequence[Any]) -> dict[Any, Any]:
    """index -> member of an indexed component built over ``keys`` (in that order), without indexing."""
    values = list(comp.values())
    assert len(values) == len(keys)
    return dict(zip(keys, values))


def members(var: Any) -> list[Any]:
    """The VarData of an indexed Var in its index order: one list per Var, shared by every block's
    arrays (the translation maps each distinct list to columns once)."""
    cache = var.parent_block().__dict__.setdefault(MEMBERS_CACHE, {})
    hit = cache.get(var.local_name)
    if hit is None or hit[0] is not var or len(hit[1]) != len(var):
        hit = cache[var.local_name] = (var, list(var.values()))
    return hit[1]


def members_by_first(var: Any, pairs: Sequence[tuple[Any, Any]]) -> dict[Any, list[Any]]:
    """VarData of a Var over (first, second) pairs, grouped by first (in pair order), without indexing."""
    out: dict[Any, list[Any]] = {}
    for (first, _), v in zip(pairs, members(var)):
        out.setdefault(first, []).append(v)
    return out


Segments = tuple  # lists of VarData (each from `members`); an array's column j is the j-th of them joined


def joined(segments: Segments) -> list[Any]:
    return [v for seg in segments for v in seg]


@dataclass
class LinearRows:
    """A constraint component's rows as arrays: row ``k`` (its k-th member in index order) is
    ``sum(vals[i] * variables[cols[i]] for i with rows[i] == k)`` with sense ``senses[k]`` (1: <= rhs,
    -1: >= rhs, 0: == rhs), exactly as Pyomo's standard-form compiler reads the member's expression
    (same coefficients, bit for bit: tests/test_benchmarks.py compares the two routes).

    ``refresh`` (rows whose numbers depend on mutable Params: the budget, the carbon price) returns
    ``(vals, rhs)`` for the Params' current values. A member whose expression was replaced after the
    build (``exprs`` no longer holds its object) makes the translation compile the component with Pyomo.
    """

    constraint: Any
    members: list[Any]
    exprs: list[Any]
    variables: Segments
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    senses: np.ndarray
    rhs: np.ndarray
    refresh: Callable[[], tuple[np.ndarray, np.ndarray]] | None = None


@dataclass
class LinearObjective:
    """The objective's linear coefficients as arrays (``refresh`` as in :class:`LinearRows`)."""

    objective: Any
    expr: Any
    sense: int
    variables: Segments
    cols: np.ndarray
    vals: np.ndarray
    refresh: Callable[[], np.ndarray] | None = None


LINEAR_REGISTRY = "_linear_rows"  # block attribute: list of LinearRows / LinearObjective


def register_linear(m: pyo.ConcreteModel, item: LinearRows | LinearObjective) -> None:
    """Record ``item`` on the model for model.solve.highs.to_standard_form."""
    registry = m.__dict__.setdefault(LINEAR_REGISTRY, [])
    registry.append(item)


def add_linear_rows(
    m: pyo.Block,
    name: str,
    index: Any,
    keys: Sequence[Any],
    variables: Segments,
    rows: np.ndarray,
    cols: np.ndarray,
    vals: np.ndarray,
    rhs: np.ndarray,
    *,
    sense: int | np.ndarray = 1,
) -> pyo.Constraint:
    """Add constraint ``name`` over ``index`` (members ``keys``, in index order) from its one definition,
    COO arrays: row k is ``sum(vals * joined(variables)[cols])`` over its entries, <= rhs[k] (sense 1),
    >= rhs[k] (-1) or == rhs[k] (0). The Pyomo expressions are generated from the same arrays (so the
    model a user inspects or exports and the matrix HiGHS gets cannot differ), and the arrays are
    registered for model.solve.highs.to_standard_form, which then skips Pyomo's compiler for them.

    Every row must have at least one entry (a row of constants is not a rule)."""
    n = len(keys)
    senses = np.broadcast_to(np.asarray(sense, dtype=np.int8), (n,)).copy()
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    vals = np.asarray(vals, dtype=float)
    rhs = np.asarray(rhs, dtype=float)
    flat = joined(variables)
    order = np.argsort(rows, kind="stable")
    starts = np.searchsorted(rows[order], np.arange(n + 1))
    if n and np.any(starts[1:] == starts[:-1]):
        empty = int(np.flatnonzero(starts[1:] == starts[:-1])[0])
        raise ValueError(f"{name}[{keys[empty]}]: a row without variables")
    col_sorted = cols[order].tolist()
    val_sorted = vals[order].tolist()
    bounds = rhs.tolist()
    exprs = []
    for k in range(n):
        a, b = int(starts[k]), int(starts[k + 1])
        body = linear_sum(val_sorted[a:b], [flat[j] for j in col_sorted[a:b]])
        if senses[k] == 1:
            exprs.append(InequalityExpression((body, bounds[k]), False))
        elif senses[k] == -1:
            exprs.append(InequalityExpression((bounds[k], body), False))
        else:
            exprs.append(EqualityExpression((body, bounds[k])))
    m.add_component(name, pyo.Constraint(index, rule=rule_from(dict(zip(keys, exprs)))))
    con = m.component(name)
    data = list(con.values())  # members in index order, i.e. the order of ``keys``
    assert len(data) == n
    register_linear(
        m,
        LinearRows(
            constraint=con, members=data, exprs=[d.expr for d in data], variables=variables, rows=rows, cols=cols,
            vals=vals, senses=senses, rhs=rhs,
        ),
    )
    return con
