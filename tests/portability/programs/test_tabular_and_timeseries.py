"""Blog-post programs: a tabular MLP (``nn.BatchNorm1d`` + ``nn.Dropout`` blocks, ``BCEWithLogitsLoss
(pos_weight=…)``, ``ReduceLROnPlateau(mode='min', factor=0.5, patience=1)`` on the validation
loss, early stopping by hand with ``copy.deepcopy(model.state_dict())`` and a patience counter,
``torch.sigmoid(logits) > 0.5`` accuracy, the best weights restored); an LSTM time-series
forecaster (sliding windows from a NumPy series, ``nn.LSTM(batch_first=True)`` with ``h0``/``c0``
built by ``torch.zeros(self.num_layers, x.size(0), self.hidden_size).requires_grad_()`` and
``.detach()``-ed, ``out[:, -1, :]``, ``MSELoss``, ``torch.no_grad()`` predictions and a
recursive multi-step forecast with ``torch.cat`` on the window); a denoising autoencoder
(``noisy = x + noise_factor * torch.randn_like(x)``, ``torch.clamp(noisy, 0., 1.)``,
``nn.Sigmoid`` decoder, ``ConvTranspose2d`` with ``output_padding``)."""

from __future__ import annotations

import copy

import numpy as np


def tabular_mlp(torch, nn, F, optim, data, init, path, x_np, y_np):
    log = []

    class TabularMLP(nn.Module):
        def __init__(self, n_features, hidden=(32, 16), dropout=0.0):
            super().__init__()
            layers = []
            prev = n_features
            for h in hidden:
                layers += [nn.Linear(prev, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(dropout)]
                prev = h
            self.body = nn.Sequential(*layers)
            self.out = nn.Linear(prev, 1)

        def forward(self, x):
            return self.out(self.body(x)).squeeze(-1)

    # standardise with the training statistics, as the posts do by hand
    # the posts write dtype=torch.float32; the default dtype (float64 here) keeps float32
    # rounding from flipping a borderline validation prediction
    X = torch.tensor(x_np, dtype=torch.get_default_dtype())
    y = torch.tensor(y_np, dtype=torch.get_default_dtype())
    X_train, X_val, y_train, y_val = X[:48], X[48:], y[:48], y[48:]
    mean, std = X_train.mean(dim=0), X_train.std(dim=0)
    X_train = (X_train - mean) / std
    X_val = (X_val - mean) / std
    train_loader = data.DataLoader(data.TensorDataset(X_train, y_train), batch_size=16, shuffle=False)  # fmt: skip

    model = init(TabularMLP(X.shape[1]))
    pos_weight = torch.tensor([(y_train == 0).sum() / (y_train == 1).sum()])
    criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    optimizer = optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4)
    scheduler = optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=1)  # fmt: skip

    best_loss, best_state, patience, bad_epochs = float("inf"), None, 3, 0
    for epoch in range(12):
        model.train()
        running = 0.0
        for xb, yb in train_loader:
            optimizer.zero_grad()
            logits = model(xb)
            loss = criterion(logits, yb)
            loss.backward()
            optimizer.step()
            running += loss.item() * xb.size(0)
        train_loss = running / len(train_loader.dataset)

        model.eval()
        with torch.no_grad():
            val_logits = model(X_val)
            val_loss = criterion(val_logits, y_val).item()
            val_acc = ((torch.sigmoid(val_logits) > 0.5).float() == y_val).float().mean().item()
        scheduler.step(val_loss)
        log.append([train_loss, val_loss, val_acc, optimizer.param_groups[0]["lr"]])

        if val_loss < best_loss - 1e-4:
            best_loss = val_loss
            best_state = copy.deepcopy(model.state_dict())
            bad_epochs = 0
        else:
            bad_epochs += 1
            if bad_epochs >= patience:
                log.append(f"early stop at {epoch}")
                break
    model.load_state_dict(best_state)
    model.eval()
    with torch.no_grad():
        log.append(criterion(model(X_val), y_val).item())
    log.append(model.body[1].running_mean.tolist())
    return log


