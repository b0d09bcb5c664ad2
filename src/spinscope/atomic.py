"""Safe output: atomic files, claimed outputs, manifests written last, fingerprints of configurations.

Atomic files (:func:`atomic_path`)
    Every output is written to a temporary file beside the target, then renamed onto it. A reader
    never sees a half-written file, and an interrupted run leaves the old file (or none) in place.
    ``os.replace`` is atomic on POSIX and Windows when source and target share a filesystem, which is
    why the temporary file is created in the target's own folder. Its name is made by
    :func:`tempfile.mkstemp` (random, created with ``O_EXCL``): a link planted in the output folder
    can neither be guessed nor followed. The rename replaces a link at the target name itself, never
    the file it points to.

Claimed outputs (:func:`claim_output`)
    A run claims its output (file or folder) with a lock file beside it,
    ``.<name>.spinscope.lock`` holding the process id, host and time, created with ``O_EXCL``. A second
    run into the same output fails with one line naming it, ``--overwrite`` or not; a lock left by a
    process that no longer runs on this host is taken over with a warning, and the temporary files
    that process left beside the output are removed. Claims are re-entrant
    within a process and released when the run (or, for claims made by the workflows, the process)
    ends.

Manifests (:func:`write_manifest`, :func:`read_manifest`)
    Outputs made of many files (a folder of OVF frames, a folder of checkpoints) carry
    ``manifest.json``: written with ``complete = false`` before the first file and with
    ``complete = true``, the file count, the configuration fingerprint and the spinscope version
    after the last one. A folder whose manifest is missing or says ``complete = false`` is an
    interrupted run.

Fingerprints (:func:`config_fingerprint`)
    SHA-256 of the canonical JSON (sorted keys, no spaces) of a validated configuration, plus one per
    top-level key, so that a checkpoint made with another configuration is refused and the message
    can say which sections differ.

Errors
    Every :class:`OSError` met while creating, writing or renaming an output (a parent that is a
    file, a dangling link, ``/proc``, a full disk) becomes an :class:`OutputError` naming the path and
    the reason.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import hashlib
import json
import os
import re
import socket
import tempfile
import time
import warnings
from collections.abc import Iterator, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from spinscope.errors import FileFormatError, OutputError, OutputExistsError, SpinscopeError

__all__ = [
    "LOCK_SUFFIX",
    "MANIFEST_NAME",
    "OutputClaim",
    "OutputError",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_writable",
    "claim_output",
    "code_version",
    "config_fingerprint",
    "differing_keys",
    "make_folder",
    "read_manifest",
    "write_manifest",
]

#: Suffix of the lock file beside a claimed output: ``.<name>.spinscope.lock`` [file name].
LOCK_SUFFIX = ".spinscope.lock"
#: Name of the manifest of a multi-file output [file name].
MANIFEST_NAME = "manifest.json"
#: Names :func:`atomic_path` gives its temporary files.
_TEMP = re.compile(r"\..+\.[a-z0-9_]{8}\.part")
#: A lock file younger than this may still be being written by its owner [s].
_LOCK_GRACE = 5.0


def code_version() -> str:
    """The installed spinscope version [text] (``0.0.0+unknown`` when not installed)."""
    try:
        return version("spinscope")
    except PackageNotFoundError:
        return "0.0.0+unknown"


def _reason(path: Path, exc: OSError) -> str:
    """Why ``path`` could not be made: the first ancestor that is a file or a dangling link, else
    the system's message."""
    if isinstance(exc, FileExistsError | NotADirectoryError | FileNotFoundError):
        for anc in [path, *path.parents][::-1]:
            if anc.is_symlink() and not anc.exists():
                return f"{anc} is a dangling link"
            if anc.exists() and not anc.is_dir():
                return f"{anc} is a file, not a folder"
    return exc.strerror or str(exc)


def _output_error(path: Path, exc: OSError, doing: str) -> OutputError:
    return OutputError(f"{path}: cannot {doing} ({_reason(path, exc)})", path=str(path))


