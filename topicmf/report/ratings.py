"""The files of a ``topicmf recommend`` run: recommendations.csv, similar_items.csv and the page.

User and item names are untrusted text: CSV cells go through :func:`.numbers.cell`
(formula prefixes neutralised, quoted as needed), and the page receives them as JSON the
script inserts as text only, under the same Content-Security-Policy as the topic report.
The page stays bounded whatever the data's size: at most :data:`PAGE_USERS` users (a seeded
uniform sample beyond), :data:`KNOWN_SHOWN` known items each, :data:`MAP_ITEMS` items on the map.
"""

from __future__ import annotations

import numpy as np
from markupsafe import Markup

from ..ratings import RatingModel, Ratings
from .data import script_json
from .html import TEMPLATES, compact, line_chart, page_script
from .numbers import cell, format_values

__all__ = ["write_recommendations", "write_similar_items", "render_ratings", "page_data", "histogram", "csv_text",
           "PAGE_USERS", "KNOWN_SHOWN", "MAP_ITEMS", "PAGE_ITEMS"]

PAGE_USERS = 2000
KNOWN_SHOWN = 50
MAP_ITEMS = 3000
PAGE_ITEMS = 20_000  # items whose neighbour lists the page carries
BLOCK = 50_000  # rows formatted at a time


def _write_pairs(path, header, owners, index, score, names, titles=None, owner_titles=None, owner_column="") -> None:
    """Rows ``owner, rank, name, score`` of a ranked table (-1 entries, where a list ran out, left out); with
    ``titles`` a ``title`` column (the ranked entry's), with ``owner_titles`` an ``<owner_column>`` one (the owner's)."""
    header = (*header, *(["title"] if titles is not None else []), *([owner_column] if owner_titles is not None else []))
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write(",".join(header) + "\n")
        for start in range(0, index.shape[0], BLOCK):
            block_index, block_score = index[start:start + BLOCK], score[start:start + BLOCK]
            text = format_values(block_score.ravel(), 7)
            lines = []
            width = block_index.shape[1]
            for r in range(block_index.shape[0]):
                owner = cell(owners[start + r])
                tail = "" if owner_titles is None else "," + cell(owner_titles[start + r])
                for rank in range(width):
                    j = block_index[r, rank]
                    if j >= 0:
                        title = "" if titles is None else "," + cell(titles[j])
                        lines.append(f"{owner},{rank + 1},{cell(names[j])},{text[r * width + rank]}{title}{tail}\n")
            f.write("".join(lines))


def write_recommendations(path, model: RatingModel, items: np.ndarray, scores: np.ndarray) -> None:
    """recommendations.csv: ``user, rank, item, score``, each user's top items best first (and the item's ``title``
    and the ``user_title`` when names were given)."""
    _write_pairs(path, ("user", "rank", "item", "score"), model.user_ids, items, scores, model.item_ids,
                 model.item_titles, model.user_titles, "user_title")


def write_similar_items(path, model: RatingModel, rows=None) -> None:
    """similar_items.csv: ``item, rank, neighbour, score`` (cosine of the item factors); with names, the neighbour's
    ``title`` and the ``item_title``.  ``rows``: the items the graph's rows are (a part of them; default all)."""
    g = model.similar
    owners = model.item_ids if rows is None else [model.item_ids[j] for j in rows]
    owner_titles = model.item_titles if rows is None or model.item_titles is None else [
        model.item_titles[j] for j in rows]
    _write_pairs(path, ("item", "rank", "neighbour", "score"), owners, g.index, g.score, model.item_ids,
                 model.item_titles, owner_titles, "item_title")


def csv_text(header, rows) -> str:
    """Small CSV output (``predict``, ``suggest``): text cells made safe, numbers as the shortest exact text."""
    lines = [",".join(header)]
    for values in rows:
        lines.append(",".join(repr(float(v)) if isinstance(v, (float, np.floating)) else
                              str(v) if isinstance(v, (int, np.integer)) else cell(v) for v in values))
    return "\n".join(lines) + "\n"


MAX_BARS = 20


def histogram_counts(values: np.ndarray, max_bars: int = MAX_BARS, distinct=None, edges=None) -> tuple:
    """(labels, counts, one bar per value) of a rating histogram: a bar per distinct value when there are few, else
    ``max_bars`` equal bins.  A part of the values (a cluster's block) is counted in the bars of all of them, given
    their ``distinct`` values (when few) or the bins' ``edges``."""
    values = np.asarray(values, dtype=np.float64)
    distinct = np.unique(values) if distinct is None and edges is None else distinct
    if distinct is not None and distinct.size <= max_bars:
        counts = np.bincount(np.searchsorted(distinct, values), minlength=distinct.size)
        return [f"{v:g}" for v in distinct], counts, True
    counts, edges = np.histogram(values, bins=max_bars if edges is None else edges)
    return [f"{compact(a)}–{compact(b)}" for a, b in zip(edges[:-1], edges[1:])], counts, False


