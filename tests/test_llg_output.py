"""LLG output (issue 13): the ``.nc`` movie is compressed netCDF4/HDF5 that h5py, xarray and
``spinscope info`` read; old netCDF3 movies still open; <m>(t) figure and m_z movie."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr

from spinscope.errors import FileFormatError
from spinscope.io import guess_engine, open_dataset, summarize_file
from spinscope.io.netcdf import read_llg_movie, write_llg_netcdf
from spinscope.micromagnetics.scenario import write_movie

TINY = ('name = "tiny"\n[mesh]\nsize = ["40 nm", "20 nm", "3 nm"]\ncells = [8, 4, 1]\n'
        '[material]\nMs = "800 kA/m"\nA = "13 pJ/m"\nalpha = 0.1\n'
        '[initial]\ndirection = [1, 1, 0]\n[relax]\nenabled = false\n'
        '[[fields]]\nkind = "rf"\nB = ["0 mT", "0 mT", "5 mT"]\nfrequency = "10 GHz"\n'
        '[run]\nduration = "10 ps"\ninterval = "2 ps"\n')


def _movie(nt: int = 5, ny: int = 4, nx: int = 6, nz: int | None = None) -> xr.DataArray:
    rng = np.random.default_rng(1)
    space = ((nz,) if nz else ()) + (ny, nx)
    m = rng.normal(size=(nt, *space, 3))
    m /= np.linalg.norm(m, axis=-1, keepdims=True)
    dims = ("time", *(("z",) if nz else ()), "y", "x", "component")
    coords = {"time": ("time", np.arange(nt) * 5e-12, {"units": "s", "long_name": "time"}),
              "y": ("y", (np.arange(ny) - ny / 2) * 5e-9, {"units": "m", "long_name": "y"}),
              "x": ("x", (np.arange(nx) - nx / 2) * 5e-9, {"units": "m", "long_name": "x"}),
              "component": ("component", ["x", "y", "z"], {"units": "", "long_name": "component"})}
    if nz:
        coords["z"] = ("z", np.arange(nz) * 2e-9, {"units": "m", "long_name": "z"})
    da = xr.DataArray(m, dims=dims, coords=coords, name="m",
                      attrs={"units": "", "long_name": "reduced magnetisation m = M / Ms",
                             "cell_size": [5e-9, 5e-9, 2e-9], "Ms": 8e5, "scenario": "test"})
    space_dims = [d for d in dims if d not in ("time", "component")]
    da = da.assign_coords(m_avg=da.mean(space_dims).assign_attrs(long_name="<m> over magnetic cells"))
    return da


@pytest.mark.parametrize("nz", [None, 2])
def test_movie_is_compressed_hdf5_chunked_per_frame_and_round_trips(tmp_path, nz):
    movie = _movie(nz=nz)
    out = tmp_path / "movie.nc"
    assert write_movie(movie, out) == [out]
    with h5py.File(out, "r") as f:
        m = f["m"]
        assert m.dtype == np.float64 and m.compression == "gzip" and m.compression_opts == 4
        assert m.shuffle and m.chunks == (1, *movie.shape[1:])
        assert f.attrs["spinscope_kind"] == "llg_movie" and f.attrs["signal"] == "m"
        assert [str(a) for a in f.attrs["axes"]] == list(movie.dims)
        assert np.array_equal(m[()], movie.values)
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        xr.testing.assert_identical(ds["m"].load(), movie)
    assert guess_engine(out) == "llg_movie"
    ds = open_dataset(out)
    assert ds.encoding["engine"] == "llg_movie" and ds.attrs["signal"] == "m"
    xr.testing.assert_identical(ds["m"], movie)


def test_float32_storage_is_optional_and_smaller(tmp_path):
    movie = _movie(nt=20, ny=16, nx=16)
    write_llg_netcdf(movie, tmp_path / "a.nc")
    write_llg_netcdf(movie, tmp_path / "b.nc", dtype="float32")
    assert (tmp_path / "b.nc").stat().st_size < (tmp_path / "a.nc").stat().st_size
    back = read_llg_movie(tmp_path / "b.nc")["m"]
    assert back.dtype == np.float32 and np.allclose(back.values, movie.values, atol=1e-7)


def test_old_netcdf3_movie_still_opens(tmp_path):
    movie = _movie()
    old = tmp_path / "old.nc"
    movie.to_dataset(name="m").to_netcdf(old, engine="scipy")  # what spinscope < issue 13 wrote
    assert guess_engine(old) == "llg_movie"
    ds = open_dataset(old)
    assert ds.encoding["format"] == "netCDF3"
    np.testing.assert_array_equal(ds["m"].values, movie.values)
    assert summarize_file(old)["kind"] == "llg_movie"


def test_not_a_movie_is_a_clear_error(tmp_path):
    other = tmp_path / "other.nc"
    xr.Dataset({"q": ("t", np.arange(3.0))}).to_netcdf(other, engine="scipy")
    with pytest.raises(FileFormatError, match="not a spinscope LLG movie"):
        open_dataset(other)


def test_summary_describes_dims_time_and_mesh(tmp_path):
    out = tmp_path / "movie.nc"
    write_movie(_movie(nt=5, ny=4, nx=6), out)
    r = summarize_file(out)
    assert r["kind"] == "llg_movie"
    assert r["dims"] == {"time": 5, "y": 4, "x": 6, "component": 3}
    assert r["coords"]["time"]["max"] == pytest.approx(20e-12) and r["coords"]["time"]["units"] == "s"
    assert r["mesh"]["cells"] == [6, 4] and r["mesh"]["size"] == pytest.approx([30e-9, 20e-9])
    assert r["mesh"]["time_step"] == pytest.approx(5e-12)


def test_info_cli_names_the_movie(tmp_path, capsys):
    from spinscope.cli.main import main

    out = tmp_path / "movie.nc"
    write_movie(_movie(), out)
    assert main(["info", str(out), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["kind"] == "llg_movie" and r["mesh"]["frames"] == 5


def test_figure_returned_without_path_and_labelled():
    from matplotlib.figure import Figure

    from spinscope.viz.micromagnetics import plot_m_average

    fig = plot_m_average(_movie())
    assert isinstance(fig, Figure)
    top, bottom = fig.axes
    assert "[1]" in top.get_ylabel() and "[ps]" in bottom.get_xlabel()
    assert len(top.get_legend().get_texts()) == 3


@pytest.mark.parametrize("quantity", ["mz", "angle"])
def test_movie_frames_of_3d_mesh(tmp_path, quantity):
    from spinscope.viz.micromagnetics import llg_movie_frames, write_llg_movie

    frames = llg_movie_frames(_movie(nt=7, nz=2), quantity=quantity, max_frames=4)
    assert frames.dtype == np.uint8 and frames.shape[0] == 4 and frames.shape[-1] == 3
    assert frames.std() > 0
    path = write_llg_movie(_movie(nt=3), tmp_path / "m.gif", quantity=quantity)
    assert path.stat().st_size > 0


def test_cli_run_writes_movie_figure_and_gif(tmp_path, capsys):
    from spinscope.cli.main import main

    cfg = tmp_path / "tiny.toml"
    cfg.write_text(TINY)
    out = tmp_path / "run.nc"
    assert main(["llg", "run", str(cfg), "-o", str(out), "--json", "--no-progress"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["figures"] == [str(out.with_suffix(".png")), str(out.with_suffix(".gif"))]
    assert all(Path(f).stat().st_size > 0 for f in r["figures"])
    assert open_dataset(out)["m"].sizes["time"] == 6
    out.unlink()  # the figures are still there: refused before the simulation without --overwrite
    assert main(["llg", "run", str(cfg), "-o", str(out), "--no-progress"]) == 2
    assert "run.png: exists" in capsys.readouterr().err
