"""The STXM raster-scan plan (acquisition) and the exposure model it drives (instruments), issue 9 item 5.

The plan is typed against protocols: it must drive any object that has the protocol's methods (here an
independent test double whose photons per bunch are known in closed form), draw its random numbers in
a documented order (jitter of pass 1, 2, ..., then one child seed per pass and pump state), and never
import a concrete instrument.
"""

from __future__ import annotations

import ast
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from spinscope.acquisition.protocols import (
    BunchCounter,
    Exposure,
    ExposureModel,
    RingTiming,
    TimeChannels,
)
from spinscope.acquisition.stxm_scan import (
    BunchBudget,
    ScanPattern,
    count_passes,
    raster_passes,
    run_stxm_scan,
)
from spinscope.config import LayerConfig
from spinscope.datamodel import magnetisation_field
from spinscope.errors import ConfigError

ACQUISITION = Path(__file__).resolve().parents[1] / "src" / "spinscope" / "acquisition"


def _stxm(tilt_deg=0.0, pc=1.0, flux=1e8):
    from spinscope.instruments.stxm import STXM
    from spinscope.optics.zone_plate import ZonePlate
    from spinscope.sources.storage_ring import Beamline, ring_preset

    layers = (LayerConfig(material="Fe", thickness="10 nm", magnetic=True),)
    zp = ZonePlate(240e-6, 25e-9, central_stop=90e-6)
    return STXM(Beamline(ring_preset("bessy2"), 707.75, pc, flux), zp, layers, tilt=math.radians(tilt_deg))


def _uniform(m, n=16, cell=15e-9):
    x = (np.arange(n) - (n - 1) / 2) * cell
    return magnetisation_field(np.broadcast_to(np.asarray(m, float), (n, n, 3)).copy(), x=x, y=x)


# --------------------------------------------------------------------------------------------------
# an independent exposure model: a film of known transmission, a Poisson-free ideal counter
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Ring:
    name: str = "test ring"
    revolution_period: float = 1e-6
    bunch_rate: float = 5e8
    beam_current: float = 0.3


@dataclass(frozen=True)
class _Counter:
    """Counts = round(n (1 - exp(-mu))): deterministic, so the plan's arithmetic is checked exactly."""

    def counts(self, photons_per_bunch, n_bunches, rng=None):
        return np.rint(n_bunches * -np.expm1(-np.asarray(photons_per_bunch))).astype(np.int64)


@dataclass(frozen=True)
class _FlatExposure:
    transmission: dict

    def expected(self, helicity, x, y, *, photons):
        return (self.transmission[helicity] * np.asarray(photons))[None]


@dataclass(frozen=True)
class _FlatFilm:
    """A film transmitting T+ = 0.4 and T- = 0.5 everywhere, ``photons_per_bunch`` in the focus."""

    energy: float = 700.0
    ring: _Ring = _Ring()
    detector: _Counter = _Counter()
    photons_per_bunch: float = 0.02
    optical_resolution: float = 30e-9

    def check_contrast(self):
        return None

    def exposure(self, magnetisation, *, helicities, timing, cell):
        return _FlatExposure({1: 0.4, -1: 0.5})

    def metadata(self):
        return {"instrument": "flat film"}


def test_plan_drives_any_exposure_model_with_the_closed_form_counts():
    film = _FlatFilm()
    assert isinstance(film, ExposureModel)
    scan = ScanPattern(15e-9, 5, 4, 1e-3)
    ds = run_stxm_scan(film, _uniform([0, 0, 1], n=4), scan, intensity_drift=0.01, rng=0)
    n_b = math.floor(1e-3 * 5e8)
    assert int(ds["bunches"]) == n_b
    total = 2 * scan.scan_time
    t = scan.pixel_times(0.0)
    for ih, (h, T) in enumerate(((1, 0.4), (-1, 0.5))):
        drift = 1 + 0.01 * np.sin(2 * np.pi * (t + ih * scan.scan_time) / total)
        want = np.rint(n_b * -np.expm1(-0.02 * drift * T))
        np.testing.assert_array_equal(ds["counts"].sel(helicity=h).values, want)
        np.testing.assert_allclose(ds["ring_current"].sel(helicity=h).values, 0.3 * drift, rtol=1e-15)
    assert ds.attrs["instrument"] == "flat film"
    assert ds.attrs["photons_per_bunch"] == 0.02
    assert ds.attrs["normalisation"] == "none"


def test_even_odd_halves_the_bunches_and_records_both_states():
    scan = ScanPattern(15e-9, 3, 3, 1e-3)
    ds = run_stxm_scan(_FlatFilm(), _uniform([0, 0, 1], n=4), scan, reference=_uniform([0, 0, 1], n=4),
                       helicities=(1,), rng=1)
    assert int(ds["bunches"]) == math.floor(1e-3 * 5e8 * 0.5)
    np.testing.assert_array_equal(ds["counts"].values, ds["reference_counts"].values)
    assert ds.attrs["normalisation"] == "even-odd"


def test_budget_refuses_less_than_one_bunch_per_channel():
    ring = _Ring(bunch_rate=1e3)
    with pytest.raises(ConfigError, match="less than one bunch"):
        BunchBudget.for_scan(ScanPattern(15e-9, 2, 2, 1e-3), ring, photons_per_bunch=1.0, channels=2,
                             even_odd=False)
    b = BunchBudget.for_scan(ScanPattern(15e-9, 2, 2, 1.0), ring, photons_per_bunch=1.0, channels=3,
                             even_odd=True)
    assert b.bunches == math.floor(1e3 * 0.5 / 3)


