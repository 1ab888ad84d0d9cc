"""Policy risk as a two-stage stochastic programme (``siting robust``): docs/robust.md.

Risks are data: a TOML file of weighted scenarios, each a set of changes to a base scenario (an
added moratorium, a carbon price, electricity or GPU price multipliers, a budget or demand target).
First stage, shared by every scenario: which sites are built and their grid connections
(``build``, ``upgrade``, and with zonal supply ``connect`` and ``new_gen_mw``). Second stage, per
scenario: GPUs, energy and spending. The extensive form is one Pyomo model holding every
scenario's own model (built by the engine's :func:`model.workflows.engine.build_checked`, untouched) as a sub-block,
with non-anticipativity rows tying their first-stage variables to scenario 0's, and the expected
objective (or the maximum regret) as its objective; HiGHS solves it through
:func:`model.solve.highs.solve_model`.

Reported: RP (the stochastic optimum's expected objective), EEV (the mean-value scenario's first
stage evaluated in every scenario), VSS, WS (wait-and-see: each scenario solved alone), EVPI and
the per-scenario regret of each solution; optionally the min-max-regret first stage.
"""

from __future__ import annotations

import io
import json
import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Literal

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pydantic import Field, ValidationError, field_validator, model_validator

from model.config import Scenario, load_scenario, one_line, read_toml, scenario_from_dict
from model.core.errors import ScenarioError, SitingError
from model.core.schema import StrictModel, upper_codes
from model.core.units import USD_PER_MUSD
from model.inputs.load import SitingData, load_inputs
from model.milp.model_data import SitingModel
from model.policies import Policy
from model.policies.region import region_mask
from model.results.html import data_uri_png, fmt, render
from model.results.outputs import check_name, output_dir
from model.results.tables import OBJECTIVE_UNIT, objective_in_unit, objective_sense, sites_flat, sites_table, write_json
from model.solve.highs import SOLUTION_STATUSES, SolveResult, presolve_setting, solve_model
from model.workflows.engine import build_checked

# A national extensive form holds one full model per scenario (~28k columns each); beyond a handful
# of scenarios use a decomposition (docs/robust.md).
MAX_SCENARIOS = 12
PROBABILITY_TOLERANCE = 1e-6
# First-stage variables, when the model has them: sites and their connections (legacy upgrade tiers,
# zonal connection options) and new generation capacity (zonal supply).
# The first stage (decided once, before the risk is known): where to build (each model year's opening in a
# multi-year model), the connection or upgrade tier, and the new zonal generation.
# Structural risks (an added policy) enter the mean-value scenario when at least this likely.
STRUCTURAL_THRESHOLD = 0.5
# Policy types a risk may not add: they remove candidates, so the scenarios' first stages would differ.
CANDIDATE_CHANGING = ("exclude",)
SOLUTIONS = ("stochastic", "mean_value", "perfect_information", "minmax_regret")
MAXIMISE = ("max_compute", "max_compute_years", "max_npv")
SOLUTION_LABELS = {
    "stochastic": "stochastic (RP)",
    "mean_value": "mean-value (EEV)",
    "perfect_information": "perfect information (WS)",
    "minmax_regret": "min-max regret",
}
Objective = Literal["expected", "minmax_regret"]
InputsFn = Callable[[Scenario], SitingData]


# --- the risk file -------------------------------------------------------------------------------------


class PriceChange(StrictModel):
    """Multiply the electricity price of the candidates in ``states`` (all candidates when empty)."""

    states: list[str] = []
    multiplier: float = Field(gt=0, le=100)

    _states = field_validator("states")(upper_codes)


