"""Unit constants and conversions. Names carry their unit so call sites read unambiguously."""

from __future__ import annotations

HOURS_PER_DAY = 24
DAYS_PER_YEAR = 365
HOURS_PER_YEAR = DAYS_PER_YEAR * HOURS_PER_DAY  # 8,760 h (an int: also a length of hourly series)
M2_PER_ACRE = 4046.8564224
KW_PER_MW = 1000.0
USD_PER_MUSD = 1e6
TFLOPS_PER_PFLOPS = 1000.0
KG_PER_T = 1000.0


def acres_from_m2(area_m2: float) -> float:
    return area_m2 / M2_PER_ACRE


def musd(usd: float) -> float:
    """US dollars to millions of dollars; the model works in M$ to keep coefficients well scaled."""
    return usd / USD_PER_MUSD


def usd(musd_value: float) -> float:
    return musd_value * USD_PER_MUSD


def annuity_factor(discount_rate: float, years: float) -> float:
    """Present value of 1 per year for ``years`` years at ``discount_rate`` (end-of-year payments)."""
    if years <= 0:
        return 0.0
    if discount_rate == 0:
        return float(years)
    return (1.0 - (1.0 + discount_rate) ** (-years)) / discount_rate


def capital_recovery_factor(discount_rate: float, years: float) -> float:
    """Annual payment that repays 1 over ``years`` at ``discount_rate``: ``1 / annuity_factor``."""
    return 1.0 / annuity_factor(discount_rate, years)
