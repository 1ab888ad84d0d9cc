"""Synthetic hourly energy profiles per state and their reduction to representative days.

Every series is synthetic (no real weather year) but anchored to sourced annual figures in
``data/energy_profiles.csv``: solar and wind hourly capacity factors are scaled so their annual
means equal the state's sourced ``solar_cf`` / ``wind_cf`` exactly; the price factor has mean 1
and the sourced on-peak/off-peak ratio; the CO2 factor has mean 1. Method notes and limits are in
``docs/energy_profiles.md``. All randomness comes from ``numpy.random.default_rng`` seeded by
``(seed, series, state)``, so a state's series does not depend on which other states are asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from model.core.errors import InputDataError
from model.core.schema import CONTIGUOUS_STATES
from model.core.tables import Schema, indexed_by, read_csv, require_keys
from model.core.units import DAYS_PER_YEAR, HOURS_PER_DAY, HOURS_PER_YEAR
from model.inputs.datasets import DEFAULT_DATA_DIR, load_counties, load_state_facts

# 365 days of 24 h (8,760 h); leap years drop 31 Dec (documented).
SERIES = ("solar_cf", "wind_cf", "price_factor", "co2_factor")
# Stable integer per series for the RNG seed (Python's hash() is salted per process).
SERIES_ID = {name: i for i, name in enumerate(SERIES)}
COMMON_STREAM = "__common__"  # RNG stream shared by all states: weather is spatially correlated
# How representative days are chosen. tsam was measured against PAM and not adopted (benchmarks/profiles.md);
# a new method gets its name here and its day selection feeding days_from_selection.
RepDaysMethod = Literal["kmedoids"]
DEFAULT_REP_DAYS_METHOD: RepDaysMethod = "kmedoids"

ENERGY_PROFILE_SCHEMA: Schema = {
    "state": "str",
    "solar_cf": "float",
    "solar_source": "str",
    "wind_cf": "float",
    "wind_source": "str",
    "price_hub": "str",
    "price_peak_to_offpeak": "float",
    "price_source": "str",
    "solar_land_acres_per_mw": "float",
    "solar_land_source": "str",
    "wind_land_acres_per_mw": "float",
    "wind_land_source": "str",
    "grid_clean_share": "float",
    "grid_clean_source": "str",
}
ENERGY_COST_SCHEMA: Schema = {"name": "str", "value": "float", "unit": "str", "source": "str"}
# The rows of data/energy_costs.csv the hourly block, the zonal supply and the pathway bridge read.
REQUIRED_ENERGY_COSTS = frozenset(
    {
        "solar_capex_usd_per_kw_ac", "solar_fom_usd_per_kw_ac_yr", "solar_life_years",
        "wind_capex_usd_per_kw", "wind_fom_usd_per_kw_yr", "wind_life_years",
        "battery_power_capex_usd_per_kw", "battery_energy_capex_usd_per_kwh", "battery_fom_share_of_capex_per_yr",
        "battery_round_trip_efficiency", "battery_life_years",
        "gas_capex_usd_per_kw", "gas_fom_usd_per_kw_yr", "gas_vom_usd_per_mwh", "gas_heat_rate_mmbtu_per_mwh",
        "gas_fuel_usd_per_mmbtu", "gas_co2_kg_per_mmbtu", "gas_life_years",
        "curtailment_cost_usd_per_mwh", "max_flexible_share", "max_curtailment_share_of_annual_energy",
    }
)  # fmt: skip

# --- solar: PV plant and cloudiness -----------------------------------------------------------
PV_DC_TO_AC_RATIO = 1.3  # inverter loading ratio of new US trackers (LBNL Utility-Scale Solar 2023)
PV_DC_LOSS_FRACTION = 0.14  # soiling, temperature, wiring, mismatch (PVWatts default ~14 %)
TRACKER_MAX_ANGLE_DEG = 60.0
TRACKER_GCR = 0.35  # ground coverage ratio; enables backtracking geometry
CLEARNESS_DAILY_AR1 = 0.5  # day-to-day persistence of weather regimes
CLEARNESS_COMMON_SHARE = 0.5  # variance share of the national (common) weather component
CLEARNESS_MIN = 0.05  # even overcast days deliver some diffuse light

# --- wind: synthetic shape --------------------------------------------------------------------
WIND_HOURLY_AR1 = 0.95  # e-folding time ~20 h: synoptic weather systems
WIND_NOISE_REL_SD = 0.55  # relative hourly variability; gives ~4 % calm (clipped-to-zero) hours
WIND_COMMON_SHARE = 0.5
WIND_SEASONAL_AMPLITUDE = 0.20  # US interior: windiest in early spring, calmest in late summer
WIND_SEASONAL_PEAK_DOY = 80
WIND_DIURNAL_AMPLITUDE = 0.12  # nocturnal low-level jet over the plains
WIND_DIURNAL_PEAK_LOCAL_HOUR = 1.0

# --- price and CO2 shapes ---------------------------------------------------------------------
ON_PEAK_FIRST_LOCAL_HOUR = 7  # 5x16 on-peak block: HE8-HE23 = hours 07:00-22:59, weekdays
ON_PEAK_LAST_LOCAL_HOUR = 22
WEEKEND_PRICE_SHAPE = 0.6  # weekend peaks are lower than weekday peaks
CO2_MIDDAY_SOLAR_DIP = 0.15  # marginal fossil displaced when the sun is up
CO2_EVENING_BUMP = 0.08  # peakers on the evening ramp
CO2_SUMMER_BUMP = 0.04


# ----------------------------------------------------------------------------- inputs
def load_energy_profiles(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    """``data/energy_profiles.csv`` validated and indexed by state."""
    path = data_dir / "energy_profiles.csv"
    raw = read_csv(path, ENERGY_PROFILE_SCHEMA)
    require_keys(raw, "state", CONTIGUOUS_STATES, str(path), "state")
    df = indexed_by(raw, "state", str(path))
    for col in ("solar_cf", "wind_cf"):
        if not df[col].between(0.0, 0.6, inclusive="neither").all():
            raise InputDataError(f"{path}: column '{col}' must lie in (0, 0.6)")
    if (df["price_peak_to_offpeak"] < 1.0).any():
        raise InputDataError(f"{path}: column 'price_peak_to_offpeak' must be >= 1")
    return df


def load_energy_costs(data_dir: Path = DEFAULT_DATA_DIR) -> dict[str, float]:
    """``data/energy_costs.csv`` as ``{name: value}``."""
    path = data_dir / "energy_costs.csv"
    df = read_csv(path, ENERGY_COST_SCHEMA)
    require_keys(df, "name", REQUIRED_ENERGY_COSTS, str(path), "cost")
    return dict(zip(df["name"], df["value"].astype(float)))


def state_centroids_lonlat(data_dir: Path = DEFAULT_DATA_DIR) -> pd.DataFrame:
    """Geographic centroid of each state (index state; columns lon_deg, lat_deg).

    The centroid of a dissolved state polygon equals the land-area-weighted mean of its county
    polygon centroids (the counties tile the state), so we skip the costly union. Computed in the
    equal-area project CRS (EPSG:5070), then converted to lon/lat.
    """
    counties = load_counties()
    fips_to_state = load_state_facts(data_dir).reset_index().set_index("state_fips")["state"]
    area_m2 = counties.geometry.area
    cent = counties.geometry.centroid
    frame = pd.DataFrame({"state": counties["state_fips"].map(fips_to_state), "a": area_m2, "ax": area_m2 * cent.x, "ay": area_m2 * cent.y})
    sums = frame.dropna(subset=["state"]).groupby("state")[["a", "ax", "ay"]].sum()
    pts = gpd.GeoSeries(gpd.points_from_xy(sums["ax"] / sums["a"], sums["ay"] / sums["a"]), index=sums.index, crs=counties.crs)
    pts = pts.to_crs("EPSG:4326")
    return pd.DataFrame({"lon_deg": pts.x, "lat_deg": pts.y}, index=sums.index)


# ----------------------------------------------------------------------------- helpers
def hour_index(year: int) -> pd.DatetimeIndex:
    """8,760 hour-beginning UTC timestamps from 1 Jan of ``year`` (leap years lose 31 Dec)."""
    return pd.date_range(f"{year}-01-01", periods=HOURS_PER_YEAR, freq="h", tz="UTC")


def state_rng(seed: int, series: str, state: str) -> np.random.Generator:
    """Independent, reproducible stream per (seed, series, state)."""
    tag = SERIES_ID.get(series, len(SERIES))
    return np.random.default_rng([seed, tag, *state.encode("ascii")])


def ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """Stationary AR(1) with unit variance: x_t = phi x_{t-1} + sqrt(1-phi^2) e_t."""
    eps = rng.standard_normal(n)
    out = np.empty(n)
    out[0] = eps[0]
    innov_sd = np.sqrt(1.0 - phi**2)
    for t in range(1, n):
        out[t] = phi * out[t - 1] + innov_sd * eps[t]
    return out


def correlated_ar1(seed: int, series: str, state: str, n: int, phi: float, common_share: float) -> np.ndarray:
    """Unit-variance AR(1) = sqrt(s) * national + sqrt(1-s) * state-own component."""
    common = ar1(state_rng(seed, series, COMMON_STREAM), n, phi)
    own = ar1(state_rng(seed, series, state), n, phi)
    return np.sqrt(common_share) * common + np.sqrt(1.0 - common_share) * own


def scale_to_mean_clipped(
    x: np.ndarray, target_mean: float, cap: float = 1.0, weights: np.ndarray | None = None, tol: float = 1e-12
) -> np.ndarray:
    """Return ``clip(a * x, 0, cap)`` with ``a`` chosen so its (weighted) mean equals ``target_mean``.

    The clipped mean is non-decreasing in ``a``, so bisection finds ``a`` to machine precision;
    a plain rescale would undershoot whenever hours hit the cap.
    """
    w = np.ones_like(x, dtype=float) if weights is None else np.asarray(weights, dtype=float)
    w = w / w.sum()

    def mean_at(a: float) -> float:
        return float(np.sum(w * np.clip(a * x, 0.0, cap)))

    ceiling = float(np.sum(w * np.where(x > 0, cap, 0.0)))
    if not 0.0 < target_mean < ceiling:
        raise ValueError(f"target mean {target_mean:.4f} unreachable (must lie in (0, {ceiling:.4f}))")
    lo, hi = 0.0, 1.0
    while mean_at(hi) < target_mean:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mean_at(mid) < target_mean:
            lo = mid
        else:
            hi = mid
        if hi - lo < tol * hi:
            break
    return np.clip(hi * x, 0.0, cap)


def local_standard_hours(times: pd.DatetimeIndex, lon_deg: float) -> pd.DatetimeIndex:
    """Clock time in the longitude's standard time zone (round(lon/15) h; no DST, documented)."""
    return (times + pd.Timedelta(hours=round(lon_deg / 15.0))).tz_localize(None)


