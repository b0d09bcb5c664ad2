"""Measured absorption spectra of the user's own sample as optical constants.

Accepted files: text with a header line naming the columns (it may start with ``#``; further ``#``
lines are comments), comma- or whitespace-separated, LF or CRLF line ends. Columns are recognised by
name (case-insensitive):

* energy: ``energy``, ``nrj``, ``e``, ``ev``, ``photon_energy``;
* helicity spectra (``kind="mu"``): ``mu_plus``/``mu_minus``, ``cp``/``cm``, ``mu+``/``mu-``,
  ``plus``/``minus`` — absorption for helicity +1 (photon spin along +z) and -1;
* optical constants (``kind="beta"``): ``beta`` and ``beta_m`` (absolute, dimensionless).

Helicity spectra are put on an absolute scale as follows. The helicity average
``mu = (mu_plus + mu_minus)/2`` is normalised to the edge jump: its pre-edge level (mean more than 10 eV
below the first edge of ``element`` inside the data) is set to 0 and its post-edge level (mean more than 15 eV
above the last edge) to 1; spectra already normalised so are left unchanged. Then

    f2(E)  = f2_pre(E) + mu_norm(E)        * [f2_post(E) - f2_pre(E)],
    f2m(E) =             dmu_norm(E) / 2   * [f2_post(E) - f2_pre(E)],

where ``f2_pre`` and ``f2_post`` are power laws through the Chantler (xraydb) ``f2`` just below the
first and just above the last edge: the non-resonant background below the edge is restored and one
edge jump becomes the absolute Chantler jump, so the result joins the tables smoothly at both ends.
``f1`` is the tabulated Chantler ``f1`` plus the *differential* Kramers–Kronig transform
(:func:`spinscope.materials.kramers_kronig.kk_charge`) of ``f2 - f2_chantler`` over the measured range;
``f1m`` is the magnetic transform (:func:`~spinscope.materials.kramers_kronig.kk_magnetic`) of ``f2m``.
Both differences are tapered linearly to zero over 5 % of the range beyond each end (and used so
tapered for ``f2`` too, keeping it continuous); farther out ``f2`` is Chantler's and ``f2m`` is zero.
The tabulated white-line model of :mod:`spinscope.materials.resonant` is not used.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from spinscope.errors import FileFormatError, MaterialError
from spinscope.materials import _xdb
from spinscope.materials.kramers_kronig import kk_charge, kk_magnetic
from spinscope.materials.material import Material, get_material
from spinscope.units import HC_EV_M

__all__ = ["UserSpectrumMaterial", "load_user_spectrum"]

_ENERGY = ("energy", "nrj", "e", "ev", "photon_energy", "energy_ev")
_PLUS = ("mu_plus", "cp", "mu+", "plus", "mup", "mu_p", "sigma_plus", "i_plus")
_MINUS = ("mu_minus", "cm", "mu-", "minus", "mum", "mu_m", "sigma_minus", "i_minus")


def _read_table(path: Path) -> tuple[list[str], np.ndarray]:
    if not path.is_file():
        raise FileFormatError(f"{path}: file not found", path=str(path))
    try:
        text = path.read_text(encoding="utf-8-sig", errors="strict")
    except (OSError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"{path}: cannot read as text ({exc})", path=str(path)) from exc
    lines = [ln.strip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [ln for ln in lines if ln]
    header = None
    rows = []
    for ln in lines:
        body = ln.lstrip("#").strip()
        if not body:
            continue
        tokens = [t for t in re.split(r"[,;\s]+", body) if t]
        try:
            vals = [float(t) for t in tokens]
        except ValueError:
            if rows:
                if ln.startswith("#"):
                    continue
                raise FileFormatError(f"{path}: non-numeric data line {ln[:60]!r}",
                                      path=str(path)) from None
            # the last text line before the data is the header
            header = [t.strip("#").lower() for t in tokens if t.strip("#")]
            continue
        if ln.startswith("#"):
            continue
        rows.append(vals)
    if header is None:
        raise FileFormatError(f"{path}: no header line naming the columns (e.g. 'energy, mu_plus, "
                              "mu_minus')", path=str(path))
    if not rows:
        raise FileFormatError(f"{path}: no data rows", path=str(path))
    width = len(header)
    if any(len(r) != width for r in rows):
        raise FileFormatError(f"{path}: rows do not all have the {width} columns of the header "
                              f"{header}", path=str(path))
    return header, np.array(rows, dtype=float)


def _find(header, names, what, path) -> int | None:
    for i, h in enumerate(header):
        if h in names:
            return i
    return None


def _spectrum_columns(p: Path, header: list[str], data: np.ndarray, kind: str) -> tuple[str, dict[str, int]]:
    """The kind (``"mu"`` or ``"beta"``, decided from the header for ``"auto"``) and the column of
    each quantity, after checking that every one used is finite."""
    ie = _find(header, _ENERGY, "energy", p)
    if ie is None:
        raise FileFormatError(f"{p}: no energy column (expected one of {', '.join(_ENERGY[:3])}; "
                              f"header {header})", path=str(p))
    ip, im = _find(header, _PLUS, "mu_plus", p), _find(header, _MINUS, "mu_minus", p)
    ib = _find(header, ("beta",), "beta", p)
    ibm = _find(header, ("beta_m", "betam", "beta_mag"), "beta_m", p)
    if kind == "auto":
        kind = "mu" if ip is not None and im is not None else "beta" if ib is not None else ""
        if not kind:
            raise FileFormatError(f"{p}: no mu_plus/mu_minus (or cp/cm) nor beta/beta_m columns "
                                  f"in header {header}", path=str(p))
    if kind not in ("mu", "beta"):
        raise FileFormatError(f"kind must be 'auto', 'mu' or 'beta', got {kind!r}", path=str(p))
    cols = {"energy": ie}
    wanted = (("mu_plus", ip), ("mu_minus", im)) if kind == "mu" else (("beta", ib), ("beta_m", ibm))
    for name, idx in wanted:
        if idx is None:
            raise FileFormatError(f"{p}: missing column {name} (header {header})", path=str(p))
        cols[name] = idx
    for name, idx in cols.items():
        if not np.all(np.isfinite(data[:, idx])):
            row = int(np.argmin(np.isfinite(data[:, idx])))
            raise FileFormatError(f"{p}: column {name}: NaN or inf in data row {row + 1}",
                                  path=str(p))
    return kind, cols


def _check_energies(p: Path, e: np.ndarray, sym: str) -> None:
    """At least 10 strictly increasing energies [eV] inside the Chantler tables of ``sym``."""
    if e.size < 10:
        raise FileFormatError(f"{p}: too few data rows ({e.size}; need >= 10)", path=str(p))
    if np.any(np.diff(e) <= 0):
        row = int(np.argmax(np.diff(e) <= 0))
        raise FileFormatError(f"{p}: column energy: not strictly increasing at data row {row + 2}",
                              path=str(p))
    lo_t, hi_t = _xdb.chantler_range(sym)
    if e[0] <= lo_t or e[-1] >= hi_t:
        raise FileFormatError(f"{p}: column energy: {e[0]:g}-{e[-1]:g} eV outside the tables "
                              f"({lo_t:g}-{hi_t:g} eV)", path=str(p))


def _f2_from_mu(p: Path, sym: str, e: np.ndarray, edges_in: dict[str, float], mp: np.ndarray,
                mm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``f2``, ``f2m`` and the raw asymmetry from helicity spectra put on the Chantler edge jump
    (module docstring)."""
    if not edges_in:
        raise FileFormatError(f"{p}: no absorption edge of {sym} inside {e[0]:g}-{e[-1]:g} eV; "
                              "cannot scale mu to absolute units", path=str(p))
    e_first, e_last = min(edges_in.values()), max(edges_in.values())
    avg = 0.5 * (mp + mm)
    pre_mask = e < e_first - 10.0
    post_mask = e > e_last + 15.0
    pre = float(np.mean(avg[pre_mask])) if pre_mask.sum() >= 3 else 0.0
    post = float(np.mean(avg[post_mask])) if post_mask.sum() >= 3 else 1.0
    if not post > pre:
        raise FileFormatError(f"{p}: columns mu_plus/mu_minus: post-edge level {post:g} not "
                              f"above pre-edge level {pre:g}", path=str(p))
    scale = post - pre
    mu_norm = (avg - pre) / scale
    dmu = (mp - mm) / scale
    bg = _power_law_f2(sym, e_first - 30.0, e_first - 3.0)(e)
    top = _power_law_f2(sym, e_last + 10.0, e_last + 50.0)(e)
    jump = top - bg
    with np.errstate(invalid="ignore", divide="ignore"):
        raw_asym = (mp - mm) / (mp + mm)
    return bg + mu_norm * jump, 0.5 * dmu * jump, raw_asym


