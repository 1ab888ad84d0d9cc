"""Capacitated facility location: hand-solved instances, input checks, CSV and GeoDataFrame paths."""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from model.cflp import CapacitatedFacilityLocation, cflp_json, read_cflp_csvs
from model.config import SolverConfig
from model.core.errors import InputDataError

EXACT = SolverConfig(mip_gap=0.0, time_limit_s=30.0, threads=1)


def two_sites_three_customers() -> tuple[pd.Series, pd.Series, pd.Series, pd.DataFrame]:
    # A: capacity 10, fixed 5; B: capacity 20, fixed 8; three customers of 4 units each (12 in all).
    # unit costs  c1 c2 c3
    #        A     1  1  2
    #        B     3  3  1
    # A alone: capacity 10 < 12, infeasible.  B alone: 8 + 4*(3+3+1) = 36.
    # Both: 13 + each customer at its cheapest site (c1, c2 from A = 8 units <= 10; c3 from B) 4+4+4 = 25.
    capacity = pd.Series({"A": 10.0, "B": 20.0})
    fixed = pd.Series({"A": 5.0, "B": 8.0})
    demand = pd.Series({"c1": 4.0, "c2": 4.0, "c3": 4.0})
    cost = pd.DataFrame({"c1": [1.0, 3.0], "c2": [1.0, 3.0], "c3": [2.0, 1.0]}, index=["A", "B"])
    return capacity, fixed, demand, cost


def test_cheaper_site_alone_lacks_capacity_so_both_open() -> None:
    res = CapacitatedFacilityLocation.from_cost_matrix(*two_sites_three_customers()).solve(EXACT)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(25.0)
    assert res.open_sites == ["A", "B"]
    assert res.fixed_cost == pytest.approx(13.0)
    assert res.serving_cost == pytest.approx(12.0)
    served = {(r.site, r.customer): r.amount for r in res.assignment.itertuples()}
    assert served == pytest.approx({("A", "c1"): 4.0, ("A", "c2"): 4.0, ("B", "c3"): 4.0})


def test_fractional_split_under_capacity() -> None:
    # A: capacity 6, B: capacity 10, fixed 1 each; c1, c2 need 4 each.
    # unit costs  c1 c2
    #        A     1  1
    #        B     3  2
    # A alone: 6 < 8, infeasible.  B alone: 1 + 4*3 + 4*2 = 21.
    # Both: A is full at 6. Moving a unit from A to B costs +2 for c1 but +1 for c2, so A serves all of
    # c1 (4) and 2 units of c2, B the other 2 of c2: 2 + 4*1 + 2*1 + 2*2 = 12, with c2 split 2/2.
    res = CapacitatedFacilityLocation.from_cost_matrix(
        pd.Series({"A": 6.0, "B": 10.0}),
        pd.Series({"A": 1.0, "B": 1.0}),
        pd.Series({"c1": 4.0, "c2": 4.0}),
        pd.DataFrame({"c1": [1.0, 3.0], "c2": [1.0, 2.0]}, index=["A", "B"]),
    ).solve(EXACT)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(12.0)
    served = {(r.site, r.customer): r.amount for r in res.assignment.itertuples()}
    assert served == pytest.approx({("A", "c1"): 4.0, ("A", "c2"): 2.0, ("B", "c2"): 2.0})
    assert res.assignment["cost"].sum() == pytest.approx(res.serving_cost)
    assert res.fixed_cost + res.serving_cost == pytest.approx(res.objective)


def test_infeasible_found_by_the_solver() -> None:
    # Total capacity 15 >= demand 9 and every customer has a site, but c1 (8 units) may only use A (5):
    # no pre-check catches it, HiGHS must.
    res = CapacitatedFacilityLocation.from_cost_matrix(
        pd.Series({"A": 5.0, "B": 10.0}),
        pd.Series({"A": 1.0, "B": 1.0}),
        pd.Series({"c1": 8.0, "c2": 1.0}),
        pd.DataFrame({"site": ["A", "B"], "customer": ["c1", "c2"], "cost_per_unit": [1.0, 1.0]}),
    ).solve(EXACT)
    assert res.status == "infeasible"
    assert res.objective is None and res.open_sites == [] and res.assignment.empty


def test_infeasible_when_total_capacity_below_demand() -> None:
    capacity, fixed, demand, cost = two_sites_three_customers()
    res = CapacitatedFacilityLocation.from_cost_matrix(capacity * 0.3, fixed, demand, cost).solve(EXACT)
    assert res.status == "infeasible"
    assert "exceeds total capacity" in res.message
    assert cflp_json(res)["objective"] is None