class RiskScenario(StrictModel):
    """One weighted scenario: changes to the base scenario (each optional)."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)
    probability: float = Field(gt=0, le=1)
    description: str = ""
    imitates: str = ""  # what real event or proposal the risk imitates (its source)
    # Policies added to the base's (any type but those that remove candidates).
    policies: list[Policy] = []
    # Replaces the base's carbon price (its carbon_price policy if it has one, else costs).
    carbon_price_usd_per_tco2: float | None = Field(default=None, ge=0, le=10_000)
    # Applied in order to the candidates' electricity prices.
    electricity_price: list[PriceChange] = []
    # Multiplies the base's GPU price multiplier (GPU prices or scarcity).
    gpu_price_multiplier: float | None = Field(default=None, gt=0, le=100)
    # Multiplies the base's equity and debt (money available).
    budget_multiplier: float | None = Field(default=None, gt=0, le=100)
    # Replace the base's demand target (min_cost bases only; the same kind of target as the base's).
    target_pflops: float | None = Field(default=None, gt=0)
    target_gpus: int | None = Field(default=None, gt=0)
    target_it_mw: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _no_candidate_changes(self) -> "RiskScenario":
        for i, policy in enumerate(self.policies):
            if policy.type in CANDIDATE_CHANGING:
                raise ValueError(
                    f"policies.{i}: type '{policy.type}' removes candidates; use 'moratorium' so every "
                    "scenario keeps the same candidate sites"
                )
        if sum(t is not None for t in (self.target_pflops, self.target_gpus, self.target_it_mw)) > 1:
            raise ValueError("give at most one of target_pflops, target_gpus, target_it_mw")
        return self

    @property
    def target(self) -> tuple[str, float] | None:
        for key in ("target_pflops", "target_gpus", "target_it_mw"):
            value = getattr(self, key)
            if value is not None:
                return key, float(value)
        return None


class RiskFile(StrictModel):
    description: str = ""
    # The base scenario the risks were written for, relative to this file (informational: the
    # command's SCENARIO argument is the base; see load_risk_base).
    base: str | None = None
    scenarios: list[RiskScenario] = Field(min_length=1, max_length=MAX_SCENARIOS)

    @model_validator(mode="after")
    def _weights(self) -> "RiskFile":
        names = [s.name for s in self.scenarios]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"scenarios.name: '{twice[0]}' appears {names.count(twice[0])} times; names must be unique")
        total = math.fsum(s.probability for s in self.scenarios)
        if abs(total - 1.0) > PROBABILITY_TOLERANCE:
            raise ValueError(f"scenarios.probability: the probabilities sum to {total:.6g}; they must sum to 1")
        return self


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path, "risk")


def risks_from_dict(raw: dict[str, Any], origin: str = "<risks>") -> RiskFile:
    try:
        return RiskFile.model_validate(raw)
    except ValidationError as err:
        raise ScenarioError(f"{origin}: {one_line(err)}") from None
    except RecursionError:
        raise ScenarioError(f"{origin}: nested too deeply to be a risk file") from None


def load_risks(path: str | Path) -> RiskFile:
    """Read and validate a risk file; polygon files its policies name become paths from its folder."""
    path = Path(path)
    risks = risks_from_dict(_read_toml(path), str(path))
    scenarios = []
    for risk in risks.scenarios:
        policies = []
        for policy in risk.policies:
            file = getattr(policy, "file", None)
            if file:
                policy = policy.model_copy(update={"file": str((path.parent / file).resolve())})
            policies.append(policy)
        scenarios.append(risk.model_copy(update={"policies": policies}))
    return risks.model_copy(update={"scenarios": scenarios})


def load_risk_base(path: str | Path) -> Scenario:
    """The base scenario a risk file names (``base = "../us-snapshot.toml"``)."""
    path = Path(path)
    risks = load_risks(path)
    if risks.base is None:
        raise ScenarioError(f"{path}: base: the risk file names no base scenario; give one on the command line")
    return load_scenario(path.parent / risks.base)


# --- scenarios: the base with a risk's changes, and the mean-value scenario --------------------------------


def _carbon_price(raw: dict[str, Any], price: float) -> None:
    for policy in raw["policies"]:
        if policy["type"] == "carbon_price":
            policy["usd_per_tco2"] = price
            return
    raw["costs"]["carbon_price_usd_per_tco2"] = price


def base_carbon_price(base: Scenario, inputs: SitingData) -> float:
    for policy in base.policies:
        if policy.type == "carbon_price":
            return float(policy.usd_per_tco2)
    return float(inputs.costs.carbon_price_usd_per_tco2)


@dataclass(frozen=True)
class Changes:
    """Numeric and structural changes to the base (a risk, or the mean of all risks)."""

    policies: list[dict[str, Any]] = field(default_factory=list)
    carbon_price_usd_per_tco2: float | None = None
    gpu_price_multiplier: float = 1.0
    budget_multiplier: float = 1.0
    target: tuple[str, float] | None = None


def _apply(base: Scenario, name: str, changes: Changes, origin: str) -> Scenario:
    raw = base.model_dump(mode="json")
    raw["name"] = name[:200]
    raw["policies"] = raw["policies"] + changes.policies
    if changes.carbon_price_usd_per_tco2 is not None:
        _carbon_price(raw, changes.carbon_price_usd_per_tco2)
    if changes.gpu_price_multiplier != 1.0:
        raw["costs"]["gpu_price_multiplier"] = (base.costs.gpu_price_multiplier or 1.0) * changes.gpu_price_multiplier
    if changes.budget_multiplier != 1.0:
        if raw.get("budget") is None:
            raise ScenarioError(f"{origin}: budget_multiplier: the base scenario has no [budget]")
        raw["budget"]["equity_usd"] *= changes.budget_multiplier
        raw["budget"]["debt_usd"] *= changes.budget_multiplier
    if changes.target is not None:
        key, value = changes.target
        goal = raw["objective"]
        if goal["sense"] != "min_cost":
            raise ScenarioError(f"{origin}: {key}: a demand target needs a min_cost base scenario")
        present = next((k for k in ("target_pflops", "target_gpus", "target_it_mw") if goal.get(k) is not None), None)
        if present != key:
            raise ScenarioError(f"{origin}: {key}: the base scenario's target is {present}; change that one")
        goal[key] = int(round(value)) if key == "target_gpus" else value
    scenario = scenario_from_dict(raw, origin)
    scenario._origin = base._origin  # policy files of the base stay relative to the base's folder
    return scenario


def risk_changes(risk: RiskScenario) -> Changes:
    return Changes(
        policies=[p.model_dump(mode="json") for p in risk.policies],
        carbon_price_usd_per_tco2=risk.carbon_price_usd_per_tco2,
        gpu_price_multiplier=risk.gpu_price_multiplier or 1.0,
        budget_multiplier=risk.budget_multiplier or 1.0,
        target=risk.target,
    )


def price_multipliers(sites: pd.DataFrame, changes: list[PriceChange], origin: str) -> np.ndarray:
    """Per candidate, the product of the electricity price changes that cover it."""
    mult = np.ones(len(sites))
    for i, change in enumerate(changes):
        covered = sites["state"].isin(change.states).to_numpy() if change.states else np.ones(len(sites), dtype=bool)
        if not covered.any():
            raise ScenarioError(f"{origin}: electricity_price.{i}.states: no candidate site in {', '.join(change.states)}")
        mult = np.where(covered, mult * change.multiplier, mult)
    return mult


def with_prices(inputs: SitingData, multiplier: np.ndarray) -> SitingData:
    if np.all(multiplier == 1.0):
        return inputs
    sites = inputs.sites.copy()
    sites["price_usd_per_mwh"] = sites["price_usd_per_mwh"].astype(float) * multiplier
    return replace(inputs, sites=sites)


def mean_changes(risks: RiskFile, base: Scenario, base_inputs: SitingData) -> tuple[Changes, dict[str, Any]]:
    """The expected-value scenario: probability-weighted numbers; structural changes by majority.

    Numbers (carbon price, GPU price and budget multipliers, a demand target) are averaged with the
    scenario weights; each candidate's electricity price multiplier too (computed by the caller).
    A policy a risk adds cannot be averaged (there is no 30 % of a moratorium): it enters the mean
    scenario when the scenarios that add it are together at least STRUCTURAL_THRESHOLD likely.
    """
    p = np.array([r.probability for r in risks.scenarios])
    base_price = base_carbon_price(base, base_inputs)
    carbon = [r.carbon_price_usd_per_tco2 if r.carbon_price_usd_per_tco2 is not None else base_price for r in risks.scenarios]
    weight: dict[str, float] = {}
    dumps: dict[str, dict[str, Any]] = {}
    for r in risks.scenarios:
        for policy in r.policies:
            d = policy.model_dump(mode="json")
            key = json.dumps(d, sort_keys=True)
            dumps[key] = d
            weight[key] = weight.get(key, 0.0) + r.probability
    kept = [dumps[k] for k, w in weight.items() if w >= STRUCTURAL_THRESHOLD - PROBABILITY_TOLERANCE]
    dropped = [dumps[k] for k, w in weight.items() if w < STRUCTURAL_THRESHOLD - PROBABILITY_TOLERANCE]
    target = None
    targets = [r.target for r in risks.scenarios]
    if any(t is not None for t in targets):
        goal = base.objective
        key = next(t[0] for t in targets if t is not None)
        base_value = getattr(goal, key, None)
        values = [t[1] if t is not None else base_value for t in targets]
        if any(v is None for v in values):
            raise ScenarioError(f"{base.origin}: objective.{key}: the base scenario has no such target")
        target = (key, float(p @ np.array(values, dtype=float)))
    changes = Changes(
        policies=kept,
        carbon_price_usd_per_tco2=float(p @ np.array(carbon)),
        gpu_price_multiplier=float(p @ np.array([r.gpu_price_multiplier or 1.0 for r in risks.scenarios])),
        budget_multiplier=float(p @ np.array([r.budget_multiplier or 1.0 for r in risks.scenarios])),
        target=target,
    )
    info = {
        "carbon_price_usd_per_tco2": changes.carbon_price_usd_per_tco2,
        "gpu_price_multiplier": changes.gpu_price_multiplier,
        "budget_multiplier": changes.budget_multiplier,
        "target": list(target) if target else None,
        "electricity_price": "each candidate's price times the probability-weighted mean of its multipliers",
        "policies_included": kept,
        "policies_left_out": dropped,
        "rule": f"numbers are probability-weighted means; an added policy is included when the scenarios adding it "
        f"are together at least {STRUCTURAL_THRESHOLD:.0%} likely, else left out",
    }
    return changes, info


# --- models --------------------------------------------------------------------------------------------


@dataclass
class ScenarioModel:
    name: str
    probability: float
    scenario: Scenario
    sm: SitingModel
    stranded: list[str]  # sites whose minimum campus size is lifted (inside a moratorium the risk adds)


def _moratorium_sites(sm: SitingModel, policies: list[Any]) -> list[str]:
    sites: set[str] = set()
    for policy in policies:
        if policy.type == "moratorium":
            mask = region_mask(sm.data.sites, policy, sm.data.context.base_dir)
            sites |= set(sm.data.sites.index[mask])
    return sorted(sites)


def _strand(sm: SitingModel, sites: list[str]) -> None:
    """A site built before a moratorium lands may stay empty: lift its minimum campus size."""
    campus_min = sm.final.m.component("campus_min")
    if campus_min is None:
        return
    for s in sites:
        if s in campus_min:
            campus_min[s].deactivate()


def first_stage(sm: SitingModel) -> dict[str, pyo.Var]:
    """The first-stage variables by name, from the build's typed handles (the year blocks and the root)."""
    out: dict[str, pyo.Var] = {}
    multi = not sm.horizon.snapshot
    for y, ym in sm.years.items():
        tag = f"[{y}]" if multi else ""
        out[f"build{tag}"] = ym.m.build
        if y == sm.horizon.last:  # one connection choice for the whole horizon
            out["upgrade"] = ym.m.upgrade
            if ym.data.supply is not None:
                out["connect"] = ym.m.connect
                if not multi:
                    out["new_gen_mw"] = ym.m.new_gen_mw
    if multi and sm.data.supply is not None:
        out["gen_build_mw"] = sm.m.gen_build_mw
    return out


