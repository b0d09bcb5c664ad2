"""Writers that cannot be redirected or raced (issue 12, item 3).

Temporary files are made by ``mkstemp`` (unique, ``O_EXCL``) and never follow a link planted at any
name a writer could use; an output is claimed by one run at a time; unwritable paths are one
``SpinscopeError``; OVF-folder movies and checkpoints carry a manifest / fingerprint, so an
interrupted movie reads as incomplete and a checkpoint of another configuration, a truncated one or a
``.npy`` array is refused, naming the file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from spinscope.atomic import (
    LOCK_SUFFIX,
    MANIFEST_NAME,
    OutputError,
    atomic_path,
    claim_output,
    config_fingerprint,
)
from spinscope.errors import FileFormatError, SpinscopeError

LLG_TOML = (
    'name = "tiny"\n[mesh]\nsize = ["40 nm", "20 nm", "3 nm"]\ncells = [8, 4, 1]\n'
    '[material]\nMs = "{ms}"\nA = "13 pJ/m"\nalpha = 0.1\n'
    '[initial]\ndirection = [1, 1, 0]\n[relax]\nenabled = false\n'
    '[[fields]]\nkind = "rf"\nB = ["0 mT", "0 mT", "5 mT"]\nfrequency = "10 GHz"\n'
    '[run]\nduration = "10 ps"\ninterval = "2 ps"\n'
)

STXM_TOML = """schema_version = 1
name = "lock"
seed = 3
[ring]
preset = "spear3"
bunch_fwhm = "50 ps"
[beamline]
energy = "852.75 eV"
[sample]
[[sample.layers]]
material = "Ni80Fe20"
thickness = "10 nm"
magnetic = true
[magnetisation]
scenario = "spin_wave"
size = "400 nm"
cell = "20 nm"
wavelength = "200 nm"
[scan]
pixel_size = "20 nm"
nx = 8
ny = 8
dwell = "1 ms"
[excitation]
frequency = "6.25 GHz"
phases = 4
"""


def _main(args, capsys):
    from spinscope.cli import llg_cmd
    from spinscope.cli import main as climain

    if "llg_cmd" not in climain.COMMAND_MODULES and not getattr(climain, "_llg_test_added", False):
        llg_cmd.register(climain.app)
        climain._llg_test_added = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        code = climain.main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def _one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def _llg_cfg(tmp_path, ms="800 kA/m", name="tiny.toml"):
    p = tmp_path / name
    p.write_text(LLG_TOML.format(ms=ms))
    return p


def _tiny_movie():
    import spinscope.micromagnetics as mm

    sim = mm.Simulation(mm.Mesh((4, 2, 1), (5e-9, 5e-9, 3e-9)), Ms=8e5, A=1.3e-11)
    return sim.run(4e-12, n_frames=3)


# ------------------------------------------------------------------ links planted at temp names


@pytest.fixture
def bait(tmp_path):
    """A file outside the output folder that a followed link would overwrite."""
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "precious.txt"
    target.write_text("untouched")
    return target


def _plant(folder, names, target):
    folder.mkdir(parents=True, exist_ok=True)
    for n in names:
        os.symlink(target, folder / n)


def test_mkstemp_skips_a_link_planted_at_its_next_name(tmp_path, bait, monkeypatch):
    # the worst case: the attacker guessed the next random name; O_EXCL refuses it, mkstemp moves on
    names = iter(["guessed", "fresh", "other"])
    monkeypatch.setattr(tempfile, "_get_candidate_names", lambda: names)
    out = tmp_path / "o"
    _plant(out, [".x.txt.guessed.part"], bait)
    with atomic_path(out / "x.txt") as tmp:
        assert tmp.name == ".x.txt.fresh.part"
        tmp.write_text("new")
    assert (out / "x.txt").read_text() == "new"
    assert bait.read_text() == "untouched"
    assert (out / ".x.txt.guessed.part").is_symlink()


def test_ovf_and_netcdf_writers_do_not_follow_planted_links(tmp_path, bait):
    from spinscope.io.ovf import read_ovf_folder, write_ovf
    from spinscope.micromagnetics.scenario import write_movie

    movie = _tiny_movie()
    folder = tmp_path / "movie"
    fixed = [f"m{i:06d}.ovf.part" for i in range(3)] + ["table.txt.part", "table.txt.tmp",
                                                         "manifest.json.part", "manifest.json.tmp"]
    _plant(folder, fixed, bait)
    files = write_movie(movie, folder)
    assert len(files) == 3 and bait.read_text() == "untouched"
    assert read_ovf_folder(folder).sizes["time"] == 3
    _plant(tmp_path, ["movie.nc.part", "movie.nc.tmp"], bait)
    write_movie(movie, tmp_path / "movie.nc")
    assert (tmp_path / "movie.nc").stat().st_size > 0 and bait.read_text() == "untouched"
    _plant(tmp_path / "single", ["f.ovf.part"], bait)
    write_ovf(tmp_path / "single" / "f.ovf", movie.isel(time=0))
    assert bait.read_text() == "untouched"


def test_llg_checkpoint_does_not_follow_planted_links(tmp_path, bait):
    import spinscope.micromagnetics as mm

    _plant(tmp_path / "ck", ["state.npz.tmp", "state.npz.part"], bait)
    sim = mm.Simulation(mm.Mesh((4, 2, 1), (5e-9, 5e-9, 3e-9)), Ms=8e5, A=1.3e-11)
    sim.run(4e-12, n_frames=3, checkpoint=tmp_path / "ck" / "state.npz")
    assert (tmp_path / "ck" / "state.npz").is_file() and bait.read_text() == "untouched"


def test_delay_scan_refuses_a_link_at_its_checkpoint_folder(tmp_path, bait):
    from spinscope.acquisition.delay_scan import _partial_folder

    os.symlink(bait.parent, tmp_path / "scan.nxs.partial")
    with pytest.raises(OutputError, match=r"scan\.nxs\.partial.*link"):
        _partial_folder(tmp_path / "scan.nxs.partial", fingerprint="x", keys={}, resume=False, n=1)
    assert sorted(p.name for p in bait.parent.iterdir()) == ["precious.txt"]
    assert bait.read_text() == "untouched"


def test_nexus_writer_does_not_follow_planted_links(tmp_path, bait):
    import xarray as xr

    from spinscope.io import write_nexus

    _plant(tmp_path / "n", ["o.nxs.part", "o.nxs.tmp", "o.nxs.partial"], bait)
    write_nexus(tmp_path / "n" / "o.nxs", xr.Dataset({"a": ("x", np.arange(3.0))}))
    assert bait.read_text() == "untouched"


def test_no_fixed_temporary_names_left_in_the_package():
    from conftest import ROOT

    bad = []
    for path in (ROOT / "src" / "spinscope").rglob("*.py"):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#")[0]
            for suffix in ('".tmp"', '".part"', '".partial"'):
                if f"name + {suffix}" in code.replace("'", '"'):
                    bad.append(f"{path.name}:{i}")
    assert [b for b in bad if not b.startswith("delay_scan.py")] == []


# ------------------------------------------------------------------ claims


_HOLDER = textwrap.dedent("""
    import sys, time
    from spinscope.atomic import claim_output
    claim_output(sys.argv[1])
    print("claimed", flush=True)
    time.sleep(60)
