"""Containers: ``Sequential``, ``ModuleList``, ``ModuleDict`` (and PyTorch's deprecated
``Container``)."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..tensor import Tensor
from .module import Module, _addindent


def _abs_index(idx: Any, n: int) -> int:
    """``idx`` as a position in ``[0, n)`` (negative from the end), PyTorch's IndexError
    otherwise."""
    idx = operator.index(idx)
    if not -n <= idx < n:
        raise IndexError(f"index {idx} is out of range")
    return idx + n if idx < 0 else idx


class Container(Module):
    """PyTorch's deprecated ``nn.Container(**modules)``: a Module holding the given named
    modules (warns as PyTorch does; subclass ``Module`` instead)."""

    def __init__(self, **kwargs: Module) -> None:
        import warnings

        warnings.warn(
            "`nn.Container` is deprecated. All of its functionality is now implemented in "
            "`nn.Module`. Subclass that instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__()
        for key, value in kwargs.items():
            self.add_module(key, value)


class Sequential(Module):
    """Modules applied in order: ``Sequential(Linear(4, 8), ReLU(), Linear(8, 2))``.

    Accepts modules as arguments (named ``"0"``, ``"1"``...) or one ``OrderedDict`` of named
    modules. Indexing gives a module (or a ``Sequential`` of the same names for a slice).
    """

    def __init__(self, *modules: Module | OrderedDict) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                self.add_module(name, _check(m, name))
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), _check(m, str(i)))

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):  # keeps the names, as PyTorch's (model[:i] of named layers)
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_abs_index(idx, len(self))]

    def __setitem__(self, idx: int, module: Module) -> None:
        """Replace the ``idx``-th module (keeping its name), e.g. to swap a layer."""
        names = list(self._modules)
        name = names[_abs_index(idx, len(names))]
        self.add_module(name, _check(module, name))

    def __delitem__(self, idx: int | slice) -> None:
        """Remove the module(s) at ``idx``; the rest are renamed ``"0"``, ``"1"``... (as
        PyTorch does, named layers included)."""
        items = list(self._modules.items())
        drop = (
            set(range(len(items))[idx]) if isinstance(idx, slice) else {_abs_index(idx, len(items))}
        )
        kept = [m for i, (_, m) in enumerate(items) if i not in drop]
        self._reset_modules([(str(i), m) for i, m in enumerate(kept)])

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]

    def __add__(self, other: Any) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(
                "add operator supports only objects of Sequential class, "
                f"but {type(other)} is given."
            )
        ret = Sequential()
        for layer in (*self, *other):
            ret.append(layer)
        return ret

    def __iadd__(self, other: Any) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(
                "add operator supports only objects of Sequential class, "
                f"but {type(other)} is given."
            )
        offset = len(self)
        for i, module in enumerate(list(other)):
            self.add_module(str(i + offset), module)
        return self

    def _times(self, other: Any) -> int:
        if not isinstance(other, int) or isinstance(other, bool):
            raise TypeError(f"unsupported operand type(s) for *: {type(self)} and {type(other)}")
        if other <= 0:
            raise ValueError(f"Non-positive multiplication factor {other} for {type(self)}")
        return other

    def __mul__(self, other: int) -> Sequential:
        """The same modules (not copies) ``other`` times over, as PyTorch's."""
        combined = Sequential()
        for _ in range(self._times(other)):
            for module in self:
                combined.append(module)
        return combined

    __rmul__ = __mul__

    def __imul__(self, other: int) -> Sequential:
        mods = list(self)
        for _ in range(self._times(other) - 1):
            for module in mods:
                self.append(module)
        return self

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self._modules)), _check(module, str(len(self._modules))))
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert ``module`` before position ``index`` (``-len <= index <= len``)."""
        _check(module, str(index))
        n = len(self._modules)
        if not -n <= operator.index(index) <= n:
            raise IndexError(f"Index out of range: {index}")
        index = index + n if index < 0 else index
        if list(self._modules) != [str(i) for i in range(n)]:
            raise KeyError(
                f"Sequential.insert: the layers must be named '0' to '{n - 1}' (PyTorch's insert "
                f"fails with a KeyError on other names), got {list(self._modules)}; rebuild "
                "it with Sequential(OrderedDict(...)) instead"
            )
        mods = list(self._modules.values())
        mods.insert(index, module)
        self._reset_modules([(str(i), m) for i, m in enumerate(mods)])
        return self

    def extend(self, sequential: Iterable[Module]) -> Sequential:
        for layer in sequential:
            self.append(layer)
        return self

    def pop(self, key: int | slice) -> Module:
        v = self[key]
        del self[key]
        return v


class ModuleList(Module):
    """A list of modules whose parameters are registered (``"0"``, ``"1"``...)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self += modules

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), _check(module, str(len(self._modules))))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        if not isinstance(modules, Iterable):
            raise TypeError(
                "ModuleList.extend should be called with an iterable, "
                f"but got {type(modules).__name__}"
            )
        for m in list(modules):
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index`` (``0 <= index <= len``)."""
        n = len(self._modules)
        if not 0 <= operator.index(index) <= n:
            raise IndexError(
                f"ModuleList.insert: index {index} is out of range for {n} modules "
                f"(0 to {n}; PyTorch's insert takes no negative index either)"
            )
        mods = list(self._modules.values())
        mods.insert(index, _check(module, str(index)))
        self._reset_modules([(str(i), m) for i, m in enumerate(mods)])

    def pop(self, key: int | slice) -> Any:
        v = self[key]
        del self[key]
        return v

    def __getitem__(self, idx: int | slice) -> Any:
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            return type(self)(mods[idx])
        return mods[_abs_index(idx, len(mods))]

    def __setitem__(self, idx: int, module: Module) -> None:
        name = str(_abs_index(idx, len(self)))
        self.add_module(name, _check(module, name))

    def __delitem__(self, idx: int | slice) -> None:
        """Remove the module(s) at ``idx``; the rest are renumbered, as PyTorch's."""
        mods = list(self._modules.values())
        drop = (
            set(range(len(mods))[idx]) if isinstance(idx, slice) else {_abs_index(idx, len(mods))}
        )
        kept = [m for i, m in enumerate(mods) if i not in drop]
        self._reset_modules([(str(i), m) for i, m in enumerate(kept)])

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        combined = ModuleList()
        for i, module in enumerate([*self, *other]):
            combined.add_module(str(i), module)
        return combined

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]

    def __repr__(self) -> str:
        """PyTorch's: runs of modules with the same repr are one line, ``(0-2): 3 x ...``."""
        reprs = [repr(m) for m in self]
        if not reprs:
            return type(self).__name__ + "()"
        runs: list[list[Any]] = []
        for i, r in enumerate(reprs):
            if runs and runs[-1][2] == r:
                runs[-1][1] = i
            else:
                runs.append([i, i, r])
        lines = []
        for a, b, r in runs:
            line = f"({a}): {r}" if a == b else f"({a}-{b}): {b - a + 1} x {r}"
            lines.append(_addindent(line, 2))
        return type(self).__name__ + "(\n  " + "\n  ".join(lines) + "\n)"


