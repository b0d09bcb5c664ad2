"""The finite-difference Landau-Lifshitz-Gilbert simulation.

Equation of motion (Landau-Lifshitz form of the LLG equation, MuMax3 convention)::

    dm/dt = -gamma / (1 + alpha^2) [ m x B + alpha m x (m x B) ] + spin-transfer torques

with ``B = mu0 H_eff`` [T], ``gamma = 1.7595e11 rad/(s T)`` and ``H_eff`` the sum of the exchange,
demagnetising, uniaxial-anisotropy, interfacial-DMI, Zeeman (static and time-dependent) and Oersted
fields [A/m]. The state is integrated with the adaptive Dormand-Prince 5(4) Runge-Kutta method
(FSAL, error = max over cells of |m_5 - m_4|, renormalisation of |m| after each accepted step).

Internally everything is SI: ``Ms`` [A/m], ``A`` [J/m], ``Ku`` [J/m^3], ``D`` [J/m^2], fields
``H`` [A/m]. External fields are given as flux densities ``B = mu0 H`` [T].
"""

from __future__ import annotations

import ast
import hashlib
import json
import math
import os
import time as _time
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from spinscope.atomic import atomic_path, claim_output, code_version, differing_keys
from spinscope.constants import HBAR, MU0, QE
from spinscope.constants import K_B as KB
from spinscope.constants import MU_B as MUB
from spinscope.datamodel import magnetisation_field
from spinscope.errors import FileFormatError
from spinscope.micromagnetics.demag import DemagField
from spinscope.micromagnetics.errors import (
    GeometryError,
    ParameterError,
    StepSizeError,
    warn_coarse,
)
from spinscope.micromagnetics.mesh import Mesh
from spinscope.micromagnetics.terms import (
    Composition,
    Material,
    UniaxialAnisotropy,
    compose,
    from_parameters,
    zeeman,
)

__all__ = ["CheckpointFile", "Simulation", "exchange_length", "magnetisation_movie"]

#: ``format`` of the ``meta`` entry of an LLG checkpoint.
CHECKPOINT_FORMAT = "spinscope-llg-checkpoint-2"
#: Entries an LLG checkpoint must hold.
_CHECKPOINT_KEYS = ("m", "t", "dt", "n_done", "times", "frames", "avgs", "k1", "stats", "rng", "meta")


class CheckpointFile(os.PathLike):
    """A checkpoint file with the fingerprint of the configuration that writes it.

    :func:`spinscope.micromagnetics.scenario.run_scenario` passes one to :meth:`Simulation.run` (a
    plain path there gets the fingerprint of the simulation's own parameters). It is a path-like
    object, so engines hand it on unchanged.

    Parameters
    ----------
    path
        The checkpoint (``.npz``) [path].
    fingerprint
        SHA-256 of the configuration [hex digest].
    keys
        Fingerprint of each top-level configuration key, to name those that differ on resume.
    """

    def __init__(self, path, *, fingerprint: str, keys: dict[str, str] | None = None):
        self.path = Path(path)
        self.fingerprint = str(fingerprint)
        self.keys = dict(keys or {})

    def __fspath__(self) -> str:
        return os.fspath(self.path)

    def __repr__(self) -> str:
        return f"CheckpointFile({str(self.path)!r}, fingerprint={self.fingerprint[:12]!r}...)"


def _read_checkpoint(path: Path) -> dict:
    """Every entry of an LLG checkpoint in memory, ``meta`` parsed.

    Raises
    ------
    FileFormatError
        Not a regular file, a ``.npy`` array or anything but a zip archive, truncated or corrupt, an
        entry missing, or a checkpoint of an older spinscope without ``meta``; the message names
        ``path``.
    """
    if not path.is_file():
        raise FileFormatError(f"{path}: checkpoint is not a regular file", path=str(path))
    try:
        with open(path, "rb") as fh:
            magic = fh.read(6)
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot read the checkpoint ({exc.strerror or exc})",
                              path=str(path)) from None
    if magic == b"\x93NUMPY":
        raise FileFormatError(f"{path}: a single .npy array, not an LLG checkpoint (.npz written by "
                              "spinscope llg run --checkpoint)", path=str(path))
    if not magic.startswith(b"PK"):
        raise FileFormatError(f"{path}: not an LLG checkpoint (expected a .npz archive)",
                              path=str(path))
    try:
        with zipfile.ZipFile(path) as zf:
            damaged = zf.testzip()  # every member's CRC: a flipped bit is caught here
        if damaged is not None:
            raise FileFormatError(f"{path}: corrupt checkpoint (entry {damaged!r} fails its CRC "
                                  "check)", path=str(path))
        with np.load(path, allow_pickle=False) as z:
            missing = [k for k in _CHECKPOINT_KEYS if k not in z.files]
            if missing == ["meta"]:
                raise FileFormatError(f"{path}: checkpoint of an older spinscope without a "
                                      "configuration fingerprint; rerun without --resume",
                                      path=str(path))
            if missing:
                raise FileFormatError(f"{path}: not an LLG checkpoint (missing {', '.join(missing)})",
                                      path=str(path))
            data = {k: z[k] for k in _CHECKPOINT_KEYS}
        meta = json.loads(str(data["meta"]))
    except FileFormatError:
        raise
    except Exception as exc:  # BadZipFile, EOFError, zlib.error, ...: any failure to decode
        raise FileFormatError(f"{path}: truncated or corrupt checkpoint ({type(exc).__name__}: "
                              f"{exc})", path=str(path)) from None
    if not isinstance(meta, dict) or meta.get("format") != CHECKPOINT_FORMAT:
        raise FileFormatError(f"{path}: not an LLG checkpoint of this spinscope (format "
                              f"{meta.get('format') if isinstance(meta, dict) else meta!r})",
                              path=str(path))
    data["meta"] = meta
    return data

