"""``spinscope materials NAME [--edge L3] [--energy E] [--thickness T] [--density RHO] [--json]``."""

from __future__ import annotations

from typing import Annotated

import typer

from spinscope.cli._common import emit

_ROWS = (
    ("element", "element", ""),
    ("formula", "formula", ""),
    ("edge", "edge", ""),
    ("edge_energy", "edge energy", "eV"),
    ("energy", "energy", "eV"),
    ("wavelength", "wavelength", "m"),
    ("density", "density", "kg/m^3"),
    ("delta", "delta", ""),
    ("beta", "beta", ""),
    ("delta_m", "delta_m", ""),
    ("beta_m", "beta_m", ""),
    ("xmcd_asymmetry", "beta_m/beta", ""),
    ("absorption_length", "absorption length", "m"),
    ("thickness", "thickness", "m"),
    ("transmission", "transmission", ""),
    ("transmission_asymmetry", "(T+ - T-)/(T+ + T-)", ""),
    ("source", "source", ""),
)


def _require_unit(value: str | None, option: str, example: str) -> str | None:
    """Refuse bare numbers for lengths and densities: '20' could be m, nm or Å."""
    if value is None:
        return None
    try:
        float(value)
    except ValueError:
        return value
    from spinscope.errors import UnitError

    raise UnitError(f"{option}: give a unit, e.g. '{example}' (a bare number is ambiguous)",
                    field=option)


def _human(r: dict) -> str:
    rows = []
    for key, label, unit in _ROWS:
        if key not in r:
            continue
        v = r[key]
        if v is None:
            text = "-"
        elif isinstance(v, float):
            text = f"{v:.6g}" if key not in ("energy", "edge_energy") else f"{v:.2f}"
        else:
            text = str(v)
        rows.append((label, text + (f" {unit}" if unit and v is not None else "")))
    width = max(len(a) for a, _ in rows)
    return "\n".join(f"{a:<{width}}  {b}" for a, b in rows)


def materials(
    name: Annotated[str, typer.Argument(help="Element ('Fe'), formula ('Co80Tb20') or material.")],
    edge: Annotated[str | None, typer.Option("--edge", help="Edge, e.g. L3 or 'Tb M5'.")] = None,
    energy: Annotated[
        str | None, typer.Option("--energy", help="Photon energy, e.g. '707 eV' (bare: eV).")
    ] = None,
    thickness: Annotated[
        str | None, typer.Option("--thickness", help="Film thickness with unit, e.g. 20nm.")
    ] = None,
    density: Annotated[
        str | None, typer.Option("--density", help="Density with unit, e.g. '8.9 g/cm^3'.")
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON object (SI, eV).")] = False,
) -> None:
    """Optical constants (delta, beta, delta_m, beta_m), absorption length and XMCD contrast.

    Without --energy the energy is the absorption peak at --edge, or at the most prominent tabulated
    magnetic edge (L3 for Fe, Co, Ni). Thickness and density need units.
    """
    from spinscope.materials import summarize

    thickness = _require_unit(thickness, "thickness", "20 nm")
    density = _require_unit(density, "density", "8.9 g/cm^3")
    result = summarize(name, edge=edge, energy=energy, thickness=thickness, density=density)
    emit(result, as_json=json_, human=_human)


def register(app: typer.Typer) -> None:
    """Attach the ``materials`` command to the main application."""
    app.command("materials")(materials)
