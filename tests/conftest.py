"""Shared fixtures: a tiny hand-checkable instance (3 sites, 2 GPU types, 1 upgrade tier)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from model.check import check_solution
from model.config import Scenario, scenario_from_dict
from model.inputs.load import SitingData, inputs_from_frames
from model.workflows.engine import RunOutcome, solve_scenario

REPO = Path(__file__).resolve().parent.parent
# Every run directory with a solution, from run, compare or sweep, holds exactly these files.
RUN_FILES = frozenset(
    {
        "sites.gpkg", "sites.csv", "sites.xlsx", "rank.csv", "summary.json", "solver.log", "map.html", "map.png",
        "report.html", ".siting-output.json",
    }
)
# Zonal supply (the default) adds the new generation per zone and the firm imports between zones.
ZONAL_RUN_FILES = RUN_FILES | {"generation.csv", "zone_imports.csv"}
SHARED_DATA = REPO.parent / "shared" / "data"

# Round numbers so every optimum can be derived by hand:
#   GPU "A": 10 GPUs/block, 1 MW IT/block, $10M/block, 100 PFLOPS/block (10 PFLOPS per $M, 100 per MW)
#   GPU "B": 10 GPUs/block, 2 MW IT/block, $15M/block, 160 PFLOPS/block (10.7 PFLOPS per $M, 80 per MW)
#   Sites: S1 (state XA) 4 MW headroom, S2 (state XB) 6 MW, S3 (state XC) 0 MW; PUE 1, land and shell free,
#   $5M fixed per site; tier "T1" adds 10 MW for $20M. No energy opex (horizon 0).
TINY_GPUS = pd.DataFrame(
    {
        "gpu": ["A", "B"],
        "vendor": ["test", "test"],
        "block": ["a-block", "b-block"],
        "gpus_per_block": [10, 10],
        "it_kw_per_block": [1000.0, 2000.0],
        "price_usd_per_block": [10e6, 15e6],
        "bf16_dense_tflops_per_gpu": [5000.0, 8000.0],
        "fp8_dense_tflops_per_gpu": [10000.0, 16000.0],
        "source": ["test", "test"],
    }
)
TINY_TIERS = pd.DataFrame({"tier": ["T1"], "added_mw": [10.0], "cost_usd": [20e6], "source": ["test"]})
TINY_COSTS: dict[str, float] = {
    "shell_usd_per_mw": 0.0,
    "site_fixed_usd": 5e6,
    "acres_per_mw": 1.0,
    "developable_land_share": 0.01,
    "discount_rate": 0.0,
    "horizon_years": 0.0,
    "load_factor": 1.0,
    "min_campus_mw": 0.0,
    "max_campus_mw": 100.0,
    "default_pue": 1.0,
    "carbon_price_usd_per_tco2": 0.0,
}


def load_script(path: Path, name: str) -> ModuleType:
    """A script outside the package (data/build/*.py, benchmarks/*.py) imported by path under ``name``
    (registered in sys.modules so its dataclasses and pickling resolve)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def tiny_sites(**overrides: list[Any]) -> gpd.GeoDataFrame:
    cols: dict[str, list[Any]] = {
        "state": ["XA", "XB", "XC"],
        "county_fips": ["00001", "00002", "00003"],
        "county_name": ["One", "Two", "Three"],
        "headroom_mw": [4.0, 6.0, 0.0],
        "land_available_acres": [1e6, 1e6, 1e6],
        "pue": [1.0, 1.0, 1.0],
        "price_usd_per_mwh": [50.0, 50.0, 50.0],
        "co2_kg_per_mwh": [400.0, 400.0, 400.0],
        "land_value_usd_per_acre": [0.0, 0.0, 0.0],
        "water_stress_score": [1.0, 4.0, 2.0],
        "queue_years": [3.0, 5.0, 4.0],
    }
    cols.update(overrides)
    geometry = [Point(-100.0 + i, 40.0) for i in range(len(cols["state"]))]
    return gpd.GeoDataFrame(cols, geometry=geometry, crs="EPSG:4326", index=pd.Index(["S1", "S2", "S3"][: len(geometry)], name="site_id"))


def tiny_scenario(**raw: Any) -> Scenario:
    base: dict[str, Any] = {
        "name": "tiny",
        "gpus": {"types": ["A", "B"]},
        "budget": {"equity_usd": 60e6},
        "solver": {"mip_gap": 0.0, "threads": 1},
        # The tiny instances are derived by hand on county headroom + upgrade tiers (the legacy supply
        # side); zonal tests (tests/test_supply.py) pass their own zones and ask for "zonal".
        "supply": {"model": "legacy"},
    }
    base.update(raw)
    return scenario_from_dict(base)


def tiny_inputs(
    scenario: Scenario | None = None, sites: gpd.GeoDataFrame | None = None, energy: Any = None, **costs: float
) -> SitingData:
    return inputs_from_frames(
        sites if sites is not None else tiny_sites(),
        TINY_GPUS,
        TINY_TIERS,
        TINY_COSTS | costs,
        scenario if scenario is not None else tiny_scenario(),
        energy=energy,
    )


def solve_tiny(
    scenario: Scenario | None = None, sites: gpd.GeoDataFrame | None = None, energy: Any = None, **costs: float
) -> RunOutcome:
    """Solve the tiny instance; every solution is re-verified by the independent checker."""
    sc = scenario if scenario is not None else tiny_scenario()
    inputs = tiny_inputs(sc, sites, energy, **costs)
    out = solve_scenario(sc, inputs)
    if out.sites is not None:
        assert check_solution(inputs, out.sites, out.summary, out.dispatch) == []
    return out


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder {SHARED_DATA} is absent")
    return SHARED_DATA
