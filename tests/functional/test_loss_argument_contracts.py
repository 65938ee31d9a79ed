"""The losses' argument contracts, case by case against torch 2.13: every parameter of every
function of ``deepgrad.functional.loss`` and every loss module of ``deepgrad.nn`` called with
wrong types (an int for a bool, a float for an int, a str for a float, None, a tensor for a
number, unknown reductions) and with the odd values torch accepts (``'elementwise_mean'``, a
NaN margin, a negative label smoothing, 0-d and empty inputs). Where torch raises, deepgrad
raises an instance of the same class; where torch returns, deepgrad returns the same shape,
dtype and values.

Left out on purpose (README's table of differences): a non-bool ``size_average``/``reduce``
(refused: :func:`test_legacy_flags_that_are_not_bools_are_refused`) and a target of another
shape than the input (refused instead of broadcast). Weights that are not tensors (lists,
arrays, numbers) are refused as torch refuses them: ``test_loss_weight_types.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.nn.functional as DF

torch = pytest.importorskip("torch")
TF = torch.nn.functional

rng = np.random.default_rng(0)
X = rng.standard_normal((3, 4)).astype(np.float32)
Y = rng.standard_normal((3, 4)).astype(np.float32)
P = (1 / (1 + np.exp(-X))).astype(np.float32)
T01 = rng.uniform(0, 1, (3, 4)).astype(np.float32)
LAB = np.array([0, 3, 1])
PM = np.array([1.0, -1.0, 1.0], np.float32)
PM34 = np.sign(Y).astype(np.float32)
CNT = rng.poisson(2, (3, 4)).astype(np.float32)
MLAB = np.array([[3, 0, -1, 1], [1, -1, 0, 0], [0, 1, 2, 3]])
VAR = (np.abs(Y) + 0.1).astype(np.float32)


class T:
    """A value passed as a tensor of each framework (``T(1.0)``: ``torch.tensor(1.0)``)."""

    def __init__(self, v: object) -> None:
        self.v = v

    def __repr__(self) -> str:
        return f"T({self.v!r})"


def _conv(L, v):
    return L.tensor(v.v) if isinstance(v, T) else v


#: function: (its tensors, the parameters to try with their kinds)
SPECS = {
    "mse_loss": ((X, Y), {"reduction": "reduction"}),
    "l1_loss": ((X, Y), {"reduction": "reduction"}),
    "huber_loss": ((X, Y), {"reduction": "reduction", "delta": "float"}),
    "smooth_l1_loss": ((X, Y), {"reduction": "reduction", "beta": "float"}),
    "binary_cross_entropy": ((P, T01), {"reduction": "reduction", "weight": "weight"}),
    "binary_cross_entropy_with_logits": (
        (X, T01),
        {"reduction": "reduction", "weight": "weight", "pos_weight": "weight"},
    ),
    "cross_entropy": (
        (X, LAB),
        {
            "reduction": "reduction",
            "weight": "weight",
            "ignore_index": "int",
            "label_smoothing": "float",
        },
    ),
    "nll_loss": (
        (X, LAB),
        {"reduction": "reduction", "weight": "weight", "ignore_index": "int"},
    ),
    "kl_div": ((X, T01), {"reduction": "reduction", "log_target": "bool"}),
    "multi_margin_loss": (
        (X, LAB),
        {"reduction": "reduction", "p": "int", "margin": "float", "weight": "weight"},
    ),
    "hinge_embedding_loss": ((X, PM34), {"reduction": "reduction", "margin": "float"}),
    "margin_ranking_loss": (
        (X[:, 0], Y[:, 0], PM),
        {"reduction": "reduction", "margin": "float"},
    ),
    "cosine_embedding_loss": ((X, Y, PM), {"reduction": "reduction", "margin": "float"}),
    "soft_margin_loss": ((X, PM34), {"reduction": "reduction"}),
    "multilabel_soft_margin_loss": (
        (X, (T01 > 0.5).astype(np.float32)),
        {"reduction": "reduction", "weight": "weight"},
    ),
    "poisson_nll_loss": (
        (X, CNT),
        {"reduction": "reduction", "log_input": "bool", "full": "bool", "eps": "float"},
    ),
    "gaussian_nll_loss": (
        (X, Y, VAR),
        {"reduction": "reduction", "full": "bool", "eps": "float"},
    ),
    "triplet_margin_loss": (
        (X, Y, P),
        {
            "reduction": "reduction",
            "margin": "float",
            "p": "float",
            "eps": "float",
            "swap": "bool",
        },
    ),
    "triplet_margin_with_distance_loss": (
        (X, Y, P),
        {"reduction": "reduction", "margin": "float", "swap": "bool"},
    ),
    "multilabel_margin_loss": ((X, MLAB), {"reduction": "reduction"}),
}

BAD = {
    "bool": [True, False, 1, 0, None, np.True_, "True", T(True), 1.0],
    "int": [2, 1.0, 1.5, True, None, "1", T(1), np.int64(1), T(1.0)],
    "float": [
        0.5, 1, 2, 0, -1.0, True, np.float64(0.5), T(1.0), T(1), "1", None,
        float("nan"), float("inf"),
    ],
    "reduction": [
        "mean", "sum", "none", "avg", None, 1, True, "batchmean", "Mean", "elementwise_mean",
    ],
    # tensors only: lists, arrays and numbers in test_loss_weight_types.py
    "weight": [
        T(np.array([1.0, 2.0, 3.0, 4.0], np.float32)),
        T(np.float32(2.0)),
        T(np.ones(3, np.float32)),
        T(np.ones((3, 4), np.float32)),
        T(np.ones(4, np.float64)),
        T(np.ones((1, 4), np.float32)),
    ],
}  # fmt: skip


def _cases() -> list:
    out = []
    for fn, (arrays, params) in SPECS.items():
        out.append(pytest.param(fn, arrays, {}, id=f"{fn}()"))
        for name, kind in params.items():
            for value in BAD[kind]:
                out.append(pytest.param(fn, arrays, {name: value}, id=f"{fn}({name}={value!r})"))
    return out


def _run(L, F, fn: str, arrays: tuple, kwargs: dict):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = getattr(F, fn)(
                *[L.tensor(a) for a in arrays], **{k: _conv(L, v) for k, v in kwargs.items()}
            )
        except Exception as e:  # noqa: BLE001 - the class is compared
            return e
    return out


def _same(got, want, what: str) -> None:
    if isinstance(want, Exception):
        assert isinstance(got, Exception), f"{what}: torch raised {want!r}, deepgrad returned"
        assert isinstance(got, type(want)), (
            f"{what}: torch raised {type(want).__name__} ({want}), deepgrad {got!r}"
        )
        return
    assert not isinstance(got, Exception), f"{what}: torch returned, deepgrad raised {got!r}"
    w, g = want.detach().numpy(), got.detach().numpy()
    assert g.shape == w.shape and g.dtype == w.dtype, (what, g.shape, g.dtype, w.shape, w.dtype)
    np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6, equal_nan=True, err_msg=what)


@pytest.mark.parametrize(("fn", "arrays", "kwargs"), _cases())
def test_functional_argument_types_as_torch(fn, arrays, kwargs):
    _same(_run(dg, DF, fn, arrays, kwargs), _run(torch, TF, fn, arrays, kwargs), fn)


MODULES = {
    "mse_loss": "MSELoss",
    "l1_loss": "L1Loss",
    "huber_loss": "HuberLoss",
    "smooth_l1_loss": "SmoothL1Loss",
    "binary_cross_entropy": "BCELoss",
    "binary_cross_entropy_with_logits": "BCEWithLogitsLoss",
    "cross_entropy": "CrossEntropyLoss",
    "nll_loss": "NLLLoss",
    "kl_div": "KLDivLoss",
    "multi_margin_loss": "MultiMarginLoss",
    "hinge_embedding_loss": "HingeEmbeddingLoss",
    "margin_ranking_loss": "MarginRankingLoss",
    "cosine_embedding_loss": "CosineEmbeddingLoss",
    "soft_margin_loss": "SoftMarginLoss",
    "multilabel_soft_margin_loss": "MultiLabelSoftMarginLoss",
    "poisson_nll_loss": "PoissonNLLLoss",
    "gaussian_nll_loss": "GaussianNLLLoss",
    "triplet_margin_loss": "TripletMarginLoss",
    "triplet_margin_with_distance_loss": "TripletMarginWithDistanceLoss",
    "multilabel_margin_loss": "MultiLabelMarginLoss",
}


def _module_cases() -> list:
    out = []
    for fn, (arrays, params) in SPECS.items():
        name = MODULES[fn]
        out.append(pytest.param(name, arrays, {}, id=f"{name}()"))
        for p, kind in params.items():
            if kind == "weight" and fn in (
                "binary_cross_entropy",
                "binary_cross_entropy_with_logits",
            ):
                continue  # an elementwise weight of the input's shape (see the functional test)
            for value in BAD[kind]:
                out.append(pytest.param(name, arrays, {p: value}, id=f"{name}({p}={value!r})"))
    return out


def _run_module(L, name: str, arrays: tuple, kwargs: dict):
    """The module made and called; an error at either step (deepgrad refuses a reduction
    when the module is made, PyTorch at the first call: the class is what counts)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            m = getattr(L.nn, name)(**{k: _conv(L, v) for k, v in kwargs.items()})
            return m(*[L.tensor(a) for a in arrays])
        except Exception as e:  # noqa: BLE001 - the class is compared
            return e


