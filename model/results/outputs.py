"""Where outputs go, without ever destroying a file this tool did not write.

Every output directory (a run, a compare, a sweep) holds a marker file, ``.siting-output.json``,
naming its kind and listing the files the tool wrote there. A command writes only to a path that
is absent, an empty directory, or a previous output of the same kind; anything else is refused
with a one-line error before any solve. ``--force`` lets a run write *into* a foreign directory,
next to the files already there, but never over or instead of one of them.

A directory is written in ``<name>.partial/`` beside its target (the HiGHS log streams there
while the solver runs) and moved into place when complete: one rename when the target is absent
or was wholly ours, file by file otherwise. A ``.partial`` directory left by a killed run (its
process is gone) is removed by the next run into the same parent; it too holds a marker, so only
directories this tool made are ever removed.

Single files (``export``'s MPS/LP, ``cflp``'s JSON) carry their mark inside: a first comment line
or a ``written_by`` key. An existing file without it is never overwritten.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Literal, TypeVar

from model.core.errors import SitingError

MARKER = ".siting-output.json"
WRITTEN_BY = "dc-siting"
DirKind = Literal["run", "compare", "sweep", "rank", "alternatives", "robust", "pathway"]
T = TypeVar("T")
# Files a run directory of earlier versions (before the marker) could hold: such a directory is
# recognised as a previous run by these names and a summary.json with a scenario_sha256.
_LEGACY_RUN_FILES = frozenset({"sites.gpkg", "summary.json", "solver.log", "map.html", "map.png", "dispatch.parquet"})
# Temporary directories of earlier versions: ".<name>.tmp-XXXXXXXX" from tempfile.mkdtemp.
_LEGACY_TMP = re.compile(r"^\..+\.tmp-[A-Za-z0-9_]{8}$")
# Longest file name most file systems accept (ext4, APFS, NTFS: 255 bytes).
MAX_NAME_BYTES = 255


class OutputPathError(SitingError):
    """The output path is not one this tool may write to."""


def _read_marker(directory: Path) -> dict | None:
    path = directory / MARKER
    if not path.is_file():
        return None
    try:
        payload = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return payload if isinstance(payload, dict) and payload.get("written_by") == WRITTEN_BY else None


def _files_below(directory: Path) -> set[str]:
    """Relative paths of every file (not directory) below ``directory``, marker excluded."""
    out = set()
    for root, _dirs, files in os.walk(directory):
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), directory)
            if rel != MARKER:
                out.add(rel.replace(os.sep, "/"))
    return out


def _legacy_run(directory: Path) -> bool:
    names = {p.name for p in directory.iterdir()}
    if not names or not names <= _LEGACY_RUN_FILES or "summary.json" not in names:
        return False
    try:
        return "scenario_sha256" in json.loads((directory / "summary.json").read_text())
    except (OSError, ValueError):
        return False


def previous_files(directory: Path, kind: DirKind) -> set[str] | None:
    """The files this tool wrote in ``directory`` as an output of ``kind``, or None if it is not one."""
    marker = _read_marker(directory)
    if marker is not None:
        if marker.get("kind") != kind:
            return None
        return {str(f) for f in marker.get("files", [])}
    if kind == "run" and _legacy_run(directory):
        return {p.name for p in directory.iterdir()}
    return None


def check_name(name: str, field: str) -> None:
    """A name that becomes a file or directory name must be one the file system accepts."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise OutputPathError(f"{field}: '{name}' cannot be a file name (no '/', '\\', '.' or '..')")
    if len(name.encode()) > MAX_NAME_BYTES - len(".partial"):
        raise OutputPathError(f"{field}: {len(name)} characters is too long for a file name (at most {MAX_NAME_BYTES - 8} bytes)")


def check_output_dir(out_dir: Path, kind: DirKind, force: bool = False) -> None:
    """Refuse, before any work, an output directory this tool may not write (see the module doc)."""
    out_dir = Path(out_dir)
    check_name(out_dir.resolve().name, "--out")
    if not out_dir.exists():
        if out_dir.is_symlink():
            raise OutputPathError(f"--out: {out_dir} is a broken symbolic link")
        return
    if not out_dir.is_dir():
        raise OutputPathError(f"--out: {out_dir} is a file, not a directory; choose another --out")
    present = _files_below(out_dir)
    if not present and not any(out_dir.iterdir()):
        return  # an empty directory: nothing to lose
    marker = _read_marker(out_dir)
    if marker is not None and marker.get("kind") != kind:
        raise OutputPathError(
            f"--out: {out_dir} holds a previous '{marker.get('kind')}' output, not a '{kind}' output; choose another --out"
        )
    ours = previous_files(out_dir, kind)
    if ours is None:
        if not force:
            raise OutputPathError(
                f"--out: {out_dir} exists and was not written by siting; choose another --out "
                f"(or --force to add the outputs beside its files, which are never touched)"
            )
        return
    foreign = sorted(present - ours)
    if foreign and not force:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise OutputPathError(
            f"--out: {out_dir} is a previous {kind} output but also holds files siting did not write ({shown}); "
            f"move them, choose another --out, or --force to keep them and replace only siting's files"
        )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale(directory: Path) -> bool:
    """A temporary directory this tool made whose process has ended (on this host)."""
    marker = _read_marker(directory)
    if marker is not None:
        if not marker.get("partial"):
            return False
        if marker.get("host") != socket.gethostname():
            return False  # another machine's run on a shared disk may still be writing
        return not _pid_alive(int(marker.get("pid", -1)))
    # Earlier versions' hidden temporary directories: only the files a run writes.
    if _LEGACY_TMP.match(directory.name):
        return {p.name for p in directory.iterdir()} <= _LEGACY_RUN_FILES
    return False


