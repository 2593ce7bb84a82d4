"""Where results go: checking the destination and writing a whole directory atomically.

A run directory is built beside its destination under a hidden temporary
name and renamed into place only when every file is written, so a failure
or an interruption never leaves a half-written run and never damages a
previous one.  An existing destination is replaced only when asked
(``force``) and only if it is a previous run (it has a ``manifest.json``)
or empty: a folder of other files is never deleted.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path

from ..errors import TopicmfError, TopicmfWarning

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


#: Errors of the disk rather than of the program: said in one line naming the folder.
_FULL = {errno.ENOSPC: "no space left on the device", getattr(errno, "EDQUOT", -1): "over the disk quota",
         errno.EFBIG: "a file too large for the file system"}
_DENIED = {errno.EACCES: "permission denied", errno.EPERM: "permission denied", errno.EROFS: "a read-only file system"}


def _identity(out: Path):
    """What tells one run in ``out`` from another: the folder's inode and its manifest's change time."""
    try:
        folder = os.stat(out)
        manifest = os.stat(out / "manifest.json")
        return folder.st_dev, folder.st_ino, manifest.st_mtime_ns
    except OSError:
        return None


@contextmanager
def staged_directory(out, *, force: bool = False):
    """Yield a fresh temporary folder that becomes ``out`` when the block succeeds.

    The destination is re-checked at the end (``check_destination``'s rules);
    an old run it replaces is removed only after the new one is in place.
    A run that another process wrote to ``out`` while this one worked is
    replaced (with ``force``) with a warning saying so.  A full disk or a
    folder that cannot be written is a :class:`TopicmfError` naming the
    folder; nothing of this run is left and the earlier run is intact.
    """
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    except OSError as exc:
        raise _disk_error(exc, out) or exc from None
    before = _identity(out)
    try:
        os.chmod(tmp, 0o777 & ~current_umask())
        yield tmp
        check_destination(out, force=force)
        replaced = _identity(out)
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
        if replaced is not None and replaced != before:
            warnings.warn(f"{out}: replaced a run that another process wrote there while this one was working "
                          f"(the last to finish wins)", TopicmfWarning, stacklevel=3)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        error = _disk_error(exc, out, tmp)
        if error is None:
            raise
        raise error from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _disk_error(exc: OSError, out: Path, tmp: Path | None = None) -> TopicmfError | None:
    """The one-line error for a disk that is full or a folder that cannot be written, else None."""
    if exc.errno in _FULL:
        why = _FULL[exc.errno]
    elif exc.errno in _DENIED and _about(exc, out, tmp):
        why = _DENIED[exc.errno]
    else:
        return None
    return TopicmfError(f"Cannot write the run to {out}: {why}; nothing was written"
                        + (" and the run already there is intact" if out.exists() else ""))


def _about(exc: OSError, out: Path, tmp: Path | None) -> bool:
    """Whether the error is about the output folder (a denied read of some input is not)."""
    name = exc.filename
    if name is None:
        return True
    name = Path(os.fsdecode(name)).resolve()
    return any(_inside(name, place.resolve()) for place in (out.parent,) + ((tmp,) if tmp else ()))
