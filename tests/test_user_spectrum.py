"""User-supplied measured spectra: parsing, absolute scaling, differential KK, the real Co data."""

from __future__ import annotations

import numpy as np
import pytest

from spinscope.errors import FileFormatError, MaterialError
from spinscope.materials import get_material, load_user_spectrum, summarize


def _synthetic(e):
    """Edge-jump-normalised Co-like helicity spectra: arctan steps + two white lines + XMCD."""
    step = (2 / 3) * (0.5 + np.arctan((e - 778.5) / 0.5) / np.pi) + (1 / 3) * (
        0.5 + np.arctan((e - 793.5) / 0.5) / np.pi)
    l3 = 3.0 / (1 + ((e - 778.0) / 1.2) ** 2)
    l2 = 1.0 / (1 + ((e - 793.2) / 1.5) ** 2)
    avg = step + l3 + l2
    dm = 0.33 * 2 * l3 * 1.2 - 0.17 * 2 * l2 * 1.4
    return avg + dm / 2, avg - dm / 2


def _write(path, header, cols, *, sep=" ", newline="\n"):
    lines = [header] + [sep.join(f"{v:.8g}" for v in row) for row in np.column_stack(cols)]
    path.write_bytes(newline.join(lines).encode() + newline.encode())
    return path


@pytest.mark.realdata
def test_real_co_l23_spectrum_asymmetries(real_data):
    path = real_data / "co_l23_xmcd" / "ALS-CoPd-normed.txt"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    mat = load_user_spectrum(path, element="Co")
    assert mat.edges == ("L3", "L2")
    e = np.linspace(mat.energy_range[0] + 0.5, mat.energy_range[1] - 0.5, 9001)
    ds = mat.optical_constants(e)
    beta, bm = ds["beta"].values, ds["beta_m"].values
    l3 = (e > 774) & (e < 782)
    l2 = (e > 789) & (e < 797)
    i3 = np.flatnonzero(l3)[np.argmax(beta[l3])]
    i2 = np.flatnonzero(l2)[np.argmax(beta[l2])]
    # absolute beta_m/beta (the Chantler background below the edge included): ~ +0.32 / -0.15;
    # the edge-normalised input itself has +0.333 / -0.167
    assert bm[i3] / beta[i3] == pytest.approx(0.33, abs=0.03)
    assert bm[i2] / beta[i2] == pytest.approx(-0.17, abs=0.03)
    k3 = np.argmin(np.abs(mat.raw_energy - e[i3]))
    assert mat.raw_asymmetry[k3] == pytest.approx(0.33, abs=0.03)
    # absolute scale close to the tabulated Co model (21 nm at the L3 peak)
    assert mat.absorption_length(e[i3]) == pytest.approx(21e-9, abs=3e-9)
    r = summarize(mat, energy=float(e[i3]), thickness="20 nm")
    assert r["xmcd_asymmetry"] > 0.28 and r["transmission_asymmetry"] < 0


@pytest.mark.realdata
def test_tabulated_co_model_matches_measured_spectrum(real_data):
    """The parametric Co L2,3 model and the measured Co/Pd spectrum agree to a few % rms."""
    path = real_data / "co_l23_xmcd" / "ALS-CoPd-normed.txt"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    user = load_user_spectrum(path, element="Co")
    model = get_material("Co")
    e = np.linspace(760.0, 830.0, 701)
    a = user.optical_constants(e)
    b = model.optical_constants(e + 0.3)  # the measured energy scale is ~0.3 eV lower
    for var in ("beta", "beta_m", "delta", "delta_m"):
        scale = np.abs(a[var].values).max()
        rms = np.sqrt(np.mean((a[var].values - b[var].values) ** 2)) / scale
        assert rms < 0.08, (var, rms)


def test_unnormalised_mu_is_normalised_to_the_edge_jump(tmp_path):
    e = np.arange(740.0, 840.0, 0.2)
    mp, mm = _synthetic(e)
    a = load_user_spectrum(_write(tmp_path / "n.txt", "energy mu_plus mu_minus", [e, mp, mm]),
                           element="Co")
    b = load_user_spectrum(_write(tmp_path / "r.txt", "energy mu_plus mu_minus",
                                  [e, 3.0 * mp + 0.5, 3.0 * mm + 0.5]), element="Co")
    x = np.array([770.0, 778.0, 793.0, 820.0])
    for var in ("beta", "beta_m", "delta", "delta_m"):
        assert np.allclose(a.optical_constants(x)[var], b.optical_constants(x)[var], rtol=1e-9)
    assert hash(a) != hash(b)


