"""The phased build-out ("pathway") MILP, docs/pathway.md: per model year which sites open, how many
phases of campus they add, which GPU vintages go in (and retire after their life), where the power
comes from (firm grid after the site's time to power, on-site gas bridge, a flexible non-firm
connection), new zonal generation after its construction years, and the investor's cash.

All coefficients are computed once with pandas in :func:`pathway_data`; the blocks below only read
:class:`PathwayData`. One block per function ``add_<block>(m, data)``, in the order
:func:`build_pathway` calls them; each docstring's "Provides:" names what later blocks use.

Timing convention (one model year = the calendar years until the next model year): capex, new
equity and debt are drawn at the start of a year; revenue, opex and debt service fall at its end.
The queue request of every candidate is filed at the programme start (first year), so the firm grid
can serve a site from ``first year + ceil(time_to_power_years)`` on, whenever the site opens.
Money is in M$ inside the model (well-scaled coefficients); power in MW.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from model.config import PathwayConfig
from model.core.errors import InputDataError, ScenarioError
from model.core.tables import Schema, validate_table
from model.core.units import (
    HOURS_PER_YEAR,
    KG_PER_T,
    KW_PER_MW,
    TFLOPS_PER_PFLOPS,
    USD_PER_MUSD,
    annuity_factor,
    capital_recovery_factor,
)
from model.inputs.load import SitingData
from model.milp.index_sets import IndexSets, zonal_sets
from model.milp.model_data import ZonalData, zonal_data

ROADMAP_SCHEMA: Schema = {
    "gpu": "str", "gpus_per_block": "int", "it_kw_per_block": "float", "price_usd_per_block": "float",
    "bf16_dense_tflops_per_gpu": "float", "fp8_dense_tflops_per_gpu": "float", "first_year": "int",
    "price_year": "int", "price_decline_per_year": "float", "life_years": "float",
    "rental_usd_per_gpu_hour": "float", "rental_year": "int", "rental_decline_per_year": "float",
}
EPS = 1e-9


def load_gpu_roadmap(path: Path) -> pd.DataFrame:
    """data/gpu_roadmap.csv (or the scenario's ``pathway.roadmap``), indexed by gpu, checked."""
    if not path.is_file():
        raise ScenarioError(f"{path}: GPU roadmap file not found")
    return check_roadmap(pd.read_csv(path, dtype={"gpu": str}), str(path))


def check_roadmap(df: pd.DataFrame, name: str) -> pd.DataFrame:
    table = validate_table(df, ROADMAP_SCHEMA, name)
    numeric = [c for c, k in ROADMAP_SCHEMA.items() if k != "str"]
    for col in numeric:
        values = table[col].astype(float).to_numpy()
        bad = ~np.isfinite(values) | (values < 0)
        if bad.any():
            raise InputDataError(f"{name}: {col}: row {int(np.flatnonzero(bad)[0]) + 1} must be a finite non-negative number")
    for col in ("price_decline_per_year", "rental_decline_per_year"):
        if (table[col] >= 1).any():
            raise InputDataError(f"{name}: {col}: a decline must be below 1 per year")
    for col in ("life_years", "gpus_per_block", "it_kw_per_block"):
        if (table[col] <= 0).any():
            raise InputDataError(f"{name}: {col}: must be positive")
    if not table["gpu"].is_unique:
        raise InputDataError(f"{name}: gpu: '{table.loc[table['gpu'].duplicated(), 'gpu'].iloc[0]}' appears twice")
    return table.set_index("gpu")


@dataclass(frozen=True)
class BridgeCosts:
    """On-site gas turbines (data/energy_costs.csv, ATB Gas-CT) and the flexible connection's penalty."""

    capex_usd_per_kw: float
    fom_usd_per_kw_yr: float
    usd_per_mwh: float  # fuel x heat rate + VOM
    co2_t_per_mwh: float
    life_years: float
    flexible_usd_per_mwh: float  # curtailment cost x curtailed share of the flexible energy

    @classmethod
    def from_energy_costs(cls, values: dict[str, float]) -> "BridgeCosts":
        heat = values["gas_heat_rate_mmbtu_per_mwh"]
        return cls(
            capex_usd_per_kw=values["gas_capex_usd_per_kw"],
            fom_usd_per_kw_yr=values["gas_fom_usd_per_kw_yr"],
            usd_per_mwh=heat * values["gas_fuel_usd_per_mmbtu"] + values["gas_vom_usd_per_mwh"],
            co2_t_per_mwh=heat * values["gas_co2_kg_per_mmbtu"] / KG_PER_T,
            life_years=values["gas_life_years"],
            flexible_usd_per_mwh=values["curtailment_cost_usd_per_mwh"] * values["max_curtailment_share_of_annual_energy"],
        )


@dataclass(frozen=True)
class PathwayData:
    """Coefficients of the pathway MILP keyed by its sparse sets (all built with pandas, once)."""

    inputs: SitingData
    cfg: PathwayConfig
    sites: pd.DataFrame  # the screened candidates
    gpus: pd.DataFrame  # roadmap rows of the scenario's GPU types
    years: list[int]
    length_years: dict[int, int]  # calendar years a model year stands for
    calendar: list[int]  # every calendar year of the horizon
    period_of: dict[int, int]  # calendar year -> model year
    discount_rate: float
    df_start: dict[int, float]  # calendar year -> discount factor at its start
    df_end: dict[int, float]  # calendar year -> at its end
    horizon_end: int  # the instant the horizon ends (first calendar year after it)
    SITES: list[str]
    GPUS: list[str]
    SITE_YEARS: list[tuple[str, int]]
    INSTALLS: list[tuple[str, str, int]]  # (site, gpu, vintage year): gpu available that year
    ALIVE: dict[tuple[str, int], list[tuple[str, int]]]  # (site, year) -> vintages (gpu, v) online
    FIRM: list[tuple[str, int]]
    BRIDGE: list[tuple[str, int]]
    FLEX: list[tuple[str, int]]
    firm_year: dict[str, int]  # calendar year the firm grid can first serve the site
    bridge_year: int | None
    flex_year: int | None
    conn_year: dict[str, int]  # model year the site's grid connection is paid (first grid use); absent: none in horizon
    block_price_musd: dict[tuple[str, int], float]  # (gpu, year) -> M$ per block
    block_pflops: dict[str, float]
    block_it_mw: dict[str, float]
    block_gpus: dict[str, int]
    block_revenue_musd_per_year: dict[tuple[str, int], float]  # (gpu, year) -> M$ per block-year sold
    gpu_book_share: dict[tuple[str, int], float]  # (gpu, vintage) -> book value share at the horizon end
    pue: dict[str, float]
    max_mw: dict[str, float]  # campus cap (with land)
    fixed_musd: float
    build_musd_per_mw: dict[str, float]  # shell (per IT MW / PUE) + land + adders, per facility MW of capacity
    shell_book_share: dict[int, float]  # year built -> share of shell value left at the horizon end
    grid_usd_per_mwh: dict[str, float]  # energy + carbon price x CO2
    co2_t_per_mwh: dict[str, float]
    mwh_per_mw_year: float
    bridge: BridgeCosts
    bridge_book_share: dict[int, float]
    conn_book_share: dict[str, float]
    # legacy grid: headroom + tiers; zonal: connection options and the zone balance
    headroom_mw: dict[str, float]
    tiers_at: dict[str, list[str]]
    tier_mw: dict[str, float]
    tier_cost_musd: dict[str, float]
    zonal: ZonalData | None = None
    zsets: IndexSets | None = None
    connections_at: dict[str, list[str]] = field(default_factory=dict)
    gen_online_lag: dict[str, int] = field(default_factory=dict)  # type -> construction years (ceil)
    gen_fom_musd_per_mw_year: dict[str, float] = field(default_factory=dict)
    gen_book_share: dict[tuple[str, int], float] = field(default_factory=dict)
    GEN_BUILDS: list[tuple[str, str, int]] = field(default_factory=list)  # (zone, type, year built) online in horizon
    targets_it_mw: dict[int, float] = field(default_factory=dict)  # model year -> IT MW online at least
    zone_peak_mw: dict[str, float] = field(default_factory=dict)


def _book_share(bought: int, life: float, horizon_end: int) -> float:
    """Straight-line value left at the horizon end of an asset bought at the start of ``bought``."""
    return float(min(1.0, max(0.0, (bought + life - horizon_end) / life)))


def pathway_data(
    inputs: SitingData,
    sites: pd.DataFrame,
    roadmap: pd.DataFrame,
    bridge: BridgeCosts,
    construction_years: dict[str, float] | None = None,
) -> PathwayData:
    """Coefficients for the screened ``sites`` of ``inputs`` under ``inputs.scenario.pathway``."""
    sc = inputs.scenario
    cfg = sc.pathway
    assert cfg is not None
    origin = sc.origin
    costs = inputs.costs
    years = list(cfg.years)
    unknown = [g for g in sc.gpus.types if g not in roadmap.index]
    if unknown:
        raise ScenarioError(f"{origin}: gpus.types: '{unknown[0]}' is not in the GPU roadmap (known: {', '.join(roadmap.index)})")
    gpus = roadmap.loc[list(sc.gpus.types)]
    late = gpus.index[gpus["first_year"] > years[-1]]
    if len(late) == len(gpus):
        raise ScenarioError(f"{origin}: gpus.types: no type is available by {years[-1]} (first_year of '{late[0]}' is {int(gpus.loc[late[0], 'first_year'])})")
    step = years[-1] - years[-2] if len(years) > 1 else 1
    length = {y: (b - y) for y, b in zip(years, years[1:])} | {years[-1]: step}
    calendar = [c for y in years for c in range(y, y + length[y])]
    period_of = {c: y for y in years for c in range(y, y + length[y])}
    y0 = years[0]
    horizon_end = years[-1] + length[years[-1]]
    rate = cfg.discount_rate if cfg.discount_rate is not None else costs.discount_rate
    df_start = {c: (1.0 + rate) ** -(c - y0) for c in calendar}
    df_end = {c: (1.0 + rate) ** -(c - y0 + 1) for c in calendar}

    ids = sites.index.astype(str).to_list()
    gpu_ids = gpus.index.to_list()
    precision = f"{sc.gpus.precision}_dense_tflops_per_gpu"
    avail = {(g, y): y >= int(gpus.at[g, "first_year"]) for g in gpu_ids for y in years}
    life = gpus["life_years"].astype(float)
    price_musd = {
        (g, y): float(gpus.at[g, "price_usd_per_block"]) * costs.gpu_price_multiplier
        * (1.0 - float(gpus.at[g, "price_decline_per_year"])) ** max(0, y - int(gpus.at[g, "price_year"])) / USD_PER_MUSD
        for g in gpu_ids for y in years if avail[g, y]
    }
    rental = {
        (g, y): float(gpus.at[g, "rental_usd_per_gpu_hour"])
        * (1.0 - float(gpus.at[g, "rental_decline_per_year"])) ** (y - int(gpus.at[g, "rental_year"]))
        for g in gpu_ids for y in years
    }
    block_gpus = gpus["gpus_per_block"].astype(int).to_dict()
    revenue = {(g, y): rental[g, y] * block_gpus[g] * HOURS_PER_YEAR * cfg.utilisation / USD_PER_MUSD for g, y in rental}
    # Vintage v is online in model year y while y < v + life (it retires after its useful life).
    vintages = [(g, v) for g in gpu_ids for v in years if avail[g, v]]
    alive_years = {(g, v): [y for y in years if v <= y < v + life[g] - EPS] for g, v in vintages}

    # When each source can first serve each site (calendar years; a model year needs y >= that year).
    ttp_col = "time_to_power_years" if "time_to_power_years" in sites else "queue_years"
    ttp = sites[ttp_col].astype(float).clip(lower=0.0)
    firm_year = {s: y0 + int(math.ceil(t - EPS)) for s, t in zip(ids, ttp)}
    bridge_year = y0 + int(math.ceil(cfg.bridge_lead_years - EPS)) if cfg.bridge and cfg.bridge_permit_mw > 0 else None
    flex_year = y0 + int(math.ceil(cfg.flexible_lead_years - EPS)) if cfg.flexible and cfg.flexible_share > 0 else None
    FIRM = [(s, y) for s in ids for y in years if y >= firm_year[s]]
    BRIDGE = [(s, y) for s in ids for y in years if bridge_year is not None and y >= bridge_year]
    FLEX = [(s, y) for s in ids for y in years if flex_year is not None and flex_year <= y < firm_year[s]]
    first_grid: dict[str, int] = {}
    for s, y in FLEX + FIRM:
        first_grid[s] = min(first_grid.get(s, y), y)

    pue = sites["pue"].astype(float)
    land_mw = sites["land_available_acres"].astype(float) / costs.acres_per_mw
    adder = sites["capex_adjust_usd_per_mw"].astype(float) if "capex_adjust_usd_per_mw" in sites else pd.Series(0.0, index=sites.index)
    build_usd_per_mw = costs.shell_usd_per_mw / pue + sites["land_value_usd_per_acre"].astype(float) * costs.acres_per_mw + adder
    carbon = costs.carbon_price_usd_per_tco2
    co2 = sites["co2_kg_per_mwh"].astype(float) / KG_PER_T
    grid_usd = sites["price_usd_per_mwh"].astype(float) + carbon * co2

    supply = inputs.supply
    zonal, zsets, connections_at = None, None, {}
    headroom, tiers_at, tier_mw, tier_cost = {}, {s: [] for s in ids}, {}, {}
    gen_lag, gen_fom, gen_book, gen_builds = {}, {}, {}, []
    if supply is not None:
        zs = zonal_sets(inputs, sites)
        zsets = IndexSets(SITES=ids, GPUS=[], TIERS=[], SITES_GPUS=[], SITES_TIERS=[], SITES_LAND_LIMITED=[], **zs)
        zonal = zonal_data(inputs, sites, zsets)
        for s, c in zsets.SITES_CONNECTIONS:
            connections_at.setdefault(s, []).append(c)
        gen = supply.generation
        construction = construction_years or {}
        for t in gen.index:
            gen_lag[t] = int(math.ceil(float(construction.get(t, 0.0)) - EPS))
            gen_fom[t] = float(gen.at[t, "fom_usd_per_kw_yr"]) * KW_PER_MW / USD_PER_MUSD
            for v in years:
                gen_book[t, v] = _book_share(v, float(gen.at[t, "life_years"]), horizon_end)
        # A plant is worth a variable only if it can come online inside the horizon.
        gen_builds = [(z, t, v) for z, t in zsets.ZONES_GEN for v in years if v + gen_lag[t] <= years[-1]]
    else:
        headroom = sites["headroom_mw"].astype(float).to_dict()
        tiers = inputs.tiers
        needs = [s for s in ids if headroom[s] < costs.max_campus_mw]
        tiers_at = {s: (list(tiers.index) if s in needs else []) for s in ids}
        tier_mw = tiers["added_mw"].astype(float).to_dict()
        tier_cost = (tiers["cost_usd"].astype(float) / USD_PER_MUSD).to_dict()

    targets: dict[int, float] = {}
    raw_targets = {int(k): float(v) for k, v in cfg.target_it_mw_by_year.items()}
    if cfg.objective == "min_cost" and not raw_targets and sc.objective.target_it_mw is not None:
        raw_targets = {years[-1]: float(sc.objective.target_it_mw)}
    level = 0.0
    for y in years:  # a target holds from its year on (IT online does not fall back)
        level = max(level, raw_targets.get(y, 0.0))
        if level > 0:
            targets[y] = level

    return PathwayData(
        inputs=inputs, cfg=cfg, sites=sites, gpus=gpus, years=years, length_years=length, calendar=calendar,
        period_of=period_of, discount_rate=rate, df_start=df_start, df_end=df_end, horizon_end=horizon_end,
        SITES=ids, GPUS=gpu_ids,
        SITE_YEARS=[(s, y) for s in ids for y in years],
        INSTALLS=[(s, g, v) for s in ids for g, v in vintages],
        ALIVE={(s, y): [(g, v) for g, v in vintages if y in alive_years[g, v]] for s in ids for y in years},
        FIRM=FIRM, BRIDGE=BRIDGE, FLEX=FLEX, firm_year=firm_year, bridge_year=bridge_year, flex_year=flex_year,
        conn_year={s: y for s, y in first_grid.items()},
        block_price_musd=price_musd,
        block_pflops=(gpus["gpus_per_block"] * gpus[precision] / TFLOPS_PER_PFLOPS).astype(float).to_dict(),
        block_it_mw=(gpus["it_kw_per_block"].astype(float) / KW_PER_MW).to_dict(),
        block_gpus=block_gpus,
        block_revenue_musd_per_year=revenue,
        gpu_book_share={(g, v): _book_share(v, life[g], horizon_end) for g, v in vintages},
        pue=pue.to_dict(),
        max_mw=np.minimum(land_mw, costs.max_campus_mw).to_dict(),
        fixed_musd=costs.site_fixed_usd / USD_PER_MUSD,
        build_musd_per_mw=(build_usd_per_mw / USD_PER_MUSD).to_dict(),
        shell_book_share={y: _book_share(y, cfg.shell_life_years, horizon_end) for y in years},
        grid_usd_per_mwh=grid_usd.to_dict(),
        co2_t_per_mwh=co2.to_dict(),
        mwh_per_mw_year=costs.load_factor * HOURS_PER_YEAR,
        bridge=bridge,
        bridge_book_share={y: _book_share(y, bridge.life_years, horizon_end) for y in years},
        conn_book_share={s: _book_share(y, cfg.connection_life_years, horizon_end) for s, y in first_grid.items()},
        headroom_mw=headroom, tiers_at=tiers_at, tier_mw=tier_mw, tier_cost_musd=tier_cost,
        zonal=zonal, zsets=zsets, connections_at=connections_at,
        gen_online_lag=gen_lag, gen_fom_musd_per_mw_year=gen_fom, gen_book_share=gen_book, GEN_BUILDS=gen_builds,
        targets_it_mw=targets,
        zone_peak_mw=(supply.zones["peak_mw"].astype(float).to_dict() if supply is not None and "peak_mw" in supply.zones else {}),
    )


def _prev(years: list[int]) -> dict[int, int | None]:
    return {y: (years[i - 1] if i else None) for i, y in enumerate(years)}


def add_campuses(m: pyo.ConcreteModel, data: PathwayData) -> None:
    """Sites open once and stay open; capacity grows in phases up to the campus cap (and land).

    Provides: ``open``, ``cap_mw`` (facility MW built by a year), ``added_mw`` per site-year.
    """
    cfg = data.cfg
    prev = _prev(data.years)
    m.SITES = pyo.Set(initialize=data.SITES, ordered=True)
    m.YEARS = pyo.Set(initialize=data.years, ordered=True)
    m.SITE_YEARS = pyo.Set(within=m.SITES * m.YEARS, initialize=data.SITE_YEARS, ordered=True)
    m.open = pyo.Var(m.SITE_YEARS, within=pyo.Binary)
    if cfg.phase_mw > 0:
        n_max = {s: int(math.floor(data.max_mw[s] / cfg.phase_mw + EPS)) for s in data.SITES}
        m.phases = pyo.Var(m.SITE_YEARS, within=pyo.NonNegativeIntegers, bounds=lambda m, s, y: (0, n_max[s]))
        m.cap_mw = pyo.Expression(m.SITE_YEARS, rule=lambda m, s, y: cfg.phase_mw * m.phases[s, y])
        grow = m.phases
    else:
        m.cap_var_mw = pyo.Var(m.SITE_YEARS, within=pyo.NonNegativeReals, bounds=lambda m, s, y: (0.0, data.max_mw[s]))
        m.cap_mw = pyo.Expression(m.SITE_YEARS, rule=lambda m, s, y: m.cap_var_mw[s, y])
        grow = m.cap_var_mw
    later = [(s, y) for s, y in data.SITE_YEARS if prev[y] is not None]
    m.open_stays = pyo.Constraint(later, rule=lambda m, s, y: m.open[s, y] >= m.open[s, prev[y]])
    m.cap_grows = pyo.Constraint(later, rule=lambda m, s, y: grow[s, y] >= grow[s, prev[y]])
    m.cap_if_open = pyo.Constraint(m.SITE_YEARS, rule=lambda m, s, y: m.cap_mw[s, y] <= data.max_mw[s] * m.open[s, y])
    m.added_mw = pyo.Expression(
        m.SITE_YEARS, rule=lambda m, s, y: m.cap_mw[s, y] - (m.cap_mw[s, prev[y]] if prev[y] is not None else 0.0)
    )
    m.opened = pyo.Expression(
        m.SITE_YEARS, rule=lambda m, s, y: m.open[s, y] - (m.open[s, prev[y]] if prev[y] is not None else 0.0)
    )


def add_fleet(m: pyo.ConcreteModel, data: PathwayData) -> None:
    """GPU vintages installed per site and year; each is online for its useful life, then retires
    (what replaces it is a new installation: refresh is a decision). IT and facility MW online fit the
    built capacity.

    Provides: ``install``, ``it_mw``, ``facility_mw``, ``pflops_online`` per site-year.
    """
    m.INSTALLS = pyo.Set(dimen=3, initialize=data.INSTALLS, ordered=True)
    domain = pyo.NonNegativeIntegers if data.cfg.integer_blocks else pyo.NonNegativeReals
    # Bound: the campus cap in blocks of this type (a tight bound helps presolve).
    m.install = pyo.Var(
        m.INSTALLS, within=domain,
        bounds=lambda m, s, g, v: (0, math.floor(data.max_mw[s] / (data.pue[s] * data.block_it_mw[g]) + EPS)),
    )
    alive = data.ALIVE
    it = data.block_it_mw
    m.it_mw = pyo.Expression(m.SITE_YEARS, rule=lambda m, s, y: sum(it[g] * m.install[s, g, v] for g, v in alive[s, y]))
    m.facility_mw = pyo.Expression(m.SITE_YEARS, rule=lambda m, s, y: data.pue[s] * m.it_mw[s, y])
    m.pflops_online = pyo.Expression(
        m.SITE_YEARS, rule=lambda m, s, y: sum(data.block_pflops[g] * m.install[s, g, v] for g, v in alive[s, y])
    )
    m.fits_capacity = pyo.Constraint(m.SITE_YEARS, rule=lambda m, s, y: m.facility_mw[s, y] <= m.cap_mw[s, y])


def add_power_sources(m: pyo.ConcreteModel, data: PathwayData) -> None:
    """Every online MW is served by the firm grid (from the site's firm year), the on-site gas bridge
    (from the bridge year, up to the permit, with spare turbines) or a flexible non-firm connection
    (from the flexible year until the firm year, a share of the connection). The grid connection
    (legacy: headroom + one tier; zonal: one substation option) is chosen once and paid in the year
    of the first grid use.

    Provides: ``firm_mw``, ``bridge_mw``, ``flex_mw``, ``bridge_cap_mw``, ``bridge_added_mw``, ``capex_grid_musd``
    per year and ``grid_book_musd``.
    """
    cfg = data.cfg
    prev = _prev(data.years)
    m.FIRM = pyo.Set(within=m.SITE_YEARS, initialize=data.FIRM, ordered=True)
    m.BRIDGE = pyo.Set(within=m.SITE_YEARS, initialize=data.BRIDGE, ordered=True)
    m.FLEX = pyo.Set(within=m.SITE_YEARS, initialize=data.FLEX, ordered=True)
    m.firm_mw = pyo.Var(m.FIRM, within=pyo.NonNegativeReals)
    m.flex_mw = pyo.Var(m.FLEX, within=pyo.NonNegativeReals)
    m.bridge_mw = pyo.Var(m.BRIDGE, within=pyo.NonNegativeReals)
    m.bridge_cap_mw = pyo.Var(m.BRIDGE, within=pyo.NonNegativeReals, bounds=(0.0, cfg.bridge_permit_mw))
    firm, flex, bridge = set(data.FIRM), set(data.FLEX), set(data.BRIDGE)

    def served(m: pyo.ConcreteModel, s: str, y: int) -> object:
        supply = (m.firm_mw[s, y] if (s, y) in firm else 0.0) + (m.flex_mw[s, y] if (s, y) in flex else 0.0)
        supply = supply + (m.bridge_mw[s, y] if (s, y) in bridge else 0.0)
        return m.facility_mw[s, y] == supply

    m.served = pyo.Constraint(m.SITE_YEARS, rule=served)
    later_bridge = [(s, y) for s, y in data.BRIDGE if prev[y] is not None and (s, prev[y]) in bridge]
    m.bridge_grows = pyo.Constraint(later_bridge, rule=lambda m, s, y: m.bridge_cap_mw[s, y] >= m.bridge_cap_mw[s, prev[y]])
    m.bridge_spare = pyo.Constraint(
        m.BRIDGE, rule=lambda m, s, y: (1.0 + cfg.bridge_reserve_share) * m.bridge_mw[s, y] <= m.bridge_cap_mw[s, y]
    )
    m.bridge_added_mw = pyo.Expression(
        m.BRIDGE,
        rule=lambda m, s, y: m.bridge_cap_mw[s, y] - (m.bridge_cap_mw[s, prev[y]] if (s, prev[y]) in bridge else 0.0),
    )
    last = data.years[-1]
    grid_sites = [s for s in data.SITES if s in data.conn_year]
    if data.zonal is not None:
        z = data.zonal
        pairs = [(s, c) for s in grid_sites for c in data.connections_at.get(s, [])]
        m.SITES_CONNECTIONS = pyo.Set(dimen=2, initialize=pairs, ordered=True)
        m.connect = pyo.Var(m.SITES_CONNECTIONS, within=pyo.Binary)
        opts = defaultdict(list)
        for s, c in pairs:
            opts[s].append(c)
        m.one_connection = pyo.Constraint(
            grid_sites, rule=lambda m, s: sum(m.connect[s, c] for c in opts[s]) <= m.open[s, last]
        )
        conn_mw = {s: sum(z.connection_mw[s, c] * m.connect[s, c] for c in opts[s]) for s in grid_sites}
        cost = {s: sum(z.connection_cost_musd[s, c] * m.connect[s, c] for c in opts[s]) for s in grid_sites}

        def limit(s: str, y: int) -> object:
            return conn_mw[s]
    else:
        tiers = {s: data.tiers_at[s] for s in grid_sites}
        pairs = [(s, t) for s in grid_sites for t in tiers[s]]
        m.SITES_TIERS = pyo.Set(dimen=2, initialize=pairs, ordered=True)
        m.upgrade = pyo.Var(m.SITES_TIERS, within=pyo.Binary)
        m.one_tier = pyo.Constraint(
            [s for s in grid_sites if tiers[s]], rule=lambda m, s: sum(m.upgrade[s, t] for t in tiers[s]) <= m.open[s, last]
        )
        cost = {s: sum(data.tier_cost_musd[t] * m.upgrade[s, t] for t in tiers[s]) for s in grid_sites}

        def limit(s: str, y: int) -> object:
            # Headroom serves only an open site; a tier already needs one.
            return data.headroom_mw[s] * m.open[s, y] + sum(data.tier_mw[t] * m.upgrade[s, t] for t in tiers[s])

    m.firm_within = pyo.Constraint(m.FIRM, rule=lambda m, s, y: m.firm_mw[s, y] <= limit(s, y))
    m.flex_within = pyo.Constraint(m.FLEX, rule=lambda m, s, y: m.flex_mw[s, y] <= cfg.flexible_share * limit(s, y))
    by_year = defaultdict(list)
    for s in grid_sites:
        by_year[data.conn_year[s]].append(s)
    m.capex_grid_musd = pyo.Expression(m.YEARS, rule=lambda m, y: sum(cost[s] for s in by_year.get(y, [])))
    m.grid_book_musd = pyo.Expression(expr=sum(data.conn_book_share[s] * cost[s] for s in grid_sites))


def add_zones(m: pyo.ConcreteModel, data: PathwayData) -> None:
    """Zonal supply per year (docs/supply_model.md, now in time): firm campus MW + exports - imports -
    accredited new generation online <= the zone's spare; new plants come online after their
    construction years; their energy (no more than the zone's campuses draw from the grid) displaces
    grid energy at the zone's reference price.

    Flexible non-firm MW in a zone are capped at ``flexible_peak_share`` of its peak.

    Provides: ``new_gen_mw`` (built per year), ``new_gen_online_mw``, ``new_gen_mwh``, and per year
    ``capex_gen_musd``, ``opex_gen_musd``, ``co2_gen_t``; ``gen_book_musd``.
    """
    z, zs = data.zonal, data.zsets
    years = data.years
    if z is None or zs is None:
        zero = {y: 0.0 for y in years}
        m.capex_gen_musd = pyo.Expression(m.YEARS, rule=lambda m, y: zero[y])
        m.opex_gen_musd = pyo.Expression(m.YEARS, rule=lambda m, y: zero[y])
        m.co2_gen_t = pyo.Expression(m.YEARS, rule=lambda m, y: zero[y])
        m.gen_book_musd = pyo.Expression(expr=0.0)
        return
    m.ZONES = pyo.Set(initialize=zs.ZONES, ordered=True)
    m.GEN_BUILDS = pyo.Set(dimen=3, initialize=data.GEN_BUILDS, ordered=True)
    m.new_gen_mw = pyo.Var(m.GEN_BUILDS, within=pyo.NonNegativeReals)
    iface_years = [(a, b, y) for a, b in zs.INTERFACES for y in years]
    m.IFACE_YEARS = pyo.Set(dimen=3, initialize=iface_years, ordered=True)
    m.import_mw = pyo.Var(m.IFACE_YEARS, within=pyo.NonNegativeReals, bounds=lambda m, a, b, y: (0.0, z.interface_max_mw[a, b]))
    lag = data.gen_online_lag
    online: dict[tuple[str, str, int], list[tuple[str, str, int]]] = defaultdict(list)
    for zone, t, v in data.GEN_BUILDS:
        for y in years:
            if y >= v + lag[t]:
                online[zone, t, y].append((zone, t, v))
    types_in = defaultdict(list)
    for zone, t in zs.ZONES_GEN:
        types_in[zone].append(t)
    m.new_gen_online_mw = pyo.Expression(
        [(zone, t, y) for zone, t in zs.ZONES_GEN for y in years],
        rule=lambda m, zone, t, y: sum(m.new_gen_mw[k] for k in online.get((zone, t, y), [])),
    )
    out_of, into = defaultdict(list), defaultdict(list)
    for a, b in zs.INTERFACES:
        out_of[a].append(b)
        into[b].append(a)
    firm_in = defaultdict(list)
    for s, y in data.FIRM:
        firm_in[z.zone_of[s], y].append(s)
    m.zone_firm = pyo.Constraint(
        [(zone, y) for zone in zs.ZONES for y in years],
        rule=lambda m, zone, y: sum(m.firm_mw[s, y] for s in firm_in.get((zone, y), []))
        + sum(m.import_mw[zone, b, y] for b in out_of[zone])
        - sum(m.import_mw[a, zone, y] for a in into[zone])
        - sum(z.gen_credit[t] * m.new_gen_online_mw[zone, t, y] for t in types_in[zone])
        <= z.spare_mw[zone],
    )
    energy = [(zone, t, y) for zone, t in zs.ZONES_GEN_ENERGY for y in years if online.get((zone, t, y))]
    m.GEN_ENERGY = pyo.Set(dimen=3, initialize=energy, ordered=True)
    m.new_gen_mwh = pyo.Var(m.GEN_ENERGY, within=pyo.NonNegativeReals)
    m.new_gen_energy_max = pyo.Constraint(
        m.GEN_ENERGY,
        rule=lambda m, zone, t, y: m.new_gen_mwh[zone, t, y] <= z.gen_energy_max_mwh_per_mw[zone, t] * m.new_gen_online_mw[zone, t, y],
    )
    # Flexible (non-firm) MW per zone: a share of the zone's peak, the headroom large flexible loads find
    # in hours the grid is not stressed (docs/pathway.md).
    flex_in = defaultdict(list)
    for s, y in data.FLEX:
        flex_in[z.zone_of[s], y].append(s)
    peak = data.zone_peak_mw
    m.zone_flexible = pyo.Constraint(
        list(flex_in), rule=lambda m, zone, y: sum(m.flex_mw[s, y] for s in flex_in[zone, y])
        <= data.cfg.flexible_peak_share * peak.get(zone, 0.0),
    )
    grid_in = defaultdict(list)
    flex = set(data.FLEX)
    for s, y in data.FIRM + data.FLEX:
        grid_in[z.zone_of[s], y].append(s)
    energy_by = defaultdict(list)
    for zone, t, y in energy:
        energy_by[zone, y].append(t)
    hours = data.mwh_per_mw_year
    m.new_gen_energy_use = pyo.Constraint(
        list(energy_by),
        rule=lambda m, zone, y: sum(m.new_gen_mwh[zone, t, y] for t in energy_by[zone, y])
        <= hours * sum((m.flex_mw[s, y] if (s, y) in flex else m.firm_mw[s, y]) for s in grid_in.get((zone, y), [])),
    )
    carbon = data.inputs.costs.carbon_price_usd_per_tco2
    m.co2_gen_t = pyo.Expression(
        m.YEARS,
        rule=lambda m, y: sum((z.gen_co2_t_per_mwh[t] - z.ref_co2_t_per_mwh[zone]) * m.new_gen_mwh[zone, t, y]
                              for zone, y2 in energy_by if y2 == y for t in energy_by[zone, y]),
    )
    m.capex_gen_musd = pyo.Expression(
        m.YEARS, rule=lambda m, y: sum(z.gen_capex_musd_per_mw[t] * m.new_gen_mw[zone, t, v] for zone, t, v in data.GEN_BUILDS if v == y)
    )
    m.opex_gen_musd = pyo.Expression(
        m.YEARS,
        rule=lambda m, y: sum(data.gen_fom_musd_per_mw_year[t] * m.new_gen_online_mw[zone, t, y] for zone, t in zs.ZONES_GEN)
        + sum((z.gen_usd_per_mwh[t] - z.ref_price_usd_per_mwh[zone]) * m.new_gen_mwh[zone, t, y]
              for zone, y2 in energy_by if y2 == y for t in energy_by[zone, y]) / USD_PER_MUSD
        + carbon * m.co2_gen_t[y] / USD_PER_MUSD,
    )
    m.gen_book_musd = pyo.Expression(
        expr=sum(data.gen_book_share[t, v] * z.gen_capex_musd_per_mw[t] * m.new_gen_mw[zone, t, v] for zone, t, v in data.GEN_BUILDS)
    )


def add_money(m: pyo.ConcreteModel, data: PathwayData) -> None:
    """Per model year: capex (site, buildings, GPUs, grid, bridge turbines, new generation), opex per
    calendar year (energy, bridge fuel, flexible curtailment, O&M, FOM), revenue from GPU-hours sold,
    and the book value of everything at the horizon end.

    Provides: ``capex_musd``, ``opex_musd_per_year``, ``revenue_musd_per_year``, ``terminal_musd``,
    ``co2_t_per_year`` per year.
    """
    cfg = data.cfg
    hours = data.mwh_per_mw_year
    firm, flex = set(data.FIRM), set(data.FLEX)
    b = data.bridge
    kw = KW_PER_MW / USD_PER_MUSD
    installs_in = defaultdict(list)
    for s, g, v in data.INSTALLS:
        installs_in[v].append((s, g))
    m.capex_gpu_musd = pyo.Expression(
        m.YEARS, rule=lambda m, y: sum(data.block_price_musd[g, y] * m.install[s, g, y] for s, g in installs_in[y])
    )
    m.capex_site_musd = pyo.Expression(m.YEARS, rule=lambda m, y: sum(data.fixed_musd * m.opened[s, y] for s in data.SITES))
    m.capex_build_musd = pyo.Expression(
        m.YEARS, rule=lambda m, y: sum(data.build_musd_per_mw[s] * m.added_mw[s, y] for s in data.SITES)
    )
    bridge_in = defaultdict(list)
    for s, y in data.BRIDGE:
        bridge_in[y].append(s)
    m.capex_bridge_musd = pyo.Expression(
        m.YEARS, rule=lambda m, y: sum(kw * b.capex_usd_per_kw * m.bridge_added_mw[s, y] for s in bridge_in[y])
    )
    m.capex_musd = pyo.Expression(
        m.YEARS,
        rule=lambda m, y: m.capex_gpu_musd[y] + m.capex_site_musd[y] + m.capex_build_musd[y] + m.capex_grid_musd[y]
        + m.capex_bridge_musd[y] + m.capex_gen_musd[y],
    )

    def grid_mw(m: pyo.ConcreteModel, s: str, y: int) -> object:
        return (m.firm_mw[s, y] if (s, y) in firm else 0.0) + (m.flex_mw[s, y] if (s, y) in flex else 0.0)

    m.energy_musd_per_year = pyo.Expression(
        m.YEARS,
        rule=lambda m, y: hours / USD_PER_MUSD * (
            sum(data.grid_usd_per_mwh[s] * grid_mw(m, s, y) for s in data.SITES)
            + sum((b.usd_per_mwh + data.inputs.costs.carbon_price_usd_per_tco2 * b.co2_t_per_mwh) * m.bridge_mw[s, y] for s in bridge_in[y])
            + sum(b.flexible_usd_per_mwh * m.flex_mw[s, y] for s in data.SITES if (s, y) in flex)
        ),
    )
    alive = data.ALIVE
    om = cfg.om_share_of_capex_per_year
    m.om_musd_per_year = pyo.Expression(
        m.YEARS,
        rule=lambda m, y: om * sum(
            sum(data.block_price_musd[g, v] * m.install[s, g, v] for g, v in alive[s, y]) + data.build_musd_per_mw[s] * m.cap_mw[s, y]
            for s in data.SITES
        )
        + sum(kw * b.fom_usd_per_kw_yr * m.bridge_cap_mw[s, y] for s in bridge_in[y]),
    )
    m.opex_musd_per_year = pyo.Expression(
        m.YEARS, rule=lambda m, y: m.energy_musd_per_year[y] + m.om_musd_per_year[y] + m.opex_gen_musd[y]
    )
    m.revenue_musd_per_year = pyo.Expression(
        m.YEARS,
        rule=lambda m, y: sum(data.block_revenue_musd_per_year[g, y] * m.install[s, g, v] for s in data.SITES for g, v in alive[s, y]),
    )
    m.co2_t_per_year = pyo.Expression(
        m.YEARS,
        rule=lambda m, y: hours * (
            sum(data.co2_t_per_mwh[s] * grid_mw(m, s, y) for s in data.SITES)
            + sum(b.co2_t_per_mwh * m.bridge_mw[s, y] for s in bridge_in[y])
        ) + m.co2_gen_t[y],
    )
    if cfg.terminal_value == "none":
        m.terminal_musd = pyo.Expression(expr=0.0)
        return
    m.terminal_musd = pyo.Expression(
        expr=sum(data.gpu_book_share[g, v] * data.block_price_musd[g, v] * m.install[s, g, v] for s, g, v in data.INSTALLS)
        + sum(data.shell_book_share[y] * (data.build_musd_per_mw[s] * m.added_mw[s, y]) for s, y in data.SITE_YEARS)
        + sum(data.bridge_book_share[y] * kw * b.capex_usd_per_kw * m.bridge_added_mw[s, y] for s, y in data.BRIDGE)
        + m.grid_book_musd + m.gen_book_musd
    )


def debt_terms(data: PathwayData) -> tuple[dict[tuple[int, int], float], dict[int, float]]:
    """Per M$ of debt drawn at the start of model year v: its payment in each calendar year
    (level annuity at the interest rate over the tenor) and the balance left at the horizon end."""
    cfg = data.cfg
    crf = capital_recovery_factor(cfg.interest_rate, cfg.debt_tenor_years)
    pay = {(v, c): crf for v in data.years for c in data.calendar if v <= c < v + cfg.debt_tenor_years}
    left = {v: crf * annuity_factor(cfg.interest_rate, max(0, cfg.debt_tenor_years - (data.horizon_end - v))) for v in data.years}
    return pay, left


def add_finance(m: pyo.ConcreteModel, data: PathwayData) -> None:
    """Capital: new equity and debt drawn at the start of each model year (caps per year and in
    total from ``[budget]``), debt repaid as a level annuity, cash carried between years never
    negative, surplus distributed. Without a ``[budget]`` (least cost) equity is unlimited and there
    is no debt.

    Provides: ``equity_musd``, ``debt_musd``, ``debt_service_musd`` (per calendar year),
    ``debt_left_musd``, ``cash_flow_start_musd`` / ``cash_flow_end_musd`` (per calendar year),
    ``npv_musd`` (levered, to equity) and, with a budget, the ``equity_total`` / ``debt_total`` rows.
    """
    cfg = data.cfg
    budget = data.inputs.scenario.budget
    years = data.years
    m.CALENDAR = pyo.Set(initialize=data.calendar, ordered=True)
    eq_cap = cfg.equity_usd_by_year or [None] * len(years)
    debt_cap = cfg.debt_usd_by_year or [None] * len(years)
    eq_bound = {y: (None if c is None else c / USD_PER_MUSD) for y, c in zip(years, eq_cap)}
    has_debt = budget is not None and budget.debt_usd > 0
    # No debt without a [budget] that allows some; else the per-year cap, if any.
    debt_bound = {y: (0.0 if not has_debt else (None if c is None else c / USD_PER_MUSD)) for y, c in zip(years, debt_cap)}
    m.equity_musd = pyo.Var(m.YEARS, within=pyo.NonNegativeReals, bounds=lambda m, y: (0.0, eq_bound[y]))
    m.debt_musd = pyo.Var(m.YEARS, within=pyo.NonNegativeReals, bounds=lambda m, y: (0.0, debt_bound[y]))
    m.distributed_musd = pyo.Var(m.YEARS, within=pyo.NonNegativeReals)
    m.cash_start_musd = pyo.Var(m.YEARS, within=pyo.NonNegativeReals)
    m.cash_end_musd = pyo.Var(m.YEARS, within=pyo.NonNegativeReals)
    pay, left = debt_terms(data)
    pays_in = defaultdict(list)
    for v, c in pay:
        pays_in[c].append(v)
    m.debt_service_musd = pyo.Expression(m.CALENDAR, rule=lambda m, c: sum(pay[v, c] * m.debt_musd[v] for v in pays_in[c]))
    m.debt_left_musd = pyo.Expression(expr=sum(left[v] * m.debt_musd[v] for v in years))
    prev = _prev(years)
    in_period = defaultdict(list)
    for c, y in data.period_of.items():
        in_period[y].append(c)
    m.cash_start_row = pyo.Constraint(
        m.YEARS,
        rule=lambda m, y: m.cash_start_musd[y]
        == (m.cash_end_musd[prev[y]] if prev[y] is not None else 0.0) + m.equity_musd[y] + m.debt_musd[y] - m.capex_musd[y],
    )
    L = data.length_years
    m.cash_end_row = pyo.Constraint(
        m.YEARS,
        rule=lambda m, y: m.cash_end_musd[y]
        == m.cash_start_musd[y] + L[y] * (m.revenue_musd_per_year[y] - m.opex_musd_per_year[y])
        - sum(m.debt_service_musd[c] for c in in_period[y]) - m.distributed_musd[y],
    )
    if budget is not None:
        m.equity_total = pyo.Constraint(expr=sum(m.equity_musd[y] for y in years) <= budget.equity_usd / USD_PER_MUSD)
        m.debt_total = pyo.Constraint(expr=sum(m.debt_musd[y] for y in years) <= budget.debt_usd / USD_PER_MUSD)
    first = {c: c == y for c, y in data.period_of.items()}
    # Levered project cash flow to equity, per calendar year: at its start debt in less capex (first
    # calendar year of a model year), at its end revenue less opex less debt service.
    m.cash_flow_start_musd = pyo.Expression(
        m.CALENDAR, rule=lambda m, c: (m.debt_musd[c] - m.capex_musd[c]) if first[c] else 0.0
    )
    m.cash_flow_end_musd = pyo.Expression(
        m.CALENDAR,
        rule=lambda m, c: m.revenue_musd_per_year[data.period_of[c]] - m.opex_musd_per_year[data.period_of[c]] - m.debt_service_musd[c],
    )
    df_t = (1.0 + data.discount_rate) ** -(data.horizon_end - years[0])
    m.npv_musd = pyo.Expression(
        expr=sum(data.df_start[c] * m.cash_flow_start_musd[c] + data.df_end[c] * m.cash_flow_end_musd[c] for c in data.calendar)
        + df_t * (m.terminal_musd - m.debt_left_musd)
    )
    # PV of what the programme costs (least cost): capex at the start, opex at the end of each year, less
    # the book value left at the horizon end.
    m.cost_pv_musd = pyo.Expression(
        expr=sum(data.df_start[c] * m.capex_musd[c] for c in data.calendar if first[c])
        + sum(data.df_end[c] * m.opex_musd_per_year[data.period_of[c]] for c in data.calendar)
        - df_t * m.terminal_musd
    )


def add_goal(m: pyo.ConcreteModel, data: PathwayData) -> None:
    """Objective: discounted PFLOPS-years, the equity NPV, or the least PV cost for an IT-MW trajectory.

    Provides: ``pflops_years_discounted``, ``it_mw_online`` per year, ``objective``, ``target`` rows.
    """
    in_period = defaultdict(list)
    for c, y in data.period_of.items():
        in_period[y].append(c)
    weight = {y: sum(data.df_end[c] for c in in_period[y]) for y in data.years}
    m.it_mw_online = pyo.Expression(m.YEARS, rule=lambda m, y: sum(m.it_mw[s, y] for s in data.SITES))
    m.pflops_online_total = pyo.Expression(m.YEARS, rule=lambda m, y: sum(m.pflops_online[s, y] for s in data.SITES))
    m.pflops_years_discounted = pyo.Expression(expr=sum(weight[y] * m.pflops_online_total[y] for y in data.years))
    targets = data.targets_it_mw
    if targets:
        m.TARGET_YEARS = pyo.Set(initialize=sorted(targets), ordered=True)
        m.target = pyo.Constraint(m.TARGET_YEARS, rule=lambda m, y: m.it_mw_online[y] >= targets[y])
    goal = data.cfg.objective
    if goal == "max_compute_years":
        m.objective = pyo.Objective(expr=m.pflops_years_discounted, sense=pyo.maximize)
    elif goal == "max_npv":
        m.objective = pyo.Objective(expr=m.npv_musd, sense=pyo.maximize)
    else:
        m.objective = pyo.Objective(expr=m.cost_pv_musd, sense=pyo.minimize)


def build_pathway(data: PathwayData) -> pyo.ConcreteModel:
    """The pathway MILP for ``data``: one call per block."""
    m = pyo.ConcreteModel(name=f"{data.inputs.scenario.name}-pathway")
    add_campuses(m, data)
    add_fleet(m, data)
    add_power_sources(m, data)
    add_zones(m, data)
    add_money(m, data)
    add_finance(m, data)
    add_goal(m, data)
    return m
