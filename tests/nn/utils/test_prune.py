"""nn.utils.prune: the masks, the reparametrization and the errors, compared with PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.nn.utils import prune

torch = pytest.importorskip("torch")
tprune = pytest.importorskip("torch.nn.utils.prune")


def _pair(make):
    """The same freshly made module in both libraries (deepgrad's weights are torch's)."""
    torch.manual_seed(0)
    t = make(torch.nn)
    d = make(nn)
    d.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    return t, d


def _same_state(t, d):
    ts, ds = t.state_dict(), d.state_dict()
    assert list(ts) == list(ds)
    for k in ts:
        np.testing.assert_allclose(ds[k], ts[k].detach().numpy(), rtol=1e-6, err_msg=k)


@pytest.mark.parametrize(
    "steps",
    [
        [("l1_unstructured", dict(name="weight", amount=0.3))],
        [
            ("l1_unstructured", dict(name="weight", amount=7)),
            ("l1_unstructured", dict(name="weight", amount=0.5)),
        ],  # fmt: skip
        [("ln_structured", dict(name="weight", amount=0.5, n=2, dim=0))],
        [
            ("ln_structured", dict(name="weight", amount=1, n=1, dim=-1)),
            ("l1_unstructured", dict(name="weight", amount=0.2)),
        ],  # fmt: skip
        [
            ("l1_unstructured", dict(name="weight", amount=0.25)),
            ("ln_structured", dict(name="weight", amount=2, n=float("inf"), dim=1)),
        ],  # fmt: skip
        [("identity", dict(name="bias")), ("l1_unstructured", dict(name="bias", amount=2))],
    ],
)
def test_masks_and_state_dict_as_torch(steps):
    t, d = _pair(lambda nn_: nn_.Conv2d(3, 4, 3))
    for fn, kw in steps:
        getattr(tprune, fn)(t, **kw)
        getattr(prune, fn)(d, **kw)
        _same_state(t, d)
        assert [n for n, _ in d.named_parameters()] == [n for n, _ in t.named_parameters()]
    name = steps[0][1]["name"]
    np.testing.assert_allclose(getattr(d, name).detach().numpy(), getattr(t, name).detach().numpy(), rtol=1e-6)  # fmt: skip
    hook = next(iter(d._forward_pre_hooks.values()))
    thook = next(iter(t._forward_pre_hooks.values()))
    assert type(hook).__name__ == type(thook).__name__
    tprune.remove(t, name)
    prune.remove(d, name)
    _same_state(t, d)
    assert [n for n, _ in d.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert isinstance(getattr(d, name), nn.Parameter)
    assert not hasattr(d, name + "_orig") and not hasattr(d, name + "_mask")
    assert not prune.is_pruned(d)


def test_gradient_reaches_orig_through_the_mask_and_the_hook_recomputes():
    t, d = _pair(lambda nn_: nn_.Linear(5, 3))
    for lib, m in ((tprune, t), (prune, d)):
        lib.l1_unstructured(m, "weight", amount=0.4)
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    t(torch.tensor(x)).pow(2).sum().backward()
    d(dg.tensor(x)).pow(2).sum().backward()
    np.testing.assert_allclose(d.weight_orig.grad.numpy(), t.weight_orig.grad.numpy(), rtol=1e-5)
    assert (d.weight_orig.grad.numpy()[d.weight_mask.numpy() == 0] == 0).all()
    with dg.no_grad():
        d.weight_orig.add_(1.0)  # the pre-hook applies the mask again before the next call
    d(dg.tensor(x))
    assert (d.weight.detach().numpy()[d.weight_mask.numpy() == 0] == 0).all()


def test_global_unstructured_and_importance_scores_as_torch():
    def make(nn_):
        return nn_.Sequential(nn_.Linear(6, 5), nn_.ReLU(), nn_.Linear(5, 2))

    t, d = _pair(make)
    scores = np.arange(30.0).reshape(5, 6)[::-1].copy()
    tprune.l1_unstructured(t[0], "weight", 0.2, importance_scores=torch.tensor(scores))
    prune.l1_unstructured(d[0], "weight", 0.2, importance_scores=dg.tensor(scores))
    for lib, m in ((tprune, t), (prune, d)):
        params = [(m[0], "weight"), (m[2], "weight"), (m[2], "bias")]
        lib.global_unstructured(params, pruning_method=lib.L1Unstructured, amount=0.3)
        lib.global_unstructured(params, pruning_method=lib.L1Unstructured, amount=4)
    _same_state(t, d)
    assert [type(h).__name__ for h in d[0]._forward_pre_hooks.values()] == ["PruningContainer"]
    assert [type(h).__name__ for h in next(iter(d[0]._forward_pre_hooks.values()))] == [
        "L1Unstructured",
        "CustomFromMask",
        "CustomFromMask",
    ]


def test_random_methods_prune_the_right_counts():
    m = nn.Conv2d(2, 6, 3)
    prune.random_unstructured(m, "weight", amount=0.25)
    assert int((m.weight_mask == 0).sum()) == round(0.25 * 108)
    prune.random_structured(m, "weight", amount=2, dim=0)
    kept = (m.weight_mask.sum(dim=(1, 2, 3)) != 0).sum().item()
    assert kept == 4


def test_errors_as_torch():
    lin = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="has to be pruned before pruning can be removed"):
        prune.remove(lin, "weight")
    with pytest.raises(ValueError, match=r"amount=1.5 should either be a float in the range"):
        prune.l1_unstructured(lin, "weight", amount=1.5)
    with pytest.raises(TypeError, match="Invalid type for amount"):
        prune.l1_unstructured(lin, "weight", amount="half")
    with pytest.raises(ValueError, match="amount=7 should be smaller than the number"):
        prune.l1_unstructured(lin, "weight", amount=7)
    # a failed pruning restores the parameter (registered again, so last, as in PyTorch)
    assert [n for n, _ in lin.named_parameters()] == ["bias", "weight"]
    assert list(lin.state_dict()) == ["bias", "weight"]
    assert not prune.is_pruned(lin) and not hasattr(lin, "weight_orig")
    with pytest.raises(ValueError, match="Structured pruning can only be applied to multidim"):
        prune.ln_structured(lin, "bias", amount=1, n=2, dim=0)
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
    with pytest.raises(TypeError, match='Only "unstructured" PRUNING_TYPE'):
        prune.global_unstructured([(lin, "weight")], prune.LnStructured, amount=1, n=2)


def test_custom_method_subclass():
    class EveryOther(prune.BasePruningMethod):
        PRUNING_TYPE = "unstructured"

        def compute_mask(self, t, default_mask):
            mask = default_mask.clone()
            mask.view(-1)[::2] = 0
            return mask

    lin = nn.Linear(3, 4)
    EveryOther.apply(lin, "bias")
    assert lin.bias_mask.tolist() == [0.0, 1.0, 0.0, 1.0]
    # a second pruning sees only the kept entries
    EveryOther.apply(lin, "bias")
    assert lin.bias_mask.tolist() == [0.0, 0.0, 0.0, 1.0]
    out = EveryOther().prune(dg.ones(4))
    assert out.tolist() == [0.0, 1.0, 0.0, 1.0]
