"""``import deepgrad`` asks OpenBLAS to put its idle threads to sleep soon
(``OPENBLAS_THREAD_TIMEOUT=20``) where it is the first to load NumPy, never over the user's
own setting, and the pool of :mod:`deepgrad.threads` follows what OpenBLAS really read."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = (
    "import os, sys\n"
    "{first}\n"
    "from deepgrad import threads\n"
    "from threadpoolctl import threadpool_limits\n"
    "with threadpool_limits(2):\n"
    "    n = threads.worker_count()\n"
    "print(os.environ.get('OPENBLAS_THREAD_TIMEOUT'), threads._blas_sleeps_soon(), n)\n"
)


def _probe(first: str, **env: str) -> list[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_THREAD_TIMEOUT",
                                                              "DEEPGRAD_NUM_WORKERS")}  # fmt: skip
    environ.update(env)
    out = subprocess.run([sys.executable, "-c", PROBE.format(first=first)], env=environ,
                         capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    return out.stdout.split()


def _openblas() -> bool:
    from threadpoolctl import threadpool_info

    return any(p.get("internal_api") == "openblas" for p in threadpool_info())


def test_deepgrad_imported_first_sets_the_timeout():
    timeout, sleeps, n = _probe("import deepgrad")
    assert timeout == "20"
    if _openblas():
        assert sleeps == "True"
        assert n == "2"  # the pool follows the BLAS pool's size


def test_numpy_imported_first_leaves_openblas_alone_and_the_pool_off():
    timeout, sleeps, n = _probe("import numpy\nimport deepgrad")
    assert timeout == "None"
    assert sleeps == "False"
    assert n == "1"


@pytest.mark.parametrize("value, on", [("25", False), ("18", True)])
def test_the_users_own_setting_wins(value, on):
    timeout, sleeps, n = _probe("import deepgrad", OPENBLAS_THREAD_TIMEOUT=value)
    assert timeout == value
    if _openblas():
        assert sleeps == str(on)
        assert n == ("2" if on else "1")


def test_deepgrad_num_workers_overrides_the_default():
    timeout, sleeps, n = _probe("import deepgrad", DEEPGRAD_NUM_WORKERS="1")
    assert timeout == "20"
    assert n == "1"
