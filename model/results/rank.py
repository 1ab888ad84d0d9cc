"""Explain the answer by ranking every candidate: the best single campus each site could host.

For each candidate (all of them, excluded ones included) and each GPU type and grid option (firm
headroom alone, or headroom plus one upgrade tier) the campus is grown as far as the site's own
limits allow, in whole GPU blocks:

* grid: ``headroom_mw`` (+ the tier's ``added_mw``), facility MW = blocks x IT MW/block x PUE;
* land (developable acres / acres per MW) and the campus cap ``max_campus_mw``;
* rules that bind a campus on its own: ``moratorium`` (0 MW), ``state_mw_cap`` (the state's cap),
  ``carbon_cap`` (the cap's tonnes at the site's grid CO2 rate), ``max_sites`` with count 0,
  exclusions (``exclude``, ``time_to_power`` in mode exclude: no campus at all);
* the budget (the whole budget on this one campus), and for ``min_cost`` the target (no campus
  larger than the target needs);

and priced exactly as the MILP prices it (``model.milp.components.budget``): site fixed cost, shell per
MW of IT, land plus per-MW adders (time-to-power penalty, clustering bonus) per facility MW, GPU
blocks with tax factors, the tier's cost, and the energy PV (annual mode formula). The cost that
counts is capex, plus the energy PV when the budget includes opex (``max_compute``) or always for
``min_cost`` (its objective is capex + energy PV). Because the fixed cost and tier cost are paid
once, $ per PFLOPS falls with campus size inside a grid option, so the best campus of an option is
its largest; the site's campus is the (GPU type, option) with the lowest all-in $ per PFLOPS, and
candidates are ranked by it (rank 1 = cheapest). Everything is numpy over sites x GPUs x options.

How far this reflects the MILP (approximations, by design):

* ``max_compute`` is a knapsack: with a budget dual lambda (PFLOPS per $) a site not built would
  enter only if its all-in $/PFLOPS beat 1/lambda, so ``gap_usd_per_pflops`` is measured against
  1/lambda when duals are given, else against the worst built site's all-in $/PFLOPS in the
  solution. Integrality (a campus must be large enough to amortise its fixed cost, the budget may
  not fit another full campus) means a small gap is not a promise the site would enter.
* One GPU type per campus; the MILP may mix types to use the last dollars or MW (the tiny
  instance's optimum mixes 1 B + 4 A). The single-type campus is at most one block's worth off.
* Rules that couple sites are not applied to a site alone: a ``state_mw_cap`` is shared by every
  campus in the state, ``max_share_per_state``, ``min_sites``/``max_sites``, ``data_residency``,
  ``latency``, clean-energy shares, and ``carbon_cap`` / ``water_cap`` totals over many sites. So
  several candidates of one capped state can all rank well though only one fits under the cap
  (their gaps come out negative). ``water_cap``'s dry-cooling option (higher PUE) is ignored.
* Energy mode ([energy] enabled): energy is priced at the state's annual price and grid CO2 (the
  annual formula); on-site solar, wind, batteries, gas and flexible load are not modelled here.
* The ranking is in $ per PFLOPS for every objective; ``min_cost`` runs whose target is GPUs or MW
  of IT value those units instead, so their built GPU type and order can differ from this ranking.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from model.core.errors import SitingError
from model.core.geo import OUTPUT_CRS
from model.core.units import HOURS_PER_YEAR, KG_PER_T, KW_PER_MW, TFLOPS_PER_PFLOPS, annuity_factor
from model.inputs.load import SitingData
from model.milp.index_sets import policy_context
from model.milp.model_data import model_data
from model.policies import module_for
from model.policies.region import region_mask

# Floor of near_tie's threshold: the single-campus $/PFLOPS is itself about a block's worth (and a
# mixed-type campus) away from the MILP's accounting, so differences below 0.5 % are noise.
NEAR_TIE_FLOOR_SHARE = 0.005

# Capex parts, named as in sites.gpkg (model.results.tables.sites_table).
CAPEX_PARTS = ("site", "shell", "land", "gpu", "interconnect")

# Limits in the order ties are reported (physical limits before rules, rules before money).
_GRID, _LAND, _CAMPUS, _POLICY, _BUDGET, _TARGET = range(6)
_EPS = 1e-9


def _site_factors(inputs: SitingData) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per-site GPU price factor, facility capex factor and $/MW adder after policies' ``adjust``.

    Taken from :func:`model.milp.model_data.model_data`, so tax incentives and time-to-power penalties are
    exactly the model's; candidates excluded before the model get the neutral values.
    """

    index = inputs.sites.index
    try:
        data = model_data(inputs)
    except SitingError:  # every candidate excluded: nothing to adjust
        return pd.Series(1.0, index=index), pd.Series(1.0, index=index), pd.Series(0.0, index=index)
    gpu = pd.Series(data.gpu_price_factor, dtype=float).reindex(index).fillna(1.0)
    other = pd.Series(data.facility_capex_factor, dtype=float).reindex(index).fillna(1.0)
    adder_usd_per_mw = (pd.Series(data.capex_adder_musd_per_mw, dtype=float) * 1e6).reindex(index)
    if "capex_adjust_usd_per_mw" in inputs.sites:  # excluded sites keep the data's own adjustment
        adder_usd_per_mw = adder_usd_per_mw.fillna(inputs.sites["capex_adjust_usd_per_mw"].astype(float))
    return gpu, other, adder_usd_per_mw.fillna(0.0)


