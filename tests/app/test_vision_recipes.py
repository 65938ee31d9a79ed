"""The segmentation and detection recipes (examples/shapes_*.toml) run end to end on a tiny
budget through `deepgrad train`, write the model, metrics and figures, evaluate again from the
model file alone, and refuse what does not fit their task (full runs: docs/vision.md)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import cli
from deepgrad.app import recipe as R
from deepgrad.app import recipe_schema as S

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n"
TINY = {  # 24 + 6 images, small networks, one epoch: a second each
    "shapes_segmentation": ({"size": 16}, {"base": 4, "depth": 2}),
    "shapes_detection": ({"size": 32}, {"width": 4}),
}
FIGURES = {
    "shapes_segmentation": ("segmentation.png", "confusion_matrix.png"),
    "shapes_detection": ("detections.png",),
}
METRICS = {
    "shapes_segmentation": ("pixel_accuracy", "mean_iou"),
    "shapes_detection": ("map50", "map50_coco"),
}


def _tiny_recipe_file(name: str, folder: Path) -> Path:
    import tomllib

    recipe = tomllib.loads((ROOT / "examples" / f"{name}.toml").read_text())
    data, args = TINY[name]
    recipe["data"].update(n_samples=24, test_samples=6, **data)
    recipe["model"]["args"].update(args)
    recipe["training"]["verbose"] = 0
    path = folder / f"{name}.json"
    path.write_text(json.dumps(recipe))
    return path


@pytest.fixture(scope="module", params=sorted(TINY))
def run(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    recipe = _tiny_recipe_file(request.param, folder)
    out = folder / "run"
    assert cli.main(["train", str(recipe), "--out", str(out), "--epochs", "1"]) == 0
    return request.param, out


def test_train_writes_model_metrics_and_figures(run):
    name, out = run
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"] == 1 and np.isfinite(metrics["loss"])
    for m in METRICS[name]:
        assert 0.0 <= metrics[m] <= 1.0, m
    assert set(metrics["per_class"]) <= {"background", "circle", "square", "triangle"}
    for f in ("training_curves.png", *FIGURES[name]):
        assert (out / f).read_bytes()[:8] == PNG, f
    model = dg.load_model(out / "model.dg")  # restores the network, its loss and its data
    assert type(model).__name__ == {"shapes_segmentation": "UNet"}.get(name, "CenterNet")
    assert model.preprocessing.task == name.split("_")[1]


def test_evaluate_from_the_model_file_reproduces_the_metrics(run, capsys):
    name, out = run
    assert cli.main(["evaluate", str(out / "model.dg")]) == 0
    printed = dict(line.split(": ") for line in capsys.readouterr().out.splitlines()[1:])
    saved = json.loads((out / "metrics.json").read_text())
    for m in ("loss", *METRICS[name]):
        assert float(printed[m]) == pytest.approx(saved[m], abs=1e-4), m


def test_predict_refuses_naming_the_task(run, tmp_path, capsys):
    name, out = run
    np.save(tmp_path / "x.npy", np.zeros((2, 1, 32, 32), dtype=np.float32))
    assert cli.main(["predict", str(out / "model.dg"), str(tmp_path / "x.npy")]) == 2
    task = name.split("_")[1]
    assert f"was trained for the {task} task" in capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(TINY))
def test_the_example_script_runs_the_recipe(name, tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    calls = []
    monkeypatch.setattr(R, "run", lambda recipe, out, **kw: calls.append((recipe, kw)) or {})
    data, args = TINY[name]
    mod.main(epochs=1, out=tmp_path, verbose=0, data=data, model=args)
    (recipe, kw), = calls  # fmt: skip
    assert recipe["data"]["size"] == data["size"] and kw == {"epochs": 1, "verbose": 0}
    assert recipe["name"] == name.replace("_", "-")


SEG = {"data": {"name": "shapes", "task": "segmentation"},
       "model": {"zoo": "UNet", "args": {"num_classes": 4}}}  # fmt: skip
DET = {"data": {"name": "shapes", "task": "detection"}, "model": {"zoo": "CenterNet"}}


def _with(base: dict, section: str, **keys) -> dict:
    recipe = json.loads(json.dumps(base))
    recipe.setdefault(section, {}).update(keys)
    return recipe


@pytest.mark.parametrize(
    ("recipe", "message"),
    [
        (_with(DET, "training", metrics=["accuracy"]),
         "metrics: 'accuracy' does not apply to the detection task; it reports 'map50', "
         "'map50_coco'"),
        (_with(SEG, "training", metrics=["map50"]),
         "'map50' does not apply to the segmentation task; it reports 'pixel_accuracy'"),
        (_with(SEG, "training", metrics=["mean_iuo"]),
         "unknown metric 'mean_iuo'; did you mean 'mean_iou'?"),
        (_with(SEG, "training", loss="mse"),
         "loss 'mse' does not fit the segmentation task; it trains with 'cross_entropy'"),
        (_with(DET, "training", loss="cross_entropy"),
         "loss 'cross_entropy' does not fit the detection task; it trains with 'centernet'"),
        (_with(DET, "training", loss={"name": "centernet", "size_wieght": 1}),
         "unknown option 'size_wieght'; did you mean 'size_weight'?"),
        (_with(SEG, "data", sise=32), "[data] has no key 'sise'; did you mean 'size'?"),
        (_with(SEG, "data", size="32"), 'size must be an integer, got a string ("32")'),
        (_with(SEG, "data", size=8), "size must be ≥ 16, got 8"),
        (_with(SEG, "data", size=36), "size = 36 must be a multiple of 8 for UNet (2**depth)"),
        (_with(SEG, "data", test_size=0.2), "'test_size' does not apply to the shapes data set"),
        (_with(SEG, "data", task="segmentaton"),
         "unknown task 'segmentaton'; did you mean 'segmentation'?"),
        (_with(SEG, "data", task="classification"), "name = 'shapes' needs task = 'segmentation'"),
        (_with(SEG, "augment", transforms=["shift"]), "[augment] does not apply to the segmentation"),
        (_with(SEG, "model", zoo="CenterNet"), "zoo = 'CenterNet' is a detection network"),
        (_with(SEG, "model", args={}), "args num_classes must be 4 for the shapes data"),
        (_with(DET, "model", args={"num_classes": 4}), "args num_classes must be 3"),
        ({"data": {"name": "digits", "task": "detection"}, "model": {"zoo": "CenterNet"}},
         "task = 'detection' needs the generated shapes data set"),
        ({"data": {"name": "digits"}, "model": {"zoo": "UNet"}},
         "zoo = 'UNet' is a segmentation network"),
        ({"data": {"name": "digits", "max_shapes": 2}, "model": {"zoo": "LeNet5"}},
         "'max_shapes' applies to the data sets shapes, not to 'digits'"),
        ({"data": {"name": "digits"}, "model": {"zoo": "LeNet5"},
          "training": {"metrics": ["mean_iou"]}}, "'mean_iou' is a segmentation metric"),
        ({"data": {"name": "iris"}, "model": {"zoo": "LeNet5"}, "training": {"loss": "centernet"}},
         "loss 'centernet' is the detection task's"),
    ],
)  # fmt: skip
def test_what_does_not_fit_the_task_is_refused(recipe, message):
    with pytest.raises(S.RecipeError) as e:
        S.validate(recipe)
    assert message in str(e.value)
