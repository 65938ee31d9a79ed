"""The official VAE example's shape: encoder to (mu, logvar), reparameterization with
``torch.randn_like``, Bernoulli decoder, BCE + KL loss, Adam, a test pass under no_grad."""

from __future__ import annotations

import numpy as np


def vae(torch, nn, F, optim, data, init, path, images):
    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(64, 32)
            self.fc21 = nn.Linear(32, 4)
            self.fc22 = nn.Linear(32, 4)
            self.fc3 = nn.Linear(4, 32)
            self.fc4 = nn.Linear(32, 64)

        def encode(self, x):
            h1 = F.relu(self.fc1(x))
            return self.fc21(h1), self.fc22(h1)

        def reparameterize(self, mu, logvar):
            std = torch.exp(0.5 * logvar)
            eps = torch.randn_like(std)
            return mu + eps * std

        def decode(self, z):
            h3 = F.relu(self.fc3(z))
            return torch.sigmoid(self.fc4(h3))

        def forward(self, x):
            mu, logvar = self.encode(x.view(-1, 64))
            z = self.reparameterize(mu, logvar)
            return self.decode(z), mu, logvar

    def loss_function(recon_x, x, mu, logvar):
        BCE = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction="sum")
        KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return BCE + KLD

    model = init(VAE())
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    dataset = data.TensorDataset(torch.tensor(images), torch.zeros(len(images)))
    train_loader = data.DataLoader(dataset, batch_size=16, shuffle=False)
    log = []
    for epoch in range(1, 4):
        model.train()
        train_loss = 0
        for batch_idx, (data_, _) in enumerate(train_loader):
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(data_)
            loss = loss_function(recon_batch, data_, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
            log.append(loss.item() / len(data_))
        print(f"====> Epoch: {epoch} Average loss: {train_loss / len(train_loader.dataset):.4f}")
        model.eval()
        test_loss = 0
        with torch.no_grad():
            for data_, _ in train_loader:
                recon_batch, mu, logvar = model(data_)
                test_loss += loss_function(recon_batch, data_, mu, logvar).item()
        log.append(test_loss / len(train_loader.dataset))
        with torch.no_grad():
            sample = torch.randn(4, 4)
            sample = model.decode(sample).cpu()
            log.append(sample.view(4, 1, 8, 8).sum().item())
    return log


def test_vae(portability):
    rng = np.random.default_rng(0)
    images = (rng.random(size=(48, 1, 8, 8)) > 0.5).astype(np.float64)
    portability.assert_same(vae, images=images)
