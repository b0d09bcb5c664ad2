"""Benchmark: APD counts of a 256 x 256 x 32 channels x 2 helicities STXM stack vs numpy Poisson.

Issue 5 asks that simulating the counts costs at most 3x drawing the same number of Poisson variates
with numpy in the same run. This measures the detector kernel (:meth:`spinscope.detectors.APD.counts`:
pile-up and binomial bunch counting), the part of the STXM simulation that scales with the stack.

Run: ``python benchmarks/bench_stxm_counts.py`` (prints one JSON object; exit 1 if the ratio > 3).
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np

from spinscope.detectors import APD

SHAPE = (2, 32, 256, 256)  # helicity, time channel, y, x
BUNCHES_PER_PIXEL = 2000  # e.g. 1 ms dwell x ~ 2 MHz of bunches in one time channel


def _best(fn, repeat=5):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    rng = np.random.default_rng(0)
    mu = rng.uniform(0.02, 0.1, size=SHAPE)  # photons per bunch at the APD
    apd = APD(quantum_efficiency=0.9)
    lam = mu * BUNCHES_PER_PIXEL

    t_apd = _best(lambda: apd.counts(mu, BUNCHES_PER_PIXEL, rng=1))
    t_poisson = _best(lambda: np.random.default_rng(1).poisson(lam))
    ratio = t_apd / t_poisson
    print(
        json.dumps(
            {
                "variates": int(np.prod(SHAPE)),
                "apd_counts_s": t_apd,
                "numpy_poisson_s": t_poisson,
                "ratio": ratio,
                "limit": 3.0,
            }
        )
    )
    return 0 if ratio <= 3.0 else 1


if __name__ == "__main__":
    sys.exit(main())