def remove_stale_partials(parent: Path) -> list[Path]:
    """Remove temporary directories that killed runs left in ``parent``; return what was removed."""
    removed = []
    if not parent.is_dir():
        return removed
    for child in sorted(parent.iterdir()):
        if child.is_dir() and not child.is_symlink() and (child.name.endswith(".partial") or _LEGACY_TMP.match(child.name)):
            if _stale(child):
                shutil.rmtree(child, ignore_errors=True)
                removed.append(child)
    return removed


def _write_marker(directory: Path, kind: DirKind, partial: bool, files: set[str] | None = None) -> None:
    payload = {
        "written_by": WRITTEN_BY,
        "kind": kind,
        "partial": partial,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "files": sorted(files or ()),
    }
    (directory / MARKER).write_text(json.dumps(payload, indent=1) + "\n")


def _mkdir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)  # mode 0o777 less the user's umask
    except OSError as err:
        raise OutputPathError(f"--out: cannot create {path}: {err.strerror or err}") from err


def partial_path(out_dir: Path) -> Path:
    return Path(out_dir).with_name(f"{Path(out_dir).name}.partial")


def _remove_files(directory: Path, files: set[str]) -> None:
    """Delete the listed files (ours), then any directory they leave empty."""
    for rel in files:
        p = directory / rel
        if p.is_file() or p.is_symlink():
            p.unlink()
    for rel in sorted({str(Path(r).parent) for r in files if "/" in r}, key=len, reverse=True):
        d = directory / rel
        while d != directory and d.is_dir() and not any(d.iterdir()):
            d.rmdir()
            d = d.parent


def _move_in(tmp: Path, out_dir: Path, files: set[str]) -> None:
    for rel in sorted(files):
        dest = out_dir / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            raise OutputPathError(f"--out: {dest} exists and was not written by siting; nothing of it was changed")
        os.replace(tmp / rel, dest)


def _commit(tmp: Path, out_dir: Path, kind: DirKind, force: bool) -> None:
    new_files = _files_below(tmp)
    _write_marker(tmp, kind, partial=False, files=new_files)
    if not out_dir.exists():
        os.replace(tmp, out_dir)
        return
    # Checked again here: the directory may have changed during a long solve.
    check_output_dir(out_dir, kind, force)
    ours = previous_files(out_dir, kind) or set()
    present = _files_below(out_dir)
    if ours and present <= ours:
        # Wholly ours: swap in one rename, then drop the old copy.
        old = out_dir.with_name(f"{out_dir.name}.old-{os.getpid()}.partial")
        os.replace(out_dir, old)
        os.replace(tmp, out_dir)
        shutil.rmtree(old, ignore_errors=True)
        return
    # Shared with files the user put there (or --force onto a foreign directory): replace only ours.
    clashes = sorted((new_files & present) - ours)
    if clashes:
        raise OutputPathError(f"--out: {out_dir / clashes[0]} exists and was not written by siting; nothing was changed")
    _remove_files(out_dir, ours & present)
    _move_in(tmp, out_dir, new_files)
    (out_dir / MARKER).unlink(missing_ok=True)
    os.replace(tmp / MARKER, out_dir / MARKER)
    shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def output_dir(out_dir: Path, kind: DirKind, force: bool = False) -> Iterator[Path]:
    """Yield ``<out_dir>.partial/`` to write into; on success it becomes ``out_dir``.

    The checks run before the body (before any solve). On any exception, KeyboardInterrupt
    included, the partial directory is removed and ``out_dir`` is as it was.
    """
    out_dir = Path(out_dir)
    check_output_dir(out_dir, kind, force)
    _mkdir(out_dir.parent)
    remove_stale_partials(out_dir.parent)
    tmp = partial_path(out_dir)
    if tmp.exists():
        marker = _read_marker(tmp)
        if marker is None:
            raise OutputPathError(f"--out: {tmp} exists and was not written by siting; remove it or choose another --out")
        raise OutputPathError(f"--out: another siting process (pid {marker.get('pid')}) is writing {out_dir}")
    try:
        tmp.mkdir()
    except OSError as err:
        raise OutputPathError(f"--out: cannot create {tmp}: {err.strerror or err}") from err
    try:
        _write_marker(tmp, kind, partial=True)
        yield tmp
        _commit(tmp, out_dir, kind, force)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def mark_dir(directory: Path, kind: DirKind) -> None:
    """Record the files now in a directory written in place (a sweep's top level)."""
    previous = previous_files(directory, kind) or set()
    _write_marker(directory, kind, partial=False, files=previous | (_files_below(directory) & _own_top(directory)))


