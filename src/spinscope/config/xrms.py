"""Configuration of a simulated time-resolved magnetic small-angle scattering delay scan.

``spinscope xrms simulate CONFIG -o OUT`` and ``spinscope demo`` read a TOML file with
``schema_version = 1``, ``name``, ``seed`` and these sections (every quantity takes units):

``[source]``        ``kind = "hhg"`` (a Fan et al. 2022-like HHG comb: ``edge`` such as ``"Tb N5"`` or
                    ``energy``; flux, repetition rate, X-ray pulse length) or ``kind = "plasma"`` (a laser
                    plasma continuum monochromatised at ``energy``; optional circular polariser degree);
                    ``beamline_transmission`` from source to sample.
``[sample]``        film stack ``layers`` (``magnetic = true`` on the magnetic layer), ``texture``
                    (``labyrinth``, ``stripes``, ``bubbles``), ``period``, ``wall_width``, ``wall_type``,
                    ``seed``, ``tilt``.
``[illumination]``  ``profile`` (``gaussian``/``tophat``), ``size``, ``coherence_length``, ``polarisation``.
``[pump]``          ``fluence``, ``duration``, ``wavelength``, ``spot_fwhm``, ``jitter`` (rms).
``[dynamics]``      ``material`` (ultrafast preset: ``CoTb``, ``FeGd``, ...), ``demagnetisation`` on/off,
                    ``wall_broadening``, ``wall_velocity`` (``"200 m/s"``), ``max_expansion``,
                    ``thermal_expansion``, ``thermal_time``, ``recovery_time``, ``nodes``, ``lookup``.
``[detector]``      ``shape``, ``pixel_size``, ``distance``, ``beam_stop_radius``, ``quantum_efficiency``,
                    ``gain``, ``read_noise``, ``full_well``, ``adc_bits``, ``dark_level``, ``oversampling``.
``[scan]``          ``delays`` (a list of times, and/or ``ranges`` with ``start``, ``stop``, ``num``),
                    ``exposure``, ``exposures``, ``pump_off``, ``source_fluctuation``, ``pump_fluctuation``,
                    ``drift``.

Unknown keys are rejected; a quantity of the wrong dimension names its field.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PlainSerializer, field_validator, model_validator

from spinscope.config.base import (
    Angle,
    Duration,
    Energy,
    Fluence,
    Frequency,
    Length,
    SpinscopeModel,
    positive,
)
from spinscope.config.experiment import LayerConfig
from spinscope.config.limits import DELAY_MAX, ENERGY_RANGE, EXPOSURE_MAX, SEED_MAX, in_range
from spinscope.errors import UnitError
from spinscope.units import parse_quantity

__all__ = [
    "DetectorSection",
    "DynamicsSection",
    "IlluminationSection",
    "PumpSection",
    "ScanRange",
    "ScanSection",
    "SourceSection",
    "XrmsConfig",
    "XrmsSample",
]

SCHEMA_VERSION = 1


def _velocity(value: Any) -> float:
    """A speed ``"200 m/s"`` (or a number in m/s) [m/s], parsed as a length per second."""
    if isinstance(value, int | float):
        return float(value)
    try:
        return parse_quantity(f"({value}) * (1 s)", "length")
    except UnitError:
        raise ValueError(f"expected a speed such as '200 m/s', got {value!r}") from None


Velocity = Annotated[float, BeforeValidator(_velocity), PlainSerializer(lambda v: f"{v!r} m/s")]


def _energy_range(value: float | None, name: str) -> None:
    """Refuse a photon energy [eV] outside the optical tables' range (``ValueError`` naming ``name``)."""
    try:
        in_range(value, *ENERGY_RANGE, "a photon energy within the optical tables", unit="eV")
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


#: Seeds: what HDF5 and numpy store as a signed 64-bit integer.
Seed = Annotated[int, Field(ge=0, le=SEED_MAX)]
#: Most delays of a scan (every delay is a set of detector frames).
MAX_DELAYS = 100_000


