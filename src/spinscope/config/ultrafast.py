"""Configuration models of ultrafast demagnetisation: material parameters, pump and run.

A TOML file for ``spinscope demag FILE`` looks like::

    schema_version = 1
    [material]
    name = "Ni"
    gamma_e = "1065 J/m^3/K^2"
    C_p = "3.8e6 J/m^3/K"
    g_ep = "8e17 W/m^3/K"
    thickness = "15 nm"
    absorbed_fraction = 0.25
    [[material.species]]
    name = "Ni"
    T_C = "631 K"
    mu_at = 0.62
    R = "17.2 1/ps"
    [material.heat_sink]
    kind = "cooling_time"
    cooling_time = "100 ps"
    [pump]
    wavelength = "800 nm"
    duration = "50 fs"
    fluence = "5 mJ/cm^2"

or names a preset (``material = "GdFeCo"``) and overrides nothing else. Parameters whose physical
unit has no entry in :data:`spinscope.units.DIMENSIONS` (heat capacities, coupling constants, rates)
accept a unit string as well as a bare number in the SI unit named in the field description.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from spinscope.config.base import (
    Duration,
    Fluence,
    Length,
    SpinscopeModel,
    Temperature,
    positive,
    quantity_in,
)

#: Highest pump fluence [J/m^2] (100 mJ/cm^2: the ablation range of metal films).
FLUENCE_MAX = 1e3
#: Longest ultrafast simulation [s].
T_MAX_MAX = 1e-8
#: Longest pump pulse (intensity FWHM) [s].
PULSE_MAX = 1e-9

__all__ = [
    "DemagConfig",
    "HeatSinkConfig",
    "PumpConfig",
    "SublatticeConfig",
    "UltrafastMaterialConfig",
    "si_quantity",
]


#: Annotated float type of a quantity in a given SI unit (see :func:`spinscope.config.base.quantity_in`).
si_quantity = quantity_in


HeatCapacity = si_quantity("J/m^3/K")
Sommerfeld = si_quantity("J/m^3/K^2")
Coupling = si_quantity("W/m^3/K")
Rate = si_quantity("1/s")
Conductivity = si_quantity("W/m/K")
Conductance = si_quantity("W/m^2/K")


class SublatticeConfig(SpinscopeModel):
    """One magnetic species (sublattice) of the M3TM.

    Attributes
    ----------
    name
        Species label used in outputs (``"Ni"``, ``"Fe"``, ``"Gd"``...).
    fraction
        Atomic fraction ``x`` of this species among the magnetic atoms [0..1].
    mu_at
        Atomic magnetic moment [Bohr magnetons].
    T_C
        Curie temperature of the pure element [K]: normalises the M3TM rate and, for a single
        species, sets the mean-field exchange.
    R
        M3TM demagnetisation rate R of Koopmans et al. (2010) [1/s]. When absent it is computed from
        ``a_sf``, ``T_D`` and ``atomic_volume`` (:func:`spinscope.ultrafast.koopmans_rate`).
    a_sf
        Elliott-Yafet spin-flip probability [dimensionless].
    T_D
        Debye temperature [K].
    atomic_volume
        Volume per magnetic atom [m^3].
    antiparallel
        True for the sublattice aligned against the net reference axis (the rare earth in RE/TM).
    """

    name: str = Field(min_length=1)
    fraction: float = Field(default=1.0, gt=0, le=1)
    mu_at: float = Field(gt=0)
    T_C: Temperature
    R: Rate | None = None
    a_sf: float | None = Field(default=None, gt=0, le=1)
    T_D: Temperature | None = None
    atomic_volume: si_quantity("m^3") | None = None
    antiparallel: bool = False

    @model_validator(mode="after")
    def _check(self) -> SublatticeConfig:
        positive(self.T_C, "a positive value [K]", field="T_C")
        positive(self.R, "a positive value [1/s]", field="R")
        positive(self.T_D, "a positive value [K]", field="T_D")
        positive(self.atomic_volume, "a positive value [m^3]", field="atomic_volume")
        return self


class HeatSinkConfig(SpinscopeModel):
    """Heat flow out of the film.

    Attributes
    ----------
    kind
        ``"none"`` (adiabatic film), ``"cooling_time"`` (lattice relaxes to ``T0`` with
        ``cooling_time``) or ``"substrate"`` (1-D diffusion into a membrane/substrate).
    cooling_time
        Film cooling time [s] (``kind = "cooling_time"``).
    substrate_thickness
        Thickness of the membrane/substrate that is simulated [m].
    substrate_conductivity
        Thermal conductivity of the substrate [W/m/K].
    substrate_heat_capacity
        Volumetric heat capacity of the substrate [J/m^3/K].
    interface_conductance
        Thermal boundary (Kapitza) conductance film/substrate [W/m^2/K].
    n_cells
        Number of cells of the substrate grid.
    bottom
        ``"sink"``: the far side is held at ``T0``; ``"insulating"``: no flow (a free membrane).
    """

    kind: Literal["none", "cooling_time", "substrate"] = "none"
    cooling_time: Duration | None = None
    substrate_thickness: Length | None = None
    substrate_conductivity: Conductivity | None = None
    substrate_heat_capacity: HeatCapacity | None = None
    interface_conductance: Conductance | None = None
    n_cells: int = Field(default=20, ge=2, le=400)
    bottom: Literal["sink", "insulating"] = "sink"

    @model_validator(mode="after")
    def _check(self) -> HeatSinkConfig:
        if self.kind == "cooling_time":
            if self.cooling_time is None:
                raise ValueError("cooling_time: required when kind = 'cooling_time'")
            positive(self.cooling_time, "a positive value [s]", field="cooling_time")
        if self.kind == "substrate":
            for name, unit in (
                ("substrate_thickness", "m"),
                ("substrate_conductivity", "W/m/K"),
                ("substrate_heat_capacity", "J/m^3/K"),
                ("interface_conductance", "W/m^2/K"),
            ):
                v = getattr(self, name)
                if v is None:
                    raise ValueError(f"{name}: required when kind = 'substrate'")
                positive(v, f"a positive value [{unit}]", field=name)
        return self


class UltrafastMaterialConfig(SpinscopeModel):
    """Thermal and magnetic parameters of a film for 2TM/3TM/M3TM simulations.

    Attributes
    ----------
    name
        Label.
    gamma_e
        Sommerfeld coefficient of the electronic heat capacity ``C_e = gamma_e T_e`` [J/m^3/K^2].
    C_p
        Lattice (phonon) heat capacity [J/m^3/K] (constant: Dulong-Petit above the Debye temperature).
    g_ep
        Electron-phonon coupling constant [W/m^3/K].
    species
        Magnetic sublattices (none for a bare 2TM, one for a ferromagnet, two for RE/TM ferrimagnets).
    exchange
        Two-sublattice mean-field exchange matrix ``J_ij`` [K] in each sublattice's own frame (all
        entries positive for antiferromagnetic RE-TM coupling): the molecular field on ``i`` is
        ``h_i = sum_j x_j J_ij m_j`` (in kelvin). Required for two species.
    lambda_ex
        Inter-sublattice exchange-relaxation (angular-momentum exchange) rate [1/s].
    C_s, g_es, g_sp
        Spin heat capacity [J/m^3/K] and electron-spin, spin-phonon couplings [W/m^3/K] of the
        phenomenological 3TM (Beaurepaire et al. 1996).
    thickness
        Film thickness [m].
    absorbed_fraction
        Fraction of the incident pump fluence absorbed in the film [0..1]; when absent it is
        ``(1 - reflectivity) (1 - exp(-thickness / penetration_depth))``.
    reflectivity
        Pump reflectivity of the film [0..1).
    penetration_depth
        Optical (intensity) penetration depth at the pump wavelength [m].
    heat_sink
        Heat flow out of the film.
    T0
        Default start (base) temperature [K].
    references
        Source of each parameter (free text, one entry per parameter or group).
    """

    name: str = Field(default="material", min_length=1)
    gamma_e: Sommerfeld
    C_p: HeatCapacity
    g_ep: Coupling
    species: list[SublatticeConfig] = Field(default_factory=list, max_length=2)
    exchange: list[list[float]] | None = None
    lambda_ex: Rate | None = None
    C_s: HeatCapacity | None = None
    g_es: Coupling | None = None
    g_sp: Coupling | None = None
    thickness: Length
    absorbed_fraction: float | None = Field(default=None, gt=0, le=1)
    reflectivity: float | None = Field(default=None, ge=0, lt=1)
    penetration_depth: Length | None = None
    heat_sink: HeatSinkConfig = Field(default_factory=HeatSinkConfig)
    T0: Temperature = 300.0
    references: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> UltrafastMaterialConfig:
        positive(self.gamma_e, "a positive value [J/m^3/K^2]", field="gamma_e")
        positive(self.C_p, "a positive value [J/m^3/K]", field="C_p")
        positive(self.g_ep, "a positive value [W/m^3/K]", field="g_ep")
        positive(self.thickness, "a positive value [m]", field="thickness")
        positive(self.penetration_depth, "a positive value [m]", field="penetration_depth")
        positive(self.T0, "a positive value [K]", field="T0")
        positive(self.C_s, "a positive value [J/m^3/K]", field="C_s")
        positive(self.g_es, "a positive value [W/m^3/K]", field="g_es")
        if self.g_sp is not None and self.g_sp < 0:
            raise ValueError(f"g_sp: expected a value >= 0 [W/m^3/K], got {self.g_sp!r}")
        if self.absorbed_fraction is None and self.penetration_depth is None:
            raise ValueError("absorbed_fraction: give absorbed_fraction, or penetration_depth "
                             "(and optionally reflectivity)")
        if len(self.species) == 2:
            if self.exchange is None:
                raise ValueError("exchange: a 2x2 matrix [K] is required for two species")
            if len(self.exchange) != 2 or any(len(r) != 2 for r in self.exchange):
                raise ValueError("exchange: expected a 2x2 matrix [K]")
            if any((not math.isfinite(v)) or v < 0 for r in self.exchange for v in r):
                raise ValueError("exchange: expected finite entries >= 0 [K] (own-frame convention)")
            if self.lambda_ex is not None and self.lambda_ex < 0:
                raise ValueError("lambda_ex: expected a rate >= 0 [1/s]")
            s = sum(sp.fraction for sp in self.species)
            if abs(s - 1.0) > 1e-6:
                raise ValueError(f"species: fractions must add up to 1, got {s:g}")
        return self

    def film_absorbed_fraction(self) -> float:
        """Fraction of the incident fluence absorbed in the film [dimensionless]."""
        if self.absorbed_fraction is not None:
            return float(self.absorbed_fraction)
        r = self.reflectivity or 0.0
        return (1.0 - r) * (1.0 - math.exp(-self.thickness / self.penetration_depth))


class PumpConfig(SpinscopeModel):
    """The femtosecond pump pulse.

    Attributes
    ----------
    wavelength
        Pump wavelength [m] (recorded; the absorbed fraction is a material parameter).
    duration
        Gaussian pulse duration, FWHM of the intensity [s].
    fluence
        Incident peak fluence at the spot centre [J/m^2].
    spot_fwhm
        FWHM of the Gaussian spot [m]; ``None`` for a uniform (flat-top, infinitely large) spot.
    t0
        Time of the pulse maximum [s].
    """

    wavelength: Length = 800e-9
    duration: Duration = 50e-15
    fluence: Fluence | None = None
    spot_fwhm: Length | None = None
    t0: Duration = 0.0

    @model_validator(mode="after")
    def _check(self) -> PumpConfig:
        positive(self.wavelength, "a positive value [m]", field="wavelength")
        positive(self.duration, "a positive value [s]", field="duration")
        positive(self.spot_fwhm, "a positive value [m]", field="spot_fwhm")
        positive(self.fluence, "a positive fluence such as '5 mJ/cm^2'", field="fluence", unit="J/m^2")
        if self.fluence is not None and self.fluence > FLUENCE_MAX:
            raise ValueError(f"fluence: expected at most {FLUENCE_MAX:g} J/m^2 (100 mJ/cm^2, the ablation "
                             f"range of metal films), got {self.fluence!r} J/m^2")
        if self.duration > PULSE_MAX:
            raise ValueError(f"duration: expected a pulse of at most {PULSE_MAX:g} s, "
                             f"got {self.duration!r} s")
        if not abs(self.t0) <= 1e-9:
            raise ValueError(f"t0: expected |t0| <= 1e-09 s, got {self.t0!r} s")
        return self


class DemagConfig(SpinscopeModel):
    """A ``spinscope demag`` input file: a material (inline or a preset name) and a pump.

    Attributes
    ----------
    schema_version
        Must be 1.
    material
        Inline material parameters, or the name of a preset (``"Ni"``, ``"GdFeCo"``...).
    pump
        The pump; its fluence may be overridden on the command line.
    T0
        Base temperature [K]; defaults to the material's ``T0``.
    t_max
        Last delay [s].
    """

    schema_version: Literal[1] = 1
    material: UltrafastMaterialConfig | str
    pump: PumpConfig = Field(default_factory=PumpConfig)
    T0: Temperature | None = None
    t_max: Duration | None = None

    @model_validator(mode="after")
    def _t_max(self) -> DemagConfig:
        if self.t_max is not None and not 0 < self.t_max <= T_MAX_MAX:
            raise ValueError(f"t_max: expected a last delay in (0, {T_MAX_MAX:g}] s (the electron, spin and "
                             f"lattice baths equilibrate within nanoseconds), got {self.t_max!r} s")
        return self
