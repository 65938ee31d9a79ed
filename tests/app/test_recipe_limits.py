"""A recipe's numbers cannot make deepgrad allocate without bound: the model's parameters and a
generated data set are counted before they are allocated, and refused above a limit that an
environment variable raises."""

from __future__ import annotations

from pathlib import Path

import pytest

from deepgrad.app import recipe as R
from deepgrad.app import recipe_limits as L
from deepgrad.app.recipe_schema import RecipeError

ROOT = Path(__file__).resolve().parents[2]
HUGE = {"layers": [{"type": "Linear", "in_features": 100_000, "out_features": 100_000}]}


def test_a_huge_layer_is_refused_before_it_is_allocated_naming_layer_count_and_limit(tmp_path):
    """It validated, then asked NumPy for 10^10 floats."""
    recipe = tmp_path / "huge.toml"
    recipe.write_text('[model]\nlayers = [{type = "Linear", in_features = 100000, out_features = 100000}]\n')  # fmt: skip
    spec = R.load_recipe(recipe)["model"]
    with pytest.raises(RecipeError) as e:
        R.build_model(spec)
    msg = str(e.value)
    assert msg.startswith("model.layers[0] (Linear) asks for an array of shape (100000, 100000)")
    assert "10,000,000,000 elements" in msg and "at most 100,000,000" in msg
    assert "DEEPGRAD_MAX_PARAMETERS" in msg


def test_the_environment_variable_sets_the_parameter_limit(monkeypatch):
    small = {"layers": [{"type": "Linear", "in_features": 10, "out_features": 10}]}
    big = {"layers": [small["layers"][0], {"type": "Linear", "in_features": 10, "out_features": 100}]}  # fmt: skip
    monkeypatch.setenv("DEEPGRAD_MAX_PARAMETERS", "1000")
    assert sum(p.numel() for p in R.build_model(small).parameters()) == 110
    with pytest.raises(RecipeError, match=r"model.layers\[1\] \(Linear\) asks .* bring the model to 1,110 .* at most 1,000"):  # fmt: skip
        R.build_model(big)
    with pytest.raises(RecipeError, match=r"model \(zoo MLP\) asks .* at most 1,000"):
        R.build_model({"zoo": "MLP", "args": {"in_features": 64, "hidden": [32], "out_features": 10}})  # fmt: skip
    monkeypatch.setenv("DEEPGRAD_MAX_PARAMETERS", "2000")
    assert len(R.build_model(big)) == 2
    monkeypatch.setenv("DEEPGRAD_MAX_PARAMETERS", "lots")
    with pytest.raises(RecipeError, match="DEEPGRAD_MAX_PARAMETERS must be a positive whole number of elements, got 'lots'; unset it for the default 100,000,000"):  # fmt: skip
        R.build_model(small)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"name": "moons", "n_samples": 10**10}, "moons set of n_samples = 10000000000 would hold 30,000,000,000"),
        ({"name": "house_prices", "n_samples": 10**9}, "house_prices set of n_samples = 1000000000"),
        ({"name": "shapes", "task": "segmentation", "size": 4096}, "shapes set of n_samples \\+ test_samples = 2300 images of size = 4096"),
    ],
)  # fmt: skip
def test_a_huge_generated_data_set_is_refused_before_it_is_generated(spec, message):
    with pytest.raises(RecipeError, match=message + ".*DEEPGRAD_MAX_DATA_ELEMENTS"):
        R.load_data(spec)


def test_the_environment_variable_sets_the_data_limit(monkeypatch):
    monkeypatch.setenv("DEEPGRAD_MAX_DATA_ELEMENTS", "1000")
    with pytest.raises(RecipeError, match="at most 1,000"):
        R.load_data({"name": "moons", "n_samples": 500})
    monkeypatch.setenv("DEEPGRAD_MAX_DATA_ELEMENTS", "1500")
    assert len(R.load_data({"name": "moons", "n_samples": 500})["x_train"]) == 375


