"""One random-number tree: ``dg.manual_seed(s)`` decides every random draw of a run — fit's
shuffling, DataLoader shuffling, augmentation, dropout, random_split and the splitters, lazily
built layers and initializers — and ``fit(seed=...)`` is an explicit override that leaves the
global stream where it was."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import backend, nn
from deepgrad.data import (
    Compose,
    DataLoader,
    GaussianNoise,
    KFold,
    RandomHorizontalFlip,
    RandomShift,
    random_split,
    seeding,
    train_test_split,
)

# A whole run with no seed given anywhere but dg.manual_seed: a lazily built layer, dropout,
# augmentation, a DataLoader that shuffles, random_split, and fit (arrays, seed=None) twice.
RUN = r"""
import json, sys
import numpy as np
import deepgrad as dg
from deepgrad import nn
from deepgrad.data import (ArrayDataset, Compose, DataLoader, GaussianNoise,
                           RandomHorizontalFlip, random_split)

dg.manual_seed(int(sys.argv[1]))
data = np.random.default_rng(0)
x = data.normal(size=(48, 1, 4, 4)).astype("float32")
y = (x.reshape(48, -1).sum(1) > 0).astype("int64")
train, _ = random_split(ArrayDataset(x, y), [0.75, 0.25])
aug = Compose([RandomHorizontalFlip(), GaussianNoise(0.1)])
loader = DataLoader(train, batch_size=8, shuffle=True, batch_transform=aug)
model = nn.Sequential(nn.Flatten(), nn.Linear(None, 8), nn.ReLU(), nn.Dropout(0.3),
                      nn.Linear(8, 2))
model.compile(optimizer="adam", loss="cross_entropy")
h1 = model.fit(loader, epochs=3, verbose=0)
h2 = model.fit(x, y, epochs=2, batch_size=8,
               validation_split=0.25, verbose=0)
weights = {k: np.asarray(v).tobytes().hex() for k, v in model.state_dict().items()}
print(json.dumps({"weights": weights, "h1": h1.history, "h2": h2.history}))
"""


def _runs(*seeds: int) -> list[dict]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RUN, str(s)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for s in seeds
    ]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
        outs.append(json.loads(out.decode().strip().splitlines()[-1]))
    return outs


def test_the_same_manual_seed_gives_the_same_run_in_two_processes():
    a, b, c = _runs(3, 3, 4)
    assert a["weights"] == b["weights"]  # bit for bit
    assert a["h1"] == b["h1"] and a["h2"] == b["h2"]
    assert a["weights"] != c["weights"]
    assert a["h1"]["loss"] != c["h1"]["loss"]


def _fit_once(seed: int | None = None) -> tuple[list[float], np.ndarray]:
    x = np.random.default_rng(1).normal(size=(32, 5)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    model = nn.Sequential(nn.Linear(5, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    model.compile(optimizer="sgd", loss="cross_entropy")
    h = model.fit(x, y, epochs=2, batch_size=4, verbose=0, seed=seed)
    return h.history["loss"], model[0].weight.numpy().copy()


def test_fit_without_a_seed_is_decided_by_manual_seed():
    dg.manual_seed(3)
    loss_a, w_a = _fit_once()
    dg.manual_seed(3)
    loss_b, w_b = _fit_once()
    assert loss_a == loss_b and np.array_equal(w_a, w_b)
    dg.manual_seed(4)
    loss_c, _ = _fit_once()
    assert loss_a != loss_c


def test_fit_seed_overrides_and_leaves_the_global_stream_where_it_was():
    dg.manual_seed(0)
    loss_a, w_a = _fit_once(seed=7)
    after_fit = dg.rand(3).numpy()
    dg.manual_seed(0)
    loss_b, w_b = _fit_once(seed=7)
    assert loss_a == loss_b and np.array_equal(w_a, w_b)
    # the fit's draws (shuffling, dropout) came from its own generator: the global stream
    # continues as if the fit had not run (only building the model drew from it)
    dg.manual_seed(0)
    nn.Sequential(nn.Linear(5, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    assert np.array_equal(dg.rand(3).numpy(), after_fit)
    dg.manual_seed(0)
    loss_c, _ = _fit_once(seed=8)
    assert loss_c != loss_a


def test_fit_refuses_a_bad_seed():
    with pytest.raises(ValueError, match="seed must be a non-negative int, got -1"):
        _fit_once(seed=-1)


def test_fork_rng_restores_the_stream_even_after_an_error():
    dg.manual_seed(2)
    expected = dg.rand(4).numpy()
    dg.manual_seed(2)
    with pytest.raises(RuntimeError), backend.fork_rng(9):
        dg.rand(10)
        raise RuntimeError
    assert np.array_equal(dg.rand(4).numpy(), expected)
    with pytest.raises(ValueError, match="non-negative int seed"):
        with backend.fork_rng(-3):
            pass


def test_dataloader_shuffling_follows_manual_seed_even_when_made_before_it():
    x = np.arange(20)

    def order(loader):
        return np.concatenate(list(loader)).tolist()

    loader = DataLoader(x, batch_size=5, shuffle=True)
    dg.manual_seed(5)
    first = [order(loader), order(loader)]
    assert first[0] != first[1]  # a new order every epoch
    loader = DataLoader(x, batch_size=5, shuffle=True)
    dg.manual_seed(5)
    assert [order(loader), order(loader)] == first
    dg.manual_seed(6)
    assert order(DataLoader(x, batch_size=5, shuffle=True)) != first[0]


def test_dataloader_draws_its_seed_before_a_prefetch_thread_starts():
    x = np.arange(64)
    dg.manual_seed(1)
    plain = np.concatenate(list(DataLoader(x, batch_size=4, shuffle=True))).tolist()
    dg.manual_seed(1)
    ahead = np.concatenate(list(DataLoader(x, batch_size=4, shuffle=True, prefetch=2)))
    assert ahead.tolist() == plain


def test_augmentations_and_splits_without_a_seed_follow_manual_seed():
    images = np.random.default_rng(0).normal(size=(6, 1, 5, 5)).astype("float32")

    def draws():
        aug = Compose([RandomHorizontalFlip(), RandomShift(1), GaussianNoise(0.1)])
        parts = random_split(np.arange(10), [0.5, 0.5])
        tr, te = train_test_split(np.arange(10))
        folds = [t.tolist() for _, t in KFold(2, shuffle=True).split(np.zeros(10))]
        return aug(images), parts[0].indices.tolist(), tr.tolist(), folds

    dg.manual_seed(11)
    a = draws()
    dg.manual_seed(11)
    b = draws()
    assert np.array_equal(a[0], b[0]) and a[1:] == b[1:]
    dg.manual_seed(12)
    c = draws()
    assert not np.array_equal(a[0], c[0]) and a[1] != c[1]


def test_the_data_package_alone_draws_os_entropy():
    """Without a seed source (the data package used on its own) seeds come from the OS."""
    seeding.set_seed_source(None)
    try:
        assert seeding.draw_seed() != seeding.draw_seed()
    finally:
        seeding.set_seed_source(backend.draw_seed)
    dg.manual_seed(0)
    a = seeding.draw_seed()
    dg.manual_seed(0)
    assert seeding.draw_seed() == a
    with pytest.raises(TypeError, match="callable or None"):
        seeding.set_seed_source(3)  # type: ignore[arg-type]
