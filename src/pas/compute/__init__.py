"""Executors of independent work (sweep runs): worker processes here, or a Dask cluster.

Each runs one function over many tasks with shared data sent to each worker
once; `pas.bootstrap.open_executor` picks one from its address.
"""
