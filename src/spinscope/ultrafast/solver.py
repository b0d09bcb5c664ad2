"""Vectorised explicit Runge-Kutta (RK4) integration of N pixels at once, with a verified error.

Step-size rule (the same step for all pixels of a chunk):

* inside the pump window ``|t - t0| < 4 FWHM`` the step is at most ``dt_pump`` (default FWHM/10), so
  the Gaussian source is resolved by >= 80 steps;
* after the pump the step may grow in proportion to the time since the pump, ``h <= growth (t - t0)``
  (default 5 %), which keeps the relative time resolution of every transient constant;
* everywhere ``h <= safety / lambda_max`` with ``lambda_max`` an upper bound of the fastest local
  relaxation rate (:meth:`System.stiffness`), inside RK4's real-axis stability limit (2.78);
* outputs are hit exactly (the step is shortened to land on each requested delay).

``verify=True`` repeats the run with every bound halved; RK4 being fourth order, the difference of
the two runs bounds the error of the coarse one (Richardson: the fine run's error is ~1/16 of it).
Pixels are processed in chunks (``chunk`` pixels, default 2^14, cache-sized) so memory stays
bounded for N = 1e6.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from spinscope.errors import DataRangeError

__all__ = ["integrate"]


def integrate(system, pump, u, delays, *, dt_pump=None, growth=0.05, safety=2.5, dt_max=None,
              chunk=16384, dtype=float, progress=None, workers=1):
    """Integrate ``system`` for absorbed energy densities ``u`` (one per pixel) over ``delays``.

    Parameters
    ----------
    system
        A :class:`spinscope.ultrafast.models.System`.
    pump
        A :class:`spinscope.ultrafast.pump.Pump` (its ``t0`` and ``duration`` are used).
    u
        Absorbed energy density per pixel [J/m^3], shape ``(N,)``; 0 is an unpumped pixel.
    delays
        Output delays [s], strictly increasing.
    dt_pump
        Largest step inside the pump window [s]; default ``duration / 10``; must be
        ``<= duration / 4`` or the pump is not resolved.
    growth
        Largest step as a fraction of the time since the pump [dimensionless].
    safety
        ``h lambda_max`` bound (RK4 is stable up to 2.78).
    dt_max
        Absolute largest step [s]; default none.
    chunk
        Pixels per chunk.
    dtype
        Output dtype of the stored trajectories.
    progress
        Optional callable ``progress(done_pixels, total_pixels)``.
    workers
        Threads working on chunks in parallel (numpy releases the GIL in its loops); 1 = serial.

    Returns
    -------
    tuple
        ``(Y, stats)``: ``Y`` of shape ``(len(delays), n_out, N)`` holding the rows of
        ``system.out_names`` (:meth:`System.output`), and a dict with ``n_steps`` (per chunk, the
        largest) and ``t_start`` [s].

    Size: each keyword-only parameter is one documented bound of the step-size rule (module notes)
    or one execution option, reached by users through ``**solver_options`` of
    :func:`~spinscope.ultrafast.simulate.solve_pixels`; bundling them would change that keyword API.
    """
    delays = np.asarray(delays, dtype=float)
    if delays.ndim != 1 or delays.size < 2 or np.any(np.diff(delays) <= 0):
        raise DataRangeError("delays: expected at least two strictly increasing delays [s]",
                             field="delays")
    u = np.asarray(u, dtype=float).reshape(-1)
    if np.any(~np.isfinite(u)) or np.any(u < 0):
        raise DataRangeError("fluence: absorbed energy must be finite and >= 0", field="fluence")
    rule = _StepRule.for_pump(pump, dt_pump=dt_pump, growth=growth, safety=safety, dt_max=dt_max)
    t_start = min(delays[0], rule.t0 - rule.win)
    n = u.size
    out = np.empty((delays.size, len(system.out_names), n), dtype=dtype)

    def run_chunk(c0: int) -> int:
        uc = u[c0:c0 + chunk]
        steps = _integrate_chunk(system, pump, uc, delays, t_start, rule, out[:, :, c0:c0 + uc.size])
        if progress is not None:
            progress(c0 + uc.size, n)
        return steps

    starts = range(0, n, chunk)
    if workers > 1 and len(starts) > 1:
        # numpy releases the GIL inside its loops: chunks run in parallel threads

        with ThreadPoolExecutor(max_workers=workers) as pool:
            max_steps = max(pool.map(run_chunk, starts))
    else:
        max_steps = max(run_chunk(c0) for c0 in starts)
    return out, {"n_steps": max_steps, "t_start": t_start}


@dataclass(frozen=True)
class _StepRule:
    """The step-size rule of the module notes.

    Attributes
    ----------
    t0
        Time of the pump maximum [s].
    win
        Half-width of the pump window, 4 FWHM [s].
    dt_pump
        Largest step inside the pump window [s].
    growth
        Largest step after the pump as a fraction of the time since the pump [dimensionless].
    safety
        Bound of ``h lambda_max`` [dimensionless].
    dt_max
        Absolute largest step [s], or ``None``.
    """

    t0: float
    win: float
    dt_pump: float
    growth: float
    safety: float
    dt_max: float | None

    @classmethod
    def for_pump(cls, pump, *, dt_pump, growth, safety, dt_max) -> _StepRule:
        """Check ``dt_pump`` against the pump FWHM (default FWHM/10, at most FWHM/4) and build the rule."""
        fwhm = pump.duration
        if dt_pump is None:
            dt_pump = fwhm / 10.0
        if not dt_pump > 0:
            raise DataRangeError(f"dt_pump: expected a positive step [s], got {dt_pump!r}",
                                 field="dt_pump")
        if dt_pump > fwhm / 4.0:
            raise DataRangeError(
                f"dt_pump: a step of {dt_pump:.3g} s does not resolve the pump of FWHM {fwhm:.3g} s "
                f"(need <= FWHM/4 = {fwhm / 4:.3g} s)", field="dt_pump")
        return cls(pump.t0, 4.0 * fwhm, dt_pump, growth, safety, dt_max)

    def step(self, t: float, lam: float) -> float:
        """Largest step [s] from time ``t`` [s] with stiffness bound ``lam`` [1/s]."""
        t0, win = self.t0, self.win
        if t < t0 - win - 1e-6 * self.dt_pump:
            h = (t0 - win) - t  # nothing happens before the pump: jump to its window
        elif t < t0 + win:
            h = self.dt_pump
        else:
            h = max(self.dt_pump, self.growth * (t - t0))
        if self.dt_max is not None:
            h = min(h, self.dt_max)
        return min(h, self.safety / lam)


#: Step budget of one integration. A 1 J/cm^2 pump on Ni or GdFeCo takes ~25,000 steps; the count grows
#: about linearly with fluence, so the budget refuses (within ~5-15 s) pumps some four times beyond the
#: damage range instead of running for hours.
MAX_STEPS = 100_000


def _integrate_chunk(system, pump, uc, delays, t_start: float, rule: _StepRule, out) -> int:
    """RK4 for the pixels ``uc`` [J/m^3] from ``t_start`` [s]; rows at ``delays`` go to ``out``.

    ``out`` is the chunk's view ``(delay, n_out, pixels)`` of the full output; returns the number of
    steps taken.
    """
    y = system.initial_state(uc.size)
    t = t_start
    k = 0
    if delays[0] == t_start:
        out[0] = system.output(y)
        k = 1
    steps = 0
    lam = system.stiffness(y)
    while k < delays.size:
        if steps % 4 == 0:
            lam = system.stiffness(y)
        h = rule.step(t, lam)
        # land exactly on outputs
        if t + h >= delays[k] - 1e-9 * h:
            h = delays[k] - t
            hit = True
        else:
            hit = False
        y = _rk4(system, pump, uc, y, t, h)
        steps += 1
        t = delays[k] if hit else t + h
        if hit:
            row = system.output(y)
            out[k] = row
            k += 1
            while k < delays.size and delays[k] <= t:
                out[k] = row
                k += 1
        if steps > MAX_STEPS:
            raise DataRangeError(
                f"fluence: the integration needs more than {MAX_STEPS} steps (the model is stiff at the "
                f"electron temperatures this pump reaches, {float(np.max(system.output(y)[0])):.3g} K at "
                f"{t:.3g} s); lower the pump fluence: such a pump ablates the film", field="fluence")
    return steps


def _rk4(system, pump, u, y, t, h):
    """One classical RK4 step; temporaries are reused (in-place arithmetic)."""
    g0 = pump.temporal_profile(t)
    g1 = pump.temporal_profile(t + 0.5 * h)
    g2 = pump.temporal_profile(t + h)
    k = system.rhs(y, u * g0)
    acc = k.copy()  # k1 + 2 k2 + 2 k3 + k4
    tmp = np.multiply(k, 0.5 * h)
    tmp += y
    k = system.rhs(tmp, u * g1)
    acc += 2.0 * k
    np.multiply(k, 0.5 * h, out=tmp)
    tmp += y
    k = system.rhs(tmp, u * g1)
    acc += 2.0 * k
    np.multiply(k, h, out=tmp)
    tmp += y
    k = system.rhs(tmp, u * g2)
    acc += k
    acc *= h / 6.0
    acc += y
    return acc


def integrate_implicit(system, pump, u, delays, *, dt_pump=None, rtol=1e-8, method="Radau"):
    """Reference integration with scipy's implicit ``solve_ivp`` (Radau by default).

    Suited to few pixels over long times (10 ps - 10 ns), where the explicit RK4 is limited by the
    stiffness of the spin and heat-flow equations. The run is split at the pump window
    ``t0 +- 4 FWHM``, inside which the step is limited to ``dt_pump`` so the source is resolved.

    Parameters
    ----------
    system, pump, u, delays, dt_pump
        As for :func:`integrate`.
    rtol
        Relative tolerance; absolute tolerances are 1e-6 K, 1e-10 (m) and 1e-3 J/m^3.
    method
        A stiff ``solve_ivp`` method (``"Radau"``, ``"BDF"``, ``"LSODA"``).

    Returns
    -------
    tuple
        ``(Y, stats)`` as :func:`integrate`.
    """
    delays = np.asarray(delays, dtype=float)
    if delays.ndim != 1 or delays.size < 2 or np.any(np.diff(delays) <= 0):
        raise DataRangeError("delays: expected at least two strictly increasing delays [s]",
                             field="delays")
    u = np.asarray(u, dtype=float).reshape(-1)
    if np.any(~np.isfinite(u)) or np.any(u < 0):
        raise DataRangeError("fluence: absorbed energy must be finite and >= 0", field="fluence")
    fwhm = pump.duration
    dt_pump = fwhm / 20.0 if dt_pump is None else dt_pump
    if not 0 < dt_pump <= fwhm / 4.0:
        raise DataRangeError(
            f"dt_pump: a step of {dt_pump!r} s does not resolve the pump of FWHM {fwhm:.3g} s "
            f"(need 0 < dt_pump <= FWHM/4)", field="dt_pump")
    nv, n = system.nv, u.size
    win = 4.0 * fwhm
    t_start = min(delays[0], pump.t0 - win)
    t_end = delays[-1]
    edges = [t_start]
    for e in (pump.t0 - win, pump.t0 + win):
        if edges[-1] < e < t_end:
            edges.append(e)
    edges.append(t_end)
    atol = np.empty(nv)
    atol[:] = 1e-6
    atol[system.i_m] = 1e-10
    atol[system.i_eabs] = atol[system.i_eout] = 1e-3
    out = np.empty((delays.size, len(system.out_names), n))
    n_steps = 0
    # one pixel at a time: a common adaptive step for many stiff pixels is far slower
    for j in range(n):
        uj = u[j:j + 1]

        def f(t, yv, uj=uj):
            return system.rhs(yv.reshape(nv, 1), uj * pump.temporal_profile(t)).reshape(-1)

        y = system.initial_state(1).reshape(-1)
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            sel = (delays >= a) & (delays <= b)
            in_pump = a >= pump.t0 - win - 1e-30 and b <= pump.t0 + win + 1e-30
            kw = {"max_step": dt_pump} if in_pump else {}
            with np.errstate(over="ignore", invalid="ignore"):
                sol = solve_ivp(f, (a, b), y, method=method, t_eval=delays[sel], rtol=rtol,
                                atol=atol, first_step=min(dt_pump, (b - a) / 10), **kw)
            if not sol.success:  # pragma: no cover - solver failure is a programming error
                raise RuntimeError(f"solve_ivp failed: {sol.message}")
            for i, yy in zip(np.nonzero(sel)[0], sol.y.T, strict=True):
                out[i, :, j] = system.output(yy.reshape(nv, 1))[:, 0]
            y = sol.y[:, -1] if sol.t.size and sol.t[-1] == b else _final(f, a, b, y, method,
                                                                           rtol, atol, kw)
            n_steps += int(sol.nfev)
    return out, {"n_steps": n_steps, "t_start": t_start}


def _final(f, a, b, y, method, rtol, atol, kw):
    """State at the segment end when t_eval did not include it."""
    with np.errstate(over="ignore", invalid="ignore"):
        s = solve_ivp(f, (a, b), y, method=method, t_eval=[b], rtol=rtol, atol=atol, **kw)
    return s.y[:, -1]
