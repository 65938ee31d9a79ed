"""No function in src/ runs over 120 lines of code (its docstring aside): a function that long
does several jobs, and each job deserves a name (issue 14)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "deepgrad"
LIMIT = 120


def _code_lines(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if not body:
        return 0
    return body[-1].end_lineno - body[0].lineno + 1


def test_no_function_is_longer_than_the_limit():
    long = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = _code_lines(node)
                if n > LIMIT:
                    long.append(f"{path.relative_to(SRC.parent)}:{node.lineno} {node.name}: {n}")
    assert not long, f"functions over {LIMIT} lines of code:\n" + "\n".join(long)
