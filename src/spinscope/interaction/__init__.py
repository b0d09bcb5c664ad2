"""The exit wave: photons through the magnetised film, charge and magnetic parts, and their far field.

This package is the one owner of film-stack transmission (:mod:`spinscope.interaction.absorption`).
"""

from spinscope.interaction.absorption import (
    film_transmission,
    layer_constants,
    layer_tuple,
    optical_depths,
    transmission,
)
from spinscope.interaction.exit_wave import FilmOptics, exit_wave, film_optics, projection
from spinscope.interaction.far_field import FarField, grid_for_detector, illumination, transverse_wavevector

__all__ = [
    "FarField",
    "FilmOptics",
    "exit_wave",
    "film_optics",
    "film_transmission",
    "grid_for_detector",
    "illumination",
    "layer_constants",
    "layer_tuple",
    "optical_depths",
    "projection",
    "transmission",
    "transverse_wavevector",
]
