"""Write the example notebooks (without outputs) from the cell sources below, so they are reproducible.

    python notebooks/make_notebooks.py          # rewrites notebooks/*.ipynb

Edit the cells here, not in the .ipynb files; tests/test_notebooks.py checks the files match this script
and executes them. Notebooks only call model functions: all plotting lives in model/plot/.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat import NotebookNode

HERE = Path(__file__).resolve().parent

Cell = tuple[str, str]  # ("md" | "code", source)

INPUTS: list[Cell] = [
    (
        "md",
        """# 01 — The inputs, county by county

What the model sees before it decides anything, with the default zonal supply model (`[supply] model =
"zonal"`, `docs/supply_model.md`). For every contiguous-US county: its ReEDS zone and that zone's spare firm
capacity, the grid connections a campus could buy at nearby substations (voltage, spur length, cost), the
time to power, the county industrial electricity price, the grid CO₂ intensity, water stress, developable land
and its price, and the climate-driven PUE. Per zone, campuses may also use firm imports over NARIS interfaces
and new generation the investor builds at NREL ATB 2025 costs. The county grid headroom of the legacy supply
model closes the notebook, as a contrast. Sources: `data/SOURCES.md`, `docs/supply_data.md`.""",
    ),
    (
        "code",
        """%matplotlib inline
import pandas as pd

from model.config import load_scenario
from model.inputs.datasets import DEFAULT_DATA_DIR, load_county_time_to_power
from model.inputs.load import load_inputs
from model.plot.maps import folium_map, static_map

REPO = DEFAULT_DATA_DIR.parent
inputs = load_inputs(load_scenario(REPO / "runs" / "us-default.toml"))
candidates, supply, cfg = inputs.sites, inputs.supply, inputs.scenario.supply
states = set(candidates["state"])
print(f"{len(candidates):,} candidate counties in {len(states - {'DC'})} states" + (" and DC" * ("DC" in states))
      + f"; supply model '{cfg.model}'")
print(f"{candidates['zone'].nunique()} ReEDS zones hold a candidate ({len(supply.zones)} in the supply table), "
      f"{len(supply.transfers)} directed interfaces, {len(supply.connections):,} non-dominated connection options")
print(f"campuses may claim {cfg.spare_share:.0%} of their zone's spare firm MW, firm imports may use {cfg.import_share:.0%} "
      f"of each interface limit; new generation: {', '.join(cfg.new_generation)}")""",
    ),
    (
        "code",
        """columns = ["spare_firm_mw_zone", "time_to_power_years", "price_usd_per_mwh", "co2_kg_per_mwh", "water_stress_score",
           "land_available_acres", "land_value_usd_per_acre", "pue"]
candidates[columns].describe(percentiles=[0.1, 0.5, 0.9]).T.round(2)""",
    ),
    (
        "md",
        """## ReEDS zones: where the firm power comes from

Each county lies in one ReEDS zone. A zone's spare firm capacity is its accredited capacity less its peak
demand with a reserve margin, floored at zero (`data/zone_supply.csv`, method in `docs/supply_data.md`). The
campuses of a zone may claim `spare_share` of it, plus firm imports from other zones and the accredited MW of
new generation built there; this zone balance replaces the legacy county headroom. The colour scale is
stretched at the low end and stops at the 99th percentile (an arrow when values lie above it).""",
    ),
    ("code", 'static_map(None, candidates, shade="zone", title="Spare firm capacity by ReEDS zone")'),
    (
        "code",
        """zones = supply.zones.assign(counties=candidates.groupby("zone").size())
print(f"{int((zones['spare_firm_mw'] <= 0).sum())} of {len(zones)} zones have no spare firm capacity; "
      f"together the zones have {zones['spare_firm_mw'].sum():,.0f} MW")
top = zones.sort_values("spare_firm_mw", ascending=False).head(10)
top[["state", "transreg", "counties", "accredited_mw", "peak_mw", "reserve_margin", "spare_firm_mw"]].round(
    {"accredited_mw": 1, "peak_mw": 1, "reserve_margin": 3, "spare_firm_mw": 1})""",
    ),
    (
        "md",
        """## New generation the investor may build in a zone

