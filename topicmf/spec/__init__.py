"""The registries: every model family describing itself, with its declared parameters.

:data:`MODELS` (the topic models, :mod:`.topics`) and :data:`FAMILIES` (the rating-matrix
families, :mod:`.ratings`) are the one place that knows a model's name: the estimators
validate against their :class:`~.params.ParamTable`, the command line builds its options,
choices and help from them, and the report, the store and the workflow ask them what a
model is instead of comparing names.  This package imports neither numba nor
scikit-learn, so the command line reads it quickly.
"""

from .params import Param, ParamTable, checked, listing, validation_done
from .ratings import FAMILIES, PENALTIES, SPLITS, Metric, RatingFamilySpec, RatingSolver
from .topics import (DIRECTIONS, DISTRIBUTIONS, FIT_PARAMS, GENERIC_WORDS, INITS, MODELS, SIGMA_SPLITS, SIMILARITIES, WEIGHTINGS,
                     WORD_ORDERS, GenericWords, ModelSpec, Solver, TopicKind, model_spec)

__all__ = ["Param", "ParamTable", "checked", "validation_done", "listing", "MODELS", "ModelSpec", "Solver", "TopicKind",
           "GenericWords", "DISTRIBUTIONS", "DIRECTIONS", "model_spec", "FAMILIES", "RatingFamilySpec", "RatingSolver",
           "Metric", "WEIGHTINGS", "WORD_ORDERS", "GENERIC_WORDS", "SIMILARITIES", "INITS", "SIGMA_SPLITS", "SPLITS",
           "PENALTIES", "FIT_PARAMS"]
