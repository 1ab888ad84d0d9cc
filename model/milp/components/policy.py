"""Policies: each listed policy's module adds its own rows (exclusions were applied as masks).

Provides: each policy's rows and mutable Params, named with its ``component_name`` prefix (read back
only through ``core.rules`` and the policy's own ``update``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyomo.environ as pyo

from model.policies import component_name, module_for

if TYPE_CHECKING:
    from model.milp.model_data import ModelData


def add_policy(m: pyo.ConcreteModel, data: ModelData) -> None:
    for i, policy in enumerate(data.inputs.scenario.policies):
        add = getattr(module_for(policy), "add", None)
        if add is not None:
            add(m, data, policy, component_name(policy, i))
