"""The exit wave of a magnetised film: photons of one helicity through charge and magnetic optical constants.

Model
-----
For helicity ``sigma`` (+1: photon spin along +z, :mod:`spinscope.conventions`) the index of the magnetic
layer at a point ``(y, x)`` is (docs/conventions.md)

.. math::

    n_\\sigma = 1 - \\Big(\\delta + \\sigma \\sum_s p_s\\,\\delta_{m,s}\\Big)
                + i\\Big(\\beta + \\sigma \\sum_s p_s\\,\\beta_{m,s}\\Big),

with ``p_s = k_hat . m_s(y, x)`` the projection on the beam of the reduced magnetisation of species ``s``
(an element or sublattice, ``|m_s| <= 1``; a rare-earth sublattice antiparallel to the transition metal
carries ``p_s < 0`` where the TM points up) and ``delta_m,s``, ``beta_m,s`` the per-species magnetic
constants of :meth:`spinscope.materials.Material.optical_constants` (all species signs +1: the signs live
in ``m_s``). In the projection (thin-film, no-diffraction-inside) approximation the exit wave of a layer of
thickness ``d`` is ``exp(i k d (n - 1))``, ``k = 2 pi / lambda``; layers multiply. Non-magnetic layers (the
SiN membrane) and the charge part of the magnetic layer are uniform and contribute one complex factor
``T_c``, so that

.. math::

    \\psi_\\sigma(y, x) = T_c \\exp\\Big(\\sigma \\sum_s p_s(y, x)\\, c_s\\Big),\\qquad
    c_s = k d\\,(-i\\,\\delta_{m,s} - \\beta_{m,s}).

Beam tilt
    For a film tilted by ``tilt`` about the y axis the beam direction in the film frame is
    ``k_hat = (sin(tilt), 0, cos(tilt))`` and the path length is ``d / cos(tilt)``; the in-plane
    components of ``m`` then project onto the beam. Normal incidence (``tilt = 0``) sees ``m_z`` only:
    in-plane magnetisation gives no magnetic signal.

Linear polarisation
    Linearly polarised light is the coherent sum of the two helicities, but in this first-order
    ``(k . m)`` picture the two circular channels are orthogonal polarisation states that the film does
    not mix, so the scattered *intensity* is the incoherent mean ``(|A_+|^2 + |A_-|^2) / 2`` of the two
    helicity far fields: there is no charge-magnetic interference term, and the pattern is Friedel
    symmetric (``I(k) = I(-k)``) for a real texture to first order in the magnetic amplitude ``|c_s|``.
    The exponential keeps the higher orders (``cosh(c m)`` is charge-like with the phase of ``c^2``),
    which break the symmetry at the relative level ``|c|^2`` (3e-4 for 20 nm Co80Tb20 at the Tb N5
    edge); circular light breaks it at first order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from spinscope.errors import ConfigError
from spinscope.interaction.absorption import layer_constants, layer_tuple
from spinscope.units import HC_EV_M

__all__ = ["FilmOptics", "exit_wave", "film_optics", "projection"]


@dataclass(frozen=True)
class FilmOptics:
    """Optical constants of a film stack at one photon energy, reduced to what the exit wave needs.

    Attributes
    ----------
    energy
        Photon energy [eV].
    species
        Names of the magnetic species (elements of the magnetic layer).
    charge
        ``log T_c``: sum over layers of ``i k d (n_charge - 1)`` [dimensionless, complex].
    magnetic
        ``c_s`` per species (see the module notes) [dimensionless, complex], shape ``(n_species,)``.
    tilt
        Film tilt about the y axis [rad].
    magnetic_thickness
        Thickness of the magnetic layer(s) [m].
    """

    energy: float
    species: tuple[str, ...]
    charge: complex
    magnetic: np.ndarray
    tilt: float = 0.0
    magnetic_thickness: float = 0.0

    @property
    def wavelength(self) -> float:
        """Photon wavelength ``h c / E`` [m]."""
        return HC_EV_M / self.energy

    @property
    def transmission(self) -> float:
        """Intensity transmission of the non-magnetised stack ``|T_c|^2`` [dimensionless].

        Equal to the Beer-Lambert transmission of :mod:`spinscope.interaction.absorption`
        (``exp(-sum 4 pi d beta / (lambda cos tilt))``).
        """
        return float(abs(np.exp(self.charge)) ** 2)

    @property
    def beam_direction(self) -> np.ndarray:
        """Unit beam direction in the film frame ``(x, y, z)`` [dimensionless]."""
        return np.array([math.sin(self.tilt), 0.0, math.cos(self.tilt)])


def film_optics(layers: Any, energy: float, *, tilt: float = 0.0) -> FilmOptics:
    """Reduce a film stack to the exit-wave constants at one photon energy.

    Parameters
    ----------
    layers
        A :class:`~spinscope.config.experiment.SampleConfig`, a sequence of
        :class:`~spinscope.config.experiment.LayerConfig`, or of tuples ``(material, thickness [m],
        density [kg/m^3] or None, magnetic)``.
    energy
        Photon energy [eV].
    tilt
        Film tilt about the y axis [rad]; the path through each layer is ``d / cos(tilt)``.

    Returns
    -------
    FilmOptics

    Raises
    ------
    ConfigError
        No magnetic layer, or a tilt of 90 degrees or more.
    """
    if hasattr(layers, "layers"):
        layers = layers.layers
    items = [layer_tuple(x) for x in layers]
    if not any(m for *_, m in items):
        raise ConfigError("sample.layers: expected one layer with magnetic = true", field="sample.layers")
    if not abs(tilt) < math.pi / 2:
        raise ConfigError(f"tilt: expected |tilt| < 90 deg, got {math.degrees(tilt):.4g} deg", field="tilt")
    e = float(energy)
    k = 2.0 * math.pi / (HC_EV_M / e)
    path = 1.0 / math.cos(tilt)
    charge = 0j
    species: list[str] = []
    mags: dict[str, complex] = {}
    d_mag = 0.0
    for layer in layer_constants(items, e):
        kd = k * layer["thickness"] * path
        charge += kd * (1j * (-layer["delta"]) - layer["beta"])
        if layer["magnetic"]:
            d_mag += layer["thickness"]
            for s_name, dm, bm in zip(
                layer["species"], layer["delta_m_species"], layer["beta_m_species"], strict=True
            ):
                if s_name not in mags:
                    species.append(s_name)
                    mags[s_name] = 0j
                mags[s_name] += kd * (-1j * float(dm) - float(bm))
    return FilmOptics(
        energy=e,
        species=tuple(species),
        charge=complex(charge),
        magnetic=np.array([mags[s] for s in species], dtype=complex),
        tilt=float(tilt),
        magnetic_thickness=d_mag,
    )


def projection(m: np.ndarray, tilt: float = 0.0) -> np.ndarray:
    """Projection ``k_hat . m`` of a magnetisation on the beam.

    Parameters
    ----------
    m
        Reduced magnetisation with the last axis the component ``(x, y, z)`` [dimensionless].
    tilt
        Film tilt about the y axis [rad].

    Returns
    -------
    numpy.ndarray
        ``m_x sin(tilt) + m_z cos(tilt)``, shape ``m.shape[:-1]`` [dimensionless].
    """
    m = np.asarray(m)
    if tilt == 0.0:
        return m[..., 2]
    return m[..., 0] * math.sin(tilt) + m[..., 2] * math.cos(tilt)


def exit_wave(optics: FilmOptics, proj: np.ndarray, helicity: int, *,
              log_amplitude: np.ndarray | None = None) -> np.ndarray:
    """Exit wave ``psi_sigma(y, x)`` behind the film (module notes).

    Parameters
    ----------
    optics
        The film constants (:func:`film_optics`).
    proj
        Beam projection ``k_hat . m_s`` per species, shape ``(n_species, ny, nx)`` [dimensionless] (use
        :func:`projection`); a ``(ny, nx)`` array is taken for a single-species film.
    helicity
        +1 or -1.
    log_amplitude
        ``log a(y, x)`` of a real illumination amplitude (``-inf`` where dark); given, the result is the
        illuminated field ``a psi`` at no extra cost.

    Returns
    -------
    numpy.ndarray
        Complex ``(ny, nx)`` field [sqrt(transmitted fraction)].
    """
    if helicity not in (1, -1):
        raise ConfigError(f"helicity: expected +1 or -1 for one channel, got {helicity!r}", field="helicity")
    p = np.asarray(proj)
    if p.dtype not in (np.float32, np.float64):
        p = p.astype(np.float64)
    c = optics.magnetic
    if p.ndim == 2:
        p = p[None]
    if p.shape[0] != c.size:
        raise ConfigError(
            f"proj: {p.shape[0]} species given, the film has {c.size} ({', '.join(optics.species)})",
            field="proj",
        )
    # log psi = charge + sigma sum_s p_s c_s, as real and imaginary parts; the transcendental functions
    # run in float32 (relative error 1e-7 of psi, an error field carrying ~1e-14 of the photons, far
    # below any count), the result is complex128 for the propagation
    cr = (c.real * helicity).astype(np.float32)
    ci = (c.imag * helicity).astype(np.float32)
    p32 = p.astype(np.float32, copy=False)
    re = p32[0] * cr[0]
    im = p32[0] * ci[0]
    for s in range(1, c.size):
        re += p32[s] * cr[s]
        im += p32[s] * ci[s]
    re += np.float32(optics.charge.real)
    im += np.float32(optics.charge.imag)
    if log_amplitude is not None:
        re += log_amplitude
    np.exp(re, out=re)
    cos = np.cos(im)
    np.sin(im, out=im)
    out = np.empty(re.shape, dtype=complex)
    np.multiply(re, cos, out=out.real)
    np.multiply(re, im, out=out.imag)
    return out
