"""Scenario files: TOML validated by pydantic, with ``extends = "base.toml"`` inheritance.

Unknown keys are rejected everywhere, every quantity carries its unit in its name, and any
problem becomes a :class:`ScenarioError` whose one-line message names the file and the field.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator

from model.core.errors import ScenarioError
from model.core.schema import StrictModel, upper_codes
from model.policies import REGISTRY, Policy

DEFAULT_GPU_TYPES = ["H100_SXM", "H200", "B200", "GB200_NVL72", "MI300X"]
MAX_TIME_LIMIT_S = 30 * 86_400.0  # a month
MAX_THREADS = 4 * (os.cpu_count() or 1)
MAX_EXTENDS_DEPTH = 32
MAX_NAME_LENGTH = 200  # a run directory name, with room for ".partial" and sweep suffixes


class CandidatesConfig(StrictModel):
    """Where campuses may go: counties (default), HIFLD substations, or the user's own points."""

    kind: Literal["counties", "substations", "file"] = "counties"
    # Restrict candidates to these states (USPS codes); empty means all of the contiguous US.
    states: list[str] = []
    # substations: HIFLD voltage classes whose upper bound reaches this (230 -> the 170+ kV classes).
    min_voltage_kv: float = Field(default=230.0, ge=0)
    # file: GeoPackage / GeoParquet / GeoJSON / CSV (lon, lat) of points, relative to the scenario file.
    path: str | None = None
    # Land around a point candidate that counts as its site (x developable share).
    site_radius_km: float = Field(default=10.0, gt=0)
    # file: rows that cannot be used (bad coordinates, outside the CRS or the contiguous US, bad numbers) are
    # refused with their row ids; true drops them instead (listed in the error-free run's inputs).
    drop_invalid_rows: bool = False
    # One-period runs over very many candidates (every HIFLD substation: 51,338): above ``screen_above``
    # candidates the MILP starts from the best ``screen_per_zone`` of each zone (at most ``screen_max``) by the
    # ranking's all-in $ per PFLOPS, then re-admits every left-out candidate that could improve the answer by
    # more than the scenario's mip_gap is worth and re-solves, until none could (up to eight rounds, time allowing); the
    # certificate goes into summary.json (model/workflows/screening.py; multi-year runs use [pathway]'s own
    # limits). 0 never screens. Why: HiGHS' root heuristics
    # held ~7 GiB on the 51k-candidate model (benchmarks/memory.md) for an answer six sites wide.
    screen_above: int = Field(default=10_000, ge=0)
    screen_per_zone: int = Field(default=10, ge=1, le=1000)
    screen_max: int = Field(default=2_000, ge=1, le=20_000)

    _norm = field_validator("states")(upper_codes)

    @model_validator(mode="after")
    def _path_for_file(self) -> "CandidatesConfig":
        if self.kind == "file" and not self.path:
            raise ValueError("kind 'file' needs path = '<points file>'")
        if self.kind != "file" and self.path:
            raise ValueError("path is only used with kind = 'file'")
        return self


class DataConfig(StrictModel):
    """Which data feed the candidates: the offline default, or real datasets in ../shared/data."""

    dataset: Literal["default", "real"] = "default"
    # Folder of the real datasets; default $SITING_DATA_DIR, else ../shared/data beside the repo.
    shared_dir: str | None = None
    # Existing data centers (PNNL IM3 atlas): not used, drawn on maps, their load taken off headroom,
    # or drawn and attracting new campuses (fibre, staff and suppliers nearby) through a capex bonus.
    existing_datacenters: Literal["ignore", "show", "subtract", "attract"] = "ignore"
    existing_share: float = Field(default=0.5, ge=0, le=1)  # share of existing MW that uses headroom
    cluster_radius_km: float = Field(default=10.0, gt=0)
    cluster_bonus_usd_per_mw: float = Field(default=300_000.0, ge=0)


class GpuConfig(StrictModel):
    types: list[str] = Field(default_factory=lambda: list(DEFAULT_GPU_TYPES), min_length=1)
    precision: Literal["bf16", "fp8"] = "fp8"


