"""Where results go: output locations are checked before any work starts, and written all at once.

``check_folder`` and ``check_file`` prove that a location can be written the only reliable way
(permissions say little to root, and nothing about /proc, read-only mounts or full disks): they
create the missing parent folders and a scratch file, then remove everything they created. A
refusal is an ``InputError`` that names the option and the path, says why and what is allowed.
``staged_output`` writes a command's files into a staging folder beside the output folder, writes a
manifest last (run id, every file's size and SHA-256) and then swaps the staging folder and the output
folder in one atomic step, so the output folder holds one whole output at every moment, even when
the command is killed (kill -9 included); staging left by a killed command is removed by the next.
"""

from __future__ import annotations

import ctypes
import fcntl
import glob
import hashlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sectorsim.errors import InputError

FOLDER_ALLOWED = "give a folder that can be created, or an existing folder you can write to"
FILE_ALLOWED = "give a file name in a folder you can write to"


def _label(option: str, path: Path) -> str:
    return f"{option} {path}" if option else str(path)


def _why(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


def _exists(path: Path) -> bool:
    try:
        return path.exists() or path.is_symlink()
    except (OSError, ValueError):
        return False


def _probe(folder: Path) -> None:
    """Create and remove a scratch file in ``folder`` (raises OSError if it cannot be written)."""
    fd, name = tempfile.mkstemp(prefix=".sectorsim-probe-", dir=folder)
    os.close(fd)
    os.unlink(name)


def check_folder(path: Path, option: str = "--out") -> None:
    """Refuse an output folder that cannot be created and written, leaving nothing behind.

    The folder may exist (files in it with the same names are replaced) or not (it is created
    when the command writes). Its parent must be writable too: files are staged there first.

    Args:
        path: The output folder.
        option: The option or argument that named it, for the message ('' for none).

    Raises:
        InputError: ``error: --out <path>: <why>; <what is allowed>``.
    """
    label = _label(option, path)
    try:
        if _exists(path) and not path.is_dir():
            raise InputError(label, "", f"is an existing file, not a folder; {FOLDER_ALLOWED}")
    except ValueError:  # a NUL byte in the path
        raise InputError(label, "", f"is not a valid path; {FOLDER_ALLOWED}") from None
    missing: list[Path] = []
    ancestor = path
    while not _exists(ancestor) and ancestor != ancestor.parent:  # loop: missing folders, innermost first
        missing.append(ancestor)
        ancestor = ancestor.parent
    if _exists(ancestor) and not ancestor.is_dir():
        raise InputError(label, "", f"'{ancestor}' is a file, not a folder; {FOLDER_ALLOWED}")
    created: list[Path] = []
    try:
        for folder in reversed(missing):  # loop: missing folders, outermost first
            folder.mkdir()
            created.append(folder)
        _probe(path)
        _probe(path.parent)
    except OSError as exc:
        raise InputError(label, "", f"cannot be created or written ({_why(exc)}); {FOLDER_ALLOWED}") from None
    finally:
        for folder in reversed(created):  # loop: folders this check created, innermost first
            with suppress(OSError):
                folder.rmdir()


def check_file(path: Path, option: str, *, overwrite: bool = True, folder_must_exist: bool = False) -> None:
    """Refuse an output file that cannot be written, leaving nothing behind.

    Args:
        path: The file a command will write.
        option: The option that named it, for the message.
        overwrite: Whether an existing file may be replaced (else it is refused; pass --force).
        folder_must_exist: Refuse a file whose folder does not exist yet (for writers that do not
            create it).

    Raises:
        InputError: ``error: --docs <path>: <why>; <what is allowed>``.
    """
    label = _label(option, path)
    try:
        is_dir, is_file = path.is_dir(), _exists(path)
    except (OSError, ValueError):
        raise InputError(label, "", f"is not a valid path; {FILE_ALLOWED}") from None
    if is_dir:
        raise InputError(label, "", f"is an existing folder, not a file; {FILE_ALLOWED}")
    if is_file and not overwrite:
        raise InputError(label, "", "exists; pass --force to overwrite it, or give another file name")
    parent = path.parent
    if folder_must_exist and not parent.is_dir():
        raise InputError(label, "", f"its folder '{parent}' does not exist; {FILE_ALLOWED}")
    try:
        check_folder(parent, "")
    except InputError as exc:
        raise InputError(label, "", f"its folder {exc.message}") from None


def check_input_file(path: Path, option: str = "") -> None:
    """Refuse an input file that does not exist or cannot be read.

    Raises:
        InputError: ``error: <path>: file not found`` or ``cannot read the file``.
    """
    label = _label(option, path)
    try:
        found = path.is_file()
    except (OSError, ValueError):
        found = False
    if not found:
        raise InputError(label, "", "file not found")
    try:
        with path.open("rb") as f:
            f.read(1)
    except OSError as exc:
        raise InputError(label, "", f"cannot read the file ({_why(exc)})") from None


#: The record a finished command writes last into its output folder: a run id, the command, and the
#: size and SHA-256 of every file it wrote. A folder holds exactly the files its manifest lists.
MANIFEST = "manifest.json"

#: Files sectorsim commands write: in a folder written before manifests, these were a run's files.
KNOWN_OUTPUTS = frozenset(
    {
        "summary.csv",
        "comparison.csv",
        "timeseries.parquet",
        "target_sectors.csv",
        "earnings_panel.parquet",
        "report.html",
        "impacts.csv",
        "impacts_quarterly.csv",
        "subgroups.csv",
        "costbenefit.csv",
        "assessment.csv",
        "assessment_areas.csv",
        "indices.csv",
        "noise.csv",
        "evidence.csv",
        MANIFEST,
    }
)

_RENAME_EXCHANGE = 2  # renameat2(2) flag: swap two paths atomically (Linux 3.15+)
_AT_FDCWD = -100


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):  # loop: 1 MB blocks of one file
            digest.update(block)
    return digest.hexdigest()


