"""Seeded differential fuzz against torch 2.13 of indexing and the scatter/gather family:
``x[index]`` (ints in and out of range, slices with any step, None, Ellipsis, Python bools,
bool masks as tensors, lists and 0-d tensors, int64/int32/uint8 index tensors, lists and
nested lists, empty indices, several index arrays broadcast together or separated by a slice,
ints mixed with index arrays), ``x[index] = value`` (numbers, tensors, broadcast values, other
dtypes, masks; tensor values only where the positions written are distinct, as PyTorch leaves
repeated writes unspecified), ``index_put``/``index_put_`` (accumulate), ``index_select``,
``index_add`` (alpha), ``index_copy``, ``index_fill``, ``index_reduce``, ``masked_fill``/
``masked_scatter``/``masked_select``, ``gather``/``scatter``/``scatter_add``/``scatter_reduce``
(every reduction, include_self), ``take``, ``take_along_dim`` and ``put``/``put_``, with their
error cases.

Each case compares values, dtype and shape, whether it raises and the exception's class
(IndexError / TypeError / ValueError / RuntimeError: deepgrad's error must be an instance of
torch's), and the float64 gradients of every float input."""

from __future__ import annotations

import importlib.util
import pathlib
import warnings

import numpy as np
import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore")

_spec = importlib.util.spec_from_file_location(
    "_functional_fuzz_harness",
    pathlib.Path(__file__).resolve().parents[1] / "functional" / "conftest.py",
)
_harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_harness)

_CLASSES = (IndexError, TypeError, ValueError, RuntimeError)


class _Fuzz(_harness.Fuzz):
    """The functional fuzz's harness, whose error cases also compare the exception's class:
    deepgrad's error must be an instance of each of these classes torch's error is one of.

    Where there is nothing to read or write (``empty``: by default an empty result or input),
    torch 2.13 skips its checks (an index out of range, of a float dtype or of other dims is
    taken); deepgrad raises the error the same call raises with elements (README): such a
    case counts in ``unchecked`` when deepgrad raises ``IndexError``/``RuntimeError``. A
    negative slice step, which torch refuses, reverses in deepgrad (README's "slicing" row;
    tests/differential/test_ops.py compares it with ``flip``): counted in ``negative_steps``."""

    def __init__(self, seed):
        super().__init__(seed)
        self.unchecked = self.negative_steps = 0

    def check(self, what, fn, args, empty=None, **kw):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                _, ty = self._run(torch, fn, args)
            except Exception as terr:  # noqa: BLE001 - any torch error is an error case
                self.cases += 1
                self.raised += 1
                step = "step must be greater than zero" in str(terr) or "step cannot be" in str(
                    terr
                )
                try:
                    self._run(dg, fn, args)
                except Exception as err:  # noqa: BLE001
                    if step:  # deepgrad reads the step: another error of the index comes first
                        self.negative_steps += 1
                        return
                    want = tuple(c for c in _CLASSES if isinstance(terr, c))
                    if not all(isinstance(err, c) for c in want):
                        self.failures.append(
                            f"{what}: torch raises {type(terr).__name__} ({str(terr)[:80]!r}), "
                            f"deepgrad {type(err).__name__} ({str(err)[:80]!r})"
                        )
                    return
                if step:
                    self.negative_steps += 1  # x[::-1] reverses in deepgrad (README: slicing)
                    return
                self.failures.append(f"{what}: torch raises ({str(terr)[:90]!r}), deepgrad returns")
                return
            if empty is None:
                sizes = [getattr(a, "a", a) for a in args]
                empty = ty.numel() == 0 or any(getattr(a, "size", 1) == 0 for a in sizes)
            if empty:
                try:
                    self._run(dg, fn, args)
                except (IndexError, RuntimeError):
                    self.unchecked += 1
                    self.cases += 1
                    return
            super().check(what, fn, args, **kw)


def _t(a):
    """An index tensor, built by each library from the array ``a`` (its dtype kept)."""
    return ("t", np.asarray(a))


def _lib_index(lib, index):
    """``index`` with each ``_t`` made into ``lib``'s tensor (inside tuples and lists)."""
    if isinstance(index, tuple) and len(index) == 2 and isinstance(index[0], str):
        return lib.tensor(index[1])
    if isinstance(index, tuple):
        return tuple(_lib_index(lib, i) for i in index)
    if isinstance(index, list):
        return [_lib_index(lib, i) for i in index]
    return index


