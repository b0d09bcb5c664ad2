"""``spinscope info FILE``: what a data file holds (kind, dims, axes in SI, energy, variables)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from spinscope.cli._common import emit


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def format_summary(r: dict) -> str:
    """Human-readable text of a :func:`spinscope.io.summarize_file` result."""
    lines = [f"{r['file']}: {r['kind']}"]
    if r.get("scan_type"):
        lines.append(f"  scan type : {r['scan_type']}")
    dims = ", ".join(f"{k}={v}" for k, v in r["dims"].items())
    lines.append(f"  dims      : {dims or '(none)'}")
    e = r.get("energy")
    if isinstance(e, dict):
        lines.append(f"  energy    : {_fmt(e['min'])} .. {_fmt(e['max'])} eV ({e['n']} points)")
    elif e is not None:
        lines.append(f"  energy    : {_fmt(e)} eV")
    lines.append("  coordinates:")
    for name, c in r["coords"].items():
        on = f" along {','.join(c['dims'])}" if c.get("dims") and c["dims"] != [name] else ""
        units = f" [{c['units']}]" if c.get("units") else ""
        if "values" in c:
            rng = ", ".join(c["values"])
        elif c["n"] == 1:
            rng = _fmt(c["min"])
        else:
            rng = f"{_fmt(c['min'])} .. {_fmt(c['max'])} ({c['n']} points)"
        lines.append(f"    {name:<16} {rng}{units}{on}")
    lines.append("  variables:")
    for name, units in r["variables"].items():
        lines.append(f"    {name:<16} [{units}]" if units else f"    {name}")
    prov = r.get("provenance")
    if prov:
        lines.append(
            f"  written by {prov.get('program')} {prov.get('version')} at {prov.get('start_time')}"
            f" (seed {prov.get('seed')}, config {'embedded' if prov.get('has_config') else 'none'})"
        )
    return "\n".join(lines)


def info(
    file: Annotated[Path, typer.Argument(
        help="Data file of any registered format: spinscope NeXus, NXstxm, other NeXus, .hdr/.xim/.xsp, "
             "OVF (.ovf/.omf/.ohf/.oef), TIFF, .sif, .spe, HDF5 frames.")],
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Describe FILE: its kind (reader engine), dims, coordinate ranges (SI, energies in eV), variables."""
    from spinscope.io import summarize_file

    emit(summarize_file(file), as_json=json_, human=format_summary)


def register(app: typer.Typer) -> None:
    """Attach the ``info`` command to the main application."""
    app.command("info")(info)
