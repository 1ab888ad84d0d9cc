"""Coefficients of the links between model years and of the money over time (multi-year horizons).

Computed once with pandas from the scenario's ``[pathway]`` settings, the GPU roadmap and the candidate
table; the blocks in model/milp/components/time.py and routes.py only read :class:`TimeData`.

Timing convention (docs/pathway.md): a model year stands for the calendar years until the next one;
capex, new equity and debt fall at the start of a calendar year, revenue, opex and debt service at its
end. Every candidate's grid request is filed at the programme start, so its firm connection can serve
it from ``first year + ceil(time_to_power_years x time_to_power_multiplier)`` on, whenever it opens.

Revenue (docs/pathway.md "Revenue"): GPU-hours x utilisation at the roadmap's rental path (each type's rate
in its ``rental_year`` falling by its decline per year, or ``rental_decline_per_year`` for every type), less
``contract_discount`` when ``revenue = "contract"``. The path continues past the horizon for the GPUs'
market value at its end (:func:`market_value_per_block_musd`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from model.config import CostAssumptions, PathwayConfig
from model.core.units import HOURS_PER_YEAR, KG_PER_T, KW_PER_MW, USD_PER_MUSD

EPS = 1e-9


@dataclass(frozen=True)
class BridgeCosts:
    """On-site gas turbines (data/energy_costs.csv, ATB Gas-CT) and the flexible connection's penalty."""

    capex_usd_per_kw: float
    fom_usd_per_kw_yr: float
    usd_per_mwh: float  # fuel x heat rate + VOM
    co2_t_per_mwh: float
    life_years: float
    flexible_usd_per_mwh: float  # curtailment cost x curtailed share of the flexible energy
    heat_rate_mmbtu_per_mwh: float = 0.0  # to price fuel at a zone's gas price
    vom_usd_per_mwh: float = 0.0

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
            heat_rate_mmbtu_per_mwh=heat,
            vom_usd_per_mwh=values["gas_vom_usd_per_mwh"],
        )


def residual_share(bought: float, life: float, horizon_end: float) -> float:
    """Straight-line share of an asset's cost left at the horizon end, bought at the start of ``bought``."""
    return float(min(1.0, max(0.0, (bought + life - horizon_end) / life)))


def market_value_per_block_musd(
    vintage: np.ndarray, life: np.ndarray, revenue_at_end_musd: np.ndarray, decline: np.ndarray,
    opex_musd_per_year: np.ndarray, horizon_end: float, rate: float,
) -> np.ndarray:
    """What a GPU block is worth at the horizon end ``E``: its remaining net earning power.

    For every calendar year ``E + k`` the vintage bought at the start of ``vintage`` still lives (share
    :math:`f_k = \\min(1, v + L - E - k)` of the year), the year's net cash :math:`\\max(0, R_0 (1 - \\delta)^k - O)`
    at its end (an owner stops running a block that no longer earns its energy and O&M), discounted to ``E``
    at ``rate``: :math:`V = \\sum_k f_k \\max(0, R_0 (1-\\delta)^k - O) (1 + r)^{-(k+1)}`. ``revenue_at_end_musd``
    is :math:`R_0`, the block's revenue in calendar year ``E``; all arrays are per block (one entry each)."""
    remaining = np.clip(np.asarray(vintage, dtype=float) + np.asarray(life, dtype=float) - horizon_end, 0.0, None)
    out = np.zeros(len(remaining))
    for k in range(int(math.ceil(float(remaining.max(initial=0.0)) - EPS))):
        share = np.clip(remaining - k, 0.0, 1.0)
        net = np.maximum(revenue_at_end_musd * (1.0 - decline) ** k - opex_musd_per_year, 0.0)
        out += share * net * (1.0 + rate) ** -(k + 1)
    return out