class ObjectiveConfig(StrictModel):
    sense: Literal["max_compute", "min_cost"] = "max_compute"
    target_pflops: float | None = Field(default=None, gt=0)
    target_gpus: int | None = Field(default=None, gt=0)
    target_it_mw: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _targets_match_sense(self) -> "ObjectiveConfig":
        n_targets = sum(t is not None for t in (self.target_pflops, self.target_gpus, self.target_it_mw))
        if self.sense == "min_cost" and n_targets == 0:
            raise ValueError("min_cost needs one of target_pflops, target_gpus, target_it_mw")
        if self.sense == "max_compute" and n_targets:
            raise ValueError("max_compute takes no target (use sense = 'min_cost')")
        return self


class BudgetConfig(StrictModel):
    """Money to spend. Equity plus debt is the total; leverage is reported, not modelled as a cash flow."""

    # At most $100 trillion: beyond that the model's M$ scaling loses meaning (and it is no budget).
    equity_usd: float = Field(gt=0, le=1e14)
    debt_usd: float = Field(default=0.0, ge=0, le=1e14)
    # Count the present value of energy bills over the horizon against the budget too.
    include_opex: bool = False

    @property
    def total_usd(self) -> float:
        return self.equity_usd + self.debt_usd


class CostOverrides(StrictModel):
    """Scenario overrides of data/cost_assumptions.csv (same names and units)."""

    shell_usd_per_mw: float | None = Field(default=None, ge=0)
    site_fixed_usd: float | None = Field(default=None, ge=0)
    acres_per_mw: float | None = Field(default=None, gt=0)
    developable_land_share: float | None = Field(default=None, gt=0, le=1)
    discount_rate: float | None = Field(default=None, ge=0, lt=1)
    horizon_years: float | None = Field(default=None, ge=0, le=100)
    load_factor: float | None = Field(default=None, gt=0, le=1)
    min_campus_mw: float | None = Field(default=None, ge=0)
    max_campus_mw: float | None = Field(default=None, gt=0, le=100_000)
    default_pue: float | None = Field(default=None, ge=1)
    carbon_price_usd_per_tco2: float | None = Field(default=None, ge=0)
    gpu_price_multiplier: float | None = Field(default=None, gt=0)

    def as_dict(self) -> dict[str, float]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class CostAssumptions(StrictModel):
    """The cost assumptions a model is built from: data/cost_assumptions.csv merged with the scenario's
    ``[costs]`` overrides (:class:`CostOverrides`, same names), built once by ``model.inputs.load``.

    Frozen and finite; each name carries its unit (``_usd``, ``_mw``, ``_years``; ``_share``, ``_rate``,
    ``_factor``, ``_pue`` and ``_multiplier`` are dimensionless ratios).
    """

    shell_usd_per_mw: float = Field(ge=0)  # building shell + MEP fit-out, $ per MW of IT load
    site_fixed_usd: float = Field(ge=0)  # per campus
    acres_per_mw: float = Field(gt=0)  # campus footprint per facility MW
    developable_land_share: float = Field(gt=0, le=1)  # of a county's (or site circle's) land area
    discount_rate: float = Field(ge=0, lt=1)  # real, per year
    horizon_years: float = Field(ge=0, le=100)  # energy-opex horizon
    load_factor: float = Field(gt=0, le=1)  # average facility draw / nameplate facility MW
    min_campus_mw: float = Field(ge=0)  # facility MW
    max_campus_mw: float = Field(gt=0, le=100_000)  # facility MW
    default_pue: float = Field(ge=1)
    carbon_price_usd_per_tco2: float = Field(ge=0)
    gpu_price_multiplier: float = Field(default=1.0, gt=0)  # on the catalog's $ per GPU block

    @model_validator(mode="after")
    def _campus_range(self) -> "CostAssumptions":
        if self.min_campus_mw > self.max_campus_mw:
            raise ValueError(
                f"min_campus_mw ({self.min_campus_mw:g} MW) is above max_campus_mw ({self.max_campus_mw:g} MW); "
                "no campus could be built"
            )
        return self

    def with_overrides(self, overrides: "CostOverrides | dict[str, float]") -> "CostAssumptions":
        """A validated copy with ``overrides`` (the scenario's ``[costs]``, or a name -> value dict) applied."""
        values = overrides.as_dict() if isinstance(overrides, CostOverrides) else dict(overrides)
        return type(self).model_validate(self.model_dump() | values)


