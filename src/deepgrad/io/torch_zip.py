"""Reading what ``torch.save`` writes (its default zip format) with PyTorch's
``weights_only=True`` contract: tensors, numbers, strings and containers, and nothing else.

What it reads: a zip archive ``<archive>/data.pkl`` (a pickle of the saved object) with
``<archive>/data/<key>`` (the raw bytes of each storage), ``<archive>/byteorder`` (``little``
or ``big``) and ``<archive>/version`` — a model's ``state_dict()``, an optimizer's, a checkpoint
dict of them with numbers, strings, lists, tuples, sets and ``None``. Tensors come back as
deepgrad tensors (``nn.Parameter`` for parameters) with their dtype, shape and
``requires_grad``; ``OrderedDict`` (with a state dict's ``_metadata``) stays ``OrderedDict``;
``torch.Size`` is read as a tuple, ``torch.device`` as a ``dg.device`` and ``torch.float32``
(a dtype) as deepgrad's dtype.

How it reads it: the pickle is run by a restricted unpickler (a subclass of Python's own
``pickle`` unpickler, its pure-Python implementation, so that every opcode is under control)
that never imports a module and never calls a global the file names on its own:
:data:`GLOBALS` maps the few names ``torch.save`` writes to deepgrad-side constructors that
check their arguments, and any other global is refused. Only those constructors may be called
(``REDUCE``); ``BUILD`` only sets a state dict's ``_metadata``; items are only appended/set into
lists, dicts and sets, whose keys must be plain (``None``, bools, 64-bit ints, floats, strings,
short flat tuples of them). The one widening is PyTorch's: classes and functions the *program*
allowlisted (:func:`deepgrad.serialization.add_safe_globals`, the objects themselves, found by
their ``module.qualname`` or the name given with them) may be named, called (``REDUCE``),
instantiated (``NEWOBJ``: ``cls.__new__(cls, *args)``) and have their state set (``BUILD``:
``__setstate__``, else the instance's ``__dict__`` and slots), as PyTorch's ``weights_only``
loader allows them — say, ``numpy.dtype`` and NumPy's scalar constructor for a checkpoint
holding a NumPy number.
``persistent_load`` reads each storage's entry through :func:`~deepgrad.io.read_zip_entry`
(the zip-bomb and size checks), once per key: tensors viewing one storage share it, as in
PyTorch (a NumPy view of the storage; a view whose elements overlap, such as an expanded
tensor, is read-only). A tensor's offset, size and stride are checked to address only elements
inside its storage before the view is made, a storage's declared element count against its
entry's bytes, and all storages together against the archive's size — so loading never
allocates more array bytes than the file holds. The loaded structure may nest at most
:data:`~deepgrad.io.checkpoint.MAX_DEPTH` levels (checked by a walk memoized by identity, so a
structure sharing one list many times costs its distinct containers, not its paths; a cycle is
refused as too deep).

What it refuses, with :class:`~deepgrad.io.ModelFileError`: any other global (``os.system``,
``builtins.eval``, a class not allowlisted: the file runs no code of its choosing), ``bfloat16`` tensors (NumPy
has no bfloat16: convert to float32 in PyTorch first), tensors with backward hooks or Python
attributes, a truncated or malformed pickle, storages and views that do not fit their bytes.
A legacy (non-zip) ``torch.save`` file or a plain pickle is not read here at all:
:func:`deepgrad.load` refuses it.

Without torch, a tiny archive written by hand (its pickle is ``{"epoch": 3}``, protocol 2):

>>> import io, zipfile
>>> buf = io.BytesIO()
>>> with zipfile.ZipFile(buf, "w") as zf:
...     zf.writestr("archive/data.pkl", b"\\x80\\x02}X\\x05\\x00\\x00\\x00epochK\\x03s.")
...     zf.writestr("archive/byteorder", b"little")
>>> read_torch_zip(buf.getvalue(), "demo.pt")
{'epoch': 3}
"""

from __future__ import annotations

import io
import math
import pickle
import reprlib
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy
from numpy.lib.stride_tricks import as_strided

