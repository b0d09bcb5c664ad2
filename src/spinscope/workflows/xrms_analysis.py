"""``spinscope xrms analyze``: from a delay scan of scattering frames to demagnetisation and domain numbers.

The same steps run on spinscope's own simulated NeXus files and on measured lab data:

1. **Frames** (:func:`load_xrms_frames`): a spinscope NeXus file (``spinscope.io.write_nexus``: a
   variable ``frames``/``counts``/``adu``/``data`` with dims ``(delay, [...], y, x)``, a ``delay``
   coordinate, the geometry as attributes ``photon_energy_eV``, ``distance_m``, ``pixel_size_m``,
   ``beam_center_px``), any other NeXus/HDF5 file with a frame stack, a multi-page TIFF or a folder of
   ``.sif``/``.spe``/``.tif`` frames (:func:`spinscope.io.lab.read_lab_frames`). Leading dims other than
   ``delay`` (repeats, helicities) are summed. Optional companions in a spinscope file: pump-off frames
   (``pump_off``, ``frames_pump_off`` or ``reference``: ``(y, x)``, ``(n, y, x)`` or one per delay), a
   ``mask`` ``(y, x)`` (True = bad), ``saturated`` ``(delay, y, x)`` booleans (pixels at the full well
   or the ADC maximum, masked in their frames), a ``monitor`` along ``delay`` (incident flux, profiles
   are divided by it), and the detector attributes ``dark_level_adu``, ``adu_per_photon``, ``saturation_adu``,
   ``beam_stop_radius_m``.
2. **Geometry**: from the file, replaced by options where given (a warning says so when they differ);
   a quantity in neither raises :class:`~spinscope.errors.ConfigError` naming the option. The beam
   centre is found from the point symmetry of the mean frame
   (:func:`spinscope.analysis.azimuthal.find_beam_center`) when neither gives it.
3. **Radial profiles**: exact-q azimuthal integration (:class:`AzimuthalIntegrator`) with the mask,
   the beam stop, the dark level subtracted, saturated pixels (at or above ``saturation``; default the
   largest value of an integer pixel type) masked in the frames where they occur, with a warning.
4. **The ring**: the most prominent peak of the mean reference profile (leaving out the beam-stop
   shadow and the falling edge of the direct-beam halo just outside it); no peak means the geometry or
   the centre puts the ring off the detector (:class:`~spinscope.errors.DataRangeError`). A ring fit of
   the reference profile (``shape`` + linear background) sets the analysis window
   ``q0 +- 3 FWHM`` (within ``0.3 q0 .. 1.7 q0``), the period ``2 pi / k_perp`` with the exact
   transverse wave vector ``k_perp = q0 cos(theta0)`` of transmission through a thin film (stripes of
   period ``p`` scatter to ``k_perp = 2 pi / p``; ``2 pi / q0`` would be short by ``cos(theta0)``) and the
   correlation length ``2 / FWHM`` of the ring in ``k_perp`` (:func:`spinscope.analysis.rings.fit_ring`
   with the wavelength).
5. **M(t)** = ``sqrt(integral (I(q, t) - B(q)) dq / the same of the reference)`` over the window, with
   ``B(q)`` the fitted baseline of the reference ring (dark level and non-magnetic scattering, which do
   not change with the pump); the reference is the pump-off frames when the file has them (per delay
   when there is one per delay, which cancels source drifts), else the delays before ``t0``.
   ``t0`` not given: a first fit with the earliest tenth of the delays as reference finds time zero;
   the delays earlier than ``t0 - FWHM_IRF`` (where the IRF-convolved step has dropped < 1 %) then
   form the reference.
6. **Fits**: ``M(t)`` with the IRF-convolved demagnetisation curve
   (:func:`spinscope.analysis.timetrace.fit_demagnetisation`, lmfit), ring fits per delay giving
   ``q1(t)`` (with :func:`fit_q1_trace`) and the wall velocity from the period growth after
   ``t0 + 3 tau_m`` (:func:`wall_velocity`).
7. **Outputs**, written only after everything has been computed, first into a hidden staging folder
   inside the output folder and then moved into place file by file (an interrupted or failed run
   leaves no partial file): ``xrms_analysis.nxs`` (profiles, traces, per-delay ring fits, fit curves),
   ``xrms_analysis.json`` (the returned dict), ``detector.png``, ``radial_profiles.png``,
   ``time_traces.png`` and ``detector_movie.gif`` (``.mp4`` with imageio-ffmpeg).

Errors: the ``sigma`` of the profiles follows Poisson statistics of ``(frame - dark) / adu_per_photon``
photons (:meth:`AzimuthalIntegrator.integrate`); with an unknown gain the errors are off by a constant
factor, which the fits absorb (lmfit scales the covariance by the reduced chi-square).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import tifffile
import xarray as xr
from scipy.ndimage import gaussian_filter1d
from scipy.signal import find_peaks, peak_widths

from spinscope.analysis.azimuthal import (
    AzimuthalIntegrator,
    DetectorGeometry,
    SaturationWarning,
    find_beam_center,
)
from spinscope.analysis.rings import RING_SHAPES, fit_ring, integrated_intensity, magnetisation_trace
from spinscope.analysis.timetrace import fit_demagnetisation, fit_q1_trace, wall_velocity
from spinscope.atomic import claim_output
from spinscope.curves import demag_curve
from spinscope.errors import (
    ConfigError,
    DataRangeError,
    FileFormatError,
    OutputExistsError,
    SpinscopeError,
    UnitError,
)
from spinscope.geometry import q_of_radius
from spinscope.io import guess_engine, open_dataset, write_nexus
from spinscope.io.lab import read_delays, read_lab_frames
from spinscope.io.nexus import nxprocess, nxsas_groups
from spinscope.progress import Progress
from spinscope.serialise import to_jsonable
from spinscope.units import parse_quantity
from spinscope.viz.scattering import (
    movie_format,
    plot_detector_image,
    plot_radial_profiles,
    plot_time_traces,
    write_movie,
)

if TYPE_CHECKING:
    from spinscope.analysis.azimuthal import DetectorGeometry

__all__ = ["OUTPUT_NAMES", "XrmsAnalysisOptions", "analyze_xrms", "load_xrms_frames", "read_mask"]

#: Files written into the output folder (the movie's suffix is ``.gif`` or ``.mp4``).
OUTPUT_NAMES = {
    "nexus": "xrms_analysis.nxs",
    "json": "xrms_analysis.json",
    "detector": "detector.png",
    "profiles": "radial_profiles.png",
    "traces": "time_traces.png",
    "movie": "detector_movie",
}

_FRAME_NAMES = ("frames", "counts", "adu", "data", "images", "image", "intensity")
_REFERENCE_NAMES = ("pump_off", "frames_pump_off", "pump_off_frames", "reference", "unpumped")
_MONITOR_NAMES = ("monitor", "i0", "flux_monitor")
_GEOMETRY_KEYS = ("photon_energy_eV", "distance_m", "pixel_size_m", "beam_center_px")
_DETECTOR_KEYS = ("dark_level_adu", "adu_per_photon", "saturation_adu", "beam_stop_radius_m")
_HDF5_SUFFIXES = (".h5", ".hdf5", ".nxs", ".nx", ".nx5", ".hdf")

#: Half width of the analysis window around the ring [FWHM of the reference ring].
_WINDOW_FWHM = 3.0
#: The window never reaches below / above these fractions of q0 (keeps the second order out).
_WINDOW_LIMITS = (0.3, 1.7)


# ----------------------------------------------------------------------------------------------
# inputs


def read_mask(path: str | os.PathLike, shape: tuple[int, int]) -> np.ndarray:
    """Read a pixel mask: ``.npy``, ``.tif``/``.tiff`` or HDF5 (``.h5``/``.hdf5``/``.nxs``).

    Parameters
    ----------
    path
        Mask file [file path]: booleans or 0/1 integers, True (1) for bad pixels. An HDF5 file holds a
        dataset named ``mask`` or exactly one 2D dataset.
    shape
        Detector shape ``(ny, nx)`` the mask must have [pixels].

    Returns
    -------
    numpy.ndarray
        Boolean ``(ny, nx)``, True for excluded pixels.

    Raises
    ------
    FileFormatError
        Missing or unreadable file, no 2D mask in it, values other than 0/1, or a shape other than
        ``shape``.
    """
    p = Path(path)
    if not p.is_file():
        raise FileFormatError(f"{p}: no such mask file", path=str(p))
    suffix = p.suffix.lower()
    try:
        if suffix == ".npy":
            m = np.load(p, allow_pickle=False)
        elif suffix in (".tif", ".tiff"):
            m = tifffile.imread(p)
        elif suffix in _HDF5_SUFFIXES:
            import h5py

            with h5py.File(p, "r") as fh:
                found: list = []
                fh.visititems(
                    lambda name, obj: found.append(obj[()])
                    if isinstance(obj, h5py.Dataset) and obj.ndim == 2 and name.rsplit("/", 1)[-1] == "mask"
                    else None
                )
                if not found:
                    fh.visititems(
                        lambda name, obj: found.append(obj[()])
                        if isinstance(obj, h5py.Dataset) and obj.ndim == 2 else None
                    )
                if len(found) != 1:
                    raise FileFormatError(
                        f"{p}: expected a dataset 'mask' or exactly one 2D dataset, found {len(found)}",
                        path=str(p),
                    )
                m = found[0]
        else:
            raise FileFormatError(
                f"{p}: unknown mask file type {p.suffix!r}; expected .npy, .tif or .h5", path=str(p)
            )
    except (FileFormatError, ConfigError):
        raise
    except Exception as exc:  # numpy, tifffile and h5py raise many types on corrupt files
        raise FileFormatError(f"{p}: not a readable mask file ({type(exc).__name__})", path=str(p)) from None
    m = np.asarray(m)
    if m.ndim == 3 and m.shape[0] == 1:
        m = m[0]
    if m.shape != tuple(shape):
        raise FileFormatError(
            f"{p}: mask shape {m.shape} differs from the frames {tuple(shape)}", path=str(p)
        )
    if m.dtype != bool:
        if m.dtype.kind not in "iuf" or not np.all(np.isin(m, (0, 1))):
            raise FileFormatError(f"{p}: expected a boolean mask (True/1 = bad pixel), got {m.dtype}",
                                  path=str(p))
        m = m.astype(bool)
    return m


def _parse_geometry_options(energy, distance, pixel_size, center) -> dict[str, Any]:
    """Geometry options as attribute values (SI, eV), parsed from numbers or unit strings."""
    out: dict[str, Any] = {}
    if energy is not None:
        out["photon_energy_eV"] = parse_quantity(energy, "energy", field="energy")
        if out["photon_energy_eV"] <= 0:
            raise ConfigError(f"energy: expected a positive photon energy, got {energy!r}", field="energy")
    if distance is not None:
        out["distance_m"] = parse_quantity(distance, "length", field="distance")
        if out["distance_m"] <= 0:
            raise ConfigError(f"distance: expected a positive distance, got {distance!r}", field="distance")
    if pixel_size is not None:
        single = isinstance(pixel_size, str) or np.ndim(pixel_size) == 0
        ps = [pixel_size, pixel_size] if single else list(pixel_size)
        if len(ps) != 2:
            raise ConfigError(f"pixel_size: expected one length or (py, px), got {pixel_size!r}",
                              field="pixel_size")
        vals = [parse_quantity(v, "length", field="pixel_size") for v in ps]
        if min(vals) <= 0:
            raise ConfigError(f"pixel_size: expected a positive length, got {pixel_size!r}",
                              field="pixel_size")
        out["pixel_size_m"] = vals
    if center is not None:
        try:
            c = [float(v) for v in center]
        except (TypeError, ValueError):
            raise ConfigError(f"center: expected (column, row) in pixels, got {center!r}",
                              field="center") from None
        if len(c) != 2 or not all(math.isfinite(v) for v in c):
            raise ConfigError(f"center: expected (column, row) in pixels, got {center!r}", field="center")
        out["beam_center_px"] = c
    return out


def _time_factor(units: str, where: str) -> float:
    try:
        return parse_quantity(f"1 {units}" if units else "1 s", "time", field=where)
    except UnitError as exc:
        raise FileFormatError(f"{where}: delay units {units!r} are not a time ({exc})") from None


def _is_spinscope_nexus(p: Path) -> bool:
    try:
        return guess_engine(p) == "spinscope"
    except FileFormatError:
        return False  # not NeXus: read_lab_frames gives its own error or reads plain HDF5


def _pick(ds: xr.Dataset, names: tuple[str, ...], ok) -> str | None:
    for n in names:
        if n in ds.data_vars and ok(ds[n]):
            return n
    return None


def _nexus_frame_stack(p: Path, ds: xr.Dataset) -> xr.DataArray:
    """The frame stack of a spinscope NeXus Dataset (by name, else the one >= 3-d numeric variable),
    its last two dims renamed ``y``, ``x``."""
    frame_ok = lambda v: v.ndim >= 3 and v.dtype.kind in "iuf"  # noqa: E731
    name = _pick(ds, _FRAME_NAMES, frame_ok)
    if name is None:
        cands = [k for k, v in ds.data_vars.items() if frame_ok(v) and k not in _REFERENCE_NAMES]
        if len(cands) != 1:
            raise FileFormatError(
                f"{p}: expected one frame stack (delay, y, x) named {'/'.join(_FRAME_NAMES[:4])}; "
                f"found {cands or 'none'}",
                path=str(p),
            )
        name = cands[0]
    da = ds[name]
    ydim, xdim = da.dims[-2:]
    return da.rename({ydim: "y", xdim: "x"}) if (ydim, xdim) != ("y", "x") else da


def _nexus_delays(p: Path, da: xr.DataArray, delays) -> xr.DataArray:
    """The frames with a ``delay`` coordinate [s]: the caller's ``(values, source)`` replacing the file's
    (warning when they differ), else the file's converted to s."""
    lead = [d for d in da.dims if d not in ("y", "x")]
    if delays is not None:
        if "delay" not in lead:
            if len(lead) != 1:
                raise FileFormatError(f"{p}: frames {da.dims} have no 'delay' dim to attach delays to",
                                      path=str(p))
            da = da.rename({lead[0]: "delay"})
        vals, source = delays
        if vals.size != da.sizes["delay"]:
            raise FileFormatError(
                f"{source}: {vals.size} delays for {da.sizes['delay']} frames of {p.name}; expected one "
                "delay per frame",
                path=str(source),
            )
        if "delay" in da.coords:
            old = da["delay"].values.astype(float) * _time_factor(da["delay"].attrs.get("units", "s"),
                                                                   f"{p}: delay")
            if not np.allclose(old, vals, rtol=1e-9, atol=1e-18):
                # stacklevel: this helper, _load_spinscope_nexus, load_xrms_frames, its caller
                warnings.warn(f"{p}: the delays given replace the file's delays", UserWarning, stacklevel=4)
        return da.assign_coords(delay=xr.Variable("delay", vals, attrs={"units": "s"}))
    if "delay" not in da.dims or "delay" not in da.coords:
        raise ConfigError(
            f"delays: {p} holds frames {da.dims} without a delay coordinate; give --delays FILE",
            field="delays",
        )
    f = _time_factor(da["delay"].attrs.get("units", "s"), f"{p}: delay")
    return da.assign_coords(delay=xr.Variable("delay", da["delay"].values.astype(float) * f,
                                              attrs={"units": "s"}))


