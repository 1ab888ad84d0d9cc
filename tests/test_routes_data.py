"""Time to power by route (issue 24 item 4): the builder reproduces data/power_routes.csv and
data/county_routes.csv, two counties checked by hand against the input tables, the loader's errors name
the file and column, and fastest_route on a hand-made case."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from model.core.errors import InputDataError
from model.inputs.routes_data import (
    COUNTY_ROUTES_FILE,
    ROUTES,
    ROUTES_FILE,
    fastest_route,
    load_county_routes,
    load_power_routes,
    site_routes,
)
from tests.conftest import REPO

DATA = REPO / "data"


def _script(name: str) -> ModuleType:
    path = REPO / "data" / "build" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_builder_reproduces_the_route_tables() -> None:
    build = _script("build_power_routes")
    routes, county = build.build(DATA)
    assert build._text(routes) == (DATA / ROUTES_FILE).read_text()
    assert build._text(county) == (DATA / COUNTY_ROUTES_FILE).read_text()
    assert build.main(["--check"]) == 0


def test_evidence_table_in_the_doc_is_what_the_script_computes() -> None:
    assert _script("compare_routes_evidence").main(["--check"]) == 0


def test_evidence_cases_are_sourced_dated_and_in_the_route_table() -> None:
    e = pd.read_csv(DATA / "evidence_time_to_power.csv", dtype={"county_fips": str})
    assert (e["source"].str.len() > 80).all()
    assert (pd.to_datetime(e["start_date"]) < pd.to_datetime(e["first_power_date"])).all()
    assert set(e["route_class"]) <= set(ROUTES) | {"unknown"}
    assert set(e["county_fips"]) <= set(load_county_routes()["county_fips"])


def test_route_table_every_row_sourced_and_estimates_carry_a_range() -> None:
    r = load_power_routes()
    assert set(r["route"]) == set(ROUTES)
    assert (r["source"].str.len() > 20).all()
    est = r.loc[r["kind"] == "estimate"]
    assert len(est) > 0 and (est["low"] < est["high"]).all()
    # derived per-class rows follow connection_classes.csv: 138 kV deliverable 250 MW x spare share 0.25
    spare = r.set_index(["route", "variant", "quantity"]).loc[("existing_substation", "kv138", "spare_mw")]
    assert spare["mid"] == pytest.approx(62.5)


def _rows(fips: str) -> pd.DataFrame:
    c = load_county_routes()
    return c.loc[c["county_fips"] == fips].set_index(["route", "variant"])


def test_taylor_tx_abilene_by_hand() -> None:
    # Inputs (data/): county_substation.csv 48441 km_class_0 = 7.87 (the only station within 8 km; the
    # 161 kV class is 133.47 km away), county_ehv_line.csv km_230kv_plus = km_345kv_plus = 7.98,
    # km_500kv_plus = 578.4 (beyond the 80 km new-line limit: no 500 kV row), county_time_to_power.csv
    # ERCOT 3.828 (p25 2.73, p75 4.888), county_capex_multiplier.csv gas_ct 0.9737.
    r = _rows("48441")
    ex = r.loc[("existing_substation", "kv69")]
    assert ex["max_mw"] == 12.5  # 0.25 x 50 MW (connection_classes.csv class 0)
    # bay 0.25 x $10M + CERF class 0 $871,617/km x 7.87 km x 1.3 (MISO straight line + 30 %)
    assert ex["fixed_cost_usd"] == round(2_500_000 + 871_617 * 7.87 * 1.3)
    assert (ex["first_power_years_low"], ex["first_power_years"], ex["first_power_years_high"]) == (0.5, 1.0, 2.5)
    fl = r.loc[("flexible_interim", "kv69")]
    assert (fl["first_power_years"], fl["max_mw"], fl["firm"]) == (2.0, 12.5, 0)
    tap = r.loc[("new_substation_line", "kv345")]  # 7.98 km <= 8 km: a tap, new-substation years
    assert (tap["first_power_years_low"], tap["first_power_years"], tap["first_power_years_high"]) == (1.5, 2.5, 4.0)
    assert tap["max_mw"] == 1200.0
    assert tap["cost_usd"] == round(70_000_000 + 1_774_087 * 7.98 * 1.3)
    assert ("new_substation_line", "kv500") not in r.index
    q = r.loc[("firm_queue", "kv345")]  # the ERCOT queue is later than the tap
    assert (q["first_power_years_low"], q["first_power_years"], q["first_power_years_high"]) == (2.73, 3.828, 4.888)
    gas = r.loc[("onsite_gas", "all")]
    assert gas["usd_per_mw"] == round(1105.8 * 1000 * 1.2 * 0.9737)  # ATB Gas-CT x (1 + reserve) x multiplier
    assert gas["cost_usd"] == pytest.approx(1105.8 * 1000 * 1.2 * 0.9737 * 500, abs=1)  # at the 500 MW permit size
    f = fastest_route(load_county_routes().query("county_fips == '48441'"), 1000.0)
    assert f.loc["48441", "time_to_power_years"] == 2.5
    assert f.loc["48441", "power_route"] == "new_substation_line"


def test_shelby_tn_memphis_by_hand() -> None:
    # Inputs: county_substation.csv 47157 km_class_0..3 = 1.05 (a 161 kV-class station 1.05 km away;
    # substation_km_4 = 27.45), county_ehv_line.csv 10.41 km to lines of 230, 345 and 500 kV (beyond the
    # 8 km tap: a new line), non-ISO queue default 5 years (no range held), gas_ct multiplier 0.9945.
    r = _rows("47157")
    ex = r.loc[("existing_substation", "kv161")]
    assert ex["max_mw"] == 87.5  # 0.25 x 350 MW (class 3)
    assert ex["fixed_cost_usd"] == round(0.25 * 28_000_000 + 1_038_741 * 1.05 * 1.3)
    new = r.loc[("new_substation_line", "kv230")]
    assert (new["first_power_years_low"], new["first_power_years"], new["first_power_years_high"]) == (3.0, 5.0, 10.0)
    assert new["fixed_cost_usd"] == round(40_000_000 + 1_109_447 * 10.41 * 1.3)
    q = r.loc[("firm_queue", "kv500")]
    assert (q["first_power_years_low"], q["first_power_years"], q["first_power_years_high"]) == (5.0, 5.0, 10.0)
    # 150 MW (Colossus's grid supply): the station spares 87.5 MW at year 1, so on-site gas at 1.5 years
    f = fastest_route(load_county_routes().query("county_fips == '47157'"), 150.0)
    assert (f.loc["47157", "time_to_power_years"], f.loc["47157", "power_route"]) == (1.5, "onsite_gas")
    f = fastest_route(load_county_routes().query("county_fips == '47157'"), 80.0)
    assert (f.loc["47157", "time_to_power_years"], f.loc["47157", "power_route"]) == (1.0, "existing_substation")


def test_fastest_route_hand_case() -> None:
    # Site a: existing 50 MW at 1, flexible +50 at 2, two large options (600 MW at 3, 1,200 MW at 5), gas
    # 100 MW at 1.5. 120 MW: 1.5 (gas 100 + existing 50). 180 MW: 2 (+ flexible 50 = 200). 1,000 MW: 5.
    rows = pd.DataFrame({
        "site_id": "a", "route": ["existing_substation", "flexible_interim", "new_substation_line",
                                  "new_substation_line", "onsite_gas"],
        "max_mw": [50.0, 50.0, 600.0, 1200.0, 100.0], "first_power_years": [1.0, 2.0, 3.0, 5.0, 1.5],
        "group": ["existing_station", "existing_station", "large_connection", "large_connection", "onsite"],
        "firm": [1, 0, 1, 1, 1],
    })  # fmt: skip
    f = fastest_route(rows, pd.Series({"a": 120.0}))
    assert (f.loc["a", "time_to_power_years"], f.loc["a", "power_route"]) == (1.5, "onsite_gas+existing_substation")
    assert fastest_route(rows, 180.0).loc["a", "time_to_power_years"] == 2.0
    assert fastest_route(rows, 180.0, firm_only=True).loc["a", "time_to_power_years"] == 3.0
    # the two large rows do not add: 1,000 MW needs the 1,200 MW row (the 600 MW row + 200 are not enough)
    assert fastest_route(rows, 1000.0).loc["a", "time_to_power_years"] == 5.0
    assert np.isnan(fastest_route(rows, 2000.0).loc["a", "time_to_power_years"])


def test_site_routes_keeps_site_order_and_refuses_unknown_county() -> None:
    sites = pd.DataFrame({"county_fips": ["47157", "48441"]}, index=["m", "a"])
    sr = site_routes(sites)
    assert list(dict.fromkeys(sr["site_id"])) == ["m", "a"]
    with pytest.raises(InputDataError, match=r"county_routes\.csv: column 'county_fips': no row for county '99999'"):
        site_routes(pd.DataFrame({"county_fips": ["99999"]}, index=["x"]))


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    for name in (ROUTES_FILE, COUNTY_ROUTES_FILE):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize(
    ("name", "edit", "message"),
    [
        (COUNTY_ROUTES_FILE, lambda t: t.replace(",max_mw,", ",mw,", 1), "missing column 'max_mw'"),
        (COUNTY_ROUTES_FILE, lambda t: t.replace("\n01001,onsite_gas,", "\n01001,nuclear,", 1), "column 'route': unknown route 'nuclear'"),
        (COUNTY_ROUTES_FILE, lambda t: t.replace(",500.0,0,", ",-500.0,0,", 1), "column 'max_mw' must be positive"),
        (COUNTY_ROUTES_FILE, lambda t: t.replace("\n01001,", "\n1001,", 1), "column 'county_fips': '1001' is not a 5-digit FIPS code"),
        (COUNTY_ROUTES_FILE, lambda t: t.replace(",1.5,0.25,3.0,", ",1.5,2.0,3.0,", 1), "column 'first_power_years_low' is above 'first_power_years'"),
        (ROUTES_FILE, lambda t: t.replace(",estimate,", ",guess,", 1), "column 'kind': 'guess' is not one of"),
        (ROUTES_FILE, lambda t: t.replace("existing_substation,all,years,years,0.5,1.0,2.5,", "existing_substation,all,years,years,0.5,3.0,2.5,", 1), "column 'mid' is above 'high'"),
        (ROUTES_FILE, lambda t: t[: len(t) // 2], "cut short"),
    ],
)
def test_loader_errors_name_the_file_and_column(data_copy: Path, name: str, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    path = data_copy / name
    text = path.read_text()
    changed = edit(text)
    assert changed != text  # the edit found its target
    path.write_text(changed)
    loader = load_county_routes if name == COUNTY_ROUTES_FILE else load_power_routes
    with pytest.raises(InputDataError) as err:
        loader(data_copy)
    assert str(path) in str(err.value) and message in str(err.value)