from .. import backend, devices
from ..nn.parameter import Parameter
from ..tensor import Tensor
from .safe_read import MAX_NDIM, ModelFileError, read_zip_entry, zip_entries

__all__ = ["GLOBALS", "SAFE_GLOBALS", "read_torch_zip", "TorchZipUnpickler", "user_globals"]

#: most items of a tuple used as a dict key or set element (hashing a tuple is not cached)
MAX_KEY_TUPLE = 8


class _Storage:
    """A storage type named in the pickle (``torch.FloatStorage``): its NumPy dtype, or
    ``None`` for ``torch.UntypedStorage`` (bytes; the tensor names its dtype)."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype: str | None) -> None:
        self.name, self.dtype = name, dtype


class _Constructor:
    """A deepgrad-side function standing for one allowed global; the only thing ``REDUCE`` may
    call. Without ``__dict__`` (and with ``BUILD`` restricted) a pickle cannot alter it."""

    __slots__ = ("name", "fn")

    def __init__(self, name: str, fn: Callable[..., Any]) -> None:
        self.name, self.fn = name, fn


_STORAGES = {
    "FloatStorage": "f4",
    "DoubleStorage": "f8",
    "HalfStorage": "f2",
    "LongStorage": "i8",
    "IntStorage": "i4",
    "ShortStorage": "i2",
    "CharStorage": "i1",
    "ByteStorage": "u1",
    "BoolStorage": "?",
    "ComplexFloatStorage": "c8",
    "ComplexDoubleStorage": "c16",
}
_DTYPES = {
    "float32": "f4", "float": "f4", "float64": "f8", "double": "f8", "float16": "f2",
    "half": "f2", "int64": "i8", "long": "i8", "int32": "i4", "int": "i4", "int16": "i2",
    "short": "i2", "int8": "i1", "uint8": "u1", "uint16": "u2", "uint32": "u4", "uint64": "u8",
    "bool": "?", "complex64": "c8", "cfloat": "c8", "complex128": "c16", "cdouble": "c16",
}  # fmt: skip

_BFLOAT16 = (
    "holds a bfloat16 tensor, which deepgrad cannot load: NumPy has no bfloat16. In PyTorch, "
    "convert it to float32 first (e.g. {k: v.float() for k, v in state_dict.items()}) and save "
    "that"
)


# ---- checks ---------------------------------------------------------------------------------
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlong = 3, 40, 40, 40


def _short(v: Any) -> str:
    """A bounded description of what a file put somewhere: ``str`` of a structure that shares
    its parts through the memo can be exponentially long, so never that."""
    try:
        return _REPR.repr(v)[:80]
    except Exception:  # noqa: BLE001 - e.g. an int too long to print
        return f"a {type(v).__name__}"


def _is_int(v: Any) -> bool:
    return type(v) is int


def _plain_key(k: Any) -> bool:
    """Whether ``k`` may be a dict key or set element: cheap to hash, whatever the file."""
    if k is None or type(k) in (bool, float, str):
        return True
    if type(k) is int:
        return k.bit_length() <= 64
    if type(k) is tuple and len(k) <= MAX_KEY_TUPLE:
        return all(type(x) is not tuple and _plain_key(x) for x in k)
    return False


def _check_key(k: Any) -> Any:
    if not _plain_key(k):
        raise ModelFileError(
            f"a dict key or set element of type {type(k).__name__} ({_short(k)}); deepgrad "
            "reads None, bools, 64-bit ints, floats, strings and short tuples of them"
        )
    return k


def _ints(v: Any, what: str) -> tuple[int, ...]:
    if not (isinstance(v, tuple) and len(v) <= MAX_NDIM and all(_is_int(x) for x in v)):
        raise ModelFileError(f"a tensor's {what} is {_short(v)}; expected a tuple of ints")
    return v


def _no_hooks(hooks: Any) -> None:
    if not (isinstance(hooks, dict) and not hooks):
        raise ModelFileError("a tensor with backward hooks (code) is refused")


def _overlaps(size: tuple[int, ...], stride: tuple[int, ...]) -> bool:
    """Whether two indices of a view may address one element (e.g. a stride of 0)."""
    extent = 0
    for n, s in sorted((p for p in zip(size, stride) if p[0] > 1), key=lambda p: p[1]):
        if s <= extent:
            return True
        extent += s * (n - 1)
    return False


# ---- the allowed globals' constructors ------------------------------------------------------
def _view(storage: Any, offset: Any, size: Any, stride: Any, dtype: numpy.dtype | None) -> Any:
    """The NumPy view of ``storage`` (an array from :meth:`TorchZipUnpickler.persistent_load`)
    that a tensor's offset, size and stride describe, checked to stay inside it first."""
    if not (isinstance(storage, numpy.ndarray) and storage.ndim == 1):
        raise ModelFileError("a tensor's storage is not a storage from the archive")
    size, stride = _ints(size, "size"), _ints(stride, "stride")
    if dtype is not None:  # an untyped (byte) storage read as the tensor's dtype
        if storage.nbytes % dtype.itemsize:
            raise ModelFileError(f"a storage of {storage.nbytes} bytes holds no whole {dtype}")
        storage = storage.view(dtype)
    if not _is_int(offset) or len(size) != len(stride):
        raise ModelFileError(f"a tensor's offset {offset!r} or stride {stride} is malformed")
    if offset < 0 or any(n < 0 for n in size) or any(s < 0 for s in stride):
        raise ModelFileError(
            f"a tensor of size {size}, stride {stride} and offset {offset}: negative sizes, "
            "strides and offsets are refused"
        )
    if math.prod(size) == 0:
        return numpy.empty(size, storage.dtype)
    last = offset + sum(s * (n - 1) for n, s in zip(size, stride))
    if last >= storage.size:
        raise ModelFileError(
            f"a tensor of size {size}, stride {stride} and offset {offset} reaches element "
            f"{last} of a storage of {storage.size}: it addresses memory outside its storage"
        )
    item = storage.itemsize
    view = as_strided(
        storage[offset:],
        shape=size,
        strides=tuple(s * item for s in stride),
        writeable=not _overlaps(size, stride),
    )
    return view