def _values(fz, shape, dtype):
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return np.asarray(fz.rng.random(shape) < 0.5)
    if dtype.kind in "iu":
        lo = 0 if dtype.kind == "u" else -5
        return np.asarray(fz.rng.integers(lo, 6, size=shape).astype(dtype))
    return np.asarray(fz.rng.uniform(-2, 2, size=shape).astype(dtype))


def _shape(fz, max_ndim=3, min_ndim=0):
    return tuple(fz.pick([0, 1, 2, 3, 4]) if fz.chance(0.15) else fz.int(1, 4)
                 for _ in range(fz.int(min_ndim, max_ndim)))  # fmt: skip


# ---- x[index] --------------------------------------------------------------------------------
def _int_array(fz, n, shape, dtype=np.int64):
    lo, hi = -max(n, 1), max(n, 1) - 1
    a = fz.rng.integers(lo, hi + 1, size=shape)
    if a.size and fz.chance(0.08):
        a.flat[0] = fz.pick([n, -n - 1])  # out of range
    return a.astype(dtype)


def _array_item(fz, n):
    """An index array for a dim of size ``n``: a tensor (int64/int32/uint8 mask/float), a list
    or nested list, 0-d, empty."""
    shape = fz.pick([(2,), (3,), (1,), (2, 1), (1, 2), (), (0,), (2,), (3,)])
    kind = fz.pick(["tensor", "tensor", "tensor32", "list", "list", "float"])
    if kind == "float" and fz.chance(0.5):
        kind = "tensor"
    a = _int_array(fz, n, shape)
    if kind == "tensor":
        return _t(a)
    if kind == "tensor32":
        return _t(a.astype(np.int32))
    if kind == "float":
        return _t(a.astype(np.float32))
    if a.ndim == 0:
        return [int(a)]
    return a.tolist()


def _mask_item(fz, dims):
    """A bool mask over the next ``dims`` (sometimes of a wrong size): a bool or uint8 tensor,
    a list of bools, a 0-d bool tensor."""
    k = fz.int(1, min(2, len(dims))) if dims else 0
    shape = list(dims[:k])
    if shape and fz.chance(0.1):
        shape[-1] += 1
    m = np.asarray(fz.rng.random(shape) < 0.5)
    kind = fz.pick(["bool", "bool", "uint8", "list", "zero_d"])
    if kind == "zero_d":
        return _t(np.asarray(fz.chance(0.5))), 0
    if kind == "uint8":
        return _t(m.astype(np.uint8)), k
    if kind == "list" and k == 1:
        return m.tolist(), k
    return _t(m), k


def _slice(fz, n):
    def bound():
        return None if fz.chance(0.3) else fz.int(-n - 2, n + 2)

    step = fz.pick([None, 1, 2, 3, None, 1, 2, -1, 0]) if fz.chance(0.4) else None
    return slice(bound(), bound(), step)


def _index(fz, shape):
    """A random index for a tensor of ``shape`` (one item past its dims now and then)."""
    items, pos = [], 0
    ellipsis = False
    for _ in range(fz.int(1, 4)):
        n = shape[pos] if pos < len(shape) else 1
        kind = fz.pick(["int", "slice", "slice", "none", "ellipsis", "mask", "bool", "array",
                        "array", "array"])  # fmt: skip
        if pos >= len(shape) and kind not in ("none", "ellipsis", "bool") and fz.chance(0.7):
            kind = "none"
        if kind == "int":
            v = fz.int(-n, n - 1) if n and fz.chance(0.9) else fz.pick([n, -n - 1])
            items.append(_t(np.int64(v)) if fz.chance(0.2) else v)
            pos += 1
        elif kind == "slice":
            items.append(_slice(fz, n))
            pos += 1
        elif kind == "none":
            items.append(None)
        elif kind == "ellipsis":
            if ellipsis:  # torch 2.13 takes several (x[..., ...]); deepgrad raises IndexError
                continue
            ellipsis = True
            items.append(Ellipsis)
            pos = max(pos, len(shape) - 1)  # roughly: what follows indexes the last dims
        elif kind == "bool":
            b = fz.chance(0.5)
            items.append(_t(np.asarray(b)) if fz.chance(0.3) else b)
        elif kind == "mask":
            m, k = _mask_item(fz, shape[pos:])
            items.append(m)
            pos += k
        else:
            items.append(_array_item(fz, n))
            pos += 1
    if len(items) == 1 and fz.chance(0.6):
        return items[0]
    return tuple(items)


