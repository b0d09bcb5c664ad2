"""What the magnetisation is: domain textures, layer stacks on membranes, textures from arrays and files."""

from spinscope.sample.spin_wave import spin_wave_movie
from spinscope.sample.stack import film_on_membrane, magnetic_thickness, total_thickness
from spinscope.sample.textures import (
    WALL_TYPES,
    bubble_lattice,
    dominant_period,
    labyrinth_domains,
    radial_structure_factor,
    stripe_domains,
    texture_from_array,
    texture_from_file,
)
from spinscope.sample.vortex import gyrotropic_frequency, vortex_gyration_movie

__all__ = [
    "WALL_TYPES",
    "bubble_lattice",
    "dominant_period",
    "film_on_membrane",
    "gyrotropic_frequency",
    "labyrinth_domains",
    "magnetic_thickness",
    "radial_structure_factor",
    "spin_wave_movie",
    "stripe_domains",
    "texture_from_array",
    "texture_from_file",
    "total_thickness",
    "vortex_gyration_movie",
]
