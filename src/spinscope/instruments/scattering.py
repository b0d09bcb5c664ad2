"""Small-angle resonant magnetic scattering camera: film, illumination, far field, area detector.

:class:`ScatteringCamera` composes the exit wave of the magnetised film
(:mod:`spinscope.interaction.exit_wave`), the illumination and the Fraunhofer propagation onto the
detector pixels (:mod:`spinscope.interaction.far_field`). :meth:`ScatteringCamera.expected` gives the
expected photons per pixel for a magnetisation state (per species, ``(species, y, x, component)`` or
the beam projection ``(species, y, x)``) and a photon number; :meth:`ScatteringCamera.measure`
records them with the detector's noise (:meth:`spinscope.detectors.AreaDetector.record`).

Polarisation: ``"linear"`` (the incoherent mean of the two helicity channels, exit_wave notes),
``+1`` / ``-1`` (circular), or a float ``P`` in [-1, 1]: partially circular light, the mixture
``(1 + P)/2`` of ``+1`` and ``(1 - P)/2`` of ``-1``.

The second helicity costs no second exponential: ``psi_+ psi_- = T_c^2`` exactly (the magnetic phase
flips sign with the helicity), so ``psi_- = T_c^2 / psi_+``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinscope.errors import ConfigError
from spinscope.interaction.exit_wave import exit_wave, projection
from spinscope.interaction.far_field import FarField, grid_for_detector, illumination

__all__ = ["ScatteringCamera"]


def _helicity_weights(polarisation: Any) -> tuple[float, float]:
    if polarisation == "linear":
        return 0.5, 0.5
    try:
        p = float(polarisation)
    except (TypeError, ValueError):
        raise ConfigError(
            f"polarisation: expected 'linear', +1, -1 or a degree in [-1, 1], got {polarisation!r}",
            field="polarisation",
        ) from None
    if not -1.0 <= p <= 1.0:
        raise ConfigError(f"polarisation: expected a degree in [-1, 1], got {p!r}", field="polarisation")
    return 0.5 * (1 + p), 0.5 * (1 - p)


@dataclass(frozen=True, eq=False)
class ScatteringCamera:
    """A transmission small-angle scattering set-up (module notes).

    Attributes
    ----------
    optics
        :class:`~spinscope.interaction.exit_wave.FilmOptics` of the film at the photon energy.
    detector
        :class:`~spinscope.detectors.AreaDetector`.
    n
        Simulation grid size [cells]; with ``cell``: see
        :func:`~spinscope.interaction.far_field.grid_for_detector`.
    cell
        Simulation grid cell [m].
    illumination_profile
        ``"gaussian"`` or ``"tophat"``.
    illumination_size
        Intensity FWHM (Gaussian) or diameter (top-hat) of the beam on the sample [m].
    coherence_length
        Transverse coherence length [m] (Gaussian Schell model); ``None``: coherent.
    polarisation
        ``"linear"``, ``+1``, ``-1`` or a degree of circular polarisation.
    workers
        FFT threads.
    """

    optics: Any
    detector: Any
    n: int
    cell: float
    illumination_profile: str = "gaussian"
    illumination_size: float = 3e-6
    coherence_length: float | None = None
    polarisation: Any = "linear"
    workers: int = 1
    _cache: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        w = _helicity_weights(self.polarisation)
        ff = FarField(self.detector, self.optics.energy, self.n, self.cell,
                      coherence_length=self.coherence_length, workers=self.workers)
        a = illumination(self.n, self.cell, profile=self.illumination_profile, size=self.illumination_size)
        if self.illumination_size > 0.8 * ff.field_of_view and self.illumination_profile == "gaussian":
            raise ConfigError(
                f"illumination.size: {self.illumination_size:.3g} m FWHM does not fit the simulated field of "
                f"view {ff.field_of_view:.3g} m (lambda L / pixel); use a smaller beam or a longer distance",
                field="illumination.size",
            )
        # cells with a < 1e-30 (intensity < 1e-60 of the total) are dark: there float32 exp() of the
        # illuminated exit wave would underflow, so they are set to exactly zero
        lit = a > 1e-30
        a = np.where(lit, a, 0.0)
        with np.errstate(divide="ignore"):
            log_a = np.where(lit, np.log(np.where(lit, a, 1.0)), -np.inf).astype(np.float32)
        # the second helicity: a psi_- = a^2 T_c^2 / (a psi_+) (exact: the magnetic phase flips sign)
        a2t2 = (a * a) * np.exp(2.0 * self.optics.charge)
        self._cache.update(farfield=ff, amplitude=a, weights=w, log_a=log_a, lit=lit, a2t2=a2t2,
                           all_lit=bool(lit.all()))

    @classmethod
    def for_detector(cls, optics, detector, *, oversampling: float = 2.0, **kw: Any) -> ScatteringCamera:
        """A camera whose grid matches the detector (:func:`~spinscope.interaction.grid_for_detector`).

        Parameters
        ----------
        optics
            Film constants.
        detector
            Area detector.
        oversampling
            Nyquist margin of the grid over the detector's largest ``k_perp`` (>= 1).
        **kw
            Other attributes of :class:`ScatteringCamera`.

        Returns
        -------
        ScatteringCamera
        """
        n, cell = grid_for_detector(detector, optics.energy, oversampling=oversampling)
        return cls(optics, detector, n, cell, **kw)

    @property
    def farfield(self):
        """The :class:`~spinscope.interaction.far_field.FarField` propagator."""
        return self._cache["farfield"]

    @property
    def amplitude(self) -> np.ndarray:
        """Illumination amplitude ``(n, n)`` [sqrt(fraction per cell)]."""
        return self._cache["amplitude"]

    def coordinates(self) -> np.ndarray:
        """Cell centres of the simulation grid along y and x [m]."""
        return self.farfield.coordinates()

    def _projection(self, state) -> np.ndarray:
        s = np.asarray(getattr(state, "values", state))
        if s.dtype not in (np.float32, np.float64):
            s = s.astype(np.float64)
        if s.ndim == 4:
            s = projection(s, self.optics.tilt)
        elif s.ndim == 3 and s.shape[-1] == 3 and s.shape[0] == self.n and self.optics.magnetic.size == 1:
            s = projection(s, self.optics.tilt)[None]
        elif s.ndim == 2:
            s = s[None]
        if s.ndim != 3 or s.shape[1:] != (self.n, self.n):
            raise ConfigError(
                f"state: expected (species, {self.n}, {self.n}[, component]) on the simulation grid, got "
                f"{np.shape(state)}",
                field="state",
            )
        return s

    def expected(self, state, *, photons: float) -> np.ndarray:
        """Expected photons per pixel.

        Parameters
        ----------
        state
            Reduced magnetisation per species ``(species, n, n, component)`` or its beam projection
            ``(species, n, n)`` on the simulation grid (species in the order of ``optics.species``).
        photons
            Photons incident on the sample during the exposure [photons].

        Returns
        -------
        numpy.ndarray
            ``(ny, nx)`` [photons].
        """
        p = self._projection(state)
        c = self._cache
        w_plus, w_minus = c["weights"]
        fields, weights = [], []
        f_plus = exit_wave(self.optics, p, +1, log_amplitude=c["log_a"])
        if w_plus > 0:
            fields.append(f_plus)
            weights.append(w_plus)
        if w_minus > 0:
            if c["all_lit"]:
                f_minus = np.divide(c["a2t2"], f_plus)
            else:
                f_minus = np.zeros_like(f_plus)
                np.divide(c["a2t2"], f_plus, out=f_minus, where=c["lit"])
            fields.append(f_minus)
            weights.append(w_minus)
        return self.farfield.detector_intensity(fields, weights, photons=float(photons))

    def measure(self, state, *, photons: float, rng=None, thinning: str = "poisson"):
        """Record one frame: expected photons, then the detector's noise.

        Parameters
        ----------
        state
            As in :meth:`expected`.
        photons
            Incident photons [photons].
        rng
            Generator or seed.
        thinning
            See :meth:`~spinscope.detectors.AreaDetector.record`.

        Returns
        -------
        spinscope.detectors.area.Recorded
            ``(adu, saturated)``.
        """
        lam = self.expected(state, photons=photons)
        return self.detector.record(lam, energy=self.optics.energy, rng=rng, thinning=thinning)

    def ring_radius(self, period: float) -> float:
        """Detector radius where stripes of ``period`` scatter, ``L tan(asin(lambda / period))`` [m]."""
        s = self.optics.wavelength / period
        if s >= 1:
            return math.inf
        return self.detector.distance * math.tan(math.asin(s))