def _getitem(index):
    return lambda lib, x: x[_lib_index(lib, index)]


def test_fuzz_getitem():
    fz = _Fuzz(301)
    for _ in range(700):
        shape = _shape(fz, 4)
        dtype = fz.pick([np.float64, np.float64, np.float64, np.float32, np.int64, np.bool_])
        x = _values(fz, shape, dtype)
        index = _index(fz, shape)
        fz.check(f"x{shape} {x.dtype}[{index!r}]", _getitem(index), [fz.maybe_nc(x)])
    fz.report(min_cases=700)


@pytest.mark.parametrize(
    "index",
    [
        (0, slice(None), [0, 0, 1]),  # the int counts as an index array in NumPy, not in torch
        ([0, 1], slice(None), [1, 2]),  # separated by a slice: the broadcast dims first
        (slice(None), [0, 1], [1, 2]),  # next to each other: in place
        ([[0], [1]], [1, 2, 0]),  # broadcast together
        (_t(np.asarray([0, 1], np.int32)), slice(1, None)),
        ([], slice(None)),
        (_t(np.zeros(0, np.int64)),),
        (_t(np.asarray(1)), [0, 2]),  # a 0-d index tensor selects, as an int
        (Ellipsis, [True, False, True, False]),
        (_t(np.asarray([1, 0], np.uint8)),),  # a byte mask
        (slice(None, None, 2), None, 1),
    ],
)
def test_indexing_cases(index):
    fz = _Fuzz(0)
    x = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    fz.check(repr(index), _getitem(index), [x])
    fz.report()


# ---- x[index] = value ------------------------------------------------------------------------
def _written(x_shape, index):
    """The positions ``x[index]`` addresses (flat), by torch; None where torch raises."""
    pos = torch.arange(int(np.prod(x_shape)), dtype=torch.int64).reshape(x_shape)
    try:
        return pos[_lib_index(torch, index)].numpy()
    except Exception:  # noqa: BLE001 - the assignment raises too
        return None


def _setitem(index, scalar=None):
    def f(lib, x, *value):
        y = x.clone()
        y[_lib_index(lib, index)] = value[0] if value else scalar
        return y

    return f


def _assigned_value(fz, sel, x_dtype, unique):
    """A value for ``x[index] = value``: a number, or a tensor (of the selection's shape, a
    shape that broadcasts to it, a wrong one; maybe another dtype)."""
    kind = fz.pick(["number", "tensor", "tensor", "broadcast", "zero_d", "wrong", "dtype"])
    if sel is None or not unique and kind in ("tensor", "broadcast", "dtype"):
        kind = fz.pick(["number", "zero_d"])
    if kind == "number":
        return fz.pick([1.5, -2, True, 3, 0.25]), None
    if kind == "zero_d":
        return None, np.asarray(_values(fz, (), x_dtype))
    shape = list(sel.shape)
    if kind == "broadcast" and shape:
        shape = shape[fz.int(0, len(shape)) :]
        shape = [1 if fz.chance(0.4) else s for s in shape]
    elif kind == "wrong":
        shape = shape + [2] if fz.chance(0.5) or not shape else shape[:-1] + [shape[-1] + 1]
    dtype = x_dtype
    if kind == "dtype":
        dtype = fz.pick([np.float32, np.float64, np.int64, np.int32, np.bool_])
    v = _values(fz, tuple(shape), dtype)
    return None, (v if dtype == x_dtype else fz.const(v))


def test_fuzz_setitem():
    fz = _Fuzz(302)
    for _ in range(500):
        shape = _shape(fz, 4)
        dtype = fz.pick([np.float64, np.float64, np.float32, np.int64, np.bool_])
        x = _values(fz, shape, dtype)
        index = _index(fz, shape)
        sel = _written(shape, index)
        unique = sel is not None and np.unique(sel).size == sel.size
        scalar, value = _assigned_value(fz, sel, dtype, unique)
        args = [fz.maybe_nc(x)] + ([] if value is None else [value])
        what = f"x{shape} {x.dtype}[{index!r}] = {scalar if value is None else 'tensor'}"
        fz.check(what, _setitem(index, scalar), args, empty=sel is not None and sel.size == 0)
    fz.report(min_cases=500)


