"""The phased build-out over years (docs/pathway.md) in the one model: hand-solved tiny instances, the
one-year special case against the snapshot, NPV / IRR recomputed from timeline.csv alone, and the
bad-input contract."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from model.cli import app
from model.config import scenario_from_dict
from model.core.errors import InputDataError, ScenarioError, SitingError
from model.inputs.roadmap import check_roadmap, load_gpu_roadmap
from model.inputs.supply import SupplyData
from model.results.report import run_context
from model.results.timeline import pathway_context
from model.workflows.engine import run_scenario, solve_scenario
from tests.conftest import REPO, TINY_GPUS, tiny_inputs, tiny_scenario, tiny_sites

# GPU "A": 10 GPUs and 1 MW of IT per block, $10M, 100 PFLOPS (FP8). Rental $200/GPU-hour at 100 % sold:
# R = 200 x 10 x 8,760 = $17.52M per block-year.
ROADMAP = check_roadmap(
    TINY_GPUS.assign(first_year=2026, price_year=2026, price_decline_per_year=0.0, life_years=5.0,
                     rental_usd_per_gpu_hour=200.0, rental_year=2026, rental_decline_per_year=0.0),
    "roadmap",
)
# Everything free but what a test prices: no energy bill, O&M, reserve turbines or terminal value.
QUIET = {"bridge": False, "flexible": False, "phase_mw": 0, "integer_blocks": True, "om_share_of_capex_per_year": 0.0,
         "utilisation": 1.0, "terminal_value": "none", "discount_rate": 0.0, "bridge_reserve_share": 0.0}
# The run files of every scenario, plus the timeline files of a multi-year one.
TIME_FILES = {"timeline.csv", "sites_timeline.csv", "pathway_sites.csv", "installs.csv", "timeline.png", "gantt.png"}


def bridge_costs(capex_usd_per_kw: float) -> dict[str, float]:
    """data/energy_costs.csv's names: turbines at this capex, with free fuel, O&M and curtailment."""
    return {"gas_capex_usd_per_kw": capex_usd_per_kw, "gas_fom_usd_per_kw_yr": 0.0, "gas_heat_rate_mmbtu_per_mwh": 0.0,
            "gas_fuel_usd_per_mmbtu": 0.0, "gas_vom_usd_per_mwh": 0.0, "gas_co2_kg_per_mmbtu": 0.0, "gas_life_years": 30.0,
            "curtailment_cost_usd_per_mwh": 0.0, "max_curtailment_share_of_annual_energy": 0.0}


def pathway_scenario(pathway: dict[str, Any], **raw: Any) -> Any:
    return tiny_scenario(**({"supply": {"model": "legacy"}, "gpus": {"types": ["A"]}} | raw),
                         pathway=QUIET | {"years": [2026, 2027, 2028]} | pathway)


def pathway_inputs(sc: Any, sites: Any, bridge_usd_per_kw: float = 1000.0, roadmap: pd.DataFrame = ROADMAP, **costs: float) -> Any:
    """Tiny inputs with the roadmap rows of the scenario's types and the bridge's costs (as load_inputs does)."""
    inputs = tiny_inputs(sc, sites, **costs)
    types = [g for g in sc.gpus.types if g in roadmap.index]
    return replace(inputs, roadmap=roadmap, gpus=roadmap.loc[types] if types else inputs.gpus,
                   energy_costs=bridge_costs(bridge_usd_per_kw))


@dataclass
class Out:
    summary: dict[str, Any]
    site_years: pd.DataFrame
    sites: pd.DataFrame
    installs: pd.DataFrame
    timeline: pd.DataFrame


def solve_tiny_pathway(sc: Any, sites: Any, bridge_usd_per_kw: float = 1000.0, roadmap: pd.DataFrame = ROADMAP, **costs: float) -> Out:
    out = solve_scenario(sc, pathway_inputs(sc, sites, bridge_usd_per_kw, roadmap, **costs))
    assert out.summary["status"] == "optimal", out.summary["status"]
    assert out.timeline is not None
    tl = out.timeline
    return Out(dict(out.summary), tl.site_years, tl.sites, tl.installs, tl.timeline)


