"""Raster scans of a time-resolved STXM: the plan that drives the instrument's exposure model.

The instrument (:class:`spinscope.instruments.STXM`, or anything satisfying
:class:`~spinscope.acquisition.protocols.ExposureModel`) says what the beam sees: the film's transmission
of each helicity, smeared over the bunch and the timing jitter in each time channel and focused by the
zone plate, sampled at the beam positions. This module says where the beam is, when, how bright and how
the photons are counted (Bonetti, J. Phys.: Condens. Matter 29, 133004 (2017), sec. 2):

Plan (:class:`ScanPattern`, :func:`raster_passes`)
    Helicities are scanned one after the other, one full raster each (a *pass*). Pixel ``(i, j)`` is
    visited at its nominal position plus a slow thermal drift (``drift_velocity`` x time since the
    start of the run, ``t = 0``) plus Gaussian interferometer jitter, row by row, ``dwell`` seconds each.
    The beam intensity follows ``1 + a sin(2 pi (t - start) / t_total)`` over the whole run (a slow drift
    of the source, recorded by the ring-current monitor).
Exposure per pixel (:class:`BunchBudget`)
    Photons per bunch ``flux / bunch_rate x I_ring(t) / I_ring(0)``; each time channel of each pixel
    collects ``floor(dwell x bunch_rate x share / channels)`` bunches, ``share = 1/2`` with even/odd
    normalisation (pumped on even revolutions, the ``reference`` state on odd ones), else 1.
Counting (:func:`count_passes`)
    The APD counts at most one photon per bunch (Binomial counts over the bunches of each channel,
    :meth:`spinscope.detectors.APD.counts`).

Randomness: the jitter of pass 1, 2, ... is drawn from the run's generator in that order, then one
child seed per (pass, pump state) in a fixed order; the counts are drawn from the child generators in
parallel threads (numpy releases the GIL). The same seed gives the same bytes.

Memory is bounded by the movie grid times the channels; everything is vectorised over pixels.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from spinscope.acquisition.protocols import Exposure, ExposureModel, RingTiming, TimeChannels
from spinscope.datamodel import validate_magnetisation, validate_stack
from spinscope.errors import ConfigError
from spinscope.rng import as_generator
from spinscope.units import check_positive as _pos

__all__ = ["BunchBudget", "RasterPass", "ScanPattern", "count_passes", "raster_passes", "run_stxm_scan"]


def _nonneg(value, name):
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ConfigError(f"{name}: expected a non-negative value, got {value!r}")
    return v


# --------------------------------------------------------------------------------------------------
# the plan
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScanPattern:
    """A raster scan: pixel grid, dwell, interferometer jitter and thermal drift.

    Parameters
    ----------
    pixel_size
        Scan step [m].
    nx, ny
        Pixels along x and y.
    dwell
        Time spent on each pixel per scan [s] (at least one ring revolution).
    centre
        Scan centre ``(x, y)`` in the beam frame [m].
    jitter_rms
        rms residual position jitter of the interferometer-controlled stage [m].
    drift_velocity
        Slow thermal drift ``(vx, vy)`` of the sample relative to the zone plate [m/s].
    interferometer_step
        Smallest position increment of the interferometer-controlled stage [m]; the pixel must not
        be smaller (1 nm: typical laser-interferometer STXM stages, e.g. Kilcoyne et al., J.
        Synchrotron Rad. 10, 125 (2003); UNCERTAIN, set it for your instrument).
    """

    pixel_size: float
    nx: int
    ny: int
    dwell: float
    centre: tuple[float, float] = (0.0, 0.0)
    jitter_rms: float = 0.0
    drift_velocity: tuple[float, float] = (0.0, 0.0)
    interferometer_step: float = 1e-9

    def __post_init__(self):
        object.__setattr__(self, "pixel_size", _pos(self.pixel_size, "pixel_size", "a positive length"))
        for name in ("nx", "ny"):
            v = getattr(self, name)
            if int(v) != v or int(v) < 1:
                raise ConfigError(f"scan.{name}: expected a positive integer, got {v!r}")
            object.__setattr__(self, name, int(v))
        object.__setattr__(self, "dwell", _pos(self.dwell, "dwell", "a positive duration"))
        object.__setattr__(self, "jitter_rms", _nonneg(self.jitter_rms, "jitter_rms"))
        object.__setattr__(
            self, "interferometer_step", _pos(self.interferometer_step, "interferometer_step")
        )
        if self.pixel_size < self.interferometer_step * (1 - 1e-9):
            raise ConfigError(
                f"pixel_size: {self.pixel_size:.3g} m is smaller than the interferometer step "
                f"{self.interferometer_step:.3g} m, so pixels cannot be placed; use a pixel of at least "
                f"{self.interferometer_step:.3g} m"
            )
        object.__setattr__(self, "centre", tuple(float(c) for c in self.centre))
        object.__setattr__(self, "drift_velocity", tuple(float(c) for c in self.drift_velocity))

    @property
    def x(self) -> np.ndarray:
        """Nominal x positions of the pixel columns [m]."""
        return self.centre[0] + (np.arange(self.nx) - (self.nx - 1) / 2.0) * self.pixel_size

    @property
    def y(self) -> np.ndarray:
        """Nominal y positions of the pixel rows [m]."""
        return self.centre[1] + (np.arange(self.ny) - (self.ny - 1) / 2.0) * self.pixel_size

    @property
    def scan_time(self) -> float:
        """Duration of one scan, ``nx ny dwell`` [s] (no fly-back overhead)."""
        return self.nx * self.ny * self.dwell

    def pixel_times(self, start: float = 0.0) -> np.ndarray:
        """Time at the middle of each pixel's dwell, row by row from ``start`` [s], shape (ny, nx)."""
        idx = np.arange(self.ny * self.nx, dtype=float).reshape(self.ny, self.nx)
        return start + (idx + 0.5) * self.dwell

    def positions(self, start: float = 0.0, rng=None) -> tuple[np.ndarray, np.ndarray]:
        """Actual beam positions ``(x, y)`` [m] of every pixel, shape (ny, nx) each.

        Nominal grid + drift (velocity x time since t = 0) + Gaussian jitter (drawn from ``rng``
        when ``jitter_rms > 0``: all x, then all y).
        """
        t = self.pixel_times(start)
        x = self.x[None, :] + self.drift_velocity[0] * t
        y = self.y[:, None] + self.drift_velocity[1] * t
        if self.jitter_rms > 0:
            gen = as_generator(rng)
            x = x + gen.normal(0.0, self.jitter_rms, size=x.shape)
            y = y + gen.normal(0.0, self.jitter_rms, size=y.shape)
        return np.broadcast_to(x, t.shape).copy(), np.broadcast_to(y, t.shape).copy()

    def metadata(self) -> dict[str, Any]:
        """The scan's parameters as dataset attributes (SI)."""
        return {"pixel_size": self.pixel_size, "dwell": self.dwell, "jitter_rms": self.jitter_rms,
                "drift_velocity": list(self.drift_velocity), "interferometer_step": self.interferometer_step}


