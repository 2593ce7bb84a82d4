"""Documents' times, read from a table's time column, and the bins topics over time are counted in.

Values may be ISO dates (``2024-03-15``, ``2024-03-15T10:20:00Z``, ``2024-03``), years (``1999``)
or plain numbers; a column mixes neither kinds nor missing values: the first value that is not
one is an error naming its document.  Bins: ``year``, ``quarter``, ``month`` (dates), ``N``
equal-width bins, or ``auto`` — the finest calendar unit that gives at most :data:`AUTO_BINS`
bins, else ``AUTO_BINS`` equal-width ones (numbers: at most 20).  Bins no document falls in are
left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..errors import TopicmfError

__all__ = ["TimeBins", "parse_times", "make_bins", "AUTO_BINS", "BIN_UNITS"]

AUTO_BINS = 40
BIN_UNITS = ("auto", "year", "quarter", "month")
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
                   r"(Z|[+-]\d{2}:?\d{2})?)?)?)?$")


@dataclass(frozen=True)
class TimeBins:
    """Each document's bin (``index``), and per bin its name, start and end (end exclusive), as text."""

    index: np.ndarray
    names: list
    starts: list
    ends: list
    unit: str
    kind: str  # "date" or "number"


def _date(text: str) -> np.datetime64 | None:
    m = _DATE.match(text)
    if not m:
        return None
    year, month, day, hour, minute, second, zone = m.groups()
    try:
        value = np.datetime64(f"{year}-{int(month or 1):02d}-{int(day or 1):02d}T{int(hour or 0):02d}:"
                              f"{int(minute or 0):02d}:{int(second or 0):02d}", "s")
    except ValueError:
        return None
    if zone and zone != "Z":  # to UTC
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        value -= np.timedelta64(sign * (int(digits[:2]) * 60 + int(digits[2:])), "m")
    return value


def parse_times(values, doc_ids) -> tuple[np.ndarray, str]:
    """The values as datetime64[s] ("date") or float64 ("number"); TopicmfError naming the first bad one."""
    dates, numbers = [], []
    for value, doc in zip(values, doc_ids):
        text = "" if value is None else str(value).strip()
        when = _date(text) if text else None
        if when is not None and (len(text) > 4 or 1000 <= int(text) <= 2999):
            dates.append(when)
            continue
        try:
            number = float(text)
        except ValueError:
            number = float("nan")
        if not np.isfinite(number):
            raise TopicmfError(f"document {doc!r}: time {text!r} is neither a date (YYYY-MM-DD), a year nor a "
                               "number" if text else f"document {doc!r} has no time value")
        numbers.append(number)
    if dates and numbers:
        raise TopicmfError("the time column mixes dates and plain numbers; give one kind")
    if dates:
        return np.array(dates, dtype="datetime64[s]"), "date"
    return np.array(numbers, dtype=np.float64), "number"


def make_bins(times: np.ndarray, kind: str, how: str | int = "auto") -> TimeBins:
    """The bins of ``times`` (see the module's docstring)."""
    if isinstance(how, str) and how.isdigit():
        how = int(how)
    if isinstance(how, str) and how not in BIN_UNITS:
        raise TopicmfError(f"time bins must be auto, year, quarter, month or a number of bins; got {how!r}")
    if isinstance(how, (int, np.integer)) and how < 1:
        raise TopicmfError(f"the number of time bins must be at least 1; got {how}")
    if kind == "number" and how in ("year", "quarter", "month"):
        raise TopicmfError(f"{how} bins need dates; the time column holds plain numbers (give a number of bins)")
    if kind == "date" and isinstance(how, str):
        units = ("month", "quarter", "year") if how == "auto" else (how,)
        for unit in units:
            index, names, starts, ends = _calendar(times, unit)
            if how != "auto" or len(names) <= AUTO_BINS:
                return _used(TimeBins(index, names, starts, ends, unit, kind))
        how = AUTO_BINS
    if how == "auto":
        how = int(min(20, np.unique(times).size))
    return _used(_equal(times, kind, int(how)))


def _calendar(times, unit: str):
    months = times.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    step = {"month": 1, "quarter": 3, "year": 12}[unit]
    key = (months // step) * step
    first, last = key.min(), key.max()
    edges = np.arange(first, last + step + 1, step)
    index = ((key - first) // step).astype(np.int64)
    names, starts, ends = [], [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        y, m = divmod(int(lo), 12)
        year, month = 1970 + y, m + 1
        names.append(f"{year}" if unit == "year" else f"{year}-Q{(month - 1) // 3 + 1}" if unit == "quarter"
                     else f"{year}-{month:02d}")
        starts.append(str(np.datetime64(int(lo), "M").astype("datetime64[D]")))
        ends.append(str(np.datetime64(int(hi), "M").astype("datetime64[D]")))
    return index, names, starts, ends


def _equal(times, kind: str, n: int) -> TimeBins:
    values = times.astype("datetime64[s]").astype(np.int64).astype(np.float64) if kind == "date" else times
    lo, hi = float(values.min()), float(values.max())
    width = (hi - lo) / n if hi > lo else 1.0
    index = np.minimum(((values - lo) // width).astype(np.int64), n - 1)
    edges = [lo + i * width for i in range(n + 1)]

    def show(x):
        return str(np.datetime64(int(round(x)), "s")) if kind == "date" else f"{x:g}"

    names = [f"{show(a)} – {show(b)}" for a, b in zip(edges[:-1], edges[1:])]
    return TimeBins(index, names, [show(a) for a in edges[:-1]], [show(b) for b in edges[1:]], str(n), kind)


def _used(bins: TimeBins) -> TimeBins:
    """The bins with documents in them, renumbered in order."""
    used = np.unique(bins.index)
    new = np.full(len(bins.names), -1, dtype=np.int64)
    new[used] = np.arange(used.size)
    pick = used.tolist()
    return TimeBins(new[bins.index], [bins.names[i] for i in pick], [bins.starts[i] for i in pick],
                    [bins.ends[i] for i in pick], bins.unit, bins.kind)