class SourceSection(SpinscopeModel):
    """The X-ray source at the photon energy of the experiment.

    Attributes
    ----------
    kind
        ``"hhg"`` or ``"plasma"``.
    edge
        HHG: absorption edge ``"Element EDGE"`` whose nearest harmonic is used (e.g. ``"Tb N5"``).
    energy
        Photon energy [eV] (HHG: the nearest harmonic is taken; plasma: the monochromator setting).
    flux_per_1pct_bw
        HHG plateau spectral flux [photons/s/1 % BW] (Fan et al. 2022: > 2e9).
    driver_wavelength
        HHG driver wavelength [m].
    intensity
        HHG peak driver intensity [W/m^2] (sets the cutoff); default that of the Fan et al. preset.
    relative_bandwidth
        HHG harmonic FWHM over energy.
    repetition_rate
        Pulse rate [Hz].
    pulse_duration
        X-ray pulse FWHM [s].
    reference_flux, reference_energy, slope, resolving_power, monochromator_efficiency
        Plasma source spectrum ``S(E) = reference_flux exp(-(E - reference_energy) / slope)``
        [photons/s/eV] and its monochromator (``E / dE``, peak efficiency).
    beamline_transmission
        Fraction of the source photons that reach the sample (filters, mirrors) [dimensionless].
    """

    kind: Literal["hhg", "plasma"] = "hhg"
    edge: str | None = None
    energy: Energy | None = None
    flux_per_1pct_bw: Annotated[float, Field(gt=0)] = 2e9
    driver_wavelength: Length = 1.03e-6
    intensity: Annotated[float, Field(gt=0)] | None = None
    relative_bandwidth: Annotated[float, Field(gt=0, lt=1)] = 5e-3
    repetition_rate: Frequency = 1e3
    pulse_duration: Duration = 20e-15
    reference_flux: Annotated[float, Field(gt=0)] = 1e9
    reference_energy: Energy = 700.0
    slope: Energy = 400.0
    resolving_power: Annotated[float, Field(gt=1)] = 500.0
    monochromator_efficiency: Annotated[float, Field(gt=0, le=1)] = 0.1
    beamline_transmission: Annotated[float, Field(gt=0, le=1)] = 1.0

    @model_validator(mode="after")
    def _energy_given(self) -> SourceSection:
        if self.kind == "hhg" and self.edge is None and self.energy is None:
            raise ValueError("hhg source: give 'edge' (e.g. 'Tb N5') or 'energy'")
        if self.kind == "plasma" and self.energy is None:
            raise ValueError("plasma source: give the monochromator 'energy'")
        if self.edge is not None and len(self.edge.split()) != 2:
            raise ValueError(f"edge: expected 'Element EDGE' such as 'Tb N5', got {self.edge!r}")
        for name in ("repetition_rate", "pulse_duration", "driver_wavelength", "slope"):
            positive(getattr(self, name), f"a positive {name}")
        for name in ("energy", "reference_energy"):
            _energy_range(getattr(self, name), name)
        return self


class XrmsSample(SpinscopeModel):
    """Film stack and domain texture.

    Attributes
    ----------
    name
        Free label.
    layers
        Film stack in beam order; one layer with ``magnetic = true``.
    texture
        ``"labyrinth"``, ``"stripes"``, ``"bubbles"``, or ``"file"`` (``texture_file``).
    texture_file
        OVF or spinscope NeXus magnetisation for ``texture = "file"`` [path, relative to the working
        folder]; resampled onto the simulation grid and tiled periodically.
    period
        Domain period [m] (for a file texture: the expected period, which places the ring window).
    wall_width
        tanh wall-width parameter ``w0`` [m].
    wall_type
        ``"bloch"`` or ``"neel"``.
    seed
        Seed of the labyrinth generator.
    relaxation_steps
        Swift-Hohenberg relaxation steps of the labyrinth.
    tilt
        Film tilt about y [rad] (``"10 deg"``).
    """

    name: str = "sample"
    layers: list[LayerConfig] = Field(min_length=1)
    texture: Literal["labyrinth", "stripes", "bubbles", "file"] = "labyrinth"
    texture_file: str | None = None
    period: Length
    wall_width: Length
    wall_type: Literal["bloch", "neel"] = "bloch"
    seed: Seed = 1
    relaxation_steps: Annotated[int, Field(ge=10, le=5000)] = 200
    tilt: Angle = 0.0

    @model_validator(mode="after")
    def _check(self) -> XrmsSample:
        positive(self.period, "a positive period such as '120 nm'")
        positive(self.wall_width, "a positive wall width such as '8 nm'")
        if self.texture == "file" and not self.texture_file:
            raise ValueError("texture_file: give the OVF or NeXus file of texture = 'file'")
        if self.texture_file and self.texture != "file":
            raise ValueError("texture_file: only used with texture = 'file'")
        if not any(layer.magnetic for layer in self.layers):
            raise ValueError("layers: mark the magnetic layer with magnetic = true")
        if self.wall_width > self.period / 4:
            raise ValueError(f"wall_width: {self.wall_width:.3g} m exceeds a quarter period")
        if not abs(self.tilt) < math.pi / 2:
            raise ValueError("tilt: expected |tilt| < 90 deg")
        return self


