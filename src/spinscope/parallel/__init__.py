"""Parameter sweeps and out-of-core stacks on Dask (optional extra)."""