def first_stage_keys(sm: SitingModel) -> dict[str, list[Any]]:
    return {name: list(var.keys()) for name, var in first_stage(sm).items()}


def first_stage_values(sm: SitingModel) -> dict[str, dict[Any, float]]:
    return {name: {k: float(pyo.value(var[k])) for k in var} for name, var in first_stage(sm).items()}


def fix_first_stage(sm: SitingModel, values: dict[str, dict[Any, float]]) -> None:
    for name, var in first_stage(sm).items():
        for k in var:
            value = values[name][k]
            var[k].fix(float(round(value)) if var[k].is_integer() else value)


def unfix_first_stage(sm: SitingModel) -> None:
    for var in first_stage(sm).values():
        for k in var:
            var[k].unfix()


def built_sites(m: pyo.Block) -> list[str]:
    return [s for s in m.build if round(pyo.value(m.build[s])) == 1]


def _columns(m: pyo.Block) -> int:
    return sum(1 for v in m.component_data_objects(pyo.Var, descend_into=True) if not v.fixed)


# --- solving -------------------------------------------------------------------------------------------


@dataclass
class Evaluation:
    """One solution (a first stage and its second stage) in one scenario."""

    status: str
    objective: float | None
    mip_gap: float | None
    metrics: dict[str, Any]
    sites: pd.DataFrame | None  # sites_flat table of the built sites


