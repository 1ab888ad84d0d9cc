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
    return list(getattr(m, "_rules", {}).values())
