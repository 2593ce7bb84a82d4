"""Rating matrices as a stage beside the topic model: rating files in, ids, evaluation.

:func:`read_ratings` reads long tables (user, item, rating[, time]) and wide tables (users ×
items) into a users × items matrix whose stored entries are the known cells; the models
themselves are :class:`topicmf.ExplicitMF` and :class:`topicmf.ImplicitMF` (matrices only,
in :mod:`topicmf.factorize`).
"""

from .evaluate import kfold_known, ranking_metrics, rating_errors, split_known
from .reading import Ratings, read_ratings

__all__ = ["Ratings", "read_ratings", "split_known", "kfold_known", "rating_errors", "ranking_metrics"]
