"""The phenomenological demagnetisation curve of spinscope.curves: closed form vs numerics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spinscope.curves import FWHM_TO_SIGMA, convolved_exp_step, demag_curve, gaussian_step
from spinscope.errors import DataRangeError


def _numerical_convolution(f, t, sigma, n=20001, span=12.0):
    """(G_sigma * f)(t) by brute-force quadrature on a fine grid."""
    s = np.linspace(-span * sigma, span * sigma, n)
    w = np.exp(-0.5 * (s / sigma) ** 2)
    w /= w.sum()
    return np.array([np.sum(w * f(ti - s)) for ti in t])


def test_step_has_the_erf_form():
    sigma = 40e-15
    t = np.linspace(-300e-15, 300e-15, 61)
    got = convolved_exp_step(t, 0.0, sigma)
    want = 0.5 * (1.0 + np.vectorize(math.erf)(t / (sigma * math.sqrt(2))))
    assert np.allclose(got, want, atol=1e-14)
    num = _numerical_convolution(lambda x: (x > 0) + 0.5 * (x == 0), t, sigma)
    assert np.allclose(got, num, atol=2e-4)


@pytest.mark.parametrize("tau", [20e-15, 100e-15, 2e-12])
def test_exponential_step_matches_numerical_convolution(tau):
    sigma = 50e-15
    t = np.linspace(-400e-15, 3e-12, 80)
    got = convolved_exp_step(t, 1.0 / tau, sigma)
    num = _numerical_convolution(lambda x: np.where(x > 0, np.exp(-np.clip(x, 0, None) / tau), 0.0),
                                 t, sigma)
    assert np.allclose(got, num, atol=3e-4)


def test_full_curve_matches_numerical_convolution_and_limits():
    kw = dict(t0=0.1e-12, amplitude=0.4, tau_m=0.15e-12, tau_r=1.5e-12, slow_fraction=0.3,
              tau_slow=200e-12)
    fwhm = 120e-15
    t = np.linspace(-0.5e-12, 5e-12, 120)
    got = demag_curve(t, fwhm=fwhm, **kw)
    bare = lambda x: demag_curve(x, fwhm=0.0, **kw)  # noqa: E731
    num = _numerical_convolution(bare, t, fwhm * FWHM_TO_SIGMA)
    assert np.allclose(got, num, atol=3e-4)
    # before the pump: m0; long after: the plateau of the slow part
    assert abs(demag_curve([-1e-12], fwhm=fwhm, **kw)[0] - 1.0) < 1e-12
    assert abs(bare(np.array([1e-12]))[0] - (1 - 0.4 * (1 - math.exp(-0.9 / 0.15))
               * (0.7 * math.exp(-0.9 / 1.5) + 0.3 * math.exp(-0.9 / 200)))) < 1e-12


def test_stable_for_tiny_sigma_and_large_times():
    t = np.array([-1e-9, -1e-15, 0.0, 1e-15, 1e-12, 1e-9, 1.0])
    for sigma in (1e-21, 1e-18, 1e-15):
        for rate in (1e10, 1e13, 1e16):
            v = convolved_exp_step(t, rate, sigma)
            assert np.all(np.isfinite(v)) and np.all(v >= 0) and np.all(v <= 1.0 + 1e-12)
    v = demag_curve(np.linspace(-1e-12, 1e-9, 1000), amplitude=0.5, tau_m=1e-16, tau_r=1e-12,
                    fwhm=1e-20)
    assert np.all(np.isfinite(v))


def test_two_step_type_ii_form():
    t = np.linspace(0, 200e-12, 400)
    m = demag_curve(t, amplitude=0.1, tau_m=0.5e-12, amplitude_2=0.2, tau_m2=40e-12)
    assert abs(m[-1] - (1 - 0.1 - 0.2 * (1 - math.exp(-5)))) < 1e-9
    assert gaussian_step(np.array([0.0]), 0.0)[0] == 0.5


@pytest.mark.parametrize("bad", [dict(tau_m=-1e-12), dict(tau_m=0.0), dict(tau_r=-1.0),
                                 dict(fwhm=-1e-15), dict(slow_fraction=1.5)])
def test_bad_parameters_raise(bad):
    kw = dict(amplitude=0.5, tau_m=1e-13, tau_r=1e-12)
    kw.update(bad)
    with pytest.raises(DataRangeError) as exc:
        demag_curve(np.linspace(0, 1e-12, 5), **kw)
    assert next(iter(bad)) in str(exc.value)