def _metrics(sm: SitingModel) -> tuple[dict[str, Any], pd.DataFrame]:
    table = sites_table(sm.final)
    flat = sites_flat(table)
    m = sm.final.m
    metrics = {
        "compute_pflops": round(float(table["compute_pflops"].sum()), 3),
        "gpus": int(table["gpus"].sum()),
        "facility_mw": round(float(table["facility_mw"].sum()), 3),
        "sites_built": int(len(table)),
        "capex_usd": float(table["capex_usd"].sum()),
        "energy_opex_pv_usd": float(table["energy_opex_pv_usd"].sum()),
        "total_cost_usd": round(float(pyo.value(m.total_cost_musd)) * USD_PER_MUSD, 0),
        "facility_mw_by_state": table.groupby("state")["facility_mw"].sum().round(3).to_dict(),
    }
    return metrics, flat


def _require(result: SolveResult, what: str) -> None:
    if result.status == "interrupted_no_solution" or result.status == "interrupted":
        raise KeyboardInterrupt
    if result.status not in SOLUTION_STATUSES:
        raise SitingError(f"{what}: {result.status}; check the scenario with `siting run` (its diagnosis names the rule)")


def solve_alone(sm: SitingModel, options: Any, what: str, required: bool = True) -> tuple[Evaluation, SolveResult]:
    """Solve one scenario's own model (its objective active)."""
    result = solve_model(sm.m, options, hourly=sm.hourly)
    if required:
        _require(result, what)
    elif result.status in ("interrupted", "interrupted_no_solution"):
        raise KeyboardInterrupt
    if not result.has_solution:
        return Evaluation(result.status, None, None, {}, None), result
    metrics, flat = _metrics(sm)
    # Objectives in the summary's unit (PFLOPS, PFLOPS-years or USD), as summary.json reports them.
    value = objective_in_unit(sm.data.inputs.scenario, float(pyo.value(sm.m.objective.expr)))
    return Evaluation(result.status, value, result.mip_gap, metrics, flat), result


def evaluate(sm: SitingModel, values: dict[str, dict[Any, float]], options: Any, what: str) -> Evaluation:
    """A first stage fixed in one scenario: the best second stage there (may be infeasible)."""
    fix_first_stage(sm, values)
    try:
        evaluation, _ = solve_alone(sm, options, what, required=False)
    finally:
        unfix_first_stage(sm)
    return evaluation


@dataclass
class ExtensiveForm:
    """Every scenario's model as a sub-block of one parent, first stages tied to scenario 0's."""

    parent: pyo.ConcreteModel
    models: list[ScenarioModel]

    def close(self) -> None:
        """Detach the scenario models (they may be solved alone again) and re-activate their objectives."""
        for i, sc in enumerate(self.models):
            self.parent.del_component(f"scenario_{i}")
            sc.sm.m.objective.activate()


def extensive_form(models: list[ScenarioModel], sense: str, objective: Objective, ws: list[float] | None = None) -> ExtensiveForm:
    parent = pyo.ConcreteModel(name="robust")
    for i, sc in enumerate(models):
        parent.add_component(f"scenario_{i}", sc.sm.m)
        sc.sm.m.objective.deactivate()
    ref = first_stage(models[0].sm)
    parent.nonanticipativity = pyo.ConstraintList()
    for sc in models[1:]:
        own = first_stage(sc.sm)
        for name, var in ref.items():
            for k in var:
                parent.nonanticipativity.add(own[name][k] - var[k] == 0)
    maximize = sense in MAXIMISE
    if objective == "expected":
        parent.objective = pyo.Objective(
            expr=sum(sc.probability * sc.sm.m.objective.expr for sc in models),
            sense=pyo.maximize if maximize else pyo.minimize,
        )
    else:
        assert ws is not None
        parent.max_regret = pyo.Var(within=pyo.Reals)
        parent.regret = pyo.ConstraintList()
        for sc, best in zip(models, ws):
            regret = (best - sc.sm.m.objective.expr) if maximize else (sc.sm.m.objective.expr - best)
            parent.regret.add(parent.max_regret >= regret)
        parent.objective = pyo.Objective(expr=parent.max_regret, sense=pyo.minimize)
    return ExtensiveForm(parent=parent, models=models)


