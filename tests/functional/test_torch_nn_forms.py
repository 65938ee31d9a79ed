"""PyTorch's top-level forms of nn functions (deepgrad.functional.torch_nn_forms), against torch."""

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")

R = np.random.default_rng(0)


def T(a):
    return torch.tensor(a)


def D(a):
    return dg.tensor(a)


def same(got, want, atol=1e-10):
    want = want.detach().numpy()
    got = got.numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got.astype(float), want.astype(float), atol=atol)


X = R.normal(size=(2, 3, 8))


def test_convolution_plain_and_transposed():
    w, b = R.normal(size=(4, 3, 3)), R.normal(size=4)
    args = ([1], [1], [1], False, [0], 1)
    same(dg.convolution(D(X), D(w), D(b), *args), torch.convolution(T(X), T(w), T(b), *args))
    wt = R.normal(size=(3, 4, 3))
    args = ([2], [1], [1], True, [1], 1)
    same(dg.convolution(D(X), D(wt), D(b), *args), torch.convolution(T(X), T(wt), T(b), *args))
    with pytest.raises(RuntimeError, match="output_padding"):
        dg.convolution(D(X), D(w), None, [1], [0], [1], False, [1], 1)


def test_conv_and_shared_forms_are_f_functions():
    F = dg.nn.functional
    for name in ("conv2d", "conv_transpose1d", "bilinear", "prelu", "hardshrink", "pixel_shuffle"):
        assert getattr(dg, name) is getattr(F, name)


def test_pooling_forms():
    same(dg.max_pool1d(D(X), 3), torch.max_pool1d(T(X), 3))
    same(dg.max_pool2d(D(X), 2, [], 1), torch.max_pool2d(T(X), 2, [], 1))
    x3 = R.normal(size=(1, 2, 4, 4, 4))
    same(dg.max_pool3d(D(x3), 2), torch.max_pool3d(T(x3), 2))
    for got, want in zip(
        dg.max_pool1d_with_indices(D(X), 2), torch.max_pool1d_with_indices(T(X), 2)
    ):
        same(got, want)
    same(dg.avg_pool1d(D(X), 3, [], 1), torch.avg_pool1d(T(X), 3, [], 1))
    for got, want in zip(dg.adaptive_max_pool1d(D(X), 3), torch.adaptive_max_pool1d(T(X), 3)):
        same(got, want)


def test_normalization_forms_take_torch_order():
    g, b, rm, rv = R.normal(size=3), R.normal(size=3), R.normal(size=3), R.random(3) + 0.5
    same(
        dg.batch_norm(D(X), D(g), D(b), D(rm), D(rv), False, 0.1, 1e-5, False),
        torch.batch_norm(T(X), T(g), T(b), T(rm), T(rv), False, 0.1, 1e-5, False),
    )
    same(
        dg.instance_norm(D(X), D(g), D(b), None, None, True, 0.1, 1e-5, False),
        torch.instance_norm(T(X), T(g), T(b), None, None, True, 0.1, 1e-5, False),
    )
    same(dg.layer_norm(D(X), [8]), torch.layer_norm(T(X), [8]))
    same(dg.group_norm(D(X), 3, D(g), D(b)), torch.group_norm(T(X), 3, T(g), T(b)))
    same(dg.rms_norm(D(X), [8]), torch.rms_norm(T(X), [8]))


def test_embedding_is_weight_first_and_negative_padding_is_none():
    W = R.normal(size=(5, 2))
    idx = np.array([0, 4, 4])
    for pad in (-1, 4, -2):
        w, tw = dg.tensor(W, requires_grad=True), T(W).requires_grad_()
        y, ty = dg.embedding(w, D(idx), pad), torch.embedding(tw, T(idx), pad)
        same(y, ty)
        y.sum().backward()
        ty.sum().backward()
        same(w.grad, tw.grad)


@pytest.mark.parametrize("mode", [0, 1, 2])
@pytest.mark.parametrize("last", [False, True])
@pytest.mark.parametrize("pad", [None, 4])
def test_embedding_bag_four_results(mode, last, pad):
    W = R.normal(size=(10, 3))
    idx = np.array([1, 2, 4, 5, 4, 3, 2, 9])
    off = np.array([0, 3, 8]) if last else np.array([0, 3])
    got = dg.embedding_bag(D(W), D(idx), D(off), False, mode, False, None, last, pad)
    want = torch.embedding_bag(T(W), T(idx), T(off), False, mode, False, None, last, pad)
    for g, w in zip(got, want):
        same(g, w)


