"""Sparse index sets, named by their dimensions, derived from the data before any Pyomo object exists.

Sparsity is decided here, once, with pandas masks: excluded candidates never reach the model, an
upgrade tier is offered only where it can raise the site's limit, and the land row exists only
where land (not the campus cap) can bind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.core.errors import SitingError
from model.inputs.load import SitingData
from model.policies import module_for
from model.policies.base import PolicyContext


@dataclass(frozen=True)
class IndexSets:
    SITES: list[str]
    GPUS: list[str]
    TIERS: list[str]
    SITES_GPUS: list[tuple[str, str]]
    SITES_TIERS: list[tuple[str, str]]
    SITES_LAND_LIMITED: list[str]
    # Zonal supply only (empty in legacy mode): ReEDS zones, directed interfaces, new generation per
    # zone and type, its energy where the zone has candidates, and each site's connection options.
    ZONES: list[str] = field(default_factory=list)
    INTERFACES: list[tuple[str, str]] = field(default_factory=list)
    ZONES_GEN: list[tuple[str, str]] = field(default_factory=list)
    ZONES_GEN_ENERGY: list[tuple[str, str]] = field(default_factory=list)
    SITES_CONNECTIONS: list[tuple[str, str]] = field(default_factory=list)
    # Shared lookups, built once here (blocks read them instead of regrouping the pairs above).
    SITES_GRID_LIMITED: list[str] = field(default_factory=list)  # legacy: headroom below the campus cap
    TIERS_AT: dict[str, list[str]] = field(default_factory=dict)  # site -> its upgrade tiers (every site)
    CONNECTIONS_AT: dict[str, list[str]] = field(default_factory=dict)  # site -> its connection options (every site)
    STATES: list[str] = field(default_factory=list)  # states with a candidate (the hourly dispatch zones), sorted
    SITES_IN_STATE: dict[str, list[str]] = field(default_factory=dict)  # state -> its candidates, in SITES order
    # Hourly dispatch zones: ReEDS zones with a candidate (zonal supply) or states (legacy), and members.
    DISPATCH_ZONES: list[str] = field(default_factory=list)
    SITES_IN_DISPATCH_ZONE: dict[str, list[str]] = field(default_factory=dict)
    DISPATCH_ZONE_OF: dict[str, str] = field(default_factory=dict)  # site -> its dispatch zone
    # Sites where a rule offers dry cooling (policies' ``dry_cooling_mask``, e.g. water_cap's stressed sites).
    SITES_DRY_OPTION: list[str] = field(default_factory=list)

    @property
    def SITES_WITH_TIERS(self) -> list[str]:
        return [s for s in self.SITES if self.TIERS_AT[s]]


def policy_context(data: SitingData) -> PolicyContext:
    origin = Path(data.scenario.origin)
    return PolicyContext(base_dir=origin.parent if origin.is_file() else Path.cwd())


def first_model_year(data: SitingData) -> int:
    """The horizon's first year (the snapshot stands for 2026; see model.milp.model_data.SNAPSHOT_YEAR)."""
    pathway = data.scenario.pathway
    return pathway.years[0] if pathway is not None else 2026


def excluded_mask(sites: pd.DataFrame, data: SitingData) -> np.ndarray:
    """True for candidates that some policy removes from the start (policies are data, applied as masks).
    A masking policy that starts later (``from_year``) freezes its sites from that year instead
    (:func:`frozen_from`)."""
    ctx = policy_context(data)
    first = first_model_year(data)
    mask = np.zeros(len(sites), dtype=bool)
    for policy in data.scenario.policies:
        candidate_mask = getattr(module_for(policy), "candidate_mask", None)
        if candidate_mask is not None and _from_start(policy, first):
            mask |= candidate_mask(sites, policy, ctx)
    return mask


def _from_start(policy: Any, first: int) -> bool:
    return (policy.from_year is None or policy.from_year <= first) and (policy.until_year is None or policy.until_year >= first)


def frozen_from(sites: pd.DataFrame, data: SitingData) -> dict[str, int]:
    """Candidates a masking policy closes to new capacity from a later year: site -> that year (the earliest)."""
    ctx = policy_context(data)
    first = first_model_year(data)
    out: dict[str, int] = {}
    for policy in data.scenario.policies:
        candidate_mask = getattr(module_for(policy), "candidate_mask", None)
        if candidate_mask is None or _from_start(policy, first) or policy.from_year is None:
            continue
        for s in sites.index[candidate_mask(sites, policy, ctx)].astype(str):
            out[s] = min(out.get(s, policy.from_year), policy.from_year)
    return out


def active_sites(data: SitingData) -> pd.DataFrame:
    """Candidates left after exclusions; an empty set is an error the user must hear about."""
    sites = data.sites.loc[~excluded_mask(data.sites, data)]
    if sites.empty:
        raise SitingError(f"{data.scenario.origin}: no candidate sites left after candidates.states and exclusions")
    return sites


def dry_cooling_mask(sites: pd.DataFrame, data: SitingData) -> np.ndarray:
    """True for candidates where some policy offers dry cooling (its ``dry_cooling_mask``)."""
    mask = np.zeros(len(sites), dtype=bool)
    for policy in data.scenario.policies:
        policy_mask = getattr(module_for(policy), "dry_cooling_mask", None)
        if policy_mask is not None:
            mask |= np.asarray(policy_mask(sites, policy), dtype=bool)
    return mask


