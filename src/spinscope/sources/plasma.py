"""Laser-driven plasma X-ray source: broadband emission, monochromatisation, optional circular polariser.

A picosecond laser focused onto a solid target produces a hot plasma that emits a broad soft X-ray
spectrum (continuum and unresolved transition arrays) in pulses of picoseconds. L. Lunin et al.,
Light Sci. Appl. 14, 394 (2025) (arXiv:2501.11506) use such a source for resonant small-angle
scattering at transition-metal L and rare-earth M edges with 9 ps time resolution.

Emission spectrum
    Either user-supplied arrays (photon energy [eV], spectral flux [photons/s/eV] collected by the
    beamline optics), or the smooth preset :meth:`PlasmaSource.preset`. The preset is a *smooth model,
    not a fit to the measured spectrum* of Lunin et al.: a continuum
    ``S(E) = S_ref exp(-(E - E_ref) / T_s)`` between ``E_min`` and ``E_max`` with four parameters, the
    spectral flux ``S_ref`` at ``E_ref``, the spectral slope ``T_s`` and the range. It carries no lines or
    edges of the target; give measured arrays wherever the spectrum matters.

Monochromatisation
    A bandpass of resolving power ``R = E0 / Delta E`` (``Delta E`` the FWHM) and peak efficiency
    ``eta``, Gaussian or rectangular in energy; the photon flux after it is ``eta * integral S(E) B(E) dE``
    (trapezoidal rule on the union of the spectrum grid and a fine grid across the bandpass).

Circular polariser
    A magnetised thin film in transmission: the two helicities of the unpolarised beam are absorbed
    differently through XMCD (J. B. Kortright, S.-K. Kim, T. Warwick & N. V. Smith, Appl. Phys. Lett. 71,
    1446 (1997), Fe L3 line), giving a degree of circular polarisation ``P_c = (T+ - T-) / (T+ + T-)`` at a
    transmission ``(T+ + T-) / 2``. Both may be given directly or computed from the film's absorption and
    magnetic absorption indices with the sign conventions of :mod:`spinscope.conventions`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from scipy.integrate import trapezoid

from spinscope.conventions import transmission_asymmetry
from spinscope.errors import ConfigError, DataRangeError
from spinscope.units import check_positive, energy_to_wavelength
from spinscope.units import parse_positive as _positive

__all__ = ["CircularPolariser", "MonochromaticBeam", "PlasmaSource", "bandpass"]

#: Area of a unit-peak Gaussian over its FWHM: sqrt(pi / (4 ln 2)).
_GAUSS_AREA = math.sqrt(math.pi / (4.0 * math.log(2.0)))


def bandpass(energy, centre: float, resolving_power: float, *, shape: str = "gaussian") -> np.ndarray:
    """Transmission profile of a monochromator with unit peak.

    Parameters
    ----------
    energy
        Photon energies [eV].
    centre
        Centre energy ``E0`` [eV].
    resolving_power
        ``E0 / Delta E`` with ``Delta E`` the FWHM [dimensionless].
    shape
        ``"gaussian"`` or ``"rect"`` (flat top of full width ``Delta E``).

    Returns
    -------
    numpy.ndarray
        Profile in [0, 1] [dimensionless].
    """
    e = np.asarray(energy, dtype=float)
    fwhm = centre / resolving_power
    if shape == "gaussian":
        return np.exp(-4.0 * math.log(2.0) * ((e - centre) / fwhm) ** 2)
    if shape == "rect":
        return (np.abs(e - centre) <= fwhm / 2).astype(float)
    raise ConfigError(f"shape: expected 'gaussian' or 'rect', got {shape!r}")


@dataclass(frozen=True)
class CircularPolariser:
    """Magnetic thin-film transmission polariser.

    Attributes
    ----------
    transmission
        Transmission of the unpolarised beam, ``(T+ + T-) / 2`` [dimensionless].
    degree
        Degree of circular polarisation of the transmitted beam, ``(T+ - T-) / (T+ + T-)``, in
        [-1, 1]; its sign is the helicity of the excess photons (reverse the film's magnetisation to
        flip it) [dimensionless].
    """

    transmission: float
    degree: float

    def __post_init__(self) -> None:
        t, p = float(self.transmission), float(self.degree)
        if not 0 < t <= 1:
            raise ConfigError(
                f"polariser.transmission: expected a fraction in (0, 1], got {self.transmission!r}"
            )
        if not -1 <= p <= 1:
            raise ConfigError(f"polariser.degree: expected a value in [-1, 1], got {self.degree!r}")
        object.__setattr__(self, "transmission", t)
        object.__setattr__(self, "degree", p)

    @classmethod
    def from_dichroism(
        cls, *, beta: float, beta_m: float, thickness: Any, energy: Any, projection: float = 1.0
    ) -> CircularPolariser:
        """Polariser from the optical constants of a magnetised film.

        Parameters
        ----------
        beta
            Charge absorption index of the film [dimensionless].
        beta_m
            Magnetic absorption index [dimensionless] (convention of :mod:`spinscope.conventions`).
        thickness
            Film thickness [m].
        energy
            Photon energy [eV].
        projection
            ``k . m`` of the film magnetisation [dimensionless] (+1: saturated along the beam).

        Returns
        -------
        CircularPolariser
        """
        d = _positive(thickness, "length", "thickness")
        lam = energy_to_wavelength(_positive(energy, "energy", "energy"))
        k4 = 4.0 * math.pi * d / lam
        t_plus = math.exp(-k4 * (beta + projection * beta_m))
        t_minus = math.exp(-k4 * (beta - projection * beta_m))
        p = float(transmission_asymmetry(beta, beta_m, thickness=d, wavelength=lam, projection=projection))
        return cls(transmission=0.5 * (t_plus + t_minus), degree=p)


@dataclass(frozen=True)
class MonochromaticBeam:
    """Photon budget after the monochromator (and polariser).

    Attributes
    ----------
    energy
        Centre photon energy [eV].
    bandwidth
        FWHM of the bandpass [eV].
    flux
        Photons per second delivered [photons/s].
    photons_per_pulse
        ``flux / repetition_rate`` [photons].
    pulse_duration
        X-ray pulse FWHM [s].
    repetition_rate
        [Hz].
    helicity_degree
        Degree of circular polarisation (0 without polariser) [dimensionless].
    """

    energy: float
    bandwidth: float
    flux: float
    photons_per_pulse: float
    pulse_duration: float
    repetition_rate: float
    helicity_degree: float


@dataclass(frozen=True, eq=False)
class PlasmaSource:
    """A laser-plasma soft X-ray source (see the module notes).

    Attributes
    ----------
    energy
        Photon energies of the emission spectrum [eV], strictly increasing.
    spectral_flux
        Spectral photon flux collected by the beamline [photons/s/eV], non-negative.
    pulse_duration
        X-ray pulse FWHM [s].
    repetition_rate
        Laser (and X-ray) pulse repetition rate [Hz].
    polariser
        Optional magnetic thin-film polariser for circular light.
    """

    energy: np.ndarray
    spectral_flux: np.ndarray
    pulse_duration: float
    repetition_rate: float
    polariser: CircularPolariser | None = None

    def __post_init__(self) -> None:
        e = np.array(self.energy, dtype=float)
        s = np.array(self.spectral_flux, dtype=float)
        if e.ndim != 1 or s.shape != e.shape or e.size < 2:
            raise ConfigError(
                f"energy, spectral_flux: expected two 1D arrays of equal length >= 2, got shapes {e.shape}, "
                f"{s.shape}"
            )
        if not (np.all(np.isfinite(e)) and np.all(np.isfinite(s))):
            raise ConfigError("energy, spectral_flux: contain NaN or infinite values")
        if np.any(np.diff(e) <= 0) or e[0] <= 0:
            raise ConfigError("energy: expected positive, strictly increasing photon energies")
        if np.any(s < 0):
            raise ConfigError("spectral_flux: expected non-negative values [photons/s/eV]")
        e.setflags(write=False)
        s.setflags(write=False)
        object.__setattr__(self, "energy", e)
        object.__setattr__(self, "spectral_flux", s)
        object.__setattr__(self, "pulse_duration", _positive(self.pulse_duration, "time", "pulse_duration"))
        object.__setattr__(
            self, "repetition_rate", _positive(self.repetition_rate, "frequency", "repetition_rate")
        )
        if self.polariser is not None and not isinstance(self.polariser, CircularPolariser):
            raise ConfigError("polariser: expected a CircularPolariser or None")

    @classmethod
    def preset(
        cls,
        *,
        reference_flux: float = 1e9,
        reference_energy: Any = 700.0,
        slope: Any = 400.0,
        energy_range: tuple[Any, Any] = (200.0, 1600.0),
        points: int = 2801,
        pulse_duration: Any = 9e-12,
        repetition_rate: Any = 100.0,
        polariser: CircularPolariser | None = None,
    ) -> PlasmaSource:
        """A smooth model spectrum for a ps laser-plasma source at L / M edges.

        ``S(E) = reference_flux * exp(-(E - reference_energy) / slope)`` on ``energy_range``. The defaults
        are *illustrative* round numbers, not values from Lunin et al. (2025): the range spans the
        transition-metal L and rare-earth M edges used there, the pulse duration is set to their 9 ps
        time resolution (an upper bound of the X-ray pulse length), and ``reference_flux`` and
        ``repetition_rate`` must be calibrated to the source at hand.

        Parameters
        ----------
        reference_flux
            Spectral flux at ``reference_energy`` collected by the beamline [photons/s/eV].
        reference_energy
            [eV].
        slope
            e-folding energy of the continuum [eV].
        energy_range
            Lowest and highest photon energy [eV].
        points
            Number of grid points.
        pulse_duration
            X-ray pulse FWHM [s].
        repetition_rate
            [Hz].
        polariser
            Optional circular polariser.

        Returns
        -------
        PlasmaSource
        """
        e_ref = _positive(reference_energy, "energy", "reference_energy")
        t_s = _positive(slope, "energy", "slope")
        lo = _positive(energy_range[0], "energy", "energy_range[0]")
        hi = _positive(energy_range[1], "energy", "energy_range[1]")
        if hi <= lo:
            raise ConfigError(f"energy_range: expected low < high, got {energy_range!r}")
        check_positive(reference_flux, "reference_flux", "a positive spectral flux")
        e = np.linspace(lo, hi, int(points))
        s = float(reference_flux) * np.exp(-(e - e_ref) / t_s)
        return cls(e, s, pulse_duration, repetition_rate, polariser)

    def spectrum(self) -> xr.DataArray:
        """The emission spectrum as a DataArray.

        Returns
        -------
        xarray.DataArray
            Spectral flux along ``energy`` [photons/s/eV].
        """
        return xr.DataArray(
            np.array(self.spectral_flux),
            dims=("energy",),
            coords={"energy": xr.Variable(("energy",), np.array(self.energy), {"units": "eV"})},
            attrs={"units": "photons/s/eV", "long_name": "spectral photon flux"},
            name="spectral_flux",
        )

    def spectral_flux_at(self, energy) -> np.ndarray | float:
        """Spectral flux interpolated linearly (zero outside the tabulated range).

        Parameters
        ----------
        energy
            Photon energies [eV].

        Returns
        -------
        float or numpy.ndarray
            [photons/s/eV].
        """
        out = np.interp(np.asarray(energy, dtype=float), self.energy, self.spectral_flux, left=0.0, right=0.0)
        return out if np.ndim(out) else float(out)

    def total_flux(self) -> float:
        """Photon flux integrated over the whole spectrum.

        Returns
        -------
        float
            [photons/s].
        """
        return float(trapezoid(self.spectral_flux, self.energy))

    def monochromatise(
        self,
        energy: Any,
        resolving_power: float,
        *,
        efficiency: float = 1.0,
        shape: str = "gaussian",
    ) -> MonochromaticBeam:
        """Photon budget after a monochromator (and the polariser, if any).

        Parameters
        ----------
        energy
            Centre photon energy [eV] (a number or a string such as ``"707 eV"``).
        resolving_power
            ``E0 / Delta E`` [dimensionless].
        efficiency
            Peak transmission of the monochromator (gratings, mirrors) [dimensionless].
        shape
            Bandpass shape, ``"gaussian"`` or ``"rect"``.

        Returns
        -------
        MonochromaticBeam

        Raises
        ------
        DataRangeError
            When the bandpass reaches outside the tabulated spectrum.
        """
        e0 = _positive(energy, "energy", "energy")
        r = float(resolving_power)
        if not (math.isfinite(r) and r > 1):
            raise ConfigError(f"resolving_power: expected E/dE > 1, got {resolving_power!r}")
        if not 0 < efficiency <= 1:
            raise ConfigError(f"efficiency: expected a fraction in (0, 1], got {efficiency!r}")
        if shape not in ("gaussian", "rect"):
            raise ConfigError(f"shape: expected 'gaussian' or 'rect', got {shape!r}")
        fwhm = e0 / r
        half = (3.0 if shape == "gaussian" else 0.5) * fwhm
        if e0 - half < self.energy[0] or e0 + half > self.energy[-1]:
            raise DataRangeError(
                f"energy: the bandpass {e0 - half:.4g}-{e0 + half:.4g} eV reaches outside the source "
                f"spectrum ({self.energy[0]:.4g}-{self.energy[-1]:.4g} eV); choose an energy inside it "
                "or a higher resolving power"
            )
        fine = np.linspace(e0 - half, e0 + half, 4001)
        inside = self.energy[(self.energy > fine[0]) & (self.energy < fine[-1])]
        grid = np.union1d(fine, inside)
        # the rectangular band is integrated over exactly [e0 - dE/2, e0 + dE/2] (profile 1 inside)
        prof = bandpass(grid, e0, r, shape=shape) if shape == "gaussian" else np.ones_like(grid)

        flux = efficiency * float(trapezoid(self.spectral_flux_at(grid) * prof, grid))
        degree = 0.0
        if self.polariser is not None:
            flux *= self.polariser.transmission
            degree = self.polariser.degree
        return MonochromaticBeam(
            energy=e0,
            bandwidth=fwhm,
            flux=flux,
            photons_per_pulse=flux / self.repetition_rate,
            pulse_duration=self.pulse_duration,
            repetition_rate=self.repetition_rate,
            helicity_degree=degree,
        )

    def bandpass_area(self, energy: Any, resolving_power: float, *, shape: str = "gaussian") -> float:
        """Integral of the bandpass profile, the effective bandwidth.

        Parameters
        ----------
        energy
            Centre photon energy [eV].
        resolving_power
            ``E0 / Delta E`` [dimensionless].
        shape
            ``"gaussian"`` (``sqrt(pi / (4 ln 2)) Delta E``) or ``"rect"`` (``Delta E``).

        Returns
        -------
        float
            [eV].
        """
        e0 = _positive(energy, "energy", "energy")
        fwhm = e0 / float(resolving_power)
        return _GAUSS_AREA * fwhm if shape == "gaussian" else fwhm
