"""Typed tables: check columns, types, missing and non-finite values, unique keys; read a CSV by its schema.

:func:`read_table` is the one way a loader reads a CSV file (the tables in ``data/``, the CSV files in
``../shared/data``, user candidate files): it checks the size, the bytes (UTF-8 text, no NUL), the
header (no empty or repeated column), the rows (at least one; a known count where one is given; no
last line cut short) and then the schema. Every problem raises :class:`InputDataError` naming the
file (or frame) and the column or row, in one line; pandas' ``UnicodeDecodeError``,
``EmptyDataError`` or ``ParserError`` never reach the user.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from model.core.errors import InputDataError, one_line, shown

Schema = Mapping[str, str]  # column -> "str" | "float" | "int"

# A table larger than this is not one the model reads (the largest, data/county_grid.csv and the
# shared GPPD CSV, are < 5 MB); refusing it up front avoids reading gigabytes into memory.
MAX_TABLE_BYTES = 256 * 1024 * 1024


def validate_table(df: pd.DataFrame, schema: Schema, name: str) -> pd.DataFrame:
    """Check columns, types and missing values; return the frame with the schema's dtypes."""
    missing = [c for c in schema if c not in df.columns]
    if missing:
        raise InputDataError(f"{name}: missing column {shown(missing[0])}")
    out = df.copy()
    for col, kind in schema.items():
        if out[col].isna().any():
            row = int(np.flatnonzero(out[col].isna().to_numpy())[0])
            raise InputDataError(f"{name}: column '{col}' has a missing value (row {row + 1})")
        if kind == "str":
            out[col] = out[col].astype(str)
        else:
            values = pd.to_numeric(out[col], errors="coerce")
            if values.isna().any():
                row = int(np.flatnonzero(values.isna().to_numpy())[0])
                raise InputDataError(f"{name}: column '{col}' is not numeric (row {row + 1}: {shown(out[col].iloc[row])})")
            infinite = ~np.isfinite(values.to_numpy(dtype=float))
            if infinite.any():
                row = int(np.flatnonzero(infinite)[0])
                raise InputDataError(f"{name}: column '{col}' is not finite (row {row + 1}: {shown(out[col].iloc[row])})")
            if kind == "int":
                fractional = (values != values.round()).to_numpy()
                if fractional.any():
                    row = int(np.flatnonzero(fractional)[0])
                    raise InputDataError(f"{name}: column '{col}' must hold whole numbers (row {row + 1}: {shown(out[col].iloc[row])})")
                values = values.astype("int64")
            out[col] = values
    return out


def indexed_by(df: pd.DataFrame, column: str, name: str) -> pd.DataFrame:
    """``df.set_index(column)``, refusing duplicate keys with a message naming the table."""
    dup = df[column].duplicated()
    if dup.any():
        raise InputDataError(f"{name}: duplicate {column} {shown(str(df.loc[dup, column].iloc[0]))}")
    return df.set_index(column)


def _text(path: Path, max_bytes: int) -> str:
    """The file's text: present, not too large, UTF-8 (a BOM is allowed), no NUL byte."""
    if not path.is_file():
        raise InputDataError(f"{path}: file not found")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputDataError(f"{path}: {size / 2**20:,.0f} MB is more than a table may be ({max_bytes / 2**20:,.0f} MB)")
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputDataError(f"{path}: cannot read ({err.strerror or err})") from None
    if not raw.strip():
        raise InputDataError(f"{path}: the file is empty")
    nul = raw.find(b"\0")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        raise InputDataError(f"{path}: not a text table (a NUL byte on line {line}); is it the right file?")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise InputDataError(f"{path}: not UTF-8 text (byte 0x{raw[err.start]:02x} on line {line})") from None


def _check_header(text: str, path: Path) -> None:
    """No empty and no repeated column name (pandas would silently rename them 'x.1', 'Unnamed: 3')."""
    first = text.split("\n", 1)[0]
    try:
        names = next(csv.reader([first]))
    except (csv.Error, StopIteration):
        return  # pandas reports a malformed header itself
    stripped = [n.strip() for n in names]
    if any(not n for n in stripped) and len(stripped) > 1:
        raise InputDataError(f"{path}: the header has an empty column name (column {stripped.index('') + 1})")
    seen: set[str] = set()
    for name in stripped:
        if name in seen:
            raise InputDataError(f"{path}: the header names column {shown(name)} twice")
        seen.add(name)


