"""The backend: NumPy by default, a clear error for CuPy where it is not usable, default
dtype, seeding and the generator's state."""

from __future__ import annotations

import importlib.util
import types

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import backend


@pytest.mark.numpy_only("asserts the default backend")
def test_numpy_is_the_default():
    assert backend.name() == "numpy"
    assert backend.xp is np
    assert isinstance(dg.ones(2)._data, np.ndarray)


def _cupy_usable() -> bool:
    if importlib.util.find_spec("cupy") is None:
        return False
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


@pytest.mark.skipif(_cupy_usable(), reason="CuPy with a GPU is available here")
def test_cupy_without_cupy_raises_a_clear_error():
    with pytest.raises(RuntimeError, match=r"backend 'cupy'.*not usable.*'numpy'"):
        dg.set_backend("cupy")
    assert backend.name() == "numpy"  # unchanged after the failure


def test_unknown_backend():
    with pytest.raises(ValueError, match="unknown backend 'jax'"):
        dg.set_backend("jax")


@pytest.mark.numpy_only("asserts the default backend")
def test_using_restores_the_previous_backend():
    with backend.using("numpy"):
        assert backend.name() == "numpy"
    assert backend.name() == "numpy"


def test_default_dtype():
    assert dg.get_default_dtype() == np.float32
    assert dg.tensor(1.0).dtype == np.float32
    assert dg.randn(2).dtype == np.float32
    dg.set_default_dtype(np.float64)
    assert dg.tensor([1.0]).dtype == np.float64
    assert dg.zeros(2).dtype == np.float64
    assert dg.nn.Linear(2, 3).weight.dtype == np.float64
    with pytest.raises(TypeError, match="floating dtype"):
        dg.set_default_dtype(np.int32)


def test_manual_seed_reproduces_every_draw():
    def draws():
        return (
            dg.randn(3, 2).numpy(),
            dg.rand(4).numpy(),
            dg.randint(0, 10, (5,)).numpy(),
            dg.nn.Linear(4, 3).weight.numpy(),
        )

    dg.manual_seed(123)
    first = draws()
    dg.manual_seed(123)
    second = draws()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    dg.manual_seed(124)
    assert not np.array_equal(dg.randn(3, 2).numpy(), first[0])


def test_manual_seed_reads_seeds_as_pytorch():
    # int(seed) as torch.manual_seed; negatives wrap to 64 bits; beyond them ValueError
    assert dg.manual_seed(1.5).initial_seed() == 1
    assert dg.manual_seed("1").initial_seed() == 1
    assert dg.manual_seed(-1).initial_seed() == 2**64 - 1
    for bad in (2**64, None, "x"):
        with pytest.raises((ValueError, TypeError)):
            dg.manual_seed(bad)


def test_rng_state_round_trip():
    state = backend.get_rng_state()
    a = dg.randn(4).numpy()
    backend.set_rng_state(state)
    np.testing.assert_array_equal(dg.randn(4).numpy(), a)
    assert backend.rng() is backend.rng()


def test_special_and_to_numpy():
    erf = backend.special("erf")
    assert erf(0.0) == 0.0
    a = np.arange(3)
    assert backend.to_numpy(a) is a


_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
           "complex64", "complex128"]  # fmt: skip


def test_promote_types_is_pytorchs_table(torch):
    """Every pair of the dtypes both libraries have: deepgrad's promotion equals
    ``torch.promote_types`` (NumPy's differs where integers meet floats)."""
    from deepgrad import backend

    for a in _DTYPES:
        for b in _DTYPES:
            want = str(torch.promote_types(getattr(torch, a), getattr(torch, b)))
            assert f"torch.{backend.promote_types(a, b)}" == want, (a, b)


