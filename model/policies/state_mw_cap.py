"""state_mw_cap: facility MW that new campuses may add per state, e.g. {VA = 3000}."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import field_validator

from model.core.rules import register_rule
from model.core.schema import upper_keys
from model.policies.base import ABS_MW, CheckContext, PolicyData, PolicyParams

if TYPE_CHECKING:
    import pyomo.environ as pyo


MUTABLE = ("caps_mw",)
SWEEPABLE = ("caps_mw",)


class Params(PolicyParams):
    type: Literal["state_mw_cap"]
    caps_mw: dict[str, float]

    @field_validator("caps_mw")
    @classmethod
    def _caps(cls, caps: dict[str, float]) -> dict[str, float]:
        if any(v < 0 for v in caps.values()):
            raise ValueError("caps must be >= 0 MW")
        if not caps:
            raise ValueError("caps_mw is empty; give at least one state, e.g. {VA = 3000}")
        return {k: float(v) for k, v in upper_keys(caps).items()}


def add(m: pyo.ConcreteModel, data: PolicyData, params: Params, name: str) -> None:
    import pyomo.environ as pyo  # heavy: loaded only when used
    present = set(data.sites["state"])
    states = [s for s in params.caps_mw if s in present]
    by_state = {st: data.sites.index[data.sites["state"] == st].to_list() for st in states}
    cap = pyo.Param(states, initialize={s: params.caps_mw[s] for s in states}, mutable=True)
    m.add_component(f"{name}_mw", cap)
    m.add_component(
        name,
        pyo.Constraint(states, rule=lambda m, st: sum(m.facility_mw[s] for s in by_state[st]) <= cap[st]),
    )
    register_rule(m, name, "state_mw_cap", "MW")


def update(m: pyo.ConcreteModel, params: Params, name: str) -> None:
    cap = m.find_component(f"{name}_mw")
    for st in cap:
        cap[st].set_value(params.caps_mw[st])


def check(ctx: CheckContext, params: Params, tag: str) -> list[str]:
    by_state = ctx.mw_by_state
    return [
        f"{tag}: state {state} {by_state[state]:.1f} MW exceeds cap {cap} MW"
        for state, cap in params.caps_mw.items()
        if by_state.get(state, 0.0) > cap + ABS_MW
    ]
