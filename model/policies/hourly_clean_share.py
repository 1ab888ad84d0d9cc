"""hourly_clean_share: 24x7 carbon-free matching; in every zone and hour at least ``share`` of the
load served is clean (needs [energy]). Imitates 24/7 CFE commitments (Google, Microsoft) and the
hourly-matching rules of the US 45V hydrogen credit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from model.core.rules import register_rule
from model.policies.base import CheckContext, PolicyData, PolicyParams, REL_TOL
from model.policies.clean_energy_share import require_hourly

if TYPE_CHECKING:
    import pyomo.environ as pyo



# At most one per scenario: a second would silently override or stack on the first.
ONCE = True
# Only meaningful with hourly energy: refused at validation in an annual scenario.
NEEDS_ENERGY = True

class Params(PolicyParams):
    type: Literal["hourly_clean_share"]
    share: float = Field(ge=0, le=1)


def add(m: pyo.ConcreteModel, data: PolicyData, params: Params, name: str) -> None:
    import pyomo.environ as pyo  # heavy: loaded only when used
    require_hourly(m, data, "hourly_clean_share")
    m.add_component(
        name,
        pyo.Constraint(
            m.DISPATCH_ZONES * m.HOURS,
            rule=lambda m, z, d, t: m.clean_mw[z, d, t] >= params.share * m.served_mw[z, d, t],
        ),
    )
    register_rule(m, name, "hourly_clean_share", "MW")


def check(ctx: CheckContext, params: Params, tag: str) -> list[str]:
    d = ctx.dispatch
    if d is None or d.empty:
        return [] if ctx.facility_mw.sum() <= 0 else [f"{tag}: no dispatch table to check the hourly clean share"]
    served = d["load_mw"] - d["curtail_mw"]
    short = d.loc[d["clean_mw"] < params.share * served * (1 - REL_TOL) - 1e-4]
    return [f"{tag}: zone {r.zone} day {r.day} hour {r.hour}: clean {r.clean_mw:.3f} MW below {params.share:.0%} of served" for r in short.head(5).itertuples()]