@pytest.mark.parametrize("shapes", [((2,), ()), ((), (2,)), ((), ()), ((2,), (2,))])
def test_result_type_is_pytorchs_rule(torch, shapes):
    """Dimensioned tensors outrank 0-d tensors, which outrank Python numbers, unless the
    lower operand's category is higher (``torch.result_type``). complex32 has no NumPy dtype:
    float16 meeting a complex 0-d tensor or number is complex64 in deepgrad."""
    from deepgrad import backend

    sa, sb = shapes
    for a in _DTYPES:
        for b in _DTYPES:
            want = str(torch.result_type(torch.zeros(sa, dtype=getattr(torch, a)),
                                         torch.zeros(sb, dtype=getattr(torch, b))))  # fmt: skip
            got = backend.result_type(np.zeros(sa, dtype=a), np.zeros(sb, dtype=b))
            assert f"torch.{got}" == want.replace("complex32", "complex64"), (a, sa, b, sb)
        for number in (True, 3, 2.5):
            want = str(torch.result_type(torch.zeros(sa, dtype=getattr(torch, a)), number))
            assert f"torch.{backend.result_type(np.zeros(sa, dtype=a), number)}" == want
    with pytest.raises(TypeError, match="tensors, arrays or numbers"):
        backend.result_type(np.zeros(2), "a")


