"""The build step that pyproject.toml cannot declare: the wheel carries the compiled kernels of a first run.

After the package is copied to build/lib, ``python -m topicmf._precompile`` runs the default topic
run, a larger fit and the lecture's rating runs there, so numba writes its cache files beside the
kernels and the wheel includes them (numba checks each against the source's content, its own
version and the processor, and compiles afresh where one does not fit).  An editable install, or
TOPICMF_PRECOMPILE=0, skips it; if it fails the build goes on and the kernels compile on first use.
"""

import os
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithKernels(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for stale in Path(self.build_lib).rglob("__pycache__/*.nb[ic]"):  # left in build/lib by an earlier build
            stale.unlink()
        if os.environ.get("TOPICMF_PRECOMPILE", "1") == "0":
            return
        env = {key: value for key, value in os.environ.items() if key != "NUMBA_CACHE_DIR"}
        env["PYTHONPATH"] = os.pathsep.join([str(Path(self.build_lib).resolve()), env.get("PYTHONPATH", "")])
        try:
            subprocess.run([sys.executable, "-m", "topicmf._precompile", str(HERE / "corpora")], env=env,
                           check=True, timeout=3600, cwd=self.build_lib)
        except (OSError, subprocess.SubprocessError) as exc:
            print(f"warning: topicmf's kernels were not compiled ahead ({exc}); they compile on first use",
                  file=sys.stderr)


setup(cmdclass={"build_py": BuildWithKernels})