@dataclass(frozen=True)
class RouteData:
    """How a site can be powered year by year (model/milp/components/routes.py): its grid connection
    from its firm year, on-site gas turbines (a bridge) from ``bridge_year``, a flexible non-firm
    connection from ``flex_year`` until the firm year."""

    firm_year: dict[str, int]  # calendar year the site's connection can first deliver firm power
    bridge_year: int | None  # None: no bridge
    flex_year: int | None  # None: no flexible connection
    bridge_permit_mw: float
    bridge_reserve_share: float
    flexible_share: float
    flexible_peak_share: float
    bridge: BridgeCosts
    zone_peak_mw: dict[str, float] = field(default_factory=dict)
    # By routes to power (county candidates, data/county_routes.csv): each connection option's first year,
    # and per site the on-site gas route (year, installed MW, $ per MW installed) and the flexible service
    # at its existing station (year, MW, until the first year its large connection can be firm).
    option_year: dict[tuple[str, str], int] = field(default_factory=dict)
    bridge_year_of: dict[str, int] = field(default_factory=dict)
    bridge_max_mw_of: dict[str, float] = field(default_factory=dict)
    bridge_usd_per_mw_of: dict[str, float] = field(default_factory=dict)
    flex_year_of: dict[str, int] = field(default_factory=dict)
    flex_until_of: dict[str, int] = field(default_factory=dict)
    flex_max_mw_of: dict[str, float] = field(default_factory=dict)

    @property
    def by_routes(self) -> bool:
        return bool(self.option_year)

    def firm_ok(self, site: str, year: int) -> bool:
        return year >= self.firm_year[site]

    def option_ok(self, site: str, option: str, year: int) -> bool:
        """Whether a connection option can deliver firm power in ``year`` (by routes: its own year)."""
        if self.by_routes:
            return year >= self.option_year.get((site, option), 10**6)
        return self.firm_ok(site, year)

    def bridge_ok(self, year: int, site: str | None = None) -> bool:
        if self.bridge_year is None:
            return False
        if self.by_routes and site is not None:
            return site in self.bridge_year_of and year >= self.bridge_year_of[site]
        return year >= (min(self.bridge_year_of.values(), default=self.bridge_year) if self.by_routes else self.bridge_year)

    def bridge_cap_mw(self, site: str) -> float:
        """Turbine MW a site may install (its air permit)."""
        return self.bridge_max_mw_of.get(site, self.bridge_permit_mw) if self.by_routes else self.bridge_permit_mw

    def bridge_capex_usd_per_mw(self, site: str) -> float:
        """$ per MW of turbines installed (by routes: the county's on-site gas cost, its reserve units excluded)."""
        if self.by_routes and site in self.bridge_usd_per_mw_of:
            return self.bridge_usd_per_mw_of[site]
        return self.bridge.capex_usd_per_kw * KW_PER_MW

    def flex_ok(self, site: str, year: int) -> bool:
        if self.flex_year is None:
            return False
        if self.by_routes:
            return site in self.flex_year_of and self.flex_year_of[site] <= year < self.flex_until_of[site]
        return self.flex_year <= year < self.firm_year[site]


@dataclass(frozen=True)
class TimeData:
    """Per-vintage prices and lives, revenue, capacity phases, residual values and targets."""

    cfg: PathwayConfig
    gpus: list[str]
    vintages: list[tuple[str, int]]  # (gpu, model year bought): the type is available that year
    alive: dict[tuple[str, int], list[int]]  # (gpu, model year) -> vintages online that year
    price_musd: dict[tuple[str, int], float]  # (gpu, vintage) -> M$ per block bought
    revenue_musd_per_year: dict[tuple[str, int], float]  # (gpu, year) -> M$ per block-year sold
    life_years: dict[str, float]  # gpu -> useful life
    rental_decline: dict[str, float]  # gpu -> rental decline per year (the path past the horizon too)
    gpu_residual: dict[tuple[str, int], float]  # (gpu, vintage) -> value share left at the horizon end
    max_mw: dict[str, float]  # campus cap (with land), facility MW
    build_musd_per_mw: dict[str, float]  # shell (per IT MW / PUE) + land + adders, per facility MW of capacity
    shell_musd_per_mw: dict[str, float]  # its shell part (taxed as construction; the rest is land and adders)
    land_musd_per_mw: dict[str, float]  # its land part (not depreciated in the market horizon value)
    shell_residual: dict[int, float]  # year built -> value share left
    connection_residual: dict[int, float]
    bridge_residual: dict[int, float]
    gen_lag: dict[str, int] = field(default_factory=dict)  # type -> whole model-calendar years to build
    gen_fom_musd_per_mw_year: dict[str, float] = field(default_factory=dict)
    gen_residual: dict[tuple[str, int], float] = field(default_factory=dict)
    targets_it_mw: dict[int, float] = field(default_factory=dict)  # model year -> IT MW online at least
    routes: RouteData | None = None
    horizon_end: float = 0.0
    revenue_at_end_musd_per_year: dict[str, float] = field(default_factory=dict)  # gpu -> a block's revenue in calendar year horizon_end


