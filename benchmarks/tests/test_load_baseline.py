"""bench_load's baseline (benchmarks/baseline.py): today's code extracted and served beside the checkout's, or
said to be missing; never skipped without a word."""

import secrets
import subprocess

from benchmarks import baseline, bench_load


def test_a_baseline_that_cannot_be_built_is_said_so_instead_of_its_figures(monkeypatch):
    monkeypatch.setattr(bench_load, "BASELINE", "0" * 40)
    server, said = bench_load._baseline()
    assert server is None
    assert said.startswith("NOT MEASURED: the baseline 0000000000000000000000000000000000000000 could not be built")


def test_an_empty_baseline_is_said_to_be_not_measured(monkeypatch):
    monkeypatch.setattr(bench_load, "BASELINE", "")
    assert bench_load._baseline() == (None, "not measured (BENCH_LOAD_BASELINE is empty)")


def test_the_baseline_s_tree_is_the_commit_s_files_with_catalogs_and_imports_its_own_modules(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(50))
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=baseline.ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()
    path = baseline.tree("HEAD")
    try:
        assert path.is_relative_to(baseline.BENCH_DIR) and (path / ".ready").read_text().strip() == head
        assert (path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo").exists()
        baseline.check_imports(path)  # refuses when the checkout's modules would be imported instead
    finally:
        baseline.remove("HEAD")
    assert not path.exists()
