"""pytorch/examples ``mnist_forward_forward``: ``Layer(nn.Linear)`` subclassing ``Linear`` with
its positional ``(in_features, out_features, bias, device, dtype)``, holding its own Adam, and
*overriding* ``Module.train`` with ``train(self, x_pos, x_neg)``; ``Net`` keeping its layers in
a plain list; ``x / (x.norm(2, 1, keepdim=True) + 1e-4)``, ``torch.mm(x_direction,
self.weight.T) + self.bias.unsqueeze(0)``, the goodness loss ``torch.log(1 +
torch.exp(torch.cat([...]))).mean()``, ``overlay_y_on_x`` (``x_[:, :10] *= 0.0``,
``x_[range(x.shape[0]), y] = x.max()``), the built-in ``sum`` of goodness tensors and
``1.0 - net.predict(x).eq(y).float().mean().item()``. The negative labels come from a
permutation given by the test (the example draws it with ``torch.randperm``)."""

from __future__ import annotations

import numpy as np


def forward_forward(torch, nn, F, optim, data, init, path, x_np, y_np, perm, args):
    log = []
    Adam = optim.Adam
    device = torch.device("cpu")

    def overlay_y_on_x(x, y):
        """Replace the first 10 pixels of data [x] with one-hot-encoded label [y]"""
        x_ = x.clone()
        x_[:, :10] *= 0.0
        x_[range(x.shape[0]), y] = x.max()
        return x_

    class Net(torch.nn.Module):
        def __init__(self, dims):
            super().__init__()
            self.layers = []
            for d in range(len(dims) - 1):
                self.layers = self.layers + [init(Layer(dims[d], dims[d + 1]).to(device))]

        def predict(self, x):
            goodness_per_label = []
            for label in range(10):
                h = overlay_y_on_x(x, label)
                goodness = []
                for layer in self.layers:
                    h = layer(h)
                    goodness = goodness + [h.pow(2).mean(1)]
                goodness_per_label += [sum(goodness).unsqueeze(1)]
            goodness_per_label = torch.cat(goodness_per_label, 1)
            log.append(goodness_per_label[0].tolist())
            return goodness_per_label.argmax(1)

        def train(self, x_pos, x_neg):
            h_pos, h_neg = x_pos, x_neg
            for i, layer in enumerate(self.layers):
                h_pos, h_neg = layer.train(h_pos, h_neg)

    class Layer(nn.Linear):
        def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
            super().__init__(in_features, out_features, bias, device, dtype)
            self.relu = torch.nn.ReLU()
            self.opt = Adam(self.parameters(), lr=args["lr"])
            self.threshold = args["threshold"]
            self.num_epochs = args["epochs"]

        def forward(self, x):
            x_direction = x / (x.norm(2, 1, keepdim=True) + 1e-4)
            return self.relu(torch.mm(x_direction, self.weight.T) + self.bias.unsqueeze(0))

        def train(self, x_pos, x_neg):
            for i in range(self.num_epochs):
                g_pos = self.forward(x_pos).pow(2).mean(1)
                g_neg = self.forward(x_neg).pow(2).mean(1)
                # The following loss pushes pos (neg) samples to
                # values larger (smaller) than the self.threshold.
                loss = torch.log(
                    1 + torch.exp(torch.cat([-g_pos + self.threshold, g_neg - self.threshold]))
                ).mean()
                self.opt.zero_grad()
                # this backward just compute the derivative and hence
                # is not considered backpropagation.
                loss.backward()
                self.opt.step()
                if i % args["log_interval"] == 0:
                    log.append(loss.item())
            return self.forward(x_pos).detach(), self.forward(x_neg).detach()

    torch.manual_seed(args["seed"])
    x, y = torch.tensor(x_np[:24]), torch.tensor(y_np[:24])
    x_te, y_te = torch.tensor(x_np[24:]), torch.tensor(y_np[24:])
    net = Net([x.size(1), 16, 16])
    x_pos = overlay_y_on_x(x, y)
    rnd = torch.tensor(perm)
    x_neg = overlay_y_on_x(x, y[rnd])
    net.train(x_pos, x_neg)
    log.append(1.0 - net.predict(x).eq(y).float().mean().item())
    log.append(1.0 - net.predict(x_te).eq(y_te).float().mean().item())
    log.append([len(list(net.parameters())), net.training, net.layers[0].training])
    return log


def test_forward_forward(portability):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 32)
    x = rng.random((32, 28)) + np.eye(28)[y + 12]
    args = dict(lr=0.03, threshold=2, epochs=30, log_interval=5, seed=1)
    perm = rng.permutation(24)
    portability.assert_same(forward_forward, rtol=1e-8, x_np=x, y_np=y, perm=perm, args=args)
