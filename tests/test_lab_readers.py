"""Lab detector readers: TIFF, folders, SPE, SIF (error paths), HDF5, delay files, bad input."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from spinscope.errors import FileFormatError, UnitError
from spinscope.io.lab import read_delays, read_lab_frames, read_sif, read_spe

tifffile = pytest.importorskip("tifffile")


def frames(n=3, h=12, w=17, seed=0):
    return np.random.default_rng(seed).integers(0, 4000, size=(n, h, w), dtype=np.uint16)


# ----------------------------------------------------------------------------------------------
# TIFF and folders


def test_multipage_tiff(tmp_path):
    data = frames()
    f = tmp_path / "stack.tif"
    tifffile.imwrite(f, data, photometric="minisblack")
    da = read_lab_frames(f)
    assert da.dims == ("frame", "y", "x")
    np.testing.assert_array_equal(da.values, data)
    assert da.attrs["format"] == "tiff" and da.attrs["units"] == "counts"
    # separate pages written one by one (a TIFF "stack" of pages)
    g = tmp_path / "pages.tiff"
    with tifffile.TiffWriter(g) as tw:
        for page in data:
            tw.write(page, contiguous=False)
    np.testing.assert_array_equal(read_lab_frames(g).values, data)
    # an RGB image is not a stack of detector frames
    rgb = tmp_path / "rgb.tif"
    tifffile.imwrite(rgb, data[:, :, :3].transpose(1, 2, 0).astype(np.uint8), photometric="rgb")
    with pytest.raises(FileFormatError, match="grey-scale"):
        read_lab_frames(rgb)


def test_single_frame_tiff_and_geometry_options(tmp_path):
    from spinscope.analysis.azimuthal import DetectorGeometry

    f = tmp_path / "one.tif"
    tifffile.imwrite(f, frames(1)[0].astype(np.float32))
    da = read_lab_frames(f, energy="155 eV", distance="5 cm", pixel_size="13.5 um", center=(8.5, 6.0))
    assert da.dims == ("y", "x")
    assert da.attrs["photon_energy_eV"] == 155.0
    assert da.attrs["distance_m"] == pytest.approx(0.05)
    assert da.attrs["pixel_size_m"] == pytest.approx([13.5e-6, 13.5e-6])
    assert da["x"].attrs["units"] == "m"
    g = DetectorGeometry.from_attrs(da.attrs)
    assert g.center == (8.5, 6.0) and g.distance == pytest.approx(0.05)
    with pytest.raises(UnitError, match="distance"):
        read_lab_frames(f, distance="5 eV")


def test_folder_sorted_naturally_with_delays(tmp_path):
    names = ["img_1.tif", "img_2.tif", "img_10.tif"]
    for i, name in enumerate(names):
        tifffile.imwrite(tmp_path / name, np.full((8, 9), i, dtype=np.uint16))
    (tmp_path / "notes.txt").write_text("not a frame")
    delays = tmp_path / "delays.txt"
    delays.write_text("# delays of the scan\n-0.5 ps\n\n0\n2e-12  # bare number: seconds\n")
    da = read_lab_frames(tmp_path, delays=delays)
    assert da.dims == ("delay", "y", "x")
    np.testing.assert_array_equal(da.values[:, 0, 0], [0, 1, 2])  # img_10 last
    np.testing.assert_allclose(da["delay"].values, [-0.5e-12, 0.0, 2e-12])
    assert da["delay"].attrs["units"] == "s"
    assert da.attrs["files"] == names


def test_folder_of_unequal_frames_is_refused(tmp_path):
    tifffile.imwrite(tmp_path / "a1.tif", np.zeros((8, 9), np.uint16))
    tifffile.imwrite(tmp_path / "a2.tif", np.zeros((8, 10), np.uint16))
    with pytest.raises(FileFormatError, match=r"a2\.tif.*\(8, 10\).*\(8, 9\)"):
        read_lab_frames(tmp_path)


def test_delay_count_must_match(tmp_path):
    f = tmp_path / "s.tif"
    tifffile.imwrite(f, frames(3), photometric="minisblack")
    d = tmp_path / "d.txt"
    d.write_text("1 ps\n2 ps\n")
    with pytest.raises(FileFormatError, match="2 delays for 3 frames"):
        read_lab_frames(f, delays=d)
    da = read_lab_frames(f, delays=["1 ps", "2 ps", 3e-12])
    np.testing.assert_allclose(da["delay"].values, [1e-12, 2e-12, 3e-12])


def test_read_delays_errors(tmp_path):
    d = tmp_path / "d.txt"
    d.write_text("0.5 ps\nfast\n")
    with pytest.raises(FileFormatError, match="line 2.*'fast'"):
        read_delays(d)
    d.write_text("1 m\n")
    with pytest.raises(FileFormatError, match="line 1"):
        read_delays(d)
    d.write_text("# only a comment\n")
    with pytest.raises(FileFormatError, match="no delays"):
        read_delays(d)
    with pytest.raises(FileFormatError, match="no such"):
        read_delays(tmp_path / "missing.txt")


def test_corrupt_and_missing_files(tmp_path):
    with pytest.raises(FileFormatError, match="no such"):
        read_lab_frames(tmp_path / "nothing.tif")
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"this is not a tiff at all" * 10)
    with pytest.raises(FileFormatError, match=r"bad\.tif"):
        read_lab_frames(bad)
    good = tmp_path / "cut.tif"
    tifffile.imwrite(good, frames(4, 64, 64), photometric="minisblack")
    raw = good.read_bytes()
    good.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(FileFormatError, match=r"cut\.tif"):
        read_lab_frames(good)
    other = tmp_path / "x.png"
    other.write_bytes(b"\x89PNG")
    with pytest.raises(FileFormatError, match="unknown frame file type"):
        read_lab_frames(other)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileFormatError, match="no frame files"):
        read_lab_frames(empty)


# ----------------------------------------------------------------------------------------------
# Princeton SPE


def write_spe3(path, data, *, timestamps=None, resolution=1_000_000):
    """A minimal SPE 3.0 file: 4100-byte header, uint16 frames (+ per-frame time stamp), XML footer."""
    data = np.asarray(data, dtype="<u2")
    n, h, w = data.shape
    region = h * w * 2
    stride = region + (8 if timestamps is not None else 0)
    header = bytearray(4100)
    struct.pack_into("<H", header, 42, w)  # xdim
    struct.pack_into("<h", header, 108, 3)  # datatype 3 = uint16
    struct.pack_into("<H", header, 656, h)  # ydim
    struct.pack_into("<i", header, 1446, n)  # NumFrames
    struct.pack_into("<f", header, 1992, 3.0)  # file_header_ver
    struct.pack_into("<i", header, 2996, 0x01234567)  # WinView_id
    struct.pack_into("<h", header, 4098, 0x5555)  # lastvalue
    body = bytearray()
    for i in range(n):
        body += data[i].tobytes()
        if timestamps is not None:
            body += struct.pack("<q", round(timestamps[i] * resolution))
    struct.pack_into("<Q", header, 678, 4100 + len(body))  # XML footer offset
    meta_attr, meta_xml = "", ""
    if timestamps is not None:
        meta_attr = ' metaFormat="1"'
        meta_xml = (
            '<MetaFormat><MetaBlock id="1"><TimeStamp event="ExposureStarted" type="Int64" '
            f'bitDepth="64" resolution="{resolution}"/></MetaBlock></MetaFormat>'
        )
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<SpeFormat version="3.0" xmlns="http://www.princetoninstruments.com/spe/2009">'
        f'<DataFormat><DataBlock type="Frame" count="{n}" pixelFormat="MonochromeUnsigned16" '
        f'size="{region}" stride="{stride}"{meta_attr}>'
        f'<DataBlock type="Region" count="1" width="{w}" height="{h}" size="{region}" '
        f'stride="{region}" calibrations="1"/></DataBlock></DataFormat>{meta_xml}'
        f'<Calibrations><SensorInformation id="1" orientation="Normal" width="{w}" height="{h}"/>'
        f'<SensorMapping id="1" x="0" y="0" width="{w}" height="{h}" xBinning="1" yBinning="1"/>'
        "</Calibrations></SpeFormat>"
    )
    path.write_bytes(bytes(header) + bytes(body) + xml.encode())


def test_spe3_frames_and_timestamps(tmp_path):
    data = frames(3, 5, 7)
    f = tmp_path / "scan.spe"
    write_spe3(f, data, timestamps=[10.0, 10.1, 10.25])
    da = read_lab_frames(f)
    np.testing.assert_array_equal(da.values, data)
    assert da.attrs["format"] == "spe"
    np.testing.assert_allclose(da["timestamp"].values, [0.0, 0.1, 0.25])
    assert da["timestamp"].attrs["units"] == "s"


def test_spe3_agrees_with_spexread(tmp_path):
    spexread = pytest.importorskip("spexread")
    data = frames(2, 6, 9, seed=4)
    f = tmp_path / "plain.spe"
    write_spe3(f, data)
    ours, _ = read_spe(f)
    theirs = spexread.read_spe_file(f)
    np.testing.assert_array_equal(ours, theirs["ROI 0"].values)


def test_spe_legacy_header(tmp_path):
    data = np.arange(2 * 4 * 5, dtype="<f4").reshape(2, 4, 5)
    header = bytearray(4100)
    struct.pack_into("<f", header, 10, 0.2)  # exp_sec
    struct.pack_into("<f", header, 36, -40.0)  # DetTemperature [deg C]
    struct.pack_into("<H", header, 42, 5)
    struct.pack_into("<h", header, 108, 0)  # float32
    struct.pack_into("<H", header, 656, 4)
    struct.pack_into("<i", header, 1446, 2)
    struct.pack_into("<f", header, 1992, 2.5)
    f = tmp_path / "old.spe"
    f.write_bytes(bytes(header) + data.tobytes())
    arr, meta = read_spe(f)
    np.testing.assert_array_equal(arr, data)
    assert meta["exposure_time_s"] == pytest.approx(0.2)
    assert meta["detector_temperature_K"] == pytest.approx(233.15)


def test_spe_truncated_and_corrupt(tmp_path):
    f = tmp_path / "cut.spe"
    write_spe3(f, frames(3, 5, 7))
    raw = f.read_bytes()
    # cut into the frames: the footer offset now points past the end
    f.write_bytes(raw[:4100 + 50])
    with pytest.raises(FileFormatError, match=r"cut\.spe"):
        read_spe(f)
    f.write_bytes(raw[:1000])
    with pytest.raises(FileFormatError, match="truncated SPE"):
        read_spe(f)
    g = tmp_path / "footer.spe"
    write_spe3(g, frames(1, 5, 7))
    g.write_bytes(g.read_bytes()[:-20])  # cut the XML footer
    with pytest.raises(FileFormatError, match="XML footer"):
        read_spe(g)
    h = tmp_path / "frames.spe"
    write_spe3(h, frames(3, 5, 7))
    raw = bytearray(h.read_bytes())
    struct.pack_into("<Q", raw, 678, 4100 + 10)  # footer offset inside the frames: too few bytes
    h.write_bytes(bytes(raw))
    with pytest.raises(FileFormatError, match=r"frames\.spe"):
        read_spe(h)


# ----------------------------------------------------------------------------------------------
# Andor SIF: sif_parser needs a genuine file; without one we test the error paths and the mapping
# of the header fields (sif_parser.np_open replaced by a stand-in returning what it would return).


def test_sif_errors(tmp_path):
    pytest.importorskip("sif_parser")
    f = tmp_path / "bad.sif"
    f.write_bytes(b"\x00" * 200)
    with pytest.raises(FileFormatError, match=r"bad\.sif.*not an Andor SIF"):
        read_lab_frames(f)
    g = tmp_path / "cut.sif"
    g.write_bytes(b"Andor Technology Multi-Channel File\n65538 1\n")
    with pytest.raises(FileFormatError, match=r"cut\.sif"):
        read_lab_frames(g)


def test_sif_header_fields_mapped(tmp_path, monkeypatch):
    sif_parser = pytest.importorskip("sif_parser")
    data = frames(2, 6, 8).astype(np.float32)
    info = {
        "ExposureTime": 0.5,
        "DetectorTemperature": -60.0,
        "timestamp_of_0": 1_000_000,
        "timestamp_of_1": 1_250_000,
        "xbin": 1,
        "ybin": 2,
    }
    import spinscope.io.lab as lab

    monkeypatch.setattr(sif_parser, "np_open", lambda path, **kw: (data, info))
    monkeypatch.setattr(lab, "_check_sif_header", lambda path: None)
    f = tmp_path / "fake.sif"
    f.write_bytes(b"")
    arr, meta = read_sif(f)
    np.testing.assert_array_equal(arr, data)
    assert meta["exposure_time_s"] == 0.5
    assert meta["detector_temperature_K"] == pytest.approx(213.15)
    np.testing.assert_allclose(meta["timestamps_s"], [0.0, 0.25])
    assert meta["binning"] == [2, 1]


# ----------------------------------------------------------------------------------------------
# HDF5 / NeXus


def write_nxsas(path, data, *, delays_ps=None):
    import h5py

    with h5py.File(path, "w") as fh:
        entry = fh.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        det = entry.create_group("instrument/detector")
        det.attrs["NX_class"] = "NXdetector"
        det.create_dataset("data", data=data)
        for name, value, units in [
            ("distance", 5.0, "cm"),
            ("x_pixel_size", 13.5, "um"),
            ("y_pixel_size", 13.5, "um"),
            ("beam_center_x", 8.25, "pixel"),
            ("beam_center_y", 81.0e-6, "m"),
        ]:
            det.create_dataset(name, data=value).attrs["units"] = units
        if delays_ps is not None:
            det.create_dataset("delay", data=np.asarray(delays_ps)).attrs["units"] = "ps"
        mono = entry.create_group("instrument/monochromator")
        mono.attrs["NX_class"] = "NXmonochromator"
        mono.create_dataset("energy", data=0.155).attrs["units"] = "keV"
        fh.create_dataset("entry/other", data=np.zeros((2, 2)))


def test_hdf5_dataset_with_geometry_and_delays(tmp_path):
    data = frames(3, 10, 11).astype(np.float32)
    f = tmp_path / "scan.nxs"
    write_nxsas(f, data, delays_ps=[-1.0, 0.0, 1.0])
    da = read_lab_frames(f, dataset="/entry/instrument/detector/data")
    np.testing.assert_array_equal(da.values, data)
    assert da.dims == ("delay", "y", "x")
    np.testing.assert_allclose(da["delay"].values, [-1e-12, 0.0, 1e-12])
    assert da.attrs["photon_energy_eV"] == pytest.approx(155.0)
    assert da.attrs["distance_m"] == pytest.approx(0.05)
    assert da.attrs["pixel_size_m"] == pytest.approx([13.5e-6, 13.5e-6])
    assert da.attrs["beam_center_px"] == pytest.approx([8.25, 6.0])
    # the caller's value replaces the file's, with a warning
    with pytest.warns(UserWarning, match="distance_m"):
        da2 = read_lab_frames(f, dataset="/entry/instrument/detector/data", distance=0.06)
    assert da2.attrs["distance_m"] == 0.06


def test_hdf5_errors(tmp_path):
    data = frames(2, 10, 11)
    f = tmp_path / "scan.h5"
    write_nxsas(f, data)
    with pytest.raises(FileFormatError, match="cannot tell which dataset"):
        read_lab_frames(f)  # two candidate 2D+ datasets and no NeXus default
    with pytest.raises(FileFormatError, match="no dataset '/entry/nope'"):
        read_lab_frames(f, dataset="/entry/nope")
    raw = f.read_bytes()
    cut = tmp_path / "cut.h5"
    cut.write_bytes(raw[: len(raw) // 3])
    with pytest.raises(FileFormatError, match=r"cut\.h5"):
        read_lab_frames(cut, dataset="/entry/instrument/detector/data")
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"garbage" * 100)
    with pytest.raises(FileFormatError, match="not an HDF5 file"):
        read_lab_frames(junk)


@pytest.mark.parametrize("fmt", ["spe", "tif"])
def test_fuzzed_files_raise_file_format_errors(tmp_path, fmt):
    """Random truncations and byte flips give a clean FileFormatError or a valid read, never a crash."""
    f = tmp_path / f"seed.{fmt}"
    data = frames(2, 9, 11)
    if fmt == "spe":
        write_spe3(f, data, timestamps=[0.0, 0.5])
    else:
        tifffile.imwrite(f, data, photometric="minisblack")
    raw = f.read_bytes()
    rng = np.random.default_rng(17)
    target = tmp_path / f"fuzz.{fmt}"
    outcomes = {"ok": 0, "error": 0}
    for _ in range(40):
        b = bytearray(raw)
        if rng.random() < 0.5:
            b = b[: int(rng.integers(0, len(b)))]
        else:
            for pos in rng.integers(0, len(b), size=8):
                b[pos] = int(rng.integers(0, 256))
        target.write_bytes(bytes(b))
        try:
            da = read_lab_frames(target)
        except FileFormatError as exc:
            assert "\n" not in str(exc) and target.name in str(exc)
            outcomes["error"] += 1
        else:
            assert da.ndim in (2, 3) and da.size > 0
            outcomes["ok"] += 1
    assert outcomes["error"] > 0
