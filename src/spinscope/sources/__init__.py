"""Photon sources: high-harmonic generation, laser-plasma sources, storage rings and their timing."""

from spinscope.sources.hhg import (
    IONISATION_POTENTIALS,
    Harmonic,
    HHGSource,
    MetalFilter,
    peak_intensity,
    ponderomotive_energy,
)
from spinscope.sources.plasma import CircularPolariser, MonochromaticBeam, PlasmaSource, bandpass
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
    "IONISATION_POTENTIALS",
    "CircularPolariser",
    "HHGSource",
    "Harmonic",
    "MetalFilter",
    "MonochromaticBeam",
    "PlasmaSource",
    "bandpass",
    "peak_intensity",
    "ponderomotive_energy",
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