def _exclusion_labels(inputs: SitingData) -> np.ndarray:
    """Per candidate the first rule that removes it ("excluded", "time_to_power") or ''."""
    sites = inputs.sites
    ctx = policy_context(inputs)
    labels = np.full(len(sites), "", dtype=object)
    for policy in inputs.scenario.policies:
        mask_fn = getattr(module_for(policy), "candidate_mask", None)
        if mask_fn is None:
            continue
        mask = np.asarray(mask_fn(sites, policy, ctx), dtype=bool) & (labels == "")
        labels[mask] = "excluded" if policy.type == "exclude" else policy.type
    return labels


def _policy_caps_mw(inputs: SitingData, mwh_per_mw_year: float) -> tuple[np.ndarray, np.ndarray]:
    """Facility-MW cap per candidate from rules that bind one campus alone, and the rule's name."""
    sites = inputs.sites
    ctx = policy_context(inputs)
    cap_mw = np.full(len(sites), np.inf)
    label = np.full(len(sites), "", dtype=object)

    def tighten(candidate_mw: np.ndarray, names: np.ndarray | str) -> None:
        tighter = candidate_mw < cap_mw
        cap_mw[tighter] = candidate_mw[tighter]
        label[tighter] = names[tighter] if isinstance(names, np.ndarray) else names

    state = sites["state"].astype(str).to_numpy()
    co2_t_per_mwh = sites["co2_kg_per_mwh"].to_numpy(dtype=float) / KG_PER_T
    for policy in inputs.scenario.policies:
        kind = policy.type
        if kind == "moratorium":
            inside = region_mask(sites, policy, ctx.base_dir)
            tighten(np.where(inside, 0.0, np.inf), "moratorium")
        elif kind == "state_mw_cap":
            caps = pd.Series(policy.caps_mw, dtype=float)
            mw = pd.Series(state).map(caps).fillna(np.inf).to_numpy(dtype=float)
            tighten(mw, np.array([f"state_mw_cap:{s}" for s in state], dtype=object))
        elif kind == "carbon_cap":
            with np.errstate(divide="ignore"):
                mw = np.where(co2_t_per_mwh > 0, policy.max_tco2_per_year / (co2_t_per_mwh * mwh_per_mw_year), np.inf)
            tighten(mw, "carbon_cap")
        elif kind == "max_sites" and policy.count == 0:
            tighten(np.zeros(len(sites)), "max_sites")
    return cap_mw, label


def _carbon_price_usd_per_tco2(inputs: SitingData) -> float:
    # A carbon_price rule overrides the cost table's value (it sets the model's mutable Param).
    price = float(inputs.costs.carbon_price_usd_per_tco2)
    for policy in inputs.scenario.policies:
        if policy.type == "carbon_price":
            price = float(policy.usd_per_tco2)
    return price


def _target_blocks(inputs: SitingData) -> np.ndarray:
    """Most blocks of each GPU type a min_cost campus could usefully hold (its target), else inf."""
    goal = inputs.scenario.objective
    gpus = inputs.gpus
    if goal.sense != "min_cost":
        return np.full(len(gpus), np.inf)
    if goal.target_pflops is not None:
        per_block = gpus["gpus_per_block"] * gpus[inputs.precision_col] / TFLOPS_PER_PFLOPS
        target = goal.target_pflops
    elif goal.target_gpus is not None:
        per_block, target = gpus["gpus_per_block"].astype(float), float(goal.target_gpus)
    else:
        per_block, target = gpus["it_kw_per_block"] / KW_PER_MW, float(goal.target_it_mw)
    return np.ceil(target / per_block.to_numpy(dtype=float) - _EPS)


