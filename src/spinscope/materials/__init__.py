"""Materials: element edges, optical constants ``n = 1 - delta + i beta`` with magnetic parts.

Public API
    :func:`get_material`, :class:`Material`, :func:`edge_energy`, :func:`summarize`,
    :func:`load_user_spectrum`, and :mod:`spinscope.materials.kramers_kronig`.

Data: non-resonant scattering factors from xraydb (Chantler tables; imported lazily on first use,
so ``import spinscope.materials`` stays light), plus a cited parametric white-line model
(``data/resonant_lines.csv``, :mod:`spinscope.materials.resonant`) for the Fe/Co/Ni L2,3 and M2,3,
Gd/Tb M4,5 and N4,5 resonances, or the user's measured spectrum (:func:`load_user_spectrum`).
"""

from __future__ import annotations

from spinscope.materials._xdb import chantler_attenuation
from spinscope.materials.kramers_kronig import kk_charge, kk_magnetic, kramers_kronig
from spinscope.materials.material import (
    FERRIMAGNET_SIGNS,
    Material,
    get_material,
    known_materials,
    parse_formula,
)
from spinscope.materials.summary import edge_energy, summarize
from spinscope.materials.user_spectrum import UserSpectrumMaterial, load_user_spectrum

__all__ = [
    "FERRIMAGNET_SIGNS",
    "Material",
    "UserSpectrumMaterial",
    "chantler_attenuation",
    "edge_energy",
    "get_material",
    "kk_charge",
    "kk_magnetic",
    "known_materials",
    "kramers_kronig",
    "load_user_spectrum",
    "parse_formula",
    "summarize",
]
