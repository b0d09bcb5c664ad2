"""Ultrafast demagnetisation after a femtosecond pump: 2TM, 3TM, M3TM and the two-sublattice M3TM
for RE/TM ferrimagnets, solved per pixel across the pump spot.

Micromagnetics (LLG) is its own room, :mod:`spinscope.micromagnetics`; prescribed texture evolution
(domains after a pump, vortex gyration, spin waves) is :mod:`spinscope.evolution`.

Equations and references are in :mod:`spinscope.ultrafast.models`; the pump and absorption model in
:mod:`spinscope.ultrafast.pump`; the integrator in :mod:`spinscope.ultrafast.solver`; material presets
in :mod:`spinscope.materials.ultrafast`; the phenomenological fit curve in :mod:`spinscope.curves`.
"""

from spinscope.ultrafast.models import MODELS, System, equilibrium_magnetisation, koopmans_rate
from spinscope.ultrafast.pump import Pump, absorbed_energy_density
from spinscope.ultrafast.simulate import (
    absorbed_fluence_map,
    default_delays,
    load_demag_config,
    magnetisation_movie,
    resolve_material,
    run_demag,
    simulate_demagnetisation,
    solve_pixels,
    summarize_demag,
)
from spinscope.ultrafast.solver import integrate

__all__ = [
    "MODELS",
    "Pump",
    "System",
    "absorbed_energy_density",
    "absorbed_fluence_map",
    "default_delays",
    "equilibrium_magnetisation",
    "integrate",
    "koopmans_rate",
    "load_demag_config",
    "magnetisation_movie",
    "resolve_material",
    "run_demag",
    "simulate_demagnetisation",
    "solve_pixels",
    "summarize_demag",
]