def histogram(values: np.ndarray, max_bars: int = MAX_BARS, width: int = 420, height: int = 170,
              counted: tuple | None = None) -> dict:
    """Bars of a rating histogram (:func:`histogram_counts`, or ``counted``: its answer added up over parts)."""
    labels, counts, per_value = counted or histogram_counts(values, max_bars)
    counts = np.asarray(counts)
    left, bottom, top = 48, height - 26, 20
    step = (width - left - 8) / len(counts)
    peak = max(1, int(counts.max()))
    bars = []
    for n, (label, count) in enumerate(zip(labels, counts)):
        h = (bottom - top) * count / peak
        bars.append({"x": round(left + n * step + 1, 1), "w": round(max(step - 2, 1), 1), "y": round(bottom - h, 1),
                     "h": round(h, 1), "label": label, "count": int(count),
                     "show_label": per_value or n % 4 == 0})
    return {"bars": bars, "width": width, "height": height, "left": left, "bottom": bottom, "top": top,
            "peak": compact(peak), "step": round(step, 1)}


def _map(V: np.ndarray, counts: np.ndarray) -> np.ndarray | None:
    """Item-map coordinates: PCA of the factors of the :data:`MAP_ITEMS` most-rated items, scaled to [0, 1].

    Returns rows (item, x, y), or None when there are no factors to map.
    """
    if V.shape[1] < 2 or V.shape[0] < 3:
        return None
    shown = np.sort(np.argsort(-counts, kind="stable")[:MAP_ITEMS])
    X = V[shown] - V[shown].mean(axis=0)
    _, _, vt = np.linalg.svd(X, full_matrices=False)
    xy = X @ vt[:2].T
    xy = xy * np.sign(xy[np.argmax(np.abs(xy), axis=0), [0, 1]])  # a fixed orientation
    span = np.ptp(xy, axis=0)
    xy = (xy - xy.min(axis=0)) / np.where(span > 0, span, 1)
    return np.column_stack([shown, xy])


def page_data(model: RatingModel, items: np.ndarray, scores: np.ndarray, seed: int = 0, totals=None) -> dict:
    """What the page's script draws, bounded whatever the data's size.

    Users: all, or a seeded sample of :data:`PAGE_USERS`, each with up to :data:`KNOWN_SHOWN`
    known items and their recommendations.  Items: those the map and these users name; the
    :data:`PAGE_ITEMS` most-rated of them carry their neighbour lists, and the neighbours are
    named too.  Every index in the data is an index into ``items``.

    ``totals`` (n_users, item counts, item sums): a model of the sampled users only (a cluster run's), with what
    the page says of every user and item.
    """
    known = model.known
    n_users = model.n_users if totals is None else totals[0]
    users = page_users(n_users, seed) if totals is None else np.arange(model.n_users)
    if totals is None:
        counts = np.bincount(known.indices, minlength=model.n_items)
        sums = np.bincount(known.indices, weights=known.data, minlength=model.n_items)
    else:
        counts, sums = totals[1], totals[2]
    means = np.divide(sums, counts, out=np.zeros(model.n_items), where=counts > 0)
    placed = _map(model.estimator.item_factors_, counts)
    user_rows, named = [], set() if placed is None else set(placed[:, 0].astype(np.int64).tolist())
    for u in users:
        lo, hi = known.indptr[u], known.indptr[u + 1]
        cols, vals = known.indices[lo:hi], known.data[lo:hi]
        order = np.lexsort((cols, -vals))[:KNOWN_SHOWN]  # highest rated first
        recs = [(int(j), round(float(s), 4)) for j, s in zip(items[u], scores[u]) if j >= 0]
        named.update(int(cols[q]) for q in order)
        named.update(j for j, _ in recs)
        user_rows.append((model.user_ids[u], None if model.user_titles is None else model.user_titles[u], int(hi - lo), [(int(cols[q]), float(vals[q])) for q in order], recs))
    g = model.similar
    listed = np.array(sorted(named), dtype=np.int64)  # (sampled users: their rows, in order)
    listed = listed[np.argsort(-counts[listed], kind="stable")[:PAGE_ITEMS]] if g is not None else listed[:0]
    if g is not None:
        named.update(g.index[listed].ravel().tolist())
    page_items = np.array(sorted(named), dtype=np.int64)
    at = {int(j): n for n, j in enumerate(page_items)}
    similar = [None if g is not None else [] for _ in range(page_items.size)]  # [] : a model without factors
    for j in listed:
        similar[at[int(j)]] = [[at[int(x)], round(float(s), 4)] for x, s in zip(g.index[j], g.score[j])]
    return {
        "users": [{"id": uid, "title": title, "n": n, "known": [[at[j], v] for j, v in kn],
                   "recs": [[at[j], s] for j, s in recs]} for uid, title, n, kn, recs in user_rows],
        "n_users": n_users,
        "n_items": model.n_items,
        "items": {"id": [model.item_ids[j] for j in page_items],
                  "title": None if model.item_titles is None else [model.item_titles[j] for j in page_items],
                  "count": counts[page_items].tolist(),
                  "mean": np.round(means[page_items], 3).tolist(), "similar": similar},
        "map": None if placed is None else {"items": [at[int(j)] for j in placed[:, 0]],
                                            "x": np.round(placed[:, 1], 4).tolist(),
                                            "y": np.round(placed[:, 2], 4).tolist()},
        "score": model.family.score,
    }