def _nexus_reference(p: Path, ds: xr.Dataset, da: xr.DataArray) -> dict[str, Any]:
    """The pump-off frames of the file as extras: per delay (summed over other dims) or averaged."""
    ref_name = _pick(ds, _REFERENCE_NAMES, lambda v: v.ndim >= 2)
    if ref_name is None:
        return {}
    extras: dict[str, Any] = {}
    ref = ds[ref_name]
    ry, rx = ref.dims[-2:]
    ref = ref.rename({ry: "y", rx: "x"}) if (ry, rx) != ("y", "x") else ref
    if ref.shape[-2:] != da.shape[-2:]:
        raise FileFormatError(f"{p}: pump-off frames {ref.shape} do not match the frames {da.shape}",
                              path=str(p))
    if "delay" in ref.dims and ref.sizes["delay"] == da.sizes["delay"]:
        rother = [d for d in ref.dims if d not in ("delay", "y", "x")]
        rsum = int(np.prod([ref.sizes[d] for d in rother])) if rother else 1
        ref = ref.astype(np.float64).sum(rother) if rother else ref
        ref = ref.transpose("delay", "y", "x").assign_coords(delay=da["delay"].values)
        extras["reference_per_delay"] = True
    else:
        rlead = [d for d in ref.dims if d not in ("y", "x")]
        rsum = 1
        ref = ref.astype(np.float64).mean(rlead) if rlead else ref
        extras["reference_per_delay"] = False
    extras["reference"] = ref
    extras["reference_name"] = ref_name
    extras["reference_summed"] = rsum
    return extras


def _nexus_masks_and_monitor(ds: xr.Dataset, da: xr.DataArray, summed: bool) -> dict[str, Any]:
    """The file's pixel mask, saturation flags (only when no dim was ``summed``) and delay monitor."""
    extras: dict[str, Any] = {}
    if "mask" in ds.data_vars and ds["mask"].ndim == 2:
        m = np.asarray(ds["mask"].values)
        if m.shape == da.shape[1:]:
            extras["file_mask"] = m.astype(bool)
    sat_name = _pick(ds, ("saturated", "saturation_mask"), lambda v: v.dtype == bool)
    if sat_name is not None and not summed:
        sv = ds[sat_name]
        sy, sx = sv.dims[-2:]
        sv = sv.rename({sy: "y", sx: "x"}) if (sy, sx) != ("y", "x") else sv
        if sv.dims == ("delay", "y", "x") and sv.shape == da.shape:
            extras["saturated"] = np.asarray(sv.values, dtype=bool)
    mon = _pick(ds, _MONITOR_NAMES, lambda v: v.dims == ("delay",))
    if mon is not None and ds[mon].size == da.sizes["delay"]:
        extras["monitor"] = np.asarray(ds[mon].values, dtype=float)
    return extras


