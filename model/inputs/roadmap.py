"""The GPU roadmap (data/gpu_roadmap.csv): each type's first year of volume deliveries, price path,
useful life and rental rate, for multi-year horizons (a vintage bought in year v costs that year's
price and earns each year's rental while it lives)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from model.core.errors import InputDataError, ScenarioError
from model.core.tables import Schema, read_table, validate_table

ROADMAP_SCHEMA: Schema = {
    "gpu": "str", "gpus_per_block": "int", "it_kw_per_block": "float", "price_usd_per_block": "float",
    "bf16_dense_tflops_per_gpu": "float", "fp8_dense_tflops_per_gpu": "float", "first_year": "int",
    "price_year": "int", "price_decline_per_year": "float", "life_years": "float",
    "rental_usd_per_gpu_hour": "float", "rental_year": "int", "rental_decline_per_year": "float",
}


def load_gpu_roadmap(path: Path) -> pd.DataFrame:
    """data/gpu_roadmap.csv (or the scenario's ``pathway.roadmap``), indexed by gpu, checked."""
    if not path.is_file():
        raise ScenarioError(f"{path}: GPU roadmap file not found")
    return check_roadmap(read_table(path, ROADMAP_SCHEMA), str(path))


def check_roadmap(df: pd.DataFrame, name: str) -> pd.DataFrame:
    table = validate_table(df, ROADMAP_SCHEMA, name)
    numeric = [c for c, k in ROADMAP_SCHEMA.items() if k != "str"]
    for col in numeric:
        values = table[col].astype(float).to_numpy()
        bad = ~np.isfinite(values) | (values < 0)
        if bad.any():
            raise InputDataError(f"{name}: {col}: row {int(np.flatnonzero(bad)[0]) + 1} must be a finite non-negative number")
    for col in ("price_decline_per_year", "rental_decline_per_year"):
        if (table[col] >= 1).any():
            raise InputDataError(f"{name}: {col}: a decline must be below 1 per year")
    for col in ("life_years", "gpus_per_block", "it_kw_per_block"):
        if (table[col] <= 0).any():
            raise InputDataError(f"{name}: {col}: must be positive")
    if not table["gpu"].is_unique:
        raise InputDataError(f"{name}: gpu: '{table.loc[table['gpu'].duplicated(), 'gpu'].iloc[0]}' appears twice")
    return table.set_index("gpu")


def select_roadmap(roadmap: pd.DataFrame, types: list[str], last_year: int, origin: str, path: Path) -> pd.DataFrame:
    """The scenario's types from the roadmap; unknown types and a set none of which exists by the last
    year are one-line errors."""
    unknown = [g for g in types if g not in roadmap.index]
    if unknown:
        raise ScenarioError(f"{origin}: gpus.types: '{unknown[0]}' is not in the GPU roadmap {path} (known: {', '.join(roadmap.index)})")
    gpus = roadmap.loc[list(dict.fromkeys(types))]
    late = gpus.index[gpus["first_year"] > last_year]
    if len(late) == len(gpus):
        raise ScenarioError(
            f"{origin}: gpus.types: no type is available by {last_year} (first_year of '{late[0]}' is {int(gpus.loc[late[0], 'first_year'])})"
        )
    return gpus


def roadmap_path(roadmap: str | None, origin: str, data_dir: Path) -> Path:
    """``pathway.roadmap`` relative to the scenario file, else data/gpu_roadmap.csv."""
    if roadmap is None:
        return data_dir / "gpu_roadmap.csv"
    path = Path(origin)
    return (path.parent if path.is_file() else Path.cwd()) / roadmap