def free_sites(queue_years: list[float], headroom_mw: list[float]) -> Any:
    n = len(queue_years)
    pad = 3 - n  # tiny_sites has three rows; the extra ones are dropped
    return tiny_sites(queue_years=queue_years + [0.0] * pad, headroom_mw=headroom_mw + [0.0] * pad,
                      price_usd_per_mwh=[0.0] * 3).iloc[:n]


def online(out: Any, site: str) -> dict[int, float]:
    sy = out.site_years
    rows = sy.loc[sy["site_id"] == site]
    return {int(y): round(float(mw), 9) for y, mw in zip(rows["year"], rows["facility_mw"])}


def test_one_year_pathway_equals_the_one_period_model() -> None:
    # conftest's tiny instance: $60M buys S2 (6 MW headroom) with 4 A + 1 B = 560 PFLOPS (see test_tiny_optimum).
    # The one-period budget counts capex only; in the pathway the year's energy bill ($50/MWh) is paid at its
    # end out of that year's revenue, which covers it (a block earns $17.52M, its energy costs $0.44M).
    sites = tiny_sites(queue_years=[0.0, 0.0, 0.0])
    one_sc = tiny_scenario(supply={"model": "legacy"})
    one = solve_scenario(one_sc, tiny_inputs(one_sc, sites))
    sc = tiny_scenario(supply={"model": "legacy"}, pathway=QUIET | {"years": [2026]})
    road = check_roadmap(ROADMAP.reset_index().assign(rental_usd_per_gpu_hour=[200.0, 200.0]), "roadmap")
    path = solve_tiny_pathway(sc, sites, bridge_usd_per_kw=1.0, roadmap=road)
    assert one.summary["kind"] == "snapshot" and path.summary["kind"] == "multi_year"
    assert one.summary["compute_pflops"] == pytest.approx(560.0)
    assert path.summary["pflops_online_by_year"] == {2026: pytest.approx(one.summary["compute_pflops"])}
    assert path.summary["capex_usd"] == pytest.approx(one.summary["capex_usd"])
    assert set(path.sites["site_id"]) == set(one.sites.index) == {"S2"}
    blocks = path.installs.set_index("gpu")["blocks"].to_dict()
    assert blocks == {"A": pytest.approx(one.sites.at["S2", "blocks_A"]), "B": pytest.approx(one.sites.at["S2", "blocks_B"])}


def test_long_queue_site_is_built_later() -> None:
    # S1: firm from 2026, 2 MW. S2: 2-year queue (firm from 2028), 10 MW. $40M, no revenue, no discounting.
    # S1 with 2 blocks ($5M + $20M) runs 3 years: 600 PFLOPS-years; the last $15M opens S2 with one block in
    # 2028: +100 = 700. (S2 alone: 3 blocks for $35M in 2028 = 300.)
    road = check_roadmap(ROADMAP.reset_index().assign(rental_usd_per_gpu_hour=0.0), "roadmap")
    sc = pathway_scenario({}, budget={"equity_usd": 40e6})
    out = solve_tiny_pathway(sc, free_sites([0.0, 2.0], [2.0, 10.0]), roadmap=road)
    assert out.summary["objective"] == pytest.approx(700.0)
    assert online(out, "S1") == {2026: 2.0, 2027: 2.0, 2028: 2.0}
    assert online(out, "S2") == {2026: 0.0, 2027: 0.0, 2028: 1.0}
    by_site = out.sites.set_index("site_id")
    assert by_site.at["S2", "energised_year"] == 2028 and by_site.at["S2", "first_source"] == "firm"
    assert by_site.at["S2", "firm_year"] == 2028


