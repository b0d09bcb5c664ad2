"""viz owns matplotlib through the object-oriented API: a notebook keeps its backend and its inline plots.

Before issue 9, ``matplotlib.use("Agg", force=False)`` in the figure writers switched whatever backend
a notebook had chosen, so inline plots stopped appearing after the first spinscope figure. These tests
run a notebook-style session in a fresh interpreter (MPLBACKEND unset, as on a user's machine), call
the plotting functions with and without a path, and check that the backend is unchanged and that
``matplotlib.pyplot`` was never imported.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import xarray as xr
from matplotlib.figure import Figure

import spinscope.viz as viz
from spinscope.errors import OutputExistsError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: Notebook session: choose a backend, draw with spinscope, report what happened to matplotlib.
SESSION = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path

    import matplotlib
    import numpy as np
    import xarray as xr

    backend = sys.argv[1]
    out = Path(sys.argv[2])
    if backend != "none":
        matplotlib.use(backend)
    before = matplotlib.rcParams._get_backend_or_none()

    import spinscope.viz as viz
    from spinscope.ultrafast import run_demag
    from spinscope.viz.scattering import write_movie

    _, ds = run_demag("Ni", fluence="3 mJ/cm^2", t_max="2 ps")
    delay = np.linspace(-1e-12, 4e-12, 6)
    m = 1 - 0.3 * (delay > 0)
    traces = xr.Dataset({"m": ("delay", m)}, coords={"delay": delay})
    img = xr.DataArray(np.random.default_rng(0).normal(size=(8, 10)), dims=("y", "x"),
                       coords={"y": np.arange(8) * 50e-9, "x": np.arange(10) * 50e-9})
    figures = [
        viz.plot_demag(ds),
        viz.plot_time_traces(traces),
        viz.plot_contrast({"XMCD asymmetry": img}),
        viz.plot_detector_image(np.arange(1, 401.0).reshape(20, 20)),
    ]
    paths = [
        viz.plot_demag(ds, out / "demag.png"),
        viz.plot_time_traces(traces, out / "traces.svg"),
        viz.plot_contrast({"intensity": img}, out / "contrast.pdf"),
        write_movie(np.random.default_rng(1).poisson(5.0, (3, 16, 16)), out / "movie.gif"),
    ]
    print(json.dumps({
        "before": before,
        "after": matplotlib.rcParams._get_backend_or_none(),
        "pyplot": "matplotlib.pyplot" in sys.modules,
        "figures": [type(f).__name__ for f in figures],
        "paths": [str(p) for p in paths],
    }))
    """
)


def _session(backend: str, out) -> dict:
    import json

    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    res = subprocess.run([sys.executable, "-c", SESSION, backend, str(out)], capture_output=True,
                         text=True, timeout=300, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("backend", ["svg", "pdf", "module://matplotlib_inline.backend_inline", "none"])
def test_a_notebook_keeps_its_backend(backend, tmp_path):
    if "matplotlib_inline" in backend:
        pytest.importorskip("matplotlib_inline.backend_inline",
                            reason="the inline backend needs matplotlib-inline and IPython (test extra)")
    report = _session(backend, tmp_path)
    # "none": no backend chosen at all (no MPLBACKEND, no matplotlib.use): spinscope chooses none either
    expected = None if backend == "none" else backend
    assert report["before"] == expected
    assert report["after"] == expected, f"spinscope switched the backend to {report['after']!r}"
    assert report["pyplot"] is False, "spinscope imported matplotlib.pyplot"
    assert report["figures"] == ["Figure"] * 4
    assert [p.rsplit("/", 1)[-1] for p in report["paths"]] == ["demag.png", "traces.svg",
                                                               "contrast.pdf", "movie.gif"]
    assert (tmp_path / "demag.png").read_bytes()[:8] == PNG_SIGNATURE
    assert (tmp_path / "traces.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "contrast.pdf").read_bytes()[:5] == b"%PDF-"
    assert (tmp_path / "movie.gif").read_bytes()[:6] in (b"GIF89a", b"GIF87a")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contrast.pdf", "demag.png", "movie.gif",
                                                         "traces.svg"]


def _demag_like() -> xr.Dataset:
    """Single-pixel demagnetisation output, built by hand (the figure reads only these fields)."""
    t = np.linspace(-0.2e-12, 3e-12, 80)
    step = np.clip(t / 0.2e-12, 0, 1)
    return xr.Dataset(
        {"Te": ("delay", 300 + 900 * step * np.exp(-t.clip(0) / 1e-12)), "Tp": ("delay", 300 + 80 * step),
         "m": (("delay", "species"), (0.9 - 0.3 * step)[:, None]), "m_eq0": ("species", [0.9])},
        coords={"delay": t, "species": ["Ni"]},
        attrs={"material": "Ni", "model": "M3TM", "fluence": 30.0, "pump_t0": 0.0},
    )


def test_without_a_path_the_figure_is_returned_and_nothing_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fig = viz.plot_demag(_demag_like())
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2 and fig.axes[0].get_ylabel() == "m / m(T0)"
    assert list(tmp_path.iterdir()) == []
    # what a notebook's display hook does with a returned figure: render it to PNG
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    assert buf.getvalue()[:8] == PNG_SIGNATURE


def test_written_png_is_a_valid_image(tmp_path):
    import imageio.v3 as iio

    p = viz.plot_demag(_demag_like(), tmp_path / "demag.png")
    assert p == tmp_path / "demag.png"
    data = p.read_bytes()
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR" and data.endswith(b"IEND\xaeB`\x82")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (640, 600)  # 6.4 x 6.0 inch at 100 dpi
    rgb = iio.imread(p)
    assert rgb.shape[:2] == (600, 640) and rgb.std() > 0  # decodes, and is not a blank canvas
    # atomic and refusing to overwrite, as every spinscope output
    with pytest.raises(OutputExistsError):
        viz.plot_demag(_demag_like(), p)
    assert viz.plot_demag(_demag_like(), p, overwrite=True) == p
    assert sorted(q.name for q in tmp_path.iterdir()) == ["demag.png"]


def test_plot_demag_lives_in_viz_only():
    import spinscope.ultrafast as ultrafast

    assert "plot_demag" not in ultrafast.__all__ and not hasattr(ultrafast, "plot_demag")
    assert viz.plot_demag.__module__ == "spinscope.viz.demag"


def test_a_figure_path_with_an_unknown_suffix_is_one_clean_error(tmp_path, capsys):
    from spinscope.cli.main import main

    target = tmp_path / "m.foo"
    assert main(["demag", "Ni", "--fluence", "3 mJ/cm^2", "--plot", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "m.foo" in err and ".png" in err
    assert not target.exists() and list(tmp_path.iterdir()) == []
