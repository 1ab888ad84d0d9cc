"""moratorium: no new MW in a region (e.g. Loudoun County's 2025 pause on by-right data centers).

Unlike ``exclude`` the rule is a constraint row, so its cost and marginal value can be reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

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


def add_over_time(m: pyo.ConcreteModel, sm: Any, params: Params, name: str) -> None:
    """Multi-year: no new capacity inside the region in the years the moratorium applies (campuses built
    before it keep running); in its first model year, none at all. One row per year, in MW.

    .. math:: \\sum_{s \\in R} (K_{s,y} - K_{s,y-1}) \\le 0 \\quad (K_{s,y_0 - 1} = 0)
    """
    import pyomo.environ as pyo  # heavy: loaded only when used
    inside = set(sm.data.sites.index[region_mask(sm.data.sites, params, sm.data.context.base_dir)].astype(str))
    sites = [s for s in sm.data.sets.SITES if s in inside]
    prev = sm.horizon.previous
    years = [y for y in sm.horizon.years if params.in_year(y) is not None]
    if not sites or not years:
        return
    m.add_component(
        name,
        pyo.Constraint(
            years,
            rule=lambda m, y: sum(m.cap_mw[s, y] - (m.cap_mw[s, prev[y]] if prev[y] is not None else 0.0) for s in sites) <= 0,
        ),
    )
    register_rule(m, name, "moratorium", "MW")


def check(ctx: CheckContext, params: Params, tag: str) -> list[str]:
    inside = float(ctx.facility_mw[region_mask(ctx.facts, params, ctx.base_dir)].sum())
    return [f"{tag}: {inside:.1f} MW built inside the moratorium"] if inside > ABS_MW else []
