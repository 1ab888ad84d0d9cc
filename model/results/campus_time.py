"""Every candidate's best single campus valued over the horizon, by the same economics as the
multi-year objective: when it can first be powered and by which route, which GPU generation is
available then, what it costs, earns and is worth at the horizon end.

It ranks candidates for ``rank.csv`` (rank 1 = best by the objective's own measure), screens them
before a national multi-year solve, and certifies the screening afterwards (a candidate left out whose
value per dollar beats what the solution's last dollar earns is re-admitted, model/workflows/screening.py).

Per candidate and GPU type the campus is :func:`model.results.rank.rank_candidates`' best single campus
of that type (its size, connection, new generation and capex at the catalog price). Over time:

* first power: the earliest of the firm grid (``first year + ceil(time_to_power_years)``), the on-site gas
  bridge (``bridge_lead_years``; a campus above the bridge permit waits for the grid) and a flexible
  connection (``flexible_lead_years``; the flexible share of the connection's MW); the campus comes online
  in the first model year that has power and has its GPU type on the roadmap;
* capex at the start of that year at the roadmap's price path; revenue per year at the roadmap's rental
  rate x utilisation while the vintage lives; opex per year: energy at the site's price and carbon (bridge
  years at the turbines' fuel cost), O&M as a share of capex, new generation's annualised cost;
  the straight-line residual value at the horizon end;
* the score the objective ranks by: ``max_npv`` the NPV per dollar of capex (profitability index),
  ``max_compute_years`` discounted PFLOPS-years per dollar of capex, ``min_cost`` the PV cost per
  discounted MW-year of IT (lower is better; the score column is its negative).

Approximations, by design (the MILP decides): one GPU type and one vintage per campus, no refresh, no
phasing, unlevered cash flows (debt is the MILP's), zone spare and state caps as rank_candidates applies
them to one campus alone.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from model.core.units import HOURS_PER_YEAR, KG_PER_T, annuity_factor
from model.inputs.load import SitingData
from model.milp.model_data import horizon_of
from model.milp.time_data import BridgeCosts
from model.inputs.routes_data import fastest_route
from model.results.rank import rank_candidates

EPS = 1e-9
SCORE_UNITS = {"max_npv": "NPV per $ of capex", "max_compute_years": "discounted PFLOPS-years per $ of capex",
               "min_cost": "-(PV $ per discounted MW-year of IT)"}


def route_rows(supply: Any) -> pd.DataFrame | None:
    """The candidates' routes to power as model.inputs.routes_data.fastest_route reads them (by routes only)."""
    if supply.onsite is None or supply.onsite.empty or "group" not in supply.connections:
        return None
    conn = supply.connections
    parts = [pd.DataFrame({"site_id": conn["site_id"].astype(str), "route": conn["route"], "max_mw": conn["mw"].astype(float),
                           "group": conn["group"], "first_power_years": conn["first_power_years"].astype(float), "firm": 1})]
    if not supply.flexible.empty:
        f = supply.flexible
        parts.append(pd.DataFrame({"site_id": f.index.astype(str), "route": "flexible_interim", "max_mw": f["mw"].to_numpy(),
                                   "group": "existing_station", "first_power_years": f["first_power_years"].to_numpy(), "firm": 0}))
    o = supply.onsite
    parts.append(pd.DataFrame({"site_id": o.index.astype(str), "route": "onsite_gas", "max_mw": o["mw"].to_numpy(),
                               "group": "onsite", "first_power_years": o["first_power_years"].to_numpy(), "firm": 1}))
    return pd.concat(parts, ignore_index=True)