NREL ATB 2025 (moderate, 2023 $). `capacity_credit` is the share of nameplate that counts in the zone's firm
balance; gas energy costs fuel at the delivered gas price below plus VOM, and displaces grid energy at the
zone's reference price. `construction_years` delay new plants in the pathway model (notebook 04) only.""",
    ),
    (
        "code",
        """print(f"gas: ${supply.gas_fuel_usd_per_mmbtu:.2f}/MMBtu, {supply.gas_co2_kg_per_mmbtu:.2f} kg CO2/MMBtu")
supply.generation[["capex_usd_per_kw", "fom_usd_per_kw_yr", "vom_usd_per_mwh", "heat_rate_mmbtu_per_mwh", "life_years",
                   "capacity_credit", "construction_years"]]""",
    ),
    (
        "md",
        """## Grid connections

A campus connects at a substation. Each voltage class delivers a set number of MW (`data/connection_classes.csv`)
for a substation cost plus a spur line per km to the nearest HIFLD station of that class (straight line,
`data/county_substation.csv`). The model picks one option per built site; options that another option of the
same site dominates (at least the MW for no more money) are dropped. Loudoun County, VA, for example:""",
    ),
    (
        "code",
        """options = supply.connections
options.loc[options["site_id"] == "51107"]""",
    ),
    (
        "code",
        """CAMPUS_MW = 1000  # the cheapest option of each county that delivers at least this many MW
fits = options.loc[options["mw"] >= CAMPUS_MW].sort_values(["site_id", "cost_usd"]).groupby("site_id").head(1)
fits = fits.set_index("site_id")
candidates = candidates.assign(connection_kv=fits["class_kv"].reindex(candidates.index),
                               connection_km=fits["km"].reindex(candidates.index),
                               connection_cost_usd=fits["cost_usd"].reindex(candidates.index))
print(f"{int(candidates['connection_cost_usd'].notna().sum()):,} counties can connect {CAMPUS_MW:,} MW; by voltage class (kV):",
      candidates["connection_kv"].value_counts().to_dict())
candidates[["connection_km", "connection_cost_usd"]].describe(percentiles=[0.1, 0.5, 0.9]).T.round(1)""",
    ),
    (
        "code",
        """static_map(None, candidates, shade="connection_cost_usd",
           title=f"Cheapest grid connection for a {CAMPUS_MW:,} MW campus (substation + spur)")""",
    ),
    (
        "md",
        """## Time to power

Median years from a queue request to operation (`data/county_time_to_power.csv`): the county's ReEDS zone
where the queue data cover it, else its ISO, else the non-ISO default. With zonal supply it replaces the
interconnection queue (`queue_years`), so the `time_to_power` policy and the pathway's firm dates read it.""",
    ),
    (
        "code",
        """by_level = load_county_time_to_power().groupby("level")["median_years"]
by_level.agg(["size", "min", "median", "max"]).rename(columns={"size": "counties"})""",
    ),
    ("code", 'static_map(None, candidates, shade="time_to_power_years", title="Time to power, by county")'),
    (
        "md",
        """## Energy price and carbon

The industrial price is per county (`data/county_price.csv`: EIA-861 2018 utility revenue over sales, split
over each utility's counties, scaled to 2023 by the state's 2023/2018 ratio); `price_source` says so for every
candidate. The grid CO₂ intensity is the state's (EPA eGRID2022), so counties share their state's colour.
Energy bills over the cost horizon count against the budget in `us-default`.""",
    ),
    ("code", 'candidates["price_source"].value_counts()'),
    (
        "code",
        """# Shaded under its own name: the map label of price_usd_per_mwh (model/plot/maps.py) still says 2018.
priced = candidates.assign(industrial_price_2023_usd_per_mwh=candidates["price_usd_per_mwh"])
static_map(None, priced, shade="industrial_price_2023_usd_per_mwh", title="County industrial electricity price (2023 $)")""",
    ),
    ("code", 'static_map(None, candidates, shade="co2_kg_per_mwh", title="Grid CO₂ intensity (state)")'),
    (
        "md",
        """## Water, land and climate

Land is priced at one national data-center figure (`land_value_usd_per_acre` in the table above), so only the
developable acres (a share of each county's land area) vary by county.""",
    ),
    ("code", 'static_map(None, candidates, shade="water_stress_score", title="Water stress (WRI Aqueduct 4.0)")'),
    ("code", 'static_map(None, candidates, shade="land_available_acres", title="Developable land")'),
    ("code", 'static_map(None, candidates, shade="pue", title="PUE from cooling degree days")'),
    (
        "md",
        """## Contrast: county grid headroom (legacy supply model only)

`[supply] model = "legacy"` limits each county by the MW of new firm load its existing grid could take
(TAMU/Breakthrough Energy synthetic grid, `docs/grid_headroom.md`) plus universal upgrade tiers. The zonal
default does not use it. Drawn from the same counties without their `zone` column: given zones, the maps draw
the zones in its place.""",
    ),
    (
        "code",
        """static_map(None, candidates.drop(columns="zone"), shade="headroom_mw",
           title="Legacy model only: grid headroom for new load, by county")""",
    ),
    (
        "md",
        """## Interactive

The ReEDS zone layer of a zonal run's `map.html` (hover a zone for its spare firm capacity). No basemap tiles,
so it works offline.""",
    ),
    ("code", 'folium_map(None, "Spare firm capacity by ReEDS zone", candidates=candidates, shade="zone")'),
]