def _load_spinscope_nexus(p: Path, given: dict[str, Any], delays) -> tuple[xr.DataArray, dict[str, Any]]:
    """Frames ``(delay, y, x)`` of a spinscope NeXus file (other dims summed) with the caller's
    geometry replacing the file's, and the companions (reference, masks, monitor) as extras."""
    ds = open_dataset(p, engine="spinscope")
    da = _nexus_frame_stack(p, ds)
    attrs = {**ds.attrs, **da.attrs}
    extras: dict[str, Any] = {}
    da = _nexus_delays(p, da, delays)
    others = [d for d in da.dims if d not in ("delay", "y", "x")]
    n_summed = int(np.prod([da.sizes[d] for d in others])) if others else 1
    if others:
        da = da.astype(np.float64).sum(others, keep_attrs=True)
    da = da.transpose("delay", "y", "x")
    extras["n_summed"] = n_summed
    extras.update(_nexus_reference(p, ds, da))
    extras.update(_nexus_masks_and_monitor(ds, da, bool(others)))
    # geometry: the caller's values replace the file's
    for key, value in given.items():
        old = attrs.get(key)
        if old is not None and not np.allclose(np.asarray(old, dtype=float), value, rtol=1e-6, atol=0):
            warnings.warn(f"{p}: {key} = {value} given replaces {old} from the file", UserWarning,
                          stacklevel=3)
        attrs[key] = value
    da.attrs = {k: v for k, v in attrs.items() if k in _GEOMETRY_KEYS + _DETECTOR_KEYS}
    da.attrs["units"] = attrs.get("units", "counts")
    da.attrs["source_file"] = str(p)
    da.attrs["format"] = "spinscope-nexus"
    da.name = "frames"
    return da, extras


def _delay_option(delays: Any) -> tuple[tuple[np.ndarray, str] | None, Any]:
    """The caller's delays as ``((values [s], source), argument for read_lab_frames)``.

    ``(None, None)`` when no delays are given.
    """
    if delays is None:
        return None, None
    if isinstance(delays, str | os.PathLike):
        return (read_delays(delays), str(delays)), delays  # FileFormatError names a missing file
    items = np.atleast_1d(np.asarray(delays, dtype=object)).ravel()
    delay_pair = (
        np.asarray([parse_quantity(d, "time", field="delays") for d in items], dtype=float),
        "delays",
    )
    return delay_pair, delay_pair[0]


def _sort_by_delay(p: Path, da: xr.DataArray, extras: dict[str, Any]) -> xr.DataArray:
    """The frames sorted by (finite) delay, the per-delay extras (monitor, reference, saturated) with them."""
    if not np.all(np.isfinite(da["delay"].values)):
        raise FileFormatError(f"{p}: delays must be finite numbers [s]", path=str(p))
    order = np.argsort(da["delay"].values, kind="stable")
    if np.any(order != np.arange(order.size)):
        da = da.isel(delay=order)
        if extras.get("monitor") is not None:
            extras["monitor"] = extras["monitor"][order]
        if extras.get("reference_per_delay"):
            extras["reference"] = extras["reference"].isel(delay=order)
        if extras.get("saturated") is not None:
            extras["saturated"] = extras["saturated"][order]
    return da


def load_xrms_frames(
    input: str | os.PathLike,
    *,
    energy: Any = None,
    distance: Any = None,
    pixel_size: Any = None,
    center: tuple[float, float] | None = None,
    delays: Any = None,
    dataset: str | None = None,
) -> tuple[xr.DataArray, dict[str, Any]]:
    """Read a delay scan of detector frames with its geometry.

    Parameters
    ----------
    input
        A spinscope NeXus file, another NeXus/HDF5 file with a frame stack, a (multi-page) TIFF, an
        Andor ``.sif``, a Princeton ``.spe``, or a folder of such frame files [path].
    energy
        Photon energy [eV] (number or ``"155 eV"``); replaces the file's value.
    distance
        Sample-detector distance [m] (number or ``"0.15 m"``).
    pixel_size
        Pixel pitch [m]: one value or ``(py, px)``, numbers or ``"13.5 um"``.
    center
        Beam centre ``(column, row)`` [pixels].
    delays
        Delays of the frames: a delays file (one per line, ``0.5 ps`` or seconds), or a sequence [s]
        or of unit strings; replaces the file's delays.
    dataset
        HDF5 dataset path of the frames (generic HDF5 files).

    Returns
    -------
    (xarray.DataArray, dict)
        Frames ``(delay, y, x)`` sorted by delay, with a ``delay`` coordinate [s] and the geometry and
        detector attributes (``photon_energy_eV``, ``distance_m``, ``pixel_size_m``,
        ``beam_center_px``, ``dark_level_adu``, ...); and the companions found in the file
        (``reference``, ``file_mask``, ``monitor``, ``n_summed``).

    Raises
    ------
    FileFormatError
        Missing or unreadable input, frames of unequal shape, delays that do not match the frames.
    ConfigError
        No delays anywhere; a malformed geometry option.
    """
    p = Path(input)
    if not p.exists():
        raise FileFormatError(f"{p}: no such file or folder", path=str(p))
    given = _parse_geometry_options(energy, distance, pixel_size, center)
    delay_pair, delay_arg = _delay_option(delays)
    if p.is_file() and p.suffix.lower() in _HDF5_SUFFIXES and dataset is None and _is_spinscope_nexus(p):
        da, extras = _load_spinscope_nexus(p, given, delay_pair)
    else:
        da = read_lab_frames(
            p,
            dataset=dataset,
            delays=delay_arg,
            energy=given.get("photon_energy_eV"),
            distance=given.get("distance_m"),
            pixel_size=given.get("pixel_size_m"),
            center=given.get("beam_center_px"),
        )
        if "delay" not in da.dims:
            raise ConfigError(
                f"delays: {p} carries no delays for its {1 if da.ndim == 2 else da.shape[0]} frame(s); "
                "give --delays FILE (one delay per line)",
                field="delays",
            )
        extras = {"n_summed": 1}
    return _sort_by_delay(p, da, extras), extras


# ----------------------------------------------------------------------------------------------
# the ring


def _smooth(y: np.ndarray, sigma_bins: float) -> np.ndarray:
    return gaussian_filter1d(y, sigma_bins, mode="nearest")


def _detect_ring(q: np.ndarray, y: np.ndarray, s: np.ndarray, source: str) -> tuple[float, float, float]:
    """Position and FWHM [1/m] of the most prominent ring, and the lowest q of the illuminated region.

    The beam-stop shadow (the leading bins at the floor level) is skipped, and a peak within the first
    three bins after it (the falling edge of the direct-beam halo) does not count as a ring. When that
    leaves no peak, a ring that rises straight out of the dark region (sharp ring, no halo) is looked
    for from just before the first bright bin; a halo edge is rejected there by its asymmetry.
    """
    ok = np.isfinite(q) & np.isfinite(y)
    qv, yv = q[ok], y[ok]
    sv = s[ok] if s is not None else np.full(qv.size, np.nan)
    qlo, qhi = (float(qv.min()), float(qv.max())) if qv.size else (float("nan"), float("nan"))
    off = DataRangeError(
        f"{source}: no scattering ring on the detector: the radial profile over "
        f"q = {qlo:.4g} .. {qhi:.4g} 1/m "
        f"(periods {2 * math.pi / qhi * 1e9 if qhi > 0 else float('inf'):.4g} .. "
        f"{2 * math.pi / qlo * 1e9 if qlo > 0 else float('inf'):.4g} nm) has no peak — the geometry "
        "(energy, distance, pixel size, beam centre) puts the ring off the detector, or there is none",
        field="geometry",
    )
    if qv.size < 12:
        raise off
    floor, top = float(np.min(yv)), float(np.max(_smooth(yv, 1.5)))
    start = 0
    while start < yv.size and yv[start] < floor + 0.05 * (top - floor):
        start += 1
    if start:
        start += 2  # bins at the shadow's edge are partly shadowed
    if yv.size - start < 12:
        raise off
    # smoothed after the cut, so that the step at the shadow's edge does not leak into the profile
    cut = _smooth(yv[start:], 1.5)
    noise = float(np.nanmedian(sv[start:])) if np.isfinite(sv[start:]).any() else 0.0
    # the smoothing kernel (sigma 1.5 bins) averages about 2 sqrt(pi) 1.5 = 5.3 bins
    threshold = max(5.0 * noise / math.sqrt(5.3), 1e-3 * (top - floor), 1e-300)
    peaks, props = find_peaks(cut, prominence=threshold)
    keep = peaks > 2  # a maximum right at the cut is the falling halo of the direct beam
    peaks, prom = peaks[keep], props["prominences"][keep]
    if peaks.size == 0 and start:
        # A sharp ring right after a dark region (no direct-beam halo) rises within the skipped bins:
        # look again from three bins before the first bright one. A halo edge found this way is told
        # from a ring by its shape: it falls far more slowly than it rises.
        start = max(0, start - 5)
        cut = _smooth(yv[start:], 1.5)
        peaks, props = find_peaks(cut, prominence=threshold)
        if peaks.size:
            _, _, left, right = peak_widths(cut, peaks, rel_height=0.5)
            ringlike = (peaks >= 2) & (right - peaks < 3.0 * np.maximum(peaks - left, 0.5))
            peaks, prom = peaks[ringlike], props["prominences"][ringlike]
        else:
            prom = props["prominences"]
    if peaks.size == 0:
        raise off
    k = int(peaks[np.argmax(prom)])
    w = peak_widths(cut, [k], rel_height=0.5)[0][0]
    dq = float(np.median(np.diff(qv)))
    return float(qv[start + k]), max(float(w) * dq, 2 * dq), float(qv[start])


