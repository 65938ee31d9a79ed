"""F.ctc_loss and nn.CTCLoss against PyTorch's: values and gradients (through a log_softmax,
the documented use) for each reduction, dtype and target layout, the edge cases (target length
0, input length 0, repeated labels, impossible alignments with and without zero_infinity),
the gradient on a leaf log_probs (PyTorch's: exp(log_probs) minus the occupancy, README; exact
through a log_softmax, checked numerically), and PyTorch's errors on bad input."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.nn.functional as F
from deepgrad import nn

T, N, C, S = 12, 5, 6, 4


def _case(rng):
    """Logits, padded targets (row 1 repeats a label), and lengths: sample 2 has an empty
    target, sample 4 a target too long for its input (impossible)."""
    x = rng.standard_normal((T, N, C))
    targets = rng.integers(1, C, (N, S))
    targets[1, :3] = 2
    input_lengths = np.array([12, 10, 7, 12, 3])
    target_lengths = np.array([4, 3, 0, 2, 4])
    return x, targets, input_lengths, target_lengths


def _tol(dtype):
    return {"rtol": 1e-10, "atol": 1e-12} if dtype == np.float64 else {"rtol": 2e-5, "atol": 2e-6}


def _compare(torch, x, targets, il, tl, dtype=np.float64, **kw):
    """Loss and logits gradient (through log_softmax) of deepgrad and PyTorch, compared."""
    x = x.astype(dtype)
    d = dg.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    as_torch = [torch.tensor(v) if isinstance(v, np.ndarray) else v for v in (targets, il, tl)]
    out = F.ctc_loss(F.log_softmax(d, -1), dg.tensor(targets), *_lengths(il, tl), **kw)
    want = torch.nn.functional.ctc_loss(t.log_softmax(-1), *as_torch, **kw)
    assert out.shape == tuple(want.shape) and out.dtype == dtype
    np.testing.assert_allclose(out.numpy(), want.detach().numpy(), **_tol(dtype))
    g = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    out.backward(dg.tensor(g))
    want.backward(torch.tensor(g))
    np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), **_tol(dtype))
    return out, d.grad


def _lengths(il, tl):
    return [dg.tensor(v) if isinstance(v, np.ndarray) else v for v in (il, tl)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_values_and_gradients_match_torch(torch, rng, dtype, reduction):
    x, targets, il, tl = _case(rng)
    ok = slice(0, 4)  # without the impossible sample: every gradient is finite
    _compare(torch, x[:, ok], targets[ok], il[ok], tl[ok], dtype, reduction=reduction)
    _compare(torch, x, targets, il, tl, dtype, reduction=reduction, zero_infinity=True)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_impossible_alignment_is_inf_with_nan_gradient_as_torch(torch, rng, reduction):
    x, targets, il, tl = _case(rng)
    out, grad = _compare(torch, x, targets, il, tl, reduction="none")
    assert np.isinf(out.numpy()[4]) and np.isfinite(out.numpy()[:4]).all()
    g = grad.numpy()
    assert np.isnan(g[:3, 4]).all() and (g[3:, 4] == 0).all() and np.isfinite(g[:, :4]).all()
    out, grad = _compare(torch, x, targets, il, tl, reduction=reduction, zero_infinity=True)
    assert (grad.numpy()[:, 4] == 0).all()
    zeroed = F.ctc_loss(dg.tensor(x), dg.tensor(targets), *_lengths(il, tl), reduction="none",
                        zero_infinity=True)  # fmt: skip
    assert zeroed.numpy()[4] == 0


def test_mean_divides_by_the_target_length_clamped_to_one(rng):
    x, targets, il, tl = _case(rng)
    lp = F.log_softmax(dg.tensor(x[:, :4]), -1)
    args = (dg.tensor(targets[:4]), *_lengths(il[:4], tl[:4]))
    per = F.ctc_loss(lp, *args, reduction="none").numpy()
    mean = F.ctc_loss(lp, *args).item()
    np.testing.assert_allclose(mean, np.mean(per / np.maximum(tl[:4], 1)), rtol=1e-12)


def test_targets_concatenated_and_lengths_as_tuples_lists_or_tensors(torch, rng):
    x, targets, il, tl = _case(rng)
    flat = np.concatenate([targets[i, : tl[i]] for i in range(N)])
    padded = F.ctc_loss(dg.tensor(x), dg.tensor(targets), *_lengths(il, tl), reduction="none")
    for lengths in [(tuple(il.tolist()), tuple(tl.tolist())), (il.tolist(), tl.tolist())]:
        got = F.ctc_loss(dg.tensor(x), dg.tensor(flat), *lengths, reduction="none")
        np.testing.assert_array_equal(got.numpy(), padded.numpy())
    _compare(torch, x, flat, tuple(il.tolist()), tuple(tl.tolist()), zero_infinity=True)
    _compare(torch, x, flat.astype(np.int32), il.astype(np.int32), tl, zero_infinity=True)


def test_repeated_labels_need_a_blank_between(torch):
    lp = np.log(np.full((3, 1, 2), 0.5))
    two = F.ctc_loss(dg.tensor(lp[:2]), [[1, 1]], [2], [2], reduction="none")
    three = F.ctc_loss(dg.tensor(lp), [[1, 1]], [3], [2], reduction="none")
    assert np.isinf(two.item())
    np.testing.assert_allclose(three.item(), -np.log(0.5**3), rtol=1e-12)  # only 1, blank, 1
    _compare(torch, lp, np.array([[1, 1]]), (3,), (2,))


def test_empty_targets_and_empty_inputs_match_torch(torch, rng):
    x = rng.standard_normal((5, 3, 4))
    targets = np.array([[1, 2], [3, 3], [1, 1]])
    out, grad = _compare(torch, x, targets, np.array([5, 0, 0]), np.array([0, 0, 2]),
                         reduction="none")  # fmt: skip
    blank_only = np.log(np.exp(x[:, 0]) / np.exp(x[:, 0]).sum(-1, keepdims=True))[:, 0].sum()
    np.testing.assert_allclose(out.numpy()[:2], [-blank_only, 0], rtol=1e-12)
    assert np.isinf(out.numpy()[2]) and (grad.numpy()[:, 1:] == 0).all()


def test_unbatched_input_matches_torch(torch, rng):
    x, targets, _, _ = _case(rng)
    for reduction in ("none", "mean", "sum"):
        out, _ = _compare(torch, x[:, 0], targets[0], (10,), (4,), reduction=reduction)
        assert out.shape == ()
        lengths = (dg.tensor(10), dg.tensor([4]))  # a 0-d or one-element tensor
        again = F.ctc_loss(F.log_softmax(dg.tensor(x[:, 0]), -1), dg.tensor(targets[0]), *lengths,
                           reduction=reduction)  # fmt: skip
        np.testing.assert_array_equal(again.numpy(), out.numpy())


def test_another_blank_matches_torch(torch, rng):
    x, targets, il, tl = _case(rng)
    targets = np.where(targets == C - 1, 0, targets)  # classes 0..C-2: blank is C-1
    _compare(torch, x, targets, il, tl, blank=C - 1, zero_infinity=True)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_gradient_through_log_softmax_is_the_derivative(rng, reduction):
    x, targets, il, tl = _case(rng)
    ok = slice(0, 4)
    z = dg.tensor(x[:8, ok], requires_grad=True)  # logits
    il = np.minimum(il[ok], 8)

    def loss(a):
        args = (dg.tensor(targets[ok]), *_lengths(il, tl[ok]))
        return F.ctc_loss(F.log_softmax(a, -1), *args, reduction=reduction)

    assert dg.gradcheck(loss, z)
    one = dg.tensor(x[:6, 0], requires_grad=True)
    t0 = dg.tensor(targets[0, :2])
    assert dg.gradcheck(lambda a: F.ctc_loss(F.log_softmax(a, -1), t0, (6,), (2,)), one)


def test_gradient_on_a_leaf_log_probs_is_torchs(torch, rng):
    """PyTorch's documented example differentiates a leaf log_probs
    (``randn(T, N, C).log_softmax(2).detach().requires_grad_()``): its gradient there is
    exp(log_probs) minus the occupancy (README), and deepgrad gives the same numbers."""
    x, targets, il, tl = _case(rng)
    ok = slice(0, 4)
    lp = x[:, ok] - np.log(np.exp(x[:, ok]).sum(-1, keepdims=True))
    for reduction in ("sum", "mean", "none"):
        d = dg.tensor(lp, requires_grad=True)
        t = torch.tensor(lp, requires_grad=True)
        args = (dg.tensor(targets[ok]), *_lengths(il[ok], tl[ok]))
        F.ctc_loss(d, *args, reduction=reduction).sum().backward()
        tl_ = torch.tensor(tl[ok])
        torch.nn.functional.ctc_loss(t, torch.tensor(targets[ok]), torch.tensor(il[ok]), tl_,
                                     reduction=reduction).sum().backward()  # fmt: skip
        np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), atol=1e-12)


def test_log_probs_of_minus_infinity_get_a_zero_gradient(rng):
    with np.errstate(divide="ignore"):
        lp = np.log(np.array([[0.5, 0.5, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [1, 0, 0]]))
    a = dg.tensor(lp[:, None], requires_grad=True)
    F.ctc_loss(a, [[1, 2]], [4], [2]).backward()
    g = a.grad.numpy()[:, 0]
    assert np.isfinite(g).all() and (g[np.isneginf(lp)] == 0).all()
    # per step: exp(lp) sums to 1 and so does the occupancy (PyTorch's gradient)
    np.testing.assert_allclose(g.sum(-1), 0, atol=1e-15)


def test_double_backward_raises_as_torch():
    a = dg.tensor(np.zeros((3, 1, 3)), requires_grad=True)
    (g,) = dg.autograd.grad(F.ctc_loss(a, [[1]], [3], [1]), [a], create_graph=True)
    with pytest.raises(RuntimeError, match="double backward"):
        g.sum().backward()


def test_module_matches_torch(torch, rng):
    x, targets, il, tl = _case(rng)
    for kw in [{}, {"blank": 0, "reduction": "sum", "zero_infinity": True}]:
        m, tm = nn.CTCLoss(**kw), torch.nn.CTCLoss(**kw)
        got = m(dg.tensor(x), dg.tensor(targets), dg.tensor(il), dg.tensor(tl))
        want = tm(*[torch.tensor(v) for v in (x, targets, il, tl)])
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    assert nn.CTCLoss(blank=2).blank == 2 and nn.CTCLoss().zero_infinity is False
    with pytest.raises(ValueError, match="reduction"):
        nn.CTCLoss(reduction="avg")


def _errors(rng):
    x = dg.tensor(rng.standard_normal((5, 2, 4)))
    t = dg.tensor([[1, 2], [3, 3]])
    return [
        ((x[0, 0], t, [5, 4], [2, 2]), {}, ValueError, r"\(T, N, C\) or unbatched"),
        ((x[None], t, [5, 4], [2, 2]), {}, ValueError, r"\(T, N, C\) or unbatched"),
        ((x[:0], t, [0, 0], [2, 2]), {}, ValueError, "must not be empty"),
        ((x.half(), t, [5, 4], [2, 2]), {}, TypeError, "float32 or float64"),
        ((x, t, [6, 4], [2, 2]), {}, ValueError, "input_lengths must be at most T = 5, got 6"),
        ((x, t, [5, -1], [2, 2]), {}, ValueError, "input_lengths must be non-negative"),
        ((x, t, [5, 4], [2, -1]), {}, ValueError, "target_lengths must be non-negative"),
        ((x, t, [5, 4, 3], [2, 2]), {}, ValueError, r"one length per sample \(2\), got 3"),
        ((x, t, [5, 4], [2]), {}, ValueError, r"one length per sample \(2\), got 1"),
        ((x, t, [5, 4], [3, 2]), {}, ValueError, "S >= max"),
        ((x, dg.tensor([1, 2, 3]), [5, 4], [2, 2]), {}, ValueError, "sum\\(target_lengths\\)"),
        ((x, t[None], [5, 4], [2, 2]), {}, ValueError, "padded \\(N, S\\) or concatenated"),
        ((x, t, [5, 4], [2, 2]), {"blank": 4}, ValueError, "blank must be in the label range"),
        ((x, t, [5, 4], [2, 2]), {"blank": -1}, ValueError, "blank must be in the label range"),
        ((x, t, [5, 4], [2, 2]), {"blank": 1.0}, TypeError, "blank must be an int"),
        ((x, t, [5, 4], [2, 2]), {"reduction": "avg"}, ValueError, "reduction must be one of"),
        ((x, [[1, 4], [3, 3]], [5, 4], [2, 2]), {}, ValueError, "label 4 is out of range"),
        ((x, [[1, -1], [3, 3]], [5, 4], [2, 2]), {}, ValueError, "label -1 is out of range"),
        ((x, [[1, 0], [3, 3]], [5, 4], [2, 2]), {}, ValueError, "equals blank"),
        ((x, [[1.5, 2], [3, 3]], [5, 4], [2, 2]), {}, ValueError, "fractional"),
        ((x, t, dg.tensor([5.0, 4.0]), [2, 2]), {}, TypeError, "input_lengths must be integral"),
        ((x, t, [5, 4], 2), {}, TypeError, "target_lengths must be a tensor or a tuple"),
    ]


def test_bad_inputs_raise_clear_errors(rng):
    for args, kw, exc, match in _errors(rng):
        with pytest.raises(exc, match=match):
            F.ctc_loss(*args, **kw)


def test_bad_inputs_are_refused_by_torch_too(torch, rng):
    """Each refused call above is refused by PyTorch as well, except the labels it reads
    unchecked and the fractional targets it truncates (README)."""
    unchecked = {
        "label 4 is out of range",
        "label -1 is out of range",
        "equals blank",
        "fractional",
    }
    for args, kw, _, match in _errors(rng):
        if match in unchecked:
            continue
        targs = [torch.tensor(a.numpy()) if isinstance(a, dg.Tensor) else a for a in args]
        if isinstance(targs[1], list):
            targs[1] = torch.tensor(targs[1])
        with pytest.raises((RuntimeError, ValueError, TypeError, NotImplementedError)):
            torch.nn.functional.ctc_loss(*targs, **kw)


def _blank_case(torch):
    x = np.random.default_rng(0).standard_normal((5, 2, 4))
    args = (x, [[1, 2], [3, 1]], [5, 4], [2, 1])
    d = (F.log_softmax(dg.tensor(x), -1), dg.tensor(args[1]), dg.tensor(args[2]), args[3])
    t = (torch.tensor(x).log_softmax(-1), torch.tensor(args[1]), torch.tensor(args[2]))
    return d, t + (torch.tensor(args[3]),)


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.tensor(0),  # a 0-d integer tensor, as torch takes for an int argument
        lambda m: m.tensor(0, dtype=m.int32),
        lambda m: np.int64(0),
        lambda m: np.int32(0),
    ],
    ids=["tensor0d", "tensor0d_int32", "np_int64", "np_int32"],
)
def test_blank_as_a_0d_integer_tensor_or_numpy_int_is_taken_as_torch(torch, make):
    d, t = _blank_case(torch)
    want = torch.nn.functional.ctc_loss(*t, blank=make(torch))
    got = F.ctc_loss(*d, blank=make(dg))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    got = nn.CTCLoss(blank=make(dg))(*d)  # the module, and torch.ctc_loss's form
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    got, want = dg.ctc_loss(*d, make(dg), 2), torch.ctc_loss(*t, make(torch), 2)  # sum
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.tensor([0]),
        lambda m: m.tensor(0.0),
        lambda m: m.tensor(False),
        lambda m: np.array(0),
        lambda m: np.float64(0),
        lambda m: 0.0,
        lambda m: False,
        lambda m: np.bool_(False),
        lambda m: None,
    ],
    ids=[
        "tensor1d",
        "tensor_float",
        "tensor_bool",
        "ndarray",
        "np_float",
        "float",
        "bool",
        "np_bool",
        "None",
    ],
)
def test_blank_of_another_kind_is_refused_as_torch(torch, make):
    d, t = _blank_case(torch)
    with pytest.raises(TypeError):
        torch.nn.functional.ctc_loss(*t, blank=make(torch))
    with pytest.raises(TypeError, match="blank must be an int .*0-d integer tensor"):
        F.ctc_loss(*d, blank=make(dg))


@pytest.mark.parametrize("value", [1, 0, None, np.bool_(True), "tensor"])
def test_zero_infinity_must_be_a_bool_as_torch(torch, value):
    d, t = _blank_case(torch)
    with pytest.raises(TypeError):
        tv = torch.tensor(True) if value == "tensor" else value
        torch.nn.functional.ctc_loss(*t, zero_infinity=tv)
    with pytest.raises(TypeError, match="zero_infinity must be a bool"):
        F.ctc_loss(*d, zero_infinity=dg.tensor(True) if value == "tensor" else value)


def test_blank_out_of_range_and_float_lengths_are_torchs_runtime_error(torch):
    """torch raises RuntimeError; deepgrad's errors are RuntimeErrors (and still the
    ValueError / TypeError they were before)."""
    d, t = _blank_case(torch)
    for blank in (4, -1):
        with pytest.raises(RuntimeError):
            torch.nn.functional.ctc_loss(*t, blank=blank)
        with pytest.raises(RuntimeError, match="blank must be in the label range"):
            F.ctc_loss(*d, blank=blank)
    with pytest.raises(RuntimeError):
        torch.nn.functional.ctc_loss(t[0], t[1], t[2].double(), t[3])
    with pytest.raises(RuntimeError, match="input_lengths must be integral"):
        F.ctc_loss(d[0], d[1], d[2].double(), d[3])
    with pytest.raises(RuntimeError):
        torch.nn.functional.ctc_loss(t[0], t[1], t[2], t[3].bool())
    with pytest.raises(RuntimeError, match="target_lengths must be integral"):
        F.ctc_loss(d[0], d[1], d[2], dg.tensor([True, True]))


@pytest.mark.parametrize("which", ["targets", "input_lengths", "target_lengths"])
def test_numpy_arrays_are_refused_as_torch(torch, rng, which):
    """torch 2.13's ``ctc_loss`` takes tensors (lengths also as tuples of ints): a NumPy array
    for the targets or the lengths is its ``TypeError``; deepgrad took it."""
    x, targets, il, tl = _case(rng)
    lp = x - np.log(np.exp(x).sum(-1, keepdims=True))
    arrays = {"targets": targets, "input_lengths": il, "target_lengths": tl}
    for lib, f in ((torch, torch.nn.functional.ctc_loss), (dg, F.ctc_loss)):
        args = {k: (v if k == which else lib.tensor(v)) for k, v in arrays.items()}
        with pytest.raises(TypeError, match=which if lib is dg else ""):
            f(lib.tensor(lp), **args)
    with pytest.raises(TypeError, match="must be a Tensor or a tuple of ints, not numpy.ndarray"):
        nn.CTCLoss()(dg.tensor(lp), dg.tensor(targets), il, dg.tensor(tl))
    # lists and tuples of ints still work, as in PyTorch
    want = torch.nn.functional.ctc_loss(torch.tensor(lp), torch.tensor(targets), il.tolist(),
                                        tuple(tl.tolist()), reduction="none")  # fmt: skip
    got = F.ctc_loss(dg.tensor(lp), dg.tensor(targets), il.tolist(), tuple(tl.tolist()),
                     reduction="none")  # fmt: skip
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