class EnergyConfig(StrictModel):
    """Hourly energy co-optimisation over representative days (off: annual energy at the state price)."""

    enabled: bool = False
    rep_days: int = Field(default=10, ge=1, le=365)
    # On-site assets a campus may build, each sized per site and dispatched per zone (state) and hour.
    onsite: list[Literal["solar", "wind", "battery", "gas"]] = ["solar", "wind", "battery", "gas"]
    # Share of facility load that may be curtailed in any hour (None: data/energy_costs.csv).
    flexible_share: float | None = Field(default=None, ge=0, lt=1)
    # Flexible campuses may draw this much above firm headroom in hours the grid is not at peak.
    nonfirm_uplift: float = Field(default=0.25, ge=0)
    peak_hour_share: float = Field(default=0.10, gt=0, lt=1)  # highest-price hours count as grid peak
    battery_max_hours: float = Field(default=8.0, gt=0)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)  # synthetic weather (numpy seeds are 32-bit)
    # Hours per dispatch step: 1 is hourly; 2, 3, 4, 6, 8, 12 or 24 average each representative day into
    # blocks (annual energy and capacity factors kept, within-block peaks averaged away; error table in
    # docs/energy_profiles.md). Fewer steps make national runs at 134 zones tractable.
    hours_per_period: Literal[1, 2, 3, 4, 6, 8, 12, 24] = 1
    # Multi-year horizons: the model years dispatched hour by hour (representative days); the others are
    # annual (energy at each site's price). None: the last model year only (docs/energy_profiles.md
    # measures what the annual years miss).
    years: list[int] | None = None


class SupplyConfig(StrictModel):
    """Where campus power comes from (docs/supply_model.md). ``zonal``: ReEDS zones with a firm-capacity
    balance (spare firm MW, NARIS imports, new generation the investor builds) and per-site connections
    to real substations (the default, annual and hourly); ``legacy``: county headroom plus the universal
    upgrade tiers, kept to compare against the answer before the supply-side change."""

    model: Literal["zonal", "legacy"] = "zonal"
    # Share of a zone's spare firm MW (accredited - peak x (1 + margin)) a new campus may claim: the rest
    # is taken by other new loads in the queue. Estimate (range 0.25-1.0), see docs/supply_model.md.
    spare_share: float = Field(default=0.5, ge=0, le=1)
    # Share of each NARIS interface limit firm imports for new load may use (the rest carries existing
    # flows and reserve sharing). Estimate (range 0.1-0.5), see docs/supply_model.md.
    import_share: float = Field(default=0.25, ge=0, le=1)
    # How a county campus connects (docs/routes.md): "routes" — an existing substation's spare (small, fast),
    # a new substation on the nearest 230/345/500 kV line (large; a tap within 8 km is faster than a new
    # line), each with its own time to first power (data/county_routes.csv); "queue" — the same large
    # connection, firm only after the county's ISO generator-queue median (the basis before issue 24).
    firm_power: Literal["routes", "queue"] = "routes"
    # Energy at scale (docs/supply_data.md section 8): a county's retail price applies only up to what its
    # serving utility sells a new large load at its tariff (data/county_utility_scale.csv, shared by the
    # utility's campuses) and only where it is the cheaper; the rest costs the zone's marginal energy plus
    # large-load delivery (data/zone_marginal_price.csv). Firm imports pay wheeling between transmission
    # providers. False: every MWh at the county price, imports free (the basis before issue 24).
    energy_at_scale: bool = True
    # New generation types the investor may build per zone (data/new_generation_costs.csv).
    new_generation: list[Literal["gas_cc", "gas_ct", "solar", "onshore_wind", "battery_4h"]] = [
        "gas_cc", "gas_ct", "solar", "onshore_wind", "battery_4h",
    ]


