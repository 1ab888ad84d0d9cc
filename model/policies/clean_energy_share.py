"""clean_energy_share: at least ``share`` of the campuses' annual energy is clean (needs [energy]).

Clean supply counts on-site solar and wind actually used, battery output net of charging, and the
grid's clean fraction of imports (state non-fossil share, eGRID). Imitates annual 100 %-renewable
matching claims and state clean-energy standards applied to new large loads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from model.core.errors import ScenarioError
from model.core.rules import register_rule
from model.policies.base import CheckContext, PolicyData, PolicyParams, REL_TOL

if TYPE_CHECKING:
    import pyomo.environ as pyo


MUTABLE = ("share",)
SWEEPABLE = ("share",)


# At most one per scenario: a second would silently override or stack on the first.
ONCE = True
# Only meaningful with hourly energy: refused at validation in an annual scenario.
NEEDS_ENERGY = True

class Params(PolicyParams):
    type: Literal["clean_energy_share"]
    share: float = Field(ge=0, le=1)


def require_hourly(m: pyo.ConcreteModel, data: PolicyData, kind: str) -> None:
    if data.energy is None:
        raise ScenarioError(f"{data.inputs.scenario.origin}: policies: '{kind}' needs [energy] enabled = true")


def add(m: pyo.ConcreteModel, data: PolicyData, params: Params, name: str) -> None:
    import pyomo.environ as pyo  # heavy: loaded only when used
    require_hourly(m, data, "clean_energy_share")
    weight = data.energy.weights.to_dict()
    share = pyo.Param(initialize=params.share, mutable=True)
    m.add_component(f"{name}_share", share)
    m.add_component(
        name,
        pyo.Constraint(
            expr=sum(weight[h] * m.clean_mw[(z, *h)] for z in m.DISPATCH_ZONES for h in weight)
            >= share * sum(weight[h] * m.served_mw[(z, *h)] for z in m.DISPATCH_ZONES for h in weight)
        ),
    )
    register_rule(m, name, "clean_energy_share", "MWh/yr")


def update(m: pyo.ConcreteModel, params: Params, name: str) -> None:
    m.find_component(f"{name}_share").set_value(params.share)


def check(ctx: CheckContext, params: Params, tag: str) -> list[str]:
    d = ctx.dispatch
    if d is None or d.empty:
        return [] if ctx.facility_mw.sum() <= 0 else [f"{tag}: no dispatch table to check the clean share"]
    clean = float((d["weight_h"] * d["clean_mw"]).sum())
    served = float((d["weight_h"] * (d["load_mw"] - d["curtail_mw"])).sum())
    if clean < params.share * served * (1 - REL_TOL) - 1e-3:
        return [f"{tag}: clean share {clean / served:.2%} of energy served, below {params.share:.0%}"]
    return []