def test_synthetic_mu_spectrum_scaling_and_stitching(tmp_path):
    e = np.arange(740.0, 840.0, 0.1)
    mp, mm = _synthetic(e)
    path = _write(tmp_path / "co.txt", "# energy mu_plus mu_minus", [e, mp, mm])
    mat = load_user_spectrum(path, element="Co")
    co = get_material("Co")
    # continuity with the tables at both ends of the measured range
    lo, hi = mat.energy_range
    for edge_e in (lo, hi):
        a = mat.optical_constants([edge_e - 0.05, edge_e + 0.05])
        for var in ("beta", "delta"):
            v = a[var].values
            assert abs(v[1] - v[0]) < 0.03 * abs(v).max(), (edge_e, var)
    # outside the measured range: Chantler beta, no magnetic absorption, decaying delta_m
    far = mat.optical_constants([600.0, 1200.0])
    import xraydb

    for i, en in enumerate((600.0, 1200.0)):
        _, b_ref, _ = xraydb.xray_delta_beta("Co", co.density / 1000, en)
        assert far["beta"].values[i] == pytest.approx(b_ref, rel=1e-3)
    assert np.all(far["beta_m"].values == 0)
    # beta >= 0 and helicity absorptions >= 0 within the range
    ds = mat.optical_constants(np.linspace(lo, hi, 3000))
    assert np.all(ds["beta"].values >= 0)
    assert np.all(ds["beta"].values - np.abs(ds["beta_m"].values) >= 0)
    # delta_m is the dispersive partner: changes sign across the L3 line
    dm = mat.optical_constants([775.0, 781.0])["delta_m"].values
    assert dm[0] * dm[1] < 0


def test_formats_crlf_comma_and_aliases(tmp_path):
    e = np.arange(740.0, 840.0, 0.25)
    mp, mm = _synthetic(e)
    a = load_user_spectrum(_write(tmp_path / "a.csv", "energy,mu_plus,mu_minus", [e, mp, mm],
                                  sep=",", newline="\r\n"), element="Co")
    b = load_user_spectrum(_write(tmp_path / "b.txt", "#nrj cp cm", [e, mp, mm]), element="Co")
    x = np.array([770.0, 778.0, 793.0, 820.0])
    assert np.allclose(a.optical_constants(x)["beta_m"], b.optical_constants(x)["beta_m"])


def test_beta_kind_roundtrip(tmp_path):
    co = get_material("Co")
    e = np.arange(740.0, 840.0, 0.2)
    ds = co.optical_constants(e)
    path = _write(tmp_path / "beta.txt", "energy beta beta_m",
                  [e, ds["beta"].values, ds["beta_m"].values])
    mat = load_user_spectrum(path, element="Co")
    assert mat.kind == "beta"
    x = np.array([770.0, 778.0, 793.0])
    got = mat.optical_constants(x)
    ref = co.optical_constants(x)
    assert np.allclose(got["beta"], ref["beta"], rtol=1e-6)
    assert np.allclose(got["beta_m"], ref["beta_m"], rtol=1e-6)
    # KK over the window recovers the dispersive parts near resonance (tails outside differ)
    assert np.allclose(got["delta_m"], ref["delta_m"], atol=0.1 * np.abs(ref["delta_m"]).max())


@pytest.mark.parametrize(
    ("header", "mutate", "match"),
    [
        ("energy foo bar", None, "mu_plus|beta"),
        ("energy mu_plus mu_minus", "nan", "mu_plus"),
        ("energy mu_plus mu_minus", "order", "energy"),
        ("foo mu_plus mu_minus", None, "energy"),
    ],
)
def test_bad_files_raise_file_format_error(tmp_path, header, mutate, match):
    e = np.arange(740.0, 840.0, 0.5)
    mp, mm = _synthetic(e)
    if mutate == "nan":
        mp[10] = np.nan
    if mutate == "order":
        e[20] = e[5]
    path = _write(tmp_path / "bad.txt", header, [e, mp, mm])
    with pytest.raises(FileFormatError, match=match) as info:
        load_user_spectrum(path, element="Co")
    assert "bad.txt" in str(info.value)


def test_missing_file_and_unknown_element(tmp_path):
    with pytest.raises(FileFormatError, match="nope.txt"):
        load_user_spectrum(tmp_path / "nope.txt", element="Co")
    e = np.arange(740.0, 840.0, 0.5)
    path = _write(tmp_path / "s.txt", "energy mu_plus mu_minus", [e, *_synthetic(e)])
    with pytest.raises(MaterialError):
        load_user_spectrum(path, element="Qq")
    with pytest.raises(FileFormatError, match="edge"):
        load_user_spectrum(path, element="Si")
