"""The rng convention: Generator | int | None, seeds recorded, same seed -> same bytes."""

from __future__ import annotations

import numpy as np
import pytest

from spinscope.errors import SpinscopeError
from spinscope.rng import as_generator, generator_and_seed


def test_generator_passes_through_and_int_seeds_reproduce():
    g = np.random.default_rng(1)
    assert as_generator(g) is g
    assert as_generator(7).random(4).tobytes() == as_generator(7).random(4).tobytes()
    assert as_generator(np.int64(7)).random(2).tobytes() == as_generator(7).random(2).tobytes()


def test_none_draws_a_seed_that_reproduces_the_run():
    gen, seed = generator_and_seed(None)
    assert isinstance(seed, int) and seed >= 0
    assert gen.random(3).tobytes() == np.random.default_rng(seed).random(3).tobytes()
    assert generator_and_seed(5)[1] == 5
    assert generator_and_seed(np.random.default_rng(0))[1] is None


@pytest.mark.parametrize("bad", ["seed", -1, 1.5, True])
def test_bad_rng_is_a_one_line_user_error(bad):
    with pytest.raises(SpinscopeError, match="^rng: expected"):
        as_generator(bad)
    with pytest.raises(TypeError):
        generator_and_seed(bad)