SOLUTION: list[Cell] = [
    (
        "md",
        """# 02 — Solve a regional scenario and look at the answer

A reduced scenario built in Python rather than a TOML file: five south-central states, $20bn for capex plus the
energy bills over the cost horizon (as in `runs/us-default.toml`), maximise dense FP8 PFLOPS. Supply is the
default zonal model (`docs/supply_model.md`): each campus buys one substation connection, and the campuses of a
ReEDS zone must fit within the zone's usable spare firm capacity plus firm imports from other zones plus the
accredited MW of new generation the investor builds there.

The run is written to a folder as `siting run` would write it (here a temporary one), then reopened with
`model.load_run`, as any later session or notebook can: `run.sites`, `run.summary`, `run.generation`,
`run.imports`, `run.rank` are its tables, and `run.statistics()` its figures, one row each.""",
    ),
    (
        "code",
        """%matplotlib inline
import tempfile
from pathlib import Path

import pandas as pd
from IPython.display import display

from model import load_run
from model.config import scenario_from_dict
from model.inputs.load import load_inputs
from model.plot.maps import bar_by_state, compare_map, folium_map, site_changes, static_map
from model.workflows.engine import run_scenario

RAW = {
    "name": "south-central-20bn",
    "candidates": {"states": ["TX", "OK", "NM", "LA", "AR"]},
    "objective": {"sense": "max_compute"},
    "budget": {"equity_usd": 20e9, "include_opex": True},
    "solver": {"mip_gap": 0.01, "threads": 2, "time_limit_s": 60},
}
pd.set_option("display.float_format", lambda x: f"{x:,.0f}" if abs(x) >= 100 else f"{x:.4g}")
scenario = scenario_from_dict(RAW)
inputs = load_inputs(scenario)
OUT = Path(tempfile.mkdtemp(prefix="siting-notebook-"))  # any absent or empty folder will do
run_scenario(scenario, OUT / scenario.name, inputs=inputs)
run = load_run(OUT / scenario.name)
s = run.summary
print(f"{run.path}: {s['candidates']} candidate counties, supply model '{s['supply_model']}', energy counted over "
      f"{inputs.costs.horizon_years:g} years; HiGHS {s['seconds']['solve']:.1f} s")
HEADLINE = ["sites_built", "gpus", "compute_pflops", "facility_mw", "capex_usd", "total_cost_usd", "usd_per_pflops",
            "new_generation_capex_usd", "co2_t_per_year", "mip_gap"]
stats = run.statistics()
stats.loc[HEADLINE]""",
    ),
    (
        "md",
        """Each figure has one definition (`model.results.load_run.figure_definitions()`); for instance:""",
    ),
    (
        "code",
        """from model.results.load_run import figure_definitions

pd.set_option("display.max_colwidth", 120)
figure_definitions().loc[["total_cost_usd", "usd_per_pflops", "co2_t_per_year", "co2_sites_t_per_year"], ["unit", "definition"]]""",
    ),
    (
        "md",
        """## Where, how many GPUs, and how each campus connects

`zone` is the campus's ReEDS zone and `spare_firm_mw_zone` that zone's spare firm capacity; `connection_option`
is the substation class bought, `substation_km` the spur to it, `connection_mw` what it delivers and
`connection_cost_usd` its cost (the `interconnect` part of capex); `time_to_power_years` is reported (the
one-period model uses it only through the `time_to_power` policy). `headroom_mw` and `upgrade_tier` belong to
the legacy supply model and are not used here.""",
    ),
    (
        "code",
        """gpu_columns = [c for c in run.sites.columns if c.startswith("gpus_") and run.sites[c].any()]
run.sites[["state", "county_name", *gpu_columns, "gpus", "compute_pflops", "facility_mw", "zone", "spare_firm_mw_zone",
           "connection_option", "substation_km", "connection_mw", "connection_cost_usd", "time_to_power_years",
           "capex_usd", "price_usd_per_mwh"]]""",
    ),
    ("md", "The same figures per state (`groupby` takes any column of the sites table: `state`, `zone`, `site_id`...):"),
    (
        "code",
        """run.statistics(groupby="state")["value"].unstack("state").loc[["sites_built", "gpus", "compute_pflops", "facility_mw",
                                                              "capex_usd", "capex_usd_per_pflops"]]""",
    ),
    (
        "md",
        """## Where the firm power comes from

The run's new generation per zone and type (`generation.csv`; `firm_mw` = nameplate x capacity credit) and its
firm imports between zones (`zone_imports.csv`), then each zone's firm balance recomputed from them: campus MW <=
usable spare (`spare_share` x spare firm MW) + imports - exports + new firm MW, so `slack_mw` is never negative.
New gas also makes energy that displaces grid energy at the zone's reference price, so the model may build more
than the balance needs.""",
    ),
    (
        "code",
        """def zone_balance(run, inputs, spare_share):
    generation, imports = run.generation, run.imports
    campus = run.statistics(groupby="zone").xs("facility_mw", level="figure")["value"]
    zones = sorted(set(campus.index) | set(generation["zone"]) | set(imports["from_zone"]) | set(imports["to_zone"]))
    out = pd.DataFrame(index=pd.Index(zones, name="zone"))
    out["campus_mw"] = campus
    out["usable_spare_mw"] = spare_share * inputs.supply.zones["spare_firm_mw"]
    out["imports_mw"] = imports.groupby("to_zone")["mw"].sum()
    out["exports_mw"] = imports.groupby("from_zone")["mw"].sum()
    out["new_firm_mw"] = generation.groupby("zone")["firm_mw"].sum()
    out = out.astype(float).fillna(0.0)
    out["slack_mw"] = out["usable_spare_mw"] + out["imports_mw"] - out["exports_mw"] + out["new_firm_mw"] - out["campus_mw"]
    return out


display(run.generation.round(1), run.imports.round(1))
zone_balance(run, inputs, scenario.supply.spare_share).round(1)""",
    ),
    (
        "md",
        """What the budget counts: capex (sites, shells, land, GPUs, connections), the present value of the grid
energy bills, the new generation's annualised capex and fixed O&M over the cost horizon (less than its
overnight capex), and the new generation's energy cost net of the grid energy it displaces (negative when new
gas is cheaper than the grid). They add up to `total_cost_usd`.""",
    ),
    (
        "code",
        """parts = ["capex_usd", "energy_opex_pv_usd", "new_generation_cost_pv_usd", "new_generation_energy_cost_pv_usd"]
money = stats.loc[[*parts, "total_cost_usd", "budget_usd", "new_generation_capex_usd"], "value"]
print(f"sum of the four parts: ${money[parts].sum() / 1e9:,.3f}bn")
(money / 1e9).round(3).rename("$bn")""",
    ),
    ("md", "## Maps\n\nZones shaded by spare firm capacity, campuses as circles, new generation as diamonds."),
    (
        "code",
        'static_map(run.sites, inputs.sites, shade="zone", title=scenario.name, generation=run.generation)',
    ),
    (
        "code",
        'folium_map(run.sites, scenario.name, candidates=inputs.sites, shade="zone", generation=run.generation)',
    ),
    (
        "code",
        """by_state = run.statistics(groupby="state").xs("facility_mw", level="figure")["value"]
bar_by_state(by_state.to_dict(), column="facility_mw")""",
    ),
    (
        "md",
        """## What if the budget were $50bn?

Only the budget changes; the zone balance shows whether the larger campus MW still fit in the zones' spare or
need imports and new generation.""",
    ),
    (
        "code",
        """bigger = scenario_from_dict(RAW | {"name": "south-central-50bn", "budget": {"equity_usd": 50e9, "include_opex": True}})
run_scenario(bigger, OUT / bigger.name, inputs=load_inputs(bigger))
other = load_run(OUT / bigger.name)
display(pd.concat({r.name: r.statistics()["value"] for r in (run, other)}, axis=1).loc[HEADLINE])
zone_balance(other, inputs, bigger.supply.spare_share).round(1)""",
    ),
    ("code", 'compare_map(run.sites, other.sites, ("$20bn", "$50bn"), candidates=inputs.sites)'),
    (
        "code",
        """site_changes(run.sites, other.sites).drop(columns="geometry").join(
    other.sites.set_index("county_fips")[["zone", "connection_option", "connection_cost_usd"]])""",
    ),
]

