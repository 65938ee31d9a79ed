"""MkDocs hook: run every page's Python code when the site builds.

Each ```` ```python ```` block of a page runs, in order, in one namespace, in a fresh folder
(the page's working directory); what a block prints is shown under it on the built page, and
every PNG the page writes (``fig.savefig("curves.png")``) is published next to the page, so
``![...](curves.png)`` shows the figure the code just made. A block that raises fails the
build, naming the page, the block and the traceback: the pages' code runs as written.

A block fenced ```` ```{.python .no-run} ```` is shown but not run (code that needs MPI or a GPU).

Quick mode (``DEEPGRAD_DOCS_QUICK=1``, what the test suite uses): a page may list, in its
front matter, smaller values for its upper-case knobs::

    ---
    quick:
      EPOCHS: 2
      N_TRAIN: 300
    ---

and a line ``EPOCHS = 30`` of its code then runs as ``EPOCHS = 2`` (the page still shows 30;
the built page says it was built in quick mode).

Results are cached by page text, quick flag and the library's source (``.cache/docs-run``, or
``$DEEPGRAD_DOCS_CACHE``), so ``mkdocs serve`` reruns only what changed. With
``$DEEPGRAD_DOCS_REPORT`` set, a JSON of each page's outcome is written there (the tests read
it). This file is importable on its own (``run_page``) without MkDocs.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VERSION = "1"  # bump to invalidate every cached result

#: a fenced Python block at the start of a line (indented blocks, e.g. inside admonitions, too)
BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)```(?:python|py)(?P<info>[^\n`]*)\n(?P<code>.*?)^(?P=indent)```[ \t]*$",
    re.M | re.S,
)
FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def quick_mode() -> bool:
    return os.environ.get("DEEPGRAD_DOCS_QUICK", "") not in ("", "0", "false", "no")


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    m = FRONT.match(text)
    if not m:
        return {}, text
    import yaml

    return yaml.safe_load(m.group(1)) or {}, text[m.end() :]


def blocks(body: str) -> list[re.Match[str]]:
    """The page's executable blocks: ``python``/``py`` fences. A block written
    ```` ```{.python .no-run} ```` is shown, highlighted, and not run (it needs what the build
    machine has not: MPI, a GPU)."""
    return [m for m in BLOCK.finditer(body) if "no-run" not in m.group("info")]


def _dedent(code: str, indent: str) -> str:
    return "\n".join(
        line[len(indent) :] if line.startswith(indent) else line for line in code.split("\n")
    )


def _apply_quick(code: str, knobs: dict[str, Any]) -> str:
    for name, value in knobs.items():
        code = re.sub(rf"^{re.escape(name)} = .*$", f"{name} = {value!r}", code, flags=re.M)
    return code


def _source_stamp() -> str:
    h = hashlib.sha256()
    for p in sorted((ROOT / "src" / "deepgrad").rglob("*.py")):
        st = p.stat()
        h.update(f"{p}:{st.st_mtime_ns}:{st.st_size}".encode())
    return h.hexdigest()


class PageError(RuntimeError):
    """A page's block raised."""


def run_page(text: str, workdir: Path, *, quick: bool, name: str = "page") -> dict[str, Any]:
    """Run a page's blocks in ``workdir``; return ``{"outputs": [...], "figures": [...],
    "seconds": ..., "error": None or str}`` (outputs: what each block printed)."""
    meta, body = split_front_matter(text)
    knobs = (meta.get("quick") or {}) if quick else {}
    outputs: list[str] = []
    times: list[float] = []
    error = None
    namespace: dict[str, Any] = {"__name__": "__main__"}
    workdir.mkdir(parents=True, exist_ok=True)
    cwd = os.getcwd()
    os.environ.setdefault("MPLBACKEND", "Agg")
    import deepgrad as dg

    dtype = dg.get_default_dtype()
    dg.manual_seed(0)  # every page starts from the same state, as in a fresh session
    t0 = time.perf_counter()
    os.chdir(workdir)
    try:
        for i, m in enumerate(blocks(body), 1):
            code = _apply_quick(_dedent(m.group("code"), m.group("indent")), knobs)
            buf = io.StringIO()
            tb = time.process_time()
            try:
                compiled = compile(code, f"<{name} block {i}>", "exec")
                with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
                    exec(compiled, namespace)
            except BaseException:  # noqa: BLE001 - reported with the page and block
                error = (
                    f"{name}: block {i} (line {body[: m.start()].count(chr(10)) + 1} of the "
                    f"page body) raised:\n{traceback.format_exc()}\noutput so far:\n"
                    f"{buf.getvalue()[-2000:]}"
                )
                break
            finally:
                import matplotlib

                if "matplotlib.pyplot" in sys.modules:
                    matplotlib.pyplot.close("all")
            outputs.append(buf.getvalue())
            times.append(round(time.process_time() - tb, 2))
    finally:
        os.chdir(cwd)
        dg.set_default_dtype(dtype)
    figures = sorted(str(p.relative_to(workdir)) for p in workdir.rglob("*.png"))
    return {
        "outputs": outputs,
        "figures": figures,
        "seconds": round(time.perf_counter() - t0, 2),
        "cpu_seconds_per_block": times,
        "error": error,
        "quick": quick,
    }


def cache_dir() -> Path:
    return Path(os.environ.get("DEEPGRAD_DOCS_CACHE") or ROOT / ".cache" / "docs-run")


def run_cached(uri: str, text: str, *, quick: bool) -> tuple[dict[str, Any], Path]:
    """Run a page unless an identical run is cached; return its result and its folder."""
    key = hashlib.sha256(
        "\0".join([VERSION, uri, text, str(quick), _source_stamp()]).encode()
    ).hexdigest()[:20]
    folder = cache_dir() / key
    result_file = folder / "result.json"
    if result_file.is_file():
        return json.loads(result_file.read_text()), folder / "work"
    cache_dir().mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="run-", dir=cache_dir()))
    result = run_page(text, tmp / "work", quick=quick, name=uri)
    if result["error"] is None:
        (tmp / "result.json").write_text(json.dumps(result))
        try:
            tmp.rename(folder)
        except OSError:  # another process cached it first
            shutil.rmtree(tmp, ignore_errors=True)
        return result, folder / "work"
    return result, tmp / "work"


# ---- the MkDocs side -----------------------------------------------------------------------
_RESULTS: dict[str, dict[str, Any]] = {}


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.exceptions import PluginError
    from mkdocs.structure.files import File

    quick = quick_mode()
    _RESULTS.clear()
    report: dict[str, Any] = {}
    failures = []
    for f in list(files.documentation_pages()):
        if f.abs_src_path is None:
            continue
        text = Path(f.abs_src_path).read_text(encoding="utf-8")
        if not blocks(split_front_matter(text)[1]):
            continue
        result, work = run_cached(f.src_uri, text, quick=quick)
        _RESULTS[f.src_uri] = result
        report[f.src_uri] = {k: result[k] for k in ("seconds", "error", "figures", "quick")}
        report[f.src_uri]["blocks"] = len(result["outputs"])
        if result["error"]:
            failures.append(result["error"])
            continue
        page_dir = os.path.dirname(f.src_uri)
        for fig in result["figures"]:
            uri = f"{page_dir}/{fig}" if page_dir else fig
            old = files.get_file_from_path(uri)
            if old is not None:
                files.remove(old)
            files.append(File.generated(config, uri, abs_src_path=str(work / fig)))
    out = os.environ.get("DEEPGRAD_DOCS_REPORT")
    if out:
        Path(out).write_text(json.dumps(report, indent=1))
    if failures:
        raise PluginError("a page's code failed:\n\n" + "\n\n".join(failures))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    result = _RESULTS.get(page.file.src_uri)
    if not result:
        return markdown
    pieces = []
    last = 0
    for m, output in zip(blocks(markdown), result["outputs"]):
        pieces.append(markdown[last : m.end()])
        last = m.end()
        text = output.rstrip()
        if text:
            indent = m.group("indent")
            shown = "\n".join(indent + line for line in text.split("\n"))
            pieces.append(f'\n\n{indent}```text title="Output"\n{shown}\n{indent}```')
    pieces.append(markdown[last:])
    note = ""
    if result.get("quick"):
        note = (
            '!!! note "Built in quick mode"\n    This copy of the page was built with '
            "`DEEPGRAD_DOCS_QUICK=1` (fewer epochs, less data), so its printed numbers and "
            "figures are rougher than the ones the code gives as written.\n\n"
        )
    text = "".join(pieces)
    if note:  # after the page's title
        m = re.search(r"^# .*$", text, flags=re.M)
        at = m.end() + 1 if m else 0
        text = text[:at] + "\n" + note + text[at:]
    return text


if __name__ == "__main__":  # python docs/hooks/run_pages.py docs/tutorials/x.md [--quick]
    import argparse

    parser = argparse.ArgumentParser(description="Run one page's code as the build does.")
    parser.add_argument("pages", nargs="+")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=None, help="working folder (default: a temporary one)")
    args = parser.parse_args()
    status = 0
    for page in args.pages:
        work = Path(args.out or tempfile.mkdtemp(prefix="docs-page-"))
        res = run_page(Path(page).read_text(encoding="utf-8"), work, quick=args.quick, name=page)
        for i, out in enumerate(res["outputs"], 1):
            print(f"--- {page} block {i}\n{out}", end="")
        print(
            f"--- {page}: {res['seconds']} s (CPU per block {res['cpu_seconds_per_block']}), figures {res['figures']} in {work}"
        )
        if res["error"]:
            print(res["error"])
            status = 1
    sys.exit(status)
