"""Load and validate the input tables and geographies into one :class:`SitingData`.

Everything returned is in :data:`model.geo.PROJECT_CRS`; every table is checked for its
columns and for missing values, and problems raise :class:`InputDataError` naming file and column.
"""

from __future__ import annotations

import hashlib
import importlib.resources
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from model.config import Scenario
from model.errors import InputDataError, ScenarioError
from model.geo import to_project_crs
from model.schema import CONTIGUOUS_STATES
from model.units import acres_from_m2

if TYPE_CHECKING:
    from model.energy_data import EnergyData

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"

# Census cartographic boundary counties shipped by the plotly-geo wheel; the shapefile has no
# .prj, and the Census publishes these files in NAD83 geographic coordinates.
COUNTIES_PACKAGE = "_plotly_geo"
COUNTIES_FILE = "package_data/cb_2016_us_county_500k.shp"
COUNTIES_CRS = "EPSG:4269"
NON_CONUS_STATE_FIPS = ("02", "15", "60", "66", "69", "72", "78")

Schema = Mapping[str, str]  # column -> "str" | "float" | "int"

STATE_FACTS_SCHEMA: Schema = {
    "state": "str",
    "state_fips": "str",
    "name": "str",
    "industrial_price_usd_per_mwh": "float",
    "industrial_price_source": "str",
    "co2_kg_per_mwh": "float",
    "co2_source": "str",
    "land_value_usd_per_acre": "float",
    "land_source": "str",
    "water_stress_score": "float",
    "water_source": "str",
    "pue": "float",
    "pue_source": "str",
    "queue_years": "float",
    "queue_source": "str",
}
GPU_SCHEMA: Schema = {
    "gpu": "str",
    "vendor": "str",
    "block": "str",
    "gpus_per_block": "int",
    "it_kw_per_block": "float",
    "price_usd_per_block": "float",
    "bf16_dense_tflops_per_gpu": "float",
    "fp8_dense_tflops_per_gpu": "float",
    "source": "str",
}
COST_SCHEMA: Schema = {"name": "str", "value": "float", "unit": "str", "source": "str"}
TIER_SCHEMA: Schema = {"tier": "str", "added_mw": "float", "cost_usd": "float", "source": "str"}
COOLING_SCHEMA: Schema = {"cooling": "str", "wue_l_per_kwh_it": "float", "pue_delta": "float", "source": "str"}
COUNTY_GRID_SCHEMA: Schema = {
    "fips": "str",
    "state": "str",
    "substations": "int",
    "max_kv": "float",
    "gen_mw_total": "float",
    "load_mw": "float",
    "headroom_mw": "float",
    "source": "str",
}
REQUIRED_COSTS = (
    "shell_usd_per_mw",
    "site_fixed_usd",
    "acres_per_mw",
    "developable_land_share",
    "discount_rate",
    "horizon_years",
    "load_factor",
    "min_campus_mw",
    "max_campus_mw",
    "default_pue",
    "carbon_price_usd_per_tco2",
)


def validate_table(df: pd.DataFrame, schema: Schema, name: str) -> pd.DataFrame:
    """Check columns, types and missing values; return the frame with the schema's dtypes."""
    missing = [c for c in schema if c not in df.columns]
    if missing:
        raise InputDataError(f"{name}: missing column '{missing[0]}'")
    out = df.copy()
    for col, kind in schema.items():
        if out[col].isna().any():
            row = int(np.flatnonzero(out[col].isna().to_numpy())[0])
            raise InputDataError(f"{name}: column '{col}' has a missing value (row {row + 1})")
        if kind == "str":
            out[col] = out[col].astype(str)
        else:
            values = pd.to_numeric(out[col], errors="coerce")
            if values.isna().any():
                row = int(np.flatnonzero(values.isna().to_numpy())[0])
                raise InputDataError(f"{name}: column '{col}' is not numeric (row {row + 1}: {out[col].iloc[row]!r})")
            infinite = ~np.isfinite(values.to_numpy(dtype=float))
            if infinite.any():
                row = int(np.flatnonzero(infinite)[0])
                raise InputDataError(f"{name}: column '{col}' is not finite (row {row + 1}: {out[col].iloc[row]!r})")
            if kind == "int":
                if (values != values.round()).any():
                    raise InputDataError(f"{name}: column '{col}' must hold whole numbers")
                values = values.astype("int64")
            out[col] = values
    return out


def indexed_by(df: pd.DataFrame, column: str, name: str) -> pd.DataFrame:
    """``df.set_index(column)``, refusing duplicate keys with a message naming the table."""
    dup = df[column].duplicated()
    if dup.any():
        raise InputDataError(f"{name}: duplicate {column} '{df.loc[dup, column].iloc[0]}'")
    return df.set_index(column)