def ef_options(options: Any, models: list[ScenarioModel]) -> Any:
    """Presolve "auto" decides by one scenario's size: non-anticipativity rows are what presolve removes."""
    if options.presolve != "auto":
        return options
    return options.model_copy(update={"presolve": presolve_setting(options, _columns(models[0].sm.m))})


def regret(sense: str, best: float | None, value: float | None) -> float | None:
    if best is None or value is None:
        return None
    return (best - value) if sense in MAXIMISE else (value - best)


def expectation(probabilities: list[float], values: list[float | None]) -> float | None:
    if any(v is None for v in values):
        return None
    return float(math.fsum(p * v for p, v in zip(probabilities, values)))  # type: ignore[operator]


def _round(x: float | None, digits: int = 6) -> float | None:
    return None if x is None else round(float(x), digits)


# --- the workflow --------------------------------------------------------------------------------------


def build_scenarios(
    base: Scenario, risks: RiskFile, origin: str, inputs_for: InputsFn
) -> tuple[list[ScenarioModel], ScenarioModel, dict[str, Any], list[dict[str, Any]]]:
    """The risk scenarios' models and the mean-value scenario's, all on the same candidates."""
    base_inputs = inputs_for(base)
    models: list[ScenarioModel] = []
    described: list[dict[str, Any]] = []
    multipliers = []
    for i, risk in enumerate(risks.scenarios):
        where = f"{origin}: scenarios.{i} ({risk.name})"
        scenario = _apply(base, f"{base.name}.{risk.name}", risk_changes(risk), where)
        try:
            inputs = inputs_for(scenario)
            mult = price_multipliers(inputs.sites, risk.electricity_price, where)
            inputs = with_prices(inputs, mult)
            sm = build_checked(inputs)  # the engine's build: targets no candidate set can host are refused
        except ScenarioError as err:
            if str(err).startswith(origin):
                raise
            raise ScenarioError(f"{where}: {err}") from None
        multipliers.append(pd.Series(mult, index=inputs.sites.index))
        stranded = _moratorium_sites(sm, list(risk.policies))
        _strand(sm, stranded)
        models.append(ScenarioModel(risk.name, risk.probability, scenario, sm, stranded))
        described.append(
            {
                "name": risk.name,
                "probability": risk.probability,
                "description": risk.description,
                "imitates": risk.imitates,
                "changes": risk.model_dump(mode="json", exclude={"name", "probability", "description", "imitates"}, exclude_defaults=True),
                "stranded_sites_allowed": len(stranded),
            }
        )
    keys = first_stage_keys(models[0].sm)
    for sc in models[1:]:
        if first_stage_keys(sc.sm) != keys:
            raise ScenarioError(
                f"{origin}: scenarios.{models.index(sc)} ({sc.name}): changes the candidate sites or their "
                "connection options; every scenario must share one first stage (use moratorium rather than exclusions)"
            )
    changes, mean_info = mean_changes(risks, base, base_inputs)
    mean_scenario = _apply(base, f"{base.name}.mean-value", changes, f"{origin}: mean-value scenario")
    mean_inputs = inputs_for(mean_scenario)
    p = np.array([r.probability for r in risks.scenarios])
    mean_mult = sum(pi * m.reindex(mean_inputs.sites.index).fillna(1.0).to_numpy() for pi, m in zip(p, multipliers))
    mean_sm = build_checked(with_prices(mean_inputs, np.asarray(mean_mult)))
    if first_stage_keys(mean_sm) != keys:
        raise ScenarioError(f"{origin}: the mean-value scenario changes the candidate sites; use moratorium rather than exclusions")
    mean = ScenarioModel("mean-value", 1.0, mean_scenario, mean_sm, [])
    return models, mean, mean_info, described


