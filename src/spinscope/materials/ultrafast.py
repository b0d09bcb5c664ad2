"""Material presets for ultrafast demagnetisation (2TM/3TM/M3TM), every number with its source.

Each preset is a validated :class:`spinscope.config.ultrafast.UltrafastMaterialConfig`. Numbers come
with a comment naming their source and, where they are estimates, saying so. Derived numbers are
computed here from the quantities they are derived from, so that the derivation is visible:

* ``gamma_e`` (J m^-3 K^-2) = molar Sommerfeld coefficient / molar volume; the molar coefficients
  are the low-temperature calorimetric values tabulated in C. Kittel, *Introduction to Solid State
  Physics*, 8th ed. (Wiley 2005), ch. 6, Table 2 (Fe 4.98, Co 4.73, Ni 7.02 mJ mol^-1 K^-2); Ni gives
  1065 J m^-3 K^-2, the value used by Lin, Zhigilei & Celli, PRB 77, 075133 (2008).
* ``C_p`` = 3 n k_B (Dulong-Petit; the lattice heat capacity above the Debye temperature), with the
  atomic density n = rho N_A / M from the room-temperature mass density and molar mass
  (CRC Handbook of Chemistry and Physics).
* M3TM rates ``R`` and spin-flip probabilities ``a_sf`` of Ni, Co and Gd, their ``T_C`` and ``mu_at``:
  Koopmans et al., Nat. Mater. 9, 259 (2010), Table 1 (R = 17.2, 25.3 and 0.092 ps^-1).

Which numbers are uncertain is stated at each one (``# ESTIMATE``). The ferrimagnet presets use the
two-sublattice mean-field model of :mod:`spinscope.ultrafast`: the own-frame exchange matrix ``J_ij``
(kelvin) takes the *ratios* of the atomistic exchange constants of Ostler et al., PRB 84, 024407
(2011) (J_FeFe : J_GdGd : |J_FeGd| = 2.835 : 1.26 : 1.09, in 1e-21 J) and one overall scale chosen so
that the mean-field Curie temperature of the alloy matches a typical measured value.
"""

from __future__ import annotations

import math

from spinscope.config.ultrafast import (
    HeatSinkConfig,
    SublatticeConfig,
    UltrafastMaterialConfig,
)
from spinscope.constants import K_B, N_A
from spinscope.errors import MaterialError

__all__ = ["PRESETS", "get_preset", "list_presets", "mean_field_curie_temperature"]

PS = 1e-12


def _n_at(density_g_cm3: float, molar_mass_g_mol: float) -> float:
    """Atomic density [1/m^3] from mass density [g/cm^3] and molar mass [g/mol]."""
    return density_g_cm3 * 1e3 / (molar_mass_g_mol * 1e-3) * N_A


def _gamma(sommerfeld_mj_mol_k2: float, density_g_cm3: float, molar_mass_g_mol: float) -> float:
    """Electronic heat-capacity coefficient [J/m^3/K^2] from the molar Sommerfeld coefficient."""
    return sommerfeld_mj_mol_k2 * 1e-3 * _n_at(density_g_cm3, molar_mass_g_mol) / N_A


def _dulong_petit(n_at: float) -> float:
    """Lattice heat capacity 3 n k_B [J/m^3/K]."""
    return 3.0 * n_at * K_B


# --- atomic densities (CRC Handbook: density g/cm^3, molar mass g/mol) ------------------------------
N_NI = _n_at(8.908, 58.693)  # 9.14e28 m^-3
N_CO = _n_at(8.90, 58.933)  # 9.09e28 m^-3
N_FE = _n_at(7.874, 55.845)  # 8.49e28 m^-3
N_GD = _n_at(7.90, 157.25)  # 3.03e28 m^-3
N_TB = _n_at(8.23, 158.93)  # 3.12e28 m^-3


