"""``spinscope demo``: the embedded default experiment, run end to end.

The default is the tabletop HHG experiment of Fan et al., Optica 9, 399 (2022): an optical pump and the
HHG harmonic nearest the Tb N5 edge (order 125 of a 1.03 um driver, ~150.5 eV, > 2e9 photons/s/1 % BW at
1 kHz) probing the labyrinth domains of a Co80Tb20 film on a SiN membrane by resonant magnetic
small-angle scattering. The demo

1. simulates the delay scan with realistic photon numbers and detector noise
   (:func:`spinscope.workflows.xrms_simulate.simulate_xrms`, NeXus file ``xrms_scan.nxs``);
2. analyses it blind, exactly as a measured scan (:func:`spinscope.workflows.xrms_analysis.analyze_xrms`,
   folder ``analysis/``: detector image, radial profiles versus delay, M(t) and q1(t) with fits, movie);
3. compares the injected with the recovered parameters (``tau_m``, ``amplitude``, ``tau_r``, ``period``,
   ``correlation_length``, ``q_shift``; the injected values are defined in
   :mod:`spinscope.workflows.xrms_simulate`);
4. answers "which edge and which harmonic": the optical constants of the film (charge and magnetic parts,
   both sublattices, the Tb moment antiparallel to Co) across the Tb N4,5 edge reached by HHG, the Co L3,2
   and the Tb M5,4 edges, the transmission for both helicities, the XMCD asymmetry and the best photon
   energy per edge (table ``transmission_contrast.csv``, ``.nxs`` and ``.png``).
"""

from __future__ import annotations

import csv
import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from spinscope.atomic import atomic_path, claim_output, make_folder
from spinscope.config import ExperimentConfig
from spinscope.errors import MaterialError, OutputExistsError, SpinscopeError
from spinscope.io import write_nexus
from spinscope.materials import edge_energy, get_material
from spinscope.progress import Progress
from spinscope.serialise import to_jsonable
from spinscope.viz.spectra import plot_transmission_contrast
from spinscope.workflows.transmission import stack_transmission
from spinscope.workflows.xrms_analysis import analyze_xrms
from spinscope.workflows.xrms_simulate import load_xrms_config, simulate_xrms

__all__ = ["COMPARED", "DEFAULT_CONFIG", "MANIFEST", "run_demo"]

#: The embedded default configuration (an XRMS configuration, spinscope.config.xrms).
DEFAULT_CONFIG = files("spinscope.workflows") / "defaults" / "xrms_fan2022_cotb.toml"
#: File that marks a folder as written by the demo (so a re-run may replace its own outputs).
MANIFEST = "spinscope-demo.json"
#: Parameters compared between injection and recovery (SI: s, m; amplitude and q_shift dimensionless).
COMPARED = ("tau_m", "amplitude", "tau_r", "period", "correlation_length", "q_shift")
#: Energy windows of the transmission-contrast table: Tb N4,5 (HHG), Co L3,2, Tb M5,4 [eV].
_CONTRAST_GRIDS = (
    {"start": 130.0, "stop": 180.0, "step": 0.1},
    {"start": 765.0, "stop": 805.0, "step": 0.1},
    {"start": 1225.0, "stop": 1290.0, "step": 0.1},
)

_EDGES = ("K", "L1", "L2", "L3", "M1", "M2", "M3", "M4", "M5", "N1", "N2", "N3", "N4", "N5")


def _edges_in(elements, lo: float, hi: float) -> list[tuple[str, str, float]]:
    found = []
    for el in elements:
        for edge in _EDGES:
            try:
                e0 = edge_energy(el, edge)
            except MaterialError:
                continue
            if lo <= e0 <= hi:
                found.append((el, edge, e0))
    return sorted(found, key=lambda t: t[2])


def _label(edges) -> str:
    if not edges:
        return "off resonance"
    by_el: dict[str, list[str]] = {}
    for el, edge, _ in edges:
        by_el.setdefault(el, []).append(edge)
    parts = []
    for el, names in by_el.items():
        shell = names[0][0]
        subs = ",".join(sorted((n[1:] for n in names), reverse=True))
        parts.append(f"{el} {shell}{subs}")
    return " / ".join(parts)


