"""Configuration of a time-resolved STXM experiment (``spinscope stxm simulate CONFIG``).

A TOML file with ``schema_version = 1`` and the sections below; every quantity takes units
(``"707.75 eV"``, ``"25 nm"``, ``"50 ps"``, ``"6.25 GHz"``, ``"30 deg"``). See
``examples/stxm_vortex.toml`` and ``examples/stxm_spinwave.toml``.

``[ring]``        storage-ring preset (bessy2, als, cls, sls, soleil, spear3), bunch length, current
``[beamline]``    photon energy, flux incident on the zone plate, degree of circular polarisation
``[zone_plate]``  diameter, outermost zone width, central stop, efficiency, defocus
``[sample]``      film stack (``[[sample.layers]]``, ``magnetic = true`` on the magnetic layer), tilt
``[magnetisation]``  the movie: ``scenario = "vortex" | "spin_wave" | "file"`` and its parameters
``[scan]``        pixel size, pixels, dwell, interferometer step and jitter, thermal drift
``[excitation]``  frequency (or ``ratio = "M/N"``) and ``phases`` N, timing jitter, normalisation
``[detector]``    APD quantum efficiency, dead time, dark counts
``helicities``    e.g. ``[1, -1]``
``[plan]``        signal and SNR for ``spinscope plan CONFIG``
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from spinscope.config.base import (
    Angle,
    Duration,
    Energy,
    Frequency,
    Length,
    SpinscopeModel,
    positive,
    quantity,
)
from spinscope.config.experiment import SampleConfig
from spinscope.config.limits import DWELL_MAX, ENERGY_RANGE, SEED_MAX, in_range

__all__ = [
    "DetectorSection",
    "ExcitationSection",
    "FileMovie",
    "PlanSection",
    "RingSection",
    "ScanSection",
    "SpinWaveMovie",
    "StxmBeamline",
    "StxmConfig",
    "StxmSample",
    "VortexMovie",
    "ZonePlateSection",
]

Magnetisation = quantity("magnetisation")
Exchange = quantity("exchange")


class RingSection(SpinscopeModel):
    """Storage ring: a preset, optionally with bunch length and current replaced.

    Attributes
    ----------
    preset
        ``bessy2``, ``als``, ``cls``, ``sls``, ``soleil`` or ``spear3``.
    bunch_fwhm
        Bunch length FWHM [s] (replaces the preset's).
    beam_current
        Stored current [A].
    """

    preset: str = "bessy2"
    bunch_fwhm: Duration | None = None
    beam_current: Annotated[float, Field(gt=0)] | None = None

    @field_validator("bunch_fwhm")
    @classmethod
    def _pos(cls, v):
        return positive(v, "a positive duration such as '50 ps'")


class StxmBeamline(SpinscopeModel):
    """Beamline at the sample.

    Attributes
    ----------
    energy
        Photon energy [eV].
    flux
        Photons per second incident on the zone plate [1/s]; the flux in focus is this times the
        zone-plate efficiency.
    circular_polarisation
        Degree of circular polarisation, 0..1.
    """

    energy: Energy
    flux: Annotated[float, Field(gt=0)] = 1e9
    circular_polarisation: Annotated[float, Field(ge=0, le=1)] = 0.9

    @field_validator("energy")
    @classmethod
    def _pos(cls, v):
        positive(v, "a positive photon energy such as '707.75 eV'")
        return in_range(v, *ENERGY_RANGE, "a photon energy within the optical tables", unit="eV")


class ZonePlateSection(SpinscopeModel):
    """Zone plate (defaults: 240 um diameter, 25 nm outer zone, 90 um central stop).

    Attributes
    ----------
    diameter, outer_zone_width, central_stop
        [m].
    efficiency
        First-order efficiency (``None``: 1/pi^2).
    defocus
        Sample distance from focus [m].
    """

    diameter: Length = 240e-6
    outer_zone_width: Length = 25e-9
    central_stop: Length = 90e-6
    efficiency: Annotated[float, Field(gt=0, le=1)] | None = None
    defocus: Length = 0.0

    @field_validator("diameter", "outer_zone_width")
    @classmethod
    def _pos(cls, v):
        return positive(v, "a positive length", unit="m")

    @field_validator("central_stop")
    @classmethod
    def _stop(cls, v):
        if not (math.isfinite(v) and v >= 0):
            raise ValueError(f"expected a non-negative length, got {v!r} m")
        return v


class StxmSample(SampleConfig):
    """Film stack (``layers``) and its tilt about y.

    Attributes
    ----------
    tilt
        Rotation of the sample about y [rad] (``"30 deg"``); 0 for out-of-plane contrast.
    """

    tilt: Angle = 0.0

    @field_validator("tilt")
    @classmethod
    def _tilt(cls, v):
        if not math.isfinite(v) or abs(v) >= math.radians(85):
            raise ValueError(f"expected |tilt| < 85 deg, got {math.degrees(v):.4g} deg")
        return v


class VortexMovie(SpinscopeModel):
    """Vortex gyration in a disk (Thiele model, :mod:`spinscope.evolution.vortex`).

    Attributes
    ----------
    shape
        ``disk`` or ``square`` (side 2 x radius, Landau closure state).
    radius, thickness, cell
        Disk radius (half side of a square), thickness and cell size [m].
    gyration_radius
        Largest core displacement [m].
    ms, exchange, alpha
        Saturation magnetisation [A/m], exchange stiffness [J/m], damping.
    polarity, chirality
        +1 or -1.
    frames
        Movie frames per excitation period (a multiple of the phases is best).
    """

    scenario: Literal["vortex"]
    shape: Literal["disk", "square"] = "disk"
    radius: Length = 500e-9
    thickness: Length = 40e-9
    cell: Length = 10e-9
    gyration_radius: Length = 50e-9
    ms: Magnetisation = 800e3
    exchange: Exchange = 13e-12
    alpha: Annotated[float, Field(ge=0)] = 0.01
    polarity: Literal[1, -1] = 1
    chirality: Literal[1, -1] = 1
    frames: Annotated[int, Field(ge=1, le=1024)] | None = None

    @field_validator("radius", "thickness", "cell", "gyration_radius", "ms")
    @classmethod
    def _pos(cls, v):
        return positive(v, "a positive value (SI)")


class SpinWaveMovie(SpinscopeModel):
    """Radial spin wave from a nanocontact (:mod:`spinscope.evolution.spin_wave`).

    Attributes
    ----------
    size, cell
        Field of view and cell size [m].
    wavelength, contact_radius, decay_length
        [m].
    cone_angle
        Cone half-angle under the contact [rad].
    equilibrium
        Equilibrium direction (3-vector).
    frames
        Movie frames per excitation period.
    """

    scenario: Literal["spin_wave"]
    size: Length = 1.5e-6
    cell: Length = 10e-9
    wavelength: Length = 300e-9
    cone_angle: Angle = math.radians(1.0)
    contact_radius: Length = 50e-9
    decay_length: Length = 500e-9
    equilibrium: tuple[float, float, float] = (1.0, 0.0, 0.0)
    frames: Annotated[int, Field(ge=1, le=1024)] | None = None

    @field_validator("size", "cell", "wavelength", "contact_radius", "decay_length")
    @classmethod
    def _pos(cls, v):
        return positive(v, "a positive length", unit="m")


class FileMovie(SpinscopeModel):
    """A magnetisation (movie) from a file: OVF/OMF, or a spinscope NeXus file holding one.

    Attributes
    ----------
    path
        File [path], relative to the configuration file's folder.
    """

    scenario: Literal["file"]
    path: str = Field(min_length=1)


class ScanSection(SpinscopeModel):
    """Raster scan.

    Attributes
    ----------
    pixel_size
        Step [m].
    nx, ny
        Pixels.
    dwell
        Dwell per pixel [s] (at least one ring revolution).
    interferometer_step
        Smallest stage increment [m].
    jitter
        rms position jitter [m].
    drift_x, drift_y
        Thermal drift velocity [m/s] (``"0.2 nm/s"`` is not a parsed unit; give m/s numbers).
    intensity_drift
        Relative amplitude of a slow beam-intensity drift seen by the ring-current monitor.
    """

    pixel_size: Length
    nx: Annotated[int, Field(ge=1, le=4096)]
    ny: Annotated[int, Field(ge=1, le=4096)]
    dwell: Duration
    interferometer_step: Length = 1e-9
    jitter: Length = 0.0
    drift_x: float = 0.0
    drift_y: float = 0.0
    intensity_drift: Annotated[float, Field(ge=0, lt=1)] = 0.0

    @field_validator("pixel_size", "dwell", "interferometer_step")
    @classmethod
    def _pos(cls, v):
        return positive(v, "a positive value")

    @field_validator("dwell")
    @classmethod
    def _dwell(cls, v):
        return in_range(v, 0.0, DWELL_MAX, "a dwell per pixel (a 4096^2 scan at 1e3 s takes 500 years)",
                        unit="s", lo_open=True)

    @field_validator("jitter")
    @classmethod
    def _jitter(cls, v):
        if not (math.isfinite(v) and v >= 0):
            raise ValueError(f"expected a non-negative rms jitter, got {v!r} m")
        return v


class ExcitationSection(SpinscopeModel):
    """Pump: excitation locked to the RF at ``f_RF M / N``.

    Attributes
    ----------
    frequency
        Wanted excitation frequency [Hz]; ``M`` is chosen coprime to ``N = phases``.
    ratio
        Explicit ``"M/N"`` (overrides ``frequency``).
    phases
        Time channels N (when ``ratio`` is not given).
    jitter
        rms timing jitter [s].
    normalisation
        ``"none"`` or ``"even-odd"`` (pump on even revolutions, odd ones as reference).
    """

    frequency: Frequency | None = None
    ratio: str | None = None
    phases: Annotated[int, Field(ge=1, le=4096)] | None = None
    jitter: Duration = 0.0
    normalisation: Literal["none", "even-odd"] = "none"

    @field_validator("frequency")
    @classmethod
    def _freq(cls, v):
        return positive(v, "a positive excitation frequency such as '400 MHz'", unit="Hz")

    @field_validator("jitter")
    @classmethod
    def _jitter(cls, v):
        if not (math.isfinite(v) and 0 <= v <= 1e-6):
            raise ValueError(f"expected an rms timing jitter in [0, 1e-06] s, got {v!r} s")
        return v

    @model_validator(mode="after")
    def _given(self):
        if self.ratio is None and (self.frequency is None or self.phases is None):
            raise ValueError("give ratio = 'M/N', or frequency and phases")
        return self


class DetectorSection(SpinscopeModel):
    """APD.

    Attributes
    ----------
    quantum_efficiency
        0..1.
    dead_time
        [s].
    dark_count_rate
        [1/s].
    """

    quantum_efficiency: Annotated[float, Field(gt=0, le=1)] = 0.9
    dead_time: Duration = 0.0
    dark_count_rate: Annotated[float, Field(ge=0)] = 0.0

    @field_validator("dead_time")
    @classmethod
    def _dead(cls, v):
        if not (math.isfinite(v) and 0 <= v <= 1e-3):
            raise ValueError(f"expected a dead time in [0, 0.001] s, got {v!r} s")
        return v


class PlanSection(SpinscopeModel):
    """Targets of ``spinscope plan CONFIG``.

    Attributes
    ----------
    signal
        Relative signal per pixel and channel (``None``: estimated from the scenario).
    snr
        Wanted signal-to-noise ratio.
    """

    signal: Annotated[float, Field(gt=0)] | None = None
    snr: Annotated[float, Field(gt=0)] = 3.0


class StxmConfig(SpinscopeModel):
    """A time-resolved XMCD-STXM experiment.

    Attributes
    ----------
    schema_version
        1.
    name
        Label.
    seed
        Random seed (``None``: drawn and recorded).
    ring, beamline, zone_plate, sample, magnetisation, scan, excitation, detector, plan
        The sections described in the module docstring.
    helicities
        Helicities scanned, in order.
    """

    schema_version: Literal[1]
    name: str = "stxm"
    seed: Annotated[int, Field(ge=0, le=SEED_MAX)] | None = None
    ring: RingSection = Field(default_factory=RingSection)
    beamline: StxmBeamline
    zone_plate: ZonePlateSection = Field(default_factory=ZonePlateSection)
    sample: StxmSample
    magnetisation: Annotated[VortexMovie | SpinWaveMovie | FileMovie, Field(discriminator="scenario")]
    scan: ScanSection
    excitation: ExcitationSection | None = None
    detector: DetectorSection = Field(default_factory=DetectorSection)
    helicities: list[Literal[1, -1]] = Field(default_factory=lambda: [1, -1], min_length=1, max_length=2)
    plan: PlanSection = Field(default_factory=PlanSection)

    @field_validator("helicities")
    @classmethod
    def _distinct(cls, v):
        if len(set(v)) != len(v):
            raise ValueError(f"expected distinct helicities, got {v}")
        return v