@pytest.mark.parametrize("mode", [0, 1, 2])
def test_embedding_bag_empty_bags(mode):
    W = R.normal(size=(6, 2))
    idx, off = np.array([1, 2, 4, 5]), np.array([0, 0, 3, 3])
    got = dg.embedding_bag(D(W), D(idx), D(off), False, mode)
    want = torch.embedding_bag(T(W), T(idx), T(off), False, mode)
    for g, w in zip(got, want):
        same(g, w)


def test_embedding_bag_refuses_string_mode():
    with pytest.raises(ValueError, match="0 \\(sum\\)"):
        dg.embedding_bag(dg.ones(3, 2), dg.tensor([0]), dg.tensor([0]), False, "sum")


def test_dropout_forms():
    x = dg.ones(2, 3, 4)
    assert dg.dropout(x, 0.5, False) is x
    dg.manual_seed(0)
    y = dg.feature_dropout(x, 0.5, True).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert (y == y[..., :1]).all()  # whole features
    y2 = dg.feature_dropout(dg.ones(50, 40), 0.5, True).numpy()
    assert 0 < (y2 == 0).mean() < 1
    assert dg.alpha_dropout(x, 0.5, False) is x
    assert dg.feature_alpha_dropout(x, 0.5, False) is x
    with pytest.raises(TypeError):
        dg.dropout(x, 0.5)  # torch's top-level form has no defaults


@pytest.mark.parametrize("red", [0, 1, 2])
def test_losses_take_int_reduction(red):
    a, q = R.normal(size=(4, 5)), R.random((4, 5))
    t = (R.random((4, 5)) > 0.5) * 1.0
    lp = np.log(R.random((4, 5)))
    y = np.sign(R.normal(size=4))
    s = np.sign(q - 0.5)
    pw = R.random(5)
    same(
        dg.binary_cross_entropy_with_logits(D(a), D(t), None, D(pw), red),
        torch.binary_cross_entropy_with_logits(T(a), T(t), None, T(pw), red),
    )
    same(dg.kl_div(D(lp), D(q), red), torch.kl_div(T(lp), T(q), red))
    same(
        dg.kl_div(D(lp), D(lp), red, log_target=True),
        torch.kl_div(T(lp), T(lp), red, log_target=True),
    )
    same(
        dg.cosine_embedding_loss(D(a), D(q), D(y), 0.1, red),
        torch.cosine_embedding_loss(T(a), T(q), T(y), 0.1, red),
    )
    same(
        dg.hinge_embedding_loss(D(a), D(s), 1.0, red),
        torch.hinge_embedding_loss(T(a), T(s), 1.0, red),
    )
    same(
        dg.margin_ranking_loss(D(a[:, 0]), D(q[:, 0]), D(y), 0.1, red),
        torch.margin_ranking_loss(T(a[:, 0]), T(q[:, 0]), T(y), 0.1, red),
    )
    same(
        dg.poisson_nll_loss(D(a), D(q), True, True, 1e-8, red),
        torch.poisson_nll_loss(T(a), T(q), True, True, 1e-8, red),
    )
    same(
        dg.triplet_margin_loss(D(a), D(q), D(lp), 1.0, 2.0, 1e-6, True, red),
        torch.triplet_margin_loss(T(a), T(q), T(lp), 1.0, 2.0, 1e-6, True, red),
    )
    lpc = torch.randn(6, 2, 4, dtype=torch.float64).log_softmax(2)
    tg = torch.tensor([[1, 2], [3, 3]])
    same(
        dg.ctc_loss(D(lpc.numpy()), D(tg.numpy()), [6, 5], [2, 2], 0, red),
        torch.ctc_loss(lpc, tg, [6, 5], [2, 2], 0, red),
    )