def test_floating_point_results_are_silent_as_in_pytorch():
    """log(0), 1/0, sqrt(-1), exp(1000) and their gradients give inf/nan without NumPy's
    RuntimeWarning (PyTorch prints nothing); the user's own NumPy code still warns. Run in a
    fresh interpreter: this test suite turns deepgrad's RuntimeWarnings into errors."""
    import subprocess
    import sys

    code = (
        "import deepgrad as dg, numpy as np\n"
        "x = dg.tensor([0.0, -1.0, 1000.0], requires_grad=True)\n"
        "y = dg.log(x).sum() + dg.sqrt(x).sum() + (1 / x).sum() + dg.exp(x).sum()\n"
        "y.backward()\n"
        "print(dg.log(dg.zeros(1)).item(), (dg.ones(1) / 0).item())\n"
        "np.log(np.zeros(1))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["-inf", "inf"]
    # exactly one warning: the user's own np.log(0), attributed to their code
    assert out.stderr.count("RuntimeWarning") == 1 and "<string>:6" in out.stderr, out.stderr


class _NotNumPy(types.ModuleType):
    """NumPy under another module object, with ``backend.gpu`` set: the branches written for
    CuPy run (on NumPy's arrays) and can be checked here, without a GPU."""

    def __getattr__(self, attr):
        return getattr(np, attr)


@pytest.fixture
def device_branches(monkeypatch):
    fake = _NotNumPy("not_numpy")
    fake.ndarray = np.ndarray
    monkeypatch.setattr(backend, "xp", fake)
    monkeypatch.setattr(backend, "gpu", True)
    return fake


@pytest.mark.parametrize("ufunc", ["maximum", "minimum", "logaddexp", "logical_or", "logical_and"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_the_doubling_scan_is_numpys_accumulate(device_branches, ufunc, axis):
    a = np.random.default_rng(0).standard_normal((5, 13))
    if ufunc.startswith("logical"):
        a = a > 0.3
    want = getattr(np, ufunc).accumulate(a, axis=axis)
    got = backend.accumulate(ufunc, a, axis)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-15)


@pytest.mark.parametrize("ufunc", ["multiply", "maximum", "add"])
def test_ufunc_at_through_the_host_is_numpys(device_branches, ufunc):
    rng = np.random.default_rng(1)
    out, idx, v = rng.standard_normal(6), np.array([0, 2, 2, 5, 0]), rng.standard_normal(5)
    want = out.copy()
    getattr(np, ufunc).at(want, idx, v)
    backend.ufunc_at(ufunc, out, idx, v)
    np.testing.assert_array_equal(out, want)
    c = np.zeros(3, np.complex128)  # CuPy's atomic add has no complex: through the host
    backend.ufunc_at("add", c, (np.array([1, 1]),), np.array([1j, 2.0]))
    assert c.tolist() == [0, 2 + 1j, 0]


@pytest.mark.parametrize(
    ("shape", "index", "message"),
    [
        ((3, 4), (np.array([0, 3]),), "index 3 is out of bounds for dimension 0 with size 3"),
        ((3, 4), (slice(None), np.array([-5])), "index -5 .* dimension 1 with size 4"),
        ((0, 1, 3), (np.array([[-1]]), slice(0, None), 0), "index -1 .* dimension 0 with size 0"),
        ((2, 3), (Ellipsis, np.array([4])), "index 4 .* dimension 1 with size 3"),
        ((2, 3), (None, np.array([True, False]), np.array([5])), "index 5 .* dimension 1"),
        ((2, 3), ([0, 2],), "index 2 .* dimension 0 with size 2"),
    ],
)
def test_device_index_arrays_are_checked_before_use(device_branches, shape, index, message):
    """CuPy wraps an out-of-range index when reading and writes outside the array when
    writing: deepgrad checks index arrays itself on the device backend (PyTorch's error)."""
    from deepgrad.tensor import _check_device_bounds

    with pytest.raises(IndexError, match=message):
        _check_device_bounds(shape, index)
    _check_device_bounds((3, 4), (np.array([0, -1]),))  # in range: nothing raised


def test_device_random_stream_has_numpys_methods_and_a_state(device_branches):
    g = backend._CupyRandom(3)
    assert g.normal(2.0, 0.5, (1000,)).mean() == pytest.approx(2.0, abs=0.1)
    p = g.permutation(10)
    assert sorted(p.tolist()) == list(range(10))
    state = g.get_state()
    a = g.random(5)
    g.set_state(state)
    np.testing.assert_array_equal(g.random(5), a)
    with pytest.raises(TypeError, match="saved on the CuPy backend"):
        g.set_state({"bit_generator": "PCG64"})


def test_index_for_puts_the_index_where_the_array_is():
    a = np.arange(5)
    assert backend.index_for(a, [1, 3]).tolist() == [1, 3]
    assert a[backend.index_for(a, np.array([4]))].tolist() == [4]


def test_a_cpu_tensor_under_the_gpu_backend_is_refused_naming_the_move(device_branches):
    """CuPy refuses a NumPy array with TypeError or ValueError from deep inside a forward;
    deepgrad names the cause (a CPU tensor while the backend is CuPy) and the way out."""
    from deepgrad.autograd import Function

    class Refused(Function):
        def forward(self, x):
            raise TypeError("Unsupported type <class 'numpy.ndarray'>")

    with pytest.raises(RuntimeError, match=r"CPU tensors .*backend is CuPy.*to\('cuda'\)"):
        Refused()(dg.ones(2))


def test_a_forward_s_own_error_stands_on_numpy():
    from deepgrad.autograd import Function

    class Fails(Function):
        def forward(self, x):
            raise ValueError("its own message")

    with pytest.raises(ValueError, match="its own message"):
        Fails()(dg.ones(2))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_floor_divide_spelled_out_for_the_gpu_is_numpys(device_branches, dtype):
    """NumPy's rule (PyTorch's too): -0.5 // inf is -1, 0 / 0 is NaN, signed zeros kept."""
    vals = np.array([-7.5, -0.5, -0.0, 0.0, 0.5, 3.0, 7.5, np.inf, -np.inf, np.nan], dtype)
    a, b = np.meshgrid(vals, vals)
    with np.errstate(all="ignore"):
        want = np.floor_divide(a, b)
        got = backend.floor_divide(a, b)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    np.testing.assert_array_equal(got, want)


def test_logical_ops_of_complex_and_unique_of_bool_slices_on_the_gpu_path(device_branches):
    """The forms the GPU takes (complex as its truth; bool slices compared as bytes) give
    what NumPy's direct forms give."""
    z = dg.tensor(np.array([0, 1j, 2 - 1j, 0], np.complex64))
    b = dg.tensor(np.array([1, 1, 0, 0], np.int8))
    assert dg.logical_and(z, b).tolist() == [False, True, False, False]
    assert dg.logical_xor(z, 2.5).tolist() == [True, False, False, True]
    assert dg.logical_not(z).tolist() == [True, False, False, True]
    m = dg.tensor(np.array([[True, False], [False, True], [True, False]]))
    u, inv, cnt = dg.unique(m, dim=0, return_inverse=True, return_counts=True)
    assert u.dtype == np.bool_ and u.tolist() == [[False, True], [True, False]]
    assert inv.tolist() == [1, 0, 1] and cnt.tolist() == [1, 2]


def test_the_memory_owner_of_any_module_s_view_is_the_end_of_its_base_chain():
    """Writes into a base must reach the views read by a graph on CuPy too (its arrays are
    not numpy.ndarray): the owner is found by ``base`` alone."""
    from deepgrad.autograd import _memory_owner

    class DeviceArray:  # what a CuPy array offers here: a ``base``, None for the owner
        def __init__(self, base=None):
            self.base = base

    root = DeviceArray()
    assert _memory_owner(DeviceArray(DeviceArray(root))) is root
    a = np.zeros(4)
    assert _memory_owner(a[1:][::2]) is a
