"""Objectives: most compute for the budget, or least cost for a compute / GPU / IT-MW target.

Provides: ``compute_pflops``, ``gpus_total``, ``it_mw_total``, ``objective`` and, with a target, ``target``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyomo.environ as pyo

from model.core.rules import register_rule

if TYPE_CHECKING:
    from model.milp.model_data import ModelData


def add_objective(m: pyo.ConcreteModel, data: ModelData) -> None:
    m.compute_pflops = pyo.Expression(expr=sum(m.site_pflops[s] for s in m.SITES))
    m.gpus_total = pyo.Expression(expr=sum(data.block_gpus[g] * m.blocks[s, g] for s, g in m.SITES_GPUS))
    m.it_mw_total = pyo.Expression(expr=sum(m.it_mw[s] for s in m.SITES))
    goal = data.inputs.scenario.objective
    if goal.sense == "max_compute":
        m.objective = pyo.Objective(expr=m.compute_pflops, sense=pyo.maximize)
        return
    if goal.target_pflops is not None:
        m.target = pyo.Constraint(expr=m.compute_pflops >= goal.target_pflops)
        register_rule(m, "target", "target", "PFLOPS")
    elif goal.target_gpus is not None:
        m.target = pyo.Constraint(expr=m.gpus_total >= goal.target_gpus)
        register_rule(m, "target", "target", "GPUs")
    else:
        m.target = pyo.Constraint(expr=m.it_mw_total >= goal.target_it_mw)
        register_rule(m, "target", "target", "MW of IT")
    m.objective = pyo.Objective(expr=m.total_cost_musd, sense=pyo.minimize)
