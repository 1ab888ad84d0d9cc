"""Selecting candidates by state, county or polygons from a file (shared by several policy types)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pydantic import field_validator, model_validator

from model.core.errors import InputDataError
from model.core.schema import fips_codes, upper_codes
from model.policies.base import PolicyParams

if TYPE_CHECKING:
    import geopandas as gpd


class RegionFields(PolicyParams):
    states: list[str] = []
    counties: list[str] = []  # 5-digit FIPS
    # Polygons (GeoPackage, GeoJSON, shapefile, GeoParquet) e.g. protected land; relative to the scenario file.
    file: str | None = None

    _states = field_validator("states")(upper_codes)
    _counties = field_validator("counties")(fips_codes)

    @model_validator(mode="after")
    def _some_region(self) -> "RegionFields":
        if not (self.states or self.counties or self.file):
            raise ValueError("names no region: give states, counties or file")
        return self


def _read_polygons(path: Path) -> gpd.GeoDataFrame:
    import geopandas as gpd  # heavy: loaded only when used

    from model.core.geo import to_project_crs  # imports geopandas

    if not path.is_file():
        raise InputDataError(f"{path}: polygon file not found")
    try:
        gdf = gpd.read_parquet(path) if path.suffix == ".parquet" else gpd.read_file(path)
    except Exception as err:  # pyogrio/arrow raise many types; the user needs the file named
        raise InputDataError(f"{path}: cannot read polygons ({type(err).__name__}: {err})") from None
    return to_project_crs(gdf, str(path))


def region_mask(sites: pd.DataFrame, region: RegionFields, base_dir: Path) -> np.ndarray:
    """True for candidates in the region (state, county, or representative point inside a polygon)."""
    import geopandas as gpd  # heavy: loaded only when used
    mask = sites["state"].isin(region.states).to_numpy() | sites["county_fips"].isin(region.counties).to_numpy()
    if region.file:
        polygons = _read_polygons(base_dir / region.file)
        points = gpd.GeoSeries(sites.geometry, crs=sites.crs).representative_point()
        mask |= points.within(polygons.union_all()).to_numpy()
    return mask