def _tensor(arr: Any, requires_grad: Any, metadata: Any) -> Tensor:
    if metadata:
        if not (isinstance(metadata, dict) and set(metadata) <= {"conj", "neg"}):
            raise ModelFileError(f"a tensor's metadata {_short(metadata)} is not understood")
        if not arr.flags.writeable:  # an overlapping (expanded) view: not copied, refused
            raise ModelFileError("an expanded view of a conjugated or negated tensor")
        if metadata.get("conj"):
            arr = numpy.conj(arr)
        if metadata.get("neg"):
            arr = numpy.negative(arr)
    if type(requires_grad) is not bool:
        raise ModelFileError(f"a tensor's requires_grad is {_short(requires_grad)}, not a bool")
    if requires_grad and arr.dtype.kind not in "fc":  # no tensor PyTorch makes is like that
        raise ModelFileError(f"a {arr.dtype} tensor that requires grad (only floats can)")
    return Tensor._wrap(backend.xp.asarray(arr), requires_grad=requires_grad)


def _rebuild_tensor_v2(storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any,
                       hooks: Any, metadata: Any = None) -> Tensor:  # fmt: skip
    _no_hooks(hooks)
    return _tensor(_view(storage, offset, size, stride, None), requires_grad, metadata)


def _rebuild_tensor_v3(storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any,
                       hooks: Any, dtype: Any, metadata: Any = None) -> Tensor:  # fmt: skip
    _no_hooks(hooks)
    if not (isinstance(dtype, type) and issubclass(dtype, numpy.generic)):
        raise ModelFileError(f"a tensor's dtype is {_short(dtype)}, not a dtype")
    arr = _view(storage, offset, size, stride, numpy.dtype(dtype))
    return _tensor(arr, requires_grad, metadata)


def _rebuild_parameter(data: Any, requires_grad: Any, hooks: Any, state: Any = None) -> Any:
    _no_hooks(hooks)
    if not isinstance(data, Tensor) or type(requires_grad) is not bool:
        raise ModelFileError("a Parameter whose data is not a tensor")
    return _set_state(Parameter(data, requires_grad=requires_grad), state)


