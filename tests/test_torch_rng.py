"""PyTorch's CPU random numbers after the same seed (deepgrad/_torch_rng.py, backend.Stream):
the draws, the layers' initial weights, the distributions' samples and the generator state,
each compared with torch 2.13 — bit for bit where PyTorch's kernel is exact (float64, the
uniforms, the integers), within an ulp where its vectorized log/cos/sin round otherwise."""

from __future__ import annotations

import contextlib
import math

import numpy as np
import pytest

import deepgrad as dg

pytestmark = pytest.mark.numpy_only("PyTorch's CPU generator; the CuPy backend draws CuPy's")

SEEDS = (0, 1, 123, 2**40 + 7, 2**64 - 1)


def _np(x) -> np.ndarray:
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def _same(torch, seed, t_fn, d_fn, *, ulps: int = 0) -> None:
    torch.manual_seed(seed)
    dg.manual_seed(seed)
    a, b = t_fn(torch), d_fn(dg)
    a = a if isinstance(a, tuple) else (a,)
    b = b if isinstance(b, tuple) else (b,)
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        x, y = _np(x), _np(y)
        assert x.shape == y.shape and x.dtype == y.dtype
        if ulps == 0:
            np.testing.assert_array_equal(y, x)
        else:
            spacing = np.spacing(np.maximum(np.abs(x), np.finfo(x.dtype).tiny)).astype(np.float64)
            assert (np.abs(x.astype(np.float64) - y) <= ulps * spacing * 4).all()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "shape", [(), (0,), (1,), (5,), (15,), (16,), (17,), (3, 7), (37, 5), (2, 0, 3)]
)
def test_rand_and_randn_float64_are_torchs_bit_for_bit(torch, seed, shape):
    _same(
        torch,
        seed,
        lambda m: m.rand(shape, dtype=m.float64),
        lambda m: m.rand(shape, dtype=m.float64),
    )
    _same(
        torch,
        seed,
        lambda m: m.randn(shape, dtype=m.float64),
        lambda m: m.randn(shape, dtype=m.float64),
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", [(), (5,), (16,), (37, 5), (4, 9, 3)])
def test_rand_and_randn_float32(torch, seed, shape):
    _same(torch, seed, lambda m: m.rand(shape), lambda m: m.rand(shape))
    n = math.prod(shape)
    # below 16 values PyTorch goes through float64 (exact); from 16 on its vectorized Sleef
    # log/cos/sin, within an ulp of NumPy's
    _same(torch, seed, lambda m: m.randn(shape), lambda m: m.randn(shape), ulps=0 if n < 16 else 1)


def test_the_cached_normal_carries_across_calls_and_dtypes(torch):
    """PyTorch's generator keeps the second value of its last scalar Box–Muller pair: an odd
    number of small draws leaves it for the next one, whatever its dtype."""

    def draws(m):
        return (
            m.randn(3, dtype=m.float64),
            m.randn(1),
            m.randn(2, dtype=m.float64),
            m.rand(2, dtype=m.float64),
            m.randn(20, dtype=m.float64),
            m.randn(5, dtype=m.float64),
        )

    _same(torch, 7, draws, draws)


@pytest.mark.parametrize(
    "args",
    [(3, 50, (100,)), (10, (4, 5)), (-7, 7, (9,)), (2**40, (7,)), (0, 1, (3,)), (5, (0,))],
)
def test_randint(torch, args):
    for seed in SEEDS:
        _same(torch, seed, lambda m: m.randint(*args), lambda m: m.randint(*args))


@pytest.mark.parametrize("n", [0, 1, 2, 10, 300, 5000])
def test_randperm(torch, n):
    for seed in SEEDS[:3]:
        _same(torch, seed, lambda m: m.randperm(n), lambda m: m.randperm(n))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [1, 5, 16, 100])
def test_uniform_and_normal_fill_as_torch(torch, dtype, n):
    def fill(m):
        dt = getattr(m, dtype)
        return (
            m.empty(n, dtype=dt).uniform_(-0.1, 0.35),
            m.empty(n, dtype=dt).uniform_(),
            m.empty(n, dtype=dt).normal_(2.0, 3.0),
            m.empty(n, dtype=dt).normal_(),
        )

    _same(torch, 3, fill, fill, ulps=0 if dtype == "float64" or n < 16 else 1)


def test_rand_like_randn_like_and_generator_argument(torch):
    _same(torch, 0, lambda m: (m.rand_like(m.ones(3)), m.randn_like(m.ones(20))),
          lambda m: (m.rand_like(m.ones(3)), m.randn_like(m.ones(20))), ulps=1)  # fmt: skip
    t = torch.rand(4, generator=torch.Generator().manual_seed(5))
    d = dg.rand(4, generator=dg.Generator().manual_seed(5))
    np.testing.assert_array_equal(_np(d), _np(t))


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.randn(3, 5).t(),
        lambda lib: lib.randn(2, 3, 4).permute(2, 0, 1),
        lambda lib: lib.randn(4, 6)[:, ::2],
        lambda lib: lib.randn(4, 6).t()[::2],
        lambda lib: lib.randn(4, 1, 6).expand(4, 3, 6),
    ],
)
def test_like_draws_of_strided_inputs_as_torch(torch, make):
    """``rand_like``/``randn_like``/``randint_like`` fill ``empty_like(input)``, which keeps a
    transposed or permuted input's layout: PyTorch's values (in that memory order, and a
    strided normal drawn element by element), its strides, and the generator after."""
    got = []
    for lib in (dg, torch):
        lib.manual_seed(0)
        x = make(lib)
        outs = [lib.rand_like(x), lib.randn_like(x), lib.randn_like(x, dtype=lib.float64),
                lib.randint_like(x, 3, 10)]  # fmt: skip
        got.append([o.numpy() for o in outs] + [outs[0].stride(), lib.rand(2).numpy()])
    for a, b in zip(*got, strict=True):
        if isinstance(a, tuple):
            assert a == b
        elif a.dtype == np.float32:  # float32 normals: PyTorch's vectorized log/cos, an ulp
            np.testing.assert_array_max_ulp(a, b, maxulp=2)
        else:
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_layers_start_from_torchs_weights(torch, dtype):
    def layers(m):
        dt = getattr(m, dtype)
        nets = (
            m.nn.Linear(20, 30, dtype=dt),
            m.nn.Conv2d(3, 8, 3, dtype=dt),
            m.nn.LSTM(4, 8, dtype=dt),
            m.nn.GRU(3, 5, num_layers=2, dtype=dt),
            m.nn.Sequential(m.nn.Linear(5, 7, dtype=dt), m.nn.ReLU(), m.nn.Linear(7, 2, dtype=dt)),
        )
        return tuple(p for net in nets for p in net.parameters())

    _same(torch, 0, layers, layers)


def test_init_functions_as_torch(torch):
    def inits(m):
        i = m.nn.init
        return (
            i.xavier_uniform_(m.empty(6, 9)),
            i.kaiming_uniform_(m.empty(6, 9), a=0.1),
            i.uniform_(m.empty(4, 4), -2.0, 3.0),
            i.normal_(m.empty(3), 1.0, 0.5),
            i.trunc_normal_(m.empty(2, 2)) * 0,  # drawn (the stream advances); values: NumPy's
            i.kaiming_normal_(m.empty(6, 9)),
            i.xavier_normal_(m.empty(20, 3)),
        )

    # trunc_normal_ consumes other words than PyTorch's: compare what comes before it
    _same(torch, 0, lambda m: inits(m)[:4], lambda m: inits(m)[:4])
    _same(torch, 1, lambda m: m.nn.init.kaiming_normal_(m.empty(6, 9)),
          lambda m: m.nn.init.kaiming_normal_(m.empty(6, 9)), ulps=1)  # fmt: skip


