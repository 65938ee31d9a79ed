"""How much a recipe may make deepgrad allocate, checked before the work starts.

A recipe is a small text file, but its numbers decide allocations: ``[model] layers =
[{type = "Linear", in_features = 100000, out_features = 100000}]`` asks for 10^10 floats, and
``[data] n_samples = 10000000000`` for a generated set of that size. Both are refused before
anything is allocated, naming what asked, how much, the limit and how to raise it:

- the model's parameters and buffers: at most :data:`MAX_PARAMETERS` elements (environment
  variable ``DEEPGRAD_MAX_PARAMETERS``). The model is built under an allocation budget
  (:func:`deepgrad.io.allocation_budget`), which refuses the first array that would pass the
  limit *before* it is allocated, so every layer type and zoo model is counted as it really
  builds — no table of formulas to fall behind. Lazy layers (``Linear(None, n)``) get their
  weights from the first batch and are not counted here;
- a generated data set (``moons``, ``circles``, ``spirals``, ``house_prices``, ``shapes``): at
  most :data:`MAX_DATA_ELEMENTS` array elements in its train and test arrays (environment
  variable ``DEEPGRAD_MAX_DATA_ELEMENTS``). Data read from files (CSV, IDX, the bundled sets) is
  bounded by the files themselves, and batches by the data.

>>> check_data_size({"name": "moons", "n_samples": 500})
>>> try:
...     check_data_size({"name": "moons", "n_samples": 10**10})
... except RecipeError as e:
...     print(str(e)[:72])
data: the moons set of n_samples = 10000000000 would hold 30,000,000,000
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Callable
from typing import Any

from .recipe_schema import RecipeError
from .recipe_tasks import shapes_value

__all__ = ["MAX_DATA_ELEMENTS", "MAX_PARAMETERS", "build_within_limit", "check_data_size"]

#: most parameter and buffer elements a recipe's model may hold (400 MB as float32; training
#: with Adam keeps about four times that); ``DEEPGRAD_MAX_PARAMETERS`` raises it
MAX_PARAMETERS = 100_000_000
#: most elements of a generated data set's arrays; ``DEEPGRAD_MAX_DATA_ELEMENTS`` raises it
MAX_DATA_ELEMENTS = 2**28

_PARAMETERS_VAR = "DEEPGRAD_MAX_PARAMETERS"
_DATA_VAR = "DEEPGRAD_MAX_DATA_ELEMENTS"


def limit(var: str, default: int) -> int:
    """The limit that environment variable ``var`` sets (a positive integer), else ``default``."""
    text = os.environ.get(var)
    if text is None or not text.strip():
        return default
    try:
        value = int(text.strip().replace("_", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise RecipeError(
            f"the environment variable {var} must be a positive whole number of elements, got "
            f"{text!r:.40}; unset it for the default {default:,}"
        )
    return value


def _refusal(limit_: int) -> Callable[..., str]:
    def say(layer: str, shape: tuple, n: int, used: int, _total: int) -> str:
        return (
            f"{layer if layer.startswith('model') else 'model: ' + layer} asks for an array of shape {shape} ({n:,} elements), which would bring the "
            f"model to {used + n:,} parameter and buffer elements; a recipe's model may hold at "
            f"most {limit_:,}. Make the layer smaller, or, if the machine has the memory, raise "
            f"the limit with the environment variable {_PARAMETERS_VAR} (e.g. "
            f"{_PARAMETERS_VAR}={max(2 * (used + n), limit_)})"
        )

    return say


def build_within_limit(build: Callable[[], Any]) -> Any:
    """``build()`` (which builds a recipe's model) with every array it allocates counted against
    the parameter limit; :class:`RecipeError` before the array that would pass it is allocated.
    Name the layer being built with :func:`deepgrad.io.budget.building`."""
    from ..io.budget import AllocationRefused, allocation_budget

    cap = limit(_PARAMETERS_VAR, MAX_PARAMETERS)
    try:
        with allocation_budget(cap, "recipe", calls=cap, refusal=_refusal(cap)):
            return build()
    except AllocationRefused as e:
        raise RecipeError(str(e)) from None


def _data_elements(spec: dict[str, Any]) -> tuple[int, str] | None:
    """Elements of the arrays a generated set's ``[data]`` section asks for, and the keys."""
    name = spec.get("name")
    if name in ("moons", "circles", "spirals", "house_prices"):
        from ..data import HOUSE_PRICES_FEATURES

        n = int(spec.get("n_samples", 1000 if name == "house_prices" else 500))
        width = len(HOUSE_PRICES_FEATURES) if name == "house_prices" else 2
        return n * (width + 1), f"n_samples = {n}"
    if name == "shapes" and spec.get("task") in ("segmentation", "detection"):
        n = min(shapes_value(spec, "n_samples"), spec.get("subset", 2**63))
        n += min(shapes_value(spec, "test_samples"), spec.get("test_subset", 2**63))
        size = shapes_value(spec, "size")
        per = size * size * (2 if spec["task"] == "segmentation" else 1) + 8 * (size // 4) ** 2
        return n * per, f"n_samples + test_samples = {n} images of size = {size}"
    return None


def check_data_size(spec: dict[str, Any]) -> None:
    """Refuse (:class:`RecipeError`) a generated data set larger than the data limit."""
    asked = _data_elements(spec)
    if asked is None:
        return
    n, keys = asked
    cap = limit(_DATA_VAR, MAX_DATA_ELEMENTS)
    if n > cap:
        raise RecipeError(
            f"data: the {spec['name']} set of {keys} would hold {n:,} array elements; a "
            f"recipe's generated data may hold at most {cap:,}. Ask for fewer samples, or, if "
            f"the machine has the memory, raise the limit with the environment variable "
            f"{_DATA_VAR} (e.g. {_DATA_VAR}={2 * n})"
        )


#: most activation elements the recipe's first training batch may produce (the layers' outputs
#: summed, kept for backward; 1 GiB as float32); ``DEEPGRAD_MAX_ACTIVATIONS`` raises it
MAX_ACTIVATIONS = 2**28

_ACTIVATIONS_VAR = "DEEPGRAD_MAX_ACTIVATIONS"


def _numel_of(out: Any) -> int:
    if isinstance(out, (tuple, list)):
        return sum(_numel_of(o) for o in out)
    shape = getattr(out, "shape", None)
    return math.prod(shape) if isinstance(shape, tuple) else 0


class _ActivationCount:
    """Forward hooks on a model's leaf layers: add up their outputs for one sample, scaled by
    the batch size, and refuse at the first layer that brings the sum past ``cap``; name the
    layer being run for the parameter budget's refusal of a lazy layer's weights."""

    def __init__(self, budget: Any, batch_size: int, cap: int, first: int) -> None:
        self.budget, self.batch_size, self.cap, self.per_sample = budget, batch_size, cap, first

    def before(self, name: str) -> Callable[..., None]:
        def hook(module: Any, args: Any) -> None:
            self.budget.layer.append(name)

        return hook

    def after(self, name: str) -> Callable[..., None]:
        def hook(module: Any, args: Any, out: Any) -> None:
            self.budget.layer.pop()
            self.per_sample += _numel_of(out)
            total = self.per_sample * self.batch_size
            if total > self.cap:
                fits = max(self.cap // self.per_sample, 0)
                first = out[0] if isinstance(out, (tuple, list)) and out else out
                raise RecipeError(
                    f"{name}'s output (shape {tuple(getattr(first, 'shape', ()))[1:]} a sample) "
                    f"brings the activations of a batch of batch_size = {self.batch_size} to "
                    f"{total:,} elements; a recipe's first batch may produce at most "
                    f"{self.cap:,}. Use batch_size = {fits} or less, make the layer smaller, "
                    f"or, if the machine has the memory, raise the limit with the environment "
                    f"variable {_ACTIVATIONS_VAR} (e.g. {_ACTIVATIONS_VAR}={2 * total})"
                )

        return hook


def _layer_names(model: Any, zoo: bool) -> list[tuple[str, Any]]:
    """The model's leaf layers, named as the recipe names them."""
    leaves = []
    for name, m in model.named_modules():
        if name and next(iter(m.children()), None) is None:
            where = f"model.layers[{name}]" if not zoo and name.isdigit() else f"model: {name}"
            leaves.append((f"{where} ({type(m).__name__})", m))
    return leaves


def check_first_batch(model: Any, sample: Any, batch_size: int, zoo: bool = False) -> None:
    """Run ``model`` once (eval mode, no graph) on ``sample`` (a batch of one): lazy layers get
    their weights within the parameter limit, and the layers' outputs scaled by ``batch_size``
    must stay within :data:`MAX_ACTIVATIONS`; :class:`RecipeError` otherwise, before the
    layer's weights or the batch's activations are allocated (a model with lazy layers is run
    as a copy: ``fit`` builds its own). A model the sample does not fit is left to ``fit``,
    which names the mismatch."""
    from ..autograd import no_grad
    from ..io.budget import AllocationRefused, allocation_budget
    from ..tensor import Tensor

    cap = limit(_PARAMETERS_VAR, MAX_PARAMETERS)
    from ..nn.parameter import is_lazy

    held = sum(int(t.numel()) for t in (*model.parameters(), *model.buffers()) if not is_lazy(t))
    act_cap = limit(_ACTIVATIONS_VAR, MAX_ACTIVATIONS)
    if any(is_lazy(p) for p in model.parameters()):
        model = copy.deepcopy(model)  # lazy layers: fit builds them, drawing as it always did
    modes = [(m, m.training) for m in model.modules()]
    handles = []
    try:
        with allocation_budget(cap, "recipe", calls=cap, refusal=_refusal(cap)) as budget:
            budget.left -= held
            count = _ActivationCount(budget, batch_size, act_cap, int(sample[:1].size))
            for name, m in _layer_names(model, zoo):
                handles.append(m.register_forward_pre_hook(count.before(name)))
                handles.append(m.register_forward_hook(count.after(name)))
            model.eval()
            with no_grad():
                model(Tensor._wrap(sample[:1]))
    except AllocationRefused as e:
        raise RecipeError(str(e)) from None
    except (ValueError, TypeError, RuntimeError, IndexError) as e:
        if isinstance(e, RecipeError):
            raise
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes:
            m.__dict__["training"] = mode
