"""Runs on a Dask cluster whose documents stay on the workers (:mod:`.run`): their sums, sample and files
(:mod:`.documents`) and their neighbour graph (:mod:`.graph`)."""
