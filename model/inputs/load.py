"""Everything a scenario needs, in one validated :class:`SitingData`: ``load_inputs`` (the default or
real datasets) and ``inputs_from_frames`` (any candidate GeoDataFrame), plus the name checks
(states, FIPS, cap keys) that refuse rules matching nothing, before any model is built.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
from pydantic import ValidationError

import model.inputs.candidates as cand
from model.config import CostAssumptions, Scenario
from model.core.errors import InputDataError, ScenarioError
from model.core.geo import to_project_crs
from model.core.schema import CONTIGUOUS_STATES
from model.core.tables import indexed_by, read_csv, validate_table
from model.inputs.datasets import (
    CANDIDATE_SCHEMA,
    COST_SCHEMA,
    DEFAULT_DATA_DIR,
    GPU_SCHEMA,
    REQUIRED_COSTS,
    TIER_SCHEMA,
    county_candidates,
    load_cooling,
    load_cost_assumptions,
    load_counties,
    load_county_grid,
    load_county_price,
    load_gpu_catalog,
    load_interconnection_tiers,
    load_state_facts,
    select_gpus,
)
from model.inputs.energy_data import load_energy_data
from model.inputs.realdata import default_shared_dir, recording_reads
from model.inputs.supply import SupplyData, load_supply
from model.inputs.energy_scale import EnergyScale, energy_scale
from model.inputs.roadmap import load_gpu_roadmap, roadmap_path, select_roadmap
from model.inputs.tax import construction_tax_rate, equipment_tax_rate, load_tax_tables
from model.inputs.timeseries import ENERGY_COST_SCHEMA, load_energy_costs, load_energy_profiles

if TYPE_CHECKING:
    from model.inputs.energy_data import EnergyData


@dataclass(frozen=True)
class SitingData:
    """Everything the model needs, validated, with costs already merged with scenario overrides."""

    sites: gpd.GeoDataFrame  # index site_id; one row per candidate after exclusions
    gpus: pd.DataFrame  # index gpu; only the scenario's types
    tiers: pd.DataFrame  # index tier
    costs: CostAssumptions  # data/cost_assumptions.csv merged with the scenario's [costs] overrides
    scenario: Scenario
    cooling: pd.DataFrame  # index cooling type: evaporative (the state PUE's assumption) and dry
    data_sha256: str = ""
    existing: gpd.GeoDataFrame | None = None  # existing data centers, for maps (data.existing_datacenters)
    energy: "EnergyData | None" = None  # hourly inputs when scenario.energy.enabled
    supply: SupplyData | None = None  # zonal supply when scenario.supply.model == "zonal"
    # Multi-year horizons ([pathway]): the GPU roadmap rows of the scenario's types (``gpus`` is the same
    # rows) and data/energy_costs.csv (the on-site gas bridge's costs).
    roadmap: pd.DataFrame | None = None
    energy_costs: dict[str, float] | None = None
    # Sales and use tax (data/state_tax.csv, [tax]): rate on IT equipment and on construction (the materials
    # share included) bought at each candidate (rows) in each model year (columns); None: untaxed.
    tax_equipment: pd.DataFrame | None = None
    tax_construction: pd.DataFrame | None = None
    # Energy at scale ([supply] energy_at_scale, county candidates, zonal supply): tariff scale and the price
    # beyond it per candidate and model year, wheeling; None: every MWh at the county price.
    energy_scale: EnergyScale | None = None

    @property
    def precision_col(self) -> str:
        return f"{self.scenario.gpus.precision}_dense_tflops_per_gpu"


SNAPSHOT_TAX_YEAR = 2026  # the year a one-period scenario stands for (model.milp.model_data.SNAPSHOT_YEAR)


def _data_digest(data_dir: Path) -> str:
    """Every table in ``data/`` by name and content (what a default run may read)."""
    digest = hashlib.sha256()
    for path in sorted(data_dir.glob("*.csv")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


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
        where = f"policies.{i} ({policy.type})"
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


def cost_assumptions(values: Mapping[str, float], origin: str) -> CostAssumptions:
    """Validate merged cost values (data + overrides) into :class:`CostAssumptions`, once per scenario;
    any problem is a one-line :class:`ScenarioError` naming the cost."""
    check_costs(values, origin)
    unknown = [k for k in values if k not in CostAssumptions.model_fields]
    if unknown:
        raise InputDataError(f"costs: unknown cost '{unknown[0]}' (known: {', '.join(CostAssumptions.model_fields)})")
    try:
        return CostAssumptions.model_validate(dict(values))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ScenarioError(f"{origin}: costs.{where}: {err['msg']}" if where else f"{origin}: costs: {err['msg']}") from None


def load_inputs(scenario: Scenario, data_dir: Path | None = None, origin: str | None = None) -> SitingData:
    """Read the default dataset and shape it for ``scenario`` (candidate set, GPU types, costs)."""
    data_dir = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    origin = origin or scenario.origin
    states = load_state_facts(data_dir)
    roadmap, energy_costs = None, None
    if scenario.pathway is not None:
        # Multi-year: the roadmap names the types (newer ones than the catalog's, e.g. Rubin) and their paths.
        path = roadmap_path(scenario.pathway.roadmap, origin, data_dir)
        roadmap = gpus = select_roadmap(load_gpu_roadmap(path), scenario.gpus.types, scenario.pathway.years[-1], origin, path)
        energy_costs = load_energy_costs(data_dir)
    else:
        gpus = select_gpus(load_gpu_catalog(data_dir), scenario.gpus.types, origin, str(data_dir / "gpu_catalog.csv"))
    costs = cost_assumptions(load_cost_assumptions(data_dir).model_dump() | scenario.costs.as_dict(), origin)
    grid = load_county_grid(data_dir)  # read once: its FIPS check the rules, its rows are the default candidates
    check_scenario_names(scenario, set(states.index), set(grid.index.astype(str)), origin)
    sites, existing, digest = _candidates(scenario, costs, states, grid, data_dir, origin)
    supply = None
    if scenario.supply.model == "zonal":
        cfg = scenario.supply
        # County candidates connect by their routes to power; points (substations, files) by voltage class.
        firm_power = cfg.firm_power if scenario.candidates.kind == "counties" else None
        sites, supply = load_supply(sites, cfg.spare_share, cfg.import_share, list(cfg.new_generation), data_dir, firm_power)
    energy = None
    if scenario.energy.enabled:
        cfg_e = scenario.energy
        energy = load_energy_data(sorted(set(sites["state"])), cfg_e.rep_days, cfg_e.seed, data_dir, cfg_e.hours_per_period)
        if supply is not None:
            energy = energy.at_zones(zone_states(sites))
    scale = None
    if supply is not None and scenario.supply.energy_at_scale and scenario.candidates.kind == "counties":
        years_scale = list(scenario.pathway.years) if scenario.pathway is not None else [SNAPSHOT_TAX_YEAR]
        scale = energy_scale(sites, years_scale, data_dir)
    tax_equipment = tax_construction = None
    if scenario.tax.sales_tax:
        years = list(scenario.pathway.years) if scenario.pathway is not None else [SNAPSHOT_TAX_YEAR]
        tables = load_tax_tables(data_dir)
        tax_equipment = equipment_tax_rate(sites, years, scenario.tax.exemptions, tables=tables)
        tax_construction = construction_tax_rate(sites, years, scenario.tax.exemptions, tables=tables)
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
        supply=supply,
        roadmap=roadmap,
        energy_costs=energy_costs,
        tax_equipment=tax_equipment,
        tax_construction=tax_construction,
        energy_scale=scale,
    )


def zone_states(sites: pd.DataFrame) -> dict[str, str]:
    """ReEDS zone -> the state whose hourly series it takes (its candidates' most common state: zones
    nest within states, except DC's county in a Maryland zone)."""
    return {str(z): str(g.mode().iloc[0]) for z, g in sites.groupby("zone")["state"]}


def _zonal_frames(sites: gpd.GeoDataFrame, supply: SupplyData, origin: str) -> gpd.GeoDataFrame:
    """User frames in zonal mode carry a ``zone`` per site (and optionally ``time_to_power_years``)."""
    if "zone" not in sites:
        raise InputDataError("sites: zonal supply needs a 'zone' column")
    unknown = ~sites["zone"].isin(supply.zones.index)
    if unknown.any():
        raise InputDataError(f"sites: zone '{sites.loc[unknown, 'zone'].iloc[0]}' is not in the supply zones")
    out = sites.copy()
    out["spare_firm_mw_zone"] = out["zone"].map(supply.zones["spare_firm_mw"]).astype(float)
    if "time_to_power_years" not in out:
        out["time_to_power_years"] = out["queue_years"].astype(float)
    out["queue_years"] = out["time_to_power_years"].astype(float)  # the time_to_power policy reads it
    return out


def _scenario_dir(origin: str) -> Path:
    path = Path(origin)
    return path.parent if path.is_file() else Path.cwd()


def shared_dir_for(scenario: Scenario, origin: str) -> Path:
    """The real-data folder a scenario asks for, or a one-line error saying how to provide it."""

    folder: Path | None
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
    scenario: Scenario, costs: CostAssumptions, states: pd.DataFrame, grid: pd.DataFrame, data_dir: Path, origin: str
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, str]:
    """Candidate sites for ``scenario.candidates`` and ``scenario.data``, the existing data centers
    to draw (if asked for), and a digest of every file that went in: the tables of ``data/``, the
    candidate file, and each file of ``../shared/data`` read (by name and verified SHA-256)."""

    digest = hashlib.sha256(_data_digest(data_dir).encode())
    with recording_reads() as shared_reads:
        sites, existing, file_bytes = _candidate_frames(scenario, costs, states, grid, data_dir, origin)
    digest.update(file_bytes)
    for name, sha in sorted(shared_reads.items()):
        digest.update(f"shared/{name}:{sha}\n".encode())
    return sites, existing, digest.hexdigest()


