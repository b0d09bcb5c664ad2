"""Far-field (Fraunhofer) propagation of an exit wave onto the pixels of a flat area detector.

Model
-----
The field behind the film is ``a(r) psi(r)``: the illumination amplitude ``a`` (Gaussian or top-hat
profile, :func:`illumination`) times the exit wave (:mod:`spinscope.interaction.exit_wave`), sampled on
an ``n x n`` grid of cell ``dx`` (field of view ``D = n dx``), with ``sum |a|^2 = 1`` so that ``|a psi|^2``
is the fraction of the incident photons leaving each cell. Its discrete Fourier transform ``F(k_perp)``
on the grid ``k_perp = 2 pi j / D`` obeys Parseval, ``sum |F|^2 = n^2 sum |a psi|^2``: a bin holds
``N_inc |F|^2 / n^2`` photons, a photon density ``rho(k_perp) = N_inc |F|^2 / (n^2 dk^2)`` per unit
``k_perp`` area (``dk = 2 pi / D``). Photon numbers are therefore conserved exactly on the grid.

Detector mapping (exact grating condition)
    A pixel at ``(x, y)`` on a flat detector at distance ``L`` normal to the beam sees the scattering
    angle ``2 theta = atan(r / L)`` and the transverse wave vector
    ``k_perp = k sin(2 theta) (x, y) / r``. For transmission through a thin film this is the exact
    grating condition: a stripe pattern of period ``p`` scatters to ``k_perp = 2 pi / p`` (not to
    ``q = 4 pi sin(theta) / lambda = 2 pi / p``, which differs by ``cos(theta)``). The pixel collects
    ``rho(k_perp) dA_k`` photons with the pixel's area in ``k_perp`` space
    ``dA_k = k^2 cos(2 theta) Omega_pixel`` (``d^2 k_perp = k^2 cos(2 theta) dOmega``), ``Omega_pixel``
    the exact solid angle (:meth:`spinscope.detectors.AreaDetector.solid_angle`). ``rho`` is interpolated
    bilinearly from the grid to the pixel's ``k_perp``; pixels beyond the grid's Nyquist limit
    ``pi / dx`` receive nothing (choose ``dx`` small enough: :func:`grid_for_detector`).

Partial coherence (Gaussian Schell model)
    A source of transverse coherence length ``xi`` (degree of coherence ``exp(-|dr|^2 / 2 xi^2)``)
    gives the coherent pattern convolved with a Gaussian of standard deviation ``1 / xi`` in
    ``k_perp`` (the Fourier transform of the degree of coherence): speckle is smoothed, ring positions and
    integrated intensities are unchanged. ``coherence_length=None`` is full coherence. The blur wraps
    around the edges of the (periodic) ``k_perp`` grid.

Precision and cost
    The transforms run in complex128; the power ``|F|^2`` of the channels is accumulated, blurred and
    interpolated in float32 (relative error ~1e-7, far below the Poisson noise of any count), and the
    pixels read the *unshifted* transform directly through precomputed indices (no ``fftshift`` copy).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.fft
from scipy.ndimage import gaussian_filter

from spinscope.errors import ConfigError, DataRangeError
from spinscope.units import HC_EV_M, check_positive

__all__ = ["FarField", "grid_for_detector", "illumination", "transverse_wavevector"]

_FOUR_LN2 = 4.0 * math.log(2.0)


def illumination(n: int, cell: float, *, profile: str = "gaussian", size: float) -> np.ndarray:
    """Illumination amplitude on an ``n x n`` grid, normalised to ``sum |a|^2 = 1``.

    Parameters
    ----------
    n
        Grid size [cells].
    cell
        Cell size [m].
    profile
        ``"gaussian"`` (intensity FWHM ``size``) or ``"tophat"`` (disc of diameter ``size``).
    size
        Intensity FWHM or disc diameter [m].

    Returns
    -------
    numpy.ndarray
        Real ``(n, n)`` amplitude [sqrt(fraction of incident photons per cell)].
    """
    check_positive(size, "illumination.size", "a positive length")
    c = (np.arange(n) - n // 2) * cell
    r2 = c[:, None] ** 2 + c[None, :] ** 2
    if profile == "gaussian":
        inten = np.exp(-_FOUR_LN2 * r2 / size**2)
    elif profile == "tophat":
        inten = (r2 <= (size / 2) ** 2).astype(float)
    else:
        raise ConfigError(f"illumination.profile: expected 'gaussian' or 'tophat', got {profile!r}",
                          field="profile")
    tot = inten.sum()
    if tot <= 0:
        raise ConfigError(f"illumination.size: {size:.3g} m is smaller than one cell ({cell:.3g} m)",
                          field="size")
    return np.sqrt(inten / tot)


def transverse_wavevector(detector, energy: float) -> tuple[np.ndarray, np.ndarray]:
    """Transverse wave vector ``(k_y, k_x)`` of every pixel, ``k sin(2 theta)`` along the pixel azimuth.

    Parameters
    ----------
    detector
        :class:`~spinscope.detectors.AreaDetector`.
    energy
        Photon energy [eV].

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``k_y``, ``k_x`` of shape ``(ny, nx)`` [1/m].
    """
    y, x = detector.pixel_coordinates()
    L = detector.distance
    k = 2.0 * math.pi * energy / HC_EV_M
    rr = np.sqrt(x**2 + y**2 + L**2)
    # k sin(2 theta) * x / r with sin(2 theta) = r / sqrt(r^2 + L^2): k x / sqrt(r^2 + L^2)
    return k * y / rr, k * x / rr


def grid_for_detector(detector, energy: float, *, oversampling: float = 2.0) -> tuple[int, float]:
    """Grid size and cell whose ``k_perp`` grid matches the detector.

    The field of view ``D = 2 pi / dk`` is chosen so that the grid step ``dk`` equals the smallest
    ``k_perp`` step between neighbouring pixels (at the beam centre, ``k p / L``); the cell
    ``dx = D / n`` is the smaller of what the detector's largest ``k_perp`` needs at Nyquist, divided by
    ``oversampling``.

    Parameters
    ----------
    detector
        :class:`~spinscope.detectors.AreaDetector`.
    energy
        Photon energy [eV].
    oversampling
        Ratio of the grid's Nyquist ``k`` to the detector's largest ``k_perp`` (>= 1); higher values
        keep the harmonics of sharp domain walls from aliasing onto the detector.

    Returns
    -------
    (int, float)
        ``n`` (a multiple of 16) and the cell ``dx`` [m].
    """
    if not oversampling >= 1:
        raise ConfigError(f"oversampling: expected >= 1, got {oversampling!r}", field="oversampling")
    ky, kx = transverse_wavevector(detector, energy)
    k = 2.0 * math.pi * energy / HC_EV_M
    dk = k * min(detector.pixel_size) / detector.distance
    kmax = float(max(np.abs(ky).max(), np.abs(kx).max()))
    n = int(16 * math.ceil(2.0 * oversampling * kmax / dk / 16.0))
    fov = 2.0 * math.pi / dk
    return n, fov / n


@dataclass(frozen=True, eq=False)
class FarField:
    """Propagates exit waves on an ``n x n`` grid of cell ``cell`` onto a detector (module notes).

    Attributes
    ----------
    detector
        :class:`~spinscope.detectors.AreaDetector`.
    energy
        Photon energy [eV].
    n
        Grid size [cells].
    cell
        Grid cell [m].
    coherence_length
        Transverse coherence length ``xi`` of the Gaussian Schell model [m]; ``None``: coherent.
    workers
        Threads for :func:`scipy.fft.fft2`.
    """

    detector: Any
    energy: float
    n: int
    cell: float
    coherence_length: float | None = None
    workers: int = 1
    _map: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        n = int(self.n)
        if n < 8:
            raise ConfigError(f"n: expected a grid of at least 8 cells, got {n}", field="n")
        object.__setattr__(self, "n", n)
        dk = 2.0 * math.pi / (n * self.cell)
        ky, kx = transverse_wavevector(self.detector, self.energy)
        fy = ky / dk + n // 2
        fx = kx / dk + n // 2
        inside = (fy >= 0) & (fy < n - 1) & (fx >= 0) & (fx < n - 1)
        if not inside.any():
            raise DataRangeError("detector: no pixel falls inside the k grid of the simulation", field="grid")
        j0 = np.floor(fy).astype(np.int64)
        i0 = np.floor(fx).astype(np.int64)
        wy = np.clip(fy - j0, 0.0, 1.0)
        wx = np.clip(fx - i0, 0.0, 1.0)
        # rows / columns of the *unshifted* transform (zero frequency at index 0, the k grid periodic)
        r0 = (j0 - n // 2) % n
        r1 = (j0 + 1 - n // 2) % n
        q0 = (i0 - n // 2) % n
        q1 = (i0 + 1 - n // 2) % n
        sig = 0.0 if self.coherence_length is None else 1.0 / (self.coherence_length * dk)
        k = 2.0 * math.pi * self.energy / HC_EV_M
        y, x = self.detector.pixel_coordinates()
        cos2t = self.detector.distance / np.sqrt(x**2 + y**2 + self.detector.distance**2)
        factor = k**2 * cos2t * self.detector.solid_angle() / (n * n * dk * dk)
        factor = np.where(inside, factor, 0.0)
        f32 = np.float32
        self._map.update(
            i00=np.where(inside, r0 * n + q0, 0).ravel(),
            i01=np.where(inside, r0 * n + q1, 0).ravel(),
            i10=np.where(inside, r1 * n + q0, 0).ravel(),
            i11=np.where(inside, r1 * n + q1, 0).ravel(),
            c00=((1 - wy) * (1 - wx) * factor).ravel().astype(f32),
            c01=((1 - wy) * wx * factor).ravel().astype(f32),
            c10=(wy * (1 - wx) * factor).ravel().astype(f32),
            c11=(wy * wx * factor).ravel().astype(f32),
            sigma_bins=sig,
            inside=inside,
            dk=dk,
        )

    @property
    def field_of_view(self) -> float:
        """Side of the simulated area ``n dx`` [m]."""
        return self.n * self.cell

    @property
    def dk(self) -> float:
        """Grid step in ``k_perp`` [1/m]."""
        return self._map["dk"]

    @property
    def coverage(self) -> np.ndarray:
        """Pixels whose ``k_perp`` lies inside the grid (booleans, ``(ny, nx)``)."""
        return self._map["inside"]

    def coordinates(self) -> np.ndarray:
        """Cell-centre coordinates of the grid along y and x, centred on 0 [m]."""
        return (np.arange(self.n) - self.n // 2) * self.cell

    def grid_intensity(self, fields, weights=None) -> np.ndarray:
        """Photons per ``k_perp`` bin for one incident photon, on the (fftshifted) grid.

        Parameters
        ----------
        fields
            Complex fields ``a psi`` of shape ``(n, n)`` (one or a sequence, e.g. both helicities).
        weights
            Weights of the incoherent sum (default equal, summing to 1).

        Returns
        -------
        numpy.ndarray
            ``(n, n)``, zero frequency at index ``n // 2`` [photons per bin per incident photon].
        """
        fields = [fields] if isinstance(fields, np.ndarray) and fields.ndim == 2 else list(fields)
        if weights is None:
            weights = [1.0 / len(fields)] * len(fields)
        out = None
        for f, wgt in zip(fields, weights, strict=True):
            F = scipy.fft.fftshift(scipy.fft.fft2(f, workers=self.workers))
            p = F.real**2 + F.imag**2
            out = p * wgt if out is None else out + p * wgt
        assert out is not None
        return out / (self.n * self.n)

    def detector_intensity(self, fields, weights=None, *, photons: float = 1.0) -> np.ndarray:
        """Expected photons per detector pixel.

        Parameters
        ----------
        fields
            Complex fields ``a psi`` ``(n, n)``, one or a sequence (incoherent channels).
        weights
            Weights of the channels (default equal, summing to 1).
        photons
            Incident photons (per exposure) [photons].

        Returns
        -------
        numpy.ndarray
            ``(ny, nx)`` [photons].
        """
        fields = [fields] if isinstance(fields, np.ndarray) and fields.ndim == 2 else list(fields)
        if weights is None:
            weights = [1.0 / len(fields)] * len(fields)
        # sum_j w_j |F_j|^2 in float32 (expected photon numbers; 1e-7 relative is far below Poisson noise);
        # equal weights are applied once, at the end
        equal = all(w == weights[0] for w in weights)
        acc = np.empty((self.n, self.n), dtype=np.float32)
        tmp = np.empty_like(acc)
        for j, (f, wgt) in enumerate(zip(fields, weights, strict=True)):
            F = scipy.fft.fft2(f, workers=self.workers)
            scale = None if equal else np.float32(wgt)
            if j == 0:
                np.multiply(F.real, F.real, out=acc, casting="unsafe")
                np.multiply(F.imag, F.imag, out=tmp, casting="unsafe")
                acc += tmp
                if scale is not None:
                    acc *= scale
            else:
                for part in (F.real, F.imag):
                    np.multiply(part, part, out=tmp, casting="unsafe")
                    if scale is not None:
                        tmp *= scale
                    acc += tmp
        return self._to_pixels(acc, photons * (weights[0] if equal else 1.0))

    def _to_pixels(self, power: np.ndarray, photons: float) -> np.ndarray:
        """``|F|^2`` on the unshifted grid -> photons per pixel (coherence blur, bilinear, solid angle)."""
        m = self._map
        if m["sigma_bins"] > 0:
            # the k grid of a discrete Fourier transform is periodic: wrap at its edges
            power = gaussian_filter(power, m["sigma_bins"], mode="wrap", truncate=3.0)
        flat = power.ravel()
        out = flat[m["i00"]] * m["c00"]
        out += flat[m["i01"]] * m["c01"]
        out += flat[m["i10"]] * m["c10"]
        out += flat[m["i11"]] * m["c11"]
        res = out.astype(np.float64)
        res *= photons
        return res.reshape(self.detector.shape)
