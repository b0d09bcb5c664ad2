"""``spinscope plan``: photons and time needed to see a relative signal at a given SNR."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from spinscope.cli._common import emit


def parse_flux(value: str) -> float:
    """Parse a photon flux: '1e8 /s', '1e8 photons/s', '1e8 ph/s', '1e8 Hz' or '1e8' [1/s]."""
    from spinscope.cli.zoneplate_cmd import positive_quantity
    from spinscope.errors import UnitError

    text = re.sub(r"\b(photons?|ph)\b", "", str(value)).strip()
    text = re.sub(r"^([-+0-9.eE]+)\s*/", r"\1 1/", text)
    try:
        return positive_quantity(text or str(value), "frequency", "--flux")
    except UnitError:
        raise UnitError(
            f"--flux: expected a positive photon flux such as '1e8 /s' or '1e8 photons/s', got {value!r}"
        ) from None


def _human(res):
    lines = [
        f"signal {res['signal']:.3g} at SNR {res['snr']:.3g}: "
        f"{res['photons_per_pixel']:.4g} detected photons per pixel",
        f"  detected rate {res['detected_rate']:.4g} /s -> {res['time_per_pixel']:.4g} s per pixel",
        f"  {res['pixels']} pixels: total {res['total_time']:.4g} s ({res['total_time'] / 3600:.3g} h)",
    ]
    if "pileup_penalty" in res:
        lines.append(
            f"  {res['mean_photons_per_bunch']:.3g} photons per bunch, pile-up penalty "
            f"{res['pileup_penalty']:.3f}"
        )
    if "resolution" in res:
        lines.append(
            f"  resolution {res['resolution']['resolution'] * 1e9:.3g} nm, time resolution "
            f"{res['time_resolution']['time_resolution'] * 1e12:.3g} ps FWHM"
        )
    if "scans" in res:
        lines.append(f"  {res['scans']} scans of {res['dwell']:.3g} s dwell")
    return "\n".join(lines)


def plan(
    config: Annotated[
        Path | None,
        typer.Argument(help="STXM configuration (TOML); replaces the options below.", show_default=False),
    ] = None,
    signal: Annotated[float | None, typer.Option("--signal", help="Relative signal s, e.g. 1e-4.")] = None,
    snr: Annotated[float | None, typer.Option("--snr", help="Wanted signal-to-noise ratio k.")] = None,
    flux: Annotated[str | None, typer.Option("--flux", help="Photons/s in focus, e.g. '1e8 /s'.")] = None,
    transmission: Annotated[
        float, typer.Option("--transmission", help="Sample transmission T (0..1].")
    ] = 1.0,
    efficiency: Annotated[
        float, typer.Option("--efficiency", help="Detector quantum efficiency (0..1].")
    ] = 1.0,
    pixels: Annotated[int, typer.Option("--pixels", help="Pixels in the image.")] = 1,
    channels: Annotated[int, typer.Option("--channels", help="Time channels.")] = 1,
    dwell: Annotated[str | None, typer.Option("--dwell", help="Pixel dwell per scan, e.g. '1 ms'.")] = None,
    ring: Annotated[
        str | None,
        typer.Option("--ring", help="Storage ring for the pile-up penalty and the dwell check."),
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON object (SI units).")] = False,
) -> None:
    """Detected photons per pixel and measurement time to see a relative signal s at SNR k.

    Shot noise of the difference of two Poisson measurements: photons per pixel and time channel
    = k^2 (2+s)^2 / s^2 (~ 4 k^2 / s^2), detected at flux x transmission x efficiency. A --dwell
    must last at least one revolution of the ring (bessy2 when --dwell is given without --ring).

    With CONFIG (an STXM experiment file) flux, transmission, pixels, channels, dwell and ring come
    from the file, the signal from its [plan] section or its scenario, and the resolution and
    time-resolution budgets are added.

    \f
    Size: 11 parameters because typer makes one command-line option of each parameter (the CONFIG
    argument and one option per input of :func:`spinscope.planning.stxm_budget.plan_stxm`). The
    body stays thin: it parses the options, makes one library call and prints the result.
    """
    if config is not None:
        from spinscope.workflows.stxm import plan_from_config

        emit(plan_from_config(config), as_json=json_, human=_human)
        return
    missing = [name for name, v in (("--signal", signal), ("--snr", snr), ("--flux", flux)) if v is None]
    if missing:
        from spinscope.errors import ConfigError

        raise ConfigError(f"plan: give a CONFIG file or the options {', '.join(missing)}")
    from spinscope.planning.stxm_budget import MIN_SIGNAL

    if signal is not None and not MIN_SIGNAL <= signal <= 1.0:
        from spinscope.errors import ParameterRangeError

        raise ParameterRangeError(f"--signal: expected the magnitude of the relative signal, between "
                                  f"{MIN_SIGNAL:g} and 1 (such as 1e-4), got {signal!r}", field="--signal")
    from spinscope.cli.zoneplate_cmd import positive_quantity
    from spinscope.planning.stxm_budget import plan_stxm
    from spinscope.sources.storage_ring import ring_preset

    phi = parse_flux(flux)
    dw = None if dwell is None else positive_quantity(dwell, "time", "--dwell")
    ring_name = ring if ring is not None else ("bessy2" if dw is not None else None)
    r = None if ring_name is None else ring_preset(ring_name)
    result = plan_stxm(
        signal=signal,
        snr=snr,
        flux=phi,
        transmission=transmission,
        detector_efficiency=efficiency,
        pixels=pixels,
        channels=channels,
        dwell=dw,
        ring=r,
    )
    if r is not None:
        result["ring"] = r.name

    emit(result, as_json=json_, human=_human)


def register(app: typer.Typer) -> None:
    """Attach the ``plan`` command to the main application."""
    app.command("plan")(plan)
