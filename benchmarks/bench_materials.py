"""Benchmark: optical constants over many energies and labyrinth generation, against their baselines.

- ``optical_constants`` of an alloy (Gd25Fe65.6Co9.4) on 1e4 energies versus the xraydb Chantler
  lookups it builds on (``f1_chantler`` and ``f2_chantler`` of each element on the same energies), after
  warming the caches. Goal: under 1 s, and a small multiple of the table lookups.
- ``labyrinth_domains`` on 512 x 512 cells versus the FFTs of its Swift-Hohenberg relaxation (one rfft2
  and one irfft2 of the coarse grid per step, same number of steps). Goal: under 2 s.

Run: ``python benchmarks/bench_materials.py``; prints times and ratios measured in the same run.
"""

from __future__ import annotations

import time

import numpy as np


def _best(fn, repeat: int = 5) -> float:
    fn()
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    import scipy.fft
    import xraydb

    from spinscope.materials import get_material
    from spinscope.sample.textures import labyrinth_domains

    mat = get_material("Gd25Fe65.6Co9.4")
    e = np.linspace(100.0, 1500.0, 10_000)
    t_oc = _best(lambda: mat.optical_constants(e))
    t_xdb = _best(
        lambda: [(xraydb.f1_chantler(el, e), xraydb.f2_chantler(el, e)) for el in ("Gd", "Fe", "Co")]
    )
    print(f"optical_constants, 1e4 energies: {t_oc * 1e3:8.1f} ms; xraydb lookups {t_xdb * 1e3:8.1f} ms;"
          f" ratio {t_oc / t_xdb:5.2f} (goal: < 1 s)")

    t_lab = _best(lambda: labyrinth_domains((512, 512), 2e-9, 64e-9, wall_width=4e-9, rng=42), repeat=3)
    steps, n = 500, 512 // 4  # default relaxation steps; ~8 coarse cells per 64 nm period on 2 nm cells
    grid = np.random.default_rng(0).standard_normal((n, n))

    def ffts():
        for _ in range(steps):
            scipy.fft.irfft2(scipy.fft.rfft2(grid), s=grid.shape)

    t_fft = _best(ffts, repeat=3)
    print(f"labyrinth 512x512: {t_lab:6.3f} s; its {steps} FFT pairs on {n}x{n}: {t_fft:6.3f} s;"
          f" ratio {t_lab / t_fft:5.2f} (goal: < 2 s)")


if __name__ == "__main__":
    main()