def _baseline(ring: dict[str, float], q: np.ndarray) -> np.ndarray:
    """Background of a :func:`fit_ring` result evaluated at ``q`` [intensity]."""
    if "bkg_slope" in ring:
        return ring["bkg_intercept"] + ring["bkg_slope"] * q
    if "bkg_amplitude" in ring:
        return ring["bkg_c"] + ring["bkg_amplitude"] * (q / ring["bkg_q_ref"]) ** ring["bkg_exponent"]
    return np.full(q.shape, ring["bkg_c"])


def _ring_model(ring: dict[str, float], q: np.ndarray) -> np.ndarray:
    """Peak plus background of a :func:`fit_ring` result at ``q`` [intensity]."""
    a, q0, fwhm, eta = ring["amplitude"], ring["q0"], ring["fwhm"], ring["eta"]
    sig = fwhm / (2.0 * math.sqrt(2.0 * math.log(2.0)))
    g = np.exp(-0.5 * ((q - q0) / sig) ** 2) / (sig * math.sqrt(2 * math.pi))
    lor = (fwhm / 2) / math.pi / ((q - q0) ** 2 + (fwhm / 2) ** 2)
    return a * ((1 - eta) * g + eta * lor) + _baseline(ring, q)


def _mean_profile(profiles: xr.Dataset, sel: np.ndarray) -> xr.Dataset:
    ref = profiles.isel(delay=np.flatnonzero(sel))
    out = ref[["intensity"]].mean("delay")
    out["sigma"] = np.sqrt((ref["sigma"] ** 2).sum("delay")) / ref.sizes["delay"]
    return out


def _fit_best(profile: xr.Dataset, *, shape: str, window: tuple[float, float],
              wavelength: float | None = None) -> dict[str, Any]:
    """Ring fit with the background model (linear or power law) of the lower Akaike criterion.

    A linear baseline suits a flat background (dark level, diffuse scattering); the power law
    ``c + B q^-n`` follows the falling halo of the direct beam when the window reaches towards the beam
    stop. ``AIC = N ln(chi2 / N) + 2 k`` with ``k`` the number of fitted parameters.
    """
    best = None
    n_peak = 4 if shape == "pseudovoigt" else 3
    for model, k_bkg in (("linear", 2), ("power", 3)):
        try:
            r = fit_ring(profile, shape=shape, background=model, q_range=window, wavelength=wavelength)
        except DataRangeError:
            if model == "linear":
                raise
            continue
        k = n_peak + k_bkg
        npts = r["npoints"]
        chi2 = max(r["redchi"] * (npts - k), 1e-300)
        aic = npts * math.log(chi2 / npts) + 2 * k
        if best is None or aic < best[0]:
            best = (aic, {**r, "background_model": model})
    assert best is not None
    return best[1]


def _reference_ring(ref_profile: xr.Dataset, *, shape: str, q_range, source: str, cut_q: float,
                    wavelength: float | None = None):
    """Ring fit of the reference profile and the analysis window (q_lo, q_hi) [1/m]."""

    q = np.asarray(ref_profile["q"].values, dtype=float)
    y = np.asarray(ref_profile["intensity"].values, dtype=float)
    fin = np.isfinite(y)
    if not fin.any():
        raise DataRangeError(f"{source}: every q bin is empty (fully masked frames)", field="mask")
    qmin, qmax = float(q[fin].min()), float(q[fin].max())
    if q_range is not None:
        lo, hi = (float(v) for v in q_range)
        if not (hi > lo > 0):
            raise ConfigError(f"q_range: expected 0 < q_min < q_max [1/m], got {q_range!r}", field="q_range")
        if hi <= qmin or lo >= qmax:
            raise DataRangeError(
                f"q_range: {lo:.4g} .. {hi:.4g} 1/m lies off the detector, which covers q = {qmin:.4g} .. "
                f"{qmax:.4g} 1/m with this geometry",
                field="q_range",
            )
        window = (max(lo, qmin), min(hi, qmax))
        ring = _fit_best(ref_profile, shape=shape, window=window, wavelength=wavelength)
        return ring, window
    q_peak, fwhm0, q_ill = _detect_ring(q, y, ref_profile["sigma"].values, source)
    lo_lim = max(q_ill, cut_q)

    def window_for(q0: float, fwhm: float) -> tuple[float, float]:
        lo = max(q0 - _WINDOW_FWHM * fwhm, _WINDOW_LIMITS[0] * q0, lo_lim)
        hi = min(q0 + _WINDOW_FWHM * fwhm, _WINDOW_LIMITS[1] * q0, qmax)
        return lo, hi

    window = window_for(q_peak, fwhm0)
    try:
        ring = fit_ring(ref_profile, shape=shape, background="linear", q_range=window)  # sets the window
        window = window_for(ring["q0"], ring["fwhm"])
        ring = _fit_best(ref_profile, shape=shape, window=window, wavelength=wavelength)
    except DataRangeError as exc:
        raise DataRangeError(
            f"{source}: the ring near q = {q_peak:.4g} 1/m could not be fitted ({exc}); it may lie at the "
            "edge of the detector — check the geometry or give q_range",
            field="geometry",
        ) from None
    return ring, window


# ----------------------------------------------------------------------------------------------
# progress




# ----------------------------------------------------------------------------------------------
# the workflow


def _output_paths(out: Path) -> dict[str, Path]:
    paths = {k: out / v for k, v in OUTPUT_NAMES.items()}
    paths["movie"] = out / f"{OUTPUT_NAMES['movie']}.{movie_format()}"
    return paths


def _check_output(out: Path, paths: dict[str, Path], overwrite: bool) -> None:
    """Claim the output folder for this process (:func:`spinscope.atomic.claim_output`; held until the
    process ends, so a second run into it fails, ``overwrite`` or not) and refuse outputs of an earlier
    run without ``overwrite``. The folder itself is made when the outputs are written."""
    claim = claim_output(out)
    try:
        if out.exists() and not out.is_dir():
            raise OutputExistsError(f"{out}: exists and is not a folder; choose another -o", path=str(out))
        if overwrite:
            return
        existing = [p.name for p in paths.values() if p.exists()]
        if existing:
            raise OutputExistsError(
                f"{out}: already holds {', '.join(existing)}; pass --overwrite or choose another -o",
                path=str(out),
            )
    except SpinscopeError:
        claim.release()
        raise


#: Most q bins an analysis takes: the largest detectors (4096^2) reach ~2,900 pixels from the centre, so
#: more bins than this are empty and their arrays only cost memory (1e9 bins was killed for memory).
MAX_BINS = 100_000

