"""Benchmark of the STXM instrument model (``python benchmarks/bench_stxm.py [--json] [--size N]``).

Issue 5: simulating 256 x 256 pixels x 32 time channels x 2 helicities must cost at most 3x drawing
the same number of Poisson variates with numpy in the same run. The simulation timed here is
:func:`spinscope.acquisition.stxm_scan.run_stxm_scan` driving :class:`spinscope.instruments.STXM` on a
spin-wave movie (32 frames over one period of a 32-phase stroboscopic scheme on BESSY II, 256 x 256
cells of the pixel size): transmission for both
helicities, bunch smearing, zone-plate PSF convolution, scan with jitter and drift, APD counts. The
movie itself (an input) is built once, outside the timing. Best of ``--repeats`` runs each.
"""

from __future__ import annotations

import argparse
import json
import math
import time
import warnings

import numpy as np


def setup(n: int = 256, channels: int = 32):
    from spinscope.acquisition import ScanPattern, StroboscopicScheme, choose_ratio
    from spinscope.config import LayerConfig
    from spinscope.evolution.spin_wave import spin_wave_movie
    from spinscope.instruments.stxm import STXM
    from spinscope.optics.zone_plate import ZonePlate
    from spinscope.sources.storage_ring import Beamline, ring_preset

    ring = ring_preset("bessy2", bunch_fwhm=50e-12)
    m, nn = choose_ratio(ring.rf_frequency, 6.25e9, channels)
    scheme = StroboscopicScheme.from_ring(ring, m, nn, jitter_rms=5e-12)
    pix = 15e-9
    movie = spin_wave_movie(size=n * pix, cell=pix, times=scheme.channel_times,
                            frequency=scheme.excitation_frequency, wavelength=200e-9,
                            cone_angle=math.radians(2), contact_radius=50e-9, decay_length=1e-6)
    layers = (LayerConfig(material="Si3N4", thickness="100 nm"),
              LayerConfig(material="Ni80Fe20", thickness="10 nm", magnetic=True))
    stxm = STXM(Beamline(ring, 852.75, 0.9, 1e8), ZonePlate(240e-6, 25e-9, central_stop=90e-6), layers)
    scan = ScanPattern(pix, n, n, 1e-3, jitter_rms=2e-9, drift_velocity=(1e-11, 0.0))
    return stxm, scan, scheme, movie


def run(n: int = 256, channels: int = 32, repeats: int = 3) -> dict:
    from spinscope.acquisition import run_stxm_scan

    stxm, scan, scheme, movie = setup(n, channels)
    size = n * n * channels * 2
    rng = np.random.default_rng(0)
    lam = np.full(size, 1e4)
    t_sim = math.inf
    t_poi = math.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for r in range(repeats):
            t0 = time.perf_counter()
            rng.poisson(lam)
            t_poi = min(t_poi, time.perf_counter() - t0)
            t0 = time.perf_counter()
            ds = run_stxm_scan(stxm, movie, scan, timing=scheme, rng=r)
            t_sim = min(t_sim, time.perf_counter() - t0)
    return {
        "pixels": [n, n], "channels": channels, "helicities": 2, "variates": size,
        "counts_shape": list(ds["counts"].shape), "simulate_s": t_sim, "poisson_s": t_poi,
        "ratio": t_sim / t_poi, "limit": 3.0, "ok": t_sim / t_poi <= 3.0,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--channels", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args(argv)
    res = run(a.size, a.channels, a.repeats)
    if a.json:
        print(json.dumps(res, indent=2))
    else:
        print(f"STXM {a.size}x{a.size} x {a.channels} channels x 2 helicities: "
              f"simulate {res['simulate_s']:.3f} s, "
              f"{res['variates']:.3g} Poisson variates {res['poisson_s']:.3f} s -> ratio {res['ratio']:.2f} "
              f"(limit 3)")
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
