"""The topic models: LSA, Frobenius NMF and Poisson NMF of a document–term matrix.

Solvers (:mod:`.lsa`, :mod:`.frobenius`, :mod:`.poisson`), their initialisation
(:mod:`.init`, :mod:`.svd`, :mod:`.background`), objectives (:mod:`.losses`), the frozen
:class:`~.result.Factorization` and the scikit-learn estimators (:mod:`.estimators`).
"""