# Dormand-Prince 5(4) tableau
_C = (0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0)
_A = (
    (),
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
)
_E = (71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40)


def exchange_length(Ms: float, A: float) -> float:
    """Magnetostatic exchange length ``sqrt(2 A / (mu0 Ms^2))`` [m]."""
    return math.sqrt(2.0 * A / (MU0 * Ms * Ms))


def _cross(a, b, out):
    ax, ay, az = a
    bx, by, bz = b
    np.multiply(ay, bz, out=out[0])
    out[0] -= az * by
    np.multiply(az, bx, out=out[1])
    out[1] -= ax * bz
    np.multiply(ax, by, out=out[2])
    out[2] -= ay * bx
    return out


def magnetisation_movie(times, frames, mesh: Mesh, *, attrs: dict | None = None):
    """Build the magnetisation movie contract: an ``xarray.DataArray``.

    Parameters
    ----------
    times
        Frame times [s] (``None`` for a single snapshot without a time axis).
    frames
        Array ``(nt, 3, nz, ny, nx)`` (or ``(3, nz, ny, nx)`` for a snapshot) of unit vectors.
    mesh
        The mesh (for coordinates).
    attrs
        Extra attributes.

    Returns
    -------
    xarray.DataArray
        dims ``(time, z, y, x, component)`` (``z`` only when ``nz > 1``; ``time`` only for a movie),
        coordinates in SI with ``units`` attributes, ``component`` = ``("x", "y", "z")``.
    """
    a = np.asarray(frames, dtype=float)
    movie = times is not None
    if not movie:
        a = a[None]
    a = np.moveaxis(a, 1, -1)  # (nt, nz, ny, nx, 3)
    c = mesh.coords()
    z = c["z"]
    if mesh.n[2] == 1:
        a = a[:, 0]
        z = None
    if not movie:
        a = a[0]
    base = {
        "cell_size": list(mesh.d),
        "thickness": mesh.size[2],
    }
    base.update(attrs or {})
    return magnetisation_field(
        a, x=c["x"], y=c["y"], z=z, time=None if not movie else np.asarray(times, dtype=float),
        units="", long_name="reduced magnetisation m = M / Ms", attrs=base)


