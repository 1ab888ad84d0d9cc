"""Rule rows: constraints a user may relax or price (budget, targets, policies).

Components register themselves here so that infeasibility diagnosis and marginal values find
every rule without knowing which blocks or policies exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyomo.environ as pyo


@dataclass(frozen=True)
class Rule:
    component: str  # name of the Pyomo Constraint component
    label: str  # how users call it, e.g. "budget", "state_mw_cap VA"
    unit: str  # the unit of the row in user terms, e.g. "USD", "MW"
    to_unit: float  # factor from the model's row unit to ``unit`` (the model works in M$)


def register_rule(m: pyo.ConcreteModel, component: str, label: str, unit: str, to_unit: float = 1.0) -> None:
    rules = getattr(m, "_rules", None)
    if rules is None:
        rules = {}
        m._rules = rules
    rules[component] = Rule(component, label, unit, to_unit)


def rules_of(m: pyo.ConcreteModel) -> list[Rule]:
    """Every rule registered on ``m`` or a block inside it; a block's rules name their component by its
    full name (e.g. ``year[2030].carbon_cap_0``) and, in a multi-year model, carry the year in the label."""
    out = list(getattr(m, "_rules", {}).values())
    blocks = [b for b in m.block_data_objects(active=True, descend_into=True) if b is not m]
    several = len(blocks) > 1
    for b in blocks:
        year = b.index()
        for rule in getattr(b, "_rules", {}).values():
            label = f"{rule.label} {year}" if several and year is not None else rule.label
            out.append(Rule(f"{b.name}.{rule.component}", label, rule.unit, rule.to_unit))
    return out
