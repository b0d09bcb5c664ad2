"""Scattering figures and the detector movie: written, non-empty, atomic, refused on bad input."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from spinscope.analysis.azimuthal import AzimuthalIntegrator, DetectorGeometry
from spinscope.curves import demag_curve
from spinscope.errors import ConfigError, OutputError, OutputExistsError
from spinscope.viz.scattering import (
    movie_format,
    plot_detector_image,
    plot_radial_profiles,
    plot_time_traces,
    write_movie,
)

GEOM = DetectorGeometry(energy=155.0, distance=0.04, pixel_size=27e-6, center=(40.2, 37.7))
SHAPE = (80, 84)
DELAYS = np.linspace(-1e-12, 5e-12, 12)
FIT = dict(t0=0.0, amplitude=0.4, tau_m=0.3e-12, tau_r=4e-12, fwhm=0.05e-12, m0=1.0)


def frames():
    q = GEOM.q_map(SHAPE)
    q0 = 0.5 * q.max()
    m = demag_curve(DELAYS, **FIT)
    ring = np.exp(-0.5 * ((q[None] - q0) / (0.08 * q0)) ** 2)
    rng = np.random.default_rng(0)
    return rng.poisson(2 + 50 * m[:, None, None] ** 2 * ring).astype(np.uint16), q0, m


def is_png(path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def no_temporaries(folder) -> bool:
    return not any(p.name.endswith(".part") for p in folder.iterdir())


def test_detector_image_with_ring_and_mask(tmp_path):
    stack, q0, _ = frames()
    mask = np.zeros(SHAPE, dtype=bool)
    mask[:, :3] = True
    p = plot_detector_image(stack[0], tmp_path / "det.png", geometry=GEOM, q_rings=[q0], mask=mask,
                            title="reference")
    assert p == tmp_path / "det.png" and is_png(p) and p.stat().st_size > 5000
    # no geometry, no rings: still a figure; zero and negative pixels are fine on the log scale
    img = stack[0].astype(float) - 3.0
    assert is_png(plot_detector_image(img, tmp_path / "plain.png"))
    with pytest.raises(ConfigError, match="image"):
        plot_detector_image(stack, tmp_path / "bad.png")
    with pytest.raises(ConfigError, match="mask"):
        plot_detector_image(stack[0], tmp_path / "bad.png", mask=mask[1:])
    assert not (tmp_path / "bad.png").exists()


def test_radial_profiles_and_time_traces(tmp_path):
    stack, q0, m = frames()
    da = xr.DataArray(stack, dims=("delay", "y", "x"), coords={"delay": ("delay", DELAYS, {"units": "s"})})
    prof = AzimuthalIntegrator(GEOM, SHAPE, bins=40).integrate(da)
    p = plot_radial_profiles(prof, tmp_path / "prof.png", q_window=(0.6 * q0, 1.4 * q0), background=2.0)
    assert is_png(p) and p.stat().st_size > 5000
    traces = xr.Dataset(
        {"m": ("delay", m), "m_err": ("delay", np.full(m.size, 0.01)),
         "q1": ("delay", q0 * (1 - 0.02 * (1 - m))), "q1_err": ("delay", np.full(m.size, 1e-4 * q0))},
        coords={"delay": DELAYS},
    )
    fit_q1 = dict(FIT, amplitude=0.02 * FIT["amplitude"], q1_ref=q0)
    p = plot_time_traces(traces, tmp_path / "traces.png", fit=FIT, fit_q1=fit_q1, title="scan")
    assert is_png(p) and p.stat().st_size > 5000
    # without fits and without q1: only M(t)
    assert is_png(plot_time_traces(traces[["m"]], tmp_path / "m_only.png"))
    p = plot_time_traces(traces, tmp_path / "traces.svg", fit=FIT)
    assert p.read_text().lstrip().startswith("<?xml")
    with pytest.raises(ConfigError, match="profiles"):
        plot_radial_profiles(prof.isel(delay=0), tmp_path / "x.png")
    with pytest.raises(ConfigError, match="traces"):
        plot_time_traces(xr.Dataset({"q1": ("delay", m)}), tmp_path / "x.png")
    assert no_temporaries(tmp_path)


def test_figures_are_atomic(tmp_path):
    stack, q0, _ = frames()
    target = tmp_path / "det.png"
    target.write_bytes(b"old")
    with pytest.raises(OutputExistsError):
        plot_detector_image(stack[0], target)
    assert target.read_bytes() == b"old"
    plot_detector_image(stack[0], target, overwrite=True)
    assert is_png(target)
    # an unknown format is refused up front (one OutputError line), leaving neither a file nor a temporary
    with pytest.raises(OutputError, match="notaformat"):
        plot_detector_image(stack[0], tmp_path / "det.notaformat")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["det.png"]


def test_movie_gif_has_one_frame_per_delay(tmp_path):
    import imageio.v3 as iio

    stack, _, _ = frames()
    ticks = []
    mask = np.zeros(SHAPE, dtype=bool)
    mask[10:12] = True
    da = xr.DataArray(stack, dims=("delay", "y", "x"), coords={"delay": DELAYS})
    p = write_movie(da, tmp_path / "movie.gif", mask=mask, fps=4, progress=lambda: ticks.append(1))
    assert p.stat().st_size > 1000 and p.read_bytes()[:6] in (b"GIF89a", b"GIF87a")
    movie = iio.imread(p, index=None)
    assert movie.shape[0] == DELAYS.size and movie.shape[-1] in (3, 4)
    assert len(ticks) == DELAYS.size
    # the ring fades after t0: the frame at the deepest quench differs from the first one
    k = int(np.argmin(demag_curve(DELAYS, **FIT)))
    assert np.abs(movie[k].astype(int) - movie[0].astype(int)).sum() > 0
    # large detectors are block-averaged; the linear scale works too
    big = np.repeat(np.repeat(stack[:3], 8, axis=1), 8, axis=2)
    p2 = write_movie(big, tmp_path / "big.gif", delays=DELAYS[:3], log_scale=False, max_size=128)
    assert iio.imread(p2, index=None).shape[0] == 3
    assert no_temporaries(tmp_path)


def test_movie_refuses_bad_input_and_existing_files(tmp_path):
    stack, _, _ = frames()
    with pytest.raises(ConfigError, match="gif or .mp4"):
        write_movie(stack, tmp_path / "movie.avi")
    with pytest.raises(ConfigError, match="frames"):
        write_movie(stack[0], tmp_path / "movie.gif")
    with pytest.raises(ConfigError, match="delays"):
        write_movie(stack, tmp_path / "movie.gif", delays=DELAYS[:3])
    with pytest.raises(ConfigError, match="fps"):
        write_movie(stack, tmp_path / "movie.gif", fps=0)
    (tmp_path / "movie.gif").write_bytes(b"old")
    with pytest.raises(OutputExistsError):
        write_movie(stack, tmp_path / "movie.gif")
    assert (tmp_path / "movie.gif").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["movie.gif"]


def test_mp4_needs_imageio_ffmpeg(tmp_path):
    stack, _, _ = frames()
    try:
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        assert movie_format() == "gif"
        with pytest.raises(ConfigError, match="imageio-ffmpeg"):
            write_movie(stack, tmp_path / "movie.mp4")
        assert list(tmp_path.iterdir()) == []
        return
    assert movie_format() == "mp4"
    p = write_movie(stack, tmp_path / "movie.mp4", delays=DELAYS)
    assert p.stat().st_size > 1000
    import imageio.v3 as iio

    assert iio.imread(p, plugin="FFMPEG", index=None).shape[0] == DELAYS.size
