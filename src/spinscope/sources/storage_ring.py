"""Storage rings as pulsed X-ray sources: RF timing, fill patterns, bunch lengths, beamlines.

A storage ring stores electrons in ``h`` RF buckets (``h``: harmonic number) spaced by one RF period
``1 / f_RF``; a bucket returns after one revolution, ``f_rev = f_RF / h``. The fill pattern says which
buckets hold charge and how much: the charge of a bunch carrying the current ``I_b`` is
``q = I_b / f_rev``. Each bunch emits an X-ray pulse with (to a good approximation) the Gaussian
longitudinal profile of the electrons, of rms duration ``sigma`` (FWHM ``2 sqrt(2 ln 2) sigma``).

A stroboscopic measurement samples a periodic signal at frequency ``f`` with such pulses; averaging a
sinusoid over a Gaussian of rms ``sigma`` multiplies its amplitude by its Fourier transform,

    A(f) = exp(-(2 pi f sigma)^2 / 2),

and independent Gaussian timing jitter ``sigma_j`` adds in quadrature, ``sigma^2 -> sigma^2 +
sigma_j^2`` (:func:`sampling_attenuation`). The Gaussian timing helpers live in
:mod:`spinscope.timing` and are re-exported here.

Preset machines (:data:`RING_PRESETS`, :func:`ring_preset`) carry the values of their design reports
and facility pages, cited next to each number. Bunch lengths and fill patterns change with the
operating mode and current; the presets hold typical user-mode values, flagged where uncertain, and
every field can be replaced (:meth:`StorageRing.with_`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from spinscope.errors import ConfigError
from spinscope.timing import FWHM_PER_SIGMA, fwhm_to_sigma, sampling_attenuation, sigma_to_fwhm
from spinscope.units import check_positive as _pos

__all__ = [
    "FWHM_PER_SIGMA",
    "RING_PRESETS",
    "Beamline",
    "FillPattern",
    "StorageRing",
    "fwhm_to_sigma",
    "ring_preset",
    "sampling_attenuation",
    "sigma_to_fwhm",
]

# --------------------------------------------------------------------------------------------------
# fill patterns
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class FillPattern:
    """Relative charge in each RF bucket of the ring.

    Parameters
    ----------
    weights
        Relative charge of each of the ``h`` buckets (non-negative, not all zero); normalised to sum
        1 on construction. Index 0 is the bucket the timing system calls the first.
    name
        Label, e.g. ``"hybrid"``.

    Use the constructors :meth:`multibunch`, :meth:`hybrid`, :meth:`few_bunch`, :meth:`single_bunch`.
    """

    weights: np.ndarray
    name: str = "custom"

    def __post_init__(self):
        w = np.asarray(self.weights, dtype=float).ravel().copy()
        if w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ConfigError("fill pattern: expected non-negative bucket weights, not all zero")
        w /= w.sum()
        w.flags.writeable = False
        object.__setattr__(self, "weights", w)

    @property
    def harmonic_number(self) -> int:
        """Number of buckets h."""
        return int(self.weights.size)

    @property
    def filled(self) -> np.ndarray:
        """Indices of the buckets holding charge."""
        return np.flatnonzero(self.weights > 0)

    @property
    def n_bunches(self) -> int:
        """Number of filled buckets."""
        return int(np.count_nonzero(self.weights))

    def bunch_currents(self, beam_current: float) -> np.ndarray:
        """Current carried by each bucket [A] for a total ``beam_current`` [A] (length h)."""
        return float(beam_current) * self.weights

    def bunch_charges(self, beam_current: float, revolution_frequency: float) -> np.ndarray:
        """Charge of each bucket [C], ``q = I_b / f_rev`` (length h)."""
        return self.bunch_currents(beam_current) / float(revolution_frequency)

    # ---------------------------------------------------------------- constructors
    @staticmethod
    def _check_h(h):
        h = int(h)
        if h < 1:
            raise ConfigError(f"harmonic_number: expected a positive integer, got {h!r}")
        return h

    @classmethod
    def multibunch(cls, harmonic_number: int, n_bunches: int | None = None, *, start: int = 0):
        """A train of ``n_bunches`` equal bunches in consecutive buckets, the rest a gap.

        Parameters
        ----------
        harmonic_number
            Number of buckets h.
        n_bunches
            Length of the train (``None``: all buckets filled, no gap).
        start
            First bucket of the train.
        """
        h = cls._check_h(harmonic_number)
        n = h if n_bunches is None else int(n_bunches)
        if not 1 <= n <= h:
            raise ConfigError(f"n_bunches: expected 1..{h}, got {n_bunches!r}")
        w = np.zeros(h)
        w[(int(start) + np.arange(n)) % h] = 1.0
        return cls(w, "multibunch" if n < h else "uniform")

    @classmethod
    def hybrid(
        cls,
        harmonic_number: int,
        n_train: int,
        camshaft_fraction: float,
        *,
        camshaft_bucket: int | None = None,
        start: int = 0,
    ):
        """A multibunch train plus one high-charge ("camshaft") bunch in the gap.

        Parameters
        ----------
        harmonic_number
            Number of buckets h.
        n_train
            Bunches of the train (consecutive from ``start``).
        camshaft_fraction
            Fraction of the total current in the camshaft bunch (e.g. 4 mA / 300 mA).
        camshaft_bucket
            Bucket of the camshaft bunch (``None``: the centre of the gap).
        start
            First bucket of the train.
        """
        h = cls._check_h(harmonic_number)
        n = int(n_train)
        if not 1 <= n < h:
            raise ConfigError(f"n_train: expected 1..{h - 1} to leave a gap, got {n_train!r}")
        frac = float(camshaft_fraction)
        if not 0.0 < frac < 1.0:
            raise ConfigError(f"camshaft_fraction: expected 0 < fraction < 1, got {frac!r}")
        w = np.zeros(h)
        w[(int(start) + np.arange(n)) % h] = (1.0 - frac) / n
        cam = (int(start) + n + (h - n) // 2) % h if camshaft_bucket is None else int(camshaft_bucket)
        if w[cam % h] > 0:
            raise ConfigError(f"camshaft_bucket: bucket {cam} is inside the train; put it in the gap")
        w[cam % h] = frac
        return cls(w, "hybrid")

    @classmethod
    def few_bunch(cls, harmonic_number: int, n_bunches: int, *, start: int = 0):
        """``n_bunches`` equal bunches as evenly spaced as the buckets allow."""
        h = cls._check_h(harmonic_number)
        n = int(n_bunches)
        if not 1 <= n <= h:
            raise ConfigError(f"n_bunches: expected 1..{h}, got {n_bunches!r}")
        w = np.zeros(h)
        w[(int(start) + np.floor(np.arange(n) * h / n).astype(int)) % h] = 1.0
        return cls(w, "few-bunch" if n > 1 else "single-bunch")

    @classmethod
    def single_bunch(cls, harmonic_number: int, *, bucket: int = 0):
        """One bunch in bucket ``bucket``."""
        return cls.few_bunch(harmonic_number, 1, start=bucket)


# --------------------------------------------------------------------------------------------------
# the ring
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class StorageRing:
    """An electron storage ring seen as a pulsed photon source.

    Parameters
    ----------
    name
        Label (a preset name for the presets).
    rf_frequency
        RF frequency f_RF [Hz].
    harmonic_number
        Number of RF buckets h.
    bunch_length_rms
        rms duration of a bunch (and its X-ray pulse) [s].
    beam_current
        Total stored current [A].
    fill
        Fill pattern (``None``: all buckets filled equally).
    electron_energy
        Electron energy [eV] (informative).
    circumference
        Ring circumference [m] (informative; ``c / circumference`` ~ f_rev).
    reference
        Where the numbers come from.
    """

    name: str
    rf_frequency: float
    harmonic_number: int
    bunch_length_rms: float
    beam_current: float = 0.3
    fill: FillPattern | None = None
    electron_energy: float | None = None
    circumference: float | None = None
    reference: str = ""
    notes: str = field(default="", repr=False)

    def __post_init__(self):
        object.__setattr__(
            self, "rf_frequency", _pos(self.rf_frequency, "rf_frequency", "a positive frequency")
        )
        h = int(self.harmonic_number)
        if h < 1 or h != self.harmonic_number:
            raise ConfigError(f"harmonic_number: expected a positive integer, got {self.harmonic_number!r}")
        object.__setattr__(self, "harmonic_number", h)
        object.__setattr__(
            self, "bunch_length_rms", _pos(self.bunch_length_rms, "bunch_length_rms", "a positive duration")
        )
        object.__setattr__(
            self, "beam_current", _pos(self.beam_current, "beam_current", "a positive current")
        )
        fill = self.fill if self.fill is not None else FillPattern.multibunch(h)
        if fill.harmonic_number != h:
            raise ConfigError(
                f"fill: pattern has {fill.harmonic_number} buckets but the ring has harmonic number {h}"
            )
        object.__setattr__(self, "fill", fill)

    # ---------------------------------------------------------------- timing
    @property
    def rf_period(self) -> float:
        """Bucket spacing 1 / f_RF [s]."""
        return 1.0 / self.rf_frequency

    @property
    def revolution_frequency(self) -> float:
        """f_rev = f_RF / h [Hz]."""
        return self.rf_frequency / self.harmonic_number

    @property
    def revolution_period(self) -> float:
        """One turn, h / f_RF [s]."""
        return self.harmonic_number / self.rf_frequency

    @property
    def bunch_fwhm(self) -> float:
        """FWHM of the bunch, 2.355 x rms [s]."""
        return FWHM_PER_SIGMA * self.bunch_length_rms

    @property
    def n_bunches(self) -> int:
        """Filled buckets."""
        return self.fill.n_bunches

    @property
    def bunch_rate(self) -> float:
        """Photon pulses per second, n_bunches x f_rev [1/s]."""
        return self.n_bunches * self.revolution_frequency

    def bunch_currents(self) -> np.ndarray:
        """Current in each bucket [A]."""
        return self.fill.bunch_currents(self.beam_current)

    def bunch_charges(self) -> np.ndarray:
        """Charge in each bucket [C] (I_b / f_rev)."""
        return self.fill.bunch_charges(self.beam_current, self.revolution_frequency)

    def bucket_times(self) -> np.ndarray:
        """Arrival time of each bucket within a turn [s] (bucket index x RF period)."""
        return np.arange(self.harmonic_number) * self.rf_period

    def attenuation(self, frequency, jitter_rms: float = 0.0):
        """Amplitude factor of a sinusoid at ``frequency`` [Hz] (:func:`sampling_attenuation`)."""
        return sampling_attenuation(frequency, self.bunch_length_rms, jitter_rms)

    # ---------------------------------------------------------------- variants
    def with_(self, **changes) -> StorageRing:
        """A copy with fields replaced (validated again); ``bunch_fwhm=`` is accepted too."""
        if "bunch_fwhm" in changes:
            fwhm = _pos(changes.pop("bunch_fwhm"), "bunch_fwhm", "a positive duration")
            changes["bunch_length_rms"] = fwhm / FWHM_PER_SIGMA
        return dataclasses.replace(self, **changes)

    def summary(self) -> dict:
        """Timing figures as a dict of SI floats."""
        return {
            "ring": self.name,
            "rf_frequency": self.rf_frequency,
            "harmonic_number": self.harmonic_number,
            "revolution_frequency": self.revolution_frequency,
            "revolution_period": self.revolution_period,
            "rf_period": self.rf_period,
            "bunch_length_rms": self.bunch_length_rms,
            "bunch_fwhm": self.bunch_fwhm,
            "beam_current": self.beam_current,
            "fill": self.fill.name,
            "n_bunches": self.n_bunches,
            "bunch_rate": self.bunch_rate,
        }


@dataclass(frozen=True, eq=False)
class Beamline:
    """A beamline on a storage ring delivering circularly polarised soft X-rays into a focus.

    Parameters
    ----------
    ring
        The source.
    photon_energy
        Photon energy [eV].
    circular_polarisation
        Degree of circular polarisation P_c, ``0 <= P_c <= 1`` (measured XMCD asymmetries scale with
        it).
    flux_in_focus
        Photons per second in the focal spot (after the zone plate and OSA) [1/s].
    name
        Label.
    """

    ring: StorageRing
    photon_energy: float
    circular_polarisation: float = 0.9
    flux_in_focus: float = 1e8
    name: str = ""

    def __post_init__(self):
        object.__setattr__(
            self, "photon_energy", _pos(self.photon_energy, "photon_energy", "a positive energy in eV")
        )
        pc = float(self.circular_polarisation)
        if not 0.0 <= pc <= 1.0:
            raise ConfigError(f"circular_polarisation: expected 0..1, got {pc!r}")
        object.__setattr__(self, "circular_polarisation", pc)
        object.__setattr__(
            self, "flux_in_focus", _pos(self.flux_in_focus, "flux_in_focus", "a positive flux in photons/s")
        )

    @property
    def photons_per_bunch(self) -> float:
        """Mean photons per bunch in focus (flux / bunch rate; uniform fill) [dimensionless]."""
        return self.flux_in_focus / self.ring.bunch_rate

    def photons_per_bucket(self) -> np.ndarray:
        """Mean photons per passage of each bucket, proportional to its charge (length h)."""
        return self.flux_in_focus / self.ring.revolution_frequency * self.ring.fill.weights


# --------------------------------------------------------------------------------------------------
# presets: every number with its source; "uncertain" marks values not taken from a primary source
# --------------------------------------------------------------------------------------------------
def _bessy2() -> StorageRing:
    h = 400  # 400 buckets: HZB "Operating modi BESSY II" (helmholtz-berlin.de) and BESSY VSR TDR 2015
    return StorageRing(
        name="bessy2",
        rf_frequency=499.654e6,  # A. Jankowiak et al., BESSY VSR Technical Design Study, HZB 2015
        harmonic_number=h,
        # HZB ("How does BESSY II work?") gives the X-ray flash as "about 20 ps" without saying rms
        # or FWHM; time-resolved STXM papers quote ~35-50 ps FWHM effective resolution incl. jitter.
        # 15 ps rms (35 ps FWHM) is UNCERTAIN; override with with_(bunch_fwhm=...).
        bunch_length_rms=15e-12,
        beam_current=0.300,  # 300 mA top-up (HZB operating modes page)
        # hybrid: main train + 4 mA camshaft in the gap; HZB "Operating modi BESSY II" lists 373 of
        # 400 buckets filled (current pattern; 302 of 400 in the 2015 pattern). PPRE (3 mA) and
        # slicing bunches are not modelled separately; the train is taken uniform.
        fill=FillPattern.hybrid(h, 372, 0.004 / 0.300),
        electron_energy=1.7e9,  # 1.7 GeV (HZB)
        circumference=240.0,  # 240 m (HZB); c/C = 1.249 MHz = f_RF / h
        reference="HZB BESSY II operating modes; Jankowiak et al., BESSY VSR TDR (2015)",
    )


def _als() -> StorageRing:
    # 328 buckets: ALS "Storage Ring Parameters" page (2 ns multibunch spacing, 328 ns between the
    # two bunches of two-bunch mode, i.e. 656 ns / 2 ns = 328 buckets)
    h = 328
    return StorageRing(
        name="als",
        # the ALS parameters page gives "500 MHz"; 499.64 MHz = h c / C with C = 196.8 m is used
        # (last digits UNCERTAIN: the operating value is set by the orbit length)
        rf_frequency=499.64e6,
        harmonic_number=h,
        # lengthened by the 3rd-harmonic cavities to ~60-70 ps FWHM in user mode: UNCERTAIN
        bunch_length_rms=30e-12,
        # 500 mA top-up in present operation; the older ALS parameters page lists 400 mA. UNCERTAIN
        beam_current=0.500,
        # ALS parameters page: multibunch fill of 276-320 bunches; one camshaft bunch added in the
        # gap (its 1 % share of the current is UNCERTAIN)
        fill=FillPattern.hybrid(h, 276, 0.010),
        electron_energy=1.9e9,  # 1.9 GeV (ALS)
        circumference=196.8,  # 196.8 m (ALS parameters page)
        reference="ALS Storage Ring Parameters (als.lbl.gov); ALS Conceptual Design Report (1986)",
    )


def _cls() -> StorageRing:
    # harmonic number 285: CLS "Storage Ring Parameters" (lightsource.ca/facilities/machine.php);
    # L. O. Dallin et al., "The Canadian Light Source", Proc. PAC 2003
    h = 285
    return StorageRing(
        name="cls",
        rf_frequency=500.0e6,  # cavity frequency 500 MHz (CLS storage ring parameters)
        harmonic_number=h,
        # CLS parameters: bunch length 10 mm (= 33 ps rms); CLS storage-ring status page: 34 ps (1
        # sigma) measured in normal mode
        bunch_length_rms=34e-12,
        beam_current=0.220,  # 220 mA (CLS storage ring parameters)
        # a train with an ion-clearing gap; the train length (80 % of the buckets) is UNCERTAIN
        fill=FillPattern.multibunch(h, 228),
        electron_energy=2.9e9,  # 2.9 GeV (CLS storage ring parameters)
        circumference=170.88,  # 170.88 m (CLS); c/C = 1.754 MHz = f_RF / h
        reference="CLS Storage Ring Parameters (lightsource.ca); L. O. Dallin et al., Proc. PAC 2003",
    )


def _sls() -> StorageRing:
    h = 480  # SLS Handbook, PSI (1993) and M. Boege, Proc. EPAC 2002
    return StorageRing(
        name="sls",
        rf_frequency=499.65e6,  # 499.65 MHz (SLS Handbook / PSI machine parameters)
        harmonic_number=h,
        bunch_length_rms=20e-12,  # stretched by the 3rd-harmonic cavity: UNCERTAIN
        beam_current=0.400,  # 400 mA top-up (Boege EPAC 2002)
        # 390 of 480 buckets + a camshaft bunch in the gap; its current share is UNCERTAIN
        fill=FillPattern.hybrid(h, 390, 0.0075),
        electron_energy=2.4e9,  # 2.4 GeV
        circumference=288.0,  # 288 m; c/C = 1.041 MHz = f_RF / h
        reference="SLS Handbook, PSI (1993); M. Boege, Proc. EPAC 2002, p. 39",
    )


def _soleil() -> StorageRing:
    h = 416  # SOLEIL Avant-Projet Detaille (1999); A. Nadji et al., Proc. IPAC 2011
    return StorageRing(
        name="soleil",
        rf_frequency=352.2e6,  # 352.2 MHz (SOLEIL APD; Nadji et al.)
        harmonic_number=h,
        # "20 ps rms" at the standard setting (SOLEIL news on low-alpha operation, 2008); grows with
        # bunch current
        bunch_length_rms=20e-12,
        beam_current=0.500,  # 500 mA multibunch (SOLEIL operation)
        fill=FillPattern.multibunch(h),  # uniform 416-bunch mode; hybrid, 8-bunch, 1-bunch exist
        electron_energy=2.75e9,  # 2.75 GeV
        circumference=354.097,  # 354.097 m; c/C = 846.6 kHz = f_RF / h
        reference="SOLEIL APD (1999); A. Nadji et al., Proc. IPAC 2011",
    )


def _spear3() -> StorageRing:
    h = 372  # R. Hettel et al., "Design of the SPEAR 3 light source", Proc. PAC 2003; SLAC-R-609
    return StorageRing(
        name="spear3",
        rf_frequency=476.3e6,  # 476.3 MHz (SPEAR3 Design Report, SLAC-R-609, 2002)
        harmonic_number=h,
        bunch_length_rms=17e-12,  # ~5 mm rms: UNCERTAIN at 500 mA
        beam_current=0.500,  # 500 mA top-up
        # several trains with gaps plus a timing bunch in user mode, modelled as one train and one
        # camshaft bunch: UNCERTAIN
        fill=FillPattern.hybrid(h, 280, 0.005),
        electron_energy=3.0e9,  # 3 GeV
        circumference=234.144,  # 234.144 m; c/C = 1.2804 MHz = f_RF / h (1.28 MHz)
        reference="SPEAR 3 Design Report, SLAC-R-609 (2002); Hettel et al., Proc. PAC 2003",
    )


#: Preset name -> factory. Names: bessy2, als, cls, sls, soleil, spear3.
RING_PRESETS: dict[str, Callable[[], StorageRing]] = {
    "bessy2": _bessy2,
    "als": _als,
    "cls": _cls,
    "sls": _sls,
    "soleil": _soleil,
    "spear3": _spear3,
}


def ring_preset(name: str, **changes) -> StorageRing:
    """A preset storage ring by name, optionally with fields replaced.

    Parameters
    ----------
    name
        ``bessy2``, ``als``, ``cls``, ``sls``, ``soleil`` or ``spear3`` (case-insensitive; "bessy",
        "bessy-ii" are accepted for ``bessy2``).
    **changes
        Fields to replace, e.g. ``bunch_fwhm=50e-12`` or ``beam_current=0.25``.

    Returns
    -------
    StorageRing
    """
    key = str(name).strip().lower().replace("_", "").replace("-", "").replace(" ", "")
    key = {"bessy": "bessy2", "bessyii": "bessy2"}.get(key, key)
    if key not in RING_PRESETS:
        raise ConfigError(f"ring: unknown storage ring {name!r}; known: {', '.join(RING_PRESETS)}")
    ring = RING_PRESETS[key]()
    return ring.with_(**changes) if changes else ring
