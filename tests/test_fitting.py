"""spinscope.fitting.fit_curve: recovers known parameters and agrees with scipy's curve_fit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import curve_fit

from spinscope.fitting import Param, fit_curve


def _decay(x, a, tau, c):
    return a * np.exp(-x / tau) + c


@pytest.mark.parametrize("method", ["leastsq", "least_squares"])
def test_recovers_parameters_and_matches_curve_fit(method):
    rng = np.random.default_rng(7)
    x = np.linspace(0, 10, 200)
    sig = 0.01
    y = _decay(x, 1.3, 2.2, 0.1) + rng.normal(0, sig, x.size)
    fit = fit_curve(_decay, x, y, {"a": 1.0, "tau": Param(1.0, 1e-3, 100.0), "c": 0.0},
                    sigma=np.full(x.size, sig), method=method)
    assert fit.success
    if method == "least_squares":
        p, cov = curve_fit(_decay, x, y, p0=[1.0, 1.0, 0.0], sigma=np.full(x.size, sig),
                           bounds=([-np.inf, 1e-3, -np.inf], [np.inf, 100.0, np.inf]))
    else:
        p, cov = curve_fit(_decay, x, y, p0=[1.0, 1.0, 0.0], sigma=np.full(x.size, sig))
    got = [fit.values[k] for k in ("a", "tau", "c")]
    assert np.allclose(got, p, rtol=1e-5)
    # errors scaled by the reduced chi-square, as curve_fit's (absolute_sigma=False)
    assert np.allclose([fit.errors[k] for k in ("a", "tau", "c")], np.sqrt(np.diag(cov)), rtol=1e-3)
    assert np.allclose(got, [1.3, 2.2, 0.1], atol=5 * max(fit.errors.values()))
    assert fit.rms == pytest.approx(np.sqrt(np.mean((_decay(x, *got) - y) ** 2)))
    assert fit.redchi == pytest.approx(1.0, abs=0.3)


def test_fixed_parameter_and_bounds():
    x = np.linspace(0, 5, 50)
    y = _decay(x, 2.0, 1.0, 0.5)
    fit = fit_curve(_decay, x, y, {"a": (1.0, 0.0, 1.5), "tau": 1.0, "c": Param(0.5, vary=False)},
                    method="least_squares")
    assert fit.values["c"] == 0.5 and "c" not in fit.errors
    assert fit.values["a"] <= 1.5


def test_derived_quantities_with_propagated_errors():
    rng = np.random.default_rng(3)
    x = np.linspace(0, 5, 80)
    y = _decay(x, 2.0, 1.0, 0.5) + rng.normal(0, 0.01, x.size)
    fit = fit_curve(_decay, x, y, {"a": 1.0, "tau": 1.0, "c": 0.0},
                    derived={"rate": "1 / tau", "twice_a": "2 * a"})
    plain = fit_curve(_decay, x, y, {"a": 1.0, "tau": 1.0, "c": 0.0})
    assert fit.values["tau"] == plain.values["tau"] and fit.errors["a"] == plain.errors["a"]
    assert fit.values["rate"] == pytest.approx(1 / fit.values["tau"])
    assert fit.errors["rate"] == pytest.approx(fit.errors["tau"] / fit.values["tau"] ** 2, rel=1e-6)
    assert fit.errors["twice_a"] == pytest.approx(2 * fit.errors["a"], rel=1e-6)