def page_users(n_users: int, seed: int) -> np.ndarray:
    """The users the page shows: all, or a seeded sample of :data:`PAGE_USERS` (rows, ascending)."""
    if n_users <= PAGE_USERS:
        return np.arange(n_users)
    return np.sort(np.random.default_rng(seed).choice(n_users, PAGE_USERS, replace=False))


def rating_stats(R) -> dict:
    """What the page says of the whole matrix: the histogram's bars, the users' and items' numbers of ratings."""
    per_user = np.diff(R.indptr)
    return {"hist": histogram_counts(R.data), "per_user": (int(np.median(per_user)), int(per_user.max())),
            "per_item": np.bincount(R.indices, minlength=R.shape[1])}


def render_ratings(model: RatingModel, ratings: Ratings | None, manifest: dict, items: np.ndarray,
                   scores: np.ndarray, stats: dict | None = None, totals=None) -> str:
    """``index.html`` of a recommend run: one self-contained, offline page.  A cluster run gives a model of the
    page's users only with ``totals`` (:func:`page_data`) and ``stats`` (:func:`rating_stats`) instead of the
    ratings."""
    script, script_hash = page_script("ratings.js")
    data = page_data(model, items, scores, seed=int(model.estimator.random_state or 0), totals=totals)
    stats = stats or rating_stats(ratings.R)
    e = model.estimator
    curve = line_chart(range(1, len(e.loss_curve_) + 1), [float(v) for v in e.loss_curve_],
                       title="objective per sweep (lower is better)", width=420)
    per_item = stats["per_item"]
    n_users = model.n_users if totals is None else totals[0]
    family = model.family
    evaluation = manifest.get("metrics")
    rows = []
    if evaluation:
        for metric in family.metrics:
            mine, ref = evaluation["model"].get(metric.key), evaluation["reference"].get(metric.key)
            better = None if mine is None or ref is None else (mine > ref) == metric.higher_is_better
            std = (evaluation.get("model_std") or {}).get(metric.key)
            rows.append({"title": metric.title, "model": mine, "reference": ref, "better": better, "std": std,
                         "direction": "higher is better" if metric.higher_is_better else "lower is better"})
    shown = len(data["users"])
    return TEMPLATES.get_template("ratings.html").render(
        m=manifest, family=family, evaluation=evaluation, metric_rows=rows, curve=curve,
        hist=histogram(None, counted=stats["hist"]), per_user=stats["per_user"],
        per_item=(int(np.median(per_item)), int(per_item.max())), never=int((per_item == 0).sum()),
        params=manifest["model"]["params"], shown=shown,
        sample_note="" if shown == n_users else (
            f"The page shows {shown:,} of the {n_users:,} users, a seeded uniform sample, so that it stays "
            f"small; every user is in recommendations.csv, and `topicmf suggest DIR --user ID` answers for any."),
        items_note="" if len(data["items"]["id"]) == model.n_items else (
            f"The page names {len(data['items']['id']):,} of the {model.n_items:,} items: those on the map, those of "
            f"the users shown and their neighbours; similar_items.csv has every item's neighbours."),
        map_note=None if data["map"] is None else (
            f"{len(data['map']['items']):,} most-rated items placed by the first two principal components of their "
            f"factors; items near each other are liked by the same users. Click one to see its neighbours."),
        similar_about=manifest.get("similar_items"),
        data_json=Markup(script_json(data)), script=Markup(script), script_hash=script_hash,
    )
