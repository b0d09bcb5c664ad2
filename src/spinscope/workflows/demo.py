"""``spinscope demo``: the embedded default experiment, run end to end.

Until the instrument workflows exist, the demo answers the first question of a Co/Tb experiment:
*where, and how strongly, does the film show magnetic contrast?* It computes the optical constants of
a Co80Tb20 film on a SiN membrane (charge and magnetic parts, both sublattices, the Tb moment
antiparallel to Co) across the Tb N4,5 edge reached by HHG, the Co L3,2 edge and the Tb M5,4 edge, the
transmission for both helicities, the XMCD asymmetry and the best photon energy per edge, and writes a
table (CSV), a NeXus file and a figure.
"""

from __future__ import annotations

import csv
import json
from importlib.resources import files
from pathlib import Path

import numpy as np
import xarray as xr

from spinscope.atomic import atomic_path
from spinscope.config import ExperimentConfig, load_config
from spinscope.errors import OutputExistsError

__all__ = ["DEFAULT_CONFIG", "MANIFEST", "run_demo"]

#: The embedded default configuration.
DEFAULT_CONFIG = files("spinscope.workflows") / "defaults" / "cotb_transmission.toml"
#: File that marks a folder as written by the demo (so a re-run may replace its own outputs).
MANIFEST = "spinscope-demo.json"

_EDGES = ("K", "L1", "L2", "L3", "M1", "M2", "M3", "M4", "M5", "N1", "N2", "N3", "N4", "N5")


def _edges_in(elements, lo: float, hi: float) -> list[tuple[str, str, float]]:
    from spinscope.errors import MaterialError
    from spinscope.materials import edge_energy

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
    """Check the output folder; return whether files in it may be replaced."""
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
    return overwrite


def run_demo(
    output_dir: str | Path = "spinscope-demo",
    *,
    config: str | Path | ExperimentConfig | None = None,
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
        Configuration file or model; the embedded default (Co80Tb20 on Si3N4) when ``None``.
    overwrite
        Allow replacing files in a folder not written by the demo.
    progress
        Show a progress bar on stderr.

    Returns
    -------
    dict
        ``name``, ``sample``, ``edges`` (one entry per energy range: ``label``, ``energy_range`` [eV],
        ``edges`` with their energies [eV], ``best_energy`` [eV] maximising the contrast figure of
        merit, ``transmission``, ``transmission_asymmetry`` and ``xmcd_asymmetry`` there,
        ``photons_for_unit_snr`` per helicity and pixel), ``outputs`` (written files) and ``seed``.
    """
    from spinscope.workflows.transmission import stack_transmission

    if config is None:
        cfg = load_config(str(DEFAULT_CONFIG))
    elif isinstance(config, ExperimentConfig):
        cfg = config
    else:
        cfg = load_config(config)
    if not cfg.beam.energies:
        from spinscope.errors import ConfigError

        raise ConfigError("beam.energies: the demo needs at least one energy grid", field="beam.energies")

    out = Path(output_dir)
    replace = _prepare_output(out, overwrite=overwrite)

    from spinscope.materials import get_material

    magnetic = [layer for layer in cfg.sample.layers if layer.magnetic]
    elements: list[str] = []
    for layer in magnetic or cfg.sample.layers:
        elements += [e for e in get_material(layer.material, density=layer.density).composition
                     if e not in elements]

    panels: list[tuple[str, xr.Dataset]] = []
    summaries = []
    grids = cfg.beam.energies
    with _progress(progress, len(grids)) as advance:
        for grid in grids:
            energy = grid.values()
            ds = stack_transmission(cfg, energy)
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
            advance(label)

    out.mkdir(parents=True, exist_ok=True)
    outputs = [
        _write_csv(out / "transmission_contrast.csv", panels, overwrite=replace),
        _write_nexus(out / "transmission_contrast.nxs", panels, cfg, overwrite=replace),
        _write_figure(out / "transmission_contrast.png", panels, cfg, overwrite=replace),
    ]
    result = {
        "name": cfg.name,
        "sample": cfg.sample.name,
        "edges": summaries,
        "outputs": [str(p) for p in outputs],
        "seed": cfg.seed,
    }
    with atomic_path(out / MANIFEST, overwrite=True) as tmp:
        tmp.write_text(json.dumps(result, indent=2) + "\n")
    result["outputs"].append(str(out / MANIFEST))
    return result


class _progress:
    def __init__(self, enabled: bool, total: int):
        self.enabled = enabled
        self.total = total

    def __enter__(self):
        if not self.enabled:
            return lambda label: None
        from rich.progress import Progress

        self._p = Progress(transient=True)
        self._p.__enter__()
        task = self._p.add_task("optical constants", total=self.total)
        return lambda label: self._p.update(task, advance=1, description=label)

    def __exit__(self, *exc):
        if self.enabled:
            self._p.__exit__(*exc)
        return False


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
    from spinscope.io import write_nexus

    ds = xr.concat([d for _, d in panels], dim="energy")
    ds["energy_range"] = ("energy", np.concatenate(
        [np.full(d.sizes["energy"], label) for label, d in panels]).astype(str))
    ds["energy_range"].attrs["units"] = ""
    write_nexus(path, ds, config=cfg.model_dump(mode="json"), seed=cfg.seed, overwrite=overwrite)
    return path


def _write_figure(path: Path, panels, cfg: ExperimentConfig, *, overwrite: bool) -> Path:
    from spinscope.viz.spectra import plot_transmission_contrast

    return plot_transmission_contrast(panels, path, title=cfg.name, overwrite=overwrite)
