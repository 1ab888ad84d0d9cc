"""Sparse index sets, named by their dimensions, derived from the data before any Pyomo object exists.

Sparsity is decided here, once, with pandas masks: excluded candidates never reach the model, an
upgrade tier is offered only where it can raise the site's limit, and the land row exists only
where land (not the campus cap) can bind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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


def policy_context(data: SitingData) -> PolicyContext:
    origin = Path(data.scenario.origin)
    return PolicyContext(base_dir=origin.parent if origin.is_file() else Path.cwd())


def excluded_mask(sites: pd.DataFrame, data: SitingData) -> np.ndarray:
    """True for candidates that some policy removes (policies are data, applied as masks)."""
    ctx = policy_context(data)
    mask = np.zeros(len(sites), dtype=bool)
    for policy in data.scenario.policies:
        candidate_mask = getattr(module_for(policy), "candidate_mask", None)
        if candidate_mask is not None:
            mask |= candidate_mask(sites, policy, ctx)
    return mask


def active_sites(data: SitingData) -> pd.DataFrame:
    """Candidates left after exclusions; an empty set is an error the user must hear about."""
    sites = data.sites.loc[~excluded_mask(data.sites, data)]
    if sites.empty:
        raise SitingError(f"{data.scenario.origin}: no candidate sites left after candidates.states and exclusions")
    return sites


def build_index_sets(data: SitingData, sites: pd.DataFrame) -> IndexSets:
    site_ids = sites.index.to_list()
    gpus = data.gpus.index.to_list()
    tiers = data.tiers.index.to_list()
    max_mw = data.costs["max_campus_mw"]
    # A tier is worth offering only where firm headroom is below the campus cap.
    needs_upgrade = sites.index[sites["headroom_mw"].to_numpy() < max_mw]
    land_mw = sites["land_available_acres"].to_numpy() / data.costs["acres_per_mw"]
    land_limited = sites.index[land_mw < max_mw].to_list()
    return IndexSets(
        SITES=site_ids,
        GPUS=gpus,
        TIERS=tiers,
        SITES_GPUS=[(s, g) for s in site_ids for g in gpus],
        SITES_TIERS=[(s, t) for s in needs_upgrade for t in tiers],
        SITES_LAND_LIMITED=land_limited,
    )