class TaxConfig(StrictModel):
    """Sales and use tax on IT equipment and construction materials, by state and county, with each state's
    data-center exemption as data/state_tax.csv models it (docs/tax.md). ``withdrawn``: every exemption
    removed, the policy-risk lever (e.g. for ``siting robust``). Property-tax abatements are not modelled."""

    sales_tax: bool = True
    exemptions: Literal["current", "withdrawn"] = "current"


class SolverConfig(StrictModel):
    time_limit_s: float = Field(default=600.0, gt=0, le=MAX_TIME_LIMIT_S)
    mip_gap: float = Field(default=0.01, ge=0, lt=1)
    # HiGHS ignores absurd values silently or allocates per thread until memory runs out.
    threads: int = Field(default=2, ge=1, le=MAX_THREADS)
    # How the Pyomo model reaches HiGHS; "highspy" (standard-form compiler + passModel) translates fastest.
    route: Literal["highspy", "appsi", "contrib"] = "highspy"
    # HiGHS presolve. "auto" turns it off above PRESOLVE_OFF_ABOVE_COLUMNS columns: on 17,699 substation
    # candidates (159k columns) it ran past a 600 s time limit without finishing, while the solve
    # without it took 50 s to a 0.014 % gap; county models (28k columns) solve faster with it.
    presolve: Literal["auto", "on", "off"] = "auto"
    # HiGHS' LP method inside the MIP (mip_lp_solver). "auto": interior point in hourly energy mode,
    # whose national root LP (120k rows) took 57 s with IPM against 114 s with dual simplex (one
    # thread each, benchmarks/energy.md); HiGHS' own choice otherwise.
    lp_solver: Literal["auto", "choose", "simplex", "ipm"] = "auto"
    # One-period runs, hourly or with >= 1,000 candidates: before the full solve, solve the annual model
    # quickly (hourly: the annual-energy one, ~9x smaller), fix its sites and connections, round its GPU
    # blocks, and start HiGHS from that point (model/solve/seed.py). HiGHS' own heuristics took minutes to
    # get within 1 % on the national hourly model, and 29 of 33 s on the national annual one.
    seed_incumbent: bool = True


