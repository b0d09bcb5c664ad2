"""Initial magnetisation states: uniform, vortex, random; all return ``(3, nz, ny, nx)`` unit arrays."""

from __future__ import annotations

import numpy as np

from spinscope.micromagnetics.mesh import Mesh

__all__ = ["random_state", "uniform", "vortex"]


def uniform(mesh: Mesh, direction=(1.0, 0.0, 0.0)) -> np.ndarray:
    """Uniform magnetisation along ``direction`` (normalised)."""
    v = np.asarray(direction, dtype=float)
    v = v / np.linalg.norm(v)
    return np.broadcast_to(v[:, None, None, None], (3, *mesh.shape)).copy()


def vortex(mesh: Mesh, circulation: int = 1, polarity: int = 1, core_radius: float = 10e-9,
           center=(0.0, 0.0)) -> np.ndarray:
    """A vortex: in-plane curl (``circulation`` +1 counter-clockwise seen from +z) and a core of
    ``polarity`` +-1 (m_z) with a Gaussian profile of ``core_radius`` [m]."""
    x, y, _ = mesh.grid()
    x = x - center[0]
    y = y - center[1]
    r = np.hypot(x, y)
    mz = polarity * np.exp(-((r / core_radius) ** 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = np.arctan2(y, x)
    inplane = np.sqrt(np.clip(1 - mz**2, 0, 1))
    mx = -circulation * np.sin(phi) * inplane
    my = circulation * np.cos(phi) * inplane
    m = np.stack([mx, my, mz])
    return m / np.linalg.norm(m, axis=0)


def random_state(mesh: Mesh, seed: int = 0) -> np.ndarray:
    """Random unit vectors (seeded)."""
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(3, *mesh.shape))
    return m / np.linalg.norm(m, axis=0)
