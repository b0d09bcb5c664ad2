"""Time-resolved scanning transmission X-ray microscope (STXM) at a storage ring, with XMCD contrast.

What one raster pixel records (Bonetti, J. Phys.: Condens. Matter 29, 133004 (2017), sec. 2):

1. **Transmission.** Photons of helicity ``sigma`` cross the film stack; layer ``l`` of thickness
   ``d_l`` absorbs with ``beta_sigma = beta + sigma (k.m) beta_m`` (:mod:`spinscope.conventions`).
   The sample is tilted by ``theta`` about ``y``: in the sample frame the beam direction is
   ``k = (sin theta, 0, cos theta)`` and the path through a layer is ``d / cos theta``, so in-plane
   magnetisation along x gives contrast ``~ sin theta`` per unit path. A beam of circular
   polarisation degree ``P`` is a mixture of ``(1+P)/2`` of helicity ``sigma`` and ``(1-P)/2`` of
   ``-sigma``:

       T_sigma = exp(-OD_0) [(1+P)/2 exp(-a (k.m) sigma) + (1-P)/2 exp(+a (k.m) sigma)] exp(-a_c),
       a = sum_l 4 pi d_l beta_m,l / (lambda cos theta),   a_c = sum_l 4 pi d_l beta_l / (lambda cos theta).

   Cells whose magnetisation has ``|m| = 0`` (or NaN) hold no magnetic material (a patterned
   element): the magnetic layers are absent there.
2. **Time.** The magnetisation movie covers one excitation period on a uniform grid. Each time
   channel of the stroboscopic scheme averages the transmitted intensity over the Gaussian X-ray
   pulse and the timing jitter: the transmission is expanded in harmonics of the excitation
   period, each harmonic ``q`` multiplied by ``exp(-(2 pi q sigma_t / T)^2 / 2)``, and evaluated at
   the channel times (band-limited interpolation; exact for a band-limited movie).
3. **Focus.** The image is convolved with the intensity point-spread function of the zone plate
   (:class:`spinscope.optics.ZonePlate`, computed from the pupil, defocus included), drawn in the
   tilted sample frame (foreshortened by ``cos theta`` along x).
4. **Scan.** Pixel ``(i, j)`` is visited at its nominal position plus a slow thermal drift
   (``drift_velocity`` x elapsed time since the first scan) plus Gaussian interferometer jitter,
   and the image is sampled there (bilinear). Helicities are scanned one after the other.
5. **Detection.** Photons per bunch ``flux / bunch_rate x T x I_ring(t) / I_ring(0)``; the APD counts
   at most one per bunch with dead time (:class:`spinscope.detectors.APD`, Binomial counts over the
   bunches of each channel). With a ``reference`` magnetisation the pump is on even revolutions only
   and the odd revolutions record the unpumped state (even/odd normalisation): counts of both are
   returned, each from half of the bunches.

Memory is bounded by the movie grid times the channels; everything is vectorised over pixels.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from spinscope.datamodel import validate_magnetisation, validate_stack
from spinscope.detectors.apd import APD, as_generator
from spinscope.errors import ConfigError
from spinscope.optics.zone_plate import ZonePlate
from spinscope.sources.storage_ring import Beamline
from spinscope.units import check_positive as _pos
from spinscope.units import energy_to_wavelength

__all__ = ["STXM", "ScanPattern", "layer_constants", "smear_movie", "transmission"]

#: Smallest |beta_m / beta| of the magnetic layers that counts as magnetic contrast (1e-3: an XMCD
#: asymmetry of 0.1 %, below which a dichroism measurement is hopeless at any flux).
MIN_DICHROIC_RATIO = 1e-3


def _nonneg(value, name):
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ConfigError(f"{name}: expected a non-negative value, got {value!r}")
    return v


# --------------------------------------------------------------------------------------------------
# the raster scan
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
        when ``jitter_rms > 0``).
        """
        t = self.pixel_times(start)
        x = self.x[None, :] + self.drift_velocity[0] * t
        y = self.y[:, None] + self.drift_velocity[1] * t
        if self.jitter_rms > 0:
            gen = as_generator(rng)
            x = x + gen.normal(0.0, self.jitter_rms, size=x.shape)
            y = y + gen.normal(0.0, self.jitter_rms, size=y.shape)
        return np.broadcast_to(x, t.shape).copy(), np.broadcast_to(y, t.shape).copy()