class PathwayConfig(StrictModel):
    """A phased build-out over several years (docs/pathway.md): when each site energises, from which
    power source, which GPU generation goes in, and the investor's cash flows. Capital caps over the
    whole programme come from ``[budget]`` (equity_usd, debt_usd); a one-year pathway is the
    one-period model."""

    # Model years, strictly increasing; a year's flows stand for every calendar year until the next.
    years: list[int] = Field(default_factory=lambda: list(range(2026, 2036)), min_length=1, max_length=60)
    objective: Literal["max_compute_years", "max_npv", "min_cost"] = "max_compute_years"
    # Real discount rate of the equity cash flows and compute-years (None: costs.discount_rate).
    discount_rate: float | None = Field(default=None, ge=0, lt=1)
    # Per-year caps on new equity / debt drawn (one value per model year); [budget] caps the totals.
    equity_usd_by_year: list[float] | None = None
    debt_usd_by_year: list[float] | None = None
    interest_rate: float = Field(default=0.07, ge=0, lt=1)  # on debt, per year (estimate, see docs/pathway.md)
    debt_tenor_years: int = Field(default=7, ge=1, le=40)  # level annuity repayment
    # Campus capacity is built in phases of this many facility MW (0: any size).
    phase_mw: float = Field(default=100.0, ge=0, le=5_000)
    # Screening before the MILP: the best N candidates per zone (zonal) or state (legacy), at most max_candidates.
    candidates_per_zone: int = Field(default=2, ge=1, le=1000)
    max_candidates: int = Field(default=300, ge=1, le=5000)
    # Bridge power: on-site gas turbines from bridge_lead_years after the start, up to a permit cap per site.
    bridge: bool = True
    bridge_lead_years: float = Field(default=1.0, ge=0, le=20)
    bridge_permit_mw: float = Field(default=500.0, ge=0, le=20_000)
    bridge_reserve_share: float = Field(default=0.2, ge=0, le=2)  # spare turbine MW per MW served (N+1)
    # Flexible non-firm grid connection before the firm date (curtailable; no firm capacity used).
    flexible: bool = True
    flexible_lead_years: float = Field(default=2.0, ge=0, le=20)
    flexible_share: float = Field(default=0.5, ge=0, le=1)  # of the connection's MW
    # Zonal: flexible MW per zone at most this share of the zone's peak (Norris et al. 2025's 98 GW at 0.5 %
    # curtailment / the 774,783 MW sum of zone peaks in data/zone_supply.csv; range 0.098-0.163).
    flexible_peak_share: float = Field(default=0.126, ge=0, le=1)
    # Share of GPU-hours billed. On-demand: estimate 0.8 (range 0.6-0.95). Contracted (take-or-pay): estimate 0.9
    # (range 0.8-0.95): CoreWeave's backlog is 96-98 % take-or-pay with an SLA of about 95 % of the GPUs
    # (docs/pathway.md "Revenue"), less the idle time between contracts.
    utilisation: float = Field(default=0.8, gt=0, le=1)
    # Revenue basis: "on_demand" sells GPU-hours at the roadmap's rental path (data/gpu_roadmap.csv, on-demand /
    # short-contract rates); "contract" at that path less contract_discount (reserved capacity, re-priced yearly).
    revenue: Literal["on_demand", "contract"] = "on_demand"
    # Contract $/GPU-hour below the on-demand rate: estimate 0.25 (range 0.20-0.45). 1-year reservations are 20 %
    # (CoreWeave H100 $2.23 -> $1.79) and 28 % (RunPod $2.69 -> $1.94) below those providers' on-demand rates;
    # hyperscaler reservations 30-60 % below their higher list prices (docs/pathway.md "Revenue").
    contract_discount: float = Field(default=0.25, ge=0, lt=1)
    # Every type's rental decline per year instead of the roadmap's (None: data/gpu_roadmap.csv, 0.20, range 0.10-0.35).
    rental_decline_per_year: float | None = Field(default=None, ge=0, lt=1)
    om_share_of_capex_per_year: float = Field(default=0.03, ge=0, le=1)  # O&M on GPUs and buildings
    shell_life_years: float = Field(default=20.0, gt=0, le=100)
    connection_life_years: float = Field(default=40.0, gt=0, le=100)
    # Value of the assets at the horizon end (docs/pathway.md "Horizon value"): "book" straight-line book value of
    # everything; "market" the GPUs' remaining net earning power (rental path x utilisation less energy and O&M over
    # their remaining life, discounted), buildings, grid connections, turbines and plants at depreciated
    # replacement cost, land at cost; "none" nothing.
    terminal_value: Literal["market", "book", "none"] = "book"
    # Debt-service coverage covenant: revenue - opex >= min_dscr x debt service in every calendar year with debt
    # service (None: no covenant). Project-finance covenants are typically 1.2-1.5 (estimate).
    min_dscr: float | None = Field(default=None, gt=0, le=10)
    # Multiplies every candidate's time to power (the firm grid's arrival): the tornado's time-to-power lever.
    time_to_power_multiplier: float = Field(default=1.0, ge=0, le=10)
    # Multiplies the delivered gas price of the bridge turbines and new gas plants (data/zone_gas_price.csv by zone
    # and year, else data/energy_costs.csv's 3.7 $/MMBtu, range 3.0-5.0: x0.81-1.35); electricity prices are not
    # changed. Annual years only (not with [energy] hourly years).
    gas_price_multiplier: float = Field(default=1.0, ge=0, le=10)
    # Write tornado.csv / tornado.png: NPV over each lever's range, re-solving the one built model (model/workflows/tornado.py).
    tornado: bool = False
    # min_cost: IT MW online from a year on, e.g. { "2029" = 10000 } (default: [objective] target_it_mw in the last year).
    target_it_mw_by_year: dict[str, float] = {}
    integer_blocks: bool = False  # whole GPU blocks (else continuous, rounded down in the outputs)
    roadmap: str | None = None  # GPU roadmap CSV relative to the scenario (default data/gpu_roadmap.csv)

    @field_validator("years")
    @classmethod
    def _years_increase(cls, years: list[int]) -> list[int]:
        if any(y < 2000 or y > 2100 for y in years):
            raise ValueError("years must lie between 2000 and 2100")
        if any(b <= a for a, b in zip(years, years[1:])):
            raise ValueError("years must be strictly increasing")
        return years

    @field_validator("equity_usd_by_year", "debt_usd_by_year")
    @classmethod
    def _finite_caps(cls, values: list[float] | None) -> list[float] | None:
        if values is not None and any(not (v >= 0 and v < 1e15) for v in values):
            raise ValueError("must be finite and non-negative")
        return values

    @field_validator("target_it_mw_by_year")
    @classmethod
    def _target_keys(cls, targets: dict[str, float]) -> dict[str, float]:
        for key, mw in targets.items():
            if not key.isdigit():
                raise ValueError(f"key '{key}' is not a year")
            if not (mw > 0 and mw < 1e7):
                raise ValueError(f"{key}: target must be a positive finite MW")
        return targets

    @model_validator(mode="after")
    def _aligned(self) -> "PathwayConfig":
        for name in ("equity_usd_by_year", "debt_usd_by_year"):
            values = getattr(self, name)
            if values is not None and len(values) != len(self.years):
                raise ValueError(f"{name} has {len(values)} values for {len(self.years)} years")
        for key in self.target_it_mw_by_year:
            if int(key) not in self.years:
                raise ValueError(f"target_it_mw_by_year: {key} is not one of the years ({self.years[0]}-{self.years[-1]})")
        return self


