"""topicmf from Python and notebooks: estimators over texts and ratings in memory, tables out, reports inline.

:class:`Topics` is ``topicmf run`` as a scikit-learn estimator (texts in; profiles, DataFrames and
the report out; ``save`` writes the run folder, :func:`load` reads any back).  :class:`Recommender`
is ``topicmf recommend`` alike, over the user's own ids.  They run the command line's jobs
(:mod:`topicmf.workflow`), so a fit from Python and a run from the shell give the same numbers.
"""

from .topics import Topics, load

__all__ = ["Topics", "Recommender", "load"]


def __getattr__(name):  # the rating half loads when it is asked for: a topic fit does not import it
    if name == "Recommender":
        from .recommender import Recommender

        return Recommender
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
