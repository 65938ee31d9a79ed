"""Python's protocols on tensors (``in``, ``iter``) and a few factory refusals, as PyTorch
2.13 answers them: the same result, or an error of PyTorch's class."""

from __future__ import annotations

import warnings

import pytest

import deepgrad as dg

torch = pytest.importorskip("torch")


def _both(code):
    out = []
    for lib in (torch, dg):
        v = lib.arange(6.0).reshape(2, 3)
        try:
            out.append(eval(code, {"T": lib, "v": v}))
        except Exception as e:  # noqa: BLE001 - the class is compared
            out.append(e)
    return out


@pytest.mark.parametrize(
    "code",
    ["v in v", "T.tensor(1.0) in v", "3.0 in v", "7 in v", "True in v", "T.tensor([0.0, 4.0, 2.0]) in v",
     "T.tensor([9.0]) in v"],
)  # fmt: skip
def test_in_asks_whether_any_entry_equals(code):
    want, got = _both(code)
    assert got is want


@pytest.mark.parametrize(
    "code",
    [
        "'a' in v", "None in v", "[1.0] in v", "iter(T.tensor(1.0))", "T.zeros(-1)",
        "T.zeros(2, -3)", "T.empty(-1)", "T.arange(0, 10, -1)", "T.arange(10, 0, 1)",
        "T.arange(0, 10, 0)", "T.randint(5, 3, (3,))", "T.randint(3, 3, (3,))",
        "T.tensor([1]) // 0", "T.tensor([7]) % 0", "T.zeros(2.0)",
    ],
)  # fmt: skip
def test_refusals_are_pytorchs_class(code):
    want, got = _both(code)
    assert isinstance(want, Exception), want
    assert isinstance(got, type(want)), (type(want), type(got), got)


def test_an_empty_arange_with_either_step_sign_is_fine():
    for args in ((0, 0, -1), (3, 3, 1), (5, 0, -2)):
        assert dg.arange(*args).tolist() == torch.arange(*args).tolist()


def test_iteration_gives_the_rows_and_layout_is_strided():
    v = dg.arange(6.0).reshape(2, 3)
    assert [r.tolist() for r in v] == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert list(dg.zeros(0, 2)) == []
    assert v.layout is dg.strided and repr(dg.strided) == "deepgrad.strided"
    assert isinstance(dg.strided, dg.layout)
    assert dg.zeros(2, layout=dg.strided).layout is dg.strided


def test_a_tensor_without_elements_is_contiguous_as_pytorchs():
    for code in ("T.zeros(0, 3)", "T.zeros(0, 3).t()", "T.zeros(3, 0).t()"):
        assert eval(code, {"T": dg}).is_contiguous() is eval(code, {"T": torch}).is_contiguous()
    x, t = dg.zeros(0, 3, 2, 2), torch.zeros(0, 3, 2, 2)
    assert x.is_contiguous(memory_format=dg.channels_last) is t.is_contiguous(
        memory_format=torch.channels_last
    )


@pytest.mark.parametrize(
    "op", ["add_(1)", "mul_(2)", "exp_()", "clamp_(0, 1)", "copy_(T.ones(2, 2))"]
)
def test_writing_into_an_expanded_view_raises_pytorchs_runtime_error(op):
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        eval(f"T.zeros(2).expand(2, 2).{op}", {"T": torch})
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        eval(f"T.zeros(2).expand(2, 2).{op}", {"T": dg})


@pytest.mark.parametrize(
    "op,warns",
    [
        ("fill_(1.5)", False),
        ("zero_()", False),
        ("masked_fill_(T.tensor([[True, False], [False, False]]), 4.0)", True),
        ("__setitem__((0, 1), 7.0)", False),
        ("__setitem__(1, T.tensor([2.0, 3.0]))", False),
        ("__setitem__(T.tensor([0]), 9.0)", True),
        ("index_fill_(1, T.tensor([1]), 8.0)", True),
        ("index_fill_(0, T.tensor([0]), 5.0)", True),
    ],
)
def test_writes_pytorch_makes_into_an_expanded_view(op, warns):
    # fill-like writes reach the expanded tensor's memory, as PyTorch's (index/mask puts
    # with its deprecation warning); a copy into an overlapping subview still raises
    got = []
    for lib in (dg, torch):
        base = lib.zeros(2)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            eval(f"y.{op}", {"T": lib, "y": base.expand(2, 2)})
        assert any("on expanded tensors is deprecated" in str(w.message) for w in caught) is warns
        got.append(base.tolist())
    assert got[0] == got[1]
    with pytest.raises(RuntimeError, match="more than one element"):
        dg.zeros(2).expand(2, 2)[:, 0] = dg.tensor([1.0, 2.0])
