"""Write the example notebooks (without outputs) from the cell sources below, so they are reproducible.

    python notebooks/make_notebooks.py          # rewrites notebooks/*.ipynb

Edit the cells here, not in the .ipynb files; tests/test_notebooks.py checks the files match this script
and executes them. Notebooks only call model functions: all plotting lives in model/plot.py.
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

What the model sees before it decides anything: for each of the 3,108 contiguous-US counties, the grid
headroom for new load (from the TAMU/Breakthrough Energy synthetic grid), the state industrial electricity
price and grid CO₂ intensity, water stress, developable land and its value, the climate-driven PUE and the
interconnection queue. Sources: `data/SOURCES.md`.""",
    ),
    (
        "code",
        """%matplotlib inline
import pandas as pd

from model.config import load_scenario
from model.inputs.datasets import DEFAULT_DATA_DIR
from model.inputs.load import load_inputs
from model.plot.maps import bar_by_state, column_label, folium_map, static_map

REPO = DEFAULT_DATA_DIR.parent
candidates = load_inputs(load_scenario(REPO / "runs" / "us-default.toml")).sites
print(f"{len(candidates):,} candidate counties in {candidates['state'].nunique()} states (+ DC)")""",
    ),
    (
        "code",
        """columns = ["headroom_mw", "price_usd_per_mwh", "co2_kg_per_mwh", "water_stress_score",
           "land_available_acres", "land_value_usd_per_acre", "pue", "queue_years"]
table = candidates[columns].describe(percentiles=[0.1, 0.5, 0.9]).T
table.index = [column_label(c) for c in table.index]
table.round(2)""",
    ),
    (
        "md",
        """## Grid headroom

MW of new firm load each county's existing grid could take without major upgrades (method in
`docs/grid_headroom.md`). Heavy-tailed, so the colour scale is stretched at the low end and stops at the
99th percentile (the arrow).""",
    ),
    ("code", 'static_map(None, candidates, shade="headroom_mw", title="Grid headroom for new load, by county")'),
    ("code", 'bar_by_state(candidates, column="headroom_mw", top=15, title="Grid headroom by state (15 largest, MW)")'),
    (
        "md",
        """## Energy price and carbon

State-level values (EIA-861 2018 industrial prices, EPA eGRID2022), so counties share their state's
colour. Energy cost over the horizon counts against the budget in `us-default`.""",
    ),
    ("code", 'static_map(None, candidates, shade="price_usd_per_mwh", title="Industrial electricity price")'),
    ("code", 'static_map(None, candidates, shade="co2_kg_per_mwh", title="Grid CO₂ intensity")'),
    ("md", "## Water, land and climate"),
    ("code", 'static_map(None, candidates, shade="water_stress_score", title="Water stress (WRI Aqueduct 4.0)")'),
    ("code", 'static_map(None, candidates, shade="land_available_acres", title="Developable land (1% of county land area)")'),
    ("code", 'static_map(None, candidates, shade="land_value_usd_per_acre", title="Farm real estate value")'),
    ("code", 'static_map(None, candidates, shade="pue", title="PUE from cooling degree days")'),
    ("code", 'static_map(None, candidates, shade="queue_years", title="Interconnection queue time")'),
    (
        "md",
        """## Interactive

The same county layer as in a run's `map.html` (hover a county for its value; tiles need a network).""",
    ),
    ("code", 'folium_map(None, "Grid headroom by county", candidates=candidates, shade="headroom_mw")'),
]

