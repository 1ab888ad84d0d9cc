"""Maps of a solution. The CLI and the notebooks call these; nothing here writes files itself."""

from __future__ import annotations

import math

import folium
import geopandas as gpd

from model.geo import OUTPUT_CRS

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


def dominant_gpu(sites: gpd.GeoDataFrame) -> list[str]:
    gpu_cols = [c for c in sites.columns if c.startswith("gpus_")]
    if not gpu_cols or sites.empty:
        return [""] * len(sites)
    return [c.removeprefix("gpus_") for c in sites[gpu_cols].idxmax(axis=1)]


def _popup(row: gpd.GeoSeries, gpu: str) -> str:
    lines = [
        f"<b>{row['county_name']} County, {row['state']}</b> (FIPS {row['county_fips']})",
        f"GPUs: {int(row['gpus']):,} (mostly {gpu})",
        f"Compute: {row['compute_pflops']:,.0f} PFLOPS",
        f"IT / facility: {row['it_mw']:,.0f} / {row['facility_mw']:,.0f} MW (PUE {row['pue']:.2f})",
        f"Grid headroom: {row['headroom_mw']:,.0f} MW"
        + (f" + tier {row['upgrade_tier']} upgrade {row['upgrade_mw']:,.0f} MW" if row["upgrade_tier"] else ""),
        f"Capex: ${row['capex_usd'] / 1e9:,.2f}bn",
        f"Energy: {row['energy_mwh_per_year'] / 1e6:,.2f} TWh/yr at ${row['price_usd_per_mwh']:.0f}/MWh",
        f"CO2: {row['co2_t_per_year'] / 1e6:,.2f} Mt/yr",
    ]
    return "<br>".join(lines)


def folium_map(sites: gpd.GeoDataFrame, title: str) -> folium.Map:
    """Built sites as circles (area ∝ facility MW, colour = dominant GPU type) with popups and a legend."""
    sites = sites.to_crs(OUTPUT_CRS) if sites.crs is not None else sites
    fmap = folium.Map(location=[39.5, -98.35], zoom_start=4, tiles="OpenStreetMap", control_scale=True)
    layer = folium.FeatureGroup(name=f"Built sites ({len(sites)})")
    gpus = dominant_gpu(sites)
    for (_, row), gpu in zip(sites.iterrows(), gpus):
        colour = GPU_COLOURS.get(gpu, _FALLBACK_COLOUR)
        folium.CircleMarker(
            location=[row.geometry.y, row.geometry.x],
            radius=4 + 14 * math.sqrt(max(row["facility_mw"], 0.0) / 2000.0),
            color=colour,
            fill=True,
            fill_color=colour,
            fill_opacity=0.7,
            weight=1,
            popup=folium.Popup(_popup(row, gpu), max_width=360),
            tooltip=f"{row['county_name']}, {row['state']}: {row['facility_mw']:,.0f} MW",
        ).add_to(layer)
    layer.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    used = [g for g in GPU_COLOURS if g in set(gpus)]
    legend_rows = "".join(
        f'<div><span style="display:inline-block;width:12px;height:12px;border-radius:6px;'
        f'background:{GPU_COLOURS[g]};margin-right:6px"></span>{g}</div>'
        for g in used
    )
    total_mw = float(sites["facility_mw"].sum()) if len(sites) else 0.0
    total_gpus = int(sites["gpus"].sum()) if len(sites) else 0
    legend = (
        '<div style="position:fixed;bottom:24px;left:24px;z-index:9999;background:white;padding:8px 10px;'
        'border:1px solid #999;border-radius:4px;font:12px sans-serif">'
        f"<b>{title}</b><br>{len(sites)} sites · {total_gpus:,} GPUs · {total_mw:,.0f} MW facility<br>"
        f"circle area ∝ facility MW; colour = main GPU type{legend_rows}</div>"
    )
    fmap.get_root().html.add_child(folium.Element(legend))
    return fmap
