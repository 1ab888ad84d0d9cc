"""benchmarks/run.py --smallest runs end to end and writes its tables: the build and the two translations
of the one definition (the registered arrays, Pyomo's compiler), their ratio, and that they give the same
LP; the fast translation (rows read from the blocks' arrays) gives exactly Pyomo's compiler's matrix."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
import pytest

from model.config import load_scenario, scenario_from_dict
from model.inputs.load import load_inputs
from model.milp.build import build_model, update_params
from model.solve.highs import StandardForm, pyomo_standard_form, to_standard_form

REPO = Path(__file__).resolve().parent.parent


def _cells(text: str, section_start: str, label: str) -> list[str]:
    """The cells of the first row starting with ``| label |`` after ``section_start``."""
    part = text.split(section_start, 1)[1]
    row = next(line for line in part.splitlines() if line.startswith(f"| {label} |"))
    return [c.strip() for c in row.strip("|").split("|")]


def test_benchmark_smallest_writes_table(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--smallest", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    printed = re.search(r"ratio \(a\+b\)/\(a\+c\) (\d+\.\d+)\s+same LP (\w+)", proc.stdout)
    assert printed is not None, proc.stdout
    assert float(printed.group(1)) > 0 and printed.group(2) == "yes"
    text = out.read_text()
    assert "Machine:" in text and "highspy" in text

    header = (
        "| size | candidates | rows | columns | nonzeros | rows from arrays | load s | build s | translate s | solve s "
        "| write s | end-to-end s | MIP gap | objective (PFLOPS) | peak RSS MB | share | load avg |"
    )
    assert header in text
    de = _cells(text, header, "DE")
    assert de[1] == "3"  # Delaware's three counties
    assert de[5] == de[2]  # every row of the model comes from a registered array (no row left to Pyomo)
    assert de[15].endswith("%") and 0 < float(de[15].rstrip("%")) < 100  # build + translate share of end to end

    routes = (
        "| size | model_data s | (a) build s | (b) arrays s | (c) Pyomo compiler s | a+b s | a+c s | "
        "ratio (a+b)/(a+c) | share | share, Pyomo alone | same LP |"
    )
    assert routes in text
    r = _cells(text, routes, "DE")
    a, b, c, ab, ac, ratio = (float(x) for x in r[2:8])
    assert a > 0 and b > 0 and c > 0
    assert ab == pytest.approx(a + b, abs=0.0015) and ac == pytest.approx(a + c, abs=0.0015)
    # The ratio is (a+b)/(a+c) of the unrounded medians: the rounded cells give it to about 1 %.
    assert ratio == pytest.approx(ab / ac, rel=0.03, abs=0.01)
    assert ratio == pytest.approx(float(printed.group(1)), abs=0.005)
    assert r[8] == de[15]  # the same pipeline share in both tables
    assert r[9].endswith("%") and r[10] == "yes"  # the array route and Pyomo's compiler give the same LP

    stock = _cells(text, "| size | a+b s | APPSI s | ratio | contrib s | ratio |", "DE")
    assert float(stock[1]) == pytest.approx(ab, abs=0.0015)
    assert all(x.endswith("×") and float(x.rstrip("×")) > 0 for x in (stock[3], stock[5]))


def _time_horizon() -> Any:
    """benchmarks/time_horizon.py as a module (it imports benchmarks/run.py as ``run``, its neighbour)."""
    import importlib

    folder = str(REPO / "benchmarks")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module("time_horizon")


def test_time_horizon_scenarios() -> None:
    """The multi-year benchmark cuts the shipped scenario to the first N model years and the given states
    (nothing else changed), and its snapshot is the one-period model of the same scenario."""
    th = _time_horizon()
    aip = REPO / "runs" / "aip-2035.toml"
    full = load_scenario(aip)
    two = th.horizon_scenario(aip, ["VA", "MD"], 2, 1)
    assert two.pathway is not None and full.pathway is not None and two.pathway.years == [2026, 2027]
    assert sorted(two.candidates.states) == ["MD", "VA"] and two.solver.threads == 1
    assert two.budget == full.budget and two.gpus == full.gpus
    assert two.pathway.model_dump(exclude={"years"}) == full.pathway.model_dump(exclude={"years"})
    with pytest.raises(SystemExit):
        th.horizon_scenario(aip, ["VA"], 11, 1)  # aip-2035 has ten model years
    snap = th.snapshot_scenario(aip, ["VA", "MD"], 1)
    assert snap.pathway is None and snap.objective.sense == "max_compute" and snap.budget == full.budget
    # Rubin_NVL144 is in the GPU roadmap only (no one-period catalog entry): the snapshot keeps the rest.
    assert snap.gpus.types == [g for g in full.gpus.types if g != "Rubin_NVL144"]


def test_time_horizon_two_years_writes_table(tmp_path: Path) -> None:
    out = tmp_path / "time_horizon.md"
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "time_horizon.py"), "--states", "DE", "--years", "2", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = out.read_text()
    row = _cells(text, "| states | years | candidates |", "DE")
    assert row[1] == "2026–2027 (2)" and row[2] == "3"  # Delaware's three counties over two model years
    assert int(row[3].replace(",", "")) > 0 and row[14].startswith("optimal")
    assert row[16].endswith("USD")  # max_npv: the objective is the equity NPV in USD
    routes = _cells(text, "## Build and translation", "DE")
    assert routes[-1] == "yes" and float(routes[-2]) > 0  # same LP by both routes; the ratio is printed


# --- the translation's arrays against Pyomo's standard-form compiler --------------------------------


def _arrays(form: StandardForm) -> list[np.ndarray]:
    lp = form.lp
    return [
        np.asarray(lp.a_matrix_.start_), np.asarray(lp.a_matrix_.index_), np.asarray(lp.a_matrix_.value_),
        np.asarray(lp.col_cost_), np.asarray(lp.col_lower_), np.asarray(lp.col_upper_), np.asarray(lp.row_lower_),
        np.asarray(lp.row_upper_), np.array([int(t == highspy.HighsVarType.kInteger) for t in lp.integrality_]),
        np.array([lp.offset_, float(lp.sense_ == highspy.ObjSense.kMaximize)]),
    ]


def assert_same_form(m: pyo.ConcreteModel) -> StandardForm:
    """The pipeline's translation equals Pyomo's compiler on the whole model, bit for bit and row for row."""
    fast, ref = to_standard_form(m), pyomo_standard_form(m)
    for a, b in zip(_arrays(fast), _arrays(ref)):
        assert a.shape == b.shape and np.array_equal(a, b)
    assert [v.name for v in fast.columns] == [v.name for v in ref.columns]
    assert [c.name for c in fast.row_constraints] == [c.name for c in ref.row_constraints]
    return fast


def _inputs(states: list[str], **raw: Any) -> Any:
    base: dict[str, Any] = {
        "name": "translation",
        "objective": {"sense": "max_compute"},
        "budget": {"equity_usd": 20e9, "include_opex": True},
        "candidates": {"states": states},
    }
    base.update(raw)
    return load_inputs(scenario_from_dict(base, "tests/test_benchmarks.py"))


CASES: dict[str, tuple[list[str], dict[str, Any]]] = {
    "zonal max compute, opex": (["DE", "MD"], {}),
    "zonal capex only, carbon price": (["VA"], {"budget": {"equity_usd": 20e9}, "costs": {"carbon_price_usd_per_tco2": 50.0}}),
    "legacy": (["DE", "MD"], {"supply": {"model": "legacy"}}),
    "min cost target": (["TX"], {"objective": {"sense": "min_cost", "target_it_mw": 2000}, "budget": None}),
    "min cost, gpu target, min campus": (
        ["OK"], {"objective": {"sense": "min_cost", "target_gpus": 20000}, "budget": None, "costs": {"min_campus_mw": 20.0}},
    ),
    "policies (dry cooling, tax, caps)": (
        ["AZ", "NV"],
        {
            "policies": [
                {"type": "water_cap", "max_m3_per_year": 1e5, "min_water_stress": 3.0, "states": ["AZ", "NV"]},
                {"type": "tax_incentive", "states": ["AZ"], "gpu_capex_discount_share": 0.08},
                {"type": "carbon_cap", "max_tco2_per_year": 1e5},
                {"type": "max_share_per_state", "share": 0.6},
            ]
        },
    ),
    "hourly": (["DE"], {"energy": {"enabled": True, "rep_days": 2, "hours_per_period": 6, "onsite": ["solar", "battery", "gas"]}}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_translation_arrays_equal_pyomo_compiler(case: str) -> None:
    states, raw = CASES[case]
    sm = build_model(_inputs(states, **raw))
    form = assert_same_form(sm.m)
    assert form.rows_from_arrays >= len(sm.data.sets.SITES)  # the arrays were used, not only Pyomo's compiler


def test_translation_follows_params_and_changes() -> None:
    """Mutable Params (budget, carbon price), a member deactivated, a row replaced and fixed variables:
    the translation still equals Pyomo's compiler (the arrays refresh, or Pyomo compiles what changed)."""
    inputs = _inputs(["DE", "MD"], costs={"min_campus_mw": 10.0})
    sm = build_model(inputs)
    root, m = sm.m, sm.final.m
    sc = inputs.scenario
    raw = sc.model_dump(mode="json", exclude_unset=True)
    raw["budget"] = {"equity_usd": 35e9, "include_opex": True}
    raw["costs"] = dict(raw.get("costs", {}), carbon_price_usd_per_tco2=120.0)
    moved = replace(inputs, scenario=scenario_from_dict(raw, "tests/test_benchmarks.py"))
    update_params(sm, replace(moved, costs=replace_costs(inputs, 120.0)))
    assert pyo.value(m.carbon_price_usd_per_tco2) == 120.0
    assert_same_form(root)
    first = m.SITES.first()
    m.campus_min[first].deactivate()  # as the robust workflow strands a site
    assert_same_form(root)
    m.campus_min[first].activate()
    m.connection_mw[first].set_value(m.facility_mw[first] <= 50.0)  # a row set anew
    form = assert_same_form(root)
    assert any(c is m.connection_mw[first] for c in form.row_constraints)
    m.build[first].fix(0)  # as the hourly seed fixes sites: Pyomo substitutes fixed variables itself
    assert assert_same_form(root).rows_from_arrays == 0


