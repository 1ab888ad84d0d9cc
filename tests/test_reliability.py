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
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]  # no sweep folder left behind


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


# --- messages are safe to print (issue 26) ------------------------------------------------------------


def test_control_characters_in_a_key_are_escaped(tmp_path: Path) -> None:
    # An unknown key holding escape sequences (clear screen, set the window title, a newline) is
    # echoed escaped, on one line: the terminal never receives a control character.
    path = _scenario(tmp_path, '[costs]\n"\\u001b[2J\\u001b]0;owned\\u0007\\nsecond line" = 1\n')
    message = _refused(runner.invoke(app, ["validate", str(path)]), "unknown key")
    assert not any(ord(c) < 32 or ord(c) == 127 for c in message), repr(message)
    assert "costs.\\x1b[2J\\x1b]0;owned\\x07\\x0asecond line: unknown key" in message


def test_a_huge_key_is_cut(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(BASE + f'[costs]\n{"k" * 2_000_000} = 1\n')
    message = _refused(runner.invoke(app, ["validate", str(path)]), str(path))
    assert len(message) <= 700 and message.endswith("…"), len(message)


def test_one_line_helpers() -> None:
    from model.core.errors import MAX_VALUE_CHARS, InputDataError, one_line, shown

    assert one_line("a\x1b[31mb\r\nc\u202ed") == "a\\x1b[31mb\\x0d\\x0ac\\u202ed"
    assert shown("x" * 500) == "'" + "x" * (MAX_VALUE_CHARS - 2) + "…"
    assert len(shown("x" * 500)) == MAX_VALUE_CHARS
    assert shown(1.5) == "1.5" and shown("ok") == "'ok'"
    err = InputDataError("f.csv: bad value '\x1b]0;t\x07'\nsecond")
    assert "\n" not in str(err) and "\x1b" not in str(err)
    assert str(InputDataError(str(err))) == str(err)  # escaping twice changes nothing


# --- candidate files (issue 26) ---------------------------------------------------------------------

FILE_BASE = BASE.replace('[candidates]\nstates = ["DE"]\n', "")


def _file_scenario(tmp_path: Path, name: str) -> Path:
    return _scenario(tmp_path, f'[candidates]\nkind = "file"\npath = "{name}"\n', FILE_BASE)


def _nothing_written(tmp_path: Path, *inputs: str) -> None:
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["s.toml", *inputs])


def test_empty_candidate_files_are_refused_by_name(tmp_path: Path) -> None:
    cases = {
        "empty.geojson": '{"type": "FeatureCollection", "features": []}',
        "zero.geojson": "",
        "empty.csv": "",
        "header.csv": "lon,lat\n",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
    for name in cases:
        path = _file_scenario(tmp_path, name)
        message = _refused(runner.invoke(app, ["run", str(path)]), name)
        assert any(w in message for w in ("empty", "no features", "no rows")), message
    _nothing_written(tmp_path, *cases)


def test_degrees_in_a_projected_crs_are_refused(tmp_path: Path) -> None:
    # One feature in degrees in a file declaring EPSG:5070 (metres): it used to be dropped silently.
    albers = gpd.GeoSeries([Point(-75.5, 39.2)], crs="EPSG:4326").to_crs("EPSG:5070").iloc[0]
    points = gpd.GeoDataFrame({"site_id": ["good", "degrees"]}, geometry=[albers, Point(-75.5, 39.2)], crs="EPSG:5070")
    points.to_file(tmp_path / "pts.geojson")
    path = _file_scenario(tmp_path, "pts.geojson")
    _refused(runner.invoke(app, ["validate", str(path)]), "pts.geojson", "row 2", "'degrees'", "area of use of EPSG:5070",
             "degrees in a file that declares a projected CRS")
    _refused(runner.invoke(app, ["run", str(path)]), "pts.geojson")
    _nothing_written(tmp_path, "pts.geojson")


def test_swapped_row_in_a_csv_is_reported(tmp_path: Path) -> None:
    # lat -75.5 is a valid latitude (Antarctica): the row used to vanish without a word.
    (tmp_path / "pts.csv").write_text("site_id,lon,lat\na,-75.5,39.2\nb,39.2,-75.5\n")
    path = _file_scenario(tmp_path, "pts.csv")
    _refused(runner.invoke(app, ["validate", str(path)]), "pts.csv", "1 of 2 rows", "row 2 (site_id 'b')", "swapped",
             "drop_invalid_rows = true")


def test_every_bad_row_is_counted_and_the_first_named(tmp_path: Path) -> None:
    rows = ["site_id,lon,lat,headroom_mw", "a,-75.5,39.2,100"] + [f"bad{i},-75.5,39.2,-{i + 1}" for i in range(40)]
    (tmp_path / "pts.csv").write_text("\n".join(rows) + "\n")
    path = _file_scenario(tmp_path, "pts.csv")
    _refused(runner.invoke(app, ["validate", str(path)]), "40 of 41 rows cannot be used", "row 2 (site_id 'bad0'): headroom_mw is negative (-1)",
             "row 4 (site_id 'bad2')", "and 37 more")


def test_candidate_file_above_the_row_limit_is_refused_up_front(tmp_path: Path) -> None:
    from model.inputs.candidates import MAX_CANDIDATE_ROWS

    with (tmp_path / "big.csv").open("w") as fh:
        fh.write("lon,lat\n")
        fh.write("-75.5,39.2\n" * (MAX_CANDIDATE_ROWS + 1))
    path = _file_scenario(tmp_path, "big.csv")
    _refused(runner.invoke(app, ["validate", str(path)]), "big.csv", f"{MAX_CANDIDATE_ROWS + 1:,} rows", f"({MAX_CANDIDATE_ROWS:,})")


def test_candidate_file_above_the_size_limit_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import model.inputs.candidates as cand

    monkeypatch.setattr(cand, "MAX_CANDIDATE_FILE_BYTES", 1000)
    (tmp_path / "pts.csv").write_text("lon,lat\n" + "-75.5,39.2\n" * 200)
    path = _file_scenario(tmp_path, "pts.csv")
    _refused(runner.invoke(app, ["validate", str(path)]), "pts.csv", "MB is more than a candidate file may be")
