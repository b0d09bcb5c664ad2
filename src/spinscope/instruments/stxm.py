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
4. **Exposure.** :meth:`STXM.exposure` prepares a magnetisation state for scanning: the focused
   transmission images of each helicity in each time channel (steps 1-3) on the sample grid;
   :meth:`FocusedImages.expected` samples them at the beam positions (bilinear, in the tilted sample
   frame) and multiplies by the photons per bunch incident there: the mean photons per bunch that
   reach the APD. The APD (:class:`spinscope.detectors.APD`, quantum efficiency, pile-up, dead time)
   counts them.

Where the beam is and when (raster, thermal drift, interferometer jitter, helicity passes, intensity
drift, even/odd pump states) and the counting per bunch are the scan plan's, in ``acquisition``
(:func:`spinscope.acquisition.stxm_scan.run_stxm_scan`): instruments sit below acquisition and never
import it; the plan is typed against :class:`spinscope.acquisition.protocols.ExposureModel`, which
:class:`STXM` satisfies.

Memory is bounded by the movie grid times the channels; everything is vectorised over pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr
from scipy import fft, sparse

from spinscope.detectors.apd import APD
from spinscope.errors import ConfigError, MaterialError
from spinscope.interaction.absorption import layer_constants, optical_depths, transmission
from spinscope.materials import FERRIMAGNET_SIGNS, edge_energy
from spinscope.optics.zone_plate import ZonePlate
from spinscope.sources.storage_ring import Beamline
from spinscope.timing import harmonic_attenuation
from spinscope.units import energy_to_wavelength

__all__ = ["STXM", "FocusedImages", "layer_constants", "smear_movie", "transmission"]

#: Smallest |beta_m / beta| of the magnetic layers that counts as magnetic contrast (1e-3: an XMCD
#: asymmetry of 0.1 %, below which a dichroism measurement is hopeless at any flux).
MIN_DICHROIC_RATIO = 1e-3


