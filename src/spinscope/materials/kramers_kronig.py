"""Kramers–Kronig dispersion relations of atomic scattering factors (charge and magnetic parts).

Sign convention (Henke et al., At. Data Nucl. Data Tables 54, 181 (1993)): ``f = f1 + i f2`` with
``f2 >= 0`` for absorption, ``delta ∝ f1`` and ``beta ∝ f2``. The charge part is even/odd
(``f1(-E) = f1(E)``, ``f2(-E) = -f2(E)``), which folds the Hilbert transform onto positive energies as

    f1(E) - Z* = (2/pi) P int_0^inf  eps f2(eps) / (E^2 - eps^2)  d eps .

The magnetic (helicity-difference) part has the opposite symmetry (``f1m`` odd, ``f2m`` even in
``E``; it changes sign with the magnetisation, i.e. under time reversal), so ``E`` replaces
``eps`` in the numerator:

    f1m(E) = (2/pi) P int_0^inf  E f2m(eps) / (E^2 - eps^2)  d eps ,

with no constant (Kortright & Kim, Phys. Rev. B 62, 12216 (2000); Hecht, *Optics*, for the
general even/odd folding). Near a narrow resonance (``eps ≈ E``) the two kernels coincide; far
from it they differ, which is why both are provided.

Numerical method
    ``f2`` is taken as piecewise linear between the given nodes and zero outside them, and the
    principal-value integral is done *analytically* on every segment (the piecewise-polynomial
    approach of B. Watts, Opt. Express 22, 23628 (2014), lowest order). With the partial fractions
    ``eps/(E^2-eps^2) = [1/(E-eps) - 1/(E+eps)]/2`` each segment contributes logarithms; the log
    singularities of adjacent segments cancel exactly for a continuous ``f2`` so the principal value
    needs no special handling, and it is exact on any *non-uniform* grid. This was chosen over an FFT
    (discrete Hilbert transform) because X-ray tables are log-spaced over six decades of energy with
    edges: an FFT would need a uniform grid of ~10^8 points or resampling that smears edges, and its
    periodic wrap-around corrupts the ends. Cost is O(M N) for M output and N input energies, done in
    blocks to bound memory.
"""

from __future__ import annotations

import numpy as np

__all__ = ["kramers_kronig", "kk_charge", "kk_magnetic", "relativistic_z_star"]

_BLOCK = 1024


def relativistic_z_star(z: int | float) -> float:
    """High-energy limit ``Z* = Z - (Z/82.5)^2.37`` of ``f1`` (Henke et al. 1993, eq. 6).

    Parameters
    ----------
    z
        Atomic number [dimensionless].

    Returns
    -------
    float
        ``Z*`` [electrons].
    """
    return float(z) - (float(z) / 82.5) ** 2.37


def _xlogx(u: np.ndarray) -> np.ndarray:
    a = np.abs(u)
    out = np.zeros_like(u)
    nz = a > 0
    out[nz] = u[nz] * np.log(a[nz])
    return out


def _safe_log_abs(u: np.ndarray) -> np.ndarray:
    a = np.abs(u)
    with np.errstate(divide="ignore"):
        return np.where(a > 0, np.log(np.where(a > 0, a, 1.0)), -np.inf)