# ----------------------------------------------------------------------------- series
def clear_sky_tracker_cf(lat_deg: float, lon_deg: float, times: pd.DatetimeIndex) -> np.ndarray:
    """Unclipped AC-equivalent CF of a single-axis tracker (N-S axis) under pvlib clear sky.

    Evaluated at mid-hour so each value stands for the hour's average. Ineichen clear sky with
    pvlib's Linke-turbidity climatology; isotropic-sky transposition; no inverter cap yet.
    """
    import pvlib  # local import: only this function needs it

    mid = times + pd.Timedelta(minutes=30)
    altitude_m = float(pvlib.location.lookup_altitude(lat_deg, lon_deg))
    site = pvlib.location.Location(lat_deg, lon_deg, tz="UTC", altitude=altitude_m)
    sun = site.get_solarposition(mid)
    sky = site.get_clearsky(mid, model="ineichen", solar_position=sun)
    track = pvlib.tracking.singleaxis(
        sun["apparent_zenith"], sun["azimuth"], axis_tilt=0.0, axis_azimuth=180.0,
        max_angle=TRACKER_MAX_ANGLE_DEG, backtrack=True, gcr=TRACKER_GCR,
    )
    tilt = track["surface_tilt"].fillna(0.0)
    azim = track["surface_azimuth"].fillna(180.0)
    poa = pvlib.irradiance.get_total_irradiance(
        tilt, azim, sun["apparent_zenith"], sun["azimuth"], sky["dni"], sky["ghi"], sky["dhi"], model="isotropic"
    )["poa_global"].fillna(0.0)
    poa = poa.where(sun["apparent_zenith"] < 90.0, 0.0)  # sun below horizon: nothing
    return poa.to_numpy() / 1000.0 * PV_DC_TO_AC_RATIO * (1.0 - PV_DC_LOSS_FRACTION)


