"""report.html: one self-contained page per run and per compare, built from the tiny instance.

The pages are jinja2 templates filled from a context dict (model/results/report.py); the tests assert the
contexts (figures, rows) and check the rendered pages only for what only a page can show: that nothing is
fetched from the network and that text is escaped."""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from model.plot.maps import compare_folium_grid, folium_map, self_contained_html
from model.results.figures import Figures
from model.results.html import fmt_pflops, fmt_usd, render
from model.results.report import (
    compare_context,
    compare_report_html,
    finance_context,
    run_context,
    run_report_html,
    timeline_context,
    write_run_report,
)
from model.workflows.compare import CompareEntry, compare_table, solve_all
from model.workflows.engine import run_scenario
from tests.conftest import tiny_inputs, tiny_scenario
from tests.test_zonal_outputs import S3_ALONE_10_MW, three_zone_inputs

# Remote references: an http(s) URL in any src/href attribute of the report itself; inside the embedded
# map page (Leaflet's attribution is a clickable <a href="https://leafletjs.com">, not a fetch) in the
# attributes that fetch: <script|img|iframe|source|embed src>, <link href>, CSS url() and @import.
_URL = r"""\s*=\s*["']?\s*https?://"""
_REMOTE_ATTR = re.compile(r"\b(?:src|href)" + _URL, re.IGNORECASE)
_REMOTE_FETCH = re.compile(
    r"<(?:script|img|iframe|source|embed|video|audio)\b[^>]*\bsrc" + _URL + r"|<link\b[^>]*\bhref" + _URL
    + r"""|url\(\s*["']?\s*https?://|@import\s+(?:url\()?\s*["']?https?://""",
    re.IGNORECASE,
)
_SRCDOC = re.compile(r'srcdoc="([^"]*)"')
_BUDGET_SENTENCE = "+$1bn of budget buys 8,000.0 PFLOPS"  # tests/test_compare.py derives it by hand


@pytest.fixture(scope="module")
def entries() -> list[CompareEntry]:
    base = tiny_scenario(name="base")
    more = tiny_scenario(name="more", budget={"equity_usd": 80e6})
    return solve_all([base, more], inputs_for=tiny_inputs)


def _ranking(entry: CompareEntry) -> pd.DataFrame:
    """The run's ranking (model/rank.py via the pipeline) or, where the outcome has none, a stand-in
    with its columns: S2 ("Two") is the optimum of the tiny instance."""
    ranking = getattr(entry.outcome, "ranking", None)
    if ranking is not None:
        return ranking
    return pd.DataFrame(
        {
            "rank": [1, 2, 3],
            "county_name": ["Two", "One", "Three"],
            "state": ["XB", "XA", "XC"],
            "built": [True, False, False],
            "usd_per_pflops": [107_142.9, 110_000.0, 150_000.0],
            "facility_mw": [6.0, 0.0, 0.0],
            "binding_limit": ["headroom", "headroom", "no headroom"],
            "gap_share": [None, 0.027, 0.4],
        }
    )


def _remote_links(page: str) -> list[str]:
    """Remote references in the page and in every embedded (escaped) iframe document."""
    found = [m.group(0) for m in _REMOTE_ATTR.finditer(page)] + [m.group(0) for m in _REMOTE_FETCH.finditer(page)]
    for doc in _SRCDOC.findall(page):
        found += [m.group(0) for m in _REMOTE_FETCH.finditer(html.unescape(doc))]
    return found


def _summary(entries: list[CompareEntry], **summary_extra: Any) -> dict[str, Any]:
    e = entries[0]
    summary = {k: v for k, v in e.outcome.summary.items() if k not in summary_extra or summary_extra[k] is not None}
    return summary | {k: v for k, v in summary_extra.items() if v is not None}  # None: the key is absent


def _context(entries: list[CompareEntry], **summary_extra: Any) -> dict[str, Any]:
    e = entries[0]
    return run_context(_summary(entries, **summary_extra), e.outcome.sites, ranking=_ranking(e), marginal=e.marginal)


def _cells(table: dict[str, Any], key: str) -> list[Any]:
    return [r["cells"].get(key) for r in table["rows"] if r["cls"] != "gap"]


