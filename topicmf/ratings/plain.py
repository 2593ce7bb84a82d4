"""Plain rating tables read at compiled speed: fields found, ids numbered and ratings parsed on the bytes.

Most rating logs are plain: one record a line, a one-byte delimiter, no quotes, ids and numbers
written simply.  Such a file is read here straight from its bytes (memory-mapped): one compiled
pass finds the fields of every line and parses the ratings, a hash table numbers the users and the
items in order of first appearance (comparing their bytes, so two ids are never confused), and only
the distinct ids become Python strings (times too, unless they are all whole numbers, kept as int64).
The last of a repeated (user, item) pair is found row by row (:func:`last_cells`, used for every
table), without sorting all the cells.  Measured on this 2-core machine: 5·10⁶ rows in 3.3–4.0 s
(1.2–1.5 million rows a second), against 20 s for the row reader (reports/benchmarks.md, "Issue 27").

Anything else — a quote, a NUL byte, a blank line, a short row, an empty id, a field that Unicode
whitespace may end, a rating that is not a plain decimal — returns None, and the row reader
(:mod:`topicmf.ratings.reading`) reads the file with its exact rules and its line-numbered errors.
The results are the same either way — matrix, ids, warnings, times (whole-number times as int64 here,
as their text there) — tests/test_ratings_reading.py compares them.
"""

from __future__ import annotations

import os

import numba
import numpy as np

__all__ = ["plain_cells"]

_NOT_PLAIN = -1


@numba.njit(cache=True, nogil=True)
def _trim(buf, s, e, utf8):
    """[s, e) without the whitespace str.strip removes; (-1, -1) when Unicode whitespace may end it (the row
    reader's business: U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 in
    UTF-8; any byte past ASCII at either end in another encoding)."""
    while s < e and (buf[s] == 32 or 9 <= buf[s] <= 13 or 28 <= buf[s] <= 31):
        s += 1
    while e > s and (buf[e - 1] == 32 or 9 <= buf[e - 1] <= 13 or 28 <= buf[e - 1] <= 31):
        e -= 1
    if s == e or (buf[s] < 128 and buf[e - 1] < 128):
        return s, e
    if not utf8:
        return -1, -1
    if buf[s] == 0xC2 or 0xE1 <= buf[s] <= 0xE3:  # the lead bytes of every Unicode space
        if _space(buf, s, e):
            return -1, -1
    for width in (2, 3):  # a space that ends the field
        if e - s >= width and _space(buf, e - width, e):
            return -1, -1
    return s, e


@numba.njit(cache=True, nogil=True)
def _space(buf, s, e):
    """Whether the UTF-8 character at s (within [s, e)) is one of the Unicode spaces str.strip removes."""
    a = buf[s]
    b = buf[s + 1] if s + 1 < e else 0
    c = buf[s + 2] if s + 2 < e else 0
    if a == 0xC2:
        return b == 0x85 or b == 0xA0
    if a == 0xE1:
        return b == 0x9A and c == 0x80
    if a == 0xE2:
        return (b == 0x80 and (0x80 <= c <= 0x8A or c == 0xA8 or c == 0xA9 or c == 0xAF)) or (b == 0x81 and c == 0x9F)
    if a == 0xE3:
        return b == 0x80 and c == 0x80
    return False


@numba.njit(cache=True, nogil=True)
def _decimal(buf, s, e):
    """The value of a plain decimal ([+-]digits[.digits], at most 15 digits) exactly as float() gives it, or NaN."""
    if s >= e:
        return np.nan
    sign = 1.0
    if buf[s] == 43 or buf[s] == 45:
        sign = -1.0 if buf[s] == 45 else 1.0
        s += 1
    mantissa, digits, scale, dot = 0, 0, 0, False
    for p in range(s, e):
        c = buf[p]
        if 48 <= c <= 57:
            mantissa = mantissa * 10 + (c - 48)
            digits += 1
            if dot:
                scale += 1
        elif c == 46 and not dot:
            dot = True
        else:
            return np.nan
    if digits == 0 or digits > 15:
        return np.nan
    # m < 10^15 < 2^53 and 10^scale (scale ≤ 15) are exact, so one division rounds correctly, as float() does
    return sign * (mantissa / 10.0 ** scale)


@numba.njit(cache=True, nogil=True)
def _lines(buf):
    n = 0
    for c in buf:
        n += c == 10
    return n + 1


