"""Atomic saves: an interrupted save leaves the old file intact, and the temporary file a killed
process left behind is removed by the next save to the same path."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.io import atomic_write, clean_stale_tmp


def test_a_failed_write_leaves_no_tmp_and_the_old_file(tmp_path):
    path = tmp_path / "m.dg"
    nn.Sequential(nn.Linear(2, 2)).save(path)
    before = path.read_bytes()

    def write(f):
        f.write(b"x" * 1000)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, write)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.dg"]


def test_stale_tmp_files_are_cleaned_by_the_next_save(tmp_path):
    path = tmp_path / "m.dg"
    dead = tmp_path / ".m.dg.4194305.abcdefgh.tmp"  # above Linux's largest pid: not running
    alive = tmp_path / f".m.dg.{os.getppid()}.abcdefgh.tmp"  # a running writer: kept
    old = tmp_path / ".m.dg.oldstyle.tmp"  # unknown writer, older than an hour: removed
    recent = tmp_path / ".m.dg.recentxx.tmp"  # unknown writer, recent: kept
    other = tmp_path / ".other.dg.4194305.abcdefgh.tmp"  # another file's: not touched here
    for p in (dead, alive, old, recent, other):
        p.write_bytes(b"partial")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    nn.Sequential(nn.Linear(2, 2)).save(path)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["m.dg", alive.name, recent.name, other.name])
    assert clean_stale_tmp(tmp_path / "other.dg") == [other]


def test_a_killed_save_is_cleaned_up_by_the_next(tmp_path):
    path = tmp_path / "big.dg"
    code = (
        "import sys, time\n"
        "from deepgrad.io import atomic_write\n"
        "def write(f):\n"
        "    f.write(b'x' * 2**20); f.flush(); print('writing', flush=True); time.sleep(60)\n"
        f"atomic_write({str(path)!r}, write)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    tmps = [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]
    assert len(tmps) == 1 and tmps[0].stat().st_size == 2**20 and not path.exists()
    model = nn.Sequential(nn.Linear(2, 2))
    model.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["big.dg"]
    assert isinstance(dg.load_model(path), nn.Sequential)