def _prepare_output(out: Path, *, overwrite: bool) -> bool:
    """Claim the output folder for this process (:func:`spinscope.atomic.claim_output`; held until the
    process ends, so a second run into it fails, ``overwrite`` or not), check it and create it; return
    whether files in it may be replaced."""
    claim = claim_output(out)
    try:
        if out.exists() and not out.is_dir():
            raise OutputExistsError(f"{out}: exists and is not a folder; choose another -o", path=str(out))
        if out.is_dir() and any(out.iterdir()):
            if (out / MANIFEST).is_file() or overwrite:
                return True
            raise OutputExistsError(
                f"{out}: folder is not empty and was not written by the demo; pass --overwrite or choose "
                "another -o",
                path=str(out),
            )
        make_folder(out)
    except SpinscopeError:
        claim.release()
        raise
    return overwrite


def run_demo(
    output_dir: str | Path = "spinscope-demo",
    *,
    config: Any = None,
    overwrite: bool = False,
    progress: bool = True,
) -> dict:
    """Run the demo and write its outputs.

    Parameters
    ----------
    output_dir
        Folder for the outputs [path]; created if needed. A folder written by an earlier demo run is
        refreshed; any other non-empty folder needs ``overwrite``.
    config
        XRMS configuration file or model (:class:`spinscope.config.xrms.XrmsConfig`); the embedded default
        (Fan et al. 2022, Co/Tb at the Tb N5 edge) when ``None``.
    overwrite
        Allow replacing files in a folder not written by the demo.
    progress
        Show progress bars on stderr.

    Returns
    -------
    dict
        ``name``, ``injected`` and ``recovered`` (same keys: ``tau_m`` [s], ``amplitude``, ``tau_r`` [s],
        ``period`` [m], ``correlation_length`` [m], ``q_shift``), ``uncertainty`` (one-sigma errors of the
        recovered values), ``source`` (harmonic, energy [eV], photons), ``edges`` (transmission contrast per
        edge: ``label``, ``best_energy`` [eV], ``transmission``, ``transmission_asymmetry``,
        ``xmcd_asymmetry``, ``photons_for_unit_snr``), ``outputs`` (written files) and ``seed``.
    """
    cfg = load_xrms_config(str(DEFAULT_CONFIG) if config is None else config)
    out = Path(output_dir)
    replace = _prepare_output(out, overwrite=overwrite)
    out.mkdir(parents=True, exist_ok=True)

    sim = simulate_xrms(cfg, output=out / "xrms_scan.nxs", overwrite=True if replace else False,
                        progress=progress)
    ana = analyze_xrms(out / "xrms_scan.nxs", output=out / "analysis", overwrite=True, progress=progress)
    fit = ana["fit"]
    recovered = {
        "tau_m": fit.get("tau_m"),
        "amplitude": fit.get("amplitude"),
        "tau_r": fit.get("tau_r"),
        "period": ana.get("period"),
        "correlation_length": ana.get("correlation_length"),
        "q_shift": ana.get("q_shift"),
    }
    uncertainty = {
        "tau_m": fit.get("tau_m_err"),
        "amplitude": fit.get("amplitude_err"),
        "tau_r": fit.get("tau_r_err"),
        "period": ana.get("period_err"),
        "correlation_length": ana.get("correlation_length_err"),
        "q_shift": None,
    }
    injected = {k: sim["injected"][k] for k in COMPARED}

    edges, contrast_outputs = _transmission_contrast(cfg, out, replace=replace, progress=progress)
    outputs = [sim["output"]] + list(ana["outputs"]) + contrast_outputs
    result = {
        "name": cfg.name,
        "injected": injected,
        "recovered": recovered,
        "uncertainty": uncertainty,
        "source": sim["source"],
        "photons_per_frame": sim["photons_per_frame"],
        "irf_fwhm": sim["irf_fwhm"],
        "n_delays": sim["n_delays"],
        "edges": edges,
        "outputs": [str(p) for p in outputs],
        "seed": cfg.seed,
    }
    with atomic_path(out / MANIFEST, overwrite=True) as tmp:
        tmp.write_text(json.dumps(to_jsonable(result), indent=2) + "\n")
    result["outputs"].append(str(out / MANIFEST))
    return result