class Scenario(StrictModel):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=MAX_NAME_LENGTH)
    description: str = ""
    candidates: CandidatesConfig = CandidatesConfig()
    data: DataConfig = DataConfig()
    gpus: GpuConfig = GpuConfig()
    objective: ObjectiveConfig = ObjectiveConfig()
    budget: BudgetConfig | None = None
    costs: CostOverrides = CostOverrides()
    energy: EnergyConfig = EnergyConfig()
    supply: SupplyConfig = SupplyConfig()
    tax: TaxConfig = TaxConfig()
    policies: list[Policy] = []
    solver: SolverConfig = SolverConfig()
    pathway: PathwayConfig | None = None  # the years of the horizon and the investor's money over them (docs/pathway.md)
    # Where the scenario came from (its file), for error messages; not part of its identity.
    _origin: str | None = PrivateAttr(default=None)

    @property
    def origin(self) -> str:
        return self._origin or self.name

    @model_validator(mode="after")
    def _budget_for_max_compute(self) -> "Scenario":
        if self.objective.sense == "max_compute" and self.budget is None:
            raise ValueError("objective max_compute needs a [budget] with equity_usd")
        return self

    @model_validator(mode="after")
    def _policies_combine(self) -> "Scenario":
        kinds = [p.type for p in self.policies]
        for kind in dict.fromkeys(kinds):
            if kinds.count(kind) > 1 and getattr(REGISTRY[kind], "ONCE", False):
                raise ValueError(f"policy '{kind}' appears {kinds.count(kind)} times; it may appear once (merge them)")
        capped = [st for p in self.policies if p.type == "state_mw_cap" for st in p.caps_mw]
        twice = sorted({st for st in capped if capped.count(st) > 1})
        if twice:
            raise ValueError(f"state_mw_cap: state '{twice[0]}' is capped by two policies; keep one cap per state")
        if not self.energy.enabled:
            hourly = [k for k in kinds if getattr(REGISTRY[k], "NEEDS_ENERGY", False)]
            if hourly:
                raise ValueError(f"policy '{hourly[0]}' needs hourly energy: add [energy] enabled = true")
        costs = self.costs
        if costs.min_campus_mw is not None and costs.max_campus_mw is not None and costs.min_campus_mw > costs.max_campus_mw:
            raise ValueError(f"costs.min_campus_mw ({costs.min_campus_mw:g}) is above costs.max_campus_mw ({costs.max_campus_mw:g})")
        return self

    @model_validator(mode="after")
    def _pathway_combines(self) -> "Scenario":
        pw = self.pathway
        if pw is None:
            if self.energy.years is not None:
                raise ValueError("energy.years: only for multi-year horizons ([pathway] years)")
            return self
        if pw.objective in ("max_compute_years", "max_npv") and self.budget is None:
            raise ValueError(f"pathway.objective '{pw.objective}' needs a [budget] with equity_usd (the capital available)")
        if pw.objective == "min_cost" and not pw.target_it_mw_by_year and self.objective.target_it_mw is None:
            raise ValueError("pathway.objective 'min_cost' needs pathway.target_it_mw_by_year or [objective] target_it_mw")
        if self.energy.years is not None:
            outside = [y for y in self.energy.years if y not in pw.years]
            if outside:
                raise ValueError(f"energy.years: {outside[0]} is not one of the pathway years ({pw.years[0]}-{pw.years[-1]})")
        return self

    def sha256(self) -> str:
        """Hash of the fully resolved scenario (after ``extends``), stable across key order."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def with_solver(self, **changes: Any) -> "Scenario":
        """A copy with solver options changed (CLI flags override the file)."""
        merged = self.solver.model_dump() | {k: v for k, v in changes.items() if v is not None}
        try:
            solver = SolverConfig.model_validate(merged)
        except ValidationError as err:
            raise ScenarioError(f"command line: solver.{one_line(err)}") from None
        copy = self.model_copy(update={"solver": solver})
        copy._origin = self._origin
        return copy


def _deep_merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value (lists included) in the child replaces the base's."""
    merged = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_toml(path: Path, what: str = "scenario") -> dict[str, Any]:
    """A TOML file as a dict, or one line naming the file and what is wrong with it."""
    if not path.is_file():
        raise ScenarioError(f"{path}: {what} file not found")
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path}: malformed TOML: {err}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: malformed TOML: nested too deeply") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: malformed TOML: not UTF-8 text") from None
    except OSError as err:
        raise ScenarioError(f"{path}: cannot read: {err.strerror or err}") from None