def _integrals(e_out: np.ndarray, eps: np.ndarray, f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``I- = P int f/(E-eps)`` and ``I+ = int f/(E+eps)`` for piecewise-linear ``f`` on ``eps``."""
    b = np.diff(f) / np.diff(eps)  # slopes, N-1
    f0, fn = f[0], f[-1]
    i_minus = np.empty_like(e_out)
    i_plus = np.empty_like(e_out)
    for start in range(0, e_out.size, _BLOCK):
        e = e_out[start : start + _BLOCK, None]
        u = e - eps[None, :]
        gu = _xlogx(u)
        v = e + eps[None, :]
        gv = v * np.log(v)
        with np.errstate(invalid="ignore"):
            end_m = np.where(f0 != 0, f0 * _safe_log_abs(u[:, 0]), 0.0) - np.where(
                fn != 0, fn * _safe_log_abs(u[:, -1]), 0.0
            )
        i_minus[start : start + _BLOCK] = end_m + (gu[:, :-1] - gu[:, 1:]) @ b - (fn - f0)
        i_plus[start : start + _BLOCK] = (
            fn * np.log(v[:, -1]) - f0 * np.log(v[:, 0]) - (gv[:, 1:] - gv[:, :-1]) @ b + (fn - f0)
        )
    return i_minus, i_plus


def _prepare(energy, f2, e_out):
    eps = np.asarray(energy, dtype=float).ravel()
    f = np.asarray(f2, dtype=float).ravel()
    if eps.shape != f.shape or eps.size < 2:
        raise ValueError("energy and f2 must be 1-d arrays of equal length >= 2")
    if not (np.all(np.isfinite(eps)) and np.all(np.isfinite(f))):
        raise ValueError("energy and f2 must be finite")
    if np.any(eps <= 0):
        raise ValueError("energies must be positive [eV]")
    order = np.argsort(eps, kind="stable")
    eps, f = eps[order], f[order]
    keep = np.concatenate([[True], np.diff(eps) > 0])  # drop exact duplicates (edge doubling)
    eps, f = eps[keep], f[keep]
    out = eps if e_out is None else np.asarray(e_out, dtype=float)
    if np.any(out <= 0):
        raise ValueError("output energies must be positive [eV]")
    return eps, f, out


def kk_charge(energy, f2, e_out=None):
    """Dispersive charge part from absorptive: ``(2/pi) P int eps f2(eps)/(E^2 - eps^2) d eps``.

    Parameters
    ----------
    energy
        Nodes of ``f2``, positive, any spacing [eV]; ``f2`` is linear between nodes and 0 outside.
    f2
        Absorptive part at the nodes [electrons/atom] (a full ``f2`` or a resonant difference).
    e_out
        Energies where the result is wanted [eV]; the nodes when ``None``.

    Returns
    -------
    numpy.ndarray
        ``f1 - Z*`` (or the dispersive partner of a difference) at ``e_out`` [electrons/atom].
    """
    eps, f, out = _prepare(energy, f2, e_out)
    shape = np.shape(out)
    i_minus, i_plus = _integrals(np.ravel(out).astype(float), eps, f)
    return ((i_minus - i_plus) / np.pi).reshape(shape)


def kk_magnetic(energy, f2m, e_out=None):
    """Dispersive magnetic part: ``(2/pi) P int E f2m(eps)/(E^2 - eps^2) d eps``.

    Parameters
    ----------
    energy
        Nodes of ``f2m`` [eV]; piecewise linear between nodes, 0 outside.
    f2m
        Magnetic absorptive part at the nodes [electrons/atom].
    e_out
        Output energies [eV]; the nodes when ``None``.

    Returns
    -------
    numpy.ndarray
        ``f1m`` at ``e_out`` [electrons/atom].
    """
    eps, f, out = _prepare(energy, f2m, e_out)
    shape = np.shape(out)
    i_minus, i_plus = _integrals(np.ravel(out).astype(float), eps, f)
    return ((i_minus + i_plus) / np.pi).reshape(shape)


def kramers_kronig(energy, f2, *, kind: str = "charge", e_out=None, z_star: float = 0.0):
    """Kramers–Kronig transform of an absorptive spectrum ``f2`` into its dispersive partner ``f1``.

    Parameters
    ----------
    energy
        Energies of the ``f2`` samples, positive, strictly increasing after sorting [eV]. ``f2`` is
        interpolated linearly between samples and taken as zero outside them: extend the spectrum
        (e.g. with a tabulated one) or transform only a *difference* that vanishes at the ends.
    f2
        Absorptive part [electrons/atom].
    kind
        ``"charge"`` (even ``f1``; kernel ``eps/(E^2-eps^2)``) or ``"magnetic"`` (odd ``f1m``;
        kernel ``E/(E^2-eps^2)``).
    e_out
        Energies where ``f1`` is wanted [eV]; the input energies when ``None``.
    z_star
        Constant added to a charge result, e.g. :func:`relativistic_z_star` for a full ``f2`` whose
        ``f1`` tends to ``Z*`` at high energy [electrons/atom]. Must be 0 for ``"magnetic"``.

    Returns
    -------
    numpy.ndarray
        ``f1`` at ``e_out`` [electrons/atom].
    """
    if kind == "charge":
        return kk_charge(energy, f2, e_out) + z_star
    if kind == "magnetic":
        if z_star:
            raise ValueError("the magnetic dispersion relation has no constant term")
        return kk_magnetic(energy, f2, e_out)
    raise ValueError(f"kind must be 'charge' or 'magnetic', got {kind!r}")
