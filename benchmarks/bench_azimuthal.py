"""Benchmark: azimuthal integration of a 2048 x 2048 float32 frame into 500 q bins.

spinscope's integrator (sparse CSC engine on a thread pool, and the single-threaded bincount engine) against
pyFAI's CPU histogram method (``integrate1d``, method ``("no", "histogram", "cython")``, no solid-angle
correction, same radial range and bin count), measured side by side in one run. Each integrator is set
up once (its pixel-to-bin map cached) and the per-frame cost is the median of repeated calls.

The issue's target: at least 4x faster than pyFAI, agreeing within 0.5 % per bin.

Run: ``python benchmarks/bench_azimuthal.py [--repeat N] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings

import numpy as np


def _median_times(fns: dict, repeat: int) -> dict:
    """Median wall time [s] of each callable, timed round-robin so that machine load hits all alike."""
    for fn in fns.values():
        fn()  # warm up (caches, thread pool)
    times: dict = {k: [] for k in fns}
    for _ in range(repeat):
        for key, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[key].append(time.perf_counter() - t0)
    return {k: float(np.median(v)) for k, v in times.items()}


def run(repeat: int = 15, size: int = 2048, bins: int = 500) -> dict:
    """Time the integrators on one synthetic ring frame; return timings [s], ratios and differences."""
    from spinscope.analysis.azimuthal import AzimuthalIntegrator, DetectorGeometry

    # Tb N edge at ~155 eV (Fan et al., Optica 9, 399 (2022)); 13.5 um CCD pixels, 5 cm away
    geom = DetectorGeometry(
        energy=155.0, distance=0.05, pixel_size=13.5e-6, center=(size / 2 + 3.3, size / 2 - 7.6)
    )
    shape = (size, size)
    q = geom.q_map(shape)
    rng = np.random.default_rng(0)
    q_ring = 0.4 * q.max()
    frame = rng.poisson(200.0 * np.exp(-0.5 * ((q - q_ring) / (0.05 * q_ring)) ** 2) + 20.0)
    frame = frame.astype(np.float32)
    q_range = (float(q.min()), float(q.max()))
    out: dict = {"size": size, "bins": bins, "cpu_count": os.cpu_count()}

    t0 = time.perf_counter()
    sp = AzimuthalIntegrator(geom, shape, bins=bins, q_range=q_range)
    out["setup_spinscope_s"] = time.perf_counter() - t0
    bc = AzimuthalIntegrator(geom, shape, bins=bins, q_range=q_range, engine="bincount")
    ours = sp.integrate(frame)["intensity"].values
    fns = {
        "spinscope_sparse_s": lambda: sp.integrate(frame),
        "spinscope_bincount_s": lambda: bc.integrate(frame),
    }

    try:
        from spinscope.analysis.azimuthal import pyfai_integrator

        ai = pyfai_integrator(geom, shape)
    except Exception as exc:  # pyFAI not installed
        out["pyfai"] = f"not available ({type(exc).__name__})"
        out.update(_median_times(fns, repeat))
        return out
    import pyFAI

    kw = dict(
        unit="q_nm^-1",
        radial_range=(q_range[0] * 1e-9, q_range[1] * 1e-9),
        method=("no", "histogram", "cython"),
        correctSolidAngle=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        res = ai.integrate1d(frame, bins, **kw)
        out["setup_pyfai_s"] = time.perf_counter() - t0
        fns["pyfai_histogram_s"] = lambda: ai.integrate1d(frame, bins, **kw)
        out.update(_median_times(fns, repeat))
    out["pyfai_version"] = pyFAI.version
    filled = np.isfinite(ours) & (res.count > 0 if getattr(res, "count", None) is not None else True)
    rel = np.abs(np.asarray(res.intensity)[filled] / ours[filled] - 1.0)
    out["max_rel_diff_per_bin"] = float(rel.max())
    out["ratio_pyfai_over_sparse"] = out["pyfai_histogram_s"] / out["spinscope_sparse_s"]
    out["ratio_pyfai_over_bincount"] = out["pyfai_histogram_s"] / out["spinscope_bincount_s"]
    return out


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: print the timings and the speed ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--size", type=int, default=2048)
    ap.add_argument("--bins", type=int, default=500)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    out = run(repeat=args.repeat, size=args.size, bins=args.bins)
    if args.json:
        print(json.dumps(out))
        return 0
    for key, value in out.items():
        print(f"{key:28s} {value:.4g}" if isinstance(value, float) else f"{key:28s} {value}")
    if "ratio_pyfai_over_sparse" in out:
        ok = out["ratio_pyfai_over_sparse"] >= 4 and out["max_rel_diff_per_bin"] < 5e-3
        print(f"target (>= 4x faster, < 0.5 % per bin): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
