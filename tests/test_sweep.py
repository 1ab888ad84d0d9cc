"""Parameter sweeps: parsing, the point grid, model reuse, and the Dask path (one LocalCluster run)."""

from __future__ import annotations

import sys
from pathlib import Path

import cloudpickle
import pandas as pd
import pytest

from model.config import Scenario, scenario_from_dict
from model.core.errors import ScenarioError
from model.inputs.load import SitingData, load_inputs
from model.workflows.sweep import RESULT_COLUMNS, contiguous_chunks, parse_param, run_sweep, solve_points, sweep_points
from tests.conftest import ZONAL_RUN_FILES

BUDGETS_USD = [1e9, 2e9, 3e9]


def small_scenario(**raw: object) -> Scenario:
    base: dict[str, object] = {
        "name": "small",
        "budget": {"equity_usd": 1e9},
        "candidates": {"states": ["DE", "MD"]},
        "solver": {"mip_gap": 0.0, "threads": 1},
    }
    base.update(raw)
    return scenario_from_dict(base, "test_sweep")


def failing_loader(sc: Scenario) -> SitingData:
    """load_inputs, except for point 2. Inputs are loaded once per chunk (the sweep reuses them), so
    the failing point must start a chunk: here the second of two chunks [0, 1] and [2, 3]."""
    if sc.name.endswith("-002"):
        raise RuntimeError("injected failure")
    return load_inputs(sc)


# The workers cannot import this test module: ship its functions by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


# --- parse_param ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("budget_usd=50e9:200e9:4", ("budget_usd", [50e9, 100e9, 150e9, 200e9])),
        ("carbon_price_usd_per_tco2=0,50,100", ("carbon_price_usd_per_tco2", [0.0, 50.0, 100.0])),
        ("state_cap_mw.va=1000,2000", ("state_cap_mw.VA", [1000.0, 2000.0])),
        ("gpu_price_multiplier=0.8:1.2:3", ("gpu_price_multiplier", [0.8, 1.0, 1.2])),
        ("costs.max_campus_mw=1000", ("max_campus_mw", [1000.0])),
        (" budget_usd = 1e9 ", ("budget_usd", [1e9])),
    ],
)
def test_parse_param(text: str, expected: tuple[str, list[float]]) -> None:
    name, values = parse_param(text)
    assert name == expected[0]
    assert values == pytest.approx(expected[1])


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("foo=1,2", "--param foo: unknown parameter"),
        ("costs.nope=1", "--param costs.nope: unknown parameter"),
        ("budget_usd", "expected NAME="),
        ("budget_usd=1:2", "start:stop:count"),
        ("budget_usd=1:2:0", "count must be a whole number"),
        ("budget_usd=1:2:2.5", "count must be a whole number"),
        ("budget_usd=1e9,abc", "'abc' is not a number"),
        ("state_cap_mw.Texas=5", "two-letter USPS code"),
    ],
)
def test_parse_param_errors(text: str, fragment: str) -> None:
    with pytest.raises(ScenarioError, match=None) as err:
        parse_param(text)
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


# --- sweep_points --------------------------------------------------------------------------------


def test_points_are_the_cartesian_product_in_order() -> None:
    points = sweep_points(small_scenario(), [("budget_usd", [1e9, 2e9]), ("carbon_price_usd_per_tco2", [0.0, 50.0, 100.0])])
    assert [p.name for p in points] == [f"small-{i:03d}" for i in range(6)]
    assert [(p.budget.total_usd, p.costs.carbon_price_usd_per_tco2) for p in points] == [  # type: ignore[union-attr]
        (b, c) for b in (1e9, 2e9) for c in (0.0, 50.0, 100.0)
    ]


def test_budget_keeps_the_debt_ratio_and_state_caps_are_added() -> None:
    levered = small_scenario(budget={"equity_usd": 1e9, "debt_usd": 3e9})
    (point,) = sweep_points(levered, [("budget_usd", [8e9])])
    assert point.budget.equity_usd == pytest.approx(2e9) and point.budget.debt_usd == pytest.approx(6e9)  # type: ignore[union-attr]
    (capped,) = sweep_points(small_scenario(), [("state_cap_mw.MD", [500.0])])
    assert [p.model_dump(exclude_defaults=True) for p in capped.policies] == [{"type": "state_mw_cap", "caps_mw": {"MD": 500.0}}]
    existing = small_scenario(policies=[{"type": "state_mw_cap", "caps_mw": {"VA": 100.0}}])
    (both,) = sweep_points(existing, [("state_cap_mw.MD", [500.0])])
    assert both.policies[0].caps_mw == {"MD": 500.0, "VA": 100.0}  # type: ignore[union-attr]