@dataclass(frozen=True)
class RasterPass:
    """One raster of the whole image at one helicity: where the beam was, when, and how bright.

    Attributes
    ----------
    index
        Pass number (0, 1, ...).
    helicity
        +1 or -1.
    x, y
        True beam positions [m], shape ``(ny, nx)``.
    times
        Middle of each pixel's dwell since ``t = 0`` [s], shape ``(ny, nx)``.
    intensity
        Beam intensity relative to the start of the run (the ring-current monitor) [dimensionless],
        shape ``(ny, nx)``.
    """

    index: int
    helicity: int
    x: np.ndarray
    y: np.ndarray
    times: np.ndarray
    intensity: np.ndarray


def raster_passes(scan: ScanPattern, helicities: Sequence[int], *, start_time: float = 0.0,
                  intensity_drift: float = 0.0, rng=None) -> Iterator[RasterPass]:
    """The passes of a run, one per helicity in order (a generator: positions are drawn as it advances).

    Parameters
    ----------
    scan
        The raster.
    helicities
        Helicities scanned one after the other.
    start_time
        Start of the first pass since ``t = 0`` (the reference of the thermal drift) [s].
    intensity_drift
        Relative amplitude ``a`` of the slow beam drift ``1 + a sin(2 pi (t - start) / t_total)``.
    rng
        Generator, seed or ``None``: the jitter of each pass, in pass order.

    Yields
    ------
    RasterPass
    """
    gen = as_generator(rng)
    start_time = float(start_time)
    total_time = scan.scan_time * len(helicities)
    for ih, h in enumerate(helicities):
        start = start_time + ih * scan.scan_time
        px, py = scan.positions(start, gen)
        times = scan.pixel_times(start)
        drift = 1.0 + float(intensity_drift) * np.sin(2.0 * np.pi * (times - start_time) / total_time)
        yield RasterPass(ih, int(h), px, py, times, drift)


