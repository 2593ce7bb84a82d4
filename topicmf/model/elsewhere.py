"""Stand-ins for a model's per-document arrays when the documents are held elsewhere (a cluster's blocks).

A run on a Dask cluster keeps W, the ids and the labels where the blocks are
(:mod:`topicmf.workflow.cluster`); the model the client holds carries these
in their place: their shape, and an error naming where the values are for
anything that would read them here, never a silent copy of every document.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import TopicmfError

__all__ = ["RowsElsewhere", "Elsewhere"]


class RowsElsewhere:
    """The document factor of a fit whose rows stayed where the matrix is (the blocks of a cluster): its shape.

    A run on a cluster works with W where it is; anything that would read it
    here gets an error saying so, never a silent copy of every document's row.
    """

    ndim = 2
    dtype = np.dtype(np.float64)

    def __init__(self, shape, where: str = "on the cluster's workers"):
        self.shape = tuple(int(n) for n in shape)
        self.where = where

    def __len__(self) -> int:
        return self.shape[0]

    def __array__(self, *args, **kwargs):
        raise ValueError(f"The document profiles of this model are {self.where}, not in this process")

    __getitem__ = __array__


class Elsewhere(Sequence):
    """The documents' ids or labels of a model whose documents are held elsewhere (a cluster's blocks): their
    number, and an error naming where they are for anything that would read them here."""

    def __init__(self, n: int, what: str, where: str = "on the cluster's workers"):
        self.n, self.what, self.where = int(n), what, where

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        raise TopicmfError(f"The documents' {self.what} of this model are {self.where}, not in this process")