def _rebuild_from_type_v2(func: Any, new_type: Any, args: Any, state: Any) -> Any:
    """PyTorch's rebuild of a tensor that has Python attributes (``t.foo = 1`` before
    ``torch.save``): ``func(*args)`` (one of the tensor rebuilds), as ``new_type`` (Tensor or
    Parameter; subclasses are refused, as by ``weights_only=True``), then the attributes."""
    rebuilds = (_rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter)
    if not (isinstance(func, _Constructor) and func.fn in rebuilds):
        raise ModelFileError(f"a tensor rebuilt by {_short(func)}, which is not allowed")
    if new_type not in (Tensor, Parameter) or type(args) is not tuple:
        raise ModelFileError(f"a tensor of type {_short(new_type)}: only Tensor and Parameter")
    t = func.fn(*args)
    if type(t) is not new_type:
        if new_type is not Parameter or type(t) is not Tensor:
            raise ModelFileError(f"a {type(t).__name__} read as a {new_type.__name__}")
        t = Parameter(t, requires_grad=t.requires_grad)
    return _set_state(t, state)


def _set_state(t: Tensor, state: Any) -> Tensor:
    """PyTorch's ``_set_obj_state``: ``state`` is the tensor's ``__dict__`` (or a pair of it
    and a dict of slots); each item becomes an attribute. Names of deepgrad's own attributes
    (``data``, ``grad``, ``_data``, ...) and dunders are refused: a saved ``__dict__`` never
    holds them, and setting one would replace the tensor's values."""
    if state is None:
        return t
    parts = state if type(state) is tuple else (state,)
    if len(parts) > 2 or not all(p is None or type(p) in (dict, OrderedDict) for p in parts):
        raise ModelFileError(f"a tensor's state {_short(state)} is not a dict of attributes")
    for part in parts:
        for k, v in (part or {}).items():
            if (
                type(k) is not str
                or not k.isidentifier()
                or k.startswith("__")
                or hasattr(type(t), k)
            ):
                raise ModelFileError(
                    f"a tensor's saved attribute {_short(k)} is refused: expected a name of "
                    "the program's own (not one of the tensor's attributes, nor a dunder)"
                )
            setattr(t, k, v)
    return t


def _odict(*args: Any) -> OrderedDict:
    if args not in ((), ([],)):
        raise ModelFileError("an OrderedDict built from arguments is refused")
    return OrderedDict()


def _set(kind: type) -> Callable[..., Any]:
    def make(items: Any = ()) -> Any:
        if type(items) not in (list, tuple):
            raise ModelFileError(f"a {kind.__name__} built from a {type(items).__name__}")
        return kind(_check_key(x) for x in items)

    return make


def _size(dims: Any) -> tuple[int, ...]:
    return _ints(dims, "torch.Size")


def _device(*args: Any) -> Any:
    if not (1 <= len(args) <= 2 and all(type(a) in (str, int) for a in args)):
        raise ModelFileError(f"a torch.device of {_short(args)}")
    return devices.device(*args)


def _complex(real: Any = 0.0, imag: Any = 0.0) -> complex:
    if not all(type(v) in (int, float) for v in (real, imag)):
        raise ModelFileError("a complex number of non-numbers")
    return complex(real, imag)


def _codecs_encode(text: Any, encoding: Any = "utf-8") -> bytes:
    """How protocol 2 pickles ``bytes``: ``_codecs.encode(str, "latin1")``."""
    if type(text) is not str or encoding not in ("latin1", "latin-1"):
        raise ModelFileError("a _codecs.encode other than bytes as latin1 text is refused")
    return text.encode("latin1")


def _bfloat16(*_: Any) -> Any:
    raise ModelFileError(_BFLOAT16)


