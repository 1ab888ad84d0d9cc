"""User-facing errors: each carries a one-line message that names the file and field at fault."""

from __future__ import annotations


class SitingError(Exception):
    """Bad input or an impossible request. The CLI prints ``str(err)`` and exits with code 2."""


class InputDataError(SitingError):
    """A data table or GeoDataFrame is missing a column, has NaN, or has the wrong CRS."""


class ScenarioError(SitingError):
    """A scenario file is malformed or asks for something that does not exist."""
