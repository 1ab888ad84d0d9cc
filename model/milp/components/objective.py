"""The one-period objectives: most compute for the budget, or least cost for a compute / GPU / IT-MW target.

:func:`add_year_totals` (every year block) provides ``compute_pflops``, ``gpus_total``, ``it_mw_total``;
:func:`add_objective` (the root of a snapshot) ``objective`` and, with a target, ``target``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyomo.environ as pyo

from model.core.rules import register_rule
from model.milp.components.budget import cost_coefficients
from model.milp.model_data import LinearObjective, LinearRows, Segments, linear_sum, members, named_sum, register_linear

if TYPE_CHECKING:
    from model.milp.model_data import ModelData, YearModel


def add_year_totals(m: pyo.Block, data: ModelData) -> None:
    """The year's totals: PFLOPS, GPUs and MW of IT online."""
    n_s = len(data.sets.SITES)
    gpus_per_block = [data.block_gpus[g] for g in data.sets.GPUS]
    m.compute_pflops = pyo.Expression(expr=named_sum(list(m.site_pflops.values())))
    m.gpus_total = pyo.Expression(expr=linear_sum(gpus_per_block * n_s, members(m.blocks)))
    m.it_mw_total = pyo.Expression(expr=named_sum(list(m.it_mw.values())))


def add_objective(root: pyo.ConcreteModel, year: YearModel) -> None:
    """Snapshot objective on the root: max PFLOPS, or min total cost with a target row."""
    m, data = year.m, year.data
    sets = data.sets
    sites, gpus = sets.SITES, sets.GPUS
    n_s = len(sites)
    blocks = members(m.blocks)
    gpus_per_block = [data.block_gpus[g] for g in gpus]
    # The same sums as arrays over the blocks (site-major), for the translation to HiGHS.
    per_block = {
        "PFLOPS": np.tile(np.array([data.block_pflops[g] for g in gpus], dtype=float), n_s),
        "GPUs": np.tile(np.array(gpus_per_block, dtype=float), n_s),
        "MW of IT": np.tile(np.array([data.block_it_mw[g] for g in gpus], dtype=float), n_s),
    }
    cols = np.arange(len(blocks))
    goal = data.inputs.scenario.objective
    if goal.sense == "max_compute":
        root.objective = pyo.Objective(expr=m.compute_pflops, sense=pyo.maximize)
        _register_objective(root, (blocks,), cols, lambda: per_block["PFLOPS"])
        return
    if goal.target_pflops is not None:
        target, unit, bound = m.compute_pflops, "PFLOPS", goal.target_pflops
    elif goal.target_gpus is not None:
        target, unit, bound = m.gpus_total, "GPUs", goal.target_gpus
    else:
        assert goal.target_it_mw is not None  # ObjectiveConfig: min_cost has one of the three targets
        target, unit, bound = m.it_mw_total, "MW of IT", goal.target_it_mw
    root.target = pyo.Constraint(expr=target >= bound)
    register_rule(root, "target", "target", unit)
    register_linear(
        root,
        LinearRows(
            constraint=root.target, members=[root.target], exprs=[root.target.expr], variables=(blocks,),
            rows=np.zeros(len(blocks), dtype=np.int64), cols=cols, vals=per_block[unit],
            senses=np.full(1, -1, dtype=np.int8), rhs=np.array([float(bound)]),
        ),
    )
    root.objective = pyo.Objective(expr=m.total_cost_musd, sense=pyo.minimize)
    coefficients = cost_coefficients(m, data, include_opex=True)
    if coefficients is not None:
        variables, cost_cols, values = coefficients
        _register_objective(root, variables, cost_cols, values)


def _register_objective(m: pyo.ConcreteModel, variables: Segments, cols: np.ndarray, values: Any) -> None:
    register_linear(
        m,
        LinearObjective(
            objective=m.objective, expr=m.objective.expr, sense=m.objective.sense, variables=variables, cols=cols,
            vals=values(), refresh=values,
        ),
    )
