"""Build and run a simulation from an :class:`spinscope.config.micromagnetics.LLGConfig`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spinscope.micromagnetics import mesh as _mesh
from spinscope.micromagnetics import states as _states
from spinscope.micromagnetics.drives import (
    OerstedField,
    PulseField,
    RFField,
    RotatingField,
    SlonczewskiTorque,
    StaticField,
    ThermalField,
    ZhangLiTorque,
    envelope,
)
from spinscope.micromagnetics.errors import GeometryError, ParameterError
from spinscope.micromagnetics.simulation import Simulation

__all__ = ["build_simulation", "load_scenario", "run_scenario"]


def load_scenario(path):
    """Load and validate a scenario TOML file (:class:`~spinscope.config.micromagnetics.LLGConfig`)."""
    from spinscope.config.load import load_config
    from spinscope.config.micromagnetics import LLGConfig

    return load_config(path, LLGConfig)


def _geometry(cfg, mesh, base: Path):
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
    p = Path(g.file)
    if not p.is_absolute():
        p = base / p
    try:
        arr = np.load(p)
    except (OSError, ValueError) as exc:
        raise GeometryError(f"geometry.file: cannot read mask {p} ({exc})",
                            field="geometry.file") from None
    return _mesh.from_array(mesh, arr)


def _absorbing_alpha(cfg, mesh):
    mat = cfg.material
    if mat.absorbing_width <= 0:
        return mat.alpha
    x, y, _ = mesh.grid()
    lx, ly, _ = mesh.size
    w = mat.absorbing_width
    dist = np.minimum(lx / 2 - np.abs(x), ly / 2 - np.abs(y))
    s = np.clip(1 - dist / w, 0, 1)
    return mat.alpha + (mat.absorbing_alpha - mat.alpha) * s**2


def build_simulation(cfg, *, base_dir=".", workers=None) -> Simulation:
    """Create the :class:`Simulation` a scenario describes (not yet relaxed or run)."""
    base = Path(base_dir)
    mc = cfg.mesh
    if mc.size is not None:
        mesh = _mesh.Mesh.from_size(mc.size, mc.cells)
    else:
        mesh = _mesh.Mesh(mc.cells, mc.cell_size)
    mask = _geometry(cfg, mesh, base)
    mat = cfg.material
    fields = []
    for i, f in enumerate(cfg.fields):
        profile = None
        if f.region_radius is not None:
            profile = _mesh.disk(mesh, f.region_radius).astype(float)
        B = np.array(f.B, dtype=float)
        if f.kind == "static":
            fields.append(StaticField(B, profile=profile))
        elif f.kind == "pulse":
            fields.append(PulseField(B, t0=f.t0, duration=f.duration, shape=f.shape, rise=f.rise,
                                     profile=profile))
        elif f.kind == "rf":
            fields.append(RFField(B, frequency=f.frequency, phase=f.phase, t0=f.t0,
                                  profile=profile))
        elif f.kind == "rotating":
            fields.append(RotatingField(float(np.linalg.norm(B)), f.frequency, axis=f.axis,
                                        sense=f.sense, phase=f.phase, profile=profile))
        else:  # pragma: no cover - validated by the model
            raise ParameterError(f"fields[{i}].kind: unknown {f.kind!r}", field=f"fields[{i}].kind")
    stt = None
    oersted = None
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
            stt = SlonczewskiTorque(J=J, p=c.p, P=c.P, Lambda=c.Lambda,
                                    epsilon_prime=c.epsilon_prime, envelope=env)
        if c.oersted:
            current = c.J * np.pi * c.radius**2
            oersted = OerstedField(current, c.radius, c.center, envelope=env)
    zl = None
    if cfg.zhang_li is not None:
        z = cfg.zhang_li
        zl = ZhangLiTorque(J=np.array(z.J), P=z.P, xi=z.xi)
    thermal = None
    if cfg.thermal is not None:
        thermal = ThermalField(cfg.thermal.temperature, cfg.thermal.seed)
    ini = cfg.initial
    if ini.state == "uniform":
        m0 = np.array(ini.direction, dtype=float)
    elif ini.state == "vortex":
        m0 = _states.vortex(mesh, ini.circulation, ini.polarity)
    elif ini.state == "random":
        m0 = _states.random_state(mesh, ini.seed)
    else:
        from spinscope.io.ovf import read_ovf

        p = Path(ini.file or "")
        if not p.is_absolute():
            p = base / p
        da = read_ovf(p, squeeze=False)
        a = np.moveaxis(np.asarray(da.transpose("z", "y", "x", "component").values), -1, 0)
        if a.shape != (3, *mesh.shape):
            raise ParameterError(f"initial.file: {p} has shape {a.shape[1:]}, the mesh "
                                 f"{mesh.shape}", field="initial.file")
        m0 = a
    return Simulation(
        mesh, Ms=mat.Ms, A=mat.A, alpha=_absorbing_alpha(cfg, mesh), mask=mask, Ku1=mat.Ku1,
        Ku2=mat.Ku2, anis_u=mat.anis_u, D=mat.D, fields=fields, stt=stt, zhang_li=zl,
        oersted=oersted, thermal=thermal, demag=cfg.demag, gamma=mat.gamma, m0=m0,
        workers=workers)


def run_scenario(cfg, *, base_dir=".", progress: bool = False, checkpoint=None,
                 resume: bool = False, workers=None):
    """Relax (if asked) and run a scenario; returns the magnetisation movie (xarray)."""
    if cfg.engine == "magnumnp":
        from spinscope.micromagnetics.magnumnp_engine import run_magnumnp

        return run_magnumnp(cfg, base_dir=base_dir)
    sim = build_simulation(cfg, base_dir=base_dir, workers=workers)
    if cfg.relax.enabled and not (resume and checkpoint is not None and Path(checkpoint).exists()):
        sim.relax(max_torque=cfg.relax.max_torque, method=cfg.relax.method)
    r = cfg.run
    method, dt = ("heun", cfg.thermal.dt) if cfg.thermal is not None else ("rk45", None)
    movie = sim.run(r.duration, interval=r.interval, n_frames=r.n_frames, max_err=r.max_err,
                    method=method, dt=dt, progress=progress, checkpoint=checkpoint,
                    checkpoint_every=r.checkpoint_every, resume=resume)
    movie.attrs["scenario"] = cfg.name
    movie.attrs["steps"] = sim.stats["steps"]
    return movie
