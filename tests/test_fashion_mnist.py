"""Fashion-MNIST end to end on the real files: a short training run through ``fit`` and through
``deepgrad train`` with a recipe, the example recipes, and the PyTorch mirror that
``benchmarks/fashion_mnist.py`` compares them with.

Skipped when the files are not installed (CI installs Debian's ``dataset-fashion-mnist``).
Shapes, dtypes, label balance and checksums are tested in ``tests/data/test_fashion_mnist.py``.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import cli, nn, optim
from deepgrad import data as D
from deepgrad.app import recipe as R

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("fashion_mnist_*.toml"))

pytestmark = pytest.mark.skipif(
    D.find_fashion_mnist() is None,
    reason="Fashion-MNIST files not installed: apt-get install dataset-fashion-mnist "
    "(or set DEEPGRAD_FASHION_MNIST to a folder with the four IDX .gz files)",
)


@pytest.fixture(scope="module")
def fmnist():
    """The real files, read once: ((x_train, y_train), (x_test, y_test)), images (N, 1, 28, 28)."""
    return D.load_fashion_mnist(verify=False)


@pytest.fixture
def cached_loader(fmnist, monkeypatch):
    """``load_fashion_mnist`` answered from the module's copy (same arrays, no re-reading)."""

    def load(path=None, flat=False, normalize=True, verify=True):
        (x, y), (xt, yt) = fmnist
        if flat:
            x, xt = x.reshape(len(x), -1), xt.reshape(len(xt), -1)
        return (x, y), (xt, yt)

    monkeypatch.setattr(D, "load_fashion_mnist", load)


def _bench_module():
    spec = importlib.util.spec_from_file_location(
        "fashion_mnist_bench", ROOT / "benchmarks" / "fashion_mnist.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_fit_one_epoch_on_a_subset_beats_chance(fmnist):
    (x, y), (xt, yt) = fmnist
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 7 * 7, 10),
    )  # fmt: skip
    model.compile(optimizer=optim.Adam(lr=2e-3), loss="cross_entropy", metrics=["accuracy"])
    history = model.fit(x[:5000], y[:5000], epochs=1, batch_size=64, verbose=0, seed=0)
    assert len(history.epoch) == 1
    result = model.evaluate(xt[:2000], yt[:2000], batch_size=500, return_dict=True)
    assert result["accuracy"] > 0.6, result  # chance: 0.1
    # not one or two classes guessed for everything
    pred = model.predict(xt[:2000], batch_size=500).argmax(axis=1)
    assert len(np.unique(pred)) >= 8


def test_deepgrad_train_with_a_recipe(tmp_path, capsys):
    recipe = R.load_recipe(ROOT / "examples" / "fashion_mnist_mlp.toml")
    recipe["data"].update(subset=5000, test_subset=2000)
    path = tmp_path / "recipe.json"
    path.write_text(json.dumps(recipe))
    out = tmp_path / "run"
    assert cli.main(["train", str(path), "--out", str(out), "--epochs", "1", "--verbose", "0"]) == 0
    assert "5000 training and 2000 test samples" in capsys.readouterr().out
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"] == 1
    assert metrics["accuracy"] > 0.6, metrics
    assert (out / "confusion_matrix.png").is_file()
    # the saved model and recipe evaluate to the same test accuracy
    assert cli.main(["evaluate", str(out / "model.dg")]) == 0
    printed = capsys.readouterr().out
    assert float(printed.split("accuracy:")[1].split()[0]) == pytest.approx(
        metrics["accuracy"], abs=1e-4
    )


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_recipe_builds_and_mirrors_in_pytorch(path, cached_loader, torch):
    """Each example: its data and model fit together (10 logits per image), and the PyTorch
    module the benchmark builds from it computes the same function with the same weights."""
    bench = _bench_module()
    recipe = R.load_recipe(path)
    assert recipe["data"]["name"] == "fashion-mnist"
    assert recipe["name"] in bench.PUBLISHED
    ds = R.load_data(dict(recipe["data"], subset=16, test_subset=16))
    dg.manual_seed(0)
    model = R.build_model(recipe["model"])
    model.eval()
    with dg.no_grad():
        out = model(dg.tensor(ds["x_test"])).numpy()
    assert out.shape == (16, 10) and np.isfinite(out).all()
    tmodel = bench.torch_module(model)
    tmodel.load_state_dict(
        {k: torch.from_numpy(np.array(v)) for k, v in model.state_dict().items()}, strict=False
    )
    tmodel.eval()
    with torch.no_grad():
        tout = tmodel(torch.from_numpy(ds["x_test"])).numpy()
    np.testing.assert_allclose(out, tout, rtol=1e-4, atol=1e-4)


