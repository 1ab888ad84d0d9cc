"""Near-optimal alternatives (modelling to generate alternatives, MGA) on the same built model.

After the optimum ``z*`` is known, the objective becomes a constraint (at least ``(1 - slack) z*``
PFLOPS, or at most ``(1 + slack) z*`` of cost) and the model is re-solved with other objectives,
each pushing the plan somewhere else while staying within the slack:

* direction 0, "avoid the optimum" (hop-skip-jump): minimise the facility MW placed at the
  optimum's sites, so the alternative finds the best plan that does without them;
* directions 1..n-1, random directions over MW by state: minimise ``sum_state c_state x MW_state``
  with ``c`` drawn from {-1, +1} (seeded), which moves capacity between regions.

The directions are fixed up front, so the alternatives are independent and can be solved in
parallel (Dask: one built model per worker, re-pointed at each direction). From the set (optimum
included) the summary derives the sites built in every alternative ("must-haves"), groups of
interchangeable sites (a site that leaves the plan when another enters), and the range of MW per
state. As in PyPSA, MGA is a thin layer over the one model: it adds one row and swaps the objective.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence, cast

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from model.config import Scenario
from model.core.errors import ScenarioError
from model.core.units import USD_PER_MUSD
from model.inputs.load import SitingData, load_inputs
from model.milp.model_data import SitingModel
from model.plot.maps import alternatives_folium, frequency_map, save_map
from model.results.outputs import output_dir
from model.results.report import alternatives_report_html
from model.results.tables import objective_in_unit, sites_table, write_json
from model.solve.highs import solve_model
from model.workflows.engine import Engine

MAX_ALTERNATIVES = 200
_MW_TOL = 1.0  # a site counts as used in a plan above this facility MW


@dataclass(frozen=True)
class Direction:
    name: str
    site_weights: dict[str, float]  # objective weight per site's facility MW (minimised)


@dataclass(frozen=True)
class Alternative:
    name: str
    status: str
    objective: float | None  # in the scenario's own sense and unit (PFLOPS or M$)
    mw_by_site: dict[str, float]
    mw_by_state: dict[str, float]


def directions(sm: SitingModel, optimum_mw: dict[str, float], n: int, seed: int = 0) -> list[Direction]:
    """The optimum's avoidance direction, then ``n - 1`` seeded random directions over states."""
    state = sm.data.sites["state"]
    used = [s for s, mw in optimum_mw.items() if mw > _MW_TOL]
    out = [Direction("avoid-optimum", {s: 1.0 for s in used})]
    rng = np.random.default_rng(seed)
    states = sorted(set(state))
    for k in range(1, n):
        sign = dict(zip(states, rng.choice([-1.0, 1.0], size=len(states))))
        out.append(Direction(f"random-{k}", {s: sign[state[s]] for s in sm.data.sets.SITES}))
    return out


def add_near_optimal(sm: SitingModel, optimum: float, slack: float) -> None:
    """The objective becomes a row: within ``slack`` of the optimum (relative), in its own sense."""
    m = sm.m
    expr = m.objective.expr
    if m.objective.sense == pyo.maximize:
        m.mga_near_optimal = pyo.Constraint(expr=expr >= (1.0 - slack) * optimum)
    else:
        m.mga_near_optimal = pyo.Constraint(expr=expr <= (1.0 + slack) * optimum)
    m.mga_objective_value = pyo.Expression(expr=expr)
    m.objective.deactivate()


def solve_direction(sm: SitingModel, direction: Direction) -> Alternative:
    """Re-point the MGA objective at ``direction`` and solve (the near-optimal row must exist)."""
    m = sm.m
    if hasattr(m, "mga_objective"):
        m.del_component("mga_objective")
    weights = {s: w for s, w in direction.site_weights.items() if w != 0.0}
    facility = sm.final.m.facility_mw
    m.mga_objective = pyo.Objective(expr=sum(w * facility[s] for s, w in weights.items()), sense=pyo.minimize)
    result = solve_model(m, sm.data.inputs.scenario.solver, warm_start=True, hourly=sm.hourly)
    if not result.has_solution:
        return Alternative(direction.name, result.status, None, {}, {})
    sites = sites_table(sm.final)
    return Alternative(
        direction.name,
        result.status,
        objective_in_unit(sm.data.inputs.scenario, float(pyo.value(m.mga_objective_value))),
        sites["facility_mw"].round(3).to_dict(),
        sites.groupby("state")["facility_mw"].sum().round(3).to_dict(),
    )


