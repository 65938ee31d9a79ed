"""deepgrad.utils.benchmark against torch.utils.benchmark: a measurement's statistics and
printout from the same raw times, units, the timer's loops, thread counts restored."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.utils import benchmark

torch = pytest.importorskip("torch")
tb = pytest.importorskip("torch.utils.benchmark")

RAW = [
    [2.0e-3],
    [2.0e-3, 2.1e-3],
    [1.0e-3, 1.2e-3, 1.1e-3, 1.05e-3, 0.98e-3, 1.5e-3],
    list(np.random.default_rng(0).lognormal(-7, 0.5, 40)),
]


def _pair(raw, number=100, **labels):
    ours = benchmark.Measurement(number, raw, benchmark.TaskSpec("x @ x", "pass", **labels))
    theirs = tb.Measurement(number, raw, tb.utils.common.TaskSpec("x @ x", "pass", **labels))
    return ours, theirs


@pytest.mark.parametrize("raw", RAW, ids=["one", "two", "six", "forty"])
def test_statistics_as_torch(raw):
    ours, theirs = _pair(raw, label="mm", sub_label="64", description="dg")
    for name in ("median", "mean", "iqr"):
        assert getattr(ours, name) == pytest.approx(getattr(theirs, name), rel=1e-12)
    assert ours.times == pytest.approx(theirs.times)
    assert ours.significant_figures == theirs.significant_figures
    assert ours.has_warnings == theirs.has_warnings
    assert ours.meets_confidence(0.2) == theirs.meets_confidence(0.2)
    assert ours.title == theirs.title and ours.as_row_name == theirs.as_row_name
    # the printout but its first line (the object's address)
    assert repr(ours).splitlines()[1:] == repr(theirs).splitlines()[1:]


def test_merge_as_torch():
    a, ta = _pair(RAW[2], label="mm")
    b, tb_ = _pair(RAW[1], label="mm")
    (m,) = benchmark.Measurement.merge([a, b])
    (tm,) = tb.Measurement.merge([ta, tb_])
    assert m.median == pytest.approx(tm.median) and m.number_per_run == tm.number_per_run


@pytest.mark.parametrize("t", [3e-10, 4.2e-8, 2.5e-5, 0.7e-3, 0.25, 12.0])
def test_units_as_torch(t):
    assert benchmark.select_unit(t) == tb.select_unit(t)
    assert benchmark.trim_sigfig(t * 1234.567, 3) == pytest.approx(tb.trim_sigfig(t * 1234.567, 3))


def test_timer_runs_the_statement_and_restores_threads():
    calls = []
    before = dg.get_num_threads()
    t = benchmark.Timer("f()", globals={"f": lambda: calls.append(1)}, num_threads=1)
    m = t.timeit(50)
    assert m.number_per_run == 50 and len(m.times) == 1 and len(calls) >= 50
    m = t.blocked_autorange(min_run_time=0.01)
    assert sum(m.raw_times) >= 0.01 and m.number_per_run >= 1
    m = t.adaptive_autorange(min_run_time=0.001, max_run_time=0.5)
    assert len(m.times) >= 4 or sum(m.raw_times) > 0.5
    assert dg.get_num_threads() == before
    x = dg.ones(8, 8)
    m = benchmark.Timer("y = x @ x", setup="z = 1", global_setup="w = 2", globals={"x": x}).timeit(
        5
    )
    assert m.median > 0


def test_refusals_as_torch():
    t = benchmark.Timer("pass")
    for lib_t in (t, tb.Timer("pass")):
        with pytest.raises(NotImplementedError):
            lib_t.repeat()
        with pytest.raises(NotImplementedError):
            lib_t.autorange()
    with pytest.raises(ValueError, match="Python statements only"):
        benchmark.Timer("x", language=benchmark.Language.CPP)
    with pytest.raises(ValueError, match="Measurement"):
        benchmark.Compare([1.0])


def test_compare_prints_one_table_per_label(capsys):
    ms = []
    for desc, raw in (("deepgrad", RAW[2]), ("numpy", RAW[1])):
        for sub in ("64", "128"):
            ms.append(benchmark.Measurement(10, raw, benchmark.TaskSpec(
                "x @ x", "pass", label="matmul", sub_label=sub, description=desc)))  # fmt: skip
    c = benchmark.Compare(ms)
    c.trim_significant_figures()
    c.print()
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("[") and "matmul" in out[0]
    assert "deepgrad" in out[1] and "numpy" in out[1]
    assert out[2].startswith("1 threads: ")
    rows = [line for line in out if "|" in line][1:]
    assert [r.split("|")[0].strip() for r in rows] == ["64", "128"]
    assert "Times are in microseconds (us)." in out