def test_distributions_rsample_as_torch(torch):
    def samples(m):
        d = m.distributions
        loc, scale = m.tensor([0.5, -1.0], dtype=m.float64), m.tensor([2.0, 0.1], dtype=m.float64)
        cov = m.tensor([[2.0, 0.3], [0.3, 1.0]], dtype=m.float64)
        return (
            d.Normal(loc, scale).rsample((3,)),
            d.Uniform(loc, loc + 1).rsample((4,)),
            d.MultivariateNormal(loc, covariance_matrix=cov).rsample((5,)),
        )

    for seed in SEEDS[:3]:
        _same(torch, seed, samples, samples)


def test_rng_state_moves_between_the_frameworks(torch):
    """torch.get_rng_state()'s 5056 bytes continue in deepgrad, and deepgrad's in torch."""
    torch.manual_seed(42)
    torch.randn(3)  # leaves a cached normal
    torch.rand(1000)
    dg.set_rng_state(dg.tensor(torch.get_rng_state().numpy()))
    assert dg.initial_seed() == 42
    for fn in ("randn", "rand"):
        a, b = getattr(torch, fn)(7, dtype=torch.float64), getattr(dg, fn)(7, dtype=dg.float64)
        np.testing.assert_array_equal(_np(b), _np(a))
    dg.manual_seed(9)
    dg.randn(1, dtype=dg.float64)
    s = dg.get_rng_state()
    assert _np(s).tobytes() == bytes(_np(s))  # a flat uint8 tensor
    torch.set_rng_state(torch.from_numpy(_np(s).copy()))
    np.testing.assert_array_equal(
        _np(dg.randn(3, dtype=dg.float64)), _np(torch.randn(3, dtype=torch.float64))
    )
    torch.manual_seed(9)
    dg.manual_seed(9)
    assert _np(dg.get_rng_state()).tobytes() == torch.get_rng_state().numpy().tobytes()
    dg.rand(700)  # past the first regeneration of the twister's words
    torch.rand(700)
    assert _np(dg.get_rng_state()).tobytes() == torch.get_rng_state().numpy().tobytes()


def test_seeds_are_taken_modulo_two_to_the_64_as_torch(torch):
    for seed in (-1, -(2**63), 2**64 - 1):
        _same(
            torch, seed, lambda m: m.rand(3, dtype=m.float64), lambda m: m.rand(3, dtype=m.float64)
        )
        assert dg.initial_seed() == torch.initial_seed()


def test_other_dtypes_and_draws_stay_seeded():
    """Draws PyTorch makes otherwise (complex) come from the same stream: reproducible under
    manual_seed, not PyTorch's numbers."""

    def draws():
        return (
            dg.randn(3, dtype=dg.complex64),
            dg.bernoulli(dg.full((6,), 0.5)),
            dg.ones(2, 4).multinomial(2),
            dg.nn.functional.dropout(dg.ones(8), 0.5),
        )

    dg.manual_seed(4)
    a = draws()
    dg.manual_seed(4)
    for x, y in zip(a, draws(), strict=True):
        assert x.tolist() == y.tolist()


@pytest.mark.parametrize("shape", [(), (0,), (7,), (3, 5), (4096,)])
@pytest.mark.parametrize("bounds", [(0.0, 1.0), (0.1, 0.7), (-2.0, 3.0), (1e-3, 2.5)])
def test_float16_uniforms_as_torch(torch, shape, bounds):
    """float16 ``rand``/``uniform_``/``rand_like`` are PyTorch's: float32's draws rounded to
    half, a value rounding up to the upper bound replaced by the lower (``rand`` never 1),
    and the stream continues as PyTorch's."""
    a, b = bounds

    def draws(m):
        u = m.empty(shape, dtype=m.float16).uniform_(a, b)
        r = m.rand(shape, dtype=m.float16) if bounds == (0.0, 1.0) else m.rand_like(u)
        return u, r, m.rand(2, dtype=m.float64)

    _same(torch, 5, draws, draws)
    g, tg = dg.Generator().manual_seed(9), torch.Generator().manual_seed(9)
    np.testing.assert_array_equal(
        dg.rand(shape, dtype=dg.float16, generator=g).numpy(),
        torch.rand(shape, dtype=torch.float16, generator=tg).numpy(),
    )


_HALF_NORMALS = {
    "randn": lambda m, n: m.randn(3, n, dtype=m.float16),
    "normal_": lambda m, n: m.empty(n, dtype=m.float16).normal_(0.5, 2.0),
    "normal_ on a view": lambda m, n: m.empty(n, 2, dtype=m.float16).t().normal_(),
    "init.normal_": lambda m, n: m.nn.init.normal_(m.empty(n, 3, dtype=m.float16), 0.0, 0.02),
    "normal(size)": lambda m, n: m.normal(1.0, 3.0, (n,), dtype=m.float16),
    "normal(mean, std tensors)": lambda m, n: m.normal(
        m.ones(n, dtype=m.float16), m.full((n,), 2.0, dtype=m.float16)
    ),
    "randn_like": lambda m, n: m.randn_like(m.ones(n, dtype=m.float16)),
    "kaiming_normal_": lambda m, n: m.nn.init.kaiming_normal_(m.empty(n, 4, dtype=m.float16)),
    "trunc_normal_": lambda m, n: m.nn.init.trunc_normal_(m.empty(n, 4, dtype=m.float16)),
}


@pytest.mark.parametrize("n", [1, 7, 16, 20, 33])
@pytest.mark.parametrize("name", sorted(_HALF_NORMALS))
def test_float16_normals_as_torch(torch, name, n):
    """float16 normals are PyTorch's: fewer than 16 values (or a non-contiguous tensor) by the
    scalar sampler rounded; else float32's Box–Muller blocks rounded, a count that is not a
    multiple of 16 recomputing its last 16 from 16 fresh uniforms — with no uniforms drawn for
    the values they replace (float32's kernel draws them) —; the stream continues as
    PyTorch's."""
    draw = _HALF_NORMALS[name]
    _same(torch, 5, lambda m: (draw(m, n), m.rand(2)), lambda m: (draw(m, n), m.rand(2)))


_COMPLEX_DRAWS = {
    "randn": lambda m, n, d: m.randn(3, n, dtype=d),
    "rand": lambda m, n, d: m.rand(n, dtype=d),
    "normal_": lambda m, n, d: m.empty(n, dtype=d).normal_(0.5, 2.0),
    "uniform_": lambda m, n, d: m.empty(n, dtype=d).uniform_(-2, 3),
    "normal_ on a view": lambda m, n, d: m.empty(n, 2, dtype=d).t().normal_(1, 3),
    "uniform_ on a view": lambda m, n, d: m.empty(n, 2, dtype=d).t().uniform_(),
    "init.normal_": lambda m, n, d: m.nn.init.normal_(m.empty(n, 3, dtype=d), 0.0, 0.02),
    "normal(size)": lambda m, n, d: m.normal(1.0, 3.0, (n,), dtype=d),
    "randn_like": lambda m, n, d: m.randn_like(m.ones(n, dtype=d)),
    "rand with a generator": lambda m, n, d: m.rand(
        n, dtype=d, generator=m.Generator().manual_seed(3)
    ),
}


