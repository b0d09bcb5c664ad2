"""``spinscope stxm``: time-resolved scanning transmission X-ray microscopy at a storage ring.

Commands: ``timing`` (ring and stroboscopic timing), ``simulate CONFIG -o OUT`` (a simulated
measurement written as NXstxm) and ``analyze INPUT -o OUT`` (XMCD images, movies and mode maps of a
simulated or measured file).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from spinscope.cli._common import emit

stxm_app = typer.Typer(
    help="Time-resolved STXM at a storage ring: timing, simulate, analyze.",
    no_args_is_help=True,
)


@stxm_app.command("timing")
def timing(
    ring: Annotated[str, typer.Option("--ring", help="Storage ring: bessy2, als, cls, sls, soleil, spear3.")],
    bunch_fwhm: Annotated[
        str | None, typer.Option("--bunch-fwhm", help="Bunch length FWHM, e.g. '50 ps'.")
    ] = None,
    frequency: Annotated[
        str | None, typer.Option("--frequency", help="Signal frequency, e.g. '6.25 GHz'.")
    ] = None,
    ratio: Annotated[
        str | None, typer.Option("--ratio", help="Excitation ratio M/N: f_exc = f_RF M/N.")
    ] = None,
    phases: Annotated[
        int | None,
        typer.Option("--phases", help="Time channels N; with --frequency picks a coprime M."),
    ] = None,
    jitter: Annotated[str, typer.Option("--jitter", help="rms timing jitter, e.g. '5 ps'.")] = "0 s",
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON object (SI units).")] = False,
) -> None:
    """RF and revolution frequency, bunch length, equivalent time step and signal attenuation.

    The excitation runs at f_RF M/N so that successive bunches sample N phases dt = 1/(M f_RF)
    apart; M and N must be coprime. A sinusoid at --frequency is reduced by
    exp(-(2 pi f sigma)^2/2), sigma^2 = sigma_bunch^2 + sigma_jitter^2.
    """
    from spinscope.acquisition.stroboscopic import stxm_timing
    from spinscope.cli.zoneplate_cmd import positive_quantity

    result = stxm_timing(
        ring,
        bunch_fwhm=None if bunch_fwhm is None else positive_quantity(bunch_fwhm, "time", "--bunch-fwhm"),
        frequency=None if frequency is None else positive_quantity(frequency, "frequency", "--frequency"),
        ratio=ratio,
        phases=phases,
        jitter_rms=positive_quantity(jitter, "time", "--jitter", allow_zero=True),
    )

    def human(r):
        lines = [
            f"{r['ring']}: f_RF = {r['rf_frequency'] / 1e6:.6g} MHz, h = {r['harmonic_number']}, "
            f"f_rev = {r['revolution_frequency'] / 1e6:.5g} MHz",
            f"  bunch FWHM {r['bunch_fwhm'] * 1e12:.3g} ps, time resolution "
            f"{r['time_resolution'] * 1e12:.3g} ps FWHM",
        ]
        if r["ratio"] is not None:
            lines.append(
                f"  ratio {r['ratio']}: excitation {r['excitation_frequency'] / 1e9:.5g} GHz, "
                f"{r['phases']} phases every {r['equivalent_time_step'] * 1e12:.4g} ps"
            )
        if r["attenuation"] is not None:
            lines.append(f"  attenuation at {r['frequency'] / 1e9:.5g} GHz: {r['attenuation']:.3f}")
        return "\n".join(lines)

    emit(result, as_json=json_, human=human)


@stxm_app.command("simulate")
def simulate(
    config: Annotated[Path, typer.Argument(help="STXM configuration (TOML).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output folder (stxm.nxs).")] = Path(
        "stxm-sim"
    ),
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed (default: the config's).")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an earlier stxm.nxs.")] = False,
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON object (SI units).")] = False,
    max_memory: Annotated[str | None, typer.Option(
        "--max-memory", help="Refuse a configuration estimated to need more memory, e.g. '8 GiB' "
        "(default: half the physical memory).")] = None,
) -> None:
    """Simulate a time-resolved XMCD-STXM measurement and write it as NXstxm (OUT/stxm.nxs)."""
    from spinscope.workflows.stxm import simulate_stxm

    result = simulate_stxm(config, output=output, overwrite=overwrite, progress=not json_, rng=seed,
                           max_memory=max_memory)

    def human(r):
        lines = [f"{r['name']}: counts {r['shape']}, seed {r['seed']}"]
        if r["timing"]:
            t = r["timing"]
            lines.append(
                f"  ratio {t['ratio']}: {t['excitation_frequency'] / 1e9:.5g} GHz, step "
                f"{t['equivalent_time_step'] * 1e12:.4g} ps, attenuation {t['attenuation']:.3f}"
            )
        lines.append(
            f"  {r['photons_per_bunch']:.3g} photons/bunch, mean counts {r['mean_counts']:.4g}, static "
            f"asymmetry {r['static_contrast']['asymmetry']:.4f}"
        )
        lines += [f"  wrote {p}" for p in r["outputs"]]
        return "\n".join(lines)

    emit(result, as_json=json_, human=human)


@stxm_app.command("analyze")
def analyze(
    input_: Annotated[Path, typer.Argument(metavar="INPUT", help="NXstxm file, .hdr scan or NeXus stack.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Output folder.")] = None,
    frequency: Annotated[
        str | None, typer.Option("--frequency", help="Excitation frequency (default: from the file).")
    ] = None,
    static_contrast: Annotated[
        float | None, typer.Option("--static-contrast", help="ln(I+/I-) of the film magnetised along k.")
    ] = None,
    no_register: Annotated[bool, typer.Option("--no-register", help="Skip drift registration.")] = False,
    no_figures: Annotated[bool, typer.Option("--no-figures", help="Write no figures or movie.")] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace earlier outputs.")] = False,
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON object (SI units).")] = False,
) -> None:
    """XMCD contrast, drift registration, movies, amplitude/phase maps and cone angle of an STXM file.

    Also runs on measured files: PolLux NXstxm energy stacks (aligned optical density) and MAXYMUS
    .hdr/.xim two-field stacks (difference image).
    """
    from spinscope.cli.zoneplate_cmd import positive_quantity
    from spinscope.workflows.stxm import analyze_stxm

    f = None if frequency is None else positive_quantity(frequency, "frequency", "--frequency")
    result = analyze_stxm(input_, output=output, overwrite=overwrite, frequency=f,
                          static_contrast=static_contrast, register=not no_register,
                          figures=not no_figures)

    def human(r):
        lines = [f"{r['input']}: {r['kind']}, shape {r['shape']}"]
        if "shift" in r:
            lines.append(f"  registration shift [pixels]: {r['shift']}")
        if "asymmetry" in r and r["asymmetry"]["mean"] is not None:
            a = r["asymmetry"]
            lines.append(f"  asymmetry: mean {a['mean']:.4g}, range {a['min']:.4g} .. {a['max']:.4g}")
        if "max_amplitude" in r:
            lines.append(
                f"  at {r['frequency'] / 1e9:.5g} GHz: max amplitude {r['max_amplitude']:.3g} "
                f"(attenuation {r['attenuation']:.3f})"
            )
        if r.get("cone_angle") is not None:
            lines.append(f"  cone angle {math.degrees(r['cone_angle']):.3g} deg")
        lines += [f"  wrote {p}" for p in r["outputs"]]
        return "\n".join(lines)

    emit(result, as_json=json_, human=human)


def register(app: typer.Typer) -> None:
    """Attach the ``stxm`` command group to the main application."""
    app.add_typer(stxm_app, name="stxm")
