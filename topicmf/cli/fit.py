"""``topicmf run`` and ``topicmf sweep``: fit topic models to a corpus and write the results."""

from __future__ import annotations

import shlex
from dataclasses import replace

import click

from ..console import Progress
from ..spec import FIT_PARAMS, MODELS, listing, model_spec
from ..spec.runs import DEFAULT_K_RANGE, DEFAULT_MODEL, RUN_PARAMS, SHORT_MODEL, first_model
from . import MemorySize, corpus_options, friendly, main, text_options
from .options import check_family_options, option_values, param_option, shared_option, shared_options

# The registries (topicmf.spec) import neither numba nor scikit-learn: `topicmf --help` stays fast.
_MODEL_OPTIONS = shared_options(MODELS.values())


class TopicCount(click.ParamType):
    """A number of topics, or ``auto``, as :data:`topicmf.spec.runs.RUN_PARAMS` declares ``k``."""

    name = "N|auto"

    def convert(self, value, param, ctx):
        text = str(value).strip().lower()
        try:
            number = value if isinstance(value, int) else text if text == "auto" else int(text)
        except ValueError:
            self.fail(f"{value!r} is neither a number of topics nor 'auto'", param, ctx)
        try:
            return RUN_PARAMS["k"].check(number, "-k")
        except ValueError:
            self.fail(f"{value!r}: the number of topics must be at least 1", param, ctx)


class TimeBinsType(click.ParamType):
    """auto, year, quarter, month, or a positive number of equal bins."""

    name = "BINS"

    def convert(self, value, param, ctx):
        text = str(value).strip().lower()
        if text in ("auto", "year", "quarter", "month"):
            return text
        if text.isdigit() and int(text) >= 1:
            return int(text)
        self.fail(f"{value!r}: time bins are auto, year, quarter, month or a positive number", param, ctx)


def _solver_help() -> str:
    return "Solver of the model: " + "; ".join(
        f"{name}: {listing((f'{spec.default_solver} (default)', *spec.solvers[1:]), 'or')}"
        for name, spec in MODELS.items()) + "."