def lstm_forecaster(torch, nn, F, optim, data, init, path, series):
    log = []

    def create_sequences(values, seq_length):
        xs, ys = [], []
        for i in range(len(values) - seq_length):
            xs.append(values[i : (i + seq_length)])
            ys.append(values[i + seq_length])
        return np.array(xs), np.array(ys)

    seq_length = 8
    X, y = create_sequences(series, seq_length)
    X = torch.from_numpy(X).float().unsqueeze(-1)
    y = torch.from_numpy(y).float().unsqueeze(-1)
    train_size = int(len(X) * 0.8)
    X_train, X_test, y_train, y_test = X[:train_size], X[train_size:], y[:train_size], y[train_size:]  # fmt: skip

    class LSTMModel(nn.Module):
        def __init__(self, input_dim, hidden_dim, layer_dim, output_dim):
            super(LSTMModel, self).__init__()
            self.hidden_dim = hidden_dim
            self.layer_dim = layer_dim
            self.lstm = nn.LSTM(input_dim, hidden_dim, layer_dim, batch_first=True)
            self.fc = nn.Linear(hidden_dim, output_dim)

        def forward(self, x):
            h0 = torch.zeros(self.layer_dim, x.size(0), self.hidden_dim).requires_grad_()
            c0 = torch.zeros(self.layer_dim, x.size(0), self.hidden_dim).requires_grad_()
            out, (hn, cn) = self.lstm(x, (h0.detach(), c0.detach()))
            out = self.fc(out[:, -1, :])
            return out

    model = init(LSTMModel(input_dim=1, hidden_dim=12, layer_dim=2, output_dim=1))
    criterion = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loader = data.DataLoader(data.TensorDataset(X_train, y_train), batch_size=8, shuffle=False)
    for epoch in range(6):
        model.train()
        for xb, yb in loader:
            optimizer.zero_grad()
            outputs = model(xb)
            loss = criterion(outputs, yb)
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            test_loss = criterion(model(X_test), y_test)
        log.append([loss.item(), test_loss.item()])

    # recursive forecast: feed each prediction back into the window
    with torch.no_grad():
        window = X_test[-1:].clone()
        preds = []
        for _ in range(5):
            nxt = model(window)
            preds.append(nxt.item())
            window = torch.cat((window[:, 1:, :], nxt.unsqueeze(1)), dim=1)
    log.append(preds)
    predicted = model(X_test).detach().numpy().flatten()
    log.append(float(np.sqrt(np.mean((predicted - y_test.numpy().flatten()) ** 2))))
    return log


def denoising_autoencoder(torch, nn, F, optim, data, init, path, images):
    log = []

    class ConvDenoiser(nn.Module):
        def __init__(self):
            super(ConvDenoiser, self).__init__()
            self.encoder = nn.Sequential(
                nn.Conv2d(1, 8, 3, stride=2, padding=1),
                nn.ReLU(True),
                nn.Conv2d(8, 16, 3, stride=2, padding=1),
                nn.ReLU(True),
            )
            self.decoder = nn.Sequential(
                nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1),
                nn.ReLU(True),
                nn.ConvTranspose2d(8, 1, 3, stride=2, padding=1, output_padding=1),
                nn.Sigmoid(),
            )

        def forward(self, x):
            x = self.encoder(x)
            x = self.decoder(x)
            return x

    model = init(ConvDenoiser())
    criterion = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    noise_factor = 0.5
    train_loader = data.DataLoader(torch.tensor(images), batch_size=4)
    for epoch in range(1, 4):
        train_loss = 0.0
        for imgs in train_loader:
            noisy_imgs = imgs + noise_factor * torch.randn(*imgs.shape)
            noisy_imgs = torch.clamp(noisy_imgs, 0.0, 1.0)
            optimizer.zero_grad()
            outputs = model(noisy_imgs)
            loss = criterion(outputs, imgs)
            loss.backward()
            optimizer.step()
            train_loss += loss.item() * imgs.size(0)
        train_loss = train_loss / len(train_loader)
        log.append(train_loss)
    noisy = torch.clamp(images_t := torch.tensor(images[:2]), 0.0, 1.0)
    with torch.no_grad():
        out = model(noisy + noise_factor * torch.randn_like(noisy))
    log.append([list(out.shape), out.mean().item(), F.mse_loss(out, images_t).item()])
    return log


def test_tabular_mlp(portability):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 6)) * [1, 5, 0.1, 2, 1, 3] + [0, 10, 0, -2, 1, 0]
    y = ((x[:, 0] + 0.2 * x[:, 1] - x[:, 3] + 0.5 * rng.standard_normal(64)) > 2.5).astype(np.int64)  # fmt: skip
    portability.assert_same(tabular_mlp, rtol=1e-9, x_np=x, y_np=y)


def test_lstm_forecaster(portability):
    t = np.arange(60)
    series = np.sin(t * 0.3) + 0.1 * np.cos(t * 1.7)
    portability.assert_same(lstm_forecaster, dtype="float32", rtol=1e-4, series=series)


def test_denoising_autoencoder(portability):
    rng = np.random.default_rng(0)
    images = rng.random((8, 1, 8, 8)) * (rng.random((8, 1, 1, 1)) > 0.3)
    portability.assert_same(denoising_autoencoder, rtol=1e-8, images=images)
