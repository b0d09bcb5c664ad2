"""The experiment description shared by every instrument: sample stack and photon beam.

Instrument issues extend :class:`ExperimentConfig` with their own optional sections (source, optics,
detector, pump, acquisition); a file only needs the sections its command uses.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from spinscope.config.base import Density, Energy, Length, SpinscopeModel, positive
from spinscope.config.limits import ENERGY_RANGE, SEED_MAX, in_range

__all__ = ["SCHEMA_VERSION", "BeamConfig", "EnergyGrid", "ExperimentConfig", "LayerConfig",
           "SampleConfig"]

#: Version of the configuration schema this package reads and writes.
SCHEMA_VERSION = 1


class LayerConfig(SpinscopeModel):
    """One layer of the film stack, in beam order.

    Attributes
    ----------
    material
        Element symbol, formula (``"Co80Tb20"``, ``"Si3N4"``) or named material.
    thickness
        Layer thickness [m]; strings such as ``"20 nm"`` are accepted.
    density
        Mass density [kg/m^3] (``"8.9 g/cm^3"``); taken from the element or material table if omitted.
    magnetic
        Whether the layer carries the magnetisation (its magnetic optical constants are used).
    """

    material: str = Field(min_length=1)
    thickness: Length
    density: Density | None = None
    magnetic: bool = False

    @field_validator("thickness")
    @classmethod
    def _positive_thickness(cls, v: float) -> float:
        return positive(v, "a positive length such as '20 nm'", unit="m")

    @field_validator("density")
    @classmethod
    def _positive_density(cls, v: float | None) -> float | None:
        return positive(v, "a positive density such as '8.9 g/cm^3'", unit="kg/m^3")


class SampleConfig(SpinscopeModel):
    """The sample: a stack of layers on (optionally) a membrane, all listed in ``layers``.

    Attributes
    ----------
    name
        Free label.
    layers
        Layers in the order the beam meets them (at least one).
    """

    name: str = "sample"
    layers: list[LayerConfig] = Field(min_length=1)


class EnergyGrid(SpinscopeModel):
    """A regular photon-energy grid.

    Attributes
    ----------
    start
        First energy [eV].
    stop
        Last energy [eV] (included when on the grid).
    step
        Energy step [eV] (positive).
    """

    start: Energy
    stop: Energy
    step: Energy

    @model_validator(mode="after")
    def _ordered(self) -> EnergyGrid:
        positive(self.start, "a positive energy", field="start", unit="eV")
        positive(self.step, "a positive energy step", field="step", unit="eV")
        for name in ("start", "stop"):
            try:
                in_range(getattr(self, name), *ENERGY_RANGE, "a photon energy within the optical tables",
                         unit="eV")
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
        if self.stop < self.start:
            raise ValueError(f"stop ({self.stop} eV) must not be below start ({self.start} eV)")
        if (self.stop - self.start) / self.step > 1_000_000:
            raise ValueError("more than 1e6 energies: increase step")
        return self

    def values(self):
        """Return the grid.

        Returns
        -------
        numpy.ndarray
            Photon energies [eV].
        """
        n = int(np.floor((self.stop - self.start) / self.step + 1e-9)) + 1
        return self.start + self.step * np.arange(n)


class BeamConfig(SpinscopeModel):
    """The photon beam at the sample.

    Attributes
    ----------
    energy
        Photon energy [eV] for single-energy work.
    energies
        Energy grids [eV] for spectra (several ranges allowed, e.g. an N edge and an M edge).
    helicity
        +1, -1 (circular) or 0 (linear).
    """

    energy: Energy | None = None
    energies: list[EnergyGrid] = Field(default_factory=list)
    helicity: Literal[1, -1, 0] = 1

    @field_validator("energy")
    @classmethod
    def _positive_energy(cls, v: float | None) -> float | None:
        positive(v, "a positive photon energy such as '707 eV'", unit="eV")
        return in_range(v, *ENERGY_RANGE, "a photon energy within the optical tables", unit="eV")


class ExperimentConfig(SpinscopeModel):
    """Top-level experiment description read from a TOML file.

    Attributes
    ----------
    schema_version
        Must equal :data:`SCHEMA_VERSION`.
    name
        Free label, written into outputs.
    seed
        Seed of the random generator (recorded in every output); ``None`` draws one.
    sample
        The film stack.
    beam
        The photon beam.
    """

    schema_version: Literal[1]
    name: str = "experiment"
    seed: int | None = Field(default=None, ge=0, le=SEED_MAX)
    sample: SampleConfig
    beam: BeamConfig = Field(default_factory=BeamConfig)
