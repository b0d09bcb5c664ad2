"""Shared HDF5 helpers of the readers: opening with one-line errors, decoding strings and units."""

from __future__ import annotations

import contextlib
import copy
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from spinscope.errors import FileFormatError, SpinscopeError, UnitError

__all__ = [
    "HDF5_SIGNATURE",
    "check_file",
    "check_links",
    "decode",
    "find_hdf5_signature",
    "length_factor",
    "name_the_file",
    "nx_class",
    "open_hdf5",
    "wrap_errors",
]

#: The 8-byte signature that starts an HDF5 superblock (at offset 0, 512, 1024, 2048, ...).
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def find_hdf5_signature(path: str | os.PathLike) -> int | None:
    """Offset of the HDF5 superblock signature in ``path`` [file path], or ``None`` if there is none.

    A FIFO, socket, device or folder is refused (:func:`check_file`) before anything is opened.
    """
    p = check_file(path)
    size = p.stat().st_size
    with open(p, "rb") as fh:
        offset = 0
        while offset + 8 <= size:
            fh.seek(offset)
            if fh.read(8) == HDF5_SIGNATURE:
                return offset
            offset = 512 if offset == 0 else offset * 2
    return None


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"


def check_file(path: str | os.PathLike, *, missing: str = "no such file") -> Path:
    """Refuse, before anything opens it, a path that is not a readable regular file.

    Parameters
    ----------
    path
        The file [file path].
    missing
        Message for a path that does not exist (``"no such OVF file"``).

    Returns
    -------
    pathlib.Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    FileFormatError
        Naming the file: missing, a folder, a FIFO, socket or device (reading one could block
        forever or never end), or not readable.
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except (FileNotFoundError, NotADirectoryError):
        raise FileFormatError(f"{p}: {missing}", path=str(p)) from None
    except (OSError, ValueError) as exc:  # ENAMETOOLONG, ELOOP, EACCES on a parent, NUL in the name
        why = getattr(exc, "strerror", None) or str(exc)
        raise FileFormatError(f"{p}: cannot read ({why})", path=str(p)) from None
    if stat.S_ISDIR(st.st_mode):
        raise FileFormatError(f"{p}: expected a file, got a folder", path=str(p))
    if not stat.S_ISREG(st.st_mode):
        raise FileFormatError(
            f"{p}: expected a regular file, got {_file_kind(st.st_mode)}; not opened", path=str(p)
        )
    if not os.access(p, os.R_OK):
        raise FileFormatError(f"{p}: cannot read (permission denied)", path=str(p))
    return p


@contextlib.contextmanager
def open_hdf5(path: str | os.PathLike) -> Iterator[Any]:
    """Open an HDF5 file read-only; errors become one-line :class:`FileFormatError`.

    Parameters
    ----------
    path
        File to open [file path].

    Yields
    ------
    h5py.File
        The open file.

    Raises
    ------
    FileFormatError
        "no such file", "not an HDF5 file", "truncated HDF5 file" or "corrupt HDF5 file", naming
        the file.
    """
    import h5py

    p = check_file(path)
    if find_hdf5_signature(p) is None:
        size = p.stat().st_size
        what = "empty file" if size == 0 else "no HDF5 signature"
        raise FileFormatError(f"{p}: not an HDF5 file ({what})", path=str(p))
    try:
        fh = h5py.File(p, "r", locking=False)
    except Exception as exc:  # h5py raises OSError with the HDF5 error stack text
        raise _open_error(p, exc) from None
    try:
        yield fh
    finally:
        with contextlib.suppress(Exception):
            fh.close()


def _open_error(p: Path, exc: Exception) -> FileFormatError:
    text = str(exc)
    m = re.search(r"truncated file: eof = (\d+).*stored_eof = (\d+)", text)
    if m:
        return FileFormatError(
            f"{p}: truncated HDF5 file ({m.group(1)} of {m.group(2)} bytes)", path=str(p)
        )
    if "truncated" in text.lower():
        return FileFormatError(f"{p}: truncated HDF5 file", path=str(p))
    short = " ".join(text.split())[:160]
    return FileFormatError(f"{p}: corrupt HDF5 file ({short})", path=str(p))


def name_the_file(exc: SpinscopeError, path: str | os.PathLike) -> SpinscopeError:
    """``exc`` if its message names the file, else a copy of it (same class) that starts with it.

    A :class:`~spinscope.errors.UnitError` about a caller's option (``field`` set, e.g.
    ``energy``) is left alone: it names the option, not the file.

    Parameters
    ----------
    exc
        An error raised while reading ``path``.
    path
        The file being read [file path].

    Returns
    -------
    SpinscopeError
        ``exc`` itself, or a copy whose message is ``"PATH: <message>"``.
    """
    p = str(path)
    if Path(p).name in str(exc) or (isinstance(exc, UnitError) and exc.field is not None):
        return exc
    new = copy.copy(exc)
    new.args = (f"{p}: {exc.message}",)
    new.path = p
    return new


@contextlib.contextmanager
def wrap_errors(path: str | os.PathLike, what: str = "corrupt or unreadable HDF5 content"):
    """Turn any exception raised while reading into a one-line error naming the file.

    Spinscope errors keep their class (a message without the file gets it, see
    :func:`name_the_file`); anything else becomes a :class:`FileFormatError` saying ``what``.
    """
    try:
        yield
    except SpinscopeError as exc:
        named = name_the_file(exc, path)
        if named is exc:
            raise
        raise named from exc
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:
        short = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        raise FileFormatError(f"{path}: {what} ({short})", path=str(path)) from exc


def decode(value: Any) -> Any:
    """Decode bytes (UTF-8, falling back to Latin-1) and 1-element arrays of bytes/str to ``str``."""
    if isinstance(value, np.ndarray):
        if value.size == 1 and value.dtype.kind in "SOU":
            return decode(value.reshape(-1)[0])
        if value.dtype.kind in "SO":
            return np.array([decode(v) for v in value.reshape(-1)], dtype=object).reshape(
                value.shape
            )
        return value
    if isinstance(value, bytes | np.bytes_):
        b = bytes(value)
        try:
            return b.decode("utf-8")
        except UnicodeDecodeError:
            return b.decode("latin-1")
    if isinstance(value, np.str_):
        return str(value)
    return value


_LENGTH = {
    "m": 1.0,
    "mm": 1e-3,
    "um": 1e-6,
    "µm": 1e-6,  # micro sign U+00B5
    "μm": 1e-6,  # Greek mu U+03BC
    "micron": 1e-6,
    "microns": 1e-6,
    "micrometer": 1e-6,
    "micrometre": 1e-6,
    "nm": 1e-9,
    "pm": 1e-12,
    "cm": 1e-2,
    "å": 1e-10,
    "angstrom": 1e-10,
}


def length_factor(units: str | None) -> float | None:
    """Factor that turns a length in ``units`` into metres, or ``None`` if not a known length unit."""
    if units is None:
        return None
    u = str(units).strip()
    if u in _LENGTH:
        return _LENGTH[u]
    return _LENGTH.get(u.lower())


def nx_class(obj) -> str | None:
    """The ``NX_class`` attribute of a group as ``str``: a string, bytes, or a one-element array (GDA)."""
    v = obj.attrs.get("NX_class")
    if v is None:
        return None
    v = decode(v)
    if isinstance(v, np.ndarray):
        return None
    return str(v).strip()


def _missing_external(group, name: str, path: Path) -> str | None:
    """Target file of a broken external link ``group/name``, or ``None`` if the link is not one."""
    import h5py

    try:
        link = group.get(name, getlink=True)
    except Exception:
        return None
    if isinstance(link, h5py.ExternalLink):
        target = Path(link.filename)
        if not target.is_absolute():
            target = path.parent / target
        if not target.exists():
            return f"{link.filename}:{link.path}"
    return None


def check_links(group, name: str, path: str | os.PathLike) -> None:
    """Raise a one-line :class:`FileFormatError` when ``group/name`` cannot be read from this file.

    Two cases seen in files from facilities: an external link whose target file was not copied
    along (GDA/Diamond detector files), and a virtual dataset (HDF5 VDS) whose source files are
    missing. A missing VDS source would otherwise read as fill values, and reading it whole would
    try to allocate its full size (65 GiB for an Eiger stack), so nothing is read.
    """
    import h5py

    p = Path(path)
    where = f"{group.name.rstrip('/')}/{name}"
    missing = _missing_external(group, name, p)
    if missing is not None:
        raise FileFormatError(
            f"{p}: {where} is an external link to {missing}, whose file is missing "
            "(expected beside this file)", path=str(p))
    obj = group.get(name)
    if isinstance(obj, h5py.Dataset) and obj.is_virtual:
        absent = []
        f = obj.file
        for vs in obj.virtual_sources():
            fname = vs.file_name
            if fname in (".", ""):  # a source in this file, often itself an external link
                parent, _, leaf = vs.dset_name.rstrip("/").rpartition("/")
                grp = f.get(parent or "/")
                gone = grp is None or _missing_external(grp, leaf, p) or leaf not in grp
                if gone:
                    link = _missing_external(grp, leaf, p) if grp is not None else None
                    label = link or vs.dset_name
                    if label not in absent:
                        absent.append(label)
                continue
            target = Path(fname)
            if not target.is_absolute():
                target = p.parent / target
            if not target.exists() and fname not in absent:
                absent.append(fname)
        if absent:
            shown = ", ".join(absent[:3]) + (f" and {len(absent) - 3} more" if len(absent) > 3 else "")
            raise FileFormatError(
                f"{p}: {where} is a virtual dataset {obj.shape} whose source file(s) {shown} are "
                "missing (expected beside this file); not read", path=str(p))

