"""Golden outputs: record what a set of runs writes, and compare two recordings file by file.

A change that should not change results (a restructuring, a new backend for the same solver)
is checked by recording before it and after it:

    python benchmarks/golden.py record ../golden/before
    ... the change ...
    python benchmarks/golden.py record ../golden/after
    python benchmarks/golden.py compare ../golden/before ../golden/after

Every CSV must be identical byte for byte, every array of every .npz identical (dtype, shape,
values), and every manifest identical once what describes the occasion rather than the result
is left out (timings, versions, creation time, peak memory, the .npz files' hashes, which cover
the zip container's timestamps, and the output folder's own path).  Runs that need the shared
corpora or Dask are left out where those are absent.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"
DEMO = ROOT / "corpora" / "demo"

#: name -> (arguments after `topicmf`, with {out} for the output folder; what it needs)
RUNS = {
    "demo": (["run", str(DEMO), "-k", "5"], None),
    "demo-nmf": (["run", str(DEMO), "-k", "5", "--model", "nmf"], None),
    "demo-lsa": (["run", str(DEMO), "-k", "4", "--model", "lsa", "--sigma", "sqrt"], None),
    "demo-pnmf-mu": (["run", str(DEMO), "-k", "5", "--solver", "mu"], None),
    "demo-pnmf-sgd": (["run", str(DEMO), "-k", "5", "--solver", "sgd", "--max-iter", "20"], None),
    "demo-nmf-sgd": (["run", str(DEMO), "-k", "5", "--model", "nmf", "--solver", "sgd", "--max-iter", "20"], None),
    "demo-nmf-mu": (["run", str(DEMO), "-k", "5", "--model", "nmf", "--solver", "mu", "--alpha", "0.1"], None),
    "demo-nmf-als": (["run", str(DEMO), "-k", "5", "--model", "nmf", "--solver", "als"], None),
    "demo-lsa-sgd": (["run", str(DEMO), "-k", "4", "--model", "lsa", "--solver", "sgd", "--max-iter", "30"], None),
    "demo-lsa-gd": (["run", str(DEMO), "-k", "4", "--model", "lsa", "--solver", "gd", "--alpha", "0.5"], None),
    "demo-keep": (["run", str(DEMO), "-k", "5", "--generic-words", "keep"], None),
    "demo-reduce": (["run", str(DEMO), "-k", "8", "--reduce-to", "5", "--heldout", "0.2"], None),
    "bbc": (["run", str(SHARED / "bbc"), "-k", "10"], "shared"),
    "ratings": (["recommend", str(ROOT / "corpora" / "ratings_lecture.csv")], None),
    "ratings-als": (["recommend", str(ROOT / "corpora" / "ratings_lecture.csv"), "--solver", "als", "-k", "3"], None),
    "ratings-baseline": (["recommend", str(ROOT / "corpora" / "ratings_lecture.csv"), "--solver", "baseline"], None),
    "purchases": (["recommend", str(ROOT / "corpora" / "purchases_lecture.csv"), "-k", "2"], None),
    "purchases-exact": (["recommend", str(ROOT / "corpora" / "purchases_lecture.csv"), "-k", "2", "--solver",
                         "exact"], None),
    "bbc-dask": (["run", str(SHARED / "bbc"), "-k", "10", "--dask", "local:2"], "shared+dask"),
    "demo-dask-nmf": (["run", str(DEMO), "-k", "5", "--model", "nmf", "--dask", "local:2"], "dask"),
    "demo-dask-lsa": (["run", str(DEMO), "-k", "4", "--model", "lsa", "--dask", "local:2"], "dask"),
    "demo-dask-mu": (["run", str(DEMO), "-k", "5", "--solver", "mu", "--dask", "local:2"], "dask"),
}

VOLATILE = ("created", "versions", "timings", "peak_memory_mb")
VOLATILE_ANYWHERE = ("seconds",)  # a step's wall time, wherever a manifest records one


def _available(need: str | None) -> bool:
    if need is None:
        return True
    ok = True
    if "shared" in need:
        ok &= SHARED.is_dir()
    if "dask" in need:
        try:
            import distributed  # noqa: F401
        except ImportError:
            ok = False
    return ok


def record_api(target: Path) -> None:
    """Every model and solver through the Python API, on the demo matrix and a small rating matrix."""
    import scipy.sparse as sp

    import topicmf
    from topicmf.factorize import MODELS, factorize

    warnings.simplefilter("ignore")
    dtm = topicmf.vectorize(DEMO, keep_stream=False)
    small = dtm.X.astype(np.float64)
    # large enough for the compiled, parallel kernels (stored entries × k above SMALL_WORK)
    rng = np.random.default_rng(5)
    large = sp.random(3000, 2000, density=0.05, random_state=rng, format="csr")
    large.data = rng.poisson(2.0, large.nnz) + 1.0
    arrays = {}
    for name, spec in MODELS.items():
        for solver in spec.solvers:
            params = {"max_iter": 25} if solver not in ("randomized", "arpack", "dense") else {}
            settings = [{}]
            if name == "pnmf" and solver != "sgd":
                settings.append({"background": 0.5})
            if name != "lsa":
                settings.append({"alpha_W": 0.1, "l1_H": 0.01})
            for n, extra in enumerate(settings):
                f = factorize(small, 4, model=name, solver=solver, random_state=1, **params, **extra)
                for key in ("W", "H", "loss_curve"):
                    arrays[f"{name}-{solver}-{n}-{key}"] = getattr(f, key)
            if solver != "dense":
                f = factorize(large, 6, model=name, solver=solver, random_state=1, **({"max_iter": 12} if params else {}))
                for key in ("W", "H", "loss_curve"):
                    arrays[f"large-{name}-{solver}-{key}"] = getattr(f, key)
    rng = np.random.default_rng(3)
    R = sp.random(60, 40, density=0.2, random_state=rng, format="csr")
    R.data = np.ceil(R.data * 5)
    for family, estimator in (("explicit", topicmf.ExplicitMF), ("implicit", topicmf.ImplicitMF)):
        solvers = ("sgd", "als", "baseline") if family == "explicit" else ("cg", "exact")
        for solver in solvers:
            for n, extra in enumerate([{}, {"penalty": "total"}] if family == "explicit" else [{}]):
                e = estimator(5, solver=solver, random_state=2, max_iter=8, **extra).fit(R)
                for key in ("user_factors_", "item_factors_", "user_bias_", "item_bias_", "loss_curve_"):
                    arrays[f"{family}-{solver}-{n}-{key}"] = getattr(e, key)
    (target / "api").mkdir(parents=True, exist_ok=True)
    np.savez(target / "api" / "arrays.npz", **arrays)


def record(target: Path, names: list[str]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    if "api" in names:
        record_api(target)
        names = [n for n in names if n != "api"]
    for name in names:
        args, need = RUNS[name]
        if not _available(need):
            print(f"{name}: skipped (needs {need})", file=sys.stderr)
            continue
        out = target / name
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "topicmf", *args, "--out", str(out), "--force", "--quiet"],
                              capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"{name} failed:\n{done.stderr}")
        print(f"{name}: {time.perf_counter() - started:.1f} s", file=sys.stderr)


def _manifest(path: Path, root: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    for prefix in {str(root.resolve()), str(root)}:  # the output folders' own paths (a whole path, not a word)
        text = text.replace(prefix + "/", "<ROOT>/")
    manifest = json.loads(text)
    for key in VOLATILE:
        manifest.pop(key, None)
    for record in (manifest.get("files") or {}).values():
        if isinstance(record, dict):
            record.pop("sha256", None)
    return manifest


def _diff(a, b, where: str, out: list) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key in VOLATILE_ANYWHERE:
                continue
            if key not in a or key not in b:
                out.append(f"{where}.{key}: only in {'after' if key in b else 'before'}")
            else:
                _diff(a[key], b[key], f"{where}.{key}", out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for n, (x, y) in enumerate(zip(a, b)):
            _diff(x, y, f"{where}[{n}]", out)
    elif a != b and not (isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b)):
        out.append(f"{where}: {str(a)[:80]} != {str(b)[:80]}")


def compare_runs(before: Path, after: Path, root_before: Path, root_after: Path) -> list[str]:
    problems = []
    names = {p.name for p in before.iterdir()} | {p.name for p in after.iterdir()}
    for name in sorted(names):
        a, b = before / name, after / name
        if not a.exists() or not b.exists():
            problems.append(f"{name}: only in {'after' if b.exists() else 'before'}")
        elif name.endswith(".csv") or name.endswith(".json") and name != "manifest.json":
            if a.read_bytes() != b.read_bytes():
                problems.append(f"{name}: differs")
        elif name == "manifest.json":
            out: list = []
            _diff(_manifest(a, root_before), _manifest(b, root_after), "manifest", out)
            problems += out
        elif name.endswith(".npz"):
            with np.load(a, allow_pickle=False) as x, np.load(b, allow_pickle=False) as y:
                if set(x.files) != set(y.files):
                    problems.append(f"{name}: arrays {sorted(set(x.files) ^ set(y.files))} in one only")
                for key in sorted(set(x.files) & set(y.files)):
                    u, v = x[key], y[key]
                    if u.dtype != v.dtype or u.shape != v.shape or not np.array_equal(u, v, equal_nan=u.dtype.kind == "f"):
                        worst = (float(np.max(np.abs(u.astype(float) - v.astype(float))))
                                 if u.shape == v.shape and u.dtype.kind in "fi" else None)
                        problems.append(f"{name}[{key}]: differs (max abs difference {worst})")
    return problems


def compare(before: Path, after: Path) -> int:
    bad = 0
    for run in sorted(p for p in before.iterdir() if p.is_dir()):
        other = after / run.name
        if not other.is_dir():
            print(f"{run.name}: not recorded after")
            bad += 1
            continue
        problems = compare_runs(run, other, before, after)
        print(f"{run.name}: {'identical' if not problems else f'{len(problems)} difference(s)'}")
        for line in problems[:20]:
            print(f"    {line}")
        bad += bool(problems)
    return bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("target", type=Path)
    rec.add_argument("--only", nargs="*", default=None, help="Record these runs only.")
    cmp = sub.add_parser("compare")
    cmp.add_argument("before", type=Path)
    cmp.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.what == "record":
        record(args.target, args.only or ["api", *RUNS])
    else:
        sys.exit(1 if compare(args.before, args.after) else 0)


if __name__ == "__main__":
    main()