@pytest.mark.parametrize("bridge_usd_per_kw, bridged", [(34_000.0, True), (36_000.0, False)])
def test_bridge_gas_exactly_when_cheaper_than_the_earlier_compute(bridge_usd_per_kw: float, bridged: bool) -> None:
    # One 10 MW campus (cap = headroom, so no tier), firm grid from 2028, gas bridge (10 MW permit) from
    # 2026. Per MW of bridge: two more years of revenue, 2 R = $35.04M, against its capex. Bridged: 10 blocks
    # earn 3 R - P = 42.56 each, less 10 MW x $34M and the $5M site: 425.6 - 340 - 5 = $80.6M. Not bridged:
    # 10 blocks in 2028 only, R - P = 7.52 each: 75.2 - 5 = $70.2M.
    sc = pathway_scenario({"objective": "max_npv", "bridge": True, "bridge_lead_years": 0.0, "bridge_permit_mw": 10.0},
                          budget={"equity_usd": 1e9})
    out = solve_tiny_pathway(sc, free_sites([2.0], [10.0]), bridge_usd_per_kw=bridge_usd_per_kw, max_campus_mw=10.0)
    if bridged:
        assert online(out, "S1") == {2026: 10.0, 2027: 10.0, 2028: 10.0}
        assert out.summary["objective"] == pytest.approx(80.6e6)
        assert out.sites.at[0, "first_source"] == "bridge" and out.sites.at[0, "energised_year"] == 2026
    else:
        assert online(out, "S1") == {2026: 0.0, 2027: 0.0, 2028: 10.0}
        assert out.summary["objective"] == pytest.approx(70.2e6)
        assert out.timeline["bridge_mw"].sum() == pytest.approx(0.0)


def test_vintages_retire_and_refresh_is_a_decision() -> None:
    # Life 2 years: blocks bought in 2026 serve 2026-2027 and retire before 2028. S1 holds 2 MW. Discounted
    # (10 %) compute-years prefer the 2026 purchase; $45M pays the site, 2 blocks in 2026 and 2 new ones in 2028.
    road = check_roadmap(ROADMAP.reset_index().assign(life_years=2.0, rental_usd_per_gpu_hour=0.0), "roadmap")
    sc = pathway_scenario({"discount_rate": 0.1}, budget={"equity_usd": 45e6})
    out = solve_tiny_pathway(sc, free_sites([0.0], [2.0]), roadmap=road)
    assert online(out, "S1") == {2026: 2.0, 2027: 2.0, 2028: 2.0}
    installs = out.installs.set_index("vintage")
    assert installs["blocks"].to_dict() == {2026: pytest.approx(2.0), 2028: pytest.approx(2.0)}
    assert installs.at[2026, "retires"] == 2028
    assert out.timeline.set_index("year").loc[2028, "gpus_A_2026"] == 0.0
    weights = [1 / 1.1, 1 / 1.21, 1 / 1.331]
    assert out.summary["objective"] == pytest.approx(200.0 * sum(weights))
    # With $25M no refresh: 2028 has nothing online.
    short = solve_tiny_pathway(pathway_scenario({"discount_rate": 0.1}, budget={"equity_usd": 25e6}),
                               free_sites([0.0], [2.0]), roadmap=road)
    assert online(short, "S1") == {2026: 2.0, 2027: 2.0, 2028: 0.0}


def _npv_from_csv(path: Path, rate: float) -> tuple[float, np.ndarray]:
    """Independent of model.results.timeline: instants are years from the start; a row's start flow is at
    its year, its end flow one year later; the horizon-end row at its year."""
    tl = pd.read_csv(path)
    t0 = tl["year"].iloc[0]
    flows: dict[int, float] = {}
    for r in tl.itertuples():
        flows[r.year - t0] = flows.get(r.year - t0, 0.0) + r.cash_flow_start_usd
        if r.row == "year":
            flows[r.year - t0 + 1] = flows.get(r.year - t0 + 1, 0.0) + r.cash_flow_end_usd
    series = np.array([flows.get(t, 0.0) for t in range(max(flows) + 1)])
    return float(sum(f / (1 + rate) ** t for t, f in enumerate(series))), series


