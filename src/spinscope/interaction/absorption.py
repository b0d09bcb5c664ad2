"""Transmission of a film stack: the one owner of Beer-Lambert through layers of magnetised material.

Each layer ``l`` of thickness ``d_l`` has the index ``n = 1 - delta + i beta`` with, for helicity
``sigma`` and the projection ``k.m`` of the reduced magnetisation on the beam, ``beta_sigma = beta +
sigma (k.m) beta_m`` (:mod:`spinscope.conventions`, :meth:`spinscope.materials.Material.optical_constants`).
Along a path tilted by ``theta`` from the film normal the intensity transmission is

.. math::

    T_\\sigma = \\exp\\Big(-\\sum_l \\frac{4 \\pi d_l}{\\lambda \\cos\\theta}
                           (\\beta_l + \\sigma\\, (k.m)\\, \\beta_{m,l})\\Big),

the Beer-Lambert law with absorption length ``lambda / (4 pi beta)``. The sums are split into the
optical depths of :func:`optical_depths`: ``charge`` (non-magnetic layers), ``charge_magnetic`` (the
charge part of the magnetic layers) and ``magnetic`` (``sum 4 pi d beta_m / (lambda cos theta)``).
Multiple reflections are neglected: at soft X-ray energies ``|n - 1| < 1e-2`` and interface
reflectivities at normal incidence are below 1e-4, far below XMCD contrasts (1e-2 - 1e-1).

Users: the exit wave (:func:`spinscope.interaction.film_optics`), the STXM
(:class:`spinscope.instruments.STXM`) and the transmission table of the workflows
(:func:`spinscope.workflows.transmission.stack_transmission`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from spinscope.geometry import wavelength
from spinscope.materials import get_material

__all__ = ["film_transmission", "layer_constants", "layer_tuple", "optical_depths", "transmission"]


def layer_tuple(layer: Any) -> tuple[str, float, float | None, bool]:
    """``(material, thickness [m], density [kg/m^3] or None, magnetic)`` of one layer.

    Parameters
    ----------
    layer
        A :class:`~spinscope.config.experiment.LayerConfig` (or any object with ``material``,
        ``thickness``, ``density``, ``magnetic``), a dict with those keys, or a tuple
        ``(material, thickness[, density[, magnetic]])``.

    Returns
    -------
    tuple
    """
    if isinstance(layer, dict):
        return (layer["material"], float(layer["thickness"]), layer.get("density"),
                bool(layer.get("magnetic")))
    if isinstance(layer, tuple | list):
        mat, d = layer[0], layer[1]
        dens = layer[2] if len(layer) > 2 else None
        mag = bool(layer[3]) if len(layer) > 3 else False
        return mat, float(d), dens, mag
    return layer.material, float(layer.thickness), layer.density, bool(layer.magnetic)


def layer_constants(layers, energy, *, species_sign: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """Optical constants of each layer of a stack.

    Parameters
    ----------
    layers
        A :class:`~spinscope.config.experiment.SampleConfig` or a sequence of layers (see
        :func:`layer_tuple`).
    energy
        Photon energy [eV], scalar or one-dimensional array.
    species_sign
        Orientation of each element's moment relative to the net magnetisation (``+-1``), passed to
        :meth:`~spinscope.materials.Material.optical_constants`; ``None``: all ``+1``.

    Returns
    -------
    list of dict
        Per layer: ``material``, ``thickness`` [m], ``density`` [kg/m^3] or ``None``, ``magnetic``,
        ``elements``, ``delta``, ``beta``, ``delta_m``, ``beta_m`` [dimensionless] (the magnetic
        parts are 0 in layers not marked magnetic), and ``species`` with ``delta_m_species``,
        ``beta_m_species`` (per species, first axis). Floats for a scalar ``energy``, arrays along
        ``energy`` otherwise.
    """
    if hasattr(layers, "layers"):
        layers = layers.layers
    scalar = np.ndim(energy) == 0
    e = np.atleast_1d(np.asarray(energy, dtype=float))

    def pick(a):
        a = np.asarray(a, dtype=float)
        return float(a[..., 0]) if scalar and a.ndim == 1 else (a[..., 0] if scalar else a)

    out = []
    for item in layers:
        name, d, dens, magnetic = layer_tuple(item)
        mat = get_material(name, density=dens)
        signs = None if species_sign is None else {
            el: v for el, v in species_sign.items() if el in mat.composition}
        oc = mat.optical_constants(e, species_sign=signs)
        zero = 0.0 if scalar else np.zeros_like(e)
        out.append({
            "material": name,
            "thickness": float(d),
            "density": dens,
            "magnetic": bool(magnetic),
            "elements": mat.elements,
            "delta": pick(oc["delta"].values),
            "beta": pick(oc["beta"].values),
            "delta_m": pick(oc["delta_m"].values) if magnetic else zero,
            "beta_m": pick(oc["beta_m"].values) if magnetic else zero,
            "species": tuple(str(s) for s in oc["species"].values),
            "delta_m_species": pick(oc["delta_m_species"].values),
            "beta_m_species": pick(oc["beta_m_species"].values),
        })
    return out


def optical_depths(constants: list[dict[str, Any]], energy, *, tilt: float = 0.0) -> dict[str, Any]:
    """Optical depths of a stack along a path tilted by ``tilt`` from the film normal.

    Parameters
    ----------
    constants
        The layers' constants (:func:`layer_constants`).
    energy
        Photon energy [eV] (the energy of ``constants``).
    tilt
        Angle between the beam and the film normal [rad]; the path through each layer is
        ``d / cos(tilt)``.

    Returns
    -------
    dict
        ``charge`` (non-magnetic layers, ``sum 4 pi d beta / (lambda cos tilt)``), ``charge_magnetic``
        (the magnetic layers' charge part) and ``magnetic`` (``sum 4 pi d beta_m / (lambda cos tilt)``
        of the magnetic layers) [dimensionless]; floats or arrays along ``energy``.
    """
    f = 4.0 * math.pi / (wavelength(energy) * math.cos(tilt))
    c = sum(f * L["thickness"] * L["beta"] for L in constants if not L["magnetic"])
    cm = sum(f * L["thickness"] * L["beta"] for L in constants if L["magnetic"])
    m = sum(f * L["thickness"] * L["beta_m"] for L in constants if L["magnetic"])
    return {"charge": c, "charge_magnetic": cm, "magnetic": m}


def film_transmission(depths: dict[str, Any], *, helicity: int = 0, projection=1.0):
    """Beer-Lambert intensity transmission of the whole stack for one pure helicity.

    Parameters
    ----------
    depths
        Optical depths (:func:`optical_depths`).
    helicity
        +1 or -1 for circular light; 0 for the charge part alone (linear or unpolarised light to
        first order in the magnetic part).
    projection
        ``k.m`` of the magnetic layers [dimensionless].

    Returns
    -------
    float or numpy.ndarray
        ``exp(-(charge + charge_magnetic + helicity projection magnetic))`` [dimensionless].
    """
    od = depths["charge"] + depths["charge_magnetic"]
    if helicity:
        od = od + helicity * projection * depths["magnetic"]
    return np.exp(-od)


def transmission(km, present, *, charge_depth, charge_depth_magnetic, magnetic_depth, helicity,
                 polarisation=1.0):
    """Transmission of partially circularly polarised light through the stack, per cell.

    ``T = exp(-OD_c) [(1 + P)/2 exp(-a (k.m) sigma) + (1 - P)/2 exp(+a (k.m) sigma)] exp(-OD_cm)``
    where the magnetic layers exist, ``exp(-OD_c)`` elsewhere.

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