def koopmans_scaled_rate(r_ref: float, *, ref: dict, new: dict) -> float:
    """Scale an M3TM rate with R ∝ a_sf g_ep T_C^2 V_at / (mu_at T_D^2) (Koopmans et al. 2010).

    Parameters
    ----------
    r_ref
        Known rate of the reference element [1/s].
    ref, new
        Dicts with ``a_sf``, ``g_ep`` [W/m^3/K], ``T_C`` [K], ``V_at`` [m^3], ``mu_at`` [mu_B],
        ``T_D`` [K] of the reference and of the new element.

    Returns
    -------
    float
        The scaled rate [1/s].
    """

    def f(p):
        return p["a_sf"] * p["g_ep"] * p["T_C"] ** 2 * p["V_at"] / (p["mu_at"] * p["T_D"] ** 2)

    return r_ref * f(new) / f(ref)


#: 100 nm amorphous Si3N4 membrane, free on its back side (transmission samples). On the 10 ps - 10
#: ns scale heat flows from the film into the membrane; lateral flow out of a ~100 um spot takes
#: microseconds and is neglected.
SIN_MEMBRANE = HeatSinkConfig(
    kind="substrate",
    substrate_thickness=100e-9,  # typical X-ray membrane (ESTIMATE of a typical sample)
    # amorphous SiNx thin films: 2-3.5 W/m/K (Lee & Cahill, J. Appl. Phys. 81, 2590 (1997))
    substrate_conductivity=2.5,  # ESTIMATE within that range
    # c_p 0.71 J/g/K x 3.1 g/cm^3 (low-stress LPCVD SiNx; CRC, c_p of Si3N4)
    substrate_heat_capacity=0.71 * 3.1e6,
    # metal/dielectric thermal boundary conductance: typically 1e8 - 3e8 W/m^2/K
    # (Cahill et al., Appl. Phys. Rev. 1, 011305 (2014)); ESTIMATE
    interface_conductance=1.5e8,
    n_cells=20,
    bottom="insulating",
)

_NI_SOMMERFELD = 7.02  # mJ/mol/K^2, Kittel ch. 6, Table 2
_CO_SOMMERFELD = 4.73  # mJ/mol/K^2, Kittel ch. 6, Table 2
_FE_SOMMERFELD = 4.98  # mJ/mol/K^2, Kittel ch. 6, Table 2
# Gd: 4.48 mJ/mol/K^2 gives 225 J/m^3/K^2, the value used in M3TM modelling of Gd (Koopmans et al.
# 2010 supplementary); calorimetric values of Gd scatter (magnetic contributions): ESTIMATE
_GD_SOMMERFELD = 4.48
# Tb: no clean calorimetric value (magnetic + nuclear Schottky terms); assumed equal to Gd: ESTIMATE
_TB_SOMMERFELD = 4.48

# Electron-phonon coupling constants
G_NI = 8.0e17  # W/m^3/K, Beaurepaire et al., PRL 76, 4250 (1996) (G_el of Ni)
G_CO = 4.0e17  # W/m^3/K, representative M3TM value for Co; ESTIMATE (literature 2e17-9e17)
G_FE = 8.0e17  # W/m^3/K, representative value for Fe; ESTIMATE (literature 5e17-1.5e18)
G_GD = 2.5e17  # W/m^3/K, representative value for Gd (M3TM modelling of Gd); ESTIMATE

# Koopmans et al., Nat. Mater. 9, 259 (2010), Table 1
NI_KOOPMANS = {"T_C": 631.0, "mu_at": 0.62, "a_sf": 0.185, "R": 17.2 / PS}
CO_KOOPMANS = {"T_C": 1388.0, "mu_at": 1.72, "a_sf": 0.15, "R": 25.3 / PS}
GD_KOOPMANS = {"T_C": 297.0, "mu_at": 7.55, "a_sf": 0.08, "R": 0.092 / PS}

# Debye temperatures (Kittel ch. 5, Table 1): Ni 450 K, Co 445 K, Fe 470 K, Gd 200 K, Tb 174 K (ESTIMATE
# for Tb: value from heat-capacity fits)
T_D = {"Ni": 450.0, "Co": 445.0, "Fe": 470.0, "Gd": 200.0, "Tb": 174.0}