def test_npv_and_irr_recomputed_from_timeline_csv(tmp_path: Path) -> None:
    # The bridged case with debt (5 %, 2 years), an 8 % discount rate, book value at the horizon end.
    sc = pathway_scenario(
        {"objective": "max_npv", "bridge": True, "bridge_lead_years": 0.0, "bridge_permit_mw": 10.0,
         "discount_rate": 0.08, "interest_rate": 0.05, "debt_tenor_years": 2, "terminal_value": "book"},
        budget={"equity_usd": 200e6, "debt_usd": 100e6},
    )
    inputs = pathway_inputs(sc, free_sites([2.0], [10.0]), bridge_usd_per_kw=20_000.0, max_campus_mw=10.0)
    out = run_scenario(sc, tmp_path / "run", inputs=inputs)
    assert out.summary["status"] == "optimal"
    files = {p.name for p in (tmp_path / "run").iterdir()}
    assert TIME_FILES | {"sites.gpkg", "map.html", "report.html", "rank.csv", "summary.json"} <= files
    value, series = _npv_from_csv(tmp_path / "run" / "timeline.csv", 0.08)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert value == pytest.approx(summary["objective"], rel=1e-9)
    assert value == pytest.approx(summary["npv_usd"], rel=1e-9)
    # The horizon value (book value at the end, discounted) is shown apart: NPV = NPV without it + it.
    assert summary["npv_excl_horizon_value_usd"] + summary["horizon_value_usd"] == pytest.approx(summary["npv_usd"], rel=1e-9)
    assert summary["horizon_value_usd"] > 0
    # report.html's contexts: the finance cards and the pathway's NPV card are summary.json's figures, the
    # timeline rows are timeline.csv's years.
    finance = run_context(summary, None)["finance"]
    assert {c["key"]: c["value"] for c in finance["cards"]} == {
        "NPV": summary["npv_usd"], "NPV without horizon value": summary["npv_excl_horizon_value_usd"],
        "Horizon value": summary["horizon_value_usd"], "IRR": summary["irr"], "DSCR min": summary["dscr_min"]}
    # DSCR from the CSV's columns: (revenue - opex) / debt service in the years that service debt.
    csv = pd.read_csv(tmp_path / "run" / "timeline.csv")
    serviced = csv.loc[(csv["row"] == "year") & (csv["debt_service_usd"] > 0)]
    cover = (serviced["revenue_usd"] - serviced["opex_usd"]) / serviced["debt_service_usd"]
    assert summary["dscr_min"] == pytest.approx(float(cover.min()), rel=1e-9)
    assert serviced["dscr"].to_numpy() == pytest.approx(cover.to_numpy(), rel=1e-9)
    timeline = pd.read_csv(tmp_path / "run" / "timeline.csv")
    ctx = pathway_context(summary, timeline, pd.read_csv(tmp_path / "run" / "pathway_sites.csv"), None, None)
    assert {c["key"]: c["value"] for c in ctx["cards"]}["NPV"] == summary["investor"]["npv_usd"]
    years = timeline.query("row == 'year'")
    assert [r["cells"]["year"] for r in ctx["timeline"]["table"]["rows"]] == [str(y) for y in years["year"]]
    assert [r["cells"]["cash_flow_usd"] for r in ctx["timeline"]["table"]["rows"]] == years["cash_flow_usd"].tolist()
    # IRR: the root of the cash polynomial in x = 1 / (1 + irr), found by numpy, not by the tool's bisection.
    roots = np.roots(series[::-1])
    real = [1 / x.real - 1 for x in roots if abs(x.imag) < 1e-9 and x.real > 0]
    irr = summary["investor"]["irr"]
    assert min(abs(r - irr) for r in real) < 1e-6
    assert sum(f / (1 + irr) ** t for t, f in enumerate(series)) == pytest.approx(0.0, abs=1e-3 * abs(series).max())
    # Debt is used (cheaper than the 8 % discount rate) and repaid: service per year = draw x CRF(5 %, 2 y).
    tl = pd.read_csv(tmp_path / "run" / "timeline.csv")
    drawn = tl["debt_drawn_usd"].sum()
    assert drawn == pytest.approx(100e6)
    crf = 0.05 / (1 - 1.05 ** -2)
    assert tl["debt_service_usd"].sum() + tl["debt_repaid_usd"].sum() >= drawn
    assert tl.loc[tl["year"] == 2026, "debt_service_usd"].iloc[0] == pytest.approx(
        crf * tl.loc[tl["year"] == 2026, "debt_drawn_usd"].iloc[0])