""")


@pytest.fixture
def holder():
    """Run a process that claims a path, as a concurrent spinscope run would; stop it afterwards."""
    procs = []

    def start(path):
        p = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path)], stdout=subprocess.PIPE,
                             text=True)
        procs.append(p)
        assert p.stdout.readline().strip() == "claimed"
        return p

    yield start
    for p in procs:
        p.kill()
        p.wait()


def test_second_concurrent_stxm_run_into_one_folder_fails(tmp_path, capsys, holder):
    toml = tmp_path / "exp.toml"
    toml.write_text(STXM_TOML)
    out = tmp_path / "sim"
    proc = holder(out)
    for extra in ([], ["--overwrite"]):
        t0 = time.perf_counter()
        code, _, err = _main(["stxm", "simulate", str(toml), "-o", str(out), *extra], capsys)
        assert code == 2 and time.perf_counter() - t0 < 5
        line = _one_line(err)
        assert str(out) in line and "in use" in line and f"pid {proc.pid}" in line
    assert not (out / "stxm.nxs").exists()


def test_second_concurrent_llg_run_into_one_folder_fails(tmp_path, capsys, holder):
    cfg = _llg_cfg(tmp_path)
    out = tmp_path / "movie"
    holder(out)
    code, _, err = _main(["llg", "run", str(cfg), "-o", str(out), "--no-progress"], capsys)
    assert code == 2 and str(out) in _one_line(err) and "in use" in err
    assert not out.exists() or not any(out.glob("*.ovf"))


def test_two_llg_runs_sharing_a_checkpoint_collide_cleanly(tmp_path, capsys, holder):
    cfg = _llg_cfg(tmp_path)
    ck = tmp_path / "state.npz"
    holder(ck)
    code, _, err = _main(["llg", "run", str(cfg), "-o", str(tmp_path / "m.nc"), "--no-progress",
                          "--checkpoint", str(ck)], capsys)
    assert code == 2 and str(ck) in _one_line(err) and "in use" in err


def test_second_concurrent_delay_scan_into_one_file_fails(tmp_path, holder):
    from spinscope.acquisition.delay_scan import run_delay_scan

    out = tmp_path / "scan.nxs"
    proc = holder(out)
    with pytest.raises(OutputError, match=rf"scan\.nxs: output in use.*pid {proc.pid}"):
        run_delay_scan(None, None, None, output=out, resume=True)  # refused before any work
    assert not (tmp_path / "scan.nxs.partial").exists()


def test_llg_run_does_not_replace_an_output_another_run_wrote_meanwhile(tmp_path):
    from spinscope.micromagnetics.scenario import load_scenario, run_scenario, write_movie

    cfg = load_scenario(_llg_cfg(tmp_path))
    first = run_scenario(cfg, base_dir=tmp_path)
    time.sleep(0.02)
    second = run_scenario(cfg, base_dir=tmp_path)  # started while the first ran, finished later
    time.sleep(0.02)
    for out in (tmp_path / "movie", tmp_path / "movie.nc"):
        write_movie(second, out)
        with pytest.raises(OutputError, match="another run wrote this output"):
            write_movie(first, out)
    assert "run_started" not in xr_attrs(tmp_path / "movie.nc")


def xr_attrs(path):
    import xarray as xr

    with xr.open_dataset(path, engine="h5netcdf") as ds:
        return dict(ds["m"].attrs)


def test_finished_run_releases_and_stale_lock_is_taken_over(tmp_path):
    out = tmp_path / "o"
    with claim_output(out) as c:
        assert claim_output(out) is c  # re-entrant in one process
        c.release()
        assert c.lock.exists()
    assert not c.lock.exists()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    lock = tmp_path / f".o{LOCK_SUFFIX}"
    import socket

    lock.write_text(json.dumps({"pid": int(dead.stdout), "host": socket.gethostname(), "time": 0}))
    orphan = tmp_path / ".o.k1ll3d.part"  # what a killed atomic write leaves
    orphan.write_text("half")
    out.mkdir()
    inner = out / ".m000003.ovf.ab_cd123.part"
    inner.write_text("half")
    keep = out / ".user.part"
    keep.write_text("not ours")
    with pytest.warns(UserWarning, match="taking over"), claim_output(out):
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert not lock.exists() and not orphan.exists() and not inner.exists() and keep.exists()


def test_a_foreign_file_or_link_at_the_lock_name_is_refused(tmp_path, bait):
    os.symlink(bait, tmp_path / f".o{LOCK_SUFFIX}")
    with pytest.raises(OutputError, match="not a spinscope lock"):
        claim_output(tmp_path / "o")
    assert bait.read_text() == "untouched"


# ------------------------------------------------------------------ unwritable output paths


def _unwritable(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    return {
        "under a file": afile / "sub" / "out.nxs",
        "dangling parent link": tmp_path / "dangling" / "out.nxs",
        "/proc": "/proc/spinscope-no-such/out.nxs",
        "/sys": "/sys/spinscope-no-such/out.nxs",
    }


def test_unwritable_paths_are_one_output_error(tmp_path):
    from spinscope.io.ovf import write_ovf
    from spinscope.micromagnetics.scenario import write_movie

    movie = _tiny_movie()
    for why, path in _unwritable(tmp_path).items():
        for write in (lambda p: atomic_path(p).__enter__(), claim_output,
                      lambda p: write_movie(movie, p),
                      lambda p: write_movie(movie, str(p) + ".nc"),
                      lambda p: write_ovf(p, movie.isel(time=0))):
            with pytest.raises(OutputError) as info:
                write(path)
            msg = str(info.value)
            assert len(msg.splitlines()) == 1 and str(path).split("/out")[0] in msg, (why, msg)
    assert "afile is a file, not a folder" in str(
        pytest.raises(OutputError, claim_output, tmp_path / "afile" / "x" / "y").value)
    assert "dangling link" in str(
        pytest.raises(OutputError, claim_output, tmp_path / "dangling" / "x").value)


@pytest.mark.parametrize("why", ["under a file", "dangling parent link", "/proc"])
def test_cli_unwritable_output_exits_2_with_one_line(tmp_path, capsys, why):
    toml = tmp_path / "exp.toml"
    toml.write_text(STXM_TOML)
    path = Path(_unwritable(tmp_path)[why]).parent
    code, _, err = _main(["stxm", "simulate", str(toml), "-o", str(path)], capsys)
    assert code == 2 and str(path.parent) in _one_line(err)
    code, _, err = _main(["llg", "run", str(_llg_cfg(tmp_path)), "-o", str(path), "--no-progress"],
                         capsys)
    assert code == 2 and str(path.parent) in _one_line(err)


# ------------------------------------------------------------------ manifests


def test_interrupted_ovf_folder_reads_as_incomplete(tmp_path, monkeypatch):
    import spinscope.micromagnetics.scenario as scen
    from spinscope.io.ovf import read_ovf_folder

    movie = _tiny_movie()
    out = tmp_path / "movie"
    scen.write_movie(movie, out)
    man = json.loads((out / MANIFEST_NAME).read_text())
    assert man["complete"] is True and man["frames"] == 3 and man["spinscope_version"]
    real = scen.write_ovf
    calls = []

    def dies(path, *a, **k):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt  # killed mid-run
        return real(path, *a, **k)

    monkeypatch.setattr(scen, "write_ovf", dies)
    with pytest.raises(KeyboardInterrupt):
        scen.write_movie(movie.isel(time=[0, 1]), out)
    with pytest.raises(FileFormatError, match="incomplete"):
        read_ovf_folder(out)
    monkeypatch.setattr(scen, "write_ovf", real)
    scen.write_movie(movie.isel(time=[0, 1]), out)  # a shorter movie replaces the longer one
    assert read_ovf_folder(out).sizes["time"] == 2
    (out / "m000001.ovf").unlink()
    with pytest.raises(FileFormatError, match="manifest.json lists 2"):
        read_ovf_folder(out)


# ------------------------------------------------------------------ checkpoints


@pytest.fixture(scope="module")
def llg_checkpoint(tmp_path_factory):
    """A finished LLG checkpoint of the tiny scenario and the scenario file."""
    from spinscope.micromagnetics.scenario import load_scenario, run_scenario

    d = tmp_path_factory.mktemp("ck")
    cfg = _llg_cfg(d)
    run_scenario(load_scenario(cfg), base_dir=d, checkpoint=d / "state.npz")
    return d / "state.npz", cfg


def _resume(cfg_path, ck):
    from spinscope.micromagnetics.scenario import load_scenario, run_scenario

    return run_scenario(load_scenario(cfg_path), base_dir=cfg_path.parent, checkpoint=ck, resume=True)


def test_truncated_llg_checkpoints_are_clean_errors(llg_checkpoint, tmp_path):
    ck, cfg = llg_checkpoint
    data = ck.read_bytes()
    n = len(data)
    offsets = sorted({0, 1, 2, 5, 30, 64, 200, n // 7, n // 3, n // 2, 2 * n // 3, n - 200, n - 100,
                      n - 40, n - 22, n - 10, n - 1})
    bad = tmp_path / "cut.npz"
    for off in offsets:
        bad.write_bytes(data[:off])
        with pytest.raises(FileFormatError) as info:
            _resume(cfg, bad)
        assert str(bad) in str(info.value) and len(str(info.value).splitlines()) == 1, off


@pytest.mark.parametrize("content", ["npy", "text", "empty", "folder"])
def test_wrong_file_types_as_llg_checkpoint_are_clean_errors(llg_checkpoint, tmp_path, content):
    _, cfg = llg_checkpoint
    bad = tmp_path / "bad.npz"
    if content == "npy":
        with open(bad, "wb") as fh:
            np.save(fh, np.zeros((3, 1, 2, 4)))
    elif content == "text":
        bad.write_text("not a checkpoint\n")
    elif content == "empty":
        bad.write_bytes(b"")
    else:
        bad.mkdir()
    with pytest.raises(FileFormatError) as info:
        _resume(cfg, bad)
    assert str(bad) in str(info.value)
    if content == "npy":
        assert ".npy" in str(info.value)


def test_resume_with_another_ms_is_refused(llg_checkpoint, tmp_path, capsys):
    ck, cfg = llg_checkpoint
    other = _llg_cfg(tmp_path, ms="600 kA/m", name="other.toml")
    with pytest.raises(FileFormatError, match=r"another configuration \(differs in: material\)"):
        _resume(other, ck)
    code, _, err = _main(["llg", "run", str(other), "-o", str(tmp_path / "m.nc"), "--no-progress",
                          "--checkpoint", str(ck), "--resume"], capsys)
    line = _one_line(err)
    assert code == 2 and str(ck) in line and "another configuration" in line
    assert not (tmp_path / "m.nc").exists()
    # the same configuration resumes (the checkpoint is complete: nothing left to integrate)
    movie = _resume(cfg, ck)
    assert movie.sizes["time"] == 6


def test_resume_of_a_parameter_fingerprinted_checkpoint(tmp_path):
    import spinscope.micromagnetics as mm

    mesh = mm.Mesh((4, 2, 1), (5e-9, 5e-9, 3e-9))
    ck = tmp_path / "s.npz"
    mm.Simulation(mesh, Ms=8e5, A=1.3e-11).run(4e-12, n_frames=3, checkpoint=ck)
    with pytest.raises(FileFormatError, match="another configuration"):
        mm.Simulation(mesh, Ms=6e5, A=1.3e-11).run(4e-12, n_frames=3, checkpoint=ck, resume=True)


def test_truncated_or_foreign_delay_checkpoint_is_a_clean_error(tmp_path):
    from spinscope.acquisition.delay_scan import _load_checkpoint, _save_checkpoint

    ck = tmp_path / "delay_00000.npz"
    _save_checkpoint(ck, {"adu": np.arange(1000, dtype=np.uint16)}, "fp")
    assert np.array_equal(_load_checkpoint(ck, "fp")["adu"], np.arange(1000))
    data = ck.read_bytes()
    for off in (0, 1, 10, len(data) // 2, len(data) - 22, len(data) - 1):
        ck.write_bytes(data[:off])
        with pytest.raises(FileFormatError, match="delay_00000.npz"):
            _load_checkpoint(ck, "fp")
    ck.write_bytes(data)
    with pytest.raises(FileFormatError, match="another configuration"):
        _load_checkpoint(ck, "other")
    with open(ck, "wb") as fh:
        np.save(fh, np.zeros(3))
    with pytest.raises(FileFormatError, match="delay_00000.npz"):
        _load_checkpoint(ck, "fp")


def test_config_fingerprint_is_canonical():
    a, ka = config_fingerprint({"b": 1, "a": {"y": 2, "x": [1, 2]}})
    b, kb = config_fingerprint({"a": {"x": [1, 2], "y": 2}, "b": 1})
    assert a == b and ka == kb and len(a) == 64
    c, kc = config_fingerprint({"a": {"x": [1, 2], "y": 3}, "b": 1})
    assert c != a and kc["b"] == ka["b"] and kc["a"] != ka["a"]


def test_output_error_is_a_spinscope_error():
    assert issubclass(OutputError, SpinscopeError) and issubclass(OutputError, OSError)
