"""HHG source: cutoff law, odd comb, harmonic at the Tb N5 edge, flux bookkeeping, filters."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy.integrate import trapezoid

from spinscope.errors import ConfigError, DataRangeError, MaterialError
from spinscope.sources.hhg import (
    GAUSSIAN_LINE_FACTOR,
    HHGSource,
    MetalFilter,
    peak_intensity,
    ponderomotive_energy,
)


def test_cutoff_against_hand_computation():
    # 800 nm, 3e14 W/cm^2 in argon: Up = 9.33e-14 * 3e14 * 0.64 = 17.9136 eV
    # Ec = 15.7596119 + 3.17 * 17.9136 = 15.7596119 + 56.786112 = 72.5457239 eV
    s = HHGSource(driver_wavelength="800 nm", gas="Ar", intensity="3e14 W/cm^2")
    assert s.ponderomotive_energy == pytest.approx(17.9136, rel=1e-12)
    assert s.cutoff_energy == pytest.approx(15.7596119 + 3.17 * 17.9136, rel=1e-12)
    assert s.cutoff_energy == pytest.approx(72.5457239, abs=1e-7)


def test_up_coefficient_from_fundamental_constants():
    # U_p = e^2 E0^2 / (4 m w^2) = e^2 I / (2 eps0 c m w^2) (CODATA 2018)
    e, me, eps0, c = 1.602176634e-19, 9.1093837015e-31, 8.8541878128e-12, 299792458.0
    lam, intensity = 1.03e-6, 1e18  # W/m^2
    w = 2 * math.pi * c / lam
    up_exact = e**2 * intensity / (2 * eps0 * c * me * w**2) / e
    assert ponderomotive_energy(intensity, lam) == pytest.approx(up_exact, rel=1e-3)


def test_intensity_from_pulse_energy_duration_and_waist():
    # Gaussian in time and space: integral of I over area and time returns the pulse energy
    energy, tau, w0 = 2e-3, 40e-15, 50e-6
    i0 = peak_intensity(energy, tau, w0)
    sigma_t = tau / (2 * math.sqrt(2 * math.log(2)))
    assert i0 * (math.pi * w0**2 / 2) * (math.sqrt(2 * math.pi) * sigma_t) == pytest.approx(energy, rel=1e-12)
    s = HHGSource(pulse_energy="2 mJ", duration="40 fs", focus_waist="50 um")
    assert s.peak_intensity == pytest.approx(i0, rel=1e-12)
    assert s.xray_pulse_duration == pytest.approx(20e-15)


def test_tb_n5_edge_harmonic_for_a_1030_nm_driver():
    s = HHGSource.fan2022()
    assert s.photon_energy == pytest.approx(1.2037, abs=1e-4)
    h = s.nearest_harmonic_to_edge("Tb", "N5")
    assert h.order == 125
    assert h.energy == pytest.approx(150.466, abs=1e-3)
    assert abs(h.detuning) < s.photon_energy  # less than half the odd-harmonic spacing 2 hbar w
    assert h.detuning == pytest.approx(150.466 - 150.5, abs=1e-3)
    assert h.bandwidth == pytest.approx(5e-3 * h.energy)
    assert h.photons_per_pulse == pytest.approx(h.flux / 1e3)


def test_odd_harmonics_only_up_to_cutoff():
    s = HHGSource(intensity="5e14 W/cm^2")
    q = s.harmonic_orders()
    assert np.all(q % 2 == 1) and q[0] == 3
    assert s.harmonic_energies()[-1] <= s.cutoff_energy < (q[-1] + 2) * s.photon_energy
    np.testing.assert_allclose(np.diff(s.harmonic_energies()), 2 * s.photon_energy, rtol=1e-12)
    with pytest.raises(ConfigError, match="odd"):
        s.harmonic_flux(124)
    # a requested energy between two harmonics snaps to an odd order
    for e in np.linspace(40.0, 170.0, 57):
        h = s.nearest_harmonic(e)
        assert h.order % 2 == 1 and abs(h.detuning) <= s.photon_energy + 1e-12


def test_harmonic_above_cutoff_raises_data_range_error():
    s = HHGSource(intensity="1e14 W/cm^2")
    with pytest.raises(DataRangeError, match="energy.*above the cutoff.*intensity to at least"):
        s.nearest_harmonic("150.5 eV")
    need = s.intensity_for_cutoff(150.5)
    assert HHGSource(intensity=need * 1.01).nearest_harmonic(150.5).order == 125


def test_flux_per_harmonic_scales_with_bandwidth_and_integrates_from_spectrum():
    a = HHGSource.fan2022(relative_bandwidth=0.004)
    b = HHGSource.fan2022(relative_bandwidth=0.008)
    h = a.nearest_harmonic(150.5)
    # plateau: the peak spectral flux is the calibration; photons per line scale with the bandwidth
    assert h.spectral_flux == pytest.approx(2e9, rel=1e-12)
    assert b.harmonic_flux(125) == pytest.approx(2 * a.harmonic_flux(125), rel=1e-12)
    assert h.flux == pytest.approx(2e9 * 0.4 * GAUSSIAN_LINE_FACTOR, rel=1e-12)
    # integrate the spectral density (photons/s/1%BW -> photons/s/eV) over the line
    e = np.linspace(h.energy - 1.2, h.energy + 1.2, 48001)
    dens = a.spectrum(e).values / (0.01 * e)
    assert trapezoid(dens, e) == pytest.approx(h.flux, rel=1e-3)  # wings of neighbours < 1e-30
    assert a.spectrum([h.energy]).values[0] == pytest.approx(2e9, rel=1e-6)


def test_cutoff_rolloff_envelope():
    s = HHGSource.fan2022()
    ec = s.cutoff_energy
    assert s.envelope(ec - 1) == 1.0
    assert s.envelope(ec * (1 + s.cutoff_rolloff)) == pytest.approx(math.exp(-1), rel=1e-12)


def test_filter_transmission_beer_lambert_against_xraydb():
    import xraydb

    e = np.array([20.0, 50.0, 70.0, 75.0, 100.0, 150.5, 200.0, 300.0])
    d = 200e-9
    # Chantler tables (default), element and compound
    mu_al = xraydb.mu_chantler("Al", e) * 2.7  # 1/cm, xraydb density of Al
    t_al = MetalFilter("Al", "200 nm").transmission(e)
    np.testing.assert_allclose(t_al, np.exp(-mu_al * d * 100), rtol=1e-6)
    fr_si = 3 * xraydb.atomic_mass("Si") / (3 * xraydb.atomic_mass("Si") + 4 * xraydb.atomic_mass("N"))
    mu_sin = 3.0 * (fr_si * xraydb.mu_chantler("Si", e) + (1 - fr_si) * xraydb.mu_chantler("N", e))
    sin = MetalFilter("Si3N4", d, density="3.0 g/cm^3")
    np.testing.assert_allclose(sin.transmission(e), np.exp(-mu_sin * d * 100), rtol=1e-6)
    # Elam tables through xraydb.material_mu (>= 100 eV)
    e_hi = e[e >= 100]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mu_zr = xraydb.material_mu("Zr", e_hi, density=6.5)
    np.testing.assert_allclose(
        MetalFilter("Zr", d, table="elam").transmission(e_hi), np.exp(-mu_zr * d * 100), rtol=1e-6
    )
    # physics: Al passes below its L2,3 edge (72.5 eV) and blocks above; Zr passes at the Tb N edge
    al = MetalFilter("Al", "200 nm")
    assert al.transmission(70.0) > 0.5 and al.transmission(75.0) < 0.02
    assert MetalFilter("Zr", "200 nm").transmission(150.5) > 0.5


def test_filters_enter_the_flux():
    zr = MetalFilter("Zr", "200 nm")
    s = HHGSource.fan2022(filters=(zr, zr))
    h = s.nearest_harmonic(150.5)
    assert h.spectral_flux == pytest.approx(2e9 * zr.transmission(h.energy) ** 2, rel=1e-12)


def test_bad_inputs():
    with pytest.raises(ConfigError, match="gas"):
        HHGSource(gas="Xe", intensity=1e18)
    with pytest.raises(ConfigError, match="intensity"):
        HHGSource(pulse_energy="1 mJ")
    with pytest.raises(ConfigError, match="driver_wavelength"):
        HHGSource(driver_wavelength=-1e-6, intensity=1e18)
    with pytest.raises(ConfigError, match="relative_bandwidth"):
        HHGSource(intensity=1e18, relative_bandwidth=0)
    with pytest.raises(ConfigError, match="thickness"):
        MetalFilter("Al", 0)
    with pytest.raises(DataRangeError, match="10 eV"):
        MetalFilter("Al", 1e-7).transmission(5.0)
    with pytest.raises(MaterialError, match="material"):
        MetalFilter("Qq", 1e-7).transmission(100.0)
    with pytest.raises(MaterialError, match="edge"):
        HHGSource.fan2022().nearest_harmonic_to_edge("Tb", "Z9")
    with pytest.raises(ConfigError, match="xray_duration"):
        _ = HHGSource(intensity=1e18).xray_pulse_duration
