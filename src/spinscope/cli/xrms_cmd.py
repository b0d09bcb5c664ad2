"""``spinscope xrms``: time-resolved resonant magnetic small-angle scattering.

This module owns the command group :data:`xrms_app` and its ``analyze`` command; other command modules
add theirs (``simulate``) with ``xrms_app.command("simulate")(function)`` in their ``register(app)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from spinscope.cli._common import emit

#: The ``xrms`` command group; other modules add their commands to it (``xrms_app.command(...)``).
xrms_app = typer.Typer(
    help="Time-resolved resonant magnetic small-angle scattering: delay scans of ring patterns.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _pair(text: str | None, name: str) -> tuple[str, str] | None:
    """Split ``"A,B"`` into two stripped strings (units parsed by the library)."""
    from spinscope.errors import ConfigError

    if text is None:
        return None
    parts = [t.strip() for t in text.split(",")]
    if len(parts) != 2 or not all(parts):
        raise ConfigError(f"{name}: expected two values separated by a comma, got {text!r}", field=name)
    return parts[0], parts[1]


def _center(text: str | None) -> tuple[float, float] | None:
    from spinscope.errors import ConfigError

    pair = _pair(text, "center")
    if pair is None:
        return None
    try:
        return float(pair[0]), float(pair[1])
    except ValueError:
        raise ConfigError(f"center: expected 'column,row' in pixels, got {text!r}", field="center") from None


def _q_range(text: str | None) -> tuple[float, float] | None:
    """``"0.02 1/nm,0.05 1/nm"`` (or bare numbers in 1/m) -> q range [1/m], via the length 1/q."""
    from spinscope.errors import ConfigError, UnitError
    from spinscope.units import parse_quantity

    pair = _pair(text, "q_range")
    if pair is None:
        return None
    out = []
    for v in pair:
        try:
            out.append(float(v))
            continue
        except ValueError:
            pass
        try:
            out.append(1.0 / parse_quantity(f"1 / ({v})", "length", field="q_range"))
        except (UnitError, ZeroDivisionError):
            raise ConfigError(
                f"q_range: expected momentum transfers such as '0.03 1/nm', got {v!r}", field="q_range"
            ) from None
    return out[0], out[1]


def _human(r: dict) -> str:
    f = r["fit"]

    def fmt(v, scale=1.0, unit="", digits=4):
        return "-" if v is None else f"{v * scale:.{digits}g}{unit}"

    def pm(key, scale=1.0, unit=""):
        return f"{fmt(f.get(key), scale)} +- {fmt(f.get(key + '_err'), scale)}{unit}"

    g = r["geometry"]
    lines = [
        f"spinscope xrms analyze — {r['input']}",
        f"  {r['frames']['n']} delays of {r['frames']['shape'][0]} x {r['frames']['shape'][1]} pixels; "
        f"E = {g['energy']:.4g} eV, L = {g['distance']:.4g} m, pixel {g['pixel_size'][1] * 1e6:.4g} um, "
        f"centre ({g['center'][0]:.2f}, {g['center'][1]:.2f}) px [{g['center_source']}]",
        f"  reference: {r['reference']}",
        "",
        "M(t) fit (IRF-convolved demagnetisation curve):",
        f"  t0         {pm('t0', 1e12, ' ps')}",
        f"  tau_m      {pm('tau_m', 1e12, ' ps')}",
        f"  amplitude  {pm('amplitude')}",
        f"  tau_r      {pm('tau_r', 1e12, ' ps')}",
        f"  IRF FWHM   {pm('fwhm', 1e12, ' ps')}",
        "",
        "ring:",
        f"  period               {fmt(r['period'], 1e9, ' nm')} +- {fmt(r['period_err'], 1e9, ' nm')}",
        f"  correlation length   {fmt(r['correlation_length'], 1e9, ' nm')} +- "
        f"{fmt(r['correlation_length_err'], 1e9, ' nm')}",
        f"  q1 shift (last delay) {fmt(r['q_shift'])}",
    ]
    if r.get("wall"):
        lines.append(f"  wall velocity        {fmt(r['wall']['wall_velocity'], unit=' m/s')} +- "
                     f"{fmt(r['wall']['wall_velocity_err'], unit=' m/s')}")
    if r.get("saturated_pixels"):
        lines.append(f"  saturated pixels masked: {r['saturated_pixels']}")
    if r["outputs"]:
        lines += ["", "outputs:"] + [f"  {p}" for p in r["outputs"]]
    return "\n".join(lines)


@xrms_app.command("analyze")
def analyze(
    input: Annotated[
        Path, typer.Argument(help="NeXus/HDF5 file, multi-page TIFF, or folder of .sif/.spe/.tif.")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output folder.")],
    energy: Annotated[str | None, typer.Option("--energy", help="Photon energy, e.g. '155 eV'.")] = None,
    distance: Annotated[
        str | None, typer.Option("--distance", help="Sample-detector distance, e.g. '0.15 m'.")
    ] = None,
    pixel_size: Annotated[
        str | None, typer.Option("--pixel-size", help="Pixel pitch, e.g. '13.5 um'.")
    ] = None,
    center: Annotated[
        str | None, typer.Option("--center", help="Beam centre 'column,row' in pixels (found when left out).")
    ] = None,
    delays: Annotated[
        Path | None, typer.Option("--delays", help="Delays file: one per line, '0.5 ps' or seconds.")
    ] = None,
    mask: Annotated[Path | None, typer.Option("--mask", help="Bad-pixel mask (.npy/.tif/.h5), True = bad.")]
    = None,
    t0: Annotated[str | None, typer.Option("--t0", help="Time zero, e.g. '0.1 ps' (found when left out).")]
    = None,
    irf: Annotated[
        str | None,
        typer.Option("--irf", help="Instrument response FWHM, e.g. '50 fs' (fitted when left out)."),
    ] = None,
    q_range: Annotated[
        str | None, typer.Option("--q-range", help="Ring window 'qmin,qmax', e.g. '0.02 1/nm,0.05 1/nm'.")
    ] = None,
    shape: Annotated[str, typer.Option("--shape", help="Ring shape: pseudovoigt, lorentzian, gaussian.")]
    = "pseudovoigt",
    bins: Annotated[int | None, typer.Option("--bins", help="Number of q bins (default: one per pixel).")]
    = None,
    dark: Annotated[
        float | None, typer.Option("--dark", help="Dark level subtracted from every pixel [ADU].")
    ] = None,
    adu_per_photon: Annotated[
        float | None, typer.Option("--adu-per-photon", help="Detector units per photon (Poisson errors).")
    ] = None,
    beam_stop: Annotated[
        str | None, typer.Option("--beam-stop", help="Beam-stop radius on the detector, e.g. '1 mm'.")
    ] = None,
    no_movie: Annotated[bool, typer.Option("--no-movie", help="Do not write the detector movie.")] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace outputs of an earlier run.")
    ] = False,
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="Hide the progress bars.")] = False,
) -> None:
    """Analyse a delay scan of scattering frames: M(t), q1(t), period, correlation length, fits.

    Writes a NeXus file of profiles and fits, a JSON of the results, figures and a movie into OUTPUT.
    \f
    Size: 20 parameters because typer makes one command-line option of each parameter, and every
    option of :class:`~spinscope.workflows.xrms_analysis.XrmsAnalysisOptions` is offered on the
    command line.
    The body stays thin: it builds the options object, makes one library call and prints the result.
    """
    from spinscope.workflows.xrms_analysis import XrmsAnalysisOptions, analyze_xrms

    options = XrmsAnalysisOptions(
        energy=energy,
        distance=distance,
        pixel_size=pixel_size,
        center=_center(center),
        delays=delays,
        mask=mask,
        t0=t0,
        irf_fwhm=irf,
        q_range=_q_range(q_range),
        shape=shape,
        bins=bins,
        dark=dark,
        adu_per_photon=adu_per_photon,
        beam_stop_radius=beam_stop,
    )
    result = analyze_xrms(input, options, output=output, overwrite=overwrite, movie=not no_movie,
                          progress=not (no_progress or json_))
    emit(result, as_json=json_, human=_human)


def register(app: typer.Typer) -> None:
    """Attach the ``xrms`` command group."""
    app.add_typer(xrms_app, name="xrms")