@dataclass(frozen=True)
class XrmsAnalysisOptions:
    """How :func:`analyze_xrms` reads and analyses a delay scan: geometry, detector and fit settings.

    Every field left at ``None`` is taken from the file or found from the data (module docstring).
    Quantities are numbers in the unit in brackets or strings with a unit (``"155 eV"``, ``"0.1 ps"``).
    The options are checked when the object is made.

    Parameters
    ----------
    energy
        Photon energy [eV] (number or ``"155 eV"``); replaces the file's value with a warning.
    distance
        Sample-detector distance [m] (number or ``"0.15 m"``).
    pixel_size
        Pixel pitch [m] (one value, ``(py, px)``, or ``"13.5 um"``).
    center
        Beam centre ``(column, row)`` [pixels]; found automatically when neither given nor in the file.
    delays
        Delays file (one per line, ``0.5 ps`` or seconds) or a sequence [s]; replaces the file's.
    mask
        Bad-pixel mask: a file (``.npy``, ``.tif``, ``.h5``) or a boolean array ``(y, x)``, True = bad.
    t0
        Time zero [s] (number or ``"0.1 ps"``): delays before it are the unpumped reference; found from
        the data when ``None``.
    bins
        Number of q bins; default one per pixel of the largest radius (50 .. 1000).
    shape
        Ring line shape: ``"pseudovoigt"``, ``"lorentzian"`` or ``"gaussian"``.
    q_range
        ``(q_min, q_max)`` of the ring window [1/m]; found from the data when ``None``.
    irf_fwhm
        Instrument response (pump-probe cross-correlation) FWHM [s] (number or ``"50 fs"``), kept
        fixed; fitted when ``None``.
    dark
        Dark level subtracted from every frame [ADU]; default the file's ``dark_level_adu`` or none.
    adu_per_photon
        Detector units per photon [ADU] for the Poisson errors; default the file's or 1.
    saturation
        Pixel value at which a pixel is saturated [ADU]; default the file's ``saturation_adu``, else
        the largest value of an integer pixel type (none for floats).
    beam_stop_radius
        Radius of the beam stop on the detector [m] (number or ``"1 mm"``); pixels inside are excluded.
    dataset
        HDF5 dataset path of the frames (generic HDF5 files).

    Raises
    ------
    ConfigError
        An unknown ``shape``, a ``t0`` or ``irf_fwhm`` that is not a time, a negative ``irf_fwhm``,
        ``bins`` not an integer >= 10.
    """

    energy: Any = None
    distance: Any = None
    pixel_size: Any = None
    center: tuple[float, float] | None = None
    delays: Any = None
    mask: Any = None
    t0: Any = None
    bins: int | None = None
    shape: str = "pseudovoigt"
    q_range: tuple[float, float] | None = None
    irf_fwhm: Any = None
    dark: float | None = None
    adu_per_photon: float | None = None
    saturation: float | None = None
    beam_stop_radius: Any = None
    dataset: str | None = None

    def __post_init__(self) -> None:
        shape, bins = self.shape, self.bins
        if shape not in RING_SHAPES:
            raise ConfigError(f"shape: expected one of {', '.join(RING_SHAPES)}, got {shape!r}",
                              field="shape")
        _ = self.t0_seconds  # parsed now: a malformed t0 fails here rather than after reading
        irf = self.irf_fwhm_seconds
        if irf is not None and irf < 0:
            raise ConfigError(f"irf_fwhm: expected a duration >= 0, got {self.irf_fwhm!r}", field="irf_fwhm")
        if bins is not None and (int(bins) != bins or not 10 <= int(bins) <= MAX_BINS):
            raise ConfigError(f"bins: expected an integer number of q bins from 10 to {MAX_BINS}, got "
                              f"{bins!r}", field="bins")

    @property
    def t0_seconds(self) -> float | None:
        """Time zero [s]; ``None`` when it is to be found from the data."""
        return None if self.t0 is None else parse_quantity(self.t0, "time", field="t0")

    @property
    def irf_fwhm_seconds(self) -> float | None:
        """Instrument response FWHM [s]; ``None`` when it is to be fitted."""
        return None if self.irf_fwhm is None else parse_quantity(self.irf_fwhm, "time", field="irf_fwhm")


def analyze_xrms(
    input: str | os.PathLike,
    options: XrmsAnalysisOptions | None = None,
    *,
    output: str | os.PathLike | None = None,
    overwrite: bool = False,
    movie: bool = True,
    progress: bool = True,
    **option_keywords: Any,
) -> dict[str, Any]:
    """Analyse a time-resolved small-angle magnetic scattering delay scan (module docstring).

    The steps: read the frames and the detector settings (:func:`_read_scan`), mask saturated pixels
    (:func:`_mask_saturated`), find the beam centre (:func:`_find_center`), integrate the radial
    profiles (:func:`_integrate`), analyse them (:func:`_analyse_profiles`), write the outputs
    (:func:`_write_outputs`).

    Parameters
    ----------
    input
        Frames: spinscope NeXus, NeXus/HDF5, (multi-page) TIFF, ``.sif``, ``.spe`` or a folder [path].
    options
        Geometry, detector and fit settings (:class:`XrmsAnalysisOptions`); default: everything from
        the file or found from the data.
    output
        Output folder [path]; nothing is written when ``None``.
    overwrite
        Replace outputs of an earlier run in ``output``.
    movie
        Write the detector movie.
    progress
        Show progress bars on stderr.
    **option_keywords
        Fields of :class:`XrmsAnalysisOptions` given one by one (``energy="155 eV"``, ``t0=0.1e-12``,
        ...); they replace those of ``options``.

    Returns
    -------
    dict
        JSON-ready, SI units: ``fit`` (``t0``, ``tau_m``, ``amplitude``, ``tau_r``, ``fwhm``, ``m0``
        with ``*_err``, ``redchi``, ...), ``fit_q1``, ``period``, ``period_err``,
        ``correlation_length``, ``correlation_length_err`` [m], ``q1_ref`` [1/m], ``q_shift``, ``wall``,
        ``delay`` [s], ``m``, ``m_err``, ``q1``, ``q1_err`` [1/m] (lists over the delays, sorted),
        ``reference`` (how ``M`` was normalised), ``t0_reference`` [s], ``q_window`` [1/m],
        ``geometry`` (``energy`` [eV], ``distance``, ``pixel_size`` [m], ``center`` [px],
        ``center_source``), ``ring_shape``, ``ring_background`` (``linear`` or ``power``, by the
        Akaike criterion), ``saturated_pixels``, ``frames``, ``input``, ``outputs`` (written files).

    Raises
    ------
    FileFormatError
        Missing or unreadable files, frames of unequal shape, delays that do not match the frames.
    ConfigError
        Geometry neither in the file nor given (names the option), malformed options.
    DataRangeError
        No ring on the detector (the geometry puts it off), no delays before time zero, failed fits.
    OutputExistsError
        Outputs of an earlier run in ``output`` without ``overwrite``.
    TypeError
        A keyword that is not a field of :class:`XrmsAnalysisOptions`.
    """
    opts = _resolve_options(options, option_keywords)
    out = None if output is None else Path(output)
    paths = None if out is None else _output_paths(out)
    if out is not None:
        _check_output(out, paths, overwrite)

    with Progress(progress) as prog:
        scan = _read_scan(input, opts, prog)
        _mask_saturated(scan)
        if scan.geom.center is None:
            _find_center(scan, prog)
        integ, profiles, ref_profiles = _integrate(scan, opts.bins, prog)
        settings = _ProfileSettings.of(opts, scan)
        analysis = _analyse_profiles(profiles, ref_profiles, scan.extras, settings, prog)
        result = _summary(analysis.result, scan, integ)
        if out is not None:
            assert paths is not None
            _write_outputs(out, paths, scan=scan, profiles=profiles, analysis=analysis, result=result,
                           overwrite=overwrite, movie=movie, prog=prog)
    return result


def _resolve_options(options: XrmsAnalysisOptions | None, keywords: dict[str, Any]) -> XrmsAnalysisOptions:
    """The options object, with the fields given as keywords replaced."""
    names = {f.name for f in fields(XrmsAnalysisOptions)}
    unknown = [k for k in keywords if k not in names]
    if unknown:
        raise TypeError(f"analyze_xrms() got an unexpected keyword argument {unknown[0]!r}")
    if options is None:
        return XrmsAnalysisOptions(**keywords)
    return replace(options, **keywords) if keywords else options


@dataclass
class _Scan:
    """A delay scan read for :func:`analyze_xrms`, with the detector settings that apply to it.

    ``data`` (the frame values), ``bad`` (True = excluded pixel), ``saturation``, ``geom`` and
    ``saturated_pixels`` are updated by the masking and centring steps.
    """

    source: str
    frames: xr.DataArray
    extras: dict[str, Any]
    geom: DetectorGeometry
    center_source: str
    n_sum: int  # frames summed per delay
    dark: float | None  # [ADU], for the summed frames
    gain: float  # [ADU / photon]
    saturation: float | None  # [ADU], for the summed frames
    beam_stop: float | None  # radius [m]
    data: np.ndarray
    bad: np.ndarray
    saturated_pixels: int = 0


def _read_scan(input: str | os.PathLike, opts: XrmsAnalysisOptions, prog) -> _Scan:
    """Frames, geometry and detector settings (options, else the file's attributes), bad pixels."""
    prog.stage("reading frames")
    frames, extras = load_xrms_frames(
        input, energy=opts.energy, distance=opts.distance, pixel_size=opts.pixel_size, center=opts.center,
        delays=opts.delays, dataset=opts.dataset,
    )
    attrs = frames.attrs
    geom = DetectorGeometry.from_attrs(attrs)
    center_source = "given" if opts.center is not None else ("file" if geom.center is not None else "found")

    n_sum = int(extras.get("n_summed", 1))
    dark = opts.dark if opts.dark is not None else attrs.get("dark_level_adu")
    dark = None if dark is None else float(dark) * n_sum
    gain = opts.adu_per_photon if opts.adu_per_photon is not None else attrs.get("adu_per_photon", 1.0)
    gain = float(gain)
    if not (math.isfinite(gain) and gain > 0):
        raise ConfigError(f"adu_per_photon: expected a positive number, got {gain!r}",
                          field="adu_per_photon")
    sat = opts.saturation if opts.saturation is not None else attrs.get("saturation_adu")
    if sat is None and frames.dtype.kind in "iu" and n_sum == 1:
        sat = float(np.iinfo(frames.dtype).max)
    sat = None if sat is None else float(sat) * (n_sum if opts.saturation is None else 1)
    bs = opts.beam_stop_radius if opts.beam_stop_radius is not None else attrs.get("beam_stop_radius_m")
    bs = None if bs is None else parse_quantity(bs, "length", field="beam_stop_radius")

    data = np.asarray(frames.values)
    bad = _bad_pixels(extras.get("file_mask"), opts.mask, data.shape[1:])
    return _Scan(source=str(input), frames=frames, extras=extras, geom=geom, center_source=center_source,
                 n_sum=n_sum, dark=dark, gain=gain, saturation=sat, beam_stop=bs, data=data, bad=bad)


