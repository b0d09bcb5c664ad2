"""The kinds of configuration file spinscope reads, and which kind a file is.

Each command reads one kind of TOML file: ``xrms simulate`` an :class:`~spinscope.config.xrms.XrmsConfig`,
``stxm simulate`` and ``plan`` a :class:`~spinscope.config.stxm.StxmConfig`, ``llg run`` an
:class:`~spinscope.config.micromagnetics.LLGConfig`, ``demag --config`` a
:class:`~spinscope.config.ultrafast.DemagConfig`, and the sample-stack tools an
:class:`~spinscope.config.experiment.ExperimentConfig`. The files carry no ``kind`` key (the shipped
examples and users' files would all have to change), so :func:`detect_kind` validates a document
against every schema: a file valid for exactly one kind is that kind; one valid for several takes the
first in :data:`CONFIG_KINDS` order (most specific first); one valid for none is reported against the
kind it comes closest to (fewest validation errors), so the message names the field to fix in the
schema the user meant.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from spinscope.config.experiment import ExperimentConfig
from spinscope.config.load import format_validation_error, load_toml
from spinscope.config.micromagnetics import LLGConfig
from spinscope.config.stxm import StxmConfig
from spinscope.config.ultrafast import DemagConfig
from spinscope.config.xrms import XrmsConfig
from spinscope.errors import ConfigError

__all__ = ["CONFIG_KINDS", "ConfigKind", "check_config", "detect_kind", "load_config"]

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class ConfigKind:
    """One kind of configuration file.

    Parameters
    ----------
    name
        Short name (``"xrms"``, ``"stxm"``, ...), as ``--kind`` takes it.
    model
        The pydantic model that validates it.
    description
        What the file describes and which command reads it.
    """

    name: str
    model: type[BaseModel]
    description: str


#: The kinds, most specific first (the order breaks ties between schemas that accept one file).
CONFIG_KINDS: dict[str, ConfigKind] = {k.name: k for k in (
    ConfigKind("xrms", XrmsConfig, "time-resolved resonant magnetic scattering, read by xrms simulate"),
    ConfigKind("stxm", StxmConfig, "time-resolved STXM, read by stxm simulate and plan"),
    ConfigKind("llg", LLGConfig, "micromagnetic scenario, read by llg run"),
    ConfigKind("demag", DemagConfig, "ultrafast demagnetisation, read by demag --config"),
    ConfigKind("experiment", ExperimentConfig, "sample stack of an experiment"),
)}


def _errors(model: type[BaseModel], data: dict[str, Any]) -> tuple[int, BaseModel | ValidationError]:
    try:
        return 0, model.model_validate(data)
    except ValidationError as exc:
        return exc.error_count(), exc


def detect_kind(data: dict[str, Any], *, source: str | None = None) -> tuple[ConfigKind, BaseModel]:
    """Which kind of configuration a parsed TOML document is, validated against that kind.

    Parameters
    ----------
    data
        The parsed document (:func:`~spinscope.config.load.load_toml`).
    source
        File name for messages [file path].

    Returns
    -------
    tuple
        ``(kind, validated model)``.

    Raises
    ------
    ConfigError
        When no schema accepts the document: the errors against the closest kind, which the message
        names (``checked as an STXM config (...)``).
    """
    best: tuple[int, ConfigKind, ValidationError] | None = None
    for kind in CONFIG_KINDS.values():
        n, result = _errors(kind.model, data)
        if n == 0:
            assert isinstance(result, BaseModel)
            return kind, result
        assert isinstance(result, ValidationError)
        if best is None or n < best[0]:
            best = (n, kind, result)
    assert best is not None
    _, kind, exc = best
    line = format_validation_error(exc, source=source)
    raise ConfigError(f"{line} [checked as {_a(kind.name)} config ({kind.description}), the closest of "
                      f"{', '.join(CONFIG_KINDS)}]", path=source)


def check_config(path: str | Path, model: type[BaseModel] | None = None, *,
                 kind: str | None = None) -> dict[str, Any]:
    """Validate a configuration file of any kind and return its normalised form.

    Parameters
    ----------
    path
        TOML file [file path].
    model
        Model class to validate against; default: chosen by ``kind`` or detected
        (:func:`detect_kind`).
    kind
        Name of the kind (:data:`CONFIG_KINDS`) to validate against instead of detecting it.

    Returns
    -------
    dict
        ``{"file", "valid": True, "kind", "schema_version", "config"}`` with ``config`` the
        normalised JSON-ready configuration (internal SI units).

    Raises
    ------
    ConfigError
        Missing or malformed file, an unknown ``kind``, or a file that no schema (or not the one
        asked for) accepts; the message names the field.
    """
    src = str(path)
    data = load_toml(path)
    if model is None and kind is not None:
        if kind not in CONFIG_KINDS:
            raise ConfigError(f"kind: expected one of {', '.join(CONFIG_KINDS)}, got {kind!r}", field="kind")
        model = CONFIG_KINDS[kind].model
    if model is None:
        found, cfg = detect_kind(data, source=src)
        name = found.name
    else:
        n, result = _errors(model, data)
        if n:
            assert isinstance(result, ValidationError)
            raise ConfigError(format_validation_error(result, source=src), path=src)
        cfg = result  # type: ignore[assignment]
        name = _kind_name(model)
    return {
        "file": src,
        "valid": True,
        "kind": name,
        "schema_version": getattr(cfg, "schema_version", None),
        "config": cfg.model_dump(mode="json"),
    }


def _a(name: str) -> str:
    """The article of a kind's name as it is read aloud ("an xrms", "an stxm", "a demag")."""
    return f"an {name}" if name[0] in "aeiouxsl" else f"a {name}"


def _kind_name(model: type[BaseModel]) -> str:
    return next((k.name for k in CONFIG_KINDS.values() if k.model is model), model.__name__)


def load_config(path: str | Path, model: type[M] | None = None) -> M:
    """Load and validate a configuration file of one kind.

    Parameters
    ----------
    path
        TOML file [file path].
    model
        Pydantic model class to validate against; defaults to
        :class:`spinscope.config.ExperimentConfig`.

    Returns
    -------
    pydantic.BaseModel
        The validated, frozen configuration with quantities in internal units.

    Raises
    ------
    ConfigError
        On a missing file, malformed TOML, unknown keys, missing keys or wrong units; when the file
        is a valid configuration of another kind, the message says so (``FILE is an xrms config
        (...); expected a stxm config``) instead of listing the keys the two schemas do not share.
    """
    if model is None:
        model = ExperimentConfig  # type: ignore[assignment]
    src = str(path)
    data = load_toml(path)
    try:
        return model.model_validate(data)  # type: ignore[union-attr]
    except ValidationError as exc:
        other = next((k for k in CONFIG_KINDS.values()
                      if k.model is not model and _errors(k.model, data)[0] == 0), None)
        if other is not None:
            want = _kind_name(model)  # type: ignore[arg-type]
            want_text = CONFIG_KINDS[want].description if want in CONFIG_KINDS else want
            raise ConfigError(f"{src}: this is {_a(other.name)} config ({other.description}); expected "
                              f"{_a(want)} config ({want_text})", path=src) from None
        raise ConfigError(format_validation_error(exc, source=src), path=src) from None
