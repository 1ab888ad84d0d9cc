"""Policies that become constraints (exclusions are applied earlier as masks on the candidate set)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyomo.environ as pyo

if TYPE_CHECKING:
    from model.build import ModelData


def add_policy(m: pyo.ConcreteModel, data: ModelData) -> None:
    by_state = data.sets.SITES_BY_STATE
    m.state_cap_mw = pyo.Param(
        m.CAPPED_STATES, initialize={s: data.state_caps_mw[s] for s in m.CAPPED_STATES}, mutable=True
    )
    m.state_cap = pyo.Constraint(
        m.CAPPED_STATES, rule=lambda m, st: sum(m.facility_mw[s] for s in by_state[st]) <= m.state_cap_mw[st]
    )
