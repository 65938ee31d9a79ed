"""Shared fixtures of the documentation tests: the site is built once per test session.

``mkdocs build --strict`` runs in a subprocess in quick mode (``DEEPGRAD_DOCS_QUICK=1``): its
hook ``docs/hooks/run_pages.py`` executes every Python block of every page and writes a JSON
report of each page's outcome, which the page tests read. Under pytest-xdist the workers
share one build (the run's temporary root and a file lock). Without MkDocs installed the
pages are run directly (``run_page``) and the build tests skip.
"""

from __future__ import annotations

import fcntl
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def have_mkdocs() -> bool:
    return all(
        importlib.util.find_spec(m) is not None
        for m in ("mkdocs", "material", "mkdocstrings_handlers")
    )


@pytest.fixture(scope="session")
def docs_root(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":  # xdist: basetemp is per worker; its parent is per run
        root = root.parent
    out = root / "docs-build"
    out.mkdir(exist_ok=True)
    return out


@pytest.fixture(scope="session")
def built_site(docs_root: Path) -> dict:
    """``{"returncode", "log", "site": Path, "report": {page: outcome}}`` of one quick build."""
    if not have_mkdocs():
        pytest.skip("MkDocs is not installed (pip install -e '.[docs]'); site not built")
    with open(docs_root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = docs_root / "build.json"
        if not done.is_file():
            env = dict(
                os.environ,
                DEEPGRAD_DOCS_QUICK="1",
                DEEPGRAD_DOCS_CACHE=str(docs_root / "cache"),
                DEEPGRAD_DOCS_REPORT=str(docs_root / "report.json"),
                NO_MKDOCS_2_WARNING="1",
                MPLBACKEND="Agg",
                # one BLAS thread: the machine's cores are shared with the other tests
                OMP_NUM_THREADS="1",
                OPENBLAS_NUM_THREADS="1",
                MKL_NUM_THREADS="1",
            )
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "mkdocs",
                    "build",
                    "--strict",
                    "-q",
                    "-f",
                    str(ROOT / "mkdocs.yml"),
                    "-d",
                    str(docs_root / "site"),
                ],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
            )
            report_file = docs_root / "report.json"
            report = json.loads(report_file.read_text()) if report_file.is_file() else {}
            done.write_text(
                json.dumps(
                    {
                        "returncode": proc.returncode,
                        "log": (proc.stdout + proc.stderr)[-20000:],
                        "report": report,
                    }
                )
            )
        result = json.loads(done.read_text())
    result["site"] = docs_root / "site"
    return result
