"""What a scan plan needs from the instruments it drives, written as :class:`typing.Protocol` s.

``acquisition`` sits above ``instruments`` in the layers (``docs/architecture.md``) and drives them, but it
never imports a concrete instrument: the scan plans (:func:`spinscope.acquisition.stxm_scan.run_stxm_scan`,
:func:`spinscope.acquisition.delay_scan.run_delay_scan`) are typed against these protocols, which name
exactly the attributes and methods a plan calls. Any object that has them can be driven, a test double
as well as :class:`spinscope.instruments.STXM` or :class:`spinscope.instruments.ScatteringCamera`.

Scanning microscopes (STXM)
    :class:`ExposureModel` is the instrument side of a raster scan: for a magnetisation state it
    prepares an :class:`Exposure` (the focused transmission images of each helicity in the time
    channels), whose :meth:`Exposure.expected` gives the photons per bunch reaching the detector at
    the beam positions of one scan. The plan owns positions, drift, jitter, timing and the counting
    with the :class:`BunchCounter` (one count per bunch at most).

Pump-probe cameras (XRMS)
    :class:`FrameCamera` gives the expected photons per detector pixel of a magnetisation state and
    records a frame with its :class:`FrameDetector`; :class:`TextureEvolution` gives that state at a
    pump-probe delay.

All quantities are SI (:mod:`spinscope.units`), photon energy in eV.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = [
    "BunchCounter",
    "Exposure",
    "ExposureModel",
    "FilmGeometry",
    "FrameCamera",
    "FrameDetector",
    "RingTiming",
    "TextureEvolution",
    "TimeChannels",
]


@runtime_checkable
class TimeChannels(Protocol):
    """A stroboscopic timing scheme (e.g. :class:`spinscope.acquisition.StroboscopicScheme`).

    Attributes
    ----------
    excitation_period
        Period of the excitation [s].
    channel_times
        Time of each channel within the period [s], shape ``(n_channels,)``.
    smear_rms
        Gaussian smearing of each sample, bunch length and timing jitter in quadrature [s].
    """

    @property
    def excitation_period(self) -> float: ...

    @property
    def channel_times(self) -> np.ndarray: ...

    @property
    def smear_rms(self) -> float: ...


@runtime_checkable
class RingTiming(Protocol):
    """The storage-ring figures a raster scan needs (:class:`spinscope.sources.storage_ring.StorageRing`).

    Attributes
    ----------
    name
        Ring name.
    revolution_period
        One turn [s]: the shortest dwell that samples every bunch and phase.
    bunch_rate
        Filled bunches per second [1/s].
    beam_current
        Stored current at the start [A].
    """

    @property
    def name(self) -> str: ...

    @property
    def revolution_period(self) -> float: ...

    @property
    def bunch_rate(self) -> float: ...

    @property
    def beam_current(self) -> float: ...


@runtime_checkable
class BunchCounter(Protocol):
    """A detector that counts at most one photon per bunch (:class:`spinscope.detectors.APD`)."""

    def counts(self, photons_per_bunch: np.ndarray, n_bunches: int, rng: Any = None) -> np.ndarray:
        """int64 counts summed over ``n_bunches`` bunches of ``photons_per_bunch`` mean photons."""
        ...


@runtime_checkable
class Exposure(Protocol):
    """A magnetisation state prepared for one raster scan: what the beam sees where it points."""

    def expected(self, helicity: int, x: np.ndarray, y: np.ndarray, *, photons: np.ndarray) -> np.ndarray:
        """Mean photons per bunch reaching the detector at the beam positions.

        Parameters
        ----------
        helicity
            +1 or -1.
        x, y
            Beam positions in the beam frame [m], shape ``(ny, nx)``.
        photons
            Photons per bunch incident on the sample at each position [photons], shape ``(ny, nx)``.

        Returns
        -------
        numpy.ndarray
            ``(n_channels or 1, ny, nx)`` [photons per bunch].
        """
        ...


@runtime_checkable
class ExposureModel(Protocol):
    """The instrument side of a scanning transmission microscope (:class:`spinscope.instruments.STXM`).

    Attributes
    ----------
    energy
        Photon energy [eV].
    ring
        The storage ring's timing and current.
    detector
        The bunch counter behind the sample.
    photons_per_bunch
        Photons per bunch in the focus at the start of the run [photons].
    optical_resolution
        Rayleigh resolution of the focusing optic [m].
    """

    @property
    def energy(self) -> float: ...

    @property
    def ring(self) -> RingTiming: ...

    @property
    def detector(self) -> BunchCounter: ...

    @property
    def photons_per_bunch(self) -> float: ...

    @property
    def optical_resolution(self) -> float: ...

    def check_contrast(self) -> None:
        """Raise :class:`spinscope.errors.ConfigError` when the photon energy gives no magnetic contrast."""
        ...

    def exposure(self, magnetisation: Any, *, helicities: Sequence[int], timing: TimeChannels | None,
                 cell: float) -> Exposure:
        """Prepare ``magnetisation`` (the magnetisation contract) for scanning at ``helicities``.

        ``timing`` ``None``: a static image (one channel). ``cell`` [m] is the grid step to use when the
        magnetisation has a single cell along x.
        """
        ...

    def metadata(self) -> dict[str, Any]:
        """Parameters of the instrument, as attributes of the recorded dataset (SI floats, strings)."""
        ...


@runtime_checkable
class FrameDetector(Protocol):
    """An integrating area detector (:class:`spinscope.detectors.AreaDetector`) as a delay scan uses it.

    Attributes
    ----------
    shape
        ``(ny, nx)`` pixels.
    adc_bits, adc_max
        ADC depth and its largest value [ADU].
    distance
        Sample to detector [m].
    pixel_size
        ``(py, px)`` [m].
    center
        Beam centre ``(row, column)`` [pixels].
    dark_level, gain, full_well, read_noise
        Offset [ADU], gain [ADU per electron], full well and read noise [electrons].
    beam_stop_radius
        Radius of the beam stop [m].
    """

    shape: tuple[int, int]
    adc_bits: int
    distance: float
    pixel_size: Any
    center: Any
    dark_level: float
    gain: float
    full_well: float
    read_noise: float
    beam_stop_radius: float

    @property
    def adc_max(self) -> int: ...

    def qe(self, energy: Any) -> float:
        """Quantum efficiency at ``energy`` [eV]."""
        ...

    def electrons_per_photon(self, energy: Any) -> float:
        """Electrons per absorbed photon at ``energy`` [eV]."""
        ...

    def record(self, photons: np.ndarray, *, energy: Any, rng: Any = None, thinning: str = "poisson") -> Any:
        """One frame of expected ``photons`` per pixel: an object with ``adu`` and ``saturated`` arrays."""
        ...


@runtime_checkable
class FilmGeometry(Protocol):
    """Film constants a delay scan reads (:class:`spinscope.interaction.exit_wave.FilmOptics`).

    Attributes
    ----------
    tilt
        Film tilt about y [rad].
    energy
        Photon energy [eV].
    transmission
        Charge transmission of the film [dimensionless].
    """

    @property
    def tilt(self) -> float: ...

    @property
    def energy(self) -> float: ...

    @property
    def transmission(self) -> float: ...


@runtime_checkable
class FrameCamera(Protocol):
    """A pump-probe scattering camera (:class:`spinscope.instruments.ScatteringCamera`).

    Attributes
    ----------
    optics
        The film at the photon energy.
    detector
        The area detector.
    n, cell
        Simulation grid size [cells] and cell [m].
    illumination_profile, illumination_size
        Beam profile name and its size on the sample [m].
    polarisation
        ``"linear"``, ``+1``, ``-1`` or a degree of circular polarisation.
    """

    optics: FilmGeometry
    detector: FrameDetector
    n: int
    cell: float
    illumination_profile: str
    illumination_size: float
    polarisation: Any

    def expected(self, state: Any, *, photons: float) -> np.ndarray:
        """Expected photons per detector pixel ``(ny, nx)`` for a state and ``photons`` incident."""
        ...


@runtime_checkable
class TextureEvolution(Protocol):
    """Magnetisation after the pump (:class:`spinscope.evolution.domains.TextureDynamics`)."""

    def projection(self, t: float | None, *, tilt: float = 0.0, quench_scale: float = 1.0) -> np.ndarray:
        """Beam projection ``k . m`` per species ``(species, y, x)`` at delay ``t`` [s] (``None``: pump off).

        ``tilt`` is the film tilt about y [rad]; ``quench_scale`` scales the quench ``1 - mu`` (pump
        fluence of the frame over the nominal one).
        """
        ...