def _bad_pixels(file_mask: np.ndarray | None, mask: Any, shape: tuple[int, int]) -> np.ndarray:
    """The file's mask or'ed with the option's (a file or a boolean array); True = bad."""
    ny, nx = shape
    bad = np.zeros((ny, nx), dtype=bool)
    if file_mask is not None:
        bad |= file_mask
    if mask is not None:
        if isinstance(mask, str | os.PathLike):
            bad |= read_mask(mask, (ny, nx))
        else:
            m = np.asarray(mask)
            if m.shape != (ny, nx) or m.dtype.kind not in "biu":
                raise ConfigError(f"mask: expected a boolean array of shape {(ny, nx)}, got {m.shape}",
                                  field="mask")
            bad |= m.astype(bool)
    return bad


def _mask_saturated(scan: _Scan) -> None:
    """Exclude the pixels that saturate in any frame from every frame, with a warning.

    Pixels the file flags as saturated (full well or ADC) are first set to the saturation level.
    Called by :func:`analyze_xrms` directly: the warning points at its caller (``stacklevel=3``).
    """
    data, bad, sat, extras = scan.data, scan.bad, scan.saturation, scan.extras
    flagged = extras.get("saturated")
    if flagged is not None and flagged.any():
        # pixels the file flags as saturated (full well or ADC): set to the saturation level, so
        # that the integrator masks them in the frames where they occur (with its warning)
        if sat is None:
            sat = float(np.max(data)) + 1.0
        data = data.astype(np.float64 if data.dtype.itemsize > 2 else np.float32)
        data[flagged] = sat
    scan.data, scan.saturation = data, sat
    if sat is None:
        return
    hit = (data >= sat) & ~bad[None]
    scan.saturated_pixels = int(np.count_nonzero(hit))
    hot = hit.any(axis=0)
    ref_frames = extras.get("reference")
    if ref_frames is not None:
        hot |= np.any(np.asarray(ref_frames) >= sat, axis=tuple(range(np.ndim(ref_frames) - 2)))
        hot &= ~bad
    if hot.any():
        # Masking a pixel only in the frames where it saturates would integrate different pixel
        # sets at different delays (a hot speckle in one frame biases that M(t) point): the
        # pixels concerned are excluded from every frame instead.
        warnings.warn(
            f"frames: {scan.saturated_pixels} saturated pixels (>= {sat:g}) in "
            f"{int(np.count_nonzero(hit.any(axis=(1, 2))))} of {hit.shape[0]} frames; the "
            f"{int(np.count_nonzero(hot))} pixels concerned are masked in every frame",
            SaturationWarning,
            stacklevel=3,
        )
        scan.bad = bad | hot


def _find_center(scan: _Scan, prog) -> None:
    """Beam centre from the point symmetry of the mean frame above the dark level."""
    prog.stage("finding the beam centre")
    data, sat = scan.data, scan.saturation
    mean_frame = data.mean(axis=0, dtype=np.float64)
    if sat is not None:
        hot = np.any(data >= sat, axis=0)
        centre_mask = scan.bad | hot
    else:
        centre_mask = scan.bad
    mean_frame = mean_frame - (scan.dark or 0.0)
    scan.geom = scan.geom.with_center(find_beam_center(mean_frame, mask=centre_mask))


def _integrate(scan: _Scan, bins: int | None, prog) -> tuple[Any, xr.Dataset, xr.Dataset | None]:
    """The integrator and the radial profiles of the frames and of the pump-off frames (or ``None``).

    The pump-off profiles are brought to the number of frames summed per delay; the profiles are
    divided by the normalised monitor when the file has one.
    """
    n, ny, nx = scan.data.shape
    cx, cy = scan.geom.center
    corners = np.hypot(np.array([0, nx - 1]) - cx, np.array([[0], [ny - 1]]) - cy)
    if bins is None:
        bins = int(np.clip(np.ceil(corners.max()), 50, 1000))

    prog.stage("azimuthal integration", 1)
    integ = AzimuthalIntegrator(scan.geom, (ny, nx), bins=int(bins), mask=scan.bad,
                                beam_stop_radius=scan.beam_stop)
    profiles = integ.integrate(scan.frames.copy(data=scan.data), adu_per_photon=scan.gain,
                               saturation=scan.saturation, dark=scan.dark)
    ref_profiles = None
    ref = scan.extras.get("reference")
    if ref is not None:
        ref_summed = scan.extras.get("reference_summed", 1)
        ref_profiles = integ.integrate(
            ref if ref.ndim == 3 else ref.expand_dims("frame"), adu_per_photon=scan.gain,
            saturation=scan.saturation,
            dark=None if scan.dark is None else scan.dark / scan.n_sum * ref_summed,
        )
        # the pump-on profiles are sums of n_sum frames per delay: bring the reference to the same
        k_ref = scan.n_sum / ref_summed
        if k_ref != 1:
            ref_profiles["intensity"] = ref_profiles["intensity"] * k_ref
            ref_profiles["sigma"] = ref_profiles["sigma"] * k_ref
    monitor = scan.extras.get("monitor")
    if monitor is not None:
        if not np.all(np.isfinite(monitor) & (monitor > 0)):
            raise FileFormatError(f"{scan.source}: monitor values must be positive", path=scan.source)
        scale = xr.DataArray(monitor / monitor.mean(), dims=("delay",))
        profiles["intensity"] = profiles["intensity"] / scale
        profiles["sigma"] = profiles["sigma"] / scale
    prog.advance()
    return integ, profiles, ref_profiles


def _summary(result: dict[str, Any], scan: _Scan, integ) -> dict[str, Any]:
    """The JSON-ready result: the profile analysis with the geometry, the input and the frames."""
    n, ny, nx = scan.data.shape
    geom = scan.geom
    result["geometry"] = {
        "energy": geom.energy,
        "distance": geom.distance,
        "pixel_size": list(geom.pixel_size),
        "center": list(geom.center),
        "center_source": scan.center_source,
        "q_min": float(integ.edges[0]),
        "q_max": float(integ.edges[-1]),
    }
    result["saturated_pixels"] = scan.saturated_pixels
    result["input"] = scan.source
    result["frames"] = {"n": int(n), "shape": [int(ny), int(nx)], "summed_per_delay": scan.n_sum}
    result["outputs"] = []
    return to_jsonable(result)


def _q_of_radius(geom, r: float) -> float:
    """Momentum transfer [1/m] at radius ``r`` [m] on the detector (:mod:`spinscope.geometry`)."""
    return float(q_of_radius(float(r), geom.distance, geom.energy))


@dataclass(frozen=True)
class _ProfileSettings:
    """What the analysis of the radial profiles needs from the options and the geometry."""

    shape: str
    q_range: tuple[float, float] | None  # [1/m]
    t0: float | None  # [s]
    irf: float | None  # [s]
    cut_q: float  # edge of the beam-stop shadow [1/m]
    source: str
    wavelength: float | None  # [m]

    @classmethod
    def of(cls, opts: XrmsAnalysisOptions, scan: _Scan) -> _ProfileSettings:
        """The settings of ``opts`` with the beam-stop edge and the wavelength of the scan's geometry."""
        return cls(
            shape=opts.shape, q_range=opts.q_range, t0=opts.t0_seconds, irf=opts.irf_fwhm_seconds,
            cut_q=0.0 if scan.beam_stop is None else _q_of_radius(scan.geom, scan.beam_stop),
            source=scan.source, wavelength=scan.geom.wavelength,
        )


@dataclass
class _ProfileAnalysis:
    """Result of :func:`_analyse_profiles`."""

    result: dict[str, Any]  # not yet JSON-ready
    traces: xr.Dataset  # M(t), q1(t) and the reference delays
    rings: xr.Dataset  # ring fits per delay
    ring_ref: dict[str, Any]  # ring fit of the reference profile
    window: tuple[float, float]  # [1/m]
    background: np.ndarray  # baseline B(q) of the reference ring


