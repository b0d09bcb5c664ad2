"""Files in and out: NeXus/HDF5 writer and reader, readers of real beamline and lab formats."""
