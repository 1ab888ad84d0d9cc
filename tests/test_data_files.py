"""Damaged data files are named, never crashed on (issue 26): every table of ``data/`` the default
model reads and every file of ``../shared/data`` goes through one checked reader, and a failure is one
line naming the file (and the column or row), exit 2, before any solve, with nothing written."""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import model.inputs.load as load_mod
from model.cli import app
from model.config import scenario_from_dict
from model.core.errors import InputDataError
from model.core.tables import read_table
from model.inputs import datasets as ds
from model.inputs import realdata as rd
from model.inputs import routes_data
from model.inputs import supply as supply_mod
from model.inputs import tax as tax_mod
from model.inputs.load import load_inputs
from model.inputs.timeseries import ENERGY_COST_SCHEMA, ENERGY_PROFILE_SCHEMA
from tests.conftest import REPO, SHARED_DATA

runner = CliRunner()
DATA = REPO / "data"

# Every table `siting run` reads for a default (county, zonal supply) scenario, with the schema its
# loader checks: the mutations below break a column the loader needs.
TABLES: dict[str, dict[str, str]] = {
    "state_facts.csv": dict(ds.STATE_FACTS_SCHEMA),
    "gpu_catalog.csv": dict(ds.GPU_SCHEMA),
    "cost_assumptions.csv": dict(ds.COST_SCHEMA),
    "interconnection_tiers.csv": dict(ds.TIER_SCHEMA),
    "cooling.csv": dict(ds.COOLING_SCHEMA),
    "county_grid.csv": dict(ds.COUNTY_GRID_SCHEMA),
    "county_price.csv": dict(ds.COUNTY_PRICE_SCHEMA),
    "county_zone.csv": dict(ds.COUNTY_ZONE_SCHEMA),
    "zone_supply.csv": dict(ds.ZONE_SUPPLY_SCHEMA),
    "zone_transfer_mw.csv": dict(ds.ZONE_TRANSFER_SCHEMA),
    "new_generation_costs.csv": dict(ds.NEW_GENERATION_SCHEMA),
    # County candidates connect by their routes to power (data/county_routes.csv); the substation classes
    # (connection_classes.csv, county_substation.csv) serve point candidates only.
    "county_routes.csv": dict(routes_data.COUNTY_ROUTES_SCHEMA),
    "power_routes.csv": dict(routes_data.POWER_ROUTES_SCHEMA),
    "zone_supply_by_year.csv": dict(supply_mod.ZONE_YEAR_SCHEMA),
    "zone_gas_price.csv": dict(supply_mod.GAS_PRICE_SCHEMA),
    "state_tax.csv": dict(tax_mod.STATE_TAX_SCHEMA),
    "state_tax_counties.csv": dict(tax_mod.COUNTY_TAX_SCHEMA),
    "tax_assumptions.csv": dict(tax_mod.ASSUMPTION_SCHEMA),
    "county_time_to_power.csv": dict(ds.COUNTY_TIME_TO_POWER_SCHEMA),
    "time_to_power.csv": dict(ds.TIME_TO_POWER_SCHEMA),
    "energy_costs.csv": dict(ENERGY_COST_SCHEMA),
    "energy_profiles.csv": dict(ENERGY_PROFILE_SCHEMA),
}

SCENARIO = """
name = "de"
[candidates]
states = ["DE"]
[budget]
equity_usd = 1e9
[solver]
threads = 1
"""


def _lines(raw: bytes) -> list[bytes]:
    return raw.split(b"\n")


@pytest.fixture
def data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of data/ that load_inputs (and so every command) reads instead of the repository's."""
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    monkeypatch.setattr(load_mod, "DEFAULT_DATA_DIR", copy)
    return copy


def _scenario(tmp_path: Path) -> Path:
    folder = tmp_path / "scen"
    folder.mkdir(exist_ok=True)
    path = folder / "s.toml"
    path.write_text(SCENARIO)
    return path


def _refused_naming(result, file: str) -> str:
    out = result.output.strip()
    assert result.exit_code == 2, out
    assert "Traceback" not in out and "internal error" not in out, out
    assert len(out.splitlines()) == 1, out
    assert file in out, out
    return out


def test_the_tables_listed_are_the_ones_the_default_model_reads(tmp_path: Path, data_copy: Path) -> None:
    # Every table above is read by `validate` on the default scenario: removing any one is refused by name.
    # (capacity_credit, county_water and zone_supply_by_fuel are inputs of data/build scripts only.)
    path = _scenario(tmp_path)
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 0
    for name in TABLES:
        original = (data_copy / name).read_bytes()
        (data_copy / name).unlink()
        try:
            _refused_naming(runner.invoke(app, ["validate", str(path)]), name)
        finally:
            (data_copy / name).write_bytes(original)


