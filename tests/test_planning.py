"""Planning: shot-noise photon budget (validated by a seeded Poisson simulation), resolution and
time-resolution budgets, and the ``spinscope plan`` command."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from spinscope.detectors import APD
from spinscope.errors import ConfigError
from spinscope.planning import (
    min_detectable_signal,
    photons_for_snr,
    pileup_penalty,
    plan_stxm,
    resolution_budget,
    snr_for_photons,
    time_resolution_budget,
)
from spinscope.sources import fwhm_to_sigma, ring_preset, sampling_attenuation


def _cli(argv):
    import spinscope.cli.main as cli_main
    from spinscope.cli import plan_cmd

    if "plan" not in {c.name for c in cli_main.app.registered_commands}:
        plan_cmd.register(cli_main.app)  # until cli.main lists plan_cmd
    return cli_main.main(argv)


def test_photon_formula_and_inverse():
    s, k = 1e-4, 3.0
    n = photons_for_snr(s, k)
    assert n == pytest.approx(k**2 * (2 + s) ** 2 / s**2)
    assert n == pytest.approx(4 * k**2 / s**2, rel=2e-4)  # 3.6e9
    assert snr_for_photons(s, n) == pytest.approx(k)
    assert min_detectable_signal(k, n) == pytest.approx(s)
    assert min_detectable_signal(5.0, 4.0) == math.inf


def test_injected_signal_detected_with_predicted_snr():
    """A relative signal of 1e-4 in 16384 pixels, Poisson counts, budget from plan_stxm."""
    s, k = 1e-4, 2.0
    plan = plan_stxm(signal=s, snr=k, flux=1e8, transmission=0.3, pixels=16384)
    rate = plan["detected_rate"]
    per_state = rate * plan["time_per_pixel"] / (2 + s)  # N in the reference measurement
    rng = np.random.default_rng(20261121)
    pumped = rng.poisson(per_state * (1 + s), size=plan["pixels"])
    reference = rng.poisson(per_state, size=plan["pixels"])
    diff = (pumped - reference).astype(float)
    snr_measured = diff.mean() / diff.std(ddof=1)
    assert snr_measured == pytest.approx(k, rel=0.2)
    # the ratio estimator per pixel gives the same SNR
    ratio = pumped / reference - 1
    assert ratio.mean() / ratio.std(ddof=1) == pytest.approx(k, rel=0.2)
    # and the whole image sees it at sqrt(pixels) times the per-pixel SNR
    image_snr = diff.mean() / (diff.std(ddof=1) / math.sqrt(diff.size))
    assert image_snr == pytest.approx(k * math.sqrt(diff.size), rel=0.2)


def test_pileup_penalty_matches_binomial_simulation():
    mu = 1.0
    assert pileup_penalty(mu) == pytest.approx(math.e - 1)
    assert pileup_penalty(0.0) == pytest.approx(1.0)
    apd = APD(quantum_efficiency=1.0)
    n = 100_000
    est = apd.photons_from_counts(apd.counts(np.full(20_000, mu), n, rng=4), n)
    rel_var = est.var(ddof=1) / mu**2
    poisson_rel_var = 1.0 / (n * mu)
    assert rel_var / poisson_rel_var == pytest.approx(pileup_penalty(mu), rel=0.05)


def test_plan_with_ring_dwell_and_channels():
    ring = ring_preset("bessy2")
    out = plan_stxm(
        signal=1e-3, snr=5, flux=1e8, transmission=0.5, pixels=100, channels=8, dwell=1e-3, ring=ring
    )
    assert out["photons_per_channel"] == pytest.approx(photons_for_snr(1e-3, 5))
    assert out["photons_per_pixel"] == pytest.approx(8 * out["photons_per_channel"])
    assert out["mean_photons_per_bunch"] == pytest.approx(5e7 / ring.bunch_rate)
    assert out["time_per_pixel"] == pytest.approx(out["photons_per_pixel"] / 5e7 * out["pileup_penalty"])
    assert out["scans"] == math.ceil(out["time_per_pixel"] / 1e-3)
    assert out["total_time"] == pytest.approx(out["scans"] * 1e-3 * 100)
    with pytest.raises(ConfigError, match="shorter than one revolution"):
        plan_stxm(signal=1e-3, snr=5, flux=1e8, dwell=100e-9, ring=ring)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"signal": 0.0, "snr": 1, "flux": 1e8},
        {"signal": 1e-3, "snr": -1, "flux": 1e8},
        {"signal": 1e-3, "snr": 1, "flux": 0.0},
        {"signal": 1e-3, "snr": 1, "flux": 1e8, "transmission": 1.5},
        {"signal": 1e-3, "snr": 1, "flux": 1e8, "pixels": 0},
        {"signal": 1e-3, "snr": 1, "flux": 1e8, "dwell": -1.0},
    ],
)
def test_plan_bad_input(kwargs):
    with pytest.raises(ConfigError):
        plan_stxm(**kwargs)


def test_resolution_budget_rule():
    r = resolution_budget(outer_zone_width=25e-9, jitter_rms=5e-9, pixel_size=10e-9)
    assert r["optical"] == pytest.approx(30.5e-9)
    assert r["jitter"] == pytest.approx(2.35482 * 5e-9, rel=1e-5)
    assert r["resolution"] == pytest.approx(math.sqrt(30.5**2 + (2.35482 * 5) ** 2 + 10**2) * 1e-9)
    assert r["nyquist"] is True
    assert resolution_budget(optical_resolution=30e-9, pixel_size=20e-9)["nyquist"] is False
    with pytest.raises(ConfigError):
        resolution_budget(outer_zone_width=-1e-9)
    with pytest.raises(ConfigError):
        resolution_budget()


def test_time_resolution_budget():
    sb = fwhm_to_sigma(50e-12)
    t = time_resolution_budget(bunch_rms=sb, jitter_rms=0.0, frequency=6.25e9)
    assert t["time_resolution"] == pytest.approx(50e-12)
    assert t["attenuation"] == pytest.approx(0.706, abs=1e-3)
    t2 = time_resolution_budget(bunch_rms=sb, jitter_rms=fwhm_to_sigma(20e-12))
    assert t2["time_resolution"] == pytest.approx(math.hypot(50, 20) * 1e-12)
    assert sampling_attenuation(6.25e9, sb) == pytest.approx(t["attenuation"])


def test_cli_plan_json(capsys):
    rc = _cli(
        [
            "plan",
            "--signal",
            "1e-4",
            "--snr",
            "3",
            "--flux",
            "1e8 /s",
            "--transmission",
            "0.3",
            "--pixels",
            "4096",
            "--json",
        ]
    )
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["photons_per_pixel"] == pytest.approx(3.6e9, rel=1e-3)
    assert out["time_per_pixel"] == pytest.approx(3.6e9 / 3e7, rel=1e-3)
    assert out["total_time"] == pytest.approx(4096 * out["time_per_pixel"])
    rc = _cli(
        [
            "plan",
            "--signal",
            "1e-3",
            "--snr",
            "3",
            "--flux",
            "1e8 photons/s",
            "--ring",
            "spear3",
            "--dwell",
            "2 ms",
        ]
    )
    assert rc == 0
    assert "scans" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["--signal", "1e-4", "--snr", "3", "--flux", "1e8 /s", "--dwell", "100 ns"],
        ["--signal", "1e-4", "--snr", "3", "--flux", "5 eV"],
        ["--signal", "1e-4", "--snr", "0", "--flux", "1e8 /s"],
        ["--signal", "1e-4", "--snr", "3", "--flux", "-1e8 /s"],
        ["--signal", "1e-4", "--snr", "3", "--flux", "1e8 /s", "--transmission", "2"],
        ["--signal", "1e-4", "--snr", "3", "--flux", "1e8 /s", "--ring", "nowhere"],
    ],
)
def test_cli_plan_bad_input(argv, capsys):
    rc = _cli(["plan", *argv])
    lines = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    assert len(lines) == 1 and lines[0].startswith("spinscope: error: ")
