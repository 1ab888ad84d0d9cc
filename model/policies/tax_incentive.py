"""tax_incentive: state sales-tax exemptions on equipment (GPUs) and credits on other capex.

E.g. Virginia's retail sales and use tax exemption for data-center equipment (Code of Virginia
58.1-609.3(18)), worth its 5.3-6 % sales tax on servers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import pandas as pd
from pydantic import Field, field_validator

from model.core.schema import upper_codes
from model.policies.base import CheckContext, PolicyData, PolicyParams


class Params(PolicyParams):
    type: Literal["tax_incentive"]
    states: list[str]
    gpu_capex_discount_share: float = Field(default=0.0, ge=0, lt=1)
    other_capex_discount_share: float = Field(default=0.0, ge=0, lt=1)

    _states = field_validator("states")(upper_codes)


def adjust(data: PolicyData, params: Params) -> PolicyData:
    inside = set(data.sites.index[data.sites["state"].isin(params.states)])
    gpu = {s: f * (1 - params.gpu_capex_discount_share) if s in inside else f for s, f in data.gpu_price_factor.items()}
    other = {
        s: f * (1 - params.other_capex_discount_share) if s in inside else f for s, f in data.facility_capex_factor.items()
    }
    return replace(data, gpu_price_factor=gpu, facility_capex_factor=other)


def capex_factors(facts: pd.DataFrame, params: Params) -> tuple[pd.Series, pd.Series, pd.Series]:
    """GPU and other-capex factors per built site (the checker's capex recomputation uses them)."""
    inside = facts["state"].isin(params.states)
    gpu = pd.Series(1.0, index=facts.index).where(~inside, 1 - params.gpu_capex_discount_share)
    other = pd.Series(1.0, index=facts.index).where(~inside, 1 - params.other_capex_discount_share)
    return gpu, other, pd.Series(0.0, index=facts.index)


def check(ctx: CheckContext, params: Params, tag: str) -> list[str]:
    # A discount, not a limit: verified through capex_factors in the checker's capex recomputation.
    return []
