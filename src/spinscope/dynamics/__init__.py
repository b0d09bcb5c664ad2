"""How the magnetisation moves: ultrafast demagnetisation models (2TM, 3TM, M3TM, two-sublattice
M3TM for RE/TM ferrimagnets) solved per pixel across the pump spot, and the LLG micromagnetics core
(:mod:`spinscope.dynamics.micromagnetics`, imported on its own).

Equations and references are in :mod:`spinscope.dynamics.models`; the pump and absorption model in
:mod:`spinscope.dynamics.pump`; the integrator in :mod:`spinscope.dynamics.solver`; material presets
in :mod:`spinscope.materials.ultrafast`; the phenomenological fit curve in :mod:`spinscope.curves`.
"""

from spinscope.dynamics.models import MODELS, System, equilibrium_magnetisation, koopmans_rate
from spinscope.dynamics.pump import Pump, absorbed_energy_density
from spinscope.dynamics.simulate import (
    absorbed_fluence_map,
    default_delays,
    load_demag_config,
    magnetisation_movie,
    plot_demag,
    resolve_material,
    run_demag,
    simulate_demagnetisation,
    solve_pixels,
    summarize_demag,
)
from spinscope.dynamics.solver import integrate

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
    "plot_demag",
    "resolve_material",
    "run_demag",
    "simulate_demagnetisation",
    "solve_pixels",
    "summarize_demag",
]
