"""Typed tables: check columns, types, missing and non-finite values, unique keys; read a CSV by its schema.

Every problem raises :class:`InputDataError` naming the file (or frame) and the column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from model.core.errors import InputDataError

Schema = Mapping[str, str]  # column -> "str" | "float" | "int"


def validate_table(df: pd.DataFrame, schema: Schema, name: str) -> pd.DataFrame:
    """Check columns, types and missing values; return the frame with the schema's dtypes."""
    missing = [c for c in schema if c not in df.columns]
    if missing:
        raise InputDataError(f"{name}: missing column '{missing[0]}'")
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
                raise InputDataError(f"{name}: column '{col}' is not numeric (row {row + 1}: {out[col].iloc[row]!r})")
            infinite = ~np.isfinite(values.to_numpy(dtype=float))
            if infinite.any():
                row = int(np.flatnonzero(infinite)[0])
                raise InputDataError(f"{name}: column '{col}' is not finite (row {row + 1}: {out[col].iloc[row]!r})")
            if kind == "int":
                if (values != values.round()).any():
                    raise InputDataError(f"{name}: column '{col}' must hold whole numbers")
                values = values.astype("int64")
            out[col] = values
    return out


def indexed_by(df: pd.DataFrame, column: str, name: str) -> pd.DataFrame:
    """``df.set_index(column)``, refusing duplicate keys with a message naming the table."""
    dup = df[column].duplicated()
    if dup.any():
        raise InputDataError(f"{name}: duplicate {column} '{df.loc[dup, column].iloc[0]}'")
    return df.set_index(column)


def read_csv(path: Path, schema: Schema) -> pd.DataFrame:
    if not path.is_file():
        raise InputDataError(f"{path}: file not found")
    str_cols = {c: str for c, k in schema.items() if k == "str"}
    return validate_table(pd.read_csv(path, dtype=str_cols), schema, str(path))
