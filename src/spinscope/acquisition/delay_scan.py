"""Pump-probe delay scans of a scattering camera: frames per delay with honest noise, NeXus out, resumable.

Plan (:class:`DelayScan`)
    Any list of delays (negative ones before time zero included), in the order given; at each delay
    ``exposures`` frames of ``exposure`` seconds each (``repetition_rate * exposure`` pulses per frame) with
    the pump on and, with ``pump_off``, as many interleaved pump-off reference frames (a chopper on
    alternate pulses: they share the source drift of their delay).

Time resolution
    The pump-probe cross-correlation (FWHM ``sqrt(pump^2 + probe^2 + (2.3548 jitter)^2)``) is applied
    analytically per pixel by the texture dynamics (:func:`spinscope.evolution.domains.demag_map`
    convolves each pixel's trace), not by averaging over jittered delays.

Fluctuations
    Per delay a slow source drift ``1 + drift * N(0, 1)`` common to the pump-on and pump-off frames; per
    frame the shot-to-shot fluctuation of the pulse energy ``source_fluctuation`` (relative rms per shot)
    averages to ``source_fluctuation / sqrt(pulses)``; the pump fluence likewise fluctuates by
    ``pump_fluctuation / sqrt(pulses)`` per frame, applied to the quench ``1 - mu`` (linear in the
    fluence for small changes). The incident photons of every frame are recorded
    (``incident_photons``, ``incident_photons_pump_off``; not named ``monitor``, because the per-delay
    pump-off frames already normalise the drift in the analysis).

Detector and randomness
    Expected photons per pixel from the camera (:class:`spinscope.instruments.ScatteringCamera`, typed
    as :class:`spinscope.acquisition.protocols.FrameCamera`: acquisition never imports an instrument), then
    :meth:`spinscope.detectors.AreaDetector.record` (Poisson photons, QE, electrons, read noise, full well,
    ADC). Delay ``i`` draws from its own stream ``SeedSequence(seed).spawn(n)[i]``: the same seed gives the
    same bytes, whatever the interruptions.

Checkpoints
    After each delay its frames go atomically into ``<output>.partial/delay_<i>.npz`` with a fingerprint of
    the plan and the configuration and the spinscope version; the folder's ``manifest.json`` (written
    before the first delay, marked complete after the last) holds the fingerprint of each top-level key.
    ``resume=True`` reuses the finished delays, so an interrupted scan finishes with results identical to
    an uninterrupted one; checkpoints of another configuration or version, a truncated or foreign file, or
    a link at the folder's name are errors naming the file. The folder is removed once the NeXus file is
    written. The output is claimed for the run (:func:`spinscope.atomic.claim_output`): a second run
    into the same file fails while the first runs.

Output
    :func:`spinscope.io.write_nexus` with ``definition="NXsas"``: ``frames`` ``(delay, [exposure,] y, x)``
    [ADU], ``pump_off`` (same dims), ``saturated`` booleans, the ``delay`` coordinate [s], incident photons,
    the injected (noise-free) traces, and the attributes
    :func:`spinscope.workflows.xrms_analysis.analyze_xrms`
    reads: ``photon_energy_eV``, ``distance_m``, ``pixel_size_m``, ``beam_center_px``, ``dark_level_adu``,
    ``adu_per_photon``, ``saturation_adu``, ``beam_stop_radius_m``; the full configuration is embedded.
    The same geometry is in the NXsas ``entry/instrument`` (:func:`spinscope.io.nexus.nxsas_groups`:
    source, monochromator energy and wavelength, detector distance and pixel sizes [m] with ``units``,
    ``detector/data`` and ``data/data`` linked to ``frames``) and ``entry/sample``.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from spinscope.acquisition.protocols import FrameCamera, TextureEvolution
from spinscope.atomic import (
    OutputError,
    atomic_path,
    claim_output,
    code_version,
    config_fingerprint,
    differing_keys,
    make_folder,
    read_manifest,
    write_manifest,
)
from spinscope.errors import ConfigError, FileFormatError, OutputExistsError
from spinscope.io import write_nexus
from spinscope.io.nexus import nxsas_groups
from spinscope.timing import sigma_to_fwhm
from spinscope.units import parse_quantity

__all__ = ["DelayScan", "cross_correlation_fwhm", "run_delay_scan"]


def cross_correlation_fwhm(pump: float, probe: float, jitter_rms: float = 0.0) -> float:
    """FWHM of the pump-probe cross-correlation of Gaussian pulses with Gaussian timing jitter.

    Parameters
    ----------
    pump, probe
        Intensity FWHM of the pulses [s].
    jitter_rms
        Rms arrival-time jitter [s].

    Returns
    -------
    float
        ``sqrt(pump^2 + probe^2 + (2 sqrt(2 ln 2) jitter)^2)`` [s].
    """
    return math.sqrt(pump**2 + probe**2 + sigma_to_fwhm(jitter_rms) ** 2)


@dataclass(frozen=True)
class DelayScan:
    """A delay-scan plan (module notes).

    Attributes
    ----------
    delays
        Pump-probe delays in acquisition order [s].
    exposure
        Exposure of one frame [s].
    repetition_rate
        Probe (and pump) pulse rate [Hz].
    photons_per_pulse
        Photons per probe pulse incident on the sample [photons].
    exposures
        Frames per delay (and per pump state).
    pump_off
        Record interleaved pump-off reference frames at every delay.
    source_fluctuation
        Shot-to-shot rms of the probe pulse energy [relative].
    pump_fluctuation
        Shot-to-shot rms of the pump fluence [relative].
    drift
        Rms of the slow source drift from delay to delay [relative].
    seed
        Seed of the run.
    """

    delays: tuple[float, ...]
    exposure: float
    repetition_rate: float
    photons_per_pulse: float
    exposures: int = 1
    pump_off: bool = True
    source_fluctuation: float = 0.0
    pump_fluctuation: float = 0.0
    drift: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        d = tuple(float(v) for v in np.atleast_1d(np.asarray(self.delays, dtype=float)))
        if len(d) < 1 or not all(math.isfinite(v) for v in d):
            raise ConfigError("scan.delays: expected finite delays [s]", field="scan.delays")
        if len(set(d)) != len(d):
            raise ConfigError("scan.delays: expected distinct delays", field="scan.delays")
        object.__setattr__(self, "delays", d)
        for name in ("exposure", "repetition_rate", "photons_per_pulse"):
            v = float(getattr(self, name))
            if not (math.isfinite(v) and v > 0):
                raise ConfigError(f"scan.{name}: expected a positive number, got {v!r}", field=f"scan.{name}")
            object.__setattr__(self, name, v)
        if int(self.exposures) < 1:
            raise ConfigError(f"scan.exposures: expected >= 1, got {self.exposures!r}",
                              field="scan.exposures")
        object.__setattr__(self, "exposures", int(self.exposures))
        for name in ("source_fluctuation", "pump_fluctuation", "drift"):
            v = float(getattr(self, name))
            if not (math.isfinite(v) and 0 <= v < 1):
                raise ConfigError(f"scan.{name}: expected a relative rms in [0, 1), got {v!r}",
                                  field=f"scan.{name}")
            object.__setattr__(self, name, v)

    @property
    def pulses(self) -> float:
        """Pulses per frame ``repetition_rate * exposure``."""
        return self.repetition_rate * self.exposure

    @property
    def photons_per_frame(self) -> float:
        """Mean incident photons per frame [photons]."""
        return self.pulses * self.photons_per_pulse

    def fingerprint(self, extra: Any = None) -> str:
        """SHA-256 of the plan and ``extra`` (the configuration): checkpoints only resume a matching run."""
        text = json.dumps({"scan": asdict(self), "extra": extra}, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def _partial_dir(output: Path) -> Path:
    return output.with_name(output.name + ".partial")


def _one_delay(camera: FrameCamera, dynamics: TextureEvolution, scan: DelayScan, i: int,
               off_expected: np.ndarray | None, ring_mask: np.ndarray | None = None) -> dict[str, Any]:
    """Frames of delay ``i`` (pump on, pump off) with their own random stream."""
    ss = np.random.SeedSequence(scan.seed).spawn(len(scan.delays))[i]
    rng = np.random.default_rng(ss)
    t = scan.delays[i]
    k = scan.exposures
    drift = 1.0 + scan.drift * rng.standard_normal()
    shot = scan.source_fluctuation / math.sqrt(scan.pulses)
    pshot = scan.pump_fluctuation / math.sqrt(scan.pulses)
    on_ph = scan.photons_per_frame * drift * (1.0 + shot * rng.standard_normal(k))
    off_ph = scan.photons_per_frame * drift * (1.0 + shot * rng.standard_normal(k))
    pump_f = 1.0 + pshot * rng.standard_normal(k)
    tilt = camera.optics.tilt
    ny, nx = camera.detector.shape
    adu = np.empty((k, ny, nx), dtype=np.uint16 if camera.detector.adc_bits <= 16 else np.uint32)
    sat = np.empty((k, ny, nx), dtype=bool)
    ideal = np.full(k, np.nan)
    for j in range(k):
        lam = camera.expected(dynamics.projection(t, tilt=tilt, quench_scale=float(pump_f[j])), photons=1.0)
        if ring_mask is not None:
            ideal[j] = float(lam[ring_mask].sum())
        rec = camera.detector.record(lam * max(float(on_ph[j]), 0.0), energy=camera.optics.energy, rng=rng,
                                     thinning="poisson")
        adu[j], sat[j] = rec.adu, rec.saturated
    out = {"adu": adu, "saturated": sat, "photons": on_ph, "pump_factor": pump_f, "ring_ideal": ideal}
    if off_expected is not None:
        adu_off = np.empty_like(adu)
        sat_off = np.empty_like(sat)
        for j in range(k):
            rec = camera.detector.record(off_expected * max(float(off_ph[j]), 0.0),
                                         energy=camera.optics.energy, rng=rng, thinning="poisson")
            adu_off[j], sat_off[j] = rec.adu, rec.saturated
        out.update(adu_off=adu_off, saturated_off=sat_off, photons_off=off_ph)
    return out


def _save_checkpoint(path: Path, data: dict[str, Any], fingerprint: str) -> None:
    """One delay's checkpoint, atomically (a unique temporary name, then a rename)."""
    with atomic_path(path, overwrite=True) as tmp, tmp.open("wb") as fh:
        np.savez(fh, fingerprint=np.array(fingerprint), version=np.array(code_version()), **data)


