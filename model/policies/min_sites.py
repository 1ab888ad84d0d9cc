"""min_sites: build at least ``count`` campuses (resilience, a portfolio requirement)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from model.core.rules import register_rule
from model.policies.base import CheckContext, PolicyData, PolicyParams

if TYPE_CHECKING:
    import pyomo.environ as pyo



# At most one per scenario: a second would silently override or stack on the first.
ONCE = True

class Params(PolicyParams):
    type: Literal["min_sites"]
    count: int = Field(ge=0)


def add(m: pyo.ConcreteModel, data: PolicyData, params: Params, name: str) -> None:
    import pyomo.environ as pyo  # heavy: loaded only when used
    m.add_component(name, pyo.Constraint(expr=sum(m.build[s] for s in m.SITES) >= params.count))
    register_rule(m, name, "min_sites", "sites")


def check(ctx: CheckContext, params: Params, tag: str) -> list[str]:
    built = len(ctx.facts)
    return [f"{tag}: {built} sites built, fewer than {params.count}"] if built < params.count else []
