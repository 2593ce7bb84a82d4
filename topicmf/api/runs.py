"""What both estimators do with a fit: keep it, refuse to be used before it, and save it as the command's folder."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..corpus.memory import is_path
from ..errors import TopicmfError
from ..runfolder.staging import check_destination, staged_directory

__all__ = ["FittedRun"]


class FittedRun:
    """A mixin: the fitted model, its manifest and where they came from (a job and its outcome, or a folder).

    A class names how it is fitted (``_fit_call``), what its job read (``_fitted_on``: a path, or data in
    memory) and how its outcome is written (``_write_folder``)."""

    _fit_call = "fit(...)"

    def _fitted(self, model, manifest, *, job=None, outcome=None, directory=None) -> None:
        self.model_, self.manifest_ = model, manifest
        self._job, self._outcome, self._directory = job, outcome, directory

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise TopicmfError(f"This {type(self).__name__} is not fitted yet: call {self._fit_call} first (or "
                               "topicmf.load)")

    def save(self, directory, *, force: bool = False) -> Path:
        """Write the folder the command line writes (its page, CSV tables, model.npz and manifest.json); a loaded
        estimator copies its folder.  ``force`` replaces an earlier run there."""
        self._check_fitted()
        source = None if self._job is None else self._fitted_on()
        out = check_destination(directory, source if is_path(source) else None, force=force)
        if self._outcome is not None:
            self.manifest_ = self._write_folder(out, force)
        elif out != Path(self._directory).resolve():
            with staged_directory(out, force=force) as tmp:
                for item in Path(self._directory).iterdir():
                    if item.is_file():
                        shutil.copy2(item, tmp / item.name)
                    elif item.is_dir() and not item.name.startswith("."):  # a cluster run's parts
                        shutil.copytree(item, tmp / item.name)
        self._directory = out
        return out

    def _fitted_on(self):
        raise NotImplementedError

    def _write_folder(self, out: Path, force: bool) -> dict:
        raise NotImplementedError
