"""Randomness: one way to turn the ``rng`` argument into a ``numpy.random.Generator``.

Every function that draws random numbers takes ``rng: numpy.random.Generator | int | None``
(docs/conventions.md): a Generator is used as is, an int (or a ``SeedSequence``) seeds a new one, and
``None`` draws fresh entropy. Runs that must record their seed use :func:`generator_and_seed`, which
draws and returns a seed when none was given, so that the same seed reproduces the same bytes.
"""

from __future__ import annotations

import numpy as np

from spinscope.errors import ConfigError

__all__ = ["as_generator", "generator_and_seed"]


class RandomStateError(ConfigError, TypeError):
    """The ``rng`` argument is neither a Generator, a non-negative int seed, a SeedSequence nor None."""


def _check(rng) -> None:
    ok = (
        rng is None
        or isinstance(rng, np.random.Generator | np.random.SeedSequence)
        or (isinstance(rng, int | np.integer) and not isinstance(rng, bool) and rng >= 0)
    )
    if not ok:
        raise RandomStateError(
            f"rng: expected a numpy Generator, a non-negative int seed or None, got {rng!r}", field="rng"
        )


def as_generator(rng=None) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` for ``rng``.

    Parameters
    ----------
    rng
        A Generator (returned as is), a non-negative int seed or a ``SeedSequence`` (a new Generator),
        or ``None`` (fresh entropy).

    Returns
    -------
    numpy.random.Generator
        The generator to draw from.

    Raises
    ------
    ConfigError
        For anything else (also a ``TypeError``).
    """
    _check(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


def generator_and_seed(rng=None) -> tuple[np.random.Generator, int | None]:
    """Return a Generator and the seed that reproduces it.

    Parameters
    ----------
    rng
        As for :func:`as_generator`. With ``None`` a seed is drawn from fresh entropy and returned.

    Returns
    -------
    tuple
        ``(generator, seed)``; ``seed`` is ``None`` when a Generator was passed in (its seed is not
        known) and the entropy of a ``SeedSequence``.
    """
    _check(rng)
    if isinstance(rng, np.random.Generator):
        return rng, None
    if rng is None:
        seed = int(np.random.SeedSequence().entropy % 2**63)
        return np.random.default_rng(seed), seed
    if isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng), int(rng.entropy) if rng.entropy is not None else None
    return np.random.default_rng(int(rng)), int(rng)