# Fe: not in Koopmans' table. R scaled from Ni with R ∝ a_sf g_ep T_C^2 V_at / (mu_at T_D^2), assuming
# the same a_sf and g_ep as Ni; T_C = 1043 K and mu_at = 2.22 mu_B (Kittel ch. 12, Table 1).
# ESTIMATE (gives 12.5 ps^-1; a demagnetisation time of ~0.1 ps, as measured for Fe).
R_FE = koopmans_scaled_rate(
    NI_KOOPMANS["R"],
    ref={"a_sf": 0.185, "g_ep": 1.0, "T_C": 631.0, "V_at": 1 / N_NI, "mu_at": 0.62, "T_D": 450.0},
    new={"a_sf": 0.185, "g_ep": 1.0, "T_C": 1043.0, "V_at": 1 / N_FE, "mu_at": 2.22, "T_D": 470.0},
)
# Tb: scaled from Gd with the same a_sf and g_ep (ESTIMATE; Tb's orbital moment probably makes a_sf
# larger, cf. Wietstruk et al., PRL 106, 127401 (2011), who find Tb faster than Gd).
# T_C = 219 K (ferromagnetic below 219 K), mu_at = 9.34 mu_B (Legvold, in Ferromagnetic Materials,
# vol. 1, ed. Wohlfarth (North-Holland 1980)).
R_TB = 3.0 * koopmans_scaled_rate(
    GD_KOOPMANS["R"],
    ref={"a_sf": 0.08, "g_ep": 1.0, "T_C": 297.0, "V_at": 1 / N_GD, "mu_at": 7.55, "T_D": 200.0},
    new={"a_sf": 0.08, "g_ep": 1.0, "T_C": 219.0, "V_at": 1 / N_TB, "mu_at": 9.34, "T_D": 174.0},
)  # factor 3: ESTIMATE of the larger Tb spin-flip probability (orbital moment), see above


def mean_field_curie_temperature(exchange, fractions) -> float:
    """Curie temperature [K] of the two-sublattice mean-field model (largest eigenvalue of x_j J_ij).

    Parameters
    ----------
    exchange
        Own-frame exchange matrix [K].
    fractions
        Atomic fractions of the species.

    Returns
    -------
    float
        T_C [K].
    """
    (a, b), (c, d) = exchange
    xa, xb = fractions
    a, b, c, d = a * xa, b * xb, c * xa, d * xb
    return 0.5 * ((a + d) + math.sqrt((a - d) ** 2 + 4 * b * c))


def _scaled_exchange(ratios, fractions, t_c):
    """Exchange matrix with given J_TT : J_TR : J_RR ratios scaled to a mean-field T_C [K]."""
    jtt, jtr, jrr = ratios
    m = [[jtt, jtr], [jtr, jrr]]
    s = t_c / mean_field_curie_temperature(m, fractions)
    return [[jtt * s, jtr * s], [jtr * s, jrr * s]]


# Ostler et al., PRB 84, 024407 (2011): J_FeFe = 2.835e-21 J, J_GdGd = 1.26e-21 J, J_FeGd = -1.09e-21 J
_OSTLER_RATIOS = (2.835, 1.09, 1.26)

_REF_M3TM = "Koopmans et al., Nat. Mater. 9, 259 (2010), Table 1"
_REF_GAMMA = "Kittel, Introduction to Solid State Physics (8th ed.), ch. 6 Table 2, / molar volume"
_REF_CP = "Dulong-Petit 3 n k_B, n from CRC density and molar mass"
_REF_2SL = ("Schellekens & Koopmans, PRB 87, 020407 (2013); Mentink et al., PRL 108, 057202 (2012); "
            "exchange ratios Ostler et al., PRB 84, 024407 (2011)")


