"""Pre-flight checks: the peak memory of a simulation, estimated from its validated configuration.

``xrms simulate`` and ``stxm simulate`` call these before they allocate anything; a configuration
whose estimate exceeds the limit (``--max-memory``, default half the physical memory) is refused in
well under a second with a :class:`~spinscope.errors.ConfigError` naming the fields that set the size.
The LLG estimate lives beside the mesh builder (:func:`spinscope.micromagnetics.build.preflight_llg`).

The models count the large arrays of each run and were calibrated against the peak memory that
``tracemalloc`` measures for the small test configurations (``tests/test_preflight.py`` keeps each
estimate within a factor 3 of the measurement).
"""

from __future__ import annotations

import math
from typing import Any

from spinscope.acquisition.stroboscopic import parse_ratio
from spinscope.config.limits import check_memory, format_bytes

__all__ = ["estimate_stxm", "estimate_xrms", "preflight_stxm", "preflight_xrms"]

#: Working copies of the complex simulation grid (exit wave, its FFT, texture, pump map, lookups).
XRMS_GRID_COPIES = 10
#: Float64 working arrays per detector pixel and frame (expected counts, noise, gain, masks).
XRMS_PIXEL_ARRAYS = 12
#: Copies of each stored detector frame: ADU (2 or 4 B) and the saturation flag (1 B), in the per-delay
#: results and then in the stacked dataset.
XRMS_STORE_COPIES = 2
#: Fixed overhead of an ``xrms simulate`` run (optical tables, lookups, interpreter objects) [B].
XRMS_BASE_BYTES = 20 * 2**20
#: Fixed overhead of a ``stxm simulate`` run (tables, the NXstxm writer and reader) [B].
STXM_BASE_BYTES = 40 * 2**20


def _grid_size(shape: tuple[int, int], oversampling: float) -> int:
    """The simulation grid ``n`` (a multiple of 16) that covers the detector at ``oversampling``."""
    return int(16 * math.ceil(oversampling * max(shape) / 16.0))


def estimate_xrms(cfg) -> dict[str, Any]:
    """Peak memory of ``xrms simulate`` for a validated :class:`~spinscope.config.xrms.XrmsConfig`.

    Parameters
    ----------
    cfg
        The configuration.

    Returns
    -------
    dict
        ``bytes`` [B] (the estimate), ``grid`` (n of the n x n complex grid), ``frames`` (stored
        detector frames), ``detail`` [text].
    """
    d = cfg.detector
    ny, nx = d.shape
    n = _grid_size((ny, nx), d.oversampling)
    sc = cfg.scan
    n_delays = len(sc.delays) + sum(r.num for r in sc.ranges)
    frames = n_delays * sc.exposures * (2 if sc.pump_off else 1)
    adc = 2 if d.adc_bits <= 16 else 4
    grid = n * n * 16 * XRMS_GRID_COPIES
    pixels = ny * nx * 8 * XRMS_PIXEL_ARRAYS * max(1, sc.exposures)
    store = frames * ny * nx * (adc + 1) * XRMS_STORE_COPIES
    total = XRMS_BASE_BYTES + grid + pixels + store
    detail = (f"a {n} x {n} complex grid ({format_bytes(grid)}) for detector.shape {ny} x {nx} at "
              f"detector.oversampling {d.oversampling:g}; {frames} stored frames ({format_bytes(store)}) "
              f"from {n_delays} delays x scan.exposures {sc.exposures}")
    return {"bytes": float(total), "grid": n, "frames": frames, "detail": detail}


def preflight_xrms(cfg, max_memory: Any = None) -> dict[str, Any]:
    """Refuse an ``xrms simulate`` configuration whose estimated memory exceeds ``max_memory``.

    Parameters
    ----------
    cfg
        The validated configuration.
    max_memory
        Limit [B] or a size string (``"8 GiB"``); ``None``: half the physical memory.

    Returns
    -------
    dict
        :func:`estimate_xrms` with ``limit`` [B].

    Raises
    ------
    ConfigError
        Over the limit; names ``detector.shape``, ``detector.oversampling``, ``scan.delays`` and
        ``scan.exposures`` and gives the estimate and the limit.
    """
    est = estimate_xrms(cfg)
    est["limit"] = check_memory(est["bytes"], max_memory, command="xrms simulate",
                                fields="detector.shape, detector.oversampling, scan.delays/ranges, "
                                       "scan.exposures", detail=est["detail"])
    return est


def _phases(cfg) -> int:
    """Time channels N of the excitation (1 without one)."""
    ex = cfg.excitation
    if ex is None:
        return 1
    if ex.ratio is not None:
        return parse_ratio(ex.ratio)[1]
    return int(ex.phases or 1)


def _movie_cells(mc) -> int:
    """Cells of one frame of the magnetisation movie (0 for a file: its size is the file's)."""
    if mc.scenario == "vortex":
        side = 2.2 * mc.radius / mc.cell
    elif mc.scenario == "spin_wave":
        side = mc.size / mc.cell
    else:
        return 0
    return int(math.ceil(side)) ** 2


#: 8-byte arrays per scan pixel, channel, helicity and pump state (expected counts, counts, dataset).
STXM_PIXEL_ARRAYS = 3
#: float64 arrays per movie cell, frame and helicity (the 3 components, exposure transmissions).
STXM_MOVIE_ARRAYS = 4


def estimate_stxm(cfg) -> dict[str, Any]:
    """Peak memory of ``stxm simulate`` for a validated :class:`~spinscope.config.stxm.StxmConfig`.

    Parameters
    ----------
    cfg
        The configuration.

    Returns
    -------
    dict
        ``bytes`` [B], ``phases``, ``movie_frames``, ``detail`` [text].
    """
    sc = cfg.scan
    n_ph = _phases(cfg)
    states = 2 if cfg.excitation is not None and cfg.excitation.normalisation == "even-odd" else 1
    n_hel = len(cfg.helicities)
    counts = sc.nx * sc.ny * n_ph * n_hel * states * 8 * STXM_PIXEL_ARRAYS
    mc = cfg.magnetisation
    frames = getattr(mc, "frames", None) or max(16, 4 * n_ph)
    movie = _movie_cells(mc) * frames * 8 * STXM_MOVIE_ARRAYS * n_hel
    total = STXM_BASE_BYTES + counts + movie
    detail = (f"scan.nx x scan.ny {sc.nx} x {sc.ny} pixels x {n_ph} excitation phases x {n_hel} "
              f"helicities ({format_bytes(counts)}); a movie of {frames} frames ({format_bytes(movie)})")
    return {"bytes": float(total), "phases": n_ph, "movie_frames": frames, "detail": detail}


def preflight_stxm(cfg, max_memory: Any = None) -> dict[str, Any]:
    """Refuse a ``stxm simulate`` configuration whose estimated memory exceeds ``max_memory``.

    Parameters
    ----------
    cfg
        The validated configuration.
    max_memory
        Limit [B] or a size string (``"8 GiB"``); ``None``: half the physical memory.

    Returns
    -------
    dict
        :func:`estimate_stxm` with ``limit`` [B].

    Raises
    ------
    ConfigError
        Over the limit; names ``scan.nx``, ``scan.ny``, ``excitation.phases`` (or ``ratio``),
        ``helicities`` and the movie's ``frames``/``cell``.
    """
    est = estimate_stxm(cfg)
    est["limit"] = check_memory(est["bytes"], max_memory, command="stxm simulate",
                                fields="scan.nx, scan.ny, excitation.phases/ratio, helicities, "
                                       "magnetisation.frames/cell", detail=est["detail"])
    return est
