"""Base class for every validated configuration object: unknown keys rejected, immutable."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    # NaN and infinities are never a meaningful input (an infinite budget or cap solves in full and
    # then fails to write JSON); refusing them here covers every number in every scenario table.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# USPS codes of the 48 contiguous states and DC: the default dataset's states.
CONTIGUOUS_STATES = frozenset(
    "AL AZ AR CA CO CT DE DC FL GA ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK "
    "OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split()
)


def upper_keys(values: dict[str, float]) -> dict[str, float]:
    """Normalise a {state: value} table's keys, refusing two keys that differ only in case or spaces."""
    out: dict[str, float] = {}
    for key, value in values.items():
        norm = key.strip().upper()
        if norm in out:
            raise ValueError(f"state '{norm}' is given twice (keys differ only in case or spaces)")
        out[norm] = value
    return dict(sorted(out.items()))


def upper_codes(values: list[str]) -> list[str]:
    """Normalise USPS state codes (strip, upper-case, de-duplicate, sort)."""
    return sorted({v.strip().upper() for v in values})


def fips_codes(values: list[str]) -> list[str]:
    bad = [v for v in values if not (len(v) == 5 and v.isdigit())]
    if bad:
        raise ValueError(f"county FIPS must be 5-digit strings, got {bad[:3]}")
    return sorted(set(values))
