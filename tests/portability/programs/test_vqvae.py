"""VQ-VAE as the reference re-implementations write it (zalandoresearch/pytorch-vq-vae,
rosinality/vq-vae-2-pytorch, the Keras-port tutorials): a small conv encoder, the codebook an
``nn.Embedding`` with ``weight.data.uniform_(-1/K, 1/K)``, distances written two ways —
``(torch.sum(flat**2, dim=1, keepdim=True) + torch.sum(E**2, dim=1) - 2 * torch.matmul(flat,
E.t()))`` and ``torch.cdist`` — ``torch.argmin(distances, dim=1).unsqueeze(1)``, one-hot
encodings with ``torch.zeros(...).scatter_(1, idx, 1)`` and with ``F.one_hot``, the
straight-through estimator ``inputs + (quantized - inputs).detach()``, the commitment loss
``F.mse_loss(quantized.detach(), inputs)``, perplexity ``torch.exp(-torch.sum(avg_probs *
torch.log(avg_probs + 1e-10)))``, ``permute(0, 2, 3, 1).contiguous()``; then the EMA codebook
(``_ema_cluster_size.mul_(decay).add_(..., alpha=1 - decay)`` buffers, Laplace smoothing,
``self._ema_w = nn.Parameter(...)`` with ``.data.mul_().add_()`` under ``torch.no_grad()``,
``self._embedding.weight = nn.Parameter(self._ema_w / n.unsqueeze(1))``)."""

from __future__ import annotations

import numpy as np