def tiny_zonal_supply() -> SupplyData:
    zones = pd.DataFrame({"spare_firm_mw": [0.0], "state": ["XA"]}, index=pd.Index(["Z1"], name="zone"))
    gen = pd.DataFrame({"capex_usd_per_kw": [1000.0], "fom_usd_per_kw_yr": [0.0], "vom_usd_per_mwh": [0.0],
                        "heat_rate_mmbtu_per_mwh": [10.0], "life_years": [1.0], "capacity_credit": [0.5],
                        "max_energy_share": [0.9]}, index=pd.Index(["gas_ct"], name="type"))
    return SupplyData(
        zones=zones, transfers=pd.DataFrame({"from_zone": [], "to_zone": [], "mw": []}), generation=gen,
        energy_share=pd.DataFrame({"gas_ct": [0.9]}, index=zones.index),
        connections=pd.DataFrame({"site_id": ["S1"], "option": ["kv138"], "voltage_class": [2], "class_kv": [138.0],
                                  "km": [0.0], "mw": [100.0], "cost_usd": [2e6]}),
        spare_share=1.0, import_share=0.25, gas_fuel_usd_per_mmbtu=3.0, gas_co2_kg_per_mmbtu=53.06,
    )


@pytest.mark.parametrize("target_year, feasible", [(2029, True), (2028, False)])
def test_new_zone_generation_comes_online_after_its_construction_years(target_year: int, feasible: bool) -> None:
    # Zone Z1 has no spare firm MW: 10 MW of IT needs 20 MW of gas CT (credit 0.5), which takes 3 years to
    # build (data/time_to_power.csv's construction level, ReEDS: 3). Built in 2026, online 2029:
    # least cost $5M site + 10 blocks $100M + $2M connection + 20 MW x $1M = $127M (no discounting).
    from model.inputs.datasets import load_construction_years
    from model.inputs.load import inputs_from_frames
    from model.milp.model_data import model_data
    from tests.conftest import TINY_COSTS, TINY_TIERS

    sc = tiny_scenario(supply={"model": "zonal"}, gpus={"types": ["A"]}, budget=None,
                       objective={"sense": "min_cost", "target_it_mw": 10.0},
                       pathway=QUIET | {"years": [2026, 2027, 2028, 2029], "objective": "min_cost",
                                        "target_it_mw_by_year": {str(target_year): 10.0}})
    sites = tiny_sites(price_usd_per_mwh=[0.0] * 3, co2_kg_per_mwh=[0.0] * 3, queue_years=[0.0] * 3).iloc[:1].assign(zone=["Z1"])
    assert load_construction_years()["gas_ct"] == 3.0
    supply = tiny_zonal_supply()
    supply = replace(supply, generation=supply.generation.assign(construction_years=load_construction_years()["gas_ct"]))
    inputs = inputs_from_frames(sites, TINY_GPUS, TINY_TIERS, TINY_COSTS, sc, supply=supply)
    inputs = replace(inputs, roadmap=ROADMAP, gpus=ROADMAP.loc[["A"]], energy_costs=bridge_costs(1.0))
    data = model_data(inputs)
    assert data.time is not None and data.time.gen_lag == {"gas_ct": 3}
    run = solve_scenario(sc, inputs)
    if not feasible:
        assert run.summary["status"] in ("infeasible", "infeasible_or_unbounded")
        return
    assert run.summary["status"] == "optimal" and run.timeline is not None
    assert run.summary["objective"] == pytest.approx(127e6)
    tl = run.timeline.timeline.set_index("year")
    assert tl.loc[2026, "capex_generation_usd"] == pytest.approx(20e6)
    assert tl.loc[2029, "it_mw_online"] == pytest.approx(10.0)