@dataclass
class _MFit:
    """Result of :func:`_fit_m`."""

    m: np.ndarray
    m_err: np.ndarray
    fit: dict[str, Any]
    t_ref: float  # delays before it form the reference [s]; -inf: none (pump-off frames)
    ring_ref: dict[str, Any]
    window: tuple[float, float]  # [1/m]
    background: np.ndarray


def _analyse_profiles(profiles: xr.Dataset, ref_profiles: xr.Dataset | None, extras: dict[str, Any],
                      s: _ProfileSettings, prog) -> _ProfileAnalysis:
    """Ring, M(t), q1(t) and the fits of the radial profiles (steps 4 to 6 of the module docstring)."""
    delays = np.asarray(profiles["delay"].values, dtype=float)
    n = delays.size
    if n < 6:
        raise DataRangeError(f"{s.source}: {n} delays; a delay scan needs at least 6 to fit M(t)",
                             field="delay")
    per_delay_ref = ref_profiles is not None and bool(extras.get("reference_per_delay"))
    ref_mean, ref_kind = _first_reference(profiles, ref_profiles, per_delay_ref, s)
    ring_ref, window = _reference_ring(ref_mean, shape=s.shape, q_range=s.q_range, source=s.source,
                                       cut_q=s.cut_q, wavelength=s.wavelength)
    if per_delay_ref:
        profiles, ref_profiles = _normalise_flux(profiles, ref_profiles, window, s.source)

    prog.stage("fitting M(t)")
    mfit = _fit_m(profiles, ref_profiles, ring_ref, window, s)
    fit, ring_ref, window = mfit.fit, mfit.ring_ref, mfit.window
    is_ref = delays < mfit.t_ref

    prog.stage("ring fits", n)
    rings = _ring_fits(profiles, ring_ref["background_model"], window, s, prog)
    q1, q1_err = rings["q1"].values, rings["q1_err"].values
    prog.stage("fitting q1(t)")
    q1_dyn = _q1_dynamics(delays, q1, q1_err, is_ref, fit, s)

    traces = xr.Dataset(
        {
            "m": ("delay", mfit.m, {"units": "", "long_name": "M(t) / M(t < t0)"}),
            "m_err": ("delay", mfit.m_err, {"units": ""}),
            "is_reference": ("delay", is_ref, {"units": "", "long_name": "delay in the M(t) reference"}),
            "q1": rings["q1"],
            "q1_err": rings["q1_err"],
        },
        coords={"delay": profiles["delay"]},
    )
    t_ref = mfit.t_ref
    result = {
        "fit": fit,
        "fit_q1": q1_dyn["fit_q1"],
        "period": ring_ref["period"],
        "period_err": ring_ref["period_err"],
        "correlation_length": ring_ref["correlation_length"],
        "correlation_length_err": ring_ref["correlation_length_err"],
        "q1_ref": q1_dyn["q1_ref"],
        "q_shift": q1_dyn["q_shift"],
        "wall": q1_dyn["wall"],
        "delay": delays,
        "m": mfit.m,
        "m_err": mfit.m_err,
        "q1": q1,
        "q1_err": q1_err,
        "reference": ref_kind,
        "t0_reference": t_ref if math.isfinite(t_ref) else None,
        "n_reference": int(is_ref.sum()) if ref_profiles is None else None,
        "q_window": list(window),
        "ring_shape": s.shape,
        "ring_background": ring_ref["background_model"],
    }
    return _ProfileAnalysis(result=result, traces=traces, rings=rings, ring_ref=ring_ref, window=window,
                            background=mfit.background)


