"""The closed forms of spinscope.testing, each against the model it pins."""

from __future__ import annotations

import numpy as np
import pytest

from spinscope import testing as T


def test_reexports_resolve():
    for name in T.__all__:
        assert callable(getattr(T, name))


def test_airy_first_zero_is_1p22_dr_for_a_zone_plate():
    from spinscope.optics.zone_plate import ZonePlate
    from spinscope.units import energy_to_wavelength

    zp = ZonePlate(diameter=240e-6, outer_zone_width=25e-9)
    lam = energy_to_wavelength(707.0)
    assert T.airy_first_zero(lam, zp.numerical_aperture(707.0)) == pytest.approx(1.2197 * 25e-9, rel=1e-4)
    assert zp.first_zero(707.0) == pytest.approx(T.airy_first_zero(lam, zp.numerical_aperture(707.0)),
                                                 rel=1e-3)


def test_slit_far_field_matches_an_fft_of_a_slit():
    n, dx, a = 4096, 1e-9, 64e-9
    x = (np.arange(n) - n // 2) * dx
    field = (np.abs(x) < a / 2).astype(float)
    a = field.sum() * dx  # the sampled slit: 63 whole cells
    power = np.abs(np.fft.fft(np.fft.ifftshift(field))) ** 2
    k = 2 * np.pi * np.fft.fftfreq(n, dx)
    expected = T.slit_far_field(k, a) * power[0]
    sel = np.abs(k) < 4 * 2 * np.pi / a
    # a sampled slit (Dirichlet kernel) against sinc^2: agreement to the discretisation
    assert np.max(np.abs(power[sel] - expected[sel])) < 2e-3 * power[0]


def test_stripe_peak_and_beer_lambert():
    assert T.stripe_peak_q(100e-9) == pytest.approx(2 * np.pi / 100e-9)
    assert T.beer_lambert_transmission(17e-9, 17e-9) == pytest.approx(np.exp(-1))


def test_larmor_and_gilbert_against_a_macrospin_llg():
    """Integrate the Landau-Lifshitz-Gilbert equation of one moment in B along z (scipy) and compare the
    precession frequency and the decay of the transverse component with the closed forms."""
    from scipy.integrate import solve_ivp

    from spinscope.micromagnetics import GAMMA

    assert T.GAMMA == GAMMA
    B, alpha = 0.1, 0.02
    b = np.array([0.0, 0.0, B])

    def llg(_t, m):
        mxb = np.cross(m, b)
        return -GAMMA / (1 + alpha**2) * (mxb + alpha * np.cross(m, mxb))

    theta0 = 0.05
    m0 = np.array([np.sin(theta0), 0.0, np.cos(theta0)])
    tau = T.gilbert_decay_time(B, alpha)
    t = np.linspace(0, 2 * tau, 4001)
    sol = solve_ivp(llg, (0, t[-1]), m0, t_eval=t, rtol=1e-10, atol=1e-12, method="DOP853")
    mx, my = sol.y[0], sol.y[1]
    perp = np.hypot(mx, my)
    # small-angle decay: sin(theta) ~ theta0 exp(-t/tau) (tan(theta/2) decays exactly so)
    assert perp[-1] / perp[0] == pytest.approx(np.exp(-2.0), rel=2e-3)
    phase = np.unwrap(np.arctan2(my, mx))
    f = abs(phase[-1] - phase[0]) / (2 * np.pi * t[-1])
    assert f == pytest.approx(T.larmor_frequency(B) / (1 + alpha**2), rel=1e-6)
    assert T.larmor_frequency(1.0) == pytest.approx(28.0e9, rel=2e-3)  # ~28 GHz/T for the electron
