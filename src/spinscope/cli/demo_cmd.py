"""``spinscope demo``: run the embedded default experiment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from spinscope.cli._common import emit

#: Rows of the comparison table: key, label, scale, unit.
_ROWS = (
    ("tau_m", "demagnetisation time", 1e15, "fs"),
    ("amplitude", "quench amplitude", 1.0, ""),
    ("tau_r", "recovery time", 1e12, "ps"),
    ("period", "domain period", 1e9, "nm"),
    ("correlation_length", "correlation length", 1e9, "nm"),
    ("q_shift", "q1 shift (last delay)", 1.0, ""),
)


def _fmt(v, scale: float) -> str:
    return "-" if v is None else f"{v * scale:.4g}"


def _human(r: dict) -> str:
    s = r["source"]
    lines = [
        f"spinscope demo — {r['name']}",
        f"  HHG harmonic {s.get('order', '-')} at {s['energy']:.2f} eV, "
        f"{s['photons_per_pulse']:.3g} photons/pulse "
        f"at {s['repetition_rate']:.4g} Hz on the sample; {r['photons_per_frame']:.3g} photons per frame; "
        f"{r['n_delays']} delays; cross-correlation {r['irf_fwhm'] * 1e15:.3g} fs",
        "",
        f"{'parameter':<26}{'injected':>12}{'recovered':>12}{'+-':>10}  unit",
    ]
    for key, label, scale, unit in _ROWS:
        lines.append(f"{label:<26}{_fmt(r['injected'].get(key), scale):>12}"
                     f"{_fmt(r['recovered'].get(key), scale):>12}"
                     f"{_fmt(r['uncertainty'].get(key), scale):>10}  {unit}")
    lines += ["", "injected: what a perfect detector would give (noise-free ring trace; the texture's own",
              "structure factor for period and correlation length). The measured correlation length is",
              "shorter because the illumination spot and the partial coherence also broaden the ring.",
              "", "which edge and harmonic — XMCD contrast of the film:",
              f"{'energy range':<22}{'best E [eV]':>12}{'T':>10}{'A_T':>10}{'beta_m/beta':>13}"
              f"{'photons/px':>12}"]
    for e in r["edges"]:
        n = e["photons_for_unit_snr"]
        lines.append(
            f"{e['label']:<22}{e['best_energy']:>12.1f}{e['transmission']:>10.3g}"
            f"{e['transmission_asymmetry']:>10.3f}{e['xmcd_asymmetry']:>13.3f}"
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
        Path | None, typer.Option("--config", help="Run on this XRMS TOML file instead of the default.")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace files in a folder not written by the demo.")
    ] = False,
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="Hide the progress bars.")] = False,
) -> None:
    """Run the embedded default: Fan et al. (2022) Co/Tb HHG scattering at the Tb N edge, end to end.

    Simulates a pump-probe delay scan with realistic photon numbers, analyses it blind, prints injected
    versus recovered parameters, and writes the NeXus file, figures, a movie and the film's
    transmission-contrast table across the Tb N, Co L and Tb M edges.
    """
    from spinscope.workflows.demo import run_demo

    result = run_demo(output, config=config, overwrite=overwrite, progress=not (no_progress or json_))
    if json_:
        emit({"injected": result["injected"], "recovered": result["recovered"],
              "outputs": result["outputs"], **{k: v for k, v in result.items()
                                               if k not in ("injected", "recovered", "outputs")}},
             as_json=True, human=_human)
    else:
        emit(result, as_json=False, human=_human)


def register(app: typer.Typer) -> None:
    """Attach the ``demo`` command."""
    app.command("demo")(demo)
