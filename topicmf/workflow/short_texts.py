"""Short texts recognised: which model a run fits when ``--model`` is not given (``--short-texts``).

A corpus whose median document keeps at most :data:`~topicmf.spec.runs.SHORT_MEDIAN` words after
tokenizing, in at least :data:`~topicmf.spec.runs.SHORT_MIN_DOCS` documents, is fitted with the
short-text model (:data:`SHORT_MODEL`, SeaNMF then one topic per document) unless the run names a
model, a solver or a model option; ``--short-texts on`` fits it whatever the corpus, ``off`` never.  The choice is said on stderr (a note), recorded in the
manifest (``short_texts``) and shown on the page.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import TopicmfNotice
from ..spec import model_spec
from ..spec.runs import DEFAULT_MODEL, SHORT_MEDIAN, SHORT_MIN_DOCS, SHORT_MODEL, first_model

__all__ = ["SHORT_MODEL", "DEFAULT_MODEL", "first_model", "model_given", "median_words", "settle_model", "choose_model"]


def model_given(model: str | None, solver: str | None, fit_params: dict | None) -> str | None:
    """The options that chose the model (``--model nmf``, ``--solver mu``, ``max_iter``), or None."""
    chosen = [f"--model {model}"] if model else []
    chosen += [f"--solver {solver}"] if solver else []
    chosen += [name for name in (fit_params or {}) if name not in ("generic_words", "word_order")]
    return ", ".join(chosen) or None


def median_words(dtm) -> float:
    """The median number of words a document keeps after tokenizing (its row sum), here or on a cluster."""
    if dtm.local:
        return float(np.median(np.asarray(dtm.X.sum(axis=1)).ravel())) if dtm.n_docs else 0.0
    from .cluster.starts import median_row_sum

    return median_row_sum(dtm)


def settle_model(setting: str | None, model: str, given: str | None, dtm) -> tuple[str, dict | None]:
    """(model, record) once the corpus is read: ``model`` is the job's first model (:func:`first_model`),
    ``given`` the options that chose it (:func:`model_given`).  The record (for the manifest and the page)
    holds the setting, the median, the threshold, the model and the note said on stderr; None when
    ``setting`` is None (a merge: the model is the run's)."""
    if setting is None:
        return model, None
    median = median_words(dtm)
    short = median <= SHORT_MEDIAN and dtm.n_docs >= SHORT_MIN_DOCS
    title, note = model_spec(SHORT_MODEL).title, None
    if setting == "auto" and short and given is None:
        if dtm.local:
            model = SHORT_MODEL
            note = (f"Short texts: the median document keeps {median:g} words (at most {SHORT_MEDIAN}, in "
                    f"{dtm.n_docs:,} documents), so the model is {title}, made for them; --short-texts off fits "
                    f"{model_spec(DEFAULT_MODEL).title}")
        else:
            note = (f"Short texts (the median document keeps {median:g} words), but {title} does not run on a "
                    f"cluster: fitted with {model_spec(model).title}")
    elif setting == "auto" and short and model != SHORT_MODEL:
        note = (f"Short texts (the median document keeps {median:g} words): fitted with {model_spec(model).title} as "
                f"asked ({given}); without that, or with --short-texts on, topicmf fits {title}")
    elif setting == "on":
        note = f"--short-texts on: fitted with {title} (the median document keeps {median:g} words)"
    if note:
        warnings.warn(note, TopicmfNotice, stacklevel=3)
    return model, {"setting": setting, "median_words": median, "threshold": SHORT_MEDIAN,
                   "min_documents": SHORT_MIN_DOCS, "short": short, "model": model, "note": note}


def choose_model(job, dtm) -> None:
    """Settle a job's model once its corpus is read (``job.model``) and record why (``job.short_texts``)."""
    job.model, job.short_texts = settle_model(job.short_texts_setting, job.model, job.model_given, dtm)
