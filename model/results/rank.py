"""Explain the answer by ranking every candidate: the best single campus each site could host.

For each candidate (all of them, excluded ones included), each GPU type and each grid option the campus
is grown as far as the site's own limits allow, in whole GPU blocks. The grid options depend on the
supply model (``[supply] model``, docs/supply_model.md):

* ``legacy``: firm ``headroom_mw`` alone, or headroom plus one upgrade tier (``added_mw``, ``cost_usd``);
* ``zonal``: each of the site's connection options (``SupplyData.connections``: the MW a substation class
  delivers, for its substation cost plus spur $/km x km). Firm supply comes from the site's ReEDS zone:
  the zone's spare firm MW x ``spare_share`` plus the firm imports its inbound interfaces could bring
  (``zone_import_mw``: each interface's limit x ``import_share``, within the exporter's spare x
  ``spare_share``) are free; every facility MW beyond them needs new generation, bought at the cheapest
  scenario type's PV cost per accredited MW (``(capex x CRF + FOM) x annuity / capacity credit``, what the
  budget counts; ``new_generation_usd_per_firm_mw`` in the ranking's ``attrs``). With no type to build,
  the free MW is a hard limit. When the energy PV counts (see below), the type whose energy saves the
  most per MWh it covers (zone reference grid price and CO2 less fuel, VOM and carbon, x the annuity,
  less its capital per MWh) is built to cover the campus' whole energy wherever that saving is positive
  (as the MILP would: gas CC where grid power is dear); it also firms ``credit`` of its MW, so less
  firm MW need buying. Where no plant pays for itself, the firm top-up still runs on the campus' energy
  when its margin is positive (credited up to the campus' MWh).

and, whatever the supply model:

* facility MW = blocks x IT MW/block x PUE, within the grid option's MW;
* land (developable acres / acres per MW) and the campus cap ``max_campus_mw``;
* rules that bind a campus on its own: ``moratorium`` (0 MW), ``state_mw_cap`` (the state's cap),
  ``carbon_cap`` (the cap's tonnes at the site's grid CO2 rate), ``max_sites`` with count 0,
  exclusions (``exclude``, ``time_to_power`` in mode exclude: no campus at all);
* the budget (the whole budget on this one campus, new generation included), and for ``min_cost`` the
  target (no campus larger than the target needs);

and priced exactly as the MILP prices it (``model.milp.components.budget``): site fixed cost, shell per
MW of IT, land plus per-MW adders (time-to-power penalty, clustering bonus) per facility MW, GPU
blocks with tax factors, the tier's or connection's cost, new generation (zonal), and the energy PV
(annual mode formula). The cost that counts is capex (new generation included), plus the energy PV
when the budget includes opex (``max_compute``) or always for ``min_cost`` (its objective is capex +
energy PV). Because the fixed and grid-option costs are paid once, $ per PFLOPS falls with campus size
inside a grid option until the free firm MW is used up; beyond it each block also pays for new
generation, so $ per PFLOPS is monotone on each side of that point and the best campus of an option is
its largest, or the one that just uses the free firm MW (or one block more). The site's campus is the
(GPU type, option, size) with the lowest all-in $ per PFLOPS, and candidates are ranked by it (rank 1 =
cheapest). Everything is numpy over sites x GPUs x options x sizes.

``binding_limit`` names what stops the campus: ``headroom`` / ``upgrade tier`` (legacy), ``connection``
(zonal: the option's deliverable MW), ``zone spare`` (zonal: beyond the free firm MW, spare plus imports,
bought firm MW would raise the campus' $ per PFLOPS; or, with no new generation allowed, the free MW
itself), ``land``, ``campus cap``, a rule, ``budget`` or ``target``.

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
* Zonal supply, per campus alone: the campus gets its zone's whole spare and every inbound interface's
  import share (the MILP shares them among campuses, so several candidates of one zone can rank well on
  the same spare, their gaps negative); imports are one hop (the MILP may wheel spare across several
  zones, and an exporter's own campuses or new generation are not considered); new generation is at most
  two types, one plant covering the energy (where it pays) and the cheapest per firm MW for the rest,
  not the MILP's optimal mix, so a campus can be priced a little above what the MILP would pay. The
  solution-based margin (no duals) compares site-level costs, which leave out the zone-level new
  generation.
* Energy mode ([energy] enabled): energy is priced at the state's annual price and grid CO2 (the
  annual formula); on-site solar, wind, batteries, gas and flexible load are not modelled here.
* The ranking is in $ per PFLOPS for every objective; ``min_cost`` runs whose target is GPUs or MW
  of IT value those units instead, so their built GPU type and order can differ from this ranking.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from model.core.errors import SitingError
from model.core.geo import OUTPUT_CRS
from model.core.units import HOURS_PER_YEAR, KG_PER_T, KW_PER_MW, TFLOPS_PER_PFLOPS, USD_PER_MUSD, annuity_factor
from model.inputs.load import SitingData
from model.milp.index_sets import policy_context
from model.milp.model_data import ModelData, land_usd_per_facility_mw, model_data
from model.policies import module_for
from model.policies.region import region_mask

# Floor of near_tie's threshold: the single-campus $/PFLOPS is itself about a block's worth (and a
# mixed-type campus) away from the MILP's accounting, so differences below 0.5 % are noise.
NEAR_TIE_FLOOR_SHARE = 0.005

# Capex parts, named as in sites.gpkg (model.results.tables.sites_table).
CAPEX_PARTS = ("site", "shell", "land", "gpu", "interconnect")

# Limits in the order ties are reported (physical limits before rules, rules before money).
_GRID, _SPARE, _LAND, _CAMPUS, _POLICY, _BUDGET, _TARGET = range(7)
_LIMIT_NAMES = ("headroom", "zone spare", "land", "campus cap", "policy", "budget", "target")
_EPS = 1e-9


def _model_data_or_none(inputs: SitingData) -> ModelData | None:
    try:
        return model_data(inputs)
    except SitingError:  # every candidate excluded: nothing to adjust
        return None


def campus_energy_price_usd_per_mwh(sites: pd.DataFrame, data: ModelData | None, campus_mw: float) -> np.ndarray:
    """Each candidate's grid energy price per MWh for a campus of ``campus_mw``: the county price, or with
    energy at scale the price beyond the utility's tariff blended with the cheaper tariff on the first
    ``min(tariff MW, campus_mw)`` (the whole utility's tariff MW, as if this campus were its only one).

    .. math:: p = p^{beyond} - (p^{beyond} - p^{tariff}) \\min(T_u, F) / F
    """
    county = sites["price_usd_per_mwh"].to_numpy(dtype=float)
    if data is None or campus_mw <= 0:
        return county
    ids = sites.index.astype(str)
    beyond = np.array([data.price_usd_per_mwh.get(s, c) for s, c in zip(ids, county)])
    if not data.tariff_usd_per_mwh:
        return beyond
    tariff = np.array([data.tariff_usd_per_mwh.get(s, b) for s, b in zip(ids, beyond)])
    cap = np.array([data.tariff_cap_mw.get(data.tariff_group_of.get(s, ""), 0.0) for s in ids])
    return beyond - (beyond - tariff) * np.minimum(cap, campus_mw) / campus_mw


def _site_factors(inputs: SitingData, data: ModelData | None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per-site GPU price factor, facility capex factor and $/MW adder after policies' ``adjust``.

    Taken from :func:`model.milp.model_data.model_data`, so tax incentives and time-to-power penalties are
    exactly the model's; candidates excluded before the model get the neutral values.
    """

    index = inputs.sites.index
    if data is None:
        return pd.Series(1.0, index=index), pd.Series(1.0, index=index), pd.Series(0.0, index=index)
    gpu = pd.Series(data.gpu_price_factor, dtype=float).reindex(index).fillna(1.0)
    other = pd.Series(data.facility_capex_factor, dtype=float).reindex(index).fillna(1.0)
    adder_usd_per_mw = (pd.Series(data.capex_adder_musd_per_mw, dtype=float) * 1e6).reindex(index)
    if "capex_adjust_usd_per_mw" in inputs.sites:  # excluded sites keep the data's own adjustment
        adder_usd_per_mw = adder_usd_per_mw.fillna(inputs.sites["capex_adjust_usd_per_mw"].astype(float))
    return gpu, other, adder_usd_per_mw.fillna(0.0)


@dataclass(frozen=True)
class GridOptions:
    """Each candidate's ways onto the grid, [site, option] (padded: ``ok`` is False where a site has fewer)."""

    mw: np.ndarray  # MW the option lets the campus draw (legacy: headroom + tier; zonal: the connection's)
    usd: np.ndarray  # one-off cost (tier, or substation + spur)
    ok: np.ndarray  # offered
    label: np.ndarray  # tier name ("" = headroom alone) or connection option (e.g. "kv345")
    kv: np.ndarray  # zonal: the substation class's kV (NaN in legacy)
    km: np.ndarray  # zonal: spur km (NaN in legacy)
    first_power_years: np.ndarray | None = None  # zonal by routes: years from decision to the option's first power


def legacy_options(inputs: SitingData) -> GridOptions:
    """Headroom alone, then headroom plus each upgrade tier (offered where headroom is below the campus cap)."""
    sites, tiers = inputs.sites, inputs.tiers
    n = len(sites)
    headroom_mw = sites["headroom_mw"].to_numpy(dtype=float)
    tier_mw = np.concatenate([[0.0], tiers["added_mw"].to_numpy(dtype=float)])
    tier_usd = np.concatenate([[0.0], tiers["cost_usd"].to_numpy(dtype=float)])
    ok = np.ones((n, len(tier_mw)), dtype=bool)
    ok[:, 1:] = (headroom_mw < float(inputs.costs.max_campus_mw))[:, None]  # as in index_sets
    labels = np.array([""] + tiers.index.astype(str).to_list(), dtype=object)
    nan = np.full(ok.shape, np.nan)
    return GridOptions(
        mw=headroom_mw[:, None] + tier_mw[None, :], usd=np.broadcast_to(tier_usd, ok.shape).copy(), ok=ok,
        label=np.broadcast_to(labels, ok.shape).copy(), kv=nan, km=nan.copy(),
    )


def connection_grid_options(inputs: SitingData) -> GridOptions:
    """Zonal supply: each site's (non-dominated) connection options, cheapest first."""
    assert inputs.supply is not None
    sites = inputs.sites
    conn = inputs.supply.connections
    conn = conn.loc[conn["site_id"].isin(sites.index)].sort_values(["site_id", "cost_usd", "mw"], kind="stable")
    row = sites.index.get_indexer(conn["site_id"])
    col = conn.groupby("site_id").cumcount().to_numpy()
    shape = (len(sites), max(int(col.max()) + 1 if len(col) else 0, 1))
    mw, usd, kv, km, first = (np.full(shape, np.nan) for _ in range(5))
    ok = np.zeros(shape, dtype=bool)
    label = np.full(shape, "", dtype=object)
    mw[row, col] = conn["mw"].to_numpy(dtype=float)
    usd[row, col] = conn["cost_usd"].to_numpy(dtype=float)
    kv[row, col] = conn["class_kv"].to_numpy(dtype=float)
    km[row, col] = conn["km"].to_numpy(dtype=float)
    label[row, col] = conn["option"].astype(str).to_numpy()
    ok[row, col] = True
    by_routes = "first_power_years" in conn.columns
    if by_routes:
        first[row, col] = conn["first_power_years"].to_numpy(dtype=float)
    return GridOptions(mw=np.where(ok, mw, 0.0), usd=np.where(ok, usd, 0.0), ok=ok, label=label, kv=kv, km=km,
                       first_power_years=first if by_routes else None)


@dataclass(frozen=True)
class ZoneSupply:
    """Firm supply a campus may draw where it stands, per site, and what new generation in its zone costs.

    Legacy: no zone (``free_mw`` inf, nothing bought). Zonal: ``free_mw`` = the zone's spare x spare_share
    plus one-hop firm imports; beyond it firm MW costs ``firm_usd_per_mw`` (the cheapest type per accredited
    MW; inf: none may be built, the free MW is a hard limit). When the energy PV counts, a type whose energy
    pays for its own capital (``energy_saving_usd_per_mwh`` > 0) is built to cover the campus' energy."""

    spare_mw: np.ndarray  # zone spare firm MW x spare_share
    import_mw: np.ndarray  # firm imports over the zone's inbound interfaces (one hop)
    firm_usd_per_mw: float  # PV cost per accredited MW of ``firm_type``
    firm_type: str = ""
    firm_credit: float = 0.0  # its capacity credit (accredited MW per MW built)
    # Per site, the energy type (or ""): PV saving, capital and margin per MWh/yr it covers; MW and firm MW per MWh/yr.
    energy_type: np.ndarray | None = None
    energy_saving_usd_per_mwh: np.ndarray | None = None
    energy_capex_usd_per_mwh: np.ndarray | None = None
    energy_margin_usd_per_mwh: np.ndarray | None = None
    energy_mw_per_mwh: np.ndarray | None = None
    energy_firm_mw_per_mwh: np.ndarray | None = None
    # Per site, the firm top-up's energy where no energy plant is built: MWh/yr it can make per firm MW, and
    # its PV margin per MWh (grid energy displaced less fuel, VOM and carbon; 0 where it would not run).
    topup_mwh_per_firm_mw: np.ndarray | None = None
    topup_margin_usd_per_mwh: np.ndarray | None = None

    @property
    def free_mw(self) -> np.ndarray:
        return self.spare_mw + self.import_mw


def _one_hop_imports_mw(inputs: SitingData) -> pd.Series:
    """Per zone: firm MW its inbound interfaces could bring a campus, each within import_share of its
    limit and the exporter's own spare x spare_share (one hop; other campuses' claims ignored)."""
    supply = inputs.supply
    assert supply is not None
    tr = supply.transfers
    exporter_spare = tr["from_zone"].map(supply.zones["spare_firm_mw"]).astype(float).fillna(0.0).clip(lower=0.0)
    per_interface = np.minimum(tr["mw"].astype(float) * supply.import_share, exporter_spare * supply.spare_share)
    return per_interface.groupby(tr["to_zone"]).sum()


def zone_supply(inputs: SitingData, data: ModelData | None, opex_counts: bool, carbon_usd_per_t: float) -> ZoneSupply:
    """Each candidate's free firm MW and the zone's new-generation prices, from the model's own coefficients
    (:class:`model.milp.model_data.ZonalData`: PV cost per MW, fuel + VOM, CO2, max energy per MW, the zone's
    reference grid price and CO2)."""
    sites, supply = inputs.sites, inputs.supply
    n = len(sites)
    if supply is None:
        return ZoneSupply(np.full(n, np.inf), np.zeros(n), 0.0)
    zone = sites["zone"].astype(str)
    spare = (zone.map(supply.zones["spare_firm_mw"]).astype(float).clip(lower=0.0) * supply.spare_share).to_numpy(dtype=float)
    imports = zone.map(_one_hop_imports_mw(inputs)).fillna(0.0).to_numpy(dtype=float)
    z = data.supply if data is not None else None
    credits = {str(t): float(c) for t, c in z.gen_credit.items() if c > 0} if z is not None else {}
    if z is None or not credits:  # nothing may be built (or every candidate is excluded): the free MW is all
        return ZoneSupply(spare, imports, np.inf)
    # The firm top-up type is chosen on the mean over zones of its cost (capital multipliers differ by zone);
    # each zone's own cost prices its energy plant below.
    zone_cost = {k: v * USD_PER_MUSD for k, v in z.gen_cost_pv_musd_per_mw.items()}
    cost_usd_per_mw = pd.Series(zone_cost, dtype=float).groupby(level=1).mean().to_dict()
    per_firm = {t: cost_usd_per_mw[t] / c for t, c in credits.items()}
    firm = min(per_firm, key=lambda t: (per_firm[t], t))
    out = ZoneSupply(spare, imports, float(per_firm[firm]), firm, credits[firm])
    if not opex_counts:  # energy savings do not count: nothing is built for its energy
        return out
    # Energy: the type with the largest PV saving per MWh/yr it covers, margin x annuity - capital / MWh per MW.
    annuity = annuity_factor(inputs.costs.discount_rate, inputs.costs.horizon_years)
    energy = pd.Series(z.gen_energy_max_mwh_per_mw, dtype=float)
    best_type, best = np.full(n, "", dtype=object), np.zeros((5, n))
    topup = np.zeros((2, n))
    for (zn, t), mwh_per_mw in energy.items():
        if mwh_per_mw <= 0 or zn not in z.ref_price_usd_per_mwh:
            continue
        ref = z.ref_price_usd_per_mwh[zn] + carbon_usd_per_t * z.ref_co2_t_per_mwh[zn]
        margin = annuity * (ref - z.gen_usd_per_mwh[zn, t] - carbon_usd_per_t * z.gen_co2_t_per_mwh[t])
        capex = zone_cost[zn, t] / mwh_per_mw
        in_zone = (zone == zn).to_numpy()
        at = in_zone & (margin - capex > best[0])
        best_type[at] = str(t)
        best[:, at] = np.array([margin - capex, capex, margin, 1.0 / mwh_per_mw, z.gen_credit[t] / mwh_per_mw])[:, None]
        if str(t) == firm:
            topup[:, in_zone] = np.array([mwh_per_mw / credits[firm], max(margin, 0.0)])[:, None]
    topup[1, best_type != ""] = 0.0  # the energy plant already covers the campus' energy
    return dataclasses.replace(
        out, energy_type=best_type, energy_saving_usd_per_mwh=best[0], energy_capex_usd_per_mwh=best[1],
        energy_margin_usd_per_mwh=best[2], energy_mw_per_mwh=best[3], energy_firm_mw_per_mwh=best[4],
        topup_mwh_per_firm_mw=topup[0], topup_margin_usd_per_mwh=topup[1],
    )


def _bought(blocks: np.ndarray, firm_mw_per_block: np.ndarray, free_mw: np.ndarray, topup_mwh_per_firm_mw: np.ndarray,
            campus_mwh_per_block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Firm MW bought beyond the free MW, and the campus MWh/yr that top-up covers (within the campus' energy)."""
    bought = np.maximum(blocks * firm_mw_per_block - free_mw, 0.0)  # inf free MW (legacy) -> 0
    return bought, np.minimum(topup_mwh_per_firm_mw * bought, campus_mwh_per_block * blocks)


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
        # Compare policy.type itself (not a copy) so type checkers narrow the tagged union.
        if policy.type == "moratorium":
            inside = region_mask(sites, policy, ctx.base_dir)
            tighten(np.where(inside, 0.0, np.inf), "moratorium")
        elif policy.type == "state_mw_cap":
            caps = pd.Series(policy.caps_mw, dtype=float)
            mw = pd.Series(state).map(caps).fillna(np.inf).to_numpy(dtype=float)
            tighten(mw, np.array([f"state_mw_cap:{s}" for s in state], dtype=object))
        elif policy.type == "carbon_cap":
            with np.errstate(divide="ignore"):
                mw = np.where(co2_t_per_mwh > 0, policy.max_tco2_per_year / (co2_t_per_mwh * mwh_per_mw_year), np.inf)
            tighten(mw, "carbon_cap")
        elif policy.type == "max_sites" and policy.count == 0:
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
        assert goal.target_it_mw is not None  # ObjectiveConfig: min_cost has one of the three targets
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

        def get(key: str, mv: Any = mv) -> Any:
            return mv.get(key) if isinstance(mv, Mapping) else getattr(mv, key)

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
    ``counts_opex``, ``supply_model`` and (zonal) ``firm_generation_type`` /
    ``new_generation_usd_per_firm_mw``. Candidates that cannot host a campus have NaN $/PFLOPS and no rank.
    """
    sites, gpus, costs = inputs.sites, inputs.gpus, inputs.costs
    sc = inputs.scenario
    zonal = inputs.supply is not None
    n_sites, gpu_names = len(sites), gpus.index.to_list()
    opex_counts = counts_opex(inputs)
    data = _model_data_or_none(inputs)

    # --- per-site and per-GPU coefficients, in $ and MW -----------------------------------------
    pue = sites["pue"].to_numpy(dtype=float)
    max_mw, min_mw = float(costs.max_campus_mw), float(costs.min_campus_mw)
    acres_per_mw = float(costs.acres_per_mw)
    land_mw = sites["land_available_acres"].to_numpy(dtype=float) / acres_per_mw
    it_mw_per_block = gpus["it_kw_per_block"].to_numpy(dtype=float) / KW_PER_MW
    price_usd_per_block = gpus["price_usd_per_block"].to_numpy(dtype=float) * costs.gpu_price_multiplier
    pflops_per_block = gpus["gpus_per_block"].to_numpy(dtype=float) * gpus[inputs.precision_col].to_numpy(dtype=float) / TFLOPS_PER_PFLOPS
    gpus_per_block = gpus["gpus_per_block"].to_numpy(dtype=int)
    gpu_factor, other_factor, adder_usd_per_mw = (s.to_numpy(dtype=float) for s in _site_factors(inputs, data))
    land_usd_per_mw = land_usd_per_facility_mw(sites, costs).to_numpy(dtype=float) + adder_usd_per_mw
    mwh_per_mw_year = costs.load_factor * HOURS_PER_YEAR
    annuity_years = annuity_factor(costs.discount_rate, costs.horizon_years)
    price_usd_per_mwh = campus_energy_price_usd_per_mwh(sites, data, float(costs.max_campus_mw))
    energy_usd_per_mwh = price_usd_per_mwh + _carbon_price_usd_per_tco2(inputs) * (
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

    # --- grid options [site, option] and the zone's firm supply ---------------------------------
    options = connection_grid_options(inputs) if zonal else legacy_options(inputs)
    supply = zone_supply(inputs, data, opex_counts, _carbon_price_usd_per_tco2(inputs))
    # Beyond the free firm MW new generation is a cost when some type may be built; with none, the free
    # MW is a hard limit. Legacy: no zone at all (free MW inf, price 0).
    buy_usd_per_mw = supply.firm_usd_per_mw if np.isfinite(supply.firm_usd_per_mw) else 0.0
    none = np.zeros(n_sites)
    e_save, e_capex, e_margin, e_mw, e_firm, top_mwh, top_margin = (
        x if x is not None else none
        for x in (supply.energy_saving_usd_per_mwh, supply.energy_capex_usd_per_mwh, supply.energy_margin_usd_per_mwh,
                  supply.energy_mw_per_mwh, supply.energy_firm_mw_per_mwh, supply.topup_mwh_per_firm_mw,
                  supply.topup_margin_usd_per_mwh)
    )
    include_opex = bool(sc.budget and sc.budget.include_opex)
    # A plant built for the campus' energy (where it pays) also firms part of it; the rest needs firm MW.
    firm_share = np.maximum(1.0 - e_firm * mwh_per_mw_year, 0.0)
    counted_usd_per_block = counted_usd_per_block - (e_save * mwh_per_mw_year)[:, None] * facility_mw_per_block
    budget_margin = e_margin if include_opex else none
    budget_usd_per_block = budget_usd_per_block + ((e_capex - budget_margin) * mwh_per_mw_year)[:, None] * facility_mw_per_block
    # [site, gpu, option] broadcasts: firm MW and MWh/yr per block, the free MW, the top-up's energy.
    firm_mw_per_block = (facility_mw_per_block * firm_share[:, None])[:, :, None]
    mwh_per_block = (facility_mw_per_block * mwh_per_mw_year)[:, :, None]
    free_mw = supply.free_mw[:, None, None]
    top_mwh, top_margin = top_mwh[:, None, None], top_margin[:, None, None]
    top_margin_budget = top_margin if include_opex else np.zeros_like(top_margin)

    # --- block caps per limit [site, gpu, option, limit] -----------------------------------------
    policy_mw, policy_label = _policy_caps_mw(inputs, mwh_per_mw_year)
    shape = (n_sites, len(gpu_names), options.mw.shape[1])
    per_block = facility_mw_per_block[:, :, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        # Blocks whose firm MW the free MW covers (inf where the energy plant firms the whole campus), and
        # blocks beyond which the top-up makes more energy than the campus uses (its credit stops growing).
        free_blocks = np.where(firm_mw_per_block > 0, free_mw / firm_mw_per_block, np.inf) * np.ones(shape)
        excess = top_mwh * firm_mw_per_block - mwh_per_block
        energy_blocks = np.where((excess > 0) & (top_margin > 0), top_mwh * free_mw / excess, np.inf) * np.ones(shape)
    limits = np.empty(shape + (len(_LIMIT_NAMES),))
    limits[..., _GRID] = options.mw[:, None, :] / per_block
    limits[..., _SPARE] = np.inf if np.isfinite(supply.firm_usd_per_mw) else free_blocks
    limits[..., _LAND] = (land_mw[:, None, None] / per_block) * np.ones(shape)
    limits[..., _CAMPUS] = max_mw / per_block
    limits[..., _POLICY] = policy_mw[:, None, None] / per_block
    if sc.budget is not None:
        left_usd = np.maximum(sc.budget.total_usd - fixed_usd[:, None, None] - options.usd[:, None, :], 0.0)
        spend = budget_usd_per_block[:, :, None] * np.ones(shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            budget_blocks = np.where(spend > 0, left_usd / spend, np.inf)
            if buy_usd_per_mw > 0:
                # Spend is convex in blocks, the largest of three lines: no firm MW bought; bought with the
                # top-up's energy credited in full; bought with the credit capped at the campus' energy.
                # The cap is the fewest blocks any line allows within the budget.
                finite_free = np.where(np.isfinite(free_mw), free_mw, 0.0)
                net = buy_usd_per_mw - top_margin_budget * top_mwh  # per firm MW bought, energy credited
                lines = (
                    (spend + net * firm_mw_per_block, left_usd + net * finite_free),
                    (spend + buy_usd_per_mw * firm_mw_per_block - top_margin_budget * mwh_per_block,
                     left_usd + buy_usd_per_mw * finite_free),
                )
                for slope, room in lines:
                    cap = np.where(slope > 0, room / slope, np.inf)
                    budget_blocks = np.where(np.isfinite(free_mw), np.minimum(budget_blocks, cap), budget_blocks)
        limits[..., _BUDGET] = budget_blocks
    else:
        limits[..., _BUDGET] = np.inf
    limits[..., _TARGET] = _target_blocks(inputs)[None, :, None]
    block_caps = np.floor(limits + _EPS)  # inf stays inf
    binding = np.argmin(block_caps, axis=-1)  # first (most physical) limit on ties
    blocks = np.take_along_axis(block_caps, binding[..., None], axis=-1)[..., 0]
    blocks_min = np.maximum(1.0, np.ceil(min_mw / per_block - _EPS))
    exclusion = _exclusion_labels(inputs)
    feasible = options.ok[:, None, :] & (blocks >= blocks_min) & np.isfinite(blocks) & (exclusion == "")[:, None, None]

    # --- campus sizes worth pricing [site, gpu, option, size] -------------------------------------
    # The counted cost is piecewise linear in blocks, kinked where the free firm MW runs out and where the
    # top-up's energy reaches the campus', so $/PFLOPS is monotone between kinks: the best size is the
    # largest or one either side of a kink (ties go to the largest: its limit is reported).
    blocks = np.where(np.isfinite(blocks), blocks, 0.0)
    if buy_usd_per_mw > 0:
        sizes_list = [blocks]
        for kink in (free_blocks, energy_blocks):
            at = np.floor(kink + _EPS)
            at = np.where(np.isfinite(at), at, blocks)
            sizes_list += [np.clip(at, blocks_min, blocks), np.clip(at + 1.0, blocks_min, blocks)]
        sizes = np.stack(sizes_list, axis=-1)
    else:
        sizes = blocks[..., None]
    bought_mw, topup_mwh = _bought(sizes, firm_mw_per_block[..., None], free_mw[..., None], top_mwh[..., None],
                                   mwh_per_block[..., None])
    counted_usd = (
        (fixed_usd[:, None, None] + options.usd[:, None, :])[..., None]
        + sizes * counted_usd_per_block[:, :, None, None]
        + buy_usd_per_mw * bought_mw
        - top_margin[..., None] * topup_mwh
    )
    pflops = sizes * pflops_per_block[None, :, None, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        usd_per_pflops = np.where(feasible[..., None], counted_usd / pflops, np.inf)

    # --- the best (gpu, option, size) per site ------------------------------------------------------
    flat = usd_per_pflops.reshape(n_sites, -1)
    best = np.argmin(flat, axis=1)
    has_campus = np.isfinite(flat[np.arange(n_sites), best])
    # Where no option hosts a campus, say why: if some option would reach the minimum campus but for
    # the money (budget, target), the option nearest to it; else the option with the most MW, whose
    # physical or rule limit is then what forbids a campus.
    physical_binding = np.argmin(block_caps[..., :_BUDGET], axis=-1)
    physical_blocks = np.min(block_caps[..., :_BUDGET], axis=-1)
    money_only = options.ok[:, None, :] & (physical_blocks >= blocks_min)
    nearest = np.where(money_only, blocks - blocks_min, -np.inf).reshape(n_sites, -1)
    widest = np.where(options.ok[:, None, :], np.minimum(physical_blocks, 1e12) * per_block, -np.inf)
    money_stops = money_only.reshape(n_sites, -1).any(axis=1)
    fallback = np.where(money_stops, np.argmax(nearest, axis=1), np.argmax(widest.reshape(n_sites, -1), axis=1))
    g_idx: np.ndarray
    o_idx: np.ndarray
    g_idx, o_idx, k_idx = np.unravel_index(best, shape[1:] + (sizes.shape[-1],))
    g_fb, o_fb = np.unravel_index(fallback, shape[1:])
    g_idx, o_idx = np.where(has_campus, g_idx, g_fb), np.where(has_campus, o_idx, o_fb)
    k_idx = np.where(has_campus, k_idx, 0)
    rows = np.arange(n_sites)
    n_blocks = np.where(has_campus, sizes[rows, g_idx, o_idx, k_idx], 0.0)
    binding_chosen = np.where(
        has_campus | money_stops, binding[rows, g_idx, o_idx], physical_binding[rows, g_idx, o_idx]
    )
    # A campus smaller than its option allows stops where its free firm MW (spare + imports) runs out.
    binding_chosen = np.where(has_campus & (n_blocks < blocks[rows, g_idx, o_idx] - _EPS), _SPARE, binding_chosen)

    # --- the chosen campus, part by part ------------------------------------------------------
    it_mw = n_blocks * it_mw_per_block[g_idx]
    facility_mw = n_blocks * facility_mw_per_block[rows, g_idx]
    option_paid = has_campus & (options.usd[rows, o_idx] > 0)
    capex = {
        "site": np.where(has_campus, fixed_usd, 0.0),
        "shell": n_blocks * shell_usd_per_block[rows, g_idx],
        "land": n_blocks * land_usd_per_block[rows, g_idx],
        "gpu": n_blocks * gpu_usd_per_block[rows, g_idx],
        "interconnect": np.where(option_paid, options.usd[rows, o_idx], 0.0),
    }
    capex_usd = sum(capex.values())
    # New generation: the energy plant (where it pays) and the firm MW bought beyond the free MW.
    campus_mwh = facility_mw * mwh_per_mw_year
    energy_plant_mw, energy_plant_firm_mw = e_mw * campus_mwh, e_firm * campus_mwh
    bought_mw, topup_mwh = _bought(n_blocks, firm_mw_per_block[rows, g_idx, 0], free_mw[rows, 0, 0], top_mwh[rows, 0, 0],
                                   mwh_per_block[rows, g_idx, 0])
    new_gen_usd = e_capex * campus_mwh + buy_usd_per_mw * bought_mw
    # Fuel + VOM + carbon less the grid energy it displaces (< 0 where new generation saves energy cost).
    new_gen_energy_pv_usd = -(e_margin * campus_mwh + top_margin[rows, 0, 0] * topup_mwh) + 0.0  # + 0.0: -0.0 -> 0.0
    opex_pv_usd = n_blocks * opex_usd_per_block[rows, g_idx]
    compute_pflops = n_blocks * pflops_per_block[g_idx]
    cost_usd = capex_usd + new_gen_usd + (opex_pv_usd + new_gen_energy_pv_usd if opex_counts else 0.0)

    # Which limit stops the campus growing (or, with no campus, which rule or limit forbids one).
    names = np.array(_LIMIT_NAMES, dtype=object)
    if zonal:
        names[_GRID] = "connection"
    limit = names[binding_chosen]
    if not zonal:
        limit = np.where((limit == "headroom") & (o_idx > 0), "upgrade tier", limit)
    limit = np.where(limit == "policy", policy_label, limit)
    if zonal:
        limit = np.where(~options.ok.any(axis=1), "no connection", limit)
    limit = np.where(exclusion != "", exclusion, limit)

    out = pd.DataFrame(index=sites.index.copy())
    for col in ("state", "county_fips", "county_name"):
        out[col] = sites[col].to_numpy()
    if zonal:
        out["zone"] = sites["zone"].astype(str).to_numpy()
        assert inputs.supply is not None  # zonal
        out["spare_firm_mw_zone"] = sites["zone"].map(inputs.supply.zones["spare_firm_mw"]).astype(float).to_numpy()
        out["zone_spare_mw"] = supply.spare_mw  # what this campus may claim (spare x spare_share)
        out["zone_import_mw"] = supply.import_mw  # firm imports its zone's inbound interfaces could bring
        if options.first_power_years is not None:  # by routes: the chosen connection's first power, as the run reports
            out["time_to_power_years"] = np.where(has_campus, options.first_power_years[rows, o_idx], np.nan)
        elif "time_to_power_years" in sites:
            out["time_to_power_years"] = sites["time_to_power_years"].astype(float).to_numpy()
    else:
        out["headroom_mw"] = sites["headroom_mw"].to_numpy(dtype=float)
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
    chosen_label = options.label[rows, o_idx]
    if zonal:
        # The connection the campus would use (none where no campus fits).
        out["connection_option"] = np.where(has_campus, chosen_label, "")
        out["substation_kv"] = np.where(has_campus, options.kv[rows, o_idx], np.nan)
        out["substation_km"] = np.where(has_campus, options.km[rows, o_idx], np.nan)
        out["connection_mw"] = np.where(has_campus, options.mw[rows, o_idx], np.nan)
        out["connection_cost_usd"] = capex["interconnect"]
        bought_plant_mw = bought_mw / supply.firm_credit if supply.firm_credit > 0 else np.zeros(n_sites)
        energy_type = supply.energy_type if supply.energy_type is not None else np.full(n_sites, "", dtype=object)
        out["new_generation_type"] = [
            "+".join(dict.fromkeys(t for t, mw in ((e, emw), (supply.firm_type, bmw)) if t and mw > _EPS))
            for e, emw, bmw in zip(energy_type, energy_plant_mw, bought_plant_mw)
        ]
        out["new_generation_mw"] = energy_plant_mw + bought_plant_mw
        out["new_generation_firm_mw"] = energy_plant_firm_mw + bought_mw  # accredited MW of new generation
        out["new_generation_cost_usd"] = new_gen_usd  # PV of capital + FOM, in the budget
        out["new_generation_energy_pv_usd"] = new_gen_energy_pv_usd  # < 0: it saves energy cost
    else:
        tier_chosen = has_campus & (o_idx > 0)
        out["upgrade_tier"] = np.where(tier_chosen, chosen_label, "")
        out["upgrade_mw"] = np.where(tier_chosen, options.mw[rows, o_idx] - options.mw[rows, 0], 0.0)
    for part in CAPEX_PARTS:
        out[f"capex_{part}_usd"] = capex[part]
    out["capex_usd"] = capex_usd
    out["energy_opex_pv_usd"] = opex_pv_usd
    out["energy_price_usd_per_mwh"] = price_usd_per_mwh  # per MWh of a max-size campus (energy at scale: blended)
    out["cost_usd"] = cost_usd  # what usd_per_pflops divides: capex (+ new generation, + energy PV when it counts)
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
    gdf.attrs.update(marginal_usd_per_pflops=marginal, marginal_source=source, counts_opex=opex_counts,
                     supply_model="zonal" if zonal else "legacy")
    if zonal:
        finite = np.isfinite(supply.firm_usd_per_mw)
        gdf.attrs.update(firm_generation_type=supply.firm_type or None,
                         new_generation_usd_per_firm_mw=float(supply.firm_usd_per_mw) if finite else None)
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
        # Multi-year rankings: the score (value per dollar over the horizon) and its gap to the worst built campus.
        for key in ("score", "gap_score"):
            if key in row.index:
                records[-1][key] = None if pd.isna(row[key]) else round(float(row[key]), 6)
        # Zonal supply: where the campus would get its power and how soon.
        for key, digits in _ZONAL_RUNNER_UP_KEYS.items():
            if key in row.index:
                value = row[key]
                records[-1][key] = (
                    None if pd.isna(value) else str(value) if digits is None else round(float(value), digits)
                )
    return records


# Zonal columns a runner-up record carries (key -> decimals; None: text).
_ZONAL_RUNNER_UP_KEYS: dict[str, int | None] = {
    "zone": None, "substation_kv": 1, "substation_km": 2, "connection_cost_usd": 0, "time_to_power_years": 2,
}


def near_tie(runner_ups: Sequence[Mapping[str, Any]], mip_gap: float | None, floor_share: float = NEAR_TIE_FLOOR_SHARE) -> bool:
    """True when some runner-up is within max(``mip_gap``, ``floor_share``) of entering.

    One-sided: a runner-up cheaper than the optimum's margin (negative share) counts as well; it
    was kept out by a rule coupling sites (a shared state cap, max_sites...) or by the MIP gap,
    and either way the choice between it and a built site is close.
    """
    threshold = max(float(mip_gap) if mip_gap is not None else 0.0, floor_share)
    return any(r.get("gap_share") is not None and r["gap_share"] <= threshold for r in runner_ups)
