"""Even/odd revolution normalisation: pump on even turns, use odd turns as the reference.

A relative pump-induced change ``s`` (e.g. 1e-4 of the transmitted intensity) is far below the slow
drifts of a synchrotron measurement (beam current decay and top-up, orbit and beamline drifts, ~1e-3
over minutes) and is distorted by the per-bunch pile-up of the APD. If the excitation is gated so
that the sample is pumped only on even revolutions, each bunch alternately measures the pumped and the
unpumped sample ``1 / f_rev`` (~1 us) apart, so both see the same incident intensity:

    s_hat = mu_even / mu_odd - 1,      mu = invert_pileup(counts / bunches)

cancels any multiplicative drift slower than a revolution, and because the odd turns measure the
unpumped photon number in the same moment, the pile-up can be inverted for both (the ratio of raw
counts alone would compress ``s`` by ``mu exp(-mu) / (1 - exp(-mu))``).

Without normalisation the pumped and reference signals come from different times (e.g. two
successive acquisitions) and from raw counts: drift enters in full and pile-up compresses the signal.

:func:`simulate_turn_counts` draws such measurements (seeded, vectorised over blocks of turns)
with the APD model of :mod:`spinscope.detectors.apd`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from spinscope.detectors.apd import APD, as_generator, invert_pileup
from spinscope.errors import ConfigError

__all__ = [
    "even_odd_signal",
    "pump_mask",
    "relative_signal",
    "simulate_turn_counts",
    "split_even_odd",
]


def pump_mask(turn_index) -> np.ndarray:
    """True on the turns where the sample is pumped (even revolutions)."""
    return np.asarray(turn_index, dtype=np.int64) % 2 == 0


def split_even_odd(counts_per_turn, axis: int = 0):
    """Sum counts over the even and the odd turns along ``axis`` (turn 0 is even).

    Returns
    -------
    tuple of numpy.ndarray
        ``(even_sum, odd_sum)``.
    """
    c = np.moveaxis(np.asarray(counts_per_turn), axis, 0)
    return c[0::2].sum(axis=0), c[1::2].sum(axis=0)


def relative_signal(
    pumped_counts, reference_counts, pumped_bunches, reference_bunches, *, pileup=True, dead_bunches=0
):
    """Relative change ``S_pumped / S_reference - 1`` from counts and the bunches that produced them.

    Parameters
    ----------
    pumped_counts, reference_counts
        Counts (any shape, broadcast).
    pumped_bunches, reference_bunches
        Bunches behind those counts.
    pileup
        Invert the one-count-per-bunch pile-up (and dead time) before the ratio; ``False`` uses the
        raw count rates.
    dead_bunches
        Dead bunch slots after a count (see :mod:`spinscope.detectors.apd`).

    Returns
    -------
    numpy.ndarray or float
        The recovered relative signal.

    Notes
    -----
    The pile-up inversion is non-linear: apply it to blocks short enough that the incident intensity
    is constant within each (e.g. per pixel and scan, or per second of a drifting run) and average
    the per-block signals, rather than inverting counts summed over a drifting run (the latter is
    biased at second order in the drift, ~1e-10 for a 1e-3 drift).
    """
    fp = np.asarray(pumped_counts, dtype=float) / np.asarray(pumped_bunches, dtype=float)
    fr = np.asarray(reference_counts, dtype=float) / np.asarray(reference_bunches, dtype=float)
    if pileup:
        fp = np.asarray(invert_pileup(fp, dead_bunches))
        fr = np.asarray(invert_pileup(fr, dead_bunches))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = fp / fr - 1.0
    return float(out) if out.ndim == 0 else out


def even_odd_signal(even_counts, odd_counts, even_bunches, odd_bunches, *, pileup=True, dead_bunches=0):
    """Relative pump signal from even (pumped) and odd (reference) turns: :func:`relative_signal`."""
    return relative_signal(
        even_counts, odd_counts, even_bunches, odd_bunches, pileup=pileup, dead_bunches=dead_bunches
    )


def simulate_turn_counts(
    photons_per_bunch: float,
    signal: float,
    *,
    n_blocks: int,
    turns_per_block: int,
    bunches_per_turn: int,
    drift: Callable | None = None,
    scheme: str = "even-odd",
    apd: APD | None = None,
    rng=None,
):
    """Simulate APD counts of a pumped/unpumped measurement under a slow multiplicative drift.

    The measurement lasts ``n_blocks * turns_per_block`` revolutions. The incident photons per bunch
    are ``photons_per_bunch * (1 + drift(x))`` with ``x`` the fraction of the measurement elapsed
    (0..1) at the centre of each block; pumping multiplies them by ``1 + signal``. Within a block the
    drift is taken as constant (it changes by ``drift' / n_blocks``; even and odd turns interleave, so
    the residual is of order ``drift' / (n_blocks turns_per_block)``). Counts of a block are drawn as
    one Binomial per parity (:meth:`~spinscope.detectors.apd.APD.counts`).

    Parameters
    ----------
    photons_per_bunch
        Mean photons per bunch reaching the APD without drift or pump.
    signal
        Relative pump-induced change of the transmitted intensity.
    n_blocks, turns_per_block
        Blocks of the measurement and revolutions per block (``turns_per_block`` even).
    bunches_per_turn
        Filled buckets counted per turn.
    drift
        Callable of the elapsed fraction ``x`` returning the relative drift (default: none).
    scheme
        ``"even-odd"``: pump on even turns throughout; ``"sequential"``: unpumped for the first half of
        the blocks, pumped for the second half (no normalisation).
    apd
        Detector (default: ``APD(quantum_efficiency=1)``).
    rng
        Generator, seed or ``None``.

    Returns
    -------
    dict
        ``pumped_counts``, ``reference_counts`` (per block, int64; zeros where a block had no such
        turns), ``pumped_bunches``, ``reference_bunches`` (per block), ``drift`` (per block).
    """
    if turns_per_block % 2:
        raise ConfigError("turns_per_block: expected an even number of turns")
    if scheme not in ("even-odd", "sequential"):
        raise ConfigError(f"scheme: expected 'even-odd' or 'sequential', got {scheme!r}")
    gen = as_generator(rng)
    det = apd if apd is not None else APD(quantum_efficiency=1.0)
    x = (np.arange(n_blocks) + 0.5) / n_blocks
    d = np.zeros(n_blocks) if drift is None else np.asarray(drift(x), dtype=float) * np.ones(n_blocks)
    base = photons_per_bunch * (1.0 + d)
    per_block = turns_per_block * bunches_per_turn
    if scheme == "even-odd":
        nb_p = np.full(n_blocks, per_block // 2, dtype=np.int64)
        nb_r = nb_p.copy()
    else:
        second = x >= 0.5
        nb_p = np.where(second, per_block, 0).astype(np.int64)
        nb_r = np.where(second, 0, per_block).astype(np.int64)
    pumped = det.counts(base * (1.0 + signal), nb_p, gen)
    reference = det.counts(base, nb_r, gen)
    return {
        "pumped_counts": pumped,
        "reference_counts": reference,
        "pumped_bunches": nb_p,
        "reference_bunches": nb_r,
        "drift": d,
    }
