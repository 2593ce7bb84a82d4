"""The rating half's model stage, beside the topic model: rating files in, ids, evaluation, saved models.

:func:`read_ratings` reads long tables (user, item, rating[, time]) and wide tables (users ×
items) into a users × items matrix whose stored entries are the known cells; the models
themselves are :class:`topicmf.ExplicitMF` and :class:`topicmf.ImplicitMF` (matrices only,
in :mod:`topicmf.factorize.ratings`).  :data:`FAMILIES` (the registry,
:mod:`topicmf.spec.ratings`) describes each kind of model; a :class:`RatingModel` joins a
fitted one to its ids, and :mod:`.store` saves and loads it with the shared run-folder
helpers (:mod:`topicmf.runfolder`).
"""

from .evaluate import kfold_known, ranking_metrics, rating_errors, split_known
from .families import FAMILIES, RatingFamily, choose_family, family
from .model import RatingModel
from .reading import Ratings, read_ratings
from .reference import MostPopular
from .store import load_rating_model, save_rating_model

__all__ = ["Ratings", "read_ratings", "split_known", "kfold_known", "rating_errors", "ranking_metrics", "FAMILIES",
           "RatingFamily", "choose_family", "family", "RatingModel", "MostPopular", "load_rating_model",
           "save_rating_model"]
