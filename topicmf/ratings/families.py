"""The rating-model families, as the run folder, the page and the command line ask them.

Each family describes itself in the registry :data:`topicmf.spec.FAMILIES`: its estimator
and parameters, whether it has biases, what a score is, which metrics measure it (and which
way is better), the simple reference it is compared with on the same split, and the value an
item given without a rating stands for.  This module adds the choices made from data.
"""

from __future__ import annotations

import numpy as np

from ..errors import TopicmfError
from ..spec.ratings import EXPLICIT, FAMILIES, IMPLICIT, Metric, RatingFamilySpec

__all__ = ["Metric", "RatingFamily", "FAMILIES", "family", "choose_family"]

RatingFamily = RatingFamilySpec


def family(name: str) -> RatingFamily:
    try:
        return FAMILIES[name]
    except KeyError:
        raise TopicmfError(f"unknown rating model {name!r}; choose {' or '.join(FAMILIES)}") from None


def choose_family(R, name: str | None = None) -> RatingFamily:
    """``name``'s family, or (None) implicit when every known value is 0 or 1, else explicit."""
    if name is not None:
        return family(name)
    return IMPLICIT if np.all((R.data == 0) | (R.data == 1)) else EXPLICIT