def rental_path(gpus: pd.DataFrame, cfg: PathwayConfig, years: list[float]) -> dict[tuple[str, float], float]:
    """$ per GPU-hour of each roadmap type in each (calendar) year: its rate in ``rental_year`` falling by its
    decline per year (``cfg.rental_decline_per_year`` for every type when set)."""
    decline = rental_declines(gpus, cfg)
    return {
        (g, y): float(gpus.at[g, "rental_usd_per_gpu_hour"]) * (1.0 - decline[g]) ** (y - int(gpus.at[g, "rental_year"]))
        for g in gpus.index for y in years
    }


def rental_declines(gpus: pd.DataFrame, cfg: PathwayConfig) -> dict[str, float]:
    if cfg.rental_decline_per_year is not None:
        return {g: float(cfg.rental_decline_per_year) for g in gpus.index}
    return {g: float(v) for g, v in gpus["rental_decline_per_year"].astype(float).items()}


def revenue_share(cfg: PathwayConfig) -> float:
    """Share of a block's GPU-hours x on-demand rate it earns: utilisation, less the contract discount."""
    return cfg.utilisation * ((1.0 - cfg.contract_discount) if cfg.revenue == "contract" else 1.0)


def _year(y0: int, offset: float) -> int:
    return y0 + int(math.ceil(float(offset) - EPS))


def _route_years(supply: Any, ids: list[str], y0: int, grid_multiplier: float = 1.0) -> dict[str, Any]:
    """RouteData's by-route fields from SupplyData (connections with first-power years, flexible, on-site);
    ``grid_multiplier`` scales the grid's (connections', flexible service's) years to first power, not on-site gas's."""
    conn = supply.connections
    conn = conn.loc[conn["site_id"].isin(set(ids))].assign(first_power_years=lambda c: c["first_power_years"].astype(float) * grid_multiplier)
    option_year = {(s, c): _year(y0, t) for s, c, t in zip(conn["site_id"], conn["option"], conn["first_power_years"])}
    large = conn.loc[conn["group"] == "large_connection"].groupby("site_id")["first_power_years"].min()
    onsite = supply.onsite.reindex([s for s in ids if s in supply.onsite.index])
    reserve = float(onsite["reserve_share"].iloc[0]) if "reserve_share" in onsite and len(onsite) else 0.0
    flex = supply.flexible.reindex([s for s in ids if s in supply.flexible.index])
    return {
        "option_year": option_year,
        "bridge_year_of": {s: _year(y0, t) for s, t in onsite["first_power_years"].items()},
        # The permit caps the MW installed; the county's cost per MW served includes the reserve units, so per
        # MW installed they are divided out.
        "bridge_max_mw_of": onsite["mw"].to_dict(),
        "bridge_usd_per_mw_of": (onsite["usd_per_mw"] / (1.0 + reserve)).to_dict(),
        "flex_year_of": {s: _year(y0, t * grid_multiplier) for s, t in flex["first_power_years"].items()},
        "flex_until_of": {s: (_year(y0, large[s]) if s in large.index else 10**6) for s in flex.index},
        "flex_max_mw_of": flex["mw"].to_dict(),
    }