# --- the cases, one by one ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, mutate, needle",
    [
        ("gpu_catalog.csv", lambda raw: raw[:200] + b"\xff\xfe\x00garbage" + raw[200:], "not a text table"),
        ("gpu_catalog.csv", lambda raw: raw[:200] + b"\xe9t\xe9" + raw[200:], "not UTF-8 text (byte 0xe9 on line"),
        ("zone_supply.csv", lambda raw: b"", "the file is empty"),
        ("county_price.csv", lambda raw: raw[: len(raw) // 2], "cut short"),
        ("county_grid.csv", lambda raw: b"\n".join(_lines(raw)[:1000]) + b"\n", "has 999 rows, expected 3,108 (one per contiguous-US county)"),
        ("state_facts.csv", lambda raw: b"\n".join(_lines(raw)[:20]) + b"\n", "no row for state"),
        ("energy_costs.csv", lambda raw: b"\n".join(_lines(raw)[:10]) + b"\n", "no row for cost"),
        ("zone_supply.csv", lambda raw: raw.replace(b"spare_firm_mw", b"spare_mw", 1), "missing column 'spare_firm_mw'"),
        ("county_grid.csv", lambda raw: raw.replace(b"\n01003,", b"\n01001,", 1), "duplicate fips '01001'"),
        ("cooling.csv", lambda raw: raw.replace(b"cooling,", b"cooling,cooling,", 1), "names column 'cooling' twice"),
        ("power_routes.csv", lambda raw: raw + b",".join([b"7"] * (_lines(raw)[0].count(b",") + 4)) + b"\n", "cannot read as CSV"),
    ],
)
def test_damaged_table_is_named(tmp_path: Path, data_copy: Path, name: str, mutate, needle: str) -> None:
    (data_copy / name).write_bytes(mutate((data_copy / name).read_bytes()))
    path = _scenario(tmp_path)
    message = _refused_naming(runner.invoke(app, ["run", str(path)]), str(data_copy / name))
    assert needle in message, message
    assert sorted(p.name for p in path.parent.iterdir()) == ["s.toml"]  # nothing written


def test_unknown_gpu_names_the_catalog(tmp_path: Path, data_copy: Path) -> None:
    # A catalog that lost the scenario's GPU row (cut at a line boundary) names the catalog file.
    raw = (data_copy / "gpu_catalog.csv").read_bytes()
    kept = [line for line in _lines(raw) if not line.startswith(b"B200,")]
    (data_copy / "gpu_catalog.csv").write_bytes(b"\n".join(kept))
    path = _scenario(tmp_path)
    path.write_text(SCENARIO + '[gpus]\ntypes = ["B200"]\n')
    message = _refused_naming(runner.invoke(app, ["validate", str(path)]), "gpus.types")
    assert str(data_copy / "gpu_catalog.csv") in message


def test_damaged_gpu_roadmap_is_named(tmp_path: Path) -> None:
    roadmap = tmp_path / "roadmap.csv"
    roadmap.write_bytes((DATA / "gpu_roadmap.csv").read_bytes()[:150] + b"\xff\xfe garbage\n")
    scenario = tmp_path / "p.toml"
    scenario.write_text(SCENARIO + '[gpus]\ntypes = ["B200"]\n[supply]\nmodel = "legacy"\n[pathway]\nyears = [2026, 2027]\nroadmap = "roadmap.csv"\n')
    _refused_naming(runner.invoke(app, ["validate", str(scenario)]), "roadmap.csv")


# --- property: random damage to any table the default model reads ----------------------------------

MUTATIONS = ("truncate", "garbage", "empty", "wrong_column", "nan")


def _mutate(raw: bytes, schema: dict[str, str], kind: str, draw) -> bytes:
    lines = _lines(raw)
    header = lines[0].decode()
    columns = header.split(",")
    body_start = len(lines[0]) + 1
    if kind == "empty":
        return b""
    if kind == "truncate":
        # Cut inside a row (not at a line break): what a copy interrupted mid-file leaves.
        cuts = [i for i in range(body_start + 1, len(raw) - 1) if raw[i - 1 : i] != b"\n"]
        return raw[: draw(st.sampled_from(cuts))]
    if kind == "garbage":
        # Random bytes with at least one that is never valid UTF-8 (0xff), at a random offset.
        junk = draw(st.binary(min_size=0, max_size=16)) + b"\xff"
        at = draw(st.integers(min_value=0, max_value=len(raw)))
        return raw[:at] + junk + raw[at:]
    column = draw(st.sampled_from(sorted(schema)))
    if kind == "wrong_column":
        columns[columns.index(column)] = column + "_renamed"
        return ",".join(columns).encode() + b"\n" + b"\n".join(lines[1:])
    # nan: one cell of a required column, in a random row, becomes NaN.
    cells = pd.read_csv(io.StringIO(raw.decode()), dtype=str, keep_default_na=False)
    row = draw(st.integers(min_value=1, max_value=len(cells)))
    cells.loc[row - 1, column] = "nan"
    return cells.to_csv(index=False).encode()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(TABLES)), kind=st.sampled_from(MUTATIONS), data=st.data())
