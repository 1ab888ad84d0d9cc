"""HTML pages from the jinja2 templates shipped in ``model/templates`` (autoescaped), and the number formats
they print.

One entry point, :func:`render`: a template name and a context dict (built by a pure ``*_context``
function) give the page. Autoescape is on for every template, so any text from a scenario, a data file or
a user (names, counties, messages) is escaped wherever it lands. The tool's own generated content enters
as plain strings too: charts as ``data:`` URIs (base64 has nothing to escape) and the interactive map as
the ``srcdoc`` attribute of an ``<iframe>``, whose value autoescaping turns into exactly the escaped
document that attribute needs. Nothing is marked safe (no ``Markup``, no ``|safe``).

Templates format numbers with the ``fmt`` filter (``{{ value | fmt("usd") }}``, names in :data:`FORMATS`),
so contexts hold the numbers themselves and tests can assert them.
"""

from __future__ import annotations

import base64
import functools
import math
from collections.abc import Callable, Mapping
from typing import Any

import jinja2
import pandas as pd

from model.results.figures import number

DASH = "—"

_PRECISION = {"fp8": "FP8 dense", "bf16": "BF16 dense"}
_GEN_LABELS = {"gas_cc": "gas CC", "gas_ct": "gas CT", "solar": "solar", "onshore_wind": "onshore wind", "battery_4h": "4-h battery"}


def fmt_usd(x: Any, signed: bool = False) -> str:
    """Dollars in the unit a reader expects: "$12.34bn", "$123.4M", "$45,000"."""
    v = number(x)
    if v is None:
        return DASH
    sign = "-" if v < 0 else ("+" if signed and v > 0 else "")
    a = abs(v)
    if a >= 1e9:
        return f"{sign}${a / 1e9:,.2f}bn"
    if a >= 1e6:
        return f"{sign}${a / 1e6:,.1f}M"
    return f"{sign}${a:,.0f}"


def fmt_pflops(x: Any, signed: bool = False) -> str:
    """PFLOPS as printed in the report: thousands separators, one decimal below 1,000."""
    v = number(x)
    if v is None:
        return DASH
    spec = "+," if signed else ","
    return f"{v:{spec}.0f}" if abs(v) >= 1000 else f"{v:{spec}.1f}"


def fmt_mw(x: Any, signed: bool = False) -> str:
    v = number(x)
    if v is None:
        return DASH
    if v == 0:
        return "0"
    spec = "+," if signed else ","
    return f"{v:{spec}.0f}" if abs(v) >= 100 else f"{v:{spec}.1f}"


def fmt_int(x: Any) -> str:
    v = number(x)
    return DASH if v is None else f"{round(v):,}"


def fmt_co2_mt(tonnes: Any) -> str:
    """CO2 in Mt/yr with enough decimals that small campuses do not read 0.00."""
    v = number(tonnes)
    if v is None:
        return DASH
    mt = v / 1e6
    if mt == 0 or abs(mt) >= 10:
        return f"{mt:,.1f}"
    return f"{mt:,.{max(2, 1 - math.floor(math.log10(abs(mt))))}f}"


def fmt_share(x: Any) -> str:
    v = number(x)
    return DASH if v is None else f"{100 * v:,.1f} %"


def fmt_gap(x: Any) -> str:
    v = number(x)
    return DASH if v is None else f"{100 * v:.2f} %"


def fmt_signed_share(x: Any) -> str:
    """A gap as a signed percentage: "+3.2 %" behind the margin, "-1.0 %" ahead of it."""
    v = number(x)
    return DASH if v is None else f"{100 * v:+,.1f} %"


def fmt_text(v: Any) -> str:
    """Text for a cell: underscores as spaces, a dash when missing."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return DASH
    return str(v).replace("_", " ") or DASH


def fmt_generic(value: Any) -> str:
    v = number(value)
    if v is None:
        return fmt_text(value)
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}"


def gpu_label(gpu: Any) -> str:
    return str(gpu).replace("_", " ")


def precision_label(precision: Any) -> str:
    return _PRECISION.get(str(precision), "" if precision is None else str(precision))


def gen_label(t: Any) -> str:
    return _GEN_LABELS.get(str(t), fmt_text(t))


def fmt_sig4(x: Any) -> str:
    """Whole numbers from 100 up, else four significant digits; "n/a" when missing (robust's tables)."""
    v = number(x)
    if v is None:
        return "n/a"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.4g}"


def _fixed(digits: int, signed: bool = False, scale: float = 1.0) -> Callable[[Any], str]:
    """A plain number with ``digits`` decimals (after dividing by ``scale``), a dash when missing."""
    spec = f"{'+' if signed else ''},.{digits}f"

    def fmt(x: Any) -> str:
        v = number(x)
        return DASH if v is None else f"{v / scale:{spec}}"

    return fmt


# Format names the templates use: {{ value | fmt("usd") }}.
FORMATS: dict[str, Callable[[Any], str]] = {
    "usd": fmt_usd,
    "usd_signed": lambda x: fmt_usd(x, signed=True),
    "musd": _fixed(1, scale=1e6),  # "$M" columns
    "usd_per_pflops": _fixed(0),
    "usd_per_pflops_signed": _fixed(0, signed=True),
    "pflops": fmt_pflops,
    "pflops_signed": lambda x: fmt_pflops(x, signed=True),
    "mw": fmt_mw,
    "mw_signed": lambda x: fmt_mw(x, signed=True),
    "int": fmt_int,
    "co2_mt": fmt_co2_mt,
    "share": fmt_share,
    "signed_share": fmt_signed_share,
    "gap": fmt_gap,
    "percent0": lambda x: DASH if number(x) is None else f"{100 * float(x):.0f}%",
    "dec0": _fixed(0),
    "dec1": _fixed(1),
    "dec2": _fixed(2),
    "dec3": _fixed(3),  # multi-year scores (value per $ of capex)
    "text": fmt_text,
    "generic": fmt_generic,
    "sig4": fmt_sig4,
    "gpu": lambda g: gpu_label(g) if g else DASH,
    "gen": gen_label,
    "tier": lambda t: f"tier {t}" if fmt_text(t) != DASH else DASH,
    "built": lambda b: "✓ built" if b is True or b == 1 else "",
    "str": lambda v: "" if v is None else str(v),
}


def fmt(value: Any, name: str) -> str:
    """``value`` in the format ``name`` (one of :data:`FORMATS`)."""
    return FORMATS[name](value)


def data_uri_png(png: bytes) -> str:
    """PNG bytes as a ``data:`` URI, so the page needs no other file."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@functools.cache
def environment() -> jinja2.Environment:
    """The templates' environment: package templates, autoescape on for every template, undefined names an
    error (a context missing a key fails loudly instead of printing nothing)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("model", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["fmt"] = fmt
    return env


def render(template: str, context: Mapping[str, Any]) -> str:
    """``model/templates/<template>`` rendered with ``context`` (autoescaped)."""
    return environment().get_template(template).render(**context)