@pytest.mark.parametrize(("name", "arrays", "kwargs"), _module_cases())
def test_module_argument_types_as_torch(name, arrays, kwargs):
    _same(_run_module(dg, name, arrays, kwargs), _run_module(torch, name, arrays, kwargs), name)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: DF.poisson_nll_loss(dg.tensor(X), dg.tensor(CNT), log_input=1),
         r"poisson_nll_loss\(\): argument 'log_input' \(position 3\) must be bool, not int"),
        (lambda: DF.poisson_nll_loss(dg.tensor(X), dg.tensor(CNT), full=0),
         r"poisson_nll_loss\(\): argument 'full' \(position 4\) must be bool, not int"),
        (lambda: DF.poisson_nll_loss(dg.tensor(X), dg.tensor(CNT), eps="1"),
         r"poisson_nll_loss\(\): argument 'eps' \(position 5\) must be float, not str"),
        (lambda: DF.triplet_margin_loss(dg.tensor(X), dg.tensor(Y), dg.tensor(P), swap=1),
         r"triplet_margin_loss\(\): argument 'swap' \(position 7\) must be bool, not int"),
        (lambda: DF.kl_div(dg.tensor(X), dg.tensor(T01), log_target=None),
         r"kl_div\(\): argument 'log_target' must be bool, not NoneType"),
        (lambda: dg.nn.PoissonNLLLoss(log_input=np.True_)(dg.tensor(X), dg.tensor(CNT)),
         r"argument 'log_input' \(position 3\) must be bool, not numpy.bool"),
        (lambda: DF.huber_loss(dg.tensor(X), dg.tensor(Y), delta=None),
         r"huber_loss\(\): argument 'delta' \(position 4\) must be float, not NoneType"),
        (lambda: DF.cross_entropy(dg.tensor(X), dg.tensor(LAB), ignore_index=1.0),
         r"argument 'ignore_index' \(position 5\) must be int, not float"),
    ],
)  # fmt: skip
def test_type_errors_in_torchs_words(call, words):
    with pytest.raises(TypeError, match=words):
        call()