def _ni() -> UltrafastMaterialConfig:
    return UltrafastMaterialConfig(
        name="Ni",
        gamma_e=_gamma(_NI_SOMMERFELD, 8.908, 58.693),  # 1065 J/m^3/K^2
        C_p=_dulong_petit(N_NI),  # 3.78e6 J/m^3/K
        g_ep=G_NI,
        species=[SublatticeConfig(name="Ni", mu_at=NI_KOOPMANS["mu_at"], T_C=NI_KOOPMANS["T_C"],
                                  R=NI_KOOPMANS["R"], a_sf=NI_KOOPMANS["a_sf"], T_D=T_D["Ni"],
                                  atomic_volume=1 / N_NI)],
        # 3TM of Beaurepaire et al. (1996): G_es = 6e17, G_sl = 0.3e17 W/m^3/K; C_s: ESTIMATE of the
        # magnetic heat capacity of Ni at room temperature (~10 % of C_p)
        C_s=0.38e6, g_es=6.0e17, g_sp=0.3e17,
        thickness=15e-9,  # typical film (ESTIMATE of a typical sample)
        # 800 nm: n = 2.22 + 4.89i (Johnson & Christy, PRB 9, 5056 (1974)) -> R = 0.68 at normal
        # incidence, intensity penetration depth lambda / (4 pi k) = 13 nm
        reflectivity=0.68, penetration_depth=13e-9,
        heat_sink=SIN_MEMBRANE,
        T0=300.0,
        references={"M3TM": _REF_M3TM, "gamma_e": _REF_GAMMA, "C_p": _REF_CP,
                    "g_ep, 3TM": "Beaurepaire et al., PRL 76, 4250 (1996)",
                    "optics": "Johnson & Christy, PRB 9, 5056 (1974)"},
    )


def _co() -> UltrafastMaterialConfig:
    return UltrafastMaterialConfig(
        name="Co",
        gamma_e=_gamma(_CO_SOMMERFELD, 8.90, 58.933),  # 714 J/m^3/K^2
        C_p=_dulong_petit(N_CO),
        g_ep=G_CO,
        species=[SublatticeConfig(name="Co", mu_at=CO_KOOPMANS["mu_at"], T_C=CO_KOOPMANS["T_C"],
                                  R=CO_KOOPMANS["R"], a_sf=CO_KOOPMANS["a_sf"], T_D=T_D["Co"],
                                  atomic_volume=1 / N_CO)],
        thickness=15e-9,
        # 800 nm: n = 2.5 + 4.8i (Johnson & Christy 1974) -> R = 0.66, depth 13 nm
        reflectivity=0.66, penetration_depth=13e-9,
        heat_sink=SIN_MEMBRANE,
        T0=300.0,
        references={"M3TM": _REF_M3TM, "gamma_e": _REF_GAMMA, "C_p": _REF_CP,
                    "g_ep": "ESTIMATE (representative literature value)",
                    "optics": "Johnson & Christy, PRB 9, 5056 (1974)"},
    )


def _fe() -> UltrafastMaterialConfig:
    return UltrafastMaterialConfig(
        name="Fe",
        gamma_e=_gamma(_FE_SOMMERFELD, 7.874, 55.845),  # 702 J/m^3/K^2
        C_p=_dulong_petit(N_FE),
        g_ep=G_FE,
        species=[SublatticeConfig(name="Fe", mu_at=2.22, T_C=1043.0, R=R_FE, a_sf=0.185,
                                  T_D=T_D["Fe"], atomic_volume=1 / N_FE)],
        thickness=15e-9,
        # 800 nm: n = 2.9 + 3.0i (Johnson & Christy 1974) -> R = 0.57, depth 21 nm
        reflectivity=0.57, penetration_depth=21e-9,
        heat_sink=SIN_MEMBRANE,
        T0=300.0,
        references={"R": "scaled from Ni (ESTIMATE), " + _REF_M3TM, "gamma_e": _REF_GAMMA,
                    "C_p": _REF_CP, "T_C, mu_at": "Kittel ch. 12, Table 1",
                    "optics": "Johnson & Christy, PRB 9, 5056 (1974)"},
    )