def write_manifest(folder: Path, command: str) -> dict[str, Any]:
    """Write ``folder/manifest.json`` listing every file in ``folder`` (size and SHA-256); return it."""
    from sectorsim import __version__

    files = {
        f.name: {"bytes": f.stat().st_size, "sha256": _sha256(f)}
        for f in sorted(folder.iterdir())  # loop: files the command wrote
        if f.is_file() and f.name != MANIFEST
    }
    manifest = {
        "run_id": uuid.uuid4().hex,
        "command": command,
        "written": datetime.now(UTC).isoformat(timespec="seconds"),
        "sectorsim": __version__,
        "files": files,
    }
    tmp = folder / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    os.replace(tmp, folder / MANIFEST)
    return manifest


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's manifest, or None when it has none or it cannot be read."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        return None
    return data


def run_files(folder: Path) -> set[str]:
    """Names in ``folder`` that belong to the command output it holds (its manifest's files).

    Everything else (another command's output folder nested in it, a user's own files) is not part
    of the output and is kept when the output is replaced.
    """
    try:
        names = {p.name for p in folder.iterdir()}
    except OSError:
        return set()
    manifest = read_manifest(folder)
    listed = set(manifest["files"]) | {MANIFEST} if manifest is not None else set(KNOWN_OUTPUTS)
    return names & (listed | {f".{MANIFEST}.tmp"})


def _move_others(source: Path, target: Path, skip: set[str]) -> None:
    """Move every entry of ``source`` that is not one of its run files (or in ``skip``) into ``target``."""
    if not source.is_dir():
        return
    keep = run_files(source)
    for entry in sorted(source.iterdir()):  # loop: entries of an output folder
        if entry.name in keep or entry.name in skip:
            continue
        if target.is_dir() and not _exists(target / entry.name):
            entry.rename(target / entry.name)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one atomic step; False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def _folder_mode(out: Path) -> int:
    """Permissions for a new output folder: the old folder's, or what the umask gives a new one."""
    with suppress(OSError):
        return out.stat().st_mode & 0o7777
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o777 & ~mask


def _lock(folder: Path) -> int:
    """Hold an exclusive lock on ``folder`` for as long as this process lives (or until closed)."""
    fd = os.open(folder, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def remove_stale_staging(out: Path) -> list[Path]:
    """Remove staging folders of ``out`` left by commands that were killed; return them.

    A staging folder is stale when no live process holds its lock. Entries in it that are not
    its run's files (nested outputs it was carrying over) go back into ``out`` first.
    """
    removed: list[Path] = []
    try:
        candidates = sorted(out.parent.glob(f".{glob.escape(out.name)}.partial-*"))
    except OSError:
        return removed
    for stage in candidates:  # loop: staging folders beside one output folder
        if not stage.is_dir() or stage.is_symlink():
            continue
        try:
            fd = _lock(stage)
        except OSError:  # a live command holds it
            continue
        try:
            _move_others(stage, out, skip=set())
            shutil.rmtree(stage, ignore_errors=True)
            removed.append(stage)
        finally:
            os.close(fd)
    return removed


def _commit(stage: Path, out: Path) -> None:
    """Make ``stage`` (a finished output with its manifest) the folder ``out``, in one atomic step."""
    _move_others(out, stage, skip=set(run_files(stage)))  # nested outputs and the user's files stay
    if not _exists(out):
        stage.rename(out)
        return
    cwd_inside = False
    with suppress(OSError):
        cwd_inside = Path.cwd().resolve().is_relative_to(out.resolve())
    if not cwd_inside and _exchange(stage, out):
        return
    # No atomic exchange here (another system, a mount point, the working directory): move the
    # files in one by one, the manifest last, after removing the old run's files.
    for name in run_files(out) - run_files(stage):  # loop: the old run's files the new one lacks
        target = out / name
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    names = sorted(run_files(stage) - {MANIFEST}) + [MANIFEST]
    with suppress(FileNotFoundError):
        (out / MANIFEST).unlink()
    for name in names:  # loop: files of the new output, the manifest last
        (stage / name).replace(out / name)


@contextmanager
def staged_output(out: Path, command: str = "") -> Iterator[Path]:
    """Write a command's files into a staging folder beside ``out``; make it ``out`` only on success.

    The command writes into the yielded folder. When it finishes, a manifest is written last and
    the staging folder takes the place of ``out`` in one atomic step (``renameat2`` exchange), so
    ``out`` holds one whole output at every moment, the old one or the new one, even under kill
    -9. Entries of ``out`` that were not the old output's files (another command's folder nested
    in it, the user's own files) are carried over. Staging folders left by killed commands are
    removed first.

    Args:
        out: The output folder.
        command: The command's name, recorded in the manifest.

    Raises:
        InputError: ``out`` cannot be created or written (see ``check_folder``).
    """
    check_folder(out)
    created = [d for d in reversed(out.parents) if not d.exists()]
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(out)
    done = False
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
        lock = _lock(stage)
        stage.chmod(_folder_mode(out))
        try:
            yield stage
            write_manifest(stage, command)
            _commit(stage, out)
            done = True
        finally:
            with suppress(OSError):
                _move_others(stage, out, skip=set())  # anything carried over goes back
            shutil.rmtree(stage, ignore_errors=True)  # the old output, or an unfinished one
            os.close(lock)
    finally:
        if not done:
            for folder in reversed(created):  # loop: parent folders made for a command that failed
                with suppress(OSError):
                    folder.rmdir()