def test_run_report_context_has_the_numbers(entries: list[CompareEntry]) -> None:
    runner_ups = [{"county_name": "Three", "state": "XC", "rank": 3, "usd_per_pflops": 110_000.0, "gap_share": 0.027}]
    ctx = _context(entries, near_tie=True, runner_ups=runner_ups)
    # The tiny optimum (tests/conftest.py): 560 PFLOPS for the whole $60M budget, no energy cost (horizon 0).
    cards = {c["key"]: c for c in ctx["cards"]}
    assert cards["Compute"]["value"] == pytest.approx(560.0) and cards["Total cost"]["value"] == pytest.approx(60e6)
    assert ctx["figures"].usd_per_pflops == pytest.approx(60e6 / 560.0)
    assert ctx["near_tie"] == {"anchor": "runner-ups", "closest": "Three, XC", "gap_share": 0.027, "score": None,
                               "worst_score": None}
    assert _BUDGET_SENTENCE in [item["text"] for item in ctx["marginal"]["items"]]
    assert ctx["waterfall"]["png_uri"].startswith("data:image/png;base64,")
    assert base64.b64decode(ctx["waterfall"]["png_uri"].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    # Why these sites: the built one highlighted; the runner-up listed with its gap.
    ranking = ctx["ranking"]["table"]
    built = [r["cells"]["county_name"] for r in ranking["rows"] if r["cls"] == "built"]
    assert built == ["Two"]
    # The budget counts capex only: the ranking's own (counted) $/PFLOPS is shown beside the all-in one.
    assert ctx["ranking"]["counted"] == "capex"  # the tiny instance is legacy supply: no new generation
    assert {"counted_usd_per_pflops", "usd_per_pflops"} <= {c["key"] for c in ranking["columns"]}
    runner = ctx["runner_ups"]["table"]["rows"][0]["cells"]
    assert runner["county_name"] == "Three" and runner["gap_share"] == 0.027
    assert ("scenario_sha256", entries[0].outcome.summary["scenario_sha256"]) in ctx["provenance"]


def test_multi_year_near_tie_banner_in_absolute_scores(entries: list[CompareEntry]) -> None:
    # Over years a runner-up carries its score and its gap to the worst built campus; the banner states both
    # (value per $ over the horizon) instead of a share of a score that may be negative.
    runner_ups = [{"county_name": "Benton", "state": "MO", "rank": 1, "usd_per_pflops": 1.0, "gap_share": -0.786,
                   "score": -0.072, "gap_score": -0.265}]
    ctx = _context(entries, near_tie=True, runner_ups=runner_ups)
    assert ctx["near_tie"]["gap_share"] is None
    assert ctx["near_tie"]["score"] == pytest.approx(-0.072)
    assert ctx["near_tie"]["worst_score"] == pytest.approx(-0.337)
    e = entries[0]
    page = run_report_html(_summary(entries, near_tie=True, runner_ups=runner_ups), e.outcome.sites,
                           ranking=_ranking(e), marginal=e.marginal)
    assert "-0.072 as a single campus alone against the worst built campus' -0.337" in page


def test_run_report_page_is_offline(entries: list[CompareEntry]) -> None:
    e = entries[0]
    fmap = folium_map(e.outcome.sites, "tiny", candidates=e.outcome.inputs.sites)
    page = run_report_html(_summary(entries, near_tie=True), e.outcome.sites, fmap=fmap, ranking=_ranking(e), marginal=e.marginal)
    assert page.startswith("<!DOCTYPE html>")
    assert _remote_links(page) == []
    assert page.count("<iframe") == 1 and "L.map(" in html.unescape(_SRCDOC.search(page).group(1))
    assert fmt_pflops(560.0) == "560.0" and ">560.0<small>PFLOPS</small>" in page
    assert fmt_usd(60e6) == "$60.0M" and "$60.0M" in page


def test_the_map_page_round_trips_through_srcdoc(entries: list[CompareEntry]) -> None:
    # The map enters as a plain string; autoescaping the attribute is all the escaping srcdoc needs.
    e = entries[0]
    map_page = self_contained_html(folium_map(e.outcome.sites, "tiny"))
    page = render("run_report.html.j2", {"title": "t", "run": run_context(e.outcome.summary, e.outcome.sites, map_page=map_page)})
    assert html.unescape(_SRCDOC.search(page).group(1)) == map_page


def test_text_from_the_scenario_and_data_is_escaped(entries: list[CompareEntry]) -> None:
    e = entries[0]
    evil = '<script>alert("x")</script>'
    sites = e.outcome.sites.assign(county_name=evil)
    summary = e.outcome.summary | {"scenario": evil, "diagnosis": {"message": evil}}
    ctx = run_context(summary, sites)
    assert ctx["name"] == evil and ctx["diagnosis"] == evil  # the context holds the text as it is
    page = run_report_html(summary, sites, build_map=False)
    assert "<script>" not in page and page.count("&lt;script&gt;alert(") == 4  # title, heading, diagnosis, sites table


@pytest.mark.parametrize("near_tie", [False, None])
def test_near_tie_banner_only_when_flagged(entries: list[CompareEntry], near_tie: bool | None) -> None:
    ctx = _context(entries, near_tie=near_tie)
    assert ctx["near_tie"] is None
    assert ctx["runner_ups"]["near_tie"] is near_tie
    assert ctx["ranking"] is not None


def test_report_without_solution_or_marginals(tmp_path: Path, entries: list[CompareEntry]) -> None:
    summary = {k: None for k in entries[0].outcome.summary} | {
        "scenario": "tiny-infeasible",
        "status": "infeasible",
        "sites_built": 0,
        "diagnosis": {"relaxations": [], "message": "budget: raise by $0.010bn (from $0.060bn)"},
    }
    ctx = run_context(summary, None)
    assert ctx["diagnosis"] == "budget: raise by $0.010bn (from $0.060bn)"
    assert ctx["sites"] is None and ctx["map"]["page"] is None and ctx["waterfall"] is None
    assert ctx["marginal"] is None and ctx["ranking"] is None  # marginal=None: not computed; ranking=None
    assert ctx["status_class"] == "bad"
    page = write_run_report(tmp_path / "report.html", summary, None).read_text("utf-8")
    assert "budget: raise by $0.010bn (from $0.060bn)" in page and "<iframe" not in page
    assert _remote_links(page) == []
    # An empty list means the duals were computed and nothing binds.
    assert run_context(entries[0].outcome.summary, entries[0].outcome.sites, marginal=[])["marginal"] == {"items": [], "slack": 0}


def test_compare_context(entries: list[CompareEntry]) -> None:
    table = compare_table(entries)
    summaries = [e.outcome.summary for e in entries]
    ctx = compare_context(summaries, table, marginal_by_scenario={e.scenario.name: e.marginal for e in entries},
                          sites_by_scenario={e.scenario.name: e.outcome.sites for e in entries})
    rows = {r["cells"]["scenario"]: r["cells"] for r in ctx["headline"]["rows"]}
    # $80M buys 740 PFLOPS, 180 more than the base (tests/test_compare.py).
    assert rows["more"]["compute_pflops"] == pytest.approx(740.0)
    assert rows["more"]["compute_change_pflops"] == pytest.approx(180.0)
    assert rows["more"]["cost_change_usd"] == pytest.approx(20e6)
    assert rows["base"]["compute_change_pflops"] is None
    assert _BUDGET_SENTENCE in rows["base"]["marginal_values"]
    # One definition of $ per PFLOPS: compare.csv's equals each scenario's figure.
    for record, run in zip(table.to_dict("records"), ctx["runs"]):
        assert rows[record["scenario"]]["usd_per_pflops"] == pytest.approx(record["usd_per_pflops"])
        assert run["figures"].usd_per_pflops == pytest.approx(record["usd_per_pflops"])
    assert [r["anchor"] for r in ctx["runs"]] == ["sc-base", "sc-more"]
    assert all(r["waterfall"] is not None for r in ctx["runs"])


def test_compare_page_is_offline(entries: list[CompareEntry]) -> None:
    base = entries[0]
    fmap = compare_folium_grid(base.outcome.sites, {"more": entries[1].outcome.sites}, "base", base.outcome.inputs.sites)
    page = compare_report_html([e.outcome.summary for e in entries], compare_table(entries), fmap=fmap,
                               sites_by_scenario={e.scenario.name: e.outcome.sites for e in entries})
    assert _remote_links(page) == []
    assert 'id="sc-base"' in page and 'id="sc-more"' in page
    assert page.count('<img class="waterfall"') == 2 and page.count("<iframe") == 1


def test_remote_link_check_catches_fetches() -> None:
    # The offline assertions above are only as good as this check.
    inner = '<html><head><script src="https://cdn.example/leaflet.js"></script></head></html>'
    assert _remote_links(f'<iframe srcdoc="{html.escape(inner)}"></iframe>') != []
    assert _remote_links('<link rel="stylesheet" href="http://cdn.example/a.css">') != []
    assert _remote_links("<style>@font-face { src: url(https://fonts.example/x.woff2) }</style>") != []
    assert _remote_links('<a href="#runner-ups">runner-ups</a><img src="data:image/png;base64,AAAA">') == []


# ------------------------------------------------------------------------------------------------ one set of figures


@pytest.fixture(scope="module")
def zonal_run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """S3 alone, 10 MW of IT at least cost (tests/test_zonal_outputs.py), grid energy at $20/MWh.

    By hand: 10 blocks of A ($100M, 1,000 PFLOPS) + $5M site + $2M connection = $107M capex; S3's zone has no
    spare, so its 10 firm MW come from 20 MW of gas CT at $1M per MW: $20M of new generation; gas at 10
    MMBtu/MWh x $3 = $30/MWh is dearer than the grid, so the campus buys 10 MW x 8,760 h x $20 = $1.752M of
    energy in its one-year horizon. Total $128.752M; $128,752 per PFLOPS all-in."""
    inputs = three_zone_inputs(price_usd_per_mwh=20.0, **S3_ALONE_10_MW)
    out_dir = tmp_path_factory.mktemp("zonal") / "run"
    outcome = run_scenario(inputs.scenario, out_dir, inputs=inputs)
    return outcome, json.loads((out_dir / "summary.json").read_text()), (out_dir / "report.html").read_text("utf-8")


def test_every_headline_figure_is_summary_json(zonal_run: Any) -> None:
    outcome, summary, page = zonal_run
    ctx = run_context(outcome.summary, outcome.sites, ranking=outcome.ranking, marginal=outcome.marginal)
    f: Figures = ctx["figures"]
    # The hand-derived figures (see the fixture) are summary.json's.
    hand = {"capex_usd": 107e6, "new_generation_cost_pv_usd": 20e6, "energy_opex_pv_usd": 1.752e6,
            "total_cost_usd": 128.752e6, "compute_pflops": 1000.0, "facility_mw": 10.0}
    for key, value in hand.items():
        assert summary[key] == pytest.approx(value, rel=1e-9), key
    # Every figure of the context is summary.json's value: the one definition each.
    for key in ("compute_pflops", "gpus", "capex_usd", "new_generation_cost_pv_usd", "energy_opex_pv_usd",
                "new_generation_energy_cost_pv_usd", "total_cost_usd", "it_mw", "facility_mw", "sites_built", "candidates",
                "co2_t_per_year", "mip_gap"):
        assert getattr(f, key) == summary[key], key
    assert f.capex_usd_by_part == {"gpu": 100e6, "site": 5e6, "interconnect": 2e6}
    assert f.usd_per_pflops == summary["total_cost_usd"] / summary["compute_pflops"] == pytest.approx(128_752.0)
    cards = {c["key"]: c["value"] for c in ctx["cards"]}
    assert cards == {"Compute": summary["compute_pflops"], "GPUs": summary["gpus"], "Total cost": summary["total_cost_usd"],
                     "Facility power": summary["facility_mw"], "Sites built": summary["sites_built"],
                     "CO₂": summary["co2_t_per_year"], "MIP gap": summary["mip_gap"], "Solve time": summary["seconds"]["solve"]}
    # The waterfall's capex bar is the card's capex (it was capex + new generation), its total the total cost.
    steps = {s["key"]: s["usd"] for s in ctx["waterfall"]["steps"]}
    assert steps == {"gpu": 100e6, "site": 5e6, "interconnect": 2e6, "capex": summary["capex_usd"],
                     "new_generation": 20e6, "energy_opex_pv": 1.752e6, "total": summary["total_cost_usd"]}
    # The sites table's total row is the same figures; its rows add up to them.
    sites = ctx["sites"]
    assert sites["foot"]["capex_usd"] == summary["capex_usd"] == pytest.approx(sum(_cells(sites, "capex_usd")))
    assert sites["foot"]["energy_opex_pv_usd"] == summary["energy_opex_pv_usd"]
    assert sites["foot"]["usd_per_pflops"] == f.usd_per_pflops
    # A site's $/PFLOPS is its capex + energy PV per PFLOPS (new generation is the zone's): $108,752.
    assert _cells(sites, "usd_per_pflops") == [pytest.approx(108_752.0)]
    # The ranking prices the same campus all-in; min cost weighs the total cost, so there is one $/PFLOPS column.
    built = next(r["cells"] for r in ctx["ranking"]["table"]["rows"] if r["cls"] == "built")
    assert built["usd_per_pflops"] == pytest.approx(f.usd_per_pflops)
    assert ctx["ranking"]["counted"] is None
    assert [c["header"] for c in ctx["ranking"]["table"]["columns"] if "PFLOPS" in c["header"]] == ["$/PFLOPS", "Gap $/PFLOPS"]
    # The page the run wrote prints these figures and no other capex.
    assert f"{fmt_usd(f.capex_usd)} · energy PV {fmt_usd(f.energy_opex_pv_usd)}" in page
    assert "Capex $107.0M" in page and "Capex $127.0M" not in page
    assert "$128,752 per PFLOPS all-in" in page


def test_budget_counts_what_the_model_counts() -> None:
    # A capex-only budget counts new generation's cost too (the model's total capex), and says so.
    summary = {"supply_model": "zonal", "capex_usd": 97.56e9, "new_generation_cost_pv_usd": 0.34e9, "total_cost_usd": 100.05e9,
               "energy_opex_pv_usd": 2.2e9, "budget_usd": 100e9, "budget_includes_opex": False}
    f = Figures.from_summary(summary)
    assert f.budget_spend_usd == pytest.approx(97.90e9) and f.budget_counts == "capex + new generation"
    assert f.budget_used_share == pytest.approx(0.979)
    with_opex = Figures.from_summary(summary | {"budget_includes_opex": True})
    assert with_opex.budget_spend_usd == 100.05e9
    # A multi-year run's budget caps equity + debt drawn; its capex counts every GPU refresh over the horizon,
    # partly paid from revenue (the national 2026-2035 run: $106.2bn of capex, $30bn + $70bn drawn).
    multi = Figures.from_summary(summary | {"kind": "multi_year", "capex_usd": 106.2e9,
                                            "investor": {"equity_drawn_usd": 30e9, "debt_drawn_usd": 70e9}})
    assert multi.budget_spend_usd == 100e9 and multi.budget_counts == "equity + debt drawn"
    assert multi.budget_used_share == pytest.approx(1.0)


def test_capex_parts_add_up_to_capex() -> None:
    # The rest of capex after the five siting parts is the on-site energy assets; a part the summary names
    # (a multi-year run's, say) is its own step and leaves no rest; a rounding-size rest is not a part.
    parts = {"gpu": 60e6, "shell": 20e6, "land": 1e6, "site": 5e6, "interconnect": 2e6}
    f = Figures.from_summary({"capex_usd": 100e6, "capex_usd_by_part": parts})
    assert f.capex_usd_by_part == parts | {"energy_assets": 12e6}
    named = Figures.from_summary({"capex_usd": 100e6, "capex_usd_by_part": parts | {"bridge": 12e6}})
    assert named.capex_usd_by_part == parts | {"bridge": 12e6}
    rounding = Figures.from_summary({"capex_usd": 88e6 + 3.0, "capex_usd_by_part": parts})
    assert rounding.capex_usd_by_part == parts
    for figures in (f, named, rounding):
        assert sum(figures.capex_usd_by_part.values()) == pytest.approx(figures.capex_usd, abs=10.0)


# ------------------------------------------------------------------------------------------------ timeline, finance


def test_timeline_and_finance_blocks_render_when_present(entries: list[CompareEntry]) -> None:
    e = entries[0]
    assert run_context(e.outcome.summary, e.outcome.sites)["timeline"] is None
    assert run_context(e.outcome.summary, e.outcome.sites)["finance"] is None
    rows = [{"year": 2026, "it_mw_online": 0.0, "capex_usd": 50e6, "revenue_usd": 0.0, "cash_flow_usd": -50e6, "npv_usd": -50e6},
            {"year": 2027, "it_mw_online": 6.0, "capex_usd": 10e6, "revenue_usd": 40e6, "cash_flow_usd": 30e6, "npv_usd": -22.2e6}]
    timeline = timeline_context(pd.DataFrame(rows))
    assert [c["key"] for c in timeline["table"]["columns"]] == ["year", "it_mw_online", "capex_usd", "revenue_usd", "cash_flow_usd",
                                                                 "npv_usd"]
    assert [r["cells"]["year"] for r in timeline["table"]["rows"]] == ["2026", "2027"]
    assert _cells(timeline["table"], "npv_usd") == [-50e6, -22.2e6]
    finance = {"npv_usd": 21.2e9, "npv_excl_horizon_value_usd": -1.8e9, "horizon_value_usd": 23e9, "irr": 0.26, "dscr_min": 1.4}
    png = b"\x89PNG\r\n\x1a\n"
    f = finance_context(finance, png)
    assert {c["key"]: c["value"] for c in f["cards"]} == {"NPV": 21.2e9, "NPV without horizon value": -1.8e9,
                                                          "Horizon value": 23e9, "IRR": 0.26, "DSCR min": 1.4}
    page = run_report_html(e.outcome.summary | finance, e.outcome.sites, build_map=False, timeline=rows, tornado_png=png)
    assert 'id="timeline"' in page and 'id="finance"' in page and 'class="tornado"' in page
    assert "$21.20bn" in page and "-$1.80bn" in page and "26.0 %" in page
    plain = run_report_html(e.outcome.summary, e.outcome.sites, build_map=False)
    assert 'id="timeline"' not in plain and 'id="finance"' not in plain


def test_every_run_directory_has_a_self_contained_report(tmp_path: Path) -> None:
    # Through the engine: `siting run` writes report.html with the sites, the map and no remote asset.
    from typer.testing import CliRunner

    from model.cli import app

    scenario = tmp_path / "de.toml"
    scenario.write_text('name = "de"\n[candidates]\nstates = ["DE"]\n[budget]\nequity_usd = 2e9\n[solver]\nthreads = 1\n')
    result = CliRunner().invoke(app, ["run", str(scenario)])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "de" / "report.html").read_text(encoding="utf-8")
    sites = pd.read_csv(tmp_path / "de" / "sites.csv")
    for name in sites["county_name"]:
        assert name in page
    assert "srcdoc=" in page and "Why these sites" in page
    assert _remote_links(page) == []
    # The printout states the report's figures: all-in $ per PFLOPS and what the budget counts.
    summary = json.loads((tmp_path / "de" / "summary.json").read_text())
    f = Figures.from_summary(summary)
    assert f"{summary['total_cost_usd'] / summary['compute_pflops']:,.0f} all-in" in result.output
    assert f"${f.usd_per_pflops:,.0f} per PFLOPS all-in" in page
    spent = summary["capex_usd"] + summary["new_generation_cost_pv_usd"]  # the default zonal supply, capex-only budget
    assert f"capex + new generation ${spent / 1e9:,.2f}bn of $2.00bn" in result.output


def test_near_tie_scores_one_definition_for_cli_and_report() -> None:
    # us-default's near tie (report.html's banner): Benton MO -0.072 against the worst built campus' -0.337.
    from model.results.figures import near_tie_scores

    assert near_tie_scores({"score": -0.072, "gap_score": -0.265}) == pytest.approx((-0.072, -0.337))
    assert near_tie_scores({"gap_share": 0.01}) is None  # a one-period runner-up carries no scores
    assert near_tie_scores({"score": float("nan"), "gap_score": 0.1}) is None
