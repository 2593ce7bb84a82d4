"""The topic half's model stage: profiles, top words, similarity, evaluation, choosing k, saving and loading.

The stage after :mod:`topicmf.factorize`: it puts names (words, document ids, labels), a
weighting and a tokenizer around a factorization (:class:`TopicModel`), fits one to a matrix
wherever it is held (:func:`fit_topic_model`, one machine or a cluster), evaluates it, merges
and seeds topics, and saves and loads a run's model (:mod:`.store`).  What a model *is* — its
topics, loss, solvers, parameters — it asks the registry (:mod:`topicmf.spec`); neighbour
search and run folders are shared infrastructure below it (:mod:`topicmf.neighbours`,
:mod:`topicmf.runfolder`).
"""

from .coherence import c_v, npmi, umass
from .evaluate import diversity, evaluate, label_agreement, stability
from ..neighbours.graph import nearest
from .store import load_model, read_manifest, save_model
from ..spec import GENERIC_WORDS, WEIGHTINGS
from .fitting import fit_topic_model
from .sweep import RULE, SweepResult, parse_k_range, suggest_k
from .topicmodel import TopicModel

__all__ = [
    "GENERIC_WORDS",
    "RULE",
    "WEIGHTINGS",
    "SweepResult",
    "TopicModel",
    "c_v",
    "diversity",
    "evaluate",
    "fit_topic_model",
    "label_agreement",
    "load_model",
    "nearest",
    "npmi",
    "parse_k_range",
    "read_manifest",
    "save_model",
    "stability",
    "suggest_k",
    "umass",
]
