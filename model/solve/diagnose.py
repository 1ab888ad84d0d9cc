"""Why is a scenario infeasible? Pre-checks of plain physical limits, and an elastic re-solve.

The elastic model adds a non-negative slack to every *rule* row (budget, compute target, state
caps), minimises the sum of slacks relative to each rule's bound, and reports which rules must be
relaxed and by how much, in the rule's own unit. Physical rows (headroom, land, campus size)
stay hard: if the elastic model is infeasible too, no rule relaxation can help.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.environ as pyo

from model.config import SolverConfig
from model.core.errors import SitingError
from model.core.rules import Rule, rules_of
from model.milp.model_data import ModelData, SitingModel
from model.solve.highs import solve_highspy


@dataclass(frozen=True)
class Relaxation:
    rule: str
    index: str | None
    bound: float
    relax_by: float
    unit: str
    # An upper-bound row (budget, caps) is relaxed by raising its bound, a lower-bound row
    # (a target, min_sites, a required share) by lowering it.
    direction: str = "raise"

    def sentence(self) -> str:
        where = f" {self.index}" if self.index else ""
        direction = self.direction
        if self.unit == "USD":
            return f"{self.rule}{where}: {direction} by ${self.relax_by / 1e9:,.3f}bn (from ${self.bound / 1e9:,.3f}bn)"
        return f"{self.rule}{where}: {direction} by {self.relax_by:,.3f} {self.unit} (bound {self.bound:,.3f} {self.unit})".replace("  ", " ")


def max_site_facility_mw(data: ModelData) -> np.ndarray:
    """Upper bound on each candidate's facility MW from headroom, best upgrade, land and campus cap."""
    tier_max = max(data.tier_mw.values(), default=0.0)
    sites = data.sets.SITES
    grid = np.array([data.headroom_mw[s] for s in sites]) + tier_max
    land = np.array([data.land_mw_max[s] for s in sites])
    cap = np.minimum(np.minimum(grid, land), data.costs.max_campus_mw)
    return np.where(cap >= data.costs.min_campus_mw, cap, 0.0)


def check_target_reachable(data: ModelData) -> None:
    """Refuse targets beyond what every candidate together could physically host (exit 2, no solve)."""
    goal = data.inputs.scenario.objective
    if goal.sense != "min_cost":
        return
    pue = np.array([data.pue[s] for s in data.sets.SITES])
    it_max = float((max_site_facility_mw(data) / pue).sum())
    gpus = data.inputs.gpus
    mw_per_gpu = min(data.block_it_mw[g] / data.block_gpus[g] for g in gpus.index)
    pflops_per_mw = max(data.block_pflops[g] / data.block_it_mw[g] for g in gpus.index)
    n = len(data.sets.SITES)
    origin = data.inputs.scenario.origin
    if goal.target_it_mw is not None and goal.target_it_mw > it_max:
        raise SitingError(
            f"{origin}: objective.target_it_mw: {goal.target_it_mw:,.0f} MW is more than the {n:,} candidate sites "
            f"can host ({it_max:,.0f} MW of IT at most, from headroom, upgrades, land and campus size)"
        )
    if goal.target_gpus is not None and goal.target_gpus > it_max / mw_per_gpu:
        raise SitingError(
            f"{origin}: objective.target_gpus: {goal.target_gpus:,} GPUs need more power than the {n:,} candidate sites "
            f"can host (at most {it_max / mw_per_gpu:,.0f} GPUs)"
        )
    if goal.target_pflops is not None and goal.target_pflops > it_max * pflops_per_mw:
        raise SitingError(
            f"{origin}: objective.target_pflops: {goal.target_pflops:,.0f} PFLOPS need more power than the {n:,} "
            f"candidate sites can host (at most {it_max * pflops_per_mw:,.0f} PFLOPS)"
        )


def _relax(m: pyo.ConcreteModel) -> list[tuple[Rule, Any, pyo.Var, float, float, str]]:
    """Replace each rule row by an elastic copy; return (rule, index, slack, bound, scale, direction)."""
    m.elastic_slack = pyo.VarList(domain=pyo.NonNegativeReals)
    m.elastic_rows = pyo.ConstraintList()
    slacks = []
    for rule in rules_of(m):
        comp = m.find_component(rule.component)
        for index, con in comp.items():
            slack = m.elastic_slack.add()
            if con.has_ub():
                bound = float(pyo.value(con.upper))
                m.elastic_rows.add(con.body - slack <= con.upper)
                direction = "raise"
            else:
                bound = float(pyo.value(con.lower))
                m.elastic_rows.add(con.body + slack >= con.lower)
                direction = "lower"
            con.deactivate()
            slacks.append((rule, index, slack, bound, max(abs(bound), 1.0), direction))
    return slacks


def diagnose(sm: SitingModel, options: SolverConfig) -> dict[str, Any]:
    """Solve the elastic version of an infeasible model (modified in place) and explain the result."""
    m = sm.m
    slacks = _relax(m)
    for obj in m.component_data_objects(pyo.Objective, active=True):
        obj.deactivate()
    m.elastic_objective = pyo.Objective(expr=sum(s / scale for _, _, s, _, scale, _ in slacks), sense=pyo.minimize)
    result = solve_highspy(m, options)
    if not slacks or result.status not in ("optimal", "time_limit"):
        return {
            "relaxations": [],
            "message": "no budget, target or state-cap relaxation makes this feasible: physical limits "
            "(headroom, upgrades, land, campus size) or exclusions bind",
        }
    relaxations = []
    for rule, index, slack, bound, _, direction in slacks:
        amount = float(pyo.value(slack))
        # Below 0.01 % of the bound is block granularity (one more whole server), not a finding.
        if amount <= 1e-4 * max(abs(bound), 1.0):
            continue
        relaxations.append(
            Relaxation(
                rule=rule.label,
                index=None if index is None else str(index),
                bound=bound * rule.to_unit,
                relax_by=amount * rule.to_unit,
                unit=rule.unit,
                direction=direction,
            )
        )
    relaxations.sort(key=lambda r: -r.relax_by / max(abs(r.bound), 1.0))
    return {
        "relaxations": [r.__dict__ for r in relaxations],
        "message": "; ".join(r.sentence() for r in relaxations) or "infeasible only within solver tolerances",
    }
