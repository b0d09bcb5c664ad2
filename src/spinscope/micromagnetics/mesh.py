"""Regular finite-difference mesh and geometry masks.

Arrays of cell values are indexed ``[z, y, x]``; vector fields ``[component, z, y, x]`` internally.
Cell centres are placed symmetrically about the origin in x and y (the beam axis of the microscope
passes through x = y = 0) and from ``dz/2`` upwards in z.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spinscope.micromagnetics.errors import GeometryError

__all__ = [
    "Mesh",
    "disk",
    "ellipse",
    "from_array",
    "nanocontact_region",
    "rectangle",
    "ring",
]


@dataclass(frozen=True)
class Mesh:
    """A box of ``nx x ny x nz`` cells of size ``dx x dy x dz``.

    Attributes
    ----------
    n
        Number of cells ``(nx, ny, nz)``.
    d
        Cell size ``(dx, dy, dz)`` [m].
    """

    n: tuple[int, int, int]
    d: tuple[float, float, float]

    def __post_init__(self):
        n = tuple(int(v) for v in self.n)
        d = tuple(float(v) for v in self.d)
        if len(n) != 3 or any(v < 1 for v in n):
            raise GeometryError(f"mesh.n: expected three positive cell counts, got {self.n!r}",
                                field="mesh.n")
        if len(d) != 3 or any(not np.isfinite(v) or v <= 0 for v in d):
            raise GeometryError(f"mesh.d: expected three positive cell sizes in m, got {self.d!r}",
                                field="mesh.d")
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "d", d)

    @classmethod
    def from_size(cls, size, n) -> Mesh:
        """Mesh of a box ``size = (Lx, Ly, Lz)`` [m] cut into ``n = (nx, ny, nz)`` cells."""
        n = tuple(int(v) for v in n)
        return cls(n, tuple(float(s) / k for s, k in zip(size, n, strict=True)))

    @property
    def shape(self) -> tuple[int, int, int]:
        """Array shape ``(nz, ny, nx)``."""
        return (self.n[2], self.n[1], self.n[0])

    @property
    def cell_volume(self) -> float:
        """Volume of one cell [m^3]."""
        return self.d[0] * self.d[1] * self.d[2]

    @property
    def size(self) -> tuple[float, float, float]:
        """Extent ``(Lx, Ly, Lz)`` [m]."""
        return tuple(k * s for k, s in zip(self.n, self.d, strict=True))

    def coords(self) -> dict[str, np.ndarray]:
        """Cell-centre coordinates ``{"x", "y", "z"}`` [m] (x, y centred on 0)."""
        nx, ny, nz = self.n
        dx, dy, dz = self.d
        return {
            "x": (np.arange(nx) - (nx - 1) / 2.0) * dx,
            "y": (np.arange(ny) - (ny - 1) / 2.0) * dy,
            "z": (np.arange(nz) + 0.5) * dz,
        }

    def grid(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Broadcastable cell-centre arrays ``(X, Y, Z)`` of shape ``(nz, ny, nx)`` [m]."""
        c = self.coords()
        z, y, x = np.meshgrid(c["z"], c["y"], c["x"], indexing="ij")
        return x, y, z


def _as_mask(mesh: Mesh, value) -> np.ndarray:
    m = np.broadcast_to(np.asarray(value, dtype=bool), mesh.shape).copy()
    return m


def disk(mesh: Mesh, radius: float, center=(0.0, 0.0)) -> np.ndarray:
    """Cells whose centre lies within ``radius`` [m] of ``center`` (x, y) [m]; all layers."""
    x, y, _ = mesh.grid()
    return _as_mask(mesh, (x - center[0]) ** 2 + (y - center[1]) ** 2 <= radius**2)


def ring(mesh: Mesh, inner: float, outer: float, center=(0.0, 0.0)) -> np.ndarray:
    """Cells between radii ``inner`` and ``outer`` [m]."""
    x, y, _ = mesh.grid()
    r2 = (x - center[0]) ** 2 + (y - center[1]) ** 2
    return _as_mask(mesh, (r2 <= outer**2) & (r2 >= inner**2))


def ellipse(mesh: Mesh, semi_x: float, semi_y: float, center=(0.0, 0.0),
            angle: float = 0.0) -> np.ndarray:
    """Cells inside an ellipse of semi-axes ``semi_x``, ``semi_y`` [m] rotated by ``angle`` [rad]."""
    x, y, _ = mesh.grid()
    c, s = np.cos(angle), np.sin(angle)
    u = c * (x - center[0]) + s * (y - center[1])
    v = -s * (x - center[0]) + c * (y - center[1])
    return _as_mask(mesh, (u / semi_x) ** 2 + (v / semi_y) ** 2 <= 1.0)


def rectangle(mesh: Mesh, width: float | None = None, height: float | None = None,
              center=(0.0, 0.0)) -> np.ndarray:
    """Cells inside a ``width x height`` [m] rectangle (the whole mesh when both are ``None``)."""
    x, y, _ = mesh.grid()
    w = np.inf if width is None else width / 2.0
    h = np.inf if height is None else height / 2.0
    tol = 1e-9 * min(mesh.d[:2])
    return _as_mask(mesh, (np.abs(x - center[0]) <= w + tol) & (np.abs(y - center[1]) <= h + tol))


def nanocontact_region(mesh: Mesh, radius: float, center=(0.0, 0.0)) -> np.ndarray:
    """The region under a circular nanocontact of ``radius`` [m] (where the current flows)."""
    return disk(mesh, radius, center)


def from_array(mesh: Mesh, array) -> np.ndarray:
    """An arbitrary mask: a boolean (or 0/1) array of shape ``(ny, nx)`` or ``(nz, ny, nx)``."""
    a = np.asarray(array)
    if a.ndim == 2:
        a = a[None]
    if a.shape[1:] != mesh.shape[1:] or a.shape[0] not in (1, mesh.shape[0]):
        raise GeometryError(
            f"mask: expected shape {mesh.shape[1:]} or {mesh.shape}, got {np.shape(array)}",
            field="mask",
        )
    return _as_mask(mesh, a != 0)
