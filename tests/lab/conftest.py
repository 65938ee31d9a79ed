"""Shared fixtures of the lab tests: each quick experiment runs once per test session.

Under pytest-xdist the workers share one output folder (the run's temporary root) and a file
lock per experiment, so an experiment asked for by tests on two workers still runs once; the
others read its JSON.
"""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

import pytest

from deepgrad import lab


@pytest.fixture(scope="session")
def lab_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":  # xdist: basetemp is per worker; its parent is per run
        root = root.parent
    out = root / "lab-quick"
    out.mkdir(exist_ok=True)
    return out


@pytest.fixture(scope="session")
def lab_result(lab_dir: Path):
    """``lab_result(name)``: the quick run's result dict (run on first use, then cached)."""
    cache: dict[str, dict] = {}

    def get(name: str) -> dict:
        if name in cache:
            return cache[name]
        with open(lab_dir / f".{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            path = lab_dir / f"{name}.json"
            if path.is_file() and all(
                (lab_dir / f).is_file() for f in json.loads(path.read_text())["figures"]
            ):
                res = json.loads(path.read_text())
            else:
                res = lab.EXPERIMENTS[name](out=lab_dir, quick=True, seed=0)
        cache[name] = res
        return res

    return get


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    """``"master"`` without xdist, else the worker's id (xdist provides this fixture too)."""
    wi = getattr(request.config, "workerinput", None)
    return "master" if wi is None else wi["workerid"]
