"""Readers refuse incomplete or unreadable input (issue 12, item 4).

- FIFOs, sockets, devices and folders are refused before anything opens them (a FIFO would block
  the reader forever): each read runs in a child process with a time limit, so a regression fails
  instead of hanging the suite.
- Empty frame stacks (TIFF, HDF5, NXstxm) and TIFFs with fewer frames than their metadata declare.
- Every reader error, for malformed files of every format (empty, garbage, truncated copies of
  small valid files written here), is a ``SpinscopeError`` naming the file.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import h5py
import numpy as np
import pytest
import tifffile
import xarray as xr

from spinscope.errors import FileFormatError, SpinscopeError
from spinscope.io import open_dataset

THIRD_PARTY = Path(__file__).resolve().parents[2] / "shared" / "data" / "third_party"


# --------------------------------------------------------------------------------------------------
# small valid files of every format


def _hdr_stack(d: Path) -> list[Path]:
    """A two-frame .hdr/.xim energy stack (3 x 4 pixels), as the STXM software writes it."""
    pts = ", ".join(f"{v:.3f}" for v in np.arange(4) * 0.1)
    qts = ", ".join(f"{v:.3f}" for v in 10 + np.arange(3) * 0.1)
    text = (
        'ScanDefinition = { Label = "S.hdr"; Type = "NEXAFS Image Scan"; Flags = "Image Stack"; '
        "Dwell = 1.5;\r\n\tRegions = (1,\r\n{\r\n"
        f'PAxis = {{ Name = "Sample X"; Unit = "um"; Points = (4, {pts});\r\n}};\r\n'
        f'QAxis = {{ Name = "Sample Y"; Unit = "um"; Points = (3, {qts});\r\n}};\r\n}});\r\n'
        '\tStackAxis = { Name = "Energy"; Unit = "eV"; Points = (2, 700.000, 705.000);\r\n};\r\n'
        '\tChannels = (1,\r\n{ Name = "APD"; Unit = "counts";});\r\n};\r\n'
        ' Time = "2021 January 27 15:14:38";\r\n'
        'Monochromator = { Name = "Energy"; LastPosition = 707.5;};\r\n'
        " StorageRingCurrent = 297;\r\n"
        'ImageScan = { ScanType = "Image"; ScanningStage = "Energy"; SingleEnergy = false;\r\n'
        "\tEnergyRegions = (1,\r\n{ StartEnergy = 700; EndEnergy = 705; Points = 2;});\r\n"
        "\tSpatialRegions = (1,\r\n{ CentreXPos = 0.15; CentreYPos = 10.1; XPoints = 4; "
        "YPoints = 3;});\r\n};\r\n"
    )
    (d / "S.hdr").write_bytes(text.encode())
    rng = np.random.default_rng(0)
    for fr in range(2):
        rows = rng.integers(0, 1000, (3, 4))
        (d / f"S_a{fr:03d}.xim").write_bytes(
            "".join("\t".join(map(str, r)) + "\t\r\n" for r in rows).encode())
    return [d / "S.hdr", d / "S_a000.xim", d / "S_a001.xim"]


def _hdr_point(d: Path) -> list[Path]:
    text = (
        'ScanDefinition = { Label = "P.hdr"; Type = "NEXAFS Point Scan"; Flags = "Spectra"; '
        "Dwell = 1000;\n\tRegions = (1,\n{\n"
        'PAxis = { Name = "Energy"; Unit = "eV"; Points = (3, 704.000, 704.500, 705.000);\n};\n});\n'
        '\tChannels = (1,\n{ Name = "APD"; Unit = "counts";});\n};\n'
        " StorageRingCurrent = 298;\n"
        'ImageScan = { ScanType = "Point"; SingleEnergy = false;\n'
        "\tEnergyRegions = (1,\n{ StartEnergy = 704; EndEnergy = 705; Points = 3;});\n"
        "\tSpatialRegions = (1,\n{ CentreXPos = -70.071; CentreYPos = 2668.95;});\n};\n"
        'Image0 = {StorageRingCurrent = 298.21; Energy = 711.85;};\n'
    )
    (d / "P.hdr").write_text(text)
    (d / "P_0.xsp").write_text("704\t4409087\t\n704.5\t4399221\t\n705\t4418219\t\n")
    return [d / "P.hdr", d / "P_0.xsp"]


def _ovf(d: Path) -> list[Path]:
    from spinscope.io.ovf import write_ovf

    rng = np.random.default_rng(1)
    da = xr.DataArray(rng.normal(size=(1, 2, 3, 3)), dims=("z", "y", "x", "component"),
                      coords={"x": np.arange(3) * 1e-9, "y": np.arange(2) * 1e-9, "z": [0.0],
                              "component": ["x", "y", "z"]})
    out = []
    for version, fmt in ((2, "binary4"), (1, "text"), (1, "binary8")):
        p = d / f"m_{version}_{fmt}.ovf"
        write_ovf(p, da, format=fmt, version=version)
        out.append(p)
    return out


def _nxstxm(d: Path) -> list[Path]:
    p = d / "stxm.hdf5"
    with h5py.File(p, "w") as f:
        e = f.create_group("entry1")
        e.attrs["NX_class"] = "NXentry"
        e["definition"] = np.array([b"NXstxm"])
        g = e.create_group("counter0")
        g.attrs.update({"NX_class": "NXdata", "signal": "data",
                        "axes": np.array([b"energy", b"sample_y", b"sample_x"])})
        g["data"] = np.arange(24.0).reshape(2, 3, 4)
        g["energy"] = np.array([706.0, 708.0])
        g["energy"].attrs["units"] = "eV"
        for name, n in (("sample_y", 3), ("sample_x", 4)):
            g[name] = np.arange(float(n))
            g[name].attrs["units"] = "um"
    return [p]


def _nexus(d: Path) -> list[Path]:
    from spinscope.io import write_nexus

    p = write_nexus(d / "spin.nxs", xr.Dataset({"counts": (("y", "x"), np.arange(6.0).reshape(2, 3))}))
    q = d / "generic.nxs"
    with h5py.File(q, "w") as f:
        e = f.create_group("entry")
        e.attrs["NX_class"] = "NXentry"
        g = e.create_group("data")
        g.attrs.update({"NX_class": "NXdata", "signal": "counts", "axes": np.array([b"x"])})
        g["counts"] = np.arange(5.0)
        g["x"] = np.arange(5.0)
    return [Path(p), q]


def _frames(d: Path) -> list[Path]:
    data = np.arange(3 * 5 * 6, dtype=np.uint16).reshape(3, 5, 6)
    tifs = []
    for name, kw in (("plain.tif", {}), ("ij.tif", {"imagej": True, "metadata": {"axes": "TYX"}}),
                     ("zlib.tif", {"compression": "zlib"})):
        tifffile.imwrite(d / name, data, photometric="minisblack", **kw)
        tifs.append(d / name)
    h5 = d / "frames.h5"
    with h5py.File(h5, "w") as f:
        f["frames"] = data.astype(float)
    spe = d / "old.spe"
    header = bytearray(4100)
    struct.pack_into("<H", header, 42, 6)
    struct.pack_into("<h", header, 108, 3)  # uint16
    struct.pack_into("<H", header, 656, 5)
    struct.pack_into("<i", header, 1446, 3)
    struct.pack_into("<f", header, 1992, 2.5)
    spe.write_bytes(bytes(header) + data.astype("<u2").tobytes())
    out = [*tifs, h5, spe]
    sif = THIRD_PARTY / "sif_parser" / "public_testdata__image.sif"
    if sif.is_file():
        shutil.copy(sif, d / "image.sif")
        out.append(d / "image.sif")
    return out


def _valid_files(d: Path) -> list[Path]:
    out: list[Path] = []
    for make in (_hdr_stack, _hdr_point, _ovf, _nxstxm, _nexus, _frames):
        sub = d / make.__name__.strip("_")
        sub.mkdir()
        out += make(sub)
    return out


def _mutations(raw: bytes) -> list[tuple[str, bytes]]:
    n = len(raw)
    cuts = sorted({1, 8, 64, n // 10, n // 4, n // 2, 3 * n // 4, 9 * n // 10, n - 1} - {0, n})
    rng = np.random.default_rng(n)
    return ([("empty", b""), ("garbage", rng.integers(0, 256, 300, dtype=np.uint8).tobytes())]
            + [(f"cut{c}", raw[:c]) for c in cuts])


def _open_of(path: Path) -> Path:
    """The file to open: a data file beside an .hdr is read through its header."""
    if path.suffix in (".xim", ".xsp"):
        return next(path.parent.glob("*.hdr"))
    return path


def test_malformed_files_of_every_format_name_the_file(tmp_path):
    files = _valid_files(tmp_path)
    for f in files:  # the valid files read
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            open_dataset(_open_of(f))
    bad: list[str] = []
    cases = 0
    for f in files:
        raw = f.read_bytes()
        for label, blob in _mutations(raw):
            f.write_bytes(blob)
            cases += 1
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    open_dataset(_open_of(f))
            except SpinscopeError as exc:
                msg = str(exc)
                if f.name not in msg or "\n" in msg:
                    bad.append(f"{f.name} {label}: {msg[:160]}")
            except Exception as exc:  # the test reports what escaped
                bad.append(f"{f.name} {label}: {type(exc).__name__}: {str(exc)[:120]}")
        f.write_bytes(raw)
    assert cases >= 150
    assert not bad, f"{len(bad)} of {cases} errors do not name the file:\n" + "\n".join(bad)


# --------------------------------------------------------------------------------------------------
# FIFOs, sockets, devices and folders: refused before opening, in a child process with a time limit

_CHILD = textwrap.dedent("""
    import json, sys, warnings
    warnings.simplefilter("ignore")
    from spinscope.errors import SpinscopeError
    from spinscope.io import guess_engine, open_dataset
    from spinscope.io.hdr_xim import read_hdr, read_hdr_xim
    from spinscope.io.lab import read_delays, read_hdf5_frames, read_lab_frames, read_sif, read_spe, read_tiff
    from spinscope.io.nexus import read_nexus, read_nexus_metadata
    from spinscope.io.nxstxm import list_nxstxm, read_nxstxm
    from spinscope.io.ovf import read_ovf
    for name, call, path in json.loads(sys.argv[1]):
        print("START", name, flush=True)
        fn = eval(call)
        try:
            fn(path)
        except SpinscopeError as exc:
            print("REFUSED", name, json.dumps(str(exc)), flush=True)
        except Exception as exc:
            print("ESCAPED", name, type(exc).__name__, flush=True)
        else:
            print("READ", name, flush=True)
