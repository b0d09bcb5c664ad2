"""Kramers–Kronig transforms: analytic line shapes, the full Chantler table, the white-line model."""

from __future__ import annotations

import numpy as np
import pytest

from spinscope.materials.kramers_kronig import (
    kk_charge,
    kk_magnetic,
    kramers_kronig,
    relativistic_z_star,
)

E0, G = 700.0, 1.0


def _lor(x):
    return G / (x**2 + G**2)


def _disp(x):
    return x / (x**2 + G**2)


def test_lorentzian_charge_gives_analytic_dispersion():
    e = np.linspace(400.0, 1000.0, 60001)
    f2 = _lor(e - E0) - _lor(e + E0)  # odd continuation of a line at E0
    out = np.array([650.0, 695.0, 699.5, 700.0, 700.7, 705.0, 760.0])
    f1 = kk_charge(e, f2, out)
    exact = _disp(out - E0) + _disp(-out - E0)  # Henke sign: f1 < 0 below, > 0 above
    assert np.allclose(f1, exact, atol=2e-3 * np.abs(exact).max())
    assert f1[1] < 0 < f1[4]


def test_lorentzian_magnetic_kernel_is_odd_partner():
    e = np.linspace(400.0, 1000.0, 60001)
    f2m = _lor(e - E0) + _lor(e + E0)  # even in E
    out = np.array([650.0, 699.0, 701.0, 760.0])
    f1m = kk_magnetic(e, f2m, out)
    exact = _disp(out - E0) - _disp(-out - E0)
    assert np.allclose(f1m, exact, atol=2e-3 * np.abs(exact).max())
    # the two kernels differ far from the line: charge and magnetic partners are not the same
    far = np.array([300.0])
    assert not np.isclose(kk_charge(e, f2m, far)[0], kk_magnetic(e, f2m, far)[0], rtol=0.2)


def test_kramers_kronig_dispatch_and_errors():
    e = np.linspace(1.0, 10.0, 50)
    f = np.exp(-((e - 5) ** 2))
    assert np.allclose(kramers_kronig(e, f, kind="charge", z_star=3.0), kk_charge(e, f) + 3.0)
    assert np.allclose(kramers_kronig(e, f, kind="magnetic"), kk_magnetic(e, f))
    with pytest.raises(ValueError):
        kramers_kronig(e, f, kind="nope")
    with pytest.raises(ValueError):
        kramers_kronig(e, f, kind="magnetic", z_star=1.0)
    with pytest.raises(ValueError):
        kk_charge(-e, f)


def _refined_chantler(symbol):
    import xraydb

    e = np.unique(xraydb.chantler_energies(symbol))
    le = np.log(e[e <= 1e6])
    fine = np.exp(np.unique(np.concatenate([le + t * np.diff(le, append=le[-1]) for t in
                                            (0.0, 0.25, 0.5, 0.75)])))
    return fine, xraydb.f2_chantler(symbol, fine)


@pytest.mark.parametrize(
    ("symbol", "energies"),
    [("Fe", (300.0, 600.0, 1000.0, 3000.0)), ("Co", (300.0, 600.0, 1500.0, 3000.0)),
     ("Ni", (300.0, 600.0, 1500.0, 5000.0))],
)
def test_kk_of_full_chantler_f2_reproduces_xraydb_f1(symbol, energies):
    import xraydb

    e, f2 = _refined_chantler(symbol)
    z = xraydb.atomic_number(symbol)
    out = np.array(energies)
    f1 = kramers_kronig(e, f2, kind="charge", e_out=out, z_star=relativistic_z_star(z))
    ref = z + xraydb.f1_chantler(symbol, out)
    err = np.abs(f1 / ref - 1.0)
    assert err.max() < 0.02, dict(zip(energies, err, strict=True))


def test_voigt_line_model_is_kk_consistent():
    """The analytic (Faddeeva) partners of the white lines equal the numerical transforms."""
    from spinscope.materials.resonant import _charge, _magnetic

    e = np.concatenate([np.geomspace(1.0, 690.0, 3000), np.linspace(690.0, 730.0, 8001)[1:],
                        np.geomspace(730.0, 1e5, 3000)[1:]])
    out = np.array([650.0, 705.0, 707.0, 708.5, 712.0, 800.0])
    f1, f2 = _charge(e, 707.8, 1.2, 1.8)
    f1n = kk_charge(e, f2, out)
    assert np.allclose(f1n, np.interp(out, e, f1), atol=0.01 * np.abs(f1).max())
    f1m, f2m = _magnetic(e, 707.8, 1.2, 1.8)
    f1mn = kk_magnetic(e, f2m, out)
    assert np.allclose(f1mn, np.interp(out, e, f1m), atol=0.01 * np.abs(f1m).max())