def _pairs(kind: str, items: Any, sort_plain_dicts: bool = False) -> list[tuple[Any, Any]]:
    """PyTorch's ``update`` argument: a mapping, or an iterable of key/value pairs."""
    if not isinstance(items, Iterable):
        raise TypeError(
            f"{kind}.update should be called with an iterable of key/value pairs, "
            f"but got {type(items).__name__}"
        )
    if isinstance(items, (OrderedDict, ModuleDict, ParameterDict)):
        return list(items.items())
    if isinstance(items, Mapping):
        # PyTorch's ParameterDict sorts a plain dict's keys (ModuleDict keeps its order)
        return sorted(items.items()) if sort_plain_dicts else list(items.items())
    out = []
    for j, p in enumerate(items):
        if not isinstance(p, Iterable):
            raise TypeError(
                f"{kind} update sequence element #{j} should be Iterable; is {type(p).__name__}"
            )
        p = tuple(p)
        if len(p) != 2:
            raise ValueError(
                f"{kind} update sequence element #{j} has length {len(p)}; 2 is required"
            )
        out.append(p)
    return out


class ModuleDict(Module):
    """A dict of modules whose parameters are registered under their keys (from a mapping or
    an iterable of ``(key, module)`` pairs, in their order)."""

    def __init__(self, modules: Any = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, _check(module, key))

    def __delitem__(self, key: str) -> None:
        del self._modules[key]
        self.__dict__.pop(key, None)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def keys(self) -> Any:
        return self._modules.keys()

    def values(self) -> Any:
        return self._modules.values()

    def items(self) -> Any:
        return self._modules.items()

    def update(self, modules: Any) -> None:
        for k, m in _pairs("ModuleDict", modules):
            self[k] = m

    def pop(self, key: str) -> Module:
        v = self[key]
        del self[key]
        return v

    def clear(self) -> None:
        self._reset_modules([])


