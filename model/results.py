"""Read a solved model back into a sites table and a summary, and write a run directory atomically."""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import geopandas as gpd
import numpy as np
import pandas as pd
import pyomo.environ as pyo

from model.build import SitingModel
from model.geo import OUTPUT_CRS
from model.solve import SolveResult
from model.units import USD_PER_MUSD

_MW_DECIMALS = 3
_USD_DECIMALS = 0


def _values(component: Any, index: list) -> np.ndarray:
    return np.array([pyo.value(component[i]) for i in index], dtype=float)


def sites_table(sm: SitingModel) -> gpd.GeoDataFrame:
    """One row per built site with its GPUs, power, costs, energy and emissions (EPSG:4326 points)."""
    m, data = sm.m, sm.data
    site_ids = data.sets.SITES
    built = np.array([round(pyo.value(m.build[s])) for s in site_ids], dtype=int) == 1
    ids = [s for s, b in zip(site_ids, built) if b]
    sites = data.sites.loc[ids]
    out = pd.DataFrame(index=pd.Index(ids, name="site_id"))
    out["state"] = sites["state"]
    out["county_fips"] = sites["county_fips"]
    out["county_name"] = sites["county_name"]
    gpus_total = np.zeros(len(ids))
    pflops = np.zeros(len(ids))
    for g in data.sets.GPUS:
        blocks = np.array([round(pyo.value(m.blocks[s, g])) for s in ids], dtype=int)
        out[f"blocks_{g}"] = blocks
        out[f"gpus_{g}"] = blocks * data.block_gpus[g]
        gpus_total += blocks * data.block_gpus[g]
        pflops += blocks * data.block_pflops[g]
    out["gpus"] = gpus_total.astype(int)
    out["compute_pflops"] = pflops.round(3)
    out["it_mw"] = _values(m.it_mw, ids).round(_MW_DECIMALS)
    out["pue"] = sites["pue"]
    out["facility_mw"] = _values(m.facility_mw, ids).round(_MW_DECIMALS)
    out["headroom_mw"] = sites["headroom_mw"]
    tiers_at = {s: t for s, t in data.sets.SITES_TIERS if s in set(ids) and round(pyo.value(m.upgrade[s, t])) == 1}
    out["upgrade_tier"] = [tiers_at.get(s, "") for s in ids]
    out["upgrade_mw"] = [data.tier_mw[tiers_at[s]] if s in tiers_at else 0.0 for s in ids]
    out["land_acres"] = (out["facility_mw"] * data.costs["acres_per_mw"]).round(1)
    for part in ("site", "shell", "land", "gpu", "interconnect"):
        out[f"capex_{part}_usd"] = (_values(getattr(m, f"capex_{part}_musd"), ids) * USD_PER_MUSD).round(_USD_DECIMALS)
    out["capex_usd"] = (_values(m.capex_musd, ids) * USD_PER_MUSD).round(_USD_DECIMALS)
    out["price_usd_per_mwh"] = sites["price_usd_per_mwh"]
    out["energy_mwh_per_year"] = _values(m.energy_mwh_per_year, ids).round(0)
    out["energy_cost_usd_per_year"] = (_values(m.energy_cost_musd_per_year, ids) * USD_PER_MUSD).round(_USD_DECIMALS)
    out["energy_opex_pv_usd"] = (_values(m.energy_opex_pv_musd, ids) * USD_PER_MUSD).round(_USD_DECIMALS)
    out["co2_t_per_year"] = _values(m.co2_t_per_year, ids).round(0)
    out["water_m3_per_year"] = _values(m.water_m3_per_year, ids).round(0)
    dry = getattr(m, "dry_it_mw", None)
    # Six decimals: water and facility MW are recomputed from this column by the checker.
    out["dry_cooled_it_mw"] = [round(pyo.value(dry[s]), 6) if dry is not None and s in dry else 0.0 for s in ids]
    points = sites.geometry.representative_point()
    gdf = gpd.GeoDataFrame(out, geometry=points.values, crs=sites.crs)
    return gdf.to_crs(OUTPUT_CRS)


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def summary_dict(
    sm: SitingModel | None,
    result: SolveResult | None,
    sites: gpd.GeoDataFrame | None,
    seconds: dict[str, float],
    scenario_sha256: str,
    data_sha256: str,
) -> dict[str, Any]:
    """The run's headline numbers; every key is present whatever the status (null when unknown)."""
    sc = sm.data.inputs.scenario if sm is not None else None
    has = result is not None and result.has_solution and sites is not None
    m = sm.m if sm is not None else None
    gpus_by_type = {g: int(sites[f"gpus_{g}"].sum()) for g in sm.data.sets.GPUS} if has else {}
    summary: dict[str, Any] = {
        "scenario": sc.name if sc else None,
        "status": result.status if result else None,
        "objective_sense": sc.objective.sense if sc else None,
        "objective": _finite(result.objective) if result else None,
        "objective_unit": ("PFLOPS" if sc and sc.objective.sense == "max_compute" else "MUSD") if sc else None,
        "mip_gap": _finite(result.mip_gap) if result else None,
        "dual_bound": _finite(result.dual_bound) if result else None,
        "precision": sc.gpus.precision if sc else None,
        "compute_pflops": round(float(sites["compute_pflops"].sum()), 3) if has else None,
        "gpus": int(sites["gpus"].sum()) if has else None,
        "gpus_by_type": gpus_by_type,
        "capex_usd": float(sites["capex_usd"].sum()) if has else None,
        "capex_usd_by_part": {
            part: float(sites[f"capex_{part}_usd"].sum()) for part in ("site", "shell", "land", "gpu", "interconnect")
        }
        if has
        else {},
        "energy_opex_pv_usd": float(sites["energy_opex_pv_usd"].sum()) if has else None,
        "total_cost_usd": round(pyo.value(m.total_cost_musd) * USD_PER_MUSD, 0) if has else None,
        "budget_usd": sc.budget.total_usd if sc and sc.budget else None,
        "equity_usd": sc.budget.equity_usd if sc and sc.budget else None,
        "debt_usd": sc.budget.debt_usd if sc and sc.budget else None,
        "budget_includes_opex": sc.budget.include_opex if sc and sc.budget else None,
        "debt_to_equity": (sc.budget.debt_usd / sc.budget.equity_usd) if sc and sc.budget else None,
        "it_mw": round(float(sites["it_mw"].sum()), _MW_DECIMALS) if has else None,
        "facility_mw": round(float(sites["facility_mw"].sum()), _MW_DECIMALS) if has else None,
        "facility_mw_by_state": sites.groupby("state")["facility_mw"].sum().round(_MW_DECIMALS).to_dict() if has else {},
        "sites_built": int(len(sites)) if has else 0,
        "energy_mwh_per_year": float(sites["energy_mwh_per_year"].sum()) if has else None,
        "co2_t_per_year": float(sites["co2_t_per_year"].sum()) if has else None,
        "water_m3_per_year": float(sites["water_m3_per_year"].sum()) if has else None,
        "candidates": len(sm.data.sets.SITES) if sm else None,
        "model_size": {"rows": result.rows, "columns": result.columns, "nonzeros": result.nonzeros} if result else {},
        "solver": {
            "name": "HiGHS",
            "route": result.route if result else None,
            "time_limit_s": sc.solver.time_limit_s if sc else None,
            "mip_gap_target": sc.solver.mip_gap if sc else None,
            "threads": sc.solver.threads if sc else None,
        },
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "scenario_sha256": scenario_sha256,
        "data_sha256": data_sha256,
        "diagnosis": None,
    }
    return summary


@contextmanager
def atomic_dir(out_dir: Path) -> Iterator[Path]:
    """Yield a temporary sibling directory; on success it replaces ``out_dir`` in one rename.

    On any exception (including KeyboardInterrupt) the temporary directory is removed, so a run
    directory is either complete or untouched.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        yield tmp
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            os.replace(out_dir, old)
        os.replace(tmp, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=False, allow_nan=False) + "\n")