@pytest.mark.parametrize("n", [1, 7, 20])
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("name", sorted(_COMPLEX_DRAWS))
def test_complex_draws_as_torch(torch, name, dtype, n):
    """Complex draws are PyTorch's: the float tensor of the parts (``view_as_real``) drawn —
    each part U(a, b), or N(mean, std²/2) so that the complex variance is std² —, in its
    memory order; complex128 bit for bit, complex64 normals of 16 parts or more within the
    float32 normals' ulp (scaled by 1/√2: two), fewer exact; the stream continues as
    PyTorch's."""
    draw = _COMPLEX_DRAWS[name]
    uniform = name.startswith(("rand ", "uniform_")) or name == "rand"
    ulps = 2 if dtype == "complex64" and n > 1 and not uniform else 0  # n = 1: scalar, exact

    def run(m):
        z = draw(m, n, getattr(m, dtype))
        return m.view_as_real(z.resolve_conj() if m is torch else z), m.rand(2)

    _same(torch, 2, run, run, ulps=ulps)


def test_float16_layers_and_uniform_inits_as_torch(torch):
    """The uniform inits on float16 tensors, hence a float16 layer's initial weights."""

    def inits(m):
        w = m.empty(6, 5, dtype=m.float16)
        return (
            m.nn.init.uniform_(w, -0.3, 0.2).clone(),
            m.nn.init.kaiming_uniform_(w, a=math.sqrt(5)).clone(),
            m.nn.init.xavier_uniform_(w).clone(),
            m.nn.Linear(7, 3, dtype=m.float16).weight.detach(),
        )

    _same(torch, 3, inits, inits)


@pytest.mark.parametrize(
    "dtype, a, b",
    [
        ("float16", 0.0, 1e5),  # to outside half's range
        ("float16", -7e4, 0.0),  # from outside it
        ("float16", 0.0, math.inf),
        ("float16", math.nan, 1.0),
        ("float16", -6e4, 6e4),  # each inside, to - from past 65504
        ("float32", -3e38, 3e38),
        ("float64", -1e308, 1e308),
        ("float32", 2.0, 1.0),  # from > to
    ],
)
def test_uniform_bounds_refused_as_torch(torch, dtype, a, b):
    """Bounds PyTorch refuses (the draws would be ±inf or NaN) are refused with its
    RuntimeError, by Tensor.uniform_ and nn.init.uniform_ alike."""
    with pytest.raises(RuntimeError):
        torch.empty(3, dtype=getattr(torch, dtype)).uniform_(a, b)
    for fill in (lambda t: t.uniform_(a, b), lambda t: dg.nn.init.uniform_(t, a, b)):
        with pytest.raises(RuntimeError) as info:
            fill(dg.empty(3, dtype=getattr(dg, dtype)))
        assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("bounds", [(-1e300, 1e300), (-1.7e308, 0.0), (1e299, 1.7e308)])
def test_float64_uniforms_over_huge_ranges_as_torch(torch, bounds):
    """``u · (b − a) + a`` rounded once stays exact where ``b − a`` is near float64's
    largest value (the exact product's split would overflow: it is scaled by 2⁻⁶⁴)."""
    _same(
        torch, 0, lambda m: m.empty(500, dtype=m.float64).uniform_(*bounds),
        lambda m: m.empty(500, dtype=m.float64).uniform_(*bounds),
    )  # fmt: skip


def _outcome(fn, *args):
    """``fn(*args)``'s values as a list, or "raises" for a RuntimeError (PyTorch's class)."""
    try:
        return fn(*args).tolist()
    except RuntimeError:
        return "raises"


def _fill_random(m, dtype, *bounds):
    return m.empty(40, dtype=getattr(m, dtype)).random_(*bounds)


def _randint(m, dtype, lo, hi):
    return m.randint(lo, hi, (40,), dtype=getattr(m, dtype))


@pytest.mark.parametrize(
    "dtype", ["float32", "float16", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]
)
@pytest.mark.filterwarnings("ignore:.*out of bounds")
def test_random_ranges_and_their_checks_as_torch(torch, dtype):
    """random_(from, to), random_(to), random_() and randint over every dtype and ranges
    around the dtypes' limits: PyTorch's numbers (a 64-bit word from a range of 2^28 on, a
    float's bounds moved to integers it holds) or PyTorch's refusal (a bound outside the
    dtype, an empty range)."""
    ranges = [(0, 1000), (0, 2), (-100, 100), (0, 2**27), (0, 2**28), (0, 2**30),
              (3, 2**31 - 1), (-(2**25) - 3, 2**25 + 5), (0, 70000), (0, 2**60), (5, 5)]  # fmt: skip
    calls = [(_fill_random, r) for r in ranges] + [(_randint, r) for r in ranges]
    calls += [(_fill_random, form) for form in ((), (2**29,), (7,))]
    for fn, bounds in calls:
        torch.manual_seed(0)
        want = _outcome(fn, torch, dtype, *bounds)
        dg.manual_seed(0)
        assert _outcome(fn, dg, dtype, *bounds) == want, (fn.__name__, bounds)


@pytest.mark.parametrize(
    "n, dtype", [(128, "int8"), (129, "int8"), (257, "uint8"), (2049, "float16"),
                 (2050, "float16"), (-1, "int64"), (3, "bool"), (0, "int16")],
)  # fmt: skip
def test_randperm_checks_as_torch(torch, n, dtype):
    """randperm refuses what PyTorch refuses: n − 1 past the dtype, a float past 2^digits + 1,
    a negative n, bool."""
    try:
        torch.manual_seed(0)
        want = torch.randperm(n, dtype=getattr(torch, dtype)).tolist()
    except (RuntimeError, NotImplementedError) as e:
        with pytest.raises(type(e)):
            dg.randperm(n, dtype=getattr(dg, dtype))
        return
    dg.manual_seed(0)
    assert dg.randperm(n, dtype=getattr(dg, dtype)).tolist() == want


@pytest.mark.parametrize("n", [3, 20])
@pytest.mark.parametrize(
    "mean, std",
    [(0.0, math.inf), (math.inf, 1.0), (math.nan, 1.0), (-math.inf, 0.0), (1e308, 1e308),
     (0.0, math.nan)],
)  # fmt: skip
def test_normal_with_infinite_or_nan_parameters_as_torch(torch, n, mean, std):
    """PyTorch's ±inf and NaN for infinite or NaN parameters (not the NaN of an exact
    product's error terms), and its refusal of a NaN std."""

    def fill(m, dtype):
        return m.empty(n, dtype=getattr(m, dtype)).normal_(mean, std)

    for dtype in ("float32", "float64"):
        torch.manual_seed(0)
        want = _outcome(fill, torch, dtype)
        dg.manual_seed(0)
        got = _outcome(fill, dg, dtype)
        if want == "raises":
            assert got == "raises"
        else:
            np.testing.assert_array_equal(np.array(got), np.array(want))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bounds", [(1 / 8, 1 / 3), (0.1, 0.9), (0.3, 0.3)])
