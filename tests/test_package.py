"""The package surface a newcomer meets after ``import deepgrad as dg``."""

from __future__ import annotations

import subprocess
import sys

import pytest

import deepgrad as dg


@pytest.mark.parametrize("name", ["data", "metrics", "models", "viz", "lab", "nn", "optim"])
def test_subpackages_reachable_as_attributes(name):
    mod = getattr(dg, name)
    assert mod.__name__ == f"deepgrad.{name}"
    assert name in dir(dg)


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        dg.nope  # noqa: B018


def test_import_stays_light():
    """``import deepgrad`` does not pull in matplotlib (plots load on first use)."""
    code = "import sys, deepgrad; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("name", ["sparse_coo_tensor", "sparse", "sparse_csr_tensor"])
def test_sparse_names_raise_naming_the_dense_form(name):
    with pytest.raises(AttributeError, match="no sparse tensors.*index_put_"):
        getattr(dg, name)


def test_the_dense_form_named_for_sparse_gives_torch_sparse_mm_numbers():
    torch = pytest.importorskip("torch")
    rows, cols = [0, 2, 2, 1, 0], [1, 0, 0, 2, 1]  # repeated entries are summed, as coalesce
    vals = [1.5, -2.0, 0.5, 3.0, 1.0]
    h = [[1.0, 2.0], [3.0, -1.0], [0.5, 4.0]]
    want = torch.sparse.mm(
        torch.sparse_coo_tensor(torch.tensor([rows, cols]), torch.tensor(vals), (3, 3)),
        torch.tensor(h),
    )
    dense = dg.zeros(3, 3).index_put_((dg.tensor(rows), dg.tensor(cols)), dg.tensor(vals),
                                      accumulate=True)  # fmt: skip
    assert (dense @ dg.tensor(h)).tolist() == want.tolist()