class ParameterList(Module):
    """A list of parameters, registered as ``"0"``, ``"1"``... (PyTorch's ``nn.ParameterList``:
    a tensor that is not a :class:`~deepgrad.nn.Parameter` is wrapped in one).

    >>> import deepgrad as dg
    >>> ps = dg.nn.ParameterList([dg.nn.Parameter(dg.zeros(2)), dg.ones(3)])
    >>> [n for n, _ in ps.named_parameters()], len(ps)
    (['0', '1'], 2)
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self += values

    def append(self, value: Any) -> ParameterList:
        setattr(self, str(len(self._parameters)), _as_parameter(value, str(len(self))))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        if not isinstance(values, Iterable) or isinstance(values, Tensor):
            raise TypeError(
                "ParameterList.extend should be called with an iterable, "
                f"but got {type(values).__name__}"
            )
        for v in list(values):
            self.append(v)
        return self

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def __getitem__(self, idx: int | slice) -> Any:
        ps = list(self._parameters.values())
        if isinstance(idx, slice):
            return type(self)(ps[idx])
        return ps[_abs_index(idx, len(ps))]

    def __setitem__(self, idx: int, value: Any) -> None:
        name = str(_abs_index(idx, len(self)))
        setattr(self, name, _as_parameter(value, name))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._parameters.values())

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]

    def extra_repr(self) -> str:
        return "\n".join(
            f"  ({k}): Parameter containing: [{p.dtype} of size "
            f"{'x'.join(str(d) for d in p.shape)}{_device_note(p)}]"
            for k, p in enumerate(self)
        )


class ParameterDict(Module):
    """A dict of parameters registered under their keys (PyTorch's ``nn.ParameterDict``; as
    there, a plain ``dict`` is taken in sorted key order, an ``OrderedDict`` or a list of
    pairs in its own)."""

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Any:
        return self._parameters[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str) or not key or "." in key:
            raise KeyError(
                f"ParameterDict: a key must be a non-empty string without '.', got {key!r}"
            )
        setattr(self, key, _as_parameter(value, key))

    def __delitem__(self, key: str) -> None:
        del self._parameters[key]
        self.__dict__.pop(key, None)

    def __contains__(self, key: str) -> bool:
        return key in self._parameters

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def keys(self) -> Any:
        return self._parameters.keys()

    def values(self) -> Any:
        return self._parameters.values()

    def items(self) -> Any:
        return self._parameters.items()

    def get(self, key: str, default: Any = None) -> Any:
        return self._parameters.get(key, default)

    def update(self, parameters: Any) -> None:
        for k, v in _pairs("ParametersDict", parameters, sort_plain_dicts=True):
            self[k] = v

    def pop(self, key: str) -> Any:
        v = self[key]
        del self[key]
        return v

    def clear(self) -> None:
        for k in list(self._parameters):
            del self[k]

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def extra_repr(self) -> str:
        return "\n".join(
            f"  ({k}): Parameter containing: [{p.type()} of size "
            f"{'x'.join(str(d) for d in p.shape)}{_device_note(p)}]"
            for k, p in self.items()
        )


def _device_note(p: Any) -> str:
    dev = getattr(p, "device", None)
    return f" ({dev})" if dev is not None and getattr(dev, "type", "cpu") != "cpu" else ""


def _as_parameter(v: Any, name: str) -> Any:
    from .parameter import Parameter

    if isinstance(v, Parameter):
        return v
    if isinstance(v, Tensor):
        return Parameter(v._data)
    raise TypeError(f"container entry {name!r} is a {type(v).__name__}, not a Parameter or Tensor")


def _check(m: Any, name: str) -> Module:
    if not isinstance(m, Module):
        raise TypeError(f"container entry {name!r} is a {type(m).__name__}, not a Module")
    return m