def _first_reference(profiles: xr.Dataset, ref_profiles: xr.Dataset | None, per_delay_ref: bool,
                     s: _ProfileSettings) -> tuple[xr.Dataset, str]:
    """The reference profile (pump-off frames, else the delays before t0 or the earliest tenth) and
    how it was made."""
    if ref_profiles is not None:
        lead = [d for d in ref_profiles["intensity"].dims if d != "q"]
        ref_mean = ref_profiles[["intensity"]].mean(lead)
        k = int(np.prod([ref_profiles.sizes[d] for d in lead])) if lead else 1
        ref_mean["sigma"] = np.sqrt((ref_profiles["sigma"] ** 2).sum(lead)) / k
        return ref_mean, "pump-off frames" + (" (per delay)" if per_delay_ref else "")
    delays = np.asarray(profiles["delay"].values, dtype=float)
    n = delays.size
    if s.t0 is not None:
        pre = delays < s.t0
        if not pre.any():
            raise DataRangeError(
                f"t0: no delay before t0 = {s.t0:.4g} s (delays from {delays.min():.4g} s); the scan "
                "needs delays before time zero, or pump-off frames",
                field="t0",
            )
    else:
        pre = np.arange(n) < max(2, n // 10)  # t0 unknown yet
    return _mean_profile(profiles, pre), "delays before t0"


def _normalise_flux(profiles: xr.Dataset, ref_profiles: xr.Dataset, window: tuple[float, float],
                    source: str) -> tuple[xr.Dataset, xr.Dataset]:
    """Both stacks divided by the incident flux at each delay, measured by the pump-off frames.

    The ratio of the pump-off ring-window intensity at a delay to its mean measures the flux at that
    delay (source drift); after the division the averaged pump-off profile is the reference (exact when
    the dark level has been subtracted).
    """
    s_off = integrated_intensity(ref_profiles, q_range=window)["integral"].values
    if not np.all(np.isfinite(s_off) & (s_off > 0)):
        raise DataRangeError(f"{source}: pump-off intensity is not positive at every delay",
                             field="reference")
    ref_scale = s_off / s_off.mean()
    profiles = profiles.copy()
    ref_profiles = ref_profiles.copy()
    for ds_ in (profiles, ref_profiles):
        for var in ("intensity", "sigma"):
            v = ds_[var].transpose("delay", "q")
            ds_[var] = v.copy(data=v.values / ref_scale[:, None])
    return profiles, ref_profiles


def _m_trace(profiles, ref_profiles, t_ref: float, window, bkg) -> tuple[np.ndarray, np.ndarray]:
    """M(t) and its error with the delays before ``t_ref`` [s] (or the pump-off frames) as reference."""
    tr = magnetisation_trace(profiles, t0=t_ref, q_range=window, background=bkg, reference=ref_profiles)
    return tr["m"].values, tr["m_err"].values


def _fit_m(profiles: xr.Dataset, ref_profiles: xr.Dataset | None, ring_ref: dict[str, Any],
           window: tuple[float, float], s: _ProfileSettings) -> _MFit:
    """M(t) and its demagnetisation fit.

    Without ``t0`` and pump-off frames, a first fit with the earliest tenth of the delays as reference
    finds time zero; the delays before ``t0 - FWHM_IRF`` then form the reference, whose ring fit
    replaces ``ring_ref`` and ``window``.
    """
    delays = np.asarray(profiles["delay"].values, dtype=float)
    n = delays.size
    q = np.asarray(profiles["q"].values, dtype=float)
    bkg = _baseline(ring_ref, q)
    if s.t0 is None and ref_profiles is None:
        # preliminary reference: the earliest tenth of the scan
        pre_n = max(2, n // 10)
        t_pre = 0.5 * (delays[pre_n - 1] + delays[min(pre_n, n - 1)])
        m0, e0 = _m_trace(profiles, ref_profiles, t_pre, window, bkg)
        fit0 = fit_demagnetisation(delays, m0, e0, irf_fwhm=s.irf)
        t_ref = fit0["t0"] - (fit0["fwhm"] or 0.0)
        if not np.any(delays < t_ref):
            raise DataRangeError(
                f"delay: time zero found at {fit0['t0']:.4g} s leaves no delay before it (first delay "
                f"{delays[0]:.4g} s); the scan needs delays before time zero, or give t0",
                field="delay",
            )
        t0_start = fit0["t0"]
        # the reference ring from the final reference delays
        ring_ref, window = _reference_ring(
            _mean_profile(profiles, delays < t_ref), shape=s.shape, q_range=s.q_range or window,
            source=s.source, cut_q=s.cut_q, wavelength=s.wavelength,
        )
        bkg = _baseline(ring_ref, q)
    else:
        t_ref = s.t0 if s.t0 is not None else -math.inf
        t0_start = s.t0
    m, m_err = _m_trace(profiles, ref_profiles, t_ref if math.isfinite(t_ref) else 0.0, window, bkg)
    fit = fit_demagnetisation(delays, m, m_err, t0=t0_start, irf_fwhm=s.irf, slow_recovery="auto")
    if ref_profiles is not None and s.t0 is None:
        t_ref = fit["t0"] - (fit["fwhm"] or 0.0)
    return _MFit(m=m, m_err=m_err, fit=fit, t_ref=t_ref, ring_ref=ring_ref, window=window, background=bkg)


def _ring_fits(profiles: xr.Dataset, background: str, window: tuple[float, float], s: _ProfileSettings,
               prog) -> xr.Dataset:
    """Ring fit of every delay's profile (NaN where a fit fails): q1, width, amplitude, period, xi."""
    n = profiles.sizes["delay"]
    keys = ("q0", "fwhm", "amplitude", "period", "correlation_length")
    vals = {f"{k}{e}": np.full(n, np.nan) for k in keys for e in ("", "_err")}
    for i in range(n):
        try:
            r = fit_ring(profiles.isel(delay=i), shape=s.shape, background=background, q_range=window,
                         wavelength=s.wavelength)
        except DataRangeError:
            r = None
        if r is not None:
            for k in vals:
                vals[k][i] = r[k]
        prog.advance()
    amplitude_units = profiles["intensity"].attrs.get("units", "") + " 1/m"
    return xr.Dataset(
        {
            "q1": ("delay", vals["q0"], {"units": "1/m", "long_name": "first-order ring position"}),
            "q1_err": ("delay", vals["q0_err"], {"units": "1/m"}),
            "ring_fwhm": ("delay", vals["fwhm"], {"units": "1/m"}),
            "ring_fwhm_err": ("delay", vals["fwhm_err"], {"units": "1/m"}),
            "ring_amplitude": ("delay", vals["amplitude"], {"units": amplitude_units}),
            "ring_amplitude_err": ("delay", vals["amplitude_err"], {"units": amplitude_units}),
            "period": ("delay", vals["period"], {"units": "m"}),
            "period_err": ("delay", vals["period_err"], {"units": "m"}),
            "correlation_length": ("delay", vals["correlation_length"], {"units": "m"}),
            "correlation_length_err": ("delay", vals["correlation_length_err"], {"units": "m"}),
        },
        coords={"delay": profiles["delay"]},
    )


def _q1_dynamics(delays: np.ndarray, q1: np.ndarray, q1_err: np.ndarray, is_ref: np.ndarray,
                 fit: dict[str, Any], s: _ProfileSettings) -> dict[str, Any]:
    """``q1_ref`` [1/m] (weighted mean before t0), the fit of q1(t), the wall velocity and the shift."""
    ok = np.isfinite(q1) & np.isfinite(q1_err) & (q1_err > 0)
    fit_q1 = None
    q1_ref = float("nan")
    if (ok & is_ref).any():
        w = 1.0 / q1_err[ok & is_ref] ** 2
        q1_ref = float(np.average(q1[ok & is_ref], weights=w))
        try:
            fit_q1 = fit_q1_trace(delays[ok], q1[ok], q1_err[ok], t0=fit["t0"], reference=q1_ref,
                                  irf_fwhm=s.irf)
        except (DataRangeError, ConfigError):
            fit_q1 = None
    wall = None
    late = ok & (delays > fit["t0"] + 3.0 * fit["tau_m"])
    if late.sum() >= 3:
        try:
            wall = wall_velocity(delays[late], q1[late], q1_err[late], wavelength=s.wavelength)
        except DataRangeError:
            wall = None
    last = np.flatnonzero(ok)
    q_shift = float(q1[last[-1]] / q1_ref - 1.0) if last.size and math.isfinite(q1_ref) else float("nan")
    return {"fit_q1": fit_q1, "q1_ref": q1_ref, "wall": wall, "q_shift": q_shift}


def _result_dataset(profiles: xr.Dataset, analysis: _ProfileAnalysis, result: dict[str, Any],
                    geom: DetectorGeometry) -> xr.Dataset:
    """The NeXus output: profiles, baseline, reference ring model, traces, ring fits and fit curves."""
    traces, rings, ring_ref = analysis.traces, analysis.rings, analysis.ring_ref
    q = np.asarray(profiles["q"].values, dtype=float)
    ds = profiles[["intensity", "sigma", "npix"]].copy()
    ds["q"].attrs["units"] = "1/m"
    ds["delay"].attrs["units"] = "s"
    ds["background"] = ("q", analysis.background, {"units": profiles["intensity"].attrs.get("units", ""),
                                                    "long_name": "baseline B(q) of the reference ring fit"})
    ds["reference_ring_model"] = ("q", _ring_model(ring_ref, q), {"units": profiles["intensity"].attrs.get(
        "units", ""), "long_name": "ring fit of the reference profile"})
    for k in ("m", "m_err", "is_reference"):
        ds[k] = traces[k]
    ds["is_reference"] = ds["is_reference"].astype(np.int8)
    for k in rings.data_vars:
        ds[k] = rings[k]
    fit = result["fit"]
    d = np.asarray(profiles["delay"].values, dtype=float)

    def curve(f):
        return demag_curve(
            d, t0=f["t0"], amplitude=f["amplitude"], tau_m=f["tau_m"],
            tau_r=math.inf if f.get("tau_r") is None else f["tau_r"], fwhm=f.get("fwhm") or 0.0,
            m0=f.get("m0") or 1.0,
        )

    ds["m_fit"] = ("delay", curve(fit), {"units": "", "long_name": "fitted demagnetisation curve"})
    if result.get("fit_q1"):
        ds["q1_fit"] = ("delay", curve(result["fit_q1"]) * result["fit_q1"]["q1_ref"], {"units": "1/m"})
    ds.attrs = {
        **geom.to_attrs(),
        "q_window": list(analysis.window),
        "fit": json.dumps(result["fit"]),
        "fit_q1": json.dumps(result["fit_q1"]),
        "period_m": result["period"] if result["period"] is not None else float("nan"),
        "correlation_length_m": (result["correlation_length"]
                                 if result["correlation_length"] is not None else float("nan")),
        "reference": result["reference"],
        "source_file": result.get("input", ""),
    }
    return ds


_FIT_UNITS = {"t0": "s", "tau_m": "s", "tau_r": "s", "tau_m2": "s", "fwhm": "s", "amplitude": "",
              "m0": "", "q1_ref": "1/m"}


def _fit_groups(ds: xr.Dataset, result: dict[str, Any]) -> dict[str, dict]:
    """NeXus groups of the analysis file: NXsas instrument and sample, the fits as NXprocess."""
    groups = nxsas_groups(ds.attrs)
    groups["fit_demagnetisation"] = nxprocess(
        result["fit"], units=_FIT_UNITS,
        description="demagnetisation curve fitted to the ring intensity m(delay) (lmfit leastsq)")
    if result.get("fit_q1"):
        groups["fit_q1"] = nxprocess(
            result["fit_q1"], units=_FIT_UNITS,
            description="demagnetisation curve fitted to the ring position q1(delay) (lmfit leastsq)")
    return groups


def _write_outputs(out: Path, paths: dict[str, Path], *, scan: _Scan, profiles: xr.Dataset,
                   analysis: _ProfileAnalysis, result: dict[str, Any], overwrite: bool, movie: bool,
                   prog) -> None:
    """Write every output into a staging folder, then move the files into ``out`` one by one.

    ``result["outputs"]`` is set to the written files.
    """
    data, geom, bad, window, traces = scan.data, scan.geom, scan.bad, analysis.window, analysis.traces
    ref_sel = np.asarray(traces["is_reference"].values, dtype=bool)
    offset = scan.dark or 0.0  # figures and movie show the signal above the dark level
    ref_frame = (data[ref_sel].mean(axis=0) if ref_sel.any() else data[0].astype(float)) - offset
    ds = _result_dataset(profiles, analysis, result, geom)
    shown = data if not offset else data.astype(np.float32) - np.float32(offset)

    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".xrms-analysis.", suffix=".part", dir=out))
    done = False
    try:
        prog.stage("writing outputs", 4 + (shown.shape[0] if movie else 0))
        names = [k for k in ("nexus", "json", "detector", "profiles", "traces", "movie")
                 if movie or k != "movie"]
        final = {k: paths[k] for k in names}
        result["outputs"] = [str(final[k]) for k in names]
        tmp = {k: stage / final[k].name for k in names}
        title = Path(result["input"]).name
        write_nexus(tmp["nexus"], ds, config={"analysis": "spinscope xrms analyze", "input": result["input"],
                                               "q_window": list(window), "geometry": result["geometry"]},
                    title=f"xrms analysis of {title}", definition="NXsas", groups=_fit_groups(ds, result))
        prog.advance()
        plot_detector_image(ref_frame, tmp["detector"], geometry=geom, q_rings=[result["q1_ref"] or
                            (2 * math.pi / result["period"])], mask=bad, title=f"{title}: reference frame")
        prog.advance()
        plot_radial_profiles(profiles, tmp["profiles"], q_window=window, title=title)
        prog.advance()
        plot_time_traces(traces, tmp["traces"], fit=result["fit"], fit_q1=result["fit_q1"], title=title)
        prog.advance()
        if movie:
            write_movie(shown, tmp["movie"], delays=scan.frames["delay"].values, mask=bad, max_size=384,
                        progress=prog.advance)
        tmp["json"].write_text(json.dumps(result, indent=2, allow_nan=False) + "\n")
        for k in names:
            if final[k].exists() and not overwrite:
                raise OutputExistsError(f"{final[k]}: output exists; pass --overwrite", path=str(final[k]))
        for k in names:
            os.replace(tmp[k], final[k])
        done = True
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if not done and created and not any(out.iterdir()):
            out.rmdir()
