"""Loaders, schemas, CRS handling and scenario inheritance."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from model.config import load_scenario, scenario_from_dict
from model.core.errors import InputDataError, ScenarioError
from model.core.geo import PROJECT_CRS, require_same_crs
from model.core.tables import validate_table
from model.inputs.datasets import GPU_SCHEMA, load_counties
from model.inputs.load import load_inputs
from tests.conftest import TINY_GPUS, tiny_inputs, tiny_scenario, tiny_sites


def test_counties_are_the_3108_contiguous_counties_in_project_crs() -> None:
    counties = load_counties()
    assert len(counties) == 3108
    assert (counties.index.str.len() == 5).all()
    assert counties.crs == PROJECT_CRS
    assert counties["state_fips"].nunique() == 49  # 48 states + DC
    # Census land area of Los Angeles County, 10,510 km^2 (cb_2016 ALAND).
    assert counties.loc["06037", "land_m2"] / 1e6 == pytest.approx(10510, rel=0.01)


def test_default_inputs_attach_state_and_grid_facts() -> None:
    data = load_inputs(scenario_from_dict({"name": "t", "budget": {"equity_usd": 1e9}, "candidates": {"states": ["VA"]}}))
    assert len(data.sites) == 133  # Virginia's 95 counties + 38 independent cities
    assert set(data.sites["state"]) == {"VA"}
    # Accomack County (51001): its utilities' EIA-861 2018 industrial price 80.75 $/MWh x VA's 2023/2018
    # ratio = 105.0 (data/county_price.csv), not the state's EIA 2023 average of 89.2.
    assert data.sites.loc["51001", "price_usd_per_mwh"] == pytest.approx(105.0, abs=0.005)
    assert data.sites.loc["51001", "price_source"].startswith("county utilities")
    # Data-center land (Cushman & Wakefield 2025 average, state_facts.csv) is what a campus pays.
    assert data.sites["land_value_usd_per_acre"].eq(244_000.0).all()
    assert not data.sites[["headroom_mw", "pue", "co2_kg_per_mwh", "land_available_acres"]].isna().any().any()


def test_missing_column_is_named() -> None:
    with pytest.raises(InputDataError, match="gpus: missing column 'it_kw_per_block'"):
        validate_table(TINY_GPUS.drop(columns="it_kw_per_block"), GPU_SCHEMA, "gpus")


def test_nan_is_named_with_row() -> None:
    sites = tiny_sites(headroom_mw=[4.0, np.nan, 0.0])
    with pytest.raises(InputDataError, match=r"sites: column 'headroom_mw' has a missing value \(row 2\)"):
        tiny_inputs(sites=sites)


def test_non_numeric_is_named() -> None:
    gpus = TINY_GPUS.astype({"price_usd_per_block": object})
    gpus.loc[0, "price_usd_per_block"] = "ten"
    with pytest.raises(InputDataError, match="column 'price_usd_per_block' is not numeric"):
        validate_table(gpus, GPU_SCHEMA, "gpus")


def test_missing_crs_is_refused() -> None:
    sites = tiny_sites().set_crs(None, allow_override=True)
    with pytest.raises(InputDataError, match="sites: geometry has no CRS"):
        tiny_inputs(sites=sites)


def test_user_frames_are_reprojected() -> None:
    data = tiny_inputs()
    assert data.sites.crs == PROJECT_CRS


def test_mixed_crs_join_is_refused() -> None:
    a = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs="EPSG:4326")
    b = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=PROJECT_CRS)
    with pytest.raises(InputDataError, match="candidates is in EPSG:4326 but counties is in EPSG:5070"):
        require_same_crs(a, b, ("candidates", "counties"))


def test_unknown_gpu_in_frames() -> None:
    with pytest.raises(ScenarioError, match="unknown GPU 'Z'"):
        tiny_inputs(scenario=tiny_scenario(gpus={"types": ["Z"]}))


def test_extends_merges_tables_and_child_wins(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_text("[solver]\nmip_gap = 0.05\nthreads = 1\n[gpus]\ntypes = ['H100_SXM']\n")
    (tmp_path / "child.toml").write_text("extends = 'base.toml'\n[solver]\nthreads = 2\n[budget]\nequity_usd = 5e9\n")
    sc = load_scenario(tmp_path / "child.toml")
    assert sc.name == "child"  # defaults to the file stem
    assert sc.solver.mip_gap == 0.05 and sc.solver.threads == 2
    assert sc.gpus.types == ["H100_SXM"]
    assert sc.budget is not None and sc.budget.total_usd == 5e9


def test_extends_cycle_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text("extends = 'b.toml'\n")
    (tmp_path / "b.toml").write_text("extends = 'a.toml'\n")
    with pytest.raises(ScenarioError, match="extends: cycle"):
        load_scenario(tmp_path / "a.toml")


def test_sha256_ignores_key_order_but_not_values() -> None:
    a = scenario_from_dict({"name": "x", "budget": {"equity_usd": 1e9, "debt_usd": 2e9}})
    b = scenario_from_dict({"budget": {"debt_usd": 2e9, "equity_usd": 1e9}, "name": "x"})
    c = scenario_from_dict({"name": "x", "budget": {"equity_usd": 1e9, "debt_usd": 3e9}})
    assert a.sha256() == b.sha256() != c.sha256()


def test_leverage_is_expressible() -> None:
    sc = load_scenario(Path(__file__).resolve().parent.parent / "runs" / "aip-30bn-equity.toml")
    assert sc.budget is not None
    assert sc.budget.equity_usd == 30e9 and sc.budget.total_usd == 100e9


@pytest.mark.parametrize("name", ["us-default", "us-snapshot", "aip-30bn-equity", "stargate-5gw", "aip-2035"])
def test_shipped_scenarios_validate(name: str) -> None:
    sc = load_scenario(Path(__file__).resolve().parent.parent / "runs" / f"{name}.toml")
    assert sc.name == name


def test_county_names_are_decoded_as_utf8() -> None:
    from model.inputs.datasets import load_counties

    names = load_counties()["county_name"]
    assert names.loc["35013"] == "Doña Ana"  # NM; Latin-1 decoding gave "DoÃ±a Ana"
    assert not names.str.contains("Ã").any()


def test_costs_are_one_typed_frozen_object_built_from_data_and_overrides() -> None:
    from pydantic import ValidationError

    from model.config import CostAssumptions, CostOverrides
    from model.core.units import annuity_factor, capital_recovery_factor
    from model.inputs.datasets import load_cost_assumptions
    from tests.conftest import TINY_COSTS

    # One list of names: every override is an assumption and vice versa.
    assert set(CostOverrides.model_fields) == set(CostAssumptions.model_fields)
    data = load_cost_assumptions()
    assert isinstance(data, CostAssumptions) and data.gpu_price_multiplier == 1.0
    inputs = tiny_inputs(tiny_scenario(costs={"max_campus_mw": 50.0}), min_campus_mw=2.0)
    assert isinstance(inputs.costs, CostAssumptions)
    assert (inputs.costs.max_campus_mw, inputs.costs.min_campus_mw) == (50.0, 2.0)  # override wins over the mapping
    assert inputs.costs.with_overrides({"carbon_price_usd_per_tco2": 7.0}).carbon_price_usd_per_tco2 == 7.0
    with pytest.raises(TypeError):  # attributes only: no indexing by name
        inputs.costs["max_campus_mw"]
    with pytest.raises(ValidationError):
        inputs.costs.max_campus_mw = 1.0  # type: ignore[misc]
    with pytest.raises(ValidationError, match="min_campus_mw"):
        CostAssumptions.model_validate(TINY_COSTS | {"min_campus_mw": 200.0})
    with pytest.raises(ValidationError):
        CostAssumptions.model_validate(TINY_COSTS | {"horizon_years": float("inf")})
    with pytest.raises(ScenarioError, match="finite"):
        tiny_inputs(max_campus_mw=float("nan"))
    with pytest.raises(InputDataError, match="unknown cost 'typo_usd'"):
        tiny_inputs(typo_usd=1.0)
    # A CostAssumptions is accepted where a mapping is.
    again = tiny_inputs(tiny_scenario(), **{})
    assert type(again.costs)(**again.costs.model_dump()) == again.costs
    assert capital_recovery_factor(0.08, 20.0) == pytest.approx(1.0 / annuity_factor(0.08, 20.0))
    assert capital_recovery_factor(0.0, 4.0) == pytest.approx(0.25)
