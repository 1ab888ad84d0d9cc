"""Explaining zonal-supply runs ([supply] model = "zonal", docs/supply_model.md): the ranking's best single
campus from connection options and zone spare, the ReEDS zone and new-generation layers of the maps, and the
report's supply section. Every number is derived by hand from round inputs."""

from __future__ import annotations

import dataclasses
import html as html_lib
import json
import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from shapely.geometry import box

from model.check import check_solution
from model.inputs.datasets import load_counties, load_county_zone
from model.inputs.load import SitingData, inputs_from_frames
from model.inputs.supply import SupplyData
from model.plot.maps import GEN_COLOURS, GPU_COLOURS, folium_map, save_map, static_map, zone_table
from model.results.rank import rank_candidates, runner_ups
from model.results.report import cost_parts, run_report_html
from model.workflows.engine import RunOutcome, solve_scenario
from tests.conftest import TINY_COSTS, TINY_GPUS, TINY_TIERS, tiny_inputs, tiny_scenario, tiny_sites

# Three sites in three zones, GPU "A" only (1 MW IT per block, $10M, 100 PFLOPS; PUE 1; $5M fixed; land,
# shell and grid energy free). Discount rate 0 and a 1-year horizon: new gas CT at $1,000/kW with a 1-year
# life costs $1M per MW in the budget, and with capacity credit 0.5, $2M per firm MW. spare_share 1.
#   S1 in Z1 (spare 100 MW): options kv69 (8 MW for $2M, 2 km) and kv138 (50 MW for $60M, 30 km).
#   S2 in Z2 (spare 10 MW): kv138, 100 MW for $2M.
#   S3 in Z3 (spare 0 MW):  kv138, 100 MW for $2M.
ONE_YEAR = {"horizon_years": 1.0, "discount_rate": 0.0}
GAS_CT = pd.DataFrame(
    {"capex_usd_per_kw": [1000.0], "fom_usd_per_kw_yr": [0.0], "vom_usd_per_mwh": [0.0], "heat_rate_mmbtu_per_mwh": [10.0],
     "life_years": [1.0], "capacity_credit": [0.5], "max_energy_share": [0.9]},
    index=pd.Index(["gas_ct"], name="type"),
)


# min_cost, 10 MW of IT, S3 alone (S1 and S2 excluded).
S3_ALONE_10_MW = {
    "objective": {"sense": "min_cost", "target_it_mw": 10.0}, "budget": None,
    "policies": [{"type": "exclude", "counties": ["00001", "00002"]}],
}


def three_zone_supply(
    generation: pd.DataFrame = GAS_CT, energy_share: float = 0.9, z2_to_z3_mw: float = 0.0, marginal_usd_per_mwh: float = 0.0
) -> SupplyData:
    zones = pd.DataFrame({"spare_firm_mw": [100.0, 10.0, 0.0], "state": ["XA", "XB", "XC"]}, index=pd.Index(["Z1", "Z2", "Z3"], name="zone"))
    connections = pd.DataFrame(
        {"site_id": ["S1", "S1", "S2", "S3"], "option": ["kv69", "kv138", "kv138", "kv138"], "voltage_class": [0, 2, 2, 2],
         "class_kv": [69.0, 138.0, 138.0, 138.0], "km": [2.0, 30.0, 0.0, 0.0], "mw": [8.0, 50.0, 100.0, 100.0],
         "cost_usd": [2e6, 60e6, 2e6, 2e6]}
    )
    # Each zone's marginal energy (what its new energy displaces) at ``marginal_usd_per_mwh`` and no CO2.
    return SupplyData(
        marginal_usd_per_mwh_by_year=pd.DataFrame({2026: [marginal_usd_per_mwh] * 3}, index=zones.index),
        marginal_co2_kg_per_mwh=pd.Series(0.0, index=zones.index),
        zones=zones,
        transfers=pd.DataFrame({"from_zone": ["Z2"], "to_zone": ["Z3"], "mw": [z2_to_z3_mw]}),
        generation=generation,
        energy_share=pd.DataFrame({t: [energy_share] * 3 for t in generation.index}, index=zones.index),
        connections=connections,
        spare_share=1.0,
        import_share=0.25,
        gas_fuel_usd_per_mmbtu=3.0,
        gas_co2_kg_per_mmbtu=53.06,
    )


