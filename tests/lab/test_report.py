"""The lab's command line and its HTML report, rendered in headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from deepgrad import lab
from deepgrad.lab.report import render_report, write_report


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def test_main_list_and_single_experiment(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert lab.main(["list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in lab.EXPERIMENTS)
    assert len(lab.EXPERIMENTS) == 15
    assert lab.main(["gradients", "--quick", "--out", str(tmp_path), "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "holds" in out and "gradients.png" in out
    res = json.loads((tmp_path / "gradients.json").read_text())
    assert res["seed"] == 1 and res["quick"] is True
    assert lab.main(["report", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "report.html").is_file()


def test_main_rejects_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        lab.main(["no-such-experiment"])
    with pytest.raises(SystemExit):
        lab.main(["gradients", "--dataset", "cifar"])
    assert lab.main(["gradients", "--seed", "-1", "--out", str(tmp_path)]) == 2
    assert lab.main(["report", "--out", str(tmp_path / "empty")]) == 2
    capsys.readouterr()


_GOOD = {"name": "gradients", "title": "T", "summary": "S", "quick": True, "seed": 0,
         "dataset": None, "seconds": 1.0, "figures": [], "numbers": {},
         "claims": [{"claim": "c", "source": "s", "check": "k", "holds": True, "detail": ""}]}  # fmt: skip


@pytest.mark.parametrize(
    ("content", "match"),
    [
        # the report wrote the seed into the HTML unescaped; a string seconds was a ValueError
        (json.dumps({**_GOOD, "seed": "<script>alert(1)</script>"}), r"'seed' is '<script>"),
        (json.dumps({**_GOOD, "seconds": "1"}), r"'seconds' is '1'; expected int or float"),
        (json.dumps({**_GOOD, "title": 5}), "'title' is 5; expected str"),  # AttributeError
        (json.dumps({**_GOOD, "claims": [{"claim": "c"}]}), "claim 0 must have"),  # KeyError
        (json.dumps({**_GOOD, "name": "other"}), "names experiment 'other', the file 'gradi"),
        (json.dumps([1, 2]), "expected a JSON object, got list"),
        ("[" * 100_000 + "]" * 100_000, "nests deeper"),  # RecursionError
        (b'{"name": "caf\xe9"}', "is not UTF-8 text"),  # UnicodeDecodeError
        ('{"name": "a", "name": "gradients"}', "the key 'name' appears twice"),  # last kept
    ],
)
def test_report_refuses_a_result_file_that_is_not_the_labs(tmp_path, capsys, content, match):
    path = tmp_path / "gradients.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert lab.main(["report", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert re.search(rf"deepgrad lab: report: .*gradients.json.*{match}", err), err
    assert not (tmp_path / "report.html").exists()
    path.write_text(json.dumps(_GOOD))
    assert lab.main(["report", "--out", str(tmp_path)]) == 0


def test_missing_fashion_mnist_is_explained(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("DEEPGRAD_FASHION_MNIST", str(tmp_path / "nowhere"))
    from deepgrad.data import find_fashion_mnist

    if find_fashion_mnist() is not None:
        pytest.skip("Fashion-MNIST is installed here; the missing-data path is not reachable")
    assert (
        lab.main(["optimizers", "--quick", "--dataset", "fashion-mnist", "--out", str(tmp_path)])
        == 2
    )
    assert "dataset-fashion-mnist" in capsys.readouterr().err


def test_report_lists_every_experiment_with_figures_and_verdicts(lab_result, lab_dir: Path):
    results = [lab_result(name) for name in lab.EXPERIMENTS]
    path = write_report(lab_dir, results)
    html = path.read_text()
    assert html.startswith("<!DOCTYPE html>")
    for res in results:
        assert f'id="{res["name"]}"' in html
        for fig in res["figures"]:
            assert f'src="{fig}"' in html  # relative: the folder can be moved or zipped
    assert "does not hold" in html and "holds" in html
    assert "http://" not in html and "https://" not in html  # nothing fetched from the web
    assert re.search(r"\d+ of \d+ claims held", html)


def test_report_renders_in_headless_chromium_with_all_figures_loaded(lab_result, lab_dir, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium is not installed (apt-get install chromium); report not rendered")
    results = [lab_result(name) for name in lab.EXPERIMENTS]
    site = tmp_path / "site"
    site.mkdir()
    for res in results:  # a copy: the report must work from any folder, offline
        for fig in res["figures"]:
            shutil.copy(lab_dir / fig, site / fig)
    (site / "report.html").write_text(render_report(results, site), encoding="utf-8")
    n_figures = sum(len(r["figures"]) for r in results)
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=10000",
        "--dump-dom",
        (site / "report.html").as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    total = re.search(r'data-images-total="(\d+)"', dom)
    loaded = re.search(r'data-images-loaded="(\d+)"', dom)
    broken = re.search(r'data-images-broken="(\d+)"', dom)
    assert total and loaded and broken, "the page's onload marker did not run:\n" + dom[:2000]
    assert int(total.group(1)) == n_figures
    assert int(loaded.group(1)) == n_figures and int(broken.group(1)) == 0
    assert f"{n_figures} of {n_figures} figures loaded" in dom


def test_experiment_results_are_written_atomically(tmp_path, monkeypatch):
    """<name>.json (read back by the report) was written in place: a killed run left half."""
    import os

    from deepgrad.lab import experiment as E

    names = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (names.append(os.path.basename(b)), real(a, b)))
    spec = E.Spec("atomic-demo", "demo", lambda ctx: E.Outcome({"x": 1.0}, [], "done"))
    E.run_experiment(spec, out=tmp_path)
    assert names == ["atomic-demo.json"] and (tmp_path / "atomic-demo.json").is_file()


def test_write_report_failing_midway_keeps_the_old_report(tmp_path: Path, disk_full_after):
    path = tmp_path / "report.html"
    path.write_text("<html>old report</html>")
    with disk_full_after(1000), pytest.raises(OSError):
        write_report(tmp_path, [])
    assert path.read_text() == "<html>old report</html>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
