"""What the magnetisation is: domain textures, layer stacks on membranes, textures from arrays and files.

How textures move in time (domain dynamics after a pump, vortex gyration, spin waves) is in
:mod:`spinscope.evolution`."""

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

__all__ = [
    "WALL_TYPES",
    "bubble_lattice",
    "dominant_period",
    "film_on_membrane",
    "labyrinth_domains",
    "magnetic_thickness",
    "radial_structure_factor",
    "stripe_domains",
    "texture_from_array",
    "texture_from_file",
    "total_thickness",
]
