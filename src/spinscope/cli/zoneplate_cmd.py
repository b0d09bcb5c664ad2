"""``spinscope zoneplate``: figures of merit of a Fresnel zone plate at one photon energy."""

from __future__ import annotations

from typing import Annotated

import typer

from spinscope.cli._common import emit


def positive_quantity(value: str, dimension: str, option: str, *, allow_zero: bool = False) -> float:
    """Parse a unit string of an option and require it to be positive (or zero when allowed).

    The shared :func:`spinscope.units.parse_positive` under the option's name, e.g. ``--diameter``.
    """
    from spinscope.units import parse_positive

    return parse_positive(value, dimension, option, allow_zero=allow_zero)


def zoneplate(
    diameter: Annotated[str, typer.Option("--diameter", help="Zone-plate diameter, e.g. '240 um'.")],
    outer_zone: Annotated[str, typer.Option("--outer-zone", help="Outermost zone width, e.g. '25 nm'.")],
    energy: Annotated[str, typer.Option("--energy", help="Photon energy, e.g. '707 eV'.")],
    central_stop: Annotated[
        str, typer.Option("--central-stop", help="Central-stop diameter, e.g. '80 um'.")
    ] = "0 m",
    efficiency: Annotated[
        float | None,
        typer.Option("--efficiency", help="First-order efficiency (default 1/pi^2, binary amplitude)."),
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON object (SI units).")] = False,
) -> None:
    """Focal length, zones, NA, Rayleigh resolution, depth of focus and efficiency of a zone plate.

    Lengths take units ('240 um', '25 nm'; a bare number is metres); the energy is in eV by default.
    JSON keys: focal_length, zones, numerical_aperture, resolution (1.22 dr), depth_of_focus
    (half-width 2 dr^2/lambda), efficiency, focal_spot_fwhm and first_zero (from the computed PSF).
    """
    from spinscope.optics.zone_plate import ZonePlate

    d = positive_quantity(diameter, "length", "--diameter")
    dr = positive_quantity(outer_zone, "length", "--outer-zone")
    e = positive_quantity(energy, "energy", "--energy")
    cs = positive_quantity(central_stop, "length", "--central-stop", allow_zero=True)
    result = ZonePlate(d, dr, central_stop=cs, efficiency=efficiency).summary(e)

    def human(r):
        lines = [
            f"zone plate D = {r['diameter'] * 1e6:.4g} um, dr = {r['outer_zone_width'] * 1e9:.4g} nm"
            f" at {r['energy']:.6g} eV (lambda = {r['wavelength'] * 1e9:.4g} nm)",
            f"  focal length        {r['focal_length'] * 1e3:.4f} mm",
            f"  zones               {r['zones']:.0f}",
            f"  numerical aperture  {r['numerical_aperture']:.4f}",
            f"  resolution (1.22dr) {r['resolution'] * 1e9:.3g} nm",
            f"  depth of focus      +- {r['depth_of_focus'] * 1e9:.4g} nm",
            f"  efficiency          {r['efficiency']:.4f}",
            f"  focal spot FWHM     {r['focal_spot_fwhm'] * 1e9:.3g} nm",
        ]
        if "max_working_distance" in r:
            lines.append(f"  max OSA-focus dist. {r['max_working_distance'] * 1e6:.4g} um")
        return "\n".join(lines)

    emit(result, as_json=json_, human=human)


def register(app: typer.Typer) -> None:
    """Attach the ``zoneplate`` command to the main application."""
    app.command("zoneplate")(zoneplate)
