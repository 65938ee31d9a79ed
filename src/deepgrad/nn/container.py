"""Containers: ``Sequential``, ``ModuleList``, ``ModuleDict``."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

from .module import Module


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
        return list(self._modules.values())[idx]

    def __setitem__(self, idx: int, module: Module) -> None:
        """Replace the ``idx``-th module (keeping its name), e.g. to swap a layer."""
        names = list(self._modules)
        self.add_module(names[idx], _check(module, names[idx]))

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self._modules)), _check(module, str(len(self._modules))))
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered (``"0"``, ``"1"``...)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        for m in modules or ():
            self.append(m)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), _check(module, str(len(self._modules))))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for m in modules:
            self.append(m)
        return self

    def __getitem__(self, idx: int | slice) -> Any:
        mods = list(self._modules.values())
        return ModuleList(mods[idx]) if isinstance(idx, slice) else mods[idx]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


class ModuleDict(Module):
    """A dict of modules whose parameters are registered under their keys."""

    def __init__(self, modules: dict[str, Module] | None = None) -> None:
        super().__init__()
        for k, m in (modules or {}).items():
            self[k] = m

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, _check(module, key))

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
        for v in values or ():
            self.append(v)

    def append(self, value: Any) -> ParameterList:
        setattr(self, str(len(self._parameters)), _as_parameter(value, str(len(self))))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        for v in values:
            self.append(v)
        return self

    def __getitem__(self, idx: int | slice) -> Any:
        ps = list(self._parameters.values())
        return ParameterList(ps[idx]) if isinstance(idx, slice) else ps[idx]

    def __setitem__(self, idx: int, value: Any) -> None:
        name = str(range(len(self))[idx])
        setattr(self, name, _as_parameter(value, name))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._parameters.values())


class ParameterDict(Module):
    """A dict of parameters registered under their keys (PyTorch's ``nn.ParameterDict``)."""

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        items = parameters.items() if hasattr(parameters, "items") else (parameters or ())
        for k, v in items:
            self[k] = v

    def __getitem__(self, key: str) -> Any:
        return self._parameters[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str) or not key or "." in key:
            raise KeyError(
                f"ParameterDict: a key must be a non-empty string without '.', got {key!r}"
            )
        setattr(self, key, _as_parameter(value, key))

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


def _as_parameter(v: Any, name: str) -> Any:
    from ..tensor import Tensor
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
