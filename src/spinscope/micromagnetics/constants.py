"""Physical constants of the micromagnetic core (SI), re-exported from :mod:`spinscope.constants`.

``GAMMA`` is the gyromagnetic ratio used in the Landau-Lifshitz-Gilbert equation,
1.7595e11 rad/(s T): the magnitude of the electron gyromagnetic ratio (CODATA: |gamma_e| =
1.7608596e11 rad/(s T), :data:`spinscope.constants.GAMMA_E`) rounded as MuMax3 (``GammaLL =
1.7595e11``) and OOMMF (gamma0 = 2.211e5 m/(A s) = mu0 * 1.7595e11) use it, so that results are
comparable with both. ``MU0`` is the CODATA value of :mod:`scipy.constants` (before this module
re-exported it, it was ``4 pi 1e-7``, 5e-10 relative away).
"""

from __future__ import annotations

from spinscope.constants import GAMMA_E as GAMMA_E_CODATA
from spinscope.constants import GAMMA_LLG as GAMMA
from spinscope.constants import HBAR, MU0, QE
from spinscope.constants import K_B as KB
from spinscope.constants import MU_B as MUB

__all__ = ["GAMMA", "GAMMA_E_CODATA", "HBAR", "KB", "MU0", "MUB", "QE"]
