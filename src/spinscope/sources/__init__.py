"""Photon sources: high-harmonic generation, laser-plasma sources, storage rings and their timing."""

from spinscope.sources.storage_ring import (
    FWHM_PER_SIGMA,
    RING_PRESETS,
    Beamline,
    FillPattern,
    StorageRing,
    fwhm_to_sigma,
    ring_preset,
    sampling_attenuation,
    sigma_to_fwhm,
)

__all__ = [
    "FWHM_PER_SIGMA",
    "RING_PRESETS",
    "Beamline",
    "FillPattern",
    "StorageRing",
    "fwhm_to_sigma",
    "ring_preset",
    "sampling_attenuation",
    "sigma_to_fwhm",
]
