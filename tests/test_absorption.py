"""interaction.absorption: the one film-stack transmission, against Beer-Lambert with tabulated mu."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spinscope.config import ExperimentConfig
from spinscope.interaction import (
    film_optics,
    film_transmission,
    layer_constants,
    optical_depths,
    transmission,
)
from spinscope.materials import chantler_attenuation

xraydb = pytest.importorskip("xraydb")

STACK = [("Si3N4", 50e-9, None, False), ("Co80Tb20", 20e-9, None, True), ("Pt", 3e-9, None, False)]


def test_beer_lambert_of_a_membrane_matches_xraydb():
    """Away from edges 4 pi beta / lambda is the photoabsorption coefficient of the tables."""
    e = np.array([400.0, 1000.0, 1500.0])
    d = 100e-9
    t = film_transmission(optical_depths(layer_constants([("Si3N4", d)], e), e))
    # Chantler tables through xraydb's own interpolation (total: adds a little scattering)
    mu = chantler_attenuation("Si3N4", 3440.0, e)
    assert np.allclose(-np.log(t), mu * d, rtol=0.005)
    # the Elam tables (xraydb's default) differ from Chantler's by up to 7 % here
    mu_elam = xraydb.material_mu("Si3N4", e, density=3.44, kind="photo") * 100.0  # 1/cm -> 1/m
    assert np.allclose(-np.log(t), mu_elam * d, rtol=0.1)


def test_tilted_path_and_helicities():
    e = 778.0  # Co L3
    c0 = layer_constants(STACK, e)
    d0, d30 = optical_depths(c0, e), optical_depths(c0, e, tilt=math.radians(30))
    for k in d0:
        assert d30[k] == pytest.approx(d0[k] / math.cos(math.radians(30)), rel=1e-14)
    tp = film_transmission(d0, helicity=1)
    tm = film_transmission(d0, helicity=-1)
    t0 = film_transmission(d0)
    assert tp * tm == pytest.approx(t0**2, rel=1e-12)
    assert tp != pytest.approx(tm, rel=1e-3)  # XMCD at the Co L3 edge
    # the per-cell kernel with full circular polarisation is the same Beer-Lambert law
    kw = dict(charge_depth=d0["charge"], charge_depth_magnetic=d0["charge_magnetic"],
              magnetic_depth=d0["magnetic"])
    assert float(transmission(1.0, True, helicity=1, **kw)) == pytest.approx(tp, rel=1e-12)
    assert float(transmission(0.3, False, helicity=1, **kw)) == pytest.approx(math.exp(-d0["charge"]))


def test_the_three_users_agree():
    """Exit wave, STXM and the workflow transmission table compute one transmission."""
    from spinscope.sources.storage_ring import Beamline, ring_preset
    from spinscope.workflows.transmission import stack_transmission

    e = 778.0
    cfg = ExperimentConfig.model_validate({"schema_version": 1, "sample": {"name": "s", "layers": [
        {"material": m, "thickness": d, "magnetic": mag} for m, d, _, mag in STACK]}})
    t_ref = film_transmission(optical_depths(layer_constants(STACK, e), e))
    assert film_optics(cfg.sample, e).transmission == pytest.approx(t_ref, rel=1e-12)
    ds = stack_transmission(cfg, [e])
    assert float(ds["transmission"][0]) == pytest.approx(t_ref, rel=1e-12)
    from spinscope.instruments.stxm import STXM
    from spinscope.optics.zone_plate import ZonePlate

    stxm = STXM(Beamline(ring_preset("bessy2"), e, 1.0, 1e8), ZonePlate(240e-6, 25e-9), cfg.sample.layers)
    d = stxm.depths()
    assert math.exp(-d["charge"] - d["charge_magnetic"]) == pytest.approx(t_ref, rel=1e-12)


def test_stxm_and_the_transmission_table_agree_on_a_ferrimagnet():
    """One magnetisation drives every species of a Co/Tb layer: the Tb moments are antiparallel to
    the Co moments (Hansen et al., J. Appl. Phys. 66, 756 (1989)), so the XMCD at the Tb M5 edge has
    the opposite sign to that at the Co L3 edge, in the STXM and in the transmission table alike."""
    from spinscope.instruments.stxm import STXM
    from spinscope.optics.zone_plate import ZonePlate
    from spinscope.sources.storage_ring import Beamline, ring_preset
    from spinscope.workflows.transmission import stack_transmission

    cfg = ExperimentConfig.model_validate({"schema_version": 1, "sample": {"name": "s", "layers": [
        {"material": m, "thickness": d, "magnetic": mag} for m, d, _, mag in STACK]}})
    magnetic = {}
    for name, e in (("Co L3", 778.0), ("Tb M5", 1241.0)):
        stxm = STXM(Beamline(ring_preset("bessy2"), e, 1.0, 1e8), ZonePlate(240e-6, 25e-9),
                    cfg.sample.layers)
        magnetic[name] = stxm.depths()["magnetic"]
        table = stack_transmission(cfg, [e])
        t_plus = film_transmission(stxm.depths(), helicity=1, projection=1.0)
        t_minus = film_transmission(stxm.depths(), helicity=-1, projection=1.0)
        assert float(table["transmission_plus"][0]) == pytest.approx(t_plus, rel=1e-12)
        assert float(table["transmission_minus"][0]) == pytest.approx(t_minus, rel=1e-12)
    assert magnetic["Co L3"] * magnetic["Tb M5"] < 0
    assert abs(magnetic["Tb M5"]) > 0.1 * abs(magnetic["Co L3"])
