"""The house's layering, read from the source: every import (lazy ones included) points down.

Floors, bottom to top (docs/architecture.md explains each):

    backend   the array module (NumPy/CuPy), dtypes, the random-number tree
    engine    tensor.py, autograd.py, gradcheck.py, devices.py, random.py
    functional  differentiable functions
    nn, optim, utils, linalg      layers, optimizers, PyTorch's data adapter, torch.linalg's names;
    distributions                 torch.distributions (sample/rsample, log_prob, kl_divergence);
                                  PyTorch's small namespaces (testing, special, func,
                                  fft, autograd.functional)
    train, io, models             the loop and callbacks; saving, loading, ONNX; the model zoo
                                  (which loads pretrained weights through io)
    viz, lab, integrations        plots; the guides' experiments; scikit-learn, MPI, search
    app                           the command line and recipes (imported by nothing)

Beside them, ``data`` and ``metrics`` are NumPy-only: they import no floor (a backend-installed
seed hook aside) and any floor may import them. One declared seam crosses a floor upward:
``nn/keras.py``, the mixin that gives ``Module`` Keras's ``compile``/``fit``/``save``/... by
delegating to ``train`` and ``io`` when called.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "deepgrad"

FLOORS: list[set[str]] = [
    {"backend", "_torch_rng", "_errors", "_names", "_choices", "_absent", "compiler", "jit", "kernels", "cuda_kernels",
     "printing", "threads", "_blas_env", "version", "multiprocessing"},
    {"tensor", "autograd", "gradcheck", "devices", "random", "shared_memory", "storage"},
    {"functional"},
    {"nn", "optim", "utils", "cuda", "cpu", "accelerator", "amp", "backends", "linalg", "distributions",
     "testing", "special", "autograd_functional", "func", "fft", "profiler",
     "autograd_profiler", "autograd_forward_ad", "autograd_graph", "autograd_function"},
    {"train", "io", "models", "onnx", "serialization", "hub"},
    {"viz", "lab", "integrations", "distributed"},
    {"app", "cli", "__main__"},
]  # fmt: skip
SIDE = {"data", "metrics"}  # NumPy-only: import no floor, importable from every floor
#: the one declared seam: (importing module, imported floor)
SEAMS = {("deepgrad.nn.keras", "train"), ("deepgrad.nn.keras", "io")}


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every deepgrad import in ``path``, lazy ones included;
    ``from x import name`` also yields ``x.name`` (which may be a submodule), and a module that
    calls ``importlib.import_module`` has every ``"deepgrad..."`` string read as an import."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "deepgrad":
                continue
            if node.module:
                out.append((node.lineno, target))
            out += [(node.lineno, f"{target}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("deepgrad")]
    if "import_module" in path.read_text():  # modules named in strings count too
        out += [
            (node.lineno, node.value)
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith("deepgrad.")
            and " " not in node.value
        ]
    return out


def _floor(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _level(floor: str) -> int | None:
    for i, names in enumerate(FLOORS):
        if floor in names:
            return i
    return None


def _files() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_every_subpackage_and_module_has_a_declared_floor():
    tops = {p.relative_to(SRC).parts[0].removesuffix(".py") for p in _files()}
    tops.discard("__init__")
    unknown = sorted(t for t in tops if _level(t) is None and t not in SIDE)
    assert not unknown, f"declare the floor of {unknown} in this test and docs/architecture.md"


def _violations() -> list[str]:
    bad = []
    for path in _files():
        me = _module_name(path)
        here = _floor(me)
        if here is None:  # the package root re-exports the public API
            continue
        for line, target in _imports(path):
            there = _floor(target)
            if there is None or there == here or (me, there) in SEAMS:
                continue
            if _level(there) is None and there not in SIDE:
                continue  # a name defined in the package root (``__version__``)
            where = f"{path.relative_to(SRC.parent)}:{line} imports {target}"
            if here in SIDE:
                bad.append(f"{where}: {here}/ is NumPy-only and imports no other floor")
            elif there in SIDE:
                continue
            elif _level(there) > _level(here):
                bad.append(f"{where}: {there} is above {here}")
    return bad


def test_imports_point_down():
    bad = _violations()
    assert not bad, "imports against the layering:\n" + "\n".join(bad)


def test_nothing_imports_the_app_layer():
    """Only the package root names it: ``dg.cli`` on first use, and the deprecated aliases of
    names that moved up (``deepgrad.train.recipe`` -> ``deepgrad.app.recipe``)."""
    users = [
        f"{p.relative_to(SRC.parent)}:{line}"
        for p in _files()
        if _floor(_module_name(p)) not in {None, "app", "cli", "__main__"}
        for line, t in _imports(p)
        if _floor(t) in {"app", "cli"}
    ]
    assert not users, f"the app layer is imported by {users}"
