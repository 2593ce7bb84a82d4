"""The engine both halves of :mod:`topicmf.factorize` run on: matrices, kernels and schedules, no models.

Compiled kernels over CSR matrices (:mod:`.kernels`, and :mod:`.scatter` for a block of rows
on a cluster worker), products with a sparse matrix chosen by size (:mod:`.products`), the
stratified schedule of parallel, reproducible SGD (:mod:`.strata`), BLAS and numba threads
during a fit (:mod:`.threads`), input checks, seeds and the stopping rule (:mod:`.common`),
and the best entries of score rows (:mod:`.topk`).
"""