def counts_opex(inputs: SitingData) -> bool:
    """Whether the energy PV is part of the cost the objective trades against compute."""
    sc = inputs.scenario
    if sc.objective.sense == "min_cost":
        return True
    return sc.budget is not None and sc.budget.include_opex


def marginal_usd_per_pflops_from_duals(duals: Sequence[Any] | None, objective_sense: str) -> float | None:
    """The optimum's marginal $ per PFLOPS from :func:`model.solve.duals.marginal_values` (objects or dicts).

    max_compute: 1 / the budget's dual (PFLOPS per $); min_cost with a PFLOPS target: the target's
    dual (M$ per PFLOPS, the model's objective unit). None when the row is absent or not binding.
    """
    for mv in duals or ():
        get = mv.get if isinstance(mv, Mapping) else lambda k, mv=mv: getattr(mv, k)
        rule, unit, value = get("rule"), get("unit"), float(get("value_per_unit"))
        if objective_sense == "max_compute" and rule == "budget" and unit == "USD" and value > 0:
            return 1.0 / value
        if objective_sense == "min_cost" and rule == "target" and unit == "PFLOPS" and value != 0:
            return abs(value) * 1e6
    return None


def _built_ids(solution_sites: pd.DataFrame | Iterable[str] | None) -> set[str]:
    if solution_sites is None:
        return set()
    if isinstance(solution_sites, pd.DataFrame):
        ids = solution_sites["site_id"] if "site_id" in solution_sites.columns else solution_sites.index
        return {str(s) for s in ids}
    return {str(s) for s in solution_sites}