def _candidate_frames(
    scenario: Scenario, costs: CostAssumptions, states: pd.DataFrame, grid: pd.DataFrame, data_dir: Path, origin: str
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, bytes]:
    """The candidates, the existing data centers, and the bytes of the user's candidate file (if any)."""
    cfg, data_cfg = scenario.candidates, scenario.data
    file_bytes = b""
    wanted = cfg.states
    needs_shared = cfg.kind == "substations" or data_cfg.dataset == "real" or data_cfg.existing_datacenters != "ignore"
    shared = shared_dir_for(scenario, origin) if needs_shared else None
    if cfg.kind == "substations":
        sites = cand.substation_candidates(
            wanted, costs, cfg.min_voltage_kv, shared, dataset=data_cfg.dataset, site_radius_km=cfg.site_radius_km
        )
    elif cfg.kind == "file":
        path = _scenario_dir(origin) / str(cfg.path)
        if not path.is_file():
            raise ScenarioError(f"{origin}: candidates.path: file not found: {cfg.path}")
        # Refused before it is read (or hashed) whole when larger than a candidate file may be.
        cand.check_candidate_file_size(path)
        file_bytes = path.read_bytes()
        # [candidates] drop_invalid_rows: the scenario field the schema adds (False until it exists).
        drop = bool(getattr(cfg, "drop_invalid_rows", False))
        sites = cand.file_candidates(path, wanted, costs, site_radius_km=cfg.site_radius_km, drop_invalid_rows=drop)
    elif data_cfg.dataset == "real":
        sites = cand.real_county_candidates(wanted, costs, shared)
    else:
        sites = county_candidates(load_counties(), grid, states, costs, load_county_price(data_dir))
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
    return sites, existing, file_bytes


