"""What the web app may read and write: paths under the served folder only, loopback by default, and
scenario files written only into a folder the app made and marked as its own.

A path from the browser (a scenario to start from, a run folder, a file in it) is a relative path of
plain names below the served folder: absolute paths, ``..``, empty or dot components, backslashes and
NUL are refused before the file system is asked, and whatever the path resolves to (symbolic links
followed) must still lie below the served folder.
"""

from __future__ import annotations

import ipaddress
import json
import os
from pathlib import Path

from model.core.errors import SitingError
from model.results.outputs import MARKER, WRITTEN_BY, check_name

# The folder the form writes its scenario files into, below the served folder, and its marker's kind.
SCENARIO_DIR = "app-scenarios"
SCENARIO_KIND = "app-scenarios"
# A browser path longer than this is no path of ours (and a cheap way to bound the work per request).
MAX_REL_PATH_CHARS = 1024


class PathRefused(SitingError):
    """A path from the browser that the app does not serve or accept."""


def resolve_under(root: Path, rel: str, what: str = "path") -> Path:
    """``root / rel`` resolved, or :class:`PathRefused` when ``rel`` is not a plain relative path that
    stays below ``root`` (checked on the text first, then on the resolved path, symlinks followed)."""
    if not isinstance(rel, str) or not rel or len(rel) > MAX_REL_PATH_CHARS:
        raise PathRefused(f"{what}: not a path below the served folder")
    if "\0" in rel or "\\" in rel or rel.startswith("/") or (len(rel) > 1 and rel[1] == ":"):
        raise PathRefused(f"{what}: only paths relative to the served folder are accepted")
    parts = rel.removesuffix("/").split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise PathRefused(f"{what}: '.', '..' and empty names are not accepted")
    base = root.resolve()
    try:
        resolved = (base / Path(*parts)).resolve(strict=True)
    except (OSError, RuntimeError):  # missing, a symlink loop, a name too long
        raise PathRefused(f"{what}: not found below the served folder") from None
    if not resolved.is_relative_to(base):
        raise PathRefused(f"{what}: leads out of the served folder")
    return resolved


def relative_name(root: Path, path: Path) -> str:
    """The browser's name of a path below the served folder ('/'-separated)."""
    return path.resolve().relative_to(root.resolve()).as_posix()


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(host: str, allow_remote: bool) -> None:
    """Serve on loopback unless the user asks for another address explicitly: the app has no login."""
    if not host:
        raise SitingError("--host: give an address, e.g. 127.0.0.1")
    if not is_loopback(host) and not allow_remote:
        raise SitingError(
            f"--host: {host} is not a loopback address; anyone who can reach it could run solves and read "
            "the run folders (there is no login). Add --allow-remote to do so anyway"
        )


def host_of(header: str) -> str:
    """The host name of an HTTP Host header or URL authority, without port ('[::1]:8765' -> '::1')."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class ScenarioStore:
    """The scenario files the form writes: ``<served folder>/app-scenarios/<name>.toml``.

    The folder is created on the first write and holds the tools' marker (``.siting-output.json``,
    kind 'app-scenarios') listing the files the app wrote. A folder of that name the app did not make,
    or a file in it the app did not write, is never written over.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = root / SCENARIO_DIR

    def _marker(self) -> dict | None:
        path = self.folder / MARKER
        try:
            payload = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        ok = isinstance(payload, dict) and payload.get("written_by") == WRITTEN_BY and payload.get("kind") == SCENARIO_KIND
        return payload if ok else None

    def _files(self) -> set[str]:
        marker = self._marker()
        return {str(f) for f in marker.get("files", [])} if marker else set()

    def _write_marker(self, files: set[str]) -> None:
        payload = {"written_by": WRITTEN_BY, "kind": SCENARIO_KIND, "partial": False, "files": sorted(files)}
        tmp = self.folder / f".{MARKER}.partial-{os.getpid()}"
        tmp.write_text(json.dumps(payload, indent=1) + "\n")
        os.replace(tmp, self.folder / MARKER)

    def check(self, name: str) -> Path:
        """Where ``<name>.toml`` would go, or :class:`SitingError` if the app may not write it there."""
        file_name = f"{name}.toml"
        check_name(file_name, "name")
        if self.folder.is_symlink() or (self.folder.exists() and not self.folder.is_dir()):
            raise SitingError(f"{self.folder} is not a folder siting serve made; move it away to save scenarios")
        if self.folder.exists():
            if self._marker() is None and any(self.folder.iterdir()):
                raise SitingError(f"{self.folder} exists and was not made by siting serve; move it away to save scenarios")
            target = self.folder / file_name
            if (target.exists() or target.is_symlink()) and file_name not in self._files():
                raise SitingError(f"{target} exists and was not written by siting serve; choose another name")
        return self.folder / file_name

    def write(self, name: str, text: str) -> Path:
        """Write ``<name>.toml`` (atomically: a reader never sees half a file) and record it in the marker."""
        target = self.check(name)
        try:
            self.folder.mkdir(exist_ok=True)
            files = self._files()
            self._write_marker(files)  # marks an empty new folder ours before any file lands in it
            tmp = self.folder / f".{target.name}.partial-{os.getpid()}"
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, target)
            self._write_marker(files | {target.name})
        except OSError as err:
            raise SitingError(f"cannot write {target}: {err.strerror or err}") from None
        return target