def robust_analysis(
    base: Scenario,
    risks: RiskFile,
    origin: str = "<risks>",
    objective: Objective = "expected",
    inputs_for: InputsFn = load_inputs,
    log_path: Path | None = None,
    on_step: Callable[[str], None] = lambda _: None,
) -> tuple[dict[str, Any], dict[str, dict[str, pd.DataFrame | None]]]:
    """Solve everything; returns the robust.json payload and the sites tables per solution and scenario."""
    if objective not in ("expected", "minmax_regret"):
        raise ScenarioError(f"--objective: '{objective}' is not one of expected, minmax_regret")
    for r in risks.scenarios:
        check_name(r.name, f"{origin}: scenarios.name")
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    on_step("build")
    models, mean, mean_info, described = build_scenarios(base, risks, origin, inputs_for)
    seconds["build"] = time.perf_counter() - t
    sense = objective_sense(base)  # [pathway] objective over several years
    options = base.solver
    probs = [sc.probability for sc in models]
    names = [sc.name for sc in models]
    tables: dict[str, dict[str, pd.DataFrame | None]] = {k: {} for k in SOLUTIONS}
    per: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in SOLUTIONS}

    # Wait-and-see: each scenario alone.
    t = time.perf_counter()
    on_step("wait-and-see")
    ws_first: dict[str, list[str]] = {}
    for sc in models:
        ev, _ = solve_alone(sc.sm, options, f"{origin}: scenario '{sc.name}' solved alone")
        tables["perfect_information"][sc.name] = ev.sites
        per["perfect_information"][sc.name] = _record(ev, sense, ev.objective)
        ws_first[sc.name] = built_sites(sc.sm.final.m)
    ws = [per["perfect_information"][n]["objective"] for n in names]
    seconds["wait_and_see"] = time.perf_counter() - t

    # Mean-value scenario, then its first stage in every scenario (EEV).
    t = time.perf_counter()
    on_step("mean-value")
    mv_eval, _ = solve_alone(mean.sm, options, f"{origin}: the mean-value scenario")
    mv_values = first_stage_values(mean.sm)
    mv_first = built_sites(mean.sm.final.m)
    for sc, best in zip(models, ws):
        ev = evaluate(sc.sm, mv_values, options, sc.name)
        tables["mean_value"][sc.name] = ev.sites
        per["mean_value"][sc.name] = _record(ev, sense, best)
    seconds["mean_value"] = time.perf_counter() - t

    # The recourse problem (extensive form), warm-started from the EEV point where it is feasible.
    t = time.perf_counter()
    on_step("extensive form")
    ef = extensive_form(models, sense, "expected")
    opts = ef_options(options, models)
    try:
        feasible_start = all(per["mean_value"][n]["status"] in SOLUTION_STATUSES for n in names)
        rp_result = solve_model(ef.parent, opts, log_path, warm_start=feasible_start, hourly=models[0].sm.hourly)
        _require(rp_result, f"{origin}: the extensive form")
        rp_first = built_sites(models[0].sm.final.m)
        for sc, best in zip(models, ws):
            metrics, flat = _metrics(sc.sm)
            value = objective_in_unit(sc.scenario, float(pyo.value(sc.sm.m.objective.expr)))
            tables["stochastic"][sc.name] = flat
            per["stochastic"][sc.name] = _record(Evaluation(rp_result.status, value, rp_result.mip_gap, metrics, flat), sense, best)
    finally:
        ef.close()
    seconds["extensive_form"] = time.perf_counter() - t
    mm_result = None
    if objective == "minmax_regret":
        t = time.perf_counter()
        on_step("min-max regret")
        ef = extensive_form(models, sense, "minmax_regret", ws=ws)  # type: ignore[arg-type]
        try:
            # Start from the stochastic solution (still loaded), with its worst regret.
            ef.parent.max_regret.set_value(max(per["stochastic"][n]["regret"] for n in names))
            mm_result = solve_model(ef.parent, opts, None, warm_start=True, hourly=models[0].sm.hourly)
            _require(mm_result, f"{origin}: the min-max-regret extensive form")
            mm_values = first_stage_values(models[0].sm)
            mm_first = built_sites(models[0].sm.final.m)
        finally:
            ef.close()
    if objective == "minmax_regret":
        # The min-max EF leaves non-worst scenarios' second stage free: re-optimise each with the first stage fixed.
        for sc, best in zip(models, ws):
            ev = evaluate(sc.sm, mm_values, options, sc.name)
            tables["minmax_regret"][sc.name] = ev.sites
            per["minmax_regret"][sc.name] = _record(ev, sense, best)
        seconds["minmax_regret"] = time.perf_counter() - t

    rp = expectation(probs, [per["stochastic"][n]["objective"] for n in names])
    eev = expectation(probs, [per["mean_value"][n]["objective"] for n in names])
    ws_value = expectation(probs, ws)
    maximize = sense in MAXIMISE
    vss = None if rp is None or eev is None else (rp - eev if maximize else eev - rp)
    evpi = None if rp is None or ws_value is None else (ws_value - rp if maximize else rp - ws_value)
    solutions: dict[str, Any] = {
        "stochastic": _solution(per["stochastic"], names, probs, rp_first, rp_result, base),
        "mean_value": _solution(per["mean_value"], names, probs, mv_first, None)
        | {"mean_scenario_objective": _round(mv_eval.objective), "mean_scenario_metrics": mv_eval.metrics},
        "perfect_information": _solution(per["perfect_information"], names, probs, None, None)
        | {"first_stage_sites_by_scenario": ws_first},
    }
    if objective == "minmax_regret":
        solutions["minmax_regret"] = _solution(per["minmax_regret"], names, probs, mm_first, mm_result, base)
    all_first = sorted(set(rp_first) | set(mv_first) | {s for v in ws_first.values() for s in v}
                       | (set(mm_first) if objective == "minmax_regret" else set()))
    site_info = models[0].sm.data.sites
    first_stage_table = pd.DataFrame(
        {
            "site_id": all_first,
            "state": [site_info.at[s, "state"] for s in all_first],
            "county_fips": [site_info.at[s, "county_fips"] for s in all_first],
            "county_name": [site_info.at[s, "county_name"] for s in all_first],
            "stochastic": [int(s in rp_first) for s in all_first],
            "mean_value": [int(s in mv_first) for s in all_first],
            **({"minmax_regret": [int(s in mm_first) for s in all_first]} if objective == "minmax_regret" else {}),
            "perfect_information_scenarios": [sum(s in ws_first[n] for n in names) for s in all_first],
            "perfect_information_probability": [round(math.fsum(p for n, p in zip(names, probs) if s in ws_first[n]), 6) for s in all_first],
        }
    )
    tables["_first_stage"] = {"table": first_stage_table}
    payload = {
        "base": base.name,
        "base_origin": base.origin,
        "risks_file": origin,
        "objective": objective,
        "objective_sense": sense,
        "objective_unit": OBJECTIVE_UNIT[sense],
        "scenarios": described,
        "mean_value_scenario": mean_info,
        "RP": _round(rp),
        "EEV": _round(eev),
        "VSS": _round(vss),
        "WS": _round(ws_value),
        "EVPI": _round(evpi),
        "notes": _notes(per, names, sense, rp_result),
        "first_stage_variables": list(first_stage(models[0].sm)),
        "solutions": solutions,
        "model_size": {
            "scenarios": len(models),
            "extensive_form": {"rows": rp_result.rows, "columns": rp_result.columns, "nonzeros": rp_result.nonzeros},
            "presolve": opts.presolve,
        },
        "seconds": {k: round(v, 3) for k, v in seconds.items()}
        | {"extensive_form_solve": round(rp_result.seconds_solve, 3), "extensive_form_translate": round(rp_result.seconds_translate, 3)},
        "mip_gap_target": options.mip_gap,
    }
    return payload, tables