def _globals() -> dict[str, Any]:
    out: dict[str, Any] = {}

    def fn(name: str, f: Callable[..., Any]) -> None:
        out[name] = _Constructor(name, f)

    fn("collections.OrderedDict", _odict)
    fn("torch._utils._rebuild_tensor_v2", _rebuild_tensor_v2)
    fn("torch._utils._rebuild_tensor_v3", _rebuild_tensor_v3)
    fn("torch._utils._rebuild_parameter", _rebuild_parameter)
    fn("torch._utils._rebuild_parameter_with_state", _rebuild_parameter)
    fn("torch._tensor._rebuild_from_type_v2", _rebuild_from_type_v2)
    # the classes, as PyTorch's loader gives them: only ``_rebuild_from_type_v2`` uses them
    # (``REDUCE`` calls _Constructor objects alone, ``BUILD`` sets no class's state)
    out["torch.Tensor"] = out["torch._tensor.Tensor"] = Tensor
    out["torch.nn.parameter.Parameter"] = out["torch.nn.Parameter"] = Parameter
    fn("builtins.set", _set(set))
    fn("builtins.frozenset", _set(frozenset))
    fn("builtins.complex", _complex)
    fn("_codecs.encode", _codecs_encode)
    fn("torch.Size", _size)
    fn("torch.device", _device)
    for name, code in _STORAGES.items():
        out[f"torch.{name}"] = _Storage(name, code)
    out["torch.storage.UntypedStorage"] = _Storage("UntypedStorage", None)
    out["torch.UntypedStorage"] = out["torch.storage.UntypedStorage"]
    for name, code in _DTYPES.items():
        out[f"torch.{name}"] = numpy.dtype(code).type
    return out


#: the globals a ``torch.save`` file may name, each to what it is read as (nothing is imported)
GLOBALS: dict[str, Any] = _globals()
_REFUSED = {"torch.BFloat16Storage", "torch.bfloat16"}


#: the globals the program allowlisted (:func:`deepgrad.serialization.add_safe_globals`): each a
#: class or function, or ``(object, "module.qualname")``; a dict used as an ordered set
SAFE_GLOBALS: dict[Any, None] = {}


def check_safe_global(entry: Any) -> None:
    """Refuse an allowlist entry that is neither an object with a ``__module__`` and a
    ``__qualname__`` nor a ``(object, "full.name")`` pair (PyTorch's errors)."""
    if isinstance(entry, tuple):
        if len(entry) != 2:
            raise ValueError(
                "Expected tuple of length 2 (global, str of callable full path), but got tuple "
                f"of length: {len(entry)}"
            )
        if type(entry[1]) is not str:
            raise TypeError(
                "Expected second item in tuple to be str of callable full path, but got: "
                f"{type(entry[1])}"
            )
    elif not (hasattr(entry, "__module__") and hasattr(entry, "__qualname__")):
        raise TypeError(
            "add_safe_globals expects classes or functions (or (object, 'module.name') pairs), "
            f"got {_short(entry)} of type {type(entry).__name__}"
        )


def user_globals() -> dict[str, Any]:
    """The allowlisted globals by the name a file refers to each with: the one given with it,
    else ``f"{obj.__module__}.{obj.__qualname__}"`` (PyTorch's rule)."""
    out: dict[str, Any] = {}
    for entry in SAFE_GLOBALS:
        if isinstance(entry, tuple):
            out[entry[1]] = entry[0]
        else:
            out[f"{entry.__module__}.{entry.__qualname__}"] = entry
    return out


# ---- the unpickler ----------------------------------------------------------------------------
def _refuse(what: str) -> Callable[[Any], None]:
    def op(self: Any) -> None:
        raise ModelFileError(f"the pickle uses {what}, which a torch.save file does not need")

    return op


_P = pickle._Unpickler  # the pure-Python unpickler: a memo dict, and every opcode overridable


