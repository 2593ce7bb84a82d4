"""MkDocs hooks: the pages made from the code and from files outside docs/, at build time.

- ``<!-- generated: cli -->`` on a page becomes the command reference, read from the click
  commands themselves (every command, argument and option with its default), so it cannot drift;
- ``<!-- include: PATH -->`` becomes the file at PATH (relative to the repository), without its
  first heading, its links to files the site holds pointed at their pages;
- every ``examples/*.ipynb`` is run (nbclient, a fresh kernel) and becomes a page ``notebooks/NAME.md``
  with its outputs.

mkdocs.yml names this file under ``hooks:``; tests/test_docs.py builds the site in strict mode.
"""

import html
import re
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(r"<!-- (generated|include): ([\w./-]+) -->")

# Files of the repository that the site shows as a page of its own: a link to one, from a file
# included into the site, goes to its page (relative to docs/).
SITE_PAGES = {
    "reports/benchmarks.md": "benchmarks.md",
    "CHANGELOG.md": "changelog.md",
    "ARCHITECTURE.md": "architecture.md",
    "docs/reference/parameters.md": "reference/parameters.md",
    "README.md": "index.md",
}
NOTEBOOKS = sorted((ROOT / "examples").glob("*.ipynb"))  # each becomes notebooks/NAME.md (on_files)
SITE_PAGES.update({path.relative_to(ROOT).as_posix(): f"notebooks/{path.stem}.md" for path in NOTEBOOKS})
LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


# -- the command reference ----------------------------------------------------------------------

def _help_text(text: str) -> str:
    """click's help as Markdown: paragraphs as they are, a ``\\b`` paragraph (kept verbatim) as code."""
    out = []
    for para in re.split(r"\n\s*\n", click.unstyle(text or "").strip("\n")):
        lines = para.splitlines()
        if lines and lines[0].strip() == "\b":
            body = lines[1:]
            indent = min((len(x) - len(x.lstrip()) for x in body if x.strip()), default=0)
            out.append("```text\n" + "\n".join(x[indent:] for x in body) + "\n```")
        else:
            out.append(html.escape(" ".join(x.strip() for x in lines), quote=False))
    return "\n\n".join(out)


def _option(param, ctx) -> str | None:
    record = param.get_help_record(ctx)
    if record is None:  # hidden
        return None
    names, help_text = record
    extras = []
    found = re.search(r"(?:^|\s{2})\[([^\[\]]*)\]$", help_text)  # click's "  [default: x; x>=0; required]"
    if found:
        help_text = help_text[:found.start()]
        for extra in found.group(1).split("; "):
            key, sep, value = extra.partition(": ")
            if key == "default" and value.startswith("(") and value.endswith(")"):  # a text in place of a value
                value = value[1:-1]
            extras.append(f"{key}: `{value}`" if sep else (extra if extra == "required" else f"range `{extra}`"))
    opts = [*param.opts, *param.secondary_opts]
    metavar = names
    for o in sorted(opts, key=len, reverse=True):
        metavar = metavar.replace(o, "")
    metavar = metavar.strip(" ,/")
    line = "- " + ", ".join(f"`{o}`" for o in opts)
    if metavar:
        line += f" `{metavar}`"
    line += " — " + html.escape(help_text.strip(), quote=False)
    if extras:
        line += " *(" + "; ".join(extras) + ")*"
    return line


def _command(cmd, ctx, title: str) -> list[str]:
    lines = [f"## `{title}`", "", "```text", " ".join([title, *cmd.collect_usage_pieces(ctx)]), "```", "",
             _help_text(cmd.help), ""]
    arguments = [p for p in cmd.get_params(ctx) if isinstance(p, click.Argument)]
    if arguments:
        lines += ["**Arguments:** " + ", ".join(f"`{p.human_readable_name}`" + ("" if p.required else " (optional)")
                                              for p in arguments), ""]
    options = [x for p in cmd.get_params(ctx) if isinstance(p, click.Option) if (x := _option(p, ctx))]
    if options:
        lines += ["**Options:**", "", *options, ""]
    return lines


