"""Policies: each listed policy's module adds its own rows (exclusions were applied as masks).

Provides: each policy's rows and mutable Params, named with its ``component_name`` prefix (read back
only through ``core.rules`` and the policy's own ``update``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyomo.environ as pyo

from model.policies import component_name, module_for

if TYPE_CHECKING:
    from model.milp.model_data import ModelData


def add_policy(m: pyo.Block, data: ModelData) -> None:
    """Each policy as it stands in this block's year (``PolicyParams.in_year``: its years and path);
    in multi-year models a type with ``add_over_time`` adds its rows on the root instead."""
    multi = data.horizon is not None and not data.horizon.snapshot
    for i, policy in enumerate(data.inputs.scenario.policies):
        module = module_for(policy)
        if multi and getattr(module, "add_over_time", None) is not None:
            continue
        add = getattr(module, "add", None)
        now = policy_now(policy, data)
        if add is not None and now is not None:
            add(m, data, now, component_name(policy, i))


def policy_now(policy: Any, data: ModelData) -> Any:
    """``policy`` in the data's model year (None if it does not apply then); a snapshot applies it as given."""
    if data.horizon is None or data.horizon.snapshot:
        return policy
    return policy.in_year(data.year)
