"""Names of items and users: a table keyed by id with a title (and any other columns), read as it comes.

``topicmf recommend --items FILE`` (and ``--users FILE``; ``Recommender(items=…)`` in Python) takes
a CSV, TSV or recbole ``.item`` / ``.user`` file, or a DataFrame.  The id column is the one named
like an id (``item_id``, ``movie_id``…; ``user_id``… for users; a recbole ``:token`` suffix is
ignored) or else the first; the title column one named like a title (``title``, ``name``,
``movie_title``…) or else the next.  Ids the model has and the table lacks are counted and shown
by id; the titles are kept beside the ids in the model (:attr:`RatingModel.item_titles`).
"""

from __future__ import annotations

import csv
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..corpus.tables import sniff_encoding
from ..errors import CorpusError, TopicmfWarning
from .reading import ITEM_NAMES, USER_NAMES, delimiter_of, find_column

__all__ = ["Names", "read_names", "frame_names", "TITLE_NAMES"]

#: Column names taken for the title when none is named (compared lowercased, a ``:type`` suffix dropped).
TITLE_NAMES = ("title", "name", "movie_title", "item_name", "product_name", "user_name", "display_name", "label")


@dataclass(frozen=True)
class Names:
    """Titles by id (``titles``) and the table's other columns by id (``extra``: {id: {column: value}})."""

    source: str
    id_column: str
    title_column: str
    titles: dict
    extra: dict
    columns: tuple

    def aligned(self, ids, what: str) -> tuple:
        """The titles of ``ids`` in order (None where the table has none); warns of the ids it lacks."""
        titles = tuple(self.titles.get(i) or None for i in ids)
        missing = [i for i, t in zip(ids, titles) if t is None]
        if missing:
            examples = ", ".join(repr(m) for m in missing[:5])
            warnings.warn(f"{self.source}: {len(missing):,} of the {len(titles):,} {what} have no title (e.g. "
                          f"{examples}); they are shown by id", TopicmfWarning, stacklevel=3)
        return titles

    def report(self, ids, titles) -> dict:
        """What the manifest records: the table, its columns, how many of ``ids`` it titles (``titles``: as
        :meth:`aligned` gave them), examples of those it lacks."""
        missing = [i for i, t in zip(ids, titles) if t is None]
        return {"source": self.source, "id_column": self.id_column, "title_column": self.title_column,
                "titled": len(ids) - len(missing), "missing": len(missing), "missing_examples": missing[:10]}


def _choose(header: list[str], id_names: tuple, path, id_column=None, title_column=None) -> tuple[int, int]:
    if len(header) < 2:
        raise CorpusError(f"{path}: a table of names needs an id column and a title column; found "
                          f"{', '.join(header) or 'none'}")
    key = find_column(header, id_column, id_names, "ids", path)
    key = 0 if key is None else key
    title = find_column(header, title_column, TITLE_NAMES, "titles", path)
    if title is None or title == key:
        title = next(n for n in range(len(header)) if n != key)
    return key, title


def _label(name: str) -> str:
    """A column's name without a recbole ``:type`` suffix."""
    return name.split(":")[0].strip()


def read_names(path, what: str = "items", *, id_column: str | None = None, title_column: str | None = None) -> Names:
    """Read a table of names (see the module docstring); ``what`` is "items" or "users"."""
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"{path}: no such file")
    encoding = sniff_encoding(str(path)) or "utf-8-sig"
    with open(path, encoding=encoding, newline="") as fh:
        first = fh.readline()
        if not first.strip():
            raise CorpusError(f"{path} is empty: expected a header and a row per {what[:-1]}")
        delimiter = delimiter_of(path, first.rstrip("\r\n"))
        fh.seek(0)
        if delimiter == ",":
            rows = csv.reader(fh)
        else:
            rows = (line.rstrip("\r\n").split(delimiter) for line in fh)
        header = [h.strip() for h in next(rows)]
        key, title = _choose(header, ITEM_NAMES if what == "items" else USER_NAMES, path, id_column, title_column)
        return _collect(str(path), header, rows, key, title)


def frame_names(frame, what: str = "items", *, id_column: str | None = None, title_column: str | None = None) -> Names:
    """:class:`Names` from a pandas DataFrame (its index is the id when no id column is found and it is named)."""
    if frame.index.name is not None and (id_column is None or id_column == frame.index.name):
        frame = frame.reset_index()
    header = [str(c) for c in frame.columns]
    key, title = _choose(header, ITEM_NAMES if what == "items" else USER_NAMES, "the DataFrame", id_column, title_column)
    rows = ([_cell(v) for v in row] for row in frame.itertuples(index=False, name=None))
    return _collect("the DataFrame", header, rows, key, title)


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if hasattr(value, "item"):
        value = value.item()
    return str(value)


def _collect(source: str, header: list[str], rows, key: int, title: int) -> Names:
    titles, extra = {}, {}
    others = [n for n in range(len(header)) if n not in (key, title)]
    for line, fields in enumerate(rows, 2):
        if not fields or not any(f.strip() for f in fields):
            continue
        if len(fields) <= max(key, title):
            raise CorpusError(f"{source}:{line}: {len(fields)} fields, expected at least {max(key, title) + 1}")
        ident = fields[key].strip()
        if not ident:
            raise CorpusError(f"{source}:{line}: an empty id")
        if ident in titles:
            raise CorpusError(f"{source}:{line}: the id {ident!r} appears twice")
        titles[ident] = fields[title].strip()
        extra[ident] = {_label(header[n]): fields[n].strip() for n in others if n < len(fields)}
    if not titles:
        raise CorpusError(f"{source} holds no names (a header, then a row per id)")
    return Names(source, _label(header[key]), _label(header[title]), titles, extra,
                 tuple(_label(header[n]) for n in others))