def _tapered_transforms(sym: str, e: np.ndarray, df2: np.ndarray, f2m: np.ndarray):
    """Kramers-Kronig transforms of ``f2 - f2_chantler`` and ``f2m``, tapered to zero over 5 % of the
    range beyond both ends, on a grid spanning the Chantler tables: ``(grid [eV], df1, df2, f1m,
    f2m)`` on that grid."""
    w = 0.05 * (e[-1] - e[0])
    e_ext = np.concatenate([[max(e[0] - w, 0.5 * e[0])], e, [e[-1] + w]])
    df2_ext = np.concatenate([[0.0], df2, [0.0]])
    f2m_ext = np.concatenate([[0.0], f2m, [0.0]])
    lo, hi = _xdb.chantler_range(sym)
    outer = np.geomspace(lo * 1.0001, hi * 0.9999, 600)
    grid = np.unique(np.concatenate([outer, e_ext]))
    df1 = kk_charge(e_ext, df2_ext, grid)
    f1m = kk_magnetic(e_ext, f2m_ext, grid)
    df2_grid = np.interp(grid, e_ext, df2_ext, left=0.0, right=0.0)
    f2m_grid = np.interp(grid, e_ext, f2m_ext, left=0.0, right=0.0)
    return grid, df1, df2_grid, f1m, f2m_grid


