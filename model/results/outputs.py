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

One rule for every command's ``--out`` (run, rank, compare, sweep, alternatives, robust, pathway,
export, cflp), applied by :func:`check_output_dir` / :func:`check_output_file` before any solve:

* **Missing parent folders are created**, but only when the outputs are written; before that the
  nearest existing ancestor must be a writable directory (proved by creating and removing a probe
  file). A command that is refused or fails removes again the folders it created (if still empty).
* **Symbolic links are written through, never replaced**: an ``--out`` that is a link to a
  previous output of the same kind is updated at the link's target, and the link stays as it was; a
  broken link, or a link to anything the tool may not write, is refused. A user's link *inside* an
  output directory counts as a foreign file.
* **Interruptions**: Ctrl-C and SIGTERM remove the ``.partial`` being written (the CLI turns SIGTERM
  into ``KeyboardInterrupt``; the critical renames run with both signals deferred); whatever a killed
  process left (``<name>.partial``, ``<name>.old-<pid>.partial``, ``.<file>.partial-<pid>``) is removed
  by the next command writing beside it, once its process has ended.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Literal, TypeVar

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
# The previous copy of an output, moved aside while the new one is swapped in: "<name>.old-<pid>.partial".
_OLD = re.compile(r"^(?P<name>.+)\.old-(?P<pid>\d+)\.partial$")
# Temporary single files: ".<name>.partial-<pid>" (the file being written) and ".<stem>.raw-<pid><suffix>".
_FILE_TMP = re.compile(r"^\.(?P<name>.+)\.partial-(?P<pid>\d+)$")
_FILE_RAW = re.compile(r"^\.(?P<stem>.+)\.raw-(?P<pid>\d+)(?P<suffix>\.[^.]*)$")


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


def _links_below(directory: Path) -> set[str]:
    """Relative paths of every symbolic link below ``directory``: the tool never writes one, so each is the user's."""
    out = set()
    for root, dirs, files in os.walk(directory):
        for name in [*files, *dirs]:
            full = os.path.join(root, name)
            if os.path.islink(full):
                out.add(os.path.relpath(full, directory).replace(os.sep, "/"))
    return out