@dataclass(frozen=True)
class BunchBudget:
    """Bunches and photons behind each count (module notes).

    Attributes
    ----------
    bunches
        Bunches summed in each count (per pixel, channel and pump state).
    photons_per_bunch
        Photons per bunch in the focus at the start of the run [photons].
    channels
        Time channels per pixel.
    """

    bunches: int
    photons_per_bunch: float
    channels: int

    @classmethod
    def for_scan(cls, scan: ScanPattern, ring: RingTiming, *, photons_per_bunch: float, channels: int,
                 even_odd: bool) -> BunchBudget:
        """The budget of ``scan`` on ``ring``.

        Parameters
        ----------
        scan
            The raster (its ``dwell`` [s]).
        ring
            The storage ring (its ``bunch_rate`` [1/s]).
        photons_per_bunch
            Photons per bunch in the focus [photons].
        channels
            Time channels per pixel.
        even_odd
            Even/odd normalisation: half of the bunches see the pumped state, half the reference.

        Returns
        -------
        BunchBudget

        Raises
        ------
        ConfigError
            When the dwell gives less than one bunch per channel.
        """
        bunches_total = scan.dwell * ring.bunch_rate
        pumped_share = 0.5 if even_odd else 1.0
        n_b = int(math.floor(bunches_total * pumped_share / channels))
        if n_b < 1:
            raise ConfigError(
                f"scan.dwell: {scan.dwell:.3g} s gives less than one bunch per time channel; lengthen it"
            )
        return cls(n_b, float(photons_per_bunch), int(channels))


# --------------------------------------------------------------------------------------------------
# counting
# --------------------------------------------------------------------------------------------------
def _parallel(func: Callable[[Any], None], items: list) -> None:
    """Run ``func`` on each item, in threads when more than one core is available."""
    workers = min(len(items), os.cpu_count() or 1)
    if workers <= 1:
        for it in items:
            func(it)
        return
    with ThreadPoolExecutor(max_workers=workers) as ex:
        list(ex.map(func, items))


def count_passes(detector, jobs: list[tuple[np.ndarray, int, np.ndarray]], bunches: int, rng) -> None:
    """Draw the counts of every (pass, pump state): ``target[:, index] = counts(mu)``.

    Parameters
    ----------
    detector
        A :class:`~spinscope.acquisition.protocols.BunchCounter`.
    jobs
        ``(target, index, mu)``: the ``(channels, pass, ny, nx)`` int64 array to fill, the pass, and
        the mean photons per bunch ``(channels, ny, nx)``.
    bunches
        Bunches behind each count.
    rng
        The run's generator: one child seed per job is drawn from it, in job order.
    """
    seeds = as_generator(rng).integers(0, 2**63, size=len(jobs))

    def draw(job_seed):
        (target, ih, mu), sd = job_seed
        target[:, ih] = detector.counts(mu, bunches, np.random.default_rng(int(sd)))

    _parallel(draw, list(zip(jobs, seeds, strict=True)))


# --------------------------------------------------------------------------------------------------
# the driver
# --------------------------------------------------------------------------------------------------
def _check_helicities(helicities) -> list[int]:
    hel = [int(h) for h in helicities]
    if not hel or any(h not in (1, -1) for h in hel) or len(set(hel)) != len(hel):
        raise ConfigError(f"helicities: expected distinct values among +1 and -1, got {helicities!r}")
    return hel


def _check_movie(magnetisation: xr.DataArray, timing: TimeChannels | None) -> None:
    """The movie must cover one excitation period on a uniform grid; a movie needs a timing scheme."""
    has_time = "time" in magnetisation.dims
    if timing is None:
        if has_time and magnetisation.sizes["time"] > 1:
            raise ConfigError("timing: a magnetisation movie needs a stroboscopic scheme (excitation)")
        return
    if has_time:
        period = float(timing.excitation_period)
        t = np.asarray(magnetisation["time"].values, dtype=float)
        nt = t.size
        step = period / nt
        if nt > 1 and np.max(np.abs(np.diff(t) - step)) > 1e-6 * step:
            raise ConfigError(
                f"magnetisation.time: the movie must cover one excitation period "
                f"({period:.4g} s) in {nt} uniform frames of {step:.4g} s"
            )