def replace_costs(inputs: Any, carbon_price: float) -> Any:
    return inputs.costs.model_copy(update={"carbon_price_usd_per_tco2": carbon_price})


def test_translation_with_sub_blocks_and_new_objective() -> None:
    """Scenario models as sub-blocks of one parent (the robust workflow) and an objective replaced by a
    near-optimal row plus a new objective (the alternatives workflow)."""
    a = build_model(_inputs(["DE", "MD"])).m
    b = build_model(_inputs(["DE", "MD"], costs={"carbon_price_usd_per_tco2": 80.0})).m
    parent = pyo.ConcreteModel()
    parent.add_component("scenario_0", a)
    parent.add_component("scenario_1", b)
    a.objective.deactivate()
    b.objective.deactivate()
    ya, yb = a.year[a.YEARS.first()], b.year[b.YEARS.first()]
    parent.tie = pyo.Constraint(expr=ya.build[ya.SITES.first()] - yb.build[yb.SITES.first()] == 0)
    parent.objective = pyo.Objective(expr=0.5 * a.objective.expr + 0.5 * b.objective.expr, sense=pyo.maximize)
    assert assert_same_form(parent).rows_from_arrays > 0
    parent.del_component("scenario_0")
    parent.del_component("scenario_1")
    a.objective.activate()
    a.near_optimal = pyo.Constraint(expr=a.objective.expr >= 1.0)
    a.objective.deactivate()
    a.mga_objective = pyo.Objective(expr=sum(ya.facility_mw[s] for s in ya.SITES), sense=pyo.minimize)
    assert assert_same_form(a).rows_from_arrays > 0


def test_translation_with_only_the_objective_left_to_pyomo() -> None:
    """Every row from arrays, the objective (a new one) compiled by Pyomo."""
    sm = build_model(_inputs(["DE"]))
    m = sm.m
    m.objective.deactivate()
    m.other_objective = pyo.Objective(expr=2.0 * sm.final.m.compute_pflops + 1.0, sense=pyo.maximize)
    form = assert_same_form(m)
    assert form.rows_from_arrays == form.rows and form.lp.offset_ == 1.0
