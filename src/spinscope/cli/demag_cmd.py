"""``spinscope demag MATERIAL --fluence F [--t-max T] [--json] [--plot FILE]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from spinscope.cli._common import emit


def _human(r: dict) -> str:
    lines = [
        f"{r['material']} ({r['model']}), incident fluence {r['fluence'] / 10:.3g} mJ/cm^2, "
        f"T0 = {r['T0']:.0f} K: Te max {r['Te_max']:.0f} K, Tp max {r['Tp_max']:.0f} K",
    ]
    for name, s in r["species"].items():
        fm = ", ferromagnetic-like transient" if s["ferromagnetic_like"] else ""
        lines.append(
            f"  {name:>4}: demagnetisation time {s['demag_time'] * 1e12:.3g} ps, minimum m = "
            f"{s['min_m']:.3f} ({100 * (1 - s['min_m_relative']):.0f} % quench) at "
            f"{s['time_of_min'] * 1e12:.3g} ps{fm}"
        )
    if not r["species"]:
        lines.append("  (no magnetic species: two-temperature model only)")
    lines.append(f"  energy conservation error {r['energy_error']:.1e}")
    return "\n".join(lines)


def demag(
    material: Annotated[str, typer.Argument(
        help="Preset (Ni, Co, Fe, Gd, CoTb, GdFeCo, FeGd) or a TOML file.")],
    fluence: Annotated[str | None, typer.Option(
        "--fluence", help="Incident pump fluence, e.g. '3 mJ/cm^2' (a bare number is mJ/cm^2); "
                          "required unless the TOML file gives [pump] fluence.")] = None,
    t_max: Annotated[str | None, typer.Option(
        "--t-max", help="Last delay, e.g. '10 ps' (a bare number is ps). Default 5 ps.")] = None,
    model: Annotated[str, typer.Option(
        "--model", help="2TM, 3TM, M3TM or auto.")] = "auto",
    temperature: Annotated[str | None, typer.Option(
        "--T0", help="Base temperature, e.g. '300 K'; default: the material's.")] = None,
    duration: Annotated[str | None, typer.Option(
        "--duration", help="Pump FWHM, e.g. '50 fs' (a bare number is fs).")] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Draw m(t), Te and Tp into this image file (PNG, PDF, SVG).")] = None,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Replace an existing plot file.")] = False,
) -> None:
    """Simulate ultrafast demagnetisation after a femtosecond pump (3TM / M3TM / two-sublattice).

    Prints the demagnetisation time (1/e time of a fitted demagnetisation curve), the minimum of the
    magnetisation and its time, and whether a ferromagnetic-like transient occurs, per species.
    """
    from spinscope.ultrafast.simulate import run_demag

    result, ds = run_demag(material, fluence=fluence, t_max=t_max, model=model, T0=temperature,
                           duration=duration)
    if plot is not None:
        from spinscope.viz import plot_demag

        result["plot"] = str(plot_demag(ds, plot, overwrite=overwrite))
    emit(result, as_json=json_, human=_human)


def register(app: typer.Typer) -> None:
    """Attach the ``demag`` command to the main application."""
    app.command("demag")(demag)
