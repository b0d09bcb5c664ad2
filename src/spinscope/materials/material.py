"""Materials: composition, density and the optical constants ``n = 1 - delta + i beta``.

For a material of atomic number density ``n_at`` and atomic fractions ``x_j`` (so ``n_j = x_j n_at``)

    delta   = r_e lambda^2 / (2 pi) sum_j n_j f1_j ,   beta   = r_e lambda^2 / (2 pi) sum_j n_j f2_j ,
    delta_m = r_e lambda^2 / (2 pi) sum_j s_j n_j f1m_j, beta_m = r_e lambda^2 / (2 pi) sum_j s_j n_j f2m_j,

with ``f1 = Z + f'`` (xraydb/Chantler convention, as in ``xraydb.xray_delta_beta``) plus the resonant
white lines of :mod:`spinscope.materials.resonant`, and ``s_j = ±1`` the orientation of species ``j``
relative to the net magnetisation (``species_sign``). For helicity ``sigma`` and magnetisation
projection ``k.m`` the index is ``n = 1 - (delta + sigma (k.m) delta_m) + i (beta + sigma (k.m) beta_m)``
(:mod:`spinscope.conventions`).
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import xarray as xr

from spinscope.constants import HC_EV_M, N_A
from spinscope.errors import DataRangeError, MaterialError
from spinscope.materials import _xdb
from spinscope.materials.resonant import resonant_factors, resonant_source

__all__ = [
    "FERRIMAGNET_SIGNS",
    "Material",
    "get_material",
    "known_materials",
    "parse_formula",
    "scattering_factors",
]

#: Orientation (``species_sign``) of the rare-earth moments relative to the net magnetisation taken
#: along the transition-metal sublattice in RE-TM ferrimagnets: the 4f moments of the heavy rare
#: earths couple antiparallel to the 3d moments (Hansen et al., J. Appl. Phys. 66, 756 (1989) for
#: amorphous Tb-Co and Gd-Co), so their XMCD at the RE M5 / N5 edges has the opposite sign to the TM L3
#: XMCD of the same film. Used wherever one magnetisation drives the contrast of every species of a
#: layer (STXM, the transmission table); the species-resolved exit wave carries the sublattice signs
#: in its per-species magnetisation instead.
FERRIMAGNET_SIGNS = {"Gd": -1, "Tb": -1, "Dy": -1, "Ho": -1}

#: Avogadro constant [1/mol] (exact; :data:`spinscope.constants.N_A`).
AVOGADRO = N_A
_TOKEN = re.compile(r"([A-Z][a-z]?)(\d*\.?\d*(?:[eE][-+]?\d+)?)")


def parse_formula(formula: str) -> dict[str, float]:
    """Parse ``"Fe"``, ``"Si3N4"``, ``"Co80Tb20"`` or ``"Gd25Fe65.6Co9.4"`` into atomic fractions.

    Parameters
    ----------
    formula
        Element symbols each followed by an optional (decimal) proportion.

    Returns
    -------
    dict
        Element symbol -> atomic fraction (summing to 1), in order of appearance.

    Raises
    ------
    MaterialError
        Malformed formula or unknown element.
    """
    text = str(formula).strip()
    pos = 0
    counts: dict[str, float] = {}
    for m in _TOKEN.finditer(text):
        if m.start() != pos:
            break
        sym, num = m.group(1), m.group(2)
        if sym not in _xdb.known_symbols():
            _unknown(sym, text)
        try:
            val = float(num) if num else 1.0
        except ValueError:
            _malformed(text)
        if val <= 0:
            _malformed(text)
        counts[sym] = counts.get(sym, 0.0) + val
        pos = m.end()
    if pos != len(text) or not counts:
        _malformed(text)
    total = sum(counts.values())
    return {k: v / total for k, v in counts.items()}


def _unknown(sym: str, text: str):
    raise MaterialError(f"unknown element {sym!r} in material {text!r}", field="material")


def _malformed(text: str):
    raise MaterialError(
        f"cannot read material {text!r}: expected an element ('Fe'), a formula ('Si3N4', "
        f"'Co80Tb20') or a known material ({', '.join(sorted(known_materials()))})",
        field="material",
    )


@lru_cache(maxsize=1)
def known_materials() -> dict[str, dict[str, Any]]:
    """The table of named materials (``data/materials.toml``): formula, density [g/cm^3], source."""
    text = resources.files("spinscope.materials").joinpath("data/materials.toml").read_text(
        encoding="utf-8"
    )
    return tomllib.loads(text)


def scattering_factors(symbol: str, energy) -> tuple[np.ndarray, ...]:
    """Total scattering factors of one element: Chantler plus the resonant model.

    Parameters
    ----------
    symbol
        Element symbol.
    energy
        Photon energy [eV].

    Returns
    -------
    tuple of numpy.ndarray
        ``(f1, f2, f1m, f2m)`` [electrons/atom]; ``f1`` includes ``Z``.
    """
    e = np.asarray(energy, dtype=float)
    df1, df2, f1m, f2m = resonant_factors(symbol, e)
    return _xdb.f1_chantler(symbol, e) + df1, _xdb.f2_chantler(symbol, e) + df2, f1m, f2m


def _check_energy(energy, elements, *, field_name: str = "energy") -> np.ndarray:
    e = np.asarray(energy, dtype=float)
    if not np.all(np.isfinite(e)):
        raise DataRangeError("energy must be finite [eV]", field=field_name)
    lo = max(_xdb.chantler_range(s)[0] for s in elements)
    hi = min(_xdb.chantler_range(s)[1] for s in elements)
    if e.size and (e.min() < lo or e.max() > hi):
        bad = e.min() if e.min() < lo else e.max()
        raise DataRangeError(
            f"energy {bad:g} eV outside the valid range {lo:g}-{hi:g} eV of the tables "
            f"(xraydb Chantler) for {'/'.join(elements)}",
            field=field_name,
        )
    return e


def _dataset(e, delta, beta, dms, bms, species, attrs):
    scalar = e.ndim == 0
    edim: tuple[str, ...] = () if scalar else ("energy",)
    if e.ndim > 1:
        raise DataRangeError("energy must be a scalar or 1-d array [eV]", field="energy")
    var_attrs = {"units": ""}
    ds = xr.Dataset(
        {
            "delta": (edim, delta, dict(var_attrs, long_name="charge dispersive index delta")),
            "beta": (edim, beta, dict(var_attrs, long_name="charge absorptive index beta")),
            "delta_m": (edim, dms.sum(axis=0), dict(var_attrs, long_name="magnetic delta_m")),
            "beta_m": (edim, bms.sum(axis=0), dict(var_attrs, long_name="magnetic beta_m")),
            "delta_m_species": (("species", *edim), dms, dict(var_attrs)),
            "beta_m_species": (("species", *edim), bms, dict(var_attrs)),
        },
        coords={
            "energy": (edim, e, {"units": "eV"}),
            "species": ("species", list(species), {"units": ""}),
        },
        attrs=attrs,
    )
    return ds


def _check_signs(species_sign, elements) -> dict[str, float]:
    signs = {s: 1.0 for s in elements}
    for k, v in (species_sign or {}).items():
        if k not in signs:
            raise MaterialError(
                f"species_sign: {k!r} is not in the material ({', '.join(elements)})",
                field="species_sign",
            )
        v = float(v)
        if not -1.0 <= v <= 1.0:
            raise MaterialError(f"species_sign: {k} must lie in [-1, 1] (±1), got {v}",
                                field="species_sign")
        signs[k] = v
    return signs


@dataclass(frozen=True)
class Material:
    """A homogeneous material: composition, density and optical constants.

    Attributes
    ----------
    formula
        The formula or name as given (``"Fe"``, ``"Co80Tb20"``).
    composition
        Element symbol -> atomic fraction (sums to 1).
    density
        Mass density [kg/m^3].
    number_density
        Atoms per volume [1/m^3].
    density_source
        Where the density comes from.
    """

    formula: str
    composition: dict[str, float]
    density: float
    number_density: float = field(init=False)
    density_source: str = ""

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.formula, tuple(self.composition.items()),
                     self.density))

    def __post_init__(self):
        if not (math.isfinite(self.density) and self.density > 0):
            raise MaterialError(f"density must be positive [kg/m^3], got {self.density}",
                                field="density")
        mean_mass = sum(x * _xdb.atomic_mass(s) for s, x in self.composition.items())
        object.__setattr__(self, "number_density", self.density / (mean_mass * 1e-3 / AVOGADRO))

    @property
    def elements(self) -> tuple[str, ...]:
        """Element symbols in order of the formula."""
        return tuple(self.composition)

    @property
    def source(self) -> str:
        """Citation of the data used for the optical constants."""
        parts = [resonant_source(s) for s in self.elements]
        res = [p for p in parts if not p.startswith("xraydb Chantler")]
        return "; ".join(dict.fromkeys(res)) if res else "xraydb Chantler (non-resonant)"

    def optical_constants(self, energy, *, species_sign: dict[str, float] | None = None):
        """Charge and magnetic optical constants.

        Parameters
        ----------
        energy
            Photon energy [eV], scalar or 1-d.
        species_sign
            Element -> orientation of that sublattice relative to the net magnetisation, ``+1``
            (default for all) or ``-1``. For ferrimagnets pass e.g. ``{"Tb": -1}`` for CoTb or
            ``{"Gd": -1}`` for GdFeCo (rare-earth moments antiparallel to the transition metal ones);
            which sublattice is parallel to the net moment depends on composition and temperature
            (compensation point).

        Returns
        -------
        xarray.Dataset
            ``delta``, ``beta``, ``delta_m``, ``beta_m`` along ``energy`` and ``delta_m_species``,
            ``beta_m_species`` along (``species``, ``energy``) [dimensionless]; ``beta_m`` is the sum
            over species of ``beta_m_species`` (signs applied).

        Raises
        ------
        DataRangeError
            Energy outside the tables.
        """
        e = _check_energy(energy, self.elements)
        signs = _check_signs(species_sign, self.elements)
        lam = HC_EV_M / e
        pref = _xdb.R_E * lam**2 / (2.0 * np.pi)
        delta = np.zeros_like(e)
        beta = np.zeros_like(e)
        dms, bms = [], []
        for s, x in self.composition.items():
            f1, f2, f1m, f2m = self._factors(s, e)
            n_j = x * self.number_density
            delta = delta + pref * n_j * f1
            beta = beta + pref * n_j * f2
            dms.append(signs[s] * pref * n_j * f1m)
            bms.append(signs[s] * pref * n_j * f2m)
        attrs = {"formula": self.formula, "density": self.density, "source": self.source}
        return _dataset(e, delta, beta, np.array(dms), np.array(bms), self.elements, attrs)

    def _factors(self, symbol, e):
        return scattering_factors(symbol, e)

    def absorption_length(self, energy):
        """Intensity attenuation length ``lambda / (4 pi beta)`` (helicity-averaged) [m].

        Parameters
        ----------
        energy
            Photon energy [eV].

        Returns
        -------
        float or numpy.ndarray
            1/e intensity length [m].
        """
        beta = self.optical_constants(energy)["beta"].values
        out = HC_EV_M / np.asarray(energy, dtype=float) / (4.0 * np.pi * beta)
        return float(out) if np.ndim(out) == 0 else out

    def refractive_index(self, energy, *, helicity: int = 0, projection=1.0,
                         species_sign: dict[str, float] | None = None):
        """Complex index ``1 - (delta + s p delta_m) + i (beta + s p beta_m)``.

        Parameters
        ----------
        energy
            Photon energy [eV].
        helicity
            +1, -1 (circular; photon spin along / against +z) or 0 (linear).
        projection
            ``k . m``, projection of the unit magnetisation on the beam [dimensionless].
        species_sign
            As in :meth:`optical_constants`.

        Returns
        -------
        complex or numpy.ndarray
            Refractive index [dimensionless].
        """
        if helicity not in (1, -1, 0):
            raise MaterialError(f"helicity must be +1, -1 or 0, got {helicity!r}", field="helicity")
        ds = self.optical_constants(energy, species_sign=species_sign)
        sp = helicity * np.asarray(projection, dtype=float)
        n = 1.0 - (ds["delta"].values + sp * ds["delta_m"].values) + 1j * (
            ds["beta"].values + sp * ds["beta_m"].values
        )
        return complex(n) if np.ndim(n) == 0 else n


def get_material(name: str, *, density: float | None = None) -> Material:
    """Look up a material by element symbol, formula or known name.

    Parameters
    ----------
    name
        ``"Fe"``, ``"Co80Tb20"``, ``"Gd25Fe65.6Co9.4"``, ``"Si3N4"``, or a name from
        :func:`known_materials` (``"Permalloy"``).
    density
        Mass density [kg/m^3]; defaults to the element's bulk density (xraydb) or the cited value
        of the known-materials table (``data/materials.toml``).

    Returns
    -------
    Material

    Raises
    ------
    MaterialError
        Unknown element or name, or a compound without a known density and none given.
    """
    if not isinstance(name, str) or not name.strip():
        raise MaterialError(f"material: expected a name such as 'Fe' or 'Co80Tb20', got {name!r}",
                            field="material")
    name = name.strip()
    table = known_materials()
    key = next((k for k in table if k.lower() == name.lower()), None)
    if key is not None:
        entry = table[key]
        comp = parse_formula(entry["formula"])
        rho = float(entry["density"]) * 1000.0
        src = entry.get("source", "")
    else:
        comp = parse_formula(name)
        if len(comp) == 1:
            sym = next(iter(comp))
            rho = _xdb.element_density(sym)
            src = "xraydb bulk density of the element"
        else:
            rho = None
            src = ""
    if density is not None:
        rho = float(density)
        src = "given"
        if not (math.isfinite(rho) and rho > 0):
            raise MaterialError(f"density must be positive [kg/m^3], got {density!r}",
                                field="density")
        if rho < 50.0:
            raise MaterialError(
                f"density {rho:g} kg/m^3 is implausibly small; it is in kg/m^3 "
                f"(8.9 g/cm^3 = 8900 kg/m^3)", field="density")
    if rho is None:
        raise MaterialError(
            f"no known density for {name!r}: pass density (e.g. density=8900.0 [kg/m^3], "
            f"--density '8.9 g/cm^3')",
            field="density",
        )
    return Material(formula=key or name, composition=comp, density=rho, density_source=src)