# --------------------------------------------------------------------------------------------------
# kernels
# --------------------------------------------------------------------------------------------------
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
        filt = harmonic_attenuation(q, period, sigma)
        spec = np.fft.rfft(a, axis=0) * filt.reshape((-1,) + (1,) * (a.ndim - 1))
        return np.fft.irfft(spec, n=n, axis=0)[::k]
    spec = np.fft.rfft(a, axis=0) / n
    q = np.arange(spec.shape[0])
    w = np.full(q.size, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    filt = w * harmonic_attenuation(q, period, sigma)
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


# --------------------------------------------------------------------------------------------------
# the instrument
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class STXM:
    """A scanning transmission X-ray microscope with APD detection at a storage-ring beamline.

    The exposure model of a raster scan (:class:`spinscope.acquisition.protocols.ExposureModel`): a
    measurement is run by the scan plan, ``run_stxm_scan(stxm, magnetisation, scan, timing=...,
    rng=...)`` (:func:`spinscope.acquisition.stxm_scan.run_stxm_scan`).

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
    _psf_cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

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
        object.__setattr__(self, "_constants", layer_constants(self.layers, self.energy,
                                                               species_sign=FERRIMAGNET_SIGNS))

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
        return optical_depths(self._constants, self.energy, tilt=self.tilt)

    def check_contrast(self) -> None:
        """Raise :class:`ConfigError` if the magnetic layers show no XMCD at this energy."""
        mags = [L for L in self._constants if L["magnetic"]]
        if not mags:
            raise ConfigError("sample.layers: no layer is marked magnetic = true, so there is no XMCD")
        ratio = max(abs(L["beta_m"]) / L["beta"] for L in mags)
        if ratio < MIN_DICHROIC_RATIO:
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

    # ------------------------------------------------------------------ exposure model
    @property
    def ring(self):
        """The storage ring (:class:`~spinscope.sources.storage_ring.StorageRing`)."""
        return self.beamline.ring

    @property
    def photons_per_bunch(self) -> float:
        """Photons per bunch in the focus, ``flux_in_focus / bunch_rate`` [photons]."""
        return self.beamline.flux_in_focus / self.beamline.ring.bunch_rate

    @property
    def optical_resolution(self) -> float:
        """Rayleigh resolution of the zone plate, ``1.22 dr`` [m]."""
        return 1.22 * self.zone_plate.outer_zone_width

    def exposure(self, magnetisation: xr.DataArray, *, helicities: Sequence[int] = (1, -1), timing=None,
                 cell: float | None = None) -> FocusedImages:
        """Focused transmission images of a magnetisation state, ready to be sampled by a scan.

        Parameters
        ----------
        magnetisation
            The magnetisation (movie) contract ``(time?, y, x, component)`` on a uniform square grid; a
            movie covers one excitation period (``time[j] = time[0] + j T / n_t``).
        helicities
            Helicities to prepare (+1, -1).
        timing
            Stroboscopic scheme (``excitation_period`` [s], ``channel_times`` [s], ``smear_rms`` [s]);
            ``None``: a static image (the first frame of a movie).
        cell
            Grid step [m] when the magnetisation has a single cell along x (otherwise from its ``x``).

        Returns
        -------
        FocusedImages
            Per helicity ``(n_channels or 1, y, x)`` float32 transmission images, convolved with the
            zone-plate PSF and smeared over bunch length and timing jitter in each channel.
        """
        xs = np.asarray(magnetisation["x"].values, dtype=float)
        ys = np.asarray(magnetisation["y"].values, dtype=float)
        if xs.size > 1:
            cell = float(xs[1] - xs[0])
        elif cell is None:
            raise ConfigError("cell: a magnetisation with one cell along x needs the grid step [m]")
        cos_t = math.cos(self.tilt)
        conv = self._convolver(float(cell))
        trs = self._transmissions(magnetisation, [int(h) for h in helicities])
        t0 = float(magnetisation["time"].values[0]) if "time" in magnetisation.dims else 0.0
        images = {h: self._focus(conv, tr, timing, t0) for h, tr in trs.items()}
        return FocusedImages(images, x0=float(xs[0]), y0=float(ys[0]), cell=float(cell), cos_tilt=cos_t,
                             single_x=xs.size <= 1, single_y=ys.size <= 1)

    def _convolver(self, cell: float) -> _Convolver:
        """The PSF convolution for grid step ``cell`` (kept: the pumped and reference states share it)."""
        conv = self._psf_cache.get(cell)
        if conv is None:
            kernel = _psf_kernel(self.zone_plate, self.energy, cell, math.cos(self.tilt), self.defocus)
            conv = self._psf_cache.setdefault(cell, _Convolver(kernel))
        return conv

    @staticmethod
    def _focus(conv: _Convolver, tr: np.ndarray, timing, t0: float) -> np.ndarray:
        """Smear one helicity's transmission ``(time?, y, x)`` into the channels and focus it."""
        if tr.ndim == 2:
            return conv(tr[None])
        if timing is None:
            return conv(tr[:1])
        period = float(timing.excitation_period)
        channel_times = np.asarray(timing.channel_times, dtype=float)
        sigma = float(timing.smear_rms)
        n_ch = channel_times.size
        n_t = tr.shape[0]
        every = n_t // n_ch if n_t % n_ch == 0 else 0
        on_grid = every and np.allclose(channel_times - t0, np.arange(n_ch) * every * period / n_t,
                                        rtol=0, atol=1e-9 * period)
        if on_grid:  # bunch smearing and PSF in one 3-D FFT
            q = np.arange(n_t // 2 + 1)
            gain = harmonic_attenuation(q, period, sigma)
            return conv(tr, time_filter=gain, every=every)
        return conv(smear_movie(tr, period=period, t0=t0, channel_times=channel_times, sigma=sigma))

    def metadata(self) -> dict[str, Any]:
        """Parameters of the instrument as dataset attributes, grouped by component.

        Returns
        -------
        dict
            Source and beamline (ring timing [Hz, s], ``beam_current`` [A], ``photon_energy`` [eV],
            ``flux_in_focus`` [1/s], ``photons_per_bunch``), zone-plate optics [m], sample (``tilt``
            [rad], static XMCD contrast, ``layers`` as ``material:thickness[m]:magnetic``) and detector
            (quantum efficiency, ``dead_time`` [s], ``dark_count_rate`` [1/s]).
        """
        ring, zp, det = self.ring, self.zone_plate, self.detector
        sc = self.static_contrast()
        source = {"ring": ring.name, "rf_frequency": ring.rf_frequency,
                  "revolution_frequency": ring.revolution_frequency, "harmonic_number": ring.harmonic_number,
                  "bunch_length_rms": ring.bunch_length_rms, "bunch_fwhm": ring.bunch_fwhm,
                  "bunch_rate": ring.bunch_rate, "beam_current": ring.beam_current,
                  "photon_energy": self.energy, "circular_polarisation": self.beamline.circular_polarisation,
                  "flux_in_focus": self.beamline.flux_in_focus, "photons_per_bunch": self.photons_per_bunch}
        optics = {"zone_plate_diameter": zp.diameter, "outer_zone_width": zp.outer_zone_width,
                  "central_stop": zp.central_stop, "zone_plate_efficiency": zp.first_order_efficiency,
                  "defocus": self.defocus}
        sample = {"tilt": self.tilt, "static_asymmetry": sc["asymmetry"], "static_ln_ratio": sc["ln_ratio"],
                  "layers": [f"{L['material']}:{L['thickness']:.6g}:{int(L['magnetic'])}"
                             for L in self._constants]}
        detector = {"quantum_efficiency": det.quantum_efficiency, "dead_time": det.dead_time,
                    "dead_bunches": det.dead_bunches, "dark_count_rate": det.dark_count_rate}
        return {"instrument": "STXM", **source, **optics, **sample, **detector}


@dataclass(frozen=True, eq=False)
class FocusedImages:
    """A magnetisation state as the focused beam sees it (:meth:`STXM.exposure`).

    Satisfies :class:`spinscope.acquisition.protocols.Exposure`.

    Attributes
    ----------
    images
        Helicity -> ``(n_channels or 1, y, x)`` focused transmission on the sample grid [dimensionless].
    x0, y0
        Centre of the first grid cell in the sample frame [m].
    cell
        Grid step [m].
    cos_tilt
        Cosine of the sample tilt: a beam position ``x`` lies at ``x / cos(tilt)`` in the sample frame.
    single_x, single_y
        The grid has one cell along x (y): every position samples it.
    """

    images: dict[int, np.ndarray]
    x0: float
    y0: float
    cell: float
    cos_tilt: float = 1.0
    single_x: bool = False
    single_y: bool = False

    def expected(self, helicity: int, x, y, *, photons) -> np.ndarray:
        """Mean photons per bunch reaching the detector at beam positions ``(x, y)``.

        Parameters
        ----------
        helicity
            +1 or -1 (one of the prepared helicities).
        x, y
            Beam positions in the beam frame [m], shape ``(ny, nx)``.
        photons
            Photons per bunch incident at each position [photons], shape ``(ny, nx)``.

        Returns
        -------
        numpy.ndarray
            ``(n_channels or 1, ny, nx)`` float32 [photons per bunch] (before the detector's quantum
            efficiency, pile-up and dead time).
        """
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        # fractional cell indices in the (tilted) sample frame
        fx = np.zeros_like(x) if self.single_x else (x / self.cos_tilt - self.x0) / self.cell
        fy = np.zeros_like(y) if self.single_y else (y - self.y0) / self.cell
        out = _sample(self.images[helicity], fy, fx).reshape(-1, *fy.shape)
        out *= np.asarray(photons)[None]
        return out


def _sample(images, fy, fx):
    """Bilinear samples of ``images[c, y, x]`` at fractional indices (clamped at the edges).

    Built as a sparse (pixels x cells) matrix with four weights per row, applied to all channels
    at once.
    """
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