class IlluminationSection(SpinscopeModel):
    """Beam on the sample.

    Attributes
    ----------
    profile
        ``"gaussian"`` or ``"tophat"``.
    size
        Intensity FWHM or disc diameter [m].
    coherence_length
        Transverse coherence length (Gaussian Schell model) [m]; omit for full coherence.
    polarisation
        ``"linear"``, or a degree of circular polarisation in [-1, 1] (``1``: helicity +1).
    """

    profile: Literal["gaussian", "tophat"] = "gaussian"
    size: Length = 2e-6
    coherence_length: Length | None = None
    polarisation: Literal["linear"] | Annotated[float, Field(ge=-1, le=1)] = "linear"

    @field_validator("size", "coherence_length")
    @classmethod
    def _p(cls, v):
        return positive(v, "a positive length")


class PumpSection(SpinscopeModel):
    """Optical pump.

    Attributes
    ----------
    fluence
        Incident peak fluence [J/m^2] (``"1 mJ/cm^2"``).
    duration
        Pump FWHM [s].
    wavelength
        Pump wavelength [m].
    spot_fwhm
        Pump spot FWHM on the sample [m].
    jitter
        Rms pump-probe timing jitter [s].
    """

    fluence: Fluence
    duration: Duration = 40e-15
    wavelength: Length = 1.03e-6
    spot_fwhm: Length = 200e-6
    jitter: Duration = 0.0

    @model_validator(mode="after")
    def _check(self) -> PumpSection:
        for name in ("fluence", "duration", "wavelength", "spot_fwhm"):
            positive(getattr(self, name), f"a positive {name}")
        if self.jitter < 0:
            raise ValueError("jitter: expected a non-negative time")
        if self.fluence > 1e3:
            raise ValueError(f"fluence: expected at most 1000 J/m^2 (100 mJ/cm^2, the ablation range of "
                             f"metal films), got {self.fluence!r} J/m^2")
        if self.duration > 1e-9 or self.jitter > 1e-9:
            raise ValueError("duration, jitter: expected at most 1 ns (a pump-probe pulse and its jitter)")
        return self


class DynamicsSection(SpinscopeModel):
    """Texture dynamics (spinscope.evolution.domains).

    Attributes
    ----------
    material
        Ultrafast material preset (``CoTb``, ``FeGd``, ``GdFeCo``, ...).
    demagnetisation
        Per-pixel demagnetisation on/off.
    model
        Material model (``auto``, ``M3TM``).
    wall_broadening, max_expansion, thermal_expansion
        Model parameters [dimensionless].
    wall_velocity
        Wall velocity of the domain expansion [m/s].
    thermal_time, recovery_time
        Times of the thermal rearrangement and of the structural recovery [s]; omit for none.
    nodes, lookup
        Absorbed-energy nodes of the pump map and solved energies (solve_pixels' ``lookup``).
    """

    material: str = "CoTb"
    demagnetisation: bool = True
    model: str = "auto"
    wall_broadening: Annotated[float, Field(ge=0)] = 0.0
    wall_velocity: Velocity = 0.0
    max_expansion: Annotated[float, Field(ge=0, lt=1)] = 0.0
    thermal_expansion: Annotated[float, Field(ge=0, lt=1)] = 0.0
    thermal_time: Duration | None = None
    recovery_time: Duration | None = None
    nodes: Annotated[int, Field(ge=4, le=1000)] = 24
    lookup: Annotated[int, Field(ge=4, le=64)] = 8

    @model_validator(mode="after")
    def _check(self) -> DynamicsSection:
        if self.wall_velocity < 0:
            raise ValueError("wall_velocity: expected a non-negative speed")
        if self.wall_velocity > 0 and self.max_expansion <= 0:
            raise ValueError("max_expansion: a wall velocity needs max_expansion > 0")
        if self.thermal_expansion > 0 and self.thermal_time is None:
            raise ValueError("thermal_time: thermal_expansion needs a thermal_time")
        for name in ("thermal_time", "recovery_time"):
            positive(getattr(self, name), f"a positive {name}")
        return self