def _solve_chunk(scenario: Scenario, chunk: Sequence[Direction], optimum: float, slack: float) -> list[Alternative]:
    """One worker: build once, add the near-optimal row, solve its directions in turn."""
    sm, _ = Engine(max_models=1).prepare(load_inputs(scenario))
    add_near_optimal(sm, optimum, slack)
    return [solve_direction(sm, d) for d in chunk]


def find_alternatives(
    scenario: Scenario,
    slack: float = 0.02,
    n: int = 10,
    workers: int = 1,
    scheduler: str | None = None,
    seed: int = 0,
    inputs: SitingData | None = None,
    on_step: Callable[[str], None] = lambda _: None,
) -> tuple[Any, list[Alternative]]:
    """The optimum (a RunOutcome) and ``n`` near-optimal alternatives within ``slack`` of it; ``on_step`` is
    told what is being solved (the optimum, then each alternative as it starts or, on Dask, finishes)."""
    if not 0 < slack < 1:
        raise ScenarioError(f"--slack: must be between 0 and 1 (a share of the optimum), got {slack}")
    if not 1 <= n <= MAX_ALTERNATIVES:
        raise ScenarioError(f"--n: must be between 1 and {MAX_ALTERNATIVES}, got {n}")
    on_step("loading inputs")
    inputs = inputs if inputs is not None else load_inputs(scenario)
    engine = Engine(max_models=1)
    on_step("solving the optimum")
    best, _ = engine.solve(scenario, inputs)
    if best.sites is None or best.summary["objective"] is None:
        raise ScenarioError(f"{scenario.origin}: no optimum to generate alternatives from ({best.summary['status']})")
    # The summary's unit (PFLOPS or USD) back to the model's (PFLOPS or M$) for the near-optimal row.
    optimum_model = float(best.summary["objective"]) / (1.0 if best.summary["objective_unit"] == "PFLOPS" else USD_PER_MUSD)
    sm, _ = engine.prepare(inputs)  # the same built model, its variables at the optimum
    plan = directions(sm, best.sites["facility_mw"].to_dict(), n, seed)
    if workers <= 1 and scheduler is None:
        add_near_optimal(sm, optimum_model, slack)
        found = []
        for i, d in enumerate(plan, start=1):
            on_step(f"solving alternative {i} of {len(plan)} ({d.name}) within {slack:.1%} of the optimum")
            found.append(solve_direction(sm, d))
    else:
        from dask.distributed import as_completed

        from model.workflows.sweep import contiguous_chunks, dask_client

        found_by_name: dict[str, Alternative] = {}
        with dask_client(scheduler, workers) as client:
            n_workers = len(client.scheduler_info()["workers"]) or workers
            chunks = [[plan[i] for i in c] for c in contiguous_chunks(len(plan), n_workers)]
            futures = [client.submit(_solve_chunk, scenario, c, optimum_model, slack, pure=False) for c in chunks]
            on_step(f"solving {len(plan)} alternatives on {n_workers} Dask workers")
            for future in as_completed(futures):
                for alt in future.result():
                    found_by_name[alt.name] = alt
                on_step(f"{len(found_by_name)} of {len(plan)} alternatives solved")
        found = [found_by_name[d.name] for d in plan]
    status = best.summary["status"]
    assert status is not None  # the optimum has a solution (checked above), so a solver status
    first = Alternative("optimum", status, float(best.summary["objective"]), best.sites["facility_mw"].round(3).to_dict(),
                        best.sites.groupby("state")["facility_mw"].sum().round(3).to_dict())
    return best, [first, *found]


SUBSTITUTE_KM = 300.0  # a dropped and an added site this close (or in one state) serve the same region