@pytest.mark.parametrize(
    ("call", "cls", "words"),
    [
        (lambda L: L.nn.functional.huber_loss(L.tensor(X), L.tensor(Y), delta=0.0),
         RuntimeError, "huber_loss does not support non-positive values for delta"),
        (lambda L: L.nn.functional.smooth_l1_loss(L.tensor(X), L.tensor(Y), beta=float("nan")),
         RuntimeError, "smooth_l1_loss does not support negative values for beta"),
        (lambda L: L.nn.functional.cross_entropy(L.tensor(X), L.tensor(LAB), label_smoothing=1.5),
         RuntimeError, r"label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
        (lambda L: L.nn.functional.cross_entropy(L.tensor(X), L.tensor(LAB), L.tensor(np.ones(3, np.float32))),
         RuntimeError, "weight tensor should be defined either for all 4 classes or no classes"),
        (lambda L: L.nn.functional.cross_entropy(L.tensor(X), L.tensor(T01), ignore_index=1),
         RuntimeError, "ignore_index is not supported for floating point target"),
        (lambda L: L.nn.functional.multi_margin_loss(L.tensor(X), L.tensor(LAB), weight=L.tensor(np.ones(3, np.float32))),
         RuntimeError, r"inconsistent weight size, expected 4 but got \[3\]"),
        (lambda L: L.nn.functional.multi_margin_loss(L.tensor(X), L.tensor(LAB), p=3),
         ValueError, "only p == 1 and p == 2 supported"),
        (lambda L: L.nn.functional.mse_loss(L.tensor(X), L.tensor(Y), reduction="avg"),
         ValueError, "avg is not a valid value for reduction"),
        (lambda L: L.nn.functional.gaussian_nll_loss(L.tensor(X), L.tensor(Y), L.tensor(VAR), eps=None),
         RuntimeError, "At least one of 'min' or 'max' must not be None"),
    ],
)  # fmt: skip
def test_value_errors_in_torchs_class_and_words(call, cls, words):
    with pytest.raises(cls, match=words):
        call(torch)
    with pytest.raises(cls, match=words):
        call(dg)
    with pytest.raises(ValueError):  # deepgrad's earlier class stays
        call(dg)


def test_elementwise_mean_is_a_mean_with_torchs_warning():
    x, y = dg.tensor(X), dg.tensor(Y)
    with pytest.warns(UserWarning, match="reduction='elementwise_mean' is deprecated"):
        got = DF.mse_loss(x, y, reduction="elementwise_mean")
    assert float(got) == pytest.approx(float(DF.mse_loss(x, y)))
    with pytest.warns(UserWarning, match="elementwise_mean"):
        got = dg.nn.CrossEntropyLoss(reduction="elementwise_mean")(x, dg.tensor(LAB))
    assert float(got) == pytest.approx(float(DF.cross_entropy(x, dg.tensor(LAB))))
    # the losses PyTorch writes in Python refuse it, as there
    with pytest.raises(ValueError):
        DF.poisson_nll_loss(x, dg.tensor(CNT), reduction="elementwise_mean")
    with pytest.raises(ValueError):
        dg.nn.GaussianNLLLoss(reduction="elementwise_mean")


@pytest.mark.parametrize("value", [1, 0, "sum", 1.0])
def test_legacy_flags_that_are_not_bools_are_refused(value):
    """README: torch reads any truthy ``size_average``/``reduce``; deepgrad refuses a value
    that is not a bool (usually a ``reduction`` or ``ignore_index`` in their position)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        TF.mse_loss(torch.tensor(X), torch.tensor(Y), size_average=value)
        for flag in ("size_average", "reduce"):
            with pytest.raises(TypeError, match=f"{flag} must be True, False or None"):
                DF.mse_loss(dg.tensor(X), dg.tensor(Y), **{flag: value})


@pytest.mark.parametrize("size_average", [None, True, False])
@pytest.mark.parametrize("reduce", [None, True, False])
def test_legacy_flags_as_torch(size_average, reduce):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fn, mod, arrays in (
            ("mse_loss", "MSELoss", (X, Y)),
            ("cross_entropy", "CrossEntropyLoss", (X, LAB)),
            ("poisson_nll_loss", "PoissonNLLLoss", (X, CNT)),
            ("triplet_margin_loss", "TripletMarginLoss", (X, Y, P)),
            ("kl_div", "KLDivLoss", (X, T01)),
        ):
            kw = {"size_average": size_average, "reduce": reduce}
            _same(_run(dg, DF, fn, arrays, kw), _run(torch, TF, fn, arrays, kw), fn)
            _same(_run_module(dg, mod, arrays, kw), _run_module(torch, mod, arrays, kw), mod)


Z = np.zeros
EDGE = {
    "cross_entropy (0, 4)": lambda L, F, r: F.cross_entropy(L.tensor(Z((0, 4))), L.tensor(Z(0, np.int64)), reduction=r),
    "cross_entropy probs (0, 4)": lambda L, F, r: F.cross_entropy(L.tensor(Z((0, 4))), L.tensor(Z((0, 4))), reduction=r),
    "cross_entropy (4,) 0-d label": lambda L, F, r: F.cross_entropy(L.tensor(np.arange(4.0)), L.tensor(np.int64(2)), reduction=r),
    "cross_entropy (2, 4, 0)": lambda L, F, r: F.cross_entropy(L.tensor(Z((2, 4, 0))), L.tensor(Z((2, 0), np.int64)), reduction=r),
    "cross_entropy smoothed (0, 4)": lambda L, F, r: F.cross_entropy(L.tensor(Z((0, 4))), L.tensor(Z(0, np.int64)), reduction=r, label_smoothing=0.1),
    "cross_entropy weighted (0, 4)": lambda L, F, r: F.cross_entropy(L.tensor(Z((0, 4))), L.tensor(Z(0, np.int64)), weight=L.tensor(np.ones(4)), reduction=r),
    "cross_entropy all ignored": lambda L, F, r: F.cross_entropy(L.tensor(Z((2, 3))), L.tensor(np.array([-100, -100])), reduction=r),
    "cross_entropy ignore_index=np.int64(1)": lambda L, F, r: F.cross_entropy(L.tensor(np.arange(6.0).reshape(2, 3)), L.tensor(np.array([1, 2])), ignore_index=np.int64(1), reduction=r),
    "cross_entropy label_smoothing=-0.5": lambda L, F, r: F.cross_entropy(L.tensor(np.arange(6.0).reshape(2, 3)), L.tensor(np.array([1, 2])), label_smoothing=-0.5, reduction=r),
    "cross_entropy label_smoothing=nan": lambda L, F, r: F.cross_entropy(L.tensor(np.arange(6.0).reshape(2, 3)), L.tensor(np.array([1, 2])), label_smoothing=float("nan"), reduction=r),
    "cross_entropy label_smoothing=True": lambda L, F, r: F.cross_entropy(L.tensor(np.arange(6.0).reshape(2, 3)), L.tensor(np.array([1, 2])), label_smoothing=True, reduction=r),
    "cross_entropy label_smoothing=tensor": lambda L, F, r: F.cross_entropy(L.tensor(np.arange(6.0).reshape(2, 3)), L.tensor(np.array([1, 2])), label_smoothing=L.tensor(0.2), reduction=r),
    "cross_entropy probs label_smoothing=-1": lambda L, F, r: F.cross_entropy(L.tensor(np.arange(6.0).reshape(2, 3)), L.tensor(np.full((2, 3), 1 / 3)), label_smoothing=-1.0, reduction=r),
    "nll_loss (0, 4)": lambda L, F, r: F.nll_loss(L.tensor(Z((0, 4))), L.tensor(Z(0, np.int64)), reduction=r),
    "nll_loss (4,) 0-d label": lambda L, F, r: F.nll_loss(L.tensor(np.arange(4.0)), L.tensor(np.int64(2)), reduction=r),
    "multi_margin_loss (0, 4)": lambda L, F, r: F.multi_margin_loss(L.tensor(Z((0, 4))), L.tensor(Z(0, np.int64)), reduction=r),
    "multi_margin_loss (4,)": lambda L, F, r: F.multi_margin_loss(L.tensor(np.arange(4.0)), L.tensor(np.int64(2)), reduction=r),
    "multi_margin_loss margin=inf": lambda L, F, r: F.multi_margin_loss(L.tensor(np.arange(6.0).reshape(2, 3)), L.tensor(np.array([1, 2])), margin=float("inf"), reduction=r),
    "multi_margin_loss margin=nan": lambda L, F, r: F.multi_margin_loss(L.tensor(np.arange(6.0).reshape(2, 3)), L.tensor(np.array([1, 2])), margin=float("nan"), reduction=r),
    "multi_margin_loss p=2.0": lambda L, F, r: F.multi_margin_loss(L.tensor(np.arange(6.0).reshape(2, 3)), L.tensor(np.array([1, 2])), p=2.0, margin=3.0, reduction=r),
    "multi_margin_loss p=True": lambda L, F, r: F.multi_margin_loss(L.tensor(np.arange(6.0).reshape(2, 3)), L.tensor(np.array([1, 2])), p=True, margin=3.0, reduction=r),
    "multilabel_margin_loss (0, 4)": lambda L, F, r: F.multilabel_margin_loss(L.tensor(Z((0, 4))), L.tensor(Z((0, 4), np.int64)), reduction=r),
    "multilabel_soft_margin_loss (2, 0)": lambda L, F, r: F.multilabel_soft_margin_loss(L.tensor(Z((2, 0))), L.tensor(Z((2, 0))), reduction=r),
    "multilabel_soft_margin_loss (0,)": lambda L, F, r: F.multilabel_soft_margin_loss(L.tensor(Z(0)), L.tensor(Z(0)), reduction=r),
    "multilabel_soft_margin_loss float64 weight": lambda L, F, r: F.multilabel_soft_margin_loss(L.tensor(X), L.tensor((T01 > 0.5).astype(np.float32)), weight=L.tensor(np.arange(4.0)), reduction=r),
    "cosine_embedding_loss (0, 3)": lambda L, F, r: F.cosine_embedding_loss(L.tensor(Z((0, 3))), L.tensor(Z((0, 3))), L.tensor(Z(0)), reduction=r),
    "cosine_embedding_loss margin=True": lambda L, F, r: F.cosine_embedding_loss(L.tensor(X), L.tensor(Y), L.tensor(-PM), margin=True, reduction=r),
    "hinge_embedding_loss margin=True": lambda L, F, r: F.hinge_embedding_loss(L.tensor(X), L.tensor(PM34), margin=True, reduction=r),
    "triplet_margin_loss (0, 3)": lambda L, F, r: F.triplet_margin_loss(L.tensor(Z((0, 3))), L.tensor(Z((0, 3))), L.tensor(Z((0, 3))), reduction=r),
    "triplet_margin_loss (3,)": lambda L, F, r: F.triplet_margin_loss(L.tensor(Z(3)), L.tensor(Z(3) + 1), L.tensor(Z(3) + 2), reduction=r),
    "triplet_margin_loss p=True": lambda L, F, r: F.triplet_margin_loss(L.tensor(X), L.tensor(Y), L.tensor(P), p=True, reduction=r),
    "triplet_margin_loss p=tensor": lambda L, F, r: F.triplet_margin_loss(L.tensor(X), L.tensor(Y), L.tensor(P), p=L.tensor(1.0), reduction=r),
    "triplet_margin_loss swap, broadcast (1, 3)": lambda L, F, r: F.triplet_margin_loss(L.tensor(Z((1, 3))), L.tensor(Z((2, 3)) + 1), L.tensor(np.arange(6.0).reshape(2, 3)), swap=True, margin=5.0, reduction=r),
    "triplet_margin_with_distance_loss (0, 3)": lambda L, F, r: F.triplet_margin_with_distance_loss(L.tensor(Z((0, 3))), L.tensor(Z((0, 3))), L.tensor(Z((0, 3))), reduction=r),
    "triplet_margin_with_distance_loss margin=nan": lambda L, F, r: F.triplet_margin_with_distance_loss(L.tensor(X), L.tensor(Y), L.tensor(P), margin=float("nan"), reduction=r),
    "kl_div batchmean (0, 3)": lambda L, F, r: F.kl_div(L.tensor(Z((0, 3))), L.tensor(Z((0, 3))), reduction="batchmean"),
    "kl_div batchmean 0-d": lambda L, F, r: F.kl_div(L.tensor(np.float64(-1)), L.tensor(np.float64(0.3)), reduction="batchmean"),
    "gaussian_nll_loss (0, 3), var (0,)": lambda L, F, r: F.gaussian_nll_loss(L.tensor(Z((0, 3))), L.tensor(Z((0, 3))), L.tensor(Z(0) + 1), reduction=r),
    "gaussian_nll_loss var (2, 1)": lambda L, F, r: F.gaussian_nll_loss(L.tensor(Z((2, 3)) + 1), L.tensor(Z((2, 3)) + 2), L.tensor(Z((2, 1)) + 0.5), reduction=r),
    "gaussian_nll_loss var (2,)": lambda L, F, r: F.gaussian_nll_loss(L.tensor(Z((2, 3)) + 1), L.tensor(Z((2, 3)) + 2), L.tensor(Z(2) + 0.5), reduction=r),
    "gaussian_nll_loss var a number": lambda L, F, r: F.gaussian_nll_loss(L.tensor(Z(3) + 1), L.tensor(Z(3) + 2), 0.5, reduction=r),
    "poisson_nll_loss full 0-d": lambda L, F, r: F.poisson_nll_loss(L.tensor(np.float64(0.5)), L.tensor(np.float64(3.0)), full=True, reduction=r),
    "poisson_nll_loss full, not log 0-d": lambda L, F, r: F.poisson_nll_loss(L.tensor(np.float64(0.5)), L.tensor(np.float64(3.0)), log_input=False, full=True, reduction=r),
    "poisson_nll_loss eps=tensor": lambda L, F, r: F.poisson_nll_loss(L.tensor(Z(3) + 1), L.tensor(Z(3) + 2), log_input=False, eps=L.tensor(0.5), reduction=r),
    "bce_with_logits pos_weight (3,)": lambda L, F, r: F.binary_cross_entropy_with_logits(L.tensor(Z((2, 3)) + 0.3), L.tensor(Z((2, 3)) + 1), pos_weight=L.tensor(np.array([1.0, 2.0, 3.0])), reduction=r),
    "bce_with_logits pos_weight (2, 1)": lambda L, F, r: F.binary_cross_entropy_with_logits(L.tensor(Z((2, 3)) + 0.3), L.tensor(Z((2, 3)) + 1), pos_weight=L.tensor(np.array([[1.0], [2.0]])), reduction=r),
    "bce_with_logits pos_weight 0-d": lambda L, F, r: F.binary_cross_entropy_with_logits(L.tensor(Z((2, 3)) + 0.3), L.tensor(Z((2, 3)) + 1), pos_weight=L.tensor(np.float64(3)), reduction=r),
    "bce_with_logits pos_weight (3, 3)": lambda L, F, r: F.binary_cross_entropy_with_logits(L.tensor(Z((2, 3)) + 0.3), L.tensor(Z((2, 3)) + 1), pos_weight=L.tensor(np.ones((3, 3))), reduction=r),
    "bce weight (3,)": lambda L, F, r: F.binary_cross_entropy(L.tensor(Z((2, 3)) + 0.3), L.tensor(Z((2, 3)) + 1), weight=L.tensor(np.array([1.0, 2.0, 3.0])), reduction=r),
    "bce weight (2, 2, 3)": lambda L, F, r: F.binary_cross_entropy(L.tensor(Z((2, 3)) + 0.3), L.tensor(Z((2, 3)) + 1), weight=L.tensor(np.ones((2, 2, 3))), reduction=r),
    "mse_loss weight": lambda L, F, r: F.mse_loss(L.tensor(Z((2, 3))), L.tensor(Z((2, 3)) + 1), weight=L.tensor(np.arange(6.0).reshape(2, 3)), reduction=r),
    "mse_loss 0-d": lambda L, F, r: F.mse_loss(L.tensor(np.float64(2)), L.tensor(np.float64(0.5)), reduction=r),
    "huber_loss delta=tensor": lambda L, F, r: F.huber_loss(L.tensor(Z(3)), L.tensor(Z(3) + 2), delta=L.tensor(0.5), reduction=r),
    "smooth_l1_loss beta=0": lambda L, F, r: F.smooth_l1_loss(L.tensor(Z(3)), L.tensor(Z(3) + 2), beta=0, reduction=r),
    "kl_div log_target": lambda L, F, r: F.kl_div(L.tensor(Z(3) - 1), L.tensor(Z(3) - 2), log_target=True, reduction=r),
}  # fmt: skip

POINTWISE = {
    "mse_loss": 2, "l1_loss": 2, "huber_loss": 2, "smooth_l1_loss": 2,
    "binary_cross_entropy": 2, "binary_cross_entropy_with_logits": 2, "kl_div": 2,
    "soft_margin_loss": 2, "hinge_embedding_loss": 2, "poisson_nll_loss": 2,
    "gaussian_nll_loss": 3, "margin_ranking_loss": 3,
}  # fmt: skip
for _fn, _n in POINTWISE.items():
    for _shape in [(), (0,), (0, 3), (2, 0)]:
        EDGE[f"{_fn} {_shape}"] = (
            lambda fn, n, shape: (
                lambda L, F, r: getattr(F, fn)(
                    *[L.tensor(np.full(shape, v)) for v in (0.5, 0.2, 1.0)[:n]], reduction=r
                )
            )
        )(_fn, _n, _shape)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", list(EDGE))
def test_edge_values_and_shapes_as_torch(case, reduction):
    """0-d and empty inputs (an empty mean is NaN, 0/0; PyTorch's margin kernels give 0),
    the odd values torch accepts, weights that broadcast or not."""
    if "margin_loss (0, 4)" in case and reduction == "mean":
        pytest.skip("2.13 returns uninitialised memory (test_fuzz_loss_margin: deepgrad NaN)")
    got, want = (_edge(L, F, case, reduction) for L, F in ((dg, DF), (torch, TF)))
    _same(got, want, case)


def _edge(L, F, case, reduction):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return EDGE[case](L, F, reduction)
        except Exception as e:  # noqa: BLE001 - the class is compared
            return e


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("margin", [0.5, 3.0])
def test_multi_margin_loss_gradients(p, margin):
    a = rng.standard_normal((5, 4))
    t = np.array([0, 3, 1, 1, 2])
    w = np.array([0.5, 1.0, 2.0, 1.5])
    x = dg.tensor(a, requires_grad=True)
    assert dg.gradcheck(lambda z: DF.multi_margin_loss(z, dg.tensor(t), p, margin, dg.tensor(w)), x)
    assert dg.gradcheck(lambda z: DF.multi_margin_loss(z, dg.tensor(t), p, margin), x)
    DF.multi_margin_loss(x, dg.tensor(t), p, margin, dg.tensor(w)).backward()
    tx = torch.tensor(a, requires_grad=True)
    TF.multi_margin_loss(tx, torch.tensor(t), p, margin, torch.tensor(w)).backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_multilabel_soft_margin_loss_float64_weight_gets_the_gradient():
    a, y = rng.standard_normal((3, 4)), (rng.random((3, 4)) > 0.5).astype(np.float64)
    w = dg.tensor(rng.random(4) + 0.5, requires_grad=True)
    x = dg.tensor(a, requires_grad=True)
    assert dg.gradcheck(lambda z, v: DF.multilabel_soft_margin_loss(z, dg.tensor(y), v), x, w)
    out = DF.multilabel_soft_margin_loss(x.float(), dg.tensor(y).float(), w)
    assert out.dtype == dg.float64


def test_module_signatures_as_torch():
    """The loss modules' constructors and ``forward`` take torch's parameters, names, kinds
    and defaults (``PoissonNLLLoss()(log_input=x, target=y)`` works)."""
    import inspect

    def params(f):
        return [(p.name, p.kind, p.default) for p in inspect.signature(f).parameters.values()]

    for name in [*MODULES.values(), "NLLLoss2d", "CTCLoss"]:
        for method in ("__init__", "forward"):
            want = params(getattr(getattr(torch.nn, name), method))
            assert params(getattr(getattr(dg.nn, name), method)) == want, (name, method)
    for fn in [*MODULES, "ctc_loss"]:
        assert params(getattr(DF, fn)) == params(getattr(TF, fn)), fn
    x, y = rng.standard_normal(3), rng.poisson(2, 3).astype(float)
    got = dg.nn.PoissonNLLLoss()(log_input=dg.tensor(x), target=dg.tensor(y))
    want = torch.nn.PoissonNLLLoss()(log_input=torch.tensor(x), target=torch.tensor(y))
    assert float(got) == pytest.approx(float(want), rel=1e-12)
