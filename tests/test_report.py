"""report.html: one self-contained page per run and per compare, built from the tiny instance."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from model.plot.maps import compare_folium_grid, folium_map
from model.results.report import compare_report_html, fmt_pflops, fmt_usd, run_report_html, write_run_report
from model.workflows.compare import CompareEntry, compare_table, solve_all
from tests.conftest import tiny_inputs, tiny_scenario

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
_BANNER = 'id="near-tie-banner"'
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


def _report(entries: list[CompareEntry], **summary_extra: Any) -> str:
    e = entries[0]
    summary = {k: v for k, v in e.outcome.summary.items() if k not in summary_extra or summary_extra[k] is not None}
    summary |= {k: v for k, v in summary_extra.items() if v is not None}  # None: the key is absent
    fmap = folium_map(e.outcome.sites, "tiny", candidates=e.outcome.inputs.sites)
    return run_report_html(summary, e.outcome.sites, fmap=fmap, ranking=_ranking(e), marginal=e.marginal)


def test_run_report_is_offline_and_has_the_numbers(entries: list[CompareEntry]) -> None:
    runner_ups = [{"county_name": "Three", "state": "XC", "rank": 3, "usd_per_pflops": 110_000.0, "gap_share": 0.027}]
    page = _report(entries, near_tie=True, runner_ups=runner_ups)
    assert _remote_links(page) == []
    assert page.count("<iframe") == 1 and "L.map(" in html.unescape(_SRCDOC.search(page).group(1))
    # The built county, the compute figure as the report prints it, the cost against the budget.
    assert ">Two<" in page
    assert fmt_pflops(560.0) == "560.0" and ">560.0<small>PFLOPS</small>" in page
    assert fmt_usd(60e6) == "$60.0M" and "$60.0M" in page
    assert _BANNER in page
    assert _BUDGET_SENTENCE in page
    # The waterfall is an inline PNG.
    (uri,) = re.findall(r'<img class="waterfall"[^>]*src="([^"]+)"', page)
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    # Why these sites: the built one highlighted; the runner-up listed.
    assert re.search(r'<tr class="built"><td class="n">\d+</td><td>Two</td>', page)
    assert ">Three<" in page and "+2.7 %" in page
    assert entries[0].outcome.summary["scenario_sha256"] in page


@pytest.mark.parametrize("near_tie", [False, None])
def test_near_tie_banner_only_when_flagged(entries: list[CompareEntry], near_tie: bool | None) -> None:
    page = _report(entries, near_tie=near_tie)
    assert _BANNER not in page
    assert "Why these sites" in page


def test_report_without_solution_or_marginals(tmp_path: Path, entries: list[CompareEntry]) -> None:
    summary = {k: None for k in entries[0].outcome.summary} | {
        "scenario": "tiny-infeasible",
        "status": "infeasible",
        "sites_built": 0,
        "diagnosis": {"relaxations": [], "message": "budget: raise by $0.010bn (from $0.060bn)"},
    }
    path = write_run_report(tmp_path / "report.html", summary, None)
    page = path.read_text("utf-8")
    assert "budget: raise by $0.010bn (from $0.060bn)" in page
    assert "No site is built" in page and "<iframe" not in page
    assert "not computed" in page  # marginal=None
    assert "Why these sites" not in page  # ranking=None
    assert _remote_links(page) == []
    # An empty list means the duals were computed and nothing binds.
    assert "No rule binds" in run_report_html(entries[0].outcome.summary, entries[0].outcome.sites, marginal=[], build_map=False)


def test_compare_report(entries: list[CompareEntry]) -> None:
    table = compare_table(entries)
    base = entries[0]
    fmap = compare_folium_grid(base.outcome.sites, {"more": entries[1].outcome.sites}, "base", base.outcome.inputs.sites)
    page = compare_report_html(
        [e.outcome.summary for e in entries],
        table,
        fmap=fmap,
        marginal_by_scenario={e.scenario.name: e.marginal for e in entries},
        sites_by_scenario={e.scenario.name: e.outcome.sites for e in entries},
    )
    assert _remote_links(page) == []
    assert 'id="sc-base"' in page and 'id="sc-more"' in page
    # $80M buys 740 PFLOPS, 180 more than the base (tests/test_compare.py).
    assert ">740.0<" in page and ">+180.0<" in page and ">+$20.0M<" in page
    assert _BUDGET_SENTENCE in page
    assert page.count('<img class="waterfall"') == 2
    assert page.count("<iframe") == 1


def test_remote_link_check_catches_fetches() -> None:
    # The offline assertions above are only as good as this check.
    inner = '<html><head><script src="https://cdn.example/leaflet.js"></script></head></html>'
    assert _remote_links(f'<iframe srcdoc="{html.escape(inner)}"></iframe>') != []
    assert _remote_links('<link rel="stylesheet" href="http://cdn.example/a.css">') != []
    assert _remote_links("<style>@font-face { src: url(https://fonts.example/x.woff2) }</style>") != []
    assert _remote_links('<a href="#runner-ups">runner-ups</a><img src="data:image/png;base64,AAAA">') == []


def test_every_run_directory_has_a_self_contained_report(tmp_path: Path) -> None:
    # Through the engine: `siting run` writes report.html with the sites, the map and no remote asset.
    import re

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
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']https?://""", page)