# ---- index_put, put ---------------------------------------------------------------------------
def _index_tuple(fz, shape):
    """``index_put``'s indices: index tensors (int64/int32) for some leading dims, or a mask."""
    if shape and fz.chance(0.2):
        k = fz.int(1, len(shape))
        m = fz.rng.random(shape[:k]) < 0.5
        return (_t(m.astype(np.uint8) if fz.chance(0.2) else m),)
    k = fz.int(1, max(len(shape), 1))
    common = fz.pick([(3,), (2,), (1,), (2, 2), (0,)])
    out = []
    for d in range(k):
        n = shape[d] if d < len(shape) else 1
        s = common if fz.chance(0.9) else fz.pick([(1,), (4,), ()])
        a = _int_array(fz, n, s)
        out.append(_t(a.astype(np.int32) if fz.chance(0.15) else a))
    return tuple(out)


def test_fuzz_index_put():
    fz = _Fuzz(303)
    for _ in range(300):
        shape = _shape(fz, 3, 1)
        dtype = fz.pick([np.float64, np.float64, np.float32, np.int64])
        x = _values(fz, shape, dtype)
        indices = _index_tuple(fz, shape)
        sel = _written(shape, indices)
        accumulate = fz.chance(0.5)
        unique = sel is not None and np.unique(sel).size == sel.size
        vshape = sel.shape if sel is not None else (2,)
        if sel is not None and fz.chance(0.3):
            vshape = vshape[fz.int(0, len(vshape)) :]
        if not (unique or accumulate):
            vshape = ()  # repeated positions: only a value the same everywhere is defined
        vdtype = dtype if fz.chance(0.9) else fz.pick([np.float32, np.int64])
        v = _values(fz, vshape, vdtype)
        in_place = fz.chance(0.4)

        def f(lib, x, v, idx=indices, acc=accumulate, in_place=in_place):
            ix = _lib_index(lib, idx)
            return x.clone().index_put_(ix, v, acc) if in_place else x.index_put(ix, v, acc)

        what = f"index_put{'_' if in_place else ''} x{shape} {x.dtype} {indices!r} v{vshape} "
        fz.check(what + f"{np.dtype(vdtype)} acc={accumulate}", f,
                 [fz.maybe_nc(x), v if vdtype == dtype else fz.const(v)])  # fmt: skip
    fz.report(min_cases=300)


def test_fuzz_put():
    fz = _Fuzz(304)
    for _ in range(200):
        shape = _shape(fz, 3)
        dtype = fz.pick([np.float64, np.float64, np.int64])
        x = _values(fz, shape, dtype)
        n = x.size
        accumulate = fz.chance(0.5)
        ishape = fz.pick([(2,), (3,), (2, 2), (), (0,)])
        idx = _int_array(fz, n, ishape, fz.pick([np.int64, np.int64, np.int32]))
        if not accumulate and idx.size:
            flat = idx % max(n, 1)
            if np.unique(flat).size != flat.size:
                idx = idx.reshape(-1)[:1].reshape((1,) * idx.ndim)
        sshape = idx.shape if fz.chance(0.85) else (idx.size + 1,)
        src = _values(fz, sshape, dtype)
        in_place = fz.chance(0.5)

        def f(lib, x, s, i=idx, acc=accumulate, in_place=in_place):
            ix = lib.tensor(i)
            return x.clone().put_(ix, s, acc) if in_place else x.put(ix, s, acc)

        fz.check(f"put x{shape} index {idx.tolist()} {idx.dtype} src{sshape} acc={accumulate}",
                 f, [x, src])  # fmt: skip
    fz.report(min_cases=200)


# ---- index_select / index_add / index_copy / index_fill -----------------------------------
def _dim(fz, ndim):
    d = fz.int(-max(ndim, 1), max(ndim, 1) - 1)
    return d if fz.chance(0.95) else max(ndim, 1)


