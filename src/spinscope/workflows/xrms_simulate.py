"""``spinscope xrms simulate``: a time-resolved magnetic SAXS delay scan from a configuration.

Steps (:func:`simulate_xrms`):

1. **Source**: HHG (:class:`spinscope.sources.hhg.HHGSource`, the harmonic nearest the requested edge or
   energy, its photons per pulse after ``beamline_transmission``) or a laser-plasma source
   (:class:`spinscope.sources.plasma.PlasmaSource`, monochromatised).
2. **Camera**: film constants at that energy (:func:`spinscope.interaction.film_optics`), the detector,
   a simulation grid matched to it (:meth:`spinscope.instruments.ScatteringCamera.for_detector`). A ring
   (the texture's first order, ``k_perp = 2 pi / period``) that falls inside the beam stop or beyond the
   detector is refused with a one-line :class:`~spinscope.errors.DataRangeError`.
3. **Texture and dynamics**: the domain texture on the grid, the per-pixel demagnetisation over the pump
   spot, the texture models (:mod:`spinscope.evolution.domains`); the time resolution is the
   pump-probe cross-correlation of pump, X-ray pulse and jitter.
4. **Scan**: :func:`spinscope.acquisition.delay_scan.run_delay_scan` (checkpoints, resume, NeXus).
5. **Injected values** (what the analysis should recover): the noise-free ring-window trace
   ``M_true(t) = sqrt(S(t) / S_off)`` stored in the file (``ring_ideal``) is fitted with the same
   IRF-convolved curve the analysis uses (:func:`spinscope.analysis.timetrace.fit_demagnetisation`, IRF
   fixed to the true cross-correlation) giving ``tau_m``, ``amplitude``, ``tau_r``, ``t0``; the period
   ``2 pi / q0`` and the correlation length ``2 / FWHM`` from the same line shape the analysis uses
   (pseudo-Voigt + linear background) fitted to the texture's own radial structure factor of ``m_z``
   (before the illumination and the coherence broaden the ring: the measured correlation length is
   shorter); a labyrinth's ring is skewed, so this peak differs from the generator's ``nominal_period``
   (``2 pi / q0`` of the Swift-Hohenberg model) and from the power-weighted ``dominant_period`` by up to
   ~1 %; ``q_shift = 1 / (1 + s(t_last)) - 1`` from the model dilation at the latest delay (wall
   broadening adds a smaller shift of its own).
"""

from __future__ import annotations

import math
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from spinscope.acquisition.delay_scan import DelayScan, cross_correlation_fwhm, run_delay_scan
from spinscope.analysis.rings import fit_ring
from spinscope.analysis.timetrace import fit_demagnetisation
from spinscope.config.kinds import load_config
from spinscope.config.load import format_validation_error
from spinscope.config.xrms import XrmsConfig
from spinscope.detectors.area import AreaDetector
from spinscope.errors import ConfigError, DataRangeError
from spinscope.evolution.domains import TextureDynamics, TextureModels, demag_map
from spinscope.instruments.scattering import ScatteringCamera
from spinscope.interaction import film_optics
from spinscope.interaction.far_field import transverse_wavevector
from spinscope.io import read_nexus
from spinscope.progress import Progress
from spinscope.sample import textures
from spinscope.sample.textures import dominant_period, radial_structure_factor
from spinscope.sources.hhg import HHGSource
from spinscope.sources.plasma import PlasmaSource
from spinscope.ultrafast import Pump
from spinscope.workflows.preflight import preflight_xrms

__all__ = ["build_xrms", "injected_parameters", "load_xrms_config", "simulate_xrms"]


def load_xrms_config(config: Any):
    """A validated :class:`~spinscope.config.xrms.XrmsConfig` from a TOML path, a mapping or a model."""
    if isinstance(config, XrmsConfig):
        return config
    if isinstance(config, dict):
        try:
            return XrmsConfig.model_validate(config)
        except ValidationError as exc:
            raise ConfigError(format_validation_error(exc)) from None
    return load_config(Path(config), XrmsConfig)


