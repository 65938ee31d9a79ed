"""Atomic writes from the NumPy-only floor: a writer that fails mid-way leaves the old file."""

from __future__ import annotations

import numpy as np
import pytest

from deepgrad.data import read_idx, write_idx
from deepgrad.data.atomic import atomic_write_text


def test_atomic_write_text_failing_midway_keeps_the_old_file(tmp_path, disk_full_after):
    path = tmp_path / "notes.txt"
    atomic_write_text(path, "old")
    with disk_full_after(1000), pytest.raises(OSError):
        atomic_write_text(path, "new" * 1000)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("name", ["x-idx1-ubyte", "x-idx1-ubyte.gz"])
def test_write_idx_failing_midway_keeps_the_old_file(tmp_path, disk_full_after, name):
    path = write_idx(tmp_path / name, np.arange(5, dtype=np.uint8))
    new = np.random.default_rng(0).integers(0, 256, 100_000).astype(np.uint8)
    with disk_full_after(4096), pytest.raises(OSError):
        write_idx(path, new)
    assert read_idx(path).tolist() == [0, 1, 2, 3, 4]
    assert [p.name for p in tmp_path.iterdir()] == [name]
