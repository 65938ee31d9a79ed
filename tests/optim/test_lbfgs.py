"""optim.LBFGS against torch.optim.LBFGS, step by step, with and without the strong-Wolfe line
search; its state survives dg.save/dg.load."""

from __future__ import annotations

import copy

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
    np.testing.assert_array_equal(dg.backend.to_numpy(s1["d"]), dg.backend.to_numpy(s2["d"]))


def test_needs_a_closure_and_one_group():
    w = dg.zeros(2, requires_grad=True)
    opt = optim.LBFGS([w])
    with pytest.raises(RuntimeError, match="closure"):
        opt.step()
    with pytest.raises(ValueError, match="per-parameter options"):
        opt.add_param_group({"params": [dg.zeros(1, requires_grad=True)]})
    with pytest.raises(ValueError, match="strong_wolfe"):
        optim.LBFGS([w], line_search_fn="armijo")


def _problem(lib):
    rng = np.random.default_rng(1)
    A, b = lib.tensor(rng.normal(size=(20, 5))), lib.tensor(rng.normal(size=20))
    w = lib.tensor(np.full(4, 0.2), requires_grad=True)
    c = lib.tensor(np.zeros(1), requires_grad=True)

    def make_closure(opt):
        def closure():
            opt.zero_grad()
            r = A @ lib.cat([w, c]) - b
            loss = (r * r).mean() + 0.05 * (w**4).sum()
            loss.backward()
            return loss

        return closure

    return w, c, make_closure


def test_torch_state_loads_and_continues_as_torch(torch):
    """PyTorch's LBFGS state (0-d tensors for ro / H_diag, its 'al' list) loads into ours,
    and the next steps give PyTorch's numbers."""
    tw, tc, tclosure = _problem(torch)
    topt = torch.optim.LBFGS([tw, tc], max_iter=3, history_size=4)
    for _ in range(2):
        topt.step(tclosure(topt))
    to_np = lambda v: (  # noqa: E731
        v.detach().numpy().copy()
        if isinstance(v, torch.Tensor)
        else [to_np(a) for a in v]
        if isinstance(v, list)
        else v
    )
    sd = topt.state_dict()
    saved = {
        "state": {k: {n: to_np(v) for n, v in st.items()} for k, st in sd["state"].items()},
        "param_groups": sd["param_groups"],
    }
    w, c, closure = _problem(dg)
    with dg.no_grad():
        w.copy_(dg.tensor(tw.detach().numpy()))
        c.copy_(dg.tensor(tc.detach().numpy()))
    opt = optim.LBFGS([w, c])
    opt.load_state_dict(saved)
    assert opt.param_groups[0]["history_size"] == 4
    for _ in range(2):
        topt.step(tclosure(topt))
        opt.step(closure(opt))
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-8)


def _saved_state():
    w, c, closure = _problem(dg)
    opt = optim.LBFGS([w, c], max_iter=3)
    opt.step(closure(opt))
    return opt.state_dict()


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda s: s["state"][0].update(prev_flat_grad=np.zeros(4)), r"shape \(4,\).*\(5,\)"),
        (lambda s: s["state"][0].update(d=np.float64(0.5)), r"'d' has shape \(\)"),
        (lambda s: s["state"][0].update(d=0.5), "'d' has a float"),
        (lambda s: s["state"][0]["old_dirs"].append(np.zeros(5)), "history lists differ"),
        (lambda s: s["state"][0]["old_stps"].__setitem__(0, np.zeros(3)), r"old_stps\[0\]"),
        (lambda s: s["state"][0].update(ro=[np.zeros(2)]), r"'ro\[0\]' is .*expected a number"),
        (lambda s: s["state"][0].update(H_diag="abc"), "'H_diag' is 'abc'"),
        (lambda s: s["state"][0].update(n_iter=-1), "n_iter"),
        (lambda s: s["state"][0].pop("prev_flat_grad"), r"lacks \['prev_flat_grad'\]"),
        (lambda s: s["state"][0].update(velocity=np.zeros(5)), "unknown state entry"),
        (lambda s: s["state"].update({1: {}}), "first parameter only"),
        (lambda s: s["param_groups"].append(dict(s["param_groups"][0])), "list of one group"),
        (lambda s: s["param_groups"][0].update(params=[0]), "1 parameters in the state, 2"),
        (lambda s: s["param_groups"][0].update(line_search_fn="armijo"), "line_search_fn"),
        (lambda s: s["param_groups"][0].update(history_size=2.5), "history_size is 2.5"),
        (lambda s: s["param_groups"][0].update(lr="abc"), "lr is 'abc'"),
    ],
)
def test_load_state_dict_checks_before_setting(edit, match):
    saved = _saved_state()
    edit(saved)
    w, c, _ = _problem(dg)
    opt = optim.LBFGS([w, c], max_iter=7)
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(saved)
    assert opt.state == {} and opt.param_groups[0]["max_iter"] == 7


def test_state_dict_holds_the_live_history_as_torch(torch):
    """PyTorch's state_dict holds the history lists themselves: a kept dict follows the
    next steps (copy.deepcopy keeps a snapshot), here too."""
    sizes = []
    for lib, cls in ((dg, optim.LBFGS), (torch, torch.optim.LBFGS)):
        w, c, closure = _problem(lib)
        opt = cls([w, c], max_iter=2)
        opt.step(closure(opt))
        saved = opt.state_dict()
        snapshot = copy.deepcopy(saved)
        n = len(saved["state"][0]["old_dirs"])
        opt.step(closure(opt))
        assert saved["state"][0]["old_dirs"] is opt.state[w]["old_dirs"]
        sizes.append((n, len(saved["state"][0]["old_dirs"]), len(snapshot["state"][0]["old_dirs"])))
    assert sizes[0] == sizes[1] and sizes[0][0] < sizes[0][1] and sizes[0][2] == sizes[0][0]
