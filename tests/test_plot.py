"""Maps and charts: the layers, artists and counts a reader relies on, on small synthetic frames
(plus one static map of the real counties). Everything renders with matplotlib's Agg canvas."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from shapely.geometry import Point, box

from model.inputs.datasets import load_counties
from model.plot.maps import (
    CHANGE_COLOURS,
    GPU_COLOURS,
    bar_by_state,
    column_label,
    compare_folium,
    compare_folium_grid,
    compare_grid,
    compare_map,
    dominant_gpu,
    folium_map,
    load_states,
    make_offline,
    save_map,
    self_contained_html,
    site_changes,
    static_map,
)
from model.workflows.engine import write_run
from tests.conftest import solve_tiny

GPUS = ("H100_SXM", "B200", "GB200_NVL72")
# A built site on the interactive maps: an HTML circle in the sites pane (model.plot.maps._site_marker).
SITE_ICON = '"className": "siting-site"'


def make_sites(rows: list[tuple[str, str, str, float, str, float, float]]) -> gpd.GeoDataFrame:
    """A sites table with sites_table's columns; rows = (state, fips, name, facility_mw, main_gpu, lon, lat)."""
    cols: dict[str, list[Any]] = {"state": [], "county_fips": [], "county_name": []}
    for g in GPUS:
        cols[f"blocks_{g}"] = []
        cols[f"gpus_{g}"] = []
    for state, fips, name, mw, main, _, _ in rows:
        cols["state"].append(state)
        cols["county_fips"].append(fips)
        cols["county_name"].append(name)
        for g in GPUS:
            gpus = int(mw * 400) if g == main else int(mw * 10)
            cols[f"blocks_{g}"].append(gpus // 8)
            cols[f"gpus_{g}"].append(gpus)
    df = pd.DataFrame(cols)
    df["gpus"] = df[[f"gpus_{g}" for g in GPUS]].sum(axis=1)
    mw = np.array([r[3] for r in rows], dtype=float)
    df["compute_pflops"] = df["gpus"] * 4.5
    df["it_mw"] = mw / 1.2
    df["pue"] = 1.2
    df["facility_mw"] = mw
    df["headroom_mw"] = mw + 50.0
    df["upgrade_tier"] = ["2" if i == 0 else "" for i in range(len(rows))]
    df["upgrade_mw"] = [500.0 if i == 0 else 0.0 for i in range(len(rows))]
    df["land_acres"] = mw * 0.8
    for part in ("site", "shell", "land", "gpu", "interconnect"):
        df[f"capex_{part}_usd"] = mw * 1e6
    df["capex_usd"] = mw * 5e6
    df["price_usd_per_mwh"] = 60.0
    df["energy_mwh_per_year"] = mw * 8760 * 0.8
    df["energy_cost_usd_per_year"] = df["energy_mwh_per_year"] * 60.0
    df["energy_opex_pv_usd"] = df["energy_cost_usd_per_year"] * 4.0
    df["co2_t_per_year"] = df["energy_mwh_per_year"] * 0.4
    df.index = pd.Index([r[1] for r in rows], name="site_id")
    return gpd.GeoDataFrame(df, geometry=[Point(r[5], r[6]) for r in rows], crs="EPSG:4326")


SITES = make_sites(
    [
        ("TX", "48001", "Anderson", 1200.0, "GB200_NVL72", -95.65, 31.8),
        ("TX", "48003", "Andrews", 300.0, "H100_SXM", -102.6, 32.3),
        ("OK", "40001", "Adair", 80.0, "GB200_NVL72", -94.65, 35.9),
        ("OK", "40003", "Alfalfa", 600.0, "B200", -98.3, 36.7),
    ]
)
EMPTY = SITES.iloc[0:0]


def synthetic_candidates() -> gpd.GeoDataFrame:
    """Four square 'counties' in TX and OK with a headroom column (EPSG:4326)."""
    return gpd.GeoDataFrame(
        {
            "state": ["TX", "TX", "OK", "OK"],
            "county_name": ["A", "B", "C", "D"],
            "headroom_mw": [0.0, 120.0, 450.0, np.nan],
            "price_usd_per_mwh": [55.0, 55.0, 58.0, 58.0],
        },
        geometry=[box(-100, 31, -99, 32), box(-99, 31, -98, 32), box(-98, 35, -97, 36), box(-97, 35, -96, 36)],
        crs="EPSG:4326",
        index=pd.Index(["48901", "48902", "40901", "40902"], name="site_id"),
    )


def site_collections(fig: Figure, prefix: str = "sites:") -> list[PathCollection]:
    ax = fig.axes[0]
    return [c for c in ax.collections if isinstance(c, PathCollection) and (c.get_gid() or "").startswith(prefix)]


def legend_texts(fig: Figure) -> list[list[str]]:
    ax = fig.axes[0]
    legends = [a for a in ax.artists if a.__class__.__name__ == "Legend"]
    if ax.get_legend() is not None:
        legends.append(ax.get_legend())
    return [[t.get_text() for t in lg.get_texts()] for lg in legends]


def draw(fig: Figure) -> None:
    FigureCanvasAgg(fig).draw()


def test_static_map_circles_legends_and_title() -> None:
    fig = static_map(SITES, synthetic_candidates(), shade="headroom_mw", title="demo")
    draw(fig)
    circles = site_collections(fig)
    assert sum(len(c.get_offsets()) for c in circles) == len(SITES)
    # Circle area ∝ facility MW: 1,200 MW vs 80 MW is 15x the area.
    sizes = np.concatenate([c.get_sizes() for c in circles])
    assert sizes.max() / sizes.min() == pytest.approx(1200.0 / 80.0)
    # Colour by main GPU type, one legend entry per type present, in the catalogue's order.
    present = sorted(set(dominant_gpu(SITES)), key=list(GPU_COLOURS).index)
    texts = legend_texts(fig)
    assert present in texts
    assert ["100 MW", "500 MW", "2,000 MW"] in texts
    for c in circles:
        gpu = c.get_gid().removeprefix("sites:")
        assert np.allclose(c.get_facecolor()[0][:3], np.array(tuple(int(GPU_COLOURS[gpu][i : i + 2], 16) for i in (1, 3, 5))) / 255)
    title = fig.axes[0].get_title()
    assert title.startswith("demo") and "4 sites" in title and "2,180 MW facility" in title and "PFLOPS" in title
    cbar_labels = [a.get_xlabel() for a in fig.axes[1:]]
    assert any("(MW)" in lab for lab in cbar_labels)
    assert not fig.axes[0].axison  # no ticks or frame on a map


@pytest.mark.parametrize("sites", [None, EMPTY], ids=["none", "empty"])
def test_static_map_without_sites(sites: gpd.GeoDataFrame | None) -> None:
    # Without the existing data centers (their legend is tested in test_map_context.py): no legend at all.
    fig = static_map(sites, synthetic_candidates(), shade="price_usd_per_mwh", existing=False)
    draw(fig)
    assert site_collections(fig) == []
    assert legend_texts(fig) == []
    assert any("$/MWh" in a.get_xlabel() for a in fig.axes[1:])
    assert ("0 sites" in fig.axes[0].get_title()) == (sites is not None)


def test_static_map_sites_only_and_unshaded() -> None:
    fig = static_map(SITES)  # no candidates: state outlines only, no colorbar
    draw(fig)
    assert len(fig.axes) == 1
    assert {c.get_gid() for c in fig.axes[0].collections} >= {"state-fill", "states"}
    fig = static_map(SITES, synthetic_candidates(), shade=None)
    assert len(fig.axes) == 1


def test_static_map_unknown_shade() -> None:
    with pytest.raises(KeyError, match="nope"):
        static_map(None, synthetic_candidates(), shade="nope")


def test_static_map_real_counties_shaded() -> None:
    counties = load_counties()
    counties["headroom_mw"] = np.linspace(0.0, 2000.0, len(counties))
    states = load_states()
    counties["state"] = counties["state_fips"].map(dict(zip(states["state_fips"], states.index)))
    fig = static_map(SITES, counties, shade="headroom_mw")
    draw(fig)
    ax = fig.axes[0]
    assert {"counties", "states"} <= {c.get_gid() for c in ax.collections}
    assert len(states) == 49
    assert fig.axes[1].get_xlabel() == "Grid headroom for new load, legacy model (MW)"
    x0, x1 = ax.get_xlim()
    assert x1 - x0 > 4e6  # projected metres (EPSG:5070), not degrees


def test_folium_map_markers_layers_and_legend() -> None:
    html = folium_map(SITES, "demo run", candidates=synthetic_candidates()).get_root().render()
    assert html.count(SITE_ICON) == len(SITES)
    assert "Built sites (4)" in html
    assert "State borders" in html
    assert "Counties: Grid headroom for new load, legacy model (MW)" in html
    assert "L.control.layers" in html
    for gpu in set(dominant_gpu(SITES)):
        assert gpu in html
    assert "Anderson County, TX" in html and "Capex: $" in html  # popups carry the numbers
    assert "100 MW" in html and "2,000 MW" in html


def test_folium_map_pipeline_call_and_empty_sites() -> None:
    assert isinstance(folium_map(SITES, "pipeline call"), folium.Map)
    html = folium_map(EMPTY, "nothing built").get_root().render()
    assert "Built sites (0)" in html
    assert html.count(SITE_ICON) == 0
    html = folium_map(None, "inputs only", candidates=synthetic_candidates(), shade="price_usd_per_mwh").get_root().render()
    assert "Built sites (0)" in html and "Counties: Industrial electricity price" in html


def test_folium_map_point_layers() -> None:
    substations = gpd.GeoDataFrame(
        {"name": ["Sub A", "Sub B", "Sub C"], "kv": [345.0, 138.0, 500.0]},
        geometry=[Point(-97.0, 32.0), Point(-96.0, 33.0), Point(-98.0, 35.0)],
        crs="EPSG:4326",
    ).to_crs("EPSG:5070")
    html = folium_map(SITES, "with points", points={"Substations": substations}).get_root().render()
    assert "Substations (3)" in html
    assert html.count('"Sub ') == 3  # one GeoJSON feature per point
    assert html.count(SITE_ICON) == len(SITES)


def test_folium_map_national_counties_stay_small() -> None:
    counties = load_counties()
    counties["headroom_mw"] = 1.0
    size = len(folium_map(None, "national", candidates=counties).get_root().render())
    assert size < 3_000_000


def test_site_changes_and_compare_map() -> None:
    other = make_sites(
        [
            ("TX", "48001", "Anderson", 1200.0, "GB200_NVL72", -95.65, 31.8),  # unchanged
            ("TX", "48003", "Andrews", 900.0, "H100_SXM", -102.6, 32.3),  # grew
            ("LA", "22001", "Acadia", 500.0, "B200", -92.4, 30.3),  # new
        ]
    )
    changes = site_changes(SITES, other)
    assert changes.loc["48001", "change"] == "unchanged"
    assert changes.loc["48003", "change"] == "gained" and changes.loc["48003", "delta_mw"] == pytest.approx(600.0)
    assert changes.loc["22001", "change"] == "gained" and changes.loc["22001", "mw_base"] == 0.0
    assert set(changes.loc[["40001", "40003"], "change"]) == {"lost"}
    assert changes.crs == "EPSG:4326"
    fig = compare_map(SITES, other, ("base", "what-if"))
    draw(fig)
    counts = {c.get_gid().removeprefix("change:"): len(c.get_offsets()) for c in site_collections(fig, "change:")}
    assert counts == {"gained": 2, "lost": 2, "unchanged": 1}
    assert "gained +1,100 MW in 2" in fig.axes[0].get_title()
    assert set(CHANGE_COLOURS) <= {t.split(" ")[0] for texts in legend_texts(fig) for t in texts}
    html = compare_folium(SITES, other, ("base", "what-if")).get_root().render()
    assert "Gained (2)" in html and "Lost (2)" in html and "Unchanged (1)" in html
    assert len(re.findall(r"L\.circleMarker\(\s*\[", html)) == 5


def test_compare_with_nothing_built() -> None:
    fig = compare_map(None, SITES, ("$0", "$20bn"))  # "$" must not start mathtext
    draw(fig)
    assert sum(len(c.get_offsets()) for c in site_collections(fig, "change:")) == len(SITES)
    assert len(site_changes(EMPTY, EMPTY)) == 0


def test_compare_grid_has_one_row_per_scenario() -> None:
    grown = make_sites([("TX", "48001", "Anderson", 1500.0, "GB200_NVL72", -95.65, 31.8)])
    fig = compare_grid(SITES, {"grown": grown, "none": None}, "base")
    draw(fig)
    maps = [ax for ax in fig.axes if ax.get_title().startswith("gained")]
    assert len(maps) == 2
    # Row 1 grows Anderson (1,200 -> 1,500 MW) and loses the other sites; row 2 (no solution) loses every site.
    counts = [{c.get_gid(): len(c.get_offsets()) for c in ax.collections if str(c.get_gid()).startswith("change:")} for ax in maps]
    assert counts[0] == {"change:gained": 1, "change:lost": len(SITES) - 1, "change:unchanged": 0}
    assert counts[1] == {"change:gained": 0, "change:lost": len(SITES), "change:unchanged": 0}
    html = compare_folium_grid(SITES, {"grown": grown, "none": None}, "base").get_root().render()
    assert "grown: Lost" in html and f"none: Lost ({len(SITES)})" in html


def test_bar_by_state_from_sites_and_summary() -> None:
    fig = bar_by_state(SITES)
    draw(fig)
    ax = fig.axes[0]
    bars = ax.containers[0]
    assert len(bars) == 2
    assert [t.get_text() for t in ax.get_yticklabels()] == ["OK", "TX"]  # largest (TX 1,500 MW) on top
    assert ax.get_xlabel() == "Facility power (MW)"
    fig = bar_by_state({"facility_mw_by_state": {"VA": 10.0, "TX": 30.0, "OH": 20.0}}, top=2)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["OH", "TX"]
    fig = bar_by_state(EMPTY, column="gpus")
    assert len(fig.axes[0].containers[0]) == 0


def test_column_labels_carry_units() -> None:
    assert column_label("headroom_mw").endswith("(MW)")
    assert column_label("capex_usd") == "capex ($)"
    assert column_label("energy_cost_usd_per_year") == "energy cost ($/yr)"
    assert column_label("compute_pflops") == "compute (PFLOPS)"


# ------------------------------------------------------------------------------------------ offline maps

# Anything a browser would fetch: an external script or stylesheet (http, https or protocol-relative), any
# script src or stylesheet link at all (a sibling file would not travel with the page), or a CSS image path.
_EXTERNAL = re.compile(
    r"""<script\b[^>]*\bsrc\s*=|<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//|<link\b[^>]*stylesheet|url\(\s*["']?images/""",
    re.IGNORECASE,
)


def assert_self_contained(page: str) -> None:
    assert _EXTERNAL.findall(page) == []
    assert page.count("Leaflet 1.9.4, a JS library") == 1  # inline, once
    assert page.count("jQuery v3.7.1") == 1  # popups call $(html)
    for dropped in ("bootstrap", "fontawesome", "awesome-markers", "glyphicons"):
        assert dropped not in page.lower()
    styles = "".join(re.findall(r"<style\b[^>]*>(.*?)</style>", page, flags=re.DOTALL))
    assert re.findall(r"url\(\s*(?![\"']?(?:data:|#))", styles) == []  # layer-control icon etc. are data: URIs
    assert "L.tileLayer" not in page  # no basemap by default


def test_saved_map_html_is_self_contained(tmp_path: Path) -> None:
    # Exactly what model/pipeline.py writes, on the tiny instance.
    write_run(tmp_path, solve_tiny(), "tiny")
    page = (tmp_path / "map.html").read_text(encoding="utf-8")
    assert_self_contained(page)
    assert "Built sites (" in page and SITE_ICON in page
    # The synthetic counties, the way pipeline.py and compare.py call .save().
    path = tmp_path / "counties.html"
    folium_map(SITES, "demo run", candidates=synthetic_candidates()).save(str(path))
    assert_self_contained(path.read_text(encoding="utf-8"))


def test_saved_compare_html_is_self_contained(tmp_path: Path) -> None:
    grown = make_sites([("TX", "48001", "Anderson", 1500.0, "GB200_NVL72", -95.65, 31.8)])
    path = tmp_path / "compare.html"
    compare_folium_grid(SITES, {"grown": grown, "none": None}, "base", synthetic_candidates()).save(str(path))
    page = path.read_text(encoding="utf-8")
    assert_self_contained(page)
    assert "grown: Lost" in page
    assert_self_contained(compare_folium(SITES, grown, ("base", "grown")).get_root().render())


def test_self_contained_html_and_save_map_agree(tmp_path: Path) -> None:
    fmap = folium_map(SITES, "demo run")
    page = self_contained_html(fmap)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert_self_contained(page)
    # Rendering again (folium itself repeats a few addTo lines then) still inlines the assets once.
    assert_self_contained(save_map(fmap, tmp_path / "m.html").read_text(encoding="utf-8"))
    fmap.save(str(tmp_path / "saved.html"))
    assert_self_contained((tmp_path / "saved.html").read_text(encoding="utf-8"))
    assert make_offline(fmap) is fmap


def test_make_offline_leaves_folium_defaults_alone() -> None:
    cdn = list(folium.Map.default_js)
    plain = folium.Map(tiles=None)
    folium.Marker([40.0, -100.0]).add_to(plain)  # default marker icon: inlined too
    page = self_contained_html(plain)
    assert_self_contained(page)
    assert "L.Icon.Default.imagePath" in page
    assert folium.Map.default_js == cdn  # other folium maps in the process still use folium's CDN links
    online = folium.Map(tiles=None)
    assert "https://" in online.get_root().render()
    assert_self_contained(self_contained_html(online))  # an already rendered map loses its CDN links


def test_basemap_tiles_only_when_asked() -> None:
    assert "L.tileLayer" not in folium_map(SITES, "no tiles").get_root().render()
    page = folium_map(SITES, "tiles", tiles="OpenStreetMap").get_root().render()
    assert "L.tileLayer" in page and "tile.openstreetmap.org" in page
    assert "L.tileLayer" in compare_folium_grid(SITES, {"x": None}, tiles="OpenStreetMap").get_root().render()
    assert _EXTERNAL.findall(page) == []  # the tiles need a network, the page itself still does not
