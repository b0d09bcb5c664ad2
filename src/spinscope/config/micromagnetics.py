"""Configuration of a micromagnetic (LLG) scenario: ``spinscope llg run CONFIG -o OUT``.

Quantities take units (``"800 kA/m"``, ``"13 pJ/m"``, ``"20 mT"``, ``"2 ns"``); bare numbers are SI
(tesla for fields). Example (``examples/llg_vortex_gyration.toml``)::

    schema_version = 1
    name = "vortex gyration"
    [mesh]
    size = ["400 nm", "400 nm", "20 nm"]
    cells = [64, 64, 1]
    [geometry]
    shape = "disk"
    radius = "200 nm"
    [material]
    Ms = "800 kA/m"
    A = "13 pJ/m"
    alpha = 0.01
    [initial]
    state = "vortex"
    [[fields]]
    kind = "rf"
    B = ["1 mT", "0 mT", "0 mT"]
    frequency = "400 MHz"
    [run]
    duration = "5 ns"
    interval = "20 ps"
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from spinscope.config.base import Duration, Frequency, Length, SpinscopeModel, positive, quantity
from spinscope.config.limits import LLG_DURATION_MAX, MAX_FRAMES, SEED_MAX, in_range
from spinscope.constants import GAMMA_LLG

__all__ = [
    "CurrentConfig",
    "ExternalFieldConfig",
    "GeometryConfig",
    "InitialStateConfig",
    "LLGConfig",
    "MaterialConfig",
    "MeshConfig",
    "RelaxConfig",
    "RunConfig",
    "ThermalConfig",
    "ZhangLiConfig",
]

Magnetisation = quantity("magnetisation")
Exchange = quantity("exchange")
EnergyDensity = quantity("energy_density")
FluxDensity = quantity("field")
CurrentDensity = quantity("current_density")
Temperature = quantity("temperature")
#: J/m^2 (interfacial DMI constant); shares the dimension of a fluence.
ArealEnergy = quantity("fluence")
Dimensionless = quantity("dimensionless")
Angle = quantity("angle")

_Vec3 = tuple[float, float, float]
#: Seeds: what HDF5 and numpy store as a signed 64-bit integer.
_Seed = Field(0, ge=0, le=SEED_MAX)


class MeshConfig(SpinscopeModel):
    """The box and its cells: give ``size`` and ``cells`` (or ``cell_size`` and ``cells``).

    Attributes
    ----------
    size
        Extent ``(Lx, Ly, Lz)`` [m].
    cells
        Cell counts ``(nx, ny, nz)``.
    cell_size
        Cell size ``(dx, dy, dz)`` [m] (instead of ``size``).
    """

    size: tuple[Length, Length, Length] | None = None
    cells: tuple[int, int, int]
    cell_size: tuple[Length, Length, Length] | None = None

    @model_validator(mode="after")
    def _one_of(self):
        if (self.size is None) == (self.cell_size is None):
            raise ValueError("give exactly one of mesh.size and mesh.cell_size")
        if any(c < 1 for c in self.cells):
            raise ValueError(f"mesh.cells: expected positive counts, got {self.cells}")
        vals = self.size if self.size is not None else self.cell_size
        if any(v <= 0 for v in vals):
            raise ValueError("mesh: lengths must be positive")
        return self


class GeometryConfig(SpinscopeModel):
    """The magnet's shape inside the box.

    ``shape``: ``box`` (all cells), ``disk`` (``radius``), ``ring`` (``inner_radius``, ``radius``),
    ``ellipse`` (``semi_x``, ``semi_y``, ``angle``), ``rectangle`` (``width``, ``height``) or ``file``
    (a ``.npy`` boolean array ``(ny, nx)`` or ``(nz, ny, nx)``, path relative to the config file).
    """

    shape: Literal["box", "disk", "ring", "ellipse", "rectangle", "file"] = "box"
    radius: Length | None = None
    inner_radius: Length | None = None
    semi_x: Length | None = None
    semi_y: Length | None = None
    angle: Angle = 0.0
    width: Length | None = None
    height: Length | None = None
    center: tuple[Length, Length] = (0.0, 0.0)
    file: str | None = None

    @field_validator("radius", "inner_radius", "semi_x", "semi_y", "width", "height")
    @classmethod
    def _pos(cls, v):
        return positive(v, "a positive length such as '200 nm'", unit="m")

    @model_validator(mode="after")
    def _needs(self):
        if self.shape == "ring" and None not in (self.radius, self.inner_radius) \
                and not self.inner_radius < self.radius:
            raise ValueError("geometry.inner_radius: expected below geometry.radius")
        need = {"disk": ["radius"], "ring": ["radius", "inner_radius"],
                "ellipse": ["semi_x", "semi_y"], "file": ["file"]}.get(self.shape, [])
        for k in need:
            if getattr(self, k) is None:
                raise ValueError(f"geometry.{k} is required for shape = {self.shape!r}")
        return self


class MaterialConfig(SpinscopeModel):
    """Material parameters.

    Attributes
    ----------
    Ms
        Saturation magnetisation [A/m].
    A
        Exchange stiffness [J/m].
    alpha
        Gilbert damping.
    Ku1, Ku2
        Uniaxial anisotropy [J/m^3] along ``anis_u``.
    D
        Interfacial DMI [J/m^2].
    gamma
        Gyromagnetic ratio [rad/(s T)].
    absorbing_width, absorbing_alpha
        Damping ramped quadratically to ``absorbing_alpha`` over ``absorbing_width`` [m] at the box
        edges (absorbing boundaries for spin waves); 0 = off.
    """

    Ms: Magnetisation = Field(gt=0)
    A: Exchange = Field(ge=0)
    alpha: float = Field(0.02, ge=0)
    Ku1: EnergyDensity = 0.0
    Ku2: EnergyDensity = 0.0
    anis_u: _Vec3 = (0.0, 0.0, 1.0)
    D: ArealEnergy = 0.0
    gamma: float = Field(GAMMA_LLG, gt=0)
    absorbing_width: Length = 0.0
    absorbing_alpha: float = Field(0.5, ge=0)


class InitialStateConfig(SpinscopeModel):
    """Initial magnetisation: ``uniform`` (``direction``), ``vortex`` (``circulation``,
    ``polarity``), ``random`` (``seed``) or ``file`` (an OVF file)."""

    state: Literal["uniform", "vortex", "random", "file"] = "uniform"
    direction: _Vec3 = (1.0, 0.0, 0.0)
    circulation: Literal[1, -1] = 1
    polarity: Literal[1, -1] = 1
    seed: int = _Seed
    file: str | None = None


class RelaxConfig(SpinscopeModel):
    """Relaxation before the run (``max_torque`` in T)."""

    enabled: bool = True
    max_torque: FluxDensity = Field(1e-5, gt=0)
    method: Literal["auto", "damping", "minimize"] = "auto"


class ExternalFieldConfig(SpinscopeModel):
    """An applied field (flux density ``B`` [T] as a 3-vector).

    ``kind``: ``static``; ``pulse`` (``t0``, ``duration``, ``shape`` gaussian/rect/sinc, ``rise``);
    ``rf`` (``frequency``, ``phase``, ``t0``); ``rotating`` (``B`` magnitude = |B|, ``frequency``,
    ``axis``, ``sense``). ``region_radius``: restrict to a disk (e.g. an antenna or nanocontact).
    """

    kind: Literal["static", "pulse", "rf", "rotating"] = "static"
    B: tuple[FluxDensity, FluxDensity, FluxDensity]
    frequency: Frequency | None = None
    phase: Angle = 0.0
    t0: Duration = 0.0
    duration: Duration | None = None
    shape: Literal["gaussian", "rect", "sinc"] = "gaussian"
    rise: Duration = 0.0
    axis: Literal["x", "y", "z"] = "z"
    sense: Literal[1, -1] = 1
    region_radius: Length | None = None

    @field_validator("frequency")
    @classmethod
    def _freq(cls, v):
        return positive(v, "a positive frequency such as '400 MHz' (use phase for the sense)", unit="Hz")

    @field_validator("duration", "region_radius")
    @classmethod
    def _pos(cls, v):
        return positive(v, "a positive value (SI)")

    @model_validator(mode="after")
    def _needs(self):
        if self.kind in ("rf", "rotating") and self.frequency is None:
            raise ValueError(f"fields.frequency is required for kind = {self.kind!r}")
        if self.kind == "pulse" and self.duration is None:
            raise ValueError("fields.duration is required for kind = 'pulse'")
        return self


class CurrentConfig(SpinscopeModel):
    """A current perpendicular to the film with Slonczewski torque and/or its Oersted field.

    Attributes
    ----------
    J
        Current density in the contact/pillar [A/m^2] (positive: along +z).
    region
        ``all`` (a nanopillar: the whole magnet) or ``nanocontact`` (a disk of ``radius``).
    radius
        Radius of the nanocontact or pillar [m] (needed for ``nanocontact`` and for ``oersted``).
    p
        Fixed-layer polarisation direction; required when ``slonczewski`` is on.
    P, Lambda, epsilon_prime
        Polarisation, asymmetry parameter, secondary torque.
    slonczewski, oersted
        Which effects to include.
    t0, duration, rise
        Current pulse (``duration`` omitted: a constant current from ``t0``).
    """

    J: CurrentDensity
    region: Literal["all", "nanocontact"] = "all"
    radius: Length | None = None
    center: tuple[Length, Length] = (0.0, 0.0)
    p: _Vec3 | None = None
    P: float = Field(0.4, gt=0, le=1)
    Lambda: float = Field(1.0, ge=1)
    epsilon_prime: float = 0.0
    slonczewski: bool = True
    oersted: bool = False
    t0: Duration = 0.0
    duration: Duration | None = None
    rise: Duration = 0.0

    @field_validator("radius", "duration")
    @classmethod
    def _pos(cls, v):
        return positive(v, "a positive value (SI)")

    @model_validator(mode="after")
    def _needs(self):
        if self.slonczewski and self.p is None:
            raise ValueError("current.p: a spin-polarised current needs the fixed-layer "
                             "polarisation direction p, e.g. p = [0, 0, 1]")
        if (self.region == "nanocontact" or self.oersted) and self.radius is None:
            raise ValueError("current.radius is required for a nanocontact or an Oersted field")
        return self


class ZhangLiConfig(SpinscopeModel):
    """In-plane current with Zhang-Li torque: ``J`` [A/m^2] 3-vector, ``P``, ``xi``."""

    J: tuple[CurrentDensity, CurrentDensity, CurrentDensity]
    P: float = Field(1.0, gt=0, le=1)
    xi: float = 0.0


class ThermalConfig(SpinscopeModel):
    """Thermal field at ``temperature`` with a fixed Heun step ``dt``."""

    temperature: Temperature = Field(ge=0)
    dt: Duration = Field(gt=0, le=1e-9)
    seed: int = _Seed


class RunConfig(SpinscopeModel):
    """The run: ``duration``, frames every ``interval`` (or ``n_frames``), tolerance ``max_err``."""

    duration: Duration
    interval: Duration | None = None
    n_frames: int | None = Field(None, ge=2, le=MAX_FRAMES)
    max_err: float = Field(1e-5, gt=0)
    checkpoint_every: int = Field(10, ge=1)

    @field_validator("interval")
    @classmethod
    def _pos(cls, v):
        return positive(v, "a positive interval such as '10 ps'")

    @field_validator("duration")
    @classmethod
    def _duration(cls, v):
        return in_range(v, 0.0, LLG_DURATION_MAX, "a run duration (1 us is 1e5+ picosecond steps)",
                        unit="s", lo_open=True)

    @model_validator(mode="after")
    def _frames(self):
        if self.interval is not None and self.duration / self.interval > MAX_FRAMES:
            raise ValueError(
                f"run.interval: duration / interval = {self.duration / self.interval:.3g} frames, more than "
                f"{MAX_FRAMES}; expected interval >= {self.duration / MAX_FRAMES:.3g} s for duration "
                f"{self.duration:.3g} s")
        return self


class LLGConfig(SpinscopeModel):
    """A complete micromagnetic scenario.

    Attributes
    ----------
    engine
        Which engine runs it: ``"spinscope"`` (built-in) or ``"magnumnp"`` (magnum.np in a child
        process); the names of :data:`spinscope.micromagnetics.engine.ENGINES` (a test keeps the
        two lists equal).
    demag
        Include the demagnetising field.
    fields
        Applied fields (Zeeman terms), each of a ``kind`` that
        :data:`spinscope.micromagnetics.drives.FIELD_KINDS` maps to its drive.
    """

    schema_version: Literal[1] = 1
    name: str = "llg"
    engine: Literal["spinscope", "magnumnp"] = "spinscope"
    mesh: MeshConfig
    geometry: GeometryConfig = GeometryConfig()
    material: MaterialConfig
    initial: InitialStateConfig = InitialStateConfig()
    relax: RelaxConfig = RelaxConfig()
    demag: bool = True
    fields: list[ExternalFieldConfig] = []
    current: CurrentConfig | None = None
    zhang_li: ZhangLiConfig | None = None
    thermal: ThermalConfig | None = None
    run: RunConfig
