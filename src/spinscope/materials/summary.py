"""Edge energies and the one-line material summary behind ``spinscope materials``."""

from __future__ import annotations

import math

import numpy as np

from spinscope.conventions import transmission_asymmetry
from spinscope.errors import ConfigError, MaterialError
from spinscope.materials import _xdb
from spinscope.materials.material import Material, get_material
from spinscope.materials.resonant import resonant_lines, resonant_source
from spinscope.units import HC_EV_M, parse_quantity

__all__ = ["edge_energy", "summarize"]


def edge_energy(element: str, edge: str) -> float:
    """Absorption-edge energy of an element (xraydb, Elam et al. tables).

    Parameters
    ----------
    element
        Element symbol (``"Fe"``).
    edge
        Edge name (``"L3"``, ``"M5"``, ``"K"``).

    Returns
    -------
    float
        Edge energy [eV].

    Raises
    ------
    MaterialError
        Unknown element or an edge the element does not have (the message lists the available ones).
    """
    table = _xdb.edges(_xdb.check_symbol(str(element).strip()))
    key = str(edge).strip().upper()
    if key not in table:
        raise MaterialError(
            f"edge: {element} has no edge {edge!r}; available: {', '.join(table)}", field="edge"
        )
    return table[key]


def _split_edge(edge: str, elements) -> tuple[str, str]:
    text = str(edge).replace(":", " ").replace("_", " ").replace("-", " ").split()
    if len(text) == 2:
        el, ed = text
        if el not in elements:
            raise MaterialError(f"edge: {el} is not in the material ({', '.join(elements)})",
                                field="edge")
        return el, ed.upper()
    if len(text) != 1:
        raise MaterialError(f"edge: expected 'L3' or 'Co L3', got {edge!r}", field="edge")
    ed = text[0].upper()
    if len(elements) == 1:
        return elements[0], ed  # edge_energy lists the available edges if it is wrong

    for el in elements:  # prefer an element with a tabulated resonance at this edge
        if any(ln.edge == ed for ln in resonant_lines(el)):
            return el, ed
    for el in elements:
        if ed in _xdb.edges(el) and _xdb.edges(el)[ed] > 20.0:
            return el, ed
    avail = {el: list(_xdb.edges(el)) for el in elements}
    raise MaterialError(f"edge: no element of the material has edge {edge!r}; available: {avail}",
                        field="edge")


def _strongest_magnetic_edge(mat) -> tuple[str, str] | None:
    best, score = None, 0.0
    for el, x in mat.composition.items():
        for ln in resonant_lines(el):
            s = abs(ln.magnetic_amplitude) * x * ln.energy  # ~ contribution to beta_m * E
            if s > score and ln.energy > 300.0:  # prefer soft X-ray edges over M2,3 / N4,5
                best, score = (el, ln.edge), s
    return best


def _peak_energy(mat, element: str, edge: str, e_edge: float) -> float:
    lines = [ln.energy for ln in resonant_lines(element) if ln.edge == edge]
    if lines:  # the white line: its maximum within +-3 eV of the tabulated line energy
        grid = np.linspace(lines[0] - 3.0, lines[0] + 3.0, 1201)
    else:  # a bare Chantler step: the maximum just above it
        grid = np.linspace(e_edge - 3.0, e_edge + 10.0, 2601)
    beta = mat.optical_constants(grid)["beta"].values
    return round(float(grid[int(np.argmax(beta))]), 3)