class TorchZipUnpickler(_P):
    """Unpickles ``data.pkl`` of a ``torch.save`` archive allowing only :data:`GLOBALS`, with
    each ``persistent_load`` storage read from ``entry(key)``, ``byteorder`` ``<`` or ``>``."""

    dispatch = dict(_P.dispatch)

    def __init__(self, data: bytes, entry: Callable[[str], bytes], byteorder: str) -> None:
        super().__init__(io.BytesIO(data), encoding="utf-8")
        self._entry, self._byteorder = entry, byteorder
        self._storages: dict[str, tuple[_Storage, numpy.ndarray]] = {}
        self._user = user_globals()
        self._user_ids = {id(v) for v in self._user.values()}

    def find_class(self, module: str, name: str) -> Any:
        if module == "__builtin__":  # protocol 2's name of builtins
            module = "builtins"
        full = f"{module}.{name}"
        if full in _REFUSED:
            raise ModelFileError(_BFLOAT16)
        if full in GLOBALS:
            return GLOBALS[full]
        if full in self._user:
            return self._user[full]
        raise ModelFileError(
            f"the pickle names the global {full[:120]!r}, which is not allowed: deepgrad loads "
            "tensors, numbers, strings and containers only (PyTorch's weights_only=True), and "
            "never imports or calls what a file names. If you trust this class or function, "
            f"allowlist it: dg.serialization.add_safe_globals([{full[:120]}]) or the "
            "dg.serialization.safe_globals([...]) context manager (PyTorch's)"
        )

    def _allowed(self, obj: Any) -> bool:
        return id(obj) in self._user_ids

    def persistent_load(self, pid: Any) -> numpy.ndarray:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise ModelFileError(f"an unknown persistent id {_short(pid)}")
        _, kind, key, location, numel = pid
        if not (isinstance(kind, _Storage) and type(key) is str and type(location) is str
                and _is_int(numel) and numel >= 0):  # fmt: skip
            raise ModelFileError(f"a malformed storage reference {_short(pid)}")
        if key in self._storages:
            seen, arr = self._storages[key]
            if seen is not kind:
                raise ModelFileError(f"storage {key!r} is read as both {seen.name} and {kind.name}")
            return arr
        if kind.dtype is None and self._byteorder == ">":
            raise ModelFileError("an untyped storage in a big-endian archive is not supported")
        dtype = numpy.dtype(kind.dtype or "u1").newbyteorder(self._byteorder)
        raw = self._entry(key)
        if numel * dtype.itemsize > len(raw):
            raise ModelFileError(
                f"storage {key!r} declares {numel} elements of {kind.name} ({numel * dtype.itemsize}"
                f" bytes) but its entry holds {len(raw)} bytes"
            )
        arr = numpy.frombuffer(raw, dtype, count=numel)
        arr = (
            arr.view(numpy.uint8) != 0 if dtype.kind == "b" else arr.astype(dtype.newbyteorder("="))
        )
        self._storages[key] = (kind, arr)
        return arr

    # -- opcodes: only constructors are called; items only go into lists, dicts and sets --
    def load_reduce(self) -> None:
        args = self.stack.pop()
        func = self.stack[-1]
        if type(args) is not tuple:
            raise ModelFileError(f"the pickle calls {_short(func)} with {_short(args)}")
        if isinstance(func, _Constructor):
            self.stack[-1] = func.fn(*args)
        elif self._allowed(func):  # allowlisted by the program
            self.stack[-1] = func(*args)
        else:
            raise ModelFileError(f"the pickle calls {_short(func)}, which is not allowed")

    def load_newobj(self) -> None:
        args = self.stack.pop()
        cls = self.stack.pop()
        if not (isinstance(cls, type) and self._allowed(cls)) or type(args) is not tuple:
            raise ModelFileError(
                f"the pickle creates an object (NEWOBJ) of {_short(cls)}: only classes allowlisted with "
                "dg.serialization.add_safe_globals may be (PyTorch's rule)"
            )
        self.append(cls.__new__(cls, *args))

    def load_build(self) -> None:
        state = self.stack.pop()
        inst = self.stack[-1]
        if type(inst) is OrderedDict and type(state) is dict and set(state) <= {"_metadata"}:
            if "_metadata" in state:
                inst._metadata = state["_metadata"]  # type: ignore[attr-defined]
            return
        if self._allowed(type(inst)):  # PyTorch's (and pickle's) way to set a state
            setstate = getattr(inst, "__setstate__", None)
            if setstate is not None:
                setstate(state)
                return
            slots = None
            if isinstance(state, tuple) and len(state) == 2:
                state, slots = state
            if state:
                inst.__dict__.update(state)
            if slots:
                for k, v in slots.items():
                    setattr(inst, k, v)
            return
        raise ModelFileError(f"the pickle sets the state of a {type(inst).__name__}: refused")

    def _container(self, kinds: tuple[type, ...]) -> Any:
        obj = self.stack[-1]
        if type(obj) not in kinds:
            raise ModelFileError(f"the pickle adds items to a {type(obj).__name__}: refused")
        return obj

    def load_append(self) -> None:
        value = self.stack.pop()
        self._container((list,)).append(value)

    def load_appends(self) -> None:
        items = self.pop_mark()
        self._container((list,)).extend(items)

    def load_setitem(self) -> None:
        value = self.stack.pop()
        key = _check_key(self.stack.pop())
        self._container((dict, OrderedDict))[key] = value

    def load_setitems(self) -> None:
        items = self.pop_mark()
        d = self._container((dict, OrderedDict))
        for i in range(0, len(items) - 1, 2):
            d[_check_key(items[i])] = items[i + 1]

    def load_dict(self) -> None:  # MARK key value ... DICT: keys checked before hashing
        items = self.pop_mark()
        self.append({_check_key(items[i]): items[i + 1] for i in range(0, len(items) - 1, 2)})

    def load_additems(self) -> None:
        items = self.pop_mark()
        self._container((set,)).update(_check_key(x) for x in items)

    def load_frozenset(self) -> None:
        items = self.pop_mark()
        self.append(frozenset(_check_key(x) for x in items))

    for _code, _fn in (
        (pickle.REDUCE, load_reduce), (pickle.NEWOBJ, load_newobj), (pickle.BUILD, load_build),
        (pickle.APPEND, load_append),
        (pickle.APPENDS, load_appends), (pickle.SETITEM, load_setitem),
        (pickle.SETITEMS, load_setitems), (pickle.ADDITEMS, load_additems),
        (pickle.FROZENSET, load_frozenset), (pickle.DICT, load_dict),
    ):  # fmt: skip
        dispatch[_code[0]] = _fn
    for _code, _what in (
        (pickle.INST, "INST"), (pickle.OBJ, "OBJ"), (pickle.NEWOBJ_EX, "NEWOBJ_EX"), (pickle.EXT1, "EXT1"), (pickle.EXT2, "EXT2"),
        (pickle.EXT4, "EXT4"), (pickle.PERSID, "PERSID"), (pickle.NEXT_BUFFER, "NEXT_BUFFER"),
        (pickle.READONLY_BUFFER, "READONLY_BUFFER"),
    ):  # fmt: skip
        dispatch[_code[0]] = _refuse(_what)
    del _code, _fn, _what