def _progress_bar(total: int, completed: int):
    """A started rich progress bar for :meth:`Simulation.run` and its task id (rich is imported
    only when a bar is shown, as in :mod:`spinscope.progress`)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("LLG"), BarColumn(), TextColumn("{task.fields[tt]}"),
                   TimeRemainingColumn(), transient=True)
    bar.start()
    return bar, bar.add_task("llg", total=total, completed=completed, tt="")


class Simulation:
    """A micromagnetic finite-difference simulation, composed of a material and field terms.

    Parameters
    ----------
    mesh
        The mesh.
    material
        :class:`~spinscope.micromagnetics.terms.Material`: ``Ms`` [A/m], ``alpha`` [1] (numbers or
        maps ``(nz, ny, nx)``) and ``gamma`` [rad/(s T)].
    terms
        Effective-field terms (:mod:`spinscope.micromagnetics.terms`): ``Exchange(A)``,
        ``Demag()``, ``UniaxialAnisotropy(Ku1, Ku2, axis)``, ``InterfacialDMI(D)``, Zeeman drives
        of :mod:`~spinscope.micromagnetics.drives` (a 3-vector is a static field in tesla),
        ``OerstedField``, ``ThermalField`` (fixed-step ``heun`` solver only). A term that is
        absent is off (no exchange, no demagnetisation, ...).
    torques
        ``SlonczewskiTorque`` and/or ``ZhangLiTorque``.
    mask
        Geometry: boolean ``(nz, ny, nx)`` (or ``(ny, nx)``) array; ``None`` = the whole box.
    m0
        Initial state: a 3-vector or an array ``(3, nz, ny, nx)`` [1].
    workers
        Threads for the FFTs.
    warn_mesh
        Warn (:class:`~spinscope.micromagnetics.errors.CoarseMeshWarning`) when a cell is larger
        than the exchange length.
    **parameters
        The flat keyword form instead of ``material`` and ``terms``: ``Ms``, ``A``, ``alpha``,
        ``Ku1``, ``Ku2``, ``anis_u``, ``D``, ``fields``, ``stt``, ``zhang_li``, ``oersted``,
        ``thermal``, ``demag`` (default ``True``), ``gamma``; translated by
        :func:`~spinscope.micromagnetics.terms.from_parameters`.

    Examples
    --------
    >>> from spinscope.micromagnetics import Demag, Exchange, Material, Mesh, Simulation
    >>> mesh = Mesh.from_size((500e-9, 125e-9, 3e-9), (100, 25, 1))
    >>> sim = Simulation(mesh, Material(Ms=8e5, alpha=0.02), [Exchange(1.3e-11), Demag()],
    ...                  m0=(1, 0.25, 0.1))
    """

    def __init__(
        self,
        mesh: Mesh,
        material: Material | None = None,
        terms: Sequence = (),
        *,
        torques: Sequence = (),
        mask=None,
        m0=(1.0, 0.0, 0.0),
        workers: int | None = None,
        warn_mesh: bool = True,
        **parameters,
    ):
        if parameters:
            if material is not None or terms or torques:
                raise ParameterError("material: give a Material with terms, or the flat keywords "
                                     "(Ms=..., A=...), not both", field="material")
            material, terms, torques = from_parameters(**parameters)
        if not isinstance(material, Material):
            raise ParameterError("material: a Simulation needs a Material(Ms [A/m], alpha, gamma), "
                                 f"got {material!r}", field="material")
        self.mesh = mesh
        self.material = material
        self._set_material(material, mask)
        self._set_terms(compose(terms, torques))
        self.workers = workers
        if warn_mesh:
            self._warn_coarse_mesh()
        self._precompute()
        self.t = 0.0
        self.m = np.zeros((3, *mesh.shape))
        self.set_m(m0)
        self.dt = 1e-14
        self.max_err = 1e-5
        self.stats = {"steps": 0, "rejected": 0, "evaluations": 0}
        self._k1 = None
        self._precess = True
        self._rng = np.random.default_rng(self.thermal.seed if self.thermal is not None else 0)

    def _set_material(self, material: Material, mask) -> None:
        """Validate the geometry, ``Ms`` and ``alpha``; empty cells get ``Ms = 0``."""
        shape = self.mesh.shape
        if mask is None:
            mask = np.ones(shape, dtype=bool)
        else:
            mask = np.asarray(mask, dtype=bool)
            if mask.ndim == 2:
                mask = np.broadcast_to(mask[None], shape)
            if mask.shape != shape:
                raise GeometryError(f"mask: expected shape {shape} (nz, ny, nx), got {mask.shape}",
                                    field="mask")
        Ms_arr = np.broadcast_to(np.asarray(material.Ms, dtype=float), shape).copy()
        if np.any(~np.isfinite(Ms_arr)) or np.any(Ms_arr < 0):
            raise ParameterError("Ms: expected a finite non-negative saturation magnetisation [A/m]",
                                 field="Ms")
        Ms_arr[~mask] = 0.0
        mask = mask & (Ms_arr > 0)
        if not mask.any():
            raise GeometryError(
                "mask: the geometry has no magnetic cell (every cell is empty or has Ms = 0)",
                field="mask")
        self.mask = mask
        self.full = bool(mask.all())
        self.Ms = Ms_arr
        self.Ms_max = float(Ms_arr.max())
        alpha_arr = np.asarray(material.alpha, dtype=float)
        if np.any(alpha_arr < 0) or not np.all(np.isfinite(alpha_arr)):
            raise ParameterError("alpha: expected a non-negative damping", field="alpha")
        self.alpha = alpha_arr if alpha_arr.ndim == 0 else np.broadcast_to(alpha_arr, shape).copy()
        self.gamma = float(material.gamma)

    def _set_terms(self, c: Composition) -> None:
        """Take the parameters of the composed terms (absent terms are off)."""
        self._composition = c
        self.A = c.exchange.A if c.exchange is not None else 0.0
        self.D = c.dmi.D if c.dmi is not None else 0.0
        if self.D != 0 and self.A == 0:
            raise ParameterError("D: interfacial DMI needs a non-zero exchange stiffness A "
                                 "(for its boundary condition)", field="D")
        aniso = c.anisotropy if c.anisotropy is not None else UniaxialAnisotropy(0.0)
        self.Ku1, self.Ku2, self.anis_u = aniso.Ku1, aniso.Ku2, aniso.axis
        self.use_demag = c.demag is not None
        self.fields = list(c.fields)
        self.oersted = list(c.oersted)
        for o in self.oersted:
            o.bind(self.mesh)
        self.thermal = c.thermal
        self.stt = c.stt
        self.zhang_li = c.zhang_li

    def _warn_coarse_mesh(self) -> None:
        mesh = self.mesh
        if self.A <= 0:
            return
        lex = exchange_length(self.Ms_max, self.A)
        big = max(d for d, k in zip(mesh.d, mesh.n, strict=True) if k > 1) if max(mesh.n) > 1 \
            else 0.0
        if big > lex:
            warn_coarse(
                f"mesh.d: cell size {big * 1e9:.3g} nm is larger than the exchange length "
                f"l_ex = sqrt(2A/(mu0 Ms^2)) = {lex * 1e9:.3g} nm; results may be inaccurate",
                stacklevel=4)

    def _precompute(self) -> None:
        """Inverse ``mu0 Ms``, exchange bonds, the demag kernel and work arrays."""
        mesh, mask, shape = self.mesh, self.mask, self.mesh.shape
        with np.errstate(divide="ignore"):
            inv_ms = np.where(self.Ms > 0, 1.0 / np.where(self.Ms > 0, self.Ms, 1.0), 0.0)
        self._inv_mu0_ms = inv_ms / MU0
        self._maskf = mask.astype(float)
        self._bonds = []
        for ax, (k, d) in zip((2, 1, 0), zip(mesh.n, mesh.d, strict=True), strict=True):
            if k == 1:
                continue
            lo = [slice(None)] * 3
            hi = [slice(None)] * 3
            lo[ax] = slice(0, -1)
            hi[ax] = slice(1, None)
            lo, hi = tuple(lo), tuple(hi)
            bond = (mask[lo] & mask[hi]).astype(float)
            self._bonds.append((ax, lo, hi, bond, d))
        self._demag = DemagField(shape, mesh.d, workers=self.workers) if self.use_demag else None
        self._H = np.zeros((3, *shape))
        self._tmp = np.zeros((3, *shape))
        self._tmp2 = np.zeros((3, *shape))
        self._static_H = np.zeros((3, *shape))
        self._refresh_static()

    # ------------------------------------------------------------------ composition
    @property
    def terms(self) -> tuple:
        """The field terms now in use (interactions, Zeeman drives, Oersted, thermal)."""
        c = self._composition
        single = [t for t in (c.exchange, c.demag, c.anisotropy, c.dmi) if t is not None]
        tail = [self.thermal] if self.thermal is not None else []
        return (*single, *self.fields, *self.oersted, *tail)

    @property
    def torques(self) -> tuple:
        """The spin-transfer torques now in use."""
        return tuple(q for q in (self.stt, self.zhang_li) if q is not None)

    def set_torques(self, torques: Sequence) -> None:
        """Replace the spin-transfer torques (``SlonczewskiTorque`` and/or ``ZhangLiTorque``)."""
        c = compose((), torques)
        self.stt, self.zhang_li = c.stt, c.zhang_li
        self._k1 = None

    def masked(self, frames) -> np.ndarray:
        """``frames`` [any unit] with the empty cells set to zero (trailing dims ``(nz, ny, nx)``)."""
        return np.asarray(frames) * self._maskf

    # ------------------------------------------------------------------ state
    def set_m(self, m0) -> None:
        """Set the magnetisation: a 3-vector, an array ``(3, nz, ny, nx)`` or an xarray snapshot."""
        if hasattr(m0, "dims") and "component" in getattr(m0, "dims", ()):
            a = np.moveaxis(np.asarray(m0.transpose(..., "component").values, dtype=float), -1, 0)
            if a.ndim == 3:
                a = a[:, None]
            m0 = a
        a = np.asarray(m0, dtype=float)
        if a.shape == (3,):
            a = np.broadcast_to(a[:, None, None, None], (3, *self.mesh.shape))
        if a.shape != (3, *self.mesh.shape):
            raise ParameterError(f"m0: expected a 3-vector or shape {(3, *self.mesh.shape)}, "
                                 f"got {np.shape(m0)}", field="m0")
        n = np.linalg.norm(a, axis=0)
        if np.any(n[self.mask] == 0):
            raise ParameterError("m0: zero vector in a magnetic cell", field="m0")
        self.m[...] = a / np.where(n > 0, n, 1.0)
        self.m *= self._maskf
        self._k1 = None

    def _refresh_static(self) -> None:
        self._static_H[...] = 0.0
        self._dyn_fields = []
        for f in self.fields:
            if getattr(f, "is_static", False):
                h = f.H(0.0)
                self._static_H += h[:, None, None, None] if np.ndim(h) == 1 else h
            else:
                self._dyn_fields.append(f)
        for o in self.oersted:
            if o.is_static:
                self._static_H += o.H(0.0)
            else:
                self._dyn_fields.append(o)
        self._static_H *= self._maskf
        self._has_static = bool(np.any(self._static_H))
        self._k1 = None

    def set_fields(self, fields: Sequence) -> None:
        """Replace the Zeeman drives (a 3-vector is a static field ``B`` [T])."""
        self.fields = [zeeman(f) for f in fields]
        self._refresh_static()

    # ------------------------------------------------------------------ fields
    def _exchange_dmi(self, m, H):
        """Add exchange and interfacial DMI fields to H [A/m]."""
        if self.A == 0 and self.D == 0:
            return
        tmp = self._tmp
        pref = 2.0 * self.A * self._inv_mu0_ms  # (nz, ny, nx)
        if self.D == 0:
            for _ax, lo, hi, bond, d in self._bonds:
                dm = m[(slice(None), *hi)] - m[(slice(None), *lo)]
                if not self.full:
                    dm *= bond
                dm *= 1.0 / (d * d)
                H[(slice(None), *lo)] += dm * pref[lo]
                H[(slice(None), *hi)] -= dm * pref[hi]
            return
        # with DMI: ghost cells implementing the boundary condition dm/dn = D/(2A) (z x n) x m
        k0 = self.D * self._inv_mu0_ms
        c = self.D / (2.0 * self.A)
        for ax, lo, hi, bond, d in self._bonds:
            if ax == 0:  # z: exchange only
                dm = (m[(slice(None), *hi)] - m[(slice(None), *lo)]) * (bond / (d * d))
                H[(slice(None), *lo)] += dm * pref[lo]
                H[(slice(None), *hi)] -= dm * pref[hi]
                continue
            if ax == 2:  # x: v = (mz, 0, -mx)
                v = np.stack([m[2], np.zeros_like(m[0]), -m[0]])
            else:  # y: v = (0, mz, -my)
                v = np.stack([np.zeros_like(m[0]), m[2], -m[1]])
            has_p = np.zeros(self.mesh.shape, dtype=bool)
            has_p[lo] = bond > 0
            has_m = np.zeros(self.mesh.shape, dtype=bool)
            has_m[hi] = bond > 0
            mp = m + (c * d) * v
            mm = m - (c * d) * v
            mp[(slice(None), *lo)] = np.where(has_p[lo], m[(slice(None), *hi)], mp[(slice(None), *lo)])
            mm[(slice(None), *hi)] = np.where(has_m[hi], m[(slice(None), *lo)], mm[(slice(None), *hi)])
            tmp[...] = mp + mm - 2.0 * m
            H += tmp * (pref / (d * d))
            kk = k0 / d
            if ax == 2:
                H[0] += kk * (mp[2] - mm[2])
                H[2] -= kk * (mp[0] - mm[0])
            else:
                H[1] += kk * (mp[2] - mm[2])
                H[2] -= kk * (mp[1] - mm[1])

    def effective_field(self, m=None, t=None, out=None, *, thermal_dt=None):
        """Effective field ``H_eff`` [A/m], shape ``(3, nz, ny, nx)`` (zero in empty cells)."""
        m = self.m if m is None else m
        t = self.t if t is None else t
        H = self._H if out is None else out
        if self._demag is not None:
            self._demag.field(m * self.Ms, out=H)
        else:
            H[...] = 0.0
        self._exchange_dmi(m, H)
        if self.Ku1 != 0 or self.Ku2 != 0:
            u = self.anis_u
            mu = u[0] * m[0] + u[1] * m[1] + u[2] * m[2]
            s = (2.0 * self.Ku1) * mu
            if self.Ku2 != 0:
                s = s + (4.0 * self.Ku2) * mu**3
            s = s * self._inv_mu0_ms
            for i in range(3):
                if u[i] != 0:
                    H[i] += s * u[i]
        if self._has_static:
            H += self._static_H
        for f in self._dyn_fields:
            h = f.H(t)
            if np.ndim(h) == 1:
                for i in range(3):
                    if h[i] != 0:
                        H[i] += h[i] * self._maskf if not self.full else h[i]
            else:
                H += h * self._maskf
        if thermal_dt is not None and self.thermal is not None and self.thermal.temperature > 0:
            sigma = np.sqrt(2.0 * self._alpha_arr() * KB * self.thermal.temperature * self._inv_mu0_ms
                            / (self.gamma * self.mesh.cell_volume * thermal_dt) / MU0)
            H += self._rng.standard_normal(H.shape) * sigma
        if not self.full:
            H *= self._maskf
        return H

    def _alpha_arr(self):
        return self.alpha

    def torque(self, m, t, out, *, thermal_dt=None):
        """``dm/dt`` [1/s] into ``out``."""
        self.stats["evaluations"] += 1
        H = self.effective_field(m, t, thermal_dt=thermal_dt)
        B = H
        B *= MU0
        a = self.alpha
        mxB = _cross(m, B, self._tmp)
        g = -self.gamma / (1.0 + a * a)
        if self._precess:
            mxmxB = _cross(m, mxB, out)
            mxmxB *= a
            mxmxB += mxB
            out *= g
        else:
            _cross(m, mxB, out)
            out *= g * a
        if self.stt is not None:
            self._add_slonczewski(m, t, out)
        if self.zhang_li is not None:
            self._add_zhang_li(m, t, out)
        return out

    def _add_slonczewski(self, m, t, out):
        s = self.stt
        J = np.asarray(s.J, dtype=float)
        if s.envelope is not None:
            J = J * float(s.envelope(t))
        if not np.any(J):
            return
        d = s.thickness if s.thickness is not None else self.mesh.size[2]
        with np.errstate(divide="ignore", invalid="ignore"):
            beta = np.where(self.Ms > 0, (HBAR / QE) * J / (d * np.where(self.Ms > 0, self.Ms, 1)),
                            0.0)
        p = s.p
        pm = p[0] * m[0] + p[1] * m[1] + p[2] * m[2]
        l2 = s.Lambda**2
        eps = s.P * l2 / ((l2 + 1.0) + (l2 - 1.0) * pm)
        Afac = beta * eps
        Bfac = beta * s.epsilon_prime
        a = self.alpha
        gilb = 1.0 / (1.0 + a * a)
        pxm = np.stack([p[1] * m[2] - p[2] * m[1], p[2] * m[0] - p[0] * m[2],
                        p[0] * m[1] - p[1] * m[0]])
        mxpxm = _cross(m, pxm, self._tmp2)
        c1 = self.gamma * gilb * (Afac + a * Bfac)
        c2 = self.gamma * gilb * (Bfac - a * Afac)
        out += c1 * mxpxm + c2 * pxm

    def _grad_dot(self, m, J):
        """(J . grad) m with central differences, zero-gradient at edges. J shape (3, ...)."""
        res = np.zeros_like(m)
        for ax_i, (ax, k, d) in enumerate(zip((2, 1, 0), self.mesh.n, self.mesh.d, strict=True)):
            if k == 1 or not np.any(J[ax_i]):
                continue
            mp = m.copy()
            mm = m.copy()
            sl_lo = [slice(None)] * 4
            sl_hi = [slice(None)] * 4
            sl_lo[ax + 1] = slice(0, -1)
            sl_hi[ax + 1] = slice(1, None)
            lo = tuple(sl_lo)
            hi = tuple(sl_hi)
            # neighbour values, falling back to the cell itself outside the magnet
            mask_hi = self.mask[lo[1:]] & self.mask[hi[1:]]
            mp[lo] = np.where(mask_hi, m[hi], m[lo])
            mm[hi] = np.where(mask_hi, m[lo], m[hi])
            res += J[ax_i] * (mp - mm) / (2.0 * d)
        return res

    def _add_zhang_li(self, m, t, out):
        z = self.zhang_li
        J = np.asarray(z.J, dtype=float)
        if J.ndim == 1:
            J = J[:, None, None, None] * np.ones((1, *self.mesh.shape))
        if z.envelope is not None:
            J = J * float(z.envelope(t))
        if not np.any(J):
            return
        with np.errstate(divide="ignore"):
            b = np.where(self.Ms > 0, MUB * z.P / (QE * self.gamma * np.where(self.Ms > 0, self.Ms, 1)
                                                   * (1.0 + z.xi**2)), 0.0)
        hspin = self._grad_dot(m, J) * b
        a = self.alpha
        mxh = np.stack([m[1] * hspin[2] - m[2] * hspin[1], m[2] * hspin[0] - m[0] * hspin[2],
                        m[0] * hspin[1] - m[1] * hspin[0]])
        mxmxh = np.stack([m[1] * mxh[2] - m[2] * mxh[1], m[2] * mxh[0] - m[0] * mxh[2],
                          m[0] * mxh[1] - m[1] * mxh[0]])
        fac = -self.gamma / (1.0 + a * a)
        out += fac * ((1.0 + z.xi * a) * mxmxh + (z.xi - a) * mxh)

    # ------------------------------------------------------------------ observables
    def average(self, m=None) -> np.ndarray:
        """Average reduced magnetisation ``<m>`` over the magnetic cells."""
        m = self.m if m is None else m
        n = self.mask.sum()
        return np.array([m[i][self.mask].sum() / n for i in range(3)])

    def energy(self, m=None, t=None) -> dict[str, float]:
        """Energies [J]: ``exchange_dmi``, ``demag``, ``anisotropy``, ``zeeman`` and ``total``."""
        m = self.m if m is None else m
        t = self.t if t is None else t
        V = self.mesh.cell_volume
        Mv = m * self.Ms
        out = {}
        H = np.zeros_like(m)
        if self._demag is not None:
            self._demag.field(Mv, out=H)
            out["demag"] = -0.5 * MU0 * V * float(np.sum(Mv * H))
        else:
            out["demag"] = 0.0
        H[...] = 0.0
        self._exchange_dmi(m, H)
        out["exchange_dmi"] = -0.5 * MU0 * V * float(np.sum(Mv * H))
        mu = np.tensordot(self.anis_u, m, axes=(0, 0))
        out["anisotropy"] = -V * float(np.sum(self.mask * (self.Ku1 * mu**2 + self.Ku2 * mu**4)))
        Hz = self._static_H.copy()
        for f in self._dyn_fields:
            h = f.H(t)
            Hz += h[:, None, None, None] if np.ndim(h) == 1 else h
        out["zeeman"] = -MU0 * V * float(np.sum(Mv * Hz * self._maskf))
        out["total"] = sum(out.values())
        return out

    def max_torque(self, m=None, t=None) -> float:
        """Largest ``|m x B_eff|`` over the cells [T]."""
        m = self.m if m is None else m
        H = self.effective_field(m, self.t if t is None else t)
        mxB = _cross(m, H * MU0, np.empty_like(m))
        return float(np.sqrt(np.max(np.sum(mxB * mxB, axis=0))))

    # ------------------------------------------------------------------ integration
    def _normalise(self, m):
        n = np.sqrt(m[0] * m[0] + m[1] * m[1] + m[2] * m[2])
        if not self.full:
            n[~self.mask] = 1.0
        m /= n
        return m

    def _rk45_step(self, dt_max: float):
        """One accepted Dormand-Prince step of at most ``dt_max``; returns the step taken."""
        m, t = self.m, self.t
        if self._k1 is None:
            self._k1 = self.torque(m, t, np.empty_like(m))
        ks = self._ks
        ks[0][...] = self._k1
        y = self._y
        rejects = 0
        while True:
            dt = min(self.dt, dt_max)
            for s in range(1, 7):
                np.copyto(y, m)
                for j, a in enumerate(_A[s]):
                    if a != 0.0:
                        y += (dt * a) * ks[j]
                self.torque(y, t + _C[s] * dt, ks[s])
            # error estimate
            err = self._err
            err[...] = 0.0
            for j, e in enumerate(_E):
                if e != 0.0:
                    err += e * ks[j]
            en = dt * math.sqrt(float(np.max(err[0] ** 2 + err[1] ** 2 + err[2] ** 2)))
            if not math.isfinite(en):
                en = math.inf
            if en <= self.max_err:
                fac = 5.0 if en == 0 else min(5.0, 0.85 * (self.max_err / en) ** 0.2)
                if dt == self.dt or fac < 1.0:
                    self.dt = dt * max(fac, 0.2) if dt == self.dt else self.dt
                break
            rejects += 1
            self.stats["rejected"] += 1
            self.dt = dt * max(0.1, 0.85 * (self.max_err / en) ** 0.2)
            if rejects > 40 or self.dt < 1e-22:
                raise StepSizeError(
                    f"max_err: time step failed the error control {rejects} times at t = {t:.6g} s "
                    f"(dt = {self.dt:.3g} s, error {en:.3g} > max_err {self.max_err:.3g}); "
                    "the run is unstable: check the fields, currents and the cell size",
                    field="max_err")
        # y holds the 5th-order solution (stage 7 is at t+dt with the b weights)
        np.copyto(m, y)
        self._normalise(m)
        self.t = t + dt
        self._k1 = ks[6].copy()
        self.stats["steps"] += 1
        return dt

    def _heun_step(self, dt: float):
        """Fixed-step Heun (stochastic Heun with the same thermal draw in both stages)."""
        m, t = self.m, self.t
        state = self._rng.bit_generator.state
        k1 = self.torque(m, t, self._ks[0], thermal_dt=dt)
        y = self._y
        np.copyto(y, m)
        y += dt * k1
        self._normalise(y)
        self._rng.bit_generator.state = state
        k2 = self.torque(y, t + dt, self._ks[1], thermal_dt=dt)
        m += 0.5 * dt * (k1 + k2)
        self._normalise(m)
        self.t = t + dt
        self.stats["steps"] += 1
        self._k1 = None
        return dt

    def _alloc(self):
        if not hasattr(self, "_ks"):
            self._ks = [np.zeros_like(self.m) for _ in range(7)]
            self._y = np.zeros_like(self.m)
            self._err = np.zeros_like(self.m)

    def advance(self, t_end: float, *, method: str = "rk45", dt: float | None = None) -> None:
        """Integrate until ``t_end`` [s]."""
        self._alloc()
        if self.thermal is not None and self.thermal.temperature > 0 and method != "heun":
            raise ParameterError("thermal: a thermal field needs method='heun' with a fixed dt",
                                 field="thermal")
        while self.t < t_end * (1 - 1e-15) - 1e-30:
            if method == "rk45":
                self._rk45_step(t_end - self.t)
            elif method == "heun":
                if dt is None:
                    raise ParameterError("dt: method='heun' needs a fixed time step dt", field="dt")
                self._heun_step(min(dt, t_end - self.t))
            else:
                raise ParameterError(f"method: expected 'rk45' or 'heun', got {method!r}",
                                     field="method")
        self.t = max(self.t, t_end)

    def run(
        self,
        duration: float | None = None,
        *,
        times=None,
        n_frames: int | None = None,
        interval: float | None = None,
        max_err: float | None = None,
        method: str = "rk45",
        dt: float | None = None,
        progress: bool = False,
        checkpoint: str | Path | None = None,
        checkpoint_every: int = 10,
        resume: bool = False,
        observer=None,
    ):
        """Integrate and record the magnetisation movie.

        Parameters
        ----------
        duration
            Run for this long [s] from the current time.
        times
            Explicit output times [s] (absolute, increasing, >= current time); overrides
            ``duration``/``n_frames``/``interval``.
        n_frames, interval
            Frames evenly spaced over ``duration`` (``n_frames``, including start and end) or every
            ``interval`` [s]. Default: 101 frames.
        max_err
            Error tolerance of the adaptive step (max |m5 - m4| per step); default 1e-5.
        method
            ``"rk45"`` (adaptive Dormand-Prince) or ``"heun"`` (fixed ``dt``, needed for thermal).
        progress
            Show a rich progress bar.
        checkpoint
            File (``.npz``) to which the state, time and frames are saved atomically every
            ``checkpoint_every`` frames; with ``resume=True`` an existing checkpoint is continued,
            giving the same result as an uninterrupted run.
        observer
            Called as ``observer(sim, t)`` at each output time.

        Returns
        -------
        xarray.DataArray
            The movie (see :func:`magnetisation_movie`) with the coordinate ``m_avg`` (<m> over
            the magnetic cells per frame).

        Notes
        -----
        Size: twelve keywords, beyond the ~10 a function should take: they are the ``[run]`` table of
        a scenario (times, tolerance, solver, checkpointing) plus ``progress`` and ``observer``, all
        optional and independent; grouping them in an object would only move the list. The length
        is this docstring: the body (about 35 lines) delegates to ``_frame_times``, ``advance`` and
        the checkpoint helpers.
        """
        if max_err is not None:
            if max_err <= 0:
                raise ParameterError("max_err: expected a positive tolerance", field="max_err")
            self.max_err = float(max_err)
        times = self._frame_times(duration, times, n_frames, interval)
        frames = []
        avgs = []
        start = 0
        ck = self._checkpoint_file(checkpoint)
        claim = claim_output(ck.path) if ck is not None else None
        bar = None
        try:
            if ck is not None and resume and ck.path.exists():
                start, frames, avgs = self._load_checkpoint(ck, times)
            bar, task = _progress_bar(len(times), start) if progress else (None, None)
            wall0 = _time.perf_counter()
            for i in range(start, len(times)):
                self.advance(times[i], method=method, dt=dt)
                frames.append(self.m.copy())
                avgs.append(self.average())
                if observer is not None:
                    observer(self, self.t)
                if bar is not None:
                    bar.update(task, advance=1, tt=f"t = {self.t * 1e9:.4g} ns")
                if ck is not None and ((i + 1) % checkpoint_every == 0 or i + 1 == len(times)):
                    self._save_checkpoint(ck, i + 1, times, frames, avgs)
        finally:
            if bar is not None:
                bar.stop()
            if claim is not None:
                claim.release()
        movie = magnetisation_movie(times, np.array(frames), self.mesh, attrs={
            "Ms": self.Ms_max, "A": self.A, "gamma": self.gamma,
            "wall_time": _time.perf_counter() - wall0,
        })
        movie = movie.assign_coords(
            m_avg=(("time", "component"), np.array(avgs), {"long_name": "<m> over magnetic cells"}))
        return movie

    def _checkpoint_file(self, checkpoint) -> CheckpointFile | None:
        """The checkpoint of :meth:`run` with its fingerprint (the scenario's, or the parameters')."""
        if checkpoint is None or isinstance(checkpoint, CheckpointFile):
            return checkpoint
        fp, keys = self._params_fingerprint()
        return CheckpointFile(checkpoint, fingerprint=fp, keys=keys)

    def _frame_times(self, duration, times, n_frames, interval) -> np.ndarray:
        """Absolute output times [s] of :meth:`run`, checked."""
        if times is None:
            if duration is None or duration <= 0:
                raise ParameterError("duration: expected a positive run time [s]", field="duration")
            if interval is not None:
                k = int(round(duration / interval))
                times = self.t + interval * np.arange(k + 1)
            else:
                times = self.t + np.linspace(0.0, duration, n_frames or 101)
        times = np.asarray(times, dtype=float)
        if times.ndim != 1 or times.size == 0 or np.any(np.diff(times) <= 0):
            raise ParameterError("times: expected increasing output times", field="times")
        if times[0] < self.t * (1 - 1e-12) - 1e-30:
            raise ParameterError(f"times: the first output time {times[0]:.6g} s lies before the "
                                 f"current time {self.t:.6g} s", field="times")
        return times

    def _params_fingerprint(self) -> tuple[str, dict[str, str]]:
        """Fingerprint of the physical parameters, for checkpoints of runs not made from a scenario."""
        h = hashlib.sha256()
        for v in (self.mesh.n, self.mesh.d, self.gamma, self.A, self.D, self.Ku1, self.Ku2):
            h.update(repr(v).encode())
        for a in (self.Ms, np.asarray(self.alpha, dtype=float)):
            h.update(np.ascontiguousarray(a).tobytes())
        return h.hexdigest(), {}

    def _save_checkpoint(self, ck: CheckpointFile, n_done: int, times, frames, avgs):
        """Write the checkpoint atomically (a unique temporary name, fsync, rename) with its ``meta``:
        format, spinscope version, configuration fingerprint (and per key), ``complete``."""
        meta = {"format": CHECKPOINT_FORMAT, "spinscope_version": code_version(),
                "fingerprint": ck.fingerprint, "keys": ck.keys, "n_done": int(n_done),
                "complete": True}
        state = {
            "m": self.m, "t": self.t, "dt": self.dt, "n_done": n_done, "times": times,
            "frames": np.array(frames), "avgs": np.array(avgs),
            "k1": self._k1 if self._k1 is not None else np.zeros(0),
            "stats": np.array([self.stats["steps"], self.stats["rejected"],
                               self.stats["evaluations"]]),
            "rng": np.frombuffer(repr(self._rng.bit_generator.state).encode(), dtype=np.uint8),
            "meta": np.array(json.dumps(meta)),
        }
        with atomic_path(ck.path, overwrite=True) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, **state)
            fh.flush()
            os.fsync(fh.fileno())

    def _load_checkpoint(self, ck: CheckpointFile, times):
        """Continue from a checkpoint: checked (file type, integrity, version, configuration, output
        times, mesh) before any state is taken, so a refused checkpoint changes nothing."""
        path = ck.path
        z = _read_checkpoint(path)
        meta = z["meta"]
        if meta.get("spinscope_version") != code_version():
            raise FileFormatError(
                f"{path}: checkpoint made by spinscope {meta.get('spinscope_version')}, this is "
                f"{code_version()}; the runs would mix two codes: rerun without --resume",
                path=str(path))
        if meta.get("fingerprint") != ck.fingerprint:
            keys = differing_keys(meta.get("keys"), ck.keys)
            which = f" (differs in: {', '.join(keys)})" if keys else ""
            raise FileFormatError(
                f"{path}: checkpoint made with another configuration{which}; resume with the "
                "configuration that made it, or rerun without --resume", path=str(path))
        if not np.array_equal(z["times"], times):
            raise FileFormatError(f"{path}: checkpoint was made for other output times",
                                  path=str(path))
        if z["m"].shape != self.m.shape:
            raise FileFormatError(f"{path}: checkpoint holds a magnetisation of shape "
                                  f"{z['m'].shape}, this mesh needs {self.m.shape}", path=str(path))
        try:
            rng_state = ast.literal_eval(bytes(z["rng"]).decode())
            self._rng.bit_generator.state = rng_state
        except (ValueError, TypeError, SyntaxError, KeyError, UnicodeDecodeError) as exc:
            raise FileFormatError(f"{path}: corrupt checkpoint (random state: {exc})",
                                  path=str(path)) from None
        self.m[...] = z["m"]
        self.t = float(z["t"])
        self.dt = float(z["dt"])
        k1 = z["k1"]
        self._k1 = k1.copy() if k1.size else None
        st = z["stats"]
        self.stats = {"steps": int(st[0]), "rejected": int(st[1]), "evaluations": int(st[2])}
        return int(z["n_done"]), list(z["frames"]), list(z["avgs"])

    def relax(self, *, max_torque: float = 1e-5, t_max: float = 20e-9, method: str = "auto",
              max_err: float = 1e-3) -> dict:
        """Relax to the nearest energy minimum (the time ``t`` is not advanced).

        Parameters
        ----------
        max_torque
            Stop when ``max |m x B_eff| < max_torque`` [T].
        t_max
            Longest pseudo-time of the damping stage [s].
        method
            ``"damping"``: integrate the damping term only (no precession, alpha >= 1, spin
            torques off) until converged or stagnant. ``"minimize"``: steepest descent with
            Barzilai-Borwein steps (as MuMax3's ``minimize``). ``"auto"`` (default): damping down to
            1e-2 T, then steepest descent.
        max_err
            Error tolerance of the damping stage.

        Returns
        -------
        dict
            ``max_torque`` reached [T], ``steps``, ``converged``.
        """
        if method not in ("auto", "damping", "minimize"):
            raise ParameterError(f"method: expected 'auto', 'damping' or 'minimize', got {method!r}",
                                 field="method")
        steps = 0
        res = {"max_torque": math.inf, "steps": 0, "converged": False}
        if method in ("auto", "damping"):
            target = max(max_torque, 1e-2) if method == "auto" else max_torque
            res = self._relax_damping(target, t_max, max_err)
            steps = res["steps"]
            if method == "damping" or res["max_torque"] < max_torque:
                res["converged"] = res["max_torque"] < max_torque
                return res
        res = self._minimize(max_torque=max_torque)
        res["steps"] += steps
        return res

    def _relax_damping(self, max_torque: float, t_max: float, max_err: float) -> dict:
        self._alloc()
        saved = (self.alpha, self.t, self.dt, self.max_err, self._precess, self.stt,
                 self.zhang_li)
        self.alpha = np.maximum(self.alpha, 1.0) if np.ndim(self.alpha) else max(self.alpha, 1.0)
        self._precess = False
        self.stt = None
        self.zhang_li = None
        self.max_err = max_err
        self._k1 = None
        t0 = self.t
        steps = 0
        tq = math.inf
        best = math.inf
        stagnant = 0
        try:
            while self.t - t0 < t_max:
                for _ in range(20):
                    self._rk45_step(math.inf)
                    steps += 1
                tq = self.max_torque()
                if tq < max_torque:
                    break
                if tq < 0.9 * best:
                    best, stagnant = tq, 0
                else:
                    stagnant += 1
                    if stagnant >= 5:
                        # the torque is limited by the integration error: tighten it
                        if self.max_err <= 1e-7:
                            break
                        self.max_err *= 0.1
                        best, stagnant = tq, 0
        finally:
            (self.alpha, _, self.dt, self.max_err, self._precess, self.stt,
             self.zhang_li) = saved
            self.t = saved[1]
            self._k1 = None
        return {"max_torque": tq, "steps": steps, "converged": tq < max_torque}

    def _minimize(self, *, max_torque: float, max_steps: int = 200000) -> dict:
        m = self.m
        H = self.effective_field(m).copy()
        g = _cross(m, _cross(m, H, np.empty_like(m)), np.empty_like(m))  # m x (m x H)
        gn = math.sqrt(float(np.max(np.sum(g * g, axis=0))))
        tau = 1e-2 / max(gn, 1e-30)
        steps = 0
        while MU0 * math.sqrt(float(np.max(np.sum(g * g, axis=0)))) >= max_torque and \
                steps < max_steps:
            m_old = m.copy()
            g_old = g
            m -= tau * g
            self._normalise(m)
            m *= self._maskf
            H = self.effective_field(m).copy()
            g = _cross(m, _cross(m, H, np.empty_like(m)), np.empty_like(m))
            s = m - m_old
            yv = g - g_old
            sy = float(np.sum(s * yv))
            if steps % 2 == 0:
                tau = float(np.sum(s * s)) / sy if sy != 0 else tau
            else:
                yy = float(np.sum(yv * yv))
                tau = sy / yy if yy != 0 else tau
            if not math.isfinite(tau) or tau <= 0:
                tau = 1e-2 / max(math.sqrt(float(np.max(np.sum(g * g, axis=0)))), 1e-30)
            steps += 1
        self._k1 = None
        tq = MU0 * math.sqrt(float(np.max(np.sum(g * g, axis=0))))
        return {"max_torque": tq, "steps": steps, "converged": tq < max_torque}