def three_zone_inputs(supply: SupplyData | None = None, price_usd_per_mwh: float = 0.0, **raw: object) -> SitingData:
    sc = tiny_scenario(**({"supply": {"model": "zonal"}, "gpus": {"types": ["A"]}, "budget": {"equity_usd": 200e6}} | raw))
    sites = tiny_sites(price_usd_per_mwh=[price_usd_per_mwh] * 3, co2_kg_per_mwh=[0.0] * 3).assign(zone=["Z1", "Z2", "Z3"])
    return inputs_from_frames(sites, TINY_GPUS, TINY_TIERS, TINY_COSTS | ONE_YEAR, sc, supply=supply or three_zone_supply())


def solve_checked(inputs: SitingData) -> RunOutcome:
    out = solve_scenario(inputs.scenario, inputs)
    assert out.summary["status"] == "optimal" and out.sites is not None
    assert check_solution(inputs, out.sites, out.summary) == []
    return out


def test_zonal_ranking_connection_limit_against_zone_spare_by_hand() -> None:
    # Budget $200M, max compute. Each campus costs $5M + its connection + $10M per block (+ $2M per firm MW
    # beyond the zone's spare, in the budget too).
    # S1: kv69 holds 8 blocks: $5M + $2M + $80M = $87M / 800 PFLOPS = $108,750 (the connection binds);
    #     kv138 (50 MW) is budget-capped at (200 - 65) / 10 = 13 blocks: $195M / 1,300 = $150,000.
    # S2: 10 blocks fill the 10 MW spare: $107M / 1,000 = $107,000. Each block beyond needs 1 firm MW ($2M):
    #     11 blocks $119M / 1,100 = $108,182, and the budget's 17 blocks $141M... / 1,700 = $112,353: the
    #     campus stops at the zone's spare, though the connection and the budget would allow more.
    # S3: no spare, every block $12M: budget (200 - 7) / 12 = 16 blocks: $199M / 1,600 = $124,375.
    r = rank_candidates(three_zone_inputs())
    assert list(r["rank"]) == [2, 1, 3]
    assert r["usd_per_pflops"].tolist() == pytest.approx([108_750.0, 107_000.0, 124_375.0])
    assert list(r["binding_limit"]) == ["connection", "zone spare", "budget"]
    assert r["facility_mw"].tolist() == pytest.approx([8.0, 10.0, 16.0])
    assert list(r["connection_option"]) == ["kv69", "kv138", "kv138"]
    assert r["substation_kv"].tolist() == [69.0, 138.0, 138.0] and r["substation_km"].tolist() == [2.0, 0.0, 0.0]
    assert r["connection_cost_usd"].tolist() == pytest.approx([2e6, 2e6, 2e6])
    assert r["capex_interconnect_usd"].tolist() == pytest.approx([2e6, 2e6, 2e6])
    s3 = r.loc["S3"]
    assert (s3["new_generation_firm_mw"], s3["new_generation_mw"], s3["new_generation_cost_usd"]) == pytest.approx((16.0, 32.0, 32e6))
    assert s3["capex_usd"] == pytest.approx(167e6) and s3["cost_usd"] == pytest.approx(199e6)  # site capex + new gen
    assert r["new_generation_firm_mw"].tolist()[:2] == [0.0, 0.0]
    assert list(r["zone"]) == ["Z1", "Z2", "Z3"] and r["spare_firm_mw_zone"].tolist() == [100.0, 10.0, 0.0]
    assert r["time_to_power_years"].tolist() == [3.0, 5.0, 4.0]  # queue_years of the frames
    assert "headroom_mw" not in r.columns and "upgrade_tier" not in r.columns  # legacy columns only in legacy runs
    assert r.attrs["firm_generation_type"] == "gas_ct" and r.attrs["new_generation_usd_per_firm_mw"] == pytest.approx(2e6)
    # The optimum builds exactly these two campuses: $87M + $107M = $194M; S3's $12M blocks never pay.
    out = solve_checked(three_zone_inputs())
    assert out.sites["facility_mw"].to_dict() == pytest.approx({"S1": 8.0, "S2": 10.0})
    assert out.sites.loc["S1", "connection_option"] == "kv69"
    assert out.summary["new_generation_mw_by_type"] == {}