def model_options(command):
    """Options of the model and its solver, shared by run and sweep (from the models' parameter tables)."""
    solvers = tuple(dict.fromkeys(s for spec in MODELS.values() for s in spec.solvers))
    options = [
        click.option("--model", "-m", type=click.Choice(tuple(MODELS)), default=None,
                     help="; ".join(f"{name}: {spec.description}" for name, spec in MODELS.items())
                          + f". Default: {DEFAULT_MODEL}, or {SHORT_MODEL} for short texts (see --short-texts)."),
        param_option(RUN_PARAMS["short_texts"]),
        click.option("--solver", type=click.Choice(solvers), default=None, help=_solver_help()),
        param_option(FIT_PARAMS["weighting"]),
        param_option(FIT_PARAMS["generic_words"]),
        param_option(FIT_PARAMS["seed"], type=int),
        *(shared_option(param, owners, len(MODELS)) for param, owners in _MODEL_OPTIONS),
        click.option("--memory-limit", type=MemorySize(), default=None, metavar="SIZE",
                     help="Stop early, with a message, if the run would need more memory than this (e.g. 8G; "
                          "default: what is available when it starts)."),
        click.option("--out", "-o", default=None, help="Output folder (default: reports/<corpus name>[-sweep])."),
        click.option("--force", is_flag=True, help="Replace the output folder of an earlier run."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def fit_parameters(params: dict) -> dict:
    """The fit's keywords from the parsed model options (removing them from ``params``); an option the chosen
    model or solver does not take is a usage error naming it."""
    given = option_values(params, _MODEL_OPTIONS)
    check_family_options(model_spec(first_model(params["model"], params["short_texts"])), params.get("solver"), given,
                         _MODEL_OPTIONS, family_option="--model")
    return {"generic_words": params.pop("generic_words"), **given}


def command_line() -> str:
    """The current command as a shell line: its arguments and every option that differs from its default."""
    ctx = click.get_current_context()
    parts = ["topicmf", ctx.info_name]
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if isinstance(param, click.Argument):
            parts.append(str(value))
            continue
        if param.name == "quiet" or value == param.default or (value in (None, ()) and not param.default):
            continue
        if param.is_flag:
            if value:
                parts.append(param.opts[0])
            elif param.secondary_opts:
                parts.append(param.secondary_opts[0])
        elif param.multiple:
            for item in value:
                parts += [param.opts[0], str(item)]
        else:
            parts += [param.opts[0], str(value)]
    return shlex.join(parts)


@main.command("run")
@click.argument("corpus")
@param_option(RUN_PARAMS["k"], "-k", "--k", "--topics", type=TopicCount())
@click.option("--k-range", default=DEFAULT_K_RANGE, show_default=True, help="The k values -k auto tries (START:STOP:STEP).")
@click.option("--dask", metavar="ADDRESS|local:N", default=None,
              help="Read and fit on a Dask cluster: a scheduler address (tcp://host:8786), or local:N for N worker "
                   "processes here. Needs pip install 'topicmf[dask]'.")
@param_option(RUN_PARAMS["similarity"])
@param_option(RUN_PARAMS["neighbour_effort"])
@param_option(RUN_PARAMS["tables"])
@param_option(RUN_PARAMS["heldout"], metavar="F")
@click.option("--seed-topics", type=click.Path(exists=True, dir_okay=False), default=None, metavar="FILE",
              help="Seeded topics: lines 'name: word word word'; the first topics start from those words, keep near "
                   "them and carry the names.")
@param_option(RUN_PARAMS["seed_strength"])
@param_option(RUN_PARAMS["reduce_to"], metavar="N")
@click.option("--time-column", default=None, metavar="COLUMN",
              help="A table's column of dates (ISO), years or numbers: writes topics_over_time.csv.")
@click.option("--time-bins", type=TimeBinsType(), default="auto", show_default=True, metavar="auto|year|quarter|month|N",
              help="The bins of topics over time: calendar units, N equal bins, or auto (the finest unit giving at "
                   "most 40 bins).")
@model_options
@corpus_options
@friendly
def run_command(corpus: str, k, k_range: str, dask, similarity: str, neighbour_effort: str, tables: str, heldout, seed_topics, seed_strength, reduce_to,
                time_column, time_bins, **params) -> None:
    """Fit a topic model to CORPUS and write its report and tables.

    Writes index.html, topics.csv, topic_docs.csv, doc_topics.csv,
    word_topics.csv, similar.csv, hierarchy.csv, model.npz, words.npz
    (with --similarity words) and manifest.json into the output folder
    (and topics_per_label.csv for a labelled corpus, topics_over_time.csv
    with --time-column), then prints the topics and the metrics.

    \b
    Examples:
      topicmf run corpora/demo -k 5
      topicmf run posts.csv --text-column body -k auto --out reports/posts
      topicmf run corpora/demo --model lsa -k 4 --sigma sqrt
      topicmf run changelogs.jsonl --time-column date --time-bins year -k 12
      topicmf run corpora/demo -k 8 --reduce-to 5
    """
    from ..resources import limit
    from ..workflow import run

    quiet = params.pop("quiet")
    options = replace(text_options(params), time_column=time_column)
    fit = fit_parameters(params)
    with limit(params["memory_limit"]):
        result = run(corpus, out=params["out"], model=params["model"], k=k, k_range=k_range, solver=params["solver"],
                     weighting=params["weighting"], seed=params["seed"], force=params["force"], options=options,
                     fit_params=fit, command=command_line(), stage=lambda label: Progress(label, quiet=quiet),
                     dask=dask, similarity=similarity, time_bins=time_bins, reduce_to=reduce_to,
                     heldout=heldout, seed_topics=seed_topics, seed_strength=seed_strength,
                     neighbour_effort=neighbour_effort, tables=tables, short_texts=params["short_texts"])
    click.echo(summary(result))


def summary(result) -> str:
    """The lines printed after a run: topics, metrics, files."""
    m = result.manifest
    model = result.model
    metrics = m["metrics"]
    coh = metrics["coherence"]
    lines = [f"{model.n_topics} topics of {m['corpus']['documents']:,} documents ({m['corpus']['terms']:,} terms), "
             f"{m['model']['name']} / {m['model']['solver']}, {m['model']['n_iter']} iterations"
             + ("" if m["model"]["converged"] else " (not converged)")]
    if "sweep" in m:
        lines.append(f"k = {model.n_topics} chosen by the sweep ({m['sweep']['rule']})")
    lines.append("")
    npmi = coh.get("npmi") or [None] * model.n_topics
    for t, words in enumerate(model.top_words(8)):
        score = "" if npmi[t] is None else f"  (NPMI {npmi[t]:.3f})"
        name = model.topic_names[t] if model.topic_names and model.topic_names[t] else None
        lines.append(f"{t:>3}  " + (f"[{name}] " if name else "") + ", ".join(w for w, _ in words) + score)
    background = metrics.get("background")
    if background and background["words"]:
        lines.append(f"  background ({background['share']:.0%} of every document's words): "
                     + ", ".join(w for w, _ in background["words"][:8]))
    lines.append("")

    def fmt(x):
        return "n/a" if x is None else f"{x:.3f}"

    lines.append(f"coherence  NPMI {fmt(coh['npmi_mean'])}  C_V {fmt(coh['c_v_mean'])}  UMass {fmt(coh['umass_mean'])}"
                 f"   diversity {fmt(metrics['diversity'])}")
    for seed in metrics.get("seeds") or ():
        lines.append(f"seed       {seed['name']} (topic {seed['topic']}): {seed['kept']:.0%} of its {seed['words']} "
                     "words in the topic's top 20")
    heldout = metrics.get("heldout")
    if heldout:
        score = (f"perplexity {heldout['perplexity']:.1f}" if "perplexity" in heldout
                 else f"relative error {heldout['relative_error']:.4f}")
        lines.append(f"held out   {score} completing {heldout['documents']:,} documents "
                     f"({heldout['share']:.0%} held out, fitted on the other {heldout['train_documents']:,})")
    if metrics.get("labels"):
        lab = metrics["labels"]
        lines.append(f"labels     NMI {fmt(lab['nmi'])}  ARI {fmt(lab['ari'])} ({lab['documents']:,} labelled documents)")
    tables = "Parquet" if m.get("tables") == "parquet" else "CSV"
    lines.append(f"written    {result.directory}/index.html (and {tables} tables, model.npz, manifest.json) "
                 f"in {m['timings']['total']:.1f} s")
    return "\n".join(lines)


@main.command("sweep")
@click.argument("corpus")
@click.option("-k", "--k", "ks", default=DEFAULT_K_RANGE, show_default=True,
              help="k values: START:STOP:STEP (stop included) or a list 5,10,20.")
@param_option(RUN_PARAMS["n_seeds"])
@param_option(RUN_PARAMS["heldout"], metavar="F",
              help="Also score each k by completing a held-out share F of the documents (a criterion and a chart "
                   "beside the rule's).")
@model_options
@corpus_options
@friendly
def sweep_command(corpus: str, ks: str, n_seeds: int, heldout, **params) -> None:
    """Fit a range of k to CORPUS and suggest one.

    Writes sweep.csv, sweep.json and sweep.html (a chart of coherence,
    diversity, stability and objective against k, the suggestion marked and
    the rule stated) and prints the table.

    \b
    Examples:
      topicmf sweep corpora/demo --k 3:8
      topicmf sweep ../shared/corpora/bbc --k 5:50:5
    """
    from ..resources import limit
    from ..workflow import sweep

    quiet = params.pop("quiet")
    options = text_options(params)
    fit = fit_parameters(params)
    with limit(params["memory_limit"]):
        out, result = sweep(corpus, ks, out=params["out"], model=params["model"], solver=params["solver"],
                            weighting=params["weighting"], seed=params["seed"], n_seeds=n_seeds, force=params["force"],
                            options=options, fit_params=fit, command=command_line(),
                            stage=lambda label: Progress(label, quiet=quiet), heldout=heldout,
                            short_texts=params["short_texts"])

    def fmt(x, d=3):
        return "n/a" if x is None else f"{x:.{d}f}"

    held = heldout is not None
    click.echo(f"{'k':>4}  {'NPMI':>7}  {'C_V':>6}  {'UMass':>7}  {'divers.':>7}  {'stab.':>6}  {'score':>6}"
               + (f"  {'held-out':>9}" if held else ""))
    for r in result.rows:
        mark = "  <- suggested" if r["suggested"] else ""
        click.echo(f"{r['k']:>4}  {fmt(r['npmi']):>7}  {fmt(r['c_v']):>6}  {fmt(r['umass']):>7}  "
                   f"{fmt(r['diversity']):>7}  {fmt(r['stability']):>6}  {fmt(r['score']):>6}"
                   + (f"  {r['heldout']:>9.4g}" if held else "") + mark)
    click.echo(f"\nsuggested k = {result.suggested}\nrule: {result.rule}")
    click.echo(f"written    {out}/sweep.html, sweep.csv, sweep.json")


class TopicList(click.ParamType):
    """Topic numbers separated by commas: 3,7."""

    name = "T1,T2,…"

    def convert(self, value, param, ctx):
        try:
            topics = [int(part) for part in str(value).split(",") if part.strip()]
        except ValueError:
            self.fail(f"{value!r}: give topic numbers separated by commas, such as 3,7", param, ctx)
        if len(topics) < 2:
            self.fail(f"{value!r}: name at least two topics to merge", param, ctx)
        return topics


@main.command("merge")
@click.argument("directory", metavar="DIR")
@click.argument("topics", type=TopicList())
@click.option("--out", "-o", required=True, help="The new run folder (the run in DIR is left as it is).")
@click.option("--force", is_flag=True, help="Replace an earlier run in --out.")
@click.option("--dask", metavar="ADDRESS|local:N", default=None,
              help="Read and refit on a Dask cluster, as run --dask (the run's W is read by the workers).")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@friendly
def merge_command(directory: str, topics: list, out: str, force: bool, dask, quiet: bool) -> None:
    """Merge TOPICS of the run in DIR into one and refit, writing a new run.

    The corpus is read again with the run's options (it must be unchanged), the merged topic
    starts from the others' share-weighted mixture, and every topic is refitted from there.

    \b
    Example:
      topicmf merge reports/demo 1,3 --out reports/demo-merged
    """
    from ..workflow.merge import merge

    result = merge(directory, topics, out=out, force=force, command=command_line(), dask=dask,
                   stage=lambda label: Progress(label, quiet=quiet))
    click.echo(summary(result))