def test_an_invalid_point_is_a_one_line_scenario_error() -> None:
    with pytest.raises(ScenarioError) as err:
        sweep_points(small_scenario(), [("budget_usd", [1e9, -5e9])])
    assert str(err.value).startswith("sweep point 1 (budget_usd=-5e+09): ")
    assert "budget.equity_usd" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(ScenarioError, match="given more than once"):
        sweep_points(small_scenario(), [("budget_usd", [1e9]), ("budget_usd", [2e9])])


def test_contiguous_chunks() -> None:
    assert contiguous_chunks(5, 2) == [[0, 1, 2], [3, 4]]
    assert contiguous_chunks(1, 4) == [[0]]


# --- solving ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def serial_rows() -> list[dict[str, object]]:
    points = sweep_points(small_scenario(), [("budget_usd", BUDGETS_USD)])
    return solve_points(points, names=["budget_usd"])


def test_reuse_matches_fresh_rebuilds(serial_rows: list[dict[str, object]]) -> None:
    assert [r["reused_model"] for r in serial_rows] == [False, True, True]
    assert all(r["status"] == "optimal" for r in serial_rows)
    points = sweep_points(small_scenario(), [("budget_usd", BUDGETS_USD)])
    fresh = [solve_points([p])[0] for p in points]  # a new model per point
    assert [r["objective"] for r in serial_rows] == pytest.approx([r["objective"] for r in fresh], rel=1e-9)


def test_compute_is_monotone_in_budget(serial_rows: list[dict[str, object]]) -> None:
    compute = [float(r["compute_pflops"]) for r in serial_rows]  # type: ignore[arg-type]
    assert compute == sorted(compute) and compute[-1] > 0


def test_a_failing_point_is_a_row_not_a_crash() -> None:
    points = sweep_points(small_scenario(), [("budget_usd", [1e9, 2e9, 3e9, 4e9])])
    rows = solve_points(points[2:], inputs_loader=failing_loader)
    assert [r["status"] for r in rows] == ["failed", "optimal"]
    assert rows[0]["error"] == "RuntimeError: injected failure"
    assert rows[1]["reused_model"] is False  # nothing to reuse after a failure


def test_dask_sweep_equals_serial(serial_rows: list[dict[str, object]], tmp_path: Path) -> None:
    # Four points on two workers, chunks [0, 1] and [2, 3]; point 2 fails inside its worker, so
    # points 0, 1, 3 ($1bn, $2bn, $3bn) must match the serial sweep.
    out = tmp_path / "sweep"
    table = run_sweep(
        small_scenario(),
        [parse_param("budget_usd=1e9,2e9,9e9,3e9")],
        out,
        workers=2,
        progress=False,
        inputs_loader=failing_loader,
    )
    assert table["point"].tolist() == [0, 1, 2, 3]
    assert table["status"].tolist() == ["optimal", "optimal", "failed", "optimal"]
    assert table.loc[2, "error"] == "RuntimeError: injected failure"
    solved = table.loc[[0, 1, 3]]
    assert solved["objective"].tolist() == pytest.approx([r["objective"] for r in serial_rows], rel=1e-9)
    assert table["reused_model"].tolist() == [False, True, None, False]

    csv = pd.read_csv(out / "sweep.csv")
    assert list(csv.columns) == ["point", "name", "budget_usd", *RESULT_COLUMNS]
    assert csv["point"].tolist() == [0, 1, 2, 3]
    assert (out / "pareto.png").stat().st_size > 0
    for name in ("small-000", "small-001", "small-003"):
        # The same engine as `siting run`: the same files in every point's directory.
        assert {p.name for p in (out / name).iterdir()} == ZONAL_RUN_FILES
    assert not (out / "small-002").exists()  # a failed point leaves no half-written directory


def test_policy_fields_are_sweepable_by_their_module() -> None:
    # carbon_cap declares max_tco2_per_year sweepable: the sweep sets it on the scenario's policy.
    sc = scenario_from_dict(
        {"name": "cap", "budget": {"equity_usd": 1e9}, "policies": [{"type": "carbon_cap", "max_tco2_per_year": 1e6}]}
    )
    points = sweep_points(sc, [parse_param("carbon_cap.max_tco2_per_year=1e5,2e5")])
    assert [p.policies[0].max_tco2_per_year for p in points] == [1e5, 2e5]
    assert parse_param("state_mw_cap.caps_mw.va=0,10")[0] == "state_cap_mw.VA"
    with pytest.raises(ScenarioError, match="not sweepable"):
        parse_param("min_sites.count=1,2")
    with pytest.raises(ScenarioError, match="no 'water_cap' policy"):
        sweep_points(sc, [parse_param("water_cap.max_m3_per_year=1,2")])
