"""Coordinate reference systems: one projected, equal-area CRS for all distances and areas."""

from __future__ import annotations

import geopandas as gpd

from model.core.errors import InputDataError

# NAD83 / Conus Albers (metres, equal area): areas in m² and distances in m are meaningful.
PROJECT_CRS = "EPSG:5070"
# Interchange CRS of written outputs (GeoPackage, folium).
OUTPUT_CRS = "EPSG:4326"


def require_crs(gdf: gpd.GeoDataFrame, name: str) -> None:
    if gdf.crs is None:
        raise InputDataError(f"{name}: geometry has no CRS; set one (e.g. gdf.set_crs('EPSG:4326'))")


def to_project_crs(gdf: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    """Reproject to :data:`PROJECT_CRS`, refusing frames whose CRS is unknown."""
    require_crs(gdf, name)
    return gdf if gdf.crs == PROJECT_CRS else gdf.to_crs(PROJECT_CRS)


def require_same_crs(left: gpd.GeoDataFrame, right: gpd.GeoDataFrame, names: tuple[str, str]) -> None:
    """Spatial joins across CRSs silently give nonsense; refuse them with a clear message."""
    require_crs(left, names[0])
    require_crs(right, names[1])
    if left.crs != right.crs:
        raise InputDataError(
            f"{names[0]} is in {left.crs.to_string()} but {names[1]} is in {right.crs.to_string()}: "
            "reproject one of them first"
        )