def _first_source(df: pd.DataFrame) -> str:
    """The table's distinct sources, whole; rows that differ only in their numbers count once."""
    cols = [c for c in df.columns if c == "source" or c.endswith("_source")]
    seen: dict[str, str] = {}
    for c in cols:
        for v in df[c]:
            text = str(v).strip()
            seen.setdefault(re.sub(r"[-+]?\d[\d.,]*", "#", text), text)
    sources = sorted(seen.values())
    return "; ".join(sources[:3]) + (f" (+{len(sources) - 3} more: data/SOURCES.md)" if len(sources) > 3 else "")


def describe_datasets(data_dir: Path = DEFAULT_DATA_DIR) -> list[dict[str, object]]:
    """Name, row count and sources of every input the default dataset uses."""

    tables = {
        "counties (plotly-geo, Census cartographic boundary 2016)": None,
        "county_grid.csv": load_county_grid(data_dir),
        "state_facts.csv": load_state_facts(data_dir),
        "gpu_catalog.csv": load_gpu_catalog(data_dir),
        "cost_assumptions.csv": read_csv(data_dir / "cost_assumptions.csv", COST_SCHEMA),
        "interconnection_tiers.csv": load_interconnection_tiers(data_dir),
        "cooling.csv": load_cooling(data_dir),
        "energy_profiles.csv": load_energy_profiles(data_dir),
        "energy_costs.csv": read_csv(data_dir / "energy_costs.csv", ENERGY_COST_SCHEMA),
    }
    rows: list[dict[str, object]] = []
    for name, df in tables.items():
        if df is None:
            rows.append({"dataset": name, "rows": len(load_counties()), "source": "US Census Bureau cb_2016_us_county_500k via the plotly-geo wheel (public domain)"})
        else:
            rows.append({"dataset": name, "rows": len(df), "source": _first_source(df)})
    return rows


def inputs_from_frames(
    sites: gpd.GeoDataFrame,
    gpus: pd.DataFrame,
    tiers: pd.DataFrame,
    costs: Mapping[str, float] | CostAssumptions,
    scenario: Scenario,
    name: str = "sites",
    cooling: pd.DataFrame | None = None,
    energy: "EnergyData | None" = None,
    supply: SupplyData | None = None,
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
    values = costs.model_dump() if isinstance(costs, CostAssumptions) else dict(costs)
    missing = [k for k in REQUIRED_COSTS if k not in values]
    if missing:
        raise InputDataError(f"costs: missing '{missing[0]}'")
    if scenario.supply.model == "zonal":
        if supply is None:  # the default tables, by each site's county (real FIPS needed)
            cfg = scenario.supply
            try:
                sites, supply = load_supply(sites, cfg.spare_share, cfg.import_share, list(cfg.new_generation))
            except InputDataError as err:
                raise InputDataError(f"{err} (pass supply=SupplyData, or set [supply] model = 'legacy')") from None
        sites = _zonal_frames(sites, supply, scenario.origin)
        if energy is not None and not set(sites["zone"]) <= set(energy.price_factor.columns):
            energy = energy.at_zones(zone_states(sites))  # state-keyed series -> the zones' dispatch columns
    catalog = indexed_by(gpu_table, "gpu", "gpus")
    merged_costs = cost_assumptions(values | scenario.costs.as_dict(), scenario.origin)
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
        supply=supply if scenario.supply.model == "zonal" else None,
    )