def build_index_sets(data: SitingData, sites: pd.DataFrame) -> IndexSets:
    site_ids = sites.index.to_list()
    gpus = data.gpus.index.to_list()
    tiers = data.tiers.index.to_list()
    max_mw = data.costs.max_campus_mw
    # A tier is worth offering only where firm headroom is below the campus cap (there the headroom
    # row can bind); zonal supply replaces headroom and tiers by each site's connection options.
    needs_upgrade = sites.index[sites["headroom_mw"].to_numpy() < max_mw].to_list() if data.supply is None else []
    land_mw = sites["land_available_acres"].to_numpy() / data.costs.acres_per_mw
    land_limited = sites.index[land_mw < max_mw].to_list()
    zonal = zonal_sets(data, sites) if data.supply is not None else {}
    sites_tiers = [(s, t) for s in needs_upgrade for t in tiers]
    tiers_at = pd.Series([t for _, t in sites_tiers], index=[s for s, _ in sites_tiers], dtype=object)
    conns = zonal.get("SITES_CONNECTIONS", [])
    conns_at = pd.Series([c for _, c in conns], index=[s for s, _ in conns], dtype=object)
    by_state = pd.Series(site_ids, index=sites["state"].astype(str).to_numpy(), dtype=object)
    zone_col = "zone" if data.supply is not None else "state"
    dzone = sites[zone_col].astype(str)
    dzones = sorted(set(dzone), key=lambda z: (len(z), z))
    by_dzone = pd.Series(site_ids, index=dzone.to_numpy(), dtype=object)
    return IndexSets(
        **zonal,
        SITES=site_ids,
        GPUS=gpus,
        TIERS=tiers,
        SITES_GPUS=[(s, g) for s in site_ids for g in gpus],
        SITES_TIERS=sites_tiers,
        SITES_LAND_LIMITED=land_limited,
        SITES_GRID_LIMITED=needs_upgrade,
        TIERS_AT=_members(tiers_at, site_ids),
        CONNECTIONS_AT=_members(conns_at, site_ids),
        STATES=sorted(set(by_state.index)),
        SITES_IN_STATE=_members(by_state, sorted(set(by_state.index))),
        SITES_DRY_OPTION=sites.index[dry_cooling_mask(sites, data)].to_list(),
        DISPATCH_ZONES=dzones,
        SITES_IN_DISPATCH_ZONE=_members(by_dzone, dzones),
        DISPATCH_ZONE_OF=dict(zip(site_ids, dzone.tolist())),
    )


def _members(values: pd.Series, keys: list[str]) -> dict[str, list[str]]:
    """key -> the values indexed by it, in their order; every key present (empty list if none)."""
    # A plain dict pass: pandas' groupby(...).agg(list) costs ~0.2 s per national call.
    out: dict[str, list[str]] = {k: [] for k in keys}
    for k, v in zip(values.index.tolist(), values.tolist()):
        members = out.get(k)
        if members is not None:
            members.append(v)
    return out


def site_connections(connections: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    """The connection options of the candidate sites (a set lookup: pandas' isin on Arrow strings is ~10x slower)."""
    ids = set(sites.index.tolist())
    keep = np.fromiter((s in ids for s in connections["site_id"].tolist()), dtype=bool, count=len(connections))
    return connections.loc[keep]


def zonal_sets(data: SitingData, sites: pd.DataFrame) -> dict[str, list]:
    """Zones with a candidate plus every zone that can reach one through interfaces (a zone's spare or
    new generation can be wheeled across several zones), the interfaces among them with a positive
    limit, and the sparse zone x type and site x connection pairs."""
    supply = data.supply
    assert supply is not None
    tr = supply.transfers.loc[(supply.transfers["mw"] * supply.import_share) > 0]
    tr = tr.loc[tr["from_zone"].isin(supply.zones.index) & tr["to_zone"].isin(supply.zones.index)]
    reach = set(sites["zone"])
    frontier = set(reach)
    while frontier:  # zones upstream of a candidate zone, breadth first
        upstream = set(tr.loc[tr["to_zone"].isin(frontier), "from_zone"]) - reach
        reach |= upstream
        frontier = upstream
    zones = sorted(reach, key=lambda z: (len(z), z))
    tr = tr.loc[tr["from_zone"].isin(reach) & tr["to_zone"].isin(reach)]
    types = supply.generation.index.to_list()
    load_zones = set(sites["zone"])
    energy_types = [t for t in types if (supply.energy_share[t] > 0).any()]
    positive = (supply.energy_share[energy_types] > 0).to_dict(orient="index")  # zone -> type -> bool
    conn = site_connections(supply.connections, sites)
    return {
        "ZONES": zones,
        "INTERFACES": list(zip(tr["from_zone"].tolist(), tr["to_zone"].tolist())),
        "ZONES_GEN": [(z, t) for z in zones for t in types],
        "ZONES_GEN_ENERGY": [(z, t) for z in zones if z in load_zones for t in energy_types if positive[z][t]],
        "SITES_CONNECTIONS": list(zip(conn["site_id"].tolist(), conn["option"].tolist())),
    }