def vqvae(torch, nn, F, optim, data, init, path, images, ema, form):
    log = []

    class VectorQuantizer(nn.Module):
        def __init__(self, num_embeddings, embedding_dim, commitment_cost):
            super().__init__()
            self._embedding_dim = embedding_dim
            self._num_embeddings = num_embeddings
            self._embedding = nn.Embedding(self._num_embeddings, self._embedding_dim)
            self._embedding.weight.data.uniform_(-1 / self._num_embeddings, 1 / self._num_embeddings)  # fmt: skip
            self._commitment_cost = commitment_cost

        def forward(self, inputs):
            inputs = inputs.permute(0, 2, 3, 1).contiguous()
            input_shape = inputs.shape
            flat_input = inputs.view(-1, self._embedding_dim)
            if form == "expand":
                distances = (torch.sum(flat_input**2, dim=1, keepdim=True)
                             + torch.sum(self._embedding.weight**2, dim=1)
                             - 2 * torch.matmul(flat_input, self._embedding.weight.t()))  # fmt: skip
            else:
                distances = torch.cdist(flat_input, self._embedding.weight) ** 2
            encoding_indices = torch.argmin(distances, dim=1).unsqueeze(1)
            if form == "expand":
                encodings = torch.zeros(encoding_indices.shape[0], self._num_embeddings, device=inputs.device)  # fmt: skip
                encodings.scatter_(1, encoding_indices, 1)
            else:
                encodings = F.one_hot(encoding_indices.squeeze(1), self._num_embeddings).type(flat_input.dtype)  # fmt: skip
            quantized = torch.matmul(encodings, self._embedding.weight).view(input_shape)
            e_latent_loss = F.mse_loss(quantized.detach(), inputs)
            q_latent_loss = F.mse_loss(quantized, inputs.detach())
            loss = q_latent_loss + self._commitment_cost * e_latent_loss
            quantized = inputs + (quantized - inputs).detach()
            avg_probs = torch.mean(encodings, dim=0)
            perplexity = torch.exp(-torch.sum(avg_probs * torch.log(avg_probs + 1e-10)))
            return loss, quantized.permute(0, 3, 1, 2).contiguous(), perplexity, encodings

    class VectorQuantizerEMA(nn.Module):
        def __init__(self, num_embeddings, embedding_dim, commitment_cost, decay, epsilon=1e-5):
            super().__init__()
            self._embedding_dim = embedding_dim
            self._num_embeddings = num_embeddings
            self._embedding = nn.Embedding(self._num_embeddings, self._embedding_dim)
            self._embedding.weight.data.normal_()
            self._commitment_cost = commitment_cost
            self.register_buffer("_ema_cluster_size", torch.zeros(num_embeddings))
            self._ema_w = nn.Parameter(torch.Tensor(num_embeddings, self._embedding_dim))
            self._ema_w.data.normal_()
            self._decay = decay
            self._epsilon = epsilon

        def forward(self, inputs):
            inputs = inputs.permute(0, 2, 3, 1).contiguous()
            input_shape = inputs.shape
            flat_input = inputs.view(-1, self._embedding_dim)
            distances = (torch.sum(flat_input**2, dim=1, keepdim=True)
                         + torch.sum(self._embedding.weight**2, dim=1)
                         - 2 * torch.matmul(flat_input, self._embedding.weight.t()))  # fmt: skip
            encoding_indices = torch.argmin(distances, dim=1).unsqueeze(1)
            encodings = torch.zeros(encoding_indices.shape[0], self._num_embeddings, device=inputs.device)  # fmt: skip
            encodings.scatter_(1, encoding_indices, 1)
            quantized = torch.matmul(encodings, self._embedding.weight).view(input_shape)
            if self.training:
                self._ema_cluster_size = self._ema_cluster_size * self._decay + (1 - self._decay) * torch.sum(encodings, 0)  # fmt: skip
                n = torch.sum(self._ema_cluster_size.data)
                self._ema_cluster_size = ((self._ema_cluster_size + self._epsilon)
                                          / (n + self._num_embeddings * self._epsilon) * n)  # fmt: skip
                dw = torch.matmul(encodings.t(), flat_input)
                self._ema_w = nn.Parameter(self._ema_w * self._decay + (1 - self._decay) * dw)
                self._embedding.weight = nn.Parameter(self._ema_w / self._ema_cluster_size.unsqueeze(1))  # fmt: skip
            e_latent_loss = F.mse_loss(quantized.detach(), inputs)
            loss = self._commitment_cost * e_latent_loss
            quantized = inputs + (quantized - inputs).detach()
            avg_probs = torch.mean(encodings, dim=0)
            perplexity = torch.exp(-torch.sum(avg_probs * torch.log(avg_probs + 1e-10)))
            return loss, quantized.permute(0, 3, 1, 2).contiguous(), perplexity, encodings

    class Model(nn.Module):
        def __init__(self, num_embeddings=6, embedding_dim=4, commitment_cost=0.25, decay=0.0):
            super().__init__()
            self._encoder = nn.Sequential(
                nn.Conv2d(1, 8, 4, stride=2, padding=1),
                nn.ReLU(True),
                nn.Conv2d(8, 8, 3, padding=1),
            )
            self._pre_vq_conv = nn.Conv2d(8, embedding_dim, kernel_size=1, stride=1)
            if decay > 0.0:
                self._vq_vae = VectorQuantizerEMA(num_embeddings, embedding_dim, commitment_cost, decay)  # fmt: skip
            else:
                self._vq_vae = VectorQuantizer(num_embeddings, embedding_dim, commitment_cost)
            self._decoder = nn.Sequential(
                nn.Conv2d(embedding_dim, 8, 3, padding=1), nn.ReLU(True),
                nn.ConvTranspose2d(8, 1, 4, stride=2, padding=1),
            )  # fmt: skip

        def forward(self, x):
            z = self._encoder(x)
            z = self._pre_vq_conv(z)
            loss, quantized, perplexity, _ = self._vq_vae(z)
            x_recon = self._decoder(quantized)
            return loss, x_recon, perplexity

    model = init(Model(decay=0.9 if ema else 0.0))
    optimizer = optim.Adam(model.parameters(), lr=3e-3, amsgrad=False)
    x = torch.tensor(images)
    data_variance = x.var().item()
    loader = data.DataLoader(data.TensorDataset(x), batch_size=4, shuffle=False)
    model.train()
    for epoch in range(3):
        for (batch,) in loader:
            optimizer.zero_grad()
            vq_loss, data_recon, perplexity = model(batch)
            recon_error = F.mse_loss(data_recon, batch) / data_variance
            loss = recon_error + vq_loss
            loss.backward()
            optimizer.step()
            log.append([recon_error.item(), vq_loss.item(), perplexity.item()])
    model.eval()
    with torch.no_grad():
        _, recon, _ = model(x[:2])
        _, _, _, enc = model._vq_vae(model._pre_vq_conv(model._encoder(x[:2])))
    log.append([recon.sum().item(), enc.argmax(1).tolist()])
    log.append(model._vq_vae._embedding.weight.detach().sum(1).tolist())
    return log


def _images():
    rng = np.random.default_rng(3)
    return rng.random((8, 1, 8, 8))


def test_vqvae_expanded_distances(portability):
    portability.assert_same(vqvae, rtol=1e-7, images=_images(), ema=False, form="expand")


def test_vqvae_cdist_one_hot(portability):
    portability.assert_same(vqvae, rtol=1e-7, images=_images(), ema=False, form="cdist")


def test_vqvae_ema_codebook(portability):
    portability.assert_same(vqvae, rtol=1e-7, images=_images(), ema=True, form="expand")
