"""Avalanche photodiode counting photons bunch by bunch: pile-up, dead time, Poisson statistics.

In time-resolved STXM an APD behind the sample registers X-ray pulses from individual bunches. The
photons of one pulse arrive within ~50 ps, far shorter than the detector can resolve, so a bunch gives
*at most one count* however many photons it carries. With a Poisson mean of ``mu`` detected photons
per bunch (quantum efficiency included), the count probability is

    p(mu) = 1 - exp(-mu)                                         (pile-up)

and the per-bunch counts are Bernoulli(p). Summed over ``n`` bunches of equal ``mu`` they are
Binomial(n, p), whose mean ``n p`` and variance ``n p (1 - p)`` tend to the Poisson ``n mu`` for
``mu << 1`` and saturate at one count per bunch for ``mu >> 1``. The inverse, ``mu = -ln(1 - p)``, turns
a measured count fraction back into photons (:func:`invert_pileup`).

Dead time: if the detector and its discriminator stay blind for ``d`` further bunch slots after a
count (``dead_bunches``; 0 when the dead time is shorter than the bunch spacing, the usual case with
~2 ns bunch spacing), the counting is non-paralysable on the bunch clock and the expected count
fraction becomes ``p / (1 + d p)`` (Knoll, *Radiation Detection and Measurement*, 4th ed. 2010,
ch. 4, on the discrete bunch clock). :meth:`APD.bunch_stream` applies it exactly per bunch;
:meth:`APD.counts` draws aggregate counts as Binomial(n, p / (1 + d p)), exact in the mean and
slightly over-dispersed when ``d p`` is not small (the renewal variance is smaller).

Randomness: every function takes ``rng``: a ``numpy.random.Generator``, an int seed or ``None``;
the same seed gives the same bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from spinscope.errors import ConfigError
from spinscope.rng import as_generator

__all__ = [
    "APD",
    "as_generator",
    "count_fraction",
    "detection_probability",
    "invert_pileup",
]




def detection_probability(mu):
    """Probability of one count in a bunch carrying a Poisson mean of ``mu`` detected photons.

    Parameters
    ----------
    mu
        Mean detected photons per bunch [dimensionless], ``>= 0``.

    Returns
    -------
    float or numpy.ndarray
        ``1 - exp(-mu)`` (``-expm1(-mu)``, accurate for small ``mu``).
    """
    out = -np.expm1(-np.asarray(mu, dtype=float))
    return float(out) if out.ndim == 0 else out


def count_fraction(mu, dead_bunches: int = 0):
    """Expected counts per bunch including pile-up and a dead time of ``dead_bunches`` slots.

    Parameters
    ----------
    mu
        Mean detected photons per bunch.
    dead_bunches
        Bunch slots after a count in which no count is possible (non-paralysable).

    Returns
    -------
    float or numpy.ndarray
        ``p / (1 + d p)``, ``p = 1 - exp(-mu)``.
    """
    p = np.asarray(detection_probability(mu))
    out = p / (1.0 + int(dead_bunches) * p)
    return float(out) if out.ndim == 0 else out


def invert_pileup(fraction, dead_bunches: int = 0):
    """Mean detected photons per bunch from the measured counts per bunch (inverse of pile-up).

    Parameters
    ----------
    fraction
        Measured counts / bunches, ``0 <= fraction < 1 / (1 + d)``.
    dead_bunches
        Dead slots ``d`` after a count.

    Returns
    -------
    float or numpy.ndarray
        ``mu = -ln(1 - p)`` with ``p = fraction / (1 - d fraction)``; ``inf`` at saturation.
    """
    m = np.asarray(fraction, dtype=float)
    d = int(dead_bunches)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = m / (1.0 - d * m)
        out = -np.log1p(-p)
    out = np.where((p >= 1.0) | (p < 0) | (1.0 - d * m <= 0), np.inf, out)
    out = np.where(m == 0, 0.0, out)
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class APD:
    """An avalanche photodiode counting at most one photon per bunch.

    Parameters
    ----------
    quantum_efficiency
        Probability that a photon reaching the APD starts an avalanche [dimensionless].
    dead_time
        Time after a count during which the detector is blind [s].
    bunch_spacing
        Time between bunch slots [s] (the RF period, 2 ns at 500 MHz); converts ``dead_time`` into
        dead bunch slots.
    dark_count_rate
        Dark counts per second [1/s] (added as extra mean per bunch slot).
    """

    quantum_efficiency: float = 0.9
    dead_time: float = 0.0
    bunch_spacing: float = 2.0e-9
    dark_count_rate: float = 0.0

    def __post_init__(self):
        qe = float(self.quantum_efficiency)
        if not 0.0 < qe <= 1.0:
            raise ConfigError(f"quantum_efficiency: expected 0 < QE <= 1, got {qe!r}")
        for name in ("dead_time", "dark_count_rate"):
            v = float(getattr(self, name))
            if not math.isfinite(v) or v < 0:
                raise ConfigError(f"{name}: expected a non-negative value, got {v!r}")
            object.__setattr__(self, name, v)
        bs = float(self.bunch_spacing)
        if not math.isfinite(bs) or bs <= 0:
            raise ConfigError(f"bunch_spacing: expected a positive duration, got {bs!r}")
        object.__setattr__(self, "quantum_efficiency", qe)
        object.__setattr__(self, "bunch_spacing", bs)

    @property
    def dead_bunches(self) -> int:
        """Bunch slots lost after a count: ``ceil(dead_time / bunch_spacing) - 1`` (>= 0)."""
        if self.dead_time <= self.bunch_spacing:
            return 0
        return int(math.ceil(self.dead_time / self.bunch_spacing - 1e-12)) - 1

    def mean_detected(self, photons_per_bunch):
        """Mean photo-events per bunch: QE x photons + dark counts per slot."""
        mu = np.asarray(photons_per_bunch, dtype=float)
        if self.quantum_efficiency != 1.0:
            mu = self.quantum_efficiency * mu
        if self.dark_count_rate > 0:
            mu = mu + self.dark_count_rate * self.bunch_spacing
        return mu

    def expected_counts(self, photons_per_bunch, n_bunches=1):
        """Expected counts from ``n_bunches`` bunches of ``photons_per_bunch`` photons on average."""
        return np.asarray(n_bunches) * count_fraction(
            self.mean_detected(photons_per_bunch), self.dead_bunches
        )

    def counts(self, photons_per_bunch, n_bunches, rng=None):
        """Counts summed over ``n_bunches`` equal bunches (vectorised over any array shape).

        Parameters
        ----------
        photons_per_bunch
            Mean photons per bunch reaching the APD (array: e.g. per pixel and time channel).
        n_bunches
            Bunches summed per element (broadcasts).
        rng
            Generator, seed or ``None``.

        Returns
        -------
        numpy.ndarray
            int64 counts, Binomial(n, p / (1 + d p)).
        """
        gen = as_generator(rng)
        mu = self.mean_detected(photons_per_bunch)
        q = -np.expm1(-mu)  # pile-up
        d = self.dead_bunches
        if d:
            q /= 1.0 + d * q
        if np.ndim(n_bunches) == 0:
            n = int(n_bunches)
            if n < 0:
                raise ConfigError(f"n_bunches: expected a non-negative integer, got {n_bunches!r}")
        else:
            n = np.asarray(n_bunches, dtype=np.int64)
            if np.any(n < 0):
                raise ConfigError("n_bunches: expected non-negative integers")
        return np.asarray(gen.binomial(n, q), dtype=np.int64)

    def bunch_stream(self, photons_per_bunch, rng=None) -> np.ndarray:
        """Per-bunch counts (0 or 1) of a time-ordered bunch sequence, dead time applied exactly.

        Parameters
        ----------
        photons_per_bunch
            Mean photons of each successive bunch slot (1-D, time order; 0 for empty buckets).
        rng
            Generator, seed or ``None``.

        Returns
        -------
        numpy.ndarray
            uint8 array of 0/1, same length.
        """
        gen = as_generator(rng)
        mu = self.mean_detected(np.asarray(photons_per_bunch, dtype=float).ravel())
        hits = gen.random(mu.size) < detection_probability(mu)
        d = self.dead_bunches
        if d == 0 or not hits.any():
            return hits.astype(np.uint8)
        # non-paralysable: a hit counts unless an accepted count lies in the d slots before it.
        # Jacobi iteration on the causal recursion converges in (longest cluster of hits) steps.
        acc = hits.copy()
        for _ in range(mu.size + 1):
            c = np.concatenate(([0], np.cumsum(acc, dtype=np.int64)))
            idx = np.arange(mu.size)
            lo = np.maximum(idx - d, 0)
            blocked = (c[idx] - c[lo]) > 0
            new = hits & ~blocked
            if np.array_equal(new, acc):
                break
            acc = new
        return acc.astype(np.uint8)

    def photons_from_counts(self, counts, n_bunches):
        """Invert pile-up and dead time: mean photons per bunch reaching the APD."""
        frac = np.asarray(counts, dtype=float) / np.asarray(n_bunches, dtype=float)
        mu = np.asarray(invert_pileup(frac, self.dead_bunches))
        out = (mu - self.dark_count_rate * self.bunch_spacing) / self.quantum_efficiency
        return float(out) if out.ndim == 0 else out
