"""Benchmarks of the LLG core (``python benchmarks/bench_llg.py [--json] [--magnumnp]``).

1. muMAG standard problem 4 (100 x 25 x 1 cells, field 1, 1 ns): wall time, steps, zero crossing.
2. Cost of one right-hand-side evaluation (demag FFT + exchange + torque) for 64^2 ... 512^2 cells,
   compared with N log N scaling.
3. With ``--magnumnp`` (needs ``pip install spinscope[magnumnp]``, CPU torch): the same problem 4
   with magnum.np 2.2 side by side (zero crossing and wall time).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np


def bench_sp4(field: int = 1, cells=(100, 25)) -> dict:
    from spinscope.micromagnetics.standard_problems import standard_problem_4

    r = standard_problem_4(field, cells=cells, duration=1e-9, n_frames=1001)
    return {"cells": list(cells), "field": field, "zero_crossing_ps": r["zero_crossing"] * 1e12,
            "relaxed": r["relaxed"], "wall_time_s": r["wall_time"],
            "run_wall_time_s": r["run_wall_time"], "steps": r["steps"],
            "evaluations": r["evaluations"]}


def bench_scaling(sizes=(64, 128, 256, 512), repeats: int = 5) -> list[dict]:
    import spinscope.micromagnetics as mm

    rows = []
    for n in sizes:
        mesh = mm.Mesh((n, n, 1), (5e-9, 5e-9, 3e-9))
        sim = mm.Simulation(mesh, mm.Material(Ms=8e5, alpha=0.02),
                            [mm.Exchange(1.3e-11), mm.Demag()], m0=mm.random_state(mesh, 1))
        out = np.empty_like(sim.m)
        sim.torque(sim.m, 0.0, out)
        k = max(3, int(2e6 / (n * n)))
        best = math.inf
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(k):
                sim.torque(sim.m, 0.0, out)
            best = min(best, (time.perf_counter() - t0) / k)
        rows.append({"cells": n * n, "seconds_per_evaluation": best})
    base = rows[0]
    for r in rows:
        nlogn = r["cells"] * math.log(r["cells"]) / (base["cells"] * math.log(base["cells"]))
        r["relative_cost"] = r["seconds_per_evaluation"] / base["seconds_per_evaluation"]
        r["relative_nlogn"] = nlogn
    return rows


def bench_magnumnp(field: int = 1, cells=(100, 25), tol: float = 1e-5,
                   threads: int | None = 1) -> dict:
    """Standard problem 4 with magnum.np (optional engine), following its documented demo."""
    os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")
    from spinscope.micromagnetics.magnumnp_engine import sp4_magnumnp

    # one torch thread, like spinscope's FFTs at this size (both then use one core)
    return sp4_magnumnp(field=field, cells=cells, tol=tol, threads=threads)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--magnumnp", action="store_true")
    ap.add_argument("--sizes", default="64,128,256,512")
    args = ap.parse_args(argv)
    res = {"sp4": bench_sp4(), "scaling": bench_scaling(tuple(int(s) for s in
                                                              args.sizes.split(",")))}
    if args.magnumnp:
        res["magnumnp_sp4"] = bench_magnumnp()
        # the field run only (1 ns), same relaxed state, same output times, tolerance 1e-5
        res["speedup"] = res["magnumnp_sp4"]["wall_time_s"] / res["sp4"]["run_wall_time_s"]
        res["zero_crossing_difference_ps"] = (res["magnumnp_sp4"]["zero_crossing_ps"]
                                              - res["sp4"]["zero_crossing_ps"])
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        s = res["sp4"]
        print(f"SP4 {s['cells']}: zero crossing {s['zero_crossing_ps']:.2f} ps, wall "
              f"{s['wall_time_s']:.2f} s ({s['run_wall_time_s']:.2f} s for the 1 ns run), "
              f"{s['steps']} steps, {s['evaluations']} evaluations")
        for r in res["scaling"]:
            print(f"{r['cells']:8d} cells: {r['seconds_per_evaluation'] * 1e3:8.3f} ms/eval "
                  f"(x{r['relative_cost']:.1f}; N log N predicts x{r['relative_nlogn']:.1f})")
        if "magnumnp_sp4" in res:
            m = res["magnumnp_sp4"]
            print(f"magnum.np SP4: zero crossing {m['zero_crossing_ps']:.2f} ps, wall "
                  f"{m['wall_time_s']:.2f} s for the 1 ns run; spinscope is "
                  f"{res['speedup']:.1f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
