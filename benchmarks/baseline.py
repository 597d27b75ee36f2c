"""Today's code beside the new: the tree of an earlier commit under var/bench/, served by its own gunicorn.

`tree(commit)` extracts the commit's files (git archive: the repository's history is left as it is) into
var/bench/baseline-<commit>-<pid>/ with its translation catalogs compiled (the benchmark removes it when done);
the project's virtualenv serves it, its own modules first on the path. Whatever goes wrong is said in the
BaselineError's message, which the benchmark prints instead of the baseline's figures: a baseline is never skipped
without a word.
"""

import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"


class BaselineError(Exception):
    """The baseline could not be built or served; the message says why."""


def commit_of(ref: str) -> str:
    """The full commit id that `ref` names in this repository."""
    done = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise BaselineError(f"commit {ref!r} is not in this repository (a shallow clone? fetch its history)")
    return done.stdout.strip()


def _path(commit: str) -> Path:
    return BENCH_DIR / f"baseline-{commit[:12]}-{os.getpid()}"  # one per run: runs may overlap


def tree(ref: str) -> Path:
    """The baseline's tree for `ref`: the commit's files and compiled catalogs."""
    commit = commit_of(ref)
    path = _path(commit)
    ready = path / ".ready"
    if ready.exists():
        return path
    path.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True)
    if archive.returncode != 0:
        raise BaselineError(f"git archive {commit[:12]} failed: {archive.stderr.decode(errors='replace')[-300:]}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(path, filter="data")
    _manage(path, ["catalogs_compile"], "compiling its translation catalogs")
    ready.write_text(commit + "\n")
    return path


def remove(ref: str) -> None:
    """The baseline's tree for `ref` removed, if any: an old copy of the code left in the checkout would be walked
    by the code's own tests."""
    try:
        commit = commit_of(ref)
    except BaselineError:
        return
    shutil.rmtree(_path(commit), ignore_errors=True)


def environment(path: Path) -> dict[str, str]:
    """The variables that make the virtualenv's Python import the baseline's modules, not the checkout's."""
    return {"PYTHONPATH": os.pathsep.join([str(path), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}


def check_imports(path: Path) -> None:
    """Refuse when the baseline's Python would import the project from anywhere but the baseline's tree."""
    done = subprocess.run([sys.executable, "-c", "import fangkong, persons; print(fangkong.__file__); "
                           "print(persons.__file__)"], cwd=path, env=dict(os.environ, **environment(path)),
                          capture_output=True, text=True)
    files = done.stdout.split()
    if done.returncode != 0 or len(files) != 2 or not all(Path(f).is_relative_to(path) for f in files):
        raise BaselineError(f"its modules are not the ones imported ({done.stdout.strip()} "
                            f"{done.stderr.strip()[-300:]})")


def collectstatic(path: Path, static_root: Path) -> None:
    _manage(path, ["collectstatic", "--no-input", "--verbosity", "0"], "collecting its static files",
            env={"STATIC_ROOT": str(static_root)})


def _manage(path: Path, args: list[str], doing: str, env: dict | None = None) -> None:
    environment_ = dict(os.environ, DEBUG="0", HTTPS_ONLY="0", ALLOWED_HOSTS="127.0.0.1",
                        DJANGO_SETTINGS_MODULE="fangkong.settings", **environment(path), **(env or {}))
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=path, env=environment_, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise BaselineError(f"{doing} failed: {(done.stdout + done.stderr).strip()[-400:]}")