def _own_top(directory: Path) -> set[str]:
    # A sweep's own files: its tables and every file inside a point directory it wrote.
    out = set()
    for rel in _files_below(directory):
        top = rel.split("/", 1)[0]
        if "/" not in rel and top in ("sweep.csv", "pareto.png"):
            out.add(rel)
        elif "/" in rel and _read_marker(directory / top) is not None:
            out.add(rel)
    return out


# --- single files --------------------------------------------------------------------------------------

FILE_MARKS = {
    ".mps": f"* written by {WRITTEN_BY} siting export\n",
    ".lp": f"\\ written by {WRITTEN_BY} siting export\n",
}


def _is_ours(path: Path) -> bool:
    mark = FILE_MARKS.get(path.suffix)
    try:
        if mark is not None:
            with path.open("r", errors="replace") as f:
                return f.readline() == mark
        if path.suffix == ".json":
            payload = json.loads(path.read_text())
            return isinstance(payload, dict) and str(payload.get("written_by", "")).startswith(WRITTEN_BY)
    except (OSError, ValueError):
        return False
    return False


def check_output_file(path: Path, field: str = "--out") -> None:
    """Refuse a file path this tool may not write: a directory, or a file it did not write."""
    path = Path(path)
    check_name(path.name, field)
    if path.is_dir():
        raise OutputPathError(f"{field}: {path} is a directory; give a file name")
    if path.exists() and not _is_ours(path):
        raise OutputPathError(f"{field}: {path} exists and was not written by siting; choose another name or remove it")
    parent = path.parent if str(path.parent) else Path(".")
    if parent.exists() and not parent.is_dir():
        raise OutputPathError(f"{field}: {parent} is a file, not a directory")
    if not parent.exists():
        _mkdir(parent)
    # Prove the folder is writable now, not after a long build (os.access lies for root).
    probe = parent / f".{path.name}.probe-{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise OutputPathError(f"{field}: cannot write to {parent}: {err.strerror or err}") from err


def file_tmp(path: Path) -> Path:
    return Path(path).with_name(f".{Path(path).name}.partial-{os.getpid()}")


def replace_file(tmp: Path, path: Path) -> None:
    """Move a finished temporary file over ``path`` (checked again: it may have appeared meanwhile)."""
    if path.exists() and not _is_ours(path):
        tmp.unlink(missing_ok=True)
        raise OutputPathError(f"--out: {path} exists and was not written by siting; nothing was changed")
    os.replace(tmp, path)


def open_dir_in_place(out_dir: Path, kind: DirKind, force: bool = False) -> None:
    """Check and create a directory whose parts are written one by one (a sweep: one run per point)."""
    out_dir = Path(out_dir)
    check_output_dir(out_dir, kind, force)
    _mkdir(out_dir.parent)
    remove_stale_partials(out_dir.parent)
    _mkdir(out_dir)
    if _read_marker(out_dir) is None:
        _write_marker(out_dir, kind, partial=False)
    remove_stale_partials(out_dir)


def check_own_file(directory: Path, name: str, kind: DirKind) -> None:
    """Before writing ``directory/name`` in place: it is absent or one this tool wrote there."""
    path = Path(directory) / name
    if path.exists() and name not in (previous_files(Path(directory), kind) or set()):
        raise OutputPathError(f"--out: {path} exists and was not written by siting; nothing was changed")


def write_marked(path: Path, write: Callable[[Path], T]) -> T:
    """Write a model file (.mps/.lp) through ``write`` into a checked temporary path, then put the
    tool's mark as its first comment line and move it over ``path``."""
    path = Path(path)
    mark = FILE_MARKS[path.suffix]
    raw = path.with_name(f".{path.stem}.raw-{os.getpid()}{path.suffix}")
    tmp = file_tmp(path)
    try:
        result = write(raw)
        with tmp.open("w") as out, raw.open("r") as src:
            out.write(mark)
            shutil.copyfileobj(src, out, 1 << 20)
        replace_file(tmp, path)
    except OSError as err:
        raise OutputPathError(f"--out: cannot write {path}: {err.strerror or err}") from err
    finally:
        raw.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    return result


def mark_complete(directory: Path, kind: DirKind) -> None:
    """Mark a finished sub-directory (a compare scenario's run folder) as this tool's output."""
    _write_marker(Path(directory), kind, partial=False, files=_files_below(Path(directory)))