def time_data(
    cfg: PathwayConfig,
    costs: CostAssumptions,
    sites: pd.DataFrame,
    gpus: pd.DataFrame,
    years: list[int],
    horizon_end: float,
    land_usd_per_mw: pd.Series,
    bridge: BridgeCosts,
    generation: pd.DataFrame | None,
    construction_years: dict[str, float],
    zone_peak_mw: dict[str, float],
    target_it_mw: float | None,
    supply: Any = None,
) -> TimeData:
    """Coefficients for ``sites`` (indexed by site id) and the roadmap rows ``gpus`` of the scenario."""
    ids = sites.index.astype(str).to_list()
    gpu_ids = gpus.index.to_list()
    first = gpus["first_year"].astype(int)
    life = gpus["life_years"].astype(float)
    vintages = [(g, v) for g in gpu_ids for v in years if v >= first[g]]
    price = {
        (g, v): float(gpus.at[g, "price_usd_per_block"]) * costs.gpu_price_multiplier
        * (1.0 - float(gpus.at[g, "price_decline_per_year"])) ** max(0, v - int(gpus.at[g, "price_year"])) / USD_PER_MUSD
        for g, v in vintages
    }
    rental = rental_path(gpus, cfg, [*years, horizon_end])
    per_block = gpus["gpus_per_block"].astype(int).to_dict()
    share = revenue_share(cfg)
    revenue = {(g, y): r * per_block[g] * HOURS_PER_YEAR * share / USD_PER_MUSD for (g, y), r in rental.items()}
    alive: dict[tuple[str, int], list[int]] = {(g, y): [] for g in gpu_ids for y in years}
    for g, v in vintages:
        for y in years:
            if v <= y < v + life[g] - EPS:  # a vintage retires after its useful life
                alive[g, y].append(v)

    pue = sites["pue"].astype(float)
    land_mw = sites["land_available_acres"].astype(float) / costs.acres_per_mw
    # Per facility MW of capacity: the building (priced per MW of IT) and the land with its adders
    # (model.milp.model_data.land_usd_per_facility_mw, after policies).
    build_usd = costs.shell_usd_per_mw / pue + land_usd_per_mw.reindex(sites.index).astype(float)
    # The land itself (not its adders): kept at cost in the market horizon value.
    land_usd = sites["land_value_usd_per_acre"].astype(float) * costs.acres_per_mw

    gen_lag: dict[str, int] = {}
    gen_fom: dict[str, float] = {}
    gen_residual: dict[tuple[str, int], float] = {}
    if generation is not None:
        for t in generation.index:
            gen_lag[t] = int(math.ceil(float(construction_years.get(t, 0.0)) - EPS))
            gen_fom[t] = float(generation.at[t, "fom_usd_per_kw_yr"]) * KW_PER_MW / USD_PER_MUSD
            for v in years:
                gen_residual[t, v] = residual_share(v, float(generation.at[t, "life_years"]), horizon_end)

    targets: dict[int, float] = {}
    raw = {int(k): float(v) for k, v in cfg.target_it_mw_by_year.items()}
    if cfg.objective == "min_cost" and not raw and target_it_mw is not None:
        raw = {years[-1]: float(target_it_mw)}
    level = 0.0
    for y in years:  # a target holds from its year on (IT online does not fall back)
        level = max(level, raw.get(y, 0.0))
        if level > 0:
            targets[y] = level

    y0 = years[0]
    ttp_col = "time_to_power_years" if "time_to_power_years" in sites else "queue_years"
    ttp = sites[ttp_col].astype(float).clip(lower=0.0).to_numpy() * cfg.time_to_power_multiplier if ttp_col in sites else np.zeros(len(sites))
    bridge_on = cfg.bridge and cfg.bridge_permit_mw > 0
    flex_on = cfg.flexible and cfg.flexible_share > 0
    routes = RouteData(
        firm_year={s: y0 + int(math.ceil(t - EPS)) for s, t in zip(ids, ttp.tolist())},
        bridge_year=y0 + int(math.ceil(cfg.bridge_lead_years - EPS)) if bridge_on else None,
        flex_year=y0 + int(math.ceil(cfg.flexible_lead_years - EPS)) if flex_on else None,
        bridge_permit_mw=cfg.bridge_permit_mw,
        bridge_reserve_share=cfg.bridge_reserve_share,
        flexible_share=cfg.flexible_share,
        flexible_peak_share=cfg.flexible_peak_share,
        bridge=bridge,
        zone_peak_mw=zone_peak_mw,
        **(_route_years(supply, ids, y0, cfg.time_to_power_multiplier) if supply is not None and not supply.onsite.empty else {}),
    )
    return TimeData(
        cfg=cfg,
        gpus=gpu_ids,
        vintages=vintages,
        alive=alive,
        price_musd=price,
        revenue_musd_per_year={(g, int(y)): v for (g, y), v in revenue.items() if y in years},
        life_years={g: float(life[g]) for g in gpu_ids},
        rental_decline=rental_declines(gpus, cfg),
        gpu_residual={(g, v): residual_share(v, life[g], horizon_end) for g, v in vintages},
        max_mw=dict(zip(ids, np.minimum(land_mw.to_numpy(), costs.max_campus_mw).tolist())),
        build_musd_per_mw=dict(zip(ids, (build_usd / USD_PER_MUSD).tolist())),
        shell_musd_per_mw=dict(zip(ids, (costs.shell_usd_per_mw / pue / USD_PER_MUSD).tolist())),
        land_musd_per_mw=dict(zip(ids, (land_usd / USD_PER_MUSD).tolist())),
        shell_residual={y: residual_share(y, cfg.shell_life_years, horizon_end) for y in years},
        connection_residual={y: residual_share(y, cfg.connection_life_years, horizon_end) for y in years},
        bridge_residual={y: residual_share(y, bridge.life_years, horizon_end) for y in years},
        gen_lag=gen_lag,
        gen_fom_musd_per_mw_year=gen_fom,
        gen_residual=gen_residual,
        targets_it_mw=targets,
        routes=routes,
        horizon_end=horizon_end,
        revenue_at_end_musd_per_year={g: revenue[g, horizon_end] for g in gpu_ids},
    )