@numba.njit(cache=True, nogil=True)
def _scan(buf, delimiter, u, i, r, t, n_max, utf8):
    """Per row: the user's and item's byte ranges, the rating, the time's range; (-1 rows) when not plain."""
    starts = np.empty((3, n_max), np.int64)
    ends = np.empty((3, n_max), np.int64)
    values = np.ones(n_max)
    width = max(max(u, i), max(r, t)) + 1
    n, pos, size = 0, 0, len(buf)
    while pos < size:
        field, begin, p = 0, pos, pos
        while True:
            c = buf[p] if p < size else 10
            if c == 34 or c == 0:
                return _NOT_PLAIN, starts, ends, values
            if c == delimiter or c == 10:
                if field == u or field == i or field == t:
                    s, e = _trim(buf, begin, p, utf8)
                    if s < 0 or (s == e and field != t):
                        return _NOT_PLAIN, starts, ends, values
                    slot = 0 if field == u else 1 if field == i else 2
                    starts[slot, n] = s
                    ends[slot, n] = e
                if field == r:
                    s, e = _trim(buf, begin, p, utf8)
                    value = _decimal(buf, s, e) if s >= 0 else np.nan
                    if value != value:
                        return _NOT_PLAIN, starts, ends, values
                    values[n] = value
                field += 1
                begin = p + 1
                if c == 10:
                    break
            p += 1
        if field < width:
            return _NOT_PLAIN, starts, ends, values
        n += 1
        pos = p + 1
    return n, starts, ends, values


@numba.njit(cache=True, nogil=True)
def _same(buf, s1, e1, s2, e2):
    if e1 - s1 != e2 - s2:
        return False
    for k in range(e1 - s1):
        if buf[s1 + k] != buf[s2 + k]:
            return False
    return True


@numba.njit(cache=True, nogil=True)
def _hash(buf, s, e):
    h = np.uint64(14695981039346656037)
    for p in range(s, e):
        h = (h ^ np.uint64(buf[p])) * np.uint64(1099511628211)
    return h


@numba.njit(cache=True, nogil=True)
def _number(buf, starts, ends, n):
    """Codes of the ids in rows [0, n) in order of first appearance, and the row where each first appears."""
    size = 1 << 16
    table = np.full(size, -1, np.int64)
    hashes = np.empty(n, np.uint64)
    first = np.empty(n, np.int64)
    codes = np.empty(n, np.int64)
    count = 0
    for row in range(n):
        s, e = starts[row], ends[row]
        h = _hash(buf, s, e)
        slot = np.int64(h & np.uint64(size - 1))
        while True:
            k = table[slot]
            if k < 0:
                table[slot] = count
                hashes[count] = h
                first[count] = row
                codes[row] = count
                count += 1
                break
            if hashes[k] == h and _same(buf, s, e, starts[first[k]], ends[first[k]]):
                codes[row] = k
                break
            slot = (slot + 1) & (size - 1)
        if 2 * count > size:  # keep the table at most half full
            size *= 2
            table = np.full(size, -1, np.int64)
            for k in range(count):
                slot = np.int64(hashes[k] & np.uint64(size - 1))
                while table[slot] >= 0:
                    slot = (slot + 1) & (size - 1)
                table[slot] = k
    return codes, first[:count]


@numba.njit(cache=True, nogil=True)
def _gather(buf, starts, ends, rows):
    """The bytes of the given rows' fields, each followed by a line end."""
    total = 0
    for row in rows:
        total += ends[row] - starts[row] + 1
    out = np.empty(total, np.uint8)
    at = 0
    for row in rows:
        for p in range(starts[row], ends[row]):
            out[at] = buf[p]
            at += 1
        out[at] = 10
        at += 1
    return out


def _texts(buf, starts, ends, rows, encoding: str) -> list[str]:
    """The fields of ``rows`` as strings (a field holds no line end, so one decode and one split do them all)."""
    if not len(rows):
        return []
    return _gather(buf, starts, ends, np.asarray(rows, np.int64)).tobytes().decode(encoding).split("\n")[:-1]


class PlainCells:
    """The cells of a plain table, kept as byte ranges of the mapped file until they are needed."""

    def __init__(self, buf, n, starts, ends, values, has_rating, has_time, first_line, encoding):
        self.buf, self.n, self.starts, self.ends = buf, n, starts, ends
        self.rated = values if has_rating else None
        self.has_time = has_time
        self.lines = range(first_line, first_line + n)
        self.encoding = encoding
        self.what = None

    def __len__(self) -> int:
        return self.n

    def values(self, path, what) -> np.ndarray:
        return np.ones(self.n) if self.rated is None else self.rated

    def codes(self, header_items=None):
        """(user codes, user ids, item codes, item ids), ids in order of first appearance."""
        out = []
        for slot in (0, 1):
            s, e = self.starts[slot], self.ends[slot]
            codes, first = _number(self.buf, s, e, self.n)
            out += [codes, _texts(self.buf, s, e, first, self.encoding)]
        return tuple(out)

    def time_values(self, rows) -> np.ndarray:
        """The times of the given cells: whole numbers (Unix times) as int64 when every one is, else strings.

        The numbers are parsed in file order and then picked (picking the bytes in the cells' order, which
        is random, took twenty times as long)."""
        numbers, whole = _integers(self.buf, self.starts[2], self.ends[2])
        if whole:
            return numbers[rows]
        return np.array(_texts(self.buf, self.starts[2], self.ends[2], np.sort(rows), self.encoding),
                        dtype=object)[np.argsort(np.argsort(rows))]


