"""``topicmf.Recommender``: ``topicmf recommend`` as an estimator over the user's own ids — tables out, the page inline.

``fit`` takes a DataFrame (its user, item, rating and time columns found as a file's are), any
iterable of (user, item[, rating[, time]]) tuples, or a rating file, and runs the command line's
job (:mod:`topicmf.workflow.recommend`): the held-out evaluation, the fit on every known cell,
every user's recommendations and every item's neighbours.  ``save`` writes the ``topicmf
recommend`` folder; :func:`topicmf.load` reads one back.
"""

from __future__ import annotations

import html
import shutil
import tempfile
import weakref
from pathlib import Path

import numpy as np

from ..errors import TopicmfError
from ..ratings import load_rating_model
from ..report.ratings import render_ratings
from ..spec import FAMILIES, SPLITS
from ..workflow.recommend import fit_recommend, prepare_recommend, read_job_ratings, write_recommend
from .frames import pandas
from .notebook import Display
from ..corpus.memory import is_path
from .runs import FittedRun
from .params import call_text, Estimator, stage_factory

__all__ = ["Recommender", "RECOMMENDER_DEFAULTS", "SETTINGS"]

#: The families' settings that are ``topicmf recommend`` options (None: the family's own default).
SETTINGS = tuple(dict.fromkeys(p.name for spec in FAMILIES.values() for p in spec.params
                               if p.cli and p.name != "solver"))

#: ``topicmf.Recommender``'s parameters: ``topicmf recommend``'s options by the same names (``-k`` is ``n_factors``).
RECOMMENDER_DEFAULTS = {
    "n_factors": None, "model": None, "solver": None, **dict.fromkeys(SETTINGS), "seed": 0, "top": 10,
    "include_known": False, "test_size": 0.2, "folds": None, "split": SPLITS[0], "min_rating": None,
    "user_column": None, "item_column": None, "rating_column": None, "time_column": None, "items": None,
    "users": None, "dask": None, "quiet": False,
}


