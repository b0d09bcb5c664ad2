"""Azimuthal integration: exact q, ring position, conservation, masks, centre finding, PONI, pyFAI."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import xarray as xr

from spinscope.analysis.azimuthal import (
    AzimuthalIntegrator,
    DetectorGeometry,
    SaturationWarning,
    find_beam_center,
    integrate_azimuthal,
    read_poni,
)
from spinscope.errors import ConfigError, DataRangeError, FileFormatError
from spinscope.units import HC_EV_M

SHAPE = (400, 440)
CENTER = (215.3, 190.6)  # (column, row)


def geometry(center=CENTER) -> DetectorGeometry:
    # Tb N edge photon energy ~155 eV (Fan et al., Optica 9, 399 (2022)); CCD with 13.5 um pixels
    return DetectorGeometry(energy=155.0, distance=0.04, pixel_size=(13.5e-6, 13.5e-6), center=center)


def ring_image(geom, q_ring, width, *, height=500.0, base=5.0, shape=SHAPE):
    q = geom.q_map(shape)
    return base + height * np.exp(-0.5 * ((q - q_ring) / width) ** 2)


def test_q_map_is_exact():
    g = geometry()
    q = g.q_map(SHAPE)
    lam = HC_EV_M / 155.0
    row, col = 17, 401
    r = math.hypot((row - CENTER[1]) * 13.5e-6, (col - CENTER[0]) * 13.5e-6)
    two_theta = math.atan(r / 0.04)
    assert q[row, col] == pytest.approx(4 * math.pi * math.sin(two_theta / 2) / lam, rel=1e-12)
    # minimal q at the pixel nearest the centre, and q_to_radius inverts the map
    assert g.q_to_radius(q[row, col]) == pytest.approx(r, rel=1e-10)
    chi = g.azimuth(SHAPE)
    assert chi[190, 300] == pytest.approx(math.atan2(190 - CENTER[1], 300 - CENTER[0]))


def test_ring_recovered_in_its_bin():
    g = geometry()
    q_ring = 0.55 * g.q_range(SHAPE)[1]
    img = ring_image(g, q_ring, 2e-3 * q_ring)
    integ = AzimuthalIntegrator(g, SHAPE, bins=300)
    prof = integ.integrate(img)
    k = int(np.nanargmax(prof["intensity"].values))
    assert integ.edges[k] <= q_ring < integ.edges[k + 1]
    assert prof["q"].attrs["units"] == "1/m"
    assert prof["intensity"].dims == ("q",)


def test_total_counts_conserved_and_engines_agree():
    rng = np.random.default_rng(0)
    img = rng.poisson(50.0, size=SHAPE).astype(np.float32)
    g = geometry()
    a = AzimuthalIntegrator(g, SHAPE, bins=200)
    b = AzimuthalIntegrator(g, SHAPE, bins=200, engine="bincount")
    pa, pb = a.integrate(img), b.integrate(img)
    total = float(np.nansum(pa["intensity"].values * pa["npix"].values))
    assert total == pytest.approx(float(img.astype(np.float64).sum()), rel=1e-6)
    assert int(pa["npix"].sum()) == img.size
    np.testing.assert_allclose(pa["intensity"].values, pb["intensity"].values, rtol=1e-6)


def test_uniform_image_gives_flat_profile():
    g = geometry()
    img = np.full(SHAPE, 7.25, dtype=np.float32)
    prof = AzimuthalIntegrator(g, SHAPE, bins=150).integrate(img)
    vals = prof["intensity"].values
    filled = prof["npix"].values > 0
    np.testing.assert_allclose(vals[filled], 7.25, rtol=1e-6)
    assert np.all(np.isnan(vals[~filled]))


def test_mask_and_beam_stop_exclude_pixels():
    g = geometry()
    rng = np.random.default_rng(1)
    img = rng.poisson(20.0, size=SHAPE).astype(np.float64)
    mask = np.zeros(SHAPE, dtype=bool)
    mask[:, 300:320] = True
    hot = img.copy()
    hot[mask] = 1e9  # masked pixels must not leak into any bin
    ref = AzimuthalIntegrator(g, SHAPE, bins=120, q_range=(0, g.q_range(SHAPE)[1]))
    msk = AzimuthalIntegrator(g, SHAPE, bins=120, q_range=(0, g.q_range(SHAPE)[1]), mask=mask)
    pm = msk.integrate(hot)
    assert np.nanmax(pm["intensity"].values) < 100
    assert int(ref.npix.sum() - msk.npix.sum()) == int(mask.sum())
    # the masked mean equals the mean of the unmasked pixels of each bin
    q = g.q_map(SHAPE)
    k = 60
    sel = (q >= msk.edges[k]) & (q < msk.edges[k + 1]) & ~mask
    assert pm["intensity"].values[k] == pytest.approx(img[sel].mean(), rel=1e-12)
    # beam stop of radius 40 pixels: no pixel closer than that is used
    bs = AzimuthalIntegrator(
        g, SHAPE, bins=120, beam_stop_radius=40 * 13.5e-6, q_range=(0, g.q_range(SHAPE)[1])
    )
    q_stop = 4 * np.pi * np.sin(0.5 * np.arctan(40 * 13.5e-6 / 0.04)) / g.wavelength
    assert np.all(bs.npix[bs.edges[1:] < q_stop] == 0)
    assert int(bs.npix.sum()) == int((g.radius(SHAPE) >= 40 * 13.5e-6).sum())


def test_poisson_errors_match_the_scatter():
    g = geometry()
    rng = np.random.default_rng(2)
    lam = 30.0
    img = rng.poisson(lam, size=SHAPE)
    prof = AzimuthalIntegrator(g, SHAPE, bins=100).integrate(img.astype(np.uint16))
    ok = prof["npix"].values > 50
    z = (prof["intensity"].values[ok] - lam) / prof["sigma"].values[ok]
    # chi-square per bin of a Poisson mean with the right error is 1 +- sqrt(2/n)
    assert np.mean(z**2) == pytest.approx(1.0, abs=4 * math.sqrt(2 / ok.sum()))
    # the azimuthal (pixel scatter) model gives the same errors for Poisson data
    az = AzimuthalIntegrator(g, SHAPE, bins=100).integrate(img.astype(np.float64), error_model="azimuthal")
    np.testing.assert_allclose(az["sigma"].values[ok], prof["sigma"].values[ok], rtol=0.35)


def test_stack_keeps_delay_coordinate_and_matches_single_frames():
    g = geometry()
    rng = np.random.default_rng(3)
    stack = rng.poisson(10.0, size=(4, *SHAPE)).astype(np.float32)
    delays = np.array([-1e-12, 0.0, 1e-12, 5e-12])
    da = xr.DataArray(
        stack, dims=("delay", "y", "x"), coords={"delay": ("delay", delays, {"units": "s"})}
    )
    integ = AzimuthalIntegrator(g, SHAPE, bins=80)
    prof = integ.integrate(da)
    assert prof["intensity"].dims == ("delay", "q")
    np.testing.assert_array_equal(prof["delay"].values, delays)
    assert prof["delay"].attrs["units"] == "s"
    one = integ.integrate(stack[2])
    np.testing.assert_allclose(prof["intensity"].values[2], one["intensity"].values, rtol=1e-12)
    plain = integ.integrate(stack)
    assert plain["intensity"].dims == ("delay", "q")


def test_saturated_and_nonfinite_pixels_are_masked_with_a_warning():
    g = geometry()
    img = np.full(SHAPE, 100.0)
    img[10, 10:20] = 65535.0
    img[200, 5] = np.nan
    integ = AzimuthalIntegrator(g, SHAPE, bins=60)
    with (
        pytest.warns(SaturationWarning, match="10 saturated"),
        pytest.warns(RuntimeWarning, match="non-finite"),
    ):
        prof = integ.integrate(img, saturation=65535)
    filled = prof["npix"].values > 0
    np.testing.assert_allclose(prof["intensity"].values[filled], 100.0)
    assert int(prof["npix"].sum()) == img.size - 11


def test_sector_integration_selects_azimuth():
    g = geometry()
    chi = g.azimuth(SHAPE)
    img = np.where(np.abs(chi) < 0.3, 10.0, 1.0)
    prof = AzimuthalIntegrator(g, SHAPE, bins=50, azimuth_range=(-0.2, 0.2)).integrate(img)
    filled = prof["npix"].values > 0
    np.testing.assert_allclose(prof["intensity"].values[filled], 10.0)


def test_bad_input_raises_one_line_errors():
    g = geometry()
    with pytest.raises(ConfigError, match="mask"):
        AzimuthalIntegrator(g, SHAPE, mask=np.zeros((3, 3), bool))
    with pytest.raises(DataRangeError, match="every pixel"):
        AzimuthalIntegrator(g, SHAPE, mask=np.ones(SHAPE, bool))
    with pytest.raises(DataRangeError, match="no valid pixel"):
        AzimuthalIntegrator(g, SHAPE, q_range=(1e12, 2e12))
    with pytest.raises(ConfigError, match="center"):
        AzimuthalIntegrator(DetectorGeometry(energy=155, distance=0.04, pixel_size=1e-5), SHAPE)
    with pytest.raises(ConfigError, match="energy"):
        DetectorGeometry(energy=-1, distance=0.04, pixel_size=1e-5)
    integ = AzimuthalIntegrator(g, SHAPE, bins=10)
    with pytest.raises(ConfigError, match="shape"):
        integ.integrate(np.zeros((10, 10)))


@pytest.mark.parametrize("masked", [False, True])
def test_find_beam_center_of_a_noisy_ring(masked):
    g = geometry()
    q_ring = 0.5 * g.q_range(SHAPE)[1]
    rng = np.random.default_rng(4)
    img = rng.poisson(ring_image(g, q_ring, 0.03 * q_ring, height=200.0, base=2.0)).astype(np.float64)
    mask = None
    if masked:
        mask = g.radius(SHAPE) < 30 * 13.5e-6  # beam stop
        mask |= np.zeros(SHAPE, bool)
        mask[:, 150:158] = True  # a beam-stop arm / detector gap
        img[mask] = 0.0
    cx, cy = find_beam_center(img, mask=mask)
    assert cx == pytest.approx(CENTER[0], abs=0.15)
    assert cy == pytest.approx(CENTER[1], abs=0.15)


def test_integrate_azimuthal_finds_the_centre():
    g = geometry()
    q_ring = 0.45 * g.q_range(SHAPE)[1]
    img = ring_image(g, q_ring, 0.02 * q_ring)
    no_center = DetectorGeometry(energy=155.0, distance=0.04, pixel_size=13.5e-6)
    prof = integrate_azimuthal(img, no_center, bins=200)
    cx, cy = prof.attrs["beam_center_px"]
    assert (cx, cy) == pytest.approx(CENTER, abs=0.05)
    k = int(np.nanargmax(prof["intensity"].values))
    edges = prof.attrs["q_edges"]
    assert edges[k] <= q_ring < edges[k + 1]
    with pytest.raises(DataRangeError, match="flat"):
        find_beam_center(np.ones((50, 50)))


PONI_V1 = """# Nota: C1 is the slow dimension, C2 the fast
PixelSize1: 7.5e-05
PixelSize2: 5e-05
Distance: 0.1234
Poni1: 0.0123
Poni2: 0.0234
Rot1: 0
Rot2: 0
Rot3: 0
Wavelength: 8e-09
"""

PONI_V2 = """# Calibration
poni_version: 2
Detector: Detector
Detector_config: {"pixel1": 7.5e-05, "pixel2": 5e-05, "max_shape": [400, 440]}
Distance: 0.1234
Poni1: 0.0123
Poni2: 0.0234
Rot1: 0.0
Rot2: 0.0
Rot3: 0.0
Wavelength: 8e-09
"""


@pytest.mark.parametrize("text", [PONI_V1, PONI_V2])
def test_read_poni(tmp_path, text):
    f = tmp_path / "g.poni"
    f.write_text(text)
    g = read_poni(f)
    assert g.distance == 0.1234
    assert g.pixel_size == (7.5e-05, 5e-05)
    assert g.center == pytest.approx((0.0234 / 5e-05 - 0.5, 0.0123 / 7.5e-05 - 0.5))
    assert g.wavelength == pytest.approx(8e-9, rel=1e-12)


def test_read_poni_errors(tmp_path):
    f = tmp_path / "bad.poni"
    f.write_text(PONI_V1.replace("Rot2: 0", "Rot2: 0.01"))
    with pytest.raises(FileFormatError, match="Rot2"):
        read_poni(f)
    f.write_text(PONI_V1.replace("Distance: 0.1234\n", ""))
    with pytest.raises(FileFormatError, match="Distance"):
        read_poni(f)
    f.write_text("this is not a poni file\n")
    with pytest.raises(FileFormatError, match="line 1"):
        read_poni(f)
    with pytest.raises(FileFormatError, match="no such"):
        read_poni(tmp_path / "missing.poni")


def test_poni_written_by_pyfai_round_trips(tmp_path):
    pytest.importorskip("pyFAI")
    from spinscope.analysis.azimuthal import pyfai_integrator

    g = geometry()
    ai = pyfai_integrator(g, SHAPE)
    f = tmp_path / "pyfai.poni"
    ai.write(str(f))
    back = read_poni(f)
    assert back.center == pytest.approx(g.center, abs=1e-9)
    assert back.energy == pytest.approx(g.energy, rel=1e-9)
    # and both codes put every pixel at the same q (pyFAI works in float32 near the centre)
    q = g.q_map(SHAPE)
    np.testing.assert_allclose(ai.qArray(SHAPE) * 1e9, q, rtol=0, atol=1e-6 * q.max())


@pytest.mark.parametrize("masked", [False, True])
def test_agrees_with_pyfai_integrate1d(masked):
    pytest.importorskip("pyFAI")
    from spinscope.analysis.azimuthal import pyfai_integrator

    g = geometry()
    q_ring = 0.5 * g.q_range(SHAPE)[1]
    rng = np.random.default_rng(5)
    img = rng.poisson(ring_image(g, q_ring, 0.05 * q_ring, height=400.0, base=50.0)).astype(np.float32)
    mask = np.zeros(SHAPE, bool)
    if masked:
        mask[:, 100:110] = True
        mask |= g.radius(SHAPE) < 25 * 13.5e-6
    q_lo, q_hi = 0.1 * q_ring, 1.8 * q_ring
    ours = AzimuthalIntegrator(g, SHAPE, bins=200, q_range=(q_lo, q_hi), mask=mask).integrate(img)
    ai = pyfai_integrator(g, SHAPE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ai.integrate1d(
            img, 200, unit="q_nm^-1", radial_range=(q_lo * 1e-9, q_hi * 1e-9),
            method=("no", "histogram", "cython"), correctSolidAngle=False, mask=mask,
        )
    np.testing.assert_allclose(np.asarray(res.radial) * 1e9, ours["q"].values, rtol=1e-6)
    filled = ours["npix"].values > 0
    rel = np.abs(res.intensity[filled] / ours["intensity"].values[filled] - 1)
    assert rel.max() < 5e-3
    # the backend switch gives pyFAI's numbers through the same interface
    via = integrate_azimuthal(img, g, bins=200, q_range=(q_lo, q_hi), mask=mask, backend="pyfai")
    np.testing.assert_allclose(via["intensity"].values, res.intensity, rtol=1e-6)