def test_random_damage_to_a_data_file_is_named(tmp_path: Path, data_copy: Path, name: str, kind: str, data) -> None:
    path = _scenario(tmp_path)
    target = data_copy / name
    original = target.read_bytes()
    target.write_bytes(_mutate(original, TABLES[name], kind, data.draw))
    try:
        _refused_naming(runner.invoke(app, ["run", str(path)]), name)
        assert sorted(p.name for p in path.parent.iterdir()) == ["s.toml"]  # nothing written, no .partial
    finally:
        target.write_bytes(original)


# --- the reader itself --------------------------------------------------------------------------------


def test_reader_row_numbers_and_one_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,x\n2,\n")
    with pytest.raises(InputDataError, match=r"t\.csv: column 'b' has a missing value \(row 2\)"):
        read_table(path, {"a": "int", "b": "str"})
    path.write_text("a,b\n1,x\n1.5,y\n")
    with pytest.raises(InputDataError, match=r"column 'a' must hold whole numbers \(row 2: 1\.5\)"):
        read_table(path, {"a": "int", "b": "str"})
    # A 10,000-character cell with an escape sequence is echoed escaped and cut to 80 characters.
    path.write_text("a\n\x1b]0;owned\x07" + "9" * 10_000 + "\n")
    with pytest.raises(InputDataError) as err:
        read_table(path, {"a": "float"})
    text = str(err.value)
    assert "\x1b" not in text and "\x07" not in text and "\\x1b" in text and "\n" not in text
    assert text.endswith("…)") and len(text) < len(str(path)) + 160


