"""Base class for every validated configuration object: unknown keys rejected, immutable."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def upper_codes(values: list[str]) -> list[str]:
    """Normalise USPS state codes (strip, upper-case, de-duplicate, sort)."""
    return sorted({v.strip().upper() for v in values})


def fips_codes(values: list[str]) -> list[str]:
    bad = [v for v in values if not (len(v) == 5 and v.isdigit())]
    if bad:
        raise ValueError(f"county FIPS must be 5-digit strings, got {bad[:3]}")
    return sorted(set(values))
