"""State sales/use tax and data-center exemptions -> data/state_tax.csv, data/state_tax_counties.csv and
data/tax_assumptions.csv (issue 24, item 8).

Inputs (read, never copied):

* ``../shared/data/tax/state_sales_tax_2025.csv`` -- Tax Foundation, *Facts & Figures 2025*, table 18:
  state and average local sales-tax rates on 1 January 2025 (a compiled table; every row cites it).
* ``../shared/data/tax/state_datacenter_exemption_2026.csv`` -- a compiled table of state sales/use-tax
  exemptions for data-center equipment, status to about June 2026, each row with its sources.
* ``../shared/data/pnnl_county_populations_2000_to_2019.csv`` (Census estimates, ``pop_2019``) and the
  Census 2016 county land areas (``ALAND``, the plotly-geo shapefile the model uses) -- for Washington's
  county scope.

What the modelled columns mean (one row per state, 48 contiguous states + DC):

* ``equipment_exemption``: ``full`` (state and local tax), ``state_only`` (the state share; local tax
  due), ``county_scope`` (only in the counties of data/state_tax_counties.csv, WA), ``none`` or
  ``no_sales_tax`` (DE, MT, NH, OR: nothing to exempt).
* ``exempt_local``: whether the local share is exempt where the exemption applies.
* ``min_investment_usd``: the LOWEST qualifying investment anywhere in the state (the exemption file's
  convention; county tiers are in ``other_conditions`` there). Empty: no threshold.
* ``ends_year``: the first calendar year in which a NEW campus can no longer obtain the exemption (pause,
  sunset, end of new certificates or of the investment window), from the calendar year of the date in
  the source, conservatively (27 May 2026 -> 2026; "through 31 Dec 2033" -> 2034). Campuses certified
  earlier may keep it longer (see ``note``). Empty: none found.
* ``construction_exempt``: whether the exemption also covers construction materials (``yes`` only where
  the exemption file's text says so).

Conventions, applied mechanically to the exemption file's two flags (``has_equipment_exemption``,
``covers_local_tax``) and stated in each row's ``note``:

* ``yes`` + local ``yes`` -> ``full``; ``yes`` + local ``no`` or ``unknown`` -> ``state_only`` (a local
  exemption is modelled only where the source confirms it);
* ``no`` -> ``none`` (``no_sales_tax`` when the Tax Foundation combined rate is 0);
* ``unknown`` -> ``none`` (not exempt);
* ``partial`` -> decided state by state in :data:`PARTIAL` from the row's own text (discretionary deals,
  an unknown exempt share or an eligibility test an AI campus may fail -> ``none``);
* bills, pauses proposed, repeals weighed and other outcomes "not found" are not modelled (they are the
  policy risk that ``exemptions = "withdrawn"`` in model/inputs/tax.py represents).

Every hand-entered rule carries the phrase of the source row it rests on (``evidence``); the build stops
if the phrase is no longer in the row, so a changed source cannot silently keep an old rule.

Washington (RCW 82.08.986, rural counties; RCW 82.08.9861, counties over 800,000 people): the statute
text in the row's sources (SB 6231 as introduced, wa-law.org) places eligible data centers "in a rural
county as defined in RCW 82.14.370" and, for the second program, "in a county with a population over
800,000, as determined by the April 1, 2021, office of financial management population estimates". The
RCW 82.14.370 definition -- fewer than 100 persons per square mile, or smaller than 225 square miles --
is not in the row's sources; it is quoted from the Washington House bill report on HB 1835 (2024), which
also lists the 30 rural counties as of 1 April 2023. The county rule is therefore an ``estimate``: the
density rule applied to 2019 Census populations and 2016 Census land areas, checked here against that
list of 30 (the build stops if they differ). The 800,000 rule on 2019 populations gives King, Pierce and
Snohomish; the exemption file says "i.e. King Co." -- a conflict kept in the note.

Usage (from the repo root):
    python data/build/build_tax.py [--shared ../shared/data] [--out-dir data]
"""
from __future__ import annotations

import argparse
import importlib.resources
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SHARED = REPO_ROOT.parent / "shared" / "data"
DEFAULT_OUT_DIR = REPO_ROOT / "data"
RATES_FILE = "tax/state_sales_tax_2025.csv"
EXEMPTION_FILE = "tax/state_datacenter_exemption_2026.csv"
POP_FILE = "pnnl_county_populations_2000_to_2019.csv"

SQ_M_PER_SQ_MI = 2_589_988.110336  # exact: 1 mile = 1,609.344 m
RURAL_DENSITY_PER_SQ_MI = 100.0
RURAL_AREA_SQ_MI = 225.0
LARGE_COUNTY_POPULATION = 800_000

