"""``topicmf topics``, ``similar`` and ``query``: explore a saved run without refitting."""

from __future__ import annotations

import click

from . import friendly, main


def load_model(directory, search: bool = False):
    """The saved model; ``search``: load numba's kernels and the documents' words meanwhile (``query``)."""
    import threading

    from ..model import load_model  # the model stage loads numba: only when needed

    if search:
        from ..neighbours.graph import warm_up

        threading.Thread(target=warm_up, daemon=True).start()  # numba's start-up, while the files are read
    return load_model(directory, words_now=search)


def _fmt(x) -> str:
    return "n/a" if x is None else f"{x:.3f}"


@main.command("topics")
@click.argument("directory", metavar="DIR")
@click.option("-n", "--words", type=click.IntRange(min=1), default=10, show_default=True, help="Words per topic.")
@friendly
def topics_command(directory: str, words: int) -> None:
    """Print the topics of the run in DIR: share of the corpus, NPMI and top words.

    \b
    Example:
      topicmf topics reports/demo -n 12
    """
    model = load_model(directory)
    manifest = model.manifest
    npmi = (manifest.get("metrics", {}).get("coherence", {}).get("npmi")) or [None] * model.n_topics
    share = model.prevalence()
    negative = None if model.topics_are_distributions else model.top_words(words, negative=True)
    click.echo(f"{'topic':>5}  {'share':>6}  {'NPMI':>6}  top words")
    for t, top in enumerate(model.top_words(words)):
        name = model.topic_names[t] if model.topic_names and model.topic_names[t] else None
        click.echo(f"{t:>5}  {share[t]:>6.1%}  {_fmt(npmi[t]):>6}  " + (f"[{name}] " if name else "")
                   + ", ".join(w for w, _ in top))
        if negative is not None:
            click.echo(f"{'':>5}  {'':>6}  {'':>6}  − " + ", ".join(w for w, _ in negative[t]))


@main.command("similar")
@click.argument("directory", metavar="DIR")
@click.argument("doc_id")
@click.option("-n", "top", type=click.IntRange(min=1), default=10, show_default=True, help="How many documents.")
@friendly
def similar_command(directory: str, doc_id: str, top: int) -> None:
    """Print the documents most similar to DOC_ID (by their words and topics; see docs/guide/similarity.md).

    \b
    Example:
      topicmf similar reports/demo astronomy/01.txt -n 5
    """
    parted = _parted(directory)
    if parted is not None:  # a cluster run: the part holding the document, not every document
        found = parted.similar(parted.find(doc_id), top)
        if found is not None:
            _print_rows(parted, found)
            return
    model = load_model(directory)
    i = model.doc_index(doc_id)
    _print_neighbours(model, model.similar(i, top))


def _parted(directory):
    """A cluster run's parts (:class:`topicmf.model.parted.PartedRun`), or None for a run of one machine."""
    from ..model.parted import PartedRun
    from ..model.store import read_manifest

    return PartedRun(directory) if read_manifest(directory).get("parts") else None


def _print_rows(parted, found) -> None:
    """Neighbours given as (row, score) of a cluster run, printed as :func:`_print_neighbours` does."""
    about = parted.documents([row for row, _ in found])
    labelled = parted.model.manifest.get("corpus", {}).get("columns", {}) or {}
    has_labels = any(label for _, label, _ in about) or bool(labelled.get("label"))
    click.echo(f"{'rank':>4}  {'score':>6}  {'topic':>5}  document" + ("  [label]" if has_labels else ""))
    for rank, ((_, score), (doc, label, top)) in enumerate(zip(found, about), 1):
        topic = "-" if top < 0 else str(top)
        click.echo(f"{rank:>4}  {score:>6.3f}  {topic:>5}  {doc}" + (f"  [{label}]" if label else ""))


def _print_neighbours(model, neighbours) -> None:
    rows = [model.doc_index(doc) for doc, _ in neighbours]  # only these documents are looked at
    dominant = model.dominant_topics(model.W[rows]) if rows else []
    click.echo(f"{'rank':>4}  {'score':>6}  {'topic':>5}  document" + ("  [label]" if model.labels else ""))
    for rank, ((doc, score), j, top) in enumerate(zip(neighbours, rows, dominant), 1):
        label = f"  [{model.labels[j]}]" if model.labels and model.labels[j] else ""
        topic = "-" if top < 0 else str(top)
        click.echo(f"{rank:>4}  {score:>6.3f}  {topic:>5}  {doc}{label}")