def _check_run(instrument: ExposureModel, magnetisation, reference, scan: ScanPattern, timing,
               helicities, check_contrast: bool) -> list[int]:
    """Validate the inputs of :func:`run_stxm_scan` (errors name the field to change); the helicities."""
    # the unit-norm check is done on the fly by the transmission (one pass over the movie)
    validate_magnetisation(magnetisation, check_norm=False)
    if reference is not None:
        validate_magnetisation(reference, check_norm=False)
    for dim in ("z", "species"):
        if dim in magnetisation.dims:
            raise ConfigError(
                f"magnetisation: dim {dim!r} is not supported by the STXM model; select or average it"
            )
    if check_contrast:
        instrument.check_contrast()
    ring = instrument.ring
    if scan.dwell < ring.revolution_period * (1 - 1e-12):
        raise ConfigError(
            f"scan.dwell: {scan.dwell:.3g} s is shorter than one revolution of {ring.name} "
            f"({ring.revolution_period:.3g} s), so not every bunch and phase is sampled; use a dwell "
            f"of at least {ring.revolution_period:.3g} s"
        )
    hel = _check_helicities(helicities)
    _warn_undersampled(instrument, scan)
    _check_movie(magnetisation, timing)
    return hel


def _warn_undersampled(instrument: ExposureModel, scan: ScanPattern) -> None:
    opt_res = instrument.optical_resolution
    if scan.pixel_size > opt_res / 2.0 * (1 + 1e-9):
        warnings.warn(
            f"scan.pixel_size {scan.pixel_size:.3g} m is coarser than half the optical resolution "
            f"({opt_res / 2:.3g} m): the image is undersampled", stacklevel=4)


def run_stxm_scan(
    instrument: ExposureModel,
    magnetisation: xr.DataArray,
    scan: ScanPattern,
    *,
    timing: TimeChannels | None = None,
    reference: xr.DataArray | None = None,
    helicities: Sequence[int] = (1, -1),
    intensity_drift: float = 0.0,
    start_time: float = 0.0,
    check_contrast: bool = True,
    rng=None,
) -> xr.Dataset:
    """Simulate the recorded counts of a (time-resolved) XMCD-STXM measurement (module notes).

    Ten parameters: the instrument, the sample state and the plan, then keyword-only options of the run
    (a configuration, each with a default) that a caller sets by name.

    Parameters
    ----------
    instrument
        The exposure model (:class:`spinscope.instruments.STXM`).
    magnetisation
        The magnetisation (movie) contract, ``(time?, y, x, component)`` (a single ``z`` layer or
        ``species`` are not supported: average them first). A movie must cover one excitation
        period on a uniform grid (``time[j] = time[0] + j T / n_t``).
    scan
        The raster scan.
    timing
        The stroboscopic scheme (:class:`spinscope.acquisition.StroboscopicScheme` or any
        :class:`~spinscope.acquisition.protocols.TimeChannels`); ``None`` for a static image (no
        ``delay`` dim).
    reference
        Unpumped magnetisation for even/odd normalisation (pumped on even, reference on odd
        revolutions); ``None``: no normalisation (all bunches pumped).
    helicities
        Helicities scanned one after the other (+1, -1).
    intensity_drift
        Relative amplitude of a slow multiplicative drift of the beam (followed by the ring
        current monitor): ``1 + a sin(2 pi t / t_total)`` over the whole measurement.
    start_time
        Start of the run since ``t = 0``, the reference of the thermal drift [s].
    check_contrast
        Raise when the energy gives no magnetic contrast.
    rng
        Generator, seed or ``None``.

    Returns
    -------
    xarray.Dataset
        Measured-stack contract with dims ``(delay?, helicity, y, x)``: ``counts`` (int64),
        ``reference_counts`` (with ``reference``), ``ring_current`` [A] per pixel and helicity,
        ``bunches`` (bunches behind each count), ``count_time`` [s], ``x_position``,
        ``y_position`` (true beam positions [m]), coordinate ``energy`` [eV]; ``attrs`` with every
        parameter.
    """
    gen = as_generator(rng)
    hel = _check_run(instrument, magnetisation, reference, scan, timing, helicities, check_contrast)
    n_ch = 1 if timing is None else np.asarray(timing.channel_times).size
    budget = BunchBudget.for_scan(scan, instrument.ring, photons_per_bunch=instrument.photons_per_bunch,
                                  channels=n_ch, even_odd=reference is not None)
    pump_states = {"counts": magnetisation, "reference_counts": reference}
    exposures: dict[str, Exposure] = {
        name: instrument.exposure(m, helicities=hel, timing=timing, cell=scan.pixel_size)
        for name, m in pump_states.items() if m is not None}
    records = _allocate(list(exposures), n_ch, len(hel), scan)
    jobs = []
    for p in raster_passes(scan, hel, start_time=start_time, intensity_drift=intensity_drift, rng=gen):
        records["x_position"][p.index], records["y_position"][p.index] = p.x, p.y
        records["ring_current"][p.index] = instrument.ring.beam_current * p.intensity
        for name, exposure in exposures.items():
            mu = exposure.expected(p.helicity, p.x, p.y, photons=budget.photons_per_bunch * p.intensity)
            if mu.shape[0] != n_ch:
                mu = np.broadcast_to(mu, (n_ch, *mu.shape[1:]))
            jobs.append((records[name], p.index, mu))
    count_passes(instrument.detector, jobs, budget.bunches, gen)
    attrs = _run_attrs(instrument, scan, timing, reference is not None, intensity_drift, start_time, budget)
    return _dataset(records, hel, scan, timing, budget, instrument.energy, attrs)


