"""The segmentation and detection examples run end to end on a tiny budget and write their
results and figures (their full runs are measured in docs/vision.md)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize(
    "name, kw, figure, key",
    [
        ("shapes_segmentation", dict(size=16, depth=2, base=4), "segmentation.png", "mean_iou"),
        ("shapes_detection", dict(size=32, width=4), "detections.png", "map50_voc"),
    ],
)
def test_example_runs_and_writes(tmp_path, name, kw, figure, key):
    res = _load(name).main(n_train=32, n_test=8, epochs=1, out=tmp_path, verbose=0, **kw)
    assert 0.0 <= res[key] <= 1.0
    assert json.loads((tmp_path / "results.json").read_text())[key] == res[key]
    assert (tmp_path / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