def test_zone_spare_is_a_hard_limit_without_new_generation() -> None:
    # No type may be built: S2 stops at its 10 MW spare (the same campus), S3 (no spare) can host nothing.
    r = rank_candidates(three_zone_inputs(three_zone_supply(GAS_CT.iloc[:0])))
    assert list(r["binding_limit"]) == ["connection", "zone spare", "zone spare"]
    assert r["facility_mw"].tolist() == pytest.approx([8.0, 10.0, 0.0])
    assert pd.isna(r.loc["S3", "rank"]) and np.isnan(r.loc["S3", "usd_per_pflops"])
    assert r.loc["S3", "connection_option"] == "" and r.loc["S3", "connection_cost_usd"] == 0.0
    assert r.attrs["new_generation_usd_per_firm_mw"] is None


def test_zonal_ranking_prices_new_generation_as_the_model_does() -> None:
    # min_cost, 10 MW of IT, S3 alone (S1, S2 excluded): 10 blocks, all 10 MW firm from 20 MW of gas CT:
    # $5M + $100M + $2M + $20M = $127M, the MILP's objective; the target binds the campus.
    inputs = three_zone_inputs(**S3_ALONE_10_MW)
    r = rank_candidates(inputs)
    s3 = r.loc["S3"]
    assert (s3["blocks"], s3["binding_limit"], s3["new_generation_mw"]) == (10, "target", pytest.approx(20.0))
    assert s3["cost_usd"] == pytest.approx(127e6)
    assert list(r.loc[["S1", "S2"], "binding_limit"]) == ["excluded", "excluded"]
    out = solve_checked(inputs)
    assert out.summary["objective"] == pytest.approx(s3["cost_usd"], rel=1e-9)  # USD
    assert out.summary["new_generation_mw_by_type"] == {"gas_ct": pytest.approx(20.0)}
    assert out.ranking is not None and out.ranking.loc["S3", "built"]


def test_imports_into_the_zone_count_as_free_firm_mw() -> None:
    # Z2 -> Z3: 400 MW x import_share 0.25 = 100 MW, but Z2 has only 10 MW of spare to export: S3 gets 10
    # free firm MW and is then priced like S2, $107M / 1,000 PFLOPS, stopping where the imports run out.
    r = rank_candidates(three_zone_inputs(three_zone_supply(z2_to_z3_mw=400.0)))
    s3 = r.loc["S3"]
    assert (s3["zone_spare_mw"], s3["zone_import_mw"]) == (0.0, 10.0)
    assert (s3["facility_mw"], s3["binding_limit"], s3["new_generation_firm_mw"]) == (10.0, "zone spare", 0.0)
    assert s3["usd_per_pflops"] == pytest.approx(107_000.0)
    assert r.loc["S1", "zone_import_mw"] == 0.0  # Z1 has no inbound interface


