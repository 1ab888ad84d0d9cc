"""Policy registry: every rule a scenario can list under ``[[policies]]``, as data.

Adding a policy type means adding a module here and one line to ``_MODULES``; the core model
never changes. See :mod:`model.policies.base` for what a module may define.
"""

from __future__ import annotations

from types import ModuleType
from typing import Annotated, Any, Union

from pydantic import BaseModel, Field

from model.policies import (
    carbon_cap,
    carbon_price,
    clean_energy_share,
    data_residency,
    exclude,
    hourly_clean_share,
    latency,
    max_share_per_state,
    max_sites,
    min_sites,
    moratorium,
    state_mw_cap,
    tax_incentive,
    time_to_power,
    water_cap,
)

_MODULES: tuple[ModuleType, ...] = (
    exclude,
    moratorium,
    state_mw_cap,
    max_share_per_state,
    min_sites,
    max_sites,
    carbon_cap,
    carbon_price,
    water_cap,
    tax_incentive,
    time_to_power,
    data_residency,
    latency,
    clean_energy_share,
    hourly_clean_share,
)

REGISTRY: dict[str, ModuleType] = {mod.Params.model_fields["type"].annotation.__args__[0]: mod for mod in _MODULES}

# Written out (not built from _MODULES) so type checkers see a real tagged union: ``policy.type == "x"``
# narrows to ``x.Params``. tests/test_types.py checks it lists exactly the Params of _MODULES.
Policy = Annotated[
    Union[
        exclude.Params,
        moratorium.Params,
        state_mw_cap.Params,
        max_share_per_state.Params,
        min_sites.Params,
        max_sites.Params,
        carbon_cap.Params,
        carbon_price.Params,
        water_cap.Params,
        tax_incentive.Params,
        time_to_power.Params,
        data_residency.Params,
        latency.Params,
        clean_energy_share.Params,
        hourly_clean_share.Params,
    ],
    Field(discriminator="type"),
]


def module_for(policy: BaseModel) -> ModuleType:
    return REGISTRY[policy.type]  # type: ignore[attr-defined]


def component_name(policy: BaseModel, index: int) -> str:
    """Unique, readable prefix for a policy's Pyomo components, e.g. ``state_mw_cap_0``."""
    return f"{policy.type}_{index}"  # type: ignore[attr-defined]


def structural_dump(policy: BaseModel) -> dict[str, Any]:
    """The policy without its mutable values (those a built model can take without rebuilding)."""
    raw = policy.model_dump(mode="json")
    for key in getattr(module_for(policy), "MUTABLE", ()):
        value = raw[key]
        raw[key] = sorted(value) if isinstance(value, dict) else None
    return raw
