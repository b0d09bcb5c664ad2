"""Physical ranges of configuration values and the memory limit of the pre-flight checks.

The ranges are those a physicist would defend for the experiments spinscope simulates; each bound is
stated, with its reason, in the message of the value it refuses:

- photon energies 10 eV .. 100 keV: the optical-constant tables (Henke/Chantler-like) cover this span;
- pump-probe delays ``|t| <= 1 s``: beyond the pulse period of any pump-probe source (>= 1 Hz);
- exposures <= 1e5 s (about a day of beamtime per frame), dwell <= 1e3 s per pixel;
- LLG durations <= 1 us (1e5+ integration steps of ps size already), at most 1e5 output frames;
- seeds ``0 .. 2**63 - 1``: what numpy and HDF5 store as a signed 64-bit integer.

The pre-flight checks (:func:`check_memory`) compare an estimate of the peak memory of a run with a
limit: ``--max-memory`` or, by default, half of the machine's physical memory.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any

from spinscope.errors import ConfigError

__all__ = [
    "DELAY_MAX",
    "DWELL_MAX",
    "ENERGY_RANGE",
    "EXPOSURE_MAX",
    "LLG_DURATION_MAX",
    "MAX_FRAMES",
    "SEED_MAX",
    "check_memory",
    "default_max_memory",
    "format_bytes",
    "in_range",
    "parse_memory",
    "resolve_max_memory",
]

#: Photon energies [eV]: the span of the optical-constant tables.
ENERGY_RANGE = (10.0, 1.0e5)
#: Largest |pump-probe delay| [s].
DELAY_MAX = 1.0
#: Longest exposure per frame [s].
EXPOSURE_MAX = 1.0e5
#: Longest dwell per pixel [s].
DWELL_MAX = 1.0e3
#: Longest LLG run [s].
LLG_DURATION_MAX = 1.0e-6
#: Most output frames of an LLG run.
MAX_FRAMES = 100_000
#: Largest seed (HDF5/numpy signed 64-bit).
SEED_MAX = 2**63 - 1

_UNITS = {"": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12,
          "tb": 1e12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_MEMORY = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]{1,3})?)\s*([a-zA-Z]{0,3})\s*")


def in_range(value: Any, lo: float, hi: float, what: str, *, unit: str = "", lo_open: bool = False) -> Any:
    """Check ``lo <= value <= hi`` (``lo < value`` when ``lo_open``) for a validator.

    Parameters
    ----------
    value
        The number in its internal unit, or ``None`` (passes).
    lo, hi
        The valid range [internal unit].
    what
        What the value is and why the range, e.g. ``"a photon energy (the optical tables' range)"``.
    unit
        Internal unit for the message [text].
    lo_open
        Exclude ``lo`` itself.

    Returns
    -------
    Any
        ``value``, unchanged.

    Raises
    ------
    ValueError
        ``"expected <what> in [lo, hi] <unit>, got <value>"`` (pydantic adds the field's location).
    """
    if value is None:
        return value
    v = float(value)
    ok = math.isfinite(v) and (v > lo if lo_open else v >= lo) and v <= hi
    if not ok:
        bracket = "(" if lo_open else "["
        raise ValueError(f"expected {what} in {bracket}{lo:g}, {hi:g}] {unit}".rstrip()
                         + f", got {value!r}")
    return value


def parse_memory(text: Any) -> float:
    """A memory size such as ``'8 GiB'``, ``'500 MB'`` or a number of bytes [B].

    Parameters
    ----------
    text
        ``"<number> [B|kB|MB|GB|TB|KiB|MiB|GiB|TiB]"`` or a positive number [B].

    Returns
    -------
    float
        The size [B].

    Raises
    ------
    ConfigError
        Unparsable, zero or negative (field ``--max-memory``).
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        value = float(text)
    else:
        s = str(text)
        m = _MEMORY.fullmatch(s) if len(s) < 40 else None
        if m is None or m.group(2).lower() not in _UNITS:
            raise ConfigError(f"--max-memory: expected a size such as '8 GiB' or '500 MB', got {text!r}",
                              field="--max-memory")
        value = float(m.group(1)) * _UNITS[m.group(2).lower()]
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(f"--max-memory: expected a positive size such as '8 GiB', got {text!r}",
                          field="--max-memory")
    return value


def default_max_memory(fraction: float = 0.5) -> float:
    """Half (``fraction``) of the machine's physical memory [B] (8 GiB where it cannot be read)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 16 * 2**30
    return fraction * float(total)


def resolve_max_memory(max_memory: Any = None) -> float:
    """The limit [B]: ``max_memory`` parsed (:func:`parse_memory`), or :func:`default_max_memory`."""
    return default_max_memory() if max_memory is None else parse_memory(max_memory)


def format_bytes(n: float) -> str:
    """``n`` bytes as ``'1.5 GiB'`` [text]."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} B"


def check_memory(estimate: float, max_memory: Any, *, command: str, fields: str, detail: str = "") -> float:
    """Refuse a run whose estimated peak memory exceeds the limit.

    Parameters
    ----------
    estimate
        Estimated peak memory [B].
    max_memory
        Limit (``None``: half the physical memory; a size string or bytes otherwise).
    command
        What is checked, for the message (``"xrms simulate"``).
    fields
        The configuration fields that set the size, for the message.
    detail
        How the estimate was made, for the message.

    Returns
    -------
    float
        The limit [B].

    Raises
    ------
    ConfigError
        The estimate exceeds the limit; the message names ``fields`` and both numbers.
    """
    limit = resolve_max_memory(max_memory)
    if not estimate <= limit:
        extra = f" ({detail})" if detail else ""
        raise ConfigError(
            f"{fields}: {command} would need about {format_bytes(estimate)}{extra}, more than the "
            f"limit of {format_bytes(limit)}; reduce {fields} or raise --max-memory",
            field=fields.split(",")[0].strip())
    return limit
