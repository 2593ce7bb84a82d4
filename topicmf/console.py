"""Terminal helpers for the command line: progress on stderr, warnings, option types.

Only :mod:`topicmf.cli` imports this; the library reports progress through
plain callbacks and problems through exceptions and warnings.
"""

from __future__ import annotations

import sys
import time
import warnings

import click

__all__ = ["Progress", "DocFraction", "show_warnings"]


class Progress:
    """A progress bar on stderr, shown once work has taken longer than ``delay`` seconds.

    On a terminal the bar redraws in place; elsewhere (logs, pipes) a line is
    written every ``every`` seconds while the stage runs and one when it
    ends.  With a total the line gives the rate and the time left at that
    rate; without one, the count and the rate.  ``quiet`` silences it.
    """

    def __init__(self, label: str, *, quiet: bool = False, delay: float = 1.0, stream=None, every: float = 30.0):
        self.label = label
        self.quiet = quiet
        self.delay = delay
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()
        self.last_draw = 0.0
        self.drawn = False
        self.done = 0
        self.total: int | None = None
        self.every = every
        self.last_line = self.started

    @property
    def _tty(self) -> bool:
        return hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, done: int, total: int | None = None) -> None:
        self.done, self.total = done, total
        now = time.perf_counter()
        if self.quiet or now - self.started < self.delay:
            return
        if not self._tty:
            if now - self.last_line >= self.every:
                self.last_line = now
                self.stream.write(self._line(now) + "\n")
                self.stream.flush()
            return
        if now - self.last_draw < 0.1:
            return
        self.last_draw = now
        self.drawn = True
        self.stream.write("\r" + self._line(now) + "\x1b[K")
        self.stream.flush()

    def _line(self, now: float) -> str:
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        pace = f", {_count(rate)}/s" if rate > 0 and self.total != 1 else ""  # (no rate for one step)
        if self.total:
            share = min(1.0, self.done / self.total)
            bar = "#" * int(share * 24)
            left = (self.total - self.done) / rate if rate > 0 and self.done < self.total else None
            eta = "" if left is None else f", {_clock(left)} left"
            return (f"{self.label} [{bar:<24}] {share:4.0%} {_count(self.done)}/{_count(self.total)} "
                    f"{_clock(elapsed)}{pace}{eta}")
        return f"{self.label} {_count(self.done)} {_clock(elapsed)}{pace}"

    def close(self) -> None:
        """End the stage: finish the bar, or write one summary line for a long stage."""
        now = time.perf_counter()
        if self.quiet:
            return
        if self.drawn:
            self.stream.write("\r" + self._line(now) + "\x1b[K\n")
        elif now - self.started >= self.delay:
            self.stream.write(self._line(now) + "\n")
        self.stream.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            self.close()
        elif self.drawn:
            self.stream.write("\n")


def _count(x: float) -> str:
    """A count as people read it: 0.84, 950, 12,400, 3.2M, 5.3G."""
    for size, unit in ((1e9, "G"), (1e6, "M")):
        if x >= 10 * size:
            return f"{x / size:.1f}{unit}"
    return f"{x:,.0f}" if x >= 10 or x == int(x) else f"{x:.2g}"


def _clock(seconds: float) -> str:
    """5.2s, 3:07, 1:02:03."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class DocFraction(click.ParamType):
    """A document count (``5``) or a fraction of the documents (``0.5``)."""

    name = "COUNT|FRACTION"

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)):
            return value
        text = str(value).strip()
        try:
            number = float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:
            self.fail(f"{value!r} is neither a document count nor a fraction", param, ctx)
        if number < 0 or (isinstance(number, float) and number > 1):
            self.fail(f"{value!r}: give a count >= 0 or a fraction between 0 and 1", param, ctx)
        return number


def show_warnings(caught: list[warnings.WarningMessage]) -> None:
    """Write caught warnings to stderr, one line each (notices as notes)."""
    for w in caught:
        kind = "Note" if w.category.__name__ == "TopicmfNotice" else "Warning"
        click.echo(f"{kind}: {w.message}", err=True)