def make_folder(folder: str | os.PathLike) -> Path:
    """Create a folder and its parents if needed.

    Parameters
    ----------
    folder
        The folder [path].

    Returns
    -------
    pathlib.Path
        The folder.

    Raises
    ------
    OutputError
        It cannot be created (a parent is a file or a dangling link, a read-only or virtual file
        system), or it exists and is not a folder.
    """
    p = Path(folder)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _output_error(p, exc, "create the folder") from None
    return p


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
        The path as given.

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
    if target.exists() and not target.is_symlink():
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
        A new file with a unique name (``.<name>.<random>.part``, made with ``O_EXCL``) in the same
        folder; on an exception it is removed and ``path`` is untouched.

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``overwrite`` is false.
    OutputError
        The folder, the temporary file or the rename failed, or writing raised an :class:`OSError`
        (the message names ``path`` and the reason).
    """
    target = check_writable(path, overwrite=overwrite)
    make_folder(target.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise _output_error(target, exc, "create a file in its folder") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        try:
            yield tmp_path
        except SpinscopeError:
            raise
        except OSError as exc:
            raise _output_error(target, exc, "write") from None
        try:
            # mkstemp creates mode 0600; give the output the mode a plain open() would have
            os.chmod(tmp_path, _target_mode(target))
            os.replace(tmp_path, target)
        except OSError as exc:
            raise _output_error(target, exc, "rename the finished file onto it") from None
    finally:
        with contextlib.suppress(OSError):
            if tmp_path.is_symlink() or tmp_path.exists():
                tmp_path.unlink()


def atomic_write_bytes(path: str | os.PathLike, data: bytes, *, overwrite: bool = True,
                       fsync: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (:func:`atomic_path`).

    Parameters
    ----------
    path
        Output file [path].
    data
        Content [bytes].
    overwrite
        Allow replacing an existing file.
    fsync
        Flush the file to the disk before the rename (checkpoints).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    with atomic_path(path, overwrite=overwrite) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        if fsync:
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str, *, overwrite: bool = True) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; see :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"), overwrite=overwrite)


# ----------------------------------------------------------------------------------------------
# claims


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError, OSError):
        return False
    return True


def _read_lock(lock: Path) -> dict[str, Any] | None:
    """The lock's content, or ``None`` when it is not a readable spinscope lock (a link, garbage)."""
    try:
        fd = os.open(lock, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as fh:
            info = json.loads(fh.read(4096).decode("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or not isinstance(info.get("pid"), int):
        return None
    return info


class OutputClaim:
    """A claimed output (:func:`claim_output`); a context manager that releases it on exit.

    Attributes
    ----------
    output
        The claimed file or folder [path].
    lock
        The lock file beside it [path].
    """

    def __init__(self, output: Path, lock: Path, token: str):
        self.output = output
        self.lock = lock
        self._token = token
        self._count = 1

    def release(self) -> None:
        """Give the claim back (once per :func:`claim_output`); the lock goes with the last one."""
        self._count -= 1
        if self._count > 0:
            return
        _HELD.pop(str(self.lock), None)
        info = _read_lock(self.lock)
        if info is not None and info.get("token") == self._token:
            with contextlib.suppress(OSError):
                self.lock.unlink()

    def __enter__(self) -> OutputClaim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


_HELD: dict[str, OutputClaim] = {}


@atexit.register
def _release_all() -> None:
    for claim in list(_HELD.values()):
        claim._count = 1
        claim.release()


def _in_use(output: Path, lock: Path, info: dict[str, Any] | None, young: bool = False) -> OutputError:
    if young:
        who = "another spinscope run is claiming it; wait for it to finish or choose another output"
    elif info is None:
        who = f"{lock} exists and is not a spinscope lock; remove it if no run writes there"
    else:
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(info.get("time", 0))))
        who = (f"another spinscope run (pid {info['pid']} on {info.get('host', '?')}, since {since}) "
               f"is writing it; wait for it to finish or choose another output")
    return OutputError(f"{output}: output in use: {who}", path=str(output))


def _try_lock(lock: Path, content: bytes) -> bool:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(lock, flags, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    return True


def _remove_orphans(out: Path) -> None:
    """Remove the temporary files (``.<name>.<random>.part``) a killed run left beside ``out`` and,
    for a folder, in it."""
    found = list(out.parent.glob(f".{glob.escape(out.name)}.*.part"))
    if out.is_dir() and not out.is_symlink():
        found += [p for p in out.glob(".*.part") if _TEMP.fullmatch(p.name)]
    for p in found:
        if p.is_file() and not p.is_symlink():
            with contextlib.suppress(OSError):
                p.unlink()


def claim_output(output: str | os.PathLike) -> OutputClaim:
    """Claim an output file or folder for this run with a lock file beside it (module notes).

    Parameters
    ----------
    output
        The output [path]; its parent folder is created if needed.

    Returns
    -------
    OutputClaim
        The claim (a context manager); claiming an output this process holds again returns the same
        claim.

    Raises
    ------
    OutputError
        Another live run holds the output (the message names it, the process and the host), the lock
        is not a spinscope lock, or the parent folder cannot be made or written.
    """
    out = Path(os.path.abspath(output))
    lock = out.parent / f".{out.name}{LOCK_SUFFIX}"
    held = _HELD.get(str(lock))
    if held is not None:
        held._count += 1
        return held
    make_folder(out.parent)
    host = socket.gethostname()
    token = f"{os.getpid()}-{time.time_ns()}-{os.urandom(4).hex()}"
    content = json.dumps({"pid": os.getpid(), "host": host, "time": time.time(), "token": token,
                          "output": str(out)}).encode()
    for _ in range(3):
        try:
            if _try_lock(lock, content):
                claim = OutputClaim(out, lock, token)
                _HELD[str(lock)] = claim
                return claim
        except OSError as exc:
            raise _output_error(out, exc, "create its lock file") from None
        info = _read_lock(lock)
        if info is None:
            try:
                young = time.time() - lock.lstat().st_mtime < _LOCK_GRACE and not lock.is_symlink()
            except OSError:
                continue  # gone meanwhile: try again
            raise _in_use(out, lock, None, young)
        if info.get("host") != host or (info["pid"] != os.getpid() and _pid_alive(info["pid"])):
            raise _in_use(out, lock, info)
        if info["pid"] != os.getpid():
            warnings.warn(f"{out}: taking over the lock of spinscope run pid {info['pid']}, which no "
                          "longer runs; its output may be incomplete", UserWarning, stacklevel=2)
            _remove_orphans(out)
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()
    raise OutputError(f"{out}: could not claim the output (its lock keeps changing)", path=str(out))


# ----------------------------------------------------------------------------------------------
# manifests and fingerprints


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=True)


def config_fingerprint(config: Any) -> tuple[str, dict[str, str]]:
    """SHA-256 of a configuration's canonical JSON, and one per top-level key.

    Parameters
    ----------
    config
        A validated configuration: a pydantic model (dumped with ``mode="json"``) or a JSON-ready
        mapping.

    Returns
    -------
    tuple of (str, dict)
        The fingerprint [hex digest] and ``key -> fingerprint`` of each top-level entry.
    """
    if hasattr(config, "model_dump"):
        config = config.model_dump(mode="json")
    whole = hashlib.sha256(_canonical(config).encode()).hexdigest()
    keys = {}
    if isinstance(config, Mapping):
        keys = {str(k): hashlib.sha256(_canonical(v).encode()).hexdigest()[:16]
                for k, v in config.items()}
    return whole, keys


def differing_keys(saved: Mapping[str, str] | None, now: Mapping[str, str] | None) -> list[str]:
    """Top-level keys whose fingerprints differ (present in only one counts) [sorted names]."""
    saved, now = dict(saved or {}), dict(now or {})
    return sorted(k for k in set(saved) | set(now) if saved.get(k) != now.get(k))


def write_manifest(folder: str | os.PathLike, *, complete: bool, **fields: Any) -> Path:
    """Write ``manifest.json`` of a multi-file output atomically (module notes).

    Parameters
    ----------
    folder
        The output folder [path].
    complete
        Whether every file of the output is written (write ``False`` first, ``True`` last).
    **fields
        JSON-ready entries (``frames``, ``fingerprint``, ...).

    Returns
    -------
    pathlib.Path
        The manifest.
    """
    data = {"spinscope_version": code_version(), **fields, "complete": bool(complete)}
    return atomic_write_text(Path(folder) / MANIFEST_NAME, json.dumps(data, indent=1) + "\n")


def read_manifest(folder: str | os.PathLike) -> dict[str, Any] | None:
    """The manifest of a multi-file output, or ``None`` when the folder has none.

    Raises
    ------
    FileFormatError
        The manifest exists but is not a JSON object (names the file).
    """
    p = Path(folder) / MANIFEST_NAME
    if not p.is_file():
        return None
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FileFormatError(f"{p}: unreadable manifest ({exc})", path=str(p)) from None
    if not isinstance(data, dict):
        raise FileFormatError(f"{p}: the manifest is not a JSON object", path=str(p))
    return data

