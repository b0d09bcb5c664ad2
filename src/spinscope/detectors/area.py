"""Area detector (back-illuminated CCD / sCMOS) for soft X-ray scattering: geometry, q map, noise.

Geometry
    A flat detector normal to the incident beam (+z) at distance ``L`` from the sample. Pixel ``(i, j)``
    (row, column) has its centre at ``x = (j - c_x) p_x``, ``y = (i - c_y) p_y`` with the beam centre
    ``(c_x, c_y)`` in pixels (column, row). The scattering angle is exact, ``2 theta = atan(r / L)``
    (no small-angle approximation), the momentum transfer ``|q| = 4 pi sin(theta) / lambda`` and its
    components ``q = k (x / R, y / R, L / R - 1)`` with ``R = sqrt(x^2 + y^2 + L^2)``, ``k = 2 pi / lambda``.
    These are computed by :mod:`spinscope.geometry`, shared with the analysis.
    The solid angle of a pixel is the exact solid angle of a rectangle seen from the sample,
    ``Omega = sum +- atan(x y / (L sqrt(x^2 + y^2 + L^2)))`` over its corners.

Signal chain of :meth:`AreaDetector.record`
    expected photons per pixel -> blocked behind the beam stop -> Poisson photon statistics -> binomial
    thinning with the quantum efficiency -> ``E / w`` electrons per detected photon (``w = 3.65 eV``,
    mean electron-hole pair energy of silicon: J. R. Janesick, *Scientific Charge-Coupled Devices*, SPIE
    Press (2001); F. Scholze, H. Rabus & G. Ulm, J. Appl. Phys. 84, 2926 (1998) measured 3.66 eV) ->
    full-well clipping of the collected charge -> Gaussian read noise -> gain and dark level (offset)
    -> rounding and clipping to the ADC range ``[0, 2^bits - 1]``. Pixels that hit the full well or the
    ADC maximum are flagged in the returned saturation mask. Dark current and the Fano spread of the
    charge per photon are not modelled.

Quantum efficiency
    A number, or the model of a back-illuminated silicon sensor (Janesick 2001, ch. 2):
    ``QE(E) = exp(-mu_dead(E) t_dead) * (1 - exp(-mu_Si(E) t_active))``, the photons that cross the
    passivation (dead) layer and are absorbed in the active silicon, with attenuation coefficients from
    the Chantler tables in xraydb (C. T. Chantler, J. Phys. Chem. Ref. Data 29, 597 (2000)). Charge
    collection losses at the back surface are folded into ``t_dead``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from spinscope import geometry
from spinscope.errors import ConfigError, DataRangeError
from spinscope.materials import chantler_attenuation
from spinscope.rng import as_generator
from spinscope.units import check_positive
from spinscope.units import parse_positive as _pos

__all__ = ["SI_PAIR_ENERGY", "AreaDetector", "Recorded", "silicon_quantum_efficiency"]

#: Mean energy per electron-hole pair in silicon at room temperature [eV] (Janesick 2001; Scholze et
#: al., J. Appl. Phys. 84, 2926 (1998): 3.66 eV).
SI_PAIR_ENERGY = 3.65

#: Density of crystalline silicon [kg/m^3] (CRC Handbook of Chemistry and Physics: 2.329 g/cm^3).
_SI_DENSITY = 2329.0
#: Density of thermal SiO2 [kg/m^3] (CRC Handbook; amorphous silica 2.2 g/cm^3).
_SIO2_DENSITY = 2200.0


def silicon_quantum_efficiency(energy, *, active_thickness: float, dead_layer: float) -> np.ndarray | float:
    """Quantum efficiency of a back-illuminated silicon sensor.

    Parameters
    ----------
    energy
        Photon energy [eV] (>= 10 eV, the range of the Chantler tables).
    active_thickness
        Thickness of the charge-collecting silicon [m].
    dead_layer
        Thickness of the SiO2 passivation (dead) layer on the entrance side [m].

    Returns
    -------
    float or numpy.ndarray
        ``exp(-mu_SiO2 t_dead) (1 - exp(-mu_Si t_active))`` [dimensionless].
    """
    e = np.asarray(energy, dtype=float)
    if np.any(~np.isfinite(e)) or np.any(e < 10.0):
        raise DataRangeError(
            f"energy: the silicon QE model needs photon energies >= 10 eV, got {np.min(e):.4g} eV"
        )
    t_dead = np.exp(-chantler_attenuation("SiO2", _SIO2_DENSITY, e) * dead_layer)
    absorbed = -np.expm1(-chantler_attenuation("Si", _SI_DENSITY, e) * active_thickness)
    out = t_dead * absorbed
    return out if np.ndim(out) else float(out)


class Recorded(NamedTuple):
    """Frames read out by :meth:`AreaDetector.record`.

    Attributes
    ----------
    adu
        Digitised frames [ADU] (unsigned integers), shape of the input.
    saturated
        ``True`` where the full well or the ADC maximum was reached.
    """

    adu: np.ndarray
    saturated: np.ndarray




@dataclass(frozen=True, eq=False)
class AreaDetector:
    """A flat pixel detector normal to the beam (see the module notes).

    Quantities accept unit strings (``"13.5 um"``, ``"0.3 m"``). Defaults describe a generic
    back-illuminated soft X-ray CCD (2048 x 2048 pixels of 13.5 um); they are typical values, not those
    of a particular camera: take them from the data sheet.

    Attributes
    ----------
    shape
        Pixel count ``(ny, nx)``.
    pixel_size
        Pixel pitch [m]: one value or ``(p_y, p_x)``.
    distance
        Sample-detector distance ``L`` [m].
    center
        Beam centre ``(c_x, c_y)`` [pixels] (column, row; pixel centres at integer values);
        ``None`` puts it at the middle of the chip.
    beam_stop_radius
        Radius of the (circular) beam stop in the detector plane, centred on the beam [m]; 0 for none.
    mask
        Optional boolean array ``(ny, nx)``, ``True`` for pixels to exclude (dead, shadowed).
    quantum_efficiency
        Fixed quantum efficiency in (0, 1]; ``None`` uses the silicon model.
    active_thickness
        Charge-collecting silicon thickness for the QE model [m].
    dead_layer
        SiO2 dead-layer thickness for the QE model [m].
    pair_energy
        Energy per electron-hole pair [eV].
    gain
        Conversion gain [ADU per electron].
    read_noise
        Read noise [electrons rms].
    full_well
        Full-well capacity [electrons].
    adc_bits
        ADC resolution [bits]; the largest value is ``2**adc_bits - 1`` ADU.
    dark_level
        Offset (bias) added to every pixel [ADU].
    """

    shape: tuple[int, int] = (2048, 2048)
    pixel_size: Any = 13.5e-6
    distance: Any = 0.1
    center: tuple[float, float] | None = None
    beam_stop_radius: Any = 0.0
    mask: np.ndarray | None = None
    quantum_efficiency: float | None = None
    active_thickness: Any = 10e-6
    dead_layer: Any = 5e-9
    pair_energy: float = SI_PAIR_ENERGY
    gain: float = 0.5
    read_noise: float = 5.0
    full_well: float = 1.0e5
    adc_bits: int = 16
    dark_level: float = 100.0

    def __post_init__(self) -> None:
        s = object.__setattr__
        try:
            ny, nx = (int(v) for v in self.shape)
        except (TypeError, ValueError):
            raise ConfigError(f"shape: expected two pixel counts (ny, nx), got {self.shape!r}") from None
        if ny < 1 or nx < 1:
            raise ConfigError(f"shape: expected positive pixel counts, got {self.shape!r}")
        s(self, "shape", (ny, nx))
        ps = self.pixel_size
        if isinstance(ps, str) or np.ndim(ps) == 0:
            p = _pos(ps, "length", "pixel_size")
            s(self, "pixel_size", (p, p))
        else:
            if len(ps) != 2:
                raise ConfigError(f"pixel_size: expected one length or (p_y, p_x), got {ps!r}")
            pyx = (_pos(ps[0], "length", "pixel_size[0]"), _pos(ps[1], "length", "pixel_size[1]"))
            s(self, "pixel_size", pyx)
        s(self, "distance", _pos(self.distance, "length", "distance"))
        if self.center is None:
            s(self, "center", ((nx - 1) / 2.0, (ny - 1) / 2.0))
        else:
            try:
                cx, cy = (float(v) for v in self.center)
            except (TypeError, ValueError):
                raise ConfigError(f"center: expected (column, row) in pixels, got {self.center!r}") from None
            if not (math.isfinite(cx) and math.isfinite(cy)):
                raise ConfigError(f"center: expected finite pixel coordinates, got {self.center!r}")
            s(self, "center", (cx, cy))
        bsr = _pos(self.beam_stop_radius, "length", "beam_stop_radius", allow_zero=True)
        s(self, "beam_stop_radius", bsr)
        for name in ("active_thickness", "dead_layer"):
            s(self, name, _pos(getattr(self, name), "length", name, allow_zero=(name == "dead_layer")))
        if self.mask is not None:
            m = np.asarray(self.mask)
            if m.shape != (ny, nx) or m.dtype.kind not in "bui":
                raise ConfigError(
                    f"mask: expected a boolean array of shape {(ny, nx)}, got {m.dtype} {m.shape}"
                )
            m = m.astype(bool)
            m.setflags(write=False)
            s(self, "mask", m)
        if self.quantum_efficiency is not None:
            qe = float(self.quantum_efficiency)
            if not 0 < qe <= 1:
                raise ConfigError(f"quantum_efficiency: expected a fraction in (0, 1], got {qe!r}")
            s(self, "quantum_efficiency", qe)
        for name in ("pair_energy", "gain", "full_well"):
            s(self, name, check_positive(getattr(self, name), name, "a positive number"))
        for name in ("read_noise", "dark_level"):
            s(self, name, check_positive(getattr(self, name), name, "a non-negative number", allow_zero=True))
        if not (isinstance(self.adc_bits, int | np.integer) and 1 <= int(self.adc_bits) <= 32):
            raise ConfigError(f"adc_bits: expected an integer from 1 to 32, got {self.adc_bits!r}")
        s(self, "adc_bits", int(self.adc_bits))
        if self.beam_stop_radius > 0 and bool(np.all(self.beam_stop())):
            raise ConfigError(
                f"beam_stop_radius: {self.beam_stop_radius:.4g} m covers the whole detector; "
                "use a smaller beam stop"
            )

    # ---------------------------------------------------------------------------------------------
    # geometry

    def pixel_coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the pixel centres in the detector plane, relative to the beam.

        Returns
        -------
        y : numpy.ndarray
            Shape ``(ny, 1)`` [m].
        x : numpy.ndarray
            Shape ``(1, nx)`` [m].
        """
        return geometry.pixel_offsets(self.shape, self.center, self.pixel_size)

    def radius(self) -> np.ndarray:
        """Distance of each pixel centre from the beam in the detector plane.

        Returns
        -------
        numpy.ndarray
            Shape ``(ny, nx)`` [m].
        """
        y, x = self.pixel_coordinates()
        return np.hypot(x, y)

    def two_theta(self) -> np.ndarray:
        """Exact scattering angle ``atan(r / L)`` of each pixel centre.

        Returns
        -------
        numpy.ndarray
            Shape ``(ny, nx)`` [rad].
        """
        return geometry.two_theta(self.radius(), self.distance)

    def q(self, energy: Any) -> np.ndarray:
        """Momentum transfer ``4 pi sin(theta) / lambda`` of each pixel.

        Parameters
        ----------
        energy
            Photon energy [eV].

        Returns
        -------
        numpy.ndarray
            Shape ``(ny, nx)`` [1/m].
        """
        return geometry.q_from_two_theta(self.two_theta(), _pos(energy, "energy", "energy"))

    def q_vector(self, energy: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Components of the momentum transfer ``k_out - k_in``.

        Parameters
        ----------
        energy
            Photon energy [eV].

        Returns
        -------
        qx, qy, qz : numpy.ndarray
            Each of shape ``(ny, nx)`` [1/m]; ``qz <= 0``.
        """
        y, x = self.pixel_coordinates()
        return geometry.q_components(x, y, self.distance, _pos(energy, "energy", "energy"))

    def solid_angle(self) -> np.ndarray:
        """Exact solid angle subtended by each pixel at the sample.

        Returns
        -------
        numpy.ndarray
            Shape ``(ny, nx)`` [sr].
        """
        y, x = self.pixel_coordinates()
        py, px = self.pixel_size
        L = self.distance

        def f(xx, yy):
            return np.arctan(xx * yy / (L * np.sqrt(xx**2 + yy**2 + L**2)))

        x1, x2 = x - px / 2, x + px / 2
        y1, y2 = y - py / 2, y + py / 2
        return f(x2, y2) - f(x1, y2) - f(x2, y1) + f(x1, y1)

    def beam_stop(self) -> np.ndarray:
        """Pixels whose centre lies behind the beam stop.

        Returns
        -------
        numpy.ndarray
            Boolean, shape ``(ny, nx)``.
        """
        if self.beam_stop_radius <= 0:
            return np.zeros(self.shape, dtype=bool)
        return self.radius() <= self.beam_stop_radius

    def combined_mask(self) -> np.ndarray:
        """Pixels to exclude from analysis: beam stop or user mask.

        Returns
        -------
        numpy.ndarray
            Boolean, shape ``(ny, nx)``.
        """
        out = self.beam_stop()
        if self.mask is not None:
            out = out | self.mask
        return out

    # ---------------------------------------------------------------------------------------------
    # response

    def qe(self, energy: Any) -> float:
        """Quantum efficiency at a photon energy.

        Parameters
        ----------
        energy
            Photon energy [eV].

        Returns
        -------
        float
            [dimensionless].
        """
        e = _pos(energy, "energy", "energy")
        if self.quantum_efficiency is not None:
            return self.quantum_efficiency
        return float(
            silicon_quantum_efficiency(e, active_thickness=self.active_thickness, dead_layer=self.dead_layer)
        )

    def electrons_per_photon(self, energy: Any) -> float:
        """Charge created per absorbed photon, ``E / w``.

        Parameters
        ----------
        energy
            Photon energy [eV].

        Returns
        -------
        float
            [electrons].
        """
        return _pos(energy, "energy", "energy") / self.pair_energy

    @property
    def adc_max(self) -> int:
        """Largest ADC value ``2**adc_bits - 1`` [ADU]."""
        return (1 << self.adc_bits) - 1

    def _check_intensity(self, intensity_photons) -> np.ndarray:
        lam = np.asarray(intensity_photons, dtype=float)
        if lam.ndim < 2 or lam.shape[-2:] != self.shape:
            raise ConfigError(
                f"intensity: expected photons per pixel of shape (..., {self.shape[0]}, {self.shape[1]}), "
                f"got {lam.shape}"
            )
        if not np.all(np.isfinite(lam)) or np.any(lam < 0):
            raise ConfigError("intensity: expected finite, non-negative expected photon numbers")
        return lam

    def expected_adu(self, intensity_photons, *, energy: Any) -> np.ndarray:
        """Mean signal without noise, saturation or digitisation.

        Parameters
        ----------
        intensity_photons
            Expected photons per pixel, shape ``(..., ny, nx)``.
        energy
            Photon energy [eV].

        Returns
        -------
        numpy.ndarray
            ``dark + gain * QE * (E / w) * I`` (zero photons behind the beam stop) [ADU].
        """
        lam = self._check_intensity(intensity_photons) * ~self.beam_stop()
        return self.dark_level + self.gain * self.qe(energy) * self.electrons_per_photon(energy) * lam

    def record(
        self,
        intensity_photons,
        *,
        energy: Any,
        rng: np.random.Generator | int | None = None,
        thinning: str = "binomial",
    ) -> Recorded:
        """Read out frames for given expected photon numbers.

        Parameters
        ----------
        intensity_photons
            Expected photons per pixel arriving at the detector, shape ``(..., ny, nx)`` (any number of
            leading frame axes).
        energy
            Photon energy [eV].
        rng
            Random generator or seed; the same seed gives the same bytes.
        thinning
            ``"binomial"``: draw the arriving photons (Poisson), then the detected ones (binomial with
            the QE). ``"poisson"``: draw the detected photons at once from ``Poisson(QE * I)``, which has
            exactly the same distribution (thinning of a Poisson process) at half the cost, but other
            bytes for a given seed.

        Returns
        -------
        Recorded
            ``(adu, saturated)``: unsigned-integer frames [ADU] and the saturation mask.
        """
        lam = self._check_intensity(intensity_photons)
        gen = as_generator(rng)
        qe = self.qe(energy)
        n_e = self.electrons_per_photon(energy)
        lam = np.where(self.beam_stop(), 0.0, lam)
        if thinning == "binomial":
            detected = gen.binomial(gen.poisson(lam), qe)
        elif thinning == "poisson":
            detected = gen.poisson(qe * lam)
        else:
            raise ConfigError(f"thinning: expected 'binomial' or 'poisson', got {thinning!r}")
        charge = detected * n_e
        full = charge >= self.full_well
        charge = np.minimum(charge, self.full_well)
        if self.read_noise > 0:
            charge = charge + gen.normal(0.0, self.read_noise, size=charge.shape)
        adu = np.rint(self.dark_level + self.gain * charge)
        top = adu >= self.adc_max
        adu = np.clip(adu, 0, self.adc_max)
        dtype = np.uint16 if self.adc_bits <= 16 else np.uint32
        return Recorded(adu.astype(dtype), full | top)
