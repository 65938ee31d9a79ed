"""MAML on sine-wave regression as the reference implementations write it (Finn et al.'s
sinusoid task; the ``learn2learn``-free tutorial form): a small MLP run functionally through
``torch.func.functional_call`` with a dict of "fast weights", an inner SGD step taken with
``torch.autograd.grad(loss, params.values(), create_graph=True)`` so the outer loss
differentiates through it (second-order MAML), a meta-batch of tasks summed into the
meta-loss, ``Adam`` on the outer loop; then first-order MAML (``create_graph=False`` and
``.detach()``); then the hand-written functional form (``F.linear`` with weights in a list,
two inner steps) as in the original repositories."""

from __future__ import annotations

import numpy as np


def maml(torch, nn, F, optim, data, init, path, tasks):
    from collections import OrderedDict

    log = []
    model = init(nn.Sequential(nn.Linear(1, 20), nn.ReLU(), nn.Linear(20, 20), nn.Tanh(),
                               nn.Linear(20, 1)))  # fmt: skip
    meta_opt = optim.Adam(model.parameters(), lr=1e-3)
    inner_lr = 0.05

    def task_batch(i):
        xs, ys, xq, yq = (torch.tensor(a) for a in tasks[i])
        return xs, ys, xq, yq

    for it in range(6):
        meta_opt.zero_grad()
        meta_loss = 0.0
        for t in range(3):
            xs, ys, xq, yq = task_batch((it * 3 + t) % len(tasks))
            params = OrderedDict(model.named_parameters())
            support_loss = F.mse_loss(torch.func.functional_call(model, params, (xs,)), ys)
            grads = torch.autograd.grad(support_loss, params.values(), create_graph=True)
            fast = OrderedDict(
                (name, p - inner_lr * g) for (name, p), g in zip(params.items(), grads)
            )
            query_loss = F.mse_loss(torch.func.functional_call(model, fast, xq), yq)
            meta_loss = meta_loss + query_loss
        meta_loss = meta_loss / 3
        meta_loss.backward()
        log.append([meta_loss.item(), sum(p.grad.norm().item() for p in model.parameters())])
        meta_opt.step()

    # first-order MAML
    for it in range(3):
        meta_opt.zero_grad()
        for t in range(2):
            xs, ys, xq, yq = task_batch(t)
            params = {n: p for n, p in model.named_parameters()}
            loss = F.mse_loss(torch.func.functional_call(model, params, (xs,)), ys)
            grads = torch.autograd.grad(loss, list(params.values()))
            fast = {n: p - inner_lr * g.detach() for (n, p), g in zip(params.items(), grads)}
            q = F.mse_loss(torch.func.functional_call(model, fast, (xq,)), yq)
            (q / 2).backward()
            log.append(q.item())
        meta_opt.step()

    # the original hand-written functional net: weights in a list, F.linear
    class Learner(nn.Module):
        def __init__(self):
            super().__init__()
            self.vars = nn.ParameterList()
            for fan_in, fan_out in [(1, 16), (16, 16), (16, 1)]:
                w = nn.Parameter(torch.ones(fan_out, fan_in))
                torch.nn.init.kaiming_normal_(w)
                self.vars.append(w)
                self.vars.append(nn.Parameter(torch.zeros(fan_out)))

        def forward(self, x, vars=None):
            vars = self.vars if vars is None else vars
            for i in range(0, len(vars), 2):
                x = F.linear(x, vars[i], vars[i + 1])
                if i < len(vars) - 2:
                    x = F.relu(x, inplace=True)
            return x

        def parameters(self, recurse=True):
            return self.vars

    net = init(Learner())
    opt = optim.Adam(net.parameters(), lr=1e-3)
    for it in range(4):
        losses_q = [0.0, 0.0, 0.0]
        for t in range(2):
            xs, ys, xq, yq = task_batch(t + it)
            logits = net(xs)
            loss = F.mse_loss(logits, ys)
            grad = torch.autograd.grad(loss, net.parameters(), create_graph=True)
            fast_weights = list(map(lambda p: p[1] - inner_lr * p[0], zip(grad, net.parameters())))
            with torch.no_grad():
                losses_q[0] += F.mse_loss(net(xq, net.parameters()), yq).item()
            for k in range(1, 3):
                loss = F.mse_loss(net(xs, fast_weights), ys)
                grad = torch.autograd.grad(loss, fast_weights, create_graph=True)
                fast_weights = [w - inner_lr * g for g, w in zip(grad, fast_weights)]
                loss_q = F.mse_loss(net(xq, fast_weights), yq)
                losses_q[k] = losses_q[k] + loss_q
        loss_q = losses_q[-1] / 2
        opt.zero_grad()
        loss_q.backward()
        opt.step()
        log.append([losses_q[0], losses_q[1].item(), loss_q.item()])
    log.append([p.detach().sum().item() for p in net.parameters()])
    log.append([p.detach().sum().item() for p in model.parameters()])
    return log


def test_maml(portability):
    rng = np.random.default_rng(5)
    tasks = []
    for _ in range(10):
        amp, phase = rng.uniform(0.1, 5.0), rng.uniform(0, np.pi)
        xs, xq = rng.uniform(-5, 5, (10, 1)), rng.uniform(-5, 5, (10, 1))
        tasks.append((xs, amp * np.sin(xs + phase), xq, amp * np.sin(xq + phase)))
    portability.assert_same(maml, rtol=1e-8, tasks=tasks)