STATE_COLUMNS = [
    "state", "state_rate_pct", "avg_local_rate_pct", "combined_rate_pct", "rate_year",
    "equipment_exemption", "exempt_local", "min_investment_usd", "ends_year", "construction_exempt",
    "source_has_exemption", "source_covers_local", "statute", "rate_source", "exemption_source", "note",
]  # fmt: skip
COUNTY_COLUMNS = [
    "county_fips", "state", "county_name", "scope", "eligible", "ends_year", "population_2019",
    "land_sq_mi", "density_per_sq_mi", "source",
]  # fmt: skip
KINDS = ("full", "state_only", "county_scope", "none", "no_sales_tax")

# The 30 Washington rural counties "as of April 1, 2023" listed in the House bill report on HB 1835
# (2024), http://lawfilesext.leg.wa.gov/Biennium/2023-24/Htm/Bill%20Reports/House/1835%20HBR%20ICEV%2024.htm
WA_RURAL_2023 = frozenset(
    "Adams, Asotin, Chelan, Clallam, Columbia, Cowlitz, Douglas, Ferry, Franklin, Garfield, Grant, "
    "Grays Harbor, Island, Jefferson, Kittitas, Klickitat, Lewis, Lincoln, Mason, Okanogan, Pacific, "
    "Pend Oreille, San Juan, Skagit, Skamania, Stevens, Wahkiakum, Walla Walla, Whitman, Yakima".split(", ")
)
WA_RULE_SOURCE = (
    "estimate: RCW 82.08.986 requires a rural county as defined in RCW 82.14.370 (SB 6231 text, wa-law.org, "
    "a source of the exemption row); that definition (< 100 persons per sq mi or < 225 sq mi, OFM) is from "
    "the WA House bill report on HB 1835 (2024), not the exemption file, and is applied to Census 2019 "
    "population estimates (../shared/data/pnnl_county_populations_2000_to_2019.csv) and Census 2016 land "
    "area; it reproduces that report's list of 30 rural counties as of 1 Apr 2023. RCW 82.08.9861: county "
    "population over 800,000 (OFM 1 Apr 2021; here Census 2019). Range: OFM's yearly list can move "
    "counties near 100 per sq mi (Cowlitz 97, San Juan 101 in 2019)"
)

# Tax Foundation's average local rates are state-wide averages, not the rate at a site.
MATERIALS_SHARE = {
    "name": "construction_materials_share",
    "value": 0.45,
    "low": 0.35,
    "high": 0.60,
    "unit": "fraction of shell and site construction capex bought as taxable materials and installed equipment",
    "source": (
        "estimate (range 0.35-0.60): labour is 40-50 % of data-center construction cost (Cortex Construct, "
        "Data Center Construction Cost Guide, updated 9 Apr 2026, "
        "https://cortexconstruct.com/guides/data-center-construction-cost-guide) and soft costs (design, "
        "permitting, commissioning, insurance) 10-15 % of hard cost (Cortex Construct, Data center "
        "construction cost breakdown, https://www.cortexconstruct.com/blog/data-center-construction-cost-breakdown), "
        "neither a taxable purchase; central 1 - 0.45 labour - 0.10 soft = 0.45; low 1 - 0.50 - 0.15, "
        "high 1 - 0.40 with soft costs inside labour. Treats power and cooling equipment as taxed materials "
        "unless the state's exemption covers construction (an upper bound where it covers that equipment)"
    ),
}


@dataclass(frozen=True)
class Rule:
    """A hand decision for one state, resting on ``evidence`` (a phrase of the exemption row's text)."""

    evidence: str
    note: str
    kind: str | None = None  # None: the mechanical convention decides
    ends_year: int | None = None


