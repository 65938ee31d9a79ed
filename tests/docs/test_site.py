"""The documentation: every Python block of every page in docs/ runs, in order, as the reader
would run it; ``mkdocs build --strict`` passes; the site needs nothing from the internet; the
reference has every public name."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


def load_hook(name: str):
    """A hook of docs/hooks/ as a module (they are plain files, not a package)."""
    spec = importlib.util.spec_from_file_location(f"_docs_{name}", DOCS / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run_pages = load_hook("run_pages")
reference = load_hook("reference_pages")

PAGES = sorted(
    str(p.relative_to(DOCS))
    for p in DOCS.rglob("*.md")
    if run_pages.blocks(run_pages.split_front_matter(p.read_text(encoding="utf-8"))[1])
)


def test_the_pages_have_code():
    assert len(PAGES) >= 20, PAGES
    assert "start/tour.md" in PAGES and "tutorials/first-network.md" in PAGES


@pytest.mark.parametrize("page", PAGES)
def test_page_code_runs(page: str, request: pytest.FixtureRequest, tmp_path: Path):
    if (
        importlib.util.find_spec("mkdocs") is not None
    ):  # the build ran it (once for all tests); read its outcome
        built = request.getfixturevalue("built_site")
        outcome = built["report"].get(page)
        assert outcome is not None, f"the build did not run {page}:\n{built['log'][-3000:]}"
    else:
        text = (DOCS / page).read_text(encoding="utf-8")
        outcome = run_pages.run_page(text, tmp_path, quick=True, name=page)
    assert outcome["error"] is None, outcome["error"]
    text = (DOCS / page).read_text(encoding="utf-8")
    for fig in outcome["figures"]:  # a figure the code makes is one the page shows
        if "/" not in fig:  # (files a command writes into its own folders may go unshown)
            assert f"]({fig})" in text, f"{page} writes {fig} but does not show it"


def test_quick_knobs_replace_only_whole_assignments(tmp_path: Path):
    page = "---\nquick:\n  EPOCHS: 2\n---\n# t\n\n```python\nEPOCHS = 30\nMY_EPOCHS = 5\nprint(EPOCHS, MY_EPOCHS)\n```\n"
    out = run_pages.run_page(page, tmp_path, quick=True)
    assert out["error"] is None and out["outputs"] == ["2 5\n"]
    out = run_pages.run_page(page, tmp_path, quick=False)
    assert out["outputs"] == ["30 5\n"]


def test_a_failing_block_names_the_page_and_block(tmp_path: Path):
    page = "# t\n\n```python\nx = 1\n```\n\ntext\n\n```python\nraise ValueError('boom')\n```\n"
    out = run_pages.run_page(page, tmp_path, quick=True, name="p.md")
    assert out["outputs"] == [""]
    assert "p.md: block 2" in out["error"] and "boom" in out["error"]


def test_strict_build_passes(built_site: dict):
    assert built_site["returncode"] == 0, built_site["log"]
    assert (built_site["site"] / "index.html").is_file()


EXTERNAL = re.compile(
    r"""(?:<script[^>]+src|<link[^>]+href|<img[^>]+src|<iframe[^>]+src)=["']?(?:https?:)?//"""
    r"""|url\(\s*["']?(?:https?:)?//|@import\s+["']?(?:url\()?["']?(?:https?:)?//""",
    re.I,
)


def test_no_asset_comes_from_another_host(built_site: dict):
    site: Path = built_site["site"]
    offenders = []
    for path in site.rglob("*"):
        if path.suffix in (".html", ".css"):
            for m in EXTERNAL.finditer(path.read_text(encoding="utf-8", errors="replace")):
                offenders.append(f"{path.relative_to(site)}: {m.group(0)}")
    assert not offenders, offenders[:20]
    assert (site / "search" / "search_index.js").is_file() or (
        site / "search" / "search_index.json"
    ).is_file()


def test_reference_documents_every_public_name(built_site: dict):
    site: Path = built_site["site"]
    plan = reference.build_plan()
    missing = []
    for page, rows in plan.items():
        html = (site / "reference" / f"{page}.html").read_text(encoding="utf-8")
        for name, ident, home in rows:
            if home is None and f'id="{ident}"' not in html:
                missing.append(f"{page}: {name} ({ident})")
    assert not missing, missing
    names = sum(len(rows) for rows in plan.values())
    assert names > 400


def test_cli_reference_is_the_parsers_help(built_site: dict):
    html = (built_site["site"] / "reference" / "cli.html").read_text(encoding="utf-8")
    for command in ("train", "evaluate", "predict", "summary", "lab", "bench"):
        assert f"deepgrad {command}" in html
    assert "--epochs" in html and "--quick" in html


def test_tutorials_show_the_figures_they_make(built_site: dict):
    site: Path = built_site["site"]
    for page, outcome in built_site["report"].items():
        if not outcome["figures"]:
            continue
        html = (site / page.replace(".md", ".html")).read_text(encoding="utf-8")
        folder = (site / page).parent
        for fig in outcome["figures"]:
            assert (folder / fig).is_file(), f"{page}: {fig} not published"
            if "/" not in fig:
                assert f'src="{fig}"' in html, f"{page}: {fig} not shown"
