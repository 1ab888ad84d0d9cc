"""benchmarks/scaling.py's pure parts: the exponent fit, the /usr/bin/time parser and the table writers.

No solves and no timings: the study itself is run by hand (benchmarks/scaling.md).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.conftest import load_script

REPO = Path(__file__).resolve().parent.parent




scaling = load_script(REPO / "benchmarks" / "scaling.py", "scaling_bench")


def test_fit_recovers_a_power_law() -> None:
    x = [1, 2, 5, 10, 20, 30]
    k, c, r2 = scaling.fit_exponent(x, [3 * v**1.5 for v in x])
    assert k == pytest.approx(1.5, abs=1e-12)
    assert c == pytest.approx(3.0, rel=1e-12)
    assert r2 == pytest.approx(1.0, abs=1e-12)


def test_fit_is_least_squares_in_log_space() -> None:
    # Two points off a line: the slope is the ordinary least-squares slope of the logs.
    x, y = [1.0, 10.0, 100.0], [1.0, 20.0, 100.0]
    lx, ly = [math.log(v) for v in x], [math.log(v) for v in y]
    mx, my = sum(lx) / 3, sum(ly) / 3
    expected = sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)
    k, _, r2 = scaling.fit_exponent(x, y)
    assert k == pytest.approx(expected)
    assert 0 < r2 < 1


def test_fit_needs_two_distinct_sizes() -> None:
    with pytest.raises(ValueError):
        scaling.fit_exponent([5, 5], [1, 2])
    with pytest.raises(ValueError):
        scaling.fit_exponent([0, 3], [1, 2])  # a non-positive size is dropped, leaving one


def test_parse_time_v() -> None:
    text = (
        "\tCommand being timed: \"siting run x.toml\"\n"
        "\tElapsed (wall clock) time (h:mm:ss or m:ss): 1:02:03.5\n"
        "\tMaximum resident set size (kbytes): 2097152\n"
    )
    got = scaling.parse_time_v(text)
    assert got["wall_s"] == pytest.approx(3723.5)
    assert got["peak_rss_mb"] == pytest.approx(2048.0)
    assert scaling.parse_time_v("Elapsed (wall clock) time (h:mm:ss or m:ss): 0:09.61")["wall_s"] == pytest.approx(9.61)


def _row(dim: str, size: float, wall: float, rss: float, status: str = "optimal", group: str = "", **kw) -> dict:
    return {
        "dimension": dim, "label": f"{dim}-{size}", "size": size, "group": group, "wall_s": wall,
        "peak_rss_mb": rss, "status": status, "mip_gap": 0.001, "solve_s": wall / 2,
        "model_size": {"rows": int(10 * size), "columns": int(20 * size), "nonzeros": int(50 * size)},
        "load_before": 2.0, "load_during_mean": 3.0, "timed_out": False, **kw,
    }


def test_table_writer_one_row_per_point() -> None:
    rows = [_row("days", 1, 30.0, 600.0), _row("days", 30, 400.0, 2500.0, status="time_limit")]
    text = scaling.table_markdown(rows)
    lines = text.splitlines()
    assert lines[0].startswith("| dimension | point | size | rows | columns | nonzeros | end-to-end s")
    assert len(lines) == 2 + len(rows)
    cells = [c.strip() for c in lines[3].strip("|").split("|")]
    assert cells[0] == "representative days" and cells[2] == "30"
    assert cells[3:6] == ["300", "600", "1,500"]
    assert cells[6] == "400.0" and cells[7] == "–" and cells[8] == "200.0"  # no seed stage; solve
    assert cells[9] == "2,500" and cells[10] == "2.0 / 3.0"
    assert cells[11] == "time_limit, 0.10%"
    no_point = scaling.table_markdown([_row("days", 30, 500.0, 1200.0, status="time_limit", mip_gap=None)])
    assert "time_limit, no incumbent" in no_point
    killed = scaling.table_markdown([_row("years", 10, 480.0, 900.0, status=None, timed_out=True, mip_gap=None)])
    assert "killed at timeout" in killed


def test_exponents_skip_unfinished_points_and_fit_groups() -> None:
    rows = [_row("candidates", n, 2.0 * n**0.8, 100.0 * n**0.5, group=g) for n, g in ((10, "counties"), (100, "counties"), (1000, "substations"), (10000, "substations"))]
    rows.append(_row("candidates", 100000, 5.0, 5.0, status="time_limit", group="substations"))  # left out
    rows.append(_row("dask", 2, 60.0, 500.0))  # never fitted
    fits = scaling.exponents(rows)
    assert fits["candidates"]["n"] == 4
    assert fits["candidates"]["time"][0] == pytest.approx(0.8)
    assert fits["candidates"]["rss"][0] == pytest.approx(0.5)
    assert fits["candidates"]["nnz"][0] == pytest.approx(1.0)
    assert fits["candidates:substations"]["time"][0] == pytest.approx(0.8)
    assert "dask" not in fits
    md = scaling.exponents_markdown(fits)
    assert fits["candidates"]["solve"][0] == pytest.approx(0.8)  # solve_s = wall / 2
    assert "| candidates | 4 | 10, 100, 1,000, 10,000 | 0.80 (1.00) | 0.80 (1.00) | 0.50 (1.00) | 1.00 |" in md
    assert "candidates (substations only)" in md


def test_scenario_toml_extends_a_shipped_file() -> None:
    text = scaling.scenario_toml("us-energy.toml", "days-5", {"energy": {"rep_days": 5, "hours_per_period": 1}, "candidates": {"states": ["TX", "OK"]}})
    assert text.splitlines()[0] == f'extends = "{REPO / "runs" / "us-energy.toml"}"'
    assert "rep_days = 5" in text and 'states = ["TX", "OK"]' in text
    import tomllib

    parsed = tomllib.loads(text)
    assert parsed["name"] == "days-5" and parsed["energy"]["hours_per_period"] == 1