def _load_checkpoint(path: Path, fingerprint: str) -> dict[str, Any]:
    """One delay's checkpoint, checked.

    Raises
    ------
    FileFormatError
        The file is not a checkpoint, is truncated or corrupt, or belongs to another configuration;
        the message names it.
    """
    try:
        with open(path, "rb") as fh:
            magic = fh.read(2)
        if magic != b"PK":
            raise FileFormatError(f"{path}: not a delay-scan checkpoint (expected a .npz archive)",
                                  path=str(path))
        with zipfile.ZipFile(path) as zf:
            damaged = zf.testzip()  # every member's CRC: a flipped bit is caught here
        if damaged is not None:
            raise FileFormatError(f"{path}: corrupt checkpoint (entry {damaged!r} fails its CRC check); "
                                  "rerun without --resume", path=str(path))
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except FileFormatError:
        raise
    except Exception as exc:  # BadZipFile, EOFError, zlib.error, ...: any failure to decode
        raise FileFormatError(f"{path}: truncated or corrupt checkpoint ({type(exc).__name__}: {exc}); "
                              "rerun without --resume", path=str(path)) from None
    if "fingerprint" not in data or str(data.pop("fingerprint")) != fingerprint:
        raise FileFormatError(f"{path}: checkpoint made with another configuration; resume with the "
                              "configuration that made it, or rerun without --resume", path=str(path))
    data.pop("version", None)
    return data


