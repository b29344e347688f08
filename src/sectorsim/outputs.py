"""Where results go: output locations are checked before any work starts, and written all at once.

``check_folder`` and ``check_file`` prove that a location can be written the only reliable way
(permissions say little to root, and nothing about /proc, read-only mounts or full disks): they
create the missing parent folders and a scratch file, then remove everything they created. A
refusal is an ``InputError`` that names the option and the path, says why and what is allowed.
``staged_output`` writes a command's files into a scratch folder beside the output folder and moves
them in only when everything has been written, so a failed command leaves nothing half-written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

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


@contextmanager
def staged_output(out: Path) -> Iterator[Path]:
    """Write into a temporary folder beside ``out``; move files into ``out`` only on success.

    Raises:
        InputError: ``out`` cannot be created or written (see ``check_folder``).
    """
    check_folder(out)
    created = [d for d in reversed(out.parents) if not d.exists()]
    out.parent.mkdir(parents=True, exist_ok=True)
    done = False
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
        try:
            yield tmp
            out.mkdir(exist_ok=True)
            for f in sorted(tmp.iterdir()):  # loop: files the command wrote
                target = out / f.name
                if target.is_dir():
                    shutil.rmtree(target)
                f.replace(target)
            done = True
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        if not done:
            for folder in reversed(created):  # loop: parent folders made for a command that failed
                with suppress(OSError):
                    folder.rmdir()
