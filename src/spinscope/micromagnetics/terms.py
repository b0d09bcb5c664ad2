"""What a :class:`~spinscope.micromagnetics.Simulation` is composed of: a material and its terms.

In the manner of magnum.np (``LLGSolver([ExchangeField(), DemagField(), ...])``), a simulation is
the mesh, a :class:`Material` (``Ms``, ``alpha``, ``gamma``), a list of effective-field *terms* and a
list of *torques*::

    sim = Simulation(mesh, Material(Ms=8e5, alpha=0.02),
                     [Exchange(1.3e-11), Demag(), UniaxialAnisotropy(5e5, axis=(0, 0, 1)),
                      InterfacialDMI(1e-3), StaticField((0, 0, 0.1))],
                     torques=[SlonczewskiTorque(J=1e11, p=(0, 0, 1))])

Field terms are :class:`Exchange`, :class:`Demag`, :class:`UniaxialAnisotropy`,
:class:`InterfacialDMI`, the Zeeman drives of :mod:`~spinscope.micromagnetics.drives`
(:class:`~spinscope.micromagnetics.drives.StaticField`, ``PulseField``, ``RFField``,
``RotatingField``, ``CustomField``; a bare 3-vector [T] is a static field), the
:class:`~spinscope.micromagnetics.drives.OerstedField` of a current and the
:class:`~spinscope.micromagnetics.drives.ThermalField`. Torques are
:class:`~spinscope.micromagnetics.drives.SlonczewskiTorque` and
:class:`~spinscope.micromagnetics.drives.ZhangLiTorque`.

The terms hold parameters only; the simulation evaluates them in a fixed order (demag, exchange
and DMI, anisotropy, Zeeman and Oersted, thermal), whatever their order in the list.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinscope.constants import GAMMA_LLG as GAMMA
from spinscope.micromagnetics.drives import (
    OerstedField,
    SlonczewskiTorque,
    StaticField,
    ThermalField,
    ZhangLiTorque,
)
from spinscope.micromagnetics.errors import ParameterError

__all__ = [
    "Composition",
    "Demag",
    "Exchange",
    "InterfacialDMI",
    "Material",
    "UniaxialAnisotropy",
    "compose",
    "from_parameters",
]


@dataclass(frozen=True)
class Material:
    """The magnet's material.

    Parameters
    ----------
    Ms
        Saturation magnetisation [A/m]: a number or a map ``(nz, ny, nx)`` (0 = empty cell).
    alpha
        Gilbert damping [1]: a number or a map (e.g. absorbing boundaries).
    gamma
        Gyromagnetic ratio [rad/(s T)] (MuMax3's ``GammaLL`` by default).
    """

    Ms: Any
    alpha: Any = 0.02
    gamma: float = GAMMA


@dataclass(frozen=True)
class Exchange:
    """Heisenberg exchange, ``H = (2 A / (mu0 Ms)) laplacian(m)`` with Neumann boundaries.

    Parameters
    ----------
    A
        Exchange stiffness [J/m] (non-negative).
    """

    A: float

    def __post_init__(self):
        if not math.isfinite(self.A) or self.A < 0:
            raise ParameterError(f"A: expected a non-negative exchange stiffness [J/m], got "
                                 f"{self.A}", field="A")
        object.__setattr__(self, "A", float(self.A))


@dataclass(frozen=True)
class Demag:
    """The demagnetising field (Newell tensor, zero-padded FFT; thin film and 3-D)."""


@dataclass(frozen=True)
class UniaxialAnisotropy:
    """Uniaxial anisotropy ``E = -Ku1 (m.u)^2 - Ku2 (m.u)^4`` per volume.

    Parameters
    ----------
    Ku1, Ku2
        Anisotropy constants [J/m^3].
    axis
        Easy axis ``u`` (3-vector, normalised here) [1].
    """

    Ku1: float
    Ku2: float = 0.0
    axis: Any = (0.0, 0.0, 1.0)

    def __post_init__(self):
        u = np.asarray(self.axis, dtype=float).reshape(-1)
        if u.shape != (3,) or not np.all(np.isfinite(u)) or np.linalg.norm(u) == 0:
            raise ParameterError("anis_u: the anisotropy axis must be a non-zero 3-vector",
                                 field="anis_u")
        object.__setattr__(self, "Ku1", float(self.Ku1))
        object.__setattr__(self, "Ku2", float(self.Ku2))
        object.__setattr__(self, "axis", u / np.linalg.norm(u))


@dataclass(frozen=True)
class InterfacialDMI:
    """Interfacial Dzyaloshinskii-Moriya interaction (MuMax3 ``Dind`` convention, with its
    boundary condition; needs :class:`Exchange` with ``A > 0``).

    Parameters
    ----------
    D
        DMI constant [J/m^2].
    """

    D: float

    def __post_init__(self):
        if not math.isfinite(self.D):
            raise ParameterError(f"D: expected a finite DMI constant [J/m^2], got {self.D}",
                                 field="D")
        object.__setattr__(self, "D", float(self.D))


@dataclass
class Composition:
    """The terms and torques of a simulation, sorted by kind (what :func:`compose` returns).

    Attributes
    ----------
    exchange, demag, anisotropy, dmi, thermal
        The single term of each kind, or ``None``.
    fields
        Zeeman drives (external fields) [T at the edge, A/m inside].
    oersted
        Oersted fields of currents.
    stt, zhang_li
        The torques, or ``None``.
    """

    exchange: Exchange | None = None
    demag: Demag | None = None
    anisotropy: UniaxialAnisotropy | None = None
    dmi: InterfacialDMI | None = None
    thermal: ThermalField | None = None
    fields: list = field(default_factory=list)
    oersted: list = field(default_factory=list)
    stt: SlonczewskiTorque | None = None
    zhang_li: ZhangLiTorque | None = None


_SINGLE_TERMS = {Exchange: "exchange", Demag: "demag", UniaxialAnisotropy: "anisotropy",
                 InterfacialDMI: "dmi", ThermalField: "thermal"}
_TORQUES = {SlonczewskiTorque: "stt", ZhangLiTorque: "zhang_li"}


def zeeman(f):
    """A Zeeman term from a drive (returned as is) or a 3-vector ``B`` [T] (a static field)."""
    return f if hasattr(f, "H") else StaticField(f)


def compose(terms: Sequence = (), torques: Sequence = ()) -> Composition:
    """Sort field terms and torques by kind, rejecting duplicates and unknown objects.

    Parameters
    ----------
    terms
        Field terms (see the module docstring); a 3-vector is a static field ``B`` [T].
    torques
        Spin-transfer torques.

    Returns
    -------
    Composition
        The terms by kind.

    Raises
    ------
    ParameterError
        An unknown object, or two terms of a kind that may appear once (field ``terms[i]``).
    """
    c = Composition()
    for i, t in enumerate(terms):
        slot = _SINGLE_TERMS.get(type(t))
        if slot is not None:
            if getattr(c, slot) is not None:
                raise ParameterError(f"terms[{i}]: a second {type(t).__name__} term; give each "
                                     "interaction once", field=f"terms[{i}]")
            setattr(c, slot, t)
        elif isinstance(t, OerstedField):
            c.oersted.append(t)
        elif hasattr(t, "H") or np.shape(t) == (3,):
            c.fields.append(zeeman(t))
        else:
            raise ParameterError(f"terms[{i}]: {t!r} is not a field term (Exchange, Demag, "
                                 "UniaxialAnisotropy, InterfacialDMI, a drive, OerstedField or "
                                 "ThermalField)", field=f"terms[{i}]")
    for i, q in enumerate(torques):
        slot = _TORQUES.get(type(q))
        if slot is None:
            raise ParameterError(f"torques[{i}]: {q!r} is not a torque (SlonczewskiTorque or "
                                 "ZhangLiTorque)", field=f"torques[{i}]")
        if getattr(c, slot) is not None:
            raise ParameterError(f"torques[{i}]: a second {type(q).__name__}",
                                 field=f"torques[{i}]")
        setattr(c, slot, q)
    return c


def from_parameters(
    *,
    Ms,
    A: float = 0.0,
    alpha=0.02,
    Ku1: float = 0.0,
    Ku2: float = 0.0,
    anis_u=(0.0, 0.0, 1.0),
    D: float = 0.0,
    fields: Sequence = (),
    stt: SlonczewskiTorque | None = None,
    zhang_li: ZhangLiTorque | None = None,
    oersted: OerstedField | Sequence[OerstedField] | None = None,
    thermal: ThermalField | None = None,
    demag: bool = True,
    gamma: float = GAMMA,
) -> tuple[Material, list, list]:
    """The material, terms and torques of the flat keyword form ``Simulation(mesh, Ms=..., ...)``.

    Size: this is the one place that takes every parameter as a keyword (14 of them, each a material
    constant with its unit or one term): it is the translation of the flat form, kept so that short
    scripts (``Simulation(mesh, Ms=8e5, A=1.3e-11)``) keep working; new code composes terms directly.

    Parameters
    ----------
    Ms
        Saturation magnetisation [A/m].
    A
        Exchange stiffness [J/m] (``0``: no exchange term).
    alpha
        Gilbert damping [1].
    Ku1, Ku2, anis_u
        Uniaxial anisotropy [J/m^3] and its axis (``Ku1 = Ku2 = 0``: no anisotropy term).
    D
        Interfacial DMI [J/m^2] (``0``: no DMI term).
    fields
        Zeeman drives or 3-vectors [T].
    stt, zhang_li
        Torques.
    oersted
        Oersted field(s).
    thermal
        Thermal field.
    demag
        Include the demagnetising field.
    gamma
        Gyromagnetic ratio [rad/(s T)].

    Returns
    -------
    tuple
        ``(Material, terms, torques)``.
    """
    terms: list = [Exchange(A)]
    if demag:
        terms.append(Demag())
    # the axis is validated (and normalised) even when the anisotropy is off, as before
    aniso = UniaxialAnisotropy(Ku1, Ku2, anis_u)
    if aniso.Ku1 != 0 or aniso.Ku2 != 0:
        terms.append(aniso)
    if D != 0:
        terms.append(InterfacialDMI(D))
    terms.extend(fields)
    if isinstance(oersted, OerstedField):
        terms.append(oersted)
    elif oersted is not None:
        terms.extend(oersted)
    if thermal is not None:
        terms.append(thermal)
    torques = [q for q in (stt, zhang_li) if q is not None]
    return Material(Ms=Ms, alpha=alpha, gamma=gamma), terms, torques
