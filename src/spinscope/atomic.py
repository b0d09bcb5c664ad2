"""Atomic output: write to a temporary file beside the target, then rename.

A reader never sees a half-written file, and an interrupted run leaves the old file (or none) in
place. ``os.replace`` is atomic on POSIX and Windows when source and target share a filesystem, which
is why the temporary file is created in the target's own folder.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from spinscope.errors import OutputExistsError

__all__ = ["atomic_path", "check_writable"]


def check_writable(path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Refuse to clobber an existing output unless asked.

    Parameters
    ----------
    path
        Output path [file path].
    overwrite
        Allow replacing an existing file.

    Returns
    -------
    pathlib.Path
        The path, resolved.

    Raises
    ------
    OutputExistsError
        If the file exists and ``overwrite`` is false.
    """
    p = Path(path)
    if p.exists() and not overwrite:
        raise OutputExistsError(
            f"{p}: output exists; choose another name or pass overwrite (--overwrite)", path=str(p)
        )
    return p


def _target_mode(target: Path) -> int:
    if target.exists():
        return target.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write; on success it is renamed onto ``path``.

    Parameters
    ----------
    path
        Final output path [file path]. Its parent folder is created if needed.
    overwrite
        Allow replacing an existing file.

    Yields
    ------
    pathlib.Path
        A temporary file in the same folder; on an exception it is removed and ``path`` is untouched.
    """
    target = check_writable(path, overwrite=overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp creates mode 0600; give the output the mode a plain open() would have
        os.chmod(tmp_path, _target_mode(target))
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
