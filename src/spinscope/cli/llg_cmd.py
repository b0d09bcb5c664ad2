"""``spinscope llg run CONFIG -o OUT`` and ``spinscope llg standard-problem {4,5}``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from spinscope.cli._common import emit

llg_app = typer.Typer(help="Micromagnetic (LLG) simulations: scenarios and standard problems.",
                      no_args_is_help=True)


@llg_app.command("run")
def run(
    config: Annotated[Path, typer.Argument(help="Scenario TOML file (see examples/llg_*.toml).")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output: a .nc file (netCDF4/HDF5 movie, with "
                                      ".png and .gif figures beside it) or a folder of OVF 2.0 "
                                      "snapshots.")],
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace existing output.")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress",
                                           help="Show a progress bar.")] = True,
    checkpoint: Annotated[Path | None, typer.Option("--checkpoint",
                                                    help="Checkpoint file (.npz).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue from --checkpoint.")] = False,
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    max_memory: Annotated[str | None, typer.Option(
        "--max-memory", help="Refuse a configuration estimated to need more memory, e.g. '8 GiB' "
        "(default: half the physical memory).")] = None,
) -> None:
    """Run the scenario CONFIG and write its magnetisation movie to OUT."""
    from spinscope.atomic import claim_output
    from spinscope.errors import OutputExistsError
    from spinscope.micromagnetics.build import preflight_llg
    from spinscope.micromagnetics.scenario import load_scenario, run_scenario, write_movie
    from spinscope.viz.micromagnetics import llg_figure_paths, write_llg_figures

    cfg = load_scenario(config)
    preflight_llg(cfg, max_memory)  # refuse what would not fit before anything is allocated
    with claim_output(out):  # a second run into OUT fails now, not after its simulation
        if out.exists() and not overwrite and not (out.is_dir() and not any(out.iterdir())):
            raise OutputExistsError(f"{out}: exists; pass --overwrite to replace it", path=str(out))
        for fig in llg_figure_paths(out) if not overwrite else ():
            if fig.exists():
                raise OutputExistsError(f"{fig}: exists; pass --overwrite to replace it", path=str(fig))
        t0 = time.perf_counter()
        movie = run_scenario(cfg, base_dir=config.parent, progress=progress and not json_,
                             checkpoint=checkpoint, resume=resume)
        wall = time.perf_counter() - t0
        files = write_movie(movie, out)
        figures = write_llg_figures(movie, out, overwrite=overwrite)  # <out>.png, <out>.gif
    avg = movie["m_avg"].values if "m_avg" in movie.coords else None
    result = {
        "config": str(config),
        "out": str(out),
        "files": len(files),
        "figures": [str(f) for f in figures],
        "frames": int(movie.sizes.get("time", 1)),
        "dims": list(movie.dims),
        "final_m": avg[-1].tolist() if avg is not None else None,
        "wall_time": wall,
    }
    emit(result, as_json=json_, human=lambda r: (
        f"{r['config']}: {r['frames']} frames written to {r['out']} in {r['wall_time']:.1f} s; "
        f"final <m> = {r['final_m']}"))


@llg_app.command("standard-problem")
def standard_problem(
    number: Annotated[int, typer.Argument(help="4 or 5.")],
    field: Annotated[int, typer.Option("--field", help="Field of problem 4: 1 or 2.")] = 1,
    cells: Annotated[str | None, typer.Option("--cells", help="Cells NX,NY (problem 4, default "
                                              "100,25) or NX,NY,NZ (problem 5, default 32,32,4).")
                     ] = None,
    duration: Annotated[str, typer.Option("--duration", help="Run time after the field/current "
                                          "is applied.")] = "1 ns",
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Run muMAG standard problem 4 (prints the first zero crossing of <m_x>) or 5."""
    from spinscope.micromagnetics.errors import ParameterError
    from spinscope.micromagnetics.standard_problems import (
        standard_problem_4,
        standard_problem_5,
    )
    from spinscope.units import parse_quantity

    dur = parse_quantity(duration, "time", field="--duration")
    if number == 4:
        r = standard_problem_4(field, cells=cells or (100, 25), duration=dur)
        result = {k: r[k] for k in ("zero_crossing", "relaxed", "t", "m", "wall_time")}

        def human(r):
            return (f"standard problem 4, field {field}: first zero crossing of <m_x> at "
                    f"{r['zero_crossing'] * 1e12:.2f} ps; relaxed <m> = "
                    f"({', '.join(f'{v:.5f}' for v in r['relaxed'])}); final <m> = "
                    f"({', '.join(f'{v:.4f}' for v in r['m'][-1])}); wall time "
                    f"{r['wall_time']:.2f} s")
    elif number == 5:
        r = standard_problem_5(cells=cells or (32, 32, 4), duration=dur)
        result = {k: r[k] for k in ("t", "m", "relaxed", "final", "wall_time")}

        def human(r):
            return (f"standard problem 5: <m> after {dur * 1e9:g} ns = "
                    f"({', '.join(f'{v:.5f}' for v in r['final'])}); wall time "
                    f"{r['wall_time']:.2f} s")
    else:
        raise ParameterError(f"standard problem: expected 4 or 5, got {number}", field="number")
    emit(result, as_json=json_, human=human)


def register(app: typer.Typer) -> None:
    """Attach the ``llg`` command group to the main application."""
    app.add_typer(llg_app, name="llg")