def rank_candidates(
    inputs: SitingData,
    solution_sites: pd.DataFrame | Iterable[str] | None = None,
    duals: Sequence[Any] | None = None,
) -> gpd.GeoDataFrame:
    """Rank every candidate of ``inputs`` by the all-in $ per PFLOPS of its best single campus.

    ``solution_sites`` is a run's sites table (``sites_table`` / sites.gpkg, index or column
    ``site_id``) or just the built ids; ``duals`` is :func:`model.solve.duals.marginal_values`' list
    (objects or ``as_records`` dicts). Returns one row per candidate (index ``site_id``, points
    in EPSG:4326); ``attrs`` carries ``marginal_usd_per_pflops``, ``marginal_source``,
    ``counts_opex``. Candidates that cannot host a campus have NaN $/PFLOPS and no rank.
    """
    sites, gpus, tiers, costs = inputs.sites, inputs.gpus, inputs.tiers, inputs.costs
    sc = inputs.scenario
    n_sites, gpu_names = len(sites), gpus.index.to_list()
    opex_counts = counts_opex(inputs)

    # --- per-site and per-GPU coefficients, in $ and MW -----------------------------------------
    pue = sites["pue"].to_numpy(dtype=float)
    headroom_mw = sites["headroom_mw"].to_numpy(dtype=float)
    max_mw, min_mw = float(costs.max_campus_mw), float(costs.min_campus_mw)
    acres_per_mw = float(costs.acres_per_mw)
    land_mw = sites["land_available_acres"].to_numpy(dtype=float) / acres_per_mw
    it_mw_per_block = gpus["it_kw_per_block"].to_numpy(dtype=float) / KW_PER_MW
    price_usd_per_block = gpus["price_usd_per_block"].to_numpy(dtype=float) * costs.gpu_price_multiplier
    pflops_per_block = gpus["gpus_per_block"].to_numpy(dtype=float) * gpus[inputs.precision_col].to_numpy(dtype=float) / TFLOPS_PER_PFLOPS
    gpus_per_block = gpus["gpus_per_block"].to_numpy(dtype=int)
    gpu_factor, other_factor, adder_usd_per_mw = (s.to_numpy(dtype=float) for s in _site_factors(inputs))
    land_usd_per_mw = sites["land_value_usd_per_acre"].to_numpy(dtype=float) * acres_per_mw + adder_usd_per_mw
    mwh_per_mw_year = costs.load_factor * HOURS_PER_YEAR
    annuity_years = annuity_factor(costs.discount_rate, costs.horizon_years)
    energy_usd_per_mwh = sites["price_usd_per_mwh"].to_numpy(dtype=float) + _carbon_price_usd_per_tco2(inputs) * (
        sites["co2_kg_per_mwh"].to_numpy(dtype=float) / KG_PER_T
    )
    opex_pv_usd_per_mw = annuity_years * mwh_per_mw_year * energy_usd_per_mwh  # per facility MW
    fixed_usd = other_factor * costs.site_fixed_usd

    # Per block [site, gpu]: facility MW, and $ of each variable part.
    facility_mw_per_block = pue[:, None] * it_mw_per_block[None, :]
    shell_usd_per_block = (other_factor * costs.shell_usd_per_mw)[:, None] * it_mw_per_block[None, :]
    land_usd_per_block = land_usd_per_mw[:, None] * facility_mw_per_block
    gpu_usd_per_block = gpu_factor[:, None] * price_usd_per_block[None, :]
    opex_usd_per_block = opex_pv_usd_per_mw[:, None] * facility_mw_per_block
    capex_usd_per_block = shell_usd_per_block + land_usd_per_block + gpu_usd_per_block
    counted_usd_per_block = capex_usd_per_block + (opex_usd_per_block if opex_counts else 0.0)
    budget_usd_per_block = capex_usd_per_block + (opex_usd_per_block if sc.budget and sc.budget.include_opex else 0.0)

    # --- grid options [site, option]: 0 = headroom alone, 1.. = headroom + tier ------------------
    tier_names = tiers.index.astype(str).to_list()
    tier_mw = np.concatenate([[0.0], tiers["added_mw"].to_numpy(dtype=float)])
    tier_usd = np.concatenate([[0.0], tiers["cost_usd"].to_numpy(dtype=float)])
    grid_mw = headroom_mw[:, None] + tier_mw[None, :]
    # As in index_sets: tiers are offered only where headroom is below the campus cap.
    option_ok = np.ones_like(grid_mw, dtype=bool)
    option_ok[:, 1:] = (headroom_mw < max_mw)[:, None]

    # --- block caps per limit [site, gpu, option, limit] -----------------------------------------
    policy_mw, policy_label = _policy_caps_mw(inputs, mwh_per_mw_year)
    shape = (n_sites, len(gpu_names), len(tier_mw))
    per_block = facility_mw_per_block[:, :, None]
    limits = np.empty(shape + (6,))
    limits[..., _GRID] = grid_mw[:, None, :] / per_block
    limits[..., _LAND] = (land_mw[:, None, None] / per_block) * np.ones(shape)
    limits[..., _CAMPUS] = max_mw / per_block
    limits[..., _POLICY] = policy_mw[:, None, None] / per_block
    if sc.budget is not None:
        left_usd = sc.budget.total_usd - fixed_usd[:, None, None] - tier_usd[None, None, :]
        limits[..., _BUDGET] = np.maximum(left_usd, 0.0) / budget_usd_per_block[:, :, None]
    else:
        limits[..., _BUDGET] = np.inf
    limits[..., _TARGET] = _target_blocks(inputs)[None, :, None]
    block_caps = np.floor(limits + _EPS)  # inf stays inf
    binding = np.argmin(block_caps, axis=-1)  # first (most physical) limit on ties
    blocks = np.take_along_axis(block_caps, binding[..., None], axis=-1)[..., 0]
    blocks_min = np.maximum(1.0, np.ceil(min_mw / per_block - _EPS))
    exclusion = _exclusion_labels(inputs)
    feasible = option_ok[:, None, :] & (blocks >= blocks_min) & np.isfinite(blocks) & (exclusion == "")[:, None, None]

    # --- all-in $ per PFLOPS and the best (gpu, option) per site ---------------------------------
    blocks = np.where(np.isfinite(blocks), blocks, 0.0)
    counted_usd = fixed_usd[:, None, None] + tier_usd[None, None, :] + blocks * counted_usd_per_block[:, :, None]
    pflops = blocks * pflops_per_block[None, :, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        usd_per_pflops = np.where(feasible, counted_usd / pflops, np.inf)
    flat = usd_per_pflops.reshape(n_sites, -1)
    best = np.argmin(flat, axis=1)
    has_campus = np.isfinite(flat[np.arange(n_sites), best])
    # Where no option hosts a campus, say why: if some option would reach the minimum campus but for
    # the money (budget, target), the option nearest to it; else the option with the most MW, whose
    # physical or rule limit is then what forbids a campus.
    physical_binding = np.argmin(block_caps[..., :_BUDGET], axis=-1)
    physical_blocks = np.min(block_caps[..., :_BUDGET], axis=-1)
    money_only = option_ok[:, None, :] & (physical_blocks >= blocks_min)
    nearest = np.where(money_only, blocks - blocks_min, -np.inf).reshape(n_sites, -1)
    widest = np.where(option_ok[:, None, :], np.minimum(physical_blocks, 1e12) * per_block, -np.inf)
    money_stops = money_only.reshape(n_sites, -1).any(axis=1)
    fallback = np.where(money_stops, np.argmax(nearest, axis=1), np.argmax(widest.reshape(n_sites, -1), axis=1))
    best = np.where(has_campus, best, fallback)
    g_idx, o_idx = np.unravel_index(best, shape[1:])
    rows = np.arange(n_sites)
    n_blocks = np.where(has_campus, blocks[rows, g_idx, o_idx], 0.0)
    binding_chosen = np.where(
        has_campus | money_stops, binding[rows, g_idx, o_idx], physical_binding[rows, g_idx, o_idx]
    )

    # --- the chosen campus, part by part ------------------------------------------------------
    it_mw = n_blocks * it_mw_per_block[g_idx]
    facility_mw = n_blocks * facility_mw_per_block[rows, g_idx]
    tier_chosen = has_campus & (o_idx > 0)
    capex = {
        "site": np.where(has_campus, fixed_usd, 0.0),
        "shell": n_blocks * shell_usd_per_block[rows, g_idx],
        "land": n_blocks * land_usd_per_block[rows, g_idx],
        "gpu": n_blocks * gpu_usd_per_block[rows, g_idx],
        "interconnect": np.where(tier_chosen, tier_usd[o_idx], 0.0),
    }
    capex_usd = sum(capex.values())
    opex_pv_usd = n_blocks * opex_usd_per_block[rows, g_idx]
    compute_pflops = n_blocks * pflops_per_block[g_idx]
    cost_usd = capex_usd + (opex_pv_usd if opex_counts else 0.0)

    # Which limit stops the campus growing (or, with no campus, which rule or limit forbids one).
    names = np.array(["headroom", "land", "campus cap", "policy", "budget", "target"], dtype=object)
    limit = names[binding_chosen]
    limit = np.where((limit == "headroom") & (o_idx > 0), "upgrade tier", limit)
    limit = np.where(limit == "policy", policy_label, limit)
    limit = np.where(exclusion != "", exclusion, limit)

    out = pd.DataFrame(index=sites.index.copy())
    for col in ("state", "county_fips", "county_name"):
        out[col] = sites[col].to_numpy()
    out["headroom_mw"] = headroom_mw
    out["pue"] = pue
    out["gpu"] = np.where(has_campus, np.array(gpu_names, dtype=object)[g_idx], "")
    out["blocks"] = n_blocks.astype(int)
    gpu_count = (n_blocks * gpus_per_block[g_idx]).astype(int)
    out["gpus"] = gpu_count
    for j, g in enumerate(gpu_names):
        out[f"gpus_{g}"] = np.where(g_idx == j, gpu_count, 0)
    out["compute_pflops"] = compute_pflops
    out["it_mw"] = it_mw
    out["facility_mw"] = facility_mw
    out["upgrade_tier"] = np.where(tier_chosen, np.array([""] + tier_names, dtype=object)[o_idx], "")
    out["upgrade_mw"] = np.where(tier_chosen, tier_mw[o_idx], 0.0)
    for part in CAPEX_PARTS:
        out[f"capex_{part}_usd"] = capex[part]
    out["capex_usd"] = capex_usd
    out["energy_opex_pv_usd"] = opex_pv_usd
    out["cost_usd"] = cost_usd  # what usd_per_pflops divides: capex (+ energy PV when it counts)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["usd_per_pflops"] = np.where(has_campus, cost_usd / compute_pflops, np.nan)
    out["binding_limit"] = limit
    built = _built_ids(solution_sites)
    out["built"] = out.index.astype(str).isin(built)
    # What the optimum built there (it may differ from the best single campus: another GPU mix, an
    # upgrade the single-campus view finds dearer per PFLOPS), so a reader can compare the two.
    if isinstance(solution_sites, pd.DataFrame) and "facility_mw" in solution_sites.columns:
        ids = solution_sites["site_id"] if "site_id" in solution_sites.columns else solution_sites.index
        built_mw = pd.Series(solution_sites["facility_mw"].to_numpy(dtype=float), index=pd.Index(ids).astype(str))
        out["built_facility_mw"] = out.index.astype(str).map(built_mw).to_numpy(dtype=float)
    else:
        out["built_facility_mw"] = np.nan
    # Rank 1 = cheapest; ties by site id, so the order is reproducible.
    order = out.reset_index().sort_values(["usd_per_pflops", out.index.name or "index"], na_position="last").index
    ranks = np.empty(n_sites)
    ranks[order.to_numpy()] = np.arange(1, n_sites + 1)
    out["rank"] = pd.array(np.where(has_campus, ranks, np.nan), dtype="Int64")

    # --- gap to entering, against the optimum's marginal $ per PFLOPS -----------------------------
    marginal, source = _marginal(out, solution_sites, duals, sc.objective.sense, opex_counts)
    gap = out["usd_per_pflops"] - marginal if marginal is not None else pd.Series(np.nan, index=out.index)
    out["gap_usd_per_pflops"] = gap.where(~out["built"])
    out["gap_share"] = (out["gap_usd_per_pflops"] / marginal) if marginal else np.nan
    points = sites.geometry.representative_point()
    gdf = gpd.GeoDataFrame(out, geometry=points.values, crs=sites.crs).to_crs(OUTPUT_CRS)
    gdf.attrs.update(marginal_usd_per_pflops=marginal, marginal_source=source, counts_opex=opex_counts)
    return gdf


def _marginal(
    ranking: pd.DataFrame,
    solution_sites: pd.DataFrame | Iterable[str] | None,
    duals: Sequence[Any] | None,
    objective_sense: str,
    opex_counts: bool,
) -> tuple[float | None, str | None]:
    """The optimum's marginal $ per PFLOPS and where it came from."""
    from_duals = marginal_usd_per_pflops_from_duals(duals, objective_sense)
    if from_duals is not None:
        return from_duals, "dual"
    # The solution's own accounting of its worst site (it may mix GPU types, fill a partial campus).
    if isinstance(solution_sites, pd.DataFrame) and {"capex_usd", "compute_pflops"} <= set(solution_sites.columns):
        cost = solution_sites["capex_usd"].astype(float)
        if opex_counts and "energy_opex_pv_usd" in solution_sites.columns:
            cost = cost + solution_sites["energy_opex_pv_usd"].astype(float)
        pflops = solution_sites["compute_pflops"].astype(float)
        per = (cost / pflops)[pflops > 0]
        if len(per):
            return float(per.max()), "worst built site"
    built = ranking.loc[ranking["built"], "usd_per_pflops"].dropna()
    if len(built):
        return float(built.max()), "worst built site (ranked campus)"
    return None, None


def runner_ups(ranking: pd.DataFrame, n: int = 5) -> list[dict[str, Any]]:
    """The ``n`` best candidates not built (by rank), as JSON-ready dicts."""
    unbuilt = ranking.loc[~ranking["built"] & ranking["rank"].notna()].sort_values("rank").head(n)
    records: list[dict[str, Any]] = []
    for site_id, row in unbuilt.iterrows():
        gap, share = row["gap_usd_per_pflops"], row["gap_share"]
        records.append(
            {
                "site_id": str(site_id),
                "state": str(row["state"]),
                "county_fips": str(row["county_fips"]),
                "county_name": str(row["county_name"]),
                "rank": int(row["rank"]),
                "gpu": str(row["gpu"]),
                "facility_mw": round(float(row["facility_mw"]), 3),
                "compute_pflops": round(float(row["compute_pflops"]), 3),
                "usd_per_pflops": round(float(row["usd_per_pflops"]), 2),
                "binding_limit": str(row["binding_limit"]),
                "gap_usd_per_pflops": None if pd.isna(gap) else round(float(gap), 2),
                "gap_share": None if pd.isna(share) else round(float(share), 6),
            }
        )
    return records


def near_tie(runner_ups: Sequence[Mapping[str, Any]], mip_gap: float | None, floor_share: float = NEAR_TIE_FLOOR_SHARE) -> bool:
    """True when some runner-up is within max(``mip_gap``, ``floor_share``) of entering.

    One-sided: a runner-up cheaper than the optimum's margin (negative share) counts as well; it
    was kept out by a rule coupling sites (a shared state cap, max_sites...) or by the MIP gap,
    and either way the choice between it and a built site is close.
    """
    threshold = max(float(mip_gap) if mip_gap is not None else 0.0, floor_share)
    return any(r.get("gap_share") is not None and r["gap_share"] <= threshold for r in runner_ups)
