"""Ratings already in memory: a DataFrame (long, or wide as a wide file is) or (user, item[, rating[, time]]) tuples.

They are assembled exactly as a file's rows are (:func:`topicmf.ratings.reading.assemble_cells`): ids as
text in order of appearance, the last of duplicate pairs kept, so a fit from Python and ``topicmf
recommend`` on the same table agree.
"""

from __future__ import annotations

import itertools

from ..errors import CorpusError
from .reading import (ITEM_NAMES, RATING_NAMES, TIME_NAMES, USER_NAMES, Cells, Ratings, assemble_cells, find_column,
                      no_column, parse_number)

__all__ = ["ratings_in_memory", "MEMORY_SOURCE"]

#: What rating data in memory is called where a file's path would be (messages, the manifest).
MEMORY_SOURCE = "<ratings>"


def ratings_in_memory(data, *, user_column: str | None = None, item_column: str | None = None,
                      rating_column: str | None = None, time_column: str | None = None) -> Ratings:
    """:class:`Ratings` from a DataFrame (its columns found as a file's are) or an iterable of (user, item[, rating[,
    time]]) tuples, assembled as a long table's rows are: ids as text in order of appearance, the last of duplicate
    pairs kept."""
    cells = Cells()
    source = MEMORY_SOURCE
    if hasattr(data, "columns"):  # a pandas DataFrame
        header = [str(c) for c in data.columns]
        u = find_column(header, user_column, USER_NAMES, "users", "the DataFrame")
        i = find_column(header, item_column, ITEM_NAMES, "items", "the DataFrame")
        if i is None and item_column is None and rating_column is None and len(header) > 1:
            return _wide_frame(data, header)
        if u is None or i is None:
            raise CorpusError(f"the DataFrame has no {'users' if u is None else 'items'} column (columns: "
                              f"{', '.join(header)}); name it with {'user' if u is None else 'item'}_column=")
        r = None if no_column(rating_column) else find_column(header, rating_column, RATING_NAMES, "ratings",
                                                          "the DataFrame")
        t = find_column(header, time_column, TIME_NAMES, "times", "the DataFrame")
        columns = [data.iloc[:, c].tolist() if c is not None else None for c in (u, i, r, t)]
        names = {"user": header[u], "item": header[i], "rating": header[r] if r is not None else None,
                 "time": header[t] if t is not None else None}
        rows = zip(*(c if c is not None else itertools.repeat(None) for c in columns))
        width, has_rating, has_time = 4, r is not None, t is not None
    else:
        if isinstance(data, (str, bytes)) or not hasattr(data, "__iter__"):
            raise CorpusError(f"give ratings as a DataFrame or (user, item[, rating]) tuples, not a {type(data).__name__}")
        rows, width, has_rating, has_time = iter(data), None, None, False
        names = {"user": "user", "item": "item", "rating": None, "time": None}
    for line, row in enumerate(rows, 1):
        if isinstance(row, (str, bytes)) or not hasattr(row, "__len__") or not 2 <= len(row) <= 4:
            raise CorpusError(f"rating {line} is {row!r}: give (user, item[, rating[, time]]) tuples")
        if width is None:  # the first tuple says which fields every one has
            width, has_rating, has_time = len(row), len(row) >= 3, len(row) == 4
            names.update(rating="rating" if has_rating else None, time="time" if has_time else None)
        elif len(row) != width:
            raise CorpusError(f"rating {line} has {len(row)} fields, the first had {width}")
        cells.users.append(_id(row[0], line, "user"))
        cells.items.append(_id(row[1], line, "item"))
        if has_rating:
            cells.texts.append(parse_number(row[2], source, line, "rating"))
        if has_time:
            cells.times.append(str(row[3]))
        cells.lines.append(line)
    cells.what = itertools.repeat("rating")
    return assemble_cells(source, cells, {"format": "memory", "columns": names})


def _wide_frame(frame, header: list[str]) -> Ratings:
    """A wide DataFrame as a wide file is read: a row per user (named by the first column), the items as the other
    columns, a missing value (NaN, None) unknown."""
    cells = Cells()
    items = header[1:]
    if len(set(items)) != len(items):
        raise CorpusError("the DataFrame names an item twice (a wide table's columns are its items)")
    for line, row in enumerate(frame.itertuples(index=False, name=None), 1):
        user = _id(row[0], line, "user")
        for item, value in zip(items, row[1:]):
            if value is None or (isinstance(value, float) and value != value) or (isinstance(value, str)
                                                                                  and not value.strip()):
                continue
            cells.users.append(user)
            cells.items.append(item)
            cells.texts.append(parse_number(value, MEMORY_SOURCE, line, f"rating of {item!r}"))
            cells.lines.append(line)
    cells.what = itertools.repeat("rating")
    return assemble_cells(MEMORY_SOURCE, cells, {"format": "wide", "columns": {"user": header[0]}, "header_items": items})


def _id(value, line: int, what: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        raise CorpusError(f"rating {line} has no {what}")
    text = str(value.item() if hasattr(value, "item") else value).strip()
    if not text:
        raise CorpusError(f"rating {line} has an empty {what}")
    return text