COMPARE: list[Cell] = [
    (
        "md",
        """# 03 — What does a rule cost? Base versus policies

A regional base (four South-East states, $30bn for capex plus the energy bills over the cost horizon) against
five rules adapted from `runs/policies/` to the region: a Northern-Virginia-style moratorium, a carbon cap,
diversification, a sales-tax race and speed to power (on each zone's time to power). Supply is the default zonal
model (`docs/supply_model.md`), so a rule can change not only where campuses go but which new generation the
investor builds in their ReEDS zones and how much firm capacity is imported between zones.
`model.workflows.compare.solve_all` re-uses one built model wherever only parameters differ; the table gives
each rule's cost against the base and the marginal value of the rules that bind. Marginal values come from the
LP with the chosen sites fixed: when those sites are full, more budget buys nothing without a new site, and the
budget's value reads as zero.

The solves stop at a 1 % gap target, to keep the notebook quick, and report the gap each reached: a change
smaller than those gaps may be the solver's rather than the rule's.""",
    ),
    (
        "code",
        """%matplotlib inline
import pandas as pd

from model.workflows.compare import compare_table, solve_all
from model.config import scenario_from_dict
from model.plot.maps import bar_by_state, compare_grid

states = ["VA", "NC", "SC", "GA"]
base = {
    "name": "base",
    "candidates": {"states": states},
    "budget": {"equity_usd": 30e9, "include_opex": True},
    "solver": {"mip_gap": 0.01, "threads": 2},
}
rules = {
    "nova-moratorium": [{"type": "moratorium", "counties": ["51107", "51153", "51059"]}],
    "carbon-cap": [{"type": "carbon_cap", "max_tco2_per_year": 1.5e6}],
    "diversify": [{"type": "max_share_per_state", "share": 0.3}, {"type": "min_sites", "count": 4}],
    "tax-race": [{"type": "tax_incentive", "states": ["VA"], "gpu_capex_discount_share": 0.0577},
                 {"type": "tax_incentive", "states": ["GA"], "gpu_capex_discount_share": 0.0738}],
    "speed-to-power": [{"type": "time_to_power", "max_years": 3.5}],
}
scenarios = [scenario_from_dict(base)] + [scenario_from_dict(base | {"name": n, "policies": p}) for n, p in rules.items()]
entries = solve_all(scenarios)
table = compare_table(entries)
table[["scenario", "status", "compute_pflops", "compute_change_pflops", "cost_usd", "usd_per_pflops",
       "facility_mw", "sites_built", "co2_t_per_year"]].round(1)""",
    ),
    (
        "md",
        """## Zones, new generation and imports

Per scenario: the gap reached, the campus MW per ReEDS zone, the new generation built (MW by type), the firm
imports between zones, and the longest time to power among the built sites.""",
    ),
    (
        "code",
        """def mw_text(by_key):
    items = sorted(by_key.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{k} {v:,.0f}" for k, v in items if v >= 1) or "none"


pd.DataFrame([{
    "scenario": e.scenario.name,
    "mip_gap": e.outcome.summary["mip_gap"],
    "facility MW by zone": mw_text(e.outcome.summary["facility_mw_by_zone"]),
    "new generation MW": mw_text(e.outcome.summary["new_generation_mw_by_type"]),
    "firm imports MW": sum(r["mw"] for r in e.outcome.summary["zone_imports"]),
    "max time to power (years)": e.outcome.sites["time_to_power_years"].max(),
} for e in entries]).round({"mip_gap": 4, "firm imports MW": 1})""",
    ),
    (
        "md",
        """## The cost of each rule

Against the base: the compute each rule gives up for the same money (negative = the rule costs compute), next
to the two solves' gaps, and what one more unit of a binding rule would buy.""",
    ),
    (
        "code",
        """gaps = {e.scenario.name: e.outcome.summary["mip_gap"] for e in entries}
base_pflops = table.loc[table["scenario"] == "base", "compute_pflops"].iloc[0]
for row in table.itertuples():
    print(f"{row.scenario:16s} {row.compute_change_pflops:>+12,.0f} PFLOPS ({row.compute_change_pflops / base_pflops:+.2%}; "
          f"gaps {gaps['base']:.2%} / {gaps[row.scenario]:.2%})   {row.marginal_values}")""",
    ),
    (
        "code",
        """by_scenario = {row.scenario: row.compute_pflops for row in table.itertuples()}
bar_by_state(by_scenario, column="compute_pflops", title="Compute for the same money, by scenario (PFLOPS)")""",
    ),
    ("md", "## Where the campuses move: each rule against the base"),
    (
        "code",
        """sites = {e.scenario.name: e.outcome.sites for e in entries}
compare_grid(sites["base"], {name: sites[name] for name in rules}, base_name="base",
             candidates=entries[0].outcome.inputs.sites)""",
    ),
]