def _allocate(states: list[str], n_ch: int, n_hel: int, scan: ScanPattern) -> dict[str, np.ndarray]:
    """Arrays the passes fill: counts ``(channel, pass, y, x)`` per pump state, per-pass positions and
    ring current ``(pass, y, x)``."""
    shape = (n_ch, n_hel, scan.ny, scan.nx)
    records = {name: np.empty(shape, dtype=np.int64) for name in states}
    for name in ("ring_current", "x_position", "y_position"):
        records[name] = np.empty(shape[1:])
    return records


def _run_attrs(instrument: ExposureModel, scan: ScanPattern, timing, even_odd: bool, intensity_drift: float,
               start_time: float, budget: BunchBudget) -> dict[str, Any]:
    """Attributes of the dataset: the instrument's, the scan's, the run's and the timing's parameters."""
    attrs = {**instrument.metadata(), "photons_per_bunch": budget.photons_per_bunch, **scan.metadata(),
             "intensity_drift": float(intensity_drift), "start_time": float(start_time),
             "normalisation": "even-odd" if even_odd else "none", "scan_type": "sample image"}
    if timing is not None:
        period = float(timing.excitation_period)
        attrs.update(excitation_frequency=1.0 / period, excitation_period=period, phases=budget.channels,
                     smear_rms=float(timing.smear_rms))
        for name, key in (("m", "ratio_m"), ("n", "ratio_n")):
            if hasattr(timing, name):
                attrs[key] = int(getattr(timing, name))
        if hasattr(timing, "jitter_rms"):
            attrs["timing_jitter_rms"] = float(timing.jitter_rms)
    return attrs


def _dataset(records: dict[str, np.ndarray], hel: list[int], scan: ScanPattern, timing,
             budget: BunchBudget, energy: float, attrs: dict[str, Any]) -> xr.Dataset:
    """The measured-stack contract of the run (see :func:`run_stxm_scan`)."""
    coords: dict[str, Any] = {
        "helicity": ("helicity", np.array(hel), {"units": "", "long_name": "helicity"}),
        "y": ("y", scan.y, {"units": "m", "long_name": "sample y"}),
        "x": ("x", scan.x, {"units": "m", "long_name": "sample x"}),
        "energy": ((), energy, {"units": "eV", "long_name": "photon energy"}),
    }
    dims = ("helicity", "y", "x")
    counts = {k: records[k] for k in ("counts", "reference_counts") if k in records}
    if timing is not None:
        coords["delay"] = ("delay", np.asarray(timing.channel_times, dtype=float),
                           {"units": "s", "long_name": "time channel"})
        dims = ("delay", *dims)
    else:
        counts = {k: v[0] for k, v in counts.items()}
    data = {
        "counts": (dims, counts["counts"], {"units": "counts", "long_name": "APD counts"}),
        "ring_current": (("helicity", "y", "x"), records["ring_current"],
                         {"units": "A", "long_name": "storage-ring current"}),
        "bunches": ((), budget.bunches, {"units": "", "long_name": "bunches behind each count"}),
        "count_time": ((), scan.dwell, {"units": "s", "long_name": "dwell time per pixel"}),
        "x_position": (("helicity", "y", "x"), records["x_position"],
                       {"units": "m", "long_name": "true beam x"}),
        "y_position": (("helicity", "y", "x"), records["y_position"],
                       {"units": "m", "long_name": "true beam y"}),
    }
    if "reference_counts" in counts:
        data["reference_counts"] = (dims, counts["reference_counts"],
                                    {"units": "counts", "long_name": "APD counts, unpumped (odd) turns"})
    return validate_stack(xr.Dataset(data, coords=coords, attrs=attrs))