def _index_1d(fz, n, unique=False):
    size = fz.pick([0, 1, 2, 3, 4])
    if unique:
        a = fz.rng.permutation(max(n, 1))[: min(size, n)].astype(np.int64)
        if fz.chance(0.3):
            a = a - n  # negative
    else:
        a = _int_array(fz, n, (size,))
    if fz.chance(0.1):
        a = a[:1].reshape(()) if a.size else a
    if fz.chance(0.05):
        a = a.reshape(-1, 1)
    return a.astype(fz.pick([np.int64, np.int64, np.int64, np.int32, np.float32]))


def test_fuzz_index_select_add_copy_fill_reduce():
    fz = _Fuzz(305)
    for _ in range(500):
        op = fz.pick(["index_select", "index_add", "index_copy", "index_fill", "index_reduce"])
        shape = _shape(fz, 3)
        dtype = fz.pick([np.float64, np.float64, np.float32, np.int64])
        x = _values(fz, shape, dtype)
        dim = _dim(fz, len(shape))
        n = shape[dim] if -len(shape) <= dim < len(shape) else 1
        idx = _index_1d(fz, n, unique=op == "index_copy")
        sshape = list(shape)
        if -len(shape) <= dim < len(shape):
            sshape[dim] = idx.size
        if fz.chance(0.07):
            sshape = sshape + [1]
        src = _values(fz, tuple(sshape), dtype if fz.chance(0.92) else np.float32)
        what = f"{op} x{shape} {x.dtype} dim={dim} index {idx.tolist()} {idx.dtype}"
        if op == "index_select":
            fz.check(what, lambda lib, x, i=idx, d=dim: lib.index_select(x, d, lib.tensor(i)),
                     [fz.maybe_nc(x)])  # fmt: skip
        elif op == "index_add":
            alpha = fz.pick([1, 2, -1, 0.5, 1.5])
            fz.check(what + f" alpha={alpha} src{tuple(sshape)}",
                     lambda lib, x, s, i=idx, d=dim, a=alpha: x.index_add(d, lib.tensor(i), s,
                                                                          alpha=a),
                     [fz.maybe_nc(x), src])  # fmt: skip
        elif op == "index_reduce":
            reduce, own = fz.pick(["prod", "mean", "amax", "amin"]), fz.chance(0.5)
            fz.check(what + f" {reduce} include_self={own} src{tuple(sshape)}",
                     lambda lib, x, s, i=idx, d=dim, r=reduce, o=own: x.index_reduce(
                         d, lib.tensor(i), s, r, include_self=o),
                     [fz.maybe_nc(x), src])  # fmt: skip
        elif op == "index_copy":
            fz.check(what + f" src{tuple(sshape)} {src.dtype}",
                     lambda lib, x, s, i=idx, d=dim: x.index_copy(d, lib.tensor(i), s),
                     [fz.maybe_nc(x), src])  # fmt: skip
        else:
            value = fz.pick([1.5, -2, True, "t"])
            args = [fz.maybe_nc(x)]
            if value == "t":
                args.append(_values(fz, (), fz.pick([np.float64, dtype])))
            fz.check(what + f" value={value}",
                     lambda lib, x, *v, i=idx, d=dim, val=value: x.index_fill(
                         d, lib.tensor(i), v[0] if v else val),
                     args)  # fmt: skip
    fz.report(min_cases=500)


# ---- masked_fill / masked_scatter / masked_select -----------------------------------------
def _mask_for(fz, shape):
    """A mask that broadcasts with ``shape`` (trailing dims, some 1), now and then one that
    does not, or of another dtype."""
    mshape = list(shape[fz.int(0, len(shape)) :]) if shape else []
    mshape = [1 if fz.chance(0.3) else s for s in mshape]
    if fz.chance(0.1):
        mshape = [fz.int(1, 2)] + mshape  # more dims than the input
    if mshape and fz.chance(0.06):
        mshape[-1] += 2
    m = np.asarray(fz.rng.random(mshape) < 0.5)
    return m if fz.chance(0.93) else m.astype(fz.pick([np.uint8, np.int64, np.float32]))


