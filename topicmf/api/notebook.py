"""Estimators in a notebook: a compact summary as the cell's output, the full report inline, or written to a file.

The report is the run's own ``index.html`` (self-contained: its script, styles and data inline, no
request), embedded as the ``srcdoc`` of an iframe: Jupyter and VS Code show output HTML in a sandbox
of their own, and a page in ``srcdoc`` needs neither a server nor a file.  Everything from the corpus
is escaped (:func:`html.escape`), in the summary and in the ``srcdoc`` attribute.
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

__all__ = ["Display", "Page", "embed"]

#: The height of the inline report, in CSS pixels (the page scrolls inside it).
FRAME_HEIGHT = 820


class Page:
    """A report page shown inline: ``html`` is the page itself; a notebook shows it in a sandboxed iframe."""

    def __init__(self, page: str, title: str):
        self.html = page
        self.title = title

    def _repr_html_(self) -> str:
        return embed(self.html, self.title)

    def __repr__(self) -> str:
        return f"<{self.title}: an HTML page of {len(self.html):,} characters; shown inline in a notebook>"


def embed(page: str, title: str) -> str:
    """An iframe holding ``page`` in its ``srcdoc``: scripts run inside it, sandboxed, with nothing fetched."""
    return (f'<iframe title="{html.escape(title)}" srcdoc="{html.escape(page, quote=True)}" '
            f'sandbox="allow-scripts allow-popups" referrerpolicy="no-referrer" loading="eager" '
            f'style="width:100%;height:{FRAME_HEIGHT}px;border:1px solid #ddd;border-radius:4px"></iframe>')


def _show(page: Page):
    """Display ``page`` in the running notebook (and return None), or return it where there is no notebook."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return page
    if get_ipython() is None:
        return page
    display(page)
    return None


class Display:
    """``_repr_html_``, ``show()`` and ``report(path)`` of a fitted estimator (a mixin: it asks the estimator for
    ``_summary_html()``, and ``_render_page()`` for a fit not saved yet)."""

    def _repr_mimebundle_(self, **kwargs) -> dict:
        """What a notebook shows for the estimator (scikit-learn's own diagram is replaced by the summary)."""
        return {"text/plain": repr(self), "text/html": self._repr_html_()}

    def _repr_html_(self) -> str:
        if not hasattr(self, "model_"):
            return f"<pre>{html.escape(repr(self))}</pre><p><i>Not fitted yet.</i></p>"
        return self._summary_html()

    def show(self):
        """The full interactive report, in the notebook's output cell (offline: nothing is fetched)."""
        self._check_fitted()
        return _show(Page(self._page(), f"{type(self).__name__} report"))

    def _page(self) -> str:
        """The run's index.html: read from its folder (a saved or loaded run), or rendered from the fit."""
        saved = None if self._directory is None else Path(self._directory) / "index.html"
        if saved is not None and saved.is_file():
            return saved.read_text(encoding="utf-8")
        return self._render_page()

    def report(self, path) -> Path:
        """Write the interactive report to ``path`` (a file name; a folder gets ``index.html``), atomically."""
        from ..runfolder.staging import write_atomic

        self._check_fitted()
        path = Path(path)
        if path.is_dir():
            path = path / "index.html"
        write_atomic(path, self._page())
        return path


class TopicDisplay(Display):
    """The notebook display of :class:`topicmf.Topics`."""

    def _summary_html(self) -> str:
        model, manifest = self.model_, self.manifest_
        metrics = manifest.get("metrics", {})
        coherence = metrics.get("coherence") or {}
        npmi = coherence.get("npmi") or [None] * model.n_topics
        share = model.prevalence()
        corpus = manifest.get("corpus", {})
        m = manifest.get("model", {})

        def number(x, digits=3):
            return "n/a" if x is None else f"{x:.{digits}f}"

        rows = "".join(
            f"<tr><td>{t}</td><td>{share[t]:.1%}</td><td>{html.escape(', '.join(w for w, _ in words))}</td>"
            f"<td>{number(npmi[t])}</td></tr>" for t, words in enumerate(model.top_words(8)))
        head = (f"<b>{model.n_topics} topics</b> of {corpus.get('documents', model.n_docs):,} documents "
                f"({corpus.get('terms', len(model.vocabulary)):,} terms) — {html.escape(model.spec.title)} / "
                f"{html.escape(str(m.get('solver', '')))}, {m.get('n_iter', '?')} iterations")
        scores = (f"NPMI {number(coherence.get('npmi_mean'))} · C_V {number(coherence.get('c_v_mean'))} · "
                  f"diversity {number(metrics.get('diversity'))}")
        labels = metrics.get("labels")
        if labels:
            scores += f" · NMI against the labels {number(labels.get('nmi'))}"
        return (f'<div class="topicmf-summary"><p>{head}<br>{scores}</p>'
                '<table><thead><tr><th>topic</th><th>share</th><th>top words</th><th>NPMI</th></tr></thead>'
                f"<tbody>{rows}</tbody></table><p><i>show()</i> opens the full report here; "
                "<i>topic_info()</i> and the other tables give DataFrames.</p></div>")

    def _render_page(self) -> str:
        """The page of a fit not saved: rendered with its panels' tables written to a temporary folder."""
        from ..model.hierarchy import topic_tree
        from ..report import render_run
        from ..report.tables import write_hierarchy
        from ..workflow.topic_write import write_groups

        model = self.model_
        with tempfile.TemporaryDirectory(prefix="topicmf-page-") as folder:
            folder = Path(folder)
            write_hierarchy(folder / "hierarchy.csv", topic_tree(model)[0])
            write_groups(folder, self._job, self._outcome)
            return render_run(model, self.manifest_, graph=model.graph, directory=folder)