def _partial_folder(partial: Path, *, fingerprint: str, keys: dict[str, str], resume: bool,
                    n: int) -> None:
    """Prepare the checkpoint folder: refuse a link or a file there; without ``resume`` start it
    afresh; with ``resume`` refuse one made by another configuration or spinscope version (its
    ``manifest.json`` says which top-level keys differ). Its manifest is written before any delay."""
    if partial.is_symlink() or (partial.exists() and not partial.is_dir()):
        raise OutputError(f"{partial}: the checkpoint folder is a link or a file; remove it",
                          path=str(partial))
    if partial.exists() and not resume:
        shutil.rmtree(partial)
    man = read_manifest(partial) if partial.is_dir() else None
    if man is not None and resume:
        if man.get("spinscope_version") != code_version():
            raise FileFormatError(
                f"{partial}: checkpoints made by spinscope {man.get('spinscope_version')}, this is "
                f"{code_version()}; rerun without --resume", path=str(partial))
        if man.get("fingerprint") != fingerprint:
            diff = differing_keys(man.get("keys"), keys)
            which = f" (differs in: {', '.join(diff)})" if diff else ""
            raise FileFormatError(
                f"{partial}: checkpoints made with another configuration{which}; resume with the "
                "configuration that made them, or rerun without --resume", path=str(partial))
    make_folder(partial)
    write_manifest(partial, complete=False, kind="spinscope delay-scan checkpoints",
                   fingerprint=fingerprint, keys=keys, delays=n)