def daily_clearness(seed: int, state: str, mean_clearness: float) -> np.ndarray:
    """Daily cloudiness derate k_d in [CLEARNESS_MIN, 1] (365 values).

    k_d = clip(m + sd * x_d) with x_d a seeded AR(1) (phi = 0.5, half national / half state
    noise), m the state's expected clear-sky fraction and sd = 0.05 + 0.5 (1 - m): sunny states
    vary less from day to day than cloudy ones.
    """
    x = correlated_ar1(seed, "solar_cf", state, DAYS_PER_YEAR, CLEARNESS_DAILY_AR1, CLEARNESS_COMMON_SHARE)
    sd = 0.05 + 0.5 * (1.0 - mean_clearness)
    return np.clip(mean_clearness + sd * x, CLEARNESS_MIN, 1.0)


def solar_cf_series(state: str, lat_deg: float, lon_deg: float, times: pd.DatetimeIndex, target_cf: float, seed: int) -> np.ndarray:
    """Clear-sky tracker output x daily clearness, scaled (with the inverter cap) to ``target_cf``."""
    clear = clear_sky_tracker_cf(lat_deg, lon_deg, times)
    clear_mean = float(np.clip(clear, 0.0, 1.0).mean())
    mean_k = float(np.clip(target_cf / clear_mean, 0.3, 0.95))  # how cloudy the state must be
    k_hourly = np.repeat(daily_clearness(seed, state, mean_k), HOURS_PER_DAY)
    return scale_to_mean_clipped(clear * k_hourly, target_cf)


