"""Engines that run a micromagnetic scenario, behind one protocol and one registry.

:func:`~spinscope.micromagnetics.scenario.run_scenario` looks the scenario's ``engine`` up in
:data:`ENGINES`: ``"spinscope"`` (the built-in numpy / scipy.fft engine, :class:`NumpyEngine`) or
``"magnumnp"`` (magnum.np in a child process,
:class:`~spinscope.micromagnetics.magnumnp_engine.MagnumNPEngine`). A new engine implements
:class:`Engine` and is added to :data:`ENGINES`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from spinscope.config.micromagnetics import LLGConfig
from spinscope.micromagnetics.build import build_simulation
from spinscope.micromagnetics.errors import ParameterError
from spinscope.micromagnetics.magnumnp_engine import MagnumNPEngine

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["ENGINES", "Engine", "NumpyEngine", "get_engine"]


@runtime_checkable
class Engine(Protocol):
    """What running a scenario needs from an engine.

    Attributes
    ----------
    name
        The name a scenario gives in ``engine = "..."``.
    """

    name: str

    def available(self) -> bool:
        """Whether the engine can run here (its optional dependencies are installed)."""
        ...

    def run(self, cfg: LLGConfig, *, base_dir=".", progress: bool = False, checkpoint=None,
            resume: bool = False, workers: int | None = None) -> xr.DataArray:
        """Relax (if the scenario asks) and run ``cfg``; return the magnetisation movie.

        Parameters
        ----------
        cfg
            The scenario.
        base_dir
            Folder for relative paths in the scenario.
        progress
            Show a progress bar.
        checkpoint, resume
            Checkpoint file (``.npz``) and whether to continue from it.
        workers
            Threads for the FFTs.

        Returns
        -------
        xarray.DataArray
            The movie of :func:`~spinscope.micromagnetics.simulation.magnetisation_movie`, with
            the coordinate ``m_avg`` (<m> over the magnetic cells per frame).
        """
        ...


class NumpyEngine:
    """The built-in engine: :class:`~spinscope.micromagnetics.simulation.Simulation` (numpy,
    scipy.fft), adaptive Dormand-Prince or fixed-step Heun with a thermal field."""

    name = "spinscope"

    def available(self) -> bool:
        """Always ``True``: it needs nothing beyond spinscope's own dependencies."""
        return True

    def run(self, cfg: LLGConfig, *, base_dir=".", progress: bool = False, checkpoint=None,
            resume: bool = False, workers: int | None = None) -> xr.DataArray:
        """Relax (if asked) and run ``cfg`` (see :meth:`Engine.run`); the movie's attributes hold
        the scenario name and the number of accepted steps."""
        sim = build_simulation(cfg, base_dir=base_dir, workers=workers)
        resuming = resume and checkpoint is not None and Path(checkpoint).exists()
        if cfg.relax.enabled and not resuming:
            sim.relax(max_torque=cfg.relax.max_torque, method=cfg.relax.method)
        r = cfg.run
        method, dt = ("heun", cfg.thermal.dt) if cfg.thermal is not None else ("rk45", None)
        movie = sim.run(r.duration, interval=r.interval, n_frames=r.n_frames, max_err=r.max_err,
                        method=method, dt=dt, progress=progress, checkpoint=checkpoint,
                        checkpoint_every=r.checkpoint_every, resume=resume)
        movie.attrs["scenario"] = cfg.name
        movie.attrs["steps"] = sim.stats["steps"]
        return movie


#: The engines by name: the one place ``engine = "..."`` is resolved.
ENGINES: dict[str, Engine] = {e.name: e for e in (NumpyEngine(), MagnumNPEngine())}


def get_engine(name: str) -> Engine:
    """The registered engine called ``name``.

    Raises
    ------
    ParameterError
        ``engine``: no engine of that name (the message lists the registered ones).
    """
    try:
        return ENGINES[name]
    except (KeyError, TypeError):
        raise ParameterError(f"engine: unknown engine {name!r}; expected one of "
                             f"{', '.join(sorted(ENGINES))}", field="engine") from None
