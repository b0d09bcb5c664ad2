"""Physical constants of the micromagnetic core (SI).

``GAMMA`` is the gyromagnetic ratio used in the Landau-Lifshitz-Gilbert equation,
1.7595e11 rad/(s T): the magnitude of the electron gyromagnetic ratio (CODATA 2018:
|gamma_e| = 1.76085963023e11 rad/(s T)) rounded as MuMax3 (``GammaLL = 1.7595e11``) and OOMMF
(gamma0 = 2.211e5 m/(A s) = mu0 * 1.7595e11) use it, so that results are comparable with both.
"""

from __future__ import annotations

import math

__all__ = ["GAMMA", "GAMMA_E_CODATA", "HBAR", "KB", "MU0", "MUB", "QE"]

#: Vacuum permeability [T m/A] (CODATA 2018, 1.25663706212e-6; 4 pi 1e-7 to 1e-10).
MU0 = 4e-7 * math.pi
#: Gyromagnetic ratio used by the LLG equation [rad/(s T)] (MuMax3's GammaLL, OOMMF's gamma0/mu0).
GAMMA = 1.7595e11
#: CODATA 2018 electron gyromagnetic ratio magnitude [rad/(s T)], for reference.
GAMMA_E_CODATA = 1.76085963023e11
#: Reduced Planck constant [J s] (exact).
HBAR = 1.054571817e-34
#: Elementary charge [C] (exact).
QE = 1.602176634e-19
#: Bohr magneton [J/T] (CODATA 2018).
MUB = 9.2740100783e-24
#: Boltzmann constant [J/K] (exact).
KB = 1.380649e-23
