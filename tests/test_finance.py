"""Finance an investor can defend (issue 25 item 1), on hand-solved tiny instances (tests/test_pathway.py's
conventions: GPU "A" is 10 GPUs and 1 MW of IT a block, $10M, life 5 years; a site costs $5M; rental
$200 per GPU-hour, a block-year at 100 % is 200 x 10 x 8,760 = $17.52M): debt-service coverage and its
covenant, the market horizon value, NPV with and without it, contract against on-demand revenue, and
the tornado re-solving one built model against fresh solves of the changed scenarios."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from model.inputs.roadmap import check_roadmap
from model.milp.build import build_model
from model.milp.components.time import update_money
from model.milp.time_data import market_value_per_block_musd
from model.results.report import run_context
from model.results.timeline import investor_figures
from model.workflows.engine import run_scenario, solve_scenario
from model.workflows.tornado import TIME_TO_POWER_RANGE, lever_inputs, patched, run_tornado
from tests.conftest import REPO
from tests.test_pathway import ROADMAP, free_sites, pathway_inputs, pathway_scenario, solve_tiny_pathway

R = 200.0 * 10 * 8760 / 1e6  # M$ per block-year at 100 % utilisation
CRF_5_2 = 0.05 / (1 - 1.05 ** -2)  # level annuity at 5 % over 2 years, per $ drawn


def one_block_with_debt(min_dscr: float | None = None) -> Any:
    """One 1 MW site (one block), firm from 2026, free energy; $10M of debt at 5 % over 2 years, equity
    discounted at 8 %: debt is cheaper than equity, so the model draws all it may, as early as it may."""
    pw: dict[str, Any] = {"objective": "max_npv", "discount_rate": 0.08, "interest_rate": 0.05, "debt_tenor_years": 2}
    if min_dscr is not None:
        pw["min_dscr"] = min_dscr
    sc = pathway_scenario(pw, budget={"equity_usd": 100e6, "debt_usd": 10e6})
    return solve_tiny_pathway(sc, free_sites([0.0], [1.0]), max_campus_mw=1.0)


def test_dscr_of_a_one_loan_case_by_hand() -> None:
    # All $10M drawn at the start of 2026 (each $ of debt is worth 1 - CRF x (1/1.08 + 1/1.08^2) = 0.041
    # to equity, most when drawn first); service CRF x 10 = $5.378M at the end of 2026 and 2027, none in
    # 2028. The one block earns R = $17.52M a year with no opex: DSCR = 17.52 / 5.378 = 3.258.
    out = one_block_with_debt()
    tl = out.timeline.set_index("year")
    assert tl.loc[2026, "debt_drawn_usd"] == pytest.approx(10e6)
    assert tl.loc[2026, "debt_service_usd"] == pytest.approx(CRF_5_2 * 10e6)
    expected = R / (CRF_5_2 * 10.0)
    assert expected == pytest.approx(3.25769, abs=1e-5)
    assert tl.loc[2026, "dscr"] == pytest.approx(expected) and tl.loc[2027, "dscr"] == pytest.approx(expected)
    assert np.isnan(tl.loc[2028, "dscr"])  # no service in 2028
    assert out.summary["dscr_min"] == pytest.approx(expected)
    assert out.summary["dscr_by_year"] == {2026: pytest.approx(expected), 2027: pytest.approx(expected)}
    # From the CSV's columns alone, as an investor would.
    assert investor_figures(out.timeline, 0.08)["dscr_min"] == pytest.approx(expected)


def test_dscr_covenant_is_a_linear_row_per_year() -> None:
    # min_dscr = 4: 2026's and 2027's rows cap the 2026 draw at 17.52 / (4 CRF) = $8.144M, below the $10M
    # cap. No later draw: debt pays only for a year's capex, and nothing is bought after 2026.
    out = one_block_with_debt(min_dscr=4.0)
    tl = out.timeline.set_index("year")
    first = R / (4 * CRF_5_2) * 1e6
    assert first == pytest.approx(8.1442e6, rel=1e-4)
    assert tl.loc[2026, "debt_drawn_usd"] == pytest.approx(first, rel=1e-7)
    assert tl["debt_drawn_usd"].sum() == pytest.approx(first, rel=1e-7)
    assert out.summary["dscr_min"] == pytest.approx(4.0, rel=1e-7)


def test_debt_pays_only_for_capex() -> None:
    # Debt at 5 % is worth 0.041 per $ to equity discounted at 8 %: without the rule the model would borrow
    # the whole cap to hold it as cash. With capex of $15M (site and block) in 2026 only, at most $15M is
    # drawn, all in 2026; with a $40M cap the draw is still $15M.
    pw = {"objective": "max_npv", "discount_rate": 0.08, "interest_rate": 0.05, "debt_tenor_years": 2}
    sc = pathway_scenario(pw, budget={"equity_usd": 100e6, "debt_usd": 40e6})
    out = solve_tiny_pathway(sc, free_sites([0.0], [1.0]), max_campus_mw=1.0)
    tl = out.timeline.set_index("year")
    assert tl.loc[2026, "capex_usd"] == pytest.approx(15e6)
    assert tl["debt_drawn_usd"].sum() == pytest.approx(15e6) and tl.loc[2026, "debt_drawn_usd"] == pytest.approx(15e6)
    # Without debt there is no coverage to report.
    none = solve_tiny_pathway(pathway_scenario({"objective": "max_npv"}, budget={"equity_usd": 100e6}),
                              free_sites([0.0], [1.0]), max_campus_mw=1.0)
    assert none.summary["dscr_min"] is None and none.timeline["dscr"].isna().all()


# Two 1 MW blocks on a 2 MW campus bought in 2026, horizon 2026-2027 (end 2028); rental falling 20 % a year
# from $200 in 2026; energy at $50/MWh (PUE 1, load factor 1: 8,760 MWh per block-year = $0.438M); O&M 1 % of
# capex; buildings $2M per MW (life 20 y), land $1M per MW; equity discounted at 10 %.
FLEET = check_roadmap(ROADMAP.reset_index().assign(rental_decline_per_year=0.2), "roadmap")


def fleet(terminal_value: str, **pathway: Any) -> Any:
    sc = pathway_scenario({"objective": "max_npv", "years": [2026, 2027], "discount_rate": 0.1, "terminal_value": terminal_value,
                           "om_share_of_capex_per_year": 0.01} | pathway, budget={"equity_usd": 100e6})
    sites = free_sites([0.0], [2.0]).assign(price_usd_per_mwh=[50.0], land_value_usd_per_acre=[1e6])
    return solve_tiny_pathway(sc, sites, roadmap=FLEET, max_campus_mw=2.0, shell_usd_per_mw=2e6)


def test_market_horizon_value_of_a_tiny_fleet_by_hand() -> None:
    # Each 2026 block lives 2028-2030 past the horizon end. Revenue R(2028) = 200 x 0.8^2 x 87,600 = $11.2128M,
    # then x0.8 a year; less energy $0.438M and O&M $0.1M, at the end of each year, discounted at 10 % to 2028:
    # 10.6748 / 1.1 + 8.43224 / 1.21 + 6.638192 / 1.331 = $21.6605M a block. Buildings at depreciated
    # replacement cost 2 x 18/20 = $1.8M a MW, land at cost $1M: 2.8 a MW. Total 2 x 21.6605 + 2 x 2.8.
    out = fleet("market")
    assert out.installs.set_index("vintage")["blocks"].to_dict() == {2026: pytest.approx(2.0)}
    per_block = 10.6748 / 1.1 + 8.43224 / 1.21 + 6.638192 / 1.331
    assert per_block == pytest.approx(21.66053, abs=1e-5)
    at_end = 2 * per_block + 2 * 2.8
    s = out.summary
    assert s["horizon_value_at_end_usd"] == pytest.approx(at_end * 1e6, rel=1e-7)
    assert s["horizon_value_usd"] == pytest.approx(at_end * 1e6 / 1.21, rel=1e-7)
    assert s["horizon_value_by_part_usd"]["gpu"] == pytest.approx(2 * per_block * 1e6 / 1.21, rel=1e-7)
    assert s["horizon_value_by_part_usd"]["build"] == pytest.approx(5.6e6 / 1.21, rel=1e-7)
    assert s["horizon_value_basis"].startswith("market value")
    # The same function on arrays, and the owner's stop: a block whose energy and O&M exceed its revenue
    # from some year on is worth only the years before.
    value = market_value_per_block_musd(np.array([2026.0, 2026.0]), np.array([5.0, 5.0]), np.array([11.2128, 11.2128]),
                                        np.array([0.2, 0.2]), np.array([0.538, 9.0]), 2028.0, 0.1)
    assert value[0] == pytest.approx(per_block)
    assert value[1] == pytest.approx((11.2128 - 9.0) / 1.1)
    # Book value of the same plan: GPUs 3/5 of $10M each, buildings and land 18/20 of $3M a MW.
    book = fleet("book")
    assert book.summary["horizon_value_at_end_usd"] == pytest.approx((2 * 6.0 + 2 * 2.7) * 1e6, rel=1e-7)


def test_npv_without_horizon_value_plus_horizon_value_is_npv(tmp_path: Path) -> None:
    # Within the horizon: capex $5M + 2 MW x $3M + 2 x $10M = $31M at the start of 2026; revenue 2 R = 35.04
    # (2026) and 2 x 0.8 R = 28.032 (2027); opex $0.876M energy + 1 % x $26M O&M = 1.136 a year:
    # -31 + 33.904 / 1.1 + 26.896 / 1.21 = $22.0499M.
    out = fleet("market")
    s = out.summary
    assert s["npv_excl_horizon_value_usd"] == pytest.approx((-31 + 33.904 / 1.1 + 26.896 / 1.21) * 1e6, rel=1e-7)
    assert s["npv_excl_horizon_value_usd"] + s["horizon_value_usd"] == pytest.approx(s["npv_usd"], rel=1e-9)
    assert s["npv_usd"] == pytest.approx(s["objective"], rel=1e-9)
    # From the timeline's columns alone: the horizon-end row's residual taken out.
    inv = investor_figures(out.timeline, 0.1)
    assert inv["npv_excl_horizon_value_usd"] == pytest.approx(s["npv_excl_horizon_value_usd"], rel=1e-9)
    # IRR without the horizon value: the rate at which -31 + 33.904 x + 26.896 x^2 = 0, x = 1 / (1 + irr).
    x = max(r.real for r in np.roots([26.896, 33.904, -31.0]) if abs(r.imag) < 1e-12 and r.real > 0)
    assert inv["irr_excl_horizon_value"] == pytest.approx(1 / x - 1, abs=1e-6)
    assert s["irr_excl_horizon_value"] == pytest.approx(1 / x - 1, abs=1e-6) and s["irr"] > s["irr_excl_horizon_value"]


def test_contract_revenue_against_on_demand() -> None:
    # The same plan; contract revenue is the on-demand rental path x (1 - 0.25) at the same utilisation.
    on_demand = fleet("market", utilisation=0.9)
    contract = fleet("market", utilisation=0.9, revenue="contract", contract_discount=0.25)
    a, b = on_demand.summary["revenue_usd_by_year"], contract.summary["revenue_usd_by_year"]
    assert a[2026] == pytest.approx(2 * R * 0.9 * 1e6)
    assert {y: b[y] / a[y] for y in a} == {2026: pytest.approx(0.75), 2027: pytest.approx(0.75)}
    assert contract.summary["revenue_basis"].startswith("contract") and "25%" in contract.summary["revenue_basis"]


def test_time_to_power_range_from_the_queue_data() -> None:
    ttp = pd.read_csv(REPO / "data" / "time_to_power.csv")
    iso = ttp.loc[ttp["level"] == "iso"]
    n = iso["n_projects"].astype(float)
    low = float((n * iso["p25_years"] / iso["median_years"]).sum() / n.sum())
    high = float((n * iso["p75_years"] / iso["median_years"]).sum() / n.sum())
    assert TIME_TO_POWER_RANGE == (pytest.approx(low, abs=0.005), pytest.approx(high, abs=0.005))


# Two sites, each up to 3 MW (headroom plus the tier): S1 firm from 2026, S2 from 2027. Rental $100 per GPU-hour
# falling 20 % a year, contract (-25 %) at 90 %: S1 and S2 both pay (NPV $8.4M); at 80 % only S1 does ($0.8M),
# so the utilisation lever changes the plan, not only the price of it.
RENT_100 = check_roadmap(ROADMAP.reset_index().assign(rental_decline_per_year=0.2, rental_usd_per_gpu_hour=100.0), "roadmap")


def tornado_case() -> tuple[Any, Any]:
    sc = pathway_scenario({"objective": "max_npv", "discount_rate": 0.1, "terminal_value": "market", "revenue": "contract",
                           "utilisation": 0.9}, budget={"equity_usd": 100e6})
    return sc, pathway_inputs(sc, free_sites([0.0, 1.0], [1.0, 3.0]), roadmap=RENT_100, max_campus_mw=3.0)


def built_mw(out: Any) -> dict[str, float]:
    return out.timeline.installs.groupby("site_id")["blocks"].sum().round(6).to_dict()


def test_tornado_re_solves_one_model_and_matches_fresh_solves() -> None:
    sc, inputs = tornado_case()
    plain = solve_scenario(sc, inputs)
    result = run_tornado(inputs, selected=["utilisation", "GPU price", "time to power"])
    # The base point is the plain solve (the gas-price term the tornado adds is zero at the data's price).
    assert result.base.npv_usd == pytest.approx(plain.summary["npv_usd"], rel=1e-9)
    table = result.table.set_index("lever")
    assert table.loc["utilisation", "how"] == "re-solved" and table.loc["time to power", "how"] == "rebuilt"
    for lever, key, side in (("utilisation", "pathway.utilisation", "low"), ("utilisation", "pathway.utilisation", "high"),
                             ("GPU price", "costs.gpu_price_multiplier", "high"), ("time to power", "pathway.time_to_power_multiplier", "high")):
        value = table.loc[lever, f"{side}_value"]
        changed = patched(sc, {key: value})
        fresh = solve_scenario(changed, pathway_inputs(changed, inputs.sites, roadmap=RENT_100, max_campus_mw=3.0))
        assert table.loc[lever, f"npv_{side}_usd"] == pytest.approx(fresh.summary["npv_usd"], rel=1e-9), (lever, side)
        if (lever, side) == ("utilisation", "low"):
            assert built_mw(fresh) == {"S1": 3.0} and built_mw(plain) == {"S1": 3.0, "S2": 3.0}
    assert table.loc["utilisation", "npv_low_usd"] < result.base.npv_usd < table.loc["utilisation", "npv_high_usd"]
    assert table.loc["GPU price", "npv_high_usd"] < result.base.npv_usd


def test_update_money_refuses_a_change_of_structure() -> None:
    sc, inputs = tornado_case()
    sm = build_model(lever_inputs(inputs, patched(sc, {"pathway.tornado": True})))
    with pytest.raises(ValueError, match="build a new model"):
        update_money(sm, lever_inputs(inputs, patched(sc, {"pathway.tornado": True, "pathway.time_to_power_multiplier": 2.0})))


def test_run_with_tornado_writes_csv_png_and_report(tmp_path: Path) -> None:
    # Real states (the sales-tax lever reads data/state_tax.csv): Oklahoma exempts data-center equipment from
    # its state rate; the base scenario has no sales tax, the lever's low end withdraws every exemption.
    sc, inputs = tornado_case()
    sc = patched(sc, {"pathway.tornado": True, "tax.sales_tax": False})
    sites = inputs.sites.assign(state=["OK", "OK"], county_fips=["40109", "40143"])
    out = run_scenario(sc, tmp_path / "run", inputs=pathway_inputs(sc, sites, roadmap=RENT_100, max_campus_mw=3.0))
    run = tmp_path / "run"
    table = pd.read_csv(run / "tornado.csv")
    assert list(table.columns[:7]) == ["lever", "unit", "low_value", "high_value", "npv_low_usd", "npv_high_usd", "npv_base_usd"]
    assert set(table["lever"]) == {"rental price decline per year", "utilisation", "contract discount", "GPU price", "gas price",
                                   "time to power", "sales-tax exemptions"}
    summary = json.loads((run / "summary.json").read_text())
    assert table["npv_base_usd"].iloc[0] == pytest.approx(summary["npv_usd"], rel=1e-9)
    assert (run / "tornado.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finance = run_context(summary, None, tornado_png=(run / "tornado.png").read_bytes())["finance"]
    assert finance["tornado_uri"].startswith("data:image/png;base64,")
    assert "NPV sensitivity" in (run / "report.html").read_text()
    assert out.summary["tornado"]["npv_base_usd"] == pytest.approx(summary["npv_usd"], rel=1e-9)
    tax = table.set_index("lever").loc["sales-tax exemptions"]
    assert tax["npv_low_usd"] < tax["npv_base_usd"] and tax["npv_high_usd"] == pytest.approx(tax["npv_base_usd"], rel=1e-9)


def test_cli_tornado_flag_refuses_a_one_period_scenario(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from model.cli import app

    scenario = tmp_path / "snap.toml"
    scenario.write_text('name = "snap"\n[budget]\nequity_usd = 1e9\n')
    res = CliRunner().invoke(app, ["run", str(scenario), "--tornado"])
    assert res.exit_code == 2 and "--tornado: only for multi-year scenarios" in res.output
    assert not (tmp_path / "snap").exists()


def gas_case(multiplier: float) -> tuple[Any, Any]:
    """One 10 MW campus, firm grid from 2028 (free energy), on-site turbines from 2026 burning 10 MMBtu per MWh
    of gas at $4 (no VOM): 10 MW x 8,760 h = 87,600 MWh a year, $3.504M of fuel at the data's price."""
    from dataclasses import replace

    from tests.test_pathway import bridge_costs

    sc = pathway_scenario({"objective": "max_npv", "bridge": True, "bridge_lead_years": 0.0, "bridge_permit_mw": 10.0,
                           "gas_price_multiplier": multiplier}, budget={"equity_usd": 1e9})
    inputs = pathway_inputs(sc, free_sites([2.0], [10.0]), bridge_usd_per_kw=1000.0, max_campus_mw=10.0)
    return sc, replace(inputs, energy_costs=bridge_costs(1000.0) | {"gas_heat_rate_mmbtu_per_mwh": 10.0, "gas_fuel_usd_per_mmbtu": 4.0})


def test_gas_price_multiplier_scales_turbine_fuel_and_re_solves_as_fresh() -> None:
    base = solve_scenario(*gas_case(1.0)).timeline
    dear = solve_scenario(*gas_case(1.5)).timeline
    assert base is not None and dear is not None
    assert base.timeline.set_index("year").loc[2026, "opex_usd"] == pytest.approx(3.504e6)
    assert dear.timeline.set_index("year").loc[2026, "opex_usd"] == pytest.approx(1.5 * 3.504e6)
    assert dear.timeline.set_index("year").loc[2028, "opex_usd"] == pytest.approx(0.0, abs=1e-3)  # on the free grid
    # The tornado's gas lever re-solves the one model; each end equals a fresh solve of that multiplier.
    sc, inputs = gas_case(1.0)
    table = run_tornado(inputs, selected=["gas price"]).table.set_index("lever")
    for side in ("low", "high"):
        fresh = solve_scenario(*gas_case(float(table.loc["gas price", f"{side}_value"])))
        assert table.loc["gas price", f"npv_{side}_usd"] == pytest.approx(fresh.summary["npv_usd"], rel=1e-6)
