"""Stroboscopic pump-probe timing (M/N scheme) and even/odd revolution normalisation."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from spinscope.acquisition import (
    StroboscopicScheme,
    channel_of_bucket,
    channels_from_time_tags,
    choose_ratio,
    parse_ratio,
    relative_signal,
    simulate_turn_counts,
    smear,
    smear_periodic,
    sort_into_channels,
    split_even_odd,
    stxm_timing,
)
from spinscope.detectors import APD, count_fraction
from spinscope.errors import ConfigError
from spinscope.sources import FillPattern, fwhm_to_sigma, sampling_attenuation

BESSY_RF = 499.654e6
SPEAR_RF = 476.3e6


def _cli(argv):
    import spinscope.cli.main as cli_main
    from spinscope.cli import stxm_cmd

    if "stxm" not in {g.name for g in cli_main.app.registered_groups}:
        stxm_cmd.register(cli_main.app)  # until cli.main lists stxm_cmd
    return cli_main.main(argv)


def test_ratio_for_spin_wave_snapshots_every_27_ps():
    """6.25 GHz (160 ps period) in ~27 ps snapshots means N = 6 phases.

    BESSY II RF: M = 6.25 GHz * 6 / 499.654 MHz = 75.05, but 75/6 has gcd 3 (2 phases only); the
    nearest coprime choices are 77/6 (6.412 GHz, 26.0 ps) and 73/6 (6.079 GHz, 27.4 ps).
    SPEAR3 RF: 79/6 gives 6.271 GHz and 26.6 ps.
    """
    m, n = choose_ratio(BESSY_RF, 6.25e9, 6)
    assert (m, n) == (77, 6)
    s = StroboscopicScheme(BESSY_RF, 73, 6)
    assert s.equivalent_time_step == pytest.approx(27.4e-12, rel=2e-3)
    assert s.excitation_frequency == pytest.approx(6.079e9, rel=1e-3)
    assert s.equivalent_time_step == pytest.approx(s.excitation_period / 6)
    assert choose_ratio(SPEAR_RF, 6.25e9, 6) == (79, 6)
    sp = StroboscopicScheme(SPEAR_RF, 79, 6)
    assert sp.equivalent_time_step == pytest.approx(26.58e-12, rel=1e-3)
    assert sp.excitation_frequency == pytest.approx(6.271e9, rel=1e-3)


def test_ratio_that_skips_phases_is_refused():
    with pytest.raises(ConfigError, match=r"gcd 3.*only 2 of 6 phases.*73/6.*77/6"):
        StroboscopicScheme(BESSY_RF, 75, 6)
    assert parse_ratio("79/6") == (79, 6)
    assert parse_ratio(" 79 : 6 ") == (79, 6)
    for bad in ("79", "a/b", "0/6", "-1/6"):
        with pytest.raises(ConfigError):
            parse_ratio(bad)


def _waveform(f):
    def w(t):
        ph = 2 * np.pi * f * np.asarray(t)
        return 0.3 + np.sin(ph + 0.4) + 0.25 * np.cos(2 * ph - 1.0) + 0.1 * np.sin(3 * ph)

    return w


@pytest.mark.parametrize(("rf", "m", "n"), [(BESSY_RF, 73, 6), (SPEAR_RF, 79, 6), (BESSY_RF, 163, 13)])
def test_noiseless_reconstruction_is_exact(rf, m, n):
    scheme = StroboscopicScheme(rf, m, n)
    w = _waveform(scheme.excitation_frequency)
    h = 400
    fill = FillPattern.hybrid(h, 300, 0.02)
    turns = np.arange(50)
    k = (turns[:, None] * h + fill.filled[None, :]).ravel()  # absolute bucket numbers
    samples = scheme.sample(w, k)  # no bunch length, no jitter
    sums, bunches = sort_into_channels(k, samples, m, n)
    assert np.all(bunches > 0)
    recon = sums / bunches
    truth = w(np.arange(n) * scheme.equivalent_time_step)
    assert np.max(np.abs(recon - truth)) < 1e-9
    assert np.allclose(scheme.channel_times, np.arange(n) / (m * rf))


def test_reconstruction_with_bunch_length_is_smeared_waveform():
    scheme = StroboscopicScheme(BESSY_RF, 73, 6, bunch_rms=fwhm_to_sigma(50e-12))
    f = scheme.excitation_frequency
    w = _waveform(f)
    k = np.arange(400 * 20)
    sums, bunches = sort_into_channels(k, scheme.sample(w, k), 73, 6)
    t = scheme.channel_times
    sig = scheme.smear_rms
    expected = (
        0.3
        + sampling_attenuation(f, sig) * np.sin(2 * np.pi * f * t + 0.4)
        + 0.25 * sampling_attenuation(2 * f, sig) * np.cos(4 * np.pi * f * t - 1.0)
        + 0.1 * sampling_attenuation(3 * f, sig) * np.sin(6 * np.pi * f * t)
    )
    assert np.allclose(sums / bunches, expected, atol=1e-9)
    assert np.allclose(scheme.measured_waveform(w), expected, atol=1e-9)
    # FFT smearing of a band-limited periodic waveform gives the same
    grid = np.arange(64) * scheme.excitation_period / 64
    fft = smear_periodic(w(grid), scheme.excitation_period, sig)
    assert np.allclose(fft, smear(w, grid, sig), atol=1e-9)


def test_random_jitter_realisations_average_to_attenuation():
    bunch = fwhm_to_sigma(50e-12)
    scheme = StroboscopicScheme(BESSY_RF, 73, 6, bunch_rms=bunch, jitter_rms=8e-12)
    f = scheme.excitation_frequency

    def w(t):
        return np.sin(2 * np.pi * f * np.asarray(t))

    k = np.arange(600_000)
    a = scheme.sample(w, k, rng=1)
    b = scheme.sample(w, k, rng=1)
    assert a.tobytes() == b.tobytes()
    sums, bunches = sort_into_channels(k, a, 73, 6)
    recon = sums / bunches
    t = scheme.channel_times
    amp = 2 * np.mean(recon * np.sin(2 * np.pi * f * t))
    assert amp == pytest.approx(sampling_attenuation(f, bunch, 8e-12), rel=2e-2)


def test_fill_that_misses_channels_is_refused():
    scheme = StroboscopicScheme(BESSY_RF, 1, 4)
    few = FillPattern.few_bunch(400, 4)  # buckets 0, 100, 200, 300: all k multiple of 100
    assert scheme.covered_channels(few.filled, 400).tolist() == [0]
    with pytest.raises(ConfigError, match="never samples channels"):
        scheme.check_fill(few.filled, 400)
    # bunches 100 buckets apart are all even-numbered: N = 6 sees only the even channels
    with pytest.raises(ConfigError, match=r"never samples channels \[1, 3, 5\]"):
        StroboscopicScheme(BESSY_RF, 73, 6).check_fill(few.filled, 400)
    StroboscopicScheme(BESSY_RF, 73, 7).check_fill(few.filled, 400)  # odd N: all channels


def test_time_tags_and_channels_agree():
    scheme = StroboscopicScheme(SPEAR_RF, 79, 6)
    k = np.arange(10_000)
    from_tags = channels_from_time_tags(k / SPEAR_RF, scheme.excitation_period, 6)
    assert np.array_equal(from_tags, channel_of_bucket(k, 79, 6))
    counts2d = np.ones((k.size, 3))
    sums, bunches = sort_into_channels(k, counts2d, 79, 6)
    assert sums.shape == (6, 3) and np.allclose(sums[:, 0], bunches)


def test_stxm_timing_library():
    out = stxm_timing("bessy2", bunch_fwhm=50e-12, frequency=6.25e9)
    assert out["attenuation"] == pytest.approx(0.71, abs=0.01)
    assert out["equivalent_time_step"] is None
    out = stxm_timing("spear3", ratio="79/6", bunch_fwhm=50e-12)
    assert out["equivalent_time_step"] == pytest.approx(26.58e-12, rel=1e-3)
    assert out["attenuation"] == pytest.approx(
        sampling_attenuation(6.2713e9, fwhm_to_sigma(50e-12)), rel=1e-4
    )


def test_cli_stxm_timing(capsys):
    rc = _cli(
        [
            "stxm",
            "timing",
            "--ring",
            "bessy2",
            "--bunch-fwhm",
            "50 ps",
            "--frequency",
            "6.25 GHz",
            "--ratio",
            "73/6",
            "--json",
        ]
    )
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rf_frequency"] == pytest.approx(499.654e6)
    assert out["revolution_frequency"] == pytest.approx(1.249e6, rel=1e-3)
    assert out["bunch_fwhm"] == pytest.approx(50e-12)
    assert out["equivalent_time_step"] == pytest.approx(27.4e-12, rel=2e-3)
    assert out["attenuation"] == pytest.approx(0.706, abs=1e-3)
    rc = _cli(["stxm", "timing", "--ring", "spear3", "--frequency", "6.25 GHz", "--phases", "6"])
    assert rc == 0
    assert "79/6" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["--ring", "bessy2", "--ratio", "75/6"],
        ["--ring", "nowhere"],
        ["--ring", "bessy2", "--bunch-fwhm", "-5 ps"],
        ["--ring", "bessy2", "--frequency", "6 nm"],
        ["--ring", "bessy2", "--ratio", "six/one"],
        ["--ring", "bessy2", "--phases", "6"],
    ],
)
def test_cli_stxm_timing_bad_input(argv, capsys):
    rc = _cli(["stxm", "timing", *argv])
    lines = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    assert len(lines) == 1 and lines[0].startswith("spinscope: error: ")


# ------------------------------------------------------------------------------------------------
# even/odd normalisation
# ------------------------------------------------------------------------------------------------
def _drift(x):
    return 1e-3 * x  # slow multiplicative drift: +1e-3 over the measurement


def test_even_odd_noiseless_cancels_drift_and_pileup():
    mu, s = 1.0, 1e-2
    x = (np.arange(1000) + 0.5) / 1000
    base = mu * (1 + _drift(x))
    apd = APD(quantum_efficiency=1.0)
    n = 1e7
    # even/odd: interleaved, pile-up inverted
    ce, co = apd.expected_counts(base * (1 + s), n), apd.expected_counts(base, n)
    eo = np.mean(relative_signal(ce, co, n, n))  # per block (pile-up is non-linear), then mean
    # no normalisation: reference in the first half, pumped in the second, raw counts
    first = x < 0.5
    raw = relative_signal(
        ce[~first].sum(), co[first].sum(), n * (~first).sum(), n * first.sum(), pileup=False
    )
    assert abs(eo - s) < 1e-12
    assert abs(raw - s) > 1e-3


def test_even_odd_normalisation_reduces_error_100x():
    """Seeded, with shot noise: drift 1e-3 over the run, pile-up at 1 photon per bunch.

    2e10 bunches per parity (40 s of BESSY II at 400 bunches per turn) keep the shot noise of the
    even/odd estimate near 1.3e-5, against a ~4.5e-3 error without normalisation.
    """
    mu, s = 1.0, 1e-2
    common = dict(n_blocks=2000, turns_per_block=50_000, bunches_per_turn=400, drift=_drift)
    eo = simulate_turn_counts(mu, s, scheme="even-odd", rng=2024, **common)
    sq = simulate_turn_counts(mu, s, scheme="sequential", rng=2025, **common)
    s_eo = np.mean(
        relative_signal(
            eo["pumped_counts"], eo["reference_counts"], eo["pumped_bunches"], eo["reference_bunches"]
        )
    )
    s_none = relative_signal(
        sq["pumped_counts"].sum(),
        sq["reference_counts"].sum(),
        sq["pumped_bunches"].sum(),
        sq["reference_bunches"].sum(),
        pileup=False,
    )
    err_eo, err_none = abs(s_eo - s), abs(s_none - s)
    assert err_none > 3e-3
    assert err_eo * 100 < err_none
    # the pile-up compression alone: mu exp(-mu) / (1 - exp(-mu)) = 0.582 at mu = 1
    comp = (count_fraction(mu * (1 + s)) / count_fraction(mu) - 1) / s
    assert comp == pytest.approx(0.582, abs=5e-3)


def test_simulated_counts_are_reproducible_and_split_even_odd():
    kw = dict(n_blocks=10, turns_per_block=100, bunches_per_turn=10)
    a = simulate_turn_counts(0.2, 0.01, rng=5, **kw)
    b = simulate_turn_counts(0.2, 0.01, rng=np.random.default_rng(5), **kw)
    assert a["pumped_counts"].tobytes() == b["pumped_counts"].tobytes()
    per_turn = np.arange(12).reshape(6, 2)
    even, odd = split_even_odd(per_turn)
    assert even.tolist() == [0 + 4 + 8, 1 + 5 + 9] and odd.tolist() == [2 + 6 + 10, 3 + 7 + 11]
    with pytest.raises(ConfigError):
        simulate_turn_counts(0.2, 0.01, n_blocks=1, turns_per_block=3, bunches_per_turn=1)
    assert math.isfinite(relative_signal(10, 10, 100, 100))
