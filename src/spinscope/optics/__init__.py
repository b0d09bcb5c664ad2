"""X-ray optics: Fresnel zone plates, apertures, filters, propagation."""

from spinscope.optics.zone_plate import (
    BINARY_AMPLITUDE_EFFICIENCY,
    BINARY_PHASE_EFFICIENCY,
    ZonePlate,
    annular_airy,
    depth_of_focus,
    focal_length,
    focal_spot_fwhm,
    number_of_zones,
    numerical_aperture,
    on_axis_intensity,
    psf_first_zero,
    psf_image,
    pupil_psf,
    rayleigh_resolution,
)

__all__ = [
    "BINARY_AMPLITUDE_EFFICIENCY",
    "BINARY_PHASE_EFFICIENCY",
    "ZonePlate",
    "annular_airy",
    "depth_of_focus",
    "focal_length",
    "focal_spot_fwhm",
    "number_of_zones",
    "numerical_aperture",
    "on_axis_intensity",
    "psf_first_zero",
    "psf_image",
    "pupil_psf",
    "rayleigh_resolution",
]