SOLUTION: list[Cell] = [
    (
        "md",
        """# 02 — Solve a regional scenario and look at the answer

A reduced scenario built in Python rather than a TOML file: five south-central states, $20bn of equity,
maximise dense FP8 PFLOPS. It solves in a few seconds; the national `runs/us-default.toml` takes ~45 s.""",
    ),
    (
        "code",
        """%matplotlib inline
import pandas as pd

from model.config import scenario_from_dict
from model.inputs.load import load_inputs
from model.workflows.engine import solve_scenario
from model.plot.maps import bar_by_state, compare_map, folium_map, site_changes, static_map

RAW = {
    "name": "south-central-20bn",
    "candidates": {"states": ["TX", "OK", "NM", "LA", "AR"]},
    "objective": {"sense": "max_compute"},
    "budget": {"equity_usd": 20e9},
    "solver": {"mip_gap": 0.01, "threads": 2, "time_limit_s": 60},
}
scenario = scenario_from_dict(RAW)
inputs = load_inputs(scenario)
outcome = solve_scenario(scenario, inputs)
HEADLINE = ["status", "mip_gap", "sites_built", "gpus", "compute_pflops", "facility_mw", "capex_usd", "co2_t_per_year"]
pd.Series({k: outcome.summary[k] for k in HEADLINE}, name=scenario.name)""",
    ),
    ("md", "## Where, and how many GPUs"),
    (
        "code",
        """gpu_columns = [c for c in outcome.sites.columns if c.startswith("gpus_") and outcome.sites[c].any()]
outcome.sites[["state", "county_name", *gpu_columns, "gpus", "compute_pflops", "facility_mw", "headroom_mw",
               "upgrade_tier", "capex_usd", "price_usd_per_mwh"]]""",
    ),
    ("code", 'static_map(outcome.sites, inputs.sites, shade="headroom_mw", title=scenario.name)'),
    ("code", 'folium_map(outcome.sites, scenario.name, candidates=inputs.sites, shade="price_usd_per_mwh")'),
    ("code", 'bar_by_state(outcome.summary, column="facility_mw")'),
    (
        "md",
        """## What if the budget were $50bn?

Only the budget changes, so the same candidates are reused; a second solve takes a few seconds.""",
    ),
    (
        "code",
        """bigger = scenario_from_dict(RAW | {"name": "south-central-50bn", "budget": {"equity_usd": 50e9}})
other = solve_scenario(bigger, load_inputs(bigger))
pd.DataFrame({s.name: {k: o.summary[k] for k in HEADLINE} for s, o in ((scenario, outcome), (bigger, other))})""",
    ),
    ("code", 'compare_map(outcome.sites, other.sites, ("$20bn", "$50bn"), candidates=inputs.sites)'),
    ("code", 'site_changes(outcome.sites, other.sites).drop(columns="geometry")'),
]

COMPARE: list[Cell] = [
    (
        "md",
        """# 03 — What does a rule cost? Base versus policies

A regional base (Mid-Atlantic and South-East, $30bn for capex plus five years of energy) against four
rules from `runs/policies/`, applied to the same region: a Northern-Virginia-style moratorium, a
carbon cap, diversification and a sales-tax race. `model.workflows.compare.solve_all` re-uses one built model
wherever only parameters differ; the table gives each rule's cost against the base and the marginal
value of the rules that bind. Marginal values come from the LP with the chosen sites fixed: when those
sites are full, more budget buys nothing without a new site, and the budget's value reads as zero.""",
    ),
    (
        "code",
        """%matplotlib inline
from model.workflows.compare import compare_table, solve_all
from model.config import scenario_from_dict
from model.plot.maps import bar_by_state, compare_map

states = ["VA", "NC", "SC", "GA", "TN", "KY", "WV", "MD"]
base = {
    "name": "base",
    "candidates": {"states": states},
    "budget": {"equity_usd": 30e9, "include_opex": True},
    # A tight gap, so that the differences between scenarios are the rules' and not the solver's.
    "solver": {"mip_gap": 0.0005, "threads": 2},
}
rules = {
    "nova-moratorium": [{"type": "moratorium", "counties": ["51107", "51153", "51059"]}],
    "carbon-cap": [{"type": "carbon_cap", "max_tco2_per_year": 1.5e6}],
    "diversify": [{"type": "max_share_per_state", "share": 0.3}, {"type": "min_sites", "count": 4}],
    "tax-race": [{"type": "tax_incentive", "states": ["VA"], "gpu_capex_discount_share": 0.0577},
                 {"type": "tax_incentive", "states": ["GA"], "gpu_capex_discount_share": 0.0738}],
}
scenarios = [scenario_from_dict(base)] + [scenario_from_dict(base | {"name": n, "policies": p}) for n, p in rules.items()]
entries = solve_all(scenarios)
table = compare_table(entries)
table[["scenario", "status", "compute_pflops", "compute_change_pflops", "cost_usd", "usd_per_pflops",
       "facility_mw", "sites_built", "co2_t_per_year"]].round(1)""",
    ),
    (
        "md",
        """## The cost of each rule

Against the base: the compute each rule gives up for the same money (negative = the rule costs
compute), and what one more unit of a binding rule would buy.""",
    ),
    (
        "code",
        """for row in table.itertuples():
    print(f"{row.scenario:16s} {row.compute_change_pflops:>+12,.0f} PFLOPS   {row.marginal_values}")""",
    ),
    (
        "code",
        """by_scenario = {row.scenario: row.compute_pflops for row in table.itertuples()}
bar_by_state(by_scenario, column="compute_pflops", title="Compute for the same money, by scenario (PFLOPS)")""",
    ),
    ("md", "## Where the campuses move: base versus the carbon cap"),
    (
        "code",
        """sites = {e.scenario.name: e.outcome.sites for e in entries}
compare_map(sites["base"], sites["carbon-cap"], names=("base", "carbon-cap"))""",
    ),
]

NOTEBOOKS: dict[str, list[Cell]] = {
    "01_inputs.ipynb": INPUTS,
    "02_solution.ipynb": SOLUTION,
    "03_policy_compare.ipynb": COMPARE,
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