# --------------------------------------------------------------------------------------------------
# kernels
# --------------------------------------------------------------------------------------------------
def layer_constants(layers, energy: float) -> list[dict[str, Any]]:
    """Optical constants of each layer at one photon energy.

    Parameters
    ----------
    layers
        Sequence of :class:`spinscope.config.LayerConfig` (``material``, ``thickness``, ``density``,
        ``magnetic``).
    energy
        Photon energy [eV].

    Returns
    -------
    list of dict
        ``material``, ``thickness`` [m], ``magnetic``, ``beta``, ``beta_m`` [dimensionless],
        ``elements``.
    """
    from spinscope.materials import get_material

    out = []
    for layer in layers:
        mat = get_material(layer.material, density=layer.density)
        ds = mat.optical_constants(float(energy))
        out.append(
            {
                "material": layer.material,
                "thickness": float(layer.thickness),
                "magnetic": bool(layer.magnetic),
                "beta": float(ds["beta"]),
                "beta_m": float(ds["beta_m"]) if layer.magnetic else 0.0,
                "elements": mat.elements,
            }
        )
    return out


def transmission(km, present, *, charge_depth, charge_depth_magnetic, magnetic_depth, helicity,
                 polarisation=1.0):
    """Transmission of one helicity through the stack, per cell (see the module docstring).

    Parameters
    ----------
    km
        Projection ``k . m`` of the unit magnetisation on the beam (any shape).
    present
        Where the magnetic layers exist (bool, broadcast against ``km``).
    charge_depth
        Optical depth of the non-magnetic layers ``sum 4 pi d beta / (lambda cos theta)``.
    charge_depth_magnetic
        Charge optical depth of the magnetic layers.
    magnetic_depth
        ``a = sum 4 pi d beta_m / (lambda cos theta)`` of the magnetic layers.
    helicity
        +1 or -1.
    polarisation
        Degree of circular polarisation P, 0..1.

    Returns
    -------
    numpy.ndarray
        Transmission [dimensionless].
    """
    km = np.asarray(km, dtype=float)
    pres = np.asarray(present, dtype=bool)
    x = helicity * magnetic_depth * km
    dich = 0.5 * (1.0 + polarisation) * np.exp(-x) + 0.5 * (1.0 - polarisation) * np.exp(x)
    return np.exp(-charge_depth) * np.where(pres, np.exp(-charge_depth_magnetic) * dich, 1.0)


