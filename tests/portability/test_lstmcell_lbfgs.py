"""The official time-sequence-prediction example's shape: two stacked ``LSTMCell`` s predicting a
sine wave step by step (plus a future horizon), trained with LBFGS through a closure."""

from __future__ import annotations

import numpy as np


def lstmcell_sine(torch, nn, F, optim, data, init, path, waves):
    class Sequence(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm1 = nn.LSTMCell(1, 8)
            self.lstm2 = nn.LSTMCell(8, 8)
            self.linear = nn.Linear(8, 1)

        def forward(self, input, future=0):
            outputs = []
            h_t = torch.zeros(input.size(0), 8, dtype=torch.double)
            c_t = torch.zeros(input.size(0), 8, dtype=torch.double)
            h_t2 = torch.zeros(input.size(0), 8, dtype=torch.double)
            c_t2 = torch.zeros(input.size(0), 8, dtype=torch.double)
            for input_t in input.split(1, dim=1):
                h_t, c_t = self.lstm1(input_t, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            for i in range(future):
                h_t, c_t = self.lstm1(output, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            outputs = torch.cat(outputs, dim=1)
            return outputs

    data_ = torch.from_numpy(waves)
    input = data_[2:, :-1]
    target = data_[2:, 1:]
    test_input = data_[:2, :-1]
    test_target = data_[:2, 1:]
    seq = init(Sequence())
    seq.double()
    criterion = nn.MSELoss()
    optimizer = optim.LBFGS(seq.parameters(), lr=0.8, max_iter=5)
    log = []
    for i in range(2):
        print("STEP: ", i)

        def closure():
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            print("loss:", loss.item())
            log.append(loss.item())
            loss.backward()
            return loss

        optimizer.step(closure)
        with torch.no_grad():
            future = 5
            pred = seq(test_input, future=future)
            loss = criterion(pred[:, :-future], test_target)
            print("test loss:", loss.item())
            y = pred.detach().numpy()
        log.append(loss.item())
        log.append(float(y[:, -future:].sum()))
    return log


def test_lstmcell_lbfgs(portability):
    T, L, N = 20, 16, 5
    x = np.empty((N, L), np.float64)
    x[:] = np.arange(L) + np.random.default_rng(0).integers(-4 * T, 4 * T, N).reshape(N, 1)
    waves = np.sin(x / 1.0 / T).astype(np.float64)
    portability.assert_same(lstmcell_sine, waves=waves, rtol=1e-7)
