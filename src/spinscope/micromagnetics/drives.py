"""Time-dependent external fields, spin-polarised currents and their Oersted fields.

Fields are given as flux densities ``mu0 H`` in tesla at this edge; internally they are converted
to ``H`` [A/m]. Each drive returns a vector (or a field map) at time ``t`` [s].
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinscope.constants import MU0
from spinscope.micromagnetics.errors import ParameterError
from spinscope.micromagnetics.mesh import Mesh
from spinscope.timing import fwhm_to_sigma

__all__ = [
    "FIELD_KINDS",
    "CustomField",
    "OerstedField",
    "PulseField",
    "RFField",
    "RotatingField",
    "SlonczewskiTorque",
    "StaticField",
    "ThermalField",
    "ZhangLiTorque",
    "envelope",
    "field_from_spec",
    "oersted_cylinder",
]


def _vec3(v, name: str) -> np.ndarray:
    a = np.asarray(v, dtype=float).reshape(-1)
    if a.shape != (3,) or not np.all(np.isfinite(a)):
        raise ParameterError(f"{name}: expected a finite 3-vector, got {v!r}", field=name)
    return a


class _FieldBase:
    """An external field ``B(t) = B0 * s(t) * profile(r)`` [T]."""

    B: np.ndarray
    profile: np.ndarray | None = None

    def amplitude(self, t: float) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def is_static(self) -> bool:
        return False

    def H(self, t: float) -> np.ndarray:
        """Field vector ``H`` [A/m] (shape (3,)), or map (3, nz, ny, nx) when a profile is set."""
        b = self.amplitude(t) / MU0
        if self.profile is None:
            return b
        return b[:, None, None, None] * self.profile


@dataclass
class StaticField(_FieldBase):
    """A constant field ``B`` [T] (3-vector), optionally times a spatial ``profile`` (nz, ny, nx)."""

    B: np.ndarray
    profile: np.ndarray | None = None

    def __post_init__(self):
        self.B = _vec3(self.B, "field.B")

    def amplitude(self, t):
        return self.B

    @property
    def is_static(self) -> bool:
        return True


@dataclass
class PulseField(_FieldBase):
    """A field pulse ``B * s(t)`` [T].

    ``shape``: ``"gaussian"`` (``duration`` = FWHM, centred at ``t0``), ``"rect"`` (from ``t0`` for
    ``duration``, edges smoothed over ``rise``), ``"sinc"`` (``sin(2 pi fc (t-t0)) / (2 pi fc (t-t0))``
    with cut-off ``fc = 1/duration``; the usual broadband excitation of spin-wave spectra).
    """

    B: np.ndarray
    t0: float = 0.0
    duration: float = 10e-12
    shape: str = "gaussian"
    rise: float = 0.0
    profile: np.ndarray | None = None

    def __post_init__(self):
        self.B = _vec3(self.B, "field.B")
        if self.duration <= 0:
            raise ParameterError("field.duration: expected a positive duration",
                                 field="field.duration")
        if self.shape not in ("gaussian", "rect", "sinc"):
            raise ParameterError(f"field.shape: expected gaussian, rect or sinc, got {self.shape!r}",
                                 field="field.shape")

    def envelope(self, t: float) -> float:
        if self.shape == "gaussian":
            sig = fwhm_to_sigma(self.duration)
            return math.exp(-0.5 * ((t - self.t0) / sig) ** 2)
        if self.shape == "sinc":
            x = 2.0 * math.pi * (t - self.t0) / self.duration
            return 1.0 if x == 0 else math.sin(x) / x
        t1 = self.t0 + self.duration
        if self.rise <= 0:
            return 1.0 if self.t0 <= t < t1 else 0.0
        up = 0.5 * (1 + math.tanh((t - self.t0) / self.rise * 2))
        down = 0.5 * (1 - math.tanh((t - t1) / self.rise * 2))
        return up * down

    def amplitude(self, t):
        return self.B * self.envelope(t)


@dataclass
class RFField(_FieldBase):
    """A linearly polarised rf field ``B sin(2 pi f (t - t0) + phase)`` for ``t >= t0`` [T]."""

    B: np.ndarray
    frequency: float
    phase: float = 0.0
    t0: float = 0.0
    profile: np.ndarray | None = None

    def __post_init__(self):
        self.B = _vec3(self.B, "field.B")

    def amplitude(self, t):
        if t < self.t0:
            return np.zeros(3)
        return self.B * math.sin(2 * math.pi * self.frequency * (t - self.t0) + self.phase)


@dataclass
class RotatingField(_FieldBase):
    """A circularly polarised field of magnitude ``B0`` [T] rotating about ``axis`` at ``frequency``.

    ``sense = +1`` rotates counter-clockwise seen from +axis (x -> y for ``axis = z``).
    """

    B0: float
    frequency: float
    axis: str = "z"
    sense: int = 1
    phase: float = 0.0
    profile: np.ndarray | None = None

    def __post_init__(self):
        if self.axis not in ("x", "y", "z"):
            raise ParameterError("field.axis: expected 'x', 'y' or 'z'", field="field.axis")
        if self.sense not in (1, -1):
            raise ParameterError("field.sense: expected +1 or -1", field="field.sense")

    def amplitude(self, t):
        ph = 2 * math.pi * self.frequency * t + self.phase
        a, b = self.B0 * math.cos(ph), self.sense * self.B0 * math.sin(ph)
        out = np.zeros(3)
        i = "xyz".index(self.axis)
        out[(i + 1) % 3] = a
        out[(i + 2) % 3] = b
        return out


@dataclass
class CustomField(_FieldBase):
    """Any field ``func(t) -> B`` [T]: a 3-vector or a map ``(3, nz, ny, nx)``."""

    func: Callable[[float], np.ndarray]

    def H(self, t):
        return np.asarray(self.func(t), dtype=float) / MU0

    def amplitude(self, t):
        return np.asarray(self.func(t), dtype=float)


def _given(spec: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """The entries of ``spec`` among ``names`` that are set (not missing, not ``None``)."""
    return {k: spec[k] for k in names if spec.get(k) is not None}


def _static(spec, profile):
    return StaticField(spec["B"], profile=profile)


def _pulse(spec, profile):
    return PulseField(spec["B"], profile=profile, **_given(spec, "t0", "duration", "shape", "rise"))


def _rf(spec, profile):
    return RFField(spec["B"], spec["frequency"], profile=profile, **_given(spec, "phase", "t0"))


def _rotating(spec, profile):
    B0 = float(np.linalg.norm(np.asarray(spec["B"], dtype=float)))
    return RotatingField(B0, spec["frequency"], profile=profile,
                         **_given(spec, "axis", "sense", "phase"))


#: The one mapping from a field ``kind`` (as in a scenario's ``[[fields]]``) to its drive: each
#: entry builds the drive from the spec's entries and an optional spatial profile.
FIELD_KINDS: dict[str, Callable[[Mapping[str, Any], np.ndarray | None], _FieldBase]] = {
    "static": _static,
    "pulse": _pulse,
    "rf": _rf,
    "rotating": _rotating,
}


def field_from_spec(spec, profile: np.ndarray | None = None, *, where: str = "fields"):
    """The drive that a field description names by its ``kind``.

    Parameters
    ----------
    spec
        A mapping (or a pydantic model such as
        :class:`~spinscope.config.micromagnetics.ExternalFieldConfig`) with ``kind`` (one of
        :data:`FIELD_KINDS`), ``B`` [T] (3-vector; for ``rotating`` its magnitude is the
        amplitude) and, by kind, ``t0`` [s], ``duration`` [s], ``shape``, ``rise`` [s],
        ``frequency`` [Hz], ``phase`` [rad], ``axis``, ``sense``; missing or ``None`` entries take
        the drive's defaults.
    profile
        Spatial profile ``(nz, ny, nx)`` [1] multiplying the field, or ``None`` (uniform).
    where
        Name of the field in error messages (e.g. ``"fields[2]"``).

    Returns
    -------
    StaticField, PulseField, RFField or RotatingField
        The drive.
    """
    if hasattr(spec, "model_dump"):
        spec = spec.model_dump()
    kind = spec.get("kind", "static")
    make = FIELD_KINDS.get(kind)
    if make is None:
        raise ParameterError(f"{where}.kind: unknown field kind {kind!r}; expected one of "
                             f"{', '.join(FIELD_KINDS)}", field=f"{where}.kind")
    return make(spec, profile)


def envelope(kind: str = "constant", **kw) -> Callable[[float], float]:
    """A scalar time envelope for currents: ``constant``, ``pulse`` (t0, duration, rise) or ``rf``."""
    if kind == "constant":
        return lambda t: 1.0
    if kind == "pulse":
        p = PulseField(np.ones(3), t0=kw.get("t0", 0.0), duration=kw["duration"],
                       shape="rect", rise=kw.get("rise", 0.0))
        return p.envelope
    if kind == "rf":
        f, ph = kw["frequency"], kw.get("phase", 0.0)
        return lambda t: math.sin(2 * math.pi * f * t + ph)
    raise ParameterError(f"current.envelope: unknown kind {kind!r}", field="current.envelope")


def oersted_cylinder(mesh: Mesh, current: float, radius: float,
                     center=(0.0, 0.0)) -> np.ndarray:
    """Oersted field of a current ``I`` [A] along +z through a cylinder of ``radius`` [m].

    The nanocontact / nanopillar is modelled as an infinitely long straight conductor (the standard
    approximation for point contacts on extended films, e.g. Slavin & Tiberkevich 2005):
    ``H_phi = I r / (2 pi a^2)`` inside and ``I / (2 pi r)`` outside; ``H`` circulates
    counter-clockwise seen from +z for ``I > 0``.

    Returns
    -------
    numpy.ndarray
        ``H`` [A/m], shape ``(3, nz, ny, nx)``.
    """
    if radius <= 0:
        raise ParameterError("oersted.radius: expected a positive radius", field="oersted.radius")
    x, y, _ = mesh.grid()
    x = x - center[0]
    y = y - center[1]
    r = np.hypot(x, y)
    hphi = np.where(r <= radius, current * r / (2 * math.pi * radius**2),
                    current / (2 * math.pi * np.maximum(r, 1e-300)))
    with np.errstate(invalid="ignore", divide="ignore"):
        ux = np.where(r > 0, -y / np.where(r > 0, r, 1), 0.0)
        uy = np.where(r > 0, x / np.where(r > 0, r, 1), 0.0)
    return np.stack([hphi * ux, hphi * uy, np.zeros_like(hphi)])


@dataclass
class OerstedField:
    """Oersted field of a nanocontact / pillar current ``I * envelope(t)`` [A]."""

    current: float
    radius: float
    center: tuple[float, float] = (0.0, 0.0)
    envelope: Callable[[float], float] | None = None
    _map: np.ndarray | None = field(default=None, repr=False)

    def bind(self, mesh: Mesh) -> None:
        self._map = oersted_cylinder(mesh, self.current, self.radius, self.center)

    def H(self, t: float) -> np.ndarray:
        s = 1.0 if self.envelope is None else float(self.envelope(t))
        return self._map * s

    @property
    def is_static(self) -> bool:
        return self.envelope is None


@dataclass
class SlonczewskiTorque:
    """Slonczewski spin-transfer torque from a fixed layer (MuMax3 convention).

    Parameters
    ----------
    J
        Current density along z [A/m^2]: a number or a map ``(ny, nx)``/``(nz, ny, nx)``; positive
        ``J`` with ``P > 0`` pushes ``m`` towards ``p`` (for ``epsilon' = 0``).
    p
        Fixed-layer polarisation direction (3-vector, normalised).
    P
        Spin polarisation (0..1].
    Lambda
        Slonczewski asymmetry parameter (>= 1; 1 = symmetric).
    epsilon_prime
        Secondary (field-like) spin-torque parameter.
    thickness
        Free-layer thickness [m]; the mesh's thickness when ``None``.
    envelope
        Time dependence of the current, ``J(t) = J * envelope(t)``.
    """

    J: float | np.ndarray
    p: np.ndarray | None
    P: float = 0.4
    Lambda: float = 1.0
    epsilon_prime: float = 0.0
    thickness: float | None = None
    envelope: Callable[[float], float] | None = None

    def __post_init__(self):
        if self.p is None:
            raise ParameterError(
                "stt.p: a Slonczewski current needs the fixed-layer polarisation direction p "
                "(e.g. p = [0, 0, 1])", field="stt.p")
        p = _vec3(self.p, "stt.p")
        n = np.linalg.norm(p)
        if n == 0:
            raise ParameterError("stt.p: the polarisation direction must be non-zero", field="stt.p")
        self.p = p / n
        if not 0 < self.P <= 1:
            raise ParameterError(f"stt.P: expected 0 < P <= 1, got {self.P}", field="stt.P")
        if self.Lambda < 1:
            raise ParameterError(f"stt.Lambda: expected Lambda >= 1, got {self.Lambda}",
                                 field="stt.Lambda")


@dataclass
class ZhangLiTorque:
    """Zhang-Li (adiabatic + non-adiabatic) torque of an in-plane current (MuMax3 convention).

    Parameters
    ----------
    J
        Current density vector [A/m^2]: a 3-vector or a map ``(3, nz, ny, nx)``.
    P
        Spin polarisation.
    xi
        Non-adiabaticity.
    envelope
        Time dependence ``J(t) = J * envelope(t)``.

    The drift velocity is ``u = mu_B P J / (e Ms (1 + xi^2))``.
    """

    J: np.ndarray
    P: float = 1.0
    xi: float = 0.0
    envelope: Callable[[float], float] | None = None

    def __post_init__(self):
        j = np.asarray(self.J, dtype=float)
        if j.ndim == 1:
            j = _vec3(j, "zhang_li.J")
        self.J = j


@dataclass
class ThermalField:
    """Stochastic thermal field (Brown) at ``temperature`` [K]; needs the fixed-step ``heun`` solver.

    ``H_th = eta sqrt(2 alpha kB T / (mu0 Ms gamma V dt))`` with ``eta`` standard normal per cell,
    component and step (seeded by ``seed``).
    """

    temperature: float
    seed: int = 0

    def __post_init__(self):
        if self.temperature < 0:
            raise ParameterError("thermal.temperature: expected T >= 0 K",
                                 field="thermal.temperature")