@main.command("query")
@click.argument("directory", metavar="DIR")
@click.argument("text")
@click.option("-n", "top", type=click.IntRange(min=1), default=10, show_default=True, help="How many documents.")
@friendly
def query_command(directory: str, text: str, top: int) -> None:
    """Fold TEXT into the model in DIR: its topic mixture and the nearest documents.

    TEXT is tokenized as the corpus was (same stopwords, stemming and
    vocabulary); "-" reads it from standard input.

    \b
    Examples:
      topicmf query reports/demo "the telescope saw a distant planet"
      cat letter.txt | topicmf query reports/demo -
    """
    if text == "-":
        text = click.get_text_stream("stdin").read()
    parted = _parted(directory)
    model = parted.model if parted is not None else load_model(directory, search=True)
    counts = model.count([text])
    if counts.nnz == 0:
        raise click.ClickException("None of the words of the text are in the model's vocabulary")
    if parted is not None:  # a cluster run: the partitions of its index nearest the text
        profile, neighbours = parted.query(text, top)
    else:
        profile, neighbours = model.query(text, top)
    click.echo(f"{int(counts.sum())} of the text's words are in the vocabulary")
    click.echo("topic mixture:")
    order = sorted(range(model.n_topics), key=lambda t: (-abs(profile[t]), t))
    # NMF: the topics holding at least 0.1% of the text (at most 10); LSA: the 10 largest coordinates
    shown = ([t for t in order if profile[t] >= 0.001][:10] or order[:1]) if model.topics_are_distributions else order[:10]
    for t in shown:
        value = f"{profile[t]:>6.1%}" if model.topics_are_distributions else f"{profile[t]:>+7.3f}"
        click.echo(f"  {t:>3}  {value}  {model.label(t)}")
    click.echo("nearest documents:")
    if parted is not None:
        _print_rows(parted, neighbours)
    else:
        _print_neighbours(model, neighbours)


@main.command("report")
@click.argument("directory", metavar="DIR")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@friendly
def report_command(directory: str, quiet: bool) -> None:
    """Render DIR/index.html again from a saved run, without refitting.

    Reads model.npz and manifest.json only (the corpus is not needed) and
    replaces index.html atomically.

    \b
    Example:
      topicmf report reports/demo
    """
    from ..console import Progress
    from ..workflow import rerender

    path = rerender(directory, stage=lambda label: Progress(label, quiet=quiet))
    click.echo(f"written    {path}")


@main.command("hierarchy")
@click.argument("directory", metavar="DIR")
@friendly
def hierarchy_command(directory: str) -> None:
    """Write the topic tree of the run in DIR (hierarchy.csv, or .parquet), redraw its page, and print the tree.

    Topics that join early are close: average-linkage clustering of the distances the
    intertopic map shows; each junction lists the words of the topics below it together.

    \b
    Example:
      topicmf hierarchy reports/demo
    """
    import os
    import tempfile
    from pathlib import Path

    from ..model.hierarchy import topic_tree
    from ..report.tables import write_hierarchy
    from ..workflow import rerender

    model = load_model(directory)
    nodes, _ = topic_tree(model)
    folder = Path(directory)
    tables = (model.manifest or {}).get("tables", "csv")
    fd, tmp = tempfile.mkstemp(prefix=".hierarchy.", suffix=f".{tables}", dir=folder)
    os.close(fd)
    try:
        write_hierarchy(tmp, nodes, tables=tables)
        os.replace(tmp, folder / f"hierarchy.{tables}")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    rerender(folder)
    labels = {t: f"{t}: {model.label(t)}" for t in range(model.n_topics)}

    def show(node_id: int, depth: int) -> None:
        if node_id < model.n_topics:
            click.echo("  " * depth + labels[node_id])
            return
        node = nodes[node_id - model.n_topics]
        click.echo("  " * depth + f"+ {node.distance:.3f}  {' '.join(node.words[:6])}")
        show(node.left, depth + 1)
        show(node.right, depth + 1)

    if nodes:
        show(nodes[-1].id, 0)
    click.echo(f"written    {folder / f'hierarchy.{tables}'} and {folder / 'index.html'}")