# ``partial`` rows: the exemption file's text decides.
PARTIAL: dict[str, Rule] = {
    "AL": Rule("Local govt/IDA grants abatement of state+local NON-educational sales/use tax",
               "partial in source: a discretionary local abatement of the non-educational share, a share the "
               "source does not give -> modelled as not exempt (convention); 2026 SB265 (pending) would tax "
               ">= 100 MW centers from 2027", kind="none"),
    "NM": Rule("'partial' = available only via discretionary IRB deals, not by statute.",
               "partial in source: only discretionary per-project IRB deals -> not exempt (convention)", kind="none"),
    "NV": Rule("Only the ch. 374 component is abated (partial).",
               "partial in source: abates the NRS ch. 374 component only, whose share of the rate the source "
               "does not give -> not exempt (convention)", kind="none"),
    "NY": Rule("Eligibility of an AI training campus under the 'Internet website services' test is uncertain.",
               "partial in source: Internet data centers selling website services only; an AI campus's "
               "eligibility is uncertain -> not exempt (convention)", kind="none"),
    "UT": Rule("Eligibility of AI/colocation campuses uncertain (industry-code test).",
               "partial in source: NAICS 518112 web search portals only; an AI campus's eligibility is "
               "uncertain -> not exempt (convention)", kind="none"),
    "OK": Rule("state tax only",
               "partial in source: state tax only (local due); conditions (80 % out-of-state revenue, NAICS) "
               "assumed met", kind="state_only"),
    "WA": Rule("Rural county only (or King Co. program)",
               "partial in source: rural counties (RCW 82.08.986, new certificates until 1 Jul 2036, expires "
               "2048; SB 6231 text: construction must start before 1 Jul 2035) or counties over 800,000 people "
               "(RCW 82.08.9861, certificates end 1 Jul 2028, six a year); the statute exempts the tax of RCW "
               "82.08.020 (the state retail sales tax) and local coverage is unknown -> state share only; "
               "counties in data/state_tax_counties.csv (estimate); the source says 'i.e. King Co.', the "
               "800,000 rule on Census 2019 populations also gives Pierce and Snohomish", kind="county_scope"),
}

# Pauses, sunsets and ends of new certificates or of investment windows (ends_year, see the docstring).
ENDS: dict[str, Rule] = {
    "OH": Rule("PAUSED: May 27 2026", "paused 27 May 2026 (new requests) -> ends 2026", ends_year=2026),
    "AZ": Rule("new certifications through Dec 31 2033", "new certifications through 31 Dec 2033 -> ends 2034; "
               "2026 bills could move the window to 2026 (outcome not found)", ends_year=2034),
    "MI": Rule("no new certificates after Dec 31 2029", "no new certificates after 31 Dec 2029 -> ends 2030 "
               "(certified centers keep it to 2050)", ends_year=2030),
    "FL": Rule("no new temporary certificates after June 30 2037", "no new temporary certificates after "
               "30 Jun 2037 -> ends 2037; needs >= 100 MW critical IT load since Aug 2025 (not modelled)",
               ends_year=2037),
    "SC": Rule("Commerce certification before Jan 1 2032", "certification before 1 Jan 2032 -> ends 2032",
               ends_year=2032),
    "LA": Rule("between Jul 1 2024 and Jul 1 2029", "qualifying investment between 1 Jul 2024 and 1 Jul 2029 -> "
               "ends 2029 (20-year term once qualified)", ends_year=2029),
    "VA": Rule("sunset June 30 2035", "sunset 30 Jun 2035 -> ends 2035; June 2026 budget keeps it and adds a "
               "1.1 c/kWh fee (not modelled)", ends_year=2035),
    "GA": Rule("Sunset conflicts: 2031 (Kemp)", "sunset conflicts in the sources (31 Dec 2026, 2031, 2032, 2033): "
               "ends 2032 is an estimate (range 2027-2034) after the governor's 2024 veto message ('through "
               "2031'); SB410 (no new certificates) passed the Senate in 2026, outcome not found", ends_year=2032),
}

# Exemptions whose text says they also cover construction materials.
CONSTRUCTION: dict[str, str] = {
    "FL": "Covers construction materials",
    "OH": "covers equipment and construction materials",
    "MO": "M&E/computers and construction materials",
    "WI": "Covers construction materials",
    "ID": "contractor exemption certificate for construction",
}

# Ends of the Washington programs by county scope (the WA row's text).
WA_SCOPE_ENDS = {"rural": 2036, "population_over_800k": 2028}


def read_rates(shared: Path) -> pd.DataFrame:
    return pd.read_csv(shared / RATES_FILE, dtype={"state": str})


def read_exemptions(shared: Path) -> pd.DataFrame:
    return pd.read_csv(shared / EXEMPTION_FILE, dtype=str, keep_default_na=False)


def _row_text(row: pd.Series) -> str:
    return " ".join(str(row[c]) for c in ("statute_or_program", "other_conditions", "notes"))


def _check_evidence(state: str, text: str, evidence: str) -> None:
    if evidence not in text:
        raise ValueError(f"{EXEMPTION_FILE}: state {state}: the rule's evidence {evidence!r} is no longer in the row")


