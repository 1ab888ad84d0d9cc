"""What a policy module may define, and the context it receives.

A policy module defines ``Params`` (a pydantic model with a literal ``type``) and any of:

* ``candidate_mask(sites, params, ctx) -> bool array``: candidates to remove before building;
* ``dry_cooling_mask(sites, params) -> bool array``: candidates where the siting block offers dry
  cooling (``sets.SITES_DRY_OPTION``, the union over the scenario's policies);
* ``adjust(data, params) -> PolicyData``: change coefficients (prices, incentives, penalties);
* ``add(m, data, params, name)``: add variables and constraints, named with the ``name`` prefix;
* ``MUTABLE``: field names whose values live in mutable Params, and ``update(m, params, name)``
  to push new values into a built model (sweeps and comparisons re-solve without rebuilding);
* ``ONCE = True``: the type may appear at most once in a scenario;
* ``NEEDS_ENERGY = True``: the type needs ``[energy] enabled = true`` (refused at validation otherwise);
* ``SWEEPABLE``: field names a sweep may vary (``--param <type>.<field>[.<key>]``);
* ``check(ctx, params, tag) -> list[str]`` (required): re-verify the rule on a solution's output
  tables, independently of the Pyomo model (:mod:`model.check` calls it for every policy);
* ``capex_factors(facts, params) -> (gpu factor, other factor, $/MW adder)`` for rules that change
  costs, used by the checker's capex recomputation;
* ``add_over_time(m, sm, params, name)``: in a multi-year model, rows that link the years on the root
  (e.g. a moratorium stops capacity from growing from its year on); when defined, ``add`` is not called
  per year in multi-year models.

Every policy is a rule over time (:class:`PolicyParams`): ``from_year`` / ``until_year`` bound the years
it applies in, and ``by_year`` changes its values from a year on (a path), e.g. a carbon cap that falls:
``by_year = { "2030" = { max_tco2_per_year = 1e6 } }``. In a one-period scenario (a one-year horizon,
the snapshot year 2026) they apply to that year.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

import pandas as pd
from pydantic import Field, ValidationError, field_validator, model_validator

from model.core.schema import StrictModel

class PolicyParams(StrictModel):
    """Fields every policy type has: the years it applies in and a path of values over years."""

    from_year: int | None = Field(default=None, ge=2000, le=2100)
    until_year: int | None = Field(default=None, ge=2000, le=2100)
    by_year: dict[str, dict[str, Any]] = {}  # year -> fields that change from that year on

    @field_validator("by_year")
    @classmethod
    def _years(cls, values: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for key, changes in values.items():
            if not (key.isdigit() and 2000 <= int(key) <= 2100):
                raise ValueError(f"key '{key}' is not a year")
            if not changes:
                raise ValueError(f"{key}: no field changes")
            for name in changes:
                if name in ("type", "from_year", "until_year", "by_year"):
                    raise ValueError(f"{key}: '{name}' cannot change by year")
        return dict(sorted(values.items()))

    @model_validator(mode="after")
    def _path_is_valid(self) -> "PolicyParams":
        if self.from_year is not None and self.until_year is not None and self.until_year < self.from_year:
            raise ValueError(f"until_year {self.until_year} is before from_year {self.from_year}")
        base = self.model_dump(exclude={"by_year"})
        for key, changes in self.by_year.items():
            unknown = [k for k in changes if k not in type(self).model_fields]
            if unknown:
                raise ValueError(f"by_year.{key}: unknown field '{unknown[0]}'")
            try:
                type(self).model_validate(base | changes)
            except ValidationError as err:
                first = err.errors()[0]
                raise ValueError(f"by_year.{key}: {'.'.join(str(x) for x in first['loc'])}: {first['msg']}") from None
        return self

    def active_in(self, year: int) -> bool:
        return (self.from_year is None or year >= self.from_year) and (self.until_year is None or year <= self.until_year)

    def in_year(self, year: int) -> "PolicyParams | None":
        """The rule as it stands in ``year`` (its ``by_year`` changes up to that year applied), or None
        if it does not apply then."""
        if not self.active_in(year):
            return None
        changes: dict[str, Any] = {}
        for key, values in self.by_year.items():
            if int(key) <= year:
                changes |= values
        if not changes:
            return self
        return type(self).model_validate(self.model_dump(exclude={"by_year"}) | changes)


# Tolerances of the independent checks: outputs are rounded to 1e-3 MW.
REL_TOL = 1e-6
ABS_MW = 2e-3


@dataclass(frozen=True)
class PolicyContext:
    base_dir: Path  # relative file paths in policies resolve against the scenario file's folder


@dataclass(frozen=True)
class CheckContext:
    """A solution as the independent checker sees it: built sites' input rows (``facts``, indexed
    by site id) and quantities recomputed from the output tables, not read from the model."""

    facts: pd.DataFrame
    facility_mw: pd.Series
    site_pflops: pd.Series
    total_co2_t: float
    water_m3: pd.Series
    base_dir: Path
    dispatch: pd.DataFrame | None = None  # hourly mode only
    new_generation: pd.DataFrame | None = None  # zonal supply: zone, type, new_mw (generation.csv)
    construction_years: dict[str, float] = field(default_factory=dict)  # zonal: new-generation type -> years

    @property
    def mw_by_state(self) -> pd.Series:
        return self.facility_mw.groupby(self.facts["state"]).sum()


class PolicyData(Protocol):
    """What a policy may read of the model's data (the contract with :class:`model.milp.model_data.ModelData`).

    Policies sit below the model layer, so they name the fields they use rather than import the
    class; ``adjust`` returns a copy with its per-site factors changed (``dataclasses.replace``).
    """

    # A dataclass (ModelData is one): dataclasses.replace needs this marker to type-check.
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    inputs: Any  # model.inputs.load.SitingData: .scenario, .costs
    sites: pd.DataFrame  # candidates after exclusions, indexed by site id
    sets: Any  # model.milp.index_sets.IndexSets: .SITES and the sparse index sets
    costs: Any  # model.config.CostAssumptions (attributes, e.g. .load_factor)
    context: PolicyContext
    cooling: pd.DataFrame
    energy: Any  # model.inputs.energy_data.EnergyData | None
    supply: Any  # model.milp.model_data.ZonalData | None (zonal supply: .gen_construction_years)
    gpu_price_factor: dict[str, float]
    facility_capex_factor: dict[str, float]
    capex_adder_musd_per_mw: dict[str, float]