def test_infeasible_when_a_customer_has_no_allowed_site() -> None:
    capacity, fixed, demand, _ = two_sites_three_customers()
    long = pd.DataFrame({"site": ["A", "B", "A"], "customer": ["c1", "c1", "c2"], "cost_per_unit": [1.0, 1.0, 1.0]})
    res = CapacitatedFacilityLocation.from_cost_matrix(capacity, fixed, demand, long).solve(EXACT)
    assert res.status == "infeasible"
    assert "'c3'" in res.message


def test_zero_demand_customer_does_not_force_a_site_open() -> None:
    # c0 (no demand) may only use B; A alone serves the rest: 5 + 4 = 9 < opening B too.
    res = CapacitatedFacilityLocation.from_cost_matrix(
        pd.Series({"A": 10.0, "B": 10.0}),
        pd.Series({"A": 5.0, "B": 8.0}),
        pd.Series({"c1": 4.0, "c0": 0.0}),
        pd.DataFrame({"site": ["A", "B"], "customer": ["c1", "c0"], "cost_per_unit": [1.0, 0.0]}),
    ).solve(EXACT)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(9.0)
    assert res.open_sites == ["A"]


def test_wide_inf_forbids_a_pair_and_long_equals_wide() -> None:
    capacity, fixed, demand, cost = two_sites_three_customers()
    wide = cost.copy()
    wide.loc["B", "c1"] = np.inf
    long = wide.stack().rename("cost_per_unit").rename_axis(["site", "customer"]).reset_index()
    long = long.loc[np.isfinite(long["cost_per_unit"])]
    a = CapacitatedFacilityLocation.from_cost_matrix(capacity, fixed, demand, wide)
    b = CapacitatedFacilityLocation.from_cost_matrix(capacity, fixed, demand, long)
    assert len(a.pairs) == len(b.pairs) == 5
    assert a.solve(EXACT).objective == pytest.approx(b.solve(EXACT).objective) == pytest.approx(25.0)


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda c, f, d, k: (c.drop("B"), f, d, k), r"capacity: no value for site 'B'"),
        (lambda c, f, d, k: (c, f, d, k.drop(columns="c3")), r"cost_per_unit: no column for customer 'c3'"),
        (lambda c, f, d, k: (c, f, d, k.drop(index="A")), r"cost_per_unit: no row for site 'A'"),
        (lambda c, f, d, k: (c, f, d, k.assign(c2=[1.0, np.nan])), r"cost_per_unit: missing or non-numeric"),
        (lambda c, f, d, k: (c, f, d.replace(4.0, -1.0), k), r"demand: negative value"),
        (lambda c, f, d, k: (c, f.replace(8.0, np.nan), d, k), r"fixed_cost: missing or non-numeric value for site 'B'"),
        (lambda c, f, d, k: (c, f, d, k.assign(c9=[1.0, 1.0])), r"cost_per_unit: unknown customer 'c9'"),
    ],
)
def test_bad_tables_name_table_and_id(change, match: str) -> None:
    with pytest.raises(InputDataError, match=match):
        CapacitatedFacilityLocation.from_cost_matrix(*change(*two_sites_three_customers()))