def summarize(name, *, edge: str | None = None, energy=None, thickness=None,
              density=None) -> dict:
    """Optical constants of a material at one energy, for the command line.

    Parameters
    ----------
    name
        Element, formula or known material (see :func:`~spinscope.materials.get_material`), or a
        :class:`~spinscope.materials.Material` (e.g. from ``load_user_spectrum``).
    edge
        Edge name (``"L3"``; for compounds ``"Co L3"`` or a bare name resolved to the first element
        having it). With no ``energy``, the energy is the peak of ``beta`` near that edge.
    energy
        Photon energy [eV] or a string (``"707 eV"``). With neither ``edge`` nor ``energy`` the most
        prominent tabulated magnetic edge is used (L3 for Fe).
    thickness
        Film thickness [m] or a string (``"20 nm"``); enables ``transmission`` and
        ``transmission_asymmetry``.
    density
        Mass density [kg/m^3] or a string (``"8.9 g/cm^3"``).

    Returns
    -------
    dict
        Keys ``element`` (pure element) or ``formula``, ``edge``, ``edge_energy`` [eV], ``energy``
        [eV], ``delta``, ``beta``, ``delta_m``, ``beta_m``, ``absorption_length`` [m], ``thickness``
        [m], ``transmission``, ``xmcd_asymmetry`` (``beta_m/beta``), ``transmission_asymmetry``,
        ``density`` [kg/m^3], ``wavelength`` [m], ``source``. Unavailable values are ``None``.

    Raises
    ------
    MaterialError, DataRangeError, UnitError, ConfigError
        Unknown material or edge; energy outside the tables; bad units; negative thickness.
    """
    rho = None if density is None else parse_quantity(density, "density", field="density")
    if isinstance(name, Material):
        mat = name
    else:
        mat = get_material(str(name), density=rho)
    e_val = None if energy is None else parse_quantity(energy, "energy", field="energy")
    d_val = None
    if thickness is not None:
        d_val = parse_quantity(thickness, "length", field="thickness")
        if d_val < 0:
            raise ConfigError(f"thickness must be >= 0 [m], got {thickness!r}", field="thickness")
    elements = mat.elements
    el_edge, e_edge, e_val = _edge_and_energy(mat, edge, e_val)
    ds = mat.optical_constants(e_val)
    delta, beta = float(ds["delta"]), float(ds["beta"])
    delta_m, beta_m = float(ds["delta_m"]), float(ds["beta_m"])
    lam = HC_EV_M / e_val
    atlen = lam / (4.0 * math.pi * beta) if beta > 0 else math.inf
    out: dict = {}
    if len(elements) == 1:
        out["element"] = elements[0]
    else:
        out["formula"] = mat.formula
    if el_edge is None:
        out["edge"] = None
    else:
        out["edge"] = el_edge[1] if len(elements) == 1 else f"{el_edge[0]} {el_edge[1]}"
    out["edge_energy"] = e_edge
    out["energy"] = float(e_val)
    out.update(delta=delta, beta=beta, delta_m=delta_m, beta_m=beta_m, absorption_length=atlen)
    out["thickness"] = d_val
    out["transmission"] = None if d_val is None else math.exp(-d_val / atlen)
    out["xmcd_asymmetry"] = beta_m / beta if beta > 0 else None
    out["transmission_asymmetry"] = (
        None if d_val is None
        else float(transmission_asymmetry(beta, beta_m, thickness=d_val, wavelength=lam))
    )
    out["density"] = mat.density
    out["wavelength"] = lam
    out["source"] = _source(mat, el_edge)
    return out


def _edge_and_energy(mat: Material, edge: str | None, e_val: float | None):
    """``((element, edge) or None, edge energy [eV] or None, energy [eV])`` of :func:`summarize`.

    The edge given, else (without an energy) the strongest tabulated magnetic edge; the energy given,
    else the peak of ``beta`` near that edge. With only an energy, the nearest edge within 50 eV is
    reported for orientation.
    """
    elements = mat.elements
    el_edge: tuple[str, str] | None = None
    if edge is not None:
        el_edge = _split_edge(edge, elements)
        e_edge = edge_energy(*el_edge)
    elif e_val is None:
        el_edge = _strongest_magnetic_edge(mat)
        if el_edge is None:
            raise MaterialError(
                f"{mat.formula} has no tabulated magnetic edge; give edge or energy", field="edge"
            )
        e_edge = edge_energy(*el_edge)
    if e_val is None:
        e_val = _peak_energy(mat, el_edge[0], el_edge[1], e_edge)
    if el_edge is None:  # energy given: report the nearest edge (within 50 eV) for orientation
        cands = [(abs(v - e_val), el, k) for el in elements for k, v in _xdb.edges(el).items()
                 if v > 20.0]
        cands.sort()
        if cands and cands[0][0] <= 50.0:
            el_edge = (cands[0][1], cands[0][2])
            e_edge = _xdb.edges(el_edge[0])[el_edge[1]]
        else:
            e_edge = None
    return el_edge, e_edge, e_val


def _source(mat: Material, el_edge: tuple[str, str] | None) -> str:
    """Where the constants come from: the resonant model of the edge, else the material's source."""
    if el_edge is not None and not hasattr(mat, "path"):
        src = resonant_source(el_edge[0], el_edge[1])
        if src.startswith("xraydb") and len(mat.elements) > 1:
            src = mat.source
        return src
    return mat.source
