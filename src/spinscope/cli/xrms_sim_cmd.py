"""``spinscope xrms simulate CONFIG -o OUT``: simulate a time-resolved magnetic SAXS delay scan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from spinscope.cli._common import emit


def _human(r: dict) -> str:
    inj = r["injected"]
    s = r["source"]
    lines = [
        f"spinscope xrms simulate — {r['name']}",
        f"  source: {s['kind']} at {s['energy']:.4g} eV, {s['photons_per_pulse']:.3g} photons/pulse at "
        f"{s['repetition_rate']:.4g} Hz; {r['photons_per_frame']:.3g} photons per frame",
        f"  grid {r['grid']['n']} x {r['grid']['n']} cells of {r['grid']['cell'] * 1e9:.3g} nm; "
        f"cross-correlation {r['irf_fwhm'] * 1e15:.3g} fs",
        f"  {r['n_delays']} delays ({r['resumed']} resumed from checkpoints), seed {r['seed']}",
        "",
        "injected (noise-free truth):",
        f"  tau_m {inj['tau_m'] * 1e15:.4g} fs, amplitude {inj['amplitude']:.4g}, tau_r "
        f"{inj['tau_r'] * 1e12 if inj['tau_r'] else float('nan'):.4g} ps",
        f"  period {inj['period'] * 1e9:.4g} nm, q shift {inj['q_shift']:.4g}",
        "",
        "outputs:",
    ] + [f"  {p}" for p in r["outputs"]]
    return "\n".join(lines)


def simulate(
    config: Annotated[Path, typer.Argument(help="XRMS TOML configuration (see examples/xrms_*.toml).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="NeXus file to write (.nxs).")],
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing file.")] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue an interrupted run from its checkpoints.")
    ] = False,
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="Hide the progress bars.")] = False,
    max_memory: Annotated[str | None, typer.Option(
        "--max-memory", help="Refuse a configuration estimated to need more memory, e.g. '8 GiB' "
        "(default: half the physical memory).")] = None,
) -> None:
    """Simulate a pump-probe delay scan of resonant magnetic small-angle scattering.

    Writes a NeXus (NXsas) file with the detector frames, pump-off references, geometry and the full
    configuration; ``spinscope xrms analyze`` reads it.
    """
    from spinscope.workflows.xrms_simulate import simulate_xrms

    result = simulate_xrms(config, output=output, overwrite=overwrite, resume=resume,
                           progress=not (no_progress or json_), max_memory=max_memory)
    emit(result, as_json=json_, human=_human)


def register(app: typer.Typer) -> None:
    """Add ``simulate`` to the ``xrms`` command group."""
    from spinscope.cli.xrms_cmd import xrms_app

    if any(c.name == "simulate" for c in xrms_app.registered_commands):
        return  # registered already (idempotent)
    xrms_app.command("simulate")(simulate)