def state_table(rates: pd.DataFrame, exemptions: pd.DataFrame) -> pd.DataFrame:
    """One modelled row per state (module docstring)."""
    if set(rates["state"]) != set(exemptions["state"]):
        raise ValueError("the two tax files do not list the same states")
    ex = exemptions.set_index("state")
    rows = []
    for r in rates.sort_values("state").itertuples(index=False):
        e = ex.loc[r.state]
        text = _row_text(e)
        has, local = e["has_equipment_exemption"], e["covers_local_tax"]
        notes: list[str] = []
        if has == "yes":
            kind = "full" if local == "yes" else "state_only"
            if local == "yes":
                notes.append("state and local tax covered (source)")
            elif local == "unknown":
                notes.append("local coverage unknown in source -> local tax due (convention)")
            else:
                notes.append("local tax not covered (source)")
        elif has == "no":
            kind = "no_sales_tax" if float(r.combined_rate_pct) == 0.0 else "none"
            notes.append("no general sales tax" if kind == "no_sales_tax" else "no data-center exemption found (source)")
        elif has == "unknown":
            kind = "none"
            notes.append("unknown in source -> not exempt (convention)")
        elif has == "partial":
            if r.state not in PARTIAL:
                raise ValueError(f"{EXEMPTION_FILE}: state {r.state}: 'partial' with no rule in PARTIAL (decide it from the row)")
            rule = PARTIAL[r.state]
            _check_evidence(r.state, text, rule.evidence)
            assert rule.kind is not None
            kind = rule.kind
            notes.append(rule.note)
        else:
            raise ValueError(f"{EXEMPTION_FILE}: state {r.state}: has_equipment_exemption {has!r}")
        exempt_local = "yes" if kind == "full" else "no"
        ends = ENDS.get(r.state)
        if ends is not None:
            _check_evidence(r.state, text, ends.evidence)
            notes.append(ends.note)
        construction = CONSTRUCTION.get(r.state)
        if construction is not None:
            _check_evidence(r.state, text, construction)
            notes.append("covers construction materials (source)")
        min_inv = pd.to_numeric(e["min_investment_usd"], errors="coerce")
        rows.append(
            {
                "state": r.state,
                "state_rate_pct": float(r.state_rate_pct),
                "avg_local_rate_pct": float(r.avg_local_rate_pct),
                "combined_rate_pct": float(r.combined_rate_pct),
                "rate_year": int(r.year),
                "equipment_exemption": kind,
                "exempt_local": exempt_local,
                "min_investment_usd": None if pd.isna(min_inv) or kind in ("none", "no_sales_tax") else int(min_inv),
                "ends_year": ends.ends_year if ends is not None and kind not in ("none", "no_sales_tax") else None,
                "construction_exempt": "yes" if construction is not None and kind not in ("none", "no_sales_tax") else "no",
                "source_has_exemption": has,
                "source_covers_local": local,
                "statute": e["statute_or_program"],
                "rate_source": f"Tax Foundation, Facts & Figures 2025, table 18 (1 Jan {int(r.year)}), "
                f"../shared/data/{RATES_FILE}: {r.source_url}",
                "exemption_source": f"../shared/data/{EXEMPTION_FILE}: {e['source_url'] or 'no source found'}",
                "note": "; ".join(notes),
            }
        )
    out = pd.DataFrame(rows, columns=STATE_COLUMNS)
    out["min_investment_usd"] = out["min_investment_usd"].astype("Int64")
    out["ends_year"] = out["ends_year"].astype("Int64")
    bad = set(out["equipment_exemption"]) - set(KINDS)
    if bad:
        raise ValueError(f"unknown exemption kind {sorted(bad)[0]}")
    return out


def county_land_area(path: Path | None = None) -> pd.DataFrame:
    """Census 2016 counties (plotly-geo): ``county_fips``, ``county_name``, ``land_m2``."""
    if path is None:
        path = Path(str(importlib.resources.files("_plotly_geo") / "package_data" / "cb_2016_us_county_500k.shp"))
    gdf = gpd.read_file(path, columns=["GEOID", "NAME", "ALAND"], encoding="utf-8", ignore_geometry=True)
    return pd.DataFrame(
        {"county_fips": gdf["GEOID"].astype(str), "county_name": gdf["NAME"].astype(str), "land_m2": gdf["ALAND"].astype(float)}
    )


