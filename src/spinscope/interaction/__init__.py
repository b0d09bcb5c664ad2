"""The exit wave: photons through the magnetised film, charge and magnetic parts, and their far field."""

from spinscope.interaction.exit_wave import FilmOptics, exit_wave, film_optics, projection
from spinscope.interaction.far_field import FarField, grid_for_detector, illumination, transverse_wavevector

__all__ = [
    "FarField",
    "FilmOptics",
    "exit_wave",
    "film_optics",
    "grid_for_detector",
    "illumination",
    "projection",
    "transverse_wavevector",
]