def test_new_generation_that_pays_for_itself_covers_the_campus_energy() -> None:
    # Grid power and the zones' marginal energy at $100/MWh; gas CT at $100/kW ($0.1M per MW over the 1-year horizon), running all year
    # (8,760 MWh per MW), fuel 10 MMBtu x $3 = $30/MWh. S3 (no spare), 10 MW, min_cost (energy PV counts):
    # 10 MW of gas covers the campus' 87,600 MWh for $1M and saves 87,600 x $70 = $6.132M; it firms 5 MW,
    # the other 5 firm MW cost $0.1M / 0.5 = $0.2M each: 10 MW more gas, $1M. Total: $5M site + $100M GPUs
    # + $2M connection + $2M gas + $8.76M grid bill - $6.132M = $111.628M, the MILP's optimum.
    cheap_gas = GAS_CT.assign(capex_usd_per_kw=100.0, max_energy_share=1.0)
    inputs = three_zone_inputs(three_zone_supply(cheap_gas, energy_share=1.0, marginal_usd_per_mwh=100.0), price_usd_per_mwh=100.0, **S3_ALONE_10_MW)
    s3 = rank_candidates(inputs).loc["S3"]
    assert s3["new_generation_type"] == "gas_ct"
    assert (s3["new_generation_mw"], s3["new_generation_firm_mw"]) == pytest.approx((20.0, 10.0))
    assert s3["new_generation_cost_usd"] == pytest.approx(2e6)
    assert s3["new_generation_energy_pv_usd"] == pytest.approx(-6.132e6)
    assert s3["energy_opex_pv_usd"] == pytest.approx(8.76e6)
    assert s3["cost_usd"] == pytest.approx(111.628e6)
    out = solve_checked(inputs)
    assert out.summary["objective"] == pytest.approx(111.628e6, rel=1e-9)
    assert out.summary["new_generation_mw_by_type"] == {"gas_ct": pytest.approx(20.0)}
    # Dear gas ($1,000/kW): its energy alone does not pay for it, so only the 10 firm MW are bought (20 MW,
    # $20M), but that plant still runs on the campus' energy and saves the same $6.132M: $129.628M.
    inputs = three_zone_inputs(three_zone_supply(GAS_CT, energy_share=1.0, marginal_usd_per_mwh=100.0), price_usd_per_mwh=100.0, **S3_ALONE_10_MW)
    s3 = rank_candidates(inputs).loc["S3"]
    assert (s3["new_generation_mw"], s3["new_generation_cost_usd"]) == pytest.approx((20.0, 20e6))
    assert s3["new_generation_energy_pv_usd"] == pytest.approx(-6.132e6)
    assert s3["cost_usd"] == pytest.approx(129.628e6)
    assert solve_checked(inputs).summary["objective"] == pytest.approx(129.628e6, rel=1e-9)
    # Running 40 % of the year (3,504 MWh per MW) the 20 MW cover 70,080 of the campus' 87,600 MWh, saving
    # $4.9056M: $107M + $20M + $8.76M - $4.9056M = $130.8544M, in the ranking and the MILP alike.
    inputs = three_zone_inputs(three_zone_supply(GAS_CT, energy_share=0.4, marginal_usd_per_mwh=100.0), price_usd_per_mwh=100.0, **S3_ALONE_10_MW)
    s3 = rank_candidates(inputs).loc["S3"]
    assert s3["new_generation_energy_pv_usd"] == pytest.approx(-4.9056e6)
    assert s3["cost_usd"] == pytest.approx(130.8544e6)
    assert solve_checked(inputs).summary["objective"] == pytest.approx(130.8544e6, rel=1e-9)


def test_ranked_campus_is_the_cheapest_per_pflops_the_model_can_build() -> None:
    # S3 with 3 MW of spare, grid at $100/MWh, gas CT with capacity credit 0.1 ($1M per MW: $10M per firm MW)
    # running all year. Beyond the spare each firm MW costs $10M and its plant's energy (87,600 MWh/yr)
    # saves up to $70/MWh of the campus' own: block 4 costs $10.876M + $10M - $2.4528M; blocks 1-3 pay
    # only $10.876M (GPUs + grid energy) each. So $/PFLOPS is lowest at 3 blocks: ($7M + 3 x $10.876M) / 300.
    # The MILP, asked for exactly n blocks (n = 1..6), agrees on every cost and on the best size.
    low_credit = GAS_CT.assign(capacity_credit=0.1)
    supply = dataclasses.replace(three_zone_supply(low_credit, energy_share=1.0),
                                 zones=three_zone_supply().zones.assign(spare_firm_mw=[100.0, 10.0, 3.0]))
    per_pflops = {}
    for n in range(1, 7):
        inputs = three_zone_inputs(supply, price_usd_per_mwh=100.0, **(S3_ALONE_10_MW | {"objective": {"sense": "min_cost", "target_it_mw": float(n)}}))
        per_pflops[n] = solve_checked(inputs).summary["objective"] / (100.0 * n)
    assert min(per_pflops, key=per_pflops.get) == 3 and per_pflops[3] == pytest.approx((7e6 + 3 * 10.876e6) / 300)
    s3 = rank_candidates(inputs).loc["S3"]  # target 6 blocks: the ranking may stop below it
    assert (s3["blocks"], s3["binding_limit"]) == (3, "zone spare")
    assert s3["usd_per_pflops"] == pytest.approx(per_pflops[3], rel=1e-9)


