"""The README's Python examples run as written and print what their comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.numpy_only("the README's examples print CPU tensors")
def test_readme_python_blocks_run_and_print_what_they_claim():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has no python example"
    for code in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(README), "exec"), {"__name__": "readme"})  # noqa: S102
        printed = out.getvalue().splitlines()
        # `print(...)   # what it prints` — the comment is the printed line
        claims = [
            line.split("#", 1)[1].strip()
            for line in code.splitlines()
            if line.lstrip().startswith("print(") and "#" in line
        ]
        assert len(printed) == len(claims)
        for line, claim in zip(printed, claims):
            assert line.split() == claim.split(), (line, claim)
