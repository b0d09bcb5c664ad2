"""Prescribed texture evolution: how a static texture moves in time without solving LLG.

* :mod:`spinscope.evolution.domains` — the domain texture of a scattering experiment after the pump:
  per-pixel demagnetisation map (from :mod:`spinscope.ultrafast`), wall broadening, expansion and
  rearrangement (:class:`TextureDynamics`).
* :mod:`spinscope.evolution.vortex` — analytic Thiele gyration of a vortex core (movies for STXM).
* :mod:`spinscope.evolution.spin_wave` — analytic spin waves radiated by a nanocontact.

Solved (not prescribed) magnetisation dynamics lives in :mod:`spinscope.ultrafast` (demagnetisation)
and :mod:`spinscope.micromagnetics` (LLG).
"""

from spinscope.evolution.domains import DemagMap, TextureDynamics, TextureModels, demag_map
from spinscope.evolution.spin_wave import spin_wave_movie
from spinscope.evolution.vortex import gyrotropic_frequency, vortex_gyration_movie

__all__ = [
    "DemagMap",
    "TextureDynamics",
    "TextureModels",
    "demag_map",
    "gyrotropic_frequency",
    "spin_wave_movie",
    "vortex_gyration_movie",
]