def _record(ev: Evaluation, sense: str, best: float | None) -> dict[str, Any]:
    return {
        "status": ev.status,
        "objective": _round(ev.objective),
        "regret": _round(regret(sense, best, ev.objective)),
        "mip_gap": _round(ev.mip_gap, 8),
        **ev.metrics,
    }


def _solution(per: dict[str, dict[str, Any]], names: list[str], probs: list[float], first: list[str] | None,
              result: SolveResult | None, scenario: Scenario | None = None) -> dict[str, Any]:
    objectives = [per[n]["objective"] for n in names]
    regrets = [per[n]["regret"] for n in names]
    out: dict[str, Any] = {
        "expected_objective": _round(expectation(probs, objectives)),
        "max_regret": _round(max(regrets)) if all(r is not None for r in regrets) else None,
        "expected_regret": _round(expectation(probs, regrets)),
        "per_scenario": per,
    }
    if first is not None:
        out["first_stage_sites"] = first
    if result is not None:
        out["status"] = result.status
        out["mip_gap"] = _round(result.mip_gap, 8)
        out["dual_bound"] = _round(objective_in_unit(scenario, result.dual_bound) if scenario is not None else result.dual_bound)
    return out


def _notes(per: dict[str, dict[str, dict[str, Any]]], names: list[str], sense: str, rp: SolveResult) -> list[str]:
    notes = []
    bad = [n for n in names if per["mean_value"][n]["status"] not in SOLUTION_STATUSES]
    if bad:
        notes.append(
            f"the mean-value first stage is infeasible in {', '.join(bad)}: EEV is undefined and VSS unbounded "
            "(the stochastic solution avoids a commitment the mean scenario makes)"
        )
    if (rp.mip_gap or 0.0) > 0:
        notes.append(
            f"solves stop at a relative MIP gap (extensive form {rp.mip_gap:.3%}): VSS, EVPI and regrets within "
            "that gap of zero, or slightly negative, are not distinguishable from zero"
        )
    return notes


# --- outputs -------------------------------------------------------------------------------------------


