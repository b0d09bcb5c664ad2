"""Fresnel zone plates: focal length, resolution, depth of focus, efficiency and the focal spot.

Closed forms (first diffraction order, thin plate, paraxial; Attwood, *Soft X-rays and Extreme
Ultraviolet Radiation*, Cambridge University Press 1999, ch. 9, and 2nd ed. with A. Sakdinawat, 2016,
ch. 10):

* focal length ``f = D dr / lambda``,
* number of zones ``N = D / (4 dr)``,
* numerical aperture ``NA = lambda / (2 dr)``,
* Rayleigh resolution ``1.22 dr`` (``= 0.61 lambda / NA``),
* depth of focus ``+- 2 dr^2 / lambda`` (half-width; ``= +- lambda / (2 NA^2)``),
* first-order efficiency ``1 / pi^2 = 10.1 %`` of a binary amplitude plate (``4 / pi^2`` for an ideal
  binary phase plate; real plates are given their measured value).

The point-spread function is computed from the pupil: a uniformly illuminated annulus (central stop
of obscuration ratio ``eps = central_stop / D``) with a paraxial defocus phase. In the reduced
coordinates of Born & Wolf (*Principles of Optics*, 7th ed., sec. 8.8),
``v = 2 pi NA r / lambda`` and ``u = 2 pi NA^2 dz / lambda``, the focal-plane amplitude is

    U(u, v) = 2 / (1 - eps^2) * int_eps^1 J0(v rho) exp(-i u rho^2 / 2) rho d rho,

normalised so that ``U(0, 0) = 1`` for every ``eps``. It is evaluated by Gauss-Legendre quadrature in
``x = rho^2``, vectorised over all requested radii and defocus values. In focus it reduces to the
annular Airy pattern ``[2 J1(v)/v - eps^2 2 J1(eps v)/(eps v)] / (1 - eps^2)``, and on axis to
``sin(w)/w`` with ``w = u (1 - eps^2) / 4``: a defocus of one depth of focus (``u = pi``, a quarter
wave of defocus at the pupil edge: the Rayleigh quarter-wave criterion) keeps ``0.81`` of the peak.

All lengths are in metres and photon energies in eV (:mod:`spinscope.units`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from scipy import special
from scipy.optimize import brentq

from spinscope.errors import ConfigError, ParameterRangeError
from spinscope.units import check_positive, energy_to_wavelength

__all__ = [
    "BINARY_AMPLITUDE_EFFICIENCY",
    "BINARY_PHASE_EFFICIENCY",
    "ZonePlate",
    "annular_airy",
    "depth_of_focus",
    "focal_length",
    "focal_spot_fwhm",
    "numerical_aperture",
    "number_of_zones",
    "on_axis_intensity",
    "psf_first_zero",
    "psf_image",
    "pupil_psf",
    "rayleigh_resolution",
]

#: First-order efficiency of an ideal binary amplitude zone plate, 1/pi^2 (Attwood 1999, ch. 9).
BINARY_AMPLITUDE_EFFICIENCY = 1.0 / math.pi**2
#: First-order efficiency of an ideal binary pi phase-shifting zone plate, 4/pi^2 (Attwood 1999, ch. 9).
BINARY_PHASE_EFFICIENCY = 4.0 / math.pi**2

#: Highest photon energy [eV] a zone plate is computed for (hard X-ray zone plates reach ~100 keV;
#: beyond 1 MeV the numbers describe no optic).
MAX_ENERGY = 1e6

#: First zero of J1 (Airy first dark ring at v = 3.8317, i.e. r = 0.61 lambda / NA).
_J1_ZERO = float(special.jn_zeros(1, 1)[0])


# --------------------------------------------------------------------------------------------------
# closed forms (pure kernels; accept numpy arrays)
# --------------------------------------------------------------------------------------------------
def focal_length(diameter, outer_zone_width, wavelength):
    """First-order focal length ``f = D dr / lambda``.

    Parameters
    ----------
    diameter
        Zone-plate diameter D [m].
    outer_zone_width
        Width of the outermost zone dr [m].
    wavelength
        Photon wavelength [m].

    Returns
    -------
    float or numpy.ndarray
        Focal length [m].
    """
    return _f(np.asarray(diameter) * np.asarray(outer_zone_width) / np.asarray(wavelength))


def number_of_zones(diameter, outer_zone_width):
    """Number of zones ``N = D / (4 dr)`` (open plus opaque, counted from the centre).

    Parameters
    ----------
    diameter
        Zone-plate diameter D [m].
    outer_zone_width
        Outermost zone width dr [m].

    Returns
    -------
    float or numpy.ndarray
        N [dimensionless] (not rounded).
    """
    return _f(np.asarray(diameter) / (4.0 * np.asarray(outer_zone_width)))


def numerical_aperture(outer_zone_width, wavelength):
    """Numerical aperture of the first order, ``NA = lambda / (2 dr)``.

    Parameters
    ----------
    outer_zone_width
        Outermost zone width dr [m].
    wavelength
        Photon wavelength [m].

    Returns
    -------
    float or numpy.ndarray
        NA [dimensionless].
    """
    return _f(np.asarray(wavelength) / (2.0 * np.asarray(outer_zone_width)))


def rayleigh_resolution(outer_zone_width):
    """Rayleigh resolution ``1.22 dr`` (``0.61 lambda / NA``) of an unobstructed plate.

    Parameters
    ----------
    outer_zone_width
        Outermost zone width dr [m].

    Returns
    -------
    float or numpy.ndarray
        Radius of the first dark ring of the Airy pattern [m].
    """
    return _f(1.22 * np.asarray(outer_zone_width))


def depth_of_focus(outer_zone_width, wavelength):
    """Half-width of the depth of focus, ``2 dr^2 / lambda`` (the focus is ``+-`` this value).

    Parameters
    ----------
    outer_zone_width
        Outermost zone width dr [m].
    wavelength
        Photon wavelength [m].

    Returns
    -------
    float or numpy.ndarray
        Half-width [m]; at this defocus the on-axis intensity is 0.81 of focus (quarter-wave).
    """
    return _f(2.0 * np.asarray(outer_zone_width) ** 2 / np.asarray(wavelength))


def _f(x):
    """numpy 0-d -> float."""
    return float(x) if np.ndim(x) == 0 else x


# --------------------------------------------------------------------------------------------------
# point-spread function from the pupil
# --------------------------------------------------------------------------------------------------
def annular_airy(v, obscuration=0.0):
    """In-focus intensity of an annular pupil in reduced coordinates (analytic).

    Parameters
    ----------
    v
        Reduced radius ``2 pi NA r / lambda`` [dimensionless].
    obscuration
        Central obscuration ratio eps = stop diameter / pupil diameter, ``0 <= eps < 1``.

    Returns
    -------
    numpy.ndarray or float
        ``[(2 J1(v)/v - eps^2 2 J1(eps v)/(eps v)) / (1 - eps^2)]^2``, equal to 1 at ``v = 0``.
    """
    v = np.asarray(v, dtype=float)
    eps = float(obscuration)

    def jinc(x):
        x = np.asarray(x, dtype=float)
        out = np.ones_like(x)
        nz = np.abs(x) > 1e-12
        out[nz] = 2.0 * special.j1(x[nz]) / x[nz]
        return out

    amp = (jinc(v) - eps**2 * jinc(eps * v)) / (1.0 - eps**2)
    return _f(amp**2)


def on_axis_intensity(u, obscuration=0.0):
    """On-axis intensity versus reduced defocus ``u`` (analytic, Born & Wolf sec. 8.8).

    Parameters
    ----------
    u
        Reduced defocus ``2 pi NA^2 dz / lambda`` [dimensionless].
    obscuration
        Central obscuration ratio eps.

    Returns
    -------
    numpy.ndarray or float
        ``[sin(w)/w]^2`` with ``w = u (1 - eps^2) / 4``; 1 in focus.
    """
    w = np.asarray(u, dtype=float) * (1.0 - float(obscuration) ** 2) / 4.0
    return _f(np.sinc(w / np.pi) ** 2)


def _reduced(r, defocus, wavelength, na):
    v = 2.0 * np.pi * na * np.asarray(r, dtype=float) / wavelength
    u = 2.0 * np.pi * na**2 * np.asarray(defocus, dtype=float) / wavelength
    return v, u


def _pupil_amplitude(v, u, obscuration, n_nodes=None, chunk=2_000_000):
    """Complex amplitude U(u, v) of the annular, defocused pupil by Gauss-Legendre quadrature."""
    eps = float(obscuration)
    v, u = np.broadcast_arrays(np.asarray(v, dtype=float), np.asarray(u, dtype=float))
    shape = v.shape
    v = v.ravel()
    u = u.ravel()
    if n_nodes is None:
        scale = float(np.max(np.abs(v), initial=0.0) + np.max(np.abs(u), initial=0.0))
        n_nodes = int(48 + 1.5 * scale)
    # x = rho^2 in [eps^2, 1]: int_eps^1 J0(v rho) e^{-i u rho^2/2} rho d rho = 1/2 int J0(v sqrt x)...
    nodes, weights = np.polynomial.legendre.leggauss(n_nodes)
    a, b = eps**2, 1.0
    x = 0.5 * (b - a) * nodes + 0.5 * (b + a)
    w = 0.5 * (b - a) * weights
    sx = np.sqrt(x)
    out = np.empty(v.size, dtype=complex)
    step = max(1, chunk // n_nodes)
    for s in range(0, v.size, step):
        vv = v[s : s + step, None]
        uu = u[s : s + step, None]
        integrand = special.j0(vv * sx) * np.exp(-0.5j * uu * x)
        out[s : s + step] = integrand @ w
    out /= 1.0 - eps**2  # (2 / (1 - eps^2)) * (1/2) int ... dx
    return out.reshape(shape)


def pupil_psf(r, *, wavelength, na, obscuration=0.0, defocus=0.0, n_nodes=None):
    """Intensity point-spread function of an annular pupil, computed numerically from the pupil.

    Parameters
    ----------
    r
        Radial distance from the optical axis in the (defocused) observation plane [m]; any shape.
    wavelength
        Photon wavelength [m].
    na
        Numerical aperture (outer edge of the pupil) [dimensionless].
    obscuration
        Central obscuration ratio eps = central-stop diameter / pupil diameter, ``0 <= eps < 1``.
    defocus
        Distance of the observation plane from focus [m]; broadcasts against ``r``.
    n_nodes
        Gauss-Legendre nodes of the radial pupil integral (chosen from the largest ``u`` and ``v``
        when ``None``; the default integrates to better than 1e-10).

    Returns
    -------
    numpy.ndarray or float
        Intensity normalised to the in-focus on-axis intensity of the same pupil [dimensionless].
        (Relative to an unobstructed pupil of the same NA the peak is ``(1 - eps^2)^2``.)
    """
    if not 0.0 <= obscuration < 1.0:
        raise ConfigError(f"obscuration: expected 0 <= eps < 1, got {obscuration!r}")
    v, u = _reduced(r, defocus, wavelength, na)
    amp = _pupil_amplitude(v, u, obscuration, n_nodes)
    return _f(np.abs(amp) ** 2)


def _amplitude_in_focus(v, obscuration):
    return float(np.real(_pupil_amplitude(np.asarray(v), np.asarray(0.0), obscuration)))


def psf_first_zero(*, wavelength, na, obscuration=0.0):
    """Radius of the first dark ring of the in-focus PSF, found numerically from the pupil integral.

    Parameters
    ----------
    wavelength
        Photon wavelength [m].
    na
        Numerical aperture [dimensionless].
    obscuration
        Central obscuration ratio eps.

    Returns
    -------
    float
        First zero [m]; ``0.61 lambda / NA`` (= 1.22 dr) without a central stop, smaller with one.
    """
    grid = np.linspace(0.5, 2.0 * _J1_ZERO, 400)
    amp = np.real(_pupil_amplitude(grid, np.zeros_like(grid), obscuration))
    idx = np.nonzero(np.sign(amp[1:]) != np.sign(amp[:-1]))[0]
    if idx.size == 0:  # pragma: no cover - every annulus has a zero below 2 x 3.83
        raise RuntimeError("no zero of the PSF found")
    i = int(idx[0])
    v0 = brentq(lambda vv: _amplitude_in_focus(vv, obscuration), grid[i], grid[i + 1], xtol=1e-12)
    return v0 * wavelength / (2.0 * np.pi * na)


def focal_spot_fwhm(*, wavelength, na, obscuration=0.0, defocus=0.0):
    """Full width at half maximum of the focal spot, from the numerically computed PSF.

    Parameters
    ----------
    wavelength
        Photon wavelength [m].
    na
        Numerical aperture [dimensionless].
    obscuration
        Central obscuration ratio eps.
    defocus
        Observation plane distance from focus [m].

    Returns
    -------
    float
        FWHM [m] (``1.029 lambda / (2 NA)`` = 1.029 dr for an unobstructed plate in focus).
    """
    v, u = _reduced(0.0, defocus, wavelength, na)
    peak = float(np.abs(_pupil_amplitude(np.asarray(0.0), np.asarray(u), obscuration)) ** 2)

    def g(vv):
        return float(np.abs(_pupil_amplitude(np.asarray(vv), np.asarray(u), obscuration)) ** 2) - (0.5 * peak)

    grid = np.linspace(0.0, 3.0 * _J1_ZERO, 600)
    vals = np.abs(_pupil_amplitude(grid, np.full_like(grid, u), obscuration)) ** 2 - 0.5 * peak
    idx = np.nonzero(vals[1:] < 0)[0]
    if idx.size == 0:  # pragma: no cover - only for absurd defocus
        raise RuntimeError("half maximum not reached within 3 Airy radii")
    i = int(idx[0])
    v_half = brentq(g, grid[i], grid[i + 1], xtol=1e-12)
    return 2.0 * v_half * wavelength / (2.0 * np.pi * na)


def psf_image(shape, pixel_size, *, wavelength, na, obscuration=0.0, defocus=0.0, oversample=8):
    """Two-dimensional PSF sampled on a pixel grid centred on the array centre, normalised to sum 1.

    The radial profile is computed once on a fine grid (``oversample`` points per pixel) and
    interpolated onto the pixel centres, so the cost is independent of the image size.

    Parameters
    ----------
    shape
        ``(ny, nx)`` of the image [pixels].
    pixel_size
        Pixel size [m].
    wavelength
        Photon wavelength [m].
    na
        Numerical aperture [dimensionless].
    obscuration
        Central obscuration ratio eps.
    defocus
        Defocus [m].
    oversample
        Radial samples per pixel.

    Returns
    -------
    numpy.ndarray
        ``(ny, nx)`` kernel with ``kernel.sum() == 1``, indexed ``[y, x]``.
    """
    ny, nx = (int(s) for s in shape)
    y = (np.arange(ny) - (ny - 1) / 2.0) * pixel_size
    x = (np.arange(nx) - (nx - 1) / 2.0) * pixel_size
    rr = np.hypot(y[:, None], x[None, :])
    r_fine = np.linspace(0.0, float(rr.max()) + pixel_size, int(oversample * max(ny, nx)) + 2)
    prof = np.asarray(
        pupil_psf(r_fine, wavelength=wavelength, na=na, obscuration=obscuration, defocus=defocus)
    )
    img = np.interp(rr, r_fine, prof)
    return img / img.sum()


# --------------------------------------------------------------------------------------------------
# the zone plate
# --------------------------------------------------------------------------------------------------
def _positive_length(value, name):
    return check_positive(value, name, "a positive length")


@dataclass(frozen=True)
class ZonePlate:
    """A Fresnel zone plate with central stop and order-sorting aperture (OSA).

    Parameters
    ----------
    diameter
        Outer diameter D [m].
    outer_zone_width
        Outermost zone width dr [m].
    central_stop
        Diameter of the opaque central stop [m] (0: none).
    osa_diameter
        Diameter of the order-sorting aperture [m] (``None``: not specified).
    efficiency
        First-order diffraction efficiency [dimensionless]; ``None`` uses 1/pi^2 (ideal binary
        amplitude plate, Attwood 1999 ch. 9).

    Notes
    -----
    Zero order is blocked only if the OSA lies inside the shadow of the central stop while passing
    the whole first-order cone: with OSA-to-focus distance ``w``,
    ``D w / f <= d_OSA <= d_CS``, so the working distance is at most ``f d_CS / D``
    (:meth:`max_working_distance`).
    """

    diameter: float
    outer_zone_width: float
    central_stop: float = 0.0
    osa_diameter: float | None = None
    efficiency: float | None = None

    def __post_init__(self):
        object.__setattr__(self, "diameter", _positive_length(self.diameter, "diameter"))
        object.__setattr__(
            self, "outer_zone_width", _positive_length(self.outer_zone_width, "outer_zone_width")
        )
        cs = check_positive(float(self.central_stop), "central_stop", "a non-negative length",
                            allow_zero=True)
        if cs >= self.diameter:
            raise ConfigError(
                f"central_stop: {cs:.3g} m is not smaller than the diameter {self.diameter:.3g} m"
            )
        object.__setattr__(self, "central_stop", cs)
        if self.osa_diameter is not None:
            osa = _positive_length(self.osa_diameter, "osa_diameter")
            if cs > 0 and osa > cs:
                raise ConfigError(
                    f"osa_diameter: {osa:.3g} m is larger than the central stop {cs:.3g} m, so the "
                    "zero order would reach the sample; choose an OSA no larger than the stop"
                )
            object.__setattr__(self, "osa_diameter", osa)
        if self.efficiency is not None:
            eff = float(self.efficiency)
            if not 0.0 < eff <= 1.0:
                raise ConfigError(f"efficiency: expected 0 < efficiency <= 1, got {eff!r}")
            object.__setattr__(self, "efficiency", eff)

    # ------------------------------------------------------------------ geometry
    @property
    def obscuration(self) -> float:
        """Central obscuration ratio eps = central stop / diameter [dimensionless]."""
        return self.central_stop / self.diameter

    @property
    def zones(self) -> float:
        """Number of zones D / (4 dr) [dimensionless]."""
        return float(number_of_zones(self.diameter, self.outer_zone_width))

    @property
    def first_order_efficiency(self) -> float:
        """First-order efficiency (given, else 1/pi^2) [dimensionless]."""
        return BINARY_AMPLITUDE_EFFICIENCY if self.efficiency is None else float(self.efficiency)

    @property
    def open_fraction(self) -> float:
        """Fraction of the plate area not covered by the central stop, ``1 - eps^2``."""
        return 1.0 - self.obscuration**2

    @property
    def resolution(self) -> float:
        """Rayleigh resolution 1.22 dr [m] (unobstructed; see :meth:`first_zero` with the stop)."""
        return float(rayleigh_resolution(self.outer_zone_width))

    # ------------------------------------------------------------------ energy-dependent
    def wavelength(self, energy: float) -> float:
        """Wavelength [m] at photon energy ``energy`` [eV].

        Raises
        ------
        ParameterRangeError
            For an energy that is not positive, above :data:`MAX_ENERGY`, or so low that the
            wavelength exceeds twice the outer zone width (``NA = lambda / (2 dr) >= 1``: no
            first-order focus exists).
        """
        e = check_positive(energy, "energy", "a positive photon energy in eV")
        if e > MAX_ENERGY:
            raise ParameterRangeError(f"energy: expected a photon energy up to {MAX_ENERGY:g} eV for a zone "
                                      f"plate, got {e:g} eV", field="energy")
        lam = float(energy_to_wavelength(e))
        if lam >= 2.0 * self.outer_zone_width:
            e_min = float(energy_to_wavelength(2.0 * self.outer_zone_width))
            raise ParameterRangeError(
                f"energy: {e:g} eV gives a wavelength {lam:.3g} m longer than twice the outer zone width "
                f"({self.outer_zone_width:.3g} m), so there is no first-order focus (NA >= 1); expected "
                f"more than {e_min:.4g} eV", field="energy")
        return lam

    def focal_length(self, energy: float) -> float:
        """First-order focal length D dr / lambda [m] at ``energy`` [eV]."""
        return float(focal_length(self.diameter, self.outer_zone_width, self.wavelength(energy)))

    def numerical_aperture(self, energy: float) -> float:
        """lambda / (2 dr) [dimensionless] at ``energy`` [eV]."""
        return float(numerical_aperture(self.outer_zone_width, self.wavelength(energy)))

    def depth_of_focus(self, energy: float) -> float:
        """Half-width 2 dr^2 / lambda of the depth of focus [m] at ``energy`` [eV]."""
        return float(depth_of_focus(self.outer_zone_width, self.wavelength(energy)))

    def max_working_distance(self, energy: float) -> float:
        """Largest OSA-to-focus distance that still blocks the zero order, ``f d_CS / D`` [m]."""
        return self.focal_length(energy) * self.obscuration

    def psf(self, r, energy: float, *, defocus=0.0):
        """Intensity PSF at radii ``r`` [m] (see :func:`pupil_psf`), 1 at the in-focus peak."""
        return pupil_psf(
            r,
            wavelength=self.wavelength(energy),
            na=self.numerical_aperture(energy),
            obscuration=self.obscuration,
            defocus=defocus,
        )

    def psf_image(self, shape, pixel_size, energy: float, *, defocus=0.0):
        """Normalised 2-D PSF kernel (see :func:`psf_image`)."""
        return psf_image(
            shape,
            pixel_size,
            wavelength=self.wavelength(energy),
            na=self.numerical_aperture(energy),
            obscuration=self.obscuration,
            defocus=defocus,
        )

    def first_zero(self, energy: float) -> float:
        """First dark ring of the computed PSF [m] (1.22 dr without stop, inward with one)."""
        return psf_first_zero(
            wavelength=self.wavelength(energy),
            na=self.numerical_aperture(energy),
            obscuration=self.obscuration,
        )

    def focal_spot_fwhm(self, energy: float, *, defocus=0.0) -> float:
        """FWHM of the computed focal spot [m]."""
        return focal_spot_fwhm(
            wavelength=self.wavelength(energy),
            na=self.numerical_aperture(energy),
            obscuration=self.obscuration,
            defocus=defocus,
        )

    def with_(self, **changes) -> ZonePlate:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def summary(self, energy: float, *, spot: bool = True) -> dict:
        """The figures of merit at ``energy`` as a dict of SI floats.

        Parameters
        ----------
        energy
            Photon energy [eV].
        spot
            Also compute the PSF-derived ``focal_spot_fwhm`` and ``first_zero`` (a few ms).

        Returns
        -------
        dict
            ``energy`` [eV], ``wavelength``, ``focal_length``, ``zones``, ``numerical_aperture``,
            ``resolution``, ``depth_of_focus`` (half-width), ``efficiency``, ``diameter``,
            ``outer_zone_width``, ``central_stop``, ``open_fraction``, and with ``spot``
            ``focal_spot_fwhm`` and ``first_zero`` [m].
        """
        out = {
            "energy": float(energy),
            "wavelength": self.wavelength(energy),
            "diameter": self.diameter,
            "outer_zone_width": self.outer_zone_width,
            "central_stop": self.central_stop,
            "focal_length": self.focal_length(energy),
            "zones": round(self.zones, 6),  # D/(4 dr) without floating-point dust
            "numerical_aperture": self.numerical_aperture(energy),
            "resolution": self.resolution,
            "depth_of_focus": self.depth_of_focus(energy),
            "efficiency": self.first_order_efficiency,
            "open_fraction": self.open_fraction,
        }
        if self.central_stop > 0:
            out["max_working_distance"] = self.max_working_distance(energy)
        if spot:
            out["focal_spot_fwhm"] = self.focal_spot_fwhm(energy)
            out["first_zero"] = self.first_zero(energy)
        return out