def test_rrelu_slopes_as_torch(torch, dtype, bounds):
    """Training rrelu draws PyTorch's slopes: one float64 U(lower, upper) per non-positive
    element in order (the bounds in the dtype first, product and sum rounded apart), so the
    output, the gradient and the stream after it are PyTorch's; NaN and ±0 included."""
    x = np.random.default_rng(0).standard_normal((30, 7))
    x[0, :3] = [np.nan, 0.0, -0.0]

    def run(m):
        t = m.tensor(x, dtype=getattr(m, dtype), requires_grad=True)
        y = m.nn.functional.rrelu(t, *bounds, training=True)
        y.sum().backward()
        return y, t.grad, m.rand(3, dtype=m.float64), m.nn.RReLU(*bounds)(t.detach())

    _same(torch, 3, run, run)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gumbel_softmax_noise_as_torch(torch, dtype):
    """gumbel_softmax's noise is PyTorch's ``-log(exponential_())`` draws (the soft output
    within float rounding of ``log``, the hard one-hots equal)."""

    def run(m, hard):
        logits = m.tensor(np.linspace(-2, 2, 60).reshape(10, 6), dtype=getattr(m, dtype))
        return m.nn.functional.gumbel_softmax(logits, tau=0.7, hard=hard)

    torch.manual_seed(5)
    want = run(torch, False).numpy()
    dg.manual_seed(5)
    np.testing.assert_allclose(
        run(dg, False).numpy(), want, rtol=1e-6 if dtype == "float32" else 1e-14
    )
    _same(torch, 6, lambda m: run(m, True), lambda m: run(m, True))


def test_inits_refuse_integer_tensors_as_torch(torch):
    """nn.init.uniform_/normal_ on an integer tensor: PyTorch's NotImplementedError."""
    for fill in (torch.nn.init.uniform_, torch.nn.init.normal_):
        with pytest.raises(NotImplementedError):
            fill(torch.empty(3, dtype=torch.int64))
    for fill in (dg.nn.init.uniform_, dg.nn.init.normal_):
        with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
            fill(dg.empty(3, dtype=dg.int64))


_FILLS = {
    "uniform_": lambda t: t.uniform_(-1, 2),
    "normal_": lambda t: t.normal_(1, 2),
    "exponential_": lambda t: t.exponential_(2.0),
    "cauchy_": lambda t: t.cauchy_(),
    "geometric_": lambda t: t.geometric_(0.3),
    "log_normal_": lambda t: t.log_normal_(),
    "bernoulli_": lambda t: t.bernoulli_(0.3),
    "random_": lambda t: t.random_(0, 100),
}
_VIEWS = {
    "transposed": lambda b: b.transpose(0, 2),
    "permuted": lambda b: b.permute(2, 0, 1),
    "strided": lambda b: b[:, ::2].transpose(0, 1),
    "contiguous": lambda b: b,
}


