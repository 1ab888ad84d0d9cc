"""Scenario comparison, cost of rules and marginal values on the tiny instance."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyomo.environ as pyo
import pytest

from model.milp.build import build_model
from model.solve.duals import marginal_values
from model.solve.highs import solve_model
from model.workflows.compare import COLUMNS, compare_table, solve_all, write_compare
from tests.conftest import RUN_FILES, tiny_inputs, tiny_scenario


def _solve(sc):
    sm = build_model(tiny_inputs(sc))
    solve_model(sm.m, sc.solver)
    return sm


def test_budget_dual_is_marginal_compute_per_dollar() -> None:
    # At the optimum (S2 with 1 B + 4 A) both budget ($55M of GPUs) and S2's 6 MW headroom bind.
    # LP with S2 built: max 100 a + 160 b s.t. a + 2 b <= 6, 10 a + 15 b <= 55. Dual prices y_h, y_b:
    # y_h + 10 y_b = 100 and 2 y_h + 15 y_b = 160 give y_b = 8 PFLOPS per $M, y_h = 20 PFLOPS per MW.
    (budget,) = [v for v in marginal_values(_solve(tiny_scenario())) if v.rule == "budget"]
    assert budget.value_per_unit == pytest.approx(8e-6)  # PFLOPS per USD
    assert budget.sentence == "+$1bn of budget buys 8,000.0 PFLOPS"
    # Finite difference on that LP, solved: with S2 built, blocks continuous, +$1M of budget buys 8 PFLOPS.
    def lp_optimum(equity_usd: float) -> float:
        sc = tiny_scenario(budget={"equity_usd": equity_usd})
        sm = build_model(tiny_inputs(sc))
        for s in sm.final.m.SITES:
            sm.final.m.build[s].fix(1 if s == "S2" else 0)
        for var in sm.final.m.blocks.values():
            var.domain = pyo.NonNegativeReals
        result = solve_model(sm.m, sc.solver)
        return float(result.objective)

    assert lp_optimum(61e6) - lp_optimum(60e6) == pytest.approx(8.0)


def test_target_dual_is_marginal_cost() -> None:
    # Least cost for 8 MW of IT: S1 + S2 with 4 B blocks ($70M). One more MW of IT is half a B block,
    # $7.5M: the target's marginal value is +7.5 $M per MW.
    sc = tiny_scenario(objective={"sense": "min_cost", "target_it_mw": 8.0}, budget=None)
    (target,) = [v for v in marginal_values(_solve(sc)) if v.rule == "target"]
    assert target.value_per_unit == pytest.approx(7.5)
    assert target.sentence == "+100 MW of IT in target costs $0.750bn"


def test_state_cap_dual() -> None:
    # XB capped at 3 MW: optimum S1 + S2, 2 B + 2 A = 520. With both sites fixed and blocks continuous,
    # $50M buys 3.33 B blocks (the best PFLOPS per $), needing 6.67 MW of the 7 MW available (S1's 4 MW
    # headroom + XB's 3 MW cap). Power is slack, so the cap's dual is 0 and the budget's is 160/15 per $M.
    sc = tiny_scenario(policies=[{"type": "state_mw_cap", "caps_mw": {"XB": 3.0}}])
    values = {v.rule: v for v in marginal_values(_solve(sc))}
    assert values["state_mw_cap"].index == "XB"
    assert values["state_mw_cap"].value_per_unit == pytest.approx(0.0)
    assert values["budget"].value_per_unit == pytest.approx(160 / 15 * 1e-6)


def test_compare_reuses_models_and_prices_rules(tmp_path: Path) -> None:
    base = tiny_scenario(name="base")
    more = tiny_scenario(name="more", budget={"equity_usd": 80e6})
    capped = tiny_scenario(name="capped", policies=[{"type": "state_mw_cap", "caps_mw": {"XB": 3.0}}])
    entries = solve_all([base, more, capped], inputs_for=tiny_inputs)
    table = compare_table(entries).set_index("scenario")
    # $80M: S1 + S2 with $70M of GPUs and 10 MW: 15 a + 10 b = 70 with a even: 4 B + 1 A = 740
    # (9 MW); one site with an upgrade reaches only 580.
    assert table.loc["more", "objective"] == pytest.approx(740.0)
    assert table.loc["more", "compute_change_pflops"] == pytest.approx(180.0)
    assert bool(table.loc["more", "reused_model"]) is True  # only the budget differs
    assert bool(table.loc["capped", "reused_model"]) is False  # a new policy changes the structure
    assert table.loc["capped", "objective_change_vs_base"] == pytest.approx(-40.0)  # the cap costs 40 PFLOPS
    assert table.loc["base", "usd_per_pflops"] == pytest.approx(60e6 / 560)
    assert "+$1bn of budget buys 8,000.0 PFLOPS" in table.loc["base", "marginal_values"]
    # 2 B + 2 A can be split between S1 and S2 in more than one way (HiGHS 1.15 put 3 MW in XB, 1.16
    # puts 2 MW): the cap is what must hold, and XB's site is still built.
    assert 0.0 < table.loc["capped", "mw_XB"] <= 3.0 + 1e-6

    out = tmp_path / "cmp"
    write_compare(out, entries, compare_table(entries))
    written = pd.read_csv(out / "compare.csv")
    assert list(written.columns[: len(COLUMNS)]) == COLUMNS
    assert {p.name for p in out.iterdir()} >= {"compare.csv", "compare.json", "compare.png", "compare.html", "report.html", "base", "more", "capped"}
    page = (out / "compare.html").read_text()
    # One layer set per scenario against the base; the cap moves XB's site from 4 MW to 3 MW ("lost").
    assert "more: Gained" in page and "capped: Lost (1)" in page
    for name in ("base", "more", "capped"):  # the same files as a `siting run` directory
        assert {p.name for p in (out / name).iterdir()} == RUN_FILES
    assert "HiGHS" in (out / "more" / "solver.log").read_text()