PATHWAY: list[Cell] = [
    (
        "md",
        """# 04 — A phased build-out: when each site energises, on which GPUs, and what the investor earns

A small multi-year run (`docs/pathway.md`) of the one model: Virginia and Maryland counties with the default zonal
supply (fewer than `pathway.max_candidates`, so none is screened out), $5bn of equity and $5bn of debt, maximising the equity NPV of
selling GPU-hours at the rental rates of `data/gpu_roadmap.csv`. Three model years, 2026, 2027 and 2030: a model
year stands for the calendar years until the next one (the last for as long as the step before it), so the
timeline has a row for every calendar year. The national runs are `runs/aip-2035.toml` and
`runs/stargate-10gw-2029.toml`; `siting run` on either writes the same run folder as here (sites.gpkg, map.html,
report.html, rank.csv and the timeline tables `timeline.csv`, `pathway_sites.csv`, `installs.csv`).""",
    ),
    (
        "code",
        """%matplotlib inline
import tempfile
from pathlib import Path

import pandas as pd
from IPython.display import Image, display

from model import load_run
from model.config import scenario_from_dict
from model.results.timeline import cash_instants, gantt_png, irr, npv, timeline_png
from model.workflows.engine import run_scenario

scenario = scenario_from_dict({
    "name": "va-md-pathway",
    "candidates": {"states": ["VA", "MD"]},
    "gpus": {"types": ["H200", "B200", "GB200_NVL72", "GB300_NVL72", "Rubin_NVL144"]},
    "budget": {"equity_usd": 5e9, "debt_usd": 5e9},
    "solver": {"threads": 1, "mip_gap": 0.005},
    "pathway": {"years": [2026, 2027, 2030], "objective": "max_npv"},
})
pd.set_option("display.float_format", lambda x: f"{x:,.0f}" if abs(x) >= 100 else f"{x:.4g}")
OUT = Path(tempfile.mkdtemp(prefix="siting-notebook-"))  # `siting run` writes the same folder
out = run_scenario(scenario, OUT / scenario.name).timeline  # the tables over time
run = load_run(OUT / scenario.name)  # timeline.csv, summary.json ... as any later session reopens them
s = run.summary
print(f"{s['status']}, gap {s['mip_gap']:.3%}, supply model '{s['supply_model']}'; {s['sites_built']} site(s) built of "
      f"{s['candidates']} candidates; model {s['model_size']['rows']:,} rows x "
      f"{s['model_size']['columns']:,} columns; model years {s['years']}, horizon end {s['horizon_end']}; "
      f"HiGHS {s['seconds']['solve']:.1f} s")
inv = s["investor"]


def pct(x):
    return "n/a (no sign change)" if x is None else f"{x:.2%}"


print(f"NPV ${inv['npv_usd'] / 1e9:,.3f}bn at {inv['discount_rate']:.0%}, IRR {pct(inv['irr'])}, payback {inv['payback_year']}, "
      f"peak capital ${inv['peak_capital_drawn_usd'] / 1e9:,.2f}bn")""",
    ),
    (
        "md",
        """## The sites: when each opens, when it first draws power and from what

`firm_year` is the first year the grid can serve the site firmly (programme start + its zone's time to power,
rounded up); before it, a site runs on on-site gas (the bridge) or a flexible non-firm connection. `connection`
is the substation option bought (empty if the site never draws from the grid).""",
    ),
    (
        "code",
        """out.sites[["county_name", "state", "zone", "open_year", "energised_year", "first_source", "sources", "firm_year",
           "capacity_mw", "max_facility_mw", "max_it_mw", "bridge_capacity_mw", "connection"]].round(1)""",
    ),
    (
        "code",
        """display(Image(timeline_png(out.timeline)))
display(Image(gantt_png(out.sites, out.site_years)))""",
    ),
    (
        "md",
        """## The timeline and the investor's figures

One row per calendar year, then the horizon end (the assets' book value less the debt still owed): the run
folder's `timeline.csv`, as `load_run` read it back. The NPV and the IRR are then recomputed from its two
cash-flow columns alone (each instant's flow is a year's start flows plus the previous year's end flows) and
compared with the model's objective and investor figures.""",
    ),
    (
        "code",
        """timeline = run.timeline  # timeline.csv
cols = ["year", "row", "it_mw_online", "firm_mw", "bridge_mw", "flexible_mw", "capex_usd", "opex_usd",
        "revenue_usd", "debt_drawn_usd", "debt_service_usd", "cash_flow_start_usd", "cash_flow_end_usd"]
tl = timeline[cols].copy()
money = [c for c in cols if c.endswith("_usd")]
mw = [c for c in cols if c.endswith("_mw") or c.endswith("_online")]
tl[money] = (tl[money] / 1e9).round(3)  # $bn
tl[mw] = tl[mw].round(1)
display(tl.rename(columns={c: c.replace("_usd", "_bn") for c in money}))
times, flows = cash_instants(timeline)
rate = inv["discount_rate"]
display(pd.DataFrame({"t (years)": times, "net cash flow ($bn)": flows / 1e9, "discount factor": (1 + rate) ** -times}).round(4))
print(f"from the table: NPV ${npv(times, flows, rate) / 1e9:,.3f}bn, IRR {pct(irr(times, flows))}")
print(f"the model:      NPV ${s['objective'] / 1e9:,.3f}bn (objective), IRR {pct(inv['irr'])}")""",
    ),
    (
        "md",
        """The same run as figures by year (`run.statistics(groupby="year")`: timeline.csv's columns per calendar year,
and summary.json's by-year series), and the run's totals, the investor figures among them:""",
    ),
    (
        "code",
        """by_year = run.statistics(groupby="year")["value"].unstack("year")
display((by_year.loc[["it_mw_online", "capex_usd", "revenue_usd", "opex_usd", "debt_service_usd"]]).round(1))
totals = run.statistics()
totals.loc[[f for f in totals.index if f.startswith("investor.") or f in ("capex_usd", "sites_built")]]""",
    ),
    (
        "md",
        """## GPUs by vintage

Each install is a GPU type bought in a model year; it retires after its life. The model buys continuous blocks;
the rounding line is the measured cost of rounding every vintage down to whole blocks.""",
    ),
    (
        "code",
        """r = s["rounding"]
print(f"rounding down to whole blocks: {r['pflops_years_share_lost']:.3%} of PFLOPS-years lost, "
      f"{r['gpu_capex_share_saved']:.3%} of GPU capex saved")
out.installs.round(1)""",
    ),
]

NOTEBOOKS: dict[str, list[Cell]] = {
    "01_inputs.ipynb": INPUTS,
    "02_solution.ipynb": SOLUTION,
    "03_policy_compare.ipynb": COMPARE,
    "04_pathway.ipynb": PATHWAY,
}


def make_notebook(stem: str, cells: list[Cell]) -> NotebookNode:
    """A notebook without outputs, with stable cell ids so regenerating it changes nothing."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for i, (kind, source) in enumerate(cells):
        cell = nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source)
        cell.id = f"{stem}-{i:02d}"
        nb.cells.append(cell)
    return nb


def build_notebooks() -> dict[str, NotebookNode]:
    return {name: make_notebook(name.removesuffix(".ipynb").replace("_", "-"), cells) for name, cells in NOTEBOOKS.items()}


def render(nb: NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def main() -> None:
    for name, nb in build_notebooks().items():
        nbformat.validate(nb)
        (HERE / name).write_text(render(nb))
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
