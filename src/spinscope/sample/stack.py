"""Film stacks on a membrane, built on :class:`spinscope.config.LayerConfig` / ``SampleConfig``.

A transmission sample for soft X-ray scattering is a magnetic film (often with seed and capping
layers) grown on a thin silicon-nitride membrane. This module only assembles such stacks from the
configuration models (no second description of a layer exists); the optical constants of each layer
come from :mod:`spinscope.materials`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from spinscope.config.experiment import LayerConfig, SampleConfig
from spinscope.errors import ConfigError

__all__ = ["film_on_membrane", "magnetic_thickness", "total_thickness"]


def _layer(item: Any, i: int) -> LayerConfig:
    if isinstance(item, LayerConfig):
        return item
    try:
        if isinstance(item, Mapping):
            return LayerConfig(**item)
        if isinstance(item, tuple | list) and 2 <= len(item) <= 3:
            kw = {"material": item[0], "thickness": item[1]}
            if len(item) == 3:
                kw["magnetic"] = bool(item[2])
            return LayerConfig(**kw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(v) for v in err["loc"])
        raise ConfigError(f"layers[{i}].{loc}: {err['msg']}") from None
    raise ConfigError(
        f"layers[{i}]: expected a LayerConfig, a mapping or a (material, thickness[, magnetic]) tuple, "
        f"got {item!r}"
    )


def film_on_membrane(
    layers: Iterable[Any],
    *,
    membrane: str = "Si3N4",
    membrane_thickness: Any = "100 nm",
    membrane_density: Any = None,
    membrane_first: bool = True,
    name: str = "sample",
) -> SampleConfig:
    """A film stack on a membrane, in the order the beam meets the layers.

    Parameters
    ----------
    layers
        The film layers, each a :class:`~spinscope.config.LayerConfig`, a mapping of its fields or a
        tuple ``(material, thickness[, magnetic])`` (thickness [m] or a string such as ``"20 nm"``).
    membrane
        Membrane material (formula or named material).
    membrane_thickness
        Membrane thickness [m]; ``None`` or 0 for a free-standing film.
    membrane_density
        Membrane density [kg/m^3]; ``None`` takes the material table value.
    membrane_first
        ``True`` when the beam crosses the membrane before the film (film on the downstream side).
    name
        Label of the sample.

    Returns
    -------
    SampleConfig
        The stack, membrane included.
    """
    film = [_layer(item, i) for i, item in enumerate(layers)]
    if not film:
        raise ConfigError("layers: expected at least one film layer")
    stack = list(film)
    if membrane_thickness not in (None, 0, 0.0):
        try:
            mem = LayerConfig(material=membrane, thickness=membrane_thickness, density=membrane_density)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ConfigError(f"membrane_{err['loc'][0]}: {err['msg']}") from None
        stack = [mem, *film] if membrane_first else [*film, mem]
    return SampleConfig(name=name, layers=stack)


def total_thickness(sample: SampleConfig) -> float:
    """Sum of all layer thicknesses.

    Parameters
    ----------
    sample
        The stack.

    Returns
    -------
    float
        Thickness [m].
    """
    return float(sum(layer.thickness for layer in sample.layers))


def magnetic_thickness(sample: SampleConfig) -> float:
    """Summed thickness of the layers marked ``magnetic``.

    Parameters
    ----------
    sample
        The stack.

    Returns
    -------
    float
        Thickness [m].
    """
    return float(sum(layer.thickness for layer in sample.layers if layer.magnetic))
