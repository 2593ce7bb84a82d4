"""The topic models: LSA, Frobenius NMF and Poisson NMF of a document–term matrix.

Every solver is written once, against :class:`~.rows.Rows` — the matrix held by rows with
the document factor beside it — and runs on either backend: :class:`~.local.LocalRows` (this
process) or :class:`topicmf.distributed.rows.ClusterRows` (row blocks on a Dask cluster).

* :mod:`.frobenius`, :mod:`.poisson`, :mod:`.lsa` — the fit functions, their solvers' steps
  (:class:`~.nmf.Step`) and the fold-ins (``transform``);
* :mod:`.nmf` — the problem a fit's steps share, the loop, the final fold-in and objective;
* :mod:`.sgd` — the SGD steps (the whole matrix in this process);
* :mod:`.init` (NNDSVD, random and given starts; the start under a background),
  :mod:`.svd` (randomized SVD on rows; ARPACK, LAPACK), :mod:`.background`;
* :mod:`.losses` — the objectives; :mod:`.result` — the frozen :class:`~.result.Factorization`;
  :mod:`.estimators` — the scikit-learn estimators.
"""
