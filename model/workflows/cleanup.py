"""Second-stage cleanup: remove solver leftovers from a solution, within the scenario's MIP gap.

A MIP solved to a relative gap may return a plan with pieces no one would build: a handful of servers of
a second GPU type beside a campus of racks (they fill the last kW or dollar), a new plant of a fraction of
a MW, a campus that exists only because the solver stopped at 1 %. None of them changes the objective by
more than the tolerance the scenario accepted, so the cleanup removes them and re-solves the same built
model, and keeps the result only if it stays within the gap.

The rule (:data:`RULE`), applied in every model year (a snapshot has one):

* a GPU type at a campus is a fragment when its IT MW is below ``MIN_GPU_SHARE`` (1 %) of the campus' IT MW
  or below ``MIN_GPU_IT_MW`` (1 MW of IT: ~100 eight-GPU servers or ~8 NVL72 racks); the campus' largest
  type is never one (a campus is removed only by the campus rule);
* a new plant -- zonal new generation per zone and type, an on-site solar / wind / battery / gas asset
  (hourly mode), a bridge turbine (multi-year routes) -- is a fragment below ``MIN_PLANT_MW`` (1 MW).
  Plants with capacity but no energy are kept: a gas turbine bought for its firm capacity is a real choice;
* a small campus -- at the horizon's end, under ``SMALL_CAMPUS_SHARE`` (5 %) of the plan: of its PFLOPS for
  a compute objective, of its IT MW otherwise -- is tried for removal, smallest first (at most
  ``MAX_CAMPUS_TRIALS``, stopping at the first that must stay), and removed when the plan without it stays
  within the gap. A least-cost plan stopped at 1 % may carry 50-150 MW campuses whose fixed costs a tighter
  solve avoids; a compute plan keeps a campus unless moving its money elsewhere costs less than the gap.
  Campuses under the gap's own share are listed as ``sites_near_gap``: with nothing else changed, dropping
  one costs a compute plan at most that share, so the solver's tolerance cannot tell whether it belongs.

Fragments go first (all together), then the small campuses one at a time. Each re-solve keeps the plan's
shape: every other campus stays built (build binaries fixed in every year), no GPU type or plant the
solution did not use may appear, and the rest (GPU counts, plant sizes, connections, dispatch) is
re-optimised with the scenario's own solver options. Fragments a re-solve leaves (a type shrunk below the
threshold) are removed in a further round, up to ``MAX_ROUNDS``. A step is kept when the objective stays
within the scenario's ``mip_gap`` of the original (relative to the original); otherwise the plan before
the step is restored and the record says what was kept and why. Bounds are restored in every case, so a
cached model (compare, sweep) can be re-solved as built.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pyomo.environ as pyo

from model.milp.components.dispatch import ASSETS, provided
from model.milp.components.routes import routes_of
from model.milp.model_data import SitingModel, YearModel, members
from model.results.tables import objective_in_unit
from model.solve.highs import SolveResult, solve_model

MIN_GPU_SHARE = 0.01  # of the campus' IT MW
MIN_GPU_IT_MW = 1.0  # MW of IT
MIN_PLANT_MW = 1.0  # MW of capacity
MAX_ROUNDS = 3
SMALL_CAMPUS_SHARE = 0.05  # of the plan's PFLOPS (compute objectives) or IT MW
MAX_CAMPUS_TRIALS = 5
_TOL = 1e-6

RULE = (
    f"GPU types below {MIN_GPU_SHARE:.0%} of a campus' IT MW or below {MIN_GPU_IT_MW:g} MW of IT (the campus' "
    f"largest type kept) and new plants (zonal, on-site, bridge) below {MIN_PLANT_MW:g} MW are removed; then campuses "
    f"under {SMALL_CAMPUS_SHARE:.0%} of the plan, smallest first (at most {MAX_CAMPUS_TRIALS}); the other campuses stay "
    "built and no new GPU type or plant may appear; each step kept only if the objective stays within the "
    "scenario's mip_gap of the original"
)

Kind = Literal["gpu", "plant", "campus"]


@dataclass(frozen=True)
class Fragment:
    """One piece the rule removes: ``vars`` are set to zero in the re-solve (one per model year for a campus)."""

    kind: Kind
    year: int
    where: str  # site id, or zone for zonal new generation
    what: str  # GPU type, plant type (e.g. "gas_cc", "onsite_solar", "bridge") or "campus"
    amount: float  # blocks (gpu), MW (plant), facility MW (campus)
    unit: str
    it_mw: float = 0.0  # MW of IT (gpu, campus)
    vars: tuple[Any, ...] = field(default=(), repr=False, compare=False)
    name: str = ""  # the site's county and state, for readers

    def record(self, snapshot: bool = False) -> dict[str, Any]:
        """The fragment for summary.json (a snapshot's one model year is left out)."""
        # Field by field: dataclasses.asdict would deep-copy the Pyomo variables (and their whole model).
        out: dict[str, Any] = {"kind": self.kind, "year": self.year, "where": self.where, "name": self.name,
                               "what": self.what, "amount": round(self.amount, 6), "unit": self.unit,
                               "it_mw": round(self.it_mw, 6)}
        if snapshot:
            out.pop("year")
        if self.kind == "plant":
            out.pop("it_mw")
        if not self.name:
            out.pop("name")
        return out


@dataclass(frozen=True)
class Cleanup:
    """What the cleanup did: the solve result to report (cleaned or original) and summary.json's ``cleanup``."""

    result: SolveResult
    record: dict[str, Any]


def _values(vs: list[Any]) -> np.ndarray:
    return np.fromiter((0.0 if v.value is None else float(v.value) for v in vs), dtype=float, count=len(vs))


def _sense_max(sm: SitingModel) -> bool:
    return bool(sm.m.objective.sense == pyo.maximize)


def gpu_fragments(ym: YearModel) -> list[Fragment]:
    """GPU types at each built campus below the share / size floor (the campus' largest type kept)."""
    m, data = ym.m, ym.data
    sites, gpus = list(data.sets.SITES), list(data.sets.GPUS)
    n_s, n_g = len(sites), len(gpus)
    if not n_s or not n_g:
        return []
    blocks_vars = members(m.blocks)
    blocks = _values(blocks_vars).reshape(n_s, n_g)
    it_per_block = np.array([data.block_it_mw[g] for g in gpus], dtype=float)
    it = blocks * it_per_block  # MW of IT per site x type
    site_it = it.sum(axis=1, keepdims=True)
    largest = np.zeros_like(it, dtype=bool)
    largest[np.arange(n_s), it.argmax(axis=1)] = True
    small = (it < MIN_GPU_SHARE * site_it - _TOL) | (it < MIN_GPU_IT_MW - _TOL)
    frag = (blocks > _TOL) & small & ~largest
    out = []
    for i, j in zip(*np.nonzero(frag)):
        out.append(Fragment("gpu", ym.year, str(sites[i]), str(gpus[j]), float(blocks[i, j]), "blocks",
                            it_mw=float(it[i, j]), vars=(blocks_vars[i * n_g + j],), name=site_name(ym, sites[i])))
    return out


def site_name(ym: YearModel, site: str) -> str:
    """"County, ST" of a candidate (what the sites table shows), or "" when the data has no names."""
    sites = ym.data.sites
    if "county_name" not in sites.columns or "state" not in sites.columns:
        return ""
    return f"{sites.at[site, 'county_name']}, {sites.at[site, 'state']}"


def plant_vars(ym: YearModel) -> list[tuple[str, str, Any]]:
    """Every new-plant capacity variable of the year: (where, what, VarData)."""
    m, data = ym.m, ym.data
    out: list[tuple[str, str, Any]] = []
    if data.supply is not None:
        out += [(str(z), str(t), v) for (z, t), v in zip(data.sets.ZONES_GEN, members(m.new_gen_mw))]
    hourly = provided(data)
    for asset in ASSETS:
        if f"{asset}_mw" in hourly:
            out += [(str(s), f"onsite_{asset}", v) for s, v in zip(data.sets.SITES, members(m.find_component(f"{asset}_mw")))]
    r = routes_of(data)
    if r is not None and r.bridge_ok(ym.year):
        out += [(str(s), "bridge", v) for s, v in zip(m.BRIDGE_SITES, members(m.bridge_cap_mw))]
    return out


def plant_fragments(ym: YearModel) -> list[Fragment]:
    plants = plant_vars(ym)
    mw = _values([v for _, _, v in plants])
    keep = (mw > _TOL) & (mw < MIN_PLANT_MW - _TOL)
    at_site = lambda t: t.startswith("onsite_") or t == "bridge"  # noqa: E731  (zonal plants are in a zone)
    return [Fragment("plant", ym.year, w, t, float(x), "MW", vars=(v,), name=site_name(ym, w) if at_site(t) else "")
            for (w, t, v), x, k in zip(plants, mw, keep) if k]


def campus_shares(sm: SitingModel) -> dict[str, tuple[float, float, float]]:
    """Built campuses at the horizon's end: site -> (share of the plan, facility MW, IT MW). The share is
    of PFLOPS for a compute objective, of IT MW otherwise."""
    ym = sm.final
    m, sites = ym.m, list(ym.data.sets.SITES)
    built = _values(members(m.build)) > 0.5
    ids = [s for s, b in zip(sites, built) if b]
    if not ids:
        return {}
    it = np.array([float(pyo.value(m.it_mw[s])) for s in ids])
    facility = np.array([float(pyo.value(m.facility_mw[s])) for s in ids])
    measure = np.array([float(pyo.value(m.site_pflops[s])) for s in ids]) if _compute_goal(sm) else it
    total = float(measure.sum())
    share = measure / total if total > 0 else np.zeros(len(ids))
    return {s: (float(sh), float(f), float(i)) for s, sh, f, i in zip(ids, share, facility, it)}


def _compute_goal(sm: SitingModel) -> bool:
    """Whether the objective counts compute (snapshot max_compute, multi-year max_compute_years)."""
    sc = sm.data.inputs.scenario
    goal = sc.pathway.objective if sc.pathway is not None else sc.objective.sense
    return goal in ("max_compute", "max_compute_years")


def near_gap_campuses(sm: SitingModel, gap: float) -> list[dict[str, Any]]:
    """Campuses whose share of the plan is below ``gap`` (see the module docstring), smallest first."""
    rows = [{"site_id": s, "name": site_name(sm.final, s), "share": round(sh, 6), "facility_mw": round(f, 3), "it_mw": round(i, 3)}
            for s, (sh, f, i) in campus_shares(sm).items() if sh < gap]
    return sorted(rows, key=lambda r: (r["share"], r["site_id"]))


def small_campuses(sm: SitingModel) -> list[Fragment]:
    """Campuses under ``SMALL_CAMPUS_SHARE`` of the plan, smallest first (at most ``MAX_CAMPUS_TRIALS``), as
    fragments over every model year's build binary."""
    shares = sorted(campus_shares(sm).items(), key=lambda kv: (kv[1][0], kv[0]))
    return [Fragment("campus", sm.horizon.last, s, "campus", f, "MW facility", it_mw=i,
                     vars=tuple(ym.m.build[s] for ym in sm.years.values()), name=site_name(sm.final, s))
            for s, (sh, f, i) in shares if sh < SMALL_CAMPUS_SHARE][:MAX_CAMPUS_TRIALS]


def fragments(sm: SitingModel) -> list[Fragment]:
    """GPU and plant fragments of the current solution in every model year."""
    out: list[Fragment] = []
    for ym in sm.years.values():
        out += gpu_fragments(ym) + plant_fragments(ym)
    return out


class _Bounds:
    """Bounds set for the re-solve, remembered so they can be put back exactly."""

    def __init__(self) -> None:
        self.saved: dict[int, tuple[Any, Any, Any]] = {}

    def set(self, v: Any, lb: float | None, ub: float | None) -> None:
        if id(v) not in self.saved:
            # The bounds as set (a number or None), not as resolved against the domain.
            self.saved[id(v)] = (v, getattr(v, "_lb", v.lb), getattr(v, "_ub", v.ub))
        if lb is not None:
            v.setlb(lb)
        if ub is not None:
            v.setub(ub)

    def restore(self) -> None:
        for v, lb, ub in self.saved.values():
            v.setlb(lb)
            v.setub(ub)
        self.saved.clear()


def _restrict(sm: SitingModel, removed: list[Fragment], bounds: _Bounds) -> None:
    """The plan's shape: campuses stay as built (removed ones closed), unused GPU types and plants stay
    unused, fragments are zero. Bounds rather than ``fix`` keep the fast translation route."""
    gone = {id(v) for f in removed for v in f.vars}
    for ym in sm.years.values():
        for v in members(ym.m.build):
            b = 0.0 if id(v) in gone else float(round(v.value or 0.0))
            bounds.set(v, b, b)
        pieces = list(members(ym.m.blocks)) + [v for _, _, v in plant_vars(ym)]
        for v in pieces:
            if id(v) in gone or (v.value or 0.0) <= _TOL:
                bounds.set(v, None, 0.0)
    for f in removed:
        for v in f.vars:
            v.set_value(0.0, skip_validation=True)


def relative_cost(before: float, after: float, maximise: bool) -> float:
    """How much worse ``after`` is than ``before``, relative to ``before`` (negative: better)."""
    worse = before - after if maximise else after - before
    return worse / abs(before) if before != 0 else (0.0 if worse == 0 else math.copysign(math.inf, worse))


def _gap(objective: float, bound: float | None) -> float | None:
    if bound is None:
        return None
    return abs(bound - objective) / abs(objective) if objective != 0 else (0.0 if bound == 0 else None)


def clean_solution(sm: SitingModel, result: SolveResult) -> Cleanup:
    """Remove fragments, then small campuses, from the solution loaded in ``sm`` (see the module docstring);
    the model holds the kept solution afterwards and every bound is as built."""
    t0 = time.perf_counter()
    sc = sm.data.inputs.scenario
    gap = float(sc.solver.mip_gap)
    snap = sm.horizon.snapshot
    record: dict[str, Any] = {"rule": RULE, "status": "nothing_to_clean", "removed": [], "objective_before": None,
                              "objective_after": None, "relative_cost": 0.0, "mip_gap_allowed": gap,
                              "sites_near_gap": [], "attempts": [], "seconds": 0.0}
    if not result.has_solution or result.objective is None:
        record["status"] = "no_solution"
        return Cleanup(result, record)
    before = float(result.objective)
    record["objective_before"] = record["objective_after"] = objective_in_unit(sc, before)
    record["sites_near_gap"] = near_gap_campuses(sm, gap)
    first = fragments(sm)
    if result.status == "interrupted":  # the user asked to stop: no further solve
        record["status"] = "skipped_interrupted"
        record["fragments_left"] = [f.record(snap) for f in first]
        return Cleanup(result, record)
    campuses = small_campuses(sm)
    if not first and not campuses:
        return Cleanup(result, record)
    steps = _Steps(sm, before, record)
    try:
        if first and not steps.attempt(first, "fragments") and not steps.interrupted:
            record["fragments_left"] = [f.record(snap) for f in first]
        for campus in campuses:
            if steps.interrupted or not steps.attempt([campus], f"campus {campus.name or campus.where}"):
                break  # larger campuses would cost more
    finally:
        steps.finish()
    record["seconds"] = round(time.perf_counter() - t0, 3)
    if steps.interrupted:
        record["status"] = "skipped_interrupted"
        record["fragments_left"] = [f.record(snap) for f in first]
        return Cleanup(replace(result, status="interrupted"), record)
    if steps.kept is None:
        record["status"] = "kept_original" if first else "nothing_to_clean"
        return Cleanup(result, record)
    after = float(steps.kept.objective)  # type: ignore[arg-type]  # a kept re-solve has an objective
    record |= {
        "status": "cleaned",
        "removed": [f.record(snap) for f in steps.removed],
        "objective_after": objective_in_unit(sc, after),
        "relative_cost": relative_cost(before, after, _sense_max(sm)),
    }
    # The original solve's dual bound still bounds the full model; the gap is the cleaned plan's to it.
    return Cleanup(replace(result, objective=after, mip_gap=_gap(after, result.dual_bound)), record)


class _Steps:
    """Cleanup steps on one model: each removes more on top of the kept ones and is kept only within the
    gap of the original objective; the variables always end at the last kept plan (or the original)."""

    def __init__(self, sm: SitingModel, before: float, record: dict[str, Any]) -> None:
        self.sm, self.before, self.record = sm, before, record
        self.scenario = sm.data.inputs.scenario
        self.gap = float(self.scenario.solver.mip_gap)
        self.maximise = _sense_max(sm)
        self.variables = list(sm.m.component_data_objects(pyo.Var, descend_into=True))
        self.original = [v.value for v in self.variables]
        self.kept_values = self.original  # the original, then each kept plan
        self.kept: SolveResult | None = None
        self.removed: list[Fragment] = []
        self.interrupted = False
        self.bounds = _Bounds()

    def _back(self) -> None:
        for v, x in zip(self.variables, self.kept_values):
            v.set_value(x, skip_validation=True)

    def attempt(self, more: list[Fragment], what: str) -> bool:
        """Remove ``more`` on top of what is kept; True if the plan without them is kept."""
        sc, snap = self.scenario, self.sm.horizon.snapshot
        removed = self.removed + more
        attempt: dict[str, Any] = {"removing": what, "rounds": 0}
        self.record["attempts"].append(attempt)
        for round_ in range(1, MAX_ROUNDS + 1):
            _restrict(self.sm, removed, self.bounds)
            try:
                r = solve_model(self.sm.m, sc.solver, None, warm_start=True, hourly=self.sm.hourly)
            finally:
                self.bounds.restore()
            attempt |= {"rounds": round_, "status": r.status}
            if r.status.startswith("interrupted"):  # Ctrl-C: the original plan, and the run ends as interrupted
                self.interrupted = True
                return False
            if not r.has_solution or r.objective is None:
                break
            cost = relative_cost(self.before, float(r.objective), self.maximise)
            attempt |= {"objective": objective_in_unit(sc, float(r.objective)),
                        "relative_cost": cost if math.isfinite(cost) else None}
            if cost > self.gap + 1e-9:
                break
            left = fragments(self.sm)
            if not left or round_ == MAX_ROUNDS:
                if left:
                    attempt["fragments_left"] = [f.record(snap) for f in left]
                self.kept, self.removed = r, removed
                self.kept_values = [v.value for v in self.variables]
                return True
            removed = removed + left
        self._back()
        return False

    def finish(self) -> None:
        """Every bound as built; the variables at the last kept plan (the original after an interrupt)."""
        self.bounds.restore()
        if self.interrupted:
            self.kept, self.removed = None, []
            self.kept_values = self.original
        self._back()