def smear_movie(frames, *, period: float, t0: float, channel_times, sigma: float) -> np.ndarray:
    """Gaussian-smeared, band-limited interpolation of a periodic movie at the channel times.

    Parameters
    ----------
    frames
        ``(n_t, ...)`` values at ``t0 + j period / n_t``.
    period
        Period T [s].
    t0
        Time of the first frame [s].
    channel_times
        Times to evaluate [s].
    sigma
        rms of the Gaussian (bunch length and jitter in quadrature) [s].

    Returns
    -------
    numpy.ndarray
        ``(len(channel_times), ...)``: harmonic ``q`` scaled by ``exp(-(2 pi q sigma / T)^2 / 2)``.
    """
    a = np.asarray(frames, dtype=float)
    n = a.shape[0]
    tc = np.asarray(channel_times, dtype=float) - t0
    step = period / n
    k = n // tc.size if tc.size and n % tc.size == 0 else 0
    if k and np.allclose(tc, np.arange(tc.size) * k * step, rtol=0, atol=1e-9 * period):
        # channels on every k-th frame: filter the spectrum and transform back (FFT only)
        q = np.arange(n // 2 + 1)
        filt = np.exp(-0.5 * (2.0 * np.pi * q * sigma / period) ** 2)
        spec = np.fft.rfft(a, axis=0) * filt.reshape((-1,) + (1,) * (a.ndim - 1))
        return np.fft.irfft(spec, n=n, axis=0)[::k]
    spec = np.fft.rfft(a, axis=0) / n
    q = np.arange(spec.shape[0])
    w = np.full(q.size, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    filt = w * np.exp(-0.5 * (2.0 * np.pi * q * sigma / period) ** 2)
    basis = np.exp(2j * np.pi * np.outer(tc, q) / period) * filt[None, :]  # (N, nq)
    if n % 2 == 0:  # the Nyquist term is real: cos interpolation
        basis[:, -1] = np.cos(2.0 * np.pi * tc * q[-1] / period) * filt[-1]
    flat = spec.reshape(spec.shape[0], -1)
    out = (basis @ flat).real
    return out.reshape((tc.size, *a.shape[1:]))


def _psf_kernel(zone_plate: ZonePlate, energy: float, cell: float, cos_tilt: float, defocus: float):
    """PSF on the sample grid (foreshortened along x by cos(tilt)), normalised to sum 1."""
    first_zero = 1.22 * zone_plate.outer_zone_width
    half = max(1, int(math.ceil(4.0 * first_zero / (cell * cos_tilt))))
    half = min(half, 64)
    ky = (np.arange(-half, half + 1)) * cell
    kx = ky * cos_tilt
    r = np.hypot(ky[:, None], kx[None, :])
    if cell > 0.5 * first_zero:  # coarse cells: integrate the PSF over each cell (oversample 5x5)
        sub = (np.arange(5) - 2) / 5.0 * cell
        rr = np.hypot((ky[:, None, None, None] + sub[None, None, :, None]),
                      (kx[None, :, None, None] + cos_tilt * sub[None, None, None, :]))
        k = np.asarray(zone_plate.psf(rr, energy, defocus=defocus)).mean(axis=(2, 3))
    else:
        k = np.asarray(zone_plate.psf(r, energy, defocus=defocus))
    return k / k.sum()


class _Convolver:
    """FFT convolution of image stacks with one kernel (edges padded with the nearest value).

    The kernel's transfer function is computed once per image shape; transforms use all cores
    (``scipy.fft`` workers) on fast lengths.
    """

    def __init__(self, kernel):
        self.kernel = np.asarray(kernel, dtype=float)
        self.h = self.kernel.shape[0] // 2
        self._otf = {}

    def _transfer(self, shape):
        from scipy import fft

        if shape not in self._otf:
            pad = tuple(fft.next_fast_len(s + 2 * self.h, real=True) for s in shape)
            k = np.zeros(pad)
            kh, kw = self.kernel.shape
            k[:kh, :kw] = self.kernel
            k = np.roll(k, (-(kh // 2), -(kw // 2)), axis=(0, 1))  # centre the kernel at the origin
            self._otf[shape] = (pad, fft.rfft2(k, workers=-1).astype(np.complex64))
        return self._otf[shape]

    def __call__(self, images, time_filter=None, every: int = 1):
        """Convolve ``images[..., y, x]``; with ``time_filter`` (one gain per rfft harmonic of axis 0,
        a periodic time axis) also smear along time, then keep every ``every``-th frame."""
        from scipy import fft

        a = np.asarray(images, dtype=np.float32)
        h = self.h
        pad, otf = self._transfer(a.shape[-2:])
        big = np.pad(a, [(0, 0)] * (a.ndim - 2) + [(h, pad[0] - a.shape[-2] - h),
                                                      (h, pad[1] - a.shape[-1] - h)], mode="edge")
        if time_filter is None:
            out = fft.irfft2(fft.rfft2(big, workers=-1) * otf, s=pad, workers=-1)
        else:
            n = a.shape[0]
            gain = np.asarray(time_filter)[np.abs(np.fft.fftfreq(n, 1.0 / n)).astype(int)]
            spec = fft.rfftn(big, axes=(0, 1, 2), workers=-1)
            spec *= otf[None]
            spec *= gain.astype(np.float32)[:, None, None]
            out = fft.irfftn(spec, s=(n, *pad), axes=(0, 1, 2), workers=-1)[::every]
        return out[..., h:h + a.shape[-2], h:h + a.shape[-1]]


def _convolve(images, kernel):
    """Convolve the last two axes with ``kernel`` (edges padded with the nearest value)."""
    return _Convolver(kernel)(images)


# --------------------------------------------------------------------------------------------------
# the instrument
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class STXM:
    """A scanning transmission X-ray microscope with APD detection at a storage-ring beamline.

    Parameters
    ----------
    beamline
        Source and beamline: ring timing, photon energy [eV], degree of circular polarisation, flux
        in focus [1/s] (after the zone plate: incident flux x first-order efficiency).
    zone_plate
        The focusing optic.
    layers
        Film stack in beam order (:class:`spinscope.config.LayerConfig` items; ``magnetic`` marks the
        layers that carry the magnetisation).
    tilt
        Sample tilt about y [rad] (``0``: normal incidence, out-of-plane contrast).
    detector
        The APD (default: QE 0.9, no dead time; bunch spacing taken from the ring).
    defocus
        Sample distance from the focal plane [m].
    """

    beamline: Beamline
    zone_plate: ZonePlate
    layers: tuple
    tilt: float = 0.0
    detector: APD | None = None
    defocus: float = 0.0
    _constants: list = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        t = float(self.tilt)
        if not math.isfinite(t) or abs(t) >= math.radians(85.0):
            raise ConfigError(f"tilt: expected |tilt| < 85 deg, got {math.degrees(t):.3g} deg")
        object.__setattr__(self, "tilt", t)
        object.__setattr__(self, "layers", tuple(self.layers))
        if not self.layers:
            raise ConfigError("sample.layers: expected at least one layer")
        if self.detector is None:
            object.__setattr__(self, "detector", APD(bunch_spacing=self.beamline.ring.rf_period))
        object.__setattr__(self, "_constants", layer_constants(self.layers, self.energy))

    # ------------------------------------------------------------------ optics of the stack
    @property
    def energy(self) -> float:
        """Photon energy [eV]."""
        return float(self.beamline.photon_energy)

    @property
    def wavelength(self) -> float:
        """Photon wavelength [m]."""
        return float(energy_to_wavelength(self.energy))

    @property
    def beam_direction(self) -> np.ndarray:
        """Unit beam direction in the sample frame, ``(sin tilt, 0, cos tilt)``."""
        return np.array([math.sin(self.tilt), 0.0, math.cos(self.tilt)])

    def depths(self) -> dict[str, float]:
        """Optical depths along the tilted path: ``charge`` (non-magnetic layers),
        ``charge_magnetic`` and ``magnetic`` (``sum 4 pi d beta_m / (lambda cos tilt)``)."""
        f = 4.0 * math.pi / (self.wavelength * math.cos(self.tilt))
        c = sum(f * L["thickness"] * L["beta"] for L in self._constants if not L["magnetic"])
        cm = sum(f * L["thickness"] * L["beta"] for L in self._constants if L["magnetic"])
        m = sum(f * L["thickness"] * L["beta_m"] for L in self._constants if L["magnetic"])
        return {"charge": c, "charge_magnetic": cm, "magnetic": m}

    def check_contrast(self) -> None:
        """Raise :class:`ConfigError` if the magnetic layers show no XMCD at this energy."""
        mags = [L for L in self._constants if L["magnetic"]]
        if not mags:
            raise ConfigError("sample.layers: no layer is marked magnetic = true, so there is no XMCD")
        ratio = max(abs(L["beta_m"]) / L["beta"] for L in mags)
        if ratio < MIN_DICHROIC_RATIO:
            from spinscope.errors import MaterialError
            from spinscope.materials import edge_energy

            hints = []
            for el in dict.fromkeys(e for L in mags for e in L["elements"]):
                for edge in ("L3", "M5"):
                    try:
                        hints.append(f"{el} {edge} {edge_energy(el, edge):.1f} eV")
                        break
                    except MaterialError:
                        continue
            raise ConfigError(
                f"beamline.energy: {self.energy:.4g} eV gives no magnetic contrast for "
                f"{', '.join(L['material'] for L in mags)} (|beta_m/beta| = {ratio:.2g} < "
                f"{MIN_DICHROIC_RATIO:g}); tune to a dichroic edge, e.g. {'; '.join(hints) or 'an L3 edge'}"
            )

    def static_contrast(self) -> dict[str, float]:
        """XMCD of a magnetic-layer region with ``m`` along the beam (``k.m = 1``).

        Returns
        -------
        dict
            ``transmission_plus``, ``transmission_minus``, ``asymmetry`` ``(T+ - T-)/(T+ + T-)``,
            ``ln_ratio`` ``ln(T+/T-)``.
        """
        d = self.depths()
        pc = self.beamline.circular_polarisation
        kw = dict(charge_depth=d["charge"], charge_depth_magnetic=d["charge_magnetic"],
                  magnetic_depth=d["magnetic"], polarisation=pc)
        tp = float(transmission(1.0, True, helicity=1, **kw))
        tm = float(transmission(1.0, True, helicity=-1, **kw))
        return {"transmission_plus": tp, "transmission_minus": tm, "asymmetry": (tp - tm) / (tp + tm),
                "ln_ratio": math.log(tp / tm)}

    def transmission_movie(self, m: xr.DataArray, helicity: int) -> np.ndarray:
        """Transmission per cell for one helicity, shape ``(time?, y, x)`` of the movie."""
        return self._transmissions(m, (helicity,), dtype=np.float64)[helicity]

    def _transmissions(self, m: xr.DataArray, helicities, dtype=np.float32) -> dict[int, np.ndarray]:
        """Transmission per cell for each helicity (one exponential serves both helicities)."""
        mv = np.asarray(m.transpose(..., "y", "x", "component").values, dtype=float)
        n2 = np.einsum("...i,...i->...", mv, mv)
        present = n2 > 0.25  # NaN and |m| = 0 cells hold no magnetic material
        everywhere = bool(present.all())
        n2p = n2 if everywhere else n2[present]
        if m.attrs.get("units", "") == "" and np.any(np.abs(n2p - 1.0) > 2e-3):
            raise ConfigError("magnetisation: expected unit vectors (|m| = 1, or 0 in empty cells)")
        k = self.beam_direction
        km = mv[..., 2] * k[2] if k[0] == 0 else mv[..., 0] * k[0] + mv[..., 2] * k[2]
        if not everywhere:
            km = np.where(present, km, 0.0)
        d = self.depths()
        pc = self.beamline.circular_polarisation
        f = np.dtype(dtype).type
        e = np.exp(-d["magnetic"] * km).astype(dtype)  # exp(-x) for helicity +1 (float32: 6e-8)
        base = f(math.exp(-d["charge"] - d["charge_magnetic"]))
        empty = f(math.exp(-d["charge"]))
        out = {}
        for h in helicities:
            if h not in (1, -1):
                raise ConfigError(f"helicity: expected +1 or -1, got {h!r}")
            em = e if h == 1 else 1.0 / e
            if pc == 1.0:
                t = base * em
            else:
                t = (base * f(0.5 * (1.0 + pc))) * em
                t += (base * f(0.5 * (1.0 - pc))) / em
            out[h] = t if everywhere else np.where(present, t, empty)
        return out

    # ------------------------------------------------------------------ measurement
    def measure(
        self,
        magnetisation: xr.DataArray,
        scan: ScanPattern,
        *,
        timing=None,
        reference: xr.DataArray | None = None,
        helicities=(1, -1),
        intensity_drift: float = 0.0,
        start_time: float = 0.0,
        check_contrast: bool = True,
        rng=None,
    ) -> xr.Dataset:
        """Simulate the recorded counts of a (time-resolved) XMCD-STXM measurement.

        Parameters
        ----------
        magnetisation
            The magnetisation (movie) contract, ``(time?, y, x, component)`` (a single ``z`` layer or
            ``species`` are not supported: average them first). A movie must cover one excitation
            period on a uniform grid (``time[j] = time[0] + j T / n_t``).
        scan
            The raster scan.
        timing
            The stroboscopic scheme (:class:`spinscope.acquisition.StroboscopicScheme` or any object
            with ``excitation_period`` [s], ``n`` (channels), ``channel_times`` [s] and ``smear_rms``
            [s]); ``None`` for a static image (no ``delay`` dim).
        reference
            Unpumped magnetisation for even/odd normalisation (pumped on even, reference on odd
            revolutions); ``None``: no normalisation (all bunches pumped).
        helicities
            Helicities scanned one after the other (+1, -1).
        intensity_drift
            Relative amplitude of a slow multiplicative drift of the beam (followed by the ring
            current monitor): ``1 + a sin(2 pi t / t_total)`` over the whole measurement.
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
            self.check_contrast()
        ring = self.beamline.ring
        if scan.dwell < ring.revolution_period * (1 - 1e-12):
            raise ConfigError(
                f"scan.dwell: {scan.dwell:.3g} s is shorter than one revolution of {ring.name} "
                f"({ring.revolution_period:.3g} s), so not every bunch and phase is sampled; use a dwell "
                f"of at least {ring.revolution_period:.3g} s"
            )
        hel = [int(h) for h in helicities]
        if not hel or any(h not in (1, -1) for h in hel) or len(set(hel)) != len(hel):
            raise ConfigError(f"helicities: expected distinct values among +1 and -1, got {helicities!r}")

        xs = np.asarray(magnetisation["x"].values, dtype=float)
        ys = np.asarray(magnetisation["y"].values, dtype=float)
        cell = float(xs[1] - xs[0]) if xs.size > 1 else scan.pixel_size
        cos_t = math.cos(self.tilt)
        opt_res = 1.22 * self.zone_plate.outer_zone_width
        if scan.pixel_size > opt_res / 2.0 * (1 + 1e-9):
            warnings.warn(
                f"scan.pixel_size {scan.pixel_size:.3g} m is coarser than half the optical resolution "
                f"({opt_res / 2:.3g} m): the image is undersampled", stacklevel=2)

        channel_times, sigma, period = None, 0.0, None
        has_time = "time" in magnetisation.dims
        if timing is not None:
            period = float(timing.excitation_period)
            channel_times = np.asarray(timing.channel_times, dtype=float)
            sigma = float(timing.smear_rms)
            if has_time:
                t = np.asarray(magnetisation["time"].values, dtype=float)
                nt = t.size
                step = period / nt
                if nt > 1 and np.max(np.abs(np.diff(t) - step)) > 1e-6 * step:
                    raise ConfigError(
                        f"magnetisation.time: the movie must cover one excitation period "
                        f"({period:.4g} s) in {nt} uniform frames of {step:.4g} s"
                    )
        elif has_time and magnetisation.sizes["time"] > 1:
            raise ConfigError("timing: a magnetisation movie needs a stroboscopic scheme (excitation)")

        n_ch = 1 if channel_times is None else channel_times.size
        kernel = _psf_kernel(self.zone_plate, self.energy, cell, cos_t, self.defocus)

        conv = _Convolver(kernel)

        def optical_images(m):
            trs = self._transmissions(m, hel)
            out = {}
            for h, tr in trs.items():  # (time?, y, x)
                if tr.ndim == 2:
                    out[h] = conv(tr[None])
                    continue
                if channel_times is None:
                    out[h] = conv(tr[:1])
                    continue
                n_t = tr.shape[0]
                t0 = float(m["time"].values[0])
                every = n_t // n_ch if n_t % n_ch == 0 else 0
                on_grid = every and np.allclose(channel_times - t0, np.arange(n_ch) * every * period / n_t,
                                                rtol=0, atol=1e-9 * period)
                if on_grid:  # bunch smearing and PSF in one 3-D FFT
                    q = np.arange(n_t // 2 + 1)
                    gain = np.exp(-0.5 * (2.0 * np.pi * q * sigma / period) ** 2)
                    out[h] = conv(tr, time_filter=gain, every=every)
                else:
                    out[h] = conv(smear_movie(tr, period=period, t0=t0, channel_times=channel_times,
                                              sigma=sigma))
            return out

        # per-pixel exposure
        bunches_total = scan.dwell * ring.bunch_rate
        pumped_share = 0.5 if reference is not None else 1.0
        n_b = int(math.floor(bunches_total * pumped_share / n_ch))
        if n_b < 1:
            raise ConfigError(
                f"scan.dwell: {scan.dwell:.3g} s gives less than one bunch per time channel; lengthen it"
            )
        ppb = self.beamline.flux_in_focus / ring.bunch_rate
        total_time = scan.scan_time * len(hel)

        counts = np.empty((n_ch, len(hel), scan.ny, scan.nx), dtype=np.int64)
        ref_counts = np.empty_like(counts) if reference is not None else None
        ring_current = np.empty((len(hel), scan.ny, scan.nx))
        xpos = np.empty((len(hel), scan.ny, scan.nx))
        ypos = np.empty_like(xpos)
        images_pumped = optical_images(magnetisation)
        images_ref = optical_images(reference) if reference is not None else None
        jobs = []
        for ih, h in enumerate(hel):
            start = float(start_time) + ih * scan.scan_time
            px, py = scan.positions(start, gen)
            xpos[ih], ypos[ih] = px, py
            # fractional cell indices in the (tilted) sample frame
            fx = (px / cos_t - xs[0]) / cell if xs.size > 1 else np.zeros_like(px)
            fy = (py - ys[0]) / cell if ys.size > 1 else np.zeros_like(py)
            times = scan.pixel_times(start)
            drift = 1.0 + float(intensity_drift) * np.sin(2.0 * np.pi * (times - start_time) / total_time)
            ring_current[ih] = ring.beam_current * drift
            for target, images in ((counts, images_pumped), (ref_counts, images_ref)):
                if target is None:
                    continue
                sampled = _sample(images[h], fy, fx).reshape(-1, *fy.shape)  # (n_ch or 1, ny, nx)
                sampled *= (ppb * drift)[None]
                mu = sampled
                if mu.shape[0] != n_ch:
                    mu = np.broadcast_to(mu, (n_ch, *mu.shape[1:]))
                jobs.append((target, ih, mu))
        # photon counting: one child generator per (scan, state), seeded in a fixed order from the
        # run's generator (same seed, same bytes), drawn in parallel threads (numpy releases the GIL)
        seeds = gen.integers(0, 2**63, size=len(jobs))

        def draw(job_seed):
            (target, ih, mu), sd = job_seed
            target[:, ih] = self.detector.counts(mu, n_b, np.random.default_rng(int(sd)))

        _parallel(draw, list(zip(jobs, seeds, strict=True)))

        coords: dict[str, Any] = {
            "helicity": ("helicity", np.array(hel), {"units": "", "long_name": "helicity"}),
            "y": ("y", scan.y, {"units": "m", "long_name": "sample y"}),
            "x": ("x", scan.x, {"units": "m", "long_name": "sample x"}),
            "energy": ((), self.energy, {"units": "eV", "long_name": "photon energy"}),
        }
        dims = ("helicity", "y", "x")
        if channel_times is not None:
            coords["delay"] = ("delay", channel_times, {"units": "s", "long_name": "time channel"})
            dims = ("delay", *dims)
            cvals, rvals = counts, ref_counts
        else:
            cvals = counts[0]
            rvals = None if ref_counts is None else ref_counts[0]
        data = {
            "counts": (dims, cvals, {"units": "counts", "long_name": "APD counts"}),
            "ring_current": (("helicity", "y", "x"), ring_current,
                             {"units": "A", "long_name": "storage-ring current"}),
            "bunches": ((), n_b, {"units": "", "long_name": "bunches behind each count"}),
            "count_time": ((), scan.dwell, {"units": "s", "long_name": "dwell time per pixel"}),
            "x_position": (("helicity", "y", "x"), xpos, {"units": "m", "long_name": "true beam x"}),
            "y_position": (("helicity", "y", "x"), ypos, {"units": "m", "long_name": "true beam y"}),
        }
        if rvals is not None:
            data["reference_counts"] = (dims, rvals, {"units": "counts",
                                                      "long_name": "APD counts, unpumped (odd) turns"})
        sc = self.static_contrast()
        attrs = {
            "instrument": "STXM",
            "ring": ring.name,
            "rf_frequency": ring.rf_frequency,
            "revolution_frequency": ring.revolution_frequency,
            "harmonic_number": ring.harmonic_number,
            "bunch_length_rms": ring.bunch_length_rms,
            "bunch_fwhm": ring.bunch_fwhm,
            "bunch_rate": ring.bunch_rate,
            "beam_current": ring.beam_current,
            "photon_energy": self.energy,
            "circular_polarisation": self.beamline.circular_polarisation,
            "flux_in_focus": self.beamline.flux_in_focus,
            "photons_per_bunch": ppb,
            "zone_plate_diameter": self.zone_plate.diameter,
            "outer_zone_width": self.zone_plate.outer_zone_width,
            "central_stop": self.zone_plate.central_stop,
            "zone_plate_efficiency": self.zone_plate.first_order_efficiency,
            "defocus": self.defocus,
            "tilt": self.tilt,
            "pixel_size": scan.pixel_size,
            "dwell": scan.dwell,
            "jitter_rms": scan.jitter_rms,
            "drift_velocity": list(scan.drift_velocity),
            "interferometer_step": scan.interferometer_step,
            "intensity_drift": float(intensity_drift),
            "start_time": float(start_time),
            "quantum_efficiency": self.detector.quantum_efficiency,
            "dead_time": self.detector.dead_time,
            "dead_bunches": self.detector.dead_bunches,
            "dark_count_rate": self.detector.dark_count_rate,
            "normalisation": "even-odd" if reference is not None else "none",
            "static_asymmetry": sc["asymmetry"],
            "static_ln_ratio": sc["ln_ratio"],
            "layers": [f"{L['material']}:{L['thickness']:.6g}:{int(L['magnetic'])}" for L in self._constants],
            "scan_type": "sample image",
        }
        if timing is not None:
            attrs.update(excitation_frequency=1.0 / period, excitation_period=period, phases=n_ch,
                         smear_rms=sigma)
            for name in ("m", "n", "jitter_rms"):
                if hasattr(timing, name):
                    attrs[{"m": "ratio_m", "n": "ratio_n", "jitter_rms": "timing_jitter_rms"}[name]] = (
                        float(getattr(timing, name)) if name == "jitter_rms" else int(getattr(timing, name)))
        ds = xr.Dataset(data, coords=coords, attrs=attrs)
        return validate_stack(ds)


def _parallel(func, items) -> None:
    """Run ``func`` on each item, in threads when more than one core is available."""
    import os

    workers = min(len(items), os.cpu_count() or 1)
    if workers <= 1:
        for it in items:
            func(it)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as ex:
        list(ex.map(func, items))


def _sample(images, fy, fx):
    """Bilinear samples of ``images[c, y, x]`` at fractional indices (clamped at the edges).

    Built as a sparse (pixels x cells) matrix with four weights per row, applied to all channels
    at once.
    """
    from scipy import sparse

    c = images.shape[0]
    ny, nx = images.shape[-2:]
    fy = np.clip(np.ravel(fy), 0.0, ny - 1.0)
    fx = np.clip(np.ravel(fx), 0.0, nx - 1.0)
    y0 = np.minimum(np.floor(fy).astype(np.int64), max(ny - 2, 0))
    x0 = np.minimum(np.floor(fx).astype(np.int64), max(nx - 2, 0))
    wy = fy - y0
    wx = fx - x0
    y1 = np.minimum(y0 + 1, ny - 1)
    x1 = np.minimum(x0 + 1, nx - 1)
    cols = np.stack([y0 * nx + x0, y0 * nx + x1, y1 * nx + x0, y1 * nx + x1], axis=1).ravel()
    vals = np.stack([(1 - wy) * (1 - wx), (1 - wy) * wx, wy * (1 - wx), wy * wx], axis=1).ravel()
    indptr = np.arange(0, 4 * fy.size + 1, 4)
    # four entries per row (repeated columns at a clamped edge add up, as they should)
    mat = sparse.csr_matrix((vals.astype(images.dtype), cols, indptr), shape=(fy.size, ny * nx))
    flat = np.ascontiguousarray(images.reshape(c, ny * nx).T)
    return np.ascontiguousarray((mat @ flat).T)