def _grid(xy_km: list[tuple[float, float]], crs: str = "EPSG:5070", **cols: list[float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=[Point(x * 1000.0, y * 1000.0) for x, y in xy_km], crs=crs)


def grid_instance(s1_capacity: float) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    sites = _grid([(0, 0), (100, 0)], cap=[3.0, s1_capacity], fixed=[100.0, 100.0])
    sites.index = ["S0", "S1"]
    customers = _grid([(30, 40), (100, 30), (50, 0)], units=[1.0, 1.0, 1.0])
    customers.index = ["c1", "c2", "c3"]
    return sites, customers


def test_from_geodataframe_grid_distances_and_optimum() -> None:
    # km from S0 (0,0) / S1 (100,0):  c1 (30,40): 50 / sqrt(70²+40²)=sqrt(6500)
    #                                 c2 (100,30): sqrt(100²+30²) / 30     c3 (50,0): 50 / 50
    # At 2 per unit-km with 1 unit each: S0 alone 100 + 2(50 + sqrt(10900) + 50) = 508.8,
    # S1 alone 100 + 2(sqrt(6500) + 30 + 50) = 421.2, both 200 + 2(50 + 30 + 50) = 460 -> S1 alone.
    sites, customers = grid_instance(s1_capacity=3.0)
    p = CapacitatedFacilityLocation.from_geodataframe(sites, customers, "cap", "fixed", "units", cost_per_unit_km=2.0)
    cost = p.pairs.set_index(["site", "customer"])["cost_per_unit"]
    assert cost["S0", "c1"] == pytest.approx(100.0, abs=1e-9)
    assert cost["S1", "c2"] == pytest.approx(60.0, abs=1e-9)
    res = p.solve(EXACT)
    assert res.open_sites == ["S1"]
    assert res.objective == pytest.approx(100 + 2 * (math.sqrt(6500) + 30 + 50))


def test_from_geodataframe_capacity_and_max_km() -> None:
    # S1 can take only 2 units, so S0 opens too: 200 + 2(50 + 30 + 50) = 460.
    sites, customers = grid_instance(s1_capacity=2.0)
    p = CapacitatedFacilityLocation.from_geodataframe(sites, customers, "cap", "fixed", "units", 2.0, max_km=60.0)
    assert len(p.pairs) == 4  # S0-c1, S0-c3, S1-c2, S1-c3 are within 60 km
    res = p.solve(EXACT)
    assert res.open_sites == ["S0", "S1"]
    assert res.objective == pytest.approx(460.0)
    # Below 50 km c3 can reach no site.
    tight = CapacitatedFacilityLocation.from_geodataframe(sites, customers, "cap", "fixed", "units", 2.0, max_km=45.0)
    assert tight.solve(EXACT).status == "infeasible"


def test_from_geodataframe_reprojects_same_crs_inputs() -> None:
    sites, customers = grid_instance(s1_capacity=3.0)
    p = CapacitatedFacilityLocation.from_geodataframe(
        sites.to_crs("EPSG:4326"), customers.to_crs("EPSG:4326"), "cap", "fixed", "units", 2.0
    )
    assert p.solve(EXACT).objective == pytest.approx(100 + 2 * (math.sqrt(6500) + 30 + 50), rel=1e-6)


def test_from_geodataframe_refuses_mismatched_crs() -> None:
    sites, customers = grid_instance(s1_capacity=3.0)
    with pytest.raises(InputDataError, match="reproject"):
        CapacitatedFacilityLocation.from_geodataframe(sites, customers.to_crs("EPSG:4326"), "cap", "fixed", "units", 2.0)


def test_from_geodataframe_missing_column() -> None:
    sites, customers = grid_instance(s1_capacity=3.0)
    with pytest.raises(InputDataError, match="demand_gdf: missing column 'people'"):
        CapacitatedFacilityLocation.from_geodataframe(sites, customers, "cap", "fixed", "people", 2.0)


def write_csvs(tmp_path: Path, sites: str, demand: str, costs: str) -> tuple[Path, Path, Path]:
    paths = tmp_path / "sites.csv", tmp_path / "demand.csv", tmp_path / "costs.csv"
    for path, text in zip(paths, (sites, demand, costs)):
        path.write_text(text)
    return paths


SITES_CSV = "site,capacity,fixed_cost\nA,10,5\nB,20,8\n"
DEMAND_CSV = "customer,demand\nc1,4\nc2,4\nc3,4\n"
# (B, c1) is absent: not allowed. The optimum (both open, 25) never uses it.
COSTS_CSV = "site,customer,cost_per_unit\nA,c1,1\nA,c2,1\nA,c3,2\nB,c2,3\nB,c3,1\n"


def test_csv_end_to_end(tmp_path: Path) -> None:
    p = read_cflp_csvs(*write_csvs(tmp_path, SITES_CSV, DEMAND_CSV, COSTS_CSV))
    assert len(p.pairs) == 5
    res = p.solve(EXACT)
    assert res.objective == pytest.approx(25.0)  # as in test_cheaper_site_alone_lacks_capacity_so_both_open
    out = json.loads(json.dumps(cflp_json(res)))
    assert out["status"] == "optimal"
    assert out["open_sites"] == ["A", "B"]
    assert out["fixed_cost"] == pytest.approx(13.0) and out["serving_cost"] == pytest.approx(12.0)
    assert sorted((a["site"], a["customer"], a["amount"]) for a in out["assignments"]) == [
        ("A", "c1", 4.0),
        ("A", "c2", 4.0),
        ("B", "c3", 4.0),
    ]


@pytest.mark.parametrize(
    "sites, demand, costs, file, match",
    [
        ("site,capacity\nA,10\n", DEMAND_CSV, COSTS_CSV, "sites.csv", "missing column 'fixed_cost'"),
        ("site,capacity,fixed_cost\nA,-10,5\nB,20,8\n", DEMAND_CSV, COSTS_CSV, "sites.csv", "column 'capacity' has a negative"),
        (SITES_CSV, "customer,demand\nc1,4\nc2,lots\nc3,4\n", COSTS_CSV, "demand.csv", "column 'demand' is not numeric"),
        (SITES_CSV, "customer,demand\nc1,4\nc2,\nc3,4\n", COSTS_CSV, "demand.csv", "column 'demand' has a missing value"),
        (SITES_CSV, DEMAND_CSV, COSTS_CSV + "Z,c1,1\n", "costs.csv", "column 'site': unknown site 'Z'"),
        (SITES_CSV, DEMAND_CSV, COSTS_CSV + "A,c9,1\n", "costs.csv", "column 'customer': unknown customer 'c9'"),
        (SITES_CSV, DEMAND_CSV, COSTS_CSV + "A,c1,2\n", "costs.csv", r"pair \('A', 'c1'\) is given twice"),
        (SITES_CSV + "A,1,1\n", DEMAND_CSV, COSTS_CSV, "sites.csv", "duplicate site 'A'"),
    ],
)
def test_csv_errors_name_file_and_column(tmp_path: Path, sites: str, demand: str, costs: str, file: str, match: str) -> None:
    with pytest.raises(InputDataError, match=match) as err:
        read_cflp_csvs(*write_csvs(tmp_path, sites, demand, costs))
    assert str(err.value).startswith(str(tmp_path / file))


def test_csv_missing_file(tmp_path: Path) -> None:
    paths = write_csvs(tmp_path, SITES_CSV, DEMAND_CSV, COSTS_CSV)
    with pytest.raises(InputDataError, match="nope.csv: file not found"):
        read_cflp_csvs(paths[0], tmp_path / "nope.csv", paths[2])


# ------------------------------------------------------------------------------------------------
# The strong path: Lagrangian bound, heuristic start, HiGHS bounds, against brute force
# ------------------------------------------------------------------------------------------------


def small_cst(n_sites: int, n_customers: int, ratio: float, seed: int) -> CapacitatedFacilityLocation:
    from benchmarks.cflp import cst_instance

    return cst_instance(n_sites, n_customers, ratio, seed)


def brute_force_optimum(p: CapacitatedFacilityLocation) -> float:
    """Min over every open set of fixed cost + its transportation LP (scipy's HiGHS), independently of model.cflp."""
    import itertools

    import scipy.sparse as sp
    from scipy.optimize import linprog

    cap = p.capacity.to_numpy()
    fixed = p.fixed_cost.to_numpy()
    dem = p.demand.to_numpy()
    n, m = len(cap), len(dem)
    unit = p.pairs.set_index(["site", "customer"])["cost_per_unit"].unstack().reindex(index=p.capacity.index, columns=p.demand.index)
    cost = (unit.to_numpy() * dem[None, :]).ravel()  # x_ij = share, site-major
    # Rows: each customer's shares sum to 1; each site's load <= its capacity.
    a_eq = sp.kron(sp.csr_matrix(np.ones((1, n))), sp.identity(m))
    a_ub = sp.kron(sp.identity(n), sp.csr_matrix(dem[None, :]))
    best = math.inf
    for k in range(1, n + 1):
        for open_set in itertools.combinations(range(n), k):
            if cap[list(open_set)].sum() < dem.sum():
                continue
            ub = np.zeros(n)
            ub[list(open_set)] = cap[list(open_set)]
            res = linprog(cost, A_ub=a_ub, b_ub=ub, A_eq=a_eq, b_eq=np.ones(m), bounds=(0, 1), method="highs")
            if res.status == 0:
                best = min(best, fixed[list(open_set)].sum() + res.fun)
    return best


@pytest.fixture(scope="module")
def cst_8x30() -> tuple[CapacitatedFacilityLocation, float]:
    p = small_cst(8, 30, ratio=3.0, seed=7)
    return p, brute_force_optimum(p)


def test_generated_instance_matches_brute_force(cst_8x30) -> None:
    p, optimum = cst_8x30
    res = p.solve(EXACT)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(optimum, rel=1e-7)
    assert res.fixed_cost + res.serving_cost == pytest.approx(res.objective, rel=1e-7)
    # The plain route (Pyomo, no start) agrees.
    assert p.solve(EXACT, method="plain").objective == pytest.approx(optimum, rel=1e-7)


def test_lagrangian_bound_and_heuristic_bracket_the_optimum(cst_8x30) -> None:
    p, optimum = cst_8x30
    res = p.solve(EXACT)
    assert res.lagrangian_bound is not None and res.heuristic_objective is not None
    assert res.lagrangian_bound <= optimum + 1e-6 * optimum
    assert res.heuristic_objective >= optimum - 1e-6 * optimum
    assert res.dual_bound <= optimum + 1e-6 * optimum and res.mip_gap <= 1e-6


def test_heuristic_incumbent_is_feasible_on_10x40() -> None:
    import highspy

    from model.cflp import _arrays, _Transport, lagrangian_bound, local_search

    p = small_cst(10, 40, ratio=3.0, seed=3)
    a = _arrays(p)
    highspy.Highs.resetGlobalScheduler(True)  # HiGHS' one thread pool may be sized by an earlier test
    transport = _Transport(a, threads=1)
    ub, _ = transport.solve(np.ones(10, dtype=bool))
    lr = lagrangian_bound(a, ub)
    cost, is_open, share = local_search(a, transport, lr.open_sets[-1], lr.site_value, deadline=math.inf)
    optimum = p.solve(EXACT).objective
    assert lr.bound <= optimum + 1e-6 * optimum <= cost * (1 + 2e-6)
    # Feasible: every customer fully served, from open sites only, within capacity.
    served = np.bincount(a.customer, share, minlength=len(a.demand))
    assert served == pytest.approx(np.ones(len(a.demand)), abs=1e-7)
    load = np.bincount(a.site, share * a.demand[a.customer], minlength=10)
    assert np.all(load <= a.capacity * is_open + 1e-6)
    assert cost == pytest.approx(a.fixed_cost[is_open].sum() + float(share @ a.serve_cost), rel=1e-9)


def test_cover_exact_is_a_bound_not_above_the_true_cover() -> None:
    from model.cflp import _cover, _cover_exact

    # value . y with capacity . y >= 10: sites (v, C) = (3, 6), (4, 6), (1, 5), (-2, 1).
    # Feasible 0-1 covers: {0,1}: 7-2=5 (the -2 site is always taken), {0,2}: 4-2=2, {1,2}: 5-2=3 -> 2.
    # The LP cover takes site 2 (ratio 0.2), then 4/6 of site 0 ... 1 + 3*(10-1-5)/6 - 2 = 1.
    value = np.array([3.0, 4.0, 1.0, -2.0])
    capacity = np.array([6.0, 6.0, 5.0, 1.0])
    lp, _ = _cover(value, capacity, 10.0)
    exact, y = _cover_exact(value, capacity, 10.0)
    assert lp == pytest.approx(1.0)
    assert lp - 1e-9 <= exact <= 2.0 + 1e-9
    assert exact == pytest.approx(2.0, abs=1e-3)
    assert capacity @ y >= 10.0 - 1e-9


def test_json_has_gap_and_bound(tmp_path: Path) -> None:
    p = read_cflp_csvs(*write_csvs(tmp_path, SITES_CSV, DEMAND_CSV, COSTS_CSV))
    out = json.loads(json.dumps(cflp_json(p.solve(EXACT))))
    assert out["mip_gap"] == pytest.approx(0.0, abs=1e-9)
    assert out["dual_bound"] == pytest.approx(25.0, rel=1e-6)
    assert out["lagrangian_bound"] <= 25.0 + 1e-6 and out["heuristic_objective"] >= 25.0 - 1e-6


def test_kernel_mip_is_a_relaxation_and_growing_the_kernel_recovers_the_optimum(cst_8x30) -> None:
    # With only each customer's cheapest pair in the kernel, the rest of its demand can go only to z
    # (which no site's capacity row sees): the kernel MIP is a relaxation, so its bound may not exceed
    # the optimum, and its answer needs z. Growing the kernel where z is used must end at the optimum.
    import highspy

    from model.cflp import _arrays, _kernel_mip, _pair_rank, _Transport, solve_on_kernel

    p, optimum = cst_8x30
    a = _arrays(p)
    highspy.Highs.resetGlobalScheduler(True)
    transport = _Transport(a, EXACT.threads)
    all_open = np.ones(len(a.capacity), dtype=bool)
    ub, share = transport.solve(all_open)
    tiny = _pair_rank(a) < 1
    none = np.zeros(len(a.capacity), dtype=bool)
    mip = _kernel_mip(a, none, none, tiny)
    assert len(mip.pair_index) == len(a.served) and len(mip.far_customers) == len(a.served)
    k = solve_on_kernel(a, transport, tiny, none, none, ub, -math.inf, all_open, share, EXACT, deadline=math.inf)
    assert k.status == "optimal" and k.rounds >= 2
    assert k.objective == pytest.approx(optimum, rel=1e-7)
    assert k.bound <= optimum * (1 + 1e-9)
    # The returned point is a full solution of that cost.
    assert np.bincount(a.customer, k.share, minlength=len(a.demand)) == pytest.approx(np.ones(len(a.demand)), abs=1e-7)
    assert k.objective == pytest.approx(a.fixed_cost[k.is_open].sum() + k.share @ a.serve_cost, rel=1e-9)


def test_kernel_mip_bound_with_a_tiny_kernel_is_below_the_optimum(cst_8x30) -> None:
    import highspy

    from model.cflp import _arrays, _kernel_mip, _pair_rank, _run_kernel_mip, _Transport

    p, optimum = cst_8x30
    a = _arrays(p)
    highspy.Highs.resetGlobalScheduler(True)
    all_open = np.ones(len(a.capacity), dtype=bool)
    _, share = _Transport(a, EXACT.threads).solve(all_open)
    none = np.zeros(len(a.capacity), dtype=bool)
    mip = _kernel_mip(a, none, none, _pair_rank(a) < 2)
    status, bound, values = _run_kernel_mip(a, mip, all_open, share, EXACT, time_limit_s=30.0)
    assert status == "optimal"
    # Relaxation: the optimum over two pairs per customer plus z is at most the true optimum ...
    assert bound <= optimum * (1 + 1e-9)
    objective = float(values @ np.asarray(mip.lp.col_cost_))
    assert objective <= optimum * (1 + 1e-7)
    # ... and here strictly below it: z is used (z is cheaper than the true detour it stands for).
    _, _, z = mip.split(values)
    assert z.max() > 1e-6 and objective < optimum * (1 - 1e-6)


def test_kernel_pairs_keep_nearest_cheap_and_incumbent_pairs() -> None:
    from model.cflp import _arrays, _pair_rank, kernel_pairs

    a = _arrays(small_cst(6, 20, ratio=3.0, seed=5))
    lam = np.zeros(len(a.demand))  # no pair is "cheap" at price 0: only nearest and incumbent pairs
    far = int(np.flatnonzero(_pair_rank(a) == 4)[0])  # some customer's fifth-cheapest pair
    share = np.zeros(len(a.site))
    share[far] = 0.5
    k = kernel_pairs(a, lam, share, margin=0.3, nearest=2)
    assert k.sum() == 2 * len(a.served) + 1
    assert k[far] and not k[_pair_rank(a) == 2].any()
    # At price lam_j = the customer's third-cheapest cost, margin 0 admits exactly the three cheapest.
    rank = _pair_rank(a)
    third = np.zeros(len(a.demand))
    third[a.customer[rank == 2]] = a.serve_cost[rank == 2]
    assert (kernel_pairs(a, third, np.zeros(len(a.site)), margin=0.0, nearest=1) == (rank < 3)).all()
    lam_all = np.full(len(a.demand), np.inf)
    assert kernel_pairs(a, lam_all, np.zeros(len(a.site))).all()


def test_strong_path_on_a_kernel_matches_the_plain_mip() -> None:
    # 20 sites x 100 customers: the Lagrangian bound does not close it, and the kernel leaves pairs
    # out, so the end-to-end answer rests on the z relaxation (here its first answer used z and the
    # kernel grew once).
    p = small_cst(20, 100, ratio=3.0, seed=2)
    strong = p.solve(EXACT)
    plain = p.solve(EXACT, method="plain")
    assert strong.status == plain.status == "optimal"
    assert strong.objective == pytest.approx(plain.objective, rel=1e-7)
    assert strong.dual_bound <= plain.objective * (1 + 1e-7)
    assert strong.mip_rounds >= 1 and strong.columns < 20 + 20 * 100
    assert strong.fixed_cost + strong.serving_cost == pytest.approx(strong.objective, rel=1e-9)
