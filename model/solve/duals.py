"""Marginal values of the rules: what one more unit of budget, cap or target is worth.

MILPs have no duals, so the usual reading is taken: fix the discrete siting choices (build and
upgrade binaries) at the optimum, let GPU counts vary continuously (they are large numbers at
national scale), solve that LP and read the row duals of every registered rule. Each value is
local: it holds for small changes that do not alter which sites are built.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo

from model.core.rules import rules_of
from model.milp.model_data import SitingModel
from model.solve.highs import StandardForm, to_standard_form

# How a marginal value is quoted per rule unit: (step in user units, how the step reads).
STEPS: dict[str, tuple[float, str]] = {
    "USD": (1e9, "+$1bn of"),
    "MW": (100.0, "+100 MW of"),
    "MW of IT": (100.0, "+100 MW of IT in"),
    "tCO2/yr": (1e6, "+1 MtCO2/yr of"),
    "m3/yr": (1e6, "+1 million m3/yr of"),
    "PFLOPS": (1e3, "+1,000 PFLOPS of"),
    "GPUs": (1e3, "+1,000 GPUs of"),
    "sites": (1.0, "+1 site of"),
}


@dataclass(frozen=True)
class MarginalValue:
    rule: str
    index: str | None
    unit: str
    value_per_unit: float  # objective units per one user unit of the rule's bound
    objective_unit: str
    sentence: str


def _sentence(rule: str, index: str | None, unit: str, per_unit: float, objective_unit: str) -> str:
    step, reads = STEPS.get(unit, (1.0, f"+1 {unit} of"))
    change = per_unit * step
    name = f"{rule} {index}" if index else rule
    if change == 0:
        return f"{reads} {name} changes nothing"
    if objective_unit == "MUSD":
        verb = "costs" if change > 0 else "saves"
        return f"{reads} {name} {verb} ${abs(change) / 1e3:,.3f}bn"
    verb = "buys" if change > 0 else "costs"
    return f"{reads} {name} {verb} {abs(change):,.1f} {objective_unit}"


def solve_fixed_siting_lp(m: pyo.ConcreteModel) -> tuple[StandardForm, highspy.Highs]:
    """The LP behind the marginal values: ``m``'s standard form with every binary fixed at its current
    value and every integer relaxed, solved quietly; returns the form and the solved HiGHS instance
    (check its model status before reading the solution)."""
    form = to_standard_form(m)
    lp = form.lp
    lower = np.asarray(lp.col_lower_, dtype=float)
    upper = np.asarray(lp.col_upper_, dtype=float)
    for j, var in enumerate(form.columns):
        if var.is_binary():
            lower[j] = upper[j] = round(var.value)
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.integrality_ = [highspy.HighsVarType.kContinuous] * len(form.columns)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    h.run()
    return form, h


def marginal_values(sm: SitingModel) -> list[MarginalValue]:
    """Duals of every rule row at the current solution (load a solution into ``sm.m`` first)."""
    m = sm.m
    form, h = solve_fixed_siting_lp(m)
    lp = form.lp
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return []
    duals = np.asarray(h.getSolution().row_dual, dtype=float)
    maximise = lp.sense_ == highspy.ObjSense.kMaximize
    objective_unit = "PFLOPS" if maximise else "MUSD"
    row_of = {id(con): i for i, con in enumerate(form.row_constraints)}
    values: list[MarginalValue] = []
    for rule in rules_of(m):
        for index, con in m.find_component(rule.component).items():
            i = row_of.get(id(con))
            if i is None:
                continue
            # HiGHS' row dual is d(objective)/d(row bound) in model units; per user unit divide by to_unit.
            per_unit = float(duals[i]) / rule.to_unit
            if abs(per_unit) < 1e-12:
                per_unit = 0.0
            idx = None if index is None else str(index)
            values.append(
                MarginalValue(
                    rule=rule.label,
                    index=idx,
                    unit=rule.unit,
                    value_per_unit=per_unit,
                    objective_unit=objective_unit,
                    sentence=_sentence(rule.label, idx, rule.unit, per_unit, objective_unit),
                )
            )
    return values


def as_records(values: list[MarginalValue]) -> list[dict[str, Any]]:
    return [asdict(v) for v in values]
