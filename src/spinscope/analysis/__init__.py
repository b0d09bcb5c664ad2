"""Turns datasets into physics. Never imports the simulation layers: it runs unchanged on measured files.

Submodules load their heavy dependencies (lmfit, scipy.sparse) on import; import what you use:
``spinscope.analysis.azimuthal`` (geometry, integration, beam centre, PONI), ``.rings`` (ring fits,
M(t) from the integrated intensity), ``.timetrace`` (demagnetisation and ring-shift fits, wall
velocity).
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
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"spinscope.analysis.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'spinscope.analysis' has no attribute {name!r}")
