"""data_residency: at least ``min_share`` of all compute sits in a region (sovereignty, latency)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from model.core.rules import register_rule
from model.policies.base import REL_TOL, CheckContext, PolicyData
from model.policies.region import RegionFields, region_mask

if TYPE_CHECKING:
    import pyomo.environ as pyo



class Params(RegionFields):
    type: Literal["data_residency"]
    min_share: float = Field(gt=0, le=1)


def add(m: pyo.ConcreteModel, data: PolicyData, params: Params, name: str) -> None:
    import pyomo.environ as pyo  # heavy: loaded only when used
    inside = data.sites.index[region_mask(data.sites, params, data.context.base_dir)].to_list()
    m.add_component(
        name,
        pyo.Constraint(
            expr=sum(m.site_pflops[s] for s in inside) >= params.min_share * sum(m.site_pflops[s] for s in m.SITES)
        ),
    )
    register_rule(m, name, "data_residency", "PFLOPS")


def check(ctx: CheckContext, params: Params, tag: str) -> list[str]:
    inside = float(ctx.site_pflops[region_mask(ctx.facts, params, ctx.base_dir)].sum())
    if inside < params.min_share * float(ctx.site_pflops.sum()) * (1 - REL_TOL) - 1e-6:
        return [f"{tag}: {inside:,.1f} PFLOPS in region, below {params.min_share:.0%} of the total"]
    return []
