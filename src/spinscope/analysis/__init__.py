"""Turns datasets into physics. Never imports the simulation layers: it runs unchanged on measured files.

Submodules load their heavy dependencies (lmfit, scipy.sparse) on import; import what you use:
``spinscope.analysis.azimuthal`` (geometry, integration, beam centre, PONI), ``.rings`` (ring fits,
M(t) from the integrated intensity), ``.timetrace`` (demagnetisation and ring-shift fits, wall
velocity), ``.xmcd`` (STXM XMCD contrast, registration, Fourier mode maps, cone angle).
"""

import importlib

_EXPORTS = {
    "DetectorGeometry": "azimuthal",
    "AzimuthalIntegrator": "azimuthal",
    "SaturationWarning": "azimuthal",
    "find_beam_center": "azimuthal",
    "integrate_azimuthal": "azimuthal",
    "read_poni": "azimuthal",
    "pyfai_integrator": "azimuthal",
    "fit_ring": "rings",
    "fit_rings": "rings",
    "integrated_intensity": "rings",
    "magnetisation_trace": "rings",
    "peak_centroid": "rings",
    "fit_demagnetisation": "timetrace",
    "fit_q1_trace": "timetrace",
    "wall_velocity": "timetrace",
    "analyze_profiles": "timetrace",
    "normalise_by_monitor": "xmcd",
    "photons_per_bunch": "xmcd",
    "register_shift": "xmcd",
    "register_helicities": "xmcd",
    "align": "xmcd",
    "xmcd_contrast": "xmcd",
    "xmcd_images": "xmcd",
    "dynamic_part": "xmcd",
    "fourier_maps": "xmcd",
    "cone_angle": "xmcd",
    "radial_wave_fit": "xmcd",
    "even_odd_relative_signal": "xmcd",
    "difference_image": "xmcd",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"spinscope.analysis.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'spinscope.analysis' has no attribute {name!r}")
