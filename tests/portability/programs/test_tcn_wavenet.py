"""A temporal convolutional network (locuslab/TCN) and a tiny WaveNet, as their repos write them:
``weight_norm(nn.Conv1d(..., padding=(k-1)*dilation, dilation=dilation))`` followed by a
``Chomp1d`` (``x[:, :, :-self.chomp_size].contiguous()``), residual blocks with a 1x1
``downsample``, ``init_weights`` through ``self.conv1.weight.data.normal_(0, 0.01)`` (the
``weight_v`` of the old ``nn.utils.weight_norm``); the WaveNet's causal ``F.pad(x, (pad, 0))``,
gated activations ``torch.tanh(f) * torch.sigmoid(g)``, skip connections summed over layers,
``parametrizations.weight_norm`` on the output conv, and a sequence-to-one adding problem with
``MSELoss``, Adam and ``StepLR``; then a saved/loaded state dict (``weight_g``/``weight_v``,
``parametrizations.weight.original0``/``original1``) and ``remove_weight_norm``."""

from __future__ import annotations

import numpy as np
import pytest


def tcn_wavenet(torch, nn, F, optim, data, init, path, x, y):
    from_utils = nn.utils
    log = []

    class Chomp1d(nn.Module):
        def __init__(self, chomp_size):
            super().__init__()
            self.chomp_size = chomp_size

        def forward(self, x):
            return x[:, :, : -self.chomp_size].contiguous()

    class TemporalBlock(nn.Module):
        def __init__(self, n_inputs, n_outputs, kernel_size, stride, dilation, padding):
            super().__init__()
            self.conv1 = from_utils.weight_norm(nn.Conv1d(n_inputs, n_outputs, kernel_size,
                                                stride=stride, padding=padding, dilation=dilation))  # fmt: skip
            self.chomp1 = Chomp1d(padding)
            self.relu1 = nn.ReLU()
            self.conv2 = from_utils.weight_norm(nn.Conv1d(n_outputs, n_outputs, kernel_size,
                                                stride=stride, padding=padding, dilation=dilation))  # fmt: skip
            self.chomp2 = Chomp1d(padding)
            self.relu2 = nn.ReLU()
            self.net = nn.Sequential(self.conv1, self.chomp1, self.relu1, self.conv2,
                                     self.chomp2, self.relu2)  # fmt: skip
            self.downsample = nn.Conv1d(n_inputs, n_outputs, 1) if n_inputs != n_outputs else None
            self.relu = nn.ReLU()
            self.init_weights()

        def init_weights(self):
            self.conv1.weight.data.normal_(0, 0.01)
            self.conv2.weight.data.normal_(0, 0.01)
            if self.downsample is not None:
                self.downsample.weight.data.normal_(0, 0.01)

        def forward(self, x):
            out = self.net(x)
            res = x if self.downsample is None else self.downsample(x)
            return self.relu(out + res)

    class TemporalConvNet(nn.Module):
        def __init__(self, num_inputs, num_channels, kernel_size=2):
            super().__init__()
            layers = []
            for i in range(len(num_channels)):
                dilation_size = 2**i
                in_channels = num_inputs if i == 0 else num_channels[i - 1]
                out_channels = num_channels[i]
                layers += [TemporalBlock(in_channels, out_channels, kernel_size, stride=1,
                                         dilation=dilation_size,
                                         padding=(kernel_size - 1) * dilation_size)]  # fmt: skip
            self.network = nn.Sequential(*layers)

        def forward(self, x):
            return self.network(x)

    class TCN(nn.Module):
        def __init__(self, input_size, output_size, num_channels, kernel_size):
            super().__init__()
            self.tcn = TemporalConvNet(input_size, num_channels, kernel_size=kernel_size)
            self.linear = nn.Linear(num_channels[-1], output_size)
            self.linear.weight.data.normal_(0, 0.01)

        def forward(self, x):
            y1 = self.tcn(x)
            return self.linear(y1[:, :, -1])

    class CausalConv1d(nn.Conv1d):
        def __init__(self, in_channels, out_channels, kernel_size, dilation=1):
            super().__init__(in_channels, out_channels, kernel_size, dilation=dilation)
            self.left = (kernel_size - 1) * dilation

        def forward(self, x):
            return super().forward(F.pad(x, (self.left, 0)))

    class WaveNet(nn.Module):
        def __init__(self, channels=6, layers=3):
            super().__init__()
            self.input = CausalConv1d(2, channels, 2)
            self.filters = nn.ModuleList(
                [CausalConv1d(channels, channels, 2, dilation=2**i) for i in range(layers)])  # fmt: skip
            self.gates = nn.ModuleList(
                [CausalConv1d(channels, channels, 2, dilation=2**i) for i in range(layers)])  # fmt: skip
            self.residual = nn.ModuleList([nn.Conv1d(channels, channels, 1) for _ in range(layers)])
            self.skip = nn.ModuleList([nn.Conv1d(channels, channels, 1) for _ in range(layers)])
            self.out = nn.utils.parametrizations.weight_norm(nn.Conv1d(channels, 1, 1))

        def forward(self, x):
            h = self.input(x)
            skips = 0
            for f, g, r, s in zip(self.filters, self.gates, self.residual, self.skip):
                z = torch.tanh(f(h)) * torch.sigmoid(g(h))
                skips = skips + s(z)
                h = h + r(z)
            return self.out(F.relu(skips))[:, 0, -1]

    X, Y = torch.tensor(x), torch.tensor(y)
    loader = data.DataLoader(data.TensorDataset(X, Y), batch_size=8)
    criterion = nn.MSELoss()
    for name, model in (("tcn", TCN(2, 1, [5, 5, 4], kernel_size=3)), ("wavenet", WaveNet())):
        model = init(model)
        log.append(sorted(model.state_dict().keys()))
        optimizer = optim.Adam(model.parameters(), lr=4e-3)
        scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
        for epoch in range(4):
            model.train()
            for xb, yb in loader:
                optimizer.zero_grad()
                out = model(xb).view(-1)
                loss = criterion(out, yb)
                loss.backward()
                optimizer.step()
                log.append(loss.item())
            scheduler.step()
        model.eval()
        with torch.no_grad():
            log.append(criterion(model(X).view(-1), Y).item())
        torch.save(model.state_dict(), path / f"{name}.pt")
        state = torch.load(path / f"{name}.pt")
        log.append([float(v.sum()) for k, v in sorted(state.items())])
    # the TCN's weight norm removed: same function, plain weights
    tcn = TCN(2, 1, [3], kernel_size=2)
    tcn = init(tcn)
    block = tcn.tcn.network[0]
    before = tcn(X[:4]).detach()
    nn.utils.remove_weight_norm(block.conv1)
    nn.utils.remove_weight_norm(block.conv2)
    log.append(sorted(tcn.state_dict().keys()))
    log.append((tcn(X[:4]).detach() - before).abs().max().item() < 1e-12)
    log.append(block.conv1.weight.detach().sum().item())
    return log


@pytest.mark.filterwarnings("ignore:.*weight_norm. is deprecated:FutureWarning")
def test_tcn_wavenet(portability):
    rng = np.random.default_rng(5)
    n, T = 32, 12
    values = rng.random((n, T))
    marks = np.zeros((n, T))
    for i in range(n):
        a, b = rng.choice(T, 2, replace=False)
        marks[i, [a, b]] = 1
    x = np.stack([values, marks], axis=1)
    y = (values * marks).sum(1)
    portability.assert_same(tcn_wavenet, rtol=1e-8, x=x, y=y)
