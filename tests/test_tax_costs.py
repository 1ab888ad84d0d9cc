"""Sales and use tax in the costs (data/state_tax.csv through model/inputs/tax.py): IT equipment at
(1 + equipment rate), site and building at (1 + construction rate), in the year of purchase. Tiny
instances solved by hand (tests/conftest.py: GPU "A" is 1 MW of IT and $10M a block, a site $5M)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from model.workflows.engine import solve_scenario
from tests.conftest import tiny_inputs, tiny_scenario, tiny_sites
from tests.test_pathway import free_sites, pathway_inputs, pathway_scenario

def _rates(value_by_year: dict[int, float], sites: list[str]) -> pd.DataFrame:
    return pd.DataFrame({y: [v] * len(sites) for y, v in value_by_year.items()}, index=pd.Index(sites, name="site_id"))

def test_snapshot_pays_equipment_and_construction_tax() -> None:
    # Least cost for 2 MW of IT at S1 alone (4 MW headroom): site $5M x 1.05 + 2 blocks x $10M x 1.10 = $27.25M.
    sc = tiny_scenario(objective={"sense": "min_cost", "target_it_mw": 2.0}, budget=None, gpus={"types": ["A"]})
    sites = tiny_sites().iloc[:1]
    inputs = tiny_inputs(sc, sites)
    untaxed = solve_scenario(sc, inputs)
    taxed = solve_scenario(sc, replace(inputs, tax_equipment=_rates({2026: 0.10}, ["S1"]),
                                       tax_construction=_rates({2026: 0.05}, ["S1"])))
    assert untaxed.summary["objective"] == pytest.approx(25e6)
    assert taxed.summary["objective"] == pytest.approx(27.25e6)
    assert taxed.summary["capex_usd_by_part"]["gpu"] == pytest.approx(22e6)
    assert taxed.summary["capex_usd_by_part"]["site"] == pytest.approx(5.25e6)

def test_multi_year_pays_the_tax_of_the_purchase_year() -> None:
    # An exemption that ends in 2027 (rate 0 in 2026, 10 % from 2027): 1 MW of IT by 2026, 2 MW by 2027. Without
    # discounting the least cost buys both blocks in 2026, before the exemption ends: $5M + 2 x $10M = $25M
    # (the second block bought in 2027 would cost $11M: $26M).

    sc = pathway_scenario({"objective": "min_cost", "years": [2026, 2027], "target_it_mw_by_year": {"2026": 1.0, "2027": 2.0}},
                          budget=None, objective={"sense": "min_cost", "target_it_mw": 2.0})
    inputs = pathway_inputs(sc, free_sites([0.0], [10.0]))
    inputs = replace(inputs, tax_equipment=_rates({2026: 0.0, 2027: 0.10}, ["S1"]))
    out = solve_scenario(sc, inputs)
    assert out.summary["status"] == "optimal"
    assert out.summary["objective"] == pytest.approx(25e6)
    assert out.summary["capex_usd_by_year"] == {2026: pytest.approx(25e6), 2027: pytest.approx(0.0)}
    # With the exemption until 2027 instead, buying late is free of tax too and no dearer: the same $25M.
    late = solve_scenario(sc, replace(inputs, tax_equipment=_rates({2026: 0.10, 2027: 0.0}, ["S1"])))
    assert late.summary["objective"] == pytest.approx(26e6)  # the 2026 block must be bought taxed: $11M