def _gd() -> UltrafastMaterialConfig:
    return UltrafastMaterialConfig(
        name="Gd",
        gamma_e=_gamma(_GD_SOMMERFELD, 7.90, 157.25),  # 225 J/m^3/K^2
        C_p=_dulong_petit(N_GD),  # 1.25e6 J/m^3/K
        g_ep=G_GD,
        species=[SublatticeConfig(name="Gd", mu_at=GD_KOOPMANS["mu_at"], T_C=GD_KOOPMANS["T_C"],
                                  R=GD_KOOPMANS["R"], a_sf=GD_KOOPMANS["a_sf"], T_D=T_D["Gd"],
                                  atomic_volume=1 / N_GD)],
        thickness=15e-9,
        # 800 nm optics of Gd: R ~ 0.5, depth ~ 20 nm (ESTIMATE from Weaver & Lynch, PRB 7, 4311 (1973))
        reflectivity=0.5, penetration_depth=20e-9,
        heat_sink=SIN_MEMBRANE,
        T0=100.0,  # below T_C = 297 K; ESTIMATE of a typical measurement temperature
        references={"M3TM": _REF_M3TM, "gamma_e": "ESTIMATE, see module docstring", "C_p": _REF_CP,
                    "g_ep": "ESTIMATE (representative M3TM value for Gd)"},
    )


def _ferri(name, tm, re, x_re, t_c, thickness, absorbed, t0=300.0, extra_refs=None, ratios=None):
    x_tm = 1.0 - x_re
    exchange = _scaled_exchange(ratios or _OSTLER_RATIOS, (x_tm, x_re), t_c)
    refs = {"M3TM rates": _REF_M3TM + " (RE/TM: pure-element rates, ESTIMATE for alloys)",
            "two-sublattice model": _REF_2SL, "C_p": _REF_CP,
            "lambda_ex": "ESTIMATE: chosen so that the ferromagnetic-like transient appears at "
                         "a few mJ/cm^2 (Radu et al., Nature 472, 205 (2011))"}
    refs.update(extra_refs or {})
    n_mix = x_tm * tm["n"] + x_re * re["n"]
    return UltrafastMaterialConfig(
        name=name,
        gamma_e=x_tm * tm["gamma"] + x_re * re["gamma"],  # composition-weighted (ESTIMATE)
        C_p=_dulong_petit(n_mix),
        g_ep=x_tm * tm["g"] + x_re * re["g"],  # composition-weighted (ESTIMATE)
        species=[
            SublatticeConfig(name=tm["name"], fraction=x_tm, mu_at=tm["mu"], T_C=tm["T_C"],
                             R=tm["R"]),
            SublatticeConfig(name=re["name"], fraction=x_re, mu_at=re["mu"], T_C=re["T_C"],
                             R=re["R"], antiparallel=True),
        ],
        exchange=exchange,
        lambda_ex=0.8 / PS,  # ESTIMATE, see references
        thickness=thickness,
        absorbed_fraction=absorbed,
        heat_sink=SIN_MEMBRANE,
        T0=t0,
        references=refs,
    )


# TM sublattice of the Gd-Fe(-Co) alloys: twice the pure-Fe estimate (25.9 ps^-1, close to Co's 25.3):
# ESTIMATE, chosen so that the TM demagnetises >= 2x faster than Gd at moderate fluence as observed
# element-resolved by Radu et al., Nature 472, 205 (2011)
_FE_ALLOY = {"name": "Fe", "mu": 1.92, "T_C": 1043.0, "R": 2.0 * R_FE, "n": N_FE,
             "gamma": _gamma(_FE_SOMMERFELD, 7.874, 55.845), "g": G_FE}
_GD_ALLOY = {"name": "Gd", "mu": 7.63, "T_C": 297.0, "R": GD_KOOPMANS["R"], "n": N_GD,
             "gamma": _gamma(_GD_SOMMERFELD, 7.90, 157.25), "g": G_GD}
_CO_ALLOY = {"name": "Co", "mu": 1.5, "T_C": 1388.0, "R": CO_KOOPMANS["R"], "n": N_CO,
             "gamma": _gamma(_CO_SOMMERFELD, 8.90, 58.933), "g": G_CO}
