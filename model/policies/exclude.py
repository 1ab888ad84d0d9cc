"""exclude: no campus in these states, counties or polygons (protected land, flood zones...)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from model.policies.base import ABS_MW, CheckContext, PolicyContext
from model.policies.region import RegionFields, region_mask


class Params(RegionFields):
    type: Literal["exclude"]


def candidate_mask(sites: pd.DataFrame, params: Params, ctx: PolicyContext) -> np.ndarray:
    """Candidates to drop: exclusions never reach the model, keeping it sparse."""
    return region_mask(sites, params, ctx.base_dir)


def check(ctx: CheckContext, params: Params, tag: str) -> list[str]:
    inside = float(ctx.facility_mw[region_mask(ctx.facts, params, ctx.base_dir)].sum())
    return [f"{tag}: {inside:.1f} MW built in an excluded region"] if inside > ABS_MW else []
