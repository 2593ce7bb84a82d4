"""The shape of the code: data flows one way and the library never imports the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT
from topicmf.cli import main

PACKAGE = ROOT / "topicmf"
# stage -> the topicmf modules it may import (besides itself)
ALLOWED = {
    "errors": set(),
    "spec": {"errors"},
    "resources": {"errors"},
    "corpus": {"errors"},
    "text": {"errors", "spec", "resources", "corpus"},
    "factorize": {"spec"},
    "neighbours": {"factorize"},
    "runfolder": {"errors"},
    "model": {"errors", "spec", "resources", "corpus", "text", "factorize", "neighbours", "runfolder"},
    "ratings": {"errors", "spec", "corpus", "factorize", "neighbours", "runfolder"},
    "report": {"errors", "spec", "model", "ratings", "neighbours", "runfolder"},
    "distributed": {"errors", "spec", "resources", "corpus", "text", "factorize", "neighbours", "model", "ratings",
                    "runfolder"},
    "workflow": {"errors", "spec", "resources", "corpus", "text", "factorize", "neighbours", "runfolder", "model",
                 "ratings", "distributed", "report", "__init__"},
    "console": set(),
    "api": {"errors", "spec", "resources", "corpus", "text", "factorize", "neighbours", "runfolder", "model",
            "ratings", "report", "workflow", "console"},
    "cli": {"errors", "spec", "resources", "corpus", "text", "factorize", "neighbours", "model", "ratings", "report",
            "workflow", "console", "__init__"},
    "__main__": {"cli"},
    "_precompile": {"model", "text", "workflow"},  # run by setup.py while a wheel is built, never imported
    "__init__": {"errors", "corpus", "text", "factorize", "model", "workflow", "api"},
}


def _stage(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _is_module(parts: list[str]) -> bool:
    base = ROOT.joinpath(*parts)
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                module = base + (node.module.split(".") if node.module else [])
                names = [module] if node.module else [module + [a.name] for a in node.names]
                # `from . import name` names a submodule, or an attribute of the package
                names = [n if _is_module(n) else n[:-1] for n in names]
            else:
                names = [node.module.split(".")] if node.module else []
            for parts in names:
                if parts and parts[0] == "topicmf":
                    found.add(parts[1] if len(parts) > 1 else "__init__")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "topicmf":
                    found.add(parts[1] if len(parts) > 1 else "__init__")
    return found


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_flow_one_way(path):
    stage = _stage(path)
    assert stage in ALLOWED, f"{stage} is a new stage: add it to ALLOWED in this test"
    imported = _imports(path) - {stage}
    assert imported <= ALLOWED[stage], f"{path.name} imports {imported - ALLOWED[stage]}"


def test_no_file_is_too_long():
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 400}
    assert not long, f"split these by responsibility: {long}"


def test_every_command_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert command.help and command.help.strip(), name
        assert f"topicmf {name}" in readme, f"README does not document `topicmf {name}`"
        assert CliRunner().invoke(main, [name, "--help"]).exit_code == 0


def test_subpackages_are_not_shadowed_by_exports():
    import importlib
    import types

    import topicmf

    for name in ("corpus", "text", "factorize", "model", "report"):
        assert isinstance(getattr(topicmf, name), types.ModuleType), name
        assert importlib.import_module(f"topicmf.{name}") is getattr(topicmf, name)


#: One-letter parameters a public or cross-module function may take: matrices by the glossary's capital letters
#: (X, W, H, R, U, V, ...), the rank k, and scikit-learn's y.
_ONE_LETTER_OK = {"k", "y"}
#: The Python front door's tables take ``n`` (how many rows), as notebook users write it (BERTopic's, implicit's
#: and Surprise's methods alike); nowhere else.
_ONE_LETTER_OK_IN = {"api": {"n"}}


def _one_letter_parameters(path: Path) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child)
            elif isinstance(child, ast.FunctionDef) and not child.name.startswith("_"):
                arguments = child.args.posonlyargs + child.args.args + child.args.kwonlyargs
                allowed = _ONE_LETTER_OK | _ONE_LETTER_OK_IN.get(_stage(path), set())
                found.extend(f"{path.relative_to(ROOT)}:{child.lineno} {child.name}({a.arg})" for a in arguments
                             if len(a.arg) == 1 and a.arg.islower() and a.arg not in allowed)

    visit(tree)
    return found


def test_names_explain_themselves():
    """No public or cross-module function takes a one-letter parameter (but the matrices, k and y)."""
    found = [line for path in sorted(PACKAGE.rglob("*.py")) for line in _one_letter_parameters(path)]
    assert not found, "give these parameters names:\n" + "\n".join(found)


def test_no_undefined_names_or_unused_imports():
    """pyflakes' checks (through ruff, as pyproject.toml configures it) over the package, tests and benchmarks."""
    import shutil
    import subprocess

    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    done = subprocess.run([ruff, "check", "--output-format", "concise", "topicmf", "tests", "benchmarks"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