def test_final_newline_is_required_only_for_data_tables(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,x")  # a user's file without a final newline is fine
    assert read_table(path, {"a": "int", "b": "str"})["b"].tolist() == ["x"]
    with pytest.raises(InputDataError, match="cut short"):
        read_table(path, {"a": "int"}, complete_last_line=True)


def test_oversized_table_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("a\n" + "1\n" * 600)
    with pytest.raises(InputDataError, match=r"big\.csv: 0 MB is more than a table may be"):
        read_table(path, {"a": "int"}, max_bytes=1000)


# --- ../shared/data: SHA256SUMS -------------------------------------------------------------------------


def _shared_copy(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "shared"
    folder.mkdir()
    shutil.copy(SHARED_DATA / "SHA256SUMS", folder / "SHA256SUMS")
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SHARED_DATA / name, folder / name)
    return folder


@pytest.mark.shared_data
def test_truncated_shared_file_is_refused(tmp_path: Path, shared_data: Path) -> None:
    # The case: GPPD cut to half its rows used to be accepted, changing a site's headroom.
    folder = _shared_copy(tmp_path, rd.GPPD_FILE)
    assert len(rd.load_power_plants(folder)) == 11_878  # the intact copy matches SHA256SUMS
    raw = (folder / rd.GPPD_FILE).read_bytes()
    lines = _lines(raw)
    (folder / rd.GPPD_FILE).write_bytes(b"\n".join(lines[: len(lines) // 2]) + b"\n")
    with pytest.raises(InputDataError) as err:
        rd.load_power_plants(folder)
    text = str(err.value)
    assert text.startswith(str(folder / rd.GPPD_FILE) + ": does not match " + str(folder / "SHA256SUMS"))
    assert "\n" not in text


@pytest.mark.shared_data
@pytest.mark.parametrize(
    "name, loader",
    [
        (rd.SUBSTATION_COSTS_FILE, rd.load_substation_classes),
        (rd.REEDS_MEMBERSHIP_FILE, rd.load_reeds_membership),
        (rd.DC_CENTROIDS_FILE, rd.load_datacenters),
        (rd.EIA_PRICE_FILE, rd.load_eia_prices),
    ],
)
def test_any_changed_shared_file_is_refused(tmp_path: Path, shared_data: Path, name: str, loader) -> None:
    folder = _shared_copy(tmp_path, name)
    loader(folder)  # intact: accepted
    with (folder / name).open("ab") as fh:
        fh.write(b"\n")  # one byte more
    with pytest.raises(InputDataError, match="does not match"):
        loader(folder)


@pytest.mark.shared_data
def test_shapefile_side_files_are_verified(tmp_path: Path, shared_data: Path) -> None:
    stem = Path(rd.REEDS_ZONES_FILE)
    names = [str(stem.with_suffix(s)) for s in (".shp", *rd.SHAPEFILE_SIDECARS) if (SHARED_DATA / stem.with_suffix(s)).is_file()]
    folder = _shared_copy(tmp_path, *names, rd.REEDS_MEMBERSHIP_FILE)
    assert len(rd.load_reeds_zones(folder)) == 134
    dbf = folder / stem.with_suffix(".dbf")
    dbf.write_bytes(dbf.read_bytes()[:-10])
    with pytest.raises(InputDataError, match=r"rb_and_ba_areas\.dbf: does not match"):
        rd.load_reeds_zones(folder)


@pytest.mark.shared_data
def test_unlisted_and_malformed_sums(tmp_path: Path, shared_data: Path) -> None:
    folder = _shared_copy(tmp_path, rd.REEDS_MEMBERSHIP_FILE)
    sums = (folder / "SHA256SUMS").read_text()
    (folder / "SHA256SUMS").write_text("\n".join(line for line in sums.splitlines() if rd.REEDS_MEMBERSHIP_FILE not in line) + "\n")
    with pytest.raises(InputDataError, match="not listed in"):
        rd.load_reeds_membership(folder)
    (folder / "SHA256SUMS").write_text("not a digest line\n")
    with pytest.raises(InputDataError, match=r"SHA256SUMS: line 1 is not"):
        rd.load_reeds_membership(folder)


def test_folder_without_sums_is_read_and_recorded(tmp_path: Path) -> None:
    # Test fixtures and users' own folders have no SHA256SUMS: read unverified, still recorded by digest.
    text = "ba,nercr,transreg,transgrp,cendiv,st,interconnect,country\np1,X,Y,Z,PA,WA,western,USA\n"
    (tmp_path / rd.REEDS_MEMBERSHIP_FILE).write_text(text)
    with rd.recording_reads() as reads:
        assert len(rd.load_reeds_membership(tmp_path)) == 1
    assert reads == {rd.REEDS_MEMBERSHIP_FILE: hashlib.sha256(text.encode()).hexdigest()}


@pytest.mark.shared_data
def test_shared_digests_enter_data_sha256(tmp_path: Path, shared_data: Path) -> None:
    # Existing data centers (one shared file) on Delaware's counties: the file's digest is part of
    # data_sha256, so a changed file (with its SHA256SUMS line updated) changes what outputs cite.
    folder = _shared_copy(tmp_path, rd.DC_CENTROIDS_FILE)
    raw = {"name": "de", "candidates": {"states": ["DE"]}, "budget": {"equity_usd": 1e9},
           "data": {"shared_dir": str(folder), "existing_datacenters": "show"}}
    first = load_inputs(scenario_from_dict(raw, str(tmp_path / "s.toml")))
    plain = load_inputs(scenario_from_dict({k: v for k, v in raw.items() if k != "data"}, str(tmp_path / "s.toml")))
    assert first.data_sha256 != plain.data_sha256
    changed = (folder / rd.DC_CENTROIDS_FILE).read_bytes().replace(b'"building"', b'"campus"', 1)
    (folder / rd.DC_CENTROIDS_FILE).write_bytes(changed)
    with pytest.raises(InputDataError, match="does not match"):
        load_inputs(scenario_from_dict(raw, str(tmp_path / "s.toml")))
    sums = (folder / "SHA256SUMS").read_text().replace(
        hashlib.sha256((SHARED_DATA / rd.DC_CENTROIDS_FILE).read_bytes()).hexdigest(), hashlib.sha256(changed).hexdigest()
    )
    (folder / "SHA256SUMS").write_text(sums)
    second = load_inputs(scenario_from_dict(raw, str(tmp_path / "s.toml")))
    assert second.data_sha256 not in (first.data_sha256, plain.data_sha256)