""")

_CALLS = [
    "open_dataset", "guess_engine", "read_hdr", "read_hdr_xim", "read_ovf", "read_nexus",
    "read_nexus_metadata", "read_nxstxm", "list_nxstxm", "read_delays", "read_tiff", "read_sif",
    "read_spe", "read_hdf5_frames", "read_lab_frames",
]
_ENGINES = ["hdr_xim", "ovf", "nxstxm", "spinscope", "nexus", "tiff", "sif", "spe", "hdf5"]


def _run_child(cases: list[tuple[str, str, str]]) -> dict[str, tuple[str, str]]:
    try:
        res = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(cases)], capture_output=True,
                             text=True, timeout=30)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        started = [ln for ln in out.splitlines() if ln.startswith("START")]
        pytest.fail(f"a reader hangs: {started[-1] if started else 'before the first case'}")
    assert res.returncode == 0, res.stderr[-2000:]
    got = {}
    for line in res.stdout.splitlines():
        kind, name, *rest = line.split(" ", 2)
        if kind != "START":
            got[name] = (kind, rest[0] if rest else "")
    return got


def _special_cases(path: Path, tag: str) -> list[tuple[str, str, str]]:
    cases = [(f"{tag}:{c}", c, str(path)) for c in _CALLS]
    cases += [(f"{tag}:engine={e}", f"lambda p: open_dataset(p, engine={e!r})", str(path))
              for e in _ENGINES]
    return cases


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifo_socket_device_refused_before_opening(tmp_path):
    cases = []
    for suffix in (".hdr", ".ovf", ".h5", ".tif", ".spe", ".sif", ".nxs", ".txt"):
        fifo = tmp_path / f"pipe{suffix}"
        os.mkfifo(fifo)
        cases += _special_cases(fifo, f"fifo{suffix}")
    sock_path = tmp_path / "sock.h5"
    sock = None
    if len(str(sock_path)) < 100:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(sock_path))
        cases += _special_cases(sock_path, "socket")
    if Path("/dev/null").exists():
        cases += _special_cases(Path("/dev/null"), "device")
    folder = tmp_path / "folder.hdr"
    folder.mkdir()
    cases += [c for c in _special_cases(folder, "folder") if "lab_frames" not in c[0]]
    try:
        got = _run_child(cases)
    finally:
        if sock is not None:
            sock.close()
    assert len(got) == len(cases)
    wrong = {name: res for name, res in got.items() if res[0] != "REFUSED"}
    assert not wrong, wrong
    for (name, _call, path), (_kind, msg) in zip(cases, [got[c[0]] for c in cases], strict=True):
        text = json.loads(msg)
        assert Path(path).name in text, (name, text)
        if name.startswith(("fifo", "socket", "device")):
            assert "expected a regular file" in text, (name, text)
        if name.startswith("folder"):
            assert "folder" in text, (name, text)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifo_among_data_files_is_refused(tmp_path):
    """A FIFO where a .xim image, a frame in a folder or a delays file is expected."""
    _hdr_stack(tmp_path)
    (tmp_path / "S_a001.xim").unlink()
    os.mkfifo(tmp_path / "S_a001.xim")
    frames = tmp_path / "frames"
    frames.mkdir()
    tifffile.imwrite(frames / "f0.tif", np.ones((4, 4), np.uint16))
    os.mkfifo(frames / "f1.tif")
    os.mkfifo(tmp_path / "delays.txt")
    cases = [
        ("xim", "open_dataset", str(tmp_path / "S.hdr")),
        ("folder", "read_lab_frames", str(frames)),
        ("delays", f"lambda p: read_lab_frames(p, delays={str(tmp_path / 'delays.txt')!r})",
         str(frames / "f0.tif")),
    ]
    got = _run_child(cases)
    assert got["xim"][0] == "REFUSED" and "S_a001.xim" in got["xim"][1]
    assert got["folder"][0] == "REFUSED" and "f1.tif" in got["folder"][1]
    assert got["delays"][0] == "REFUSED" and "delays.txt" in got["delays"][1]
    for _kind, msg in got.values():
        assert "expected a regular file, got a FIFO" in msg


# --------------------------------------------------------------------------------------------------
# empty stacks and TIFFs with fewer frames than declared


def test_tiff_without_frames_is_refused(tmp_path):
    p = tmp_path / "zero.tif"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tifffile: "writing zero-size array to nonconformant TIFF"
        tifffile.imwrite(p, np.zeros((0, 4, 4), np.uint16))
    with pytest.raises(FileFormatError, match=r"zero\.tif: TIFF file holds no frames"):
        open_dataset(p)


@pytest.mark.parametrize("kw, declared", [
    ({"imagej": True, "metadata": {"axes": "TYX"}}, "ImageJ images=5"),
    ({"compression": "zlib"}, "shape [5, 4, 4]"),
    ({"ome": True, "metadata": {"axes": "TYX"}}, None),
    ({}, None),
])
def test_tiff_with_fewer_pages_than_declared_is_refused(tmp_path, kw, declared):
    p = tmp_path / "stack.tif"
    data = np.arange(1, 81, dtype=np.uint16).reshape(5, 4, 4)
    tifffile.imwrite(p, data, photometric="minisblack", **kw)
    np.testing.assert_array_equal(open_dataset(p)["counts"].values, data)
    raw = p.read_bytes()
    with tifffile.TiffFile(p) as tif:
        offsets = [page.offset for page in tif.pages]
    refused = 0
    for cut in sorted({offsets[1] + 1, offsets[3], offsets[3] + 20, offsets[-1] - 1,
                       len(raw) * 2 // 5, len(raw) * 3 // 5}):
        p.write_bytes(raw[:cut])
        try:
            out = open_dataset(p)["counts"].values
        except FileFormatError as exc:
            assert "stack.tif" in str(exc)
            refused += 1
            if declared and "declare" in str(exc):
                assert declared in str(exc)
        else:  # what is read is all there: the five frames, unchanged
            np.testing.assert_array_equal(out, data)
    assert refused >= 4


def test_hdf5_frame_stack_without_frames_is_refused(tmp_path):
    p = tmp_path / "empty.h5"
    with h5py.File(p, "w") as f:
        f["frames"] = np.zeros((0, 4, 4))
    with pytest.raises(FileFormatError, match=r"empty\.h5: dataset /frames holds no frames"):
        open_dataset(p)


def test_nxstxm_with_empty_energy_stack_is_refused(tmp_path):
    (p,) = _nxstxm(tmp_path)
    with h5py.File(p, "a") as f:
        g = f["entry1/counter0"]
        del g["data"], g["energy"]
        g["data"] = np.zeros((0, 3, 4))
        g["energy"] = np.zeros(0)
        g["energy"].attrs["units"] = "eV"
    with pytest.raises(FileFormatError, match=r"stxm\.hdf5:/entry1/counter0: empty scan"):
        open_dataset(p)


def _attr_array(name: str, key: str):
    def mutate(f):
        f[name].attrs[key] = np.array([1, 2])
    return mutate


def _replace(name: str, value):
    def mutate(f):
        attrs = dict(f[name].attrs)
        del f[name]
        f[name] = value
        f[name].attrs.update(attrs)
    return mutate


def _set(name: str, index, value):
    def mutate(f):
        f[name][index] = value
    return mutate


_CONTENT = {
    # errors raised by the data model or by helpers that only know the group: named since issue 12
    "nxstxm/stxm.hdf5": [_set("entry1/counter0/energy", 0, np.nan),
                         _set("entry1/counter0/sample_x", 0, np.nan),
                         _replace("entry1/counter0/data", np.array([b"a"] * 24).reshape(2, 3, 4))],
    "nexus/spin.nxs": [_attr_array("entry", "default"), _attr_array("entry/data", "NX_class"),
                       _attr_array("entry/data", "spinscope_order"),
                       _attr_array("entry/data/counts", "spinscope_dims"),
                       _replace("entry/data/counts", np.ones((2, 2, 2))),
                       _replace("entry/data/counts", 1.0)],
}


def test_content_errors_name_the_file(tmp_path):
    from spinscope.io.hdr_xim import read_hdr_xim
    from spinscope.io.nexus import read_nexus
    from spinscope.io.nxstxm import read_nxstxm

    _valid_files(tmp_path)
    direct = {"nxstxm": read_nxstxm, "nexus": read_nexus}
    cases = 0
    for rel, mutations in _CONTENT.items():
        p = tmp_path / rel
        base = p.read_bytes()
        for mutate in mutations:
            p.write_bytes(base)
            with h5py.File(p, "a") as f:
                mutate(f)
            for read in (open_dataset, direct[rel.split("/")[0]]):
                cases += 1
                with pytest.raises(SpinscopeError) as info:
                    read(p)
                assert p.name in str(info.value), str(info.value)
        p.write_bytes(base)
    hdr = tmp_path / "hdr_stack" / "S.hdr"
    text = hdr.read_text()
    for old, new in (("(2, 700.000, 705.000)", "(2, nan, 705.000)"), ("(4, 0.000", "(4, inf")):
        hdr.write_text(text.replace(old, new))
        for read in (open_dataset, read_hdr_xim):
            cases += 1
            with pytest.raises(SpinscopeError, match=r"S\.hdr: stack: coordinate '(energy|x)'"):
                read(hdr)
    assert cases == 22
