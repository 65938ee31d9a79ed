"""deepgrad.func.vmap against torch.func.vmap: in_dims/out_dims (None, negative, nested), the
per-sample-gradients tutorial (vmap(grad(...)) with functional_call), randomness, in-place
writes, gradients through the stacked result, and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.func import functional_call, grad, vmap

from .test_transforms import _same


def _both(torch, call, *arrays):
    return (
        call(dg, *[dg.tensor(a) for a in arrays]),
        call(torch, *[torch.tensor(a) for a in arrays]),
    )


def test_in_dims_and_out_dims_as_torch(torch, rng):
    a, b, c = rng.standard_normal((2, 3)), rng.standard_normal(3), rng.standard_normal((3, 2, 4))
    calls = [
        lambda lib, a, b, c: lib.func.vmap(lambda x, y: x * y, in_dims=(0, None))(a, b),
        lambda lib, a, b, c: lib.func.vmap(lambda x, y: x * y, in_dims=(1, 0))(a, b),
        lambda lib, a, b, c: lib.func.vmap(lambda x: x.sum(0), in_dims=-2, out_dims=-1)(c),
        lambda lib, a, b, c: lib.func.vmap(lambda x: (x, x.sum()), out_dims=(1, 0))(a),
        lambda lib, a, b, c: lib.func.vmap(lambda x: [x, {"k": x * 2}])(a),
        lambda lib, a, b, c: lib.func.vmap(lambda x, t: x + t[0]["p"] * t[1], in_dims=(0, ({"p": None}, 1)))(
            a, ({"p": b}, c[:, :, 0])),
        lambda lib, a, b, c: lib.func.vmap(lambda x: (x, lib.ones(2)), out_dims=(0, None))(a),
        lambda lib, a, b, c: lib.func.vmap(lib.func.vmap(lambda x, y: x * y), in_dims=(0, 1))(c[:, :, :3], a.T.reshape(2, 3)),
        lambda lib, a, b, c: lib.func.vmap(lambda x: x.sum())(lib.ones(0, 3)),
        lambda lib, a, b, c: lib.func.vmap(lambda x: x.sum(), chunk_size=1)(a),
    ]  # fmt: skip
    for call in calls:
        got, want = _both(torch, call, a, b, c)
        _same(got, want)


def test_per_sample_gradients_tutorial_as_torch(torch, rng):
    x, y = rng.standard_normal((6, 4)), rng.integers(0, 2, 6)
    net = dg.nn.Sequential(dg.nn.Linear(4, 5), dg.nn.ReLU(), dg.nn.Linear(5, 2)).double()
    tnet = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    tnet = tnet.double()
    tnet.load_state_dict({k: torch.tensor(v.numpy()) for k, v in net.state_dict().items()})
    out = []
    for lib, m, fc, vm, gr in ((dg, net, functional_call, vmap, grad),
                               (torch, tnet, torch.func.functional_call, torch.func.vmap, torch.func.grad)):  # fmt: skip

        def loss(params, buffers, sample, target, lib=lib, m=m, fc=fc):
            pred = fc(m, (params, buffers), (sample.unsqueeze(0),))
            return lib.nn.functional.cross_entropy(pred, target.unsqueeze(0))

        params = {k: v.detach() for k, v in m.named_parameters()}
        buffers = {k: v.detach() for k, v in m.named_buffers()}
        out.append(
            vm(gr(loss), in_dims=(None, None, 0, 0))(params, buffers, lib.tensor(x), lib.tensor(y))
        )
    _same(out[0], out[1])
    # the per-sample gradients average to the batch gradient
    loss = dg.nn.functional.cross_entropy(net(dg.tensor(x)), dg.tensor(y))
    loss.backward()
    np.testing.assert_allclose(
        out[0]["0.weight"].mean(0).numpy(), net[0].weight.grad.numpy(), rtol=1e-10
    )


def test_gradients_through_vmap_as_torch(torch, rng):
    a, b = rng.standard_normal((3, 2)), rng.standard_normal(2)
    grads = []
    for lib in (dg, torch):
        ta, tb = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        out = lib.func.vmap(lambda x, y: (x * y).sin().sum(), in_dims=(0, None))(ta, tb)
        (out**2).sum().backward()
        grads.append((ta.grad, tb.grad))
    _same(grads[0], grads[1])


def test_randomness():
    x = dg.ones(3, 40)
    with pytest.raises(RuntimeError, match="randomness error mode"):
        vmap(lambda t: t + dg.rand(40))(x)
    with pytest.raises(RuntimeError, match="randomness error mode"):
        vmap(lambda t: dg.nn.functional.dropout(t, 0.5))(x)
    diff = vmap(lambda t: t + dg.rand(40), randomness="different")(x)
    same = vmap(lambda t: dg.nn.functional.dropout(t, 0.5), randomness="same")(x)
    assert not bool((diff[0] == diff[1]).all())
    assert bool((same == same[0]).all()) and bool((same == 0).any())
    assert vmap(lambda t: t * 2)(x).shape == (3, 40)  # the guard is lifted afterwards
    dg.rand(2)


def test_in_place_writes_as_torch_or_refused(torch):
    for lib in (dg, torch):
        y = lib.zeros(2, 3)
        out = lib.func.vmap(lambda t: t.add_(1))(y)
        assert bool((y == 1).all()) and bool((out == 1).all())
    z = dg.zeros(3)
    with pytest.raises(RuntimeError, match="not an input mapped by in_dims"):
        vmap(lambda t, s: s.add_(1), in_dims=(0, None))(dg.ones(2, 3), z)
    with pytest.raises(RuntimeError, match="not an input mapped by in_dims"):
        vmap(lambda t: z.add_(t))(dg.ones(2, 3))


def test_data_dependent_control_flow_runs_per_element():
    # PyTorch raises here; deepgrad's vmap takes each element's own branch (README table)
    x = dg.tensor([[1.0, 2.0], [-1.0, -3.0]])
    out = vmap(lambda t: t if t.sum() > 0 else -t)(x)
    np.testing.assert_array_equal(out.numpy(), [[1.0, 2.0], [1.0, 3.0]])


def test_errors_as_torch(torch, rng):
    o = rng.standard_normal((2, 3))
    cases = [
        (ValueError, "expected `in_dims` to be int or a", lambda lib, o: lib.func.vmap(lambda a: a, in_dims=[0])(o)),
        (ValueError, "expected `in_dims` to be int or a", lambda lib, o: lib.func.vmap(lambda a: a, in_dims=0.5)(o)),
        (ValueError, "expected in_dim to satisfy -2 <= in_dim < 2", lambda lib, o: lib.func.vmap(lambda a: a, in_dims=(3,))(o)),
        (ValueError, "in_dims is not compatible with the structure", lambda lib, o: lib.func.vmap(lambda a: a, in_dims=(0,))(o, o)),
        (ValueError, "We cannot vmap over non-Tensor", lambda lib, o: lib.func.vmap(lambda a, b: a, in_dims=(0, 0))(o, 3)),
        (ValueError, "chunk_size should be None or greater than 0", lambda lib, o: lib.func.vmap(lambda a: a, chunk_size=0)),
        (RuntimeError, "Only allowed values for randomness", lambda lib, o: lib.func.vmap(lambda a: a, randomness="x")),
        (ValueError, "out_dims is not compatible", lambda lib, o: lib.func.vmap(lambda a: a, out_dims=(0, 1))(o)),
        (IndexError, "Dimension out of range", lambda lib, o: lib.func.vmap(lambda a: a, out_dims=5)(o)),
        (ValueError, "got no inputs", lambda lib, o: lib.func.vmap(lambda a: a)()),
        (ValueError, "same size in the mapped dimension", lambda lib, o: lib.func.vmap(lambda a, b: a)(o, o.T)),
        (ValueError, "Expected at least one Tensor", lambda lib, o: lib.func.vmap(lambda a: a, in_dims=(None,))(o)),
        (ValueError, "expected `in_dims` to be int or a", lambda lib, o: lib.func.vmap(lambda a: a, in_dims=None)(o)),
        (ValueError, "must only return Tensors", lambda lib, o: lib.func.vmap(lambda a: 3.0)(o)),
        (ValueError, "can not return a BatchedTensor when out_dim is None", lambda lib, o: lib.func.vmap(lambda a: a, out_dims=None)(o)),
    ]  # fmt: skip
    for err, match, call in cases:
        for lib in (dg, torch):
            with pytest.raises(err, match=match):
                call(lib, lib.tensor(o))
