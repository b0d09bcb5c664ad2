"""Stroboscopic pump-probe timing at a storage ring: the M/N scheme, smearing and time channels.

The excitation (rf field, current pulses) is phase locked to the ring's RF at

    f_exc = f_RF * M / N        (M, N coprime integers),

so that ``N`` RF periods contain exactly ``M`` excitation periods. Bucket ``k`` (counted from the
common zero of both clocks, over all turns: ``k = turn * h + bucket``) arrives at ``t_k = k / f_RF``,
which is the excitation phase

    t_k mod T_exc = ((k M) mod N) * dt,        dt = T_exc / N = 1 / (M f_RF).

Successive bunches therefore visit all ``N`` phases, ``dt`` apart (the *equivalent time step*), and a
photon counted in bucket ``k`` belongs to time channel ``(k M) mod N``. If ``gcd(M, N) = g > 1`` the
ratio is really ``(M/g)/(N/g)`` and only ``N/g`` of the ``N`` channels are ever visited:
:class:`StroboscopicScheme` refuses such a ratio and names coprime alternatives.

Each sample is not the waveform at an instant but its average over the X-ray pulse, and the pulse
arrival jitters against the excitation; both are Gaussian, so the measured waveform is the true one
convolved with a Gaussian of variance ``sigma_bunch^2 + sigma_jitter^2`` (:func:`smear`), which for a
harmonic at ``f`` is the factor :func:`spinscope.sources.storage_ring.sampling_attenuation`.

Example: SPEAR3 (476.3 MHz) with M/N = 79/6 excites at 6.271 GHz and samples every 26.6 ps; BESSY II
(499.654 MHz) with 73/6 at 6.079 GHz every 27.4 ps, or with 77/6 at 6.412 GHz every 26.0 ps
(75/6, the closest to 6.25 GHz, has gcd 3 and samples only 2 phases).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from spinscope.errors import ConfigError
from spinscope.sources.storage_ring import StorageRing, ring_preset
from spinscope.timing import FWHM_PER_SIGMA, harmonic_attenuation, sampling_attenuation
from spinscope.units import check_positive

__all__ = [
    "StroboscopicScheme",
    "channel_of_bucket",
    "channels_from_time_tags",
    "choose_ratio",
    "coprime_neighbours",
    "parse_ratio",
    "smear",
    "smear_periodic",
    "sort_into_channels",
    "stxm_timing",
]


def parse_ratio(text) -> tuple[int, int]:
    """Parse an excitation ratio ``"M/N"`` (or a ``(M, N)`` pair) into two positive integers.

    Parameters
    ----------
    text
        ``"79/6"``, ``"79:6"``, ``(79, 6)`` or a :class:`fractions.Fraction` (taken as reduced).

    Returns
    -------
    tuple of int
        ``(M, N)``, not reduced: a non-coprime pair is reported by :class:`StroboscopicScheme`.
    """
    if isinstance(text, Fraction):
        return text.numerator, text.denominator
    if isinstance(text, tuple | list) and len(text) == 2:
        m, n = text
    else:
        s = str(text).strip().replace(":", "/")
        parts = s.split("/")
        if len(parts) != 2:
            raise ConfigError(f"ratio: expected M/N such as '79/6', got {text!r}")
        m, n = parts
    try:
        mi, ni = int(str(m).strip()), int(str(n).strip())
    except ValueError:
        raise ConfigError(f"ratio: expected two integers M/N such as '79/6', got {text!r}") from None
    if mi < 1 or ni < 1:
        raise ConfigError(f"ratio: M and N must be positive integers, got {mi}/{ni}")
    return mi, ni


def coprime_neighbours(m: int, n: int) -> tuple[int, int]:
    """The nearest integers below and above ``m`` that are coprime to ``n``."""
    lo = m - 1
    while lo > 0 and math.gcd(lo, n) != 1:
        lo -= 1
    hi = m + 1
    while math.gcd(hi, n) != 1:
        hi += 1
    return max(lo, 0), hi


def choose_ratio(rf_frequency: float, frequency: float, n_phases: int) -> tuple[int, int]:
    """Pick ``M`` for ``N = n_phases`` so that ``f_RF M / N`` is closest to ``frequency``.

    Parameters
    ----------
    rf_frequency
        RF frequency [Hz].
    frequency
        Wanted excitation frequency [Hz].
    n_phases
        Number of time channels N (the equivalent time step is ``1 / (M f_RF)``).

    Returns
    -------
    tuple of int
        ``(M, N)`` with ``gcd(M, N) = 1``.
    """
    n = int(n_phases)
    if n < 1:
        raise ConfigError(f"phases: expected a positive integer, got {n_phases!r}")
    target = float(frequency) * n / float(rf_frequency)
    m0 = max(1, round(target))
    if math.gcd(m0, n) == 1:
        return m0, n
    lo, hi = coprime_neighbours(m0, n)
    cands = [c for c in (lo, hi) if c > 0]
    return min(cands, key=lambda c: abs(c - target)), n


def channel_of_bucket(bucket_index, m: int, n: int):
    """Time channel ``(k M) mod N`` of absolute bucket number(s) ``k`` (integers, any shape)."""
    k = np.asarray(bucket_index, dtype=np.int64)
    return (k % n) * (m % n) % n


@dataclass(frozen=True)
class StroboscopicScheme:
    """Excitation phase-locked to the RF at ``f_RF M / N``, sampled in ``N`` time channels.

    Parameters
    ----------
    rf_frequency
        RF frequency f_RF [Hz] (bucket spacing ``1 / f_RF``).
    m
        Excitation periods per ``N`` RF periods.
    n
        RF periods per ``M`` excitation periods; also the number of time channels.
    bunch_rms
        rms X-ray pulse duration [s] (smears the measured waveform).
    jitter_rms
        rms timing jitter between excitation and X-ray pulses [s] (adds in quadrature).

    Raises
    ------
    ConfigError
        If ``gcd(M, N) > 1``: some phases would never be sampled.
    """

    rf_frequency: float
    m: int
    n: int
    bunch_rms: float = 0.0
    jitter_rms: float = 0.0

    def __post_init__(self):
        f = check_positive(self.rf_frequency, "rf_frequency", "a positive frequency")
        object.__setattr__(self, "rf_frequency", f)
        m, n = parse_ratio((self.m, self.n))
        g = math.gcd(m, n)
        if g > 1:
            lo, hi = coprime_neighbours(m, n)
            alts = [f"{c}/{n} ({f * c / n / 1e9:.4g} GHz)" for c in (lo, hi) if c > 0]
            raise ConfigError(
                f"ratio: M/N = {m}/{n} has gcd {g}, so successive bunches sample only {n // g} of "
                f"{n} phases; choose M coprime to N, e.g. {' or '.join(alts)}, or use "
                f"{m // g}/{n // g} with {n // g} channels"
            )
        object.__setattr__(self, "m", m)
        object.__setattr__(self, "n", n)
        for name in ("bunch_rms", "jitter_rms"):
            v = check_positive(getattr(self, name), name, "a non-negative duration", allow_zero=True)
            object.__setattr__(self, name, v)

    @classmethod
    def from_ring(cls, ring, m: int, n: int, *, jitter_rms: float = 0.0) -> StroboscopicScheme:
        """Scheme on a :class:`~spinscope.sources.storage_ring.StorageRing` (its RF and bunch length)."""
        return cls(ring.rf_frequency, m, n, ring.bunch_length_rms, jitter_rms)

    # ---------------------------------------------------------------- timing
    @property
    def rf_period(self) -> float:
        """1 / f_RF [s]."""
        return 1.0 / self.rf_frequency

    @property
    def excitation_frequency(self) -> float:
        """f_RF M / N [Hz]."""
        return self.rf_frequency * self.m / self.n

    @property
    def excitation_period(self) -> float:
        """N / (M f_RF) [s]."""
        return self.n / (self.m * self.rf_frequency)

    @property
    def equivalent_time_step(self) -> float:
        """Spacing of the time channels, T_exc / N = 1 / (M f_RF) [s]."""
        return 1.0 / (self.m * self.rf_frequency)

    @property
    def channel_times(self) -> np.ndarray:
        """Time of each channel within the excitation period, ``j dt`` [s] (length N)."""
        return np.arange(self.n) * self.equivalent_time_step

    @property
    def smear_rms(self) -> float:
        """Total Gaussian smearing sqrt(sigma_bunch^2 + sigma_jitter^2) [s]."""
        return math.hypot(self.bunch_rms, self.jitter_rms)

    def attenuation(self, frequency=None):
        """Amplitude factor at ``frequency`` (default: the excitation frequency)."""
        f = self.excitation_frequency if frequency is None else frequency
        return sampling_attenuation(f, self.smear_rms)

    def channel(self, bucket_index):
        """Time channel of absolute bucket number(s) ``k``: ``(k M) mod N``."""
        return channel_of_bucket(bucket_index, self.m, self.n)

    def bucket_times(self, bucket_index) -> np.ndarray:
        """Arrival time ``k / f_RF`` of absolute bucket number(s) ``k`` [s]."""
        return np.asarray(bucket_index, dtype=float) * self.rf_period

    def covered_channels(self, filled_buckets, harmonic_number: int) -> np.ndarray:
        """Channels visited by a fill pattern over all turns (sorted unique channel numbers).

        Parameters
        ----------
        filled_buckets
            Bucket indices (within a turn) holding charge.
        harmonic_number
            Buckets per turn h.
        """
        b = np.asarray(filled_buckets, dtype=np.int64).ravel()
        turns = np.arange(self.n, dtype=np.int64)  # (t h M) mod N repeats within N turns
        k = turns[:, None] * int(harmonic_number) + b[None, :]
        return np.unique(self.channel(k))

    def check_fill(self, filled_buckets, harmonic_number: int) -> None:
        """Raise :class:`ConfigError` if the fill leaves some channels unsampled."""
        cov = self.covered_channels(filled_buckets, harmonic_number)
        if cov.size < self.n:
            missing = sorted(set(range(self.n)) - set(cov.tolist()))
            raise ConfigError(
                f"ratio: with this fill pattern the {self.m}/{self.n} scheme never samples channels "
                f"{missing[:8]}{'...' if len(missing) > 8 else ''}; choose another N or fill"
            )

    def summary(self) -> dict:
        """Timing figures as a dict of SI floats."""
        return {
            "ratio": f"{self.m}/{self.n}",
            "phases": self.n,
            "rf_frequency": self.rf_frequency,
            "excitation_frequency": self.excitation_frequency,
            "excitation_period": self.excitation_period,
            "equivalent_time_step": self.equivalent_time_step,
            "smear_rms": self.smear_rms,
            "attenuation": self.attenuation(),
        }

    # ---------------------------------------------------------------- sampling
    def sample(self, waveform: Callable, bucket_index, *, rng=None, n_nodes: int = 32):
        """The waveform as seen by each bunch: averaged over the pulse, with jitter.

        Parameters
        ----------
        waveform
            Vectorised callable ``w(t)`` of time [s]; periodic with the excitation period for a
            meaningful stroboscopic measurement.
        bucket_index
            Absolute bucket numbers ``k`` (any shape).
        rng
            ``None``: jitter enters as its expectation (Gaussian smearing, deterministic). Otherwise a
            ``numpy.random.Generator`` or seed: each bunch gets its own random delay of rms
            ``jitter_rms`` and only the pulse length is averaged over.
        n_nodes
            Gauss-Hermite nodes of the pulse average.

        Returns
        -------
        numpy.ndarray
            Sampled values, shape of ``bucket_index``.
        """
        t = self.bucket_times(bucket_index)
        if rng is None or self.jitter_rms == 0:
            return smear(waveform, t, self.smear_rms, n_nodes=n_nodes)
        gen = np.random.default_rng(rng)
        t = t + gen.normal(0.0, self.jitter_rms, size=t.shape)
        return smear(waveform, t, self.bunch_rms, n_nodes=n_nodes)

    def measured_waveform(self, waveform: Callable, *, n_nodes: int = 32) -> np.ndarray:
        """Expected value of each time channel (the waveform smeared, at the channel times)."""
        return smear(waveform, self.channel_times, self.smear_rms, n_nodes=n_nodes)


def smear(waveform: Callable, t, sigma: float, *, n_nodes: int = 32):
    """Convolve a waveform with a normalised Gaussian of rms ``sigma`` and evaluate at ``t``.

    ``(w * g_sigma)(t) = E[w(t + sigma xi)]``, ``xi ~ N(0, 1)``, by Gauss-Hermite quadrature with
    ``n_nodes`` nodes: exact for polynomials of degree < 2 n_nodes and, for a sinusoid of frequency
    ``f``, accurate to ~1e-15 while ``2 pi f sigma`` < ~3.

    Parameters
    ----------
    waveform
        Vectorised callable of time [s].
    t
        Evaluation times [s] (any shape).
    sigma
        rms width [s] (0: no smearing).
    n_nodes
        Quadrature nodes.

    Returns
    -------
    numpy.ndarray
        Smeared waveform at ``t``.
    """
    t = np.asarray(t, dtype=float)
    if sigma == 0:
        return np.asarray(waveform(t), dtype=float)
    x, w = np.polynomial.hermite.hermgauss(int(n_nodes))
    w = w / math.sqrt(math.pi)
    out = np.zeros(t.shape, dtype=float)
    for xi, wi in zip(x, w, strict=True):
        out += wi * np.asarray(waveform(t + math.sqrt(2.0) * sigma * xi), dtype=float)
    return out


def smear_periodic(samples, period: float, sigma: float, axis: int = -1) -> np.ndarray:
    """Gaussian smearing of a periodic waveform given on a uniform grid over one period (FFT).

    Each harmonic ``q / period`` is multiplied by ``exp(-(2 pi q sigma / period)^2 / 2)``: exact for a
    band-limited waveform sampled without aliasing.

    Parameters
    ----------
    samples
        Values at ``t_j = j period / n``, ``j = 0..n-1`` along ``axis``.
    period
        Period [s].
    sigma
        rms smearing [s].
    axis
        Time axis.

    Returns
    -------
    numpy.ndarray
        Smeared samples, same shape (real).
    """
    a = np.asarray(samples, dtype=float)
    n = a.shape[axis]
    q = np.fft.rfftfreq(n, d=1.0 / n)  # harmonic numbers 0..n/2
    filt = harmonic_attenuation(q, period, sigma)
    shape = [1] * a.ndim
    shape[axis] = q.size
    spec = np.fft.rfft(a, axis=axis) * filt.reshape(shape)
    return np.fft.irfft(spec, n=n, axis=axis)


def sort_into_channels(bucket_index, counts, m: int, n: int):
    """Sort per-bunch counts into the N time channels of an M/N scheme.

    Parameters
    ----------
    bucket_index
        Absolute bucket number of each bunch (integers).
    counts
        Counts (or any per-bunch value) of each bunch, same shape; may carry extra trailing axes
        only if ``bucket_index`` is 1-D and matches the first axis.
    m, n
        The excitation ratio.

    Returns
    -------
    sums : numpy.ndarray
        Sum of ``counts`` per channel, shape ``(n, ...)``.
    bunches : numpy.ndarray
        Number of bunches per channel, shape ``(n,)`` (the exposure; ``sums / bunches`` is the mean).
    """
    ch = channel_of_bucket(bucket_index, m, n).ravel()
    c = np.asarray(counts)
    bunches = np.bincount(ch, minlength=n)
    if c.shape == np.shape(bucket_index):
        sums = np.bincount(ch, weights=c.ravel().astype(float), minlength=n)
    else:
        c2 = c.reshape(ch.size, -1).astype(float)
        sums = np.zeros((n, c2.shape[1]))
        np.add.at(sums, ch, c2)
        sums = sums.reshape((n, *c.shape[1:]))
    return sums, bunches


def channels_from_time_tags(times, excitation_period: float, n_channels: int, t0: float = 0.0):
    """Time channel of time-tagged events: ``floor(((t - t0) mod T) / (T / N) + 1/2) mod N``.

    Parameters
    ----------
    times
        Arrival times relative to the excitation clock [s].
    excitation_period
        T [s].
    n_channels
        N.
    t0
        Time of channel 0 [s].

    Returns
    -------
    numpy.ndarray
        Integer channels; a tag within half a step of ``j T / N`` goes to channel ``j``.
    """
    t = (np.asarray(times, dtype=float) - t0) % excitation_period
    return np.floor(t / (excitation_period / n_channels) + 0.5).astype(np.int64) % int(n_channels)


def stxm_timing(
    ring,
    *,
    bunch_fwhm: float | None = None,
    frequency: float | None = None,
    ratio=None,
    phases: int | None = None,
    jitter_rms: float = 0.0,
) -> dict:
    """Timing of a stroboscopic STXM measurement on a storage ring, as a dict of SI floats.

    Parameters
    ----------
    ring
        A :class:`~spinscope.sources.storage_ring.StorageRing` or a preset name (``"bessy2"``, ...).
    bunch_fwhm
        Override the ring's bunch length by this FWHM [s].
    frequency
        Frequency of the signal [Hz] whose attenuation is reported. Without ``ratio`` and with
        ``phases`` it also sets the excitation: ``M`` is chosen coprime to ``N = phases`` so that
        ``f_RF M / N`` is closest to it. Without it the excitation frequency is used.
    ratio
        Excitation ratio ``"M/N"`` (``f_exc = f_RF M / N``); must be coprime.
    phases
        Number of time channels N when ``ratio`` is not given.
    jitter_rms
        rms timing jitter [s].

    Returns
    -------
    dict
        ``ring``, ``rf_frequency``, ``harmonic_number``, ``revolution_frequency``, ``bunch_fwhm``,
        ``bunch_length_rms``, ``jitter_rms``, ``time_resolution`` (FWHM of bunch and jitter),
        ``ratio``, ``phases``, ``excitation_frequency``, ``equivalent_time_step``, ``frequency`` and
        ``attenuation`` (``None`` where undetermined).
    """
    r = ring if isinstance(ring, StorageRing) else ring_preset(str(ring))
    if bunch_fwhm is not None:
        r = r.with_(bunch_fwhm=bunch_fwhm)
    jit = check_positive(jitter_rms, "jitter", "a non-negative duration", allow_zero=True)
    if frequency is not None:
        check_positive(frequency, "frequency", "a positive frequency")
    scheme = None
    if ratio is not None:
        m, n = parse_ratio(ratio)
        scheme = StroboscopicScheme.from_ring(r, m, n, jitter_rms=jit)
    elif frequency is not None and phases is not None:
        m, n = choose_ratio(r.rf_frequency, frequency, phases)
        scheme = StroboscopicScheme.from_ring(r, m, n, jitter_rms=jit)
    elif phases is not None:
        raise ConfigError("phases: give --frequency (or --ratio M/N) together with --phases")
    if scheme is not None:
        scheme.check_fill(r.fill.filled, r.harmonic_number)
    sig = math.hypot(r.bunch_length_rms, jit)
    f_sig = frequency if frequency is not None else (scheme.excitation_frequency if scheme else None)
    att = None if f_sig is None else sampling_attenuation(float(f_sig), sig)
    return {
        "ring": r.name,
        "rf_frequency": r.rf_frequency,
        "harmonic_number": r.harmonic_number,
        "revolution_frequency": r.revolution_frequency,
        "bunch_fwhm": r.bunch_fwhm,
        "bunch_length_rms": r.bunch_length_rms,
        "jitter_rms": jit,
        "time_resolution": FWHM_PER_SIGMA * sig,
        "ratio": None if scheme is None else f"{scheme.m}/{scheme.n}",
        "phases": None if scheme is None else scheme.n,
        "excitation_frequency": None if scheme is None else scheme.excitation_frequency,
        "equivalent_time_step": None if scheme is None else scheme.equivalent_time_step,
        "frequency": None if f_sig is None else float(f_sig),
        "attenuation": att,
    }
