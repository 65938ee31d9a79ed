"""``Sequential`` runs ``ReLU → MaxPool`` as ``MaxPool → ReLU`` (nn/container.py's
``_pool_first``): the same numbers bit for bit, forward and backward, as the modules called
one by one in the written order, on every geometry and on ties, zeros, -0.0, NaN and inf; and
never where a hook, an instance ``forward`` or ``return_indices`` could tell the difference."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import kernels, nn

POOLS = [
    (nn.MaxPool1d, (2,), (3, 4, 9)),
    (nn.MaxPool1d, (3, 2, 1, 2, False, True), (2, 3, 10)),
    (nn.MaxPool2d, (2,), (3, 4, 8, 8)),
    (nn.MaxPool2d, (2,), (3, 4, 7, 7)),
    (nn.MaxPool2d, (2, 2, 0, 1, False, True), (2, 3, 7, 7)),
    (nn.MaxPool2d, (3, 2, 1), (2, 3, 9, 8)),
    (nn.MaxPool2d, (3, 1, 1, 2), (2, 3, 9, 9)),
    (nn.MaxPool2d, (2,), (4, 9, 9)),  # unbatched
    (nn.MaxPool3d, (2,), (2, 2, 4, 6, 5)),
]


def _values(shape: tuple, kind: str, rng: np.random.Generator) -> np.ndarray:
    x = rng.standard_normal(shape).astype(np.float32)
    if kind == "ties":  # many equal maxima, zeros and -0.0
        x = np.round(x)
        x[rng.random(shape) < 0.2] = -0.0
    elif kind == "specials":
        u = rng.random(shape)
        x[u < 0.05] = np.nan
        x[(u >= 0.05) & (u < 0.1)] = -np.inf
        x[(u >= 0.1) & (u < 0.15)] = np.inf
        x[(u >= 0.15) & (u < 0.3)] = -0.0
    return x.astype(np.float32)


def _run(f, x: np.ndarray, gy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xt = dg.tensor(x, requires_grad=True)
    y = f(xt)
    y.backward(dg.tensor(gy))
    return y.detach().numpy(), xt.grad.numpy()


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("kind", ["normal", "ties", "specials", "inf_grad"])
@pytest.mark.parametrize("cls,args,shape", POOLS)
def test_relu_max_pool_in_a_sequential_gives_the_written_orders_bits(
    cls, args, shape, kind, compiled
):
    # a seed of the case's own (hash() of strings changes from process to process)
    rng = np.random.default_rng(zlib.crc32(repr((cls.__name__, args, shape, kind)).encode()))
    relu, pool = nn.ReLU(), cls(*args)
    seq = nn.Sequential(relu, pool)
    x = _values(shape, "specials" if kind == "inf_grad" else kind, rng)
    before = kernels.set_enabled(compiled)
    try:
        gy = rng.standard_normal(seq(dg.tensor(x)).shape).astype(np.float32)
        if kind == "inf_grad":
            gy[rng.random(gy.shape) < 0.3] = np.inf
        ys, gs = _run(seq, x, gy)
        yw, gw = _run(lambda t: pool(relu(t)), x, gy)  # the written order, module by module
    finally:
        kernels.set_enabled(before)
    assert _same_bits(ys, yw)
    assert _same_bits(gs, gw)
    # it did run the pool first: the graph ends in ReLU's node
    out = seq(dg.tensor(x, requires_grad=True))
    assert type(out.grad_fn).__name__ == "ReLU"


def test_the_cnn_recipes_layers_train_to_the_same_weights():
    """Conv → ReLU → MaxPool twice, two Adam steps: the same weights as the layers called
    one by one (and so as before the reordering)."""
    rng = np.random.default_rng(0)
    x = dg.tensor(rng.standard_normal((8, 1, 12, 12)).astype(np.float32))
    y = dg.tensor(rng.integers(0, 3, 8))

    def train(run_in_sequential: bool) -> list[np.ndarray]:
        dg.manual_seed(0)
        layers = [nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                  nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
                  nn.Flatten(), nn.Linear(6 * 9, 3)]  # fmt: skip
        model = nn.Sequential(*layers)

        def written(t):
            for m in layers:
                t = m(t)
            return t

        opt = dg.optim.Adam(model.parameters(), lr=1e-2)
        for _ in range(2):
            opt.zero_grad()
            out = model(x) if run_in_sequential else written(x)
            nn.functional.cross_entropy(out, y).backward()
            opt.step()
        return [p.detach().numpy().copy() for p in model.parameters()]

    for a, b in zip(train(True), train(False)):
        assert _same_bits(a, b)


def test_a_hooked_relu_or_pool_runs_in_the_written_order():
    x = dg.randn(2, 3, 8, 8)
    relu, pool = nn.ReLU(), nn.MaxPool2d(2)
    seq = nn.Sequential(relu, pool)
    seen = []
    h = relu.register_forward_hook(lambda m, i, o: seen.append(o.shape))
    seq(x)
    h.remove()
    assert seen == [(2, 3, 8, 8)]  # the ReLU saw (and output) the full map
    seen.clear()
    h = pool.register_forward_pre_hook(lambda m, i: seen.append(i[0].shape))
    out = seq(dg.randn(2, 3, 8, 8, requires_grad=True))
    h.remove()
    assert seen == [(2, 3, 8, 8)]
    assert type(out.grad_fn).__name__ != "ReLU"  # the pool ran last
    seen.clear()
    h = nn.modules.module.register_module_forward_hook(
        lambda m, i, o: seen.append(type(m).__name__)
    )
    try:
        seq(x)
    finally:
        h.remove()
    assert seen == ["ReLU", "MaxPool2d", "Sequential"]


def test_no_reordering_for_return_indices_an_instance_forward_or_a_subclass():
    x = dg.randn(2, 3, 8, 8, requires_grad=True)
    out, idx = nn.Sequential(nn.ReLU(), nn.MaxPool2d(2, return_indices=True))(x)
    assert out.shape == idx.shape == (2, 3, 4, 4)
    assert type(out.grad_fn).__name__ != "ReLU"

    class MyReLU(nn.ReLU):
        pass

    out = nn.Sequential(MyReLU(), nn.MaxPool2d(2))(x)
    assert type(out.grad_fn).__name__ != "ReLU"
    relu = nn.ReLU()
    calls = []
    relu.forward = lambda t: calls.append(t.shape) or dg.relu(t)
    nn.Sequential(relu, nn.MaxPool2d(2))(x)
    assert calls == [(2, 3, 8, 8)]


def test_a_trailing_relu_and_a_relu_before_other_modules_still_run():
    x = dg.tensor(np.array([[-1.0, 2.0, -3.0, 4.0]], np.float32))
    assert nn.Sequential(nn.ReLU())(x).tolist() == [[0.0, 2.0, 0.0, 4.0]]
    lin = nn.Linear(4, 1, bias=False)
    with dg.no_grad():
        lin.weight.fill_(1.0)
    assert nn.Sequential(nn.ReLU(), lin)(x).tolist() == [[6.0]]
    assert nn.Sequential(nn.ReLU(), nn.ReLU(), nn.MaxPool1d(2))(x[None]).tolist() == [[[2.0, 4.0]]]


def test_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = _values((4, 3, 10, 10), "ties", rng)
    gy = rng.standard_normal((4, 3, 5, 5)).astype(np.float32)
    ys, gs = _run(nn.Sequential(nn.ReLU(), nn.MaxPool2d(2)), x, gy)
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.MaxPool2d(2))(xt)
    yt.backward(torch.tensor(gy))
    np.testing.assert_array_equal(ys, yt.detach().numpy())
    np.testing.assert_array_equal(gs, xt.grad.numpy())
    # every zero of the gradient is +0.0, as PyTorch's (the pool's scatter never makes -0.0)
    assert not np.signbit(gs[gs == 0]).any()


@pytest.mark.parametrize("dtype", [np.complex64, np.int64, np.bool_, np.float16])
def test_other_dtypes_meet_the_written_orders_error_or_result(dtype):
    x = dg.tensor(np.ones((1, 2, 4, 4), dtype))
    relu, pool = nn.ReLU(), nn.MaxPool2d(2)

    def outcome(f):
        try:
            y = f(x)
        except Exception as e:  # noqa: BLE001 - the error itself is compared
            return type(e), str(e)
        return y.dtype, y.numpy().tobytes()

    assert outcome(nn.Sequential(relu, pool)) == outcome(lambda t: pool(relu(t)))
