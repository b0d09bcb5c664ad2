"""Configuration: pydantic v2 models of an experiment, loaded from TOML.

Pure data. Every model rejects unknown keys, parses unit strings ("707 eV", "20 nm") into spinscope's
internal units at validation time and checks their dimension, and carries a ``schema_version``.
"""

from spinscope.config.base import (
    Angle,
    Density,
    Duration,
    Energy,
    Fluence,
    Frequency,
    Length,
    SpinscopeModel,
    Temperature,
    quantity,
)
from spinscope.config.experiment import SCHEMA_VERSION, ExperimentConfig, LayerConfig
from spinscope.config.kinds import CONFIG_KINDS, check_config, detect_kind, load_config
from spinscope.config.load import load_toml
from spinscope.config.micromagnetics import LLGConfig
from spinscope.config.stxm import StxmConfig
from spinscope.config.ultrafast import (
    DemagConfig,
    HeatSinkConfig,
    PumpConfig,
    SublatticeConfig,
    UltrafastMaterialConfig,
)
from spinscope.config.xrms import XrmsConfig

__all__ = [
    "CONFIG_KINDS",
    "SCHEMA_VERSION",
    "Angle",
    "DemagConfig",
    "Density",
    "Duration",
    "Energy",
    "ExperimentConfig",
    "Fluence",
    "Frequency",
    "HeatSinkConfig",
    "LLGConfig",
    "LayerConfig",
    "PumpConfig",
    "Length",
    "SpinscopeModel",
    "StxmConfig",
    "XrmsConfig",
    "SublatticeConfig",
    "Temperature",
    "UltrafastMaterialConfig",
    "check_config",
    "detect_kind",
    "load_config",
    "load_toml",
    "quantity",
]