def test_benchmark_runs_both_frameworks_side_by_side(cached_loader, tmp_path, torch):
    """The benchmark's loop on a few batches: same initial weights, both frameworks train,
    the time-to-accuracy fields are filled in."""
    import argparse

    bench = _bench_module()
    args = argparse.Namespace(
        subset=512, test_subset=256, epochs=2, threads=1, frameworks="deepgrad,pytorch"
    )
    r = bench.bench_recipe(str(ROOT / "examples" / "fashion_mnist_mlp.toml"), args, tmp_path)
    for fw in ("deepgrad", "pytorch"):
        assert len(r[fw]["test_accuracy"]) == 2 and len(r[fw]["epoch_seconds"]) == 2
        assert r[fw]["final_accuracy"] > 0.5  # 2 epochs on 512 images
    assert r["target_accuracy"] == r["deepgrad"]["final_accuracy"]
    assert r["time_to_accuracy_ratio"] > 0 and r["epoch_time_ratio"] > 0
    assert bench.time_to([0.5, 0.7, 0.8], [1.0, 2.0, 3.0], 0.7) == 3.0
    assert bench.time_to([0.5, 0.6], [1.0, 2.0], 0.7) is None
    row = {
        "published": {"row": "x", "accuracy": [0.6, 0.7]},
        "deepgrad": {"test_accuracy": [0.5, 0.71], "epoch_seconds": [10.0, 20.0]},
        "pytorch": {"test_accuracy": [0.5, 0.69], "epoch_seconds": [5.0, 5.0]},
    }
    assert bench._to_published(row) == "30 s (ep. 2) / —"  # the top figure, 0.7, is the target
    text = bench.markdown({"machine": {"cpus": 2, "threads": 2, "date": "today"}, "runs": [r]})
    assert "## Fashion-MNIST" in text and "fashion_mnist_mlp.toml" in text


SMALL_AUGMENTED = {
    "name": "fm-small-augmented",
    "data": {"name": "fashion-mnist", "subset": 768, "test_subset": 256},
    "model": {
        "layers": [
            {"type": "Conv2d", "args": [1, 4, 3], "padding": 1},
            {"type": "ReLU"},
            {"type": "MaxPool2d", "args": [2]},
            {"type": "Flatten"},
            {"type": "Linear", "args": [None, 32]},  # lazy: built by fit's first batch
            {"type": "ReLU"},
            {"type": "Dropout", "args": [0.3]},
            {"type": "Linear", "args": [32, 10]},
        ]
    },
    "optimizer": {"name": "adam", "lr": 0.003},
    "schedule": {"name": "CosineAnnealingLR", "T_max": 3},
    "augment": {"transforms": ["hflip", "shift"], "shift": 2},
    "training": {"epochs": 3, "batch_size": 64, "seed": 3},
}


def test_benchmark_trains_deepgrad_exactly_as_deepgrad_train(cached_loader, tmp_path, torch):
    """The benchmark's deepgrad accuracies are the ones ``deepgrad train`` gets (same seed,
    dropout stream, augmented batches, lazy-layer weights), and PyTorch trains on the very
    batches deepgrad's loader augmented."""
    import argparse

    bench = _bench_module()
    path = tmp_path / "recipe.json"
    path.write_text(json.dumps(SMALL_AUGMENTED))
    args = argparse.Namespace(
        subset=None, test_subset=None, epochs=None, threads=1, frameworks="deepgrad,pytorch"
    )
    seen: list[int] = []
    real_epoch = bench.TorchRun.train_epoch

    def spy(self, epoch, batches=None):
        assert batches is not None and len(batches) == 12  # ceil(768 / 64), this epoch's
        seen.append(sum(len(b[0]) for b in batches))
        return real_epoch(self, epoch, batches)

    bench.TorchRun.train_epoch = spy
    r = bench.bench_recipe(str(path), args, tmp_path / "bench")
    assert seen == [768, 768, 768]
    assert r["augment"] == SMALL_AUGMENTED["augment"]
    assert len(r["pytorch"]["test_accuracy"]) == 3
    ran = R.run(
        json.loads(path.read_text()), tmp_path / "train", verbose=0, print_fn=lambda s: None
    )
    assert r["deepgrad"]["final_accuracy"] == pytest.approx(ran["accuracy"], abs=1e-4)


def test_recorder_keeps_the_batches_of_the_epoch_being_trained():
    bench = _bench_module()
    x = np.arange(10, dtype=np.float32).reshape(10, 1, 1, 1)
    loader = D.DataLoader(D.ArrayDataset(x, np.arange(10)), batch_size=4, shuffle=True, seed=0)
    rec = bench.Recorder(loader)
    assert len(rec) == 3
    next(iter(rec))  # fit's up-front check of the first batch
    rec.set_epoch(1)
    got = list(rec)
    assert len(rec.batches) == 3 and all(a is b for a, b in zip(got, rec.batches))
    order = np.concatenate([b[1] for b in rec.batches])
    assert sorted(order) == list(range(10))
    np.testing.assert_array_equal(order, np.random.default_rng([0, 1]).permutation(10))
