"""``spinscope stxm``: time-resolved scanning transmission X-ray microscopy at a storage ring.

This module defines the ``stxm`` command group; ``timing`` is here, ``simulate`` and ``analyze`` are
added by later work.
"""

from __future__ import annotations

from typing import Annotated

import typer

from spinscope.cli._common import emit

stxm_app = typer.Typer(
    help="Time-resolved STXM at a storage ring: timing (and later simulate, analyze).",
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


def register(app: typer.Typer) -> None:
    """Attach the ``stxm`` command group to the main application."""
    app.add_typer(stxm_app, name="stxm")
