"""MkDocs hook: the Reference section, generated when the site builds.

- ``reference/<module>.md`` for every public module: one mkdocstrings directive per public
  name (``__all__``, else the module's non-underscore attributes), grouped into classes,
  functions and constants, always by its PUBLIC import path (``deepgrad.nn.Linear``), so
  moving a private file changes nothing here. A name exported by several modules (``dg.relu``
  is ``dg.functional.relu``) is rendered once, at its home page, and linked from the others.
- ``reference/cli.md`` from the argparse parsers' ``--help`` (``deepgrad``, each subcommand).
- ``reference/benchmarks.md`` includes ``benchmarks/RESULTS.md``, ``FASHION_MNIST.md`` and
  ``DISTRIBUTED.md``.
- ``reference/recipes.md`` from the recipe schema's own Markdown renderer.

Nothing here is hand-maintained: a new public name appears on the next build.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import re
import types
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]

#: (page, public module path, one-line description); the order decides an object's home page
MODULES: list[tuple[str, str, str]] = [
    ("nn", "deepgrad.nn", "Modules (layers), parameters, containers and losses, PyTorch's names."),
    ("nn.init", "deepgrad.nn.init", "Weight initializers, PyTorch's `torch.nn.init` names."),
    ("functional", "deepgrad.functional", "Differentiable functions on tensors (`F`)."),
    ("optim", "deepgrad.optim", "Optimizers, learning-rate schedules and gradient clipping."),
    (
        "data",
        "deepgrad.data",
        "Datasets, loaders, preprocessing, augmentation, splits (NumPy only).",
    ),
    ("metrics", "deepgrad.metrics", "Streaming metrics and plain metric functions."),
    ("train", "deepgrad.train", "The Keras-style training API, `History`, estimators."),
    (
        "callbacks",
        "deepgrad.callbacks",
        "Callbacks for `fit`: early stopping, checkpoints, logging.",
    ),
    ("io", "deepgrad.io", "Saving and loading models and weights; ONNX export."),
    (
        "serialization",
        "deepgrad.serialization",
        "`torch.serialization`: `save`, `load` and the allowlist of globals a checkpoint may name.",
    ),
    ("integrations", "deepgrad.integrations", "scikit-learn estimators around deepgrad models."),
    ("distributed", "deepgrad.distributed", "Data-parallel training on MPI; distributed search."),
    (
        "distributions",
        "deepgrad.distributions",
        "Probability distributions, PyTorch's `torch.distributions`: sample, rsample, log_prob, "
        "kl_divergence.",
    ),
    ("special", "deepgrad.special", "PyTorch's `torch.special` names."),
    ("fft", "deepgrad.fft", "Discrete Fourier transforms with gradients (`torch.fft`)."),
    (
        "autograd.functional",
        "deepgrad.autograd.functional",
        "Jacobians, Hessians and vector products (`torch.autograd.functional`).",
    ),
    (
        "autograd.forward_ad",
        "deepgrad.autograd.forward_ad",
        "Dual tensors and Jacobian-vector products (`torch.autograd.forward_ad`).",
    ),
    ("func", "deepgrad.func", "`functional_call`, `grad`, `grad_and_value` (`torch.func`)."),
    (
        "profiler",
        "deepgrad.profiler",
        "`profile`, `record_function`, `schedule`: where the time goes (`torch.profiler`).",
    ),
    (
        "utils.benchmark",
        "deepgrad.utils.benchmark",
        "`Timer`, `Measurement`, `Compare` (`torch.utils.benchmark`).",
    ),
    ("testing", "deepgrad.testing", "`assert_close` and `make_tensor` (`torch.testing`)."),
    ("utils.checkpoint", "deepgrad.utils.checkpoint", "`checkpoint`, `checkpoint_sequential`."),
    ("jit", "deepgrad.jit", "`script` and `trace`: the module or function itself."),
    ("kernels", "deepgrad.kernels", "The optional compiled kernels (numba)."),
    ("models", "deepgrad.models", "The model zoo."),
    ("viz", "deepgrad.viz", "Plots and the computation graph as DOT."),
    ("lab", "deepgrad.lab", "The guides' experiments, their claims and the HTML report."),
    ("deepgrad", "deepgrad", "The top level: `Tensor`, creation functions, autograd, seeding."),
]


def _import(path: str) -> types.ModuleType:
    import importlib

    return importlib.import_module(path)


def public_names(mod: types.ModuleType) -> list[str]:
    """The module's public names: ``__all__`` where it has one, else its non-underscore,
    non-module attributes (submodules are private files unless listed in MODULES)."""
    names = getattr(mod, "__all__", None)
    if names is None:  # what the module (or, for a package, its files) defines, not imports
        home = mod.__name__
        inside = home + "." if hasattr(mod, "__path__") and home != "deepgrad" else home
        names = [
            n
            for n in dir(mod)
            if not n.startswith("_")
            and not isinstance(getattr(mod, n), types.ModuleType)
            and (
                not (inspect.isclass(getattr(mod, n)) or inspect.isfunction(getattr(mod, n)))
                or str(getattr(getattr(mod, n), "__module__", "")).startswith(inside)
                or str(getattr(getattr(mod, n), "__module__", "")) == home
            )
        ]
    return sorted(n for n in names if not isinstance(getattr(mod, n, None), types.ModuleType))


def _kind(obj: Any) -> str:
    if inspect.isclass(obj):
        return "Classes"
    if callable(obj):
        return "Functions"
    return "Constants"


def _documentable(obj: Any) -> bool:
    """deepgrad's own objects; NumPy's dtypes re-exported at the top level are not."""
    mod = getattr(obj, "__module__", None)
    if type(obj).__module__ in ("__future__", "typing", "types"):
        return False
    if inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return bool(mod and mod.startswith("deepgrad"))
    return True


_GRIFFE: dict[str, Any] = {}


def _defining_path(path: str, name: str, obj: Any) -> str:
    """Where a lazily exported object is defined (a module below ``path``)."""
    import sys

    if inspect.isclass(obj) or inspect.isfunction(obj):
        return f"{obj.__module__}.{obj.__qualname__}"
    for mod_name, module in sorted(sys.modules.items()):
        if mod_name.startswith(path + ".") and vars(module).get(name) is obj:
            return f"{mod_name}.{name}"
    return f"{path}.{name}"


def static_names(path: str) -> set[str]:
    """The names mkdocstrings can see in a module without running it (what its source
    defines or imports); names a module hands out lazily through ``__getattr__`` are not."""
    import griffe

    if "pkg" not in _GRIFFE:
        _GRIFFE["pkg"] = griffe.load(
            "deepgrad", search_paths=[str(ROOT / "src")], resolve_aliases=False
        )
    pkg = _GRIFFE["pkg"]
    try:
        obj = pkg if path == "deepgrad" else pkg[path.removeprefix("deepgrad.")]
        return set(obj.members)
    except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return set()


def build_plan() -> dict[str, list[tuple[str, str, str | None]]]:
    """page → [(name, identifier, home page or None when rendered here)], grouped later."""
    homes: dict[int, tuple[str, str]] = {}  # id(obj) -> (page, identifier)
    plan: dict[str, list[tuple[str, str, str | None]]] = {}
    for page, path, _ in MODULES:
        mod = _import(path)
        rows = []
        for name in public_names(mod):
            obj = getattr(mod, name)
            if not _documentable(obj):
                if str(getattr(obj, "__module__", "")).startswith("numpy"):
                    rows.append((name, f"numpy.{name}", "numpy"))
                continue  # typing names, __future__ features: not deepgrad's
            key = id(obj)
            hashable_obj = inspect.isclass(obj) or callable(obj)
            if hashable_obj and key in homes:
                home_page, ident = homes[key]
                rows.append((name, ident, home_page))
                continue
            if name in static_names(path):
                ident = f"{path}.{name}"
            else:  # exported lazily (module __getattr__): griffe needs the defining module
                ident = _defining_path(path, name, obj)
            if hashable_obj:
                homes[key] = (page, ident)
            rows.append((name, ident, None))
        plan[page] = rows
    return plan


def module_page(page: str, path: str, desc: str, rows: list[tuple[str, str, str | None]]) -> str:
    mod = _import(path)
    doc = inspect.getdoc(mod) or ""
    first = doc.split("\n\n")[0].replace("\n", " ")
    out = [f"# `{path}`", "", desc, "", first, ""]
    here = [(n, i) for n, i, home in rows if home is None]
    elsewhere = [(n, i, h) for n, i, h in rows if h is not None]
    groups: dict[str, list[tuple[str, str]]] = {"Classes": [], "Functions": [], "Constants": []}
    for name, ident in here:
        groups[_kind(getattr(mod, name))].append((name, ident))
    summary = ", ".join(f"[`{n}`](#{i})" for n, i in here)
    if summary:
        out += [f"**{len(here)} names:** {summary}", ""]
    for title, items in groups.items():
        if not items:
            continue
        out += [f"## {title}", ""]
        for _name, ident in items:
            out += [f"::: {ident}", ""]
    if elsewhere:
        out += ["## Also exported here", "", "| name | documented at |", "|---|---|"]
        for name, ident, home in elsewhere:
            if home == "numpy":
                out.append(f"| `{path}.{name}` | NumPy's `{name}` (a dtype) |")
            else:
                out.append(f"| `{path}.{name}` | [`{ident}`]({home}.md#{ident}) |")
        out.append("")
    return "\n".join(out)


def _help(argv: list[str]) -> str:
    from deepgrad import cli

    if argv[0] == "bench":  # the suite runs in its own process (python -m benchmarks)
        import subprocess
        import sys

        env = dict(os.environ, COLUMNS="96", PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}{ROOT}")
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks", *argv[1:]],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return proc.stdout.rstrip()

    buf = io.StringIO()
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "96"
    try:
        with contextlib.redirect_stdout(buf), contextlib.suppress(SystemExit):
            cli.main(argv)
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old
    return buf.getvalue().rstrip()


def cli_page() -> str:
    top = _help(["--help"])
    m = re.search(r"\{([a-z,]+)\}", top)
    commands = m.group(1).split(",") if m else []
    out = [
        "# Command line: `deepgrad`",
        "",
        "Generated from the parsers' own `--help` when the site builds, so it is always the "
        "installed version's. `python -m deepgrad.cli` is the same program.",
        "",
        "```text",
        top,
        "```",
        "",
    ]
    for cmd in commands:
        out += [f"## `deepgrad {cmd}`", "", "```text", _help([cmd, "--help"]), "```", ""]
    return "\n".join(out)


def benchmarks_page() -> str:
    parts = ["# Benchmarks", ""]
    parts.append(
        "Speed side by side with PyTorch 2.13 on the same machine, in one run "
        "(`python -m benchmarks`), and the real-data Fashion-MNIST runs "
        "(`python benchmarks/fashion_mnist.py`). The tables below are the files "
        "`benchmarks/RESULTS.md`, `benchmarks/FASHION_MNIST.md` and "
        "`benchmarks/DISTRIBUTED.md` as committed."
    )
    for name in ("RESULTS.md", "FASHION_MNIST.md", "DISTRIBUTED.md"):
        path = ROOT / "benchmarks" / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"^(#+) ", r"#\1 ", text, flags=re.M)  # one level down
        # relative links inside those files point into the repository, not the site
        text = re.sub(r"\]\((?!https?:|#)([^)]+)\)", r"](#)", text)
        anchor = name.removesuffix(".md").lower().replace("_", "-")
        parts += ["", f'<a id="{anchor}"></a>', "", text]
    return "\n".join(parts)


def recipes_page() -> str:
    """The recipe format, rendered from the one declared schema that ``deepgrad train``
    checks every recipe against (the same text as ``deepgrad train --help-recipe``)."""
    from deepgrad.app import recipe_schema

    text = recipe_schema.markdown()
    intro = (
        "`deepgrad train RECIPE` carries out what a recipe describes; the "
        "[how-to](../how-to/recipes.md) walks through one. This page is generated from the "
        "schema that checks every recipe, so it lists exactly the keys `deepgrad train` "
        "accepts.\n\n"
        "A run writes into its output folder (`--out`, default `runs/<name>`): `model.dg` "
        "(architecture, weights, optimizer state), `history.csv`/`history.json`, "
        "`metrics.json` (test set), `training_curves.png`, for classification the confusion "
        "matrix and the evaluation files, and `recipe.json` (the recipe, for `evaluate` "
        "and `predict`).\n\n"
    )
    head, _, rest = text.partition("\n\n")  # after the title
    return head.replace("# Recipe reference", "# Recipe format") + "\n\n" + intro + rest


def generated_pages() -> dict[str, str]:
    plan = build_plan()
    pages = {
        f"reference/{page}.md": module_page(page, path, desc, plan[page])
        for page, path, desc in MODULES
    }
    pages["reference/cli.md"] = cli_page()
    pages["reference/benchmarks.md"] = benchmarks_page()
    pages["reference/recipes.md"] = recipes_page()
    return pages


def on_files(files: Files, config: Any) -> Files:
    for uri, content in generated_pages().items():
        old = files.get_file_from_path(uri)
        if old is not None:
            files.remove(old)
        files.append(File.generated(config, uri, content=content))
    return files
