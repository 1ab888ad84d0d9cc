"""``model.load_run``: a finished run folder read back, and ``statistics()`` reconciled with summary.json and
the sites table (the tiny instances of conftest and test_supply, whose optima are derived by hand there)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

import model
from model.core.errors import SitingError
from model.results.load_run import FIGURES, RunFolderError, RunResult, figure_definitions, load_run
from model.workflows.engine import run_scenario
from tests.conftest import tiny_inputs, tiny_scenario


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny legacy instance solved and written: S2 (XB) with 4 blocks of A and 1 of B, 560 PFLOPS, $60M."""
    sc = tiny_scenario()
    out = tmp_path_factory.mktemp("runs") / "tiny"
    run_scenario(sc, out, inputs=tiny_inputs(sc))
    return out


@pytest.fixture(scope="module")
def zonal_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """test_supply's first instance: 10 MW of campus in a zone without spare buys 20 MW of gas CT ($127M)."""
    from tests.test_supply import tiny_supply, zonal_inputs

    inputs = zonal_inputs(tiny_supply())
    out = tmp_path_factory.mktemp("runs") / "zonal"
    run_scenario(inputs.scenario, out, inputs=inputs)
    return out


def test_load_run_is_exported_and_reads_every_table(tiny_run: Path) -> None:
    run = model.load_run(tiny_run)
    assert isinstance(run, RunResult) and run.path == tiny_run and run.kind == "run" and run.status == "optimal"
    assert isinstance(run.sites, gpd.GeoDataFrame) and run.sites.crs.to_epsg() == 4326
    assert list(run.sites.index) == ["S2"] and run.sites.index.name == "site_id"
    assert run.sites.loc["S2", "county_fips"] == "00002"  # FIPS stay text
    assert run.summary == json.loads((tiny_run / "summary.json").read_text())
    assert run.rank is not None and set(run.rank.index) == {"S1", "S2", "S3"}
    assert run.dispatch is None and run.generation is None and run.imports is None and run.timeline is None
    assert "summary.json" in run.files
    with pytest.raises(AttributeError):  # frozen
        run.summary = {}  # type: ignore[misc]


def test_statistics_equal_summary_and_sites_sums(tiny_run: Path) -> None:
    run = load_run(tiny_run)
    stats = run.statistics()
    value = stats["value"]
    s, sites = run.summary, run.sites
    assert list(stats.columns) == ["value", "unit"] and stats.index.name == "figure"
    # The hand-derived optimum (tests/test_tiny_optimum.py): 560 PFLOPS for the $60M budget at S2.
    assert value["compute_pflops"] == pytest.approx(560.0) == s["compute_pflops"]
    assert value["sites_built"] == 1 == s["sites_built"]
    for figure in ("gpus", "capex_usd", "energy_opex_pv_usd", "it_mw", "facility_mw", "water_m3_per_year",
                   "energy_mwh_per_year", "total_cost_usd", "co2_t_per_year", "budget_usd", "mip_gap", "candidates"):
        assert value[figure] == pytest.approx(s[figure]), figure
    for part, usd in s["capex_usd_by_part"].items():
        assert value[f"capex_{part}_usd"] == pytest.approx(usd), part
    for gpu, n in s["gpus_by_type"].items():
        assert value[f"gpus_{gpu}"] == n
    for column in ("energy_cost_usd_per_year", "land_acres", "capex_energy_usd"):
        assert value[column] == pytest.approx(sites[column].sum())
    assert value["co2_sites_t_per_year"] == pytest.approx(sites["co2_t_per_year"].sum())
    assert value["usd_per_pflops"] == pytest.approx(60e6 / 560.0)  # total cost / compute, as compare.csv
    assert value["capex_usd_per_pflops"] == pytest.approx(60e6 / 560.0)
    assert stats.loc["compute_pflops", "unit"] == "PFLOPS" and stats.loc["objective", "unit"] == "PFLOPS"
    assert stats.loc["capex_usd", "unit"] == "USD" and stats.loc["onsite_mw.gas", "unit"] == "MW"
    # Every figure of the registry that the table holds has its one definition.
    defs = figure_definitions()
    assert set(stats.index) & set(FIGURES) <= set(defs.index) and defs["definition"].str.len().min() > 10


def test_statistics_by_state_and_site_sum_to_the_totals(tiny_run: Path) -> None:
    run = load_run(tiny_run)
    by_state = run.statistics(groupby="state")
    assert by_state.index.names == ["figure", "state"]
    facility = by_state.xs("facility_mw", level="figure")["value"]
    assert facility.to_dict() == pytest.approx(run.summary["facility_mw_by_state"])
    by_site = run.statistics(groupby=["state", "site_id"])
    assert by_site.loc[("compute_pflops", "XB", "S2"), "value"] == pytest.approx(560.0)
    assert "total_cost_usd" not in by_state.index.get_level_values("figure")  # a run figure, not per site
    with pytest.raises(SitingError, match=r"groupby 'county' is not a column of .*sites\.gpkg"):
        run.statistics(groupby="county")


