"""Fast text for large tables: numbers formatted by a compiled kernel, text cells made safe for spreadsheets.

``repr`` of 50 million floats (a million documents × 50 topics) takes half a
minute in Python; :func:`format_rows` writes the same numbers with a fixed
number of significant digits (as ``%.{digits}g`` does: fixed notation for
exponents from −4 to digits − 1, else scientific, trailing zeros dropped) in
a compiled loop, a block of rows at a time.

Text cells are untrusted corpus text.  :func:`cell` applies CSV quoting and
OWASP's rule against formula injection: a cell beginning with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a leading apostrophe, so a
spreadsheet shows it as text instead of evaluating it.  Numeric columns are
written as numbers and never changed.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..runfolder.tables import FORMULA_PREFIXES

__all__ = ["format_rows", "format_values", "cell", "FORMULA_PREFIXES"]

_QUOTE_IF = (",", '"', "\n", "\r")
_DIGIT = np.frombuffer(b"0123456789", dtype=np.uint8)


def cell(text) -> str:
    """A text value as one CSV cell: formula prefixes neutralised, quoted when it needs quotes."""
    text = "" if text is None else str(text)
    if text.startswith(FORMULA_PREFIXES):
        text = "'" + text
    if any(ch in text for ch in _QUOTE_IF):
        text = '"' + text.replace('"', '""') + '"'
    return text


@njit(cache=True)
def _put_int(buf, at, value):  # pragma: no cover - compiled
    """Write a non-negative integer's digits at ``at``; returns the new position."""
    if value == 0:
        buf[at] = 48
        return at + 1
    start = at
    while value > 0:
        buf[at] = 48 + value % 10
        value //= 10
        at += 1
    i, j = start, at - 1
    while i < j:
        buf[i], buf[j] = buf[j], buf[i]
        i += 1
        j -= 1
    return at


@njit(cache=True)
def _scaled(x, p):  # pragma: no cover - compiled
    """round(x · 10^p) as an integer, in two steps where 10^p alone would overflow (subnormal x)."""
    if p > 300:
        return int(np.round(x * 1e300 * 10.0 ** (p - 300)))
    return int(np.round(x * 10.0**p))


@njit(cache=True)
def _put_float(buf, at, x, digits):  # pragma: no cover - compiled
    """Write x like Python's ``format(x, f".{digits}g")`` (rounded through floating point); returns the new position."""
    if x != x:
        for ch in (110, 97, 110):  # nan
            buf[at] = ch
            at += 1
        return at
    if math.copysign(1.0, x) < 0:  # negative, or −0.0
        buf[at] = 45  # -
        at += 1
        x = -x
    if x == np.inf:
        for ch in (105, 110, 102):  # inf
            buf[at] = ch
            at += 1
        return at
    if x == 0.0:
        buf[at] = 48
        return at + 1
    e = int(np.floor(np.log10(x)))
    m = _scaled(x, digits - 1 - e)
    if m >= 10**digits:  # rounding carried into a new digit
        m //= 10
        e += 1
    elif m < 10 ** (digits - 1):  # log10 undershot by one
        e -= 1
        m = _scaled(x, digits - 1 - e)
    ds = np.empty(digits, np.uint8)
    for i in range(digits - 1, -1, -1):
        ds[i] = m % 10
        m //= 10
    last = digits - 1
    while last > 0 and ds[last] == 0:
        last -= 1
    if -4 <= e < digits:
        if e < 0:
            buf[at] = 48
            buf[at + 1] = 46
            at += 2
            for _ in range(-e - 1):
                buf[at] = 48
                at += 1
            for i in range(last + 1):
                buf[at] = 48 + ds[i]
                at += 1
        else:
            for i in range(e + 1):
                buf[at] = 48 + ds[i]
                at += 1
            if last > e:
                buf[at] = 46
                at += 1
                for i in range(e + 1, last + 1):
                    buf[at] = 48 + ds[i]
                    at += 1
        return at
    buf[at] = 48 + ds[0]
    at += 1
    if last > 0:
        buf[at] = 46
        at += 1
        for i in range(1, last + 1):
            buf[at] = 48 + ds[i]
            at += 1
    buf[at] = 101  # e
    buf[at + 1] = 45 if e < 0 else 43
    at += 2
    e = -e if e < 0 else e
    if e < 10:
        buf[at] = 48
        at += 1
    return _put_int(buf, at, e)


@njit(cache=True)
def _format(A, digits, buf, ends):  # pragma: no cover - compiled
    at = 0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            if j:
                buf[at] = 44  # ,
                at += 1
            at = _put_float(buf, at, A[i, j], digits)
        ends[i] = at
    return at


def format_rows(A: np.ndarray, digits: int = 7) -> list[str]:
    """Each row of a 2-D float array as comma-separated numbers with ``digits`` significant digits."""
    A = np.ascontiguousarray(A, dtype=np.float64)
    if A.ndim != 2:
        raise ValueError("format_rows needs a 2-D array")
    buf = np.empty(A.shape[0] * A.shape[1] * (digits + 8) + 1, np.uint8)
    ends = np.empty(A.shape[0], np.int64)
    size = _format(A, digits, buf, ends)
    text = buf[:size].tobytes().decode("ascii")
    starts = np.concatenate([[0], ends[:-1]]).tolist()
    return [text[a:b] for a, b in zip(starts, ends.tolist())]


def format_values(values, digits: int = 7) -> list[str]:
    """A 1-D float array as a list of strings (see :func:`format_rows`)."""
    values = np.asarray(values, dtype=np.float64).reshape(-1, 1)
    return format_rows(values, digits)