def wind_cf_series(state: str, lon_deg: float, times: pd.DatetimeIndex, target_cf: float, seed: int) -> np.ndarray:
    """seasonal(doy) x diurnal(local hour) x (1 + 0.55 z_h), clipped to [0, 1] and scaled to ``target_cf``.

    z_h: hourly AR(1), phi 0.95, half national / half state noise. Seasonal: +-20 % peaking on
    day 80; diurnal: +-12 % peaking at 01 h local (low-level jet).
    """
    local = local_standard_hours(times, lon_deg)
    doy = local.day_of_year.to_numpy()
    hour = local.hour.to_numpy()
    seasonal = 1.0 + WIND_SEASONAL_AMPLITUDE * np.cos(2 * np.pi * (doy - WIND_SEASONAL_PEAK_DOY) / DAYS_PER_YEAR)
    diurnal = 1.0 + WIND_DIURNAL_AMPLITUDE * np.cos(2 * np.pi * (hour - WIND_DIURNAL_PEAK_LOCAL_HOUR) / HOURS_PER_DAY)
    z = correlated_ar1(seed, "wind_cf", state, len(times), WIND_HOURLY_AR1, WIND_COMMON_SHARE)
    return scale_to_mean_clipped(seasonal * diurnal * (1.0 + WIND_NOISE_REL_SD * z), target_cf)


def price_shape(local: pd.DatetimeIndex) -> np.ndarray:
    """Un-normalised price shape g: morning and evening peaks with a solar midday shoulder,
    summer (and a smaller winter) high season, lower weekends."""
    h = local.hour.to_numpy() + 0.5
    doy = local.day_of_year.to_numpy()

    def bump(centre: float, width: float) -> np.ndarray:
        return np.exp(-0.5 * ((h - centre) / width) ** 2)

    diurnal = 0.5 * bump(8.0, 2.0) + 0.35 * bump(13.0, 3.0) + 1.0 * bump(18.5, 2.5)
    seasonal = 1.0 + 0.30 * np.cos(2 * np.pi * (doy - 200) / DAYS_PER_YEAR) + 0.15 * np.cos(4 * np.pi * (doy - 15) / DAYS_PER_YEAR)
    weekend = np.where(local.day_of_week.to_numpy() >= 5, WEEKEND_PRICE_SHAPE, 1.0)
    return diurnal * seasonal * weekend


