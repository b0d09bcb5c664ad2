"""Files in and out: one reader registry, NeXus/HDF5 writer and reader, real beamline and lab formats.

:func:`open_dataset` reads any supported file into an :class:`xarray.Dataset` (choosing the reader,
or *engine*, by extension and content; ``engine=`` forces one); :func:`list_engines` lists the
registered formats and :func:`guess_engine` says which one claims a file (see
:mod:`spinscope.io.registry`); :func:`summarize_file` describes a file in a JSON-ready dict
(``spinscope info``). The readers import h5py only when called, so ``import spinscope.io`` stays
light.

==========================  =============  =============================================
file                        engine         reader
==========================  =============  =============================================
``.hdr`` + ``.xim``/.xsp    ``hdr_xim``    :func:`spinscope.io.hdr_xim.read_hdr_xim`
OVF ``.ovf .omf .ohf .oef`` ``ovf``        :func:`spinscope.io.ovf.read_ovf`
LLG movie ``.nc``           ``llg_movie``  :mod:`spinscope.io.netcdf`
NXstxm HDF5 (PolLux, ...)   ``nxstxm``     :func:`spinscope.io.nxstxm.read_nxstxm`
spinscope NeXus (``.nxs``)  ``spinscope``  :func:`spinscope.io.nexus.read_nexus`
other NeXus/HDF5 NXdata     ``nexus``      :func:`spinscope.io.nexus.read_nexus`
``.tif``/``.sif``/``.spe``  ``tiff`` ...   :func:`spinscope.io.lab.read_lab_frames`
plain HDF5 frames           ``hdf5``       :func:`spinscope.io.lab.read_lab_frames`
==========================  =============  =============================================
"""

from __future__ import annotations

from spinscope.io.nexus import read_nexus, write_nexus
from spinscope.io.registry import Backend, guess_engine, list_engines, open_dataset, register_backend
from spinscope.io.summary import summarize_file

__all__ = [
    "Backend",
    "guess_engine",
    "list_engines",
    "open_dataset",
    "read_nexus",
    "register_backend",
    "summarize_file",
    "write_nexus",
]