def rank_over_time(inputs: SitingData, solution_sites: Any = None, duals: Any = None) -> gpd.GeoDataFrame:
    """One row per candidate (index ``site_id``): the best GPU type's campus over the horizon, its
    ``first_year_online``, ``power_route``, ``time_to_power_years`` (from the start to first power),
    ``npv_usd``, ``pflops_years_discounted``, ``score`` (``attrs['score_unit']``), ``rank`` (1 = best)
    and the snapshot ranking's columns (``usd_per_pflops`` all-in, connection, capex parts...)."""
    sc = inputs.scenario
    cfg = sc.pathway
    assert cfg is not None, "rank_over_time is for multi-year scenarios"
    horizon = horizon_of(inputs)
    years = horizon.years
    y0 = years[0]
    costs = inputs.costs
    roadmap = inputs.roadmap if inputs.roadmap is not None else inputs.gpus
    bridge = BridgeCosts.from_energy_costs(inputs.energy_costs) if inputs.energy_costs is not None else None
    rate = horizon.discount_rate
    hours = costs.load_factor * HOURS_PER_YEAR
    carbon = costs.carbon_price_usd_per_tco2
    # Per GPU type, the best single campus; with a bridge, also the campus that fits its permit (powered
    # years before the grid can serve a larger one).
    per_type: dict[str, gpd.GeoDataFrame] = {}
    for g in inputs.gpus.index:
        per_type[g] = rank_candidates(replace(inputs, gpus=inputs.gpus.loc[[g]]), solution_sites, duals)
        if cfg.bridge and 0 < cfg.bridge_permit_mw < costs.max_campus_mw and cfg.bridge_permit_mw >= costs.min_campus_mw:
            small = costs.model_copy(update={"max_campus_mw": cfg.bridge_permit_mw})
            per_type[f"{g}@bridge"] = rank_candidates(replace(inputs, gpus=inputs.gpus.loc[[g]], costs=small), solution_sites, duals)
    base = next(iter(per_type.values()))
    sites = inputs.sites
    ids = base.index
    ttp_col = "time_to_power_years" if "time_to_power_years" in sites else "queue_years"
    ttp = sites[ttp_col].reindex(ids).astype(float).clip(lower=0).to_numpy() if ttp_col in sites else np.zeros(len(ids))
    firm_year = y0 + np.ceil(ttp - EPS)
    bridge_year = y0 + math.ceil(cfg.bridge_lead_years - EPS) if cfg.bridge and cfg.bridge_permit_mw > 0 else math.inf
    flex_year = y0 + math.ceil(cfg.flexible_lead_years - EPS) if cfg.flexible and cfg.flexible_share > 0 else math.inf
    # The ranking's per-MWh price (energy at scale: beyond the tariff, blended with the tariff tranche).
    price = base["energy_price_usd_per_mwh"].astype(float).to_numpy()
    co2 = sites["co2_kg_per_mwh"].reindex(ids).astype(float).to_numpy() / KG_PER_T
    grid_usd_per_mwh = price + carbon * co2
    bridge_usd_per_mwh = (bridge.usd_per_mwh + carbon * bridge.co2_t_per_mwh) if bridge is not None else 0.0
    annuity_snapshot = annuity_factor(costs.discount_rate, costs.horizon_years)
    end = horizon.horizon_end
    df_end_h = horizon.df_start(end)

    routes = route_rows(inputs.supply) if inputs.supply is not None else None
    best: pd.DataFrame | None = None
    for key, r in per_type.items():
        g = key.split("@")[0]
        row = roadmap.loc[g]
        facility = r["facility_mw"].to_numpy(dtype=float)
        has = np.isfinite(r["usd_per_pflops"].to_numpy(dtype=float)) & (facility > 0)
        if routes is not None:
            # By routes to power (docs/routes.md): the first year the routes open by then cover the campus.
            fast = fastest_route(routes, pd.Series(facility, index=ids.astype(str)))
            ttp_route = fast["time_to_power_years"].reindex(ids.astype(str)).to_numpy(dtype=float)
            power_year = np.where(np.isfinite(ttp_route), y0 + np.ceil(ttp_route - EPS), math.inf)
            route = fast["power_route"].reindex(ids.astype(str)).fillna("").to_numpy(dtype=object)
            on_gas = np.array(["onsite_gas" in str(x) for x in route])
        else:
            # First power: bridge if the campus fits the permit, flexible if it fits the flexible share.
            conn_mw = r["connection_mw"].to_numpy(dtype=float) if "connection_mw" in r else r.get("headroom_mw", pd.Series(facility)).to_numpy(dtype=float)
            conn_mw = np.nan_to_num(conn_mw, nan=0.0)
            by_bridge = np.where(facility <= cfg.bridge_permit_mw + EPS, bridge_year, math.inf)
            by_flex = np.where(facility <= cfg.flexible_share * conn_mw + EPS, np.maximum(flex_year, y0), math.inf)
            by_flex = np.where(by_flex < firm_year, by_flex, math.inf)
            power_year = np.minimum.reduce([firm_year, by_bridge, by_flex])
            route = np.where(power_year == firm_year, "firm", np.where(power_year == by_bridge, "bridge", "flexible"))
            on_gas = route == "bridge"
        start = np.maximum(power_year, float(row["first_year"]))
        # The first model year at or after it (none inside the horizon: no value).
        online = np.array([next((y for y in years if y >= s - EPS), math.inf) for s in start])
        life = float(row["life_years"])
        price_factor = np.array([
            (1.0 - float(row["price_decline_per_year"])) ** max(0.0, (y if math.isfinite(y) else y0) - float(row["price_year"]))
            for y in online
        ])
        gpu_capex = r["capex_gpu_usd"].to_numpy(dtype=float) * price_factor
        other_capex = r["capex_usd"].to_numpy(dtype=float) - r["capex_gpu_usd"].to_numpy(dtype=float)
        capex = gpu_capex + other_capex
        gen_per_year = r["new_generation_cost_usd"].to_numpy(dtype=float) / annuity_snapshot if "new_generation_cost_usd" in r and annuity_snapshot > 0 else 0.0
        blocks = r["blocks"].to_numpy(dtype=float)
        per_block_gpus = float(row["gpus_per_block"])
        pflops = r["compute_pflops"].to_numpy(dtype=float)
        npv = np.zeros(len(ids))
        pv_cost = np.zeros(len(ids))
        pflops_years = np.zeros(len(ids))
        mw_years = np.zeros(len(ids))
        it_mw = r["it_mw"].to_numpy(dtype=float)
        om = cfg.om_share_of_capex_per_year * (gpu_capex + other_capex - r["capex_site_usd"].to_numpy(dtype=float))
        for c in horizon.calendar:
            alive = (online <= c) & (c < online + life - EPS)
            if not alive.any():
                continue
            rental = float(row["rental_usd_per_gpu_hour"]) * (1.0 - float(row["rental_decline_per_year"])) ** (c - float(row["rental_year"]))
            revenue = blocks * per_block_gpus * rental * HOURS_PER_YEAR * cfg.utilisation
            on_bridge = on_gas & (c < firm_year) if routes is None else on_gas
            energy = facility * hours * np.where(on_bridge, bridge_usd_per_mwh, grid_usd_per_mwh)
            opex = energy + om + gen_per_year
            d = horizon.df_end(c)
            npv += np.where(alive, d * (revenue - opex), 0.0)
            pv_cost += np.where(alive, d * opex, 0.0)
            pflops_years += np.where(alive, d * pflops, 0.0)
            mw_years += np.where(alive, d * it_mw, 0.0)
        finite = np.isfinite(online)
        d_start = np.array([horizon.df_start(y) if math.isfinite(y) else 0.0 for y in online])
        residual = np.where(finite, capex * np.clip((online + life - end) / life, 0.0, 1.0) if cfg.terminal_value == "book" else 0.0, 0.0)
        npv += -d_start * capex + df_end_h * residual
        pv_cost += d_start * capex - df_end_h * residual
        capex_pv = d_start * capex
        with np.errstate(divide="ignore", invalid="ignore"):
            if cfg.objective == "max_npv":
                score = np.where(capex_pv > 0, npv / capex_pv, -np.inf)
            elif cfg.objective == "max_compute_years":
                score = np.where(capex_pv > 0, pflops_years / capex_pv, -np.inf)
            else:
                score = np.where(mw_years > 0, -pv_cost / mw_years, -np.inf)
        score = np.where(has & finite, score, -np.inf)
        frame = pd.DataFrame({
            "gpu_over_time": g, "first_year_online": np.where(finite & has, online, np.nan),
            "power_route": np.where(finite & has, route, ""),
            "first_power_year": np.where(has, power_year, np.nan),
            "time_to_power_years": np.where(has, power_year - y0, np.nan),
            "capex_at_online_usd": np.where(has, capex, np.nan), "npv_usd": np.where(has & finite, npv, np.nan),
            "pv_cost_usd": np.where(has & finite, pv_cost, np.nan),
            "pflops_years_discounted": np.where(has & finite, pflops_years, np.nan), "score": score,
        }, index=ids)
        if best is None:
            best, chosen = frame, pd.Series(key, index=ids)
        else:
            better = frame["score"] > best["score"]
            best = best.where(~better, frame)
            chosen = chosen.where(~better, key)
    assert best is not None
    out = base.copy()
    for key, r in per_type.items():  # the snapshot columns of each site's chosen campus
        take = (chosen == key).to_numpy()
        if take.any():
            out.loc[take, r.columns] = r.loc[take, r.columns].to_numpy()
    for col in best.columns:
        out[col] = best[col].to_numpy()
    has_value = np.isfinite(out["score"].to_numpy(dtype=float))
    order = out.reset_index().sort_values(["score", out.index.name or "index"], ascending=[False, True]).index
    ranks = np.empty(len(out))
    ranks[order.to_numpy()] = np.arange(1, len(out) + 1)
    out["rank"] = pd.array(np.where(has_value, ranks, np.nan), dtype="Int64")
    out.attrs.update(base.attrs)
    out.attrs.update(score_unit=SCORE_UNITS[cfg.objective], objective=cfg.objective)
    return out