def test_passes_draw_jitter_in_pass_order_and_drift_with_time():
    v = (2e-9, -1e-9)
    scan = ScanPattern(10e-9, 6, 5, 1e-2, jitter_rms=1e-9, drift_velocity=v)
    passes = list(raster_passes(scan, (1, -1), start_time=3.0, rng=np.random.default_rng(4)))
    gen = np.random.default_rng(4)
    for ih, p in enumerate(passes):
        x, y = scan.positions(3.0 + ih * scan.scan_time, gen)
        np.testing.assert_array_equal(p.x, x)
        np.testing.assert_array_equal(p.y, y)
        assert p.helicity == (1, -1)[ih]
    # without jitter: nominal grid plus drift velocity x time since t = 0
    still = ScanPattern(10e-9, 6, 5, 1e-2, drift_velocity=v)
    p = next(raster_passes(still, (1,), start_time=3.0))
    t = 3.0 + (np.arange(30).reshape(5, 6) + 0.5) * 1e-2
    np.testing.assert_allclose(p.x, still.x[None, :] + v[0] * t, rtol=0, atol=1e-20)
    np.testing.assert_allclose(p.y, still.y[:, None] + v[1] * t, rtol=0, atol=1e-20)


def test_run_is_the_composition_of_exposure_passes_and_counting():
    """run_stxm_scan == exposure.expected over raster_passes, counted with count_passes: same bytes."""
    st = _stxm(tilt_deg=20.0, pc=0.9)
    m = _uniform([0.6, 0.0, 0.8])
    scan = ScanPattern(15e-9, 8, 6, 1e-3, jitter_rms=2e-9, drift_velocity=(1e-9, 0.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ds = run_stxm_scan(st, m, scan, intensity_drift=0.02, start_time=1.0, rng=7)
    gen = np.random.default_rng(7)
    exp = st.exposure(m, helicities=(1, -1), timing=None, cell=scan.pixel_size)
    counts = np.empty((1, 2, scan.ny, scan.nx), dtype=np.int64)
    jobs = [(counts, p.index, exp.expected(p.helicity, p.x, p.y, photons=st.photons_per_bunch * p.intensity))
            for p in raster_passes(scan, (1, -1), start_time=1.0, intensity_drift=0.02, rng=gen)]
    count_passes(st.detector, jobs, int(ds["bunches"]), gen)
    assert ds["counts"].values.tobytes() == counts[0].tobytes()


def test_exposure_of_a_uniform_film_is_beer_lambert_times_photons():
    """Independent closed form: T = exp(-(a_c + sigma a k.m)) for full polarisation, any position."""
    st = _stxm(pc=1.0)
    d = st.depths()
    exp = st.exposure(_uniform([0, 0, 1]), helicities=(1, -1), timing=None, cell=15e-9)
    assert isinstance(exp, Exposure)
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-100e-9, 100e-9, (2, 3, 4))
    photons = rng.uniform(0.5, 2.0, (3, 4))
    for h in (1, -1):
        want = np.exp(-d["charge"] - d["charge_magnetic"] - h * d["magnetic"]) * photons
        got = exp.expected(h, x, y, photons=photons)
        assert got.shape == (1, 3, 4)
        np.testing.assert_allclose(got[0], want, rtol=2e-6)  # float32 images


def test_exposure_samples_the_tilted_sample_frame():
    """At 60 deg tilt a beam at x sees the sample at x / cos(tilt) = 2 x (foreshortened image)."""
    tilt = math.radians(60.0)
    st = _stxm(tilt_deg=60.0)
    n, cell = 64, 10e-9
    xs = (np.arange(n) - (n - 1) / 2) * cell
    edge = 150e-9  # m = +z below, -z above (sample frame)
    m = np.zeros((n, n, 3))
    m[..., 2] = np.where(xs[None, :] < edge, 1.0, -1.0)
    exp = st.exposure(magnetisation_field(m, x=xs, y=xs), helicities=(1,), timing=None)
    d = st.depths()
    kz = math.cos(tilt)
    t_up, t_down = np.exp(-d["charge"] - d["charge_magnetic"] - np.array([1, -1]) * d["magnetic"] * kz)
    # beam at -140 nm -> sample -280 nm (+z); beam at +140 nm -> sample +280 nm, 130 nm past the edge
    # (-z; the PSF is stretched 2x along x in the sample frame), whereas an image not foreshortened
    # would put it 10 nm before the edge (mostly +z)
    got = exp.expected(1, np.array([[-140e-9, 140e-9]]), np.zeros((1, 2)), photons=np.ones((1, 2)))[0, 0]
    assert got[0] == pytest.approx(t_up, rel=1e-4)
    assert abs(got[1] - t_down) < 0.05 * abs(t_up - t_down)
    assert exp.cos_tilt == pytest.approx(math.cos(tilt))


def test_instruments_satisfy_the_protocols():
    from spinscope.acquisition import StroboscopicScheme
    from spinscope.detectors.apd import APD
    from spinscope.sources.storage_ring import ring_preset

    st = _stxm()
    assert isinstance(st, ExposureModel)
    assert isinstance(st.ring, RingTiming)
    assert isinstance(APD(), BunchCounter)
    assert isinstance(StroboscopicScheme.from_ring(ring_preset("bessy2"), 13, 16), TimeChannels)


def test_acquisition_never_imports_a_concrete_instrument():
    for path in sorted(ACQUISITION.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.startswith("spinscope.instruments") for n in names), path.name
