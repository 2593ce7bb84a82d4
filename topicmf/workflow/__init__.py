"""Whole jobs, as the command line runs them: a corpus or a ratings table in, a run folder out.

:mod:`.topic_run` is ``topicmf run`` (read, fit, evaluate, write), :mod:`.sweep` fits a range of k,
:mod:`.merge` merges topics of a saved run and refits, :mod:`.seeding` fits seeded topics
within a run, :mod:`.recommend` is ``topicmf recommend``; :mod:`.common` holds what every job
shares (default folders, silent progress, versions and peak memory).  Progress goes to an
optional ``stage`` factory: ``stage(label)`` returns a context manager that is also a
``(done, total)`` callback.
"""

from .common import default_out
from .topic_run import DEFAULT_K_RANGE, NEIGHBOURS, RunResult, rerender, run
from .sweep import sweep

__all__ = ["RunResult", "run", "sweep", "rerender", "default_out", "NEIGHBOURS", "DEFAULT_K_RANGE"]