def robust_png(result: dict[str, Any], dpi: int = 100) -> bytes:
    """Objective by scenario (and in expectation) for each solution: a grouped bar chart."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [s["name"] for s in result["scenarios"]]
    kinds = [k for k in SOLUTIONS if k in result["solutions"]]
    labels = names + ["expected"]
    x = np.arange(len(labels))
    width = 0.8 / len(kinds)
    fig, ax = plt.subplots(figsize=(max(8.0, 1.3 * len(labels) + 4), 4.2))
    for j, kind in enumerate(kinds):
        sol = result["solutions"][kind]
        values = [sol["per_scenario"][n]["objective"] for n in names] + [sol["expected_objective"]]
        heights = [np.nan if v is None else v for v in values]
        bars = ax.bar(x + (j - (len(kinds) - 1) / 2) * width, heights, width, label=SOLUTION_LABELS[kind])
        for bar, v in zip(bars, values):
            if v is None:
                ax.annotate("infeasible", (bar.get_x() + bar.get_width() / 2, 0), ha="center", va="bottom", rotation=90, fontsize=7)
    ax.set_xticks(x, labels, rotation=20, ha="right")
    unit = result["objective_unit"]
    ax.set_ylabel(f"objective ({'PFLOPS, FP8' if unit == 'PFLOPS' else 'M$ total cost'})")
    finite = [v for kind in kinds for v in [result["solutions"][kind]["per_scenario"][n]["objective"] for n in names] if v is not None]
    if finite:
        lo, hi = min(finite), max(finite)
        pad = max((hi - lo) * 0.5, abs(hi) * 0.02, 1e-9)
        ax.set_ylim(max(0.0, lo - pad), hi + pad * 0.6)
    vss, evpi = result.get("VSS"), result.get("EVPI")
    ax.set_title(f"{result['base']}: objective by scenario (VSS {_fmt(vss)}, EVPI {_fmt(evpi)} {unit})", fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def _fmt(x: Any) -> str:
    return fmt(x, "sig4")


# --- report HTML: model/templates/robust_section.html.j2 and robust_report.html.j2 (autoescaped) -----------


def robust_context(result: dict[str, Any], chart_png: bytes | None = None) -> dict[str, Any]:
    """The robust section's context: headline numbers, per-scenario rows, first stages (numbers, not text)."""
    names = [s["name"] for s in result["scenarios"]]
    kinds = [k for k in SOLUTIONS if k in result["solutions"]]
    maximize = result["objective_sense"] in MAXIMISE
    subs = (
        ("RP", "stochastic solution, expected"),
        ("EEV", "mean-value first stage, expected"),
        ("VSS", "RP − EEV" if maximize else "EEV − RP"),
        ("WS", "perfect information, expected"),
        ("EVPI", "WS − RP" if maximize else "RP − WS"),
    )
    rows = [
        {
            "name": s["name"],
            "probability": s["probability"],
            "imitates": s.get("imitates", ""),
            "cells": [{k2: result["solutions"][k]["per_scenario"][s["name"]][k2] for k2 in ("objective", "regret", "status")} for k in kinds],
        }
        for s in result["scenarios"]
    ]
    return {
        "scenarios_count": len(names),
        "risks_file": str(result["risks_file"]),
        "first_stage_variables": list(result["first_stage_variables"]),
        "objective": result["objective"],
        "unit": result["objective_unit"],
        "maximize": maximize,
        "cards": [{"key": k, "value": result.get(k), "sub": sub} for k, sub in subs],
        "chart_uri": data_uri_png(chart_png) if chart_png is not None else None,
        "solution_labels": [SOLUTION_LABELS[k] for k in kinds],
        "rows": rows,
        "expected": [{"objective": result["solutions"][k]["expected_objective"], "max_regret": result["solutions"][k]["max_regret"]}
                     for k in kinds],
        "first_stages": [{"label": SOLUTION_LABELS[k], "sites": list(result["solutions"][k]["first_stage_sites"])}
                         for k in kinds if "first_stage_sites" in result["solutions"][k]],
        "mean_value_rule": result["mean_value_scenario"]["rule"],
        "notes": list(result.get("notes", [])),
    }


def robust_report_section(result: dict[str, Any], chart_png: bytes | None = None) -> str:
    """An HTML fragment (a <section>) for the report: headline numbers, per-scenario table, first stages."""
    return render("robust_section.html.j2", robust_context(result, chart_png))


def robust_report_html(result: dict[str, Any], chart_png: bytes | None = None) -> str:
    """report.html of `siting robust`: the robust section as a self-contained page."""
    title = f"{result['base']}: decisions under policy risk"
    return render("robust_report.html.j2", robust_context(result, chart_png) | {"title": title})


def write_robust(out_dir: Path, result: dict[str, Any], tables: dict[str, dict[str, Any]]) -> None:
    write_json(out_dir / "robust.json", result)
    png = robust_png(result)
    (out_dir / "robust.png").write_bytes(png)
    tables["_first_stage"]["table"].to_csv(out_dir / "first_stage.csv", index=False)
    for kind in SOLUTIONS:
        for name, flat in tables.get(kind, {}).items():
            if flat is None:
                continue
            folder = out_dir / "sites" / kind
            folder.mkdir(parents=True, exist_ok=True)
            flat.to_csv(folder / f"{name}.csv", index=False)
    (out_dir / "robust_section.html").write_text(robust_report_section(result, png), encoding="utf-8")
    # The same section as a page of its own: report.html opens offline like a run's.
    (out_dir / "report.html").write_text(robust_report_html(result, png), encoding="utf-8")


def run_robust(
    base: Scenario,
    risks_path: Path,
    out_dir: Path,
    objective: str = "expected",
    force: bool = False,
    inputs_for: InputsFn = load_inputs,
    on_step: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Validate the risks, solve the stochastic programme and its comparisons, write ``out_dir``.

    Writes (all or nothing, through ``output_dir(out_dir, "robust")``): robust.json, robust.png,
    first_stage.csv, sites/<solution>/<scenario>.csv, robust_section.html and solver.log (the
    extensive form's HiGHS log). Returns the robust.json payload.
    """
    risks_path = Path(risks_path)
    risks = load_risks(risks_path)
    if objective not in ("expected", "minmax_regret"):
        raise ScenarioError(f"--objective: '{objective}' is not one of expected, minmax_regret")
    t = time.perf_counter()
    with output_dir(Path(out_dir), "robust", force=force) as tmp:
        result, tables = robust_analysis(
            base, risks, str(risks_path), objective, inputs_for, log_path=tmp / "solver.log", on_step=on_step  # type: ignore[arg-type]
        )
        result["seconds"]["total"] = round(time.perf_counter() - t, 3)
        on_step("write")
        write_robust(tmp, result, tables)
    return result
