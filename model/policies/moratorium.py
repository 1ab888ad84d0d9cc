"""moratorium: no new MW in a region (e.g. Loudoun County's 2025 pause on by-right data centers).

Unlike ``exclude`` the rule is a constraint row, so its cost and marginal value can be reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from model.core.rules import register_rule
from model.policies.base import ABS_MW, CheckContext, PolicyData
from model.policies.region import RegionFields, region_mask

if TYPE_CHECKING:
    import pyomo.environ as pyo



class Params(RegionFields):
    type: Literal["moratorium"]


def add(m: pyo.ConcreteModel, data: PolicyData, params: Params, name: str) -> None:
    import pyomo.environ as pyo  # heavy: loaded only when used
    inside = data.sites.index[region_mask(data.sites, params, data.context.base_dir)].to_list()
    if not inside:
        return
    m.add_component(name, pyo.Constraint(expr=sum(m.facility_mw[s] for s in inside) <= 0))
    register_rule(m, name, "moratorium", "MW")


def check(ctx: CheckContext, params: Params, tag: str) -> list[str]:
    inside = float(ctx.facility_mw[region_mask(ctx.facts, params, ctx.base_dir)].sum())
    return [f"{tag}: {inside:.1f} MW built inside the moratorium"] if inside > ABS_MW else []
