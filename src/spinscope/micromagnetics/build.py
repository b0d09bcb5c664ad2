"""From a scenario (:class:`~spinscope.config.micromagnetics.LLGConfig`) to a composed simulation.

Both engines start here: the built-in one runs the :class:`Simulation` this module builds, the
magnum.np engine takes its mesh, geometry and initial state from it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spinscope.config.limits import MAX_FRAMES, check_memory, format_bytes
from spinscope.config.micromagnetics import LLGConfig
from spinscope.io.ovf import read_ovf
from spinscope.micromagnetics import mesh as _mesh
from spinscope.micromagnetics import states as _states
from spinscope.micromagnetics.drives import (
    OerstedField,
    SlonczewskiTorque,
    ThermalField,
    ZhangLiTorque,
    envelope,
    field_from_spec,
)
from spinscope.micromagnetics.errors import GeometryError, ParameterError
from spinscope.micromagnetics.simulation import Simulation
from spinscope.micromagnetics.terms import (
    Demag,
    Exchange,
    InterfacialDMI,
    Material,
    UniaxialAnisotropy,
)

__all__ = ["build_mesh", "build_simulation", "estimate_llg", "geometry_mask", "initial_state", "output_times",
           "preflight_llg"]

#: float64 arrays of 3 components per cell: m, the effective field and each term's, the adaptive
#: Runge-Kutta stages and error estimate, damping and masks.
LLG_CELL_ARRAYS = 20
#: Bytes per padded demag cell: six kernel components and three transformed m components (complex).
DEMAG_BYTES_PER_PADDED_CELL = 150
#: Copies of the recorded movie (the frames held during the run, the stacked array, the dataset).
LLG_MOVIE_COPIES = 3
#: Fixed overhead [B].
LLG_BASE_BYTES = 2 * 2**20
#: Most fixed steps of a thermal run (``run.duration / thermal.dt``).
MAX_THERMAL_STEPS = 1e7


def build_mesh(cfg: LLGConfig) -> _mesh.Mesh:
    """The mesh of a scenario (``mesh.size`` or ``mesh.cell_size`` [m], ``mesh.cells``)."""
    mc = cfg.mesh
    if mc.size is not None:
        return _mesh.Mesh.from_size(mc.size, mc.cells)
    return _mesh.Mesh(mc.cells, mc.cell_size)


def _resolve(path: str, base: Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() else base / p


def geometry_mask(cfg: LLGConfig, mesh: _mesh.Mesh, base: Path) -> np.ndarray:
    """Boolean ``(nz, ny, nx)`` (or ``(ny, nx)``) mask of the magnet (``[geometry]``)."""
    g = cfg.geometry
    if g.shape == "box":
        return np.ones(mesh.shape, dtype=bool)
    if g.shape == "disk":
        return _mesh.disk(mesh, g.radius, g.center)
    if g.shape == "ring":
        return _mesh.ring(mesh, g.inner_radius, g.radius, g.center)
    if g.shape == "ellipse":
        return _mesh.ellipse(mesh, g.semi_x, g.semi_y, g.center, g.angle)
    if g.shape == "rectangle":
        return _mesh.rectangle(mesh, g.width, g.height, g.center)
    p = _resolve(g.file, base)
    try:
        arr = np.load(p)
    except (OSError, ValueError) as exc:
        raise GeometryError(f"geometry.file: cannot read mask {p} ({exc})",
                            field="geometry.file") from None
    return _mesh.from_array(mesh, arr)


def _absorbing_alpha(cfg: LLGConfig, mesh: _mesh.Mesh):
    """Damping [1]: ``material.alpha``, ramped quadratically to ``absorbing_alpha`` at the edges."""
    mat = cfg.material
    if mat.absorbing_width <= 0:
        return mat.alpha
    x, y, _ = mesh.grid()
    lx, ly, _ = mesh.size
    w = mat.absorbing_width
    dist = np.minimum(lx / 2 - np.abs(x), ly / 2 - np.abs(y))
    s = np.clip(1 - dist / w, 0, 1)
    return mat.alpha + (mat.absorbing_alpha - mat.alpha) * s**2


def _material_terms(cfg: LLGConfig) -> list:
    """Exchange, demag, anisotropy and DMI terms of ``[material]`` and ``demag``."""
    mat = cfg.material
    terms: list = [Exchange(mat.A)]
    if cfg.demag:
        terms.append(Demag())
    if mat.Ku1 != 0 or mat.Ku2 != 0:
        terms.append(UniaxialAnisotropy(mat.Ku1, mat.Ku2, mat.anis_u))
    if mat.D != 0:
        terms.append(InterfacialDMI(mat.D))
    return terms


def _zeeman_terms(cfg: LLGConfig, mesh: _mesh.Mesh) -> list:
    """The drives of ``[[fields]]`` (profile: a disk of ``region_radius`` when set)."""
    out = []
    for i, f in enumerate(cfg.fields):
        profile = None
        if f.region_radius is not None:
            profile = _mesh.disk(mesh, f.region_radius).astype(float)
        out.append(field_from_spec(f, profile, where=f"fields[{i}]"))
    return out


def _current_terms(cfg: LLGConfig, mesh: _mesh.Mesh) -> tuple[list, list]:
    """Oersted field terms and spin-transfer torques of ``[current]`` and ``[zhang_li]``."""
    terms: list = []
    torques: list = []
    c = cfg.current
    if c is not None:
        env = None
        if c.duration is not None:
            env = envelope("pulse", t0=c.t0, duration=c.duration, rise=c.rise)
        elif c.t0 > 0:
            t0 = c.t0
            env = lambda t: 1.0 if t >= t0 else 0.0  # noqa: E731
        if c.region == "nanocontact":
            J = c.J * _mesh.nanocontact_region(mesh, c.radius, c.center).astype(float)
        else:
            J = c.J
        if c.slonczewski:
            torques.append(SlonczewskiTorque(J=J, p=c.p, P=c.P, Lambda=c.Lambda,
                                             epsilon_prime=c.epsilon_prime, envelope=env))
        if c.oersted:
            current = c.J * np.pi * c.radius**2
            terms.append(OerstedField(current, c.radius, c.center, envelope=env))
    if cfg.zhang_li is not None:
        z = cfg.zhang_li
        torques.append(ZhangLiTorque(J=np.array(z.J), P=z.P, xi=z.xi))
    return terms, torques


def initial_state(cfg: LLGConfig, mesh: _mesh.Mesh, base: Path) -> np.ndarray:
    """The initial magnetisation of ``[initial]``: a 3-vector or ``(3, nz, ny, nx)`` [1]."""
    ini = cfg.initial
    if ini.state == "uniform":
        return np.array(ini.direction, dtype=float)
    if ini.state == "vortex":
        return _states.vortex(mesh, ini.circulation, ini.polarity)
    if ini.state == "random":
        return _states.random_state(mesh, ini.seed)
    p = _resolve(ini.file or "", base)
    da = read_ovf(p, squeeze=False)
    a = np.moveaxis(np.asarray(da.transpose("z", "y", "x", "component").values), -1, 0)
    if a.shape != (3, *mesh.shape):
        raise ParameterError(f"initial.file: {p} has shape {a.shape[1:]}, the mesh "
                             f"{mesh.shape}", field="initial.file")
    return a


def build_simulation(cfg: LLGConfig, *, base_dir=".", workers: int | None = None,
                     max_memory=None) -> Simulation:
    """Create the :class:`Simulation` a scenario describes (not yet relaxed or run).

    Parameters
    ----------
    cfg
        The scenario.
    base_dir
        Folder against which relative file paths (geometry mask, initial OVF) are resolved.
    workers
        Threads for the FFTs.
    max_memory
        When given, refuse (:func:`preflight_llg`) a scenario estimated to need more [B or a size
        string such as ``"8 GiB"``] before anything is allocated.

    Returns
    -------
    Simulation
        Composed of the scenario's material, terms and torques.
    """
    if max_memory is not None:
        preflight_llg(cfg, max_memory)
    base = Path(base_dir)
    mesh = build_mesh(cfg)
    mask = geometry_mask(cfg, mesh, base)
    mat = cfg.material
    material = Material(Ms=mat.Ms, alpha=_absorbing_alpha(cfg, mesh), gamma=mat.gamma)
    current_terms, torques = _current_terms(cfg, mesh)
    terms = [*_material_terms(cfg), *_zeeman_terms(cfg, mesh), *current_terms]
    if cfg.thermal is not None:
        terms.append(ThermalField(cfg.thermal.temperature, cfg.thermal.seed))
    return Simulation(mesh, material, terms, torques=torques, mask=mask,
                      m0=initial_state(cfg, mesh, base), workers=workers)


def output_times(cfg: LLGConfig, t0: float = 0.0) -> np.ndarray:
    """The frame times [s] of ``[run]``: every ``interval`` or ``n_frames`` (default 101) frames.

    The same expression as :meth:`Simulation.run` uses, so both engines record the same times.
    """
    r = cfg.run
    if r.interval is not None:
        return t0 + r.interval * np.arange(int(round(r.duration / r.interval)) + 1)
    return t0 + np.linspace(0.0, r.duration, r.n_frames or 101)


def _n_frames(cfg: LLGConfig) -> int:
    """Recorded frames of ``[run]`` (``duration / interval + 1``, ``n_frames`` or 101)."""
    r = cfg.run
    if r.interval is not None:
        return int(round(r.duration / r.interval)) + 1
    return int(r.n_frames or 101)


def estimate_llg(cfg: LLGConfig) -> dict:
    """Peak memory of an LLG run, from ``mesh.cells``, ``demag`` and the recorded frames.

    Parameters
    ----------
    cfg
        The validated scenario.

    Returns
    -------
    dict
        ``bytes`` [B], ``cells``, ``frames``, ``detail`` [text].
    """
    nx, ny, nz = cfg.mesh.cells
    cells = nx * ny * nz
    frames = _n_frames(cfg)
    work = cells * 3 * 8 * LLG_CELL_ARRAYS
    padded = (2 * nx) * (2 * ny) * (2 * nz if nz > 1 else 1)
    demag = padded * DEMAG_BYTES_PER_PADDED_CELL if cfg.demag else 0
    movie = frames * cells * 3 * 8 * LLG_MOVIE_COPIES
    total = LLG_BASE_BYTES + work + demag + movie
    detail = (f"mesh.cells {nx} x {ny} x {nz}: {format_bytes(work + demag)} of working arrays; "
              f"{frames} frames (run.duration / run.interval): {format_bytes(movie)}")
    return {"bytes": float(total), "cells": cells, "frames": frames, "detail": detail}


def preflight_llg(cfg: LLGConfig, max_memory=None) -> dict:
    """Refuse a scenario with too many frames or an estimated memory above ``max_memory``.

    Parameters
    ----------
    cfg
        The validated scenario.
    max_memory
        Limit [B] or a size string (``"8 GiB"``); ``None``: half the physical memory.

    Returns
    -------
    dict
        :func:`estimate_llg` with ``limit`` [B].

    Raises
    ------
    ParameterError
        More than :data:`~spinscope.config.limits.MAX_FRAMES` frames (names ``run.interval``), or
        more than :data:`MAX_THERMAL_STEPS` thermal steps (names ``thermal.dt``).
    ConfigError
        Over the memory limit; names ``mesh.cells``, ``run.interval``/``run.n_frames``.
    """
    est = estimate_llg(cfg)
    if est["frames"] > MAX_FRAMES + 1:
        raise ParameterError(f"run.interval: {est['frames']} frames, more than {MAX_FRAMES}; expected "
                             f"run.interval >= {cfg.run.duration / MAX_FRAMES:.3g} s", field="run.interval")
    if cfg.thermal is not None and cfg.run.duration / cfg.thermal.dt > MAX_THERMAL_STEPS:
        raise ParameterError(
            f"thermal.dt: run.duration / thermal.dt = {cfg.run.duration / cfg.thermal.dt:.3g} fixed Heun "
            f"steps, more than {MAX_THERMAL_STEPS:g} (hours of computing); expected thermal.dt >= "
            f"{cfg.run.duration / MAX_THERMAL_STEPS:.3g} s or a shorter run.duration", field="thermal.dt")
    est["limit"] = check_memory(est["bytes"], max_memory, command="llg run",
                                fields="mesh.cells, run.interval/n_frames", detail=est["detail"])
    return est