def summarise(
    alternatives: Sequence[Alternative],
    optimum: float,
    sense_max: bool,
    sites: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Must-haves, interchangeable groups and the range of MW per state over the solved plans.

    Interchangeable: when a plan drops a site of the optimum and adds another in the same state or
    within SUBSTITUTE_KM (``sites`` gives states and projected metres), the two are linked; groups
    are the connected sets. Without ``sites`` every drop is linked with every add of the plan.
    """
    solved = [a for a in alternatives if a.objective is not None]
    used = [{s for s, mw in a.mw_by_site.items() if mw > _MW_TOL} for a in solved]
    must = sorted(set.intersection(*used)) if used else []
    seen = sorted(set.union(*used)) if used else []
    # Interchangeable: a site of the optimum that an alternative drops, linked with the sites it adds.
    parent = {s: s for s in seen}

    def find(s: str) -> str:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    def near(a: str, b: str) -> bool:
        if sites is None:
            return True
        if sites.at[a, "state"] == sites.at[b, "state"]:
            return True
        pa, pb = sites.geometry[a].representative_point(), sites.geometry[b].representative_point()
        return pa.distance(pb) <= SUBSTITUTE_KM * 1000.0

    base = used[0] if used else set()
    for plan in used[1:]:
        dropped, added = base - plan, plan - base
        for a in dropped:
            for b in added:
                if near(a, b):
                    parent[find(a)] = find(b)
    groups: dict[str, list[str]] = {}
    for s in seen:
        if s not in must:
            groups.setdefault(find(s), []).append(s)
    states = sorted({st for a in solved for st in a.mw_by_state})
    mw_range = {
        st: {"min_mw": min(a.mw_by_state.get(st, 0.0) for a in solved), "max_mw": max(a.mw_by_state.get(st, 0.0) for a in solved)}
        for st in states
    }
    frequency = {s: sum(s in u for u in used) / len(used) for s in seen} if used else {}
    return {
        "optimum": optimum,
        "alternatives_solved": len(solved),
        "must_have_sites": must,
        "interchangeable_groups": [sorted(g) for g in groups.values() if len(g) > 1],
        "mw_by_state_range": mw_range,
        "site_frequency": dict(sorted(frequency.items(), key=lambda kv: (-kv[1], kv[0]))),
        "objective_share_of_optimum": {
            a.name: (cast(float, a.objective) / optimum if optimum else math.nan) for a in solved  # solved: objective set
        },
        "sense": "max" if sense_max else "min",
    }


def alternatives_table(alternatives: Sequence[Alternative]) -> pd.DataFrame:
    """One row per plan: objective, sites, MW by state."""
    states = sorted({st for a in alternatives for st in a.mw_by_state})
    rows = []
    for a in alternatives:
        row: dict[str, Any] = {
            "alternative": a.name,
            "status": a.status,
            "objective": a.objective,
            "sites": ";".join(sorted(s for s, mw in a.mw_by_site.items() if mw > _MW_TOL)),
            "facility_mw": round(sum(a.mw_by_site.values()), 3),
        }
        row |= {f"mw_{st}": a.mw_by_state.get(st, 0.0) for st in states}
        rows.append(row)
    return pd.DataFrame(rows)


def write_alternatives(out_dir: Path, best: Any, alternatives: Sequence[Alternative], slack: float, force: bool = False) -> dict[str, Any]:
    """alternatives.csv, alternatives.json (summary) and alternatives.png (how often each site is built)."""
    inputs = best.inputs
    sense_max = best.summary.get("objective_unit") == "PFLOPS"
    summary = summarise(alternatives, alternatives[0].objective or 0.0, sense_max, inputs.sites) | {"slack": slack}
    names = inputs.sites["county_name"].astype(str) + ", " + inputs.sites["state"].astype(str)
    summary["site_names"] = {s: names[s] for s in summary["site_frequency"]}
    with output_dir(out_dir, "alternatives", force=force) as tmp:
        alternatives_table(alternatives).to_csv(tmp / "alternatives.csv", index=False)
        write_json(tmp / "alternatives.json", summary)
        sites = inputs.sites.loc[list(summary["site_frequency"])] if summary["site_frequency"] else inputs.sites.iloc[:0]
        points = sites.assign(frequency=[summary["site_frequency"][s] for s in sites.index])
        candidates = inputs.sites if inputs.scenario.candidates.kind == "counties" else None
        figure = frequency_map(points, candidates, f"{inputs.scenario.name}: {len(alternatives)} plans within {slack:.0%}")
        figure.savefig(tmp / "alternatives.png", dpi=100)
        # Interactive: one toggleable layer per plan, the optimum shown first (issue 25).
        save_map(alternatives_folium({a.name: a.mw_by_site for a in alternatives}, inputs.sites,
                                     f"{inputs.scenario.name}: {len(alternatives)} plans within {slack:.0%}",
                                     summary["site_frequency"], summary["objective_share_of_optimum"]), tmp / "alternatives.html")
        page = alternatives_report_html(
            summary, alternatives_table(alternatives), (tmp / "alternatives.png").read_bytes(),
            f"{inputs.scenario.name}: near-optimal alternatives",
        )
        (tmp / "report.html").write_text(page, encoding="utf-8")
    return summary