@pytest.mark.parametrize("fill", sorted(_FILLS))
@pytest.mark.parametrize("view", sorted(_VIEWS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_in_place_fills_of_views_as_torch(torch, fill, view, dtype):
    """An in-place draw into a non-contiguous view fills it in memory order, as PyTorch's
    TensorIterator walks it (normal_ by its scalar sampler there): the base tensor, and the
    stream (its cached normal too) after it, are PyTorch's."""

    def run(m):
        base = m.zeros(4, 6, 5, dtype=getattr(m, dtype))
        _FILLS[fill](_VIEWS[view](base))
        return base, m.randn(3, dtype=m.float64)

    _same(torch, 0, run, run, ulps=1 if dtype == "float32" and "normal" in fill else 0)


_DROPOUTS = {
    "transposed": lambda m, t: m.nn.functional.dropout(t.transpose(0, 2), 0.5),
    "permuted": lambda m, t: m.nn.functional.dropout(t.permute(1, 2, 3, 0), 0.3),
    "strided": lambda m, t: m.nn.functional.dropout(t[1:, :, ::3].permute(3, 1, 0, 2), 0.5),
    "expanded": lambda m, t: m.nn.functional.dropout(t[:, :1].expand(3, 4, 5, 2), 0.5),
    "expanded, transposed": lambda m, t: m.nn.Dropout(0.5)(
        t[:, :1].expand(3, 4, 5, 2).transpose(0, 3)
    ),
    "alpha": lambda m, t: m.nn.functional.alpha_dropout(t.transpose(1, 2), 0.4, True),
    "after relu": lambda m, t: m.nn.functional.dropout(m.relu(t.transpose(0, 2)), 0.5),
}


@pytest.mark.parametrize("case", sorted(_DROPOUTS))
def test_dropout_of_views_as_torch(torch, case):
    """Dropout's noise goes into ``empty_like(input)``, which keeps a view's stride order:
    the mask is filled in that order (PyTorch's), not the view's logical one."""
    x = np.random.default_rng(1).standard_normal((3, 4, 5, 2)).astype(np.float32)

    def run(m):
        return _DROPOUTS[case](m, m.tensor(x)), m.rand(2)

    _same(torch, 0, run, run)


@pytest.mark.parametrize(
    "kind, kw",
    [("LSTM", {}), ("LSTM", {"batch_first": True}), ("GRU", {}), ("RNN", {}),
     ("LSTM", {"bidirectional": True})],
)  # fmt: skip
def test_dropout_between_recurrent_layers_as_torch(torch, kind, kw):
    """``dropout=`` between stacked recurrent layers draws PyTorch's masks (over each layer's
    time-major output), also for packed sequences (over the packed steps only)."""
    x = np.random.default_rng(2).standard_normal((6, 4, 5)).astype(np.float32)

    def run(m, packed):
        m.manual_seed(0)
        layer = getattr(m.nn, kind)(5, 4, num_layers=3, dropout=0.4, **kw)
        t = m.tensor(x.swapaxes(0, 1) if kw.get("batch_first") else x)
        if packed:
            lens = m.tensor([6, 3, 5, 2])
            t = m.nn.utils.rnn.pack_padded_sequence(t, lens, kw.get("batch_first", False), False)
        out, _ = layer(t)
        if packed:
            out = m.nn.utils.rnn.pad_packed_sequence(out, kw.get("batch_first", False))[0]
        return out.detach(), m.rand(2)

    for packed in (False, True):
        torch.manual_seed(7)
        want = run(torch, packed)
        dg.manual_seed(7)
        got = run(dg, packed)
        np.testing.assert_allclose(_np(got[0]), _np(want[0]), rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(_np(got[1]), _np(want[1]))


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("kind", ["TransformerEncoderLayer", "TransformerDecoderLayer"])
def test_transformer_layers_train_with_torchs_dropout(torch, batch_first, kind):
    """A Transformer layer training with dropout gives PyTorch's output and gradients: the
    attention's output has PyTorch's (seq-major) layout, so dropout1's mask lands where
    PyTorch's does, batch-first too."""
    x = np.random.default_rng(1).standard_normal((3, 4, 5, 8)).astype(np.float32)

    def run(m):
        m.manual_seed(0)
        layer = getattr(m.nn, kind)(8, 2, 16, dropout=0.3, batch_first=batch_first)
        args = (m.tensor(x[0]),) if "Encoder" in kind else (m.tensor(x[0]), m.tensor(x[1]))
        y = layer(*args)
        y.sum().backward()
        return y.detach(), layer.self_attn.in_proj_weight.grad, m.rand(2)

    torch.manual_seed(0)
    want = run(torch)
    dg.manual_seed(0)
    got = run(dg)
    for a, b in zip(got[:2], want[:2], strict=True):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(_np(got[2]), _np(want[2]))


class _RandomDataset:
    """A map-style dataset drawing random numbers in ``__getitem__`` (augmentation)."""

    def __init__(self, m):
        self.m = m

    def __len__(self):
        return 10

    def __getitem__(self, i):
        return self.m.rand(1) + self.m.randn(1), i


def _reseed_worker(m):
    def init(worker_id):
        m.manual_seed(1000 + worker_id)

    return init


@pytest.mark.parametrize(
    "kw",
    [{"num_workers": 2, "shuffle": True},
     {"num_workers": 3, "persistent_workers": True, "shuffle": True},
     {"num_workers": 2, "worker_init_fn": "reseed"},
     {"num_workers": 2, "prefetch_factor": 1}],
)  # fmt: skip
@pytest.mark.filterwarnings("ignore:This DataLoader will create")
def test_loader_workers_draw_as_torchs(torch, kw):
    """With ``num_workers``, batch i is prepared as PyTorch's worker ``i % N``: its own stream
    seeded ``base_seed + id`` (a random ``__getitem__`` gives PyTorch's batches, a
    ``manual_seed`` in ``worker_init_fn`` reseeds that worker only), while the main thread's
    draws between batches stay PyTorch's, over two epochs (persistent workers keep their
    streams)."""

    def run(m):
        m.manual_seed(3)
        opts = dict(kw)
        if opts.get("worker_init_fn") == "reseed":
            opts["worker_init_fn"] = _reseed_worker(m)
        loader = m.utils.data.DataLoader(_RandomDataset(m), batch_size=3, **opts)
        out = []
        for _ in range(2):
            for xb, ib in loader:
                out.append((ib.tolist(), xb.flatten().tolist(), m.rand(1).item()))
        return out

    assert run(dg) == run(torch)


def test_an_iterable_dataset_with_a_worker_draws_as_torchs(torch):
    """An IterableDataset drawing in ``__iter__``, one worker: PyTorch's batches (worker 0's
    stream) and the main stream after them."""

    def run(m):
        class Stream(m.utils.data.IterableDataset):
            def __iter__(self):
                for i in range(6):
                    yield m.rand(1), i

        m.manual_seed(5)
        loader = m.utils.data.DataLoader(Stream(), batch_size=2, num_workers=1)
        return [(b[1].tolist(), b[0].flatten().tolist()) for b in loader], m.rand(1).item()

    assert run(dg) == run(torch)


class _RangeStream:
    """PyTorch's documentation example: an IterableDataset over ``range(start, end)``, sharded
    over the workers in ``__iter__`` ("iter"), by ``worker_init_fn`` on the worker's copy
    ("init"), or not at all ("none": every worker yields it all), drawing as it goes."""

    @staticmethod
    def run(m, mode, num_workers, batch_size, **kw):
        class Stream(m.utils.data.IterableDataset):
            def __init__(self, start, end):
                self.start, self.end = start, end

            def __iter__(self):
                a, b, info = self.start, self.end, m.utils.data.get_worker_info()
                if mode == "iter" and info is not None:
                    per = math.ceil((b - a) / info.num_workers)
                    a = a + info.id * per
                    b = min(a + per, b)
                for i in range(a, b):
                    yield i, m.rand(1)

        def shard(worker_id):
            info = m.utils.data.get_worker_info()
            ds = info.dataset
            per = math.ceil((ds.end - ds.start) / info.num_workers)
            ds.start += worker_id * per
            ds.end = min(ds.start + per, ds.end)

        if mode == "init":
            kw["worker_init_fn"] = shard
        m.manual_seed(0)
        ds = Stream(3, 14)
        loader = m.utils.data.DataLoader(ds, batch_size=batch_size, num_workers=num_workers, **kw)
        out = []
        for _ in range(2):
            out += [(m.as_tensor(b[0]).tolist(), b[1].flatten().tolist()) for b in loader]
            out.append(m.rand(1).item())
        return out, (ds.start, ds.end)


@pytest.mark.parametrize(
    ("mode", "num_workers", "batch_size", "kw"),
    [("iter", 2, 2, {}),
     ("iter", 3, None, {"persistent_workers": True}),
     ("init", 2, 2, {"drop_last": True}),
     ("init", 3, 1, {"persistent_workers": True}),
     ("none", 2, 2, {})],
)  # fmt: skip
@pytest.mark.filterwarnings("ignore:This DataLoader will create")
def test_an_iterable_dataset_with_workers_is_read_as_torchs(
    torch, mode, num_workers, batch_size, kw
):
    """Each worker iterates its own copy of an IterableDataset (its WorkerInfo, its stream,
    worker_init_fn on its copy, its own last short batch), their batches taken in turn until
    each is done: PyTorch's batches, draws and main stream after, over two epochs; the main
    dataset untouched by the workers' sharding."""
    assert _RangeStream.run(dg, mode, num_workers, batch_size, **kw) == _RangeStream.run(
        torch, mode, num_workers, batch_size, **kw
    )


def test_worker_info_and_seed_inside_a_worker():
    """get_worker_info() and initial_seed() inside a worker: its id, count and seed
    (base_seed + id); None and the global seed in the main thread."""
    seen = []

    class Probe:
        def __len__(self):
            return 4

        def __getitem__(self, i):
            info = dg.utils.data.get_worker_info()
            seen.append((info.id, info.num_workers, info.seed == dg.initial_seed()))
            return i

    dg.manual_seed(0)
    list(dg.utils.data.DataLoader(Probe(), batch_size=1, num_workers=2))
    assert seen == [(0, 2, True), (1, 2, True), (0, 2, True), (1, 2, True)]
    assert dg.utils.data.get_worker_info() is None and dg.initial_seed() == 0


_OUT_CASES = {
    "rand": lambda m, E: m.rand(3, out=E(3)),
    "rand, resized": lambda m, E: m.rand(2, 3, out=E(4)),
    "rand, float64": lambda m, E: m.rand(5, out=E(5, dtype=m.float64)),
    "rand, float16": lambda m, E: m.rand(6, out=E(6, dtype=m.float16)),
    "rand into a transposed view": lambda m, E: m.rand(5, 4, out=E(4, 5).t()),
    "randn": lambda m, E: m.randn(20, out=E(20)),
    "randn into a transposed view": lambda m, E: m.randn(5, 4, out=E(4, 5).t()),
    "randn into a view, with a generator": lambda m, E: m.randn(
        5, 4, out=E(4, 5).t(), generator=m.Generator().manual_seed(3)
    ),
    "randint, int32": lambda m, E: m.randint(0, 9, (4,), out=E(4, dtype=m.int32)),
    "randint into a transposed view": lambda m, E: m.randint(
        0, 9, (3, 2), out=E(2, 3, dtype=m.int64).t()
    ),
    "randperm": lambda m, E: m.randperm(6, out=E(6, dtype=m.int64)),
    "normal": lambda m, E: m.normal(2.0, 3.0, (20,), out=E(20)),
    "zeros, resized": lambda m, E: m.zeros(2, 2, out=E(1)),
    "ones, int32": lambda m, E: m.ones(3, out=E(3, dtype=m.int32)),
    "full": lambda m, E: m.full((2,), 7.0, out=E(2, dtype=m.float64)),
    "arange": lambda m, E: m.arange(0, 1, 0.25, out=E(4)),
    "linspace": lambda m, E: m.linspace(0, 1, 5, out=E(5)),
    "logspace": lambda m, E: m.logspace(0, 2, 3, out=E(3)),
    "eye": lambda m, E: m.eye(3, out=E(3, 3)),
    "requires_grad": lambda m, E: m.rand(2, out=E(2), requires_grad=True),
}


@pytest.mark.parametrize("case", sorted(_OUT_CASES))
def test_factories_write_into_out_as_torch(torch, case):
    """``out=`` of the factories: the values in out's dtype, out resized where its shape
    differs and returned, a view filled in its memory order — PyTorch's values and stream."""

    def run(m):
        out = _OUT_CASES[case](m, m.empty)
        return out.detach(), out.requires_grad, m.rand(2)

    torch.manual_seed(0)
    want = run(torch)
    dg.manual_seed(0)
    got = run(dg)
    assert got[1] == want[1]
    for a, b in ((got[0], want[0]), (got[2], want[2])):
        assert tuple(a.shape) == tuple(b.shape) and _np(a).dtype == _np(b).dtype
        np.testing.assert_allclose(_np(a).astype(float), _np(b).astype(float), rtol=1e-6)


def test_factory_out_refusals_as_torch(torch):
    """A dtype other than out's, an out that requires grad, an out that is no tensor: the
    errors PyTorch raises."""
    for m in (torch, dg):
        with pytest.raises(RuntimeError, match="does not match dtype of out"):
            m.rand(3, out=m.empty(3), dtype=m.float64)
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            m.rand(2, out=m.zeros(2, requires_grad=True))
        with pytest.raises(TypeError, match="must be Tensor"):
            m.ones(2, out=[1])


def test_poisson_of_an_infinite_rate_is_refused():
    """PyTorch returns -2^63 for an infinite rate; deepgrad refuses it with a message."""
    with pytest.raises(RuntimeError, match="finite"):
        dg.poisson(dg.tensor([1.0, math.inf]))


def test_float16_rand_never_reaches_one(torch):
    """200,000 float16 draws: the ~20 float32 values in [1 − 2⁻¹², 1) round to 1.0 in half;
    PyTorch makes them 0, and so does deepgrad."""
    dg.manual_seed(1)
    x = dg.rand(200_000, dtype=dg.float16).numpy()
    torch.manual_seed(1)
    np.testing.assert_array_equal(x, torch.rand(200_000, dtype=torch.float16).numpy())
    assert x.max() < 1 and (x == 0).sum() > 0


def _loader_orders(m, **kw):
    """Two epochs of a shuffled loader's batches, then the stream's next draw."""
    ds = m.utils.data.TensorDataset(m.arange(23))
    loader = m.utils.data.DataLoader(ds, batch_size=5, shuffle=True, **kw)
    epochs = [[b[0].tolist() for b in loader] for _ in range(2)]
    return epochs, m.rand(3, dtype=m.float64).tolist()


@pytest.mark.parametrize(
    "kw",
    [{}, {"drop_last": True}, {"num_workers": 1}, {"num_workers": 1, "persistent_workers": True}],
)
def test_dataloader_shuffles_as_torch(torch, kw):
    """PyTorch's loader draws a base seed per iterator, its RandomSampler a seed for a private
    generator, then randperm: the same batches after the same manual_seed, and the global
    stream left where torch leaves it."""
    for seed in SEEDS[:3]:
        torch.manual_seed(seed)
        dg.manual_seed(seed)
        assert _loader_orders(dg, **kw) == _loader_orders(torch, **kw)


def test_dataloader_with_a_generator_and_unshuffled_draws_as_torch(torch):
    def orders(m):
        g = m.Generator().manual_seed(11)
        ds = m.utils.data.TensorDataset(m.arange(10))
        shuffled = [
            b[0].tolist() for b in m.utils.data.DataLoader(ds, 4, shuffle=True, generator=g)
        ]
        plain = [b[0].tolist() for b in m.utils.data.DataLoader(ds, 4)]  # draws a base seed too
        single = [int(x[0]) for x in m.utils.data.DataLoader(ds, batch_size=None, shuffle=True)]
        return shuffled, plain, single, m.rand(2, dtype=m.float64).tolist(), g.initial_seed()

    torch.manual_seed(3)
    dg.manual_seed(3)
    assert orders(dg) == orders(torch)


def test_samplers_and_random_split_as_torch(torch):
    def draws(m):
        d = m.utils.data
        return (
            list(d.RandomSampler(range(7))),
            list(d.RandomSampler(range(7), num_samples=17)),
            list(d.RandomSampler(range(7), replacement=True, num_samples=70)),
            list(d.SubsetRandomSampler([10, 20, 30, 40, 50])),
            [s.indices for s in d.random_split(range(10), [3, 7])],
            [s.indices for s in d.random_split(range(11), [0.5, 0.5])],
            [
                s.indices
                for s in d.random_split(range(9), [4, 5], generator=m.Generator().manual_seed(2))
            ],
        )

    for seed in SEEDS[:3]:
        torch.manual_seed(seed)
        dg.manual_seed(seed)
        assert draws(dg) == draws(torch)


def test_distributed_sampler_order_as_torch(torch):
    def order(m):
        s = m.utils.data.DistributedSampler(range(13), num_replicas=3, rank=1, seed=5)
        first = list(s)
        s.set_epoch(2)
        return first, list(s)

    assert order(dg) == order(torch)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dropout_masks_as_torch(torch, dtype):
    """PyTorch's CPU dropout: one float64 uniform per value (two words), kept where u < 1 - p,
    scaled by 1 / (1 - p) in the input's dtype; alpha and feature dropout alike."""

    def masks(m):
        F = m.nn.functional
        x = m.arange(-20.0, 20.0, dtype=getattr(m, dtype)) / 7
        x4 = m.ones(2, 3, 4, 4, dtype=getattr(m, dtype))
        return (
            F.dropout(x, 0.3),
            F.dropout(x, 0.37),
            m.nn.Dropout(0.9)(x),
            F.dropout2d(x4, 0.5),
            F.dropout1d(x4[:, :, 0], 0.25),
            F.alpha_dropout(x, 0.3, True),
            F.feature_alpha_dropout(x4, 0.2, True),
            m.rand(3, dtype=m.float64),  # the stream is left where torch leaves it
        )

    for seed in SEEDS[:3]:
        _same(torch, seed, masks, masks)


def test_bernoulli_as_torch(torch):
    def draws(m):
        p32 = m.arange(0, 30) / 29
        return (
            m.bernoulli(p32),  # float32 probabilities: one word per value
            m.bernoulli(p32.double()),  # float64: two
            m.bernoulli(m.ones(30), 0.3),  # a number p: float64 uniforms
            m.empty(30).bernoulli_(0.3),
            m.empty(5, dtype=m.float64).bernoulli_(0.6),
            m.empty(3, 4).bernoulli_(m.arange(0, 4) / 3),
            m.bernoulli(p32, generator=m.Generator().manual_seed(8)),
        )

    for seed in SEEDS[:3]:
        _same(torch, seed, draws, draws)


def test_a_seeded_torch_program_runs_the_same_numbers(torch):
    """The mission's example: a plain PyTorch training program — seed, model, shuffled
    DataLoader, dropout, SGD — gives the same losses under deepgrad, without copying weights."""

    def program(m):
        m.manual_seed(1234)
        x = m.randn(96, 6, dtype=m.float64)
        y = m.randint(0, 3, (96,))
        loader = m.utils.data.DataLoader(m.utils.data.TensorDataset(x, y), 16, shuffle=True)
        net = m.nn.Sequential(
            m.nn.Linear(6, 32), m.nn.ReLU(), m.nn.Dropout(0.25), m.nn.Linear(32, 3)
        ).double()
        opt = m.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        losses = []
        for _ in range(3):
            for xb, yb in loader:
                opt.zero_grad()
                loss = m.nn.functional.cross_entropy(net(xb), yb)
                loss.backward()
                opt.step()
                losses.append(loss.item())
        return losses

    np.testing.assert_allclose(program(dg), program(torch), rtol=1e-12, atol=0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "args", [(), (0.0, 0.02), (1.0, 0.5, 0.0, 1.5), (0.0, 1.0, 2.0, 3.0), (5.0, 1.0, -1.0, 1.0)]
)
def test_trunc_normal_as_torch(torch, dtype, args):
    """torch 2.13's two rejection schemes (whole-tensor normals; uniforms against the density),
    after the same seed: float64 bit for bit, float32 within PyTorch's float32 normals' ulp."""

    def draw(m):
        far = m is torch and args[:1] == (5.0,)  # torch warns: the mean lies > 2 std out
        with pytest.warns(UserWarning) if far else contextlib.nullcontext():
            t = m.nn.init.trunc_normal_(m.empty(700, dtype=getattr(m, dtype)), *args)
        return t, m.rand(2, dtype=m.float64)

    _same(torch, 0, draw, draw, ulps=0 if dtype == "float64" else 8)
    out = _np(dg.nn.init.trunc_normal_(dg.empty(2000, dtype=getattr(dg, dtype)), *args))
    lo, hi = (args[2], args[3]) if len(args) == 4 else (-2.0, 2.0)
    assert out.min() >= lo and out.max() <= hi


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_in_place_fills_as_torch(torch, dtype):
    def fills(m):
        dt = getattr(m, dtype)
        return (
            m.empty(30, dtype=dt).exponential_(),
            m.empty(30, dtype=dt).exponential_(3.0),
            m.empty(30, dtype=dt).cauchy_(1.5, 2.0),
            m.empty(30, dtype=dt).geometric_(0.3),
            m.empty(7, dtype=dt).log_normal_(),  # PyTorch's scalar normals, the cache between
            m.empty(20, dtype=dt).log_normal_(0.5, 0.3),
            m.empty(30, dtype=dt).random_(),
            m.empty(30, dtype=dt).random_(5, 2**40 if dtype == "float64" else 2**20),
            m.empty(30, dtype=dt).random_(7),
            m.rand(3, dtype=m.float64),
        )

    for seed in SEEDS[:3]:
        _same(torch, seed, fills, fills)


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "uint8", "bool"])
def test_random_on_integers_as_torch(torch, dtype):
    def fills(m):
        dt = getattr(m, dtype)
        hi = 2 if dtype == "bool" else 100
        return m.empty(40, dtype=dt).random_(), m.empty(40, dtype=dt).random_(0, hi)

    _same(torch, 0, fills, fills)
    for m in (torch, dg):  # the wide unsigned types: no full-range kernel in torch
        with pytest.raises(NotImplementedError, match="random_kernel_cpu"):
            m.empty(3, dtype=m.uint32).random_()

    def wide(m):  # ... but its from-to kernel takes them
        return tuple(
            m.empty(6, dtype=getattr(m, u)).random_(*r)
            for u in ("uint16", "uint32", "uint64") for r in ((1000,), (5, 2**16))
        )  # fmt: skip

    _same(torch, 0, wide, wide)
    for m in (torch, dg):  # random_(from) on uint64: PyTorch's top, its max cast to int64, is -1
        with pytest.raises(RuntimeError, match="to - 1 is out of bounds"):
            m.empty(3, dtype=m.uint64).random_(5, None)
    top = 1 if dtype == "bool" else int(np.iinfo(dtype).max)
    for lo, hi in ((0, top + 2), (-1, 1) if dtype in ("uint8", "bool") else (-(top + 2), 0)):
        with pytest.raises(ValueError, match="out of bounds"):  # torch: RuntimeError
            dg.empty(3, dtype=getattr(dg, dtype)).random_(lo, hi)
        with pytest.raises((RuntimeError, ValueError)):  # int64: its argument parser's
            torch.empty(3, dtype=getattr(torch, dtype)).random_(lo, hi)


def test_normal_overloads_as_torch(torch):
    def draws(m):
        f64 = m.float64
        mean, std = m.arange(20.0, dtype=f64) / 3, m.ones(20, dtype=f64) * 1.7
        return (
            m.normal(mean, std),  # normal_(0, 1) · std + mean
            m.normal(mean[:5], std[:5]),  # fewer than 16: the scalar sampler
            m.normal(mean, 2.0),  # normal_(0, 2) + mean
            m.normal(1.5, std),
            m.normal(1.5, 2.0, (20,), dtype=f64),
            m.normal(1.5, 2.0, (3,), dtype=f64),
        )

    for seed in SEEDS[:3]:
        _same(torch, seed, draws, draws)


def test_more_distributions_sample_as_torch(torch):
    def draws(m):
        d = m.distributions
        a, b = m.tensor([0.5, 2.0], dtype=m.float64), m.tensor([1.0, 3.0], dtype=m.float64)
        return (
            d.Bernoulli(probs=a / 4).sample((10,)),
            d.Cauchy(a, b).rsample((8,)),
            d.Exponential(b).rsample((8,)),
            d.Geometric(a / 4).sample((8,)),
            d.HalfNormal(b).rsample((8,)),
        )

    def near(m):  # the same draws through formulas that round an ulp otherwise
        d = m.distributions
        a, b = m.tensor([0.5, 2.0], dtype=m.float64), m.tensor([1.0, 3.0], dtype=m.float64)
        return (
            d.Laplace(a, b).rsample((8,)),
            d.LogNormal(a, b).rsample((8,)),  # exp: PyTorch's vectorized one
            d.Weibull(a, b).rsample((8,)),
            d.Pareto(a, b).rsample((8,)),
            d.Gumbel(a, b).rsample((8,)),
            d.Kumaraswamy(a, b).rsample((8,)),
            d.RelaxedBernoulli(m.tensor(0.5, dtype=m.float64), probs=a / 4).rsample((8,)),
            d.LogisticNormal(a, b).rsample((8,)),
        )

    for seed in SEEDS[:3]:
        _same(torch, seed, draws, draws)
        torch.manual_seed(seed)
        dg.manual_seed(seed)
        for x, y in zip(near(torch), near(dg), strict=True):  # within rounding of the formula
            np.testing.assert_allclose(_np(y), _np(x), rtol=1e-13, atol=1e-14)


def test_multinomial_and_what_is_built_on_it_as_torch(torch):
    def draws(m):
        w = m.tensor([[0.1, 0.5, 0.2, 0.2], [1.0, 2.0, 0.0, 3.0]])
        d = m.utils.data
        return (
            m.multinomial(w, 10, True),  # cumulative sums searched by 53-bit uniforms
            m.multinomial(w, 3),  # the 3 largest w / Exp(1)
            m.multinomial(w[0], 1, True),  # one sample: the Gumbel-max path too
            m.multinomial(w.double(), 20, True),
            m.distributions.Categorical(probs=w).sample((7,)),
            m.distributions.OneHotCategorical(probs=w).sample((2,)),
            m.tensor(list(d.WeightedRandomSampler([0.1, 2.0, 0.5, 1.0], 12))),
            m.tensor(list(d.WeightedRandomSampler([0.1, 2.0, 0.5, 1.0], 3, replacement=False))),
            m.rand(2, dtype=m.float64),
        )

    for seed in SEEDS[:3]:
        _same(torch, seed, draws, draws)


def test_generator_states_move_between_the_frameworks(torch):
    tg = torch.Generator().manual_seed(5)
    torch.rand(3, generator=tg)
    torch.randn(1, dtype=torch.float64, generator=tg)  # leaves a cached normal in the state
    g = dg.Generator().set_state(dg.tensor(tg.get_state().numpy()))
    assert g.initial_seed() == 5
    a = torch.randn(5, dtype=torch.float64, generator=tg)
    np.testing.assert_array_equal(_np(dg.randn(5, dtype=dg.float64, generator=g)), _np(a))
    g2 = dg.Generator().manual_seed(9)
    dg.rand(700, generator=g2)  # past a regeneration of the twister's words
    tg2 = torch.Generator()
    tg2.set_state(torch.from_numpy(_np(g2.get_state()).copy()))
    assert tg2.initial_seed() == 9
    np.testing.assert_array_equal(_np(dg.rand(5, generator=g2)), _np(torch.rand(5, generator=tg2)))
    with pytest.raises(RuntimeError, match="5056 bytes"):
        g.set_state(dg.zeros(7, dtype=dg.uint8))


def test_more_layers_and_inits_start_as_torch(torch):
    def exact(m):
        nets = (
            m.nn.MultiheadAttention(16, 4),
            m.nn.TransformerEncoderLayer(16, 4, 32),
            m.nn.ConvTranspose2d(3, 5, 3),
            m.nn.Conv1d(3, 5, 3),
            m.nn.Bilinear(3, 4, 5),
            m.nn.LSTM(4, 6, proj_size=3),
            m.nn.GRUCell(4, 6),
        )
        return tuple(p for net in nets for p in net.parameters())

    _same(torch, 0, exact, exact)

    def near(m):  # normal_ of 16 values or more (an ulp), QR (the LAPACKs' rounding)
        return (
            m.nn.Embedding(100, 32).weight,
            m.nn.init.orthogonal_(m.empty(6, 4)),
            m.nn.init.orthogonal_(m.empty(3, 7), gain=2.0),
            m.nn.init.sparse_(m.empty(6, 4), 0.5),
        )

    torch.manual_seed(0)
    dg.manual_seed(0)
    for x, y in zip(near(torch), near(dg), strict=True):
        np.testing.assert_allclose(_np(y), _np(x), rtol=2e-6, atol=2e-6)


def test_copied_and_pickled_streams_continue_as_the_original():
    """NumPy pickles a Generator subclass as a plain Generator: the copy would draw NumPy's
    numbers. deepgrad's stream keeps its class and its cached normal."""
    import copy
    import pickle

    g = dg.Generator().manual_seed(4)
    dg.randn(3, dtype=dg.float64, generator=g)  # a cached normal
    for twin in (copy.deepcopy(g), pickle.loads(pickle.dumps(g))):
        assert type(twin.rng) is type(g.rng)
        a = dg.randn(5, dtype=dg.float64, generator=twin)
        b = dg.randn(5, dtype=dg.float64, generator=copy.deepcopy(g))
        assert a.tolist() == b.tolist()
    dg.manual_seed(2)
    state = copy.deepcopy(dg.backend.rng())
    assert state.normal_cache is None and type(state) is dg.backend.Stream


def test_a_given_sampler_draws_in_the_calling_thread_as_torch(torch):
    """With a prefetching worker, a sampler's draws from the global stream (RandomSampler's
    seed) still come before the loop body's own draws, as in PyTorch's main process."""

    def run(m):
        m.manual_seed(0)
        ds = m.utils.data.TensorDataset(m.arange(40))
        sampler = m.utils.data.RandomSampler(ds)
        loader = m.utils.data.DataLoader(ds, batch_size=8, sampler=sampler, num_workers=1)
        return [(b.tolist(), m.rand(1, dtype=m.float64).item()) for (b,) in loader]

    assert run(dg) == run(torch)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gamma_family_and_poisson_sample_as_torch(torch, dtype):
    """PyTorch's scalar rejection samplers (Marsaglia–Tsang's gamma, Hörmann's Poisson), value
    by value on the same uniforms and cached normals: every distribution built on them."""

    def draws(m):
        d, dt = m.distributions, getattr(m, dtype)
        a, b = m.tensor([0.05, 0.5, 2.0, 30.0], dtype=dt), m.tensor([1.0, 3.0, 0.5, 2.0], dtype=dt)
        return (
            d.Gamma(a, b).rsample((6,)),
            d.Beta(a, b).rsample((6,)),
            d.Dirichlet(a).rsample((5,)),
            d.Chi2(b).rsample((6,)),
            d.StudentT(b + 2).rsample((6,)),
            d.InverseGamma(b, a + 1).rsample((6,)),
            m.poisson(m.tensor([0.0, 0.5, 3.0, 9.9, 10.0, 25.0, 1000.0] * 4, dtype=dt)),
            d.Poisson(b * 7).sample((6,)),
            d.NegativeBinomial(b * 3, logits=a - 1).sample((6,)),
            m.rand(2, dtype=m.float64),
        )

    for seed in SEEDS[:3]:
        torch.manual_seed(seed)
        dg.manual_seed(seed)
        for n, (x, y) in enumerate(zip(draws(torch), draws(dg), strict=True)):
            x, y = _np(x), _np(y)
            if n in (4, 5):  # StudentT's, InverseGamma's own arithmetic (torch's pow(-1))
                np.testing.assert_allclose(y, x, rtol=4 * np.finfo(x.dtype).eps, atol=0)
            else:
                np.testing.assert_array_equal(y, x)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_binomial_as_torch(torch, dtype):
    """PyTorch's sample_binomial: BTRS (its acceptance box and its Stirling-tail bound) where
    n·min(p, 1 - p) ≥ 10, else inversion; p > ½ by symmetry; float32 steps in float32."""

    def draws(m):
        dt = getattr(m, dtype)
        n = m.tensor([10.0, 100.0, 1000.0, 5.0, 40.0, 0.0, 7.0] * 30, dtype=dt)
        p = m.tensor([0.3, 0.8, 0.02, 0.5, 0.9, 0.4, 1.0] * 30, dtype=dt)
        return (
            m.binomial(n, p),
            m.distributions.Binomial(m.tensor([20.0, 300.0], dtype=dt), p[:2]).sample((10,)),
            m.rand(2, dtype=m.float64),
        )

    for seed in SEEDS[:3]:
        _same(torch, seed, draws, draws)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_von_mises_samples_as_torch(torch, dtype):
    """Best & Fisher's rejection as torch's sampler runs it: rounds of float64 uniforms for
    every value, a later acceptance replacing an earlier one. The same acceptances (the
    stream after them bit for bit); the angles within 1e-14 (float64: ``cos``/``acos`` in
    NumPy's and PyTorch's vectorized math differ in the last bits, by the CPU's vector width:
    equal on the AVX-512 machines seen, 16 ulps apart near 0.23 with NumPy's AVX2 loops)."""

    def draws(m):
        dt = getattr(m, dtype)
        loc, kappa = m.tensor([0.3, -2.0, 1.0], dtype=dt), m.tensor([0.5, 4.0, 1e-6], dtype=dt)
        return m.distributions.VonMises(loc, kappa).sample((50,)), m.rand(2, dtype=m.float64)

    for seed in SEEDS[:3]:
        torch.manual_seed(seed)
        dg.manual_seed(seed)
        (xt, rt), (xd, rd) = draws(torch), draws(dg)
        assert xd.dtype == getattr(dg, dtype) and tuple(xd.shape) == tuple(xt.shape)
        np.testing.assert_allclose(
            _np(xd), _np(xt), rtol=0, atol=1e-14 if dtype == "float64" else 0
        )
        np.testing.assert_array_equal(_np(rd), _np(rt))
