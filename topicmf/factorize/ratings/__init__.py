"""The rating-matrix models: explicit ratings on the known cells, implicit feedback on every cell.

Solvers, objectives and fold-ins (:mod:`.models`), their compiled kernels (:mod:`.kernels`)
and the scikit-learn-style estimators :class:`~.estimators.ExplicitMF` and
:class:`~.estimators.ImplicitMF` (:mod:`.estimators`).
"""