def test_zonal_runner_ups_say_where_the_power_comes_from() -> None:
    ups = runner_ups(rank_candidates(three_zone_inputs()), n=3)
    assert [u["site_id"] for u in ups] == ["S2", "S1", "S3"]
    assert [(u["zone"], u["substation_kv"], u["substation_km"], u["connection_cost_usd"], u["time_to_power_years"]) for u in ups] == [
        ("Z2", 138.0, 0.0, 2e6, 5.0), ("Z1", 69.0, 2.0, 2e6, 3.0), ("Z3", 138.0, 0.0, 2e6, 4.0),
    ]
    json.dumps(ups, allow_nan=False)  # summary.json refuses NaN
    legacy = runner_ups(rank_candidates(tiny_inputs(tiny_scenario(supply={"model": "legacy"}))))
    assert legacy and "zone" not in legacy[0]


# ------------------------------------------------------------------------------------------------ maps

# Zone Z1 = counties One and Two (two adjacent 1° squares), Z2 = Three; 20 MW of gas CT and 5 MW of
# solar in Z1, nothing in Z2.
GENERATION = [
    {"zone": "Z1", "type": "gas_ct", "new_mw": 20.0, "firm_mw": 12.0, "energy_mwh_per_year": 0.0, "capex_usd": 22e6, "cost_pv_usd": 22e6},
    {"zone": "Z1", "type": "solar", "new_mw": 5.0, "firm_mw": 0.5, "energy_mwh_per_year": 9000.0, "capex_usd": 6e6, "cost_pv_usd": 6e6},
]


def zonal_counties() -> gpd.GeoDataFrame:
    points = tiny_sites()
    squares = [box(p.x - 0.5, p.y - 0.5, p.x + 0.5, p.y + 0.5) for p in points.geometry]
    return points.set_geometry(squares).assign(zone=["Z1", "Z1", "Z2"], spare_firm_mw_zone=[300.0, 300.0, 40.0])


def zonal_sites() -> gpd.GeoDataFrame:
    sites = tiny_sites().iloc[[0, 2]].assign(
        zone=["Z1", "Z2"], spare_firm_mw_zone=[300.0, 40.0], facility_mw=[6.0, 4.0], it_mw=[6.0, 4.0], gpus=[60, 40],
        gpus_A=[60, 40], compute_pflops=[600.0, 400.0], capex_usd=[70e6, 45e6], energy_mwh_per_year=[52560.0, 35040.0],
        co2_t_per_year=[0.0, 0.0], substation_kv=[345.0, 138.0], substation_km=[12.5, 3.0], connection_cost_usd=[95e6, 23e6],
        time_to_power_years=[4.5, 2.0], upgrade_tier=["", ""], upgrade_mw=[0.0, 0.0],
    )
    return sites


def test_zone_table_dissolves_counties_and_sums_by_zone() -> None:
    zones = zone_table(zonal_counties(), zonal_sites(), GENERATION)
    assert zones is not None and list(zones.index) == ["Z1", "Z2"]
    assert zones["spare_firm_mw"].tolist() == [300.0, 40.0]
    assert zones["facility_mw"].tolist() == [6.0, 4.0] and zones["sites_built"].tolist() == [1, 1]
    assert zones["new_mw"].tolist() == [25.0, 0.0] and zones["new_firm_mw"].tolist() == [12.5, 0.0]
    assert zones["new_capex_usd"].tolist() == [28e6, 0.0]
    assert zones.loc["Z1", "new_mw_by_type"] == {"gas_ct": 20.0, "solar": 5.0} and zones.loc["Z2", "new_mw_by_type"] == {}
    # Z1 is the two squares merged into one polygon of their summed area.
    counties = zonal_counties().to_crs(zones.crs)
    assert zones.loc["Z1"].geometry.geom_type == "Polygon"
    assert zones.loc["Z1"].geometry.area == pytest.approx(counties.geometry.area.iloc[:2].sum(), rel=1e-6)
    assert zone_table(zonal_counties().drop(columns="zone"), tiny_sites()) is None  # legacy frames: no zones


def test_national_zones_from_the_shipped_county_table() -> None:
    # Every contiguous-US county maps to one of 134 ReEDS zones; the dissolved zones cover the same area.
    counties = load_counties()
    counties["zone"] = counties.index.map(load_county_zone()["zone"])
    zones = zone_table(counties)
    assert zones is not None and len(zones) == 134 == counties["zone"].nunique()
    assert zones.geometry.is_valid.all()
    assert zones.geometry.area.sum() == pytest.approx(counties.to_crs(zones.crs).geometry.area.sum(), rel=1e-6)