def test_losses_without_reduction_give_what_torch_gives():
    """Called without ``reduction``, torch's top-level losses return the per-element losses
    (their ``nn.functional`` namesakes the mean): the same call gives the same numbers."""
    a, q = R.normal(size=(4, 5)), R.random((4, 5))
    t = (R.random((4, 5)) > 0.5) * 1.0
    lp = np.log(R.random((4, 5)))
    y = np.sign(R.normal(size=4))
    s = np.sign(q - 0.5)
    lpc = torch.randn(6, 2, 4, dtype=torch.float64).log_softmax(2)
    tg = torch.tensor([[1, 2], [3, 3]])
    pairs = [
        (dg.binary_cross_entropy_with_logits(D(a), D(t)), torch.binary_cross_entropy_with_logits(T(a), T(t))),
        (dg.kl_div(D(lp), D(q)), torch.kl_div(T(lp), T(q))),
        (dg.cosine_embedding_loss(D(a), D(q), D(y)), torch.cosine_embedding_loss(T(a), T(q), T(y))),
        (dg.hinge_embedding_loss(D(a), D(s)), torch.hinge_embedding_loss(T(a), T(s))),
        (dg.margin_ranking_loss(D(a[:, 0]), D(q[:, 0]), D(y)), torch.margin_ranking_loss(T(a[:, 0]), T(q[:, 0]), T(y))),
        (dg.triplet_margin_loss(D(a), D(q), D(lp)), torch.triplet_margin_loss(T(a), T(q), T(lp))),
        (dg.ctc_loss(D(lpc.numpy()), D(tg.numpy()), [6, 5], [2, 2]), torch.ctc_loss(lpc, tg, [6, 5], [2, 2])),
    ]  # fmt: skip
    for got, want in pairs:
        assert tuple(got.shape) == tuple(want.shape) and want.ndim > 0
        same(got, want)


def test_int_reduction_refuses_strings_and_unknown_ints():
    a = dg.zeros(3)
    with pytest.raises(TypeError, match="must be an int"):
        dg.kl_div(a, a, "mean")
    with pytest.raises(ValueError, match="0 \\('none'\\)"):
        dg.hinge_embedding_loss(a, a, 1.0, 3)


def test_activation_forms():
    same(dg.celu(D(X), 0.5), torch.celu(T(X), 0.5))
    same(dg.selu(D(X)), torch.selu(T(X)))
    same(dg.rrelu(D(X)), torch.rrelu(T(X)))
    same(dg.threshold(D(X), 0.1, 2.0), torch.threshold(T(X), 0.1, 2.0))
    with pytest.raises(NotImplementedError, match="manual_seed"):
        dg.rrelu(D(X), generator=dg.Generator())
    w = R.random(3)
    same(D(X).prelu(D(w)), T(X).prelu(T(w)))
    same(D(X).hardshrink(0.3), T(X).hardshrink(0.3))


def test_pad_and_grid_forms():
    same(
        dg.constant_pad_nd(D(X), [1, -2, 0, 1], 3.0),
        torch.constant_pad_nd(T(X), [1, -2, 0, 1], 3.0),
    )
    th = R.normal(size=(2, 2, 3))
    same(
        dg.affine_grid_generator(D(th), [2, 3, 4, 5], False),
        torch.affine_grid_generator(T(th), [2, 3, 4, 5], False),
    )
    im, gr = R.normal(size=(2, 3, 4, 5)), R.uniform(-1.1, 1.1, size=(2, 3, 3, 2))
    for interp in (0, 1):
        for padding in (0, 1, 2):
            for ac in (False, True):
                same(
                    dg.grid_sampler(D(im), D(gr), interp, padding, ac),
                    torch.grid_sampler(T(im), T(gr), interp, padding, ac),
                )
    with pytest.raises(ValueError, match="0 \\(zeros\\)"):
        dg.grid_sampler(D(im), D(gr), 0, "zeros", False)


@pytest.mark.parametrize(
    "name", ["dropout_", "alpha_dropout_", "feature_dropout_", "feature_alpha_dropout_"]
)
def test_in_place_dropout_forms(name):
    x = dg.ones(4, 3, 2)
    dg.manual_seed(0)
    assert getattr(dg, name)(x, 0.5, True) is x
    assert not np.all(x.numpy() == 1.0)
    y = dg.ones(2, 2)
    assert getattr(dg, name)(y, 0.5, False) is y and y.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    with pytest.raises(RuntimeError, match="in-place"):
        getattr(dg, name)(dg.ones(2, 2, requires_grad=True), 0.5, True)


def test_grid_sampler_2d_3d():
    im, gr = R.normal(size=(1, 2, 3, 4)), R.uniform(-1, 1, size=(1, 2, 2, 2))
    same(
        dg.grid_sampler_2d(D(im), D(gr), 0, 1, False),
        torch.grid_sampler_2d(T(im), T(gr), 0, 1, False),
    )
    vol, g3 = R.normal(size=(1, 2, 3, 4, 2)), R.uniform(-1, 1, size=(1, 2, 2, 2, 3))
    same(
        dg.grid_sampler_3d(D(vol), D(g3), 1, 0, True),
        torch.grid_sampler_3d(T(vol), T(g3), 1, 0, True),
    )
    with pytest.raises(RuntimeError, match="4D"):
        dg.grid_sampler_2d(D(vol), D(g3), 0, 0, False)


