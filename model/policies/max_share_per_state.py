"""max_share_per_state: diversification; no state hosts more than ``share`` of all facility MW."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from model.core.rules import register_rule
from model.core.schema import upper_codes
from model.policies.base import ABS_MW, CheckContext, PolicyData, PolicyParams

if TYPE_CHECKING:
    import pyomo.environ as pyo



# At most one per scenario: a second would silently override or stack on the first.
ONCE = True

class Params(PolicyParams):
    type: Literal["max_share_per_state"]
    share: float = Field(gt=0, le=1)
    states: list[str] = []  # states the limit applies to; empty means every state

    _states = field_validator("states")(upper_codes)


def add(m: pyo.ConcreteModel, data: PolicyData, params: Params, name: str) -> None:
    import pyomo.environ as pyo  # heavy: loaded only when used
    present = sorted(set(data.sites["state"]))
    states = [s for s in present if not params.states or s in params.states]
    by_state = {st: data.sites.index[data.sites["state"] == st].to_list() for st in states}
    m.add_component(
        name,
        pyo.Constraint(
            states,
            rule=lambda m, st: sum(m.facility_mw[s] for s in by_state[st])
            <= params.share * sum(m.facility_mw[s] for s in m.SITES),
        ),
    )
    register_rule(m, name, "max_share_per_state", "MW")


def check(ctx: CheckContext, params: Params, tag: str) -> list[str]:
    total = float(ctx.facility_mw.sum())
    return [
        f"{tag}: state {state} holds {mw / total:.1%} of MW, above {params.share:.1%}"
        for state, mw in ctx.mw_by_state.items()
        if (not params.states or state in params.states) and mw > params.share * total + ABS_MW
    ]