def cli_reference() -> str:
    """Every command of ``topicmf`` as Markdown, from the click definitions."""
    from topicmf.cli import main

    ctx = click.Context(main, info_name="topicmf")
    lines = _command(main, ctx, "topicmf")
    for name in main.list_commands(ctx):
        cmd = main.get_command(ctx, name)
        lines += _command(cmd, click.Context(cmd, info_name=name, parent=ctx), f"topicmf {name}")
    return "\n".join(lines)


# -- files from outside docs/ ---------------------------------------------------------------------

def relinked(text: str, source: Path, page_dir: str) -> str:
    """TEXT's links, written relative to the file SOURCE: to a file the site shows as a page, made relative to
    the site's folder PAGE_DIR; to any other file of the repository, its path as code (it is no page here)."""
    up = "../" * len(Path(page_dir).parts)

    def relink(match):
        label, target = match.groups()
        if re.match(r"[a-z]+:|#", target):
            return match.group(0)
        target, hash_, anchor = target.partition("#")
        resolved = (source.parent / target).resolve().relative_to(ROOT).as_posix()
        if resolved in SITE_PAGES:
            return f"[{label}]({up}{SITE_PAGES[resolved]}{hash_}{anchor})"
        return f"{label} (`{resolved}`)"
    return LINK.sub(relink, text)


def include(path: str, page_dir: str) -> str:
    """The file at PATH without its first heading, its links to pages of the site made relative to PAGE_DIR."""
    source = ROOT / path
    return relinked(re.sub(r"\A# [^\n]*\n", "", source.read_text(encoding="utf-8")), source, page_dir)


def on_page_markdown(markdown, page, config, files):
    parent = Path(page.file.src_uri).parent.as_posix()
    page_dir = "" if parent == "." else parent

    def expand(match):
        kind, what = match.groups()
        if kind == "generated":
            if what != "cli":
                raise ValueError(f"no generated page {what!r}")
            return cli_reference()
        return include(what, page_dir)
    return MARKER.sub(expand, markdown)


# -- notebooks ------------------------------------------------------------------------------------

def executed(path: Path) -> dict:
    """The notebook at PATH run top to bottom in a fresh kernel, from its own folder (as a reader runs it)."""
    import nbclient
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    return notebook


def notebook_markdown(path: Path) -> str:
    """A notebook as a page: its Markdown cells as they are, its code cells as Python, and the outputs
    of running it now (text as text, tables and the inline report as the HTML they display)."""
    name = path.relative_to(ROOT).as_posix()
    out = [f"!!! note \"`{name}`\"\n"
           f"    This page is the notebook run top to bottom when the site was built. Open it with\n"
           f"    `jupyter lab {name}` after `pip install '.[notebook]'`.\n"]
    for cell in executed(path).cells:
        source = cell.source
        if cell.cell_type == "markdown":
            out.append(relinked(source, path, "notebooks"))
        elif cell.cell_type == "code" and source.strip():
            out.append("```python\n" + source.rstrip() + "\n```")
            for output in cell.get("outputs", []):
                out.append(_output(output))
    return "\n\n".join(x for x in out if x) + "\n"


def _output(output) -> str:
    if output.get("output_type") == "error":
        raise RuntimeError(f"a notebook cell failed: {output.get('ename')}: {output.get('evalue')}")
    if output.get("output_type") == "stream":
        return "```text\n" + output["text"].rstrip() + "\n```"
    data = output.get("data", {})
    if "text/html" in data:
        return '<div class="notebook-output">\n' + data["text/html"].strip() + "\n</div>"
    if "image/png" in data:
        return f'<img class="notebook-output" alt="a figure" src="data:image/png;base64,{data["image/png"]}">'
    if "text/plain" in data:
        return "```text\n" + data["text/plain"].rstrip() + "\n```"
    return ""


def on_files(files, config):
    from mkdocs.structure.files import File

    for path in NOTEBOOKS:
        files.append(File.generated(config, f"notebooks/{path.stem}.md", content=notebook_markdown(path)))
    return files
