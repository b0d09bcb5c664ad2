"""STXM .hdr/.xim/.xsp reader: header grammar, real MAXYMUS files, synthetic variants and errors."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinscope.datamodel import validate_stack
from spinscope.errors import FileFormatError
from spinscope.io import guess_engine, open_dataset
from spinscope.io.hdr_xim import parse_hdr, read_hdr, read_hdr_xim, read_xim, read_xsp

UM = 1e-6


# --------------------------------------------------------------------------------------------------
# header grammar


def test_parse_nested_blocks_tuples_strings():
    text = (
        'A = { Name = "Sample X"; Unit = "um"; Points = (3, -1.5, 0, 2.5e1);\n};\r\n'
        'B = (2,\n{ Name = "APD; ch"; On = true;},\n{ Name = "PMT"; On = FALSE });\n'
        "C = 7; D = bare_word; E = ();\n"
    )
    h = parse_hdr(text)
    assert h["A"] == {"Name": "Sample X", "Unit": "um", "Points": [-1.5, 0, 25.0]}
    assert h["B"] == [{"Name": "APD; ch", "On": True}, {"Name": "PMT", "On": False}]
    assert h["C"] == 7 and isinstance(h["C"], int)
    assert h["D"] == "bare_word" and h["E"] == []


def test_crlf_and_lf_parse_alike(real_data):
    raw = (real_data / "maxymus_hdr_xim" / "MPI_210127021.hdr").read_bytes().decode()
    assert "\r\n" in raw
    assert parse_hdr(raw) == parse_hdr(raw.replace("\r\n", "\n"))


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("A = 1;\nB = { C = 2;\n", 3, "missing '}'"),
        ("A = 1;\nB 2;\n", 2, "expected '=' after key 'B'"),
        ('A = "open;\n', 1, "unterminated string"),
        ("A = (3, 1, 2);\n", 1, "announces 3 items but holds 2"),
        ("A = 1\nB = 2;\n", 2, "expected ';' after the value of 'A'"),
        ("A = (1, 2;\n", 1, "expected ',' or ')'"),
        ("\n\n= 3;", 3, "expected a key"),
    ],
)
def test_malformed_header_names_the_line(text, line, message):
    with pytest.raises(FileFormatError) as exc:
        parse_hdr(text, source="x.hdr")
    assert f"x.hdr: line {line}:" in str(exc.value)
    assert message in str(exc.value)


def test_deep_nesting_is_refused():
    with pytest.raises(FileFormatError, match="nesting deeper"):
        parse_hdr("A = " + "{ B = " * 200 + "1" + ";}" * 200 + ";")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list('{}()=;,"\n\r\t ab1.-_') + ["Key", "12", "\r\n", "(2,"]),
                max_size=120).map("".join) | st.text(max_size=200))
def test_fuzz_parser_random_text(text):
    try:
        out = parse_hdr(text)
    except FileFormatError as exc:
        assert "line " in str(exc) and "\n" not in str(exc)
    else:
        assert isinstance(out, dict)


@settings(max_examples=150, deadline=None)
@given(frac=st.floats(0, 1), junk=st.text(max_size=5))
def test_fuzz_parser_truncated_real_header(real_data, frac, junk):
    raw = (real_data / "maxymus_hdr_xim" / "MPI_210127021.hdr").read_text()
    try:
        parse_hdr(raw[: int(frac * len(raw))] + junk)
    except FileFormatError:
        pass


# --------------------------------------------------------------------------------------------------
# real MAXYMUS files


@pytest.fixture(scope="module")
def maxymus(real_data):
    return real_data / "maxymus_hdr_xim"


def test_real_files_unchanged(maxymus):
    digest = hashlib.sha256((maxymus / "MPI_210127021_a000.xim").read_bytes()).hexdigest()
    assert digest == "3d7f1b9ceb45a49d66841379fb653e5b5879ee9a9c40106c8d5650bbfc86b8d1"


def test_image_stack_over_magnet_field(maxymus):
    ds = read_hdr_xim(maxymus / "MPI_210127021.hdr")
    validate_stack(ds)
    assert ds["counts"].dims == ("field", "y", "x")
    assert ds["counts"].shape == (2, 150, 150)
    np.testing.assert_array_equal(ds["field"].values, [-2.0, -1.0])
    assert ds["field"].attrs["units"] == ""  # the header gives none
    assert ds.attrs["scanning_stage"] == "MagnetField" and ds.attrs["stage_motor"] == "AUX1"
    assert ds["energy"].ndim == 0 and float(ds["energy"]) == pytest.approx(707.71925)
    assert ds["x"].attrs["units"] == "m" and ds["y"].attrs["units"] == "m"
    np.testing.assert_allclose(ds["x"].values[[0, -1]], [-75.523 * UM, -70.556 * UM])
    np.testing.assert_allclose(ds["y"].values[[0, -1]], [2680.228 * UM, 2685.195 * UM])
    np.testing.assert_allclose(np.diff(ds["x"].values).mean(), 4.967 / 149 * UM, rtol=1e-9)
    for i, (lo, hi, mean) in enumerate([(9057, 9935, 9684.56), (9287, 9915, 9698.25)]):
        frame = ds["counts"].isel(field=i)
        assert int(frame.min()) == lo and int(frame.max()) == hi
        assert float(frame.mean()) == pytest.approx(mean, abs=0.01)
    assert float(ds["count_time"]) == pytest.approx(2.601e-3)
    assert float(ds["ring_current"]) == pytest.approx(0.297)
    assert ds.attrs["scan_type"] == "NEXAFS Image Scan"
    assert ds["counts"].dtype == np.int64


def test_rows_are_flipped_to_qaxis_order(maxymus):
    ds = read_hdr_xim(maxymus / "MPI_210127021.hdr")
    raw = read_xim(maxymus / "MPI_210127021_a000.xim", (150, 150))
    np.testing.assert_array_equal(ds["counts"].isel(field=0).values, raw[::-1])


def test_point_spectrum(maxymus):
    da = read_xsp(maxymus / "MPI_210127006_0.xsp")
    assert da.dims == ("energy",) and da.shape == (33,)
    assert da["energy"].attrs["units"] == "eV"
    np.testing.assert_allclose(da["energy"].values[[0, 1, -1]], [704.0, 704.25, 712.0])
    assert list(da.values[:3]) == [4409087, 4399221, 4418219]
    assert float(da["energy"][int(np.argmin(da.values))]) == 707.75 and int(da.min()) == 4224223
    assert 4.2e6 < da.min() and da.max() < 4.6e6
    ds = read_hdr_xim(maxymus / "MPI_210127006.hdr")
    validate_stack(ds)
    assert float(ds["x"]) == pytest.approx(-70.071 * UM) and float(ds["count_time"]) == 1.0


def test_dispatch(maxymus):
    assert guess_engine(maxymus / "MPI_210127021_a001.xim") == "hdr_xim"
    assert open_dataset(maxymus / "MPI_210127021_a001.xim")["counts"].shape == (2, 150, 150)
    hdr = read_hdr(maxymus / "MPI_210127006.hdr")
    assert hdr["ScanDefinition"]["Regions"][0]["PAxis"]["Points"][-1] == 712.0


# --------------------------------------------------------------------------------------------------
# synthetic scans


def _axis(name, unit, pts):
    return (f'{{ Name = "{name}"; Unit = "{unit}"; Points = ({len(pts)}, '
            + ", ".join(f"{v:.3f}" for v in pts) + ");};")


def _write_scan(d, *, stack=None, stage=None, channels=("APD",), nl="\n", write=True, shape=(3, 4)):
    ny, nx = shape
    flags = "Image Stack" if stack is not None else "Image"
    text = (
        f'ScanDefinition = {{ Label = "S.hdr"; Type = "NEXAFS Image Scan"; Flags = "{flags}"; '
        f"Dwell = 1.5;{nl}Regions = (1,{nl}{{{nl}PAxis = " + _axis("Sample X", "um", np.arange(4) * 0.1)
        + nl + "QAxis = " + _axis("Sample Y", "um", 10 + np.arange(3) * 0.1) + nl + "});" + nl
    )
    if stack is not None:
        text += "StackAxis = " + _axis("Energy", "eV" if stage is None else "", stack) + nl
    text += f"Channels = ({len(channels)},{nl}" + f",{nl}".join(
        f'{{ Name = "{c}"; Unit = "counts";}}' for c in channels) + f");{nl}}};{nl}"
    text += f"Monochromator = {{ Name = \"Energy\"; LastPosition = 707.5;}};{nl}"
    text += "ImageScan = { ScanType = \"Image\"; "
    if stage is not None:
        text += f'ScanningStage = "{stage}"; '
    text += f"SingleEnergy = {'true' if stack is None else 'false'};}};{nl}"
    (d / "S.hdr").write_bytes(text.encode())
    rng = np.random.default_rng(0)
    frames = {}
    if write:
        for k, _c in enumerate(channels):
            letter = "abc"[k]
            idx = range(len(stack)) if stack is not None else [None]
            for fr in idx:
                arr = rng.integers(0, 1000, (ny, nx))
                name = f"S_{letter}.xim" if fr is None else f"S_{letter}{fr:03d}.xim"
                (d / name).write_bytes(
                    "".join("\t".join(map(str, row)) + "\t" + nl for row in arr).encode())
                frames[name] = arr
    return d / "S.hdr", frames


def test_energy_stack_two_channels(tmp_path):
    p, frames = _write_scan(tmp_path, stack=[700.0, 705.0, 710.0], channels=("APD", "PMT"),
                            nl="\r\n")
    ds = read_hdr_xim(p)
    assert ds["counts"].dims == ("energy", "y", "x") and ds["counts"].shape == (3, 3, 4)
    np.testing.assert_allclose(ds["energy"].values, [700.0, 705.0, 710.0])
    np.testing.assert_array_equal(ds["counts"].isel(energy=2).values, frames["S_a002.xim"][::-1])
    np.testing.assert_array_equal(ds["PMT"].isel(energy=0).values, frames["S_b000.xim"][::-1])
    ds_b = read_hdr_xim(p, channel="PMT")
    np.testing.assert_array_equal(ds_b["counts"].values, ds["PMT"].values)
    assert float(ds["count_time"]) == pytest.approx(1.5e-3)


def test_single_image(tmp_path):
    p, frames = _write_scan(tmp_path)
    ds = read_hdr_xim(p)
    assert ds["counts"].dims == ("y", "x")
    assert float(ds["energy"]) == 707.5
    np.testing.assert_allclose(ds["y"].values, (10 + np.arange(3) * 0.1) * UM)


def test_field_stage_from_header(tmp_path):
    p, _ = _write_scan(tmp_path, stack=[-2.0, -1.0], stage="MagnetField")
    ds = read_hdr_xim(p)
    assert ds["counts"].dims == ("field", "y", "x")


def test_missing_xim_names_file_and_shape(tmp_path):
    p, _ = _write_scan(tmp_path, stack=[700.0, 705.0])
    (tmp_path / "S_a001.xim").unlink()
    with pytest.raises(FileFormatError) as exc:
        read_hdr_xim(p)
    msg = str(exc.value)
    assert "S_a001.xim" in msg and "(3, 4)" in msg and "missing" in msg


def test_wrong_shape_xim(tmp_path):
    p, _ = _write_scan(tmp_path, stack=[700.0, 705.0])
    (tmp_path / "S_a000.xim").write_text("1\t2\t3\t\n4\t5\t6\t\n")
    with pytest.raises(FileFormatError) as exc:
        read_hdr_xim(p)
    assert "S_a000.xim" in str(exc.value) and "expected (3, 4)" in str(exc.value)


def test_ragged_or_non_numeric_xim(tmp_path):
    p, _ = _write_scan(tmp_path)
    (tmp_path / "S_a.xim").write_text("1\t2\t3\t4\n1\t2\n1\t2\t3\t4\n")
    with pytest.raises(FileFormatError, match="ragged"):
        read_hdr_xim(p)
    (tmp_path / "S_a.xim").write_text("1\t2\t3\t4\n1\tx\t3\t4\n1\t2\t3\t4\n")
    with pytest.raises(FileFormatError, match="line 2"):
        read_hdr_xim(p)


def test_malformed_header_file(tmp_path):
    p = tmp_path / "bad.hdr"
    p.write_text("ScanDefinition = { Type = \"NEXAFS Image Scan\";\nRegions = (2, {});\n};\n")
    with pytest.raises(FileFormatError, match=r"bad.hdr: line 2: tuple of 'Regions'"):
        read_hdr_xim(p)
    q = tmp_path / "other.hdr"
    q.write_text('ScanDefinition = { Type = "Mystery Scan"; };\n')
    with pytest.raises(FileFormatError, match="unsupported scan type"):
        read_hdr_xim(q)


def test_xsp_without_header(tmp_path):
    p = tmp_path / "lonely_0.xsp"
    p.write_text("704\t1\t\n")
    with pytest.raises(FileFormatError, match="lonely.hdr is missing"):
        read_hdr_xim(p)


# --------------------------------------------------------------------------------------------------
# truncated and incomplete headers (issue 12): refused, never read as another scan


def _truncations(tmp_path, src, stem, cuts):
    """Read the scan with its header cut at each offset; count refusals and identical reads."""
    import shutil

    import xarray as xr

    for f in src.glob(stem + "*"):
        shutil.copy(f, tmp_path / f.name)
    hdr = tmp_path / f"{stem}.hdr"
    raw = hdr.read_bytes()
    full = read_hdr_xim(hdr)
    refused, identical = 0, []
    for cut in cuts:
        hdr.write_bytes(raw[:cut])
        try:
            ds = read_hdr_xim(hdr)
        except FileFormatError as exc:
            assert f"{stem}.hdr" in str(exc) and "\n" not in str(exc)
            refused += 1
            continue
        xr.testing.assert_identical(ds, full)  # anything read is the whole scan, unchanged
        identical.append(raw[cut:])
    hdr.write_bytes(raw)
    return refused, identical


def test_real_header_cut_at_every_line_is_refused(maxymus, tmp_path):
    raw = (maxymus / "MPI_210127021.hdr").read_bytes()
    lines = [i + 1 for i, b in enumerate(raw) if b == ord("\n")][:-1]
    assert len(lines) == 72
    # before issue 12: 46 of these 72 read as an energy stack (the scanning stage, in ImageScan,
    # cut away) without the ring current; now every one is refused
    refused, identical = _truncations(tmp_path, maxymus, "MPI_210127021", lines)
    assert (refused, identical) == (72, [])
    refused, identical = _truncations(tmp_path, maxymus, "MPI_210127021", range(0, len(raw), 11))
    assert (refused, identical) == (len(range(0, len(raw), 11)), [])


def test_real_point_header_cut_at_every_line(maxymus, tmp_path):
    raw = (maxymus / "MPI_210127006.hdr").read_bytes()
    lines = [i + 1 for i, b in enumerate(raw) if b == ord("\n")][:-1]
    refused, identical = _truncations(tmp_path, maxymus, "MPI_210127006", lines)
    # the one cut that reads is the last line, the per-image block Image0 that the reader does
    # not use: the scan read is identical to the full one
    assert refused == len(lines) - 1 and [t.strip()[:7] for t in identical] == [b"Image0 "]


def test_synthetic_header_cut_at_every_line_is_refused(tmp_path):
    p, _ = _write_scan(tmp_path, stack=[-2.0, -1.0], stage="MagnetField", nl="\r\n")
    raw = p.read_bytes()
    cuts = [i + 1 for i, b in enumerate(raw) if b == ord("\n")][:-1] + list(range(1, len(raw) - 3, 5))
    refused = 0
    for cut in cuts:
        p.write_bytes(raw[:cut])
        with pytest.raises(FileFormatError, match=r"S\.hdr"):
            read_hdr_xim(p)
        refused += 1
    p.write_bytes(raw + b"\r\n\r\n  \r\n")  # trailing blank lines change nothing
    assert read_hdr_xim(p)["counts"].dims == ("field", "y", "x")
    assert refused == len(cuts) > 40


@pytest.mark.parametrize("old, new, message", [
    ('ImageScan = { ScanType = "Image"; ScanningStage = "MagnetField"; SingleEnergy = false;};\n', "",
     "incomplete or truncated header: no ImageScan block"),
    ("SingleEnergy = false;};\n", "SingleEnergy = false;}\n", "missing ';' after the value of 'ImageScan'"),
    ("Points = (4,", "Points = (5,", "tuple of 'Points' announces 5 items but holds 4"),
])
def test_incomplete_header_says_what_is_missing(tmp_path, old, new, message):
    p, _ = _write_scan(tmp_path, stack=[-2.0, -1.0], stage="MagnetField")
    text = p.read_text()
    assert old in text
    p.write_text(text.replace(old, new))
    with pytest.raises(FileFormatError, match=r"S\.hdr") as info:
        read_hdr_xim(p)
    assert message in str(info.value)


def test_declared_counts_must_agree(tmp_path):
    p, _ = _write_scan(tmp_path, stack=[700.0, 705.0])
    text = p.read_text()
    stackless = text.replace(text[text.index("StackAxis"):text.index("Channels = (")], "")
    p.write_text(stackless)
    with pytest.raises(FileFormatError, match="Flags say 'Image Stack' but ScanDefinition has no StackAxis"):
        read_hdr_xim(p)
    scan = 'ImageScan = { ScanType = "Image"; '
    for extra, message in (
        ("EnergyRegions = (1, { Points = 3;});", "EnergyRegions announces 3 points, StackAxis has 2"),
        ("SpatialRegions = (1, { XPoints = 5; YPoints = 3;});", "XPoints = 5 but PAxis has 4 Points"),
        ("SpatialRegions = (2, { XPoints = 4;}, { XPoints = 4;});",
         "1 region(s), ImageScan.SpatialRegions 2"),
    ):
        p.write_text(text.replace(scan, scan + extra))
        with pytest.raises(FileFormatError, match=r"S\.hdr: incomplete or truncated header") as info:
            read_hdr_xim(p)
        assert message in str(info.value)
    p.write_text(text.replace(scan, scan + "EnergyRegions = (1, { Points = 2;}); "
                              "SpatialRegions = (1, { XPoints = 4; YPoints = 3;});"))
    assert read_hdr_xim(p)["counts"].shape == (2, 3, 4)


def test_point_scan_needs_its_position(maxymus, tmp_path):
    import shutil

    for f in maxymus.glob("MPI_210127006*"):
        shutil.copy(f, tmp_path / f.name)
    hdr = tmp_path / "MPI_210127006.hdr"
    text = hdr.read_bytes().decode()
    hdr.write_bytes(text.replace("CentreXPos = -70.071; ", "").encode())
    with pytest.raises(FileFormatError, match="point scan without its position"):
        read_hdr_xim(hdr)
