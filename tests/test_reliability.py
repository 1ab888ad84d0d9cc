"""Hostile input: every case gives one line naming the file and field, exit 2, before any solve,
and nothing written; no command prints a traceback (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point
from typer.testing import CliRunner

from model.cli import app
from model.milp.build import build_model
from model.solve.diagnose import diagnose
from tests.conftest import tiny_inputs, tiny_scenario, tiny_sites

runner = CliRunner()

BASE = """
name = "de"
[candidates]
states = ["DE"]
[budget]
equity_usd = 1e9
[solver]
threads = 1
"""


def _scenario(tmp_path: Path, extra: str = "", base: str = BASE) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(base + extra)
    return path


def _refused(result, *needles: str) -> str:
    """Exit 2, one line on stderr/stdout, no traceback; returns the message."""
    out = result.output.strip()
    assert result.exit_code == 2, out
    assert "Traceback" not in out
    assert len(out.splitlines()) == 1, out
    for needle in needles:
        assert needle in out, out
    return out


# Each: the scenario text added to BASE, and what the message must name.
SCENARIO_CASES = {
    "exclude unknown state": ('[[policies]]\ntype = "exclude"\nstates = ["XX"]\n', ["policies.0 (exclude).states", "'XX'"]),
    "state cap unknown state": ('[[policies]]\ntype = "state_mw_cap"\ncaps_mw = {ZZ = 10}\n', ["caps_mw", "'ZZ'"]),
    "residency unknown state": ('[[policies]]\ntype = "data_residency"\nstates = ["QQ"]\nmin_share = 0.5\n', ["data_residency", "'QQ'"]),
    "latency unknown demand state": (
        '[[policies]]\ntype = "latency"\nmax_ms = 10\nshare_of_compute = 0.5\ndemand_states = ["YY"]\n',
        ["demand_states", "'YY'"],
    ),
    "unknown county": ('[[policies]]\ntype = "exclude"\ncounties = ["99999"]\n', ["counties", "99999"]),
    "moratorium unknown county": ('[[policies]]\ntype = "moratorium"\ncounties = ["00000"]\n', ["counties", "00000"]),
    "nan cap": ('[[policies]]\ntype = "state_mw_cap"\ncaps_mw = {DE = nan}\n', ["caps_mw.DE", "finite"]),
    "cap keys differ in case": ('[[policies]]\ntype = "state_mw_cap"\ncaps_mw = {de = 0, DE = 5000}\n', ["caps_mw", "twice"]),
    "residency without region": ('[[policies]]\ntype = "data_residency"\nmin_share = 0.5\n', ["no region"]),
    "exclude without region": ('[[policies]]\ntype = "exclude"\n', ["no region"]),
    "campus range empty": ("[costs]\nmin_campus_mw = 500\nmax_campus_mw = 100\n", ["min_campus_mw", "max_campus_mw"]),
    "campus range empty against data": ("[costs]\nmin_campus_mw = 90000\n", ["min_campus_mw", "above"]),
    "two carbon prices": (
        '[[policies]]\ntype = "carbon_price"\nusd_per_tco2 = 50\n[[policies]]\ntype = "carbon_price"\nusd_per_tco2 = 190\n',
        ["carbon_price", "2 times"],
    ),
    "hourly-only policy in an annual scenario": ('[[policies]]\ntype = "clean_energy_share"\nshare = 0.5\n', ["clean_energy_share", "[energy]"]),
    "infinite time limit": ("", ["time_limit_s", "finite"]),
    "infinite max campus": ("[costs]\nmax_campus_mw = inf\n", ["max_campus_mw", "finite"]),
    "infinite horizon": ("[costs]\nhorizon_years = inf\n", ["horizon_years", "finite"]),
    "negative weather seed": ("[energy]\nseed = -1\n", ["energy.seed"]),
    "absurd threads": ("", ["threads"]),
    "long name": ("", ["name"]),
}


@pytest.mark.parametrize("case", sorted(SCENARIO_CASES))
def test_validate_refuses(tmp_path: Path, case: str) -> None:
    extra, needles = SCENARIO_CASES[case]
    base = BASE
    if case == "infinite time limit":
        base = BASE.replace("threads = 1", "threads = 1\ntime_limit_s = inf")
    elif case == "absurd threads":
        base = BASE.replace("threads = 1", "threads = 100000")
    elif case == "long name":
        base = BASE.replace('name = "de"', f'name = "{"n" * 300}"')
    path = _scenario(tmp_path, extra, base)
    before = sorted(p.name for p in tmp_path.iterdir())
    message = _refused(runner.invoke(app, ["validate", str(path)]), *needles)
    assert str(path) in message  # names the file
    # run refuses the same way, before any solve, and writes nothing
    _refused(runner.invoke(app, ["run", str(path)]), *needles)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize("budget", ["inf", '"1e400"', "1e400"])
def test_infinite_budget(tmp_path: Path, budget: str) -> None:
    path = _scenario(tmp_path, base=BASE.replace("equity_usd = 1e9", f"equity_usd = {budget}"))
    # tomllib reads 1e400 as inf; pydantic turns the string "1e400" into inf too: all refused as not finite.
    _refused(runner.invoke(app, ["validate", str(path)]), "budget.equity_usd", "finite")


@pytest.mark.parametrize(
    "flags, needle",
    [
        (["--time-limit", "1e400"], "time_limit_s"),
        (["--time-limit", "inf"], "time_limit_s"),
        (["--threads", "99999999999"], "threads"),
        (["--threads", "100000"], "threads"),
        (["--gap", "nan"], "mip_gap"),
    ],
)
def test_cli_flags_out_of_range(tmp_path: Path, flags: list[str], needle: str) -> None:
    path = _scenario(tmp_path)
    _refused(runner.invoke(app, ["run", str(path), *flags]), needle)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]


def test_extends_chain_and_deep_toml_are_bounded(tmp_path: Path) -> None:
    (tmp_path / "c0.toml").write_text(BASE)
    for i in range(1, 60):
        (tmp_path / f"c{i}.toml").write_text(f'extends = "c{i - 1}.toml"\n')
    _refused(runner.invoke(app, ["validate", str(tmp_path / "c59.toml")]), "extends", "deep")
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    _refused(runner.invoke(app, ["validate", str(deep)]), str(deep))


def test_infinite_headroom_in_a_candidate_file(tmp_path: Path) -> None:
    (tmp_path / "pts.csv").write_text("lon,lat,headroom_mw\n-75.5,39.2,inf\n")
    path = _scenario(tmp_path, '[candidates]\nkind = "file"\npath = "pts.csv"\n', BASE.replace('[candidates]\nstates = ["DE"]\n', ""))
    _refused(runner.invoke(app, ["validate", str(path)]), "pts.csv", "headroom_mw", "finite")


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_swapped_lonlat_in_a_vector_file(tmp_path: Path, suffix: str) -> None:
    points = gpd.GeoDataFrame({"site_id": ["a", "b"]}, geometry=[Point(-75.5, 39.2), Point(39.2, -95.0)], crs="EPSG:4326")
    points.to_file(tmp_path / f"pts{suffix}")
    path = _scenario(tmp_path, f'[candidates]\nkind = "file"\npath = "pts{suffix}"\n', BASE.replace('[candidates]\nstates = ["DE"]\n', ""))
    _refused(runner.invoke(app, ["validate", str(path)]), f"pts{suffix}", "row 2", "swapped")


@pytest.mark.parametrize(
    "param, needle",
    [
        ("state_cap_mw.XX=0,10", "'XX'"),
        ("budget_usd=1e9:2e9:1e15", "at most"),
        ("budget_usd=1e9:inf:3", "finite"),
    ],
)
def test_sweep_refuses_before_solving(tmp_path: Path, param: str, needle: str) -> None:
    path = _scenario(tmp_path)
    _refused(runner.invoke(app, ["sweep", str(path), "--param", param, "--workers", "1"]), needle)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]


def test_sweep_bad_scheduler_address(tmp_path: Path) -> None:
    path = _scenario(tmp_path)
    _refused(runner.invoke(app, ["sweep", str(path), "--param", "budget_usd=1e9,2e9", "--scheduler", "not-an-address"]), "--scheduler")


def test_min_sites_diagnosis_says_lower() -> None:
    # S3 has no land, so with a 1 MW minimum campus only S1 and S2 can be built: min_sites = 3 is
    # infeasible, more budget cannot help, and the only relaxation is to lower the count by 1.
    sc = tiny_scenario(policies=[{"type": "min_sites", "count": 3}], budget={"equity_usd": 1e9})
    inputs = tiny_inputs(sc, tiny_sites(land_available_acres=[1e6, 1e6, 0.0]), min_campus_mw=1.0)
    diagnosis = diagnose(build_model(inputs), sc.solver)
    assert diagnosis["message"] == "min_sites: lower by 1.000 sites (bound 3.000 sites)", diagnosis


# --- property: random mutations of a valid scenario never crash validate ---------------------------

_FIELDS = [
    ("budget", "equity_usd"), ("budget", "debt_usd"), ("costs", "max_campus_mw"), ("costs", "min_campus_mw"),
    ("costs", "horizon_years"), ("costs", "discount_rate"), ("solver", "threads"), ("solver", "time_limit_s"),
    ("solver", "mip_gap"), ("energy", "seed"), ("energy", "rep_days"), ("candidates", "states"), ("gpus", "types"),
    ("objective", "sense"), ("objective", "target_pflops"), ("bogus", "key"),
]
_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.text(max_size=8),
    st.lists(st.sampled_from(["DE", "XX", "de", "", "CA"]), max_size=3),
    st.booleans(),
)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if value != value else ("inf" if value == float("inf") else "-inf" if value == float("-inf") else repr(value))
    if isinstance(value, (int,)):
        return str(value)
    return json.dumps(value)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutations=st.lists(st.tuples(st.sampled_from(_FIELDS), _VALUES), min_size=1, max_size=3))
def test_random_mutations_give_ok_or_one_line_error(tmp_path: Path, mutations: list) -> None:
    tables: dict[str, dict[str, object]] = {"candidates": {"states": ["DE"]}, "budget": {"equity_usd": 1e9}, "solver": {"threads": 1}}
    for (table, key), value in mutations:
        tables.setdefault(table, {})[key] = value
    text = 'name = "m"\n' + "".join(
        f"[{t}]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in kv.items()) for t, kv in tables.items()
    )
    path = tmp_path / "m.toml"
    path.write_text(text)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    if result.exit_code == 2:
        assert len(result.output.strip().splitlines()) == 1, result.output


def test_cflp_edge_cases(tmp_path: Path) -> None:
    # All demands 0: trivially optimal at 0 with nothing open (not "HiGHS reported an error").
    (tmp_path / "s.csv").write_text("site,capacity,fixed_cost\na,10,5\n")
    (tmp_path / "d.csv").write_text("customer,demand\nc1,0\n")
    (tmp_path / "c.csv").write_text("site,customer,cost_per_unit\na,c1,1\n")
    args = ["cflp", "--sites", str(tmp_path / "s.csv"), "--demand", str(tmp_path / "d.csv"), "--costs", str(tmp_path / "c.csv")]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    payload = json.loads((tmp_path / "r.json").read_text())
    assert payload["status"] == "optimal" and payload["objective"] == 0.0 and payload["open_sites"] == []
    # Header-only tables: one line naming the file, exit 2, nothing written.
    (tmp_path / "d.csv").write_text("customer,demand\n")
    _refused(runner.invoke(app, [*args, "--out", str(tmp_path / "r2.json")]), "d.csv", "no rows")
    assert not (tmp_path / "r2.json").exists()
    # Output onto a directory, or over a file siting did not write: refused before solving.
    _refused(runner.invoke(app, [*args, "--out", str(tmp_path)]), "is a directory")
    (tmp_path / "mine.json").write_text("{}")
    (tmp_path / "d.csv").write_text("customer,demand\nc1,1\n")
    _refused(runner.invoke(app, [*args, "--out", str(tmp_path / "mine.json")]), "not written by siting")
