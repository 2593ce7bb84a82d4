"""``topicmf vocab``: read and tokenize a corpus and print its statistics."""

from __future__ import annotations

import json

import click

from ..text import DocumentTermMatrix
from . import corpus_options, friendly, main, read_matrix


@main.command()
@click.argument("corpus")
@corpus_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--top", type=click.IntRange(min=0), default=50, show_default=True, help="How many frequent terms to list.")
@friendly
def vocab(corpus: str, as_json: bool, top: int, **params) -> None:
    """Read and tokenize CORPUS and print its statistics.

    CORPUS is a folder of documents (.txt, .md, .html, .htm, .pdf, .docx,
    .odt, .epub, .rtf, .eml, .mbox; label = first sub-folder), a
    .csv/.tsv/.jsonl file with one document per record, a Matrix Market .mtx
    file with vocab.txt, a UCI docword.NAME.txt, or a CSV count table whose
    header row holds the words.

    \b
    Examples:
      topicmf vocab corpora/demo
      topicmf vocab posts.csv --text-column body --label-column forum --json
    """
    dtm = read_matrix(corpus, params)
    stats = vocabulary_stats(dtm, top)
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False, indent=2))
    else:
        click.echo(_format_stats(stats))


def vocabulary_stats(dtm: DocumentTermMatrix, top: int = 50) -> dict:
    """The statistics ``topicmf vocab --json`` prints."""
    info = dtm.info
    empty = dtm.empty_docs
    return {
        "corpus": info["source"],
        "format": info["format"],
        "docs": dtm.n_docs,
        "terms": dtm.n_terms,
        "nnz": int(dtm.X.nnz),
        "tokens": info["tokens"],
        "labels": dtm.label_counts(),
        "empty_docs": int(empty.size),
        "empty_doc_ids": [dtm.doc_ids[i] for i in empty[:20]],
        "skipped_files": info["skipped_files"],
        "encodings": info["encodings"],
        "language": info["language"],
        "language_shares": info["language_shares"],
        "languages": info.get("languages"),
        "stopwords": info["stopwords"],
        "stem": info["stem"],
        "pruning": info["pruning"],
        "cleaning": info["cleaning"],
        "top_terms": [{"term": w, "count": c, "docs": df} for w, c, df in dtm.top_terms(top)],
        "seconds": info["seconds"],
    }


def _format_stats(s: dict) -> str:
    pruning = s["pruning"]
    lines = [
        f"corpus      {s['corpus']} ({s['format']})",
        f"documents   {s['docs']:,}" + (f" ({s['empty_docs']:,} empty)" if s["empty_docs"] else ""),
        f"terms       {s['terms']:,} kept of {pruning['terms_before']:,} "
        f"({pruning['removed_rare']:,} rare, {pruning['removed_common']:,} too common, "
        f"{pruning['removed_by_max_terms']:,} over --max-terms)",
        f"nonzeros    {s['nnz']:,} ({s['nnz'] / max(1, s['docs'] * s['terms']):.2%} dense), {s['tokens']:,} tokens",
        f"language    {s['language']} ({s['stopwords']} stopwords{', stemmed' if s['stem'] else ''})",
    ]
    if s["labels"]:
        lines.append("labels      " + ", ".join(f"{k} {v:,}" for k, v in s["labels"].items()))
    cleaning = s.get("cleaning") or {}
    if cleaning.get("rules"):
        parts = [f"{name} {r['lines']:,} lines" if "lines" in r else f"{name} {r['tokens']:,} tokens"
                 for name, r in cleaning["removed"].items()]
        lines.append(f"cleaning    {cleaning['documents']:,} documents changed ({', '.join(parts)})")
    if s["skipped_files"]:
        lines.append(f"skipped     {len(s['skipped_files']):,} files")
    if s["top_terms"]:
        width = max(len(t["term"]) for t in s["top_terms"])
        lines.append("")
        lines.append(f"{'rank':>4}  {'term':<{width}}  {'count':>9}  {'docs':>7}")
        for rank, t in enumerate(s["top_terms"], 1):
            lines.append(f"{rank:>4}  {t['term']:<{width}}  {t['count']:>9,}  {t['docs']:>7,}")
    return "\n".join(lines)