_TB_ALLOY = {"name": "Tb", "mu": 9.34, "T_C": 219.0, "R": R_TB, "n": N_TB,
             "gamma": _gamma(_TB_SOMMERFELD, 8.23, 158.93), "g": G_GD}


def _gdfeco() -> UltrafastMaterialConfig:
    # Gd25(FeCo)75 as in Radu et al. (2011) (Gd25Fe65.6Co9.4); the TM sublattice is treated as Fe.
    # mu_at: 1.92 (TM) and 7.63 (Gd) mu_B from Ostler et al. (2011). T_C = 550 K: ESTIMATE of the
    # Curie temperature of amorphous Gd25(FeCo)75 (Hansen et al., J. Appl. Phys. 66, 756 (1989):
    # 500-600 K).
    return _ferri("GdFeCo", _FE_ALLOY, _GD_ALLOY, 0.25, 550.0, 20e-9, 0.3,
                  extra_refs={"mu_at": "Ostler et al., PRB 84, 024407 (2011)",
                              "composition": "Radu et al., Nature 472, 205 (2011)",
                              "absorbed_fraction": "ESTIMATE (20 nm film, 800 nm)"})


def _fegd() -> UltrafastMaterialConfig:
    # Fe/Gd multilayer [Fe 0.34 nm / Gd 0.4 nm]_n as an effective alloy: x_Gd = 0.4 n_Gd /
    # (0.34 n_Fe + 0.4 n_Gd) = 0.30 (Montoya et al., PRB 95, 024415 (2017) for the stack).
    x_gd = 0.4 * N_GD / (0.34 * N_FE + 0.4 * N_GD)
    return _ferri("FeGd", _FE_ALLOY, _GD_ALLOY, round(x_gd, 3), 520.0, 30e-9, 0.3,
                  extra_refs={"composition": "Montoya et al., PRB 95, 024415 (2017)",
                              "T_C": "ESTIMATE (Fe/Gd multilayers order well above room "
                                     "temperature)",
                              "absorbed_fraction": "ESTIMATE"})


def _cotb() -> UltrafastMaterialConfig:
    # Co/Tb multilayer as an effective Co80Tb20 alloy; Co moment in amorphous Co-Tb ~1.5 mu_B and
    # T_C ~ 650 K (Hansen et al., J. Appl. Phys. 66, 756 (1989)); exchange ratios as Fe-Gd: ESTIMATE.
    return _ferri("CoTb", _CO_ALLOY, _TB_ALLOY, 0.2, 650.0, 20e-9, 0.3,
                  extra_refs={"T_C, mu_at": "Hansen et al., J. Appl. Phys. 66, 756 (1989); ESTIMATE",
                              "absorbed_fraction": "ESTIMATE"})


_BUILDERS = {"Ni": _ni, "Co": _co, "Fe": _fe, "Gd": _gd, "CoTb": _cotb, "GdFeCo": _gdfeco,
             "FeGd": _fegd}

#: Names of the presets.
PRESETS = tuple(_BUILDERS)


def list_presets() -> list[str]:
    """Names of the ultrafast material presets.

    Returns
    -------
    list of str
        ``["Ni", "Co", "Fe", "Gd", "CoTb", "GdFeCo", "FeGd"]``.
    """
    return list(PRESETS)


def get_preset(name: str) -> UltrafastMaterialConfig:
    """Return an ultrafast material preset by name (case-insensitive).

    Parameters
    ----------
    name
        One of :data:`PRESETS`.

    Returns
    -------
    UltrafastMaterialConfig
        The validated parameter set.

    Raises
    ------
    MaterialError
        For an unknown name.
    """
    for key, build in _BUILDERS.items():
        if key.lower() == str(name).strip().lower():
            return build()
    raise MaterialError(
        f"material: unknown ultrafast preset {name!r}; known: {', '.join(PRESETS)}",
        field="material",
    )
