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
from dataclasses import dataclass, replace

import numpy as np

from ..errors import TopicmfError

__all__ = ["TimeBins", "BinPlan", "parse_times", "make_bins", "time_summary", "merge_time_summaries", "plan_bins",
           "bin_index", "used_bins", "AUTO_BINS", "BIN_UNITS"]

AUTO_BINS = 40
AUTO_NUMBER_BINS = 20
MIXED_KINDS = "the time column mixes dates and plain numbers; give one kind"
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
        raise TopicmfError(MIXED_KINDS)
    if dates:
        return np.array(dates, dtype="datetime64[s]"), "date"
    return np.array(numbers, dtype=np.float64), "number"


def time_summary(times: np.ndarray, kind: str) -> dict:
    """What the bins of ``times`` depend on: their first and last month (dates), their smallest and largest value
    and up to :data:`AUTO_NUMBER_BINS` distinct values.  Summaries of a corpus's parts combine
    (:func:`merge_time_summaries`), so a cluster's blocks bin their own documents."""
    values = _values(times, kind)
    distinct = np.unique(times)[:AUTO_NUMBER_BINS]
    out = {"kind": kind, "lo": float(values.min()), "hi": float(values.max()), "distinct": distinct}
    if kind == "date":
        months = times.astype("datetime64[M]").astype(np.int64)
        out["months"] = (int(months.min()), int(months.max()))
    return out


def merge_time_summaries(parts: list) -> dict:
    """One summary of the parts' (in corpus order; parts without documents are None); a TopicmfError when one
    part holds dates and another plain numbers."""
    parts = [p for p in parts if p is not None]
    if len({p["kind"] for p in parts}) > 1:
        raise TopicmfError(MIXED_KINDS)
    out = {"kind": parts[0]["kind"], "lo": min(p["lo"] for p in parts), "hi": max(p["hi"] for p in parts),
           "distinct": np.unique(np.concatenate([p["distinct"] for p in parts]))[:AUTO_NUMBER_BINS]}
    if "months" in parts[0]:
        out["months"] = (min(p["months"][0] for p in parts), max(p["months"][1] for p in parts))
    return out


@dataclass(frozen=True)
class BinPlan:
    """Every bin between the first and last time (used or not): how a time finds its bin, and the bins' texts."""

    unit: str
    kind: str
    first: float  # calendar: the first bin's month key; equal width: the smallest value
    step: float  # calendar: months per bin; equal width: the width
    n: int
    names: list
    starts: list
    ends: list


def plan_bins(summary: dict, how: str | int = "auto") -> BinPlan:
    """The bins of the times ``summary`` describes (see the module's docstring)."""
    kind = summary["kind"]
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
            plan = _calendar(summary["months"], unit)
            if how != "auto" or plan.n <= AUTO_BINS:
                return plan
        how = AUTO_BINS
    if how == "auto":
        how = int(min(AUTO_NUMBER_BINS, summary["distinct"].size))
    return _equal(summary["lo"], summary["hi"], kind, int(how))


def bin_index(times: np.ndarray, plan: BinPlan) -> np.ndarray:
    """Each time's bin among all the plan's bins."""
    if plan.unit in ("month", "quarter", "year"):
        step = int(plan.step)
        key = (times.astype("datetime64[M]").astype(np.int64) // step) * step
        return ((key - int(plan.first)) // step).astype(np.int64)
    return np.minimum(((_values(times, plan.kind) - plan.first) // plan.step).astype(np.int64), plan.n - 1)


def used_bins(plan: BinPlan, counts: np.ndarray) -> tuple[np.ndarray, TimeBins]:
    """(renumbering, bins): the bins with documents in them (``counts``: documents per bin of the plan),
    renumbered in order — ``renumbering[i]`` is bin i's new number (−1 when unused); the bins' ``index`` is
    left empty for the caller to fill."""
    used = np.flatnonzero(np.asarray(counts) > 0)
    new = np.full(plan.n, -1, dtype=np.int64)
    new[used] = np.arange(used.size)
    pick = used.tolist()
    return new, TimeBins(np.zeros(0, np.int64), [plan.names[i] for i in pick], [plan.starts[i] for i in pick],
                         [plan.ends[i] for i in pick], plan.unit, plan.kind)


def make_bins(times: np.ndarray, kind: str, how: str | int = "auto") -> TimeBins:
    """The bins of ``times`` (see the module's docstring): the bins with documents, each document's bin."""
    plan = plan_bins(time_summary(times, kind), how)
    index = bin_index(times, plan)
    new, bins = used_bins(plan, np.bincount(index, minlength=plan.n))
    return replace(bins, index=new[index])


def _values(times: np.ndarray, kind: str) -> np.ndarray:
    return times.astype("datetime64[s]").astype(np.int64).astype(np.float64) if kind == "date" else times


def _calendar(months: tuple, unit: str) -> BinPlan:
    step = {"month": 1, "quarter": 3, "year": 12}[unit]
    first, last = (months[0] // step) * step, (months[1] // step) * step
    edges = np.arange(first, last + step + 1, step)
    names, starts, ends = [], [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        y, m = divmod(int(lo), 12)
        year, month = 1970 + y, m + 1
        names.append(f"{year}" if unit == "year" else f"{year}-Q{(month - 1) // 3 + 1}" if unit == "quarter"
                     else f"{year}-{month:02d}")
        starts.append(str(np.datetime64(int(lo), "M").astype("datetime64[D]")))
        ends.append(str(np.datetime64(int(hi), "M").astype("datetime64[D]")))
    return BinPlan(unit, "date", first, step, len(names), names, starts, ends)


def _equal(lo: float, hi: float, kind: str, n: int) -> BinPlan:
    width = (hi - lo) / n if hi > lo else 1.0
    edges = [lo + i * width for i in range(n + 1)]

    def show(x):
        return str(np.datetime64(int(round(x)), "s")) if kind == "date" else f"{x:g}"

    names = [f"{show(a)} – {show(b)}" for a, b in zip(edges[:-1], edges[1:])]
    return BinPlan(str(n), kind, lo, width, n, names, [show(a) for a in edges[:-1]], [show(b) for b in edges[1:]])
