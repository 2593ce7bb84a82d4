"""Where results go: checking the destination and writing a whole directory atomically.

A run directory is built beside its destination under a hidden temporary
name and renamed into place only when every file is written, so a failure
or an interruption never leaves a half-written run and never damages a
previous one.  An existing destination is replaced only when asked
(``force``) and only if it is a previous run (it has a ``manifest.json``)
or empty: a folder of other files is never deleted.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..errors import TopicmfError

__all__ = ["check_destination", "staged_directory", "write_atomic", "current_umask"]


def write_atomic(path, data: bytes | str) -> None:
    """Write a file by writing a temporary sibling and renaming it into place."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def current_umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def check_destination(out, corpus=None, *, force: bool = False) -> Path:
    """Refuse a destination that would overwrite or pollute something; returns it resolved.

    Raises
    ------
    TopicmfError
        If ``out`` lies inside the corpus folder (or is the corpus file),
        exists without ``force``, or exists and is not a previous run.
    """
    out = Path(out).expanduser().resolve()
    if corpus is not None:
        source = Path(corpus).expanduser().resolve()
        if (source.is_dir() and _inside(out, source)) or out == source:
            raise TopicmfError(f"The output folder {out} lies inside the corpus {source}; choose another --out")
        if _inside(source, out):
            raise TopicmfError(f"The output folder {out} contains the corpus {source}; choose another --out")
    if out.exists() or out.is_symlink():
        if not out.is_dir() or out.is_symlink():
            raise TopicmfError(f"{out} exists and is not a folder; choose another --out")
        if not force:
            raise TopicmfError(f"{out} already exists; pass --force to replace it")
        if any(out.iterdir()) and not (out / "manifest.json").is_file():
            raise TopicmfError(f"{out} is not a topicmf output folder (no manifest.json); refusing to replace it")
    return out


@contextmanager
def staged_directory(out, *, force: bool = False):
    """Yield a fresh temporary folder that becomes ``out`` when the block succeeds.

    The destination is re-checked at the end (``check_destination``'s rules);
    an old run it replaces is removed only after the new one is in place.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        os.chmod(tmp, 0o777 & ~current_umask())
        yield tmp
        check_destination(out, force=force)
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            os.replace(out, old / "run")
        try:
            os.replace(tmp, out)
        except OSError:
            if old is not None:
                os.replace(old / "run", out)  # put the previous run back
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
