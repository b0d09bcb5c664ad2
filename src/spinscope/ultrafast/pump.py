"""The femtosecond pump: temporal profile, spatial spot and absorbed energy density.

Absorption model
----------------
The energy absorbed per unit volume of the magnetic film is

.. math::  u = F_\\mathrm{inc}\\, A / d,

with the incident fluence ``F_inc`` (local value of the Gaussian spot), the absorbed fraction ``A`` of
the film and its thickness ``d``. ``A`` is either given directly (for instance from a transfer-matrix
calculation of the whole layer stack at the pump wavelength, done elsewhere) or estimated as
``A = (1 - R)(1 - exp(-d / delta))`` from the reflectivity ``R`` and the optical intensity
penetration depth ``delta`` (Lambert-Beer). The absorbed energy is spread uniformly over the film
depth: the films of the seed experiments (10-30 nm) are about one penetration depth thick, and hot
electrons (ballistic and diffusive transport, Fermi velocity ~1 nm/fs) equalise the electron
temperature over such a thickness within ~100 fs, faster than electron-phonon equilibration; a depth-
resolved profile would need the pump-wavelength optical constants of every layer, which the presets
do not carry. Heat flow *out of* the film is depth-resolved (:mod:`spinscope.ultrafast.models`).

Temporal profile: a Gaussian of intensity FWHM ``duration`` centred at ``t0``, normalised to unit
area, so the source power density is ``P(t) = u g(t)`` [W/m^3].

Spatial profile: a Gaussian spot of FWHM ``spot_fwhm`` centred at ``center = (y0, x0)``; ``fluence`` is
the peak (centre) incident fluence. ``spot_fwhm = None`` is a uniform illumination.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from spinscope.errors import DataRangeError, UnitError
from spinscope.timing import fwhm_to_sigma
from spinscope.units import parse_positive, parse_quantity

__all__ = ["Pump", "absorbed_energy_density"]

_FOUR_LN2 = 4.0 * math.log(2.0)


def _positive(value, dimension: str, name: str, *, allow_none: bool = False) -> float | None:
    if value is None:
        if allow_none:
            return None
        raise UnitError(f"{name}: a value is required", field=name)
    return parse_positive(value, dimension, name)


@dataclass(frozen=True)
class Pump:
    """A Gaussian femtosecond pump pulse.

    Parameters
    ----------
    fluence
        Incident peak fluence at the spot centre [J/m^2] (``"5 mJ/cm^2"`` accepted).
    duration
        Intensity FWHM of the Gaussian pulse [s] (``"50 fs"``).
    wavelength
        Wavelength [m] (recorded in outputs).
    spot_fwhm
        FWHM of the Gaussian spot [m]; ``None`` for uniform illumination.
    t0
        Time of the pulse maximum [s].
    center
        Spot centre ``(y0, x0)`` [m].
    """

    fluence: float
    duration: float = 50e-15
    wavelength: float = 800e-9
    spot_fwhm: float | None = None
    t0: float = 0.0
    center: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self):
        object.__setattr__(self, "fluence", _positive(self.fluence, "fluence", "fluence"))
        object.__setattr__(self, "duration", _positive(self.duration, "time", "duration"))
        object.__setattr__(self, "wavelength", _positive(self.wavelength, "length", "wavelength"))
        object.__setattr__(
            self, "spot_fwhm", _positive(self.spot_fwhm, "length", "spot_fwhm", allow_none=True)
        )
        object.__setattr__(self, "t0", parse_quantity(self.t0, "time", field="t0"))
        c = tuple(parse_quantity(v, "length", field="center") for v in self.center)
        if len(c) != 2:
            raise DataRangeError("center: expected (y0, x0) [m]", field="center")
        object.__setattr__(self, "center", c)

    @classmethod
    def from_config(cls, cfg, *, fluence=None) -> Pump:
        """Build from a :class:`spinscope.config.ultrafast.PumpConfig` (fluence may be overridden)."""
        f = fluence if fluence is not None else cfg.fluence
        return cls(fluence=f, duration=cfg.duration, wavelength=cfg.wavelength,
                   spot_fwhm=cfg.spot_fwhm, t0=cfg.t0)

    @property
    def sigma(self) -> float:
        """Standard deviation of the temporal Gaussian [s]."""
        return fwhm_to_sigma(self.duration)

    def temporal_profile(self, t):
        """Unit-area temporal profile g(t) [1/s] (integral over t is 1).

        Parameters
        ----------
        t
            Times [s].

        Returns
        -------
        numpy.ndarray or float
            g(t) [1/s].
        """
        s = self.sigma
        return np.exp(-0.5 * ((np.asarray(t, dtype=float) - self.t0) / s) ** 2) / (
            s * math.sqrt(2.0 * math.pi)
        )

    def fluence_map(self, y, x):
        """Incident fluence over a pixel grid.

        Parameters
        ----------
        y, x
            1-D pixel-centre coordinates [m].

        Returns
        -------
        numpy.ndarray
            Fluence of shape ``(len(y), len(x))`` [J/m^2].
        """
        y = np.asarray(y, dtype=float)[:, None]
        x = np.asarray(x, dtype=float)[None, :]
        if self.spot_fwhm is None:
            return np.full((y.shape[0], x.shape[1]), self.fluence)
        r2 = (y - self.center[0]) ** 2 + (x - self.center[1]) ** 2
        return self.fluence * np.exp(-_FOUR_LN2 * r2 / self.spot_fwhm**2)


def absorbed_energy_density(material, fluence):
    """Energy absorbed per unit film volume, ``u = F A / d``.

    Parameters
    ----------
    material
        An :class:`~spinscope.config.ultrafast.UltrafastMaterialConfig`.
    fluence
        Incident fluence [J/m^2] (scalar or array).

    Returns
    -------
    numpy.ndarray or float
        Absorbed energy density [J/m^3].
    """
    return np.asarray(fluence, dtype=float) * material.film_absorbed_fraction() / material.thickness
