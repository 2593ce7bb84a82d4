"""Memory: what this process tree uses, what it may use, and the budget a run keeps to.

A run that would not fit in memory should stop early with a message that
says what to change, never be ended by the kernel's out-of-memory killer
(which gives no message at all).  The budget is, by default, the memory the
process can have when it starts — its resident memory plus the system's
``MemAvailable``, capped by a cgroup limit when there is one — or what
``--memory-limit`` sets.  Reading checks the process tree (the run and its
tokenizer workers) against it as the matrix grows; before fitting, the
run's estimated peak is checked (:func:`check_fits`).
"""

from __future__ import annotations

import _thread
import os
import re
import signal
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

from .errors import MemoryLimitError

__all__ = ["available_bytes", "tree_rss", "budget", "limit", "check_fits", "Watch", "parse_size", "fmt_bytes"]

_budget: ContextVar = ContextVar("memory_budget", default=None)
_guards: list = []  # the guards of the blocks running (main thread only), innermost last


def parse_size(text: str) -> int:
    """``"8G"``, ``"512M"``, ``"1.5GB"`` or a number of bytes → bytes."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([kmgt]?)i?b?\s*", str(text).lower())
    if not match:
        raise ValueError(f"{text!r} is not a size (write e.g. 8G or 512M)")
    number, unit = match.groups()
    return int(float(number) * 1024 ** " kmgt".index(unit or " "))


def fmt_bytes(n_bytes: float) -> str:
    for unit, size in (("GB", 2**30), ("MB", 2**20)):
        if n_bytes >= size:
            return f"{n_bytes / size:.1f} {unit}"
    return f"{n_bytes / 1024:.0f} KB"


def _meminfo(key: str) -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _cgroup_limit() -> int | None:
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as f:
                value = f.read().strip()
        except OSError:
            continue
        if value.isdigit() and int(value) < 1 << 60:
            return int(value)
    return None


def tree_rss(pid: int | None = None, *, proportional: bool = True) -> int:
    """Memory of a process and all its descendants: their proportional set sizes (Linux /proc; 0 elsewhere).

    ``proportional=False`` adds up their resident set sizes instead (pages
    shared between the processes then count once per process: an upper bound).
    """
    pid = os.getpid() if pid is None else pid
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * page
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += _pss(p, rss.get(p, 0)) if proportional else rss.get(p, 0)
        stack.extend(children.get(p, []))
    return total


def _pss(pid: int, rss: int) -> int:
    """A process's proportional set size (shared pages split between their sharers), else its RSS.

    Forked tokenizer workers share most of their pages with the main
    process; adding up RSS would count those pages once per process.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss


def available_bytes() -> int | None:
    """Memory this process tree could use now: its own resident memory plus what the system has free."""
    free = _meminfo("MemAvailable")
    if free is None:
        return None
    total = tree_rss() + free
    cap = _cgroup_limit()
    return min(total, cap) if cap else total


def budget() -> tuple[int, str] | None:
    """(bytes, where the figure comes from) of the current budget, or None when it cannot be known."""
    given = _budget.get()
    if given is not None:
        return given, "--memory-limit"
    free = available_bytes()
    return None if free is None else (free, "the memory available when the run started")


@contextmanager
def limit(nbytes: int | None):
    """Run the block with a fixed budget (None: what is available when it starts).

    A budget given (``--memory-limit``) is also guarded in every stage, not only where reading
    and fitting check it: a thread samples the process tree twice a second and, past the budget,
    stops the run with :class:`MemoryLimitError` raised in the main thread (between two Python
    steps: a compiled kernel finishes first).
    """
    if nbytes is None:
        free = available_bytes()
        token = _budget.set(free)
    else:
        token = _budget.set(int(nbytes))
    guard = _Guard(int(nbytes)) if nbytes is not None else None
    try:
        if guard is not None:
            guard.start()
            _guards.append(guard)
        yield
    finally:
        if guard is not None:
            guard.stop()
            _guards.remove(guard)
        _budget.reset(token)


def _refuse(message: str) -> MemoryLimitError:
    """The error that stops the run over its budget; the guards stand down, so that no second one interrupts the
    clean-up (stopping the workers) of the first."""
    for guard in _guards:
        guard.stopped.set()
    return MemoryLimitError(message)


class _Guard:
    """Samples the process tree's memory; past ``cap``, interrupts the main thread with a MemoryLimitError."""

    every = 0.5

    def __init__(self, cap: int):
        self.cap = cap
        self.used = 0
        self.stopped = threading.Event()
        self.thread = None
        self.previous = None

    def start(self) -> None:
        if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGUSR1") \
                or not tree_rss():
            return  # signals reach the main thread only; without /proc there is nothing to sample
        self.previous = signal.signal(signal.SIGUSR1, self._over)
        self.thread = threading.Thread(target=self._watch, name="topicmf-memory-guard", daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while not self.stopped.wait(self.every):
            used = tree_rss()
            if used > self.cap:
                self.used = used
                _thread.interrupt_main(signal.SIGUSR1)
                return

    def _over(self, signum, frame):
        if self.stopped.is_set():
            return  # the block ended, or another over-budget error is stopping the run, before this was handled
        raise MemoryLimitError(f"The run went past --memory-limit {fmt_bytes(self.cap)}: it used "
                               f"{fmt_bytes(self.used)}. Give it more memory, or less to hold: fewer terms "
                               "(--min-df 5, --max-terms 100000), fewer topics, --similarity topics, or a cluster "
                               "(--dask)")

    def stop(self) -> None:
        self.stopped.set()
        if self.thread is not None:
            self.thread.join()
            if not self.used:  # a signal sent may still be pending: then this (now quiet) handler stays
                signal.signal(signal.SIGUSR1, self.previous)


def check_fits(extra: int, what: str, remedy: str) -> None:
    """Raise MemoryLimitError when the tree's memory plus ``extra`` bytes would exceed the budget."""
    known = budget()
    if known is None:
        return
    cap, source = known
    need = tree_rss() + extra
    if need > cap:
        raise _refuse(f"{what} needs about {fmt_bytes(need)} of memory, more than the {fmt_bytes(cap)} of "
                      f"{source}. {remedy}")


class Watch:
    """Checks the process tree against the budget every ``every`` seconds (reading a large corpus)."""

    def __init__(self, what: str, remedy: str, every: float = 1.0):
        self.what, self.remedy, self.every = what, remedy, every
        self.known = budget()
        self.last = -float("inf")  # the first call checks

    def __call__(self, done: int) -> None:
        if self.known is None or time.monotonic() - self.last < self.every:
            return
        self.last = time.monotonic()
        used = tree_rss()
        cap, source = self.known
        if used > 0.9 * cap:
            raise _refuse(f"{self.what} stopped after {done:,} documents: it already uses "
                          f"{fmt_bytes(used)} of the {fmt_bytes(cap)} of {source}. {self.remedy}")
