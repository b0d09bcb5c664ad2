"""Benchmark: the scattering forward model per 1024 x 1024 detector frame against the FFTs it needs.

The forward model (:meth:`spinscope.instruments.ScatteringCamera.expected`, linear polarisation) computes
the exit wave of a two-species film (one complex exponential; the second helicity as ``T_c^2 / psi_+``),
multiplies by the illumination, Fourier transforms both helicity channels, and maps ``|F|^2`` onto the
detector pixels (bilinear interpolation in ``k_perp`` with the solid-angle factor, and the coherence blur).
The FFTs it needs are two :func:`scipy.fft.fft2` of the same ``n x n`` complex128 grid with the same
number of workers; both are timed side by side in one run (median of round-robin repeats).

The default camera includes the partial-coherence blur (a Gaussian filter of the power on the grid);
``forward_model_coherent`` is the same without it. Also reported: the cost of the texture state at one
delay (per-pixel demagnetisation, dilation, wall
profile; :meth:`spinscope.evolution.domains.TextureDynamics.projection`) and of the detector
read-out (:meth:`spinscope.detectors.AreaDetector.record`).

The issue's target: forward model <= 2x the FFTs.

Run: ``python benchmarks/bench_forward_model.py [--repeat N] [--size 1024] [--workers W] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np


def _median_times(fns: dict, repeat: int) -> dict:
    """Median wall time [s] of each callable, timed round-robin so that machine load hits all alike."""
    for fn in fns.values():
        fn()
    times: dict = {k: [] for k in fns}
    for _ in range(repeat):
        for key, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[key].append(time.perf_counter() - t0)
    return {k: float(np.median(v)) for k, v in times.items()}


def run(repeat: int = 9, size: int = 1024, workers: int = 1) -> dict:
    """Time the forward model and its FFTs for a ``size x size`` detector; return timings [s] and ratios."""
    import scipy.fft

    from spinscope.detectors.area import AreaDetector
    from spinscope.evolution.domains import TextureDynamics, TextureModels, demag_map
    from spinscope.instruments.scattering import ScatteringCamera
    from spinscope.interaction import film_optics
    from spinscope.sample.textures import stripe_domains
    from spinscope.ultrafast import Pump

    energy = 150.466  # eV, harmonic 125 of a 1.03 um driver at the Tb N5 edge
    det = AreaDetector(shape=(size, size), pixel_size=13.5e-6, distance=0.025, beam_stop_radius=0.3e-3)
    optics = film_optics([("Co80Tb20", 20e-9, 8900.0, True), ("Si3N4", 50e-9, None, False)], energy)
    cam = ScatteringCamera.for_detector(optics, det, oversampling=1.0, illumination_size=5e-6,
                                        coherence_length=1e-6, workers=workers)
    coherent = ScatteringCamera.for_detector(optics, det, oversampling=1.0, illumination_size=5e-6,
                                             coherence_length=None, workers=workers)
    n = cam.n
    tex = stripe_domains((n, n), cam.cell, 120e-9, wall_width=8e-9, angle=0.3)
    y = cam.coordinates()
    dm = demag_map("CoTb", Pump(fluence=10.0, duration=40e-15, spot_fwhm=200e-6), y, y,
                   t_range=(-0.5e-12, 3e-12), irf_fwhm=50e-15, nodes=8, lookup=4)
    dyn = TextureDynamics(tex, dm, 8e-9, 120e-9, TextureModels(wall_broadening=0.1))
    state = dyn.projection(1e-12)
    field = (cam.amplitude * np.exp(1j * state[0] * 0.01)).astype(np.complex128)
    lam = cam.expected(state, photons=5e9)

    def ffts():
        for _ in range(2):  # two helicity channels
            scipy.fft.fft2(field, workers=workers)

    fns = {
        "forward_model": lambda: cam.expected(state, photons=5e9),
        "forward_model_coherent": lambda: coherent.expected(state, photons=5e9),
        "ffts": ffts,
        "texture_state": lambda: dyn.projection(1e-12),
        "detector_record": lambda: det.record(lam, energy=energy, rng=1, thinning="poisson"),
    }
    t = _median_times(fns, repeat)
    return {
        "detector": [size, size],
        "grid": n,
        "workers": workers,
        "repeat": repeat,
        "times_s": t,
        "ratio_forward_to_ffts": t["forward_model"] / t["ffts"],
        "ratio_coherent_forward_to_ffts": t["forward_model_coherent"] / t["ffts"],
        "ratio_frame_total_to_ffts":
            (t["forward_model"] + t["texture_state"] + t["detector_record"]) / t["ffts"],
        "target": "forward_model <= 2 x ffts",
        "cpu_count": os.cpu_count(),
        "load_average": list(os.getloadavg()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    r = run(repeat=a.repeat, size=a.size, workers=a.workers)
    if a.json:
        print(json.dumps(r, indent=2))
        return
    t = r["times_s"]
    print(f"forward model, {r['detector'][0]} x {r['detector'][1]} detector, {r['grid']}^2 grid, "
          f"{r['workers']} worker(s), load {r['load_average'][0]:.2f}")
    for k, v in t.items():
        print(f"  {k:<16} {v * 1e3:8.1f} ms")
    print(f"  forward / FFTs   {r['ratio_forward_to_ffts']:8.2f}   (target <= 2; with the coherence blur)")
    print(f"  coherent / FFTs  {r['ratio_coherent_forward_to_ffts']:8.2f}   (no coherence blur)")
    print(f"  frame total / FFTs {r['ratio_frame_total_to_ffts']:6.2f}   (with texture state and read-out)")


if __name__ == "__main__":
    main()
