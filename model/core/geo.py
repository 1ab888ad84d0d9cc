"""Coordinate reference systems (one projected, equal-area CRS for areas and local distances) and
geodesic distances on the WGS84 ellipsoid for long ones."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from pyproj import Geod

from model.core.errors import InputDataError

# NAD83 / Conus Albers (metres, equal area): areas in m² and distances in m are meaningful.
PROJECT_CRS = "EPSG:5070"
# Interchange CRS of written outputs (GeoPackage, folium).
OUTPUT_CRS = "EPSG:4326"
# Geodesics on the WGS84 ellipsoid (Karney's algorithm via PROJ's geodesic library, accurate to
# nanometres): an equal-area projection distorts long distances, and a sphere is off by up to ~0.5 %.
WGS84_GEOD = Geod(ellps="WGS84")
M_PER_KM = 1000.0


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


def geodesic_km(lon1_deg: np.ndarray, lat1_deg: np.ndarray, lon2_deg: np.ndarray, lat2_deg: np.ndarray) -> np.ndarray:
    """Shortest distance in km on the WGS84 ellipsoid between (lon1, lat1) and (lon2, lat2), in degrees.

    Inputs broadcast against each other (e.g. sites as a column, points as a row give a matrix);
    the result has the broadcast shape. One vectorised ``Geod.inv`` call does all pairs.
    """
    arrays = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (lon1_deg, lat1_deg, lon2_deg, lat2_deg)))
    shape = arrays[0].shape
    # Geod.inv wants 1-d buffers; ravel (copy where needed) and restore the broadcast shape after.
    flat = [np.ascontiguousarray(a).ravel() for a in arrays]
    _, _, dist_m = WGS84_GEOD.inv(flat[0], flat[1], flat[2], flat[3])
    return np.asarray(dist_m, dtype=float).reshape(shape) / M_PER_KM