def _transmission_contrast(cfg, out: Path, *, replace: bool, progress: bool) -> tuple[list, list[Path]]:
    """The optical-constant and XMCD-contrast table of the film across the HHG and soft X-ray edges."""
    exp = ExperimentConfig.model_validate({
        "schema_version": 1,
        "name": cfg.sample.name,
        "seed": cfg.seed,
        "sample": {"name": cfg.sample.name,
                   "layers": [layer.model_dump() for layer in cfg.sample.layers]},
        "beam": {"helicity": 1, "energies": list(_CONTRAST_GRIDS)},
    })
    magnetic = [layer for layer in exp.sample.layers if layer.magnetic]
    elements: list[str] = []
    for layer in magnetic or exp.sample.layers:
        elements += [e for e in get_material(layer.material, density=layer.density).composition
                     if e not in elements]
    panels: list[tuple[str, xr.Dataset]] = []
    summaries = []
    with Progress(progress, prefix="demo: ") as prog:
        prog.stage("optical constants across the edges", total=len(exp.beam.energies))
        for grid in exp.beam.energies:
            energy = grid.values()
            ds = stack_transmission(exp, energy)
            edges = _edges_in(elements, grid.start, grid.stop)
            label = _label(edges)
            fom = ds["contrast_figure_of_merit"].values
            i = int(np.nanargmax(fom))
            summaries.append(
                {
                    "label": label,
                    "energy_range": [float(grid.start), float(grid.stop)],
                    "edges": [{"element": el, "edge": ed, "energy": e0} for el, ed, e0 in edges],
                    "best_energy": float(energy[i]),
                    "transmission": float(ds["transmission"][i]),
                    "transmission_asymmetry": float(ds["transmission_asymmetry"][i]),
                    "xmcd_asymmetry": float(ds["xmcd_asymmetry"][i]),
                    "beta": float(ds["beta"][i]),
                    "beta_m": float(ds["beta_m"][i]),
                    "photons_for_unit_snr": float(1.0 / fom[i] ** 2) if fom[i] > 0 else None,
                }
            )
            panels.append((label, ds))
            prog.advance()
    outputs = [
        _write_csv(out / "transmission_contrast.csv", panels, overwrite=replace),
        _write_nexus(out / "transmission_contrast.nxs", panels, exp, overwrite=replace),
        _write_figure(out / "transmission_contrast.png", panels, exp, overwrite=replace),
    ]
    return summaries, outputs




def _columns(ds: xr.Dataset) -> list[str]:
    return [k for k in ds.data_vars]


def _write_csv(path: Path, panels, *, overwrite: bool) -> Path:
    cols = _columns(panels[0][1])
    with atomic_path(path, overwrite=overwrite) as tmp, tmp.open("w", newline="") as fh:
        fh.write("# spinscope demo: optical constants of the magnetic layer and stack transmission\n")
        fh.write("# energy [eV]; transmissions and asymmetries dimensionless; "
                 "contrast_figure_of_merit [1/sqrt(photon)]\n")
        writer = csv.writer(fh)
        writer.writerow(["range", "energy", *cols])
        for label, ds in panels:
            for j, e in enumerate(ds["energy"].values):
                writer.writerow([label, f"{e:.4f}", *(f"{float(ds[c][j]):.8e}" for c in cols)])
    return path


def _write_nexus(path: Path, panels, cfg: ExperimentConfig, *, overwrite: bool) -> Path:
    ds = xr.concat([d for _, d in panels], dim="energy")
    ds["energy_range"] = ("energy", np.concatenate(
        [np.full(d.sizes["energy"], label) for label, d in panels]).astype(str))
    ds["energy_range"].attrs["units"] = ""
    write_nexus(path, ds, config=cfg.model_dump(mode="json"), seed=cfg.seed, overwrite=overwrite)
    return path


def _write_figure(path: Path, panels, cfg: ExperimentConfig, *, overwrite: bool) -> Path:
    return plot_transmission_contrast(panels, path, title=cfg.name, overwrite=overwrite)