def test_zonal_folium_map_has_the_zone_and_new_generation_layers() -> None:
    page = folium_map(zonal_sites(), "zonal demo", candidates=zonal_counties(), generation=GENERATION).get_root().render()
    assert "ReEDS zones: Zone spare firm capacity (MW)" in page
    assert "Counties: Grid headroom" not in page  # headroom is not a zonal input: the zones replace it
    assert "New generation (1 zone)" in page
    assert page.count('"className": "siting-newgen"') == 1  # one diamond: only Z1 built anything
    assert "New generation in zone Z1" in page and "gas CT 20 MW" in page and "solar 5.00 MW" in page
    assert "capex: $0.03bn" in page
    layers = [json.loads(m) for m in re.findall(r"_add\((\{\"bbox.*?\})\);", page, flags=re.DOTALL)]
    props = {f["properties"]["zone"]: f["properties"] for g in layers for f in g["features"] if "zone" in f["properties"]}
    assert set(props) == {"Z1", "Z2"}
    assert props["Z1"]["spare"] == "300 MW" and props["Z1"]["newgen"] == "gas CT 20 MW, solar 5.00 MW"
    assert props["Z2"]["campus"] == "4.00 MW (1 site)" and props["Z2"]["newgen"] == "none"
    assert props["Z1"]["fill"] != props["Z2"]["fill"]  # shaded by spare: 300 vs 40 MW
    # Site popups say where the power comes from, not the county headroom.
    assert "Zone Z1 (spare firm 300 MW)" in page and "345 kV substation, 12.5 km spur, $95.0M" in page
    assert "time to power 4.5 yr" in page and "Grid headroom" not in page
    # Shaded by campus MW instead: the zone with more campus MW gets the darker colour of "Blues".
    by_mw = folium_map(zonal_sites(), "by MW", candidates=zonal_counties(), zone_shade="facility_mw").get_root().render()
    assert "ReEDS zones: Campus facility power in the zone (MW)" in by_mw and "New generation (" not in by_mw


def test_zonal_map_keeps_another_county_shade_under_zone_outlines() -> None:
    page = folium_map(zonal_sites(), "price", candidates=zonal_counties(), shade="price_usd_per_mwh").get_root().render()
    assert "Counties: Industrial electricity price" in page and '"ReEDS zones"' in page


def test_zonal_static_map_shades_zones() -> None:
    fig = static_map(zonal_sites(), zonal_counties(), "headroom_mw", "zonal", generation=GENERATION)
    FigureCanvasAgg(fig).draw()
    gids = {c.get_gid() for c in fig.axes[0].collections}
    assert {"zones", "new-generation"} <= gids and "counties" not in gids
    assert fig.axes[1].get_xlabel() == "Zone spare firm capacity (MW)"
    diamonds = next(c for c in fig.axes[0].collections if c.get_gid() == "new-generation")
    assert len(diamonds.get_offsets()) == 1
    assert "new generation 25 MW in 1 zones" in fig.axes[0].get_title()
    # Diamonds are coloured by type in colours no GPU type uses, so they never read as campuses.
    assert to_hex(diamonds.get_facecolors()[0], keep_alpha=False) == GEN_COLOURS["gas_ct"].lower()  # Z1's main type
    assert not set(GEN_COLOURS.values()) & set(GPU_COLOURS.values())


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
_ZONE_PROBE = """
<script>
window.addEventListener("load", function () { setTimeout(function () {
  var map = %(map)s, zones = 0;
  map.eachLayer(function (l) { if (l instanceof L.Polygon && l.feature && "zone" in l.feature.properties) zones++; });
  var out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({zones: zones, diamonds: document.querySelectorAll(".siting-newgen").length,
    resources: performance.getEntriesByType("resource").map(function (e) { return e.name; })});
  document.body.appendChild(out);
}, 1500); });
</script>
"""


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium / chromium-browser on PATH")
def test_zone_layer_draws_offline_in_chromium(tmp_path: Path) -> None:
    fmap = folium_map(zonal_sites(), "zonal offline", candidates=zonal_counties(), generation=GENERATION)
    page = save_map(fmap, tmp_path / "map.html").read_text(encoding="utf-8")
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</html>", _ZONE_PROBE % {"map": fmap.get_name()} + "</html>"), encoding="utf-8")
    assert CHROMIUM is not None
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
           "--virtual-time-budget=5000", f"--user-data-dir={tmp_path / 'profile'}", "--proxy-server=127.0.0.1:9",
           "--host-resolver-rules=MAP * ~NOTFOUND", "--dump-dom", probed.as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, flags=re.DOTALL)
    assert found, "the probe did not run: Leaflet or the map script failed"
    probe = json.loads(html_lib.unescape(found.group(1)))
    assert probe == {"zones": 2, "diamonds": 1, "resources": []}