def on_peak_mask(local: pd.DatetimeIndex) -> np.ndarray:
    """5x16 on-peak hours: weekdays, 07:00-22:59 local (holidays ignored)."""
    hour = local.hour.to_numpy()
    weekday = local.day_of_week.to_numpy() < 5
    return weekday & (hour >= ON_PEAK_FIRST_LOCAL_HOUR) & (hour <= ON_PEAK_LAST_LOCAL_HOUR)


def price_factor_series(lon_deg: float, times: pd.DatetimeIndex, peak_to_offpeak: float) -> np.ndarray:
    """f = (1 + beta (g - mean g)) / mean, with beta solved so mean(f|on-peak) / mean(f|off-peak)
    equals the sourced ratio R exactly: beta = (R - 1) / (g_on - R g_off) for centred g.

    Mean of f is 1; a data centre's load is flat, so this time mean is also its load-weighted mean.
    """
    local = local_standard_hours(times, lon_deg)
    g = price_shape(local)
    g = g - g.mean()
    on = on_peak_mask(local)
    g_on, g_off = g[on].mean(), g[~on].mean()
    beta = (peak_to_offpeak - 1.0) / (g_on - peak_to_offpeak * g_off)
    f = 1.0 + beta * g
    if f.min() <= 0.0:
        raise ValueError(f"peak/off-peak ratio {peak_to_offpeak} too large for the price shape (negative factor)")
    return f / f.mean()


def co2_factor_series(lon_deg: float, times: pd.DatetimeIndex, solar_cf: np.ndarray) -> np.ndarray:
    """1 - 0.15 solar/max(solar) + 0.08 evening bump (19 h) + 0.04 summer, normalised to mean 1.

    Tied to the state's own solar series, so cloudy days show a smaller midday dip.
    """
    local = local_standard_hours(times, lon_deg)
    h = local.hour.to_numpy() + 0.5
    doy = local.day_of_year.to_numpy()
    evening = np.exp(-0.5 * ((h - 19.0) / 2.5) ** 2)
    summer = np.cos(2 * np.pi * (doy - 200) / DAYS_PER_YEAR)
    c = 1.0 - CO2_MIDDAY_SOLAR_DIP * solar_cf / solar_cf.max() + CO2_EVENING_BUMP * evening + CO2_SUMMER_BUMP * summer
    return c / c.mean()