def test_fuzz_masked():
    fz = _Fuzz(306)
    for _ in range(400):
        op = fz.pick(["masked_fill", "masked_fill_", "masked_scatter", "masked_scatter_",
                      "masked_select"])  # fmt: skip
        shape = _shape(fz, 3)
        dtype = fz.pick([np.float64, np.float64, np.float32, np.int64, np.bool_])
        x = _values(fz, shape, dtype)
        m = _mask_for(fz, shape)
        what = f"{op} x{shape} {x.dtype} mask{m.shape} {m.dtype}"
        mc = fz.const(m)
        if op == "masked_select":
            fz.check(what, lambda lib, x, m: lib.masked_select(x, m), [fz.maybe_nc(x), mc])
        elif op.startswith("masked_fill"):
            value = fz.pick([1.5, -2, True, "t", "t"])
            args = [fz.maybe_nc(x), mc]
            if value == "t":
                vd = dtype if fz.chance(0.7) else np.float64
                vs = () if fz.chance(0.9) else (1,)
                v = _values(fz, vs, vd)  # a float one requires grad (masked_fill_ into an
                # integer tensor then gives torch's result requires_grad: not compared)
                args.append(v if op == "masked_fill" or dtype in (np.float32, np.float64)
                            else fz.const(v))  # fmt: skip

            in_place = op.endswith("_")

            def f(lib, x, m, *v, val=value, in_place=in_place):
                v = v[0] if v else val
                return x.clone().masked_fill_(m, v) if in_place else x.masked_fill(m, v)

            fz.check(what + f" value={value}", f, args)
        else:
            count = int(np.broadcast_to(m, np.broadcast_shapes(m.shape, x.shape)).sum()) \
                if m.dtype == bool and _broadcasts(m.shape, x.shape) else 3  # fmt: skip
            n = max(count + fz.pick([0, 0, 1, 2, -1]), 0)
            src = _values(fz, (n,) if fz.chance(0.7) else (n, 1), dtype)

            in_place = op.endswith("_")

            def f(lib, x, m, s, in_place=in_place):
                return x.clone().masked_scatter_(m, s) if in_place else x.masked_scatter(m, s)

            fz.check(what + f" source{src.shape}", f, [fz.maybe_nc(x), mc, src])
    fz.report(min_cases=400)


def _broadcasts(a, b):
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return True


# ---- gather / scatter / scatter_add / scatter_reduce / take / take_along_dim --------------
def _scatter_index(fz, shape, dim, unique):
    """An index for gather/scatter along ``dim``: no larger than ``shape`` elsewhere (now and
    then larger, or of other dims or dtype); ``unique``: distinct along ``dim`` per line."""
    nd = len(shape)
    axis = dim % max(nd, 1) if -max(nd, 1) <= dim < max(nd, 1) else 0
    n = shape[axis] if nd else 1
    ishape = [fz.int(0, s) if fz.chance(0.8) else s for s in shape]
    if nd:
        ishape[axis] = fz.int(0, n if unique else n + 2)
    if fz.chance(0.05) and nd:
        ishape[(axis + 1) % nd] += 1
    if fz.chance(0.04):
        ishape = ishape + [1]
    if unique:
        keys = fz.rng.random([n] + [s for d, s in enumerate(ishape) if d != axis])
        order = np.argsort(keys, axis=0)[: ishape[axis] if nd else 1]
        idx = np.moveaxis(order, 0, axis) if nd else order.reshape(())
        idx = idx.reshape(ishape) if idx.size == int(np.prod(ishape)) else idx
    else:
        idx = fz.rng.integers(0, max(n, 1), size=ishape)
    idx = idx.astype(np.int64)
    if idx.size and fz.chance(0.06):
        idx.flat[0] = fz.pick([n, -1])
    if fz.chance(0.06):
        idx = idx.astype(fz.pick([np.int32, np.float32, np.uint8]))
    return idx


