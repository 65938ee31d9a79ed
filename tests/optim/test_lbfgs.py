"""optim.LBFGS against torch.optim.LBFGS, step by step, with and without the strong-Wolfe line
search; its state survives dg.save/dg.load."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import optim


def _run(lib, opt_cls, steps, **kw):
    rng = np.random.default_rng(0)
    A, b = rng.normal(size=(30, 6)), rng.normal(size=30)
    At, bt = lib.tensor(A), lib.tensor(b)
    w = lib.tensor(np.full(6, 0.1), requires_grad=True)
    c = lib.tensor(np.zeros(1), requires_grad=True)
    opt = opt_cls([w, c], **kw)

    def closure():
        opt.zero_grad()
        r = At @ w + c - bt
        loss = (r * r).mean() + 0.05 * (w**4).sum()
        loss.backward()
        return loss

    losses = [float(opt.step(closure).detach()) if lib is not dg else float(opt.step(closure)) for _ in range(steps)]  # fmt: skip
    return losses, np.concatenate([w.detach().numpy(), c.detach().numpy()]), opt


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("kw", [{}, {"lr": 0.3, "max_iter": 4, "history_size": 2}])
def test_matches_torch(torch, line_search_fn, kw):
    ld, wd, _ = _run(dg, optim.LBFGS, 4, line_search_fn=line_search_fn, **kw)
    lt, wt, _ = _run(torch, torch.optim.LBFGS, 4, line_search_fn=line_search_fn, **kw)
    np.testing.assert_allclose(ld, lt, rtol=1e-10)
    np.testing.assert_allclose(wd, wt, rtol=1e-8, atol=1e-12)


def test_state_round_trips_through_save(tmp_path):
    _, _, opt = _run(dg, optim.LBFGS, 2, history_size=3)
    dg.save(opt.state_dict(), tmp_path / "lbfgs.pt")
    w = dg.tensor(np.full(6, 0.1), requires_grad=True)
    c = dg.tensor(np.zeros(1), requires_grad=True)
    opt2 = optim.LBFGS([w, c], history_size=3)
    opt2.load_state_dict(dg.load(tmp_path / "lbfgs.pt"))
    s1, s2 = opt.state[opt.param_groups[0]["params"][0]], opt2.state[w]
    assert s1["n_iter"] == s2["n_iter"] and len(s1["old_dirs"]) == len(s2["old_dirs"])
    np.testing.assert_array_equal(s1["d"], s2["d"])


def test_needs_a_closure_and_one_group():
    w = dg.zeros(2, requires_grad=True)
    opt = optim.LBFGS([w])
    with pytest.raises(RuntimeError, match="closure"):
        opt.step()
    with pytest.raises(ValueError, match="per-parameter options"):
        opt.add_param_group({"params": [dg.zeros(1, requires_grad=True)]})
    with pytest.raises(ValueError, match="strong_wolfe"):
        optim.LBFGS([w], line_search_fn="armijo")
