"""The frozen result every factorization returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Factorization"]


@dataclass(frozen=True, eq=False)
class Factorization:
    """X ≈ W H, with how it was obtained.

    Attributes
    ----------
    W : ndarray of shape (n_docs, n_topics)
        Document–topic factor.
    H : ndarray of shape (n_topics, n_terms)
        Topic–term factor.
    model : {"lsa", "nmf", "pnmf"}
    solver : str
    loss_curve : ndarray of shape (n_iter,)
        The objective after each iteration, penalties included (see
        :mod:`topicmf.factorize.topics.losses` for the scaling).
    n_iter : int
    converged : bool
    singular_values : ndarray of shape (n_topics,) or None
        LSA only, largest first.
    explained_variance_ratio : ndarray of shape (n_topics,) or None
        LSA only: σ_t² / ‖X‖²_F, each component's share of the total sum of squares.
    params : dict
        The parameters of the run.
    background : ndarray of shape (n_terms,) or None
        Poisson NMF with a background: its word profile b (the corpus's word
        frequencies, summing to 1); each document's share of it is
        ``params["background"]``.
    """

    W: np.ndarray
    H: np.ndarray
    model: str
    solver: str
    loss_curve: np.ndarray
    n_iter: int
    converged: bool
    singular_values: np.ndarray | None = None
    explained_variance_ratio: np.ndarray | None = None
    params: dict = field(default_factory=dict)
    background: np.ndarray | None = None

    @property
    def objective(self) -> float:
        """The final objective."""
        return float(self.loss_curve[-1])