def test_a_huge_recipe_is_refused_before_any_work(tmp_path, monkeypatch):
    def no_work(*a, **k):
        raise AssertionError("data were loaded for a recipe that should have been refused")

    monkeypatch.setattr(R, "load_data", no_work)
    with pytest.raises(RecipeError, match="asks for an array of shape"):
        R.run({"model": HUGE}, tmp_path / "out")
    with pytest.raises(RecipeError, match="would hold 30,000,000,000"):
        R.run({"model": HUGE, "data": {"name": "moons", "n_samples": 10**10}}, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_every_bundled_recipe_is_within_the_limits():
    examples = sorted((ROOT / "examples").glob("*.toml"))
    assert len(examples) >= 8
    for path in examples:
        recipe = R.load_recipe(path)
        L.check_data_size(recipe.get("data", {}))
        assert (
            sum(p.numel() for p in R.build_model(recipe["model"]).parameters()) < L.MAX_PARAMETERS
        )


def _moons_run(tmp_path, layers, batch_size=32, n_samples=200):
    recipe = {
        "data": {"name": "moons", "n_samples": n_samples},
        "model": {"layers": layers},
        "training": {"epochs": 1, "batch_size": batch_size, "verbose": 0},
        "callbacks": {"csv_logger": False},
    }
    return R.run(recipe, tmp_path / "out", print_fn=lambda s: None)


def test_a_lazy_layer_is_held_to_the_parameter_limit_when_it_is_built(tmp_path):
    """Linear(None, 10^9) validated and built (no weights yet), then asked NumPy for 10^9 x 2
    floats at the first batch."""
    lazy = [{"type": "Linear", "in_features": None, "out_features": 1_000_000_000}]
    with pytest.raises(RecipeError) as e:
        _moons_run(tmp_path, lazy)
    msg = str(e.value)
    assert msg.startswith("model.layers[0] (Linear) asks for an array of shape (1000000000, 2)")
    assert "at most 100,000,000" in msg and "DEEPGRAD_MAX_PARAMETERS" in msg


def test_a_lazy_model_trains_as_before_the_check(tmp_path):
    """The check runs a copy of a lazy model: fit builds the layers, drawing as it did."""
    import deepgrad as dg

    layers = [{"type": "Linear", "args": [None, 8]}, {"type": "ReLU"}, {"type": "Linear", "args": [8, 2]}]  # fmt: skip
    got = _moons_run(tmp_path, layers)
    ds = R.load_data({"name": "moons", "n_samples": 200})
    dg.manual_seed(0)
    model = R.build_model({"layers": layers})
    model.compile(optimizer=R.build_optimizer({}), loss="cross_entropy", metrics=["accuracy"])
    model.fit(ds["x_train"], ds["y_train"], epochs=1, batch_size=32, verbose=0, seed=0)
    assert model[0].weight.shape == (8, 2)
    want = model.evaluate(ds["x_test"], ds["y_test"], batch_size=256, verbose=0, return_dict=True)
    assert got["loss"] == pytest.approx(want["loss"], rel=1e-6)


def test_the_first_batch_activations_are_bounded(tmp_path, monkeypatch):
    """Linear(2, 10^7) with batch_size = 10^4 asked for 10^11 floats at the first forward."""
    wide = [{"type": "Linear", "args": [2, 10_000_000]}]
    with pytest.raises(RecipeError) as e:
        _moons_run(tmp_path, wide, batch_size=10_000, n_samples=20_000)
    msg = str(e.value)
    assert msg.startswith("model.layers[0] (Linear)'s output (shape (10000000,) a sample)")
    assert "batch_size = 10000 to 100,000,020,000 elements" in msg
    assert "at most 268,435,456. Use batch_size = 26 or less" in msg
    assert "DEEPGRAD_MAX_ACTIVATIONS" in msg
    monkeypatch.setenv("DEEPGRAD_MAX_ACTIVATIONS", "1000")
    small = [{"type": "Linear", "args": [2, 16]}, {"type": "ReLU"}, {"type": "Linear", "args": [16, 2]}]  # fmt: skip
    with pytest.raises(RecipeError, match=r"model.layers\[1\] \(ReLU\)'s output .* at most 1,000"):
        _moons_run(tmp_path, small)
    monkeypatch.setenv("DEEPGRAD_MAX_ACTIVATIONS", "10000")
    assert _moons_run(tmp_path, small)["epochs"] == 1


def test_every_bundled_recipe_s_first_batch_is_within_the_activation_limit():
    import numpy as np

    for path in sorted((ROOT / "examples").glob("*.toml")):
        recipe = R.load_recipe(path)
        spec = recipe.get("data", {})
        if spec.get("name") == "fashion-mnist":  # a download: a sample of its shape
            x = np.zeros((1, 784) if spec.get("flat") else (1, 1, 28, 28), np.float32)
            x = x.reshape(1, *spec["reshape"]) if "reshape" in spec else x
        else:
            x = R.load_data(spec)["x_train"]
        batch = recipe.get("training", {}).get("batch_size", 32)
        L.check_first_batch(R.build_model(recipe["model"]), x, batch, "zoo" in recipe["model"])