def run_delay_scan(
    camera: FrameCamera,
    dynamics: TextureEvolution,
    scan: DelayScan,
    *,
    output: str | Path,
    config: dict[str, Any] | None = None,
    attrs: dict[str, Any] | None = None,
    injected: dict[str, Any] | None = None,
    overwrite: bool = False,
    resume: bool = False,
    ring_mask: np.ndarray | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_delay: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Acquire a delay scan and write it as a NeXus file (module notes).

    Size: twelve parameters: the instrument, the sample's evolution and the plan, then keyword-only
    options of the run (output file, what to embed, resume, callbacks), each with a default, set by
    name like a configuration; grouping them would only move the same names into another object. The
    length is this docstring: the body (about 35 lines) delegates to ``_acquire`` and ``_data_vars``.

    Parameters
    ----------
    camera
        The instrument (:class:`spinscope.instruments.ScatteringCamera` or any
        :class:`~spinscope.acquisition.protocols.FrameCamera`).
    dynamics
        The magnetisation after the pump on the camera's grid
        (:class:`spinscope.evolution.domains.TextureDynamics` or any
        :class:`~spinscope.acquisition.protocols.TextureEvolution`).
    scan
        The plan.
    output
        NeXus file to write [path].
    config
        Configuration (JSON-serialisable) embedded in the file and in the checkpoint fingerprint.
    attrs
        Further attributes of the data group (parameters of the run).
    injected
        Noise-free traces along the delays to store (name -> array), e.g. ``m_injected``.
    overwrite
        Replace an existing output file.
    resume
        Reuse the checkpoints of an interrupted run with the same plan and configuration.
    ring_mask
        Pixels ``(ny, nx)`` of the ring window: the noise-free fraction of the incident photons they
        receive is stored per frame as ``ring_ideal`` (and ``ring_ideal_pump_off`` as an attribute), the
        truth behind ``M(t) = sqrt(S(t) / S_ref)``.
    progress
        Called as ``progress(done, total)`` after each delay.
    on_delay
        Called with the delay index after its checkpoint is written (tests interrupt here).

    Returns
    -------
    dict
        ``output``, ``n_delays``, ``resumed`` (delays taken from checkpoints), ``seed``,
        ``photons_per_frame``,
        ``saturated_pixels``.

    Raises
    ------
    OutputExistsError
        ``output`` exists and ``overwrite`` is false, or it is a folder.
    OutputError
        Another run writes ``output``, or it or its checkpoint folder cannot be written.
    FileFormatError
        ``resume``: a checkpoint is truncated, foreign, or made with another configuration or
        spinscope version (names the file or folder).
    """
    out = Path(output)
    with claim_output(out):
        return _run_claimed(camera, dynamics, scan, out, config=config, attrs=attrs, injected=injected,
                            overwrite=overwrite, resume=resume, ring_mask=ring_mask, progress=progress,
                            on_delay=on_delay)


def _run_claimed(camera: FrameCamera, dynamics: TextureEvolution, scan: DelayScan, out: Path, *,
                 config: dict[str, Any] | None, attrs: dict[str, Any] | None,
                 injected: dict[str, Any] | None, overwrite: bool, resume: bool,
                 ring_mask: np.ndarray | None, progress: Callable[[int, int], None] | None,
                 on_delay: Callable[[int], None] | None) -> dict[str, Any]:
    """The body of :func:`run_delay_scan` while it holds the claim on ``out`` (same parameters).

    Size: the eleven parameters are those of :func:`run_delay_scan`, passed on by name.
    """
    if out.exists() and not overwrite:
        raise OutputExistsError(f"{out}: exists; pass --overwrite or choose another output", path=str(out))
    if out.exists() and out.is_dir():
        raise OutputExistsError(f"{out}: is a folder; expected a file name such as scan.nxs", path=str(out))
    partial = _partial_dir(out)
    fingerprint = scan.fingerprint(config)
    keys = {**config_fingerprint(config or {})[1], "scan": scan.fingerprint(None)[:16]}
    _partial_folder(partial, fingerprint=fingerprint, keys=keys, resume=resume, n=len(scan.delays))
    off_expected = None
    if scan.pump_off:
        off_expected = camera.expected(dynamics.projection(None, tilt=camera.optics.tilt), photons=1.0)
    results, resumed = _acquire(camera, dynamics, scan, partial, fingerprint=fingerprint,
                                resume=resume, off_expected=off_expected, ring_mask=ring_mask,
                                progress=progress, on_delay=on_delay)
    write_manifest(partial, complete=True, kind="spinscope delay-scan checkpoints",
                   fingerprint=fingerprint, keys=keys, delays=len(scan.delays))
    dvars = _data_vars(results, scan, ring_mask=ring_mask, injected=injected)
    a = _camera_attrs(camera, scan)
    if ring_mask is not None:
        off_unit = off_expected if off_expected is not None else camera.expected(
            dynamics.projection(None, tilt=camera.optics.tilt), photons=1.0)
        a["ring_ideal_pump_off"] = float(off_unit[ring_mask].sum())
    a.update(attrs or {})
    delay_coord = ("delay", np.asarray(scan.delays, dtype=float),
                   {"units": "s", "long_name": "pump-probe delay"})
    ds = xr.Dataset(dvars, coords={"delay": delay_coord}, attrs=a)
    source = (config or {}).get("source")
    kind = source.get("kind") if isinstance(source, dict) else None
    groups = nxsas_groups(a, name="spinscope simulated tabletop XRMS",
                          source_type="UV Plasma Source" if kind == "plasma" else "Optical Laser")
    write_nexus(out, ds, config=config, seed=int(scan.seed), overwrite=overwrite, definition="NXsas",
                signal="frames", title="spinscope simulated time-resolved magnetic SAXS delay scan",
                groups=groups)
    shutil.rmtree(partial, ignore_errors=True)
    return {
        "output": str(out),
        "n_delays": len(scan.delays),
        "resumed": resumed,
        "seed": int(scan.seed),
        "photons_per_frame": scan.photons_per_frame,
        "saturated_pixels": int(np.count_nonzero(dvars["saturated"][1])),
    }


def _acquire(camera: FrameCamera, dynamics: TextureEvolution, scan: DelayScan, partial: Path, *,
             fingerprint: str, resume: bool, off_expected: np.ndarray | None, ring_mask: np.ndarray | None,
             progress: Callable[[int, int], None] | None,
             on_delay: Callable[[int], None] | None) -> tuple[list[dict[str, Any]], int]:
    """The plan's loop over the delays: each from its checkpoint when resuming, else measured and saved.

    Returns the per-delay results in delay order and the number taken from checkpoints. The options
    are those of :func:`run_delay_scan`, passed on by name.
    """
    n = len(scan.delays)
    results: list[dict[str, Any]] = []
    resumed = 0
    for i in range(n):
        ck = partial / f"delay_{i:05d}.npz"
        data = _load_checkpoint(ck, fingerprint) if (resume and ck.exists()) else None
        if data is not None:
            resumed += 1
        else:
            data = _one_delay(camera, dynamics, scan, i, off_expected, ring_mask)
            _save_checkpoint(ck, data, fingerprint)
            if on_delay is not None:
                on_delay(i)
        results.append(data)
        if progress is not None:
            progress(i + 1, n)
    return results, resumed


def _data_vars(results: list[dict[str, Any]], scan: DelayScan, *, ring_mask: np.ndarray | None,
               injected: dict[str, Any] | None) -> dict[str, Any]:
    """The data variables of the NeXus file: frames, saturation, incident photons, injected traces."""
    k = scan.exposures
    lead = ("delay",) if k == 1 else ("delay", "exposure")

    def stack(name: str):
        a = np.stack([r[name] for r in results])
        return a[:, 0] if k == 1 else a

    dvars: dict[str, Any] = {
        "frames": (lead + ("y", "x"), stack("adu"),
                   {"units": "ADU", "long_name": "detector frames, pump on"}),
        "saturated": (lead + ("y", "x"), stack("saturated"),
                      {"units": "", "long_name": "pixels at the full well or the ADC maximum"}),
        "incident_photons": (lead, stack("photons"), {"units": "photons",
                                                      "long_name": "photons incident per frame (pump on)"}),
        "pump_fluence_factor": (lead, stack("pump_factor"), {"units": "",
                                                            "long_name": "frame pump fluence / nominal"}),
    }
    if ring_mask is not None:
        dvars["ring_ideal"] = (lead, stack("ring_ideal"), {
            "units": "", "long_name": "noise-free fraction of the incident photons in the ring window"})
    if scan.pump_off:
        dvars["pump_off"] = (lead + ("y", "x"), stack("adu_off"),
                             {"units": "ADU", "long_name": "detector frames, pump off"})
        dvars["saturated_pump_off"] = (lead + ("y", "x"), stack("saturated_off"), {"units": ""})
        dvars["incident_photons_pump_off"] = (lead, stack("photons_off"), {"units": "photons"})
    for name, arr in (injected or {}).items():
        dvars[name] = ("delay", np.asarray(arr, dtype=float), {"units": ""})
    return dvars


def _camera_attrs(camera: FrameCamera, scan: DelayScan) -> dict[str, Any]:
    """Attributes the analysis reads (detector geometry and response, photon energy) and the plan's."""
    det = camera.detector
    e = camera.optics.energy
    n_e = det.electrons_per_photon(e)
    sat_adu = min(float(det.adc_max), det.dark_level + det.gain * det.full_well
                  - 5.0 * det.gain * det.read_noise)
    return {
        "photon_energy_eV": float(e),
        "distance_m": float(det.distance),
        "pixel_size_m": [float(v) for v in det.pixel_size],
        "beam_center_px": [float(v) for v in det.center],
        "dark_level_adu": float(det.dark_level),
        "adu_per_photon": float(det.gain * n_e),
        "saturation_adu": sat_adu,
        "beam_stop_radius_m": float(det.beam_stop_radius),
        "quantum_efficiency": float(det.qe(e)),
        "exposure_s": scan.exposure,
        "exposures_per_delay": scan.exposures,
        "repetition_rate_Hz": scan.repetition_rate,
        "photons_per_pulse": scan.photons_per_pulse,
        "seed": int(scan.seed),
        "simulation_grid": int(camera.n),
        "simulation_cell_m": float(camera.cell),
        "illumination_profile": camera.illumination_profile,
        "illumination_size_m": float(camera.illumination_size),
        "polarisation": str(camera.polarisation),
        "transmission": camera.optics.transmission,
    }


def delays_from(values: Sequence[Any]) -> np.ndarray:
    """Delays [s] from numbers (s) or unit strings (``"0.5 ps"``)."""
    return np.asarray([parse_quantity(v, "time", field="scan.delays") for v in values], dtype=float)