@numba.njit(cache=True, nogil=True)
def _integers(buf, starts, ends):
    """The fields as int64, and whether each is a plain whole number of at most 18 digits."""
    out = np.empty(len(starts), np.int64)
    for k in range(len(starts)):
        s, e = starts[k], ends[k]
        negative = s < e and buf[s] == 45
        if negative:
            s += 1
        if s >= e or e - s > 18:
            return out, False
        value = 0
        for p in range(s, e):
            c = buf[p]
            if c < 48 or c > 57:
                return out, False
            value = value * 10 + (c - 48)
        out[k] = -value if negative else value
    return out, True


def plain_cells(path, encoding: str, skip: int, index, delimiter: str, progress=None) -> PlainCells | None:
    """The cells of the long table at ``path`` after its first ``skip`` lines, with the (user, item, rating, time)
    column ``index`` and the ``delimiter`` the row reader chose — or None when the table is not plain (see the
    module's docstring)."""
    if len(delimiter) != 1 or not delimiter.isascii():
        return None  # MovieLens' "::"
    u, i, r, t = (-2 if c is None else c for c in index)
    mapped = np.memmap(path, np.uint8, mode="r") if os.path.getsize(path) else np.zeros(0, np.uint8)
    start = 0
    for _ in range(skip):
        found = _line_end(mapped, start)
        if found < 0:
            return None
        start = found + 1
    if start == 0 and bytes(mapped[:3]) == b"\xef\xbb\xbf":
        start = 3  # a BOM before the first record
    buf = mapped[start:]
    if not len(buf):
        return None  # nothing to read: the row reader says what it finds
    n, starts, ends, values = _scan(buf, ord(delimiter), u, i, r, t, _lines(buf), encoding.startswith("utf-8"))
    if n <= 0:
        return None
    if progress is not None:
        progress(n)
    return PlainCells(buf, n, starts[:, :n], ends[:, :n], values[:n], r >= 0, t >= 0, skip + 1,
                      encoding.replace("-sig", ""))


@numba.njit(cache=True, nogil=True)
def _line_end(buf, start):
    """The position of the first line end at or after ``start``, or -1."""
    for p in range(start, len(buf)):
        if buf[p] == 10:
            return p
    return -1


@numba.njit(cache=True, nogil=True)
def last_cells(rows, cols, n_users, n_items):
    """The CSR structure of the cells (rows[k], cols[k]) keeping the last of each repeated pair, without a global sort.

    Returns ``(indptr, indices, source, duplicates, first_replaced)``: ``source[m]`` is the cell stored at
    position m (columns sorted within each row), ``first_replaced`` the first cell a later one replaces
    (len(rows) when none is).
    """
    n = len(rows)
    starts = np.zeros(n_users + 1, np.int64)
    for r in rows:
        starts[r + 1] += 1
    for u in range(n_users):
        starts[u + 1] += starts[u]
    fill = starts[:-1].copy()
    order = np.empty(n, np.int64)  # cells by row, in file order within a row
    for k in range(n):
        order[fill[rows[k]]] = k
        fill[rows[k]] += 1
    seen = np.full(n_items, -1, np.int64)  # the last row that stored each column
    indptr = np.zeros(n_users + 1, np.int64)
    source = np.empty(n, np.int64)
    m, first_replaced = 0, n
    for u in range(n_users):
        begin = m
        for p in range(starts[u + 1] - 1, starts[u] - 1, -1):  # the last of a pair comes first
            k = order[p]
            c = cols[k]
            if seen[c] == u:
                first_replaced = min(first_replaced, k)
                continue
            seen[c] = u
            source[m] = k
            m += 1
        segment = source[begin:m].copy()
        source[begin:m] = segment[np.argsort(cols[segment])]
        indptr[u + 1] = m
    source = source[:m]
    return indptr, cols[source], source, n - m, first_replaced
