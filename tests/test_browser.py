"""The saved folium map really draws in a headless Chromium with the network cut off: counties and sites on
the canvas, the layer control and legend built, and no resource fetched. Skipped when no Chromium is installed
(Debian: ``apt-get install chromium``)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import folium
import geopandas as gpd
import pytest
from matplotlib.image import imread
from shapely.geometry import box

from model.plot.maps import GPU_COLOURS, dominant_gpu, folium_map, save_map
from tests.conftest import solve_tiny, tiny_sites

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium / chromium-browser on PATH")

# Every request goes to a closed local port and every host name fails to resolve: the page is offline.
_OFFLINE = ["--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND", "--disable-background-networking"]

# Runs after folium's map script: per layer, its expected fill and the canvas pixel where it should be drawn
# (maps use prefer_canvas, so there are no SVG paths to count), plus every resource the page fetched.
_PROBE = """
<script>
window.addEventListener("load", function () { setTimeout(function () {
  var map = %(map)s, dpr = window.devicePixelRatio || 1, layers = [], popup = "", first = null;
  function pixel(layer, latlng) {
    var r = layer._renderer, c = r && r._ctx;
    if (!c) return null;
    var p = map.latLngToLayerPoint(latlng).subtract(r._bounds.min).multiplyBy(dpr).round();
    return Array.prototype.slice.call(c.getImageData(p.x, p.y, 1, 1).data);
  }
  map.eachLayer(function (layer) {
    if (layer instanceof L.Marker && layer._icon && layer._icon.classList.contains("siting-site")) {
      // A site is an HTML circle in its own pane: its colour, and whether it is what the mouse finds there.
      var box = layer._icon.getBoundingClientRect();
      var hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      layers.push({kind: "site", colour: getComputedStyle(layer._icon.firstChild).backgroundColor,
                   on_top: layer._icon.contains(hit), pane: layer.options.pane});
      first = first || layer;
    } else if (layer instanceof L.Polygon && layer.feature && "county" in layer.feature.properties) {
      var b = layer.getBounds();  // a point inside the square county, away from the site at its centre
      var at = L.latLng(b.getSouth() + 0.2 * (b.getNorth() - b.getSouth()), b.getWest() + 0.2 * (b.getEast() - b.getWest()));
      layers.push({kind: "county", fill: layer.options.fillColor, parts: (layer._parts || []).length, rgba: pixel(layer, at)});
    }
  });
  if (first && first.getPopup()) {  // after sampling: opening it may pan the map
    first.openPopup();  // folium builds the popup's content with jQuery
    var content = document.querySelector(".leaflet-popup-content");
    popup = content ? content.textContent : "";
  }
  var out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({
    layers: layers,
    popup: popup,
    resources: performance.getEntriesByType("resource").map(function (e) { return e.name; }),
    controls: Array.prototype.map.call(document.querySelectorAll(".leaflet-control-layers-overlays label"),
                                       function (l) { return l.textContent.trim(); }),
    labels: Array.prototype.map.call(document.querySelectorAll(".siting-label"), function (l) { return l.textContent.trim(); })
  });
  document.body.appendChild(out);
}, 1500); });
</script>
"""


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
           "--hide-scrollbars", "--window-size=1000,700", "--virtual-time-budget=5000",
           f"--user-data-dir={tmp_path / 'profile'}", *_OFFLINE, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _close(rgba: list[int] | None, hex_colour: str, tol: int) -> bool:
    return rgba is not None and rgba[3] > 0 and all(abs(a - b) <= tol for a, b in zip(rgba, _rgb(hex_colour)))


@pytest.fixture(scope="module")
def tiny_map() -> tuple[folium.Map, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The tiny instance solved, its three candidates drawn as 1° square counties around their points."""
    outcome = solve_tiny()
    assert outcome.sites is not None and len(outcome.sites)
    points = tiny_sites()
    counties = points.set_geometry([box(p.x - 0.5, p.y - 0.5, p.x + 0.5, p.y + 0.5) for p in points.geometry])
    fmap = folium_map(outcome.sites, "tiny offline", candidates=counties)
    # Made-up states (XA...) have no borders to zoom to; zoom in so the counties are big enough to sample.
    fmap.fit_bounds([[39.3, -100.7], [40.7, -97.3]])
    return fmap, outcome.sites, counties


def test_offline_map_draws_counties_and_sites(tmp_path: Path, tiny_map: tuple[folium.Map, gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
    fmap, sites, counties = tiny_map
    page = save_map(fmap, tmp_path / "map.html").read_text(encoding="utf-8")
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</html>", _PROBE % {"map": fmap.get_name()} + "</html>"), encoding="utf-8")
    dom = _chromium(tmp_path, "--dump-dom", probed.as_uri()).stdout
    assert "leaflet-pane leaflet-overlay-pane" in dom and "<canvas" in dom
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, flags=re.DOTALL)
    assert found, "the probe did not run: Leaflet or the map script failed"
    probe = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    assert probe["resources"] == []  # nothing fetched: no CDN, no tiles, no images
    drawn = {kind: [x for x in probe["layers"] if x["kind"] == kind] for kind in ("county", "site")}
    assert len(drawn["county"]) == len(counties) and len(drawn["site"]) == len(sites)
    for county in drawn["county"]:  # fill at 0.75 opacity on a transparent canvas: the colour itself
        assert county["parts"] > 0 and _close(county["rgba"], county["fill"], 4), county
    colours = [f"rgb({', '.join(str(c) for c in _rgb(GPU_COLOURS.get(g, '#555555')))})" for g in dominant_gpu(sites)]
    assert sorted(site["colour"] for site in drawn["site"]) == sorted(colours)
    assert all(site["on_top"] and site["pane"] == "siting-sites" for site in drawn["site"]), drawn["site"]
    assert f"Built sites ({len(sites)})" in probe["controls"]
    # Offline labels: each built site by name (and the largest places near these made-up counties).
    assert {f"{r.county_name}, {r.state}" for r in sites.itertuples()} <= set(probe["labels"])
    assert any(c.startswith("Counties: Grid headroom") for c in probe["controls"])
    assert "County, XB" in probe["popup"] and "Capex: $" in probe["popup"]
    assert 'class="siting-legend"' in dom and "tiny offline" in dom


def test_offline_map_screenshot(tmp_path: Path, tiny_map: tuple[folium.Map, gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
    fmap, _, _ = tiny_map
    page = save_map(fmap, tmp_path / "map.html")
    shot = tmp_path / "map.png"
    _chromium(tmp_path, f"--screenshot={shot}", page.as_uri())
    image = imread(shot)
    assert image.shape[:2] == (700, 1000)
    # A blank page (the offline failure this guards against) is one colour but for the legend boxes.
    colours = {tuple(px) for px in (image[::7, ::7, :3] * 255).round().astype(int).reshape(-1, 3)}
    assert len(colours) > 20
