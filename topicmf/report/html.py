"""HTML pages of a run and of a sweep: Jinja2 templates shipped with the package, autoescaped.

Every string from the corpus (words, document ids, labels, paths) reaches
the page through Jinja2's HTML escaping; charts are inline SVG computed here,
so the pages request nothing from anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import math
from importlib.resources import files

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ..model import TopicModel
from ..spec import model_spec
from .data import page_data, script_json
from .groups import group_panels

__all__ = ["render_run", "render_sweep", "line_chart", "compact", "page_script", "TEMPLATES"]

TEMPLATES = Environment(
    loader=PackageLoader("topicmf.report", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters["num"] = lambda x, digits=3: "–" if x is None or (isinstance(x, float) and math.isnan(x)) else (
    f"{x:.{digits}f}" if isinstance(x, float) else f"{x:,}" if isinstance(x, int) else str(x))


def compact(value: float, digits: int = 3) -> str:
    """A number as people read it on an axis: 5.46M, 12.3k, 0.0123, −1.5 (``digits`` significant digits)."""
    if not math.isfinite(value):
        return str(value)
    for limit, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.{digits}g}{suffix}".replace("-", "−")
    if value != 0 and abs(value) < 1e-3:
        return f"{value:.{digits}e}".replace("-", "−")
    return f"{value:.{digits}g}".replace("-", "−")


def tick_labels(values, digits: int = 3) -> list[str]:
    """:func:`compact` labels for axis ticks, with as many digits as it takes to tell them apart (up to 8)."""
    for d in range(digits, 9):
        labels = [compact(v, d) for v in values]
        if len(set(labels)) == len(set(values)):
            return labels
    return labels


def line_chart(xs, ys, *, width=360, height=180, mark=None, title="") -> dict:
    """Coordinates of a small SVG line chart (the template draws it): points, ticks, an optional marked x."""
    pts = [(x, y) for x, y in zip(xs, ys) if y is not None and math.isfinite(y)]
    pad_l, pad_r, pad_t, pad_b = 56, 12, 22, 28
    chart = {"width": width, "height": height, "title": title, "points": "", "dots": [], "xticks": [], "yticks": [],
             "mark": None, "left": pad_l, "right": width - pad_r, "top": pad_t, "bottom": height - pad_b}
    if not pts:
        return chart
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    if y1 == y0:
        y0, y1 = y0 - abs(y0) * 0.05 - 1e-9, y1 + abs(y1) * 0.05 + 1e-9

    def sx(x):
        return pad_l + (x - x0) / (x1 - x0) * (width - pad_l - pad_r)

    def sy(y):
        return height - pad_b - (y - y0) / (y1 - y0) * (height - pad_t - pad_b)

    chart["points"] = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts)
    chart["dots"] = [{"x": round(sx(x), 1), "y": round(sy(y), 1), "label": f"{x}: {compact(y, 6)}"} for x, y in pts]
    xticks = sorted({p[0] for p in pts})
    step = max(1, len(xticks) // 8)
    chart["xticks"] = [{"x": round(sx(x), 1), "label": f"{x:g}"} for x in xticks[::step]]
    values = [y0 + frac * (y1 - y0) for frac in (0.0, 0.5, 1.0)]
    for frac, label in zip((0.0, 0.5, 1.0), tick_labels(values)):
        chart["yticks"].append({"y": round(height - pad_b - frac * (height - pad_t - pad_b), 1), "label": label})
    if mark is not None:
        chart["mark"] = round(sx(mark), 1)
    return chart


def page_script(name: str) -> tuple[str, str]:
    """A page's script (the shared element builders of ``_dom.js``, then ``name``) and its CSP hash."""
    folder = files("topicmf.report") / "templates"
    script = "\n".join((folder / part).read_text(encoding="utf-8") for part in ("_dom.js", name))
    return script, "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def render_run(model: TopicModel, manifest: dict, *, graph, directory=None, shown=None) -> str:
    """The interactive report of a run (``index.html``): one self-contained file.

    ``graph`` is the :class:`~topicmf.neighbours.graph.NeighbourGraph` of
    every document's nearest documents.  The page shows the documents of the
    model's sample (all of them in a corpus of up to 20,000), so its size is
    bounded whatever the corpus size; every topic is kept.  ``directory``: the run folder, whose
    topics_over_time.csv and topics_per_label.csv (when there) become the page's panels.  ``shown``: the
    documents the page shows (:class:`~topicmf.model.shown.ShownDocuments`), when the model's are not here; the
    graph is then only its description (``manifest["neighbours"]``).
    """
    metrics = manifest.get("metrics", {})
    data = page_data(model, manifest, graph, shown)
    data["groups"] = group_panels(directory) if directory is not None else {"time": None, "label": None, "tree": None}
    script, script_hash = page_script("report.js")
    f = model.factorization
    curve = line_chart(range(1, len(f.loss_curve) + 1), [float(v) for v in f.loss_curve],
                       title="objective per iteration", width=420)
    spectrum = variance = None
    explained = None
    if f.singular_values is not None:
        spectrum = line_chart(range(1, len(f.singular_values) + 1), [float(v) for v in f.singular_values],
                              title="singular values", width=420)
        ratio = np.asarray(f.explained_variance_ratio, dtype=float)
        variance = line_chart(range(1, len(ratio) + 1), [float(v) for v in np.cumsum(ratio)],
                              title="cumulative explained share of ‖X‖²", width=420)
        explained = float(ratio.sum())
    n, on_map, shown = model.n_docs, len(data["docmap"]["index"]), len(data["docs"]["id"])
    kind = model.spec.topics
    docmap_note = (f"A uniform sample of {on_map:,} of the {n:,} documents, " if on_map < n
                   else f"All {n:,} documents, ") + kind.map_projection + (
        " and moved by at most 3 pixels so that identical profiles stay visible.")
    chars = data["docs"]["excerpt_chars"]
    excerpt_note = ("The corpus is a count matrix: there is no text to show." if not chars else
                    f"Excerpts are the first {chars:,} characters of each document after cleaning; the files are not "
                    "changed.")
    ext = manifest.get("tables", "csv")
    sample_note = "" if shown == n else (
        f"This page shows {shown:,} of the {n:,} documents: a uniform sample, fixed by a hash of each document's "
        f"position in the corpus, so that the page stays small. Every document is in doc_topics.{ext} and similar.{ext}, "
        "and `topicmf similar DIR ID` finds the neighbours of any of them. Neighbours that are not on the page "
        "are listed without a link.")
    about = graph.describe() if graph is not None else manifest.get("neighbours") if shown is not None else None
    if about is None:
        neighbour_note = ""
    else:
        what = about.get("similarity", "cosine of topic profiles")
        limit = about.get("exact_work_limit")
        work = about.get("exact_work")
        cost = (f" Exact search costs n²·k + Σ df² = {work:.2g} multiply-adds; the limit is {limit:.0e}."
                if work is not None and limit else "")
        if about["method"] == "exact":
            neighbour_note = f"Most similar documents, found exactly: {what}.{cost}"
        else:
            how = ("among the documents that share a topic with each document (its strongest topic, and the topics "
                   f"holding at least {about['share']:.0%} of its profile: effort {about['effort']}), scored exactly"
                   + (f", then {about['descent_rounds']} rounds of NN-descent (neighbours of neighbours), as the "
                      "documents are short" if about.get("descent_rounds") else "")
                   if about["method"] == "blocks" else "by NN-descent (an approximate nearest-neighbour graph)")
            ratio = about.get("score_ratio")
            neighbour_note = (f"Most similar documents, found {how}: {what}.{cost} Against an exact search by the "
                              f"same score, measured on {about['recall_sample']:,} random documents: "
                              f"recall@{about['neighbours']} {about['recall']:.3f}"
                              + ("" if ratio is None else f", mean score {ratio:.3f} of the exact neighbours'") + ".")
    return TEMPLATES.get_template("report.html").render(
        m=manifest, ext=ext, metrics=metrics, labels=metrics.get("labels"), k=model.n_topics, distributions=kind.distributions,
        model_name=model.spec.title, model_description=model.spec.description,
        share_note=kind.share_note_background if model.background_share else kind.share_note,
        background=metrics.get("background"),
        distance_note=kind.distance_note,
        docmap_note=docmap_note, excerpt_note=excerpt_note, sample_note=sample_note, neighbour_note=neighbour_note,
        palette_note="Paul Tol's muted palette, safe for colour-blind readers" + (
            "; past 9 topics the hues come back lighter or darker, and the tooltip names the topic"
            if model.n_topics > 9 else ""),
        curve=curve, spectrum=spectrum, variance=variance, explained=explained,
        groups=data["groups"], data_json=Markup(script_json(data)), script=Markup(script), script_hash=script_hash,
    )


