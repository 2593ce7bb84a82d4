"""HTML pages of a run and of a sweep: Jinja2 templates shipped with the package, autoescaped.

Every string from the corpus (words, document ids, labels, paths) reaches
the page through Jinja2's HTML escaping; charts are inline SVG computed here,
so the pages request nothing from anywhere.
"""

from __future__ import annotations

import math

from jinja2 import Environment, PackageLoader, select_autoescape

from ..model import TopicModel
from .tables import topic_rows

__all__ = ["render_run", "render_sweep", "line_chart"]

_env = Environment(
    loader=PackageLoader("topicmf.report", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["num"] = lambda x, digits=3: "–" if x is None or (isinstance(x, float) and math.isnan(x)) else (
    f"{x:.{digits}f}" if isinstance(x, float) else f"{x:,}" if isinstance(x, int) else str(x))

DOC_ROWS = 500  # documents listed on the plain page; all of them are in doc_topics.csv


def line_chart(xs, ys, *, width=360, height=180, mark=None, title="", log_y=False) -> dict:
    """Coordinates of a small SVG line chart (the template draws it): points, ticks, an optional marked x."""
    pts = [(x, y) for x, y in zip(xs, ys) if y is not None and math.isfinite(y) and (not log_y or y > 0)]
    pad_l, pad_r, pad_t, pad_b = 56, 12, 22, 28
    chart = {"width": width, "height": height, "title": title, "points": "", "dots": [], "xticks": [], "yticks": [],
             "mark": None, "left": pad_l, "right": width - pad_r, "top": pad_t, "bottom": height - pad_b}
    if not pts:
        return chart
    fy = (lambda y: math.log10(y)) if log_y else (lambda y: y)
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    y0, y1 = min(fy(p[1]) for p in pts), max(fy(p[1]) for p in pts)
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    if y1 == y0:
        y0, y1 = y0 - abs(y0) * 0.05 - 1e-9, y1 + abs(y1) * 0.05 + 1e-9

    def sx(x):
        return pad_l + (x - x0) / (x1 - x0) * (width - pad_l - pad_r)

    def sy(y):
        return height - pad_b - (fy(y) - y0) / (y1 - y0) * (height - pad_t - pad_b)

    chart["points"] = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts)
    chart["dots"] = [{"x": round(sx(x), 1), "y": round(sy(y), 1), "label": f"{x}: {y:.4g}"} for x, y in pts]
    xticks = sorted({p[0] for p in pts})
    step = max(1, len(xticks) // 8)
    chart["xticks"] = [{"x": round(sx(x), 1), "label": f"{x:g}"} for x in xticks[::step]]
    for frac in (0.0, 0.5, 1.0):
        v = y0 + frac * (y1 - y0)
        value = 10**v if log_y else v
        chart["yticks"].append({"y": round(height - pad_b - frac * (height - pad_t - pad_b), 1), "label": f"{value:.4g}"})
    if mark is not None:
        chart["mark"] = round(sx(mark), 1)
    return chart


def render_run(model: TopicModel, manifest: dict, *, neighbours=None) -> str:
    """The plain report of a run (``index.html``)."""
    metrics = manifest.get("metrics", {})
    coherence = metrics.get("coherence", {})
    prevalence = model.prevalence()
    words = model.top_words(10)
    negative = model.top_words(10, negative=True) if not model.is_nmf else None
    topics = []
    for t in range(model.n_topics):
        topics.append({
            "id": t,
            "label": " ".join(w for w, _ in words[t][:3]),
            "prevalence": float(prevalence[t]),
            "npmi": (coherence.get("npmi") or [None] * model.n_topics)[t],
            "c_v": (coherence.get("c_v") or [None] * model.n_topics)[t],
            "umass": (coherence.get("umass") or [None] * model.n_topics)[t],
            "words": [w for w, _ in words[t]],
            "negative": [w for w, _ in negative[t]] if negative else None,
        })  # fmt: skip
    detail = {}
    for t, rank, word, weight, pole in topic_rows(model):
        detail.setdefault(t, []).append({"rank": rank, "word": word, "weight": weight, "pole": pole})
    dominant = model.dominant_topics()
    P = model.doc_topics()
    docs = []
    for i in range(min(model.n_docs, DOC_ROWS)):
        near = []
        if neighbours is not None:
            near = [model.doc_ids[j] for j in neighbours[0][i][:3]]
        docs.append({"id": model.doc_ids[i], "label": (model.labels[i] if model.labels else "") or "",
                     "dominant": int(dominant[i]), "weight": float(P[i, dominant[i]]) if dominant[i] >= 0 else None,
                     "near": near})
    f = model.factorization
    curve = line_chart(range(1, len(f.loss_curve) + 1), [float(v) for v in f.loss_curve], title="objective per iteration")
    spectrum = None
    if f.singular_values is not None:
        spectrum = line_chart(range(1, len(f.singular_values) + 1), [float(v) for v in f.singular_values],
                              title="singular values")
    return _env.get_template("run.html").render(
        m=manifest, metrics=metrics, topics=topics, detail=detail, docs=docs, n_docs=model.n_docs,
        doc_rows=DOC_ROWS, labels=metrics.get("labels"), curve=curve, spectrum=spectrum,
    )  # fmt: skip


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
    ]
    charts = [c for c in charts if c["points"]]
    return _env.get_template("sweep.html").render(rows=rows, suggested=suggested, rule=rule, corpus=corpus,
                                                  model=model, seeds=seeds, charts=charts, command=command)