class DetectorSection(SpinscopeModel):
    """Area detector and simulation grid (:class:`spinscope.detectors.AreaDetector`).

    Attributes
    ----------
    shape
        Pixels ``[ny, nx]``.
    pixel_size
        Pixel pitch [m] (after binning).
    distance
        Sample-detector distance [m].
    beam_stop_radius
        Beam-stop radius on the detector [m].
    quantum_efficiency
        Fixed QE; omit for the silicon model.
    gain, read_noise, full_well, adc_bits, dark_level
        ADU per electron, electrons rms, electrons, bits, ADU.
    oversampling
        Nyquist margin of the simulation grid over the detector (>= 1).
    """

    shape: tuple[Annotated[int, Field(ge=16, le=4096)], Annotated[int, Field(ge=16, le=4096)]] = (256, 256)
    pixel_size: Length = 27e-6
    distance: Length = 0.025
    beam_stop_radius: Length = 0.0
    quantum_efficiency: Annotated[float, Field(gt=0, le=1)] | None = None
    gain: Annotated[float, Field(gt=0)] = 0.5
    read_noise: Annotated[float, Field(ge=0)] = 5.0
    full_well: Annotated[float, Field(gt=0)] = 1e5
    adc_bits: Annotated[int, Field(ge=8, le=32)] = 16
    dark_level: Annotated[float, Field(ge=0)] = 100.0
    oversampling: Annotated[float, Field(ge=1, le=8)] = 3.0

    @model_validator(mode="after")
    def _check(self) -> DetectorSection:
        positive(self.pixel_size, "a positive pixel size")
        positive(self.distance, "a positive distance")
        if self.beam_stop_radius < 0:
            raise ValueError("beam_stop_radius: expected a non-negative length")
        return self


class ScanRange(SpinscopeModel):
    """Evenly spaced delays ``start .. stop`` (both included), ``num`` of them."""

    start: Duration
    stop: Duration
    num: Annotated[int, Field(ge=1, le=100000)]

    @field_validator("start", "stop")
    @classmethod
    def _delay(cls, v):
        return in_range(v, -DELAY_MAX, DELAY_MAX, "a pump-probe delay (beyond any pulse period)", unit="s")


class ScanSection(SpinscopeModel):
    """The delay scan (:class:`spinscope.acquisition.delay_scan.DelayScan`).

    Attributes
    ----------
    delays
        Delays [s] (``"-0.5 ps"``), any order, negative ones included.
    ranges
        Further evenly spaced delays.
    exposure
        Exposure per frame [s].
    exposures
        Frames per delay.
    pump_off
        Interleaved pump-off frames at every delay.
    source_fluctuation, pump_fluctuation, drift
        Shot-to-shot rms of the probe and pump, delay-to-delay source drift [relative].
    """

    delays: list[Duration] = Field(default_factory=list)
    ranges: list[ScanRange] = Field(default_factory=list)
    exposure: Duration = 1.0
    exposures: Annotated[int, Field(ge=1, le=1000)] = 1
    pump_off: bool = True
    source_fluctuation: Annotated[float, Field(ge=0, lt=1)] = 0.0
    pump_fluctuation: Annotated[float, Field(ge=0, lt=1)] = 0.0
    drift: Annotated[float, Field(ge=0, lt=1)] = 0.0

    @field_validator("delays", "ranges", mode="before")
    @classmethod
    def _not_too_many(cls, v):
        # checked before each entry is parsed, so that a huge list is refused at once
        if isinstance(v, list | tuple) and len(v) > MAX_DELAYS:
            raise ValueError(f"expected at most {MAX_DELAYS} entries, got {len(v)}")
        return v

    @field_validator("delays")
    @classmethod
    def _delays(cls, v):
        for d in v:
            in_range(d, -DELAY_MAX, DELAY_MAX, "pump-probe delays (beyond any pulse period)", unit="s")
        return v

    @model_validator(mode="after")
    def _check(self) -> ScanSection:
        positive(self.exposure, "a positive exposure such as '10 s'")
        if self.exposure > EXPOSURE_MAX:
            raise ValueError(f"exposure: expected at most {EXPOSURE_MAX:g} s (about a day per frame), got "
                             f"{self.exposure!r} s")
        n = len(self.delays) + sum(r.num for r in self.ranges)
        if n > MAX_DELAYS:
            raise ValueError(f"delays, ranges: {n} delays, more than {MAX_DELAYS}; use fewer delays")
        vals = self.values()
        if len(vals) < 6:
            raise ValueError(f"delays: expected at least 6 delays for a fit, got {len(vals)}")
        if len(set(vals)) != len(vals):
            raise ValueError("delays: expected distinct delays")
        return self

    def values(self) -> list[float]:
        """All delays in acquisition order [s]: ``delays`` then each range."""
        out = list(self.delays)
        for r in self.ranges:
            if r.num == 1:
                out.append(r.start)
            else:
                out += [r.start + (r.stop - r.start) * i / (r.num - 1) for i in range(r.num)]
        return out


class XrmsConfig(SpinscopeModel):
    """A simulated time-resolved XRMS experiment (module notes)."""

    schema_version: Literal[1] = 1
    name: str = "xrms"
    seed: Seed = 0
    source: SourceSection
    sample: XrmsSample
    illumination: IlluminationSection = IlluminationSection()
    pump: PumpSection
    dynamics: DynamicsSection = DynamicsSection()
    detector: DetectorSection = DetectorSection()
    scan: ScanSection
