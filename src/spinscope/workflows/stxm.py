"""Time-resolved XMCD-STXM jobs: simulate a measurement from a configuration, analyse a file, plan.

* :func:`simulate_stxm` builds ring, beamline, zone plate, stroboscopic scheme, raster scan, APD and
  the magnetisation movie of a :class:`spinscope.config.stxm.StxmConfig`, runs the raster scan
  :func:`spinscope.acquisition.stxm_scan.run_stxm_scan` on the instrument and writes an NXstxm file.
* :func:`analyze_stxm` reads a file (simulated NXstxm, PolLux NXstxm, MAXYMUS ``.hdr``/``.xim``) and
  produces XMCD images, movies and mode maps (helicity-resolved data), difference images (two
  field-stage frames), or aligned optical-density stacks (energy stacks), with figures.
* :func:`plan_from_config` answers ``spinscope plan CONFIG``.
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from pydantic import ValidationError

from spinscope.acquisition.stroboscopic import StroboscopicScheme, choose_ratio, parse_ratio
from spinscope.acquisition.stxm_scan import ScanPattern, run_stxm_scan
from spinscope.analysis import xmcd
from spinscope.analysis.xmcd import radial_wave_fit
from spinscope.atomic import claim_output, make_folder
from spinscope.config.kinds import load_config
from spinscope.config.load import format_validation_error
from spinscope.config.stxm import StxmConfig
from spinscope.datamodel import magnetisation_field
from spinscope.detectors.apd import APD, as_generator
from spinscope.errors import ConfigError, DataModelError, OutputExistsError, SpinscopeError
from spinscope.evolution.spin_wave import spin_wave_movie
from spinscope.evolution.vortex import gyrotropic_frequency, vortex_gyration_movie
from spinscope.instruments.stxm import STXM
from spinscope.io import open_dataset, write_nexus
from spinscope.io.nxstxm_writer import write_nxstxm
from spinscope.optics.zone_plate import ZonePlate
from spinscope.planning.stxm_budget import plan_stxm, resolution_budget, time_resolution_budget
from spinscope.serialise import to_jsonable
from spinscope.sources.storage_ring import Beamline, ring_preset
from spinscope.timing import sampling_attenuation
from spinscope.viz.stxm import plot_contrast, plot_mode_maps, write_movie
from spinscope.workflows.preflight import preflight_stxm

__all__ = ["analyze_stxm", "build_experiment", "build_movie", "load_stxm_config", "plan_from_config",
           "simulate_stxm"]

RAW_NAME = "stxm.nxs"
ANALYSIS_NAME = "stxm_analysis.nxs"


def load_stxm_config(config):
    """A validated :class:`~spinscope.config.stxm.StxmConfig` and the folder relative paths refer to.

    Parameters
    ----------
    config
        TOML file path, a mapping, or a model.

    Returns
    -------
    tuple
        ``(config, base_folder)``.
    """
    if isinstance(config, StxmConfig):
        return config, Path.cwd()
    if isinstance(config, dict):
        try:
            return StxmConfig.model_validate(config), Path.cwd()
        except ValidationError as exc:
            raise ConfigError(format_validation_error(exc)) from None
    p = Path(config)
    return load_config(p, StxmConfig), p.resolve().parent


def build_experiment(cfg) -> dict[str, Any]:
    """Components of the experiment: ``ring``, ``beamline``, ``zone_plate``, ``scheme`` (or None),
    ``scan``, ``detector``, ``stxm``."""
    changes = {}
    if cfg.ring.bunch_fwhm is not None:
        changes["bunch_fwhm"] = cfg.ring.bunch_fwhm
    if cfg.ring.beam_current is not None:
        changes["beam_current"] = cfg.ring.beam_current
    ring = ring_preset(cfg.ring.preset, **changes)
    zp_cfg = cfg.zone_plate
    zp = ZonePlate(zp_cfg.diameter, zp_cfg.outer_zone_width, central_stop=zp_cfg.central_stop,
                   efficiency=zp_cfg.efficiency)
    beamline = Beamline(ring, cfg.beamline.energy, cfg.beamline.circular_polarisation,
                        cfg.beamline.flux * zp.first_order_efficiency)
    scheme = None
    ex = cfg.excitation
    if ex is not None:
        if ex.ratio is not None:
            m, n = parse_ratio(ex.ratio)
        else:
            m, n = choose_ratio(ring.rf_frequency, ex.frequency, ex.phases)
        scheme = StroboscopicScheme.from_ring(ring, m, n, jitter_rms=ex.jitter)
        scheme.check_fill(ring.fill.filled, ring.harmonic_number)
        if ex.frequency is not None and abs(scheme.excitation_frequency / ex.frequency - 1) > 0.05:
            warnings.warn(
                f"excitation: {m}/{n} gives {scheme.excitation_frequency / 1e9:.4g} GHz, more than 5 % from "
                f"the requested {ex.frequency / 1e9:.4g} GHz; choose other phases", stacklevel=2)
    sc = cfg.scan
    scan = ScanPattern(sc.pixel_size, sc.nx, sc.ny, sc.dwell, jitter_rms=sc.jitter,
                       drift_velocity=(sc.drift_x, sc.drift_y), interferometer_step=sc.interferometer_step)
    det = APD(quantum_efficiency=cfg.detector.quantum_efficiency, dead_time=cfg.detector.dead_time,
              bunch_spacing=ring.rf_period, dark_count_rate=cfg.detector.dark_count_rate)
    stxm = STXM(beamline, zp, tuple(cfg.sample.layers), tilt=cfg.sample.tilt, detector=det,
                defocus=zp_cfg.defocus)
    return {"ring": ring, "beamline": beamline, "zone_plate": zp, "scheme": scheme, "scan": scan,
            "detector": det, "stxm": stxm}


def _frame_times(period: float, frames: int) -> np.ndarray:
    return np.arange(frames) * period / frames


def build_movie(cfg, scheme, base: Path = Path(".")) -> tuple[xr.DataArray, xr.DataArray]:
    """Magnetisation movie over one excitation period and the unpumped reference state.

    Returns
    -------
    tuple of xarray.DataArray
        ``(movie, reference)``; the movie has no ``time`` dim without an excitation.
    """
    mc = cfg.magnetisation
    n_ph = scheme.n if scheme is not None else 1
    frames = getattr(mc, "frames", None) or max(16, 4 * n_ph)
    period = scheme.excitation_period if scheme is not None else None
    times = _frame_times(period, frames) if period is not None else np.array([0.0])
    if mc.scenario == "vortex":
        f = scheme.excitation_frequency if scheme is not None else gyrotropic_frequency(
            mc.radius, mc.thickness, mc.ms)
        kw = dict(radius=mc.radius, thickness=mc.thickness, cell=mc.cell, ms=mc.ms, exchange=mc.exchange,
                  alpha=mc.alpha, polarity=mc.polarity, chirality=mc.chirality, shape=mc.shape)
        movie = vortex_gyration_movie(times=times, drive_frequency=f, gyration_radius=mc.gyration_radius,
                                      **kw)
        ref = vortex_gyration_movie(times=[0.0], drive_frequency=f, gyration_radius=1e-15, **kw).isel(
            time=0, drop=True)
    elif mc.scenario == "spin_wave":
        f = scheme.excitation_frequency if scheme is not None else 6.25e9
        kw = dict(size=mc.size, cell=mc.cell, frequency=f, wavelength=mc.wavelength,
                  contact_radius=mc.contact_radius, decay_length=mc.decay_length, equilibrium=mc.equilibrium)
        movie = spin_wave_movie(times=times, cone_angle=mc.cone_angle, **kw)
        ref = spin_wave_movie(times=[0.0], cone_angle=0.0, **kw).isel(time=0, drop=True)
    else:
        movie = _movie_from_file(base / mc.path if not Path(mc.path).is_absolute() else Path(mc.path), period)
        ref = movie.isel(time=0, drop=True) if "time" in movie.dims else movie
    if scheme is None and "time" in movie.dims:
        movie = movie.isel(time=0, drop=True)
    return movie, ref


def _movie_from_file(path: Path, period: float | None) -> xr.DataArray:
    obj = open_dataset(path)
    if isinstance(obj, xr.Dataset):
        names = [n for n, v in obj.data_vars.items() if "component" in v.dims]
        if not names:
            raise ConfigError(f"{path}: no magnetisation (a variable with a 'component' dim)", path=str(path))
        obj = obj[names[0]]
    da = obj
    if "z" in da.dims:
        da = da.mean("z")
    for d in [d for d in da.dims if d not in ("time", "y", "x", "component")]:
        da = da.isel({d: 0}, drop=True)
    v = np.asarray(da.transpose(..., "y", "x", "component").values, dtype=float)
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    v = np.where(norm > 0, v / np.where(norm > 0, norm, 1.0), 0.0)
    kw = dict(x=da["x"].values, y=da["y"].values)
    if "time" in da.dims and period is not None:
        n = da.sizes["time"]
        t = np.asarray(da["time"].values, dtype=float)
        span = (t[-1] - t[0]) * n / (n - 1) if n > 1 else period
        if abs(span / period - 1) > 0.01:
            warnings.warn(f"{path}: the movie spans {span:.4g} s, not one excitation period "
                          f"({period:.4g} s); "
                          "its frames are taken as one period", stacklevel=3)
        kw["time"] = _frame_times(period, n)
    elif "time" in da.dims:
        v = v[0]
    return magnetisation_field(v, **kw, attrs={"source_file": str(path)})


def _prepare_output(out: Path, overwrite: bool, marker: str) -> None:
    """Claim the output folder for this process (:func:`spinscope.atomic.claim_output`; held until the
    process ends, so a second run into it fails, ``overwrite`` or not), refuse an existing ``marker``
    without ``overwrite``, and create the folder (an unwritable path is an ``OutputError``)."""
    claim = claim_output(out)
    try:
        if out.exists() and not out.is_dir():
            raise OutputExistsError(f"{out}: exists and is not a folder; choose another -o", path=str(out))
        if out.is_dir() and (out / marker).exists() and not overwrite:
            raise OutputExistsError(f"{out / marker}: output exists; pass --overwrite or choose another -o",
                                    path=str(out / marker))
        make_folder(out)
    except SpinscopeError:
        claim.release()
        raise


def _say(progress: bool, msg: str) -> None:
    if progress:
        sys.stderr.write(f"[stxm] {msg}\n")


def simulate_stxm(config, *, output, overwrite: bool = False, progress: bool = False, rng=None,
                  max_memory=None) -> dict:
    """Simulate a time-resolved XMCD-STXM measurement and write it as NXstxm.

    Parameters
    ----------
    config
        :class:`~spinscope.config.stxm.StxmConfig`, a mapping, or a TOML file [path].
    output
        Output folder [path]; ``stxm.nxs`` is written there.
    overwrite
        Replace an existing ``stxm.nxs``.
    progress
        Report stages on stderr.
    rng
        Seed or ``numpy.random.Generator``; default the configuration's ``seed`` (drawn and recorded
        when absent).
    max_memory
        Memory limit [B] or a size string (``"8 GiB"``); ``None``: half the physical memory. A
        configuration estimated to need more is refused before anything is allocated
        (:func:`spinscope.workflows.preflight.preflight_stxm`).

    Returns
    -------
    dict
        ``name``, ``seed``, ``outputs``, ``shape`` (delay, helicity, y, x), ``timing`` (ratio,
        excitation frequency, equivalent time step, bunch FWHM, attenuation), ``photons_per_bunch``,
        ``bunches_per_count``, ``mean_counts``, ``static_contrast`` (asymmetry and ln-ratio of m
        along k), ``optical_resolution``, ``normalisation``.
    """
    cfg, base = load_stxm_config(config)
    preflight_stxm(cfg, max_memory)
    if rng is None:
        seed = cfg.seed if cfg.seed is not None else int(np.random.SeedSequence().entropy % (2**63))
    elif isinstance(rng, int | np.integer):
        seed = int(rng)
    else:
        seed = None
    gen = as_generator(seed if seed is not None else rng)
    out = Path(output)
    _prepare_output(out, overwrite, RAW_NAME)
    _say(progress, "building the experiment")
    parts = build_experiment(cfg)
    scheme = parts["scheme"]
    parts["stxm"].check_contrast()
    _say(progress, "computing the magnetisation movie")
    movie, ref = build_movie(cfg, scheme, base)
    even_odd = cfg.excitation is not None and cfg.excitation.normalisation == "even-odd"
    _say(progress, "measuring")
    ds = run_stxm_scan(parts["stxm"], movie, parts["scan"], timing=scheme,
                       reference=ref if even_odd else None, helicities=tuple(cfg.helicities),
                       intensity_drift=cfg.scan.intensity_drift, rng=gen)
    ds.attrs.update(name=cfg.name, scenario=cfg.magnetisation.scenario)
    for key in ("wavelength", "phase_velocity", "cone_angle", "gyrotropic_frequency", "gyration_radius",
                "core_radius", "contact_radius", "radius"):
        if key in movie.attrs:
            ds.attrs[f"truth_{key}"] = movie.attrs[key]
    path = write_nxstxm(out / RAW_NAME, ds, config=cfg.model_dump(mode="json"), seed=seed, overwrite=True,
                        title=cfg.name)
    _say(progress, f"wrote {path}")
    timing = None
    if scheme is not None:
        timing = scheme.summary()
        timing["bunch_fwhm"] = parts["ring"].bunch_fwhm
    zp = parts["zone_plate"]
    return {
        "name": cfg.name,
        "seed": seed,
        "outputs": [str(path)],
        "shape": {d: int(s) for d, s in ds["counts"].sizes.items()},
        "timing": timing,
        "photons_per_bunch": ds.attrs["photons_per_bunch"],
        "bunches_per_count": int(ds["bunches"]),
        "mean_counts": float(ds["counts"].mean()),
        "static_contrast": {"asymmetry": ds.attrs["static_asymmetry"],
                            "ln_ratio": ds.attrs["static_ln_ratio"]},
        "optical_resolution": zp.resolution,
        "normalisation": ds.attrs["normalisation"],
    }


# --------------------------------------------------------------------------------------------------
# analysis
# --------------------------------------------------------------------------------------------------
def _read_any(path: Path) -> xr.Dataset:
    ds = open_dataset(path)
    if "counts" not in ds.data_vars:
        raise ConfigError(f"{path}: not a measured STXM stack (no 'counts')", path=str(path))
    return ds


def _fit_wave(maps: xr.Dataset) -> dict:
    """Radial-wave fit about the amplitude-weighted centre of the strongest pixels."""
    amp = maps["amplitude"].transpose("y", "x").values
    x = np.asarray(maps["x"].values, dtype=float)
    y = np.asarray(maps["y"].values, dtype=float)
    w = np.where(amp >= 0.8 * amp.max(), amp, 0.0)
    cx = float((w.sum(axis=0) * x).sum() / w.sum())
    cy = float((w.sum(axis=1) * y).sum() / w.sum())
    pix = abs(float(x[1] - x[0]))
    half = 0.5 * min(x.max() - x.min(), y.max() - y.min())
    r_max = half - max(abs(cx - 0.5 * (x.max() + x.min())), abs(cy - 0.5 * (y.max() + y.min())))
    fit = radial_wave_fit(maps, centre=(cx, cy), r_min=4 * pix, r_max=0.9 * r_max,
                          n_bins=max(3, int(0.9 * r_max / pix / 2)))
    fit["centre"] = [cx, cy]
    return fit


def _stats(da: xr.DataArray) -> dict:
    v = np.asarray(da.values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"min": None, "max": None, "mean": None, "std": None}
    return {"min": float(v.min()), "max": float(v.max()), "mean": float(v.mean()), "std": float(v.std())}


def _clean_attrs(attrs: dict) -> dict:
    """The scalar attributes (numpy scalars as Python values; NaN kept), without ``config``."""
    plain = to_jsonable(attrs, nonfinite="keep")
    return {k: v for k, v in plain.items() if isinstance(v, str | int | float | bool) and k != "config"}


def analyze_stxm(input, *, output=None, overwrite: bool = False, frequency: float | None = None,
                 static_contrast: float | None = None, register: bool = True, figures: bool = True,
                 movie_format: str = ".gif", wave_fit: bool | None = None) -> dict:
    """Analyse an STXM file: XMCD images, movies and mode maps, or difference / optical-density images.

    Parameters
    ----------
    input
        NXstxm file (simulated or measured), ``.hdr`` of a MAXYMUS/ALS scan, or a spinscope NeXus
        stack [path].
    output
        Folder for ``stxm_analysis.nxs`` and figures (``None``: nothing written).
    overwrite
        Replace earlier outputs.
    frequency
        Excitation frequency [Hz] for the mode maps (default: from the file).
    static_contrast
        Log-ratio ``ln(I+/I-)`` of the film magnetised along the beam, for the cone angle (default:
        the file's ``static_ln_ratio``).
    register
        Register drifting frames.
    figures
        Write PNG figures and a movie.
    movie_format
        ``.gif`` (or ``.mp4`` with imageio-ffmpeg).
    wave_fit
        Fit a radial wave (wavelength, phase velocity) to the mode maps about the amplitude maximum;
        ``None``: only for simulated spin-wave files.

    Returns
    -------
    dict
        ``input``, ``kind`` (``xmcd``, ``xmcd-time-resolved``, ``field-difference``, ``energy-stack``,
        ``image``), ``shape``, ``shift`` [pixels], contrast statistics, and for time-resolved data
        ``frequency``, ``attenuation``, ``max_amplitude``, ``cone_angle`` (median where the amplitude
        exceeds 0.9 of its maximum, not for vortex files) [rad] and with ``wave_fit`` ``wave``
        (``wavelength`` [m], ``phase_velocity`` [m/s], ...); with even/odd data ``relative_signal``
        statistics; ``outputs``.
    """
    p = Path(input)
    ds = _read_any(p)
    result: dict[str, Any] = {"input": str(p), "shape": {d: int(s) for d, s in ds["counts"].sizes.items()}}
    if "helicity" in ds.dims and ds.sizes["helicity"] == 2:
        found = _analyze_helicity(ds, result, register=register, frequency=frequency,
                                  static_contrast=static_contrast, wave_fit=wave_fit)
    elif "field" in ds.dims and ds.sizes["field"] >= 2:
        found = _analyze_field(ds, result, register=register)
    elif "energy" in ds.dims and ds.sizes["energy"] >= 2 and "y" in ds.dims:
        found = _analyze_energy(ds, result, register=register)
    elif "y" in ds.dims and "x" in ds.dims:
        found = _analyze_image(ds, result)
    else:
        raise ConfigError(f"{p}: expected an image stack with dims y, x; got {tuple(ds['counts'].dims)}",
                          path=str(p))
    result["outputs"] = []
    if output is not None:
        result["outputs"] = _write_analysis(Path(output), overwrite, ds, result, found, figures=figures,
                                            movie_format=movie_format, title=p.name)
    return json.loads(json.dumps(result, default=float))


@dataclass
class _Found:
    """What an analysis produced: the arrays saved, the figure panels, and the movie and mode maps."""

    products: dict[str, xr.DataArray] = field(default_factory=dict)
    panels: dict[str, xr.DataArray] = field(default_factory=dict)
    movie: xr.DataArray | None = None
    maps: xr.Dataset | None = None


def _analyze_helicity(ds: xr.Dataset, result: dict[str, Any], *, register: bool, frequency,
                      static_contrast, wave_fit) -> _Found:
    """Two helicities: XMCD images; with three or more delays the movie and its mode maps."""
    xi = xmcd.xmcd_images(ds, register=register)
    result["shift"] = xi["shift"].sel(helicity=-1).values.tolist()
    tavg = (lambda d: d.mean("delay")) if "delay" in xi.dims else (lambda d: d)
    found = _Found(panels={"intensity": tavg(xi["intensity"]), "XMCD asymmetry": tavg(xi["asymmetry"])})
    found.products.update(intensity=xi["intensity"], asymmetry=xi["asymmetry"], ln_ratio=xi["ln_ratio"])
    result["asymmetry"] = _stats(tavg(xi["asymmetry"]))
    result["kind"] = "xmcd"
    if "delay" in xi.dims and xi.sizes["delay"] >= 3:
        result["kind"] = "xmcd-time-resolved"
        _analyze_dynamics(ds, xi, result, found, frequency=frequency, static_contrast=static_contrast,
                          wave_fit=wave_fit)
    if "reference_counts" in ds.data_vars:
        rel = xmcd.even_odd_relative_signal(ds)
        result["relative_signal"] = _stats(rel)
        found.products["relative_signal"] = rel
    return found


def _analyze_dynamics(ds: xr.Dataset, xi: xr.Dataset, result: dict[str, Any], found: _Found, *,
                      frequency, static_contrast, wave_fit) -> None:
    """Movie, mode maps at the excitation frequency, cone angle and radial-wave fit."""
    movie = found.movie = xmcd.dynamic_part(xi["ln_ratio"])
    f = frequency if frequency is not None else ds.attrs.get("excitation_frequency")
    if f is None:
        raise ConfigError("frequency: the file gives no excitation frequency; pass --frequency")
    maps = found.maps = xmcd.fourier_maps(movie, float(f))
    att = sampling_attenuation(float(f), float(ds.attrs.get("smear_rms", 0.0)))
    amp = maps["amplitude"]
    result.update(frequency=float(f), attenuation=att, max_amplitude=float(amp.max()))
    found.products.update(movie=movie, amplitude=amp, phase=maps["phase"])
    scenario = ds.attrs.get("scenario")
    sc = static_contrast if static_contrast is not None else (
        ds.attrs.get("static_ln_ratio") if scenario != "vortex" else None)
    if sc:
        cone = xmcd.cone_angle(amp.values, float(sc), attenuation=att)
        strong = amp.values >= 0.9 * float(amp.max())
        result["static_contrast"] = float(sc)
        result["cone_angle"] = float(np.nanmedian(cone[strong]))
        found.products["cone_angle"] = amp.copy(data=cone).assign_attrs(units="rad", long_name="cone angle")
    if wave_fit:
        result["wave"] = _fit_wave(maps)
    elif wave_fit is None and scenario == "spin_wave":
        try:
            result["wave"] = _fit_wave(maps)
        except DataModelError:  # image too small for a radial fit: not asked for explicitly
            result["wave"] = None


def _analyze_field(ds: xr.Dataset, result: dict[str, Any], *, register: bool) -> _Found:
    """Two field-stage frames: their normalised difference."""
    di = xmcd.difference_image(ds, dim="field", register=register)
    result.update(kind="field-difference", shift=di["shift"].values.tolist(),
                  frames=[di.attrs["frame_a"], di.attrs["frame_b"]], asymmetry=_stats(di["asymmetry"]))
    panels = {"frame a": ds["counts"].isel(field=0).astype(float),
              "normalised difference": di["asymmetry"]}
    return _Found(products=dict(difference=di["difference"], asymmetry=di["asymmetry"],
                                ln_ratio=di["ln_ratio"]), panels=panels)


def _analyze_energy(ds: xr.Dataset, result: dict[str, Any], *, register: bool) -> _Found:
    """An energy stack: aligned optical density ``-ln(I / I0)``, I0 the 99th percentile per energy."""
    c = xmcd.normalise_by_monitor(ds)
    if register:
        c, sh = xmcd.align(c, dim="energy")
        result["shift"] = sh.values.tolist()
    i0 = c.quantile(0.99, dim=("y", "x")).drop_vars("quantile")
    od = -np.log(c / i0)
    od = od.assign_attrs(units="", long_name="optical density -ln(I/I0), I0 = 99th percentile")
    result.update(kind="energy-stack", energies=ds["energy"].values.tolist(),
                  optical_density_mean=od.mean(("y", "x")).values.tolist())
    panels = {f"OD {float(e):g} eV": od.sel(energy=e) for e in ds["energy"].values[[0, -1]]}
    return _Found(products={"optical_density": od}, panels=panels)


def _analyze_image(ds: xr.Dataset, result: dict[str, Any]) -> _Found:
    """One image: its optical density against the 99th percentile."""
    c = xmcd.normalise_by_monitor(ds)
    i0 = float(c.quantile(0.99))
    od = (-np.log(c / i0)).assign_attrs(units="", long_name="optical density")
    result.update(kind="image", optical_density=_stats(od))
    return _Found(products={"optical_density": od}, panels={"counts (normalised)": c})


def _write_analysis(out: Path, overwrite: bool, ds: xr.Dataset, result: dict[str, Any], found: _Found, *,
                    figures: bool, movie_format: str, title: str) -> list[str]:
    """Write ``stxm_analysis.nxs`` (and the figures and movie) into ``out``; the paths written."""
    _prepare_output(out, overwrite, ANALYSIS_NAME)
    keep = {k: v.drop_vars([c for c in v.coords if c not in v.dims and c != "energy"])
            for k, v in found.products.items()}
    res = xr.Dataset(keep, attrs=_clean_attrs(ds.attrs))
    for dim in res.dims:
        if dim in res.coords and "units" not in res[dim].attrs:
            res[dim].attrs["units"] = ds[dim].attrs.get("units", "") if dim in ds.coords else ""
    path = write_nexus(out / ANALYSIS_NAME, res, overwrite=True, title="spinscope STXM analysis",
                       config={"analysis": {k: v for k, v in result.items() if k != "outputs"}})
    written = [str(path)]
    if figures:
        written.append(str(plot_contrast(found.panels, out / "contrast.png", overwrite=True, title=title)))
        if found.maps is not None:
            written.append(str(plot_mode_maps(found.maps, out / "mode_maps.png", overwrite=True)))
        if found.movie is not None:
            written.append(str(write_movie(found.movie, out / f"movie{movie_format}", overwrite=True)))
    return written


# --------------------------------------------------------------------------------------------------
# planning
# --------------------------------------------------------------------------------------------------
def plan_from_config(config) -> dict:
    """Photons and time to see the scenario's signal at the wanted SNR (``spinscope plan CONFIG``).

    The signal is ``plan.signal`` or, when absent, the relative change of the transmitted intensity
    that the scenario produces per pixel and channel: ``|static asymmetry| x sin(cone angle) x
    attenuation`` for a spin wave, ``|static asymmetry| x attenuation`` for a gyrating vortex core
    (full reversal of ``k.m`` under the passing core, in-plane contrast through the tilt).

    Returns
    -------
    dict
        :func:`spinscope.planning.stxm_budget.plan_stxm` output plus ``resolution`` and
        ``time_resolution`` budgets, ``signal_source``, ``ring``, ``scan_time``.
    """
    cfg, _ = load_stxm_config(config)
    parts = build_experiment(cfg)
    stxm, scheme, ring = parts["stxm"], parts["scheme"], parts["ring"]
    sc = stxm.static_contrast()
    att = scheme.attenuation() if scheme is not None else 1.0
    if cfg.plan.signal is not None:
        signal, source = cfg.plan.signal, "plan.signal"
    else:
        mc = cfg.magnetisation
        k_proj = abs(math.sin(cfg.sample.tilt)) if mc.scenario == "vortex" else 1.0
        cone = math.sin(mc.cone_angle) if mc.scenario == "spin_wave" else 1.0
        signal = abs(math.tanh(0.5 * sc["ln_ratio"] * k_proj)) * cone * att
        source = "scenario estimate"
        if signal <= 0:
            raise ConfigError("plan.signal: the scenario gives no signal along the beam; set plan.signal")
    d = stxm.depths()
    transmission = math.exp(-d["charge"] - d["charge_magnetic"])
    out = plan_stxm(signal=signal, snr=cfg.plan.snr, flux=stxm.beamline.flux_in_focus,
                    transmission=transmission,
                    detector_efficiency=cfg.detector.quantum_efficiency, pixels=cfg.scan.nx * cfg.scan.ny,
                    channels=scheme.n if scheme is not None else 1, dwell=cfg.scan.dwell, ring=ring)
    out["signal_source"] = source
    out["ring"] = ring.name
    out["resolution"] = resolution_budget(outer_zone_width=cfg.zone_plate.outer_zone_width,
                                          jitter_rms=cfg.scan.jitter, pixel_size=cfg.scan.pixel_size)
    out["time_resolution"] = time_resolution_budget(
        bunch_rms=ring.bunch_length_rms, jitter_rms=cfg.excitation.jitter if cfg.excitation else 0.0,
        frequency=scheme.excitation_frequency if scheme is not None else None)
    return out
