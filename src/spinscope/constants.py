"""Physical constants (SI), one home for the whole package.

Every value is taken from :mod:`scipy.constants`, which carries the CODATA recommended values
(CODATA 2022 in SciPy >= 1.15, CODATA 2018 before; P. J. Mohr et al., Rev. Mod. Phys. 97, 025002
(2025) and E. Tiesinga et al., Rev. Mod. Phys. 93, 025010 (2021)). Since the 2019 SI redefinition
``h``, ``e``, ``k_B``, ``N_A`` and ``c`` are exact; ``mu_0``, the Bohr magneton and the electron
gyromagnetic ratio are measured (relative uncertainties ~1e-10).

Conventions, not constants, stay with their users: the LLG gyromagnetic ratio of mumax3/OOMMF
(1.7595e11 rad/(s T)) is :data:`GAMMA_LLG` here so that it is not mistaken for :data:`GAMMA_E`.

This module is on the ground floor: it imports only :mod:`scipy.constants`.
"""

from __future__ import annotations

import scipy.constants as _sc

__all__ = [
    "C",
    "GAMMA_E",
    "GAMMA_LLG",
    "H",
    "HBAR",
    "HC_EV_M",
    "K_B",
    "MU0",
    "MU_B",
    "N_A",
    "QE",
    "R_E",
    "U",
]

#: Speed of light in vacuum [m/s] (exact; ``scipy.constants.c``).
C: float = _sc.c
#: Planck constant [J s] (exact; ``scipy.constants.h``).
H: float = _sc.h
#: Reduced Planck constant ``h / (2 pi)`` [J s] (exact; ``scipy.constants.hbar``).
HBAR: float = _sc.hbar
#: Elementary charge [C] (exact; ``scipy.constants.e``).
QE: float = _sc.e
#: Boltzmann constant [J/K] (exact; ``scipy.constants.k``).
K_B: float = _sc.k
#: Avogadro constant [1/mol] (exact; ``scipy.constants.N_A``).
N_A: float = _sc.N_A
#: Vacuum magnetic permeability [T m/A] (CODATA; ``scipy.constants.mu_0``). Since 2019 it is
#: measured, not ``4 pi 1e-7``: the two differ by ~1e-10 relative.
MU0: float = _sc.mu_0
#: Bohr magneton [J/T] (CODATA; ``scipy.constants.physical_constants['Bohr magneton']``).
MU_B: float = _sc.physical_constants["Bohr magneton"][0]
#: Magnitude of the electron gyromagnetic ratio ``|gamma_e| = g_e mu_B / hbar`` [rad/(s T)]
#: (CODATA; ``scipy.constants.physical_constants['electron gyromag. ratio']``).
GAMMA_E: float = _sc.physical_constants["electron gyromag. ratio"][0]
#: Classical electron radius [m] (CODATA; ``scipy.constants.physical_constants['classical electron
#: radius']``).
R_E: float = _sc.physical_constants["classical electron radius"][0]
#: Atomic mass constant (unified atomic mass unit) [kg] (CODATA; ``scipy.constants.m_u``).
U: float = _sc.m_u
#: ``h c / e``: photon energy times wavelength [eV m] (exact; 1.239841984e-6 eV m).
HC_EV_M: float = _sc.h * _sc.c / _sc.e
#: Gyromagnetic ratio of the Landau-Lifshitz-Gilbert equation as mumax3 (``GammaLL``) and OOMMF
#: (``gamma0 = mu0 * 1.7595e11`` m/(A s)) use it [rad/(s T)]: a code convention (|gamma_e| rounded),
#: kept so that micromagnetic results compare with both programs.
GAMMA_LLG: float = 1.7595e11