def render_sweep(rows: list[dict], *, suggested: int, rule: str, corpus: str, model: str, seeds: int,
                 command: str = "") -> str:
    """The sweep page: a chart per criterion against k, the suggestion marked, the table and the rule."""
    ks = [r["k"] for r in rows]
    charts = [
        line_chart(ks, [r["npmi"] for r in rows], mark=suggested, title="NPMI coherence (higher is better)"),
        line_chart(ks, [r["c_v"] for r in rows], mark=suggested, title="C_V coherence (higher is better)"),
        line_chart(ks, [r["umass"] for r in rows], mark=suggested, title="UMass coherence (higher is better)"),
        line_chart(ks, [r["diversity"] for r in rows], mark=suggested, title="topic diversity (higher is better)"),
        line_chart(ks, [r["stability"] for r in rows], mark=suggested, title=f"stability over {seeds} seeds"),
        line_chart(ks, [r["objective"] for r in rows], mark=suggested, title="objective (lower is better)"),
        line_chart(ks, [r.get("score") for r in rows], mark=suggested, title="combined score (the rule)"),
        line_chart(ks, [r.get("heldout") for r in rows], mark=suggested,
                   title=f"held-out {model_spec(model).heldout_metric[1]} (lower is better)"),
    ]
    charts = [c for c in charts if c["points"]]
    return TEMPLATES.get_template("sweep.html").render(rows=rows, suggested=suggested, rule=rule, corpus=corpus,
                                                  model=model, seeds=seeds, charts=charts, command=command)
