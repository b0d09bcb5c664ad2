"""High-harmonic generation (HHG) soft X-ray source: cutoff, odd-harmonic comb, flux, filters.

Physics
    A driver of wavelength ``lambda`` and peak intensity ``I`` focused into a noble gas emits odd
    harmonics ``E_q = q hbar omega`` (q odd: inversion symmetry of the gas) up to the cutoff of the
    three-step model, ``E_c = I_p + 3.17 U_p`` (J. L. Krause, K. J. Schafer & K. C. Kulander, Phys. Rev.
    Lett. 68, 3535 (1992); P. B. Corkum, Phys. Rev. Lett. 71, 1994 (1993)), with the ponderomotive
    energy ``U_p [eV] = 9.33e-14 I [W/cm^2] lambda^2 [um^2]`` (``e^2 I / (2 eps0 c m_e omega^2)``).
    The harmonics are linearly polarised along the driver polarisation (helicity label 0).

Spectral envelope (a model, stated here once)
    The peak spectral flux of harmonic q, in photons/s per 1 % bandwidth, is
    ``F_q = F_0 * envelope(E_q) * T_filters(E_q)`` with a flat *plateau* ``envelope = 1`` for
    ``E <= E_c`` and an exponential *cutoff roll-off* ``exp(-(E - E_c) / (r E_c))`` above it (``r``:
    :attr:`HHGSource.cutoff_rolloff`). Below the cutoff, phase matching, re-absorption in the gas and
    the filters shape real spectra; only the filters are modelled. Each harmonic is a Gaussian line of
    FWHM ``Delta E_q = b E_q`` (``b``: :attr:`HHGSource.relative_bandwidth`), so it carries
    ``N_q = F_q (b / 0.01) sqrt(pi / (4 ln 2))`` photons/s: the photons per harmonic scale with its
    bandwidth at fixed spectral flux.

Default calibration (Fan et al.)
    ``F_0 = 2e9`` photons/s/1 % bandwidth: the flux reported by G. Fan et al., Optica 9, 399 (2022)
    (> 2e9 photons/s/1 % BW over 100-220 eV) for HHG in helium driven by terawatt-level 1.03 um pulses
    of a kHz Yb:CaF2 amplifier. It is taken as the flux delivered after the driver-blocking filters;
    add :class:`MetalFilter` s only for filters beyond those. Override ``flux_per_1pct_bw`` for any
    other source.

Filters
    Transmission ``exp(-mu d)`` of thin metal foils (Al, Zr, ...), ``mu = rho * sum_i w_i (mu/rho)_i``,
    from xraydb (M. Newville, https://xraypy.github.io/XrayDB): the Chantler FFAST tables (C. T.
    Chantler, J. Phys. Chem. Ref. Data 29, 597 (2000); valid from 10 eV, they resolve the Al L2,3 edge
    at 72.5 eV) by default, or ``xraydb.material_mu`` (Elam tables, which xraydb itself flags as
    unreliable below 100 eV). The tables do not cover the driver photon energy (~1.2 eV): the foils'
    blocking of the driver itself is not modelled.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from spinscope.errors import ConfigError, DataRangeError, MaterialError
from spinscope.materials import chantler_attenuation
from spinscope.timing import fwhm_to_sigma
from spinscope.units import HC_EV_M, check_positive, parse_quantity
from spinscope.units import parse_positive as _positive

__all__ = [
    "GAUSSIAN_LINE_FACTOR",
    "IONISATION_POTENTIALS",
    "HHGSource",
    "Harmonic",
    "MetalFilter",
    "peak_intensity",
    "ponderomotive_energy",
]

#: First ionisation energies [eV], NIST Atomic Spectra Database, "Ground levels and ionization
#: energies for the neutral atoms" (A. Kramida et al., NIST ASD v5.11): He 24.587389011,
#: Ne 21.5645407, Ar 15.7596119.
IONISATION_POTENTIALS = {"He": 24.587389011, "Ne": 21.5645407, "Ar": 15.7596119}

#: Coefficient of U_p [eV] = C * I [W/cm^2] * lambda^2 [um^2] (e.g. Corkum, PRL 71, 1994 (1993));
#: e^2 / (8 pi^2 eps0 m_e c^3) in these units evaluates to 9.337e-14.
UP_COEFFICIENT = 9.33e-14

#: Cutoff law E_c = I_p + 3.17 U_p (Krause, Schafer & Kulander, PRL 68, 3535 (1992)).
CUTOFF_FACTOR = 3.17

#: Area of a Gaussian line divided by (peak height * FWHM): sqrt(pi / (4 ln 2)).
GAUSSIAN_LINE_FACTOR = math.sqrt(math.pi / (4.0 * math.log(2.0)))

#: Peak power of a Gaussian pulse of energy E and intensity FWHM tau: P0 = 2 sqrt(ln 2 / pi) E / tau.
_GAUSS_PEAK = 2.0 * math.sqrt(math.log(2.0) / math.pi)


def ponderomotive_energy(intensity: float, wavelength: float) -> float:
    """Ponderomotive energy of a free electron in a laser field.

    Parameters
    ----------
    intensity
        Peak (cycle-averaged) intensity [W/m^2].
    wavelength
        Driver wavelength [m].

    Returns
    -------
    float
        ``U_p = 9.33e-14 I[W/cm^2] lambda^2[um^2]`` [eV].
    """
    return UP_COEFFICIENT * (intensity * 1e-4) * (wavelength * 1e6) ** 2


def peak_intensity(pulse_energy: float, duration: float, waist: float) -> float:
    """Peak intensity of a Gaussian pulse in a Gaussian focus.

    Parameters
    ----------
    pulse_energy
        Pulse energy [J].
    duration
        Intensity FWHM of the pulse [s].
    waist
        1/e^2 intensity radius of the focus [m].

    Returns
    -------
    float
        ``I0 = 2 P0 / (pi w0^2)`` with ``P0 = 2 sqrt(ln 2 / pi) E / tau`` [W/m^2].
    """
    return 2.0 * (_GAUSS_PEAK * pulse_energy / duration) / (math.pi * waist**2)


@dataclass(frozen=True)
class MetalFilter:
    """A thin foil in the beam (driver blocking, order sorting).

    Attributes
    ----------
    material
        Element or formula (``"Al"``, ``"Zr"``, ``"Si3N4"``) or an xraydb material name.
    thickness
        Foil thickness [m]; strings such as ``"200 nm"`` accepted.
    density
        Density [kg/m^3]; ``None`` takes the xraydb material or element value.
    table
        ``"chantler"`` (default, valid >= 10 eV) or ``"elam"`` (``xraydb.material_mu``).
    """

    material: str
    thickness: float
    density: float | None = None
    table: str = "chantler"

    def __post_init__(self) -> None:
        object.__setattr__(self, "thickness", _positive(self.thickness, "length", "filter.thickness"))
        if self.density is not None:
            object.__setattr__(self, "density", _positive(self.density, "density", "filter.density"))
        if self.table not in ("chantler", "elam"):
            raise ConfigError(f"filter.table: expected 'chantler' or 'elam', got {self.table!r}")

    def _formula_and_density(self) -> tuple[str, float]:
        """Chemical formula and density [g/cm^3] (xraydb units)."""
        import xraydb

        mat = xraydb.find_material(self.material)
        formula = mat.formula if mat is not None else self.material
        if self.density is not None:
            rho = self.density / 1000.0
        elif mat is not None:
            rho = float(mat.density)
        else:
            try:
                rho = float(xraydb.atomic_density(self.material))
            except Exception:
                raise MaterialError(
                    f"filter.material: no density known for {self.material!r}; give filter.density"
                ) from None
        try:
            parsed = xraydb.chemparse(formula)
            for el in parsed:
                xraydb.atomic_mass(el)
        except Exception:
            raise MaterialError(f"filter.material: unknown material or formula {self.material!r}") from None
        if not parsed:
            raise MaterialError(f"filter.material: unknown material or formula {self.material!r}")
        return formula, rho

    def attenuation_coefficient(self, energy) -> np.ndarray | float:
        """Linear attenuation coefficient of the foil material.

        Parameters
        ----------
        energy
            Photon energy [eV] (scalar or array).

        Returns
        -------
        float or numpy.ndarray
            ``mu`` [1/m].
        """
        import xraydb

        e0 = np.asarray(energy, dtype=float)
        e = np.atleast_1d(e0).ravel()
        lo = 10.0 if self.table == "chantler" else 100.0
        if np.any(~np.isfinite(e)) or np.any(e < lo):
            raise DataRangeError(
                f"energy: filter transmission from the {self.table} tables needs energies >= {lo:g} eV, "
                f"got {np.min(e):.4g} eV"
            )
        formula, rho = self._formula_and_density()
        if self.table == "elam":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                mu_cm = xraydb.material_mu(formula, e, density=rho)
            out = (np.asarray(mu_cm, dtype=float) * 100.0).reshape(e0.shape)  # 1/cm -> 1/m
        else:
            out = chantler_attenuation(formula, rho * 1000.0, e).reshape(e0.shape)
        return out if out.ndim else float(out)

    def transmission(self, energy) -> np.ndarray | float:
        """Beer-Lambert transmission ``exp(-mu d)``.

        Parameters
        ----------
        energy
            Photon energy [eV].

        Returns
        -------
        float or numpy.ndarray
            Transmitted fraction [dimensionless].
        """
        out = np.exp(-np.asarray(self.attenuation_coefficient(energy)) * self.thickness)
        return out if out.ndim else float(out)


@dataclass(frozen=True)
class Harmonic:
    """One harmonic of the comb.

    Attributes
    ----------
    order
        Harmonic order q (odd).
    energy
        Photon energy ``q hbar omega`` [eV].
    detuning
        ``energy`` minus the requested energy [eV].
    bandwidth
        FWHM of the line [eV].
    spectral_flux
        Peak spectral flux after the filters [photons/s per 1 % bandwidth].
    flux
        Photons in the line after the filters [photons/s].
    photons_per_pulse
        ``flux / repetition_rate`` [photons].
    """

    order: int
    energy: float
    detuning: float
    bandwidth: float
    spectral_flux: float
    flux: float
    photons_per_pulse: float


@dataclass(frozen=True)
class HHGSource:
    """A high-harmonic source (see the module notes for the model).

    Give either ``intensity`` or all of ``pulse_energy``, ``duration`` and ``focus_waist``; an explicit
    ``intensity`` takes precedence. Quantities accept unit strings (``"1030 nm"``, ``"4e14 W/cm^2"``).

    Attributes
    ----------
    driver_wavelength
        Driver wavelength [m].
    gas
        ``"He"``, ``"Ne"`` or ``"Ar"``.
    intensity
        Peak intensity in the gas [W/m^2].
    pulse_energy
        Driver pulse energy [J].
    duration
        Driver intensity FWHM [s].
    focus_waist
        1/e^2 intensity radius of the driver focus [m].
    repetition_rate
        Pulse repetition rate [Hz].
    relative_bandwidth
        FWHM of each harmonic over its energy [dimensionless]. Default 0.005 (0.75 eV at 150 eV): an
        assumed typical value for ~1 um-driven HHG, not a number from Fan et al.; set it from a
        measured spectrum.
    flux_per_1pct_bw
        Plateau peak spectral flux ``F_0`` [photons/s per 1 % bandwidth]; default from Fan et al. (2022).
    cutoff_rolloff
        e-folding width of the roll-off above the cutoff, as a fraction of the cutoff energy
        [dimensionless]. Default 0.03 (an assumed smooth roll-off).
    xray_duration
        X-ray pulse FWHM [s]; ``None`` takes half the driver FWHM (rule of thumb: emission from the
        most intense half-cycles; an assumption).
    filters
        Foils in the beam after the gas.
    """

    driver_wavelength: float = 1.03e-6
    gas: str = "He"
    intensity: float | None = None
    pulse_energy: float | None = None
    duration: float | None = None
    focus_waist: float | None = None
    repetition_rate: float = 1e3
    relative_bandwidth: float = 5e-3
    flux_per_1pct_bw: float = 2e9
    cutoff_rolloff: float = 0.03
    xray_duration: float | None = None
    filters: tuple[MetalFilter, ...] = field(default_factory=tuple)

    #: Helicity label of the emitted light (linear polarisation).
    helicity = 0

    def __post_init__(self) -> None:
        s = object.__setattr__
        s(self, "driver_wavelength", _positive(self.driver_wavelength, "length", "driver_wavelength"))
        if self.gas not in IONISATION_POTENTIALS:
            raise ConfigError(f"gas: expected one of {sorted(IONISATION_POTENTIALS)}, got {self.gas!r}")
        for name, dim in (
            ("intensity", "intensity"),
            ("pulse_energy", "pulse_energy"),
            ("duration", "time"),
            ("focus_waist", "length"),
            ("xray_duration", "time"),
        ):
            v = getattr(self, name)
            if v is not None:
                s(self, name, _positive(v, dim, name))
        if self.intensity is None and None in (self.pulse_energy, self.duration, self.focus_waist):
            raise ConfigError(
                "intensity: give the peak intensity, or pulse_energy, duration and focus_waist to compute it"
            )
        s(self, "repetition_rate", _positive(self.repetition_rate, "frequency", "repetition_rate"))
        for name in ("relative_bandwidth", "cutoff_rolloff"):
            v = float(getattr(self, name))
            if not 0 < v < 1:
                raise ConfigError(f"{name}: expected a fraction in (0, 1), got {v!r}")
            s(self, name, v)
        s(self, "flux_per_1pct_bw",
          check_positive(self.flux_per_1pct_bw, "flux_per_1pct_bw", "a positive photon flux"))
        filt = tuple(self.filters)
        if not all(isinstance(f, MetalFilter) for f in filt):
            raise ConfigError("filters: expected MetalFilter instances")
        s(self, "filters", filt)

    # ---------------------------------------------------------------------------------------------
    # presets

    @classmethod
    def fan2022(cls, **overrides: Any) -> HHGSource:
        """The source of Fan et al., Optica 9, 399 (2022), as far as this model needs it.

        1.03 um Yb:CaF2 driver, helium, 1 kHz, ``F_0 = 2e9`` photons/s/1 % BW. The peak intensity
        6.5e14 W/cm^2 is *chosen* so that the cutoff (228.5 eV) lies just above the reported
        100-220 eV range; it is not a number from the paper.

        Parameters
        ----------
        **overrides
            Any field of :class:`HHGSource`.

        Returns
        -------
        HHGSource
        """
        kw: dict[str, Any] = {
            "driver_wavelength": 1.03e-6,
            "gas": "He",
            "intensity": 6.5e14 * 1e4,  # W/cm^2 -> W/m^2
            "repetition_rate": 1e3,
        }
        kw.update(overrides)
        return cls(**kw)

    # ---------------------------------------------------------------------------------------------
    # driver and cutoff

    @property
    def peak_intensity(self) -> float:
        """Peak driver intensity in the gas [W/m^2]."""
        if self.intensity is not None:
            return self.intensity
        return peak_intensity(self.pulse_energy, self.duration, self.focus_waist)

    @property
    def photon_energy(self) -> float:
        """Driver photon energy ``hbar omega`` [eV]."""
        return HC_EV_M / self.driver_wavelength

    @property
    def ionisation_potential(self) -> float:
        """Ionisation potential of the gas [eV] (NIST ASD)."""
        return IONISATION_POTENTIALS[self.gas]

    @property
    def ponderomotive_energy(self) -> float:
        """Ponderomotive energy ``U_p`` [eV]."""
        return ponderomotive_energy(self.peak_intensity, self.driver_wavelength)

    @property
    def cutoff_energy(self) -> float:
        """Cutoff photon energy ``I_p + 3.17 U_p`` [eV]."""
        return self.ionisation_potential + CUTOFF_FACTOR * self.ponderomotive_energy

    @property
    def xray_pulse_duration(self) -> float:
        """X-ray pulse FWHM [s] (``xray_duration``, else half the driver FWHM)."""
        if self.xray_duration is not None:
            return self.xray_duration
        if self.duration is not None:
            return 0.5 * self.duration
        raise ConfigError("xray_duration: not set; give it, or the driver duration to estimate it")

    def intensity_for_cutoff(self, energy: Any) -> float:
        """Peak intensity that puts the cutoff at ``energy``.

        Parameters
        ----------
        energy
            Photon energy [eV].

        Returns
        -------
        float
            Intensity [W/m^2].
        """
        e = parse_quantity(energy, "energy", field="energy")
        up = (e - self.ionisation_potential) / CUTOFF_FACTOR
        if up <= 0:
            raise DataRangeError(f"energy: {e:.4g} eV lies below the ionisation potential of {self.gas}")
        return up / (UP_COEFFICIENT * (self.driver_wavelength * 1e6) ** 2) * 1e4

    # ---------------------------------------------------------------------------------------------
    # comb and flux

    def harmonic_orders(self) -> np.ndarray:
        """Odd harmonic orders from 3 up to the cutoff.

        Returns
        -------
        numpy.ndarray
            Orders q (int).
        """
        qmax = int(math.floor(self.cutoff_energy / self.photon_energy))
        return np.arange(3, qmax + 1, 2, dtype=int)

    def harmonic_energies(self) -> np.ndarray:
        """Photon energies of the harmonics up to the cutoff.

        Returns
        -------
        numpy.ndarray
            ``q hbar omega`` [eV].
        """
        return self.harmonic_orders() * self.photon_energy

    def envelope(self, energy) -> np.ndarray | float:
        """Spectral envelope: 1 on the plateau, exponential roll-off above the cutoff.

        Parameters
        ----------
        energy
            Photon energy [eV].

        Returns
        -------
        float or numpy.ndarray
            [dimensionless].
        """
        e = np.asarray(energy, dtype=float)
        ec = self.cutoff_energy
        out = np.where(e <= ec, 1.0, np.exp(-(e - ec) / (self.cutoff_rolloff * ec)))
        return out if out.ndim else float(out)

    def transmission(self, energy) -> np.ndarray | float:
        """Product of the filter transmissions.

        Parameters
        ----------
        energy
            Photon energy [eV].

        Returns
        -------
        float or numpy.ndarray
            [dimensionless].
        """
        out = np.ones_like(np.asarray(energy, dtype=float))
        for f in self.filters:
            out = out * f.transmission(energy)
        return out if np.ndim(out) else float(out)

    def peak_spectral_flux(self, energy) -> np.ndarray | float:
        """Peak spectral flux of a harmonic at ``energy``, after the filters.

        Parameters
        ----------
        energy
            Photon energy of the harmonic [eV].

        Returns
        -------
        float or numpy.ndarray
            [photons/s per 1 % bandwidth].
        """
        env = np.asarray(self.envelope(energy))
        out = self.flux_per_1pct_bw * env * np.asarray(self.transmission(energy))
        return out if np.ndim(out) else float(out)

    def harmonic_flux(self, order) -> np.ndarray | float:
        """Photons per second in harmonic(s) ``order``, after the filters.

        Parameters
        ----------
        order
            Odd harmonic order(s).

        Returns
        -------
        float or numpy.ndarray
            ``N_q = F_q (b / 0.01) sqrt(pi / (4 ln 2))`` [photons/s].
        """
        q = np.asarray(order)
        if np.any(q % 2 != 1) or np.any(q < 1):
            raise ConfigError(f"order: harmonics of a gas are odd positive integers, got {order!r}")
        e = q * self.photon_energy
        out = np.asarray(self.peak_spectral_flux(e)) * (self.relative_bandwidth / 0.01) * GAUSSIAN_LINE_FACTOR
        return out if out.ndim else float(out)

    def nearest_harmonic(self, energy: Any) -> Harmonic:
        """The odd harmonic nearest a requested photon energy (e.g. an absorption edge).

        Parameters
        ----------
        energy
            Photon energy [eV] or a string such as ``"150.5 eV"``.

        Returns
        -------
        Harmonic
            Order, energy, detuning, bandwidth and flux of the harmonic.

        Raises
        ------
        DataRangeError
            When that harmonic lies above the cutoff.
        """
        e = _positive(energy, "energy", "energy")
        w = self.photon_energy
        q = int(2 * round((e / w - 1) / 2) + 1)
        q = max(q, 1)
        eq = q * w
        if eq > self.cutoff_energy:
            need = self.intensity_for_cutoff(eq) * 1e-4
            raise DataRangeError(
                f"energy: harmonic {q} ({eq:.2f} eV) nearest {e:.2f} eV lies above the cutoff "
                f"{self.cutoff_energy:.1f} eV of {self.gas} at {self.peak_intensity * 1e-4:.3g} W/cm^2; "
                f"raise the intensity to at least {need:.3g} W/cm^2, or use a longer driver wavelength"
            )
        flux = float(self.harmonic_flux(q))
        return Harmonic(
            order=q,
            energy=eq,
            detuning=eq - e,
            bandwidth=self.relative_bandwidth * eq,
            spectral_flux=float(self.peak_spectral_flux(eq)),
            flux=flux,
            photons_per_pulse=flux / self.repetition_rate,
        )

    def nearest_harmonic_to_edge(self, element: str, edge: str) -> Harmonic:
        """The harmonic nearest an absorption edge of xraydb (e.g. ``("Tb", "N5")``).

        Parameters
        ----------
        element
            Element symbol.
        edge
            Edge name (``"K"``, ``"L3"``, ``"M5"``, ``"N5"``, ...).

        Returns
        -------
        Harmonic
        """
        import xraydb

        try:
            e = float(xraydb.xray_edge(element, edge).energy)
        except Exception:
            raise MaterialError(f"edge: xraydb knows no {edge!r} edge of {element!r}") from None
        return self.nearest_harmonic(e)

    def spectrum(self, energy) -> xr.DataArray:
        """Spectral flux of the comb (Gaussian lines), after the filters.

        Parameters
        ----------
        energy
            Photon energies [eV] (1D).

        Returns
        -------
        xarray.DataArray
            Spectral flux along dim ``energy`` [photons/s per 1 % bandwidth]: ``sum_q N_q g_q(E) 0.01 E``
            with unit-area Gaussians ``g_q``; it equals ``F_q`` at the line centres.
        """
        e = np.atleast_1d(np.asarray(energy, dtype=float))
        if e.ndim != 1:
            raise ConfigError("energy: expected a one-dimensional array of photon energies")
        q_top = int(self.cutoff_energy * (1 + 10 * self.cutoff_rolloff) / self.photon_energy)
        qs = np.arange(1, q_top + 2, 2)
        eq = qs * self.photon_energy
        fwhm = self.relative_bandwidth * eq
        sigma = fwhm_to_sigma(fwhm)
        n_q = np.asarray(self.harmonic_flux(qs))
        g = np.exp(-0.5 * ((e[:, None] - eq[None, :]) / sigma[None, :]) ** 2) / (
            math.sqrt(2 * math.pi) * sigma[None, :]
        )
        dens = (g * n_q[None, :]).sum(axis=1) * 0.01 * e
        return xr.DataArray(
            dens,
            dims=("energy",),
            coords={"energy": xr.Variable(("energy",), e, {"units": "eV", "long_name": "photon energy"})},
            attrs={"units": "photons/s/1%BW", "long_name": "HHG spectral flux"},
            name="spectral_flux",
        )
