"""spinscope.geometry: pixel -> 2 theta -> q on a flat detector, against closed forms, and its users."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spinscope import geometry
from spinscope.analysis.azimuthal import DetectorGeometry
from spinscope.detectors import AreaDetector

E = 155.0  # Tb N edge [eV]
L = 0.12  # [m]
LAM = 6.62607015e-34 * 299792458.0 / 1.602176634e-19 / E  # h c / E from the SI defining constants


def test_wavelength_from_the_defining_constants():
    assert geometry.wavelength(E) == pytest.approx(LAM, rel=1e-15)
    assert geometry.wavelength(707.0) == pytest.approx(1.7537e-9, rel=1e-4)  # Fe L3


def test_two_theta_is_atan_of_r_over_l():
    r = np.array([0.0, 1e-3, 0.05, L, 10 * L])
    assert np.allclose(geometry.two_theta(r, L), np.arctan(r / L), rtol=1e-15, atol=0)
    assert geometry.two_theta(L, L) == pytest.approx(math.pi / 4)


def test_small_angle_limit():
    r = np.linspace(1e-6, 1e-4, 7)  # r / L < 1e-3
    q = geometry.q_of_radius(r, L, E)
    assert np.allclose(q, 2 * math.pi * r / (LAM * L), rtol=1e-6)


def test_q_equals_the_length_of_k_out_minus_k_in():
    """|q| from 4 pi sin(theta) / lambda equals the vector difference of the wave vectors."""
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-0.2, 0.2, (2, 50))
    k = 2 * math.pi / LAM
    big_r = np.sqrt(x**2 + y**2 + L**2)
    kout = k * np.stack([x, y, np.full_like(x, L)]) / big_r
    kin = np.array([0.0, 0.0, k])[:, None]
    want = np.linalg.norm(kout - kin, axis=0)
    got = geometry.q_of_radius(np.hypot(x, y), L, E)
    assert np.allclose(got, want, rtol=1e-12)
    qx, qy, qz = geometry.q_components(x, y, L, E)
    assert np.allclose(np.stack([qx, qy, qz]), kout - kin, rtol=1e-12, atol=1e-6 * k)
    assert np.all(qz <= 0)
    # the transverse part is |q| cos(theta)
    tth = geometry.two_theta(np.hypot(x, y), L)
    assert np.allclose(np.hypot(qx, qy), got * np.cos(tth / 2), rtol=1e-12)


def test_round_trip_q_radius_q():
    q = np.linspace(0.0, 0.99 * 4 * math.pi / LAM * math.sin(math.pi / 4 - 0.01), 40)
    r = geometry.radius_of_q(q, L, E)
    assert np.allclose(geometry.q_of_radius(r, L, E), q, rtol=1e-12, atol=1e-3)
    assert np.allclose(geometry.two_theta_of_q(q, E), geometry.two_theta(r, L), rtol=1e-12, atol=1e-15)
    # beyond 90 degrees of scattering there is no radius on the plane
    assert geometry.radius_of_q(4 * math.pi / LAM, L, E) == math.inf
    assert isinstance(geometry.q_of_radius(1e-3, L, E), float)


def test_pixel_offsets_put_the_beam_at_the_centre():
    dy, dx = geometry.pixel_offsets((5, 7), (3.0, 2.0), (10e-6, 20e-6))
    assert dy.shape == (5, 1) and dx.shape == (1, 7)
    assert dy[2, 0] == 0.0 and dx[0, 3] == 0.0
    assert dy[4, 0] == pytest.approx(20e-6) and dx[0, 0] == pytest.approx(-60e-6)


def test_detector_simulation_and_analysis_share_one_geometry():
    det = AreaDetector(shape=(64, 80), pixel_size=(20e-6, 15e-6), distance=L, center=(41.3, 30.2))
    geo = DetectorGeometry(energy=E, distance=L, pixel_size=(20e-6, 15e-6), center=(41.3, 30.2))
    assert np.array_equal(det.q(E), geo.q_map((64, 80)))
    assert np.array_equal(det.two_theta(), geo.two_theta((64, 80)))
    r = geo.q_to_radius(geo.q_map((64, 80)))
    assert np.allclose(r, geo.radius((64, 80)), rtol=1e-10, atol=1e-12)