class Recommender(Display, FittedRun, Estimator):
    """Recommendations from a users × items table whose unknown cells are unknown, not zero.

    Every parameter is the ``topicmf recommend`` option of the same name with the same default
    (``n_factors`` is ``-k``; ``model`` is "explicit", "implicit" or None to choose by the values;
    the families' settings — ``alpha``, ``reg``, ``max_iter``… — keep the family's own default when
    None).  ``items`` and ``users`` are tables of names (a path or a DataFrame keyed by id with a
    title column): the titles appear in every table and on the page.

    Attributes
    ----------
    model_ : topicmf.ratings.RatingModel
        The fitted model with its ids (``model_.estimator`` holds the factors and biases).
    manifest_ : dict
        What ``manifest.json`` holds: the data, the settings, the held-out metrics, the timings.
    """

    _defaults = RECOMMENDER_DEFAULTS
    _fit_call = "fit(ratings)"

    def fit(self, data, y=None) -> "Recommender":
        """Fit on ``data``: a DataFrame, an iterable of (user, item[, rating[, time]]) tuples, or a rating file.

        With ``dask`` (a scheduler's address, or ``local:N``) a rating file is read and fitted on that cluster, as
        ``topicmf recommend --dask`` does, into a temporary run folder; the fitted model then comes into this
        process (an estimator holds its fit), read from the parts the workers wrote."""
        settings = {name: getattr(self, name) for name in SETTINGS if getattr(self, name) is not None}
        columns = {key: getattr(self, f"{key}_column") for key in ("user", "item", "rating", "time")}
        if self.dask is not None:
            return self._fit_on_cluster(data, settings, columns)
        try:
            job = prepare_recommend(
                data, model=self.model, k=self.n_factors, solver=self.solver, seed=self.seed, top=self.top,
                test_size=self.test_size, folds=self.folds, split=self.split, settings=settings,
                min_rating=self.min_rating, columns={k: v for k, v in columns.items() if v is not None},
                exclude_known=not self.include_known, command=call_text(self),
                stage=stage_factory(self.quiet), items=self.items, users=self.users)
            ratings = read_job_ratings(job)
            outcome = fit_recommend(job, ratings)
        except ValueError as exc:  # a family's own check of its settings
            raise TopicmfError(str(exc)) from None
        self._fitted(outcome.model, outcome.manifest, job=job, outcome=outcome)
        return self

    def _fit_on_cluster(self, data, settings: dict, columns: dict) -> "Recommender":
        from ..workflow.recommend import recommend

        if not is_path(data):
            raise TopicmfError("A Dask cluster reads the ratings from their file: give a path, not data in memory (it "
                               "would all pass through this process)")
        folder = Path(tempfile.mkdtemp(prefix="topicmf-recommender-")) / "run"
        weakref.finalize(self, shutil.rmtree, folder.parent, True)
        try:
            result = recommend(data, out=folder, model=self.model, k=self.n_factors, solver=self.solver,
                               seed=self.seed, top=self.top, test_size=self.test_size, folds=self.folds,
                               split=self.split, settings=settings, min_rating=self.min_rating,
                               columns={k: v for k, v in columns.items() if v is not None},
                               exclude_known=not self.include_known, command=call_text(self),
                               stage=stage_factory(self.quiet), items=self.items, users=self.users, dask=self.dask)
        except ValueError as exc:
            raise TopicmfError(str(exc)) from None
        self._fitted(load_rating_model(folder), result.manifest, directory=folder)
        return self

    # --- tables --------------------------------------------------------------
    def _items_frame(self, pairs, score_name: str = "score"):
        pd = pandas()
        model = self.model_
        frame = pd.DataFrame({"rank": np.arange(1, len(pairs) + 1), "item": [i for i, _ in pairs],
                              score_name: [s for _, s in pairs]})
        if model.item_titles is not None:
            frame.insert(2, "title", [model.item_title(i) for i, _ in pairs])
        return frame.set_index("rank")

    def recommend(self, user, n: int = 10):
        """A user's best ``n`` items (the known ones left out unless ``include_known``): rank, item, [title], score."""
        self._check_fitted()
        return self._items_frame(self.model_.recommend(str(user), n, exclude_known=not self.include_known))

    def recommend_new(self, items, n: int = 10):
        """The best ``n`` items for a user known only by ``items``: {item: rating} (or a list of items, each taken
        at the top rating seen, or one interaction), folded in without refitting."""
        self._check_fitted()
        given = dict(items) if hasattr(items, "items") else dict.fromkeys(items)
        given = {str(item): value for item, value in given.items()}
        return self._items_frame(self.model_.recommend_new(given, n, exclude_known=not self.include_known))

    def predict(self, pairs):
        """Predictions for (user, item) pairs (or a DataFrame with user and item columns): user, item, prediction
        [, title]; unknown ids fall back to μ plus the known bias (0 for implicit)."""
        pd = pandas()
        self._check_fitted()
        if hasattr(pairs, "columns"):
            from ..ratings.reading import ITEM_NAMES, USER_NAMES, find_column

            header = [str(c) for c in pairs.columns]
            u = find_column(header, self.user_column, USER_NAMES, "users", "the DataFrame")
            i = find_column(header, self.item_column, ITEM_NAMES, "items", "the DataFrame")
            if u is None or i is None:
                raise TopicmfError(f"the DataFrame has no {'users' if u is None else 'items'} column "
                                   f"(columns: {', '.join(header)})")
            pairs = zip(pairs.iloc[:, u].tolist(), pairs.iloc[:, i].tolist())
        users, items = [], []
        for number, pair in enumerate(pairs):
            if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
                raise TopicmfError(f"pair {number} is {pair!r}: give (user, item) pairs")
            users.append(str(pair[0]))
            items.append(str(pair[1]))
        frame = pd.DataFrame({"user": users, "item": items, "prediction": self.model_.predict(users, items)})
        if self.model_.item_titles is not None:
            frame["title"] = [self.model_.item_title(i) for i in items]
        return frame

    def similar_items(self, item, n: int = 10):
        """The ``n`` items nearest to ``item`` by the cosine of their factors: rank, item, [title], score."""
        self._check_fitted()
        model = self.model_
        j = model.item_index(str(item))
        if model.similar is None:
            raise TopicmfError("this model has no item factors (a baseline): items have no neighbours")
        width = model.similar.index.shape[1]
        if n > width:
            raise TopicmfError(f"the model keeps {width} neighbours per item; ask for at most {width}")
        pairs = [(model.item_ids[int(x)], float(s)) for x, s in zip(model.similar.index[j, :n],
                                                                    model.similar.score[j, :n]) if x >= 0]
        return self._items_frame(pairs)

    # --- the run folder (save: FittedRun) -------------------------------------
    def _fitted_on(self):
        return self._job.source

    def _write_folder(self, out, force: bool) -> dict:
        return write_recommend(self._job, self._outcome, out=out, force=force)

    # --- the notebook --------------------------------------------------------
    def _summary_html(self) -> str:
        model, m = self.model_, self.manifest_
        data, params = m["data"], m["model"]["params"]
        evaluation = m.get("metrics")
        lines = [f"<b>{data['users']:,} users × {data['items']:,} items</b>, {data['known']:,} known cells — "
                 f"{html.escape(model.family.title)}, solver {html.escape(str(params['solver']))}, "
                 f"k = {params['n_components']}"]
        if evaluation:
            lines.append(f"held out: {html.escape(model.family.headline(evaluation['model']))}; "
                         f"{html.escape(evaluation['reference_title'])}: "
                         f"{html.escape(model.family.headline(evaluation['reference']))}")
        rows = []
        for user in model.user_ids[:5]:
            recs = model.recommend(user, 3, exclude_known=not self.include_known)
            named = ", ".join(html.escape(model.item_title(i) or i) for i, _ in recs)
            rows.append(f"<tr><td>{html.escape(model.user_title(user) or user)}</td><td>{named}</td></tr>")
        return (f'<div class="topicmf-summary"><p>{"<br>".join(lines)}</p><table><thead><tr><th>user</th>'
                f"<th>recommended</th></tr></thead><tbody>{''.join(rows)}</tbody></table><p><i>show()</i> opens the "
                "full page here; <i>recommend(user)</i> and the other tables give DataFrames.</p></div>")

    def _render_page(self) -> str:
        outcome = self._outcome
        return render_ratings(self.model_, outcome.ratings, self.manifest_, outcome.items, outcome.scores)


def load_recommender(directory) -> Recommender:
    """The fitted :class:`Recommender` of a ``topicmf recommend`` folder."""
    model = load_rating_model(directory)
    manifest = model.manifest
    params = manifest["model"].get("params") or {}
    recorded = {name: params[name] for name in SETTINGS if name in params}
    estimator = Recommender(n_factors=params.get("n_components"), model=manifest["model"].get("family"),
                            solver=params.get("solver"), seed=manifest["model"].get("seed") or 0,
                            top=manifest["model"].get("recommendations_per_user", 10), **recorded)
    estimator._fitted(model, manifest, directory=Path(directory).resolve())
    return estimator
