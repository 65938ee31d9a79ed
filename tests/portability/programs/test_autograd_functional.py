"""Second-order programs as blog posts and the ``torch.autograd.functional`` docs write them:
Newton's method for logistic regression with ``torch.autograd.functional.hessian`` and
``jacobian`` of the loss (``torch.linalg.solve`` for the step); a Hessian-free (truncated
Newton) fit of a small MLP whose conjugate-gradient inner loop calls
``torch.autograd.functional.hvp(loss_fn, params, v)`` on a flat parameter vector unpacked by
``split``/``view``; ``vjp``/``jvp``/``vhp`` of a vector function (``jvp`` equal to the
Jacobian times ``v``), ``jacobian(..., create_graph=True)`` differentiated again (a Jacobian
penalty, contractive-autoencoder style), ``jacobian`` of a function of two inputs (a tuple of
tuples), ``vectorize=True`` and ``strategy="forward-mode"``; and ``torch.func.grad`` /
``grad_and_value`` of a loss through ``functional_call`` with per-sample gradients taken in a
Python loop (``argnums``, ``has_aux``)."""

from __future__ import annotations

import numpy as np


def autograd_functional(torch, nn, F, optim, data, init, path, X, y):
    log = []
    AF = torch.autograd.functional
    X = torch.tensor(X)
    y = torch.tensor(y)
    n, d = X.shape
    Xb = torch.cat([X, torch.ones(n, 1)], dim=1)

    # Newton's method for logistic regression
    def nll(w):
        logits = Xb @ w
        return F.binary_cross_entropy_with_logits(logits, y) + 0.5e-2 * (w * w).sum()

    w = torch.zeros(d + 1)
    for it in range(5):
        g = AF.jacobian(nll, w)
        H = AF.hessian(nll, w)
        step = torch.linalg.solve(H, g)
        w = w - step
        log.append([nll(w).item(), g.norm().item(), torch.linalg.eigvalsh(H)[0].item()])
    log.append(w.tolist())

    # Hessian-free optimisation of a small MLP through hvp and conjugate gradients
    model = init(nn.Sequential(nn.Linear(d, 6), nn.Tanh(), nn.Linear(6, 1)))
    names = [name for name, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]
    sizes = [p.numel() for p in model.parameters()]

    def unflatten(flat):
        return {k: t.view(s) for k, t, s in zip(names, flat.split(sizes), shapes)}

    def loss_fn(flat):
        out = torch.func.functional_call(model, unflatten(flat), (X,)).squeeze(-1)
        return F.binary_cross_entropy_with_logits(out, y)

    theta = torch.nn.utils.parameters_to_vector(model.parameters()).detach()
    damping = 1.0
    for it in range(4):
        loss, grad = AF.vjp(loss_fn, theta)
        x = torch.zeros_like(theta)
        r = -grad.clone()
        p = r.clone()
        rs = r.dot(r)
        for _ in range(6):
            _, Hp = AF.hvp(loss_fn, theta, p)
            Ap = Hp + damping * p
            alpha = rs / p.dot(Ap)
            x = x + alpha * p
            r = r - alpha * Ap
            rs_new = r.dot(r)
            p = r + (rs_new / rs) * p
            rs = rs_new
        theta = theta + x
        log.append([loss.item(), rs.sqrt().item(), loss_fn(theta).item()])
    torch.nn.utils.vector_to_parameters(theta, model.parameters())
    with torch.no_grad():
        log.append(F.binary_cross_entropy_with_logits(model(X).squeeze(-1), y).item())

    # vjp, jvp, vhp of a vector function; jacobian of two inputs
    def f(x):
        return torch.stack([x[0] * x[1].exp(), (x**2).sum(), torch.sin(x).prod()])

    x0 = torch.tensor([0.3, -0.7, 1.1])
    v = torch.tensor([1.0, -2.0, 0.5])
    out, vjp = AF.vjp(f, x0, v)
    out2, jvp = AF.jvp(f, x0, v)
    J = AF.jacobian(f, x0)
    Jv = AF.jacobian(f, x0, vectorize=True)
    Jf = AF.jacobian(f, x0, vectorize=True, strategy="forward-mode")
    log.append([out.tolist(), vjp.tolist(), jvp.tolist(), (J @ v).tolist(), (v @ J).tolist()])
    log.append([torch.allclose(J, Jv), torch.allclose(J, Jf)])
    _, vhp = AF.vhp(lambda x: (x.exp() * x.flip(0)).sum(), x0, v)
    _, hvp = AF.hvp(lambda x: (x.exp() * x.flip(0)).sum(), x0, v)
    log.append([vhp.tolist(), hvp.tolist()])

    def pair(a, b):
        return (a * b).sum(1), a.matmul(b.t())

    a0, b0 = X[:3, :2], X[3:6, :2]
    (ja_s, jb_s), (ja_m, jb_m) = AF.jacobian(pair, (a0, b0))
    log.append([list(ja_s.shape), list(jb_m.shape), ja_s.sum().item(), jb_m.sum().item()])
    Hs = AF.hessian(lambda a, b: (a.pow(3) * b).sum(), (a0, b0))
    log.append([list(Hs[0][1].shape), Hs[0][0].sum().item(), Hs[0][1].sum().item()])

    # a Jacobian penalty trained through create_graph=True
    enc = init(nn.Sequential(nn.Linear(d, 3), nn.Sigmoid()))
    dec = init(nn.Linear(3, d))
    opt = optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=0.02)
    for step in range(5):
        opt.zero_grad()
        xs = X[:4]
        recon = F.mse_loss(dec(enc(xs)), xs)
        jac = AF.jacobian(lambda inp: enc(inp), xs[0], create_graph=True)
        loss = recon + 0.1 * jac.pow(2).sum()
        loss.backward()
        opt.step()
        log.append([recon.item(), jac.pow(2).sum().item(), enc[0].weight.grad.norm().item()])

    # torch.func: grad / grad_and_value through functional_call, per-sample gradients
    params = {k: v.detach() for k, v in model.named_parameters()}

    def compute_loss(params, sample, target):
        logit = torch.func.functional_call(model, params, (sample.unsqueeze(0),)).squeeze()
        loss = F.binary_cross_entropy_with_logits(logit, target)
        return loss, logit

    ft_compute_grad = torch.func.grad(compute_loss, has_aux=True)
    per_sample = [ft_compute_grad(params, X[i], y[i]) for i in range(4)]
    log.append([[g["0.weight"].sum().item(), logit.item()] for g, logit in per_sample])
    gv = torch.func.grad_and_value(lambda a, b: (a * b.sin()).sum(), argnums=(0, 1))
    (ga, gb), val = gv(X[0], X[1])
    log.append([ga.tolist(), gb.tolist(), val.item()])
    mean_grad = {k: torch.stack([g[k] for g, _ in per_sample]).mean(0) for k in params}
    model.zero_grad()
    F.binary_cross_entropy_with_logits(model(X[:4]).squeeze(-1), y[:4]).backward()
    log.append([torch.allclose(mean_grad[k], p.grad) for k, p in model.named_parameters()])
    return log


def test_autograd_functional(portability):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((24, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]) + 0.3 * rng.standard_normal(24) > 0).astype(float)
    portability.assert_same(autograd_functional, rtol=1e-7, X=X, y=y)