def test_zonal_statistics_add_new_generation_and_imports(zonal_run: Path) -> None:
    run = load_run(zonal_run)
    assert run.generation is not None and run.imports is not None
    value = run.statistics()["value"]
    # 10 MW campus, 20 MW of gas CT at $1M/MW, $127M in all (tests/test_supply.py).
    assert value["facility_mw"] == pytest.approx(10.0)
    assert value["new_generation_mw"] == pytest.approx(20.0)
    assert value["new_generation_firm_mw"] == pytest.approx(10.0)
    assert value["new_generation_capex_usd"] == pytest.approx(20e6) == run.summary["new_generation_capex_usd"]
    assert value["total_cost_usd"] == pytest.approx(127e6)
    assert value["usd_per_pflops"] == pytest.approx(127e6 / 1000.0)  # 10 blocks of A x 100 PFLOPS
    assert value["zone_imports_mw"] == 0.0
    by_zone = run.statistics(groupby="zone")
    assert by_zone.loc[("new_generation_mw", "Z1"), "value"] == pytest.approx(20.0)
    assert by_zone.loc[("facility_mw", "Z1"), "value"] == pytest.approx(run.summary["facility_mw_by_zone"]["Z1"])


def test_statistics_include_figures_the_summary_gains(tmp_path: Path, tiny_run: Path) -> None:
    # A copy of the run whose summary has the keys later versions add (finance, by-year series).
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_run, copy)
    summary = json.loads((copy / "summary.json").read_text())
    summary |= {"npv_usd": 2.5e9, "irr": 0.14, "dscr_min": 1.31, "horizon_value_usd": 7e8,
                "it_mw_online_by_year": {"2026": 100.0, "2027": 250.0}, "investor": {"payback_year": 2031, "note": "text"}}
    (copy / "summary.json").write_text(json.dumps(summary))
    stats = load_run(copy).statistics()
    assert stats.loc["npv_usd"].tolist() == [2.5e9, "USD"]
    assert stats.loc["irr"].tolist() == [0.14, "share"] and stats.loc["dscr_min", "value"] == 1.31
    assert stats.loc["horizon_value_usd", "value"] == 7e8 and stats.loc["investor.payback_year", "value"] == 2031
    assert "it_mw_online_by_year" not in stats.index and "investor.note" not in stats.index
    years = load_run(copy).statistics(groupby="year")
    assert years.index.names == ["figure", "year"]
    assert years.xs("it_mw_online", level="figure")["value"].to_dict() == {2026: 100.0, 2027: 250.0}


def test_multi_year_folder_statistics_by_year_match_its_summary(tmp_path: Path) -> None:
    from model.workflows.engine import run_scenario
    from tests.test_pathway import free_sites, pathway_inputs, pathway_scenario

    sc = pathway_scenario({"objective": "max_npv", "terminal_value": "book", "discount_rate": 0.08},
                          budget={"equity_usd": 200e6, "debt_usd": 0.0})
    run_scenario(sc, tmp_path / "pw", inputs=pathway_inputs(sc, free_sites([0.0], [10.0]), max_campus_mw=10.0))
    run = load_run(tmp_path / "pw")
    assert run.summary["kind"] == "multi_year" and run.timeline is not None
    stats = run.statistics()
    assert stats.loc["npv_usd", "value"] == pytest.approx(run.summary["npv_usd"])
    # A multi-year folder has the same sites.gpkg as any run: the sites at the horizon end.
    assert run.has_sites_table and stats.loc["sites_built", "value"] == run.summary["sites_built"] == 1
    assert stats.loc["capex_usd", "value"] == pytest.approx(run.summary["capex_usd"]) and run.summary["capex_usd"] > 0
    by_state = run.statistics(groupby="state")
    assert by_state.xs("facility_mw", level="figure")["value"].sum() == pytest.approx(run.summary["facility_mw"])
    years = run.statistics(groupby="year")
    online = years.xs("it_mw_online", level="figure")["value"]
    for year, mw in run.summary["it_mw_online_by_year"].items():
        assert online[int(year)] == pytest.approx(mw)
    revenue = years.xs("revenue_usd", level="figure")["value"]
    body = run.timeline.loc[run.timeline["row"] == "year"]
    assert revenue.sum() == pytest.approx(body["revenue_usd"].sum()) and revenue.sum() > 0


def test_not_a_run_folder_is_one_line_naming_the_path(tmp_path: Path, tiny_run: Path) -> None:
    plain = tmp_path / "notes"
    plain.mkdir()
    (plain / "summary.json").write_text("{}")
    for path, pattern in ((plain, "not a run folder (no .siting-output.json marker"), (tmp_path / "absent", "no such folder"),
                          (plain / "summary.json", "not a folder")):
        with pytest.raises(RunFolderError) as err:
            load_run(path)
        assert str(err.value).startswith(str(path)) and pattern in str(err.value) and "\n" not in str(err.value)
    # A compare folder holds run folders: the error names them.
    parent = tmp_path / "cmp"
    parent.mkdir()
    import shutil

    shutil.copytree(tiny_run, parent / "tiny")
    (parent / ".siting-output.json").write_text(json.dumps({"written_by": "dc-siting", "kind": "compare", "files": []}))
    with pytest.raises(RunFolderError, match=r"a 'compare' output, not a run folder; its run folders: tiny"):
        load_run(parent)
    assert isinstance(load_run(parent / "tiny").sites, pd.DataFrame)
