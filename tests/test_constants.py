"""spinscope.constants (from scipy.constants, CODATA), spinscope.timing and spinscope.serialise."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from spinscope import constants, timing
from spinscope.serialise import to_jsonable


def test_defining_constants_of_the_si_are_exact():
    # SI brochure, 9th edition (2019): h, e, k_B, N_A and c are fixed numbers
    assert constants.H == 6.62607015e-34
    assert constants.QE == 1.602176634e-19
    assert constants.K_B == 1.380649e-23
    assert constants.N_A == 6.02214076e23
    assert constants.C == 299792458.0
    assert constants.HBAR == pytest.approx(6.62607015e-34 / (2 * math.pi), rel=1e-15)
    assert constants.HC_EV_M == pytest.approx(1.239841984e-6, rel=1e-9)


def test_measured_constants_agree_with_codata_2018_and_2022():
    # CODATA 2018 (Tiesinga et al. 2021) and 2022 differ in the 10th digit
    assert constants.MU0 == pytest.approx(1.25663706212e-6, rel=2e-9)
    assert constants.MU0 == pytest.approx(4e-7 * math.pi, rel=2e-9)
    assert constants.GAMMA_E == pytest.approx(1.76085963023e11, rel=2e-9)
    assert constants.MU_B == pytest.approx(9.2740100783e-24, rel=2e-9)
    assert constants.R_E == pytest.approx(2.8179403262e-15, rel=2e-9)
    # g_e mu_B / hbar = gamma_e (|g_e| = 2.00231930436)
    assert constants.GAMMA_E == pytest.approx(2.00231930436 * constants.MU_B / constants.HBAR, rel=1e-10)


def test_one_home_for_the_constants():
    import spinscope.micromagnetics as mm
    from spinscope.evolution import vortex
    from spinscope.units import HC_EV_M

    assert mm.MU0 is constants.MU0 and vortex.MU0 is constants.MU0
    assert vortex.GAMMA_E is constants.GAMMA_E
    assert mm.GAMMA == 1.7595e11 == constants.GAMMA_LLG  # mumax3 GammaLL
    assert HC_EV_M is constants.HC_EV_M


def test_fwhm_and_sigma():
    assert timing.FWHM_PER_SIGMA == pytest.approx(2.354820045, rel=1e-9)
    assert timing.fwhm_to_sigma(timing.sigma_to_fwhm(3.0)) == pytest.approx(3.0, rel=1e-15)
    # a Gaussian of rms sigma falls to half at +- FWHM / 2
    sigma = 1.7
    assert math.exp(-0.5 * (timing.sigma_to_fwhm(sigma) / 2 / sigma) ** 2) == pytest.approx(0.5)
    assert np.allclose(timing.fwhm_to_sigma(np.array([2.0, 4.0])), [0.8493218, 1.6986436])


def test_sampling_attenuation_is_the_average_over_the_pulse():
    """A sinusoid averaged over a Gaussian pulse (direct quadrature) keeps exp(-(2 pi f sigma)^2 / 2)."""
    f, sigma, jitter = 6.25e9, timing.fwhm_to_sigma(50e-12), 10e-12
    s = np.linspace(-8, 8, 20001) * math.hypot(sigma, jitter)
    w = np.exp(-0.5 * s**2 / (sigma**2 + jitter**2))
    direct = np.sum(w * np.cos(2 * math.pi * f * s)) / np.sum(w)
    assert timing.sampling_attenuation(f, sigma, jitter) == pytest.approx(direct, rel=1e-9)
    assert timing.sampling_attenuation(6.25e9, timing.fwhm_to_sigma(50e-12)) == pytest.approx(0.706, abs=1e-3)
    assert timing.sampling_attenuation(np.array([0.0, 1.0]), 0.0).tolist() == [1.0, 1.0]


def test_to_jsonable():
    obj = {1: np.float32(0.5), "a": (np.int64(3), np.bool_(True)), "nan": float("nan"),
           "arr": np.array([[1.0, np.inf]]), "p": Path("/x/y"), "s": "t", "n": None}
    out = to_jsonable(obj)
    assert out == {"1": 0.5, "a": [3, True], "nan": None, "arr": [[1.0, None]], "p": "/x/y", "s": "t",
                   "n": None}
    json.dumps(out, allow_nan=False)
    kept = to_jsonable(obj, nonfinite="keep")
    assert math.isnan(kept["nan"]) and kept["arr"][0][1] == math.inf
    assert type(to_jsonable(np.float64(2.0))) is float and type(to_jsonable(np.int8(2))) is int


def test_harmonic_attenuation_is_the_sampling_attenuation_of_q_over_t():
    q = np.arange(40)
    got = timing.harmonic_attenuation(q, 2e-9, 20e-12)
    assert np.allclose(got, timing.sampling_attenuation(q / 2e-9, 20e-12), rtol=1e-12, atol=0)