def hourly_profiles(
    states: list[str],
    year: int = 2023,
    seed: int = 0,
    data_dir: Path = DEFAULT_DATA_DIR,
    centroids: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """8,760-hour frames (index UTC hour; columns states) for ``solar_cf``, ``wind_cf``,
    ``price_factor`` and ``co2_factor``. Deterministic for given inputs.

    ``price_usd_per_mwh[h] = industrial_price_usd_per_mwh[state] * price_factor[h]``;
    ``co2_kg_per_mwh[h] = co2_kg_per_mwh[state] * co2_factor[h]``.
    ``centroids`` (index state; lon_deg, lat_deg) may be passed to skip reading the county file.
    """
    facts = load_energy_profiles(data_dir)
    unknown = sorted(set(states) - set(facts.index))
    if unknown:
        raise InputDataError(f"{data_dir / 'energy_profiles.csv'}: no row for state(s) {unknown}")
    where = state_centroids_lonlat(data_dir) if centroids is None else centroids
    times = hour_index(year)
    cols: dict[str, dict[str, np.ndarray]] = {name: {} for name in SERIES}
    for st in states:
        lat, lon = float(where.loc[st, "lat_deg"]), float(where.loc[st, "lon_deg"])
        row = facts.loc[st]
        solar = solar_cf_series(st, lat, lon, times, float(row["solar_cf"]), seed)
        cols["solar_cf"][st] = solar
        cols["wind_cf"][st] = wind_cf_series(st, lon, times, float(row["wind_cf"]), seed)
        cols["price_factor"][st] = price_factor_series(lon, times, float(row["price_peak_to_offpeak"]))
        cols["co2_factor"][st] = co2_factor_series(lon, times, solar)
    return {name: pd.DataFrame(cols[name], index=times, columns=list(states)) for name in SERIES}


# ----------------------------------------------------------------------------- representative days
@dataclass(frozen=True)
class RepresentativeDays:
    """Representative days chosen from a 365-day year.

    days: representative days of year (1-based, ascending); weights: index day, number of
    calendar days each stands for (sum 365); hourly: per series a frame indexed by (day, hour)
    with n_days x 24 rows and one column per state; assignment: index day of year 1..365 ->
    representative day.
    """

    days: list[int]
    weights: pd.Series
    hourly: dict[str, pd.DataFrame]
    assignment: pd.Series


def daily_feature_matrix(profiles: dict[str, pd.DataFrame]) -> np.ndarray:
    """365 x (24 * states * series) matrix: each (series, state) column z-scored over the year,
    so series with different units weigh equally in the clustering distance."""
    blocks = []
    for name in sorted(profiles):
        values = profiles[name].to_numpy(dtype=float)[:HOURS_PER_YEAR]
        sd = values.std(axis=0)
        z = (values - values.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
        blocks.append(z.reshape(DAYS_PER_YEAR, HOURS_PER_DAY * values.shape[1]))
    return np.hstack(blocks)


def pairwise_distances(x: np.ndarray) -> np.ndarray:
    sq = np.sum(x * x, axis=1)
    d2 = sq[:, None] + sq[None, :] - 2.0 * (x @ x.T)
    return np.sqrt(np.maximum(d2, 0.0))


def kmedoids_pam(dist: np.ndarray, k: int, max_iter: int = 100) -> np.ndarray:
    """PAM k-medoids (Kaufman & Rousseeuw): greedy BUILD, then best-improvement SWAP until no swap
    lowers the total distance. Deterministic: ties go to the lowest index. Returns medoid indices."""
    n = dist.shape[0]
    if not 1 <= k <= n:
        raise ValueError(f"k must lie in [1, {n}], got {k}")
    medoids = [int(np.argmin(dist.sum(axis=1)))]
    nearest = dist[medoids[0]].copy()
    while len(medoids) < k:
        cost = np.minimum(dist, nearest[None, :]).sum(axis=1)  # total cost if row i were added
        cost[medoids] = np.inf
        new = int(np.argmin(cost))
        medoids.append(new)
        nearest = np.minimum(nearest, dist[new])
    current = float(nearest.sum())
    for _ in range(max_iter):
        best = (current, -1, -1)
        for pos in range(k):
            others = [m for j, m in enumerate(medoids) if j != pos]
            base = dist[others].min(axis=0) if others else np.full(n, np.inf)
            cost = np.minimum(dist, base[None, :]).sum(axis=1)  # cost if candidate replaces medoids[pos]
            cost[medoids] = np.inf
            cand = int(np.argmin(cost))
            if cost[cand] < best[0] - 1e-9 * max(current, 1.0):
                best = (float(cost[cand]), pos, cand)
        if best[1] < 0:
            break
        current, pos, cand = best
        medoids[pos] = cand
    return np.array(sorted(medoids))


def kmedoids_days(profiles: dict[str, pd.DataFrame], n_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Medoid days (0-based, ascending) and each day's medoid (0-based, 365 values) by PAM on the
    z-scored daily features; each day goes to its nearest medoid."""
    dist = pairwise_distances(daily_feature_matrix(profiles))
    medoids = kmedoids_pam(dist, n_days)
    labels = medoids[np.argmin(dist[:, medoids], axis=1)]
    # A medoid identical to an earlier one would lose the argmin tie and stand for no day (weight 0).
    labels[medoids] = medoids
    return medoids, labels


def days_from_selection(profiles: dict[str, pd.DataFrame], medoids: np.ndarray, labels: np.ndarray) -> RepresentativeDays:
    """Weights, assignment and rescaled hourly values of a chosen set of medoid days.

    ``medoids``: 0-based days of year, ascending, unique; ``labels``: the 0-based medoid of each of
    the 365 days (every medoid must stand for itself). Kept apart from the clustering so that any
    day-selection method (PAM here, tsam in benchmarks/profiles.py) goes through the same rescaling.
    The medoid days' hourly values are rescaled per (series, column) so the weighted year reproduces
    the full-year mean: multiplicatively for factors, and via the capped bisection of
    :func:`scale_to_mean_clipped` for ``*_cf`` series (so CFs stay <= 1).
    """
    medoids = np.asarray(medoids, dtype=int)
    labels = np.asarray(labels, dtype=int)
    if labels.shape != (DAYS_PER_YEAR,) or not np.array_equal(medoids, np.unique(medoids)):
        raise ValueError("medoids must be ascending unique days and labels one medoid per day of the year")
    if not (np.isin(labels, medoids).all() and np.array_equal(labels[medoids], medoids)):
        raise ValueError("every label must be a medoid, and every medoid must stand for itself")
    n_days = len(medoids)
    days = [int(m) + 1 for m in medoids]
    assignment = pd.Series(labels + 1, index=pd.RangeIndex(1, DAYS_PER_YEAR + 1, name="day"), name="rep_day")
    counts = assignment.value_counts()
    weights = pd.Series([int(counts[d]) for d in days], index=pd.Index(days, name="day"), name="days_represented")
    hour_weights = np.repeat(weights.to_numpy(dtype=float), HOURS_PER_DAY)
    index = pd.MultiIndex.from_product([days, range(HOURS_PER_DAY)], names=["day", "hour"])
    hourly: dict[str, pd.DataFrame] = {}
    for name, frame in profiles.items():
        year = frame.to_numpy(dtype=float)[:HOURS_PER_YEAR].reshape(DAYS_PER_YEAR, HOURS_PER_DAY, -1)
        rep = year[medoids].reshape(n_days * HOURS_PER_DAY, -1)
        targets = frame.iloc[:HOURS_PER_YEAR].mean().to_numpy()
        out = np.empty_like(rep)
        for j in range(rep.shape[1]):
            if name.endswith("_cf"):
                out[:, j] = scale_to_mean_clipped(rep[:, j], float(targets[j]), weights=hour_weights)
            else:
                out[:, j] = rep[:, j] * targets[j] / np.average(rep[:, j], weights=hour_weights)
        hourly[name] = pd.DataFrame(out, index=index, columns=frame.columns)
    return RepresentativeDays(days=days, weights=weights, hourly=hourly, assignment=assignment)


def representative_days(
    profiles: dict[str, pd.DataFrame], n_days: int = 10, method: RepDaysMethod = DEFAULT_REP_DAYS_METHOD
) -> RepresentativeDays:
    """Cluster the 365 daily vectors (all columns and series) into ``n_days`` medoid days, then
    rescale them to the full-year means (:func:`days_from_selection`).

    Only ``"kmedoids"`` (PAM) is offered. tsam (hierarchical, and its exact MILP k-medoids) was
    compared on the ReEDS-zone matrix for k = 1-30 (benchmarks/profiles.md): neither method wins
    consistently on annual energy, peaks or duration curves, PAM is 2-9x faster, and tsam 4.1.1 caps
    pandas (<= 3.0.5, below the project's), highspy, pyomo, numpy and scipy.
    """
    if method != "kmedoids":
        raise ValueError(f"unknown method '{method}' (only 'kmedoids' is implemented; see benchmarks/profiles.md)")
    medoids, labels = kmedoids_days(profiles, n_days)
    return days_from_selection(profiles, medoids, labels)


def hours_weights(rep: RepresentativeDays) -> pd.Series:
    """Hours of the year each representative hour stands for (index (day, hour); sum 8,760)."""
    index = pd.MultiIndex.from_product([rep.days, range(HOURS_PER_DAY)], names=["day", "hour"])
    return pd.Series(np.repeat(rep.weights.to_numpy(dtype=float), HOURS_PER_DAY), index=index, name="hours")
