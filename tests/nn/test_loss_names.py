"""The one table of loss names: compile, nn.loss.get, recipes and the docs read it; PyTorch's
functional names compute what torch.nn.functional computes; unknown names get the nearest."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad as dg
from deepgrad import nn
from deepgrad.app import recipe_schema as S
from deepgrad.nn import loss_names as LN


def _pair(name: str, rng: np.random.Generator):
    x = rng.standard_normal((5, 3))
    if name in ("cross_entropy", "multi_margin_loss", "nll_loss"):
        y = rng.integers(0, 3, 5)
        if name == "nll_loss":
            x = x - np.log(np.exp(x).sum(1, keepdims=True))
        return x, y
    if name == "binary_cross_entropy":
        return 1 / (1 + np.exp(-x)), (rng.random((5, 3)) > 0.5).astype(np.float64)
    if name in ("binary_cross_entropy_with_logits", "multilabel_soft_margin_loss"):
        return x, (rng.random((5, 3)) > 0.5).astype(np.float64)
    if name == "kl_div":
        p = rng.dirichlet(np.ones(3), 5)
        return np.log(rng.dirichlet(np.ones(3), 5)), p
    if name in ("hinge_embedding_loss", "soft_margin_loss"):
        return x, np.where(rng.random((5, 3)) > 0.5, 1.0, -1.0)
    if name == "poisson_nll_loss":
        return x, rng.poisson(2.0, (5, 3)).astype(np.float64)
    return x, rng.standard_normal((5, 3))


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")  # torch's kl_div notice
def test_pytorch_functional_names_compute_what_torch_computes():
    rng = np.random.default_rng(0)
    torch_rows = [r for r in LN.TABLE.values() if "PyTorch" in r.origin]
    assert {r.name for r in torch_rows} >= {
        "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
        "cross_entropy",
        "mse_loss",
        "l1_loss",
        "smooth_l1_loss",
        "huber_loss",
        "nll_loss",
        "kl_div",
        "poisson_nll_loss",
    }
    for r in torch_rows:
        x, y = _pair(r.name, rng)
        want = getattr(TF, r.name)(torch.tensor(x), torch.tensor(y))
        xd = dg.tensor(x, dtype="float64", requires_grad=True)
        got = nn.loss.get(r.name)(xd, y)
        assert got.item() == pytest.approx(want.item(), rel=1e-9, abs=1e-12), r.name


def test_every_name_resolves_and_records_its_canonical_name_and_kind():
    for name, row in LN.TABLE.items():
        loss = nn.loss.get(name)
        assert isinstance(loss, row.cls), name
        assert nn.loss.name_of(loss) == row.canonical
        assert nn.loss.KIND[row.canonical] == row.kind
        for k, v in row.fixed.items():
            assert getattr(loss, k) == v
    # names that mean different computations never share a module
    assert type(nn.loss.get("kl_divergence")) is not type(nn.loss.get("kl_div"))
    assert type(nn.loss.get("binary_crossentropy")) is not type(nn.loss.get("bce"))
    # Keras's poisson is PyTorch's with the rate itself and Keras's epsilon
    p = nn.loss.get("poisson")
    assert (p.log_input, p.eps) == (False, 1e-7)
    with pytest.raises(ValueError, match="fixes"):
        nn.loss.get("poisson", eps=1e-3)


def test_unknown_names_and_options_name_the_nearest():
    with pytest.raises(
        ValueError, match="unknown loss 'mean_squared_eror'; did you mean 'mean_squared_error'"
    ):
        nn.loss.get("mean_squared_eror")
    with pytest.raises(ValueError, match="did you mean 'categorical_crossentropy'"):
        dg.nn.Sequential(nn.Linear(2, 2)).compile("sgd", loss="categorical_crossentopy")
    with pytest.raises(
        ValueError,
        match=r"unknown option\(s\) \['label_smoothin'\]; did you mean 'label_smoothing'",
    ):
        nn.loss.get("cross_entropy", label_smoothin=0.1)


def test_compile_accepts_keras_and_pytorch_names():
    x = np.random.default_rng(0).standard_normal((16, 3)).astype(np.float32)
    y = x.sum(1, keepdims=True)
    for name in ("mean_squared_error", "mse_loss", "mse", "huber_loss", "l1_loss", "log_cosh"):
        model = nn.Sequential(nn.Linear(3, 1))
        model.compile("sgd", loss=name, metrics=["mean_absolute_error"])
        h = model.fit(x, y, epochs=1, verbose=0)
        assert (
            np.isfinite(h.history["loss"][0]) and "mean_absolute_error" in h.history
        )  # logged as named (Keras)


def test_recipes_and_docs_read_the_same_table():
    assert S.loss_names() == LN.names()
    S.validate(
        {"model": {"zoo": "LeNet5"}, "training": {"loss": "sparse_categorical_crossentropy"}}
    )
    S.validate(
        {
            "model": {"zoo": "LeNet5"},
            "training": {"loss": {"name": "categorical_crossentropy", "from_logits": True}},
        }
    )
    with pytest.raises(S.RecipeError, match="from_logit'; did you mean 'from_logits'"):
        S.validate(
            {
                "model": {"zoo": "LeNet5"},
                "training": {"loss": {"name": "binary_crossentropy", "from_logit": True}},
            }
        )
    md = S.markdown()
    text = S.reference()
    for name in LN.names():
        assert f"`{name}`" in md and name in text


def test_output_kind_says_how_outputs_become_probabilities():
    assert LN.output_kind(nn.loss.get("cross_entropy")) == "logits"
    assert LN.output_kind(nn.loss.get("bce_with_logits")) == "binary_logits"
    assert LN.output_kind(nn.loss.get("categorical_crossentropy")) == "probabilities"
    assert LN.output_kind(nn.loss.get("categorical_crossentropy", from_logits=True)) == "logits"
    assert LN.output_kind(nn.loss.get("binary_crossentropy", from_logits=True)) == "binary_logits"
    assert LN.output_kind(nn.loss.get("nll")) == "log_probabilities"
    assert LN.output_kind(nn.loss.get("mse")) == "values"
    assert LN.output_kind(lambda p, t: p) is None