def test_rounding_of_continuous_blocks_is_measured() -> None:
    # Continuous blocks: $25M buys the site and 2 blocks exactly, $27M 2.2 (rounded down to 2: 1/11 lost).
    road = check_roadmap(ROADMAP.reset_index().assign(rental_usd_per_gpu_hour=0.0), "roadmap")
    sc = pathway_scenario({"integer_blocks": False, "years": [2026]}, budget={"equity_usd": 27e6})
    out = solve_tiny_pathway(sc, free_sites([0.0], [5.0]), roadmap=road)
    r = out.summary["rounding"]
    assert r["blocks"] == pytest.approx(2.2) and r["blocks_rounded"] == 2
    assert r["pflops_years_share_lost"] == pytest.approx(0.2 / 2.2)


def test_shipped_roadmap_reproduces_and_has_sources() -> None:
    import subprocess
    import sys

    road = load_gpu_roadmap(REPO / "data" / "gpu_roadmap.csv")
    catalog = pd.read_csv(REPO / "data" / "gpu_catalog.csv").set_index("gpu")
    shared = road.index.intersection(catalog.index)
    for col in ("price_usd_per_block", "it_kw_per_block", "fp8_dense_tflops_per_gpu", "bf16_dense_tflops_per_gpu"):
        assert (road.loc[shared, col] == catalog.loc[shared, col]).all()
    sources = [c for c in road.columns if c.endswith("_source")]
    text = " ".join(road[sources].astype(str).to_numpy().ravel()).lower()
    assert "verify" not in text and "recollection" not in text
    assert (road[sources].astype(str).apply(lambda c: c.str.len()).min() > 20).all()
    res = subprocess.run([sys.executable, str(REPO / "data" / "build" / "build_gpu_roadmap.py"), "--check"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout


@pytest.mark.parametrize(
    "pathway, message",
    [
        ({"years": [2027, 2026]}, "strictly increasing"),
        ({"years": [2026, 2027], "equity_usd_by_year": [1e9]}, "1 values for 2 years"),
        ({"years": [2026, 2027], "target_it_mw_by_year": {"2030": 5.0}}, "2030 is not one of the years"),
        ({"years": [2026], "interest_rate": float("nan")}, "interest_rate"),
        ({"years": [2026], "objective": "max_npv", "phase_mw": -1}, "phase_mw"),
    ],
)
def test_bad_pathway_settings_are_one_line_errors(pathway: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        scenario_from_dict({"name": "x", "budget": {"equity_usd": 1e9}, "pathway": pathway})


def test_bad_inputs_are_refused_before_any_solve() -> None:
    sites = free_sites([0.0], [2.0])
    with pytest.raises(ScenarioError, match="needs a \\[budget\\]"):
        scenario_from_dict({"name": "x", "objective": {"sense": "min_cost", "target_it_mw": 1.0}, "pathway": {"objective": "max_npv"}})
    sc = pathway_scenario({"years": [2026]}, budget={"equity_usd": 1e9})
    late = check_roadmap(ROADMAP.reset_index().assign(first_year=2030), "roadmap")
    with pytest.raises(ScenarioError, match="no type is available by 2026"):
        solve_tiny_pathway(sc, sites, roadmap=late)
    with pytest.raises(InputDataError, match="rental_decline_per_year"):
        check_roadmap(ROADMAP.reset_index().assign(rental_decline_per_year=1.5), "roadmap")
    with pytest.raises(InputDataError, match="missing value"):
        check_roadmap(ROADMAP.reset_index().assign(life_years=np.nan), "roadmap")
    unknown = pathway_scenario({"years": [2026]}, budget={"equity_usd": 1e9}, gpus={"types": ["A", "B"]})
    inputs = replace(tiny_inputs(unknown, sites), roadmap=check_roadmap(ROADMAP.reset_index().iloc[:1], "roadmap"),
                     energy_costs=bridge_costs(1.0))
    with pytest.raises(SitingError, match="'B' is not in the GPU roadmap"):
        solve_scenario(unknown, inputs)


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_cli_runs_a_small_pathway_and_keeps_the_exit_contract(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = _write(tmp_path / "bad.toml", 'name = "bad"\n[budget]\nequity_usd = 1e9\n[pathway]\nyears = [2027, 2026]\n')
    res = runner.invoke(app, ["run", str(bad)])
    assert res.exit_code == 2 and "pathway.years" in res.output
    assert not (tmp_path / "bad").exists()
    res = runner.invoke(app, ["validate", str(bad)])
    assert res.exit_code == 2
    # Delaware's counties, two years, B200 only: a real-data pathway that solves in seconds.
    good = _write(tmp_path / "de.toml", "\n".join([
        'name = "de"', '[candidates]', 'states = ["DE"]', '[gpus]', 'types = ["B200"]', '[budget]', 'equity_usd = 5e9',
        '[supply]', 'model = "legacy"', '[solver]', 'threads = 1', 'mip_gap = 0.001',
        '[pathway]', 'years = [2026, 2027]', 'objective = "max_npv"', 'bridge_lead_years = 0', '']))
    res = runner.invoke(app, ["validate", str(good)])
    assert res.exit_code == 0 and "2026-2027" in res.output
    res = runner.invoke(app, ["run", str(good)])
    assert res.exit_code == 0, res.output
    out = tmp_path / "de"
    assert TIME_FILES | {"sites.gpkg", "map.html", "report.html", "rank.csv", "summary.json", ".siting-output.json"} <= {p.name for p in out.iterdir()}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal" and summary["kind"] == "multi_year"
    # 2026 is served by the bridge alone (the firm grid is years away), capped by the permit per site.
    tl = pd.read_csv(out / "timeline.csv")
    first = tl.loc[tl["year"] == 2026].iloc[0]
    assert first["firm_mw"] == 0.0 and first["bridge_mw"] > 0
    # A run directory of another kind is never written over.
    res = runner.invoke(app, ["run", str(good), "--out", str(tmp_path / "bad.toml")])
    assert res.exit_code == 2


def test_infeasible_pathway_exits_1_and_says_so(tmp_path: Path) -> None:
    # Least cost for 50 MW of IT in 2026 with neither bridge nor flexible power: every Delaware queue is
    # longer than a year, so no firm MW exist in 2026.
    sc = _write(tmp_path / "late.toml", "\n".join([
        'name = "late"', '[candidates]', 'states = ["DE"]', '[gpus]', 'types = ["B200"]',
        '[objective]', 'sense = "min_cost"', 'target_it_mw = 50', '[supply]', 'model = "legacy"', '[solver]', 'threads = 1',
        '[pathway]', 'years = [2026, 2027]', 'objective = "min_cost"', 'bridge = false', 'flexible = false',
        'target_it_mw_by_year = { "2026" = 50 }', '']))
    res = CliRunner().invoke(app, ["run", str(sc)])
    assert res.exit_code == 1, res.output
    summary = json.loads((tmp_path / "late" / "summary.json").read_text())
    assert summary["status"] in ("infeasible", "infeasible_or_unbounded")
    assert not (tmp_path / "late" / "timeline.csv").exists()


def test_same_scenario_same_tables() -> None:
    sc = pathway_scenario({"objective": "max_npv", "bridge": True, "bridge_lead_years": 0.0, "bridge_permit_mw": 10.0},
                          budget={"equity_usd": 1e9})
    a = solve_tiny_pathway(sc, free_sites([2.0, 0.0], [10.0, 3.0]), bridge_usd_per_kw=20_000.0)
    b = solve_tiny_pathway(sc, free_sites([2.0, 0.0], [10.0, 3.0]), bridge_usd_per_kw=20_000.0)
    pd.testing.assert_frame_equal(a.timeline, b.timeline)
    pd.testing.assert_frame_equal(a.sites, b.sites)


def test_per_year_equity_caps_spread_the_build() -> None:
    # The long-queue instance with $15M, $10M, $15M of equity per year (total $40M as before): S1 opens in
    # 2026 with one block ($5M + $10M), adds one in 2027 ($10M), S2 opens in 2028 with one ($15M):
    # 100 + 200 + (200 + 100) = 600 PFLOPS-years instead of 700.
    road = check_roadmap(ROADMAP.reset_index().assign(rental_usd_per_gpu_hour=0.0), "roadmap")
    sc = pathway_scenario({"equity_usd_by_year": [15e6, 10e6, 15e6]}, budget={"equity_usd": 40e6})
    out = solve_tiny_pathway(sc, free_sites([0.0, 2.0], [2.0, 10.0]), roadmap=road)
    assert out.summary["objective"] == pytest.approx(600.0)
    assert online(out, "S1") == {2026: 1.0, 2027: 2.0, 2028: 2.0}
    assert online(out, "S2") == {2026: 0.0, 2027: 0.0, 2028: 1.0}


def test_coarse_steps_stand_for_every_calendar_year() -> None:
    # Model years 2026 and 2028 (two calendar years each). S1 (firm from 2026) with 2 blocks serves 4 years:
    # 800 PFLOPS-years; S2 (firm from 2028) with 1 block serves 2028-2029: 200. Total 1,000.
    road = check_roadmap(ROADMAP.reset_index().assign(rental_usd_per_gpu_hour=0.0), "roadmap")
    sc = pathway_scenario({"years": [2026, 2028]}, budget={"equity_usd": 40e6})
    out = solve_tiny_pathway(sc, free_sites([0.0, 2.0], [2.0, 10.0]), roadmap=road)
    assert out.summary["objective"] == pytest.approx(1000.0)
    tl = out.timeline
    assert tl["year"].tolist() == [2026, 2027, 2028, 2029, 2030]
    assert tl["it_mw_online"].tolist()[:4] == pytest.approx([2.0, 2.0, 3.0, 3.0])
    # Capex falls at the start of a model year only: $25M for S1 and its 2 blocks, $15M for S2 and 1 block
    # (opening S2 in 2026 or 2028 ties without discounting, so only the total and the calendar split are fixed).
    capex = tl["capex_usd"].tolist()
    assert sum(capex) == pytest.approx(40e6) and capex[1] == capex[3] == capex[4] == 0.0


def test_every_command_takes_a_multi_year_scenario(tmp_path: Path) -> None:
    # One model over time: validate, rank (without solving) and export accept a multi-year scenario.
    good = _write(tmp_path / "de.toml", "\n".join([
        'name = "de"', '[candidates]', 'states = ["DE"]', '[gpus]', 'types = ["B200"]', '[budget]', 'equity_usd = 5e9',
        '[solver]', 'threads = 1', '[pathway]', 'years = [2026, 2027, 2028]', 'objective = "max_npv"', '']))
    runner = CliRunner()
    one = _write(tmp_path / "de1.toml", good.read_text().replace("years = [2026, 2027, 2028]", "years = [2026]").replace('"de"', '"de1"'))
    sizes = []
    for src in (one, good):
        res = runner.invoke(app, ["export", str(src), "--out", str(tmp_path / f"{src.stem}.lp"), "--format", "lp"])
        assert res.exit_code == 0, res.output
        sizes.append(len((tmp_path / f"{src.stem}.lp").read_text()))
    assert sizes[1] > 2.5 * sizes[0]  # three years: three year blocks and the links between them
    res = runner.invoke(app, ["rank", str(good), "--no-solve", "--out", str(tmp_path / "rank")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "rank" / "rank.csv").is_file()
