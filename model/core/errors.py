"""User-facing errors: each carries a one-line message that names the file and field at fault.

Messages are safe to print on a terminal or in a log: every error built from :class:`SitingError`
passes through :func:`one_line`, which escapes control characters (ANSI escape sequences cannot clear
the screen or set a window title; a newline cannot start a second line) and caps the length. Values
echoed from the user's input go through :func:`shown`, which also truncates them to
:data:`MAX_VALUE_CHARS` characters with an ellipsis.
"""

from __future__ import annotations

import re

# An echoed value (a cell, a key, a name) is cut to this many characters, ellipsis included.
MAX_VALUE_CHARS = 80
# A whole message is cut to this many characters: room for a long path, a field and a value.
MAX_MESSAGE_CHARS = 600
ELLIPSIS = "…"

# C0 and C1 control characters, DEL, and the Unicode line/paragraph separators and bidirectional
# overrides that can reorder or break what a terminal shows.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def one_line(text: object, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` as one printable line: control characters escaped (``\\x1b``, ``\\n``), cut to ``limit``."""
    return _cut(_UNSAFE.sub(_escape, str(text)), limit)


def shown(value: object, limit: int = MAX_VALUE_CHARS) -> str:
    """A value echoed in a message: quoted like ``repr`` for strings, escaped, at most ``limit`` characters."""
    text = repr(value) if isinstance(value, str) else str(value)
    return one_line(text, limit)


class SitingError(Exception):
    """Bad input or an impossible request. The CLI prints ``str(err)`` and exits with code 2.

    The message is made printable on construction (:func:`one_line`), so no error path can put
    control characters or a multi-megabyte line on the user's terminal.
    """

    def __init__(self, message: object = "") -> None:
        super().__init__(one_line(message))


class InputDataError(SitingError):
    """A data table or GeoDataFrame is missing a column, has NaN, or has the wrong CRS."""


class ScenarioError(SitingError):
    """A scenario file is malformed or asks for something that does not exist."""