def _read_csv(path: Path, schema: Schema) -> pd.DataFrame:
    if not path.is_file():
        raise InputDataError(f"{path}: file not found")
    str_cols = {c: str for c, k in schema.items() if k == "str"}
    return validate_table(pd.read_csv(path, dtype=str_cols), schema, str(path))


def load_state_facts(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    df = _read_csv(data_dir / "state_facts.csv", STATE_FACTS_SCHEMA)
    return indexed_by(df, "state", str(data_dir / "state_facts.csv"))


def load_gpu_catalog(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    df = _read_csv(data_dir / "gpu_catalog.csv", GPU_SCHEMA)
    bad = df.loc[(df[["gpus_per_block", "it_kw_per_block", "price_usd_per_block"]] <= 0).any(axis=1), "gpu"]
    if len(bad):
        raise InputDataError(f"{data_dir / 'gpu_catalog.csv'}: GPU '{bad.iloc[0]}' has a non-positive size, power or price")
    return indexed_by(df, "gpu", str(data_dir / "gpu_catalog.csv"))


def load_cost_assumptions(data_dir: Path = DEFAULT_DATA_DIR) -> dict[str, float]:
    path = data_dir / "cost_assumptions.csv"
    df = _read_csv(path, COST_SCHEMA)
    costs = dict(zip(df["name"], df["value"].astype(float)))
    for key in REQUIRED_COSTS:
        if key not in costs:
            raise InputDataError(f"{path}: missing row '{key}'")
    return costs


def load_interconnection_tiers(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    df = _read_csv(data_dir / "interconnection_tiers.csv", TIER_SCHEMA)
    return indexed_by(df, "tier", str(data_dir / "interconnection_tiers.csv"))


def load_cooling(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    path = data_dir / "cooling.csv"
    df = indexed_by(_read_csv(path, COOLING_SCHEMA), "cooling", str(path))
    missing = {"evaporative", "dry"} - set(df.index)
    if missing:
        raise InputDataError(f"{path}: missing row '{sorted(missing)[0]}'")
    return df


def load_county_grid(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    df = _read_csv(data_dir / "county_grid.csv", COUNTY_GRID_SCHEMA)
    df["fips"] = df["fips"].str.zfill(5)
    if (df["headroom_mw"] < 0).any():
        raise InputDataError(f"{data_dir / 'county_grid.csv'}: column 'headroom_mw' has negative values")
    return indexed_by(df, "fips", str(data_dir / "county_grid.csv"))


def load_counties() -> gpd.GeoDataFrame:
    """The 3,108 contiguous-US counties (48 states + DC), Census 2016, in the project CRS."""
    root = importlib.resources.files(COUNTIES_PACKAGE)
    with importlib.resources.as_file(root / COUNTIES_FILE) as shp:
        # The .dbf holds UTF-8 but ships no .cpg, so GDAL would guess Latin-1 ("DoÃ±a Ana").
        gdf = gpd.read_file(shp, columns=["GEOID", "STATEFP", "NAME", "ALAND"], encoding="utf-8")
    gdf = gdf.set_crs(COUNTIES_CRS, allow_override=True)
    gdf = gdf.loc[~gdf["STATEFP"].isin(NON_CONUS_STATE_FIPS)]
    gdf = gdf.rename(columns={"GEOID": "fips", "STATEFP": "state_fips", "NAME": "county_name", "ALAND": "land_m2"})
    gdf = gdf.sort_values("fips").set_index("fips")
    gdf["land_m2"] = gdf["land_m2"].astype(float)
    return to_project_crs(gdf, "counties")


@dataclass(frozen=True)
class SitingData:
    """Everything the model needs, validated, with costs already merged with scenario overrides."""

    sites: gpd.GeoDataFrame  # index site_id; one row per candidate after exclusions
    gpus: pd.DataFrame  # index gpu; only the scenario's types
    tiers: pd.DataFrame  # index tier
    costs: dict[str, float]
    scenario: Scenario
    cooling: pd.DataFrame  # index cooling type: evaporative (the state PUE's assumption) and dry
    data_sha256: str = ""
    existing: gpd.GeoDataFrame | None = None  # existing data centers, for maps (data.existing_datacenters)
    energy: "EnergyData | None" = None  # hourly inputs when scenario.energy.enabled

    @property
    def precision_col(self) -> str:
        return f"{self.scenario.gpus.precision}_dense_tflops_per_gpu"


# State-level facts every candidate carries: state_facts.csv column -> candidate column.
STATE_FACT_COLUMNS = {
    "industrial_price_usd_per_mwh": "price_usd_per_mwh",
    "co2_kg_per_mwh": "co2_kg_per_mwh",
    "land_value_usd_per_acre": "land_value_usd_per_acre",
    "water_stress_score": "water_stress_score",
    "pue": "pue",
    "queue_years": "queue_years",
}


def attach_state_facts(sites: pd.DataFrame, states: pd.DataFrame) -> pd.DataFrame:
    """Copy the state's price, carbon, land value, water stress, PUE and queue years onto each site."""
    out = sites.copy()
    for src, dst in STATE_FACT_COLUMNS.items():
        out[dst] = out["state"].map(states[src]).astype(float)
    return out


def county_candidates(
    counties: gpd.GeoDataFrame,
    grid: pd.DataFrame,
    states: pd.DataFrame,
    costs: Mapping[str, float],
) -> gpd.GeoDataFrame:
    """One candidate per county with its grid, price, carbon, land, water and climate facts."""
    fips_to_state = states.reset_index().set_index("state_fips")["state"]
    sites = counties.copy()
    sites["state"] = sites["state_fips"].map(fips_to_state)
    unknown = sites["state"].isna()
    if unknown.any():
        raise InputDataError(f"state_facts.csv: no row for state FIPS '{sites.loc[unknown, 'state_fips'].iloc[0]}'")
    grid_cols = ["substations", "max_kv", "gen_mw_total", "load_mw", "headroom_mw"]
    sites = sites.join(grid[grid_cols], how="left")
    no_grid = sites["headroom_mw"].isna()
    if no_grid.any():
        raise InputDataError(f"county_grid.csv: no row for county '{sites.index[no_grid][0]}'")
    sites = attach_state_facts(sites, states)
    sites["county_fips"] = sites.index
    sites["land_available_acres"] = acres_from_m2(sites["land_m2"]) * costs["developable_land_share"]
    sites.index.name = "site_id"
    return sites


def _data_digest(data_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(data_dir.glob("*.csv")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def select_gpus(catalog: pd.DataFrame, types: list[str], origin: str) -> pd.DataFrame:
    unknown = [t for t in types if t not in catalog.index]
    if unknown:
        raise ScenarioError(f"{origin}: gpus.types: unknown GPU '{unknown[0]}' (known: {', '.join(catalog.index)})")
    return catalog.loc[list(dict.fromkeys(types))]


def check_states(codes: list[str], known: pd.Index | set[str], field: str, origin: str) -> None:
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ScenarioError(f"{origin}: {field}: unknown state '{unknown[0]}' (use USPS codes of the 48 contiguous states and DC)")


# Policy fields that name states or counties; every one is checked against the data.
_STATE_FIELDS = ("states", "demand_states")
_STATE_KEY_FIELDS = ("caps_mw",)


def check_scenario_names(scenario: Scenario, known_states: set[str], known_fips: set[str] | None, origin: str) -> None:
    """Every state code and county FIPS a rule names must exist in the data (else it silently matches nothing)."""
    check_states(scenario.candidates.states, known_states, "candidates.states", origin)
    for i, policy in enumerate(scenario.policies):
        where = f"policies.{i} ({policy.type})"  # type: ignore[attr-defined]
        for field in _STATE_FIELDS + _STATE_KEY_FIELDS:
            codes = getattr(policy, field, None)
            if codes:
                check_states(list(codes), known_states, f"{where}.{field}", origin)
        counties = getattr(policy, "counties", None)
        if counties and known_fips is not None:
            unknown = [c for c in counties if c not in known_fips]
            if unknown:
                raise ScenarioError(f"{origin}: {where}.counties: no county with FIPS '{unknown[0]}' in the data")


def check_names_in_default_data(scenario: Scenario, data_dir: Path | None = None) -> None:
    """:func:`check_scenario_names` against the default dataset's states and counties (cheap: two CSVs)."""
    data_dir = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    known_fips = set(load_county_grid(data_dir).index.astype(str))
    check_scenario_names(scenario, set(load_state_facts(data_dir).index), known_fips, scenario.origin)


def check_costs(costs: Mapping[str, float], origin: str) -> None:
    """Cost assumptions after the scenario's overrides: finite, and a campus range that is not empty."""
    bad = [k for k, v in costs.items() if not np.isfinite(v)]
    if bad:
        raise ScenarioError(f"{origin}: costs.{bad[0]}: must be a finite number, got {costs[bad[0]]}")
    if costs.get("min_campus_mw", 0.0) > costs.get("max_campus_mw", np.inf):
        raise ScenarioError(
            f"{origin}: costs.min_campus_mw ({costs['min_campus_mw']:g} MW) is above costs.max_campus_mw "
            f"({costs['max_campus_mw']:g} MW); no campus could be built"
        )


def load_inputs(scenario: Scenario, data_dir: Path | None = None, origin: str | None = None) -> SitingData:
    """Read the default dataset and shape it for ``scenario`` (candidate set, GPU types, costs)."""
    data_dir = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    origin = origin or scenario.origin
    states = load_state_facts(data_dir)
    gpus = select_gpus(load_gpu_catalog(data_dir), scenario.gpus.types, origin)
    costs = load_cost_assumptions(data_dir) | scenario.costs.as_dict()
    check_costs(costs, origin)
    check_scenario_names(scenario, set(states.index), set(load_county_grid(data_dir).index.astype(str)), origin)
    sites, existing, digest = _candidates(scenario, costs, states, data_dir, origin)
    energy = None
    if scenario.energy.enabled:
        from model.energy_data import load_energy_data

        zones = sorted(set(sites["state"]))
        energy = load_energy_data(zones, scenario.energy.rep_days, scenario.energy.seed, data_dir)
    return SitingData(
        sites=sites,
        gpus=gpus,
        tiers=load_interconnection_tiers(data_dir),
        costs=costs,
        scenario=scenario,
        cooling=load_cooling(data_dir),
        data_sha256=digest,
        existing=existing,
        energy=energy,
    )


def _scenario_dir(origin: str) -> Path:
    path = Path(origin)
    return path.parent if path.is_file() else Path.cwd()


def shared_dir_for(scenario: Scenario, origin: str) -> Path:
    """The real-data folder a scenario asks for, or a one-line error saying how to provide it."""
    from model.realdata import default_shared_dir

    if scenario.data.shared_dir:
        folder = _scenario_dir(origin) / scenario.data.shared_dir
    else:
        folder = default_shared_dir()
    if folder is None or not folder.is_dir():
        raise ScenarioError(
            f"{origin}: data: the real datasets folder is missing ({folder or '../shared/data'}); "
            "set SITING_DATA_DIR or data.shared_dir"
        )
    return folder


def _candidates(
    scenario: Scenario, costs: Mapping[str, float], states: pd.DataFrame, data_dir: Path, origin: str
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, str]:
    """Candidate sites for ``scenario.candidates`` and ``scenario.data``, the existing data centers
    to draw (if asked for), and a digest of every file that went in."""
    import model.candidates as cand

    cfg, data_cfg = scenario.candidates, scenario.data
    digest = hashlib.sha256(_data_digest(data_dir).encode())
    wanted = cfg.states
    needs_shared = cfg.kind == "substations" or data_cfg.dataset == "real" or data_cfg.existing_datacenters != "ignore"
    shared = shared_dir_for(scenario, origin) if needs_shared else None
    if shared is not None and (shared / "SHA256SUMS").is_file():
        digest.update((shared / "SHA256SUMS").read_bytes())
    if cfg.kind == "substations":
        sites = cand.substation_candidates(
            wanted, costs, cfg.min_voltage_kv, shared, dataset=data_cfg.dataset, site_radius_km=cfg.site_radius_km
        )
    elif cfg.kind == "file":
        path = _scenario_dir(origin) / str(cfg.path)
        if not path.is_file():
            raise ScenarioError(f"{origin}: candidates.path: file not found: {cfg.path}")
        digest.update(path.read_bytes())
        sites = cand.file_candidates(path, wanted, costs, site_radius_km=cfg.site_radius_km)
    elif data_cfg.dataset == "real":
        sites = cand.real_county_candidates(wanted, costs, shared)
    else:
        sites = county_candidates(load_counties(), load_county_grid(data_dir), states, costs)
        if wanted:
            sites = sites.loc[sites["state"].isin(wanted)]
    existing = None
    if data_cfg.existing_datacenters != "ignore":
        existing = cand.existing_datacenters(shared)
        if data_cfg.existing_datacenters == "subtract":
            sites = cand.subtract_existing_load(sites, cand.existing_mw_by_county(existing), data_cfg.existing_share)
        elif data_cfg.existing_datacenters == "attract":
            bonus = cand.cluster_bonus(sites, existing, data_cfg.cluster_radius_km, data_cfg.cluster_bonus_usd_per_mw)
            sites = sites.assign(capex_adjust_usd_per_mw=-bonus.reindex(sites.index).fillna(0.0))
    if sites.empty:
        raise ScenarioError(f"{origin}: candidates: no candidate sites in states {wanted or 'all'}")
    return sites, existing, digest.hexdigest()


def _first_source(df: pd.DataFrame) -> str:
    cols = [c for c in df.columns if c == "source" or c.endswith("_source")]
    sources = sorted({str(v).strip() for c in cols for v in df[c]})
    return "; ".join(sources[:4]) + (f" (+{len(sources) - 4} more)" if len(sources) > 4 else "")


def describe_datasets(data_dir: Path = DEFAULT_DATA_DIR) -> list[dict[str, object]]:
    """Name, row count and sources of every input the default dataset uses."""
    from model.timeseries import ENERGY_COST_SCHEMA, load_energy_profiles  # timeseries imports this module

    tables = {
        "counties (plotly-geo, Census cartographic boundary 2016)": None,
        "county_grid.csv": load_county_grid(data_dir),
        "state_facts.csv": load_state_facts(data_dir),
        "gpu_catalog.csv": load_gpu_catalog(data_dir),
        "cost_assumptions.csv": _read_csv(data_dir / "cost_assumptions.csv", COST_SCHEMA),
        "interconnection_tiers.csv": load_interconnection_tiers(data_dir),
        "cooling.csv": load_cooling(data_dir),
        "energy_profiles.csv": load_energy_profiles(data_dir),
        "energy_costs.csv": _read_csv(data_dir / "energy_costs.csv", ENERGY_COST_SCHEMA),
    }
    rows: list[dict[str, object]] = []
    for name, df in tables.items():
        if df is None:
            rows.append({"dataset": name, "rows": len(load_counties()), "source": "US Census Bureau cb_2016_us_county_500k via the plotly-geo wheel (public domain)"})
        else:
            rows.append({"dataset": name, "rows": len(df), "source": _first_source(df)})
    return rows


CANDIDATE_SCHEMA: Schema = {
    "state": "str",
    "county_fips": "str",
    "county_name": "str",
    "headroom_mw": "float",
    "land_available_acres": "float",
    "pue": "float",
    "price_usd_per_mwh": "float",
    "co2_kg_per_mwh": "float",
    "land_value_usd_per_acre": "float",
    "water_stress_score": "float",
    "queue_years": "float",
}


def inputs_from_frames(
    sites: gpd.GeoDataFrame,
    gpus: pd.DataFrame,
    tiers: pd.DataFrame,
    costs: Mapping[str, float],
    scenario: Scenario,
    name: str = "sites",
    cooling: pd.DataFrame | None = None,
    energy: "EnergyData | None" = None,
) -> SitingData:
    """Build :class:`SitingData` from user frames (any candidate geography with a CRS).

    ``sites`` is indexed by site id and carries :data:`CANDIDATE_SCHEMA`; ``gpus`` follows the GPU
    catalog's columns (indexed by ``gpu`` or with a ``gpu`` column) and ``tiers`` the tier table.
    """
    if not isinstance(sites, gpd.GeoDataFrame):
        raise InputDataError(f"{name}: expected a GeoDataFrame with a geometry column")
    sites = to_project_crs(sites, name)
    checked = validate_table(pd.DataFrame(sites.drop(columns="geometry")), CANDIDATE_SCHEMA, name)
    if not sites.index.is_unique:
        raise InputDataError(f"{name}: site ids (the index) must be unique")
    sites = gpd.GeoDataFrame(checked, geometry=sites.geometry, crs=sites.crs)
    sites.index = sites.index.astype(str)
    sites.index.name = "site_id"
    gpu_table = validate_table(gpus.reset_index() if "gpu" not in gpus.columns else gpus, GPU_SCHEMA, "gpus")
    tier_table = validate_table(tiers.reset_index() if "tier" not in tiers.columns else tiers, TIER_SCHEMA, "tiers")
    missing = [k for k in REQUIRED_COSTS if k not in costs]
    if missing:
        raise InputDataError(f"costs: missing '{missing[0]}'")
    catalog = indexed_by(gpu_table, "gpu", "gpus")
    merged_costs = dict(costs) | scenario.costs.as_dict()
    check_costs(merged_costs, scenario.origin)
    known_fips = set(sites["county_fips"].astype(str)) | set(load_county_grid().index.astype(str))
    check_scenario_names(scenario, set(CONTIGUOUS_STATES) | set(sites["state"]), known_fips, scenario.origin)
    return SitingData(
        sites=sites,
        gpus=select_gpus(catalog, scenario.gpus.types, scenario.origin),
        tiers=indexed_by(tier_table, "tier", "tiers"),
        costs=merged_costs,
        scenario=scenario,
        cooling=cooling if cooling is not None else load_cooling(),
        energy=energy,
    )