def resolve_raw(path: Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The scenario's TOML with every ``extends`` parent merged in (parents first)."""
    path = path.resolve()
    if len(_seen) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(f"{path}: extends: more than {MAX_EXTENDS_DEPTH} files deep; flatten the chain")
    if path in _seen:
        raise ScenarioError(f"{path}: extends: cycle through {' -> '.join(p.name for p in _seen)}")
    raw = read_toml(path)
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: extends: must be a path string")
    parent_path = path.parent / parent
    if not parent_path.is_file():
        raise ScenarioError(f"{path}: extends: file not found: {parent}")
    return _deep_merge(resolve_raw(parent_path, (*_seen, path)), raw)


def one_line(err: ValidationError) -> str:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        msg = "unknown key"
    more = len(err.errors()) - 1
    return (f"{loc}: {msg}" if loc else msg) + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")


def scenario_from_dict(raw: dict[str, Any], origin: str = "<scenario>") -> Scenario:
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as err:
        raise ScenarioError(f"{origin}: {one_line(err)}") from None
    except RecursionError:
        raise ScenarioError(f"{origin}: nested too deeply to be a scenario") from None
    scenario._origin = origin
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file."""
    path = Path(path)
    raw = resolve_raw(path)
    raw.setdefault("name", path.stem)
    return scenario_from_dict(raw, str(path))