# ---- the structure's depth --------------------------------------------------------------------
def _check_depth(obj: Any, max_depth: int, name: str) -> None:
    """Refuse a structure nesting deeper than ``max_depth`` (or cyclic), visiting each distinct
    container once (memoized by id: shared sub-structures are not walked again)."""
    heights: dict[int, int] = {}

    def height(node: Any, depth: int) -> int:
        if isinstance(node, dict):
            children = list(node.keys()) + list(node.values())
            meta = getattr(node, "_metadata", None)
            if meta is not None:
                children.append(meta)
        elif isinstance(node, (list, tuple, set, frozenset)):
            children = list(node)
        elif isinstance(node, (_Storage, _Constructor)):
            raise ModelFileError(f"{name}: the saved object holds the bare global {node.name}")
        else:
            return 0
        known = heights.get(id(node))
        if known is not None:
            return known
        if depth >= max_depth:
            raise ModelFileError(f"{name}: the saved object nests deeper than {max_depth} levels")
        h = 1 + max((height(c, depth + 1) for c in children), default=0)
        heights[id(node)] = h
        if depth + h > max_depth:
            raise ModelFileError(f"{name}: the saved object nests deeper than {max_depth} levels")
        return h

    height(obj, 0)


# ---- the archive --------------------------------------------------------------------------------
def _archive(zf: zipfile.ZipFile, name: str) -> tuple[str, dict[str, zipfile.ZipInfo]]:
    infos = zip_entries(zf, name)
    prefixes = {n.split("/", 1)[0] for n in infos}
    pkl = [n for n in infos if n.count("/") == 1 and n.endswith("/data.pkl")]
    if len(pkl) != 1 or len(prefixes) != 1:
        raise ModelFileError(
            f"{name} is a zip but not a torch.save archive (one folder holding data.pkl); "
            "a deepgrad model file is read by dg.load_model"
        )
    return pkl[0][: -len("data.pkl")], infos