def _source(cfg) -> dict[str, Any]:
    s = cfg.source
    if s.kind == "hhg":
        kw: dict[str, Any] = {
            "driver_wavelength": s.driver_wavelength,
            "repetition_rate": s.repetition_rate,
            "relative_bandwidth": s.relative_bandwidth,
            "flux_per_1pct_bw": s.flux_per_1pct_bw,
            "xray_duration": s.pulse_duration,
        }
        if s.intensity is not None:
            kw["intensity"] = s.intensity
        src = HHGSource.fan2022(**kw)
        if s.edge is not None:
            el, edge = s.edge.split()
            h = src.nearest_harmonic_to_edge(el, edge)
        else:
            h = src.nearest_harmonic(s.energy)
        return {
            "kind": "hhg", "energy": h.energy, "order": h.order, "bandwidth": h.bandwidth,
            "photons_per_pulse": h.photons_per_pulse * s.beamline_transmission,
            "repetition_rate": src.repetition_rate, "pulse_duration": s.pulse_duration,
            "cutoff": src.cutoff_energy, "flux": h.flux * s.beamline_transmission,
        }

    src = PlasmaSource.preset(reference_flux=s.reference_flux, reference_energy=s.reference_energy,
                              slope=s.slope, pulse_duration=s.pulse_duration,
                              repetition_rate=s.repetition_rate)
    beam = src.monochromatise(s.energy, s.resolving_power, efficiency=s.monochromator_efficiency)
    return {
        "kind": "plasma", "energy": beam.energy, "bandwidth": beam.bandwidth,
        "photons_per_pulse": beam.photons_per_pulse * s.beamline_transmission,
        "repetition_rate": beam.repetition_rate, "pulse_duration": beam.pulse_duration,
        "flux": beam.flux * s.beamline_transmission,
    }


def _texture(cfg, n: int, cell: float):
    sm = cfg.sample
    if sm.texture == "file":
        return textures.texture_from_file(sm.texture_file, shape=(n, n), cell=cell)
    if sm.texture == "labyrinth":
        return textures.labyrinth_domains((n, n), cell, sm.period, wall_width=sm.wall_width,
                                          wall_type=sm.wall_type, rng=sm.seed, steps=sm.relaxation_steps)
    if sm.texture == "stripes":
        # a whole number of periods in the field of view keeps the pattern periodic on the grid
        fov = n * cell
        p = fov / max(1, round(fov / sm.period))
        return textures.stripe_domains((n, n), cell, p, wall_width=sm.wall_width, wall_type=sm.wall_type)
    return textures.bubble_lattice((n, n), cell, sm.period, 0.3 * sm.period, wall_width=sm.wall_width,
                                   wall_type=sm.wall_type)


def _ring_on_detector(det, optics, energy: float, period: float) -> tuple[np.ndarray, float]:
    """Transverse wavevector magnitude of each pixel [1/m] and that of the texture's ring [1/m].

    Raises
    ------
    DataRangeError
        The ring of ``period`` [m] at ``energy`` [eV] lies behind the beam stop or off the detector.
    """
    ky, kx = transverse_wavevector(det, energy)
    kp = np.hypot(ky, kx)
    k_ring = 2.0 * math.pi / period
    k_lo = float(kp[~det.beam_stop()].min()) if (~det.beam_stop()).any() else math.inf
    k_edge = float(min(np.abs(kx[0]).max(), np.abs(ky[:, 0]).max()))  # nearest detector edge
    if not (k_lo * 1.2 < k_ring < 0.9 * k_edge):
        lam = optics.wavelength
        r_ring = det.distance * math.tan(math.asin(min(lam / period, 0.999999)))
        raise DataRangeError(
            f"detector: the ring of period {period * 1e9:.4g} nm at {energy:.4g} eV falls at r = "
            f"{r_ring * 1e3:.3g} mm, outside the usable detector (beam stop "
            f"{det.beam_stop_radius * 1e3:.3g} mm, edge "
            f"{min(det.shape) * min(det.pixel_size) / 2 * 1e3:.3g} "
            "mm); change detector.distance",
            field="detector.distance",
        )
    return kp, k_ring


def _texture_models(dy) -> TextureModels:
    """The texture phenomenology of the ``[dynamics]`` table (unset times are infinite [s])."""
    return TextureModels(
        wall_broadening=dy.wall_broadening, wall_velocity=dy.wall_velocity, max_expansion=dy.max_expansion,
        thermal_expansion=dy.thermal_expansion,
        thermal_time=dy.thermal_time if dy.thermal_time is not None else math.inf,
        recovery_time=dy.recovery_time if dy.recovery_time is not None else math.inf,
    )