def _power_law_f2(symbol: str, e_a: float, e_b: float):
    fa, fb = _xdb.f2_chantler(symbol, [e_a, e_b])
    p = math.log(fb / fa) / math.log(e_b / e_a)
    return lambda e: fa * (np.asarray(e) / e_a) ** p


@dataclass(frozen=True)
class UserSpectrumMaterial(Material):
    """A pure-element material whose resonant constants come from a measured spectrum.

    Same interface as :class:`~spinscope.materials.material.Material`; extra attributes
    ``path``, ``kind`` (``"mu"`` or ``"beta"``), ``energy_range`` [eV] and ``edges`` (the edges of
    ``element`` inside the data).
    """

    path: str = ""
    kind: str = "mu"
    energy_range: tuple[float, float] = (0.0, 0.0)
    edges: tuple[str, ...] = ()
    _grid: np.ndarray = field(default=None, repr=False, compare=False)
    _df1: np.ndarray = field(default=None, repr=False, compare=False)
    _df2: np.ndarray = field(default=None, repr=False, compare=False)
    _f1m: np.ndarray = field(default=None, repr=False, compare=False)
    _f2m: np.ndarray = field(default=None, repr=False, compare=False)
    raw_asymmetry: np.ndarray = field(default=None, repr=False, compare=False)
    raw_energy: np.ndarray = field(default=None, repr=False, compare=False)

    def __hash__(self) -> int:
        return hash((Material.__hash__(self), self.path, self.kind))

    @property
    def source(self) -> str:
        return f"user spectrum {self.path} ({self.kind}) on xraydb Chantler"

    def _factors(self, symbol, e):
        f1 = _xdb.f1_chantler(symbol, e) + np.interp(e, self._grid, self._df1, left=0, right=0)
        # the tapered differences (exactly those that were transformed) keep f2 continuous
        f2 = _xdb.f2_chantler(symbol, e) + np.interp(e, self._grid, self._df2, left=0, right=0)
        f2 = np.maximum(f2, 0.0)
        f1m = np.interp(e, self._grid, self._f1m, left=0, right=0)
        f2m = np.interp(e, self._grid, self._f2m, left=0, right=0)
        return f1, f2, f1m, f2m


def load_user_spectrum(path, *, element: str, density: float | None = None,
                       kind: str = "auto") -> UserSpectrumMaterial:
    """Load a measured XAS/XMCD spectrum of a pure element as a material.

    Parameters
    ----------
    path
        Text file (see the module docstring for the accepted layouts).
    element
        Element symbol the spectrum belongs to (``"Co"``).
    density
        Mass density [kg/m^3]; the element's bulk density when ``None``.
    kind
        ``"mu"`` (helicity absorption spectra), ``"beta"`` (absolute ``beta``, ``beta_m``) or
        ``"auto"`` (decided from the column names).

    Returns
    -------
    UserSpectrumMaterial
        With ``optical_constants``, ``absorption_length`` and ``refractive_index`` like
        :class:`~spinscope.materials.material.Material`.

    Raises
    ------
    FileFormatError
        Missing file or column, NaN, non-increasing energies, no edge of ``element`` in the range.
    MaterialError
        Unknown element.
    """
    p = Path(path)
    base = get_material(element, density=density)
    if len(base.composition) != 1:
        raise MaterialError(f"element: expected one element symbol, got {element!r}",
                            field="element")
    sym = next(iter(base.composition))
    header, data = _read_table(p)
    kind, cols = _spectrum_columns(p, header, data, kind)
    e = data[:, cols["energy"]]
    _check_energies(p, e, sym)
    f2_tab = _xdb.f2_chantler(sym, e)
    lam = HC_EV_M / e
    edges_in = {k: v for k, v in _xdb.edges(sym).items() if e[0] < v < e[-1]}
    if kind == "mu":
        f2, f2m, raw_asym = _f2_from_mu(p, sym, e, edges_in, data[:, cols["mu_plus"]],
                                        data[:, cols["mu_minus"]])
    else:
        n_a = base.number_density
        to_f2 = 2.0 * np.pi / (_xdb.R_E * lam**2 * n_a)
        f2 = data[:, cols["beta"]] * to_f2
        f2m = data[:, cols["beta_m"]] * to_f2
        with np.errstate(invalid="ignore", divide="ignore"):
            raw_asym = f2m / f2
    f2 = np.maximum(f2, 0.0)
    grid, df1, df2_grid, f1m, f2m_grid = _tapered_transforms(sym, e, f2 - f2_tab, f2m)
    return UserSpectrumMaterial(
        formula=sym,
        composition={sym: 1.0},
        density=base.density,
        density_source=base.density_source,
        path=str(p),
        kind=kind,
        energy_range=(float(e[0]), float(e[-1])),
        edges=tuple(sorted(edges_in, key=edges_in.get)),
        _grid=grid,
        _df1=df1,
        _df2=df2_grid,
        _f1m=f1m,
        _f2m=f2m_grid,
        raw_asymmetry=raw_asym,
        raw_energy=e,
    )