def read_table(
    path: Path,
    schema: Schema,
    *,
    optional: Schema | None = None,
    rows: int | None = None,
    rows_why: str = "",
    complete_last_line: bool = False,
    max_bytes: int = MAX_TABLE_BYTES,
    name: str | None = None,
    **read_csv: Any,
) -> pd.DataFrame:
    """Read and check one CSV file; any problem is an :class:`InputDataError` naming the file.

    ``schema`` columns must be present and of their type everywhere; ``optional`` columns must be
    present and, where numeric, numeric where filled. ``rows``: the exact row count (``rows_why``
    says why, e.g. "one per contiguous-US county"). ``complete_last_line``: the file must end with a
    newline, as every table in ``data/`` does (pandas writes one), so a file cut short mid-row is
    refused even when the cut leaves a plausible value. Other keyword arguments go to ``pd.read_csv``
    (string columns of the schema are read as ``str`` unless ``dtype`` says otherwise).
    """
    path = Path(path)
    label = name or str(path)
    text = _text(path, max_bytes)
    if complete_last_line and not text.endswith("\n"):
        raise InputDataError(f"{label}: the last line ends without a newline: the file looks cut short (truncated?)")
    if read_csv.get("header", 0) == 0:
        _check_header(text, path)
    dtype = read_csv.pop("dtype", None)
    if dtype is None:
        dtype = {c: str for c, k in {**schema, **(optional or {})}.items() if k == "str"}
    try:
        df = pd.read_csv(io.StringIO(text), dtype=dtype, **read_csv)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error, UnicodeError) as err:
        detail = one_line(str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__, 160)
        raise InputDataError(f"{label}: cannot read as CSV ({detail})") from None
    if len(df) == 0:
        raise InputDataError(f"{label}: has a header but no rows")
    if rows is not None and len(df) != rows:
        raise InputDataError(f"{label}: has {len(df):,} rows, expected {rows:,}" + (f" ({rows_why})" if rows_why else ""))
    return check_columns(df, schema, label, optional)


def check_columns(df: pd.DataFrame, schema: Schema, name: str, optional: Schema | None = None) -> pd.DataFrame:
    """``validate_table`` on the key columns; optional columns must exist and be numeric where numeric."""
    optional = optional or {}
    missing = [c for c in [*schema, *optional] if c not in df.columns]
    if missing:
        raise InputDataError(f"{name}: missing column {shown(missing[0])}")
    out = validate_table(df, schema, name)
    for col, kind in optional.items():
        if kind == "str":
            continue
        values = pd.to_numeric(out[col], errors="coerce")
        bad = values.isna() & out[col].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputDataError(f"{name}: column '{col}' is not numeric (row {row + 1}: {shown(out[col].iloc[row])})")
        infinite = np.isinf(values.to_numpy(dtype=float))
        if infinite.any():
            row = int(np.flatnonzero(infinite)[0])
            raise InputDataError(f"{name}: column '{col}' is not finite (row {row + 1}: {shown(out[col].iloc[row])})")
        out[col] = values.astype(float)
    return out


def require_keys(df: pd.DataFrame, column: str, expected: set[str] | frozenset[str], name: str, what: str) -> None:
    """Every key in ``expected`` has a row (a table cut short loses rows; name the first one missing)."""
    missing = sorted(set(expected) - set(df[column].astype(str)))
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise InputDataError(f"{name}: no row for {what} {shown(missing[0])}{more} (the file has {len(df):,} rows)")


def read_csv(path: Path, schema: Schema, **kwargs: Any) -> pd.DataFrame:
    """A table of ``data/`` by its schema: :func:`read_table` with ``complete_last_line`` (pandas and
    the build scripts end every file with a newline, so a file without one was cut short)."""
    return read_table(path, schema, complete_last_line=True, **kwargs)
