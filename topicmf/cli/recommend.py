"""``topicmf recommend``, ``predict`` and ``suggest``: rating matrices from a file to recommendations.

The options of the families' settings are built from their parameter tables
(:data:`topicmf.spec.FAMILIES`), which load neither numba nor scikit-learn.
"""

from __future__ import annotations

import csv
import sys

import click

from ..console import Progress
from ..errors import TopicmfError
from ..spec import FAMILIES, SPLITS, listing
from . import friendly, main
from .fit import command_line
from .options import option_values, shared_option, shared_options

# the options that set an estimator's keyword of the same name; the family says which it takes
_SETTINGS = shared_options(FAMILIES.values())


def rating_options(command):
    """The model, its size and solver, and every family's settings (from the families' parameter tables)."""
    solvers = tuple(dict.fromkeys(s for f in FAMILIES.values() for s in f.solvers))
    options = [
        click.option("--model", "-m", "family", type=click.Choice(tuple(FAMILIES)), default=None,
                     help="; ".join(f"{name}: {f.description}" for name, f in FAMILIES.items())
                          + " (default: implicit when every value is 0 or 1, else explicit)."),
        click.option("-k", "--factors", "k", type=click.IntRange(min=1), default=None,
                     help="Number of factors (default: " + ", ".join(f"{f.default_k} {name}" for name, f in FAMILIES.items())
                          + "; at most the smaller side of the matrix)."),
        click.option("--solver", type=click.Choice(solvers), default=None,
                     help="; ".join(f"{name}: {listing((f'{f.default_solver} (default)', *f.solvers[1:]), 'or')}"
                                    for name, f in FAMILIES.items()) + "."),
        *(shared_option(param, owners, len(FAMILIES)) for param, owners in _SETTINGS),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command("recommend")
@click.argument("ratings", metavar="RATINGS")
@rating_options
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed: the same seed, the same run.")
@click.option("-n", "--top", "top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Recommendations per user.")
@click.option("--include-known", is_flag=True, help="Do not leave each user's known items out of their recommendations.")
@click.option("--test-size", type=click.FloatRange(0, 1, max_open=True), default=0.2, show_default=True,
              help="Share of the known cells held out to measure the model (0: no evaluation).")
@click.option("--folds", type=click.IntRange(min=2), default=None,
              help="K-fold cross-validation of the known cells instead of one held-out share.")
@click.option("--split", type=click.Choice(SPLITS), default="random", show_default=True,
              help="random: a seeded share of the known cells; time: the latest ones (needs a time column).")
@click.option("--min-rating", type=float, default=None,
              help="Take cells rated at least this as interactions (value 1) and drop the rest: implicit "
                   "feedback from ratings.")
@click.option("--user-column", default=None, help="Column of the user ids (default: user, user_id, userId, …).")
@click.option("--item-column", default=None, help="Column of the item ids (default: item, item_id, movieId, …).")
@click.option("--rating-column", default=None, help="Column of the ratings (default: rating, score, count, value; "
                                                    "none: every row is one interaction).")
@click.option("--time-column", default=None, help="Column of the times (default: timestamp, time, date).")
@click.option("--items", "items", type=click.Path(exists=True, dir_okay=False), default=None, metavar="FILE",
              help="Names of the items: a table keyed by item id with a title and any other columns (CSV, TSV, "
                   "MovieLens' ml-100k.item as it comes); titles appear beside the ids in the files and the page.")
@click.option("--users", "users", type=click.Path(exists=True, dir_okay=False), default=None, metavar="FILE",
              help="Names of the users, as --items.")
@click.option("--out", "-o", default=None, help="Output folder (default: reports/<file name>).")
@click.option("--force", is_flag=True, help="Replace the output folder of an earlier run.")
@click.option("--dask", metavar="ADDRESS|local:N", default=None,
              help="Read and fit on a Dask cluster (a scheduler address, or local:N worker processes here): ALS, the "
                   "per-user files written by the workers. Needs pip install 'topicmf[dask]'.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@friendly
def recommend_command(ratings: str, family, k, solver, seed, top, include_known, test_size, folds, split, min_rating,
                      items, users, out, force, dask, quiet, **params) -> None:
    """Fit a rating model to RATINGS and write recommendations, similar items and a report.

    RATINGS is a long table (CSV, TSV, JSON Lines, MovieLens u.data or ratings.dat) with a user,
    an item and a rating column, or a wide table: a row per user, the items as the header, a blank
    cell unknown.

    \b
    Examples:
      topicmf recommend corpora/ratings_lecture.csv
      topicmf recommend corpora/purchases_lecture.csv -k 2
      topicmf recommend u.data --folds 5 --out reports/ml100k
      topicmf recommend u.data --model implicit --min-rating 4
      topicmf recommend ml-100k.inter --items ml-100k.item
    """
    from ..workflow.recommend import recommend

    columns = {name: params.pop(f"{name}_column") for name in ("user", "item", "rating", "time")}
    settings = option_values(params, _SETTINGS)
    result = recommend(ratings, out=out, model=family, k=k, solver=solver, seed=seed, force=force, top=top,
                       test_size=test_size, folds=folds, split=split, settings=settings, min_rating=min_rating,
                       columns={key: value for key, value in columns.items() if value is not None},
                       exclude_known=not include_known, command=command_line(),
                       stage=lambda label: Progress(label, quiet=quiet), items=items, users=users, dask=dask)
    click.echo(summary(result))


def summary(result) -> str:
    """The lines printed after ``recommend``: data, model, quality, a few users' recommendations, files."""
    m = result.manifest
    model = result.model
    data, params = m["data"], m["model"]["params"]
    lines = [f"{data['users']:,} users × {data['items']:,} items, {data['known']:,} known cells "
             f"(density {100 * data['density']:.3g}%)",
             f"{model.family.title}: solver {params['solver']}, k = {params['n_components']}, "
             f"{m['model']['n_iter']} sweeps"]
    evaluation = m.get("metrics")
    if evaluation:
        how = (f"{evaluation['folds']}-fold cross-validation" if evaluation["method"] == "folds" else
               f"{evaluation['test_size']:.0%} of the cells held out ({evaluation['method']} split)")
        lines.append(f"held out   {model.family.headline(evaluation['model'])}   by {how}")
        lines.append(f"reference  {model.family.headline(evaluation['reference'])}   {evaluation['reference_title']}")
    shown = min(5, model.n_users)  # (a cluster run's model here: the page's users)
    lines.append("")
    for u in range(shown):
        recs = model.recommend(model.user_ids[u], 3)
        text = ", ".join(f"{_named(item, model.item_title(item))} ({score:.2f})" for item, score in recs
                         ) or "(every item is known)"
        lines.append(f"  {_named(model.user_ids[u], model.user_title(model.user_ids[u]))} → {text}")
    if data["users"] > shown:
        lines.append(f"  … and {data['users'] - shown:,} more users in recommendations"
                     f"{'/' if m.get('parts') else '.csv'}")
    lines.append("")
    files = ("recommendations/, similar_items/, users/ (parts), model.npz, manifest.json" if m.get("parts") else
             "recommendations.csv, similar_items.csv, model.npz, manifest.json")
    lines.append(f"written    {result.directory}/index.html (and {files}) in {m['timings']['total']:.1f} s")
    return "\n".join(lines)


def _named(ident: str, title: str | None) -> str:
    """An id as the summary shows it: with its title when it has one."""
    return f"{title} [{ident}]" if title else ident


def _load(directory):
    from ..ratings import load_rating_model

    return load_rating_model(directory)


@main.command("predict")
@click.argument("directory", metavar="DIR")
@click.argument("pairs", metavar="PAIRS")
@friendly
def predict_command(directory: str, pairs: str) -> None:
    """Predict the value of (user, item) pairs with the model saved in DIR.

    PAIRS is a CSV file (or - for standard input) of user,item rows under a user,item header;
    the output is user,item,prediction CSV on standard output. Unknown users or items get the
    model's fallback (μ plus the known bias; 0 for implicit).

    \b
    Example:
      printf 'user,item\\nКоля,Улица Вязов\\n' | topicmf predict reports/ratings_lecture -
    """
    model = _load(directory)
    source = sys.stdin if pairs == "-" else _open_text(pairs)
    try:
        reader = csv.reader(source)
        header = next(reader, None)
        if header is None or [h.strip().lower() for h in header[:2]] != ["user", "item"]:
            raise TopicmfError(f"{pairs}: the first line must be the header user,item")
        users, items = [], []
        for line, fields in enumerate(reader, 2):
            if not fields:
                continue
            if len(fields) < 2:
                raise TopicmfError(f"{pairs}:{line}: expected user,item")
            users.append(fields[0].strip())
            items.append(fields[1].strip())
    finally:
        if source is not sys.stdin:
            source.close()
    from ..report.ratings import csv_text

    predictions = model.predict(users, items)
    if model.item_titles is None:
        click.echo(csv_text(("user", "item", "prediction"), zip(users, items, predictions)), nl=False)
    else:
        titles = [model.item_title(item) or "" for item in items]
        click.echo(csv_text(("user", "item", "prediction", "title"), zip(users, items, predictions, titles)), nl=False)


def _open_text(path: str):
    try:
        return open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise TopicmfError(f"{path}: {exc.strerror}") from None


def _given_items(text: str) -> dict:
    """``"Пила=5,1+1"`` → {"Пила": 5.0, "1+1": None}; items are separated by commas (quote with CSV rules)."""
    given = {}
    for field in next(csv.reader([text]), []):
        field = field.strip()
        if not field:
            continue
        name, sep, value = field.rpartition("=")
        if not sep:
            name, value = field, None
        else:
            try:
                value = float(value)
            except ValueError:
                name, value = field, None  # an '=' inside the item's name
        given[name.strip()] = value
    return given


@main.command("suggest")
@click.argument("directory", metavar="DIR")
@click.option("--user", default=None, help="A user of the saved model.")
@click.option("--items", default=None, metavar="ITEM[=VALUE],…",
              help="A user not in the model, given by items (ids, or titles when the run had --items; "
                   "comma-separated; a value after '=', else the top rating seen, or one interaction).")
@click.option("-n", "--top", "top", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--include-known", is_flag=True, help="Do not leave out the user's known items.")
@friendly
def suggest_command(directory: str, user, items, top: int, include_known: bool) -> None:
    """Print the recommendations of one user, from the model saved in DIR (CSV: rank,item,score, and title when the
    run was given --items).

    \b
    Examples:
      topicmf suggest reports/ratings_lecture --user Вова
      topicmf suggest reports/ratings_lecture --items "Пила=5,Улица Вязов=4"
      topicmf suggest reports/purchases_lecture --items "iPhone 6s"
    """
    if (user is None) == (items is None):
        raise click.UsageError("give either --user or --items")
    model = _load(directory)
    if user is not None:
        recs = model.recommend(user, top, exclude_known=not include_known)
    else:
        recs = model.recommend_new(_given_items(items), top, exclude_known=not include_known)
    from ..report.ratings import csv_text

    if model.item_titles is None:
        rows = ((r, item, score) for r, (item, score) in enumerate(recs, 1))
        click.echo(csv_text(("rank", "item", "score"), rows), nl=False)
    else:
        rows = ((r, item, score, model.item_title(item) or "") for r, (item, score) in enumerate(recs, 1))
        click.echo(csv_text(("rank", "item", "score", "title"), rows), nl=False)