def globals_in_archive(data: bytes, name: str) -> set[str]:
    """The ``module.name`` of every global the pickle of the ``torch.save`` archive ``data``
    names (``GLOBAL``, and ``STACK_GLOBAL`` after two strings), read by disassembling it with
    :mod:`pickletools` (nothing is unpickled); protocol 2's ``__builtin__`` reads ``builtins``."""
    import pickletools

    size = len(data)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, NotImplementedError, ValueError, OverflowError, EOFError) as e:  # fmt: skip
        raise ValueError(
            f"Expected input to be a checkpoint returned by torch.save ({name}: {e})"
        ) from None
    with zf:
        prefix, infos = _archive(zf, name)
        pkl = read_zip_entry(zf, infos[prefix + "data.pkl"], size, name, size)
    found: set[str] = set()
    strings: list[str] = []
    try:
        for op, arg, _pos in pickletools.genops(pkl):
            if op.name == "GLOBAL":
                module, _, attr = str(arg).partition(" ")
                found.add(f"{'builtins' if module == '__builtin__' else module}.{attr}")
            elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                found.add(f"{strings[-2]}.{strings[-1]}")
            elif isinstance(arg, str) and "UNICODE" in op.name:
                strings.append(arg)
    except Exception as e:  # noqa: BLE001 - a malformed pickle: whatever the parser raises
        raise ModelFileError(f"{name}: data.pkl is truncated or malformed ({_short(e)})") from None
    return found


def read_torch_zip(data: bytes, name: str, *, max_depth: int = 64) -> Any:
    """The object in the ``torch.save`` zip archive ``data`` (from file ``name``), read under
    the restrictions above; raises :class:`ModelFileError` for anything refused."""
    size = len(data)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, NotImplementedError, ValueError, OverflowError, EOFError) as e:  # fmt: skip
        raise ModelFileError(f"{name} is not a readable zip archive: {e}") from None
    with zf:
        prefix, infos = _archive(zf, name)
        order = "little"
        if prefix + "byteorder" in infos:
            order = read_zip_entry(zf, infos[prefix + "byteorder"], 16, name, size).decode("ascii", "replace")  # fmt: skip
            if order not in ("little", "big"):
                raise ModelFileError(f"{name}: byteorder {order[:16]!r}; expected little or big")
        pkl = read_zip_entry(zf, infos[prefix + "data.pkl"], size, name, size)
        budget = [size]

        def entry(key: str) -> bytes:
            info = infos.get(f"{prefix}data/{key}")
            if info is None:
                raise ModelFileError(f"{name}: the pickle names storage {key!r}, which is missing")
            raw = read_zip_entry(zf, info, budget[0], name, size)
            budget[0] -= len(raw)  # all storages together hold at most the file's size
            return raw

        unpickler = TorchZipUnpickler(pkl, entry, "<" if order == "little" else ">")
        try:
            obj = unpickler.load()
        except ModelFileError as e:
            raise ModelFileError(f"{name}: {e}") from None
        except RecursionError:
            raise ModelFileError(f"{name}: the pickle nests too deeply") from None
        except Exception as e:  # a truncated or malformed pickle: whatever the opcodes raise
            raise ModelFileError(
                f"{name}: data.pkl is truncated or malformed ({type(e).__name__}: {_short(e)})"
            ) from None
    _check_depth(obj, max_depth, name)
    return obj
