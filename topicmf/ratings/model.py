"""A fitted rating model with its ids: predictions, recommendations and similar items by name.

:class:`RatingModel` joins an estimator of :mod:`topicmf.factorize` (which knows rows and
columns only) to the user and item ids of the file it was fitted on.  Unknown users and
items are allowed where the model has an answer for them: a prediction falls back to μ
plus the known bias, and a user who is not in the matrix is folded in from a list of items.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ..errors import TopicmfError
from ..neighbours.graph import NeighbourGraph, neighbour_graph
from .families import RatingFamily

__all__ = ["RatingModel", "BLOCK_CELLS"]

BLOCK_CELLS = 4_000_000  # scores held at once when recommending for many users


@dataclass(eq=False)
class RatingModel:
    """A fitted estimator, its family and the ids of its rows (users) and columns (items).

    ``similar`` is the item-neighbour graph (cosine of the item factors), once computed;
    ``item_titles`` and ``user_titles`` the names a table gave (:mod:`topicmf.ratings.names`).
    """

    family: RatingFamily
    estimator: object
    user_ids: tuple
    item_ids: tuple
    similar: NeighbourGraph | None = None
    manifest: dict | None = None
    item_titles: tuple | None = None  # a title per item (None where the names table has none), or None
    user_titles: tuple | None = None
    _users: dict | None = field(default=None, repr=False)
    _items: dict | None = field(default=None, repr=False)

    @property
    def known(self) -> sp.csr_matrix:
        """The training cells (users × items)."""
        return self.estimator.known_

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def user_index(self, user, *, strict: bool = True) -> int:
        """The row of a user id (-1 for an unknown one unless ``strict``, which raises)."""
        if self._users is None:
            self._users = {u: n for n, u in enumerate(self.user_ids)}
        n = self._users.get(str(user), -1)
        if n < 0 and strict:
            raise TopicmfError(f"no user {str(user)!r} in this model ({self.n_users:,} users)")
        return n

    def item_index(self, item, *, strict: bool = True) -> int:
        if self._items is None:
            self._items = {i: n for n, i in enumerate(self.item_ids)}
        n = self._items.get(str(item), -1)
        if n < 0 and strict:
            raise TopicmfError(f"no item {str(item)!r} in this model ({self.n_items:,} items)")
        return n

    def item_title(self, item) -> str | None:
        """An item's title (None without one, or for an item the model does not have)."""
        if self.item_titles is None:
            return None
        n = self.item_index(item, strict=False)
        return self.item_titles[n] if n >= 0 else None

    def user_title(self, user) -> str | None:
        if self.user_titles is None:
            return None
        n = self.user_index(user, strict=False)
        return self.user_titles[n] if n >= 0 else None

    def predict(self, users, items) -> np.ndarray:
        """Predictions for (user id, item id) pairs; unknown ids fall back as the estimator's predict does."""
        rows = np.fromiter((self.user_index(u, strict=False) for u in users), np.int64)
        cols = np.fromiter((self.item_index(i, strict=False) for i in items), np.int64)
        return self.estimator.predict(rows, cols)

    def recommend_rows(self, rows, n_items: int = 10, exclude_known: bool = True):
        """(items, scores) for many users, in blocks so that at most :data:`BLOCK_CELLS` scores are held."""
        rows = np.asarray(rows, dtype=np.int64)
        n_items = min(int(n_items), self.n_items)
        items = np.empty((rows.size, n_items), dtype=np.int64)
        scores = np.empty((rows.size, n_items))
        step = max(1, BLOCK_CELLS // max(1, self.n_items))
        for start in range(0, rows.size, step):
            items[start:start + step], scores[start:start + step] = self.estimator.recommend(
                rows[start:start + step], n_items=n_items, exclude_known=exclude_known)
        return items, scores

    def recommend(self, user, n_items: int = 10, exclude_known: bool = True) -> list[tuple]:
        """The best ``n_items`` (item id, score) pairs for a user of the matrix."""
        items, scores = self.recommend_rows([self.user_index(user)], n_items, exclude_known)
        return [(self.item_ids[j], float(s)) for j, s in zip(items[0], scores[0]) if j >= 0]

    def new_user_row(self, given: dict) -> sp.csr_matrix:
        """A one-row matrix of a new user's known cells from {item id (or title): value or None}.

        An item given without a value stands for :meth:`RatingFamily.item_value` (the top
        rating seen, or one interaction).  Unknown items are an error naming them.
        """
        if not given:
            raise TopicmfError("give at least one item")
        given = {self._by_title(str(item)): value for item, value in given.items()}
        unknown = [str(i) for i in given if self.item_index(i, strict=False) < 0]
        if unknown:
            raise TopicmfError(f"not items of this model: {', '.join(repr(u) for u in unknown[:5])}"
                               + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""))
        default = self.family.item_value(self.known)
        cols = np.array([self.item_index(i) for i in given], dtype=np.int64)
        vals = np.array([default if v is None else float(v) for v in given.values()])
        return sp.csr_matrix((vals, (np.zeros(cols.size, dtype=np.int64), cols)), shape=(1, self.n_items))

    def _by_title(self, item: str) -> str:
        """An item given by its id, or (when no id is that) by its title: exactly, else ignoring case; a title
        several items share is an error naming their ids."""
        if self.item_titles is None or self.item_index(item, strict=False) >= 0:
            return item
        for same in (lambda title: title == item, lambda title: title.lower() == item.lower()):
            found = [n for n, title in enumerate(self.item_titles) if title and same(title)]
            if len(found) == 1:
                return self.item_ids[found[0]]
            if found:
                ids = ", ".join(repr(self.item_ids[n]) for n in found[:5])
                raise TopicmfError(f"{item!r} is the title of {len(found)} items ({ids}); give one by its id")
        return item

    def recommend_new(self, given: dict, n_items: int = 10, exclude_known: bool = True) -> list[tuple]:
        """The best ``n_items`` (item id, score) pairs for a user known only by ``given`` (see :meth:`new_user_row`)."""
        items, scores = self.estimator.recommend_new(self.new_user_row(given), n_items=min(int(n_items), self.n_items),
                                                     exclude_known=exclude_known)
        return [(self.item_ids[j], float(s)) for j, s in zip(items[0], scores[0]) if j >= 0]

    def find_similar(self, n_neighbours: int = 10, *, seed: int = 0, progress=None) -> NeighbourGraph:
        """Every item's ``n_neighbours`` nearest other items by the cosine of the item factors (kept as ``similar``)."""
        V = self.estimator.item_factors_
        if V.shape[1] == 0:  # a baseline model has no factors: nothing to compare
            return None
        self.similar = neighbour_graph(V, min(n_neighbours, max(self.n_items - 1, 0)), seed=seed, progress=progress)
        return self.similar
