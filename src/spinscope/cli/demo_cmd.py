"""``spinscope demo``: run the embedded default experiment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from spinscope.cli._common import emit


def _human(r: dict) -> str:
    lines = [f"spinscope demo — {r['name']}", ""]
    lines.append(f"{'energy range':<22}{'best E [eV]':>12}{'T':>10}{'A_T':>10}{'beta_m/beta':>13}"
                 f"{'photons/px':>12}")
    for s in r["edges"]:
        n = s["photons_for_unit_snr"]
        lines.append(
            f"{s['label']:<22}{s['best_energy']:>12.1f}{s['transmission']:>10.3g}"
            f"{s['transmission_asymmetry']:>10.3f}{s['xmcd_asymmetry']:>13.3f}"
            f"{(f'{n:.3g}' if n else '-'):>12}"
        )
    lines += ["", "A_T: XMCD asymmetry of the transmitted intensity (T+ - T-)/(T+ + T-);",
              "photons/px: incident photons per helicity and pixel for a signal-to-noise ratio of 1.",
              "", "outputs:"] + [f"  {p}" for p in r["outputs"]]
    return "\n".join(lines)


def demo(
    output: Annotated[Path, typer.Option("-o", "--output", help="Output folder.")] = Path(
        "spinscope-demo"
    ),
    config: Annotated[
        Path | None, typer.Option("--config", help="Run on this TOML file instead of the default.")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace files in a folder not written by the demo.")
    ] = False,
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="Hide the progress bar.")] = False,
) -> None:
    """Run the embedded default: a Co80Tb20 film on SiN across the Tb N, Co L and Tb M edges.

    Writes a table (CSV), a NeXus file and a figure of optical constants, helicity-resolved
    transmission and XMCD contrast, and prints the best photon energy per edge.
    """
    from spinscope.workflows.demo import run_demo

    result = run_demo(output, config=config, overwrite=overwrite, progress=not (no_progress or json_))
    emit(result, as_json=json_, human=_human)


def register(app: typer.Typer) -> None:
    """Attach the ``demo`` command."""
    app.command("demo")(demo)