def wa_counties(population: pd.DataFrame, land: pd.DataFrame) -> pd.DataFrame:
    """Washington's counties with their scope under RCW 82.08.986 / 82.08.9861 (module docstring)."""
    wa = land.loc[land["county_fips"].str.startswith("53")].copy()
    pop = population.assign(county_fips=population["county_FIPS"].astype(int).map(lambda v: f"{v:05d}"))
    wa["population_2019"] = wa["county_fips"].map(pop.set_index("county_fips")["pop_2019"]).astype(int)
    wa["land_sq_mi"] = (wa["land_m2"] / SQ_M_PER_SQ_MI).round(1)
    wa["density_per_sq_mi"] = (wa["population_2019"] / (wa["land_m2"] / SQ_M_PER_SQ_MI)).round(1)
    rural = (wa["density_per_sq_mi"] < RURAL_DENSITY_PER_SQ_MI) | (wa["land_sq_mi"] < RURAL_AREA_SQ_MI)
    large = wa["population_2019"] > LARGE_COUNTY_POPULATION
    if set(wa.loc[rural, "county_name"]) != WA_RURAL_2023:
        raise ValueError("the rural-county rule no longer reproduces the HB 1835 bill report's list of 30")
    wa["scope"] = np.select([rural, large], ["rural", "population_over_800k"], "none")
    wa["eligible"] = wa["scope"] != "none"
    wa["ends_year"] = wa["scope"].map(WA_SCOPE_ENDS).astype("Int64")
    wa["state"] = "WA"
    wa["source"] = WA_RULE_SOURCE
    return wa.sort_values("county_fips")[COUNTY_COLUMNS].reset_index(drop=True)


def assumptions_table() -> pd.DataFrame:
    return pd.DataFrame([MATERIALS_SHARE])


def build(shared: Path, land: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The three tables, keyed by file name."""
    states = state_table(read_rates(shared), read_exemptions(shared))
    counties = wa_counties(pd.read_csv(shared / POP_FILE), county_land_area() if land is None else land)
    scoped = set(states.loc[states["equipment_exemption"] == "county_scope", "state"])
    if scoped != set(counties["state"]):
        raise ValueError(f"county-scoped states {sorted(scoped)} but county rows for {sorted(set(counties['state']))}")
    return {"state_tax.csv": states, "state_tax_counties.csv": counties, "tax_assumptions.csv": assumptions_table()}


def summarize(states: pd.DataFrame, counties: pd.DataFrame) -> str:
    lines = ["equipment_exemption: " + ", ".join(f"{k}={v}" for k, v in states["equipment_exemption"].value_counts().items())]
    for kind in KINDS:
        members = states.loc[states["equipment_exemption"] == kind, "state"]
        lines.append(f"  {kind}: {' '.join(members)}")
    lines.append("ends_year: " + ", ".join(f"{s} {int(y)}" for s, y in states.dropna(subset=["ends_year"])[["state", "ends_year"]].itertuples(index=False)))
    lines.append("construction_exempt: " + " ".join(states.loc[states["construction_exempt"] == "yes", "state"]))
    lines.append("WA counties by scope: " + ", ".join(f"{k}={v}" for k, v in counties["scope"].value_counts().items()))
    return "\n".join(lines)


def rate_table(data_dir: Path, years: tuple[int, ...] = (2026, 2030, 2036)) -> pd.DataFrame:
    """Equipment and construction rates (%) per state as model/inputs/tax.py computes them from the
    tables in ``data_dir`` (a campus clearing every threshold; WA: a rural and a non-rural county)."""
    import sys

    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from model.inputs.tax import construction_materials_tax_rate, equipment_tax_rate, load_tax_tables

    tables = load_tax_tables(data_dir)
    states = list(tables.states.index)
    ids = [s if s != "WA" else "WA rural" for s in states] + ["WA other"]
    sites = pd.DataFrame(
        {"state": states + ["WA"], "county_fips": ["53025" if s == "WA" else "" for s in states] + ["53063"]}, index=ids
    )  # Grant (rural) and Spokane (neither scope)
    yrs = list(years)
    eq = equipment_tax_rate(sites, yrs, tables=tables) * 100
    mat = construction_materials_tax_rate(sites, yrs[:1], tables=tables) * 100
    wd = equipment_tax_rate(sites, yrs[:1], "withdrawn", tables=tables) * 100
    out = eq.rename(columns=lambda y: f"equipment_{y}")
    out[f"materials_{yrs[0]}"] = mat[yrs[0]]
    out["withdrawn"] = wd[yrs[0]]
    out.insert(0, "exemption", list(tables.states["equipment_exemption"]) + ["county_scope"])
    return out.round(2).sort_index()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    args = ap.parse_args(argv)
    tables = build(args.shared)
    for name, df in tables.items():
        df.to_csv(args.out_dir / name, index=False, lineterminator="\n")
        print(f"wrote {args.out_dir / name} ({len(df)} rows)")
    print(summarize(tables["state_tax.csv"], tables["state_tax_counties.csv"]))
    print("rates in % (model/inputs/tax.py, thresholds met):")
    print(rate_table(args.out_dir).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