# ------------------------------------------------------------------------------------------------ report


def test_report_has_the_supply_section() -> None:
    # S3 alone must buy all its firm MW: 20 MW of gas CT ($20M), connection $2M at 138 kV, 0 km.
    inputs = three_zone_inputs(**S3_ALONE_10_MW)
    out = solve_checked(inputs)
    s = out.summary
    # The waterfall adds up to the total: site capex $107M + new generation $20M.
    assert cost_parts(s) == [("gpu", 100e6), ("site", 5e6), ("interconnect", 2e6), ("new_generation", 20e6)]
    assert sum(v for _, v in cost_parts(s)) == pytest.approx(s["total_cost_usd"])
    page = run_report_html(s, out.sites, ranking=out.ranking, build_map=False)
    supply = page[page.index('<h2 id="supply">'):page.index('<h2 id="why">')]
    text = re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", supply)))
    assert "20.0 MW nameplate · 10.0 MW firm (accredited)" in text
    assert "New generation by type Type New MW Firm MW Energy MWh/yr Capex Cost PV (budget) gas CT 20.0 10.0 0 $20.0M $20.0M" in text
    assert "New generation by zone and type" in text and "Z3 gas CT 20.0 10.0 0 $20.0M" in text
    assert "MW by zone Zone Sites Campus MW Spare firm MW Imports MW Exports MW New firm MW Z3 1 10.0 0 0 0 10.0" in text
    assert "No firm imports between zones." in text
    assert "Three XC Z3 10.0 138 0.0 100 2.0 4.0" in text  # county, state, zone, MW, kV, km, connection MW, $M, years
    # The sites table and the ranking show zones, not headroom; the budget counts new generation.
    sites = page[page.index('<h2 id="sites">'):page.index('<h2 id="map">')]
    assert "Zone" in sites and "Headroom MW" not in sites and "Time to power yr" in sites
    why = page[page.index('<h2 id="why">'):page.index('<h2 id="rules">')]
    assert "Substation kV" in why and "New firm MW" in why and "Headroom MW" not in why
    assert "new generation PV $20.0M" in page


def test_legacy_report_has_no_supply_section() -> None:
    out = solve_scenario(tiny_scenario(supply={"model": "legacy"}), tiny_inputs(tiny_scenario(supply={"model": "legacy"})))
    page = run_report_html(out.summary, out.sites, ranking=out.ranking, build_map=False)
    assert 'id="supply"' not in page and "Headroom MW" in page
    assert not any(k.startswith("new_generation") for k, _ in cost_parts(out.summary))


def test_ranking_buys_the_cheapest_type_per_firm_mw() -> None:
    cc = pd.DataFrame(
        {"capex_usd_per_kw": [3000.0], "fom_usd_per_kw_yr": [0.0], "vom_usd_per_mwh": [0.0], "heat_rate_mmbtu_per_mwh": [6.0],
         "life_years": [1.0], "capacity_credit": [0.75], "max_energy_share": [0.9]},
        index=pd.Index(["gas_cc"], name="type"),
    )
    # gas CC: $3M per MW / 0.75 = $4M per firm MW, dearer than gas CT's $1M / 0.5 = $2M; S3 is priced as before.
    r = rank_candidates(three_zone_inputs(three_zone_supply(pd.concat([cc, GAS_CT]))))
    assert r.attrs["firm_generation_type"] == "gas_ct" and r.attrs["new_generation_usd_per_firm_mw"] == pytest.approx(2e6)
    assert r.loc["S3", "usd_per_pflops"] == pytest.approx(124_375.0)