def test_fuzz_gather_scatter():
    fz = _Fuzz(307)
    for _ in range(600):
        op = fz.pick(["gather", "scatter", "scatter_value", "scatter_add", "scatter_reduce",
                      "scatter_reduce", "scatter_", "scatter_legacy"])  # fmt: skip
        shape = _shape(fz, 3)
        dtype = fz.pick([np.float64, np.float64, np.float64, np.float32, np.int64])
        x = _values(fz, shape, dtype)
        dim = _dim(fz, len(shape))
        idx = _scatter_index(fz, shape, dim, unique=op in ("scatter", "scatter_value", "scatter_"))
        reduce = fz.pick(["sum", "prod", "mean", "amax", "amin"])
        # a src larger than the index: 2.13's "prod" backward gives its unread elements a
        # gradient (README); deepgrad 0, as every other reduction
        grow = [0] if op == "scatter_reduce" and reduce == "prod" else [0, 0, 1]
        src = _values(fz, tuple(s + fz.pick(grow) for s in idx.shape),
                      dtype if fz.chance(0.93) else np.float32)  # fmt: skip
        what = f"{op} x{shape} {x.dtype} dim={dim} index{idx.shape} {idx.dtype} src{src.shape}"
        i = fz.const(idx)
        if op == "gather":
            fz.check(what, lambda lib, x, i, d=dim: lib.gather(x, d, i), [fz.maybe_nc(x), i])
        elif op == "scatter":
            fz.check(what, lambda lib, x, i, s, d=dim: x.scatter(d, i, s), [x, i, src])
        elif op == "scatter_":
            fz.check(what, lambda lib, x, i, s, d=dim: x.clone().scatter_(d, i, s), [x, i, src])
        elif op == "scatter_value":
            v = fz.pick([1.5, -2, 3])
            fz.check(what + f" value={v}", lambda lib, x, i, d=dim, v=v: x.scatter(d, i, v),
                     [x, i])  # fmt: skip
        elif op == "scatter_add":
            fz.check(what, lambda lib, x, i, s, d=dim: x.scatter_add(d, i, s), [x, i, src])
        elif op == "scatter_legacy":  # PyTorch's older reduce= ("add"/"multiply"), no gradient
            r, v = fz.pick(["add", "multiply"]), fz.pick([None, 1.5, 2])
            args = [fz.const(x), i] + ([fz.const(src)] if v is None else [])
            fz.check(what + f" reduce={r} value={v}",
                     lambda lib, x, i, *s, d=dim, r=r, v=v: x.scatter(
                         d, i, s[0] if s else v, reduce=r), args)  # fmt: skip
        else:
            own = fz.chance(0.5)
            fz.check(what + f" {reduce} include_self={own}",
                     lambda lib, x, i, s, d=dim, r=reduce, o=own: x.scatter_reduce(
                         d, i, s, r, include_self=o),
                     [x, i, src])  # fmt: skip
    fz.report(min_cases=600)


def test_fuzz_take_and_take_along_dim():
    fz = _Fuzz(308)
    for _ in range(300):
        shape = _shape(fz, 3)
        dtype = fz.pick([np.float64, np.float64, np.int64])
        x = _values(fz, shape, dtype)
        if fz.chance(0.4):
            idx = _int_array(fz, x.size, fz.pick([(2,), (2, 3), (), (0,)]))
            idx = idx.astype(fz.pick([np.int64, np.int64, np.int32]))
            fz.check(f"take x{shape} index {idx.tolist()} {idx.dtype}",
                     lambda lib, x, i: lib.take(x, i), [fz.maybe_nc(x), fz.const(idx)])  # fmt: skip
            continue
        dim = None if fz.chance(0.2) else _dim(fz, len(shape))
        ishape = [fz.pick([1, s]) if fz.chance(0.3) else s for s in shape]
        if dim is not None and shape and -len(shape) <= dim < len(shape):
            ishape[dim] = fz.int(0, 3)
        if fz.chance(0.05):
            ishape = ishape + [1]
        n = shape[dim] if dim is not None and -len(shape) <= dim < len(shape) else x.size
        idx = _int_array(fz, n, tuple(ishape) if dim is not None else (fz.int(0, 3),))
        if fz.chance(0.05):
            idx = idx.astype(np.int32)
        oob = idx.size and (idx.min() < -n or idx.max() >= n) and 0 < idx.ndim == x.ndim
        if dim is not None and oob and -len(shape) <= dim < len(shape) and idx.dtype == np.int64:
            # 2.13 wraps such an index modulo the size; deepgrad raises (README)
            with pytest.raises(IndexError, match="out of bounds"):
                dg.take_along_dim(dg.tensor(x), dg.tensor(idx), dim)
            continue
        fz.check(f"take_along_dim x{shape} index{idx.shape} {idx.dtype} dim={dim}",
                 lambda lib, x, i, d=dim: lib.take_along_dim(x, i, d),
                 [x if dim is None else fz.maybe_nc(x), fz.const(idx)])  # fmt: skip
    fz.report(min_cases=250)