def build_xrms(cfg, *, progress=None) -> dict[str, Any]:
    """Components of the simulation: ``source``, ``optics``, ``detector``, ``camera``, ``texture``,
    ``dynamics``, ``scan``, ``irf_fwhm``, ``ring_mask``, ``delays``.

    Raises
    ------
    DataRangeError
        The texture's ring lies behind the beam stop or off the detector.
    """
    step = progress or (lambda label: None)
    src = _source(cfg)
    e = src["energy"]
    d = cfg.detector
    det = AreaDetector(shape=tuple(d.shape), pixel_size=d.pixel_size, distance=d.distance,
                       beam_stop_radius=d.beam_stop_radius, quantum_efficiency=d.quantum_efficiency,
                       gain=d.gain, read_noise=d.read_noise, full_well=d.full_well, adc_bits=d.adc_bits,
                       dark_level=d.dark_level)
    optics = film_optics(cfg.sample, e, tilt=cfg.sample.tilt)
    kp, k_ring = _ring_on_detector(det, optics, e, cfg.sample.period)
    ill = cfg.illumination
    pol = ill.polarisation
    camera = ScatteringCamera.for_detector(
        optics, det, oversampling=d.oversampling, illumination_profile=ill.profile,
        illumination_size=ill.size, coherence_length=ill.coherence_length, polarisation=pol,
        workers=min(os.cpu_count() or 1, 4),
    )
    step("texture")
    texture = _texture(cfg, camera.n, camera.cell)
    delays = np.asarray(cfg.scan.values(), dtype=float)
    p = cfg.pump
    irf = cross_correlation_fwhm(p.duration, src["pulse_duration"], p.jitter)
    pump = Pump(fluence=p.fluence if cfg.dynamics.demagnetisation else 1e-12, duration=p.duration,
                wavelength=p.wavelength, spot_fwhm=p.spot_fwhm)
    step("dynamics")
    y = camera.coordinates()
    dm = demag_map(cfg.dynamics.material, pump, y, y, t_range=(float(delays.min()), float(delays.max())),
                   irf_fwhm=irf, nodes=cfg.dynamics.nodes, lookup=cfg.dynamics.lookup,
                   model=cfg.dynamics.model)
    if len(dm.species) != optics.magnetic.size or set(dm.species) != set(optics.species):
        raise ConfigError(
            f"dynamics.material: species {list(dm.species)} of {cfg.dynamics.material} differ from the "
            "elements "
            f"{list(optics.species)} of the magnetic layer",
            field="dynamics.material",
        )
    order = [optics.species.index(s) for s in dm.species]
    if order != list(range(len(order))):
        optics = replace(optics, species=tuple(dm.species), magnetic=optics.magnetic[order])
        camera = ScatteringCamera(optics, det, camera.n, camera.cell, illumination_profile=ill.profile,
                                  illumination_size=ill.size, coherence_length=ill.coherence_length,
                                  polarisation=pol, workers=camera.workers)
    period = float(texture.attrs.get("period", cfg.sample.period))
    dynamics = TextureDynamics(texture, dm, cfg.sample.wall_width, period, _texture_models(cfg.dynamics))
    sc = cfg.scan
    scan = DelayScan(delays=tuple(delays), exposure=sc.exposure, repetition_rate=src["repetition_rate"],
                     photons_per_pulse=src["photons_per_pulse"], exposures=sc.exposures, pump_off=sc.pump_off,
                     source_fluctuation=sc.source_fluctuation, pump_fluctuation=sc.pump_fluctuation,
                     drift=sc.drift, seed=cfg.seed)
    ring_mask = (kp > 0.5 * k_ring) & (kp < 1.5 * k_ring) & ~det.beam_stop()
    return {
        "source": src, "optics": optics, "detector": det, "camera": camera, "texture": texture,
        "dynamics": dynamics, "scan": scan, "irf_fwhm": irf, "ring_mask": ring_mask, "delays": delays,
    }


def _texture_ring(texture, period: float) -> dict[str, float]:
    """Pseudo-Voigt + linear-background fit of the texture's radial structure factor of ``m_z``.

    The same line shape the analysis fits to the measured ring, on the texture itself (before the
    illumination and the coherence broaden it); window ``0.6 .. 1.4`` of ``2 pi / period``.
    """
    q, s = radial_structure_factor(texture)
    q0 = 2.0 * math.pi / period
    w = (q > 0.6 * q0) & (q < 1.4 * q0)
    try:
        return fit_ring((q[w], s[w]), shape="pseudovoigt", background="linear")
    except DataRangeError:
        return {"period": float("nan"), "correlation_length": float("nan")}


