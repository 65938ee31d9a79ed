"""A neural ODE as the torchdiffeq-free tutorials write it: ``ODEFunc(t, y)`` an MLP on
``y**3`` with a time feature, a hand-written fixed-step RK4 solver (``torch.stack`` of the
states at ``t``'s grid, ``t[i+1] - t[i]`` step sizes from a ``linspace``), the spiral-fitting
demo (batches of sub-trajectories picked by integer indices, ``torch.mean(torch.abs(pred -
true))``, RMSprop), backpropagation straight through the solver's steps (no adjoint); a
continuous-depth classifier block (``ODEBlock`` integrating a conv ``ODEfunc`` with
``GroupNorm`` and the time concatenated as a channel, counting function evaluations in
``self.nfe``); and a Euler/midpoint comparison with ``torch.no_grad``."""

from __future__ import annotations

import numpy as np


def neural_ode(torch, nn, F, optim, data, init, path, true_y0, A, batch_idx):
    log = []

    def rk4(func, y0, t):
        ys = [y0]
        y = y0
        for i in range(len(t) - 1):
            t0, dt = t[i], t[i + 1] - t[i]
            k1 = func(t0, y)
            k2 = func(t0 + dt / 2, y + dt / 2 * k1)
            k3 = func(t0 + dt / 2, y + dt / 2 * k2)
            k4 = func(t0 + dt, y + dt * k3)
            y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            ys.append(y)
        return torch.stack(ys)

    class Lambda(nn.Module):
        def forward(self, t, y):
            return torch.mm(y**3, true_A)

    class ODEFunc(nn.Module):
        def __init__(self):
            super(ODEFunc, self).__init__()
            self.net = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 2))
            for m in self.net.modules():
                if isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, mean=0, std=0.1)
                    nn.init.constant_(m.bias, val=0)

        def forward(self, t, y):
            return self.net(y**3)

    data_size, batch_time = 40, 6
    true_y0 = torch.tensor(true_y0)
    true_A = torch.tensor(A)
    t = torch.linspace(0.0, 2.0, data_size)
    with torch.no_grad():
        true_y = rk4(Lambda(), true_y0, t)
    log.append(true_y.sum().item())

    def get_batch(it):
        s = torch.from_numpy(np.array(batch_idx[it], dtype=np.int64))
        batch_y0 = true_y[s]  # (M, D)
        batch_t = t[:batch_time]  # (T)
        batch_y = torch.stack([true_y[s + i] for i in range(batch_time)], dim=0)  # (T, M, D)
        return batch_y0, batch_t, batch_y

    func = init(ODEFunc())
    optimizer = optim.RMSprop(func.parameters(), lr=1e-3)
    for itr in range(6):
        optimizer.zero_grad()
        batch_y0, batch_t, batch_y = get_batch(itr)
        pred_y = rk4(func, batch_y0, batch_t)
        loss = torch.mean(torch.abs(pred_y - batch_y))
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            pred_y = rk4(func, true_y0, t)
            total = torch.mean(torch.abs(pred_y - true_y))
        log.append([loss.item(), total.item()])

    # continuous-depth classifier block
    class ConcatConv2d(nn.Module):
        def __init__(self, dim_in, dim_out, ksize=3, padding=1):
            super().__init__()
            self._layer = nn.Conv2d(dim_in + 1, dim_out, ksize, padding=padding)

        def forward(self, t, x):
            tt = torch.ones_like(x[:, :1, :, :]) * t
            ttx = torch.cat([tt, x], 1)
            return self._layer(ttx)

    class ODEfunc(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.norm1 = nn.GroupNorm(min(32, dim), dim)
            self.relu = nn.ReLU(inplace=True)
            self.conv1 = ConcatConv2d(dim, dim)
            self.norm2 = nn.GroupNorm(min(32, dim), dim)
            self.conv2 = ConcatConv2d(dim, dim)
            self.norm3 = nn.GroupNorm(min(32, dim), dim)
            self.nfe = 0

        def forward(self, t, x):
            self.nfe += 1
            out = self.relu(self.norm1(x))
            out = self.conv1(t, out)
            out = self.relu(self.norm2(out))
            out = self.conv2(t, out)
            return self.norm3(out)

    class ODEBlock(nn.Module):
        def __init__(self, odefunc):
            super().__init__()
            self.odefunc = odefunc
            self.integration_time = torch.tensor([0, 1]).float()

        def forward(self, x):
            self.integration_time = self.integration_time.type_as(x)
            out = rk4(self.odefunc, x, torch.linspace(0, 1, 3).type_as(x))
            return out[-1]

        @property
        def nfe(self):
            return self.odefunc.nfe

        @nfe.setter
        def nfe(self, value):
            self.odefunc.nfe = value

    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, 1), nn.GroupNorm(4, 4), nn.ReLU(inplace=True),
        ODEBlock(ODEfunc(4)),
        nn.GroupNorm(4, 4), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten(), nn.Linear(4, 3),
    )  # fmt: skip
    model = init(model)
    rng = np.random.default_rng(0)
    xs = torch.tensor(rng.standard_normal((6, 1, 7, 7)))
    ys = torch.tensor([0, 1, 2, 0, 1, 2])
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    for step in range(4):
        model[3].nfe = 0
        logits = model(xs)
        loss = nn.CrossEntropyLoss()(logits, ys)
        nfe_f = model[3].nfe
        model[3].nfe = 0
        opt.zero_grad()
        loss.backward()
        nfe_b = model[3].nfe
        opt.step()
        log.append([loss.item(), nfe_f, nfe_b])

    # Euler vs midpoint vs RK4 on the learnt field
    def euler(f, y0, ts):
        ys = [y0]
        for t0, t1 in zip(ts[:-1], ts[1:]):
            ys.append(ys[-1] + (t1 - t0) * f(t0, ys[-1]))
        return torch.stack(ys)

    def midpoint(f, y0, ts):
        ys = [y0]
        for t0, t1 in zip(ts[:-1], ts[1:]):
            h = t1 - t0
            ys.append(ys[-1] + h * f(t0 + h / 2, ys[-1] + h / 2 * f(t0, ys[-1])))
        return torch.stack(ys)

    with torch.no_grad():
        ref = rk4(func, true_y0, t)
        for solver in (euler, midpoint):
            log.append((solver(func, true_y0, t) - ref).norm(dim=-1).max().item())
    log.append([p.detach().sum().item() for p in func.parameters()])
    return log


def test_neural_ode(portability):
    rng = np.random.default_rng(3)
    batch_idx = [rng.choice(np.arange(40 - 6, dtype=np.int64), 5, replace=False).tolist()
                 for _ in range(6)]  # fmt: skip
    A = np.array([[-0.1, 2.0], [-2.0, -0.1]])
    portability.assert_same(neural_ode, rtol=1e-8, true_y0=np.array([[2.0, 0.0]]), A=A,
                            batch_idx=batch_idx)  # fmt: skip
