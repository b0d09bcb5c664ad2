"""A domain texture after the pump: demagnetisation, wall broadening, domain expansion, rearrangement.

The state at delay ``t`` of species ``s`` (element / sublattice) at ``r = (y, x)`` is

.. math::

    \\mathbf m_s(\\mathbf r, t) = o_s\\, \\mu_s(\\mathbf r, t)\\, \\hat{\\mathbf m}(\\mathbf r, t),

with ``o_s = +-1`` the species' ground-state orientation (a rare-earth sublattice antiparallel to the
transition metal), ``mu_s = m_s / m_eq0,s`` the reduced magnetisation relative to its value at the base
temperature (the magnetic optical constants describe the film at that temperature), and ``m_hat`` the unit
texture, deformed by the models below. Each model is switched off by its default parameter.

1. **Ultrafast demagnetisation per pixel** (:class:`DemagMap`). The absorbed pump energy density
   ``u(r) = F(r) A / d`` over the Gaussian pump spot (:func:`spinscope.ultrafast.absorbed_fluence_map`) is
   spanned by ``nodes`` values; :func:`spinscope.ultrafast.solve_pixels` (``lookup=K``) integrates the
   material model (M3TM / two-sublattice M3TM of the preset) for them on a uniform fine time grid; each
   node trace is convolved with the Gaussian pump-probe cross-correlation (FWHM ``irf_fwhm``), *analytically
   per pixel* in the sense that every pixel gets the convolved trace of its own absorbed energy (linear
   interpolation between nodes). Convolving ``mu`` rather than the scattered intensity ``~ mu^2`` is
   exact to first order in the change of ``mu`` over one cross-correlation width.
2. **Domain-wall broadening** (after B. Pfau et al., Nat. Commun. 3, 1100 (2012), who explain the
   transient shift of the scattering ring by a wall broadening driven by superdiffusive spin
   transport): the tanh wall-width parameter grows with the local quench,
   ``w(r, t) = w0 [1 + b_w (1 - mu(r, t))]``, ``mu`` the mean over species. Broader walls move weight of
   the ring's form factor to lower q.
3. **Domain expansion by wall motion** (after Fan et al., Optica 9, 399 (2022)): the pattern dilates,
   ``r -> r / (1 + s(t))``, with ``s_exp(t') = s_max (1 - exp(-2 v t' / (p0 s_max)))`` for
   ``t' = t - t0 > 0``: the period initially grows at ``dp/dt = 2 v`` (``v`` the wall velocity; the
   analysis' :func:`spinscope.analysis.timetrace.wall_velocity` with its default geometry factor 1/2
   returns ``v``) and saturates at ``p0 (1 + s_max)``. The ring moves to ``q1 / (1 + s)``.
4. **Slow thermally driven rearrangement** (after Lunin et al., Light Sci. Appl. 14, 394 (2025)): an
   additional dilation ``s_th (1 - exp(-t' / tau_th))`` of the hot domain network over 100 ps - ns.
5. **Recovery** of the texture: the total dilation relaxes as ``exp(-t' / tau_rec)``
   (the magnetisation recovers in model 1 by the heat flow of the material model).

The dilated texture keeps its wall profile: with ``d0(r) = w0 artanh(m_z)`` the signed distance to the
nearest wall of the undeformed texture, ``m_z(r, t) = tanh((1 + s) d0(r / (1 + s)) / w(r, t))``, and the
in-plane part keeps its direction (magnitude ``sqrt(1 - m_z^2)``). Structural changes (2-5) are taken
as slow compared with the cross-correlation and are not convolved with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr
from scipy.ndimage import gaussian_filter1d, map_coordinates

from spinscope.errors import ConfigError
from spinscope.timing import FWHM_PER_SIGMA, FWHM_TO_SIGMA
from spinscope.ultrafast.simulate import (
    absorbed_fluence_map,
    magnetisation_movie,
    resolve_material,
    solve_pixels,
)
from spinscope.units import check_positive

__all__ = ["DemagMap", "TextureDynamics", "TextureModels", "demag_map"]


@dataclass(frozen=True, eq=False)
class DemagMap:
    """Per-pixel reduced magnetisation ``mu_s(r, t)`` from node traces (module notes, model 1).

    Attributes
    ----------
    species
        Species names.
    orientation
        Ground-state orientation of each species (+1 / -1).
    times
        Uniform fine time grid [s].
    node_energy
        Absorbed energy densities of the nodes [J/m^3], increasing.
    node_mu
        ``mu`` of each node, convolved with the cross-correlation, ``(n_times, n_species, n_nodes)``.
    energy_map
        Absorbed energy density per grid cell ``(ny, nx)`` [J/m^3].
    t0
        Pump arrival [s].
    irf_fwhm
        Pump-probe cross-correlation FWHM [s].
    lookup_error
        Largest interpolation error of the lookup in ``m`` (solve_pixels' ``lookup_error_m``).
    """

    species: tuple[str, ...]
    orientation: np.ndarray
    times: np.ndarray
    node_energy: np.ndarray
    node_mu: np.ndarray
    energy_map: np.ndarray
    t0: float = 0.0
    irf_fwhm: float = 0.0
    lookup_error: float = float("nan")

    def node_trace(self, t) -> np.ndarray:
        """``mu`` of every node at delays ``t``: ``(n_t, n_species, n_nodes)``."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        tt = self.times
        flat = self.node_mu.reshape(tt.size, -1)
        out = np.empty((t.size, flat.shape[1]))
        for j in range(flat.shape[1]):
            out[:, j] = np.interp(t, tt, flat[:, j], left=flat[0, j], right=flat[-1, j])
        return out.reshape((t.size,) + self.node_mu.shape[1:])

    def mu(self, t: float) -> np.ndarray:
        """Reduced magnetisation per species and pixel at delay ``t``: ``(n_species, ny, nx)``."""
        nodes = self.node_trace([t])[0]  # (species, nodes)
        u = self.energy_map.ravel()
        out = np.empty((nodes.shape[0], u.size))
        for s in range(nodes.shape[0]):
            out[s] = np.interp(u, self.node_energy, nodes[s])
        return out.reshape((nodes.shape[0],) + self.energy_map.shape)

    def mean_mu(self, t, weights: np.ndarray | None = None) -> np.ndarray:
        """Weighted mean of ``mu`` over the pixels at delays ``t``: ``(n_t, n_species)``."""
        tr = self.node_trace(t)
        u = self.energy_map.ravel()
        w = np.ones(u.size) if weights is None else np.asarray(weights, dtype=float).ravel()
        # weights of each node from the linear interpolation in u
        hist = _node_weights(u, w, self.node_energy)
        return tr @ hist / w.sum()


def _node_weights(u: np.ndarray, w: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Sum of ``w`` assigned to each node by linear interpolation in ``u``."""
    j = np.clip(np.searchsorted(nodes, u, side="right") - 1, 0, nodes.size - 2)
    f = np.clip((u - nodes[j]) / (nodes[j + 1] - nodes[j]), 0.0, 1.0)
    out = np.bincount(j, weights=w * (1 - f), minlength=nodes.size)
    out += np.bincount(j + 1, weights=w * f, minlength=nodes.size)
    return out


def demag_map(
    material: Any,
    pump: Any,
    y: np.ndarray,
    x: np.ndarray,
    *,
    t_range: tuple[float, float],
    irf_fwhm: float,
    nodes: int = 24,
    lookup: int = 8,
    dt: float | None = None,
    model: str = "auto",
) -> DemagMap:
    """Solve the material model over a pump spot and prepare per-pixel traces (module notes, model 1).

    Parameters
    ----------
    material
        Ultrafast material preset name (``"CoTb"``, ``"FeGd"``, ...), file, dict or config.
    pump
        :class:`spinscope.ultrafast.Pump` (fluence, duration, spot, ``t0``).
    y, x
        Cell-centre coordinates of the grid [m].
    t_range
        First and last delay needed [s].
    irf_fwhm
        Pump-probe cross-correlation FWHM [s] (0: none).
    nodes
        Number of absorbed-energy values spanning the map (pixels interpolate between them).
    lookup
        ``K`` of :func:`spinscope.ultrafast.solve_pixels` (energies solved; the others interpolated).
    dt
        Step of the fine time grid [s]; default ``min(irf_fwhm / 8, span / 2000)``, at least span / 20000.
    model
        Material model (``"auto"``, ``"M3TM"``, ...).

    Returns
    -------
    DemagMap
    """
    mat = resolve_material(material)
    lo, hi = (float(v) for v in t_range)
    if not hi > lo:
        raise ConfigError(f"delays: expected a range of delays, got {t_range!r}", field="delays")
    sigma = max(float(irf_fwhm), 0.0) * FWHM_TO_SIGMA
    span = hi - lo + 10 * sigma
    if dt is None:
        dt = span / 2000.0 if sigma == 0 else min(sigma * FWHM_PER_SIGMA / 8.0, span / 2000.0)
        dt = max(dt, span / 20000.0)
    start = min(lo - 5 * sigma, pump.t0 - 4 * pump.duration) - 2 * dt
    times = np.arange(start, hi + 5 * sigma + 2 * dt, dt)
    fmap = absorbed_fluence_map(mat, pump, y, x).values
    umap = fmap / mat.thickness
    u_nodes = np.linspace(0.0, float(umap.max()) * 1.0000001 + 1e-30, int(nodes))
    # the PCHIP slopes of the lookup divide by zero where a node trace is flat (before the pump): numpy
    # warns, the interpolant is still exact there
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        res = solve_pixels(mat, u_nodes, times, pump=pump, model=model, lookup=int(lookup))
    m = res["m"]  # (n_t, species, nodes)
    if m.shape[1] == 0:
        raise ConfigError(f"dynamics.material: {mat.name} has no magnetisation model (2TM)",
                          field="dynamics.material")
    m_eq0 = np.asarray(res["system"].m_eq0, dtype=float)
    mu = m / m_eq0[None, :, None]
    if sigma > 0:
        mu = gaussian_filter1d(mu, sigma / dt, axis=0, mode="nearest", truncate=5.0)
    orient = np.array([-1.0 if s.antiparallel else 1.0 for s in mat.species])
    return DemagMap(
        species=tuple(res["system"].species),
        orientation=orient,
        times=times,
        node_energy=u_nodes,
        node_mu=mu,
        energy_map=umap,
        t0=float(pump.t0),
        irf_fwhm=float(irf_fwhm),
        lookup_error=float(res["stats"].get("lookup_error_m", float("nan"))),
    )


@dataclass(frozen=True)
class TextureModels:
    """Parameters of the texture models 2-5 (module notes); defaults switch each off.

    Attributes
    ----------
    wall_broadening
        ``b_w``: relative wall-width increase per unit quench [dimensionless] (Pfau et al. 2012).
    wall_velocity
        Wall velocity ``v`` of the domain expansion [m/s] (Fan et al. 2022).
    max_expansion
        Saturation ``s_max`` of the expansion, a fraction of the period [dimensionless].
    thermal_expansion
        ``s_th``: dilation of the slow thermal rearrangement [dimensionless] (Lunin et al. 2025).
    thermal_time
        ``tau_th`` [s].
    recovery_time
        ``tau_rec`` of the structural recovery [s]; ``inf``: none.
    """

    wall_broadening: float = 0.0
    wall_velocity: float = 0.0
    max_expansion: float = 0.0
    thermal_expansion: float = 0.0
    thermal_time: float = math.inf
    recovery_time: float = math.inf

    def __post_init__(self) -> None:
        for name in ("wall_broadening", "wall_velocity", "max_expansion", "thermal_expansion"):
            check_positive(getattr(self, name), f"dynamics.{name}", "a finite value >= 0", allow_zero=True)
        for name in ("thermal_time", "recovery_time"):
            v = float(getattr(self, name))
            if not v > 0:
                raise ConfigError(f"dynamics.{name}: expected a positive time, got {v!r}",
                                  field=f"dynamics.{name}")
        if self.wall_velocity > 0 and self.max_expansion <= 0:
            raise ConfigError("dynamics.max_expansion: a wall velocity needs max_expansion > 0",
                              field="dynamics.max_expansion")

    def dilation(self, t, *, t0: float, period: float) -> np.ndarray | float:
        """Total dilation ``s(t)`` of the pattern [dimensionless].

        Parameters
        ----------
        t
            Delays [s].
        t0
            Pump arrival [s].
        period
            Undeformed period ``p0`` [m].
        """
        tp = np.maximum(np.asarray(t, dtype=float) - t0, 0.0)
        s = np.zeros_like(tp)
        if self.wall_velocity > 0:
            smax = self.max_expansion
            s = s + smax * -np.expm1(-2.0 * self.wall_velocity * tp / (period * smax))
        if self.thermal_expansion > 0 and math.isfinite(self.thermal_time):
            s = s + self.thermal_expansion * -np.expm1(-tp / self.thermal_time)
        if math.isfinite(self.recovery_time):
            s = s * np.exp(-tp / self.recovery_time)
        return s if s.ndim else float(s)


@dataclass(frozen=True, eq=False)
class TextureDynamics:
    """A texture that moves after the pump (module notes).

    Attributes
    ----------
    texture
        Unit texture ``(y, x, component)`` of the first species (the transition metal of a ferrimagnet)
        with tanh walls of width parameter ``wall_width`` and period ``period``.
    demag
        :class:`DemagMap` on the same grid.
    wall_width
        ``w0`` [m].
    period
        ``p0`` [m].
    models
        :class:`TextureModels`.
    """

    texture: xr.DataArray
    demag: DemagMap
    wall_width: float
    period: float
    models: TextureModels = TextureModels()
    _cache: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if tuple(self.texture.dims) != ("y", "x", "component"):
            raise ConfigError(f"texture: expected dims (y, x, component), got {self.texture.dims}",
                              field="texture")
        t = np.asarray(self.texture.values, dtype=float)
        if t.shape[:2] != self.demag.energy_map.shape:
            raise ConfigError(f"texture: grid {t.shape[:2]} differs from the pump map "
                              f"{self.demag.energy_map.shape}", field="texture")
        mz = np.clip(t[..., 2], -1 + 1e-12, 1 - 1e-12)
        d0 = self.wall_width * np.arctanh(mz)
        ip = t[..., :2]
        norm = np.hypot(ip[..., 0], ip[..., 1])
        ip_dir = np.where(norm[..., None] > 1e-12, ip / np.maximum(norm, 1e-300)[..., None], 0.0)
        self._cache.update(d0=d0, ip_dir=ip_dir, mz0=t[..., 2])

    @property
    def species(self) -> tuple[str, ...]:
        """Species names."""
        return self.demag.species

    def _deformed(self, s: float, w: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """(m_z, in-plane direction) of the dilated, broadened texture."""
        d0 = self._cache["d0"]
        ip_dir = self._cache["ip_dir"]
        if s != 0.0:
            ny, nx = d0.shape
            cy, cx = (ny - 1) / 2.0, (nx - 1) / 2.0
            yy = (np.arange(ny) - cy) / (1.0 + s) + cy
            xx = (np.arange(nx) - cx) / (1.0 + s) + cx
            Y, X = np.meshgrid(yy, xx, indexing="ij")
            coords = np.array([Y, X])
            d = (1.0 + s) * map_coordinates(d0, coords, order=1, mode="grid-wrap")
            if np.any(ip_dir):
                ipd = np.stack([map_coordinates(ip_dir[..., c], coords, order=1, mode="grid-wrap")
                                for c in range(2)], axis=-1)
            else:
                ipd = ip_dir
        else:
            d, ipd = d0, ip_dir
        if np.ndim(w) == 0 and float(w) == self.wall_width and s == 0.0:
            mz = self._cache["mz0"]
        else:
            mz = np.tanh(d / w)
        return mz, ipd

    def _wall_width(self, mu: np.ndarray) -> np.ndarray | float:
        b = self.models.wall_broadening
        if b == 0:
            return self.wall_width
        return self.wall_width * (1.0 + b * (1.0 - mu.mean(axis=0)))

    def dilation(self, t: float) -> float:
        """Dilation ``s(t)`` of the pattern at delay ``t`` [dimensionless]."""
        return float(self.models.dilation(t, t0=self.demag.t0, period=self.period))

    def _mu_s(self, t: float | None, quench_scale: float) -> tuple[np.ndarray, float]:
        n_sp = len(self.species)
        if t is None:
            return np.ones((n_sp,) + self.demag.energy_map.shape), 0.0
        mu = self.demag.mu(t)
        if quench_scale != 1.0:
            mu = 1.0 - quench_scale * (1.0 - mu)
        return mu, self.dilation(t)

    def state(self, t: float | None, *, quench_scale: float = 1.0) -> np.ndarray:
        """Magnetisation per species ``(species, y, x, component)`` at delay ``t``; ``None``: pump off.

        Parameters
        ----------
        t
            Delay [s], or ``None`` for the unpumped texture.
        quench_scale
            Factor on the quench ``1 - mu`` (a pump-fluence fluctuation, linearised) [dimensionless].

        Returns
        -------
        numpy.ndarray
            Reduced magnetisation relative to the base-temperature equilibrium [dimensionless].
        """
        mu, s = self._mu_s(t, quench_scale)
        mz, ipd = self._deformed(s, self._wall_width(mu))
        mip = np.sqrt(np.clip(1.0 - mz * mz, 0.0, None))[..., None] * ipd
        unit = np.concatenate([mip, mz[..., None]], axis=-1)
        o = self.demag.orientation
        return (o[:, None, None, None] * mu[..., None]) * unit[None]

    def projection(self, t: float | None, *, tilt: float = 0.0, quench_scale: float = 1.0) -> np.ndarray:
        """Beam projection ``k_hat . m_s`` per species ``(species, y, x)`` at delay ``t`` (None: pump off).

        ``tilt`` is the film tilt about y [rad]; ``quench_scale`` as in :meth:`state`. At normal
        incidence only ``m_z`` is computed (the fast path of the forward model), returned as float32.
        """
        if tilt != 0.0:
            st = self.state(t, quench_scale=quench_scale)
            return st[..., 0] * math.sin(tilt) + st[..., 2] * math.cos(tilt)
        mu, s = self._mu_s(t, quench_scale)
        mz, _ = self._deformed(s, self._wall_width(mu))
        o = self.demag.orientation.astype(np.float32)
        # float32: the projection enters the exit wave's float32 phase anyway (interaction.exit_wave)
        return o[:, None, None] * mu.astype(np.float32) * mz.astype(np.float32)[None]

    def movie(self, delays) -> xr.DataArray:
        """The magnetisation movie contract ``(time, species, y, x, component)`` at ``delays`` [s].

        Built with :func:`spinscope.ultrafast.magnetisation_movie` delay by delay (the texture changes
        with time); memory grows with delays x pixels x species x 3, so use it on small grids.
        """
        frames = []
        coords_sp = ("species", np.array(self.species), {"units": ""})
        for t in np.atleast_1d(np.asarray(delays, dtype=float)):
            mu = self.demag.mu(t)
            mz, ipd = self._deformed(self.dilation(t), self._wall_width(mu))
            mip = np.sqrt(np.clip(1.0 - mz * mz, 0.0, None))[..., None] * ipd
            tex = self.texture.copy(data=np.concatenate([mip, mz[..., None]], axis=-1))
            ds = xr.Dataset(
                {"m": (("delay", "species", "y", "x"), mu[None], {"units": ""})},
                coords={"delay": ("delay", [t], {"units": "s"}), "species": coords_sp,
                        "orientation": ("species", self.demag.orientation, {"units": ""}),
                        "y": self.texture["y"], "x": self.texture["x"]},
            )
            frames.append(magnetisation_movie(tex, ds))
        return xr.concat(frames, dim="time")

    def ideal_trace(self, delays, *, weights: np.ndarray, coupling: np.ndarray) -> np.ndarray:
        """Noise-free ``M(t)`` an ideal ring measurement sees from the demagnetisation alone.

        ``M(t) = sqrt(sum_r w(r) |sum_s c_s o_s mu_s(r, t)|^2 / sum_r w(r) |sum_s c_s o_s|^2)``: the
        first-order magnetic scattering amplitude of a domain is ``sum_s c_s o_s mu_s``, and the ring's
        integrated intensity sums ``|amplitude|^2`` over the illuminated area with weights ``w = |a|^2``
        (Parseval).

        Parameters
        ----------
        delays
            Delays [s].
        weights
            Illumination intensity per grid cell ``(ny, nx)``.
        coupling
            Magnetic constants ``c_s`` of the species [complex].

        Returns
        -------
        numpy.ndarray
            ``M(t)`` [dimensionless].
        """
        tr = self.demag.node_trace(delays)  # (t, species, nodes)
        c = np.asarray(coupling, dtype=complex) * self.demag.orientation
        amp = np.einsum("s,tsk->tk", c, tr)
        wn = _node_weights(self.demag.energy_map.ravel(), np.asarray(weights, float).ravel(),
                           self.demag.node_energy)
        num = (np.abs(amp) ** 2) @ wn
        den = abs(c.sum()) ** 2 * wn.sum()
        return np.sqrt(num / den)