def injected_parameters(parts: dict[str, Any], ring_ideal: np.ndarray, ring_off: float) -> dict[str, Any]:
    """The values the analysis should recover (module notes, step 5)."""
    delays = parts["delays"]
    order = np.argsort(delays)
    m_true = np.sqrt(np.clip(np.asarray(ring_ideal, dtype=float), 0, None) / ring_off)
    try:
        fit = fit_demagnetisation(delays[order], m_true[order], None, irf_fwhm=parts["irf_fwhm"], fit_m0=True,
                                  slow_recovery="auto")
    except DataRangeError:  # too few delays (or no step) for the curve: the trace is still stored
        fit = {"tau_m": None, "amplitude": None, "tau_r": None, "t0": None}
    dyn = parts["dynamics"]
    s_last = dyn.dilation(float(delays.max()))
    nominal = float(dyn.period)
    ring = _texture_ring(parts["texture"], nominal)
    return {
        "tau_m": fit["tau_m"],
        "amplitude": fit["amplitude"],
        "tau_r": fit["tau_r"],
        "t0": fit["t0"],
        "irf_fwhm": parts["irf_fwhm"],
        "period": ring["period"],
        "correlation_length": ring["correlation_length"],
        "nominal_period": nominal,
        "dominant_period": float(dominant_period(parts["texture"])),
        "q_shift": 1.0 / (1.0 + s_last) - 1.0,
        "wall_velocity": dyn.models.wall_velocity,
    }




def simulate_xrms(
    config: Any,
    *,
    output: str | os.PathLike,
    overwrite: bool = False,
    resume: bool = False,
    progress: bool = True,
    on_delay=None,
    max_memory: Any = None,
) -> dict[str, Any]:
    """Simulate a delay scan and write it as a NeXus file.

    Parameters
    ----------
    config
        TOML file, mapping or :class:`~spinscope.config.xrms.XrmsConfig`.
    output
        NeXus file to write [path] (``.nxs``).
    overwrite
        Replace an existing file.
    resume
        Continue an interrupted run from its checkpoints (``<output>.partial``).
    progress
        Show progress bars on stderr.
    on_delay
        Called with the delay index after each checkpoint (for tests).
    max_memory
        Memory limit [B] or a size string (``"8 GiB"``); ``None``: half the physical memory. A
        configuration estimated to need more is refused before anything is allocated
        (:func:`spinscope.workflows.preflight.preflight_xrms`).

    Returns
    -------
    dict
        ``output``, ``name``, ``seed``, ``source`` (energy [eV], photons per pulse, ...), ``grid``,
        ``irf_fwhm`` [s], ``injected`` (``tau_m`` [s], ``amplitude``, ``tau_r`` [s], ``period`` [m],
        ``correlation_length`` [m], ``q_shift``, ...), ``n_delays``, ``resumed``, ``outputs``.
    """
    cfg = load_xrms_config(config)
    preflight_xrms(cfg, max_memory)
    out = Path(output)
    with Progress(progress, prefix="xrms simulate: ") as prog:
        parts = build_xrms(cfg, progress=prog.stage)
        cam, dyn = parts["camera"], parts["dynamics"]
        m_demag = dyn.ideal_trace(parts["delays"], weights=cam.amplitude**2, coupling=cam.optics.magnetic)
        prog.stage("delays")
        conf = cfg.model_dump(mode="json")
        run = run_delay_scan(
            cam, dyn, parts["scan"], output=out, config=conf, overwrite=overwrite, resume=resume,
            ring_mask=parts["ring_mask"], injected={"m_demag_injected": m_demag},
            attrs={"irf_fwhm_s": parts["irf_fwhm"], "harmonic_order": parts["source"].get("order", 0),
                   "period_m": float(cfg.sample.period), "wall_width_m": float(cfg.sample.wall_width),
                   "material": cfg.dynamics.material, "lookup_error_m": dyn.demag.lookup_error},
            progress=lambda done, total: prog.update(completed=done, total=total), on_delay=on_delay,
        )

    ds = read_nexus(out)
    ring = np.asarray(ds["ring_ideal"].values, dtype=float)
    if ring.ndim > 1:
        ring = ring.mean(axis=1)
    injected = injected_parameters(parts, ring, float(ds.attrs["ring_ideal_pump_off"]))
    src = {k: v for k, v in parts["source"].items()}
    return {
        "output": str(out),
        "name": cfg.name,
        "seed": cfg.seed,
        "source": src,
        "photons_per_frame": run["photons_per_frame"],
        "grid": {"n": cam.n, "cell": cam.cell, "field_of_view": cam.farfield.field_of_view},
        "irf_fwhm": parts["irf_fwhm"],
        "injected": injected,
        "n_delays": run["n_delays"],
        "resumed": run["resumed"],
        "saturated_pixels": run["saturated_pixels"],
        "outputs": [str(out)],
    }
