"""The estimators' parameters: the command line's options, by the same names, with the same defaults.

Defaults come from the declared tables (:data:`topicmf.spec.runs.RUN_PARAMS`, :data:`topicmf.spec.FIT_PARAMS`,
:class:`topicmf.text.TextOptions`, the rating families' tables); ``tests/test_api.py`` checks them
against ``topicmf run --help`` and ``topicmf recommend --help``.  Values are checked where a fit
starts, by the same checks the command line's job runs (scikit-learn's convention: the constructor
stores, ``fit`` checks).
"""

from __future__ import annotations

import inspect
from dataclasses import fields

from ..spec import FIT_PARAMS
from ..spec.runs import DEFAULT_K_RANGE, RUN_PARAMS
from ..text import TextOptions

__all__ = ["TOPICS_DEFAULTS", "MODEL_SETTINGS", "Estimator", "call_text", "model_settings", "stage_factory"]

_TEXT = {f.name: f.default for f in fields(TextOptions)}

#: The model settings that are ``topicmf run`` options (None: the model's own default).
MODEL_SETTINGS = ("max_iter", "tol", "alpha_W", "alpha_H", "sigma")

#: ``topicmf.Topics``'s parameters and defaults, in the order ``help(Topics)`` shows them.
TOPICS_DEFAULTS = {
    "n_topics": RUN_PARAMS["k"].default,
    "model": None,
    "short_texts": RUN_PARAMS["short_texts"].default,
    "solver": None,
    "weighting": FIT_PARAMS["weighting"].default,
    "generic_words": FIT_PARAMS["generic_words"].default,
    "seed": FIT_PARAMS["seed"].default,
    **dict.fromkeys(MODEL_SETTINGS),
    "k_range": DEFAULT_K_RANGE,
    "similarity": RUN_PARAMS["similarity"].default,
    "neighbour_effort": RUN_PARAMS["neighbour_effort"].default,
    "tables": RUN_PARAMS["tables"].default,
    "heldout": RUN_PARAMS["heldout"].default,
    "seed_topics": None,
    "seed_strength": RUN_PARAMS["seed_strength"].default,
    "reduce_to": RUN_PARAMS["reduce_to"].default,
    "time_bins": "auto",
    "memory_limit": None,
    "dask": None,
    "language": _TEXT["language"],
    "stem": _TEXT["stem"],
    "ngrams": _TEXT["ngrams"],
    "stopwords": _TEXT["stopwords"],
    "extra_stopwords": (),
    "corpus_stopwords": _TEXT["corpus_stopwords"],
    "min_df": _TEXT["min_df"],
    "max_df": _TEXT["max_df"],
    "max_terms": _TEXT["max_terms"],
    "min_length": _TEXT["min_length"],
    "keep_numbers": _TEXT["keep_numbers"],
    "keep_urls": not _TEXT["strip_urls"],
    "clean": _TEXT["clean"],
    "text_column": _TEXT["text_column"],
    "id_column": _TEXT["id_column"],
    "label_column": _TEXT["label_column"],
    "time_column": _TEXT["time_column"],
    "follow_symlinks": _TEXT["follow_symlinks"],
    "max_document_size": _TEXT["max_document_size"],
    "jobs": 0,
    "quiet": False,
}


class Estimator:
    """An estimator as scikit-learn defines one, without importing scikit-learn (a second of scipy.stats the first
    time): parameters are the class's ``_defaults``, stored by the constructor as given (the first may be given by
    position); ``get_params``, ``set_params``, ``clone``, ``Pipeline`` and the tags work as for scikit-learn's own."""

    _defaults: dict = {}
    _transformer = False  # whether scikit-learn should take it for a transformer (Topics: profiles)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        defaults = cls._defaults
        if not defaults:
            return
        first, *rest = defaults

        def __init__(self, *args, **params):
            if len(args) > 1:
                raise TypeError(f"{cls.__name__}() takes {first} by position and the rest by name")
            if args:
                if first in params:
                    raise TypeError(f"{cls.__name__}() got {first} twice")
                params[first] = args[0]
            unknown = sorted(set(params) - set(defaults))
            if unknown:
                raise TypeError(f"{cls.__name__}() has no parameter {unknown[0]!r}; its parameters are: "
                                f"{', '.join(defaults)}")
            for name, default in defaults.items():
                setattr(self, name, params.get(name, default))

        kind = inspect.Parameter
        __init__.__signature__ = inspect.Signature(
            [kind("self", kind.POSITIONAL_OR_KEYWORD), kind(first, kind.POSITIONAL_OR_KEYWORD, default=defaults[first]),
             *(kind(name, kind.KEYWORD_ONLY, default=defaults[name]) for name in rest)])
        __init__.__qualname__ = f"{cls.__name__}.__init__"
        __init__.__doc__ = cls.__doc__
        cls.__init__ = __init__

    def get_params(self, deep: bool = True) -> dict:
        """The parameters, by name (``deep`` is accepted for scikit-learn: none of them is an estimator)."""
        return {name: getattr(self, name) for name in self._defaults}

    def set_params(self, **params):
        """Set parameters by name; returns the estimator."""
        for name, value in params.items():
            if name not in self._defaults:
                raise ValueError(f"Invalid parameter {name!r} for estimator {type(self).__name__}(). Valid "
                                 f"parameters are: {sorted(self._defaults)!r}.")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        return call_text(self, call=False)

    def __sklearn_tags__(self):
        """scikit-learn's tags (only scikit-learn asks, so it is imported already): an estimator taking strings."""
        from sklearn.base import BaseEstimator
        from sklearn.utils import TransformerTags

        tags = BaseEstimator.__sklearn_tags__(self)
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        if self._transformer:
            tags.transformer_tags = TransformerTags()
        return tags


def call_text(estimator, call: bool = True) -> str:
    """The estimator as its repr and the manifest show it: the parameters that differ from the defaults, tables and
    other large values named by their kind and shape rather than printed (``call``: with ``.fit(...)``)."""
    parts = []
    for name, default in type(estimator)._defaults.items():
        value = getattr(estimator, name)
        if value is default or (not hasattr(value, "shape") and value == default):
            continue
        if hasattr(value, "shape"):
            text = f"<{type(value).__name__} {'×'.join(map(str, value.shape))}>"
        else:
            text = repr(value)
        parts.append(f"{name}={text}")
    text = f"{type(estimator).__name__}({', '.join(parts)})"
    return f"topicmf.{text}.fit(...)" if call else text


def model_settings(estimator) -> tuple[dict, object]:
    """(the fit's keywords, the seed-topics file) from an estimator's parameters: the settings given, as the command
    line passes the options given."""
    given = {name: getattr(estimator, name) for name in MODEL_SETTINGS if getattr(estimator, name) is not None}
    return {"generic_words": estimator.generic_words, **given}, estimator.seed_topics


def stage_factory(quiet: bool):
    """Progress on stderr, as the command line shows it (None when quiet: the jobs stay silent)."""
    if quiet:
        return None
    from ..console import Progress

    return lambda label: Progress(label)
