"""A physics-informed neural network for Burgers' equation as the popular PyTorch ports of
Raissi's PINNs write it (jayroxis/PINNs ``Burgers Inference (PyTorch).ipynb``): the legacy
``torch.set_default_tensor_type(torch.DoubleTensor)`` at the top, a ``DNN`` built from an
``OrderedDict`` of ``('layer_%d' % i, torch.nn.Linear(...))`` / ``('activation_%d' % i,
self.activation())`` pairs, a ``PhysicsInformedNN`` class (not a module) holding
``torch.tensor(X_u[:, 0:1], requires_grad=True)`` inputs, ``net_f`` with
``torch.autograd.grad(u, t, grad_outputs=torch.ones_like(u), retain_graph=True,
create_graph=True)[0]`` for ``u_t``, ``u_x`` and ``u_xx``, Adam pre-training, then
``torch.optim.LBFGS(..., max_iter, max_eval, history_size=50, tolerance_grad=1e-5,
tolerance_change=1.0 * np.finfo(float).eps, line_search_fn="strong_wolfe")`` stepped once with a
``loss_func`` closure that counts its calls (``self.iter += 1``), and ``predict`` through
``u.detach().cpu().numpy()``. The data are the analytic travelling wave of viscous Burgers
(no ``.mat`` file), sampled with a seeded NumPy generator (Latin hypercube replaced by uniform
draws)."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest


def _burgers_data(nu, seed=0):
    rng = np.random.default_rng(seed)

    def exact(x, t):  # a travelling-wave solution of u_t + u u_x = nu u_xx
        return 0.5 * (1.0 - np.tanh((x - 0.5 * t) / (4.0 * nu)))

    lb, ub = np.array([-1.0, 0.0]), np.array([1.0, 1.0])
    X_u = np.concatenate([
        np.stack([rng.uniform(-1, 1, 20), np.zeros(20)], 1),  # t = 0
        np.stack([-np.ones(10), rng.uniform(0, 1, 10)], 1),  # x = -1
        np.stack([np.ones(10), rng.uniform(0, 1, 10)], 1),  # x = 1
    ])  # fmt: skip
    u = exact(X_u[:, 0:1], X_u[:, 1:2])
    X_f = lb + (ub - lb) * rng.random((60, 2))
    X_star = np.stack(np.meshgrid(np.linspace(-1, 1, 5), np.linspace(0, 1, 3)), -1).reshape(-1, 2)  # fmt: skip
    return X_u, u, X_f, X_star, lb, ub


def pinn(torch, nn, F, optim, data, init, path, X_u, u, X_f, X_star, lb, ub, nu):
    torch.set_default_tensor_type(torch.DoubleTensor)
    device = torch.device("cpu")
    log = []

    class DNN(torch.nn.Module):
        def __init__(self, layers):
            super(DNN, self).__init__()
            self.depth = len(layers) - 1
            self.activation = torch.nn.Tanh
            layer_list = list()
            for i in range(self.depth - 1):
                layer_list.append(("layer_%d" % i, torch.nn.Linear(layers[i], layers[i + 1])))
                layer_list.append(("activation_%d" % i, self.activation()))
            layer_list.append(
                ("layer_%d" % (self.depth - 1), torch.nn.Linear(layers[-2], layers[-1]))
            )
            layerDict = OrderedDict(layer_list)
            self.layers = torch.nn.Sequential(layerDict)

        def forward(self, x):
            out = self.layers(x)
            return out

    class PhysicsInformedNN:
        def __init__(self, X_u, u, X_f, layers, lb, ub, nu):
            self.lb = torch.tensor(lb).to(device)
            self.ub = torch.tensor(ub).to(device)
            self.x_u = torch.tensor(X_u[:, 0:1], requires_grad=True).to(device)
            self.t_u = torch.tensor(X_u[:, 1:2], requires_grad=True).to(device)
            self.x_f = torch.tensor(X_f[:, 0:1], requires_grad=True).to(device)
            self.t_f = torch.tensor(X_f[:, 1:2], requires_grad=True).to(device)
            self.u = torch.tensor(u).to(device)
            self.layers = layers
            self.nu = nu
            self.dnn = init(DNN(layers).to(device))
            self.optimizer = torch.optim.LBFGS(
                self.dnn.parameters(), lr=1.0, max_iter=25, max_eval=30, history_size=50,
                tolerance_grad=1e-5, tolerance_change=1.0 * np.finfo(float).eps,
                line_search_fn="strong_wolfe",
            )  # fmt: skip
            self.optimizer_Adam = torch.optim.Adam(self.dnn.parameters())
            self.iter = 0

        def net_u(self, x, t):
            X = torch.cat([x, t], dim=1)
            H = 2.0 * (X - self.lb) / (self.ub - self.lb) - 1.0
            u = self.dnn(H)
            return u

        def net_f(self, x, t):
            u = self.net_u(x, t)
            u_t = torch.autograd.grad(u, t, grad_outputs=torch.ones_like(u), retain_graph=True,
                                      create_graph=True)[0]  # fmt: skip
            u_x = torch.autograd.grad(u, x, grad_outputs=torch.ones_like(u), retain_graph=True,
                                      create_graph=True)[0]  # fmt: skip
            u_xx = torch.autograd.grad(u_x, x, grad_outputs=torch.ones_like(u_x),
                                       retain_graph=True, create_graph=True)[0]  # fmt: skip
            f = u_t + u * u_x - self.nu * u_xx
            return f

        def loss_func(self):
            self.optimizer.zero_grad()
            u_pred = self.net_u(self.x_u, self.t_u)
            f_pred = self.net_f(self.x_f, self.t_f)
            loss_u = torch.mean((self.u - u_pred) ** 2)
            loss_f = torch.mean(f_pred**2)
            loss = loss_u + loss_f
            loss.backward()
            self.iter += 1
            log.append([loss.item(), loss_u.item(), loss_f.item()])
            return loss

        def train(self, nIter):
            self.dnn.train()
            for epoch in range(nIter):
                u_pred = self.net_u(self.x_u, self.t_u)
                f_pred = self.net_f(self.x_f, self.t_f)
                loss = torch.mean((self.u - u_pred) ** 2) + torch.mean(f_pred**2)
                self.optimizer_Adam.zero_grad()
                loss.backward()
                self.optimizer_Adam.step()
                log.append(loss.item())
            # Backward and optimize
            self.optimizer.step(self.loss_func)

        def predict(self, X):
            x = torch.tensor(X[:, 0:1], requires_grad=True).to(device)
            t = torch.tensor(X[:, 1:2], requires_grad=True).to(device)
            self.dnn.eval()
            u = self.net_u(x, t)
            f = self.net_f(x, t)
            u = u.detach().cpu().numpy()
            f = f.detach().cpu().numpy()
            return u, f

    layers = [2, 12, 12, 12, 1]
    model = PhysicsInformedNN(X_u, u, X_f, layers, lb, ub, nu)
    model.train(5)
    u_pred, f_pred = model.predict(X_star)
    log.append([model.iter, u_pred.ravel().tolist(), float(np.abs(f_pred).mean())])
    log.append(torch.zeros(1).dtype == torch.float64)
    return log


@pytest.mark.filterwarnings("ignore:torch.set_default_tensor_type")
def test_pinn_burgers(portability):
    nu = 0.05
    X_u, u, X_f, X_star, lb, ub = _burgers_data(nu)
    portability.assert_same(pinn, dtype="float32", rtol=1e-6, X_u=X_u, u=u, X_f=X_f,
                            X_star=X_star, lb=lb, ub=ub, nu=nu)  # fmt: skip