def resolve_out(path: Path) -> Path:
    """The absolute path outputs are written at: a symbolic link is followed to its target (written
    through, never replaced); a broken link is refused; ``.`` and ``..`` are resolved to names."""
    path = Path(path)
    if path.is_symlink():
        if not path.exists():
            raise OutputPathError(f"--out: {path} is a broken symbolic link")
        return path.resolve()
    return Path(os.path.abspath(path))


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Run a short critical section (renames, cleanup) to its end: Ctrl-C or SIGTERM arriving inside
    is held back and raised as ``KeyboardInterrupt`` right after. Only the main thread handles signals;
    elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def hold(signum: int, frame: Any) -> None:
        caught.append(signum)

    previous = {sig: signal.signal(sig, hold) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if caught:
        raise KeyboardInterrupt


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


def _nearest_existing(path: Path) -> Path:
    for candidate in [path, *path.parents]:
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return Path(".")


def _probe_writable(directory: Path, field: str) -> None:
    """Prove ``directory`` accepts new files now, not after a long solve (os.access is not proof:
    root, ACLs, read-only or network mounts); the probe file is removed at once."""
    probe = directory / f".siting-probe-{os.getpid()}-{threading.get_ident()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise OutputPathError(f"{field}: cannot write to {directory}: {err.strerror or err}") from None


def check_parent(path: Path, field: str = "--out") -> None:
    """The parent rule (module doc): the nearest existing ancestor of ``path``'s parent is a writable
    directory; missing folders below it are created only when the outputs are written."""
    parent = Path(path).parent if str(Path(path).parent) else Path(".")
    base = _nearest_existing(parent)
    if base.is_symlink() and not base.exists():
        raise OutputPathError(f"{field}: {base} is a broken symbolic link")
    if not base.is_dir():
        raise OutputPathError(f"{field}: {base} is a file, not a directory")
    _probe_writable(base, field)


def check_output_dir(out_dir: Path, kind: DirKind, force: bool = False) -> None:
    """Refuse, before any work, an output directory this tool may not write (see the module doc):
    its name, its parent (writable, or creatable), a link, a file, or a directory with foreign files."""
    link = Path(out_dir)
    out_dir = resolve_out(link)
    check_name(out_dir.name, "--out")
    check_parent(out_dir)
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise OutputPathError(f"--out: {link} is a file, not a directory; choose another --out")
    _probe_writable(out_dir, "--out")
    links = _links_below(out_dir)
    if links:
        raise OutputPathError(
            f"--out: {link} holds a symbolic link siting did not make ({sorted(links)[0]}); "
            "it is never replaced: choose another --out"
        )
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
        # A "<name>.partial" holds a final marker too once complete, just before it is renamed into
        # place: the name, not the flag, says it is temporary.
        if not marker.get("partial") and not directory.name.endswith(".partial"):
            return False
        if marker.get("host") != socket.gethostname():
            return False  # another machine's run on a shared disk may still be writing
        return not _pid_alive(int(marker.get("pid", -1)))
    # Earlier versions' hidden temporary directories: only the files a run writes.
    if _LEGACY_TMP.match(directory.name):
        return {p.name for p in directory.iterdir()} <= _LEGACY_RUN_FILES
    return False


def remove_stale_partials(parent: Path) -> list[Path]:
    """Remove temporary directories and files that killed runs left in ``parent``; return what was removed.

    A ``<name>.old-<pid>.partial`` (a previous output moved aside during the swap) whose process died
    before ``<name>`` was put back is renamed back to ``<name>`` rather than removed.
    """
    removed: list[Path] = []
    if not parent.is_dir():
        return removed
    for child in sorted(parent.iterdir()):
        if child.is_symlink():
            continue
        if child.is_dir() and (child.name.endswith(".partial") or _LEGACY_TMP.match(child.name)):
            old = _OLD.match(child.name)
            if old is not None:
                if _read_marker(child) is None or _pid_alive(int(old["pid"])):
                    continue  # not ours, or its swap is still running
                target = parent / old["name"]
                if not target.exists() and not target.is_symlink():
                    os.replace(child, target)  # the swap was cut short: the previous output is restored
                    continue
                shutil.rmtree(child, ignore_errors=True)
                removed.append(child)
            elif _stale(child):
                shutil.rmtree(child, ignore_errors=True)
                removed.append(child)
        elif child.is_file():
            match = _FILE_TMP.match(child.name) or _FILE_RAW.match(child.name)
            if match is not None and not _pid_alive(int(match["pid"])):
                child.unlink(missing_ok=True)
                removed.append(child)
    return removed


def _owner_pids(directory: Path) -> set[int]:
    pids = set()
    if directory.is_dir():
        for child in directory.iterdir():
            if child.is_dir() and not child.is_symlink() and child.name.endswith(".partial"):
                marker = _read_marker(child)
                if marker is not None and marker.get("host") == socket.gethostname():
                    pids.add(int(marker.get("pid", -1)))
    return pids


def remove_partials_after_interrupt(directory: Path, wait_s: float = 60.0) -> list[Path]:
    """After Ctrl-C / SIGTERM stopped a command whose workers write in ``directory`` (a sweep's
    points, written by Dask worker processes): wait for those processes to end (at most ``wait_s``),
    then remove the ``.partial`` directories they left. Partials of this process are left to the
    context that owns them."""
    own = os.getpid()
    deadline = time.monotonic() + wait_s
    pending = _owner_pids(Path(directory)) - {own}
    while pending and time.monotonic() < deadline:
        pending = {pid for pid in pending if _pid_alive(pid)}
        if pending:
            time.sleep(0.05)
    return remove_stale_partials(Path(directory))


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


def _make_parents(path: Path) -> list[Path]:
    """Create the missing folders above ``path``; return them (deepest first) so a failure can remove them."""
    parent = Path(path).parent
    missing = [p for p in [parent, *parent.parents] if not p.exists() and not p.is_symlink()]
    _mkdir(parent)
    return missing


def _remove_created(folders: list[Path]) -> None:
    """Remove the folders this command created (deepest first), as long as nothing was put in them."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return  # not empty (someone else's files) or already gone: leave it and its parents


@contextmanager
def created_folders_removed_on_failure(out_dir: Path) -> Iterator[None]:
    """For outputs written in place (a sweep): if the command fails or is interrupted before it has
    written anything, remove ``out_dir`` (holding only its marker) and the parents it created."""
    out_dir = resolve_out(Path(out_dir))
    missing = [p for p in [out_dir, *out_dir.parents] if not p.exists() and not p.is_symlink()]
    try:
        yield
    except BaseException:
        if missing and out_dir.is_dir():
            marker = _read_marker(out_dir)
            if marker is not None and not _files_below(out_dir) and {p.name for p in out_dir.iterdir()} == {MARKER}:
                (out_dir / MARKER).unlink()
            _remove_created(missing)
        raise


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
        if out_dir.is_symlink():
            raise OutputPathError(f"--out: {out_dir} became a broken symbolic link; nothing was changed")
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
    included, the partial directory and the parent folders created for it are removed and
    ``out_dir`` is as it was. A symbolic link ``out_dir`` is written through (its target is updated).
    """
    out_dir = resolve_out(Path(out_dir))
    check_output_dir(out_dir, kind, force)
    created = _make_parents(out_dir)
    try:
        remove_stale_partials(out_dir.parent)
        tmp = partial_path(out_dir)
        if tmp.exists() or tmp.is_symlink():
            marker = _read_marker(tmp)
            if marker is None:
                raise OutputPathError(f"--out: {tmp} exists and was not written by siting; remove it or choose another --out")
            raise OutputPathError(f"--out: another siting process (pid {marker.get('pid')}) is writing {out_dir}")
        try:
            tmp.mkdir()
        except OSError as err:
            raise OutputPathError(f"--out: cannot create {tmp}: {err.strerror or err}") from err
    except BaseException:
        _remove_created(created)
        raise
    try:
        _write_marker(tmp, kind, partial=True)
        yield tmp
        with deferred_interrupts():
            _commit(tmp, out_dir, kind, force)
    except BaseException:
        with deferred_interrupts():
            shutil.rmtree(tmp, ignore_errors=True)
            if not out_dir.exists():
                _remove_created(created)
        raise


def mark_dir(directory: Path, kind: DirKind) -> None:
    """Record the files now in a directory written in place (a sweep's top level). A directory
    :func:`open_dir_in_place` did not open (no marker of ``kind``) is left alone."""
    marker = _read_marker(directory)
    if marker is None or marker.get("kind") != kind:
        return
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


def out_file_arg(raw: str | os.PathLike[str] | None, default: Path, field: str = "--out") -> Path:
    """The file an ``--out`` option names. A value ending in a path separator names a folder, which a
    command writing one file refuses (it would otherwise write a file called like the folder)."""
    if raw is None:
        return Path(default)
    text = os.fspath(raw)
    if text.endswith(("/", os.sep)):
        raise OutputPathError(f"{field}: '{text}' names a folder; give a file name inside it (e.g. {Path(text) / Path(default).name})")
    return Path(text)


def check_output_file(path: Path, field: str = "--out") -> None:
    """Refuse, before any work, a file path this tool may not write: a directory, a file it did not
    write, a broken link, or a parent that is not (or cannot become) a writable folder."""
    link = Path(path)
    path = resolve_out(link)
    check_name(path.name, field)
    if path.is_dir():
        raise OutputPathError(f"{field}: {link} is a directory; give a file name")
    if path.exists() and not _is_ours(path):
        raise OutputPathError(f"{field}: {link} exists and was not written by siting; choose another name or remove it")
    check_parent(path, field)


def file_tmp(path: Path) -> Path:
    return Path(path).with_name(f".{Path(path).name}.partial-{os.getpid()}")


def replace_file(tmp: Path, path: Path) -> None:
    """Move a finished temporary file over ``path`` (checked again: it may have appeared meanwhile)."""
    if path.exists() and not _is_ours(path):
        tmp.unlink(missing_ok=True)
        raise OutputPathError(f"--out: {path} exists and was not written by siting; nothing was changed")
    with deferred_interrupts():
        os.replace(tmp, path)


@contextmanager
def output_file(path: Path, field: str = "--out") -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write; on success it replaces ``path`` in one rename.

    Checked as :func:`check_output_file`; missing parent folders are created now and removed again
    (with the temporary file) if the body fails or is interrupted. A link ``path`` is written through.
    """
    path = resolve_out(Path(path))
    check_output_file(path, field)
    created = _make_parents(path)
    remove_stale_partials(path.parent)
    tmp = file_tmp(path)
    try:
        yield tmp
        replace_file(tmp, path)
    except OSError as err:
        raise OutputPathError(f"{field}: cannot write {path}: {err.strerror or err}") from err
    finally:
        with deferred_interrupts():
            tmp.unlink(missing_ok=True)
            if not path.exists():
                _remove_created(created)


def open_dir_in_place(out_dir: Path, kind: DirKind, force: bool = False) -> None:
    """Check and create a directory whose parts are written one by one (a sweep: one run per point)."""
    out_dir = resolve_out(Path(out_dir))
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
    tool's mark as its first comment line and move it over ``path`` (see :func:`output_file`)."""
    path = resolve_out(Path(path))
    mark = FILE_MARKS[path.suffix]
    with output_file(path) as tmp:
        raw = path.with_name(f".{path.stem}.raw-{os.getpid()}{path.suffix}")
        try:
            result = write(raw)
            with tmp.open("w") as out, raw.open("r") as src:
                out.write(mark)
                shutil.copyfileobj(src, out, 1 << 20)
        finally:
            raw.unlink(missing_ok=True)
    return result


def mark_complete(directory: Path, kind: DirKind) -> None:
    """Mark a finished sub-directory (a compare scenario's run folder) as this tool's output."""
    _write_marker(Path(directory), kind, partial=False, files=_files_below(Path(directory)))