@pytest.mark.parametrize("generator", [True, object(), 0])
def test_rrelu_generator_of_another_type_is_a_type_error_as_torch(generator):
    """torch.rrelu's fifth argument is the generator: rrelu(x, 0.1, 0.3, False, True) is
    torch 2.13's TypeError; deepgrad said "a generator is not supported" (NotImplementedError)."""
    with pytest.raises(TypeError):
        torch.rrelu(T(X), 0.1, 0.3, False, generator)
    with pytest.raises(TypeError, match="'generator' \\(position 5\\) must be torch.Generator"):
        dg.rrelu(D(X), 0.1, 0.3, False, generator)


@pytest.mark.parametrize(
    ("mode", "error"),
    [("sum", TypeError), (True, TypeError), (5, RuntimeError), (-1, RuntimeError)],
)
def test_embedding_bag_mode_errors_as_torch(mode, error):
    """torch.embedding_bag's mode is an int: a str or bool is its parser's TypeError, an int
    other than 0, 1, 2 its RuntimeError ("`mode` must be sum, mean, or max."); deepgrad raised
    ValueError for both (still one)."""
    W, idx, off = R.normal(size=(5, 3)), np.array([0, 2, 4, 1]), np.array([0, 2])
    with pytest.raises(error):
        torch.embedding_bag(T(W), T(idx), T(off), False, mode)
    with pytest.raises(error, match="0 \\(sum\\), 1 \\(mean\\) or 2 \\(max\\)") as info:
        dg.embedding_bag(D(W), D(idx), D(off), False, mode)
    assert isinstance(info.value, ValueError)


def test_top_level_embedding_forms_with_the_arguments_swapped_raise_as_torch():
    """torch.embedding/embedding_bag take the table first; called in F's order (indices
    first) torch raises RuntimeError ("weight has to be a 2D Tensor", "Expected tensor for
    argument #1 'indices' to have one of the following scalar types: Long, Int"); deepgrad
    raised ValueError/TypeError."""
    W, idx2, idx1 = R.normal(size=(5, 3)), np.array([[0, 2], [4, 1]]), np.array([0, 2])
    off = np.array([0, 1])
    for call, pattern in [
        (lambda m, f: m.embedding(f(idx2), f(W)), "argument #1 'indices'"),
        (lambda m, f: m.embedding(f(W), f(W)), "argument #1 'indices'"),
        (lambda m, f: m.embedding_bag(f(idx1), f(W), f(off)), "weight has to be a 2D Tensor"),
        (lambda m, f: m.embedding_bag(f(W), f(W[0]), f(off)), "argument #1 'indices'"),
        (lambda m, f: m.nn.functional.embedding(f(W[0]), f(W)), "argument #1 'indices'"),
        (lambda m, f: m.nn.functional.embedding_bag(f(W[0]), f(W), f(off)), "argument #1"),
    ]:
        with pytest.raises(RuntimeError):
            call(torch, T)
        with pytest.raises(RuntimeError, match=pattern) as info:
            call(dg, D)
        assert isinstance(info.value, (ValueError, TypeError))  # deepgrad's earlier classes


def test_top_level_relu_has_no_inplace_argument():
    """``torch.relu(x, True)`` and ``torch.relu(x, inplace=True)`` are TypeErrors; deepgrad's
    top-level ``relu`` was ``F.relu`` and wrote into ``x`` silently."""
    x = np.array([-1.0, 0.5, 2.0])
    for call in (lambda m, t: m.relu(t, True), lambda m, t: m.relu(t, inplace=True)):
        with pytest.raises(TypeError):
            call(torch, T(x))
        d = D(x)
        with pytest.raises(TypeError):
            call(dg, d)
        np.testing.assert_array_equal(d.numpy(), x)  # untouched
    same(dg.relu(D(x)), torch.relu(T(x)))
    d = D(x)
    dg.relu_(d)  # the in-place form is relu_, as torch's
    same(d, torch.relu_(T(x)))
    assert dg.nn.functional.relu(D(x), inplace=True).numpy().tolist() == [0.0, 0.5, 2.0]
