"""Helicity-resolved transmission of a film stack: optical constants to XMCD contrast.

The stack is a list of layers (:class:`spinscope.config.LayerConfig`); each layer contributes
``exp(-4 pi d beta_sigma / lambda)`` to the transmission for helicity ``sigma``, with the magnetic part
of the magnetic layers projected on the beam (``k.m = projection``). The Beer-Lambert kernel is
:mod:`spinscope.interaction.absorption` (which neglects multiple reflections: at soft X-ray energies
``|n - 1| < 1e-2`` and interface reflectivities at normal incidence are below 1e-4, far below the XMCD
contrasts of interest, 1e-2 - 1e-1).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from spinscope.config import ExperimentConfig
from spinscope.conventions import asymmetry
from spinscope.interaction import film_transmission, layer_constants, optical_depths
from spinscope.materials import FERRIMAGNET_SIGNS

__all__ = ["FERRIMAGNET_SIGNS", "stack_transmission"]


def stack_transmission(
    config: ExperimentConfig,
    energy,
    *,
    projection: float = 1.0,
) -> xr.Dataset:
    """Transmission of the sample stack for both helicities and its XMCD asymmetry.

    Parameters
    ----------
    config
        Experiment configuration; its ``sample.layers`` define the stack.
    energy
        Photon energies [eV].
    projection
        ``k . m`` of the transition-metal sublattice of the magnetic layers [dimensionless]
        (+1: magnetisation along the beam); rare-earth sublattices enter with the opposite sign
        (:data:`FERRIMAGNET_SIGNS`).

    Returns
    -------
    xarray.Dataset
        Along ``energy`` [eV]: ``delta``, ``beta``, ``delta_m``, ``beta_m`` of the magnetic layer(s)
        (thickness-weighted when several), ``transmission`` (linear/average, dimensionless),
        ``transmission_plus`` and ``transmission_minus`` (helicity +1/-1), ``transmission_asymmetry``
        and ``xmcd_asymmetry`` (``beta_m / beta``), and ``contrast_figure_of_merit``
        ``|T+ - T-| / sqrt(T+ + T-)`` [1/sqrt(photon)]: the signal-to-noise ratio of a helicity
        difference per square root of incident photons per helicity.
    """
    e = np.atleast_1d(np.asarray(energy, dtype=float))
    constants = layer_constants(config.sample.layers, e, species_sign=FERRIMAGNET_SIGNS)
    depths = optical_depths(constants, e)
    t_plus = film_transmission(depths, helicity=1, projection=projection)
    t_minus = film_transmission(depths, helicity=-1, projection=projection)
    t_lin = film_transmission(depths)
    weighted = {k: np.zeros_like(e) for k in ("delta", "beta", "delta_m", "beta_m")}
    d_mag = 0.0
    for layer in constants:
        if layer["magnetic"]:
            for key in weighted:
                weighted[key] += layer["thickness"] * layer[key]
            d_mag += layer["thickness"]
    with np.errstate(invalid="ignore", divide="ignore"):
        consts = {k: v / d_mag if d_mag > 0 else np.zeros_like(e) for k, v in weighted.items()}
        xmcd = consts["beta_m"] / consts["beta"] if d_mag > 0 else np.zeros_like(e)
    fom = np.abs(t_plus - t_minus) / np.sqrt(t_plus + t_minus)
    dim = ("energy",)
    ds = xr.Dataset(
        {
            **{k: (dim, v, {"units": "", "long_name": f"{k} of the magnetic layer"})
               for k, v in consts.items()},
            "transmission": (dim, t_lin, {"units": "", "long_name": "transmission, linear polarisation"}),
            "transmission_plus": (dim, t_plus, {"units": "", "long_name": "transmission, helicity +1"}),
            "transmission_minus": (dim, t_minus, {"units": "", "long_name": "transmission, helicity -1"}),
            "transmission_asymmetry": (dim, asymmetry(t_plus, t_minus), {"units": ""}),
            "xmcd_asymmetry": (dim, xmcd, {"units": "", "long_name": "beta_m / beta"}),
            "contrast_figure_of_merit": (dim, fom, {"units": "1/sqrt(photon)"}),
        },
        coords={"energy": ("energy", e, {"units": "eV", "long_name": "photon energy"})},
        attrs={"projection": float(projection), "sample": config.sample.name},
    )
    return ds
