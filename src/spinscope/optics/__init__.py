"""X-ray optics: Fresnel zone plates, apertures, filters, propagation."""
